package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mat"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// perturb moves every parameter away from its start so that tests do not
// see the identity layers of a fresh flow.
func perturb(rng *rand.Rand, ps []*tensor.Tensor, sd float64) {
	for _, p := range ps {
		for i := range p.Data() {
			p.Data()[i] += sd * rng.NormFloat64()
		}
	}
}

func randn(rng *rand.Rand, n, d int) *tensor.Tensor { return tensor.RandN(rng, n, d) }

// testBijectors returns one of each implemented bijector over R^d with
// random parameters, autoregressive ones in both directions.
func testBijectors(t *testing.T, d int) map[string]Bijector {
	rng := newRNG(1)
	out := map[string]Bijector{}
	for _, dir := range []Direction{BaseSide, DataSide} {
		for _, act := range activations {
			a, err := NewAffineAutoregressive(d, Options{Hidden: []int{8, 7}, Activation: act}, rng)
			if err != nil {
				t.Fatal(err)
			}
			perturb(rng, a.Params(), 0.3)
			a.SetDirection(dir)
			out[fmt.Sprintf("AAR/%s/%s", act, dir)] = a
		}
		a, _ := NewAffineAutoregressive(d, Options{Hidden: []int{6}, ClipLogScale: true, LogScaleMin: -0.3, LogScaleMax: 0.2}, rng)
		perturb(rng, a.Params(), 0.5)
		a.SetDirection(dir)
		out[fmt.Sprintf("AAR/clip/%s", dir)] = a
	}
	af, _ := NewAffine(d, Options{})
	perturb(rng, af.Params(), 0.5)
	out["Affine"] = af
	fx, err := NewAffineFixed(d, Options{Loc: []float64{0.5}, Scale: []float64{-2}})
	if err != nil {
		t.Fatal(err)
	}
	out["AffineFixed"] = fx
	p, _ := NewPermute(d, Options{}, rng)
	out["Permute"] = p
	out["Exp"], _ = NewElementwise("Exp", d, Options{})
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	const tol = 1e-9
	for _, d := range []int{1, 2, 5} {
		for name, b := range testBijectors(t, d) {
			rng := newRNG(7)
			x := randn(rng, 50, d)
			y, ldf := b.Forward(x)
			x2, ldi := b.Inverse(y)
			if e := maxAbsDiff(x.Data(), x2.Data()); e > tol {
				t.Errorf("d=%d %s: |Inverse(Forward(x)) - x| = %g, want < %g", d, name, e, tol)
			}
			for i := range ldf.Data() {
				if e := math.Abs(ldf.Data()[i] + ldi.Data()[i]); e > tol {
					t.Errorf("d=%d %s: forward + inverse log-det = %g, want 0", d, name, e)
					break
				}
			}
			if name == "Exp" {
				continue // its domain is the positive orthant
			}
			x3, _ := b.Inverse(x)
			y3, _ := b.Forward(x3)
			if e := maxAbsDiff(x.Data(), y3.Data()); e > tol {
				t.Errorf("d=%d %s: |Forward(Inverse(y)) - y| = %g, want < %g", d, name, e, tol)
			}
		}
	}
}

func TestLogDetNumeric(t *testing.T) {
	const tol = 1e-6
	for _, d := range []int{1, 3, 6} {
		for name, b := range testBijectors(t, d) {
			rng := newRNG(3)
			for range 3 {
				x := randn(rng, 1, d).Data()
				if name == "Exp" {
					for i := range x {
						x[i] = 0.3 * x[i]
					}
				}
				fwd := func(u *tensor.Tensor) *tensor.Tensor { y, _ := b.Forward(u); return y }
				inv := func(u *tensor.Tensor) *tensor.Tensor { y, _ := b.Inverse(u); return y }
				_, ld := b.Forward(tensor.New(append([]float64(nil), x...), 1, d))
				want := math.Log(math.Abs(mat.Det(jacobianCentral(fwd, x))))
				if e := math.Abs(ld.Data()[0] - want); e > tol*max(1, math.Abs(want)) {
					t.Errorf("d=%d %s: Forward log-det %v, numeric %v", d, name, ld.Data()[0], want)
				}
				y := x
				if name == "Exp" {
					y = make([]float64, d)
					for i := range y {
						y[i] = math.Exp(x[i])
					}
				}
				_, ld = b.Inverse(tensor.New(append([]float64(nil), y...), 1, d))
				want = math.Log(math.Abs(mat.Det(jacobianCentral(inv, y))))
				if e := math.Abs(ld.Data()[0] - want); e > tol*max(1, math.Abs(want)) {
					t.Errorf("d=%d %s: Inverse log-det %v, numeric %v", d, name, ld.Data()[0], want)
				}
			}
		}
	}
}

