package flows

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

func mustApply(t testing.TB, name string, inner dist.Distribution, opts map[string]OptionValue, seed uint64) *Flow {
	t.Helper()
	f, err := Apply(name, inner, opts, newRNG(seed))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newNormal returns the diagonal normal with the given loc and scale.
func newNormal(loc, scale []float64) *dist.Normal {
	d, err := dist.NewNormal(tensor.Vector(loc), tensor.Vector(scale))
	if err != nil {
		panic(err)
	}
	return d
}

// stdNormal returns the d-dimensional standard normal.
func stdNormal(d int) *dist.Normal {
	return newNormal(make([]float64, d), tensor.Full(1, d).Data())
}

// TestDensityIntegrates integrates flow densities by quadrature.
func TestDensityIntegrates(t *testing.T) {
	const tol = 1e-4
	// 1-D: base → Affine → Exp → AffineFixed: a shifted log-normal.
	f := mustApply(t, "Affine", stdNormal(1), map[string]OptionValue{"loc": 0.2, "scale": 0.4}, 1)
	f = mustApply(t, "Exp", f, nil, 1)
	f = mustApply(t, "AffineFixed", f, map[string]OptionValue{"loc": -1.0, "scale": 2.0}, 1)
	const h = 1e-3
	var ys []float64
	for y := -1.5; y < 30; y += h {
		ys = append(ys, y)
	}
	lp := f.LogProb(tensor.New(ys, len(ys), 1)).Data()
	sum := 0.0
	for _, v := range lp {
		sum += math.Exp(v) * h
	}
	if math.Abs(sum-1) > tol {
		t.Errorf("1-D flow density integrates to %v, want 1 ± %g", sum, tol)
	}
	if lp[0] != math.Inf(-1) {
		t.Errorf("log density below the support = %v, want -Inf", lp[0])
	}

	// 2-D: one autoregressive layer with random weights, both directions.
	for _, dir := range []Direction{BaseSide, DataSide} {
		f := mustApply(t, "AffineAutoregressive", stdNormal(2), map[string]OptionValue{"hidden": []float64{16, 16}}, 3)
		perturb(newRNG(4), f.Params(), 0.2)
		f.SetDirection(dir)
		const h, lim = 0.02, 9.0
		var pts []float64
		for a := -lim; a <= lim; a += h {
			for b := -lim; b <= lim; b += h {
				pts = append(pts, a, b)
			}
		}
		lp := f.LogProb(tensor.New(pts, len(pts)/2, 2)).Data()
		sum := 0.0
		for _, v := range lp {
			sum += math.Exp(v) * h * h
		}
		if math.Abs(sum-1) > tol {
			t.Errorf("%s: 2-D flow density integrates to %v, want 1 ± %g", dir, sum, tol)
		}
	}
}

// TestLogProbGradient checks d(mean LogProb)/dθ against central
// differences for a few parameters of each tensor.
func TestLogProbGradient(t *testing.T) {
	for _, dir := range []Direction{BaseSide, DataSide} {
		f := mustApply(t, "AffineAutoregressive", stdNormal(3), map[string]OptionValue{"hidden": []float64{6, 5}, "activation": "tanh", "layers": 2.0}, 5)
		f = mustApply(t, "Affine", f, nil, 5)
		perturb(newRNG(6), f.Params(), 0.3)
		f.SetDirection(dir)
		y := randn(newRNG(8), 20, 3)
		loss := func() float64 { return meanOf(f.LogProb(y).Data()) }
		for pi, p := range meanLogProbGrads(f, y) {
			for _, i := range []int{0, p.Len() / 2, p.Len() - 1} {
				checkCentralDiff(t, fmt.Sprintf("%s: param %d[%d]", dir, pi, i), p, i, loss)
			}
		}
	}
}

// meanLogProbGrads sets the gradients of f's parameters to those of the
// mean log density of the rows of y, and returns the parameters.
func meanLogProbGrads(f *Flow, y *tensor.Tensor) []*tensor.Tensor {
	tp := tensor.NewTape()
	ps := f.Params()
	for _, p := range ps {
		p.ZeroGrad()
	}
	tp.Watch(ps...)
	tp.Backward(tensor.Mean(f.LogProb(y)))
	tp.Reset()
	return ps
}

// checkCentralDiff compares p's gradient at entry i with the central
// difference of loss (h = 1e-6: truncation error O(h²) and rounding
// O(ε/h) ≈ 1e-10, well inside the 1e-6 relative tolerance).
func checkCentralDiff(t *testing.T, what string, p *tensor.Tensor, i int, loss func() float64) {
	t.Helper()
	old := p.Data()[i]
	const h = 1e-6
	p.Data()[i] = old + h
	up := loss()
	p.Data()[i] = old - h
	down := loss()
	p.Data()[i] = old
	num := (up - down) / (2 * h)
	if g := p.Grad()[i]; math.Abs(g-num) > 1e-6*max(1, math.Abs(num)) {
		t.Errorf("%s: gradient %v, numeric %v", what, g, num)
	}
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func TestSampleAndLogProbMatchesLogProb(t *testing.T) {
	for _, dir := range []Direction{BaseSide, DataSide} {
		f := mustApply(t, "AffineAutoregressive", stdNormal(4), map[string]OptionValue{"hidden": []float64{9}, "layers": 2.0}, 2)
		perturb(newRNG(1), f.Params(), 0.3)
		f.SetDirection(dir)
		x, lp := f.SampleAndLogProb(newRNG(3), 40)
		want := f.LogProb(x)
		if e := maxAbsDiff(lp.Data(), want.Data()); e > 1e-9 {
			t.Errorf("%s: SampleAndLogProb log density differs from LogProb by %g", dir, e)
		}
		s := f.Sample(newRNG(3), 40)
		if e := maxAbsDiff(s.Data(), x.Data()); e > 1e-12 {
			t.Errorf("%s: Sample and SampleAndLogProb draw different points (%g)", dir, e)
		}
	}
}

func TestSampleChunked(t *testing.T) {
	for _, dir := range []Direction{BaseSide, DataSide} {
		f := mustApply(t, "AffineAutoregressive", stdNormal(2), map[string]OptionValue{"hidden": []float64{8}}, 2)
		f.SetDirection(dir)
		const n = 2*sampleChunk + 17
		x := f.Sample(newRNG(1), n)
		mean, sd := tensor.ColumnMoments(x)
		for j := range 2 { // a fresh flow is the base: N(0, 1); 4 standard errors
			if math.Abs(mean[j]) > 4/math.Sqrt(n) || math.Abs(sd[j]-1) > 4/math.Sqrt(2*n) {
				t.Errorf("%s: column %d mean %v sd %v, want 0 and 1", dir, j, mean[j], sd[j])
			}
		}
		lp := f.LogProb(x)
		if lp.Len() != n || !tensor.AllFinite(lp) {
			t.Errorf("%s: chunked LogProb has %d entries, finite %v", dir, lp.Len(), tensor.AllFinite(lp))
		}
	}
}

func TestInitFromMoments(t *testing.T) {
	base := newNormal([]float64{1, -2}, []float64{2, 0.5})
	for _, exact := range []bool{true, false} {
		f := mustApply(t, "AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{8}}, 1)
		f = mustApply(t, "Permute", f, nil, 1)
		if !exact { // moments by Monte Carlo
			perturb(newRNG(2), f.Params(), 0.2)
		}
		if !f.InitFromMoments([]float64{5, -3}, []float64{0.5, 4}) {
			t.Fatal("InitFromMoments failed")
		}
		n := 20000
		mean, sd := tensor.ColumnMoments(f.Sample(newRNG(9), n))
		tol := 0.0
		if !exact {
			tol = 0.05 // the 4096-draw estimate
		}
		for j, w := range []float64{5, -3} {
			ws := []float64{0.5, 4}[j]
			if math.Abs(mean[j]-w) > 4*ws/math.Sqrt(float64(n))+tol*ws || math.Abs(sd[j]/ws-1) > 4/math.Sqrt(2*float64(n))+tol {
				t.Errorf("exact=%v: column %d mean %v sd %v, want %v and %v", exact, j, mean[j], sd[j], w, ws)
			}
		}
		// A second call replaces the standardiser rather than stacking.
		k := len(f.Layers)
		f.InitFromMoments([]float64{0, 0}, []float64{1, 1})
		if len(f.Layers) != k {
			t.Errorf("second InitFromMoments changed the layer count %d → %d", k, len(f.Layers))
		}
		f.Initialize(newRNG(1))
		if len(f.Layers) != k-1 {
			t.Errorf("Initialize kept the standardiser")
		}
	}
	f := mustApply(t, "Exp", stdNormal(1), nil, 1)
	if f.InitFromMoments([]float64{1}, []float64{1}) {
		t.Errorf("InitFromMoments on a positive flow should decline")
	}
}

func TestString(t *testing.T) {
	base := newNormal([]float64{0, 0}, []float64{1, 1})
	f := mustApply(t, "AffineAutoregressive", base, nil, 1)
	want := "flow AffineAutoregressive over Normal(0, I₂) — 67,588 params"
	if f.String() != want {
		t.Errorf("String = %q, want %q", f.String(), want)
	}
	f.InitFromMoments([]float64{1, 1}, []float64{2, 2})
	if f.String() != want {
		t.Errorf("after InitFromMoments String = %q, want %q", f.String(), want)
	}
	g := mustApply(t, "Exp", mustApply(t, "AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{32, 32}, "layers": 2.0}, 1), nil, 1)
	want = "flow Exp ∘ AffineAutoregressive(hidden=[32, 32], layers=2) over Normal(0, I₂) — 2,568 params"
	if g.String() != want {
		t.Errorf("String = %q, want %q", g.String(), want)
	}
	if len(g.Layers) != 3 || g.Support().Kind.String() != "positive" {
		t.Errorf("nested flow: %d layers, support %v; want 3 and positive", len(g.Layers), g.Support().Kind)
	}
}

func TestApplyErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts map[string]OptionValue
		want string
	}{
		{"Power", nil, `Power needs a positive input, but its input is real (from Normal(...)): put Exp or Softplus before it`},
		{"Spline", map[string]OptionValue{"hidden": []float64{4}}, `Spline has no option "hidden" (options: bins, bound)`},
		{"Spline", map[string]OptionValue{"bound": -1.0}, `bound must be a positive number, got -1`},
		{"Power", map[string]OptionValue{"exponent": 0.0}, `exponent must be a nonzero number, got 0`},
		{"Coupling", map[string]OptionValue{"permutation": []float64{1, 0}}, `Coupling has no option "permutation" (options: hidden, layers, activation, precision, context)`},
		{"AffineAutoregressive", map[string]OptionValue{"precision": "float16"}, `precision must be "float64" or "float32", got "float16"`},
		{"Coupling", map[string]OptionValue{"precision": 32.0}, `precision must be "float64" or "float32", got 32`},
		{"AfineAutoregressive", nil, `unknown bijector "AfineAutoregressive" (did you mean "AffineAutoregressive"?)`},
		{"AffineAutoregressive", map[string]OptionValue{"bins": 8.0}, `AffineAutoregressive has no option "bins" (options: hidden, layers, activation, permutation, clip_log_scale, precision, context)`},
		{"Exp", map[string]OptionValue{"bins": 8.0}, `Exp has no option "bins" (it takes none)`},
		{"Spline", map[string]OptionValue{"bnis": 8.0}, `Spline has no option "bnis" (did you mean "bins"?) (options: bins, bound)`},
		{"AffineAutoregressive", map[string]OptionValue{"hidden": []float64{0}}, "hidden must be a list of positive integers, got [0]"},
		{"AffineAutoregressive", map[string]OptionValue{"hidden": []float64{2.5}}, "hidden must be a list of positive integers, got [2.5]"},
		{"AffineAutoregressive", map[string]OptionValue{"layers": 0.0}, "layers must be a positive integer, got 0"},
		{"AffineAutoregressive", map[string]OptionValue{"activation": "sigmoid"}, `activation must be "relu", "tanh" or "elu", got "sigmoid"`},
		{"AffineAutoregressive", map[string]OptionValue{"permutation": []float64{0, 0}}, "permutation must be a permutation of 0..1 (a vector of 2 distinct integers), got [0, 0]"},
		{"AffineAutoregressive", map[string]OptionValue{"clip_log_scale": []float64{3, -5}}, "clip_log_scale must be true, false or [lo, hi] with lo < hi, got [3, -5]"},
		{"AffineFixed", map[string]OptionValue{"scale": []float64{1, 2, 3}}, "scale must be a number or a vector of length 2, got length 3"},
		{"AffineFixed", map[string]OptionValue{"scale": 0.0}, "scale must be nonzero"},
		{"Affine", map[string]OptionValue{"scale": -1.0}, "scale must be positive"},
	} {
		_, err := Apply(tt.name, stdNormal(2), tt.opts, newRNG(1))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Apply(%s, %v): error %v, want %q", tt.name, tt.opts, err, tt.want)
		}
	}
	if len(Names()) != 18 || !Implemented("Affine") || !Implemented("Planar") || Implemented("Gaussian") {
		t.Errorf("Names/Implemented: %d names", len(Names()))
	}
}

func TestPlan(t *testing.T) {
	p := Plan{Layers: []PlanStep{
		{Name: "AffineAutoregressive", Options: map[string]OptionValue{"hidden": []float64{16}}},
		{Name: "Permute"},
	}}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "flow Permute(AffineAutoregressive(hidden = [16]))"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	f, err := p.Instantiate(stdNormal(3), newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Layers) != 2 || f.Dim() != 3 {
		t.Errorf("instantiated %d layers of dimension %d", len(f.Layers), f.Dim())
	}
	bad := Plan{Layers: []PlanStep{{Name: "AffineAutoregressive", Options: map[string]OptionValue{"bins": 3.0}}}}
	if bad.Check() == nil {
		t.Errorf("Check accepted an unknown option")
	}
}

func TestPrepareFit(t *testing.T) {
	f := mustApply(t, "AffineAutoregressive", stdNormal(2), map[string]OptionValue{"hidden": []float64{4}}, 1)
	if f.Direction() != BaseSide || f.Fitted() {
		t.Fatalf("new flow: direction %v fitted %v", f.Direction(), f.Fitted())
	}
	f.PrepareFit(false)
	f.PrepareFit(true)
	if f.Direction() != DataSide || !f.Fitted() || f.Layers[0].(Directional).Direction() != DataSide {
		t.Errorf("after forward then reverse fits: direction %v, want data side", f.Direction())
	}
	g := mustApply(t, "AffineAutoregressive", f, map[string]OptionValue{"hidden": []float64{4}}, 2)
	g.PrepareFit(true)
	if g.Layers[0].(Directional).Direction() != DataSide || g.Layers[1].(Directional).Direction() != BaseSide {
		t.Errorf("outer fit changed the trained inner layer's direction")
	}
}
