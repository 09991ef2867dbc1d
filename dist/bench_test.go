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
