package dist_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// TestNormalScratchDraws checks that SampleOn and RSampleOn give the draws
// of Sample and RSample bit for bit, as scratch tensors of the tape.
func TestNormalScratchDraws(t *testing.T) {
	for _, d := range []dist.Normal{
		{Loc: tensor.Vector([]float64{0, 0, 0}), Scale: tensor.Vector([]float64{1, 1, 1})},
		{Loc: tensor.Vector([]float64{1, -2}), Scale: tensor.Vector([]float64{0.5, 3})},
		{Loc: tensor.Scalar(2), Scale: tensor.Scalar(0.25)},
		{Loc: tensor.Matrix([][]float64{{1, 2}, {3, 4}, {5, 6}}), Scale: tensor.Scalar(2)},
	} {
		const n = 3
		tp := tensor.NewTape()
		for _, c := range []struct {
			name      string
			heap, scr func(rng *rand.Rand) *tensor.Tensor
		}{
			{"Sample", func(rng *rand.Rand) *tensor.Tensor { return d.Sample(rng, n) },
				func(rng *rand.Rand) *tensor.Tensor { return d.SampleOn(tp, rng, n) }},
			{"RSample", func(rng *rand.Rand) *tensor.Tensor { return d.RSample(rng, n) },
				func(rng *rand.Rand) *tensor.Tensor { return d.RSampleOn(tp, rng, n) }},
		} {
			want := c.heap(rand.New(rand.NewPCG(7, 8)))
			got := c.scr(rand.New(rand.NewPCG(7, 8)))
			if !tensor.SameShape(got.Shape(), want.Shape()) {
				t.Fatalf("%v %s: shape %v, want %v", d, c.name, got.Shape(), want.Shape())
			}
			for i, v := range want.Data() {
				if got.Data()[i] != v {
					t.Errorf("%v %s: element %d = %v, want %v", d, c.name, i, got.Data()[i], v)
				}
			}
			tp.Reset()
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%v %s: the draws are usable after the tape's Reset", d, c.name)
					}
				}()
				got.Data()
			}()
		}
	}
}
