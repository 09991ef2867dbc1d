package infer

import (
	"runtime"
	"testing"
	"time"

	"github.com/flowppl/flowppl/tensor"
)

// GradEvalFunc returns NUTS's one-point gradient evaluation of p (a
// gradEval of its own, as a forked chain has), for benchmarks that
// separate the gradient's cost from the sampler's.
func GradEvalFunc(p Posterior) func(q, g []float64) float64 {
	e := &gradEval{p: p, tp: tensor.NewTape(), z: tensor.Zeros(1, p.Dim())}
	return e.eval
}

// GradMeter measures a NUTS benchmark per gradient: wall ns (ns/grad),
// the process's CPU ns (cpu-ns/grad, zero without getrusage) and heap
// allocations (allocs/grad), with the gradients per op (grads/op).
type GradMeter struct {
	m0  runtime.MemStats
	cpu time.Duration
}

// StartGradMeter starts measuring (before the benchmark's loop).
func StartGradMeter() *GradMeter {
	g := &GradMeter{}
	runtime.ReadMemStats(&g.m0)
	g.cpu = cpuTime()
	return g
}

// Report reports the metrics of b's loop, which evaluated grads
// gradients.
func (g *GradMeter) Report(b *testing.B, grads int) {
	cpu := cpuTime() - g.cpu
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	n := float64(grads)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/grad")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/grad")
	b.ReportMetric(float64(m1.Mallocs-g.m0.Mallocs)/n, "allocs/grad")
	b.ReportMetric(n/float64(b.N), "grads/op")
}
