// Command subsample benchmarks a subsampled posterior fit on large data: a
// logistic regression with 5 coefficients on n rows (default 1,000,000),
// generated with a fixed seed, fitted by logistic.flow with `subsample`,
// against the Laplace approximation of the full-data posterior (Newton's
// mode and the inverse Hessian, computed here: with a million rows the
// posterior of 5 coefficients is Gaussian to high accuracy, its skewness
// of order 1/sqrt(n)).
//
//	go build -o /tmp/subsample ./bench/subsample
//	/usr/bin/time -v /tmp/subsample [-n 1000000] [-m 1000] [-batch 32] [-steps 4000] [-seed 1]
//
// It prints, per coefficient, the reference mean and sd, the fitted ones,
// z = (mean − reference mean)/reference sd and the sd ratio, and the
// seconds of each phase. Peak memory is the process's (time -v).
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mat"
)

const k = 5

var trueBeta = []float64{0.5, -1, 0.25, 1.5, 0}

// data draws X (n×k, standard normal) and y ~ Bernoulli(sigmoid(X β)).
func data(n int, seed uint64) (x, y []float64) {
	rng := rand.New(rand.NewPCG(seed, 0xda7a))
	x, y = make([]float64, n*k), make([]float64, n)
	for i := range n {
		eta := 0.0
		for j := range k {
			v := rng.NormFloat64()
			x[i*k+j] = v
			eta += v * trueBeta[j]
		}
		if rng.Float64() < 1/(1+math.Exp(-eta)) {
			y[i] = 1
		}
	}
	return x, y
}

// laplace returns the posterior mode and sds of β under the prior
// N(0, 10²) by Newton's method on the log posterior.
func laplace(x, y []float64) (mode, sd []float64) {
	n := len(y)
	beta := make([]float64, k)
	var cov mat.SymDense
	for it := 0; it < 50; it++ {
		g := make([]float64, k)
		h := mat.NewSymDense(k, nil)
		for j := range k {
			g[j] = -beta[j] / 100
			h.SetSym(j, j, 1.0/100)
		}
		hd := make([]float64, k*k)
		for i := range n {
			row := x[i*k : (i+1)*k]
			eta := 0.0
			for j, v := range row {
				eta += v * beta[j]
			}
			p := 1 / (1 + math.Exp(-eta))
			w := p * (1 - p)
			for j, v := range row {
				g[j] += (y[i] - p) * v
				for l := 0; l <= j; l++ {
					hd[j*k+l] += w * v * row[l]
				}
			}
		}
		for j := range k {
			for l := 0; l <= j; l++ {
				h.SetSym(j, l, h.At(j, l)+hd[j*k+l])
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(h) {
			log.Fatal("laplace: the Hessian is not positive definite")
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(k, g)); err != nil {
			log.Fatal(err)
		}
		size := 0.0
		for j := range k {
			beta[j] += step.AtVec(j)
			size = math.Max(size, math.Abs(step.AtVec(j)))
		}
		if size < 1e-12 {
			if err := chol.InverseTo(&cov); err != nil {
				log.Fatal(err)
			}
			break
		}
	}
	sd = make([]float64, k)
	for j := range k {
		sd[j] = math.Sqrt(cov.At(j, j))
	}
	return beta, sd
}

func main() {
	n := flag.Int("n", 1_000_000, "rows")
	m := flag.Int("m", 1000, "rows a step (subsample)")
	batch := flag.Int("batch", 32, "draws a step (batch)")
	steps := flag.Int("steps", 4000, "steps")
	seed := flag.Int("seed", 1, "the fit's seed")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the flowppl script to this file")
	flag.Parse()

	t0 := time.Now()
	x, y := data(*n, 1)
	tData := time.Since(t0)
	t0 = time.Now()
	ref, refSD := laplace(x, y)
	tRef := time.Since(t0)

	_, self, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(self), "logistic.flow"))
	if err != nil {
		log.Fatal(err)
	}
	script := strings.NewReplacer("SUBSAMPLE", fmt.Sprint(*m), "BATCH", fmt.Sprint(*batch),
		"STEPS", fmt.Sprint(*steps), "SEED", fmt.Sprint(*seed)).Replace(string(src))
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Stderr: os.Stderr}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	t0 = time.Now()
	g, err := interp.ExecFile(th, "logistic.flow", script, lang.StringDict{
		"X": lang.NewArray(tensor.New(x, *n, k)),
		"y": lang.NewVector(y),
	})
	if err != nil {
		log.Fatal(interp.FormatError(err))
	}
	tFit := time.Since(t0)
	pprof.StopCPUProfile()
	r := g["r"].(*lang.Record)
	mean := g["m"].(*lang.Record).Fields["beta"].(*lang.Array).Data()
	sd := g["s"].(*lang.Record).Fields["beta"].(*lang.Array).Data()

	fmt.Printf("n = %d, subsample = %d, batch = %d, steps = %s of %d, seed = %d\n", *n, *m, *batch, r.Fields["steps"], *steps, *seed)
	fmt.Printf("seconds: data %.1f, Laplace reference %.1f, flowppl script %.1f (fit %s)\n",
		tData.Seconds(), tRef.Seconds(), tFit.Seconds(), r.Fields["seconds"])
	fmt.Printf("elbo %s, pareto k %s, init %s\n", r.Fields["elbo"], r.Fields["pareto_k"], r.Fields["init"])
	// The loss trace's noise: the sd of the last half of the losses about
	// their mean (the fit has converged by then).
	losses := r.Fields["losses"].(*lang.Array).Data()
	tail := losses[len(losses)/2:]
	lm, lv := 0.0, 0.0
	for _, v := range tail {
		lm += v / float64(len(tail))
	}
	for _, v := range tail {
		lv += (v - lm) * (v - lm) / float64(len(tail)-1)
	}
	fmt.Printf("loss trace, last half: mean %.2f, sd %.2f\n", lm, math.Sqrt(lv))
	fmt.Println("| coefficient | reference mean | reference sd | flowppl mean | flowppl sd | z | sd ratio |")
	fmt.Println("|---|---|---|---|---|---|---|")
	worstZ, worstR := 0.0, 1.0
	for j := range k {
		z := (mean[j] - ref[j]) / refSD[j]
		ratio := sd[j] / refSD[j]
		if math.Abs(z) > math.Abs(worstZ) {
			worstZ = z
		}
		if math.Abs(math.Log(ratio)) > math.Abs(math.Log(worstR)) {
			worstR = ratio
		}
		fmt.Printf("| beta[%d] | %.5f | %.5f | %.5f | %.5f | %+.3f | %.3f |\n", j, ref[j], refSD[j], mean[j], sd[j], z, ratio)
	}
	fmt.Printf("worst |z| %.3f, worst sd ratio %.3f\n", math.Abs(worstZ), worstR)
}
