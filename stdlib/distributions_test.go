package stdlib

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// normal is a test distribution: independent normals with the given locs
// and scales. With noMoments it hides its closed forms (as a flow does).
type normal struct {
	loc, scale []float64
}

func (d normal) Dim() int { return len(d.loc) }

func (d normal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	n, k := x.Dim(0), x.Dim(1)
	out := make([]float64, n)
	for i := range out {
		for j := 0; j < k; j++ {
			z := (x.Data()[i*k+j] - d.loc[j]) / d.scale[j]
			out[i] += -0.5*math.Log(2*math.Pi) - math.Log(d.scale[j]) - z*z/2
		}
	}
	return tensor.New(out, n)
}

func (d normal) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := len(d.loc)
	out := make([]float64, n*k)
	for i := range out {
		out[i] = d.loc[i%k] + d.scale[i%k]*rng.NormFloat64()
	}
	return tensor.New(out, n, k)
}

func (normal) Support() dist.Support { return dist.Support{Kind: dist.Real} }
func (normal) String() string        { return "normal" }

// closedNormal adds the closed forms.
type closedNormal struct{ normal }

func (d closedNormal) Mean() ([]float64, bool)   { return d.loc, true }
func (d closedNormal) StdDev() ([]float64, bool) { return d.scale, true }
func (d closedNormal) Entropy() (float64, bool) {
	h := 0.0
	for _, s := range d.scale {
		h += 0.5*math.Log(2*math.Pi*math.E) + math.Log(s)
	}
	return h, true
}

func nd(loc, scale []float64) *lang.Dist { return &lang.Dist{D: closedNormal{normal{loc, scale}}} }

func mcNormal(loc, scale []float64) *lang.Dist { return &lang.Dist{D: normal{loc, scale}} }

// sampleShape is the arguments of a sample call and the kind and number
// of values it must give.
type sampleShape struct {
	args []lang.Value
	kind string
	n    int
}

// checkSampleShapes calls sample with each case's arguments and checks
// the kind and the number of values of the result.
func checkSampleShapes(t *testing.T, cases []sampleShape) {
	t.Helper()
	for _, tt := range cases {
		got, err := call("sample", tt.args...)
		if err != nil || got.Type() != tt.kind || len(values(got)) != tt.n {
			t.Errorf("sample%v = %v, %v; want a %s of %d", tt.args, got, err, tt.kind, tt.n)
		}
	}
}

