package dist

import (
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

func BenchmarkNormalLogProb(b *testing.B) {
	for _, d := range []int{1, 10} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			n := must(NewNormal(tensor.Zeros(d), tensor.Full(1, d)))
			x := n.Sample(newRNG(), 1000)
			for b.Loop() {
				n.LogProb(x)
			}
		})
	}
}

func BenchmarkNormalRSample(b *testing.B) {
	n := must(NewNormal(tensor.Zeros(10), tensor.Full(1, 10)))
	rng := newRNG()
	for b.Loop() {
		n.RSample(rng, 1000)
	}
}

// BenchmarkFamilyBuild measures Family.Build as a model call uses it
// (parameters from latent draws, not validated) for a family with lazy
// broadcasting (Normal) and one whose parameters are broadcast (StudentT).
func BenchmarkFamilyBuild(b *testing.B) {
	loc, scale := tensor.Zeros(256, 8), tensor.Full(1, 256, 1)
	for _, tt := range []struct {
		name string
		args []*tensor.Tensor
	}{
		{"Normal", []*tensor.Tensor{loc, scale}},
		{"StudentT", []*tensor.Tensor{tensor.Full(3, 256, 8), loc, tensor.Full(1, 256, 8)}},
	} {
		f, err := LookupFamily(tt.name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.Build(tt.args, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountLogProb measures LogProb of the families of successes
// (Bernoulli, Binomial and their logit forms, which share their code) on
// 1000 rows of 10 values.
func BenchmarkCountLogProb(b *testing.B) {
	rng := newRNG()
	par, logit, x, k := make([]float64, 10), make([]float64, 10), make([]float64, 10000), make([]float64, 10000)
	for i := range par {
		par[i] = 0.1 + 0.08*float64(i)
		logit[i] = float64(i) - 5
	}
	for i := range x {
		x[i] = float64(rng.IntN(2))
		k[i] = float64(rng.IntN(11))
	}
	xs, ks, n := tensor.New(x, 1000, 10), tensor.New(k, 1000, 10), tensor.Scalar(10)
	for _, tt := range []struct {
		name string
		d    Distribution
		x    *tensor.Tensor
	}{
		{"Bernoulli", Bernoulli{tensor.Vector(par)}, xs},
		{"BernoulliLogit", BernoulliLogit{tensor.Vector(logit)}, xs},
		{"Binomial", Binomial{n, tensor.Vector(par)}, ks},
		{"BinomialLogit", BinomialLogit{n, tensor.Vector(logit)}, ks},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				tt.d.LogProb(tt.x)
			}
		})
	}
}
