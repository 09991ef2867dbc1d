package interp_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// nutsPosteriors are the posteriordb posteriors NUTS is benchmarked on.
var nutsPosteriors = []struct{ name, dir string }{
	{"eight_schools_noncentered", "eight_schools-eight_schools_noncentered"},
	{"kidiq", "kidiq-kidscore_momiq"},
}

// nutsPosterior builds the posterior of the posteriordb script dir.
func nutsPosterior(b *testing.B, dir string) *interp.Posterior { return nutsPosteriorT(b, dir) }

func nutsPosteriorT(b interface {
	testing.TB
	Chdir(string)
}, dir string) *interp.Posterior {
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat("examples/posteriordb"); err == nil {
		root = "." // an earlier call moved to the repository root
	}
	src := posteriorStepSrc(b, filepath.Join(root, "examples", "posteriordb", dir))
	b.Chdir(root)
	th, _, _ := newThread()
	return mustRun(b, th, "bench.flow", src)["post"].(*interp.Posterior)
}

// BenchmarkNUTSGradient is one gradient of the log density at one point
// as NUTS takes it (rows=1: tape reset, LogDensity of a [1, D] tensor,
// Backward), and per row of a batch of 4 or 64 points (what chains
// evaluated together would cost).
func BenchmarkNUTSGradient(b *testing.B) {
	for _, pp := range nutsPosteriors {
		for _, rows := range []int{1, 4, 64} {
			b.Run(fmt.Sprintf("%s/rows=%d", pp.name, rows), func(b *testing.B) {
				p := nutsPosterior(b, pp.dir)
				d := p.Dim()
				tp := tensor.NewTape()
				z := tensor.Zeros(rows, d)
				for i := range z.Data() {
					z.Data()[i] = 0.1 * float64(i%7-3)
				}
				cpu0 := cpuTime()
				for b.Loop() {
					tp.Reset()
					tp.Watch(z)
					lp, err := p.LogDensity(z)
					if err != nil {
						b.Fatal(err)
					}
					tp.Backward(tensor.Sum(lp))
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*rows)/1e3, "cpu-µs/row")
			})
		}
	}
}

// minESSBulk is the smallest bulk ESS (draws.ESSBulk, the posterior
// package's ess_bulk) over the unconstrained coordinates of res's chains.
func minESSBulk(b *testing.B, res *infer.NUTSResult) float64 {
	d := res.Dim
	best := math.Inf(1)
	for j := range d {
		x := make([][]float64, len(res.Chains))
		for c, ch := range res.Chains {
			for i := range ch.Len() {
				x[c] = append(x[c], ch.Draws[i*d+j])
			}
		}
		ess, err := draws.ESSBulk(x)
		if err != nil {
			b.Fatal(err)
		}
		best = min(best, ess)
	}
	return best
}

// BenchmarkNUTS is a NUTS run of Stan's default length (1000 warm-up and
// 1000 sampling iterations) per op, with 1 chain and with 4 chains in
// NUTS's default layout (gradients replayed from traces, each chain on a
// fork of its own; BenchmarkNUTSTrace compares the layouts and tracing
// off), reporting gradient
// evaluations and iterations (warm-up included) per second of wall time,
// the CPU time per gradient, and the smallest bulk ESS over the
// unconstrained coordinates per second of wall time (ess/s) and of CPU
// time (ess/cpu-s). Run with -benchtime 1x.
func BenchmarkNUTS(b *testing.B) {
	for _, pp := range nutsPosteriors {
		for _, chains := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/chains=%d", pp.name, chains), func(b *testing.B) {
				p := nutsPosterior(b, pp.dir)
				grads, iters := 0, 0
				var secs, essSum float64
				cpu0 := cpuTime()
				for i := 0; b.Loop(); i++ {
					t0 := time.Now()
					res, err := infer.NUTS(p, infer.NUTSOptions{Chains: chains, Seed: uint64(i + 1)})
					if err != nil {
						b.Fatal(err)
					}
					secs += time.Since(t0).Seconds()
					leap, div := 0, 0
					for _, c := range res.Chains {
						grads += c.Gradients
						iters += res.Options.Warmup + c.Len()
						div += c.Divergences()
						for _, n := range c.NLeapfrog {
							leap += n
						}
					}
					ess := minESSBulk(b, res)
					essSum += ess
					b.Logf("step size %.3f, %.1f leapfrogs a sampling iteration, %d divergent, min bulk ESS %.0f", res.Chains[0].AdaptedStepSize, float64(leap)/float64(chains*res.Options.Samples), div, ess)
				}
				b.ReportMetric(essSum/secs, "ess/s")
				b.ReportMetric(essSum/(float64(cpuTime()-cpu0)/1e9), "ess/cpu-s")
				b.ReportMetric(float64(grads)/secs, "grad/s")
				b.ReportMetric(float64(iters)/secs, "iter/s")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(grads)/1e3, "cpu-µs/grad")
			})
		}
	}
}
