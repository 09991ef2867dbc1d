package infer_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/infer"
)

// nutsCostPosts are Go-coded posteriors whose gradient costs a few tape
// operations: the sampler's own work is most of a NUTS run on them.
var nutsCostPosts = []struct {
	name string
	p    func() infer.Posterior
}{
	{"iid10", func() infer.Posterior { return stdNormalPost{10} }},
	{"ar10", func() infer.Posterior { return newAR1Post(10, 0.9) }},
	{"iid4", func() infer.Posterior { return stdNormalPost{4} }},
}

// BenchmarkNUTSSampler is NUTS with Stan's defaults (1,000 warm-up and
// 1,000 sampling iterations a chain) on nutsCostPosts, chains forked, for
// 1 and 4 chains and the diagonal and dense metrics. It reports per
// gradient: wall ns (ns/grad), CPU ns of the whole process (cpu-ns/grad:
// GC and every chain's goroutine included) and heap allocations
// (allocs/grad). BenchmarkNUTSGradEval gives the gradient's own share.
func BenchmarkNUTSSampler(b *testing.B) {
	for _, pc := range nutsCostPosts {
		for _, metric := range []string{"diag", "dense"} {
			for _, chains := range []int{1, 4} {
				b.Run(fmt.Sprintf("%s/%s/chains=%d", pc.name, metric, chains), func(b *testing.B) {
					p := forked{pc.p()}
					grads := 0
					meter := infer.StartGradMeter()
					for i := 0; b.Loop(); i++ {
						res, err := infer.NUTS(p, infer.NUTSOptions{Chains: chains, Seed: uint64(i), Metric: metric})
						if err != nil {
							b.Fatal(err)
						}
						for _, c := range res.Chains {
							grads += c.Gradients
						}
					}
					meter.Report(b, grads)
				})
			}
		}
	}
}

// BenchmarkNUTSGradEval is one gradient of nutsCostPosts as a forked NUTS
// chain evaluates it (tape, LogDensity, Backward, finiteness checks), at
// standard normal points: the part of BenchmarkNUTSSampler's ns/grad
// that is not the sampler's own.
func BenchmarkNUTSGradEval(b *testing.B) {
	for _, pc := range nutsCostPosts {
		b.Run(pc.name, func(b *testing.B) {
			p := pc.p()
			eval := infer.GradEvalFunc(p)
			rng := rand.New(rand.NewPCG(1, 2))
			qs := make([][]float64, 64)
			for i := range qs {
				qs[i] = make([]float64, p.Dim())
				for j := range qs[i] {
					qs[i][j] = rng.NormFloat64()
				}
			}
			g := make([]float64, p.Dim())
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				eval(qs[i%len(qs)], g)
			}
		})
	}
}
