package interp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// posteriorOf runs src and returns the posterior bound to post.
func posteriorOf(tb testing.TB, src string) *interp.Posterior {
	tb.Helper()
	th, _, _ := newThread()
	g := mustRun(tb, th, "bench.flow", src)
	p, ok := g["post"].(*interp.Posterior)
	if !ok {
		tb.Fatalf("post is %v", g["post"])
	}
	return p
}

const regressionSrc = `
x = linspace(-2, 2, 40)
y = 1.5 + 0.8 * x + sin(7 * x) / 2` + regressionModel + `post = regression(x, y)
`

// eightSchoolsSrc is the non-centred eight schools with its data inline.
const eightSchoolsSrc = eightSchoolsModel + `post = eight_schools(8, [28, 8, -3, 7, -1, 1, 18, 12], [15, 10, 16, 11, 9, 11, 10, 18])
`

// BenchmarkLogDensity is one evaluation of the log density and its
// gradient at batch 256 (the model's share of an ELBO step).
func BenchmarkLogDensity(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"regression", regressionSrc}, {"eight_schools", eightSchoolsSrc},
		{"loop100", loopModelSrc}, {"vector100", vectorModelSrc},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := posteriorOf(b, c.src)
			rng := rand.New(rand.NewPCG(1, 2))
			z0 := tensor.RandN(rng, 256, p.Dim())
			tp := tensor.NewTape()
			for b.Loop() {
				tp.Reset()
				z := tensor.Param(append([]float64(nil), z0.Data()...), 256, p.Dim())
				tp.Watch(z)
				lp, err := p.LogDensity(z)
				if err != nil {
					b.Fatal(err)
				}
				tp.Backward(tensor.Sum(lp))
			}
		})
	}
}

// BenchmarkELBOStep is one step of a posterior fit's objective at batch
// 256 with the default guide (flow AffineAutoregressive, MADE [256, 256]):
// draws with their log density from the flow, the model's log density,
// and the backward pass.
func BenchmarkELBOStep(b *testing.B) {
	for _, c := range []struct{ name, src string }{{"regression", regressionSrc}, {"eight_schools", eightSchoolsSrc}} {
		b.Run(c.name, func(b *testing.B) {
			p := posteriorOf(b, c.src)
			rng := rand.New(rand.NewPCG(1, 2))
			base, err := dist.NewNormal(tensor.Zeros(p.Dim()), tensor.Full(1, p.Dim()))
			if err != nil {
				b.Fatal(err)
			}
			q, err := flows.Apply("AffineAutoregressive", base, nil, rng)
			if err != nil {
				b.Fatal(err)
			}
			q.PrepareFit(true)
			tp := tensor.NewTape()
			for b.Loop() {
				tp.Reset()
				tp.Watch(q.Params()...)
				z, lq := q.SampleAndLogProb(rng, 256)
				lp, err := p.LogDensity(z)
				if err != nil {
					b.Fatal(err)
				}
				tp.Backward(tensor.Mean(tensor.Sub(lq, lp)))
			}
		})
	}
}
