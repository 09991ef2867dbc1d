package stdlib

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

// TestRank: rank counts the draws strictly below x, per column for a
// vector x.
func TestRank(t *testing.T) {
	got, err := call("rank", num(2.5), vec(3, 1, 2, 5, 2.5, -1))
	if err != nil || got != lang.Number(3) {
		t.Errorf("rank(2.5, ...) = %v, %v; want 3", got, err)
	}
	draws := lang.NewMatrix(3, 2, []float64{1, 10, 2, 20, 3, 30})
	got, err = call("rank", vec(2.5, 100), draws)
	if err != nil || !close(values(got), []float64{2, 3}, 0) {
		t.Errorf("rank([2.5, 100], draws) = %v, %v; want [2, 3]", got, err)
	}
	// Ties: x equal to all 4 draws has a rank uniform on 0..4 (ties broken
	// at random), not always 0: over 1000 calls each value's count is
	// within 5 binomial sds (√(1000·0.2·0.8) ≈ 12.6) of 200.
	th, _ := newThread()
	counts := make([]int, 5)
	for range 1000 {
		got, err := callKw(th, "rank", []lang.Value{num(1), vec(1, 1, 1, 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		counts[int(got.(lang.Number))]++
	}
	for r, c := range counts {
		if math.Abs(float64(c)-200) > 5*12.6 {
			t.Errorf("ties: rank %d came %d times of 1000, want about 200 (counts %v)", r, c, counts)
		}
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{vec(1, 2), vec(1, 2, 3)}, "want a number and a vector of draws, or a k-vector and an L×k matrix"},
		{[]lang.Value{num(math.NaN()), vec(1)}, "x is nan"},
	} {
		if _, err := call("rank", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rank%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestChisqUniform: the p-value of Pearson's statistic, against closed
// forms: perfectly even counts give statistic 0 and p = 1; with 2 bins
// the statistic has 1 degree of freedom, whose survival function is
// erfc(sqrt(x / 2)); and uniform ranks pass while ranks piled in the
// middle (an overdispersed posterior) fail.
func TestChisqUniform(t *testing.T) {
	// 20 ranks in 0..9, two in each value: 10 bins of 1 value, even.
	var even []float64
	for i := range 20 {
		even = append(even, float64(i%10))
	}
	th, _ := newThread()
	var warnings []string
	th.Warn = func(pos ast.Pos, msg string) { warnings = append(warnings, msg) }
	got, err := callKw(th, "chisq_uniform", []lang.Value{vec(even...), num(9)}, nil)
	if err != nil || math.Abs(float64(got.(lang.Number))-1) > 1e-12 {
		t.Errorf("even counts: p = %v, %v; want 1", got, err)
	}
	// 20 ranks in 10 bins expect 2 a bin: the p-value is rough, and the
	// call says so; 200 ranks (20 a bin, below) do not warn.
	if want := "chisq_uniform: 20 ranks in 10 bins expect 2 a bin, under 5: the chi-square p-value is only rough; simulate more data sets or give fewer bins"; len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", warnings, want)
	}
	warnings = nil
	// 2 bins of 0..3: counts 7 and 3 of 10, statistic (2² + 2²) / 5 = 1.6.
	ranks := vec(0, 1, 0, 1, 0, 1, 0, 2, 3, 3)
	got, err = callKw(nil, "chisq_uniform", []lang.Value{ranks, num(3)}, []lang.Kwarg{{Name: "bins", Value: num(2)}})
	if want := math.Erfc(math.Sqrt(1.6 / 2)); err != nil || math.Abs(float64(got.(lang.Number))-want) > 1e-12 {
		t.Errorf("2 bins: p = %v, %v; want %v", got, err, want)
	}
	// A matrix: uniform ranks in column 0, ranks in 40..59 of 0..99 in
	// column 1.
	rng := rand.New(rand.NewPCG(1, 2))
	m := make([]float64, 0, 400)
	for range 200 {
		m = append(m, float64(rng.IntN(100)), float64(40+rng.IntN(20)))
	}
	got, err = callKw(th, "chisq_uniform", []lang.Value{lang.NewMatrix(200, 2, m), num(99)}, nil)
	if len(warnings) > 0 {
		t.Errorf("200 ranks in 10 bins: warnings %q, want none", warnings)
	}
	p := values(got)
	if err != nil || len(p) != 2 || p[0] < 0.01 || p[1] > 1e-10 {
		t.Errorf("matrix: p = %v, %v; want uniform column above 0.01 and the piled one below 1e-10", got, err)
	}
	for _, tt := range []struct {
		args []lang.Value
		kw   []lang.Kwarg
		want string
	}{
		{[]lang.Value{vec(1, 2), num(10)}, nil, "10 bins do not divide the 11 rank values"},
		{[]lang.Value{vec(1, 2), num(9)}, []lang.Kwarg{{Name: "bins", Value: num(3)}}, "bins must be at least 2 and divide the 10 rank values 0..9 evenly, got 3"},
		{[]lang.Value{vec(1, 12), num(9)}, nil, "rank 12 is not an integer in 0..9"},
		{[]lang.Value{vec(1), num(9)}, nil, "needs at least 2 ranks"},
	} {
		if _, err := callKw(nil, "chisq_uniform", tt.args, tt.kw); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("chisq_uniform%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}
