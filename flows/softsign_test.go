package flows

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// TestSoftsign checks Softsign against its closed form: y = x/(1 + |x|),
// x = y/(1 − |y|), log f′(x) = −2 log(1 + |x|), on points from 0 to far
// in the tails, and that points outside (−1, 1) get log-determinant −Inf.
// (TestBijectorProperties checks it too, as every bijector of Names: the
// round trip, the log-det against a finite-difference Jacobian, and the
// codomain.)
func TestSoftsign(t *testing.T) {
	xs := []float64{0, 1e-300, -0.3, 1, -2.5, 40, -1e6, 1e12}
	e, err := NewElementwise("Softsign", len(xs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y, ld := e.Forward(tensor.New(append([]float64(nil), xs...), 1, len(xs)))
	wantLD := 0.0
	for j, x := range xs {
		want := x / (1 + math.Abs(x))
		if got := y.Data()[j]; math.Abs(got-want) > 1e-15*math.Abs(want) {
			t.Errorf("f(%v) = %v, want %v", x, got, want)
		}
		wantLD -= 2 * math.Log1p(math.Abs(x))
	}
	if math.Abs(ld.Item()-wantLD) > 1e-13*math.Abs(wantLD) {
		t.Errorf("forward log-det %v, want %v", ld.Item(), wantLD)
	}
	// The inverse is exact to rounding: 1 − |y| loses the digits of x
	// beyond 1/(1 − |y|)'s, a relative error of about |x|·2⁻⁵³ (2e-4 at
	// x = 1e12, whose y is 1 − 1e-12).
	x, ldi := e.Inverse(y)
	for j, want := range xs {
		if got := x.Data()[j]; math.Abs(got-want) > 4e-16*math.Abs(want)*max(1, math.Abs(want)) {
			t.Errorf("f⁻¹(f(%v)) = %v", want, got)
		}
	}
	if math.Abs(ldi.Item()+wantLD) > 1e-4*math.Abs(wantLD) {
		t.Errorf("inverse log-det %v, want %v", ldi.Item(), -wantLD)
	}
	// Outside the range: −Inf, never NaN.
	out := make([]float64, 3*len(xs))
	out[1], out[len(xs)+2], out[2*len(xs)+3] = 1, -1.5, math.NaN()
	_, ldi = e.Inverse(tensor.New(out, 3, len(xs)))
	if got := ldi.Data(); !math.IsInf(got[0], -1) || !math.IsInf(got[1], -1) || !math.IsInf(got[2], -1) {
		t.Errorf("log-dets outside (−1, 1): %v, want −Inf", got)
	}
	_, ldi = e.Inverse(tensor.New([]float64{0.5, 0.99, -0.2, 0, -0.5, 0.1, 0.3, -0.999999}, 1, len(xs)))
	if !finite(ldi.Item()) {
		t.Errorf("log-det inside (−1, 1): %v", ldi.Item())
	}
}

// TestSoftsignStudentTEdges checks what Softsign's doc promises: over a
// Student-t base with ν degrees of freedom, the flow's log density near 1
// falls as (ν − 1)·log(1 − y). Between ε = 1 − y = 1e-6 and 1e-8 the
// slope of log density against log ε is ν − 1 up to the correction from
// x = 1/ε − 1 (log x = −log ε + log(1 − ε): (ν + 1)·ε/ln 100 at most,
// 2.4e-6 for ν = 10), the t density's O(ν²/x²) (1e-10) and rounding in
// 1 − y (2⁻⁵³/1e-8 ≈ 1e-8 relative); the tolerance is twice the first.
// Tanh over the same base has a density that diverges at 1 instead.
func TestSoftsignStudentTEdges(t *testing.T) {
	for _, nu := range []float64{0.5, 3, 10} {
		base, err := dist.NewStudentT(tensor.Vector([]float64{nu}), tensor.Vector([]float64{0}), tensor.Vector([]float64{1}))
		if err != nil {
			t.Fatal(err)
		}
		f := mustApply(t, "Softsign", base, nil, 1)
		if s := f.Support(); s.Kind != dist.Interval || s.Low[0] != -1 || s.High[0] != 1 {
			t.Fatalf("support %+v, want the interval [-1, 1]", s)
		}
		e1, e2 := 1e-6, 1e-8
		lp := f.LogProb(tensor.New([]float64{1 - e1, 1 - e2}, 2, 1)).Data()
		slope := (lp[0] - lp[1]) / (math.Log(e1) - math.Log(e2))
		if tol := 2 * (nu + 1) * e1 / math.Log(e1/e2); math.Abs(slope-(nu-1)) > tol {
			t.Errorf("ν = %v: log density slope %v near 1, want ν − 1 = %v", nu, slope, nu-1)
		}
		// Tanh over the same base: the density still rises towards 1
		// (as 1/((1 − y)·log(2/(1 − y))^(ν+1))), as docs/language.md says.
		lt := mustApply(t, "Tanh", base, nil, 1).LogProb(tensor.New([]float64{1 - e1, 1 - e2}, 2, 1)).Data()
		if !(lt[1] > lt[0]) {
			t.Errorf("ν = %v: Tanh's log density %v at 1 - %v, %v at 1 - %v: not rising", nu, lt[0], e1, lt[1], e2)
		}
	}
}
