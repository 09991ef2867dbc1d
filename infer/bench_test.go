package infer_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// BenchmarkSeedStep is one training step of the seed: forward KL from
// 1000 fresh draws (onto the tape, as in FitForward) of Normal([5, 5], [0.5, 0.5]) to a data-side
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
		tp.Reset()
		y := target.SampleOn(tp, rng, 1000) // as FitForward: scratch draws
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
// reparameterised draws (noise drawn onto the tape, as in FitReverse) with
// their log density from a base-side
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
		x, logq := q.Push(q.NoiseOn(tp, rng, 1000)) // as FitReverse: scratch noise
		loss := tensor.Mean(tensor.Sub(logq, target.LogProb(x)))
		tp.Backward(loss)
		infer.GradNorm(params)
		opt.Step(params)
	}
}

// BenchmarkFitForward runs whole forward-KL fits of 20 steps through
// FitForward (the loop the CLI's fit runs, with its per-step costs: the
// draws of the target, the optimiser, the divergence checks) on the
// configurations of bench/compare.sh: the 2-D seed target, Adam, a data-side
// AffineAutoregressive flow. ns/op is per fit; divide by 20 for a step.
// b10000 splits its batches (chunk.go).
func BenchmarkFitForward(b *testing.B) {
	for _, c := range []struct {
		name   string
		hidden []float64
		batch  int
		lr     float64
	}{
		{"h32", []float64{32}, 1000, 0.05},
		{"b100", []float64{256, 256}, 100, 0.005},
		{"b10000", []float64{256, 256}, 10000, 0.005},
	} {
		b.Run(c.name, func(b *testing.B) {
			target := infer.DistSource(newNormal([]float64{5, 5}, []float64{0.5, 0.5}))
			for b.Loop() {
				q, err := flows.Apply("AffineAutoregressive", newNormal([]float64{0, 0}, []float64{1, 1}),
					map[string]flows.OptionValue{"hidden": c.hidden}, rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					b.Fatal(err)
				}
				opts := infer.Options{Steps: 20, Batch: c.batch, LR: c.lr, Quiet: true, Seed: 1, HasSeed: true}
				if _, err := infer.FitForward(q, target, opts, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
