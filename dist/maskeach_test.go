package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestMaskedEach checks newMaskedEach against newMasked with each
// family's joint rule as it was written before the rules were split per
// tensor: the same mask and masked rows, element for element, on the
// layouts of a model (data [1, n] under [B, n] and [B, 1] parameters,
// numbers, vectors), with every value valid and with invalid values in
// some elements (a bad parameter, NaN, data outside the support).
func TestMaskedEach(t *testing.T) {
	type fam struct {
		name  string
		joint func(v []float64) bool
		each  []func(float64) bool
		gen   []func(r *rand.Rand) float64 // a valid value of each tensor
	}
	realV := func(r *rand.Rand) float64 { return r.NormFloat64() }
	pos := func(r *rand.Rand) float64 { return 0.1 + r.Float64() }
	unit := func(r *rand.Rand) float64 { return 0.05 + 0.9*r.Float64() }
	count := func(r *rand.Rand) float64 { return float64(r.IntN(5)) }
	binary := func(r *rand.Rand) float64 { return float64(r.IntN(2)) }
	fams := []fam{
		{"Normal", func(v []float64) bool { return !(v[2] > 0) }, []func(float64) bool{nil, nil, notPositive}, []func(*rand.Rand) float64{realV, realV, pos}},
		{"HalfNormal", func(v []float64) bool { return v[0] < 0 || !(v[1] > 0) }, []func(float64) bool{negative, notPositive}, []func(*rand.Rand) float64{pos, pos}},
		{"LogNormal", func(v []float64) bool { return !(v[0] > 0) || !(v[2] > 0) }, []func(float64) bool{notPositive, nil, notPositive}, []func(*rand.Rand) float64{pos, realV, pos}},
		{"StudentT", func(v []float64) bool { return !(v[1] > 0) || !(v[3] > 0) }, []func(float64) bool{nil, notPositive, nil, notPositive}, []func(*rand.Rand) float64{realV, pos, realV, pos}},
		{"Exponential", func(v []float64) bool { return v[0] < 0 || !(v[1] > 0) }, []func(float64) bool{negative, notPositive}, []func(*rand.Rand) float64{pos, pos}},
		{"Weibull", func(v []float64) bool { return v[0] < 0 || !(v[1] > 0) || !(v[2] > 0) }, []func(float64) bool{negative, notPositive, notPositive}, []func(*rand.Rand) float64{pos, pos, pos}},
		{"Bernoulli", func(v []float64) bool { return (v[0] != 0 && v[0] != 1) || !(v[1] >= 0 && v[1] <= 1) }, []func(float64) bool{notBinary, notProb}, []func(*rand.Rand) float64{binary, unit}},
		{"Poisson", func(v []float64) bool { return !isCount(v[0]) || !(v[1] >= 0) }, []func(float64) bool{notCount, notNonNeg}, []func(*rand.Rand) float64{count, pos}},
		{"NegativeBinomial", func(v []float64) bool { return !isCount(v[0]) || !(v[1] >= 0) || !(v[2] > 0) }, []func(float64) bool{notCount, notNonNeg, notPositive}, []func(*rand.Rand) float64{count, pos, pos}},
		{"BernoulliLogit", func(v []float64) bool { return v[0] != 0 && v[0] != 1 }, []func(float64) bool{notBinary, nil}, []func(*rand.Rand) float64{binary, realV}},
		{"PoissonLog", func(v []float64) bool { return !isCount(v[0]) }, []func(float64) bool{notCount, nil}, []func(*rand.Rand) float64{count, realV}},
		{"Gamma", func(v []float64) bool { return v[0] < 0 || !(v[1] > 0) || !(v[2] > 0) }, []func(float64) bool{negative, notPositive, notPositive}, []func(*rand.Rand) float64{pos, pos, pos}},
		{"Beta", func(v []float64) bool { return v[0] < 0 || v[0] > 1 || !(v[1] > 0) || !(v[2] > 0) }, []func(float64) bool{notUnit, notPositive, notPositive}, []func(*rand.Rand) float64{unit, pos, pos}},
	}
	// Shapes of x and of every parameter, by layout.
	const B, n = 4, 3
	layouts := [][][]int{
		{{1, n}, {B, n}, {B, 1}, {B, 1}},
		{{1, n}, {B, 1}, {B, n}, {}},
		{{B, n}, {n}, {}, {1}},
		{{}, {}, {}, {}},
		{{1, 1}, {B, 1}, {B, 1}, {B, 1}},
		{{n}, {n}, {n}, {n}},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, f := range fams {
		for li, lay := range layouts {
			for bad := -1; bad < 2*len(f.each); bad++ {
				ts := make([]*tensor.Tensor, len(f.each))
				for k := range ts {
					ts[k] = tensor.Zeros(lay[k]...)
					for i := range ts[k].Data() {
						ts[k].Data()[i] = f.gen[k](rng)
					}
				}
				if bad >= 0 {
					// One element of tensor bad/2 invalid (even: -1.5, which
					// breaks every rule but "real", odd: NaN).
					k := bad / 2
					v := -1.5
					if bad%2 == 1 {
						v = math.NaN()
					}
					d := ts[k].Data()
					d[rng.IntN(len(d))] = v
				}
				name := fmt.Sprintf("%s layout %d bad %d", f.name, li, bad)
				got, gx := newMaskedEach(f.name, f.each, ts[0], ts[1:]...)
				want, wx := newMasked(f.name, f.joint, ts[0], ts[1:]...)
				if !slices.Equal(got.shape, want.shape) || got.last != want.last || !tensor.SameShape(gx.Shape(), wx.Shape()) {
					t.Fatalf("%s: shape %v last %d x %v, want %v %d %v", name, got.shape, got.last, gx.Shape(), want.shape, want.last, wx.Shape())
				}
				if !slices.Equal(got.mask, want.mask) || (got.mask == nil) != (want.mask == nil) || !slices.Equal(got.rows, want.rows) {
					t.Fatalf("%s: mask %v rows %v, want %v %v", name, got.mask, got.rows, want.mask, want.rows)
				}
			}
		}
	}
}

// TestNormalLazyParams checks Normal inside a model (parameters not
// broadcast to a common shape: data [1, n], loc [B, n], scale [B, 1])
// against the same distribution with the parameters broadcast as NewNormal
// does: log densities bit for bit, gradients to 1e-12 (the [B, 1] scale's
// gradient is summed in another order); a draw whose scale is 0, negative
// or NaN, or whose loc has a NaN, gets -Inf and no NaN anywhere.
func TestNormalLazyParams(t *testing.T) {
	const B, n = 6, 5
	rng := rand.New(rand.NewPCG(13, 14))
	x := tensor.Zeros(1, n)
	for i := range x.Data() {
		x.Data()[i] = rng.NormFloat64()
	}
	locV, scaleV := make([]float64, B*n), make([]float64, B)
	for i := range locV {
		locV[i] = rng.NormFloat64()
	}
	for i := range scaleV {
		scaleV[i] = 0.5 + rng.Float64()
	}
	scaleV[1], scaleV[2], scaleV[3] = 0, -1, math.NaN()
	locV[4*n+2] = math.NaN()
	run := func(expand bool) (lp, gl, gs []float64) {
		loc, scale := tensor.Param(slices.Clone(locV), B, n), tensor.Param(slices.Clone(scaleV), B, 1)
		tp := tensor.NewTape()
		tp.Watch(loc, scale)
		f, _ := LookupFamily("Normal")
		built, err := f.Build([]*tensor.Tensor{loc, scale}, false)
		if err != nil {
			t.Fatal(err)
		}
		d := built.(*Normal)
		if expand {
			d.Scale = tensor.BroadcastTo(scale, B, n)
		} else if !tensor.SameShape(d.Scale.Shape(), []int{B, 1}) {
			t.Fatalf("scale has shape %v, want [%d, 1] (not materialised)", d.Scale.Shape(), B)
		}
		r := d.LogProb(x)
		w := make([]float64, B)
		for i := range w {
			if !math.IsInf(r.Data()[i], -1) {
				w[i] = float64(i + 1)
			}
		}
		tp.Backward(tensor.Sum(tensor.Mul(r, tensor.New(w, B))))
		return slices.Clone(r.Data()), slices.Clone(loc.Grad()), slices.Clone(scale.Grad())
	}
	lp, gl, gs := run(false)
	lp2, gl2, gs2 := run(true)
	for i := range lp {
		if lp[i] != lp2[i] {
			t.Errorf("row %d: log density %v, broadcast %v", i, lp[i], lp2[i])
		}
		if bad := i >= 1 && i <= 4; bad != math.IsInf(lp[i], -1) {
			t.Errorf("row %d: log density %v, want -Inf exactly for rows 1..4", i, lp[i])
		}
	}
	for _, g := range []struct {
		name      string
		got, want []float64
	}{{"loc", gl, gl2}, {"scale", gs, gs2}} {
		for i, v := range g.want {
			if math.IsNaN(g.got[i]) || math.Abs(g.got[i]-v) > 1e-12*(1+math.Abs(v)) {
				t.Errorf("grad %s[%d] = %v, broadcast %v", g.name, i, g.got[i], v)
			}
		}
	}
}
