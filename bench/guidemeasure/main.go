// Command guidemeasure fits posteriordb translations (as bench/posteriordb
// does) at given step counts and draws per step, optionally with another
// guide, and reports per fit: accuracy against the NUTS reference, the sd
// of the last -tail step losses around their least-squares line (the loss
// noise a stopping rule reads), and the step at which the slope
// equivalence rule recommended in bench/RESULTS.md ("Stopping rules")
// would fire on the trace; with -atfire, the fit is rerun stopped there
// and scored (measurement driver for bench/RESULTS.md "Cheaper steps: the
// guide and the draws"; not a user tool).
//
//	go run ./bench/guidemeasure -only NAME -seeds 1,2,3 -steps 500,1000 -batch 64,256 [-q 'flow AffineAutoregressive(hidden = [64, 64])'] [-opt 'lr = 0.005'] [-atfire]
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

func main() {
	seeds := flag.String("seeds", "1,2,3", "seeds")
	only := flag.String("only", "", "names containing")
	stepsF := flag.String("steps", "500", "step counts")
	batchF := flag.String("batch", "256", "batch sizes")
	qexpr := flag.String("q", "", "guide expression replacing the script's q")
	opt := flag.String("opt", "", "extra fit options")
	tail := flag.Int("tail", 200, "losses in the noise window")
	flag.BoolVar(&atFire, "atfire", false, "rerun each fit stopped where the rule fires (same seed: the same first steps when that is ≥ 500)")
	flag.Parse()
	files, _ := filepath.Glob("examples/posteriordb/*/model.flow")
	fmt.Println("| posterior | seed | steps | batch | fit s | ms/step | worst abs z | sd ratio | loss sd (last N, detrended) | mean loss last N | elbo | pareto k | rule fires | result |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		if *only != "" && !strings.Contains(name, *only) {
			continue
		}
		ref, err := posteriordb.Read(filepath.Join(filepath.Dir(file), "reference.json"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for _, st := range strings.Split(*stepsF, ",") {
			for _, b := range strings.Split(*batchF, ",") {
				for _, s := range strings.Split(*seeds, ",") {
					seed, _ := strconv.ParseUint(s, 10, 64)
					row := run(file, seed, ref, st, b, *qexpr, *opt, *tail)
					fmt.Printf("| %s | %d | %s | %s | %s |\n", short(name), seed, st, b, row)
				}
			}
		}
	}
}

var atFire bool

func short(n string) string { a, _, _ := strings.Cut(n, "-"); return a }

func run(file string, seed uint64, ref *posteriordb.Reference, steps, batch, qexpr, opt string, tail int) string {
	src, _ := os.ReadFile(file)
	text := string(src)
	text = regexp.MustCompile(`(?m)^seed\s*=.*$`).ReplaceAllString(text, fmt.Sprintf("seed = %d", seed))
	if qexpr != "" {
		text = regexp.MustCompile(`(?m)^q\s*=.*$`).ReplaceAllString(text, "q = "+qexpr)
	}
	extra := "steps = " + steps + ", batch = " + batch
	if opt != "" {
		extra += ", " + opt
	}
	text = strings.Replace(text, "{ seed = seed }", "{ seed = seed, "+extra+" }", 1)
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(seed, 2)), Stdout: io.Discard, Stderr: io.Discard}
	start := time.Now()
	g, err := interp.ExecFile(th, file, text, nil)
	_ = time.Since(start)
	if err != nil {
		return "error: " + strings.ReplaceAll(interp.FormatError(err), "\n", " ")
	}
	tab := g["s"].(*stdlib.Table)
	var means, sds []float64
	for _, c := range tab.Cols {
		switch c.Name {
		case "mean":
			means = c.Data
		case "sd":
			sds = c.Data
		}
	}
	rows, err := posteriordb.Score(tab.Rows, means, sds, ref)
	if err != nil {
		return "error: " + err.Error()
	}
	worstZ, worstName := 0.0, ""
	lo, hi := math.Inf(1), math.Inf(-1)
	pass := true
	for _, r := range rows {
		if math.Abs(r.Z) >= worstZ {
			worstZ, worstName = math.Abs(r.Z), r.Name
		}
		lo, hi = math.Min(lo, r.Ratio), math.Max(hi, r.Ratio)
		pass = pass && r.Pass
	}
	r := g["r"].(*lang.Record)
	losses := r.Fields["losses"].(*lang.Array).T.Data()
	secs := float64(r.Fields["seconds"].(lang.Number))
	nsteps := float64(r.Fields["steps"].(lang.Number))
	w := losses[max(0, len(losses)-tail):]
	sd, m := detrendedSD(w)
	res := "pass"
	if !pass {
		res = "FAIL"
	}
	fire := "—"
	if f := ruleFires(losses); f > 0 {
		fire = strconv.Itoa(f)
		if atFire && strconv.Itoa(f) != steps {
			return run(file, seed, ref, strconv.Itoa(f), batch, qexpr, opt, tail)
		}
	}
	return fmt.Sprintf("%.1f | %.2f | %.3f (%s) | %.2f–%.2f | %.4f | %.3f | %.3f | %.2f | %s | %s", secs, 1000*secs/nsteps, worstZ, worstName, lo, hi, sd, m,
		float64(r.Fields["elbo"].(lang.Number)), float64(r.Fields["pareto_k"].(lang.Number)), fire, res)
}

// detrendedSD returns the sd of the residuals of a least-squares line
// through w, and w's mean.
func detrendedSD(w []float64) (float64, float64) {
	n := float64(len(w))
	var sx, sy, sxx, sxy float64
	for i, v := range w {
		x := float64(i)
		sx += x
		sy += v
		sxx += x * x
		sxy += x * v
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	a := (sy - b*sx) / n
	var ss float64
	for i, v := range w {
		e := v - a - b*float64(i)
		ss += e * e
	}
	return math.Sqrt(ss / (n - 2)), sy / n
}

// ruleFires returns the first step at which the slope-equivalence rule
// recommended in bench/RESULTS.md fires on the trace (0: never): every 50
// steps from 250, W = max(250, n/4), (|b| + 2·SE·sqrt((1+ρ)/(1−ρ)))·W < 0.05.
func ruleFires(losses []float64) int {
	for n := 250; n <= len(losses); n += 50 {
		w := max(250, n/4)
		y := losses[n-w : n]
		W := float64(w)
		var sx, sy, sxx, sxy float64
		for i, v := range y {
			x := float64(i)
			sx += x
			sy += v
			sxx += x * x
			sxy += x * v
		}
		b := (W*sxy - sx*sy) / (W*sxx - sx*sx)
		a := (sy - b*sx) / W
		res := make([]float64, w)
		var ss float64
		for i, v := range y {
			res[i] = v - a - b*float64(i)
			ss += res[i] * res[i]
		}
		var c float64
		for i := 1; i < w; i++ {
			c += res[i] * res[i-1]
		}
		rho := min(0.95, max(0, c/ss))
		se := math.Sqrt(ss/(W-2)/(sxx-sx*sx/W)) * math.Sqrt((1+rho)/(1-rho))
		if (math.Abs(b)+2*se)*W < 0.05 {
			return n
		}
	}
	return 0
}
