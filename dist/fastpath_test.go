package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestNormalFastPaths checks the vector-parameter paths of Normal against
// the general ones they shortcut: Sample against RSample (same draws from
// the same seed, bit for bit), and LogProb without masking against the
// masked evaluation (newMasked), values and gradients bit for bit; a NaN or
// an infinite value, or a bad scale, still takes the general path.
func TestNormalFastPaths(t *testing.T) {
	for _, d := range []Normal{
		{Loc: vec(5, -1, 0), Scale: vec(0.5, 2, 1)},
		{Loc: sc(1), Scale: vec(0.5, 2, 3)},
		{Loc: vec(1, 2, 3), Scale: sc(0.25)},
		{Loc: vec(1), Scale: vec(2)},
		{Loc: vec(0, 0), Scale: vec(1, 1)}, // standard: no subtraction or division
		{Loc: sc(0), Scale: sc(1)},
	} {
		a := d.Sample(rand.New(rand.NewPCG(7, 8)), 50)
		// RSample on batched ([1, 3]) parameters takes the general path.
		b := Normal{Loc: tensor.Reshape(d.Loc, 1, -1), Scale: tensor.Reshape(d.Scale, 1, -1)}.RSample(rand.New(rand.NewPCG(7, 8)), 50)
		if !tensor.SameShape(a.Shape(), b.Shape()) {
			t.Fatalf("%v: Sample shape %v, RSample %v", d, a.Shape(), b.Shape())
		}
		for i, v := range a.Data() {
			if v != b.Data()[i] {
				t.Fatalf("%v: Sample[%d] = %v, RSample %v", d, i, v, b.Data()[i])
			}
		}

		// RSample's draws are those of draws (row-major), as before.
		rng := rand.New(rand.NewPCG(7, 8))
		z := draws("Normal", 50, func([]float64) float64 { return rng.NormFloat64() }, d.Loc, d.Scale)
		c := tensor.Add(d.Loc, tensor.Mul(d.Scale, z))
		for i, v := range a.Data() {
			if v != c.Data()[i] {
				t.Fatalf("%v: Sample[%d] = %v, from draws %v", d, i, v, c.Data()[i])
			}
		}

		// lpGrad returns e's log densities of x and the gradient in x of
		// their weighted sum (weights −0.5, 0.5, 1.5 repeating; the
		// non-finite ones left out).
		lpGrad := func(e Normal, x *tensor.Tensor) ([]float64, []float64) {
			x = tensor.Param(append([]float64(nil), x.Data()...), x.Shape()...)
			tp := tensor.NewTape()
			tp.Watch(x)
			lp := e.LogProb(x)
			w := make([]float64, lp.Len())
			for i := range w {
				w[i] = float64(i%3) - 0.5
			}
			tp.Backward(tensor.Sum(tensor.Mul(tensor.Where(finiteMask(lp), lp, tensor.Scalar(0)), tensor.Vector(w))))
			return append([]float64(nil), lp.Data()...), append([]float64(nil), x.Grad()...)
		}
		fast := func(x *tensor.Tensor) ([]float64, []float64) { return lpGrad(d, x) }
		slow := func(x *tensor.Tensor) ([]float64, []float64) {
			// The general path, forced: an extra parameter row breaks the
			// layout rowsUnmasked accepts without changing any value.
			return lpGrad(Normal{Loc: tensor.Reshape(d.Loc, 1, -1), Scale: tensor.Reshape(d.Scale, 1, -1)}, x)
		}
		x := a.Clone()
		xd := x.Data()
		xd[4], xd[d.Dim()*7] = math.NaN(), math.Inf(1) // rows 4/d and 7 are -Inf
		for _, in := range []*tensor.Tensor{a, x} {
			l1, g1 := fast(in)
			l2, g2 := slow(in)
			for i := range l1 {
				if l1[i] != l2[i] && !(math.IsNaN(l1[i]) && math.IsNaN(l2[i])) {
					t.Fatalf("%v: LogProb[%d] = %v, general path %v", d, i, l1[i], l2[i])
				}
			}
			for i := range g1 {
				if g1[i] != g2[i] {
					t.Fatalf("%v: gradient[%d] = %v, general path %v", d, i, g1[i], g2[i])
				}
			}
		}
		l, _ := fast(x)
		if !math.IsInf(l[7], -1) {
			t.Errorf("%v: log density of a row with +Inf = %v, want -Inf", d, l[7])
		}
	}
	// A non-positive scale is masked, not taken by the fast path.
	lp := Normal{Loc: vec(0, 0), Scale: vec(1, -1)}.LogProb(rows([]float64{0, 0}, []float64{1, 1}))
	for i, v := range lp.Data() {
		if !math.IsInf(v, -1) {
			t.Errorf("scale -1: LogProb[%d] = %v, want -Inf", i, v)
		}
	}
}

// TestNormalScratchDraws checks that SampleOn and RSampleOn give the draws
// of Sample and RSample bit for bit, as scratch tensors of the tape.
func TestNormalScratchDraws(t *testing.T) {
	for _, d := range []Normal{
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

func finiteMask(t *tensor.Tensor) []bool {
	m := make([]bool, t.Len())
	for i, v := range t.Data() {
		m[i] = !math.IsInf(v, 0) && !math.IsNaN(v)
	}
	return m
}
