// Command draws writes test draws in CmdStan's CSV layout with flowppl's
// summary of them beside, for compare.R to read back with rstan and the
// R package posterior (bench/draws.sh runs both).
//
//	go run ./bench/draws -out /tmp/draws   # then: Rscript bench/draws/compare.R /tmp/draws
//
// The draws are 4 chains × 1000 of known processes: AR(1) chains with
// autocorrelation 0.5 and 0.95 (slow mixing), −0.5 (antithetic), one
// chain shifted by 3 sd (R-hat far above 1), one chain with 3 times the
// scale (caught by the folded R-hat), Student-t with 2 degrees of
// freedom (heavy tails), and a 2×2 matrix (column-major naming). The
// NUTS sampler columns are synthetic (a few divergences, some
// transitions at the maximum depth) so that the whole layout is read.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowppl/flowppl/bench/internal/cmdstanout"
	"github.com/flowppl/flowppl/draws"
)

func main() {
	out := flag.String("out", "/tmp/flowppl-draws", "directory for the CSV files")
	chains := flag.Int("chains", 4, "chains")
	n := flag.Int("n", 1000, "draws per chain")
	seed := flag.Uint64("seed", 1, "seed")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	s := testSet(*chains, *n, *seed)
	sum, err := draws.Summarize(s)
	if err != nil {
		log.Fatal(err)
	}
	names, err := cmdstanout.Write(filepath.Join(*out, "ar1.csv"), filepath.Join(*out, "flowppl_summary.csv"), s, sum)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(sum)
	fmt.Printf("wrote %s and flowppl_summary.csv in %s\n", strings.Join(names, " "), *out)
}

func testSet(m, n int, seed uint64) *draws.Set {
	rng := rand.New(rand.NewPCG(seed, 15))
	params := []draws.Param{{Name: "ar05"}, {Name: "ar95"}, {Name: "anti"}, {Name: "shifted"}, {Name: "scaled"}, {Name: "t2"}, {Name: "Sigma", Shape: []int{2, 2}}}
	s := &draws.Set{Model: "ar1", Method: draws.NUTS, Params: params}
	st := draws.StanDefaults()
	st.NumSamples, st.NumWarmup, st.Seed = n, 1000, seed
	s.Settings = st
	for c := range m {
		ar := func(phi float64) []float64 {
			x := make([]float64, n)
			sd := math.Sqrt(1 - phi*phi)
			v := rng.NormFloat64()
			for i := range x {
				x[i] = v
				v = phi*v + sd*rng.NormFloat64()
			}
			return x
		}
		cols := [][]float64{ar(0.5), ar(0.95), ar(-0.5), ar(0.5), ar(0.3), ar(0.2), ar(0.7), ar(0.7), ar(0.7), ar(0.7)}
		if c == m-1 {
			for i := range n {
				cols[3][i] += 3
				cols[4][i] *= 3
			}
		}
		for i := range n { // Student-t(2): normal over sqrt(chi²₂/2)
			cols[5][i] /= math.Sqrt(rng.ExpFloat64())
		}
		d := make([][]float64, n)
		lp := make([]float64, n)
		stats := make([]draws.NUTSStat, n)
		for i := range n {
			d[i] = make([]float64, len(cols))
			for j := range cols {
				d[i][j] = cols[j][i]
				lp[i] -= cols[j][i] * cols[j][i] / 2
			}
			depth := 2 + rng.IntN(9)
			stats[i] = draws.NUTSStat{AcceptStat: 0.7 + 0.3*rng.Float64(), StepSize: 0.3, TreeDepth: depth,
				Leapfrog: 1<<depth - 1, Divergent: rng.IntN(500) == 0, Energy: -lp[i] + rng.ExpFloat64()}
		}
		s.Draws = append(s.Draws, d)
		s.LogDensity = append(s.LogDensity, lp)
		s.Stats = append(s.Stats, stats)
		s.Chains = append(s.Chains, draws.ChainInfo{StepSize: 0.3, InvMetric: [][]float64{ones(len(cols))}})
	}
	return s
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
