package draws

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

var updateData = flag.Bool("update-data", false, "rewrite testdata/reference_draws.csv (then run bench/draws/reference.R)")

// refSet is one quantity of the reference data.
type refSet struct {
	name string
	x    [][]float64
}

// ar1 returns m chains of n draws of a stationary AR(1) process with
// coefficient phi and unit marginal variance.
func ar1(rng *rand.Rand, m, n int, phi float64) [][]float64 {
	x := make([][]float64, m)
	s := math.Sqrt(1 - phi*phi)
	for c := range x {
		x[c] = make([]float64, n)
		v := rng.NormFloat64()
		for i := range n {
			x[c][i] = v
			v = phi*v + s*rng.NormFloat64()
		}
	}
	return x
}

// referenceSets builds the reference quantities from a fixed seed: AR(1)
// chains of several autocorrelations, a shifted chain, a chain with a
// larger scale, ties, heavy tails, a constant, one chain, tiny chains.
func referenceSets() []refSet {
	rng := rand.New(rand.NewPCG(15, 1))
	var out []refSet
	out = append(out, refSet{"ar05", ar1(rng, 4, 101, 0.5)})
	out = append(out, refSet{"ar95", ar1(rng, 4, 101, 0.95)})
	out = append(out, refSet{"anti", ar1(rng, 4, 101, -0.6)})
	sh := ar1(rng, 4, 101, 0.5)
	for i := range sh[3] {
		sh[3][i] += 2
	}
	out = append(out, refSet{"shifted", sh})
	sc := ar1(rng, 4, 101, 0.3)
	for i := range sc[3] {
		sc[3][i] *= 3
	}
	out = append(out, refSet{"scaled", sc})
	ties := ar1(rng, 4, 101, 0.4)
	for c := range ties {
		for i := range ties[c] {
			ties[c][i] = math.Round(2 * ties[c][i])
		}
	}
	out = append(out, refSet{"ties", ties})
	heavy := ar1(rng, 4, 101, 0)
	for c := range heavy {
		for i := range heavy[c] {
			heavy[c][i] /= math.Abs(rng.NormFloat64()) // Cauchy
		}
	}
	out = append(out, refSet{"cauchy", heavy})
	cst := ar1(rng, 4, 101, 0)
	for c := range cst {
		for i := range cst[c] {
			cst[c][i] = 1.5
		}
	}
	out = append(out, refSet{"constant", cst})
	out = append(out, refSet{"onechain", ar1(rng, 1, 60, 0.3)})
	out = append(out, refSet{"tiny", ar1(rng, 2, 7, 0.2)})
	return out
}

// TestWriteReferenceDraws rewrites testdata/reference_draws.csv with
// -update-data (long format: name, chain, iteration, value).
func TestWriteReferenceDraws(t *testing.T) {
	if !*updateData {
		t.Skip("run with -update-data to rewrite the reference draws")
	}
	var b strings.Builder
	b.WriteString("name,chain,iter,value\n")
	for _, s := range referenceSets() {
		for c, ch := range s.x {
			for i, v := range ch {
				fmt.Fprintf(&b, "%s,%d,%d,%s\n", s.name, c+1, i+1, FormatCSVNumber(v))
			}
		}
	}
	if err := os.WriteFile("testdata/reference_draws.csv", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func randPCG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 15)) }
