package flows

import (
	"math"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/dist"
)

// TestInitFromMomentsKeepsBoundedSupport: a flow whose output is bounded
// (AffineFixed(Tanh(Affine(base)), loc = 0.5, scale = 0.5) lives on
// (0, 1)) is not moment-matched, since the appended standardiser would move
// the support off the target's (a Beta target then had loss +Inf at step
// 1); the same for a bounded layer followed by learnable layers, and for
// Gaussian starts. A flow over the reals still is.
func TestInitFromMomentsKeepsBoundedSupport(t *testing.T) {
	unit := map[string]OptionValue{"loc": 0.5, "scale": 0.5}
	for _, tt := range []struct {
		name   string
		build  func() *Flow
		moment bool
	}{
		{"AffineFixed(Tanh(Affine))", func() *Flow {
			return mustApply(t, "AffineFixed", mustApply(t, "Tanh", mustApply(t, "Affine", stdNormal(1), nil, 1), nil, 1), unit, 1)
		}, false},
		{"Affine(Sigmoid(Affine))", func() *Flow {
			return mustApply(t, "Affine", mustApply(t, "Sigmoid", mustApply(t, "Affine", stdNormal(1), nil, 1), nil, 1), nil, 1)
		}, false},
		{"Affine(Exp)", func() *Flow {
			return mustApply(t, "Affine", mustApply(t, "Exp", stdNormal(1), nil, 1), nil, 1)
		}, false},
		{"AffineFixed(Affine)", func() *Flow {
			return mustApply(t, "AffineFixed", mustApply(t, "Affine", stdNormal(1), nil, 1), unit, 1)
		}, true},
	} {
		f := tt.build()
		k := len(f.Layers)
		// Beta(2, 5): mean 2/7, sd sqrt(10/392).
		if got := f.InitFromMoments([]float64{2.0 / 7}, []float64{math.Sqrt(10.0 / 392)}); got != tt.moment {
			t.Errorf("%s: InitFromMoments = %v, want %v", tt.name, got, tt.moment)
		}
		if !tt.moment && len(f.Layers) != k {
			t.Errorf("%s: InitFromMoments declined but changed the layers", tt.name)
		}
		if got := f.InitFromGaussian([]float64{2.0 / 7}, [][]float64{{0.16}}); got != tt.moment {
			t.Errorf("%s: InitFromGaussian = %v, want %v", tt.name, got, tt.moment)
		}
	}
}

// TestAffineFixedSupport: AffineFixed carries a bounded support through
// its map, swapping the ends where the scale is negative.
func TestAffineFixedSupport(t *testing.T) {
	for _, tt := range []struct {
		inner      string
		loc, scale []float64
		low, high  []float64
	}{
		{"Tanh", []float64{0.5}, []float64{0.5}, []float64{0}, []float64{1}},
		{"Sigmoid", []float64{1, 1}, []float64{-2, 2}, []float64{-1, 1}, []float64{1, 3}},
		{"Exp", []float64{3}, []float64{-1}, []float64{math.Inf(-1)}, []float64{3}},
	} {
		d := len(tt.loc)
		inner := mustApply(t, tt.inner, stdNormal(d), nil, 1)
		f := mustApply(t, "AffineFixed", inner, map[string]OptionValue{"loc": tt.loc, "scale": tt.scale}, 1)
		s := f.Support()
		if s.Kind != dist.Interval || !slices.Equal(s.Low, tt.low) || !slices.Equal(s.High, tt.high) {
			t.Errorf("AffineFixed(%s, loc %v, scale %v): support %v [%v, %v], want [%v, %v]", tt.inner, tt.loc, tt.scale, s.Kind, s.Low, s.High, tt.low, tt.high)
		}
		// Every draw lies inside.
		x := f.Sample(newRNG(3), 1000).Data()
		for i, v := range x {
			j := i % d
			lo, hi := tt.low[min(j, len(tt.low)-1)], tt.high[min(j, len(tt.high)-1)]
			if !(v >= lo && v <= hi) {
				t.Fatalf("AffineFixed(%s): draw %v outside [%v, %v]", tt.inner, v, lo, hi)
			}
		}
	}
	f := mustApply(t, "AffineFixed", stdNormal(1), map[string]OptionValue{"loc": 1.0, "scale": 2.0}, 1)
	if s := f.Support(); s.Kind != dist.Real {
		t.Errorf("AffineFixed over a normal: support %v, want real", s.Kind)
	}
}
