package flows

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// TestAffineFixedUntracked checks the one-pass path of AffineFixed for
// untracked inputs against its tensor operations (taken for a tracked
// input): equal values bit for bit, both directions.
func TestAffineFixedUntracked(t *testing.T) {
	a := newAffineFixed([]float64{5, -1.5, 0.1}, []float64{0.5, -3, 1e-3})
	x := randn(newRNG(4), 40, 3)
	for _, dir := range []string{"Forward", "Inverse"} {
		apply := func(in *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
			if dir == "Forward" {
				return a.Forward(in)
			}
			return a.Inverse(in)
		}
		y1, l1 := apply(x)
		p := tensor.Param(append([]float64(nil), x.Data()...), 40, 3)
		tp := tensor.NewTape()
		tp.Watch(p)
		y2, l2 := apply(p)
		if y1.Tracked() || !y2.Tracked() {
			t.Fatalf("%s: tracked %v for an untracked input, %v for a tracked one", dir, y1.Tracked(), y2.Tracked())
		}
		if d := maxAbsDiff(y1.Data(), y2.Data()); d != 0 {
			t.Errorf("%s: untracked path differs from the tensor operations by %g", dir, d)
		}
		if d := maxAbsDiff(l1.Data(), l2.Data()); d != 0 {
			t.Errorf("%s: log-determinants differ by %g", dir, d)
		}
		tp.Reset()
	}
}

// TestPushIsSampleAndLogProb: Push of Noise is SampleAndLogProb, and
// pushing the noise in two pieces gives the two pieces of the result.
func TestPushIsSampleAndLogProb(t *testing.T) {
	base, err := dist.NewNormal(tensor.Vector([]float64{0, 0, 0}), tensor.Vector([]float64{1, 1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Apply("AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{8}}, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	perturb(newRNG(2), f.Params(), 0.3)
	f.SetDirection(BaseSide)
	x1, l1 := f.SampleAndLogProb(rand.New(rand.NewPCG(5, 5)), 30)
	noise := f.Noise(rand.New(rand.NewPCG(5, 5)), 30)
	x2, l2 := f.Push(noise)
	xa, la := f.Push(tensor.Narrow(noise, 0, 0, 12))
	xb, lb := f.Push(tensor.Narrow(noise, 0, 12, 18))
	if d := maxAbsDiff(x1.Data(), x2.Data()) + maxAbsDiff(l1.Data(), l2.Data()); d != 0 {
		t.Errorf("Push(Noise) differs from SampleAndLogProb by %g", d)
	}
	xs := append(append([]float64(nil), xa.Data()...), xb.Data()...)
	ls := append(append([]float64(nil), la.Data()...), lb.Data()...)
	if d := maxAbsDiff(x1.Data(), xs) + maxAbsDiff(l1.Data(), ls); d > 1e-12 {
		t.Errorf("Push in two pieces differs from one pass by %g", d)
	}
	if f.CouplesRows() {
		t.Error("a flow without BatchNorm reports CouplesRows")
	}
}

// TestPrecisionFloat32 checks the float32 conditioners against the float64
// ones with the same parameters: log densities and parameter gradients
// agree to float32 rounding, and (where float32 products run) differ from
// the float64 ones, so the float32 path did run.
func TestPrecisionFloat32(t *testing.T) {
	for _, c := range []struct {
		name string
		d    int
		opts map[string]OptionValue
	}{
		{"AffineAutoregressive", 2, map[string]OptionValue{"hidden": []float64{64, 48}}},
		{"AffineAutoregressive", 16, map[string]OptionValue{"hidden": []float64{96, 96}}}, // staircase layers
		{"SplineAutoregressive", 3, map[string]OptionValue{"hidden": []float64{40}}},
		{"Coupling", 5, map[string]OptionValue{"hidden": []float64{64, 64}, "activation": "tanh"}},
	} {
		build := func(prec string) *Flow {
			o := map[string]OptionValue{"precision": prec}
			for k, v := range c.opts {
				o[k] = v
			}
			q, err := Apply(c.name, stdNormal(c.d), o, newRNG(3))
			if err != nil {
				t.Fatal(err)
			}
			// Random parameters everywhere (the heads start at zero).
			rng := newRNG(4)
			for _, p := range q.Params() {
				for i := range p.Data() {
					p.Data()[i] = 0.05 * rng.NormFloat64()
				}
			}
			return q
		}
		rng := newRNG(5)
		n := 257
		y := make([]float64, n*c.d)
		for i := range y {
			y[i] = 1.5 * rng.NormFloat64()
		}
		eval := func(q *Flow) (lp []float64, grads [][]float64) {
			tp := tensor.NewTape()
			defer tp.Reset()
			ps := q.Params()
			for _, p := range ps {
				p.ZeroGrad()
			}
			tp.Watch(ps...)
			l := q.LogProb(tensor.New(y, n, c.d))
			tp.Backward(tensor.Sum(l))
			lp = append(lp, l.Data()...)
			for _, p := range ps {
				grads = append(grads, append([]float64(nil), p.Grad()...))
			}
			return lp, grads
		}
		lp64, g64 := eval(build(Float64))
		lp32, g32 := eval(build(Float32))
		// Float32 products carry a relative error of about in·2⁻²⁴ of
		// Σ|x||W| per output (in ≤ 96 here: ~1e-5 at worst, far less
		// typically); the log densities and gradients are sums of such
		// outputs through smooth maps, so 1e-4 relative (plus 1e-4 absolute
		// for values near zero) is a bound the float64 path meets exactly
		// and a wrong float32 product (a transposed operand, a missed
		// block) misses by orders of magnitude.
		differ := false
		for i := range lp64 {
			if math.Abs(lp32[i]-lp64[i]) > 1e-4*(1+math.Abs(lp64[i])) {
				t.Fatalf("%s d=%d: log density %d: float32 %v, float64 %v", c.name, c.d, i, lp32[i], lp64[i])
			}
			differ = differ || lp32[i] != lp64[i]
		}
		for k := range g64 {
			scale := 0.0
			for _, v := range g64[k] {
				scale = max(scale, math.Abs(v))
			}
			for i := range g64[k] {
				if math.Abs(g32[k][i]-g64[k][i]) > 1e-4*(1+scale) {
					t.Fatalf("%s d=%d: gradient of parameter %d[%d]: float32 %v, float64 %v", c.name, c.d, k, i, g32[k][i], g64[k][i])
				}
			}
		}
		if differ != tensor.Float32Products() {
			t.Errorf("%s d=%d: float32 results differ from float64: %v, float32 products on this machine: %v", c.name, c.d, differ, tensor.Float32Products())
		}
	}
}

// TestPrecisionSaved checks that a flow's precision survives Save and
// Load, and that a float64 flow's file does not mention it.
func TestPrecisionSaved(t *testing.T) {
	for _, prec := range []string{Float32, Float64} {
		q, err := Apply("AffineAutoregressive", stdNormal(3), map[string]OptionValue{"hidden": []float64{8}, "precision": prec}, newRNG(1))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Save(&buf, q); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), `"precision"`); got != (prec == Float32) {
			t.Errorf("%s: saved file mentions precision: %v", prec, got)
		}
		r, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		a := r.Layers[0].(*AffineAutoregressive)
		if got := a.Options().Precision; got != prec {
			t.Errorf("loaded precision %q, want %q", got, prec)
		}
	}
}
