package stdlib

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"gonum.org/v1/gonum/mathext"
)

func TestConstants(t *testing.T) {
	if Universe["pi"] != lang.Number(math.Pi) || Universe["inf"] != lang.Number(math.Inf(1)) {
		t.Errorf("pi = %v, inf = %v", Universe["pi"], Universe["inf"])
	}
}

// Elementwise special functions against package math and gonum, on a
// number and a vector (the vector path goes through package tensor, whose
// Log1p is within 2 ulp of math.Log1p: tolerance 1e-15 relative).
func TestSpecial(t *testing.T) {
	xs := []float64{0.25, 1, 3.5, 20, -0.5}
	for _, tt := range []struct {
		name string
		f    func(float64) float64
	}{
		{"lgamma", lgamma},
		{"log1p", math.Log1p},
		{"expm1", math.Expm1},
	} {
		want := make([]float64, len(xs))
		for i, x := range xs {
			want[i] = tt.f(x)
		}
		got, err := call(tt.name, vec(xs...))
		if err != nil || !close(values(got), want, 1e-15) {
			t.Errorf("%s(%v) = %v, %v; want %v", tt.name, xs, got, err, want)
		}
		n, err := call(tt.name, num(xs[2]))
		if err != nil || n != lang.Number(want[2]) {
			t.Errorf("%s(%v) = %v, %v; want %v", tt.name, xs[2], n, err, want[2])
		}
	}
	// lgamma(5) = log 24; log1p and expm1 keep tiny arguments exactly.
	if v, _ := call("lgamma", num(5)); math.Abs(float64(v.(lang.Number))-math.Log(24)) > 1e-15 {
		t.Errorf("lgamma(5) = %v, want log 24", v)
	}
	if v, _ := call("log1p", num(1e-20)); v != lang.Number(1e-20) {
		t.Errorf("log1p(1e-20) = %v", v)
	}

	// lbeta broadcasts: a matrix against a vector; B(1, b) = 1/b.
	a, b := mat(2, 2, 0.5, 2, 7, 1), vec(3, 0.25)
	got, err := call("lbeta", a, b)
	want := []float64{mathext.Lbeta(0.5, 3), mathext.Lbeta(2, 0.25), mathext.Lbeta(7, 3), -math.Log(0.25)}
	if err != nil || !close(values(got), want, 1e-14) || got.Type() != "matrix" {
		t.Errorf("lbeta = %v, %v; want %v", got, err, want)
	}
	if v, _ := call("lbeta", num(-1), num(2)); !math.IsNaN(float64(v.(lang.Number))) {
		t.Errorf("lbeta(-1, 2) = %v, want nan", v)
	}

	// log_add_exp: stable far out, exact closed forms.
	got, err = call("log_add_exp", vec(0, 1000, -1000, math.Inf(-1)), num(0))
	want = []float64{math.Log(2), 1000, 0, 0}
	if err != nil || !close(values(got), want, 1e-15) {
		t.Errorf("log_add_exp = %v, %v; want %v", got, err, want)
	}
	if _, err := call("log_add_exp", vec(1, 2), vec(1, 2, 3)); err == nil || !strings.Contains(err.Error(), "shapes [2] and [3]") {
		t.Errorf("log_add_exp of [2] and [3]: %v", err)
	}
	if _, err := call("lbeta", lang.String("a"), num(1)); err == nil || !strings.Contains(err.Error(), "lbeta: a must be a number, vector or matrix, got string") {
		t.Errorf("lbeta of a string: %v", err)
	}
}

func TestLogMix(t *testing.T) {
	mix := func(th, a, b float64) float64 { return math.Log(th*math.Exp(a) + (1-th)*math.Exp(b)) }
	got, err := call("log_mix", num(0.3), vec(-1, 0.5), num(-2))
	want := []float64{mix(0.3, -1, -2), mix(0.3, 0.5, -2)}
	if err != nil || !close(values(got), want, 1e-15) {
		t.Errorf("log_mix(0.3, ...) = %v, %v; want %v", got, err, want)
	}
	// theta 0 and 1 pick one component, even with -inf in the other.
	for _, tt := range []struct{ th, a, b, want float64 }{{1, -3, math.Inf(-1), -3}, {0, math.Inf(-1), -4, -4}} {
		if v, err := call("log_mix", num(tt.th), num(tt.a), num(tt.b)); err != nil || v != lang.Number(tt.want) {
			t.Errorf("log_mix(%v, %v, %v) = %v, %v; want %v", tt.th, tt.a, tt.b, v, err, tt.want)
		}
	}
	if _, err := call("log_mix", num(1.5), num(0), num(0)); err == nil || !strings.Contains(err.Error(), "theta must be in [0, 1], got 1.5") {
		t.Errorf("log_mix(1.5, ...): %v", err)
	}

	// Weights: a vector of log densities gives a number; a matrix, one
	// per row.
	w := vec(0.2, 0.5, 0.3)
	lse := func(lp ...float64) float64 {
		s := 0.0
		for k, l := range lp {
			s += w.Data()[k] * math.Exp(l)
		}
		return math.Log(s)
	}
	got, err = call("log_mix", w, vec(-1, -2, -0.5))
	if err != nil || got.Type() != "number" || !close(values(got), []float64{lse(-1, -2, -0.5)}, 1e-15) {
		t.Errorf("log_mix(w, vector) = %v, %v", got, err)
	}
	got, err = call("log_mix", w, mat(2, 3, -1, -2, -0.5, 0, 3, -7))
	if err != nil || got.Type() != "vector" || !close(values(got), []float64{lse(-1, -2, -0.5), lse(0, 3, -7)}, 1e-15) {
		t.Errorf("log_mix(w, matrix) = %v, %v", got, err)
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{vec(0.5, 0.6), vec(0, 0)}, "theta must be non-negative and sum to 1"},
		{[]lang.Value{vec(1.5, -0.5), vec(0, 0)}, "theta must be non-negative and sum to 1"},
		{[]lang.Value{w, vec(0, 0)}, "lp must be a vector of 3 log densities or a matrix with 3 columns"},
		{[]lang.Value{w, mat(3, 2, 0, 0, 0, 0, 0, 0)}, "matrix with 3 columns (one per component), got shape [3, 2]"},
		{[]lang.Value{num(0.5), vec(0, 0)}, "with two arguments theta must be a vector"},
		{[]lang.Value{lang.String("x"), num(0)}, "want log_mix(theta, lp)"},
	} {
		if _, err := call("log_mix", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("log_mix%v: %v, want %q", tt.args, err, tt.want)
		}
	}
}
