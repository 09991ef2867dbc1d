package stdlib

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/lang"
)

// TestCDFBuiltins checks cdf, lcdf and lccdf: values against gonum (1e-12),
// per-element shapes (a number, a vector per element, a d-vector, an n×d
// matrix), and Truncated's density, draws and moments.
func TestCDFBuiltins(t *testing.T) {
	th, _ := newThread()
	mk := maker(t, th)
	n01 := mk("Normal", num(0), num(1))
	n2 := mk("Normal", vec(0, 1), vec(1, 2))
	std := distuv.UnitNormal
	inf := num(math.Inf(1))
	half := mk("Truncated", mk("StudentT", num(3), num(0), num(10)), num(0), inf)
	for _, tt := range []struct {
		fn   string
		args []lang.Value
		want []float64
		kind string
	}{
		{"cdf", []lang.Value{n01, num(0.3)}, []float64{std.CDF(0.3)}, "number"},
		{"lcdf", []lang.Value{n01, num(-40)}, []float64{-804.6084420137538}, "number"},
		{"lccdf", []lang.Value{n01, vec(0, 1)}, []float64{math.Log(0.5), math.Log(1 - std.CDF(1))}, "vector"},
		{"cdf", []lang.Value{n2, vec(0, 1)}, []float64{0.5, 0.5}, "vector"},
		{"cdf", []lang.Value{n2, mat(2, 2, 0, 1, 1, 3)}, []float64{0.5, 0.5, std.CDF(1), std.CDF(1)}, "matrix"},
		{"cdf", []lang.Value{mk("Poisson", num(3)), vec(-1, 0, 2.5)}, []float64{0, distuv.Poisson{Lambda: 3}.CDF(0), distuv.Poisson{Lambda: 3}.CDF(2)}, "vector"},
		{"log_prob", []lang.Value{half, num(5)}, []float64{math.Log(2) + distuv.StudentsT{Mu: 0, Sigma: 10, Nu: 3}.LogProb(5)}, "number"},
		{"log_prob", []lang.Value{half, num(-1)}, []float64{math.Inf(-1)}, "number"},
		{"mean", []lang.Value{half}, []float64{20 * math.Sqrt(3) / math.Pi}, "number"},
		{"log_prob", []lang.Value{mk("Truncated", n01, num(1)), num(2)}, []float64{std.LogProb(2) - math.Log(1-std.CDF(1))}, "number"},
	} {
		got, err := callKw(th, tt.fn, tt.args, nil)
		if err != nil || got.Type() != tt.kind || !close(values(got), tt.want, 1e-9) {
			t.Errorf("%s%v = %v, %v; want %s %v", tt.fn, tt.args, got, err, tt.kind, tt.want)
		}
	}
	// Keyword bounds, and the draws of a discrete truncation.
	tp, err := callKw(th, "Truncated", []lang.Value{mk("Poisson", num(3))}, []lang.Kwarg{{Name: "low", Value: num(2)}, {Name: "high", Value: num(4)}})
	if err != nil {
		t.Fatal(err)
	}
	if s := tp.String(); s != "Truncated(Poisson(rate=3), low=2, high=4)" {
		t.Errorf("String = %q", s)
	}
	draws, err := callKw(th, "sample", []lang.Value{tp, num(200)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values(draws) {
		if v != 2 && v != 3 && v != 4 {
			t.Fatalf("draw %v outside {2, 3, 4}", v)
		}
	}
}

// TestCDFErrors checks the builtins' error messages.
func TestCDFErrors(t *testing.T) {
	th, _ := newThread()
	mk := maker(t, th)
	n2 := mk("Normal", vec(0, 1), vec(1, 2))
	for _, tt := range []struct {
		fn   string
		args []lang.Value
		want string
	}{
		{"cdf", []lang.Value{mk("Dirichlet", vec(1, 1)), vec(0.5, 0.5)}, "cdf: Dirichlet(alpha=[1, 1]) has no CDF"},
		{"lcdf", []lang.Value{n2, vec(1, 2, 3)}, "lcdf: x has length 3 but the distribution has dimension 2"},
		{"lccdf", []lang.Value{n2, num(1)}, "lccdf: x is a number but the distribution has dimension 2"},
		{"cdf", []lang.Value{num(1), num(1)}, "cdf: for parameter d: got number, want distribution"},
		{"Truncated", []lang.Value{mk("Normal", num(0), num(1)), num(2), num(1)}, "Truncated: low must be less than high, got low = 2, high = 1"},
		{"Truncated", []lang.Value{mk("Gamma", num(2), num(1)), num(-3), num(-1)}, "Truncated: the interval [-3, -1] has probability 0 under Gamma(shape=2, rate=1)"},
		{"Truncated", []lang.Value{mk("MultivariateNormal", vec(0, 0), mat(2, 2, 1, 0, 0, 1)), num(0), num(1)}, "Truncated: MultivariateNormal("},
		{"Truncated", []lang.Value{mk("Normal", num(0), num(1)), mat(2, 2, 1, 0, 0, 1), num(1)}, "Truncated: low must be a number or a vector, got a matrix"},
		{"Truncated", []lang.Value{mk("Normal", num(0), num(1)), lang.String("a")}, "Truncated: low must be a number or a vector, got string"},
	} {
		_, err := callKw(th, tt.fn, tt.args, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s%v: error %v, want %q", tt.fn, tt.args, err, tt.want)
		}
	}
}