func TestSampleShapes(t *testing.T) {
	d1, d2 := nd([]float64{0}, []float64{1}), nd([]float64{0, 1}, []float64{1, 2})
	checkSampleShapes(t, []sampleShape{
		{[]lang.Value{d1}, "number", 1},
		{[]lang.Value{d2}, "vector", 2},
		{[]lang.Value{d1, num(5)}, "vector", 5},
		{[]lang.Value{d1, num(1)}, "vector", 1},
		{[]lang.Value{d2, num(5)}, "matrix", 10},
		{[]lang.Value{d2, num(0)}, "matrix", 0},
	})
	th, _ := newThread()
	if got, err := callKw(th, "sample", []lang.Value{d2}, []lang.Kwarg{{Name: "n", Value: num(3)}}); err != nil || lang.ShapeString(got.(*lang.Array).Shape()) != "[3, 2]" {
		t.Errorf("sample(d2, n = 3) = %v, %v", got, err)
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{d1, num(2.5)}, "sample: n must be an integer, got 2.5"},
		{[]lang.Value{d1, num(-1)}, "sample: n must be non-negative, got -1"},
		{[]lang.Value{num(1)}, "sample: for parameter d: got number, want distribution"},
		{[]lang.Value{d2, num(1e9)}, "sample: an array of 2000000000 elements is over the limit of 1000000000"},
	} {
		if _, err := call("sample", tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("sample%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestLogProb(t *testing.T) {
	lp := func(x, loc, scale float64) float64 {
		z := (x - loc) / scale
		return -0.5*math.Log(2*math.Pi) - math.Log(scale) - z*z/2
	}
	d1, d2 := nd([]float64{1}, []float64{2}), nd([]float64{0, 1}, []float64{1, 2})
	for _, tt := range []struct {
		d    lang.Value
		x    lang.Value
		kind string
		want []float64
	}{
		{d1, num(0.5), "number", []float64{lp(0.5, 1, 2)}},
		{d1, vec(0.5, 3), "vector", []float64{lp(0.5, 1, 2), lp(3, 1, 2)}},
		{d1, mat(2, 1, 0.5, 3), "vector", []float64{lp(0.5, 1, 2), lp(3, 1, 2)}},
		{d2, vec(0.5, 3), "number", []float64{lp(0.5, 0, 1) + lp(3, 1, 2)}},
		{d2, mat(2, 2, 0.5, 3, 0, 0), "vector", []float64{lp(0.5, 0, 1) + lp(3, 1, 2), lp(0, 0, 1) + lp(0, 1, 2)}},
	} {
		got, err := call("log_prob", tt.d, tt.x)
		if err != nil || got.Type() != tt.kind || !close(values(got), tt.want, 1e-12) {
			t.Errorf("log_prob(%v, %v) = %v, %v; want %s %v", tt.d, tt.x, got, err, tt.kind, tt.want)
		}
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{d2, mat(1, 3, 1, 2, 3)}, "log_prob: x has 3 columns but the distribution has dimension 2"},
		{[]lang.Value{d1, mat(1, 3, 1, 2, 3)}, "log_prob: x has 3 columns but the distribution has dimension 1"},
		{[]lang.Value{d2, vec(1, 2, 3)}, "log_prob: x has length 3 but the distribution has dimension 2"},
		{[]lang.Value{d2, num(1)}, "log_prob: x is a number but the distribution has dimension 2"},
		{[]lang.Value{d1, lang.String("a")}, "log_prob: got string for x, want number, vector or matrix"},
		{[]lang.Value{d1}, "log_prob: missing argument x"},
	} {
		if _, err := call("log_prob", tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("log_prob%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestMoments(t *testing.T) {
	d1, d2 := nd([]float64{1}, []float64{2}), nd([]float64{0, 1}, []float64{1, 2})
	for _, tt := range []struct {
		fn   string
		d    lang.Value
		want []float64
		tol  float64
	}{
		{"mean", d1, []float64{1}, 0},
		{"sd", d1, []float64{2}, 0},
		{"var", d1, []float64{4}, 0},
		{"mean", d2, []float64{0, 1}, 0},
		{"sd", d2, []float64{1, 2}, 0},
		// Monte Carlo from 10000 draws: 4 standard errors
		{"mean", mcNormal([]float64{1}, []float64{2}), []float64{1}, 4 * 2 / 100.0},
		{"sd", mcNormal([]float64{0, 1}, []float64{1, 2}), []float64{1, 2}, 4 * 2 / math.Sqrt(2*10000)},
		{"entropy", d2, []float64{math.Log(2*math.Pi*math.E) + math.Log(2)}, 1e-12},
	} {
		got, err := call(tt.fn, tt.d)
		if err != nil || !close(values(got), tt.want, tt.tol) {
			t.Errorf("%s(%v) = %v, %v; want %v", tt.fn, tt.d, got, err, tt.want)
		}
	}
	if _, err := call("entropy", mcNormal([]float64{0}, []float64{1})); err == nil || !strings.HasPrefix(err.Error(), "entropy: normal has no closed-form entropy") {
		t.Errorf("entropy without closed form: error %v", err)
	}
	if _, err := call("mean", lang.String("a")); err == nil || err.Error() != "mean: got string, want number, vector, matrix or distribution" {
		t.Errorf("mean(string): error %v", err)
	}
}

func TestKL(t *testing.T) {
	// KL(N(0, 1) ‖ N(1, 1)) = 1/2; log p - log q = 1/2 - x has sd 1.
	const n = 20000
	for _, mk := range []func(loc, scale []float64) *lang.Dist{nd, mcNormal} {
		got, err := call("kl", mk([]float64{0}, []float64{1}), mk([]float64{1}, []float64{1}), num(n))
		if err != nil || math.Abs(float64(got.(lang.Number))-0.5) > 4/math.Sqrt(n) {
			t.Errorf("kl = %v, %v; want 0.5 within %v", got, err, 4/math.Sqrt(n))
		}
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{nd([]float64{0}, []float64{1}), nd([]float64{0, 0}, []float64{1, 1})}, "kl: p has dimension 1 but q has dimension 2"},
		{[]lang.Value{nd([]float64{0}, []float64{1}), nd([]float64{0}, []float64{1}), num(0)}, "kl: n must be positive, got 0"},
		{[]lang.Value{nd([]float64{0}, []float64{1})}, "kl: missing argument q"},
	} {
		if _, err := call("kl", tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("kl%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	got, err := call("summary", nd([]float64{0, 10}, []float64{1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	tab := got.(*Table)
	if strings.Join(tab.Rows, " ") != "x[0] x[1]" || strings.Join(tab.AttrNames(), " ") != "mean sd q5 q50 q95" {
		t.Errorf("summary rows %v columns %v", tab.Rows, tab.AttrNames())
	}
	// 10000 draws; quantiles of N(0, 1) at 5% and 95%: ±1.6449.
	for _, tt := range []struct {
		col  string
		want []float64
		tol  float64
	}{
		{"mean", []float64{0, 10}, 0.08},
		{"sd", []float64{1, 2}, 0.06},
		{"q5", []float64{-1.6449, 10 - 2*1.6449}, 0.2},
		{"q50", []float64{0, 10}, 0.1},
		{"q95", []float64{1.6449, 10 + 2*1.6449}, 0.2},
	} {
		v, ok := tab.Attr(tt.col)
		if !ok {
			t.Errorf("summary has no column %s", tt.col)
			continue
		}
		for i, w := range tt.want {
			if g := v.(*lang.Array).Data()[i]; math.Abs(g-w) > tt.tol {
				t.Errorf("summary %s[%d] = %v, want %v ± %v", tt.col, i, g, w, tt.tol)
			}
		}
	}
	if n, err := call("len", tab); err != nil || n != num(2) {
		t.Errorf("len(summary) = %v, %v", n, err)
	}
}

func TestTableString(t *testing.T) {
	tab := Summarize([]string{"alpha", "b"}, tensor.New([]float64{1, 10, 2, 20, 3, 30, 4, 40, 5, 1234567}, 5, 2))
	want := "" +
		"name        mean         sd   5%  50%        95%\n" +
		"alpha          3      1.581  1.2    3        4.8\n" +
		"b      2.469e+05  5.521e+05   12   30  9.877e+05"
	if got := tab.String(); got != want {
		t.Errorf("table prints as\n%s\nwant\n%s", got, want)
	}
}