// TestAutoregressiveTriangular checks that output order[k] depends only on
// inputs order[0..k], in both directions and both ways.
func TestAutoregressiveTriangular(t *testing.T) {
	const d = 5
	rng := newRNG(5)
	for _, dir := range []Direction{BaseSide, DataSide} {
		a, _ := NewAffineAutoregressive(d, Options{Hidden: []int{10, 10}, Activation: "tanh"}, rng) // relu units may be dead
		perturb(rng, a.Params(), 0.3)
		a.SetDirection(dir)
		ord := a.Order()
		for _, way := range []string{"Forward", "Inverse"} {
			f := func(u *tensor.Tensor) *tensor.Tensor { y, _ := a.Forward(u); return y }
			if way == "Inverse" {
				f = func(u *tensor.Tensor) *tensor.Tensor { y, _ := a.Inverse(u); return y }
			}
			j := jacobianCentral(f, randn(rng, 1, d).Data())
			for k := range d {
				for l := range d {
					v := j.At(ord[k], ord[l])
					if l > k && v != 0 {
						t.Errorf("%s %s: ∂y[%d]/∂x[%d] = %g, want 0 (order %v)", dir, way, ord[k], ord[l], v, ord)
					}
					if l < k && v == 0 {
						t.Errorf("%s %s: ∂y[%d]/∂x[%d] = 0, want a dependence (order %v)", dir, way, ord[k], ord[l], ord)
					}
				}
			}
		}
	}
}

func TestPermutationOption(t *testing.T) {
	a, err := NewAffineAutoregressive(3, Options{Permutation: []int{2, 0, 1}, Hidden: []int{4}}, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	a.Initialize(newRNG(2))
	if got := fmt.Sprint(a.Order()); got != "[2 0 1]" {
		t.Errorf("order after Initialize = %s, want the given [2 0 1]", got)
	}
	p, _ := NewPermute(3, Options{Permutation: []int{1, 2, 0}}, nil)
	y, _ := p.Forward(tensor.Matrix([][]float64{{10, 11, 12}}))
	if got := fmt.Sprint(y.Data()); got != "[11 12 10]" {
		t.Errorf("Permute [1 2 0] of [10 11 12] = %s, want [11 12 10]", got)
	}
}

func TestFreshLayerIsIdentity(t *testing.T) {
	rng := newRNG(1)
	for _, dir := range []Direction{BaseSide, DataSide} {
		a, _ := NewAffineAutoregressive(4, Options{}, rng)
		a.SetDirection(dir)
		x := randn(rng, 10, 4)
		y, ld := a.Forward(x)
		if e := maxAbsDiff(x.Data(), y.Data()); e > 1e-12 {
			t.Errorf("%s: fresh layer moves x by %g", dir, e)
		}
		if e := maxAbsDiff(ld.Data(), make([]float64, 10)); e > 1e-12 {
			t.Errorf("%s: fresh layer log-det %g, want 0", dir, e)
		}
	}
}

// TestMADEDegrees checks the masks for hidden widths below d.
func TestMADEDegrees(t *testing.T) {
	rng := newRNG(2)
	a, err := NewAffineAutoregressive(12, Options{Hidden: []int{4, 3}}, rng)
	if err != nil {
		t.Fatal(err)
	}
	perturb(rng, a.Params(), 0.3)
	x := randn(rng, 3, 12)
	y, _ := a.Forward(x)
	x2, _ := a.Inverse(y)
	if e := maxAbsDiff(x.Data(), x2.Data()); e > 1e-9 {
		t.Errorf("hidden narrower than d: round trip error %g", e)
	}
}

func TestOptionsRebuild(t *testing.T) {
	rng := newRNG(4)
	a, _ := NewAffineAutoregressive(3, Options{Hidden: []int{5, 4}, Activation: "elu", ClipLogScale: true}, rng)
	perturb(rng, a.Params(), 0.3)
	b, err := NewAffineAutoregressive(3, a.Options(), newRNG(9))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range b.Params() {
		copy(p.Data(), a.Params()[i].Data())
	}
	x := randn(rng, 4, 3)
	ya, _ := a.Forward(x)
	yb, _ := b.Forward(x)
	if e := maxAbsDiff(ya.Data(), yb.Data()); e != 0 {
		t.Errorf("rebuilt layer differs by %g", e)
	}
}
