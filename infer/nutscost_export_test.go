package infer

import "github.com/flowppl/flowppl/tensor"

// GradEvalFunc returns NUTS's one-point gradient evaluation of p (a
// gradEval of its own, as a forked chain has), for benchmarks that
// separate the gradient's cost from the sampler's.
func GradEvalFunc(p Posterior) func(q, g []float64) float64 {
	e := &gradEval{p: p, tp: tensor.NewTape(), z: tensor.Zeros(1, p.Dim())}
	return e.eval
}

// CPUTime is the process's CPU time so far (zero without getrusage).
var CPUTime = cpuTime
