package infer_test

import (
	"testing"

	"github.com/flowppl/flowppl/infer"
)

// BenchmarkNUTSOverhead is NUTS on a 10-D standard normal, whose log
// density costs almost nothing: the sampler's own cost per gradient
// (tape, leapfrog, tree building, and for the batched mode the rounds
// between chain goroutines). Reports ns and allocations per gradient.
func BenchmarkNUTSOverhead(b *testing.B) {
	for _, mode := range []string{"forked/chains=1", "batched/chains=1", "batched/chains=4"} {
		b.Run(mode, func(b *testing.B) {
			var p infer.Posterior = stdNormalPost{10}
			chains := 1
			switch mode {
			case "forked/chains=1":
				p = forked{p}
			case "batched/chains=4":
				chains = 4
			}
			grads := 0
			for i := 0; b.Loop(); i++ {
				res, err := infer.NUTS(p, infer.NUTSOptions{Chains: chains, Warmup: 200, Samples: 200, Seed: uint64(i)})
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range res.Chains {
					grads += c.Gradients
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(grads), "ns/grad")
			b.ReportMetric(float64(grads)/float64(b.N), "grads/op")
		})
	}
}
