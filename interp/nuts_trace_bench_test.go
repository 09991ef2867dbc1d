package interp_test

import (
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/infer"
)

// BenchmarkNUTSTrace is a NUTS run of Stan's default length (4 chains ×
// (1000 + 1000)) per op on eight schools (non-centred) and kidiq, with its
// gradients replayed from traces (trace) and run through the interpreter
// (notrace), in three layouts of the chains: batched, the default (one
// batcher on a fork evaluates the running chains' points as the rows of
// one batch); forks (Unbatched: each chain on its own fork, GOMAXPROCS at
// a time, one row a gradient); forks1 (the same, one chain at a time). It
// reports the CPU time per gradient (cpu-µs/grad: the process's CPU time
// over the runs, all threads, GC included) and the smallest bulk ESS over
// the unconstrained coordinates per CPU second. Run with -benchtime 1x;
// the seed is the same in every layout and mode, so trace and notrace
// sample the same draws.
func BenchmarkNUTSTrace(b *testing.B) {
	for _, pp := range nutsPosteriors {
		for _, layout := range []string{"batched", "forks", "forks1"} {
			for _, mode := range []string{"trace", "notrace"} {
				b.Run(fmt.Sprintf("%s/%s/%s", pp.name, layout, mode), func(b *testing.B) {
					p := nutsPosterior(b, pp.dir)
					o := infer.NUTSOptions{Chains: 4, NoTrace: mode == "notrace", Unbatched: layout != "batched"}
					if layout == "forks1" {
						o.Parallel = 1
					}
					grads, replays := 0, 0
					var ess float64
					cpu0 := cpuTime()
					for i := 0; b.Loop(); i++ {
						o.Seed = uint64(i + 1)
						res, err := infer.NUTS(p, o)
						if err != nil {
							b.Fatal(err)
						}
						for _, c := range res.Chains {
							grads += c.Gradients
							replays += c.Replayed
						}
						ess += minESSBulk(b, res)
					}
					cpu := float64(cpuTime()-cpu0) / 1e9
					b.ReportMetric(cpu/float64(grads)*1e6, "cpu-µs/grad")
					b.ReportMetric(ess/cpu, "ess/cpu-s")
					b.ReportMetric(float64(replays)/float64(grads), "replayed")
				})
			}
		}
	}
}
