package infer_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// BenchmarkSeedStep is one training step of the seed: forward KL from
// 1000 fresh draws of Normal([5, 5], [0.5, 0.5]) to a data-side
// AffineAutoregressive flow with hidden [256, 256], Adam.
func BenchmarkSeedStep(b *testing.B) {
	q := seedFlow(b, 256)
	q.PrepareFit(false)
	target := newNormal([]float64{5, 5}, []float64{0.5, 0.5})
	rng := rand.New(rand.NewPCG(1, 2))
	q.InitFromData(target.Sample(rng, 1000))
	params := q.Params()
	opt := infer.NewAdam(0.05)
	tp := tensor.NewTape()
	for b.Loop() {
		y := target.Sample(rng, 1000)
		tp.Reset()
		for _, p := range params {
			p.ZeroGrad()
		}
		tp.Watch(params...)
		loss := tensor.Neg(tensor.Mean(q.LogProb(y)))
		tp.Backward(loss)
		infer.GradNorm(params)
		opt.Step(params)
	}
}

// BenchmarkReverseStep is one reverse-KL step at the seed's shape: 1000
// reparameterised draws with their log density from a base-side
// AffineAutoregressive flow (hidden [256, 256]) in one pass, scored by
// Normal([5, 5], [0.5, 0.5]), Adam.
func BenchmarkReverseStep(b *testing.B) {
	q := seedFlow(b, 256)
	q.PrepareFit(true)
	target := newNormal([]float64{5, 5}, []float64{0.5, 0.5})
	rng := rand.New(rand.NewPCG(1, 2))
	params := q.Params()
	opt := infer.NewAdam(0.05)
	tp := tensor.NewTape()
	for b.Loop() {
		tp.Reset()
		for _, p := range params {
			p.ZeroGrad()
		}
		tp.Watch(params...)
		x, logq := q.SampleAndLogProb(rng, 1000)
		loss := tensor.Mean(tensor.Sub(logq, target.LogProb(x)))
		tp.Backward(loss)
		infer.GradNorm(params)
		opt.Step(params)
	}
}
