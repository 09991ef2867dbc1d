package stdlib

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
	gmat "gonum.org/v1/gonum/mat"
)

func TestDotOuterDiag(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		name string
		args []lang.Value
		want lang.Value
	}{
		{"dot", []lang.Value{vec(1, 2, 3), vec(4, -5, 6)}, num(12)},
		{"outer", []lang.Value{vec(1, 2), vec(3, 4, 5)}, mat(2, 3, 3, 4, 5, 6, 8, 10)},
		{"diag", []lang.Value{vec(1, inf)}, mat(2, 2, 1, 0, 0, inf)}, // no 0 × inf off the diagonal
		{"diag", []lang.Value{mat(2, 3, 1, 2, 3, 4, 5, 6)}, vec(1, 5)},
		{"diag", []lang.Value{mat(3, 1, 7, 8, 9)}, vec(7)},
	} {
		got, err := call(tt.name, tt.args...)
		if err != nil || got.Type() != tt.want.Type() || !close(values(got), values(tt.want), 0) {
			t.Errorf("%s%v = %v, %v; want %v", tt.name, tt.args, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		args []lang.Value
		want string
	}{
		{"dot", []lang.Value{vec(1, 2), vec(1, 2, 3)}, "dot: vectors of lengths 2 and 3"},
		{"dot", []lang.Value{mat(1, 2, 1, 2), vec(1, 2)}, "dot: a must be a vector, got matrix of shape [1, 2]"},
		{"outer", []lang.Value{vec(1), num(2)}, "outer: b must be a vector, got number"},
		{"diag", []lang.Value{num(2)}, "diag: got number, want vector or matrix"},
	} {
		if _, err := call(tt.name, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s%v: %v, want %q", tt.name, tt.args, err, tt.want)
		}
	}
}

// Against gonum's factorisations. Tolerance 1e-12: a well-conditioned
// 3×3 matrix, the same algorithms up to rounding.
func TestMatrixFunctions(t *testing.T) {
	spd := []float64{4, 1, 0.5, 1, 3, -0.2, 0.5, -0.2, 2}
	gen := []float64{2, -1, 0.5, 0.3, 1.5, 1, -0.7, 0.2, 3}
	var ch gmat.Cholesky
	ch.Factorize(gmat.NewSymDense(3, append([]float64(nil), spd...)))
	var l gmat.TriDense
	ch.LTo(&l)
	got, err := call("cholesky", mat(3, 3, spd...))
	if err != nil || !close(values(got), gmat.DenseCopyOf(&l).RawMatrix().Data, 1e-12) {
		t.Errorf("cholesky = %v, %v; want %v", got, err, gmat.Formatted(&l))
	}
	g := gmat.NewDense(3, 3, append([]float64(nil), gen...))
	var inv gmat.Dense
	if err := inv.Inverse(g); err != nil {
		t.Fatal(err)
	}
	got, err = call("inverse", mat(3, 3, gen...))
	if err != nil || !close(values(got), inv.RawMatrix().Data, 1e-12) {
		t.Errorf("inverse = %v, %v", got, err)
	}
	var x gmat.VecDense
	if err := x.SolveVec(g, gmat.NewVecDense(3, []float64{1, -2, 0.5})); err != nil {
		t.Fatal(err)
	}
	got, err = call("solve", mat(3, 3, gen...), vec(1, -2, 0.5))
	if err != nil || got.Type() != "vector" || !close(values(got), x.RawVector().Data, 1e-12) {
		t.Errorf("solve(A, vector) = %v, %v; want %v", got, err, x.RawVector().Data)
	}
	got, err = call("solve", mat(3, 3, gen...), mat(3, 3, gen...))
	if err != nil || got.Type() != "matrix" || !close(values(got), []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, 1e-12) {
		t.Errorf("solve(A, A) = %v, %v; want the identity", got, err)
	}
	// A triangular matrix (solved by substitution), lower and upper.
	for _, tri := range []gmat.Matrix{&l, l.T()} {
		var xt gmat.VecDense
		if err := xt.SolveVec(tri, gmat.NewVecDense(3, []float64{1, -2, 0.5})); err != nil {
			t.Fatal(err)
		}
		d := gmat.DenseCopyOf(tri).RawMatrix().Data
		got, err := call("solve", mat(3, 3, d...), vec(1, -2, 0.5))
		if err != nil || !close(values(got), xt.RawVector().Data, 1e-12) {
			t.Errorf("solve(%v, b) = %v, %v; want %v", d, got, err, xt.RawVector().Data)
		}
	}
	if _, err := call("solve", mat(2, 2, 1, 0, 3, 0), vec(1, 1)); err == nil || !strings.Contains(err.Error(), "solve: matrix is singular") {
		t.Errorf("solve with a singular triangular matrix: %v", err)
	}
	ld, _ := gmat.LogDet(g)
	if got, err := call("log_det", mat(3, 3, gen...)); err != nil || !close(values(got), []float64{ld}, 1e-12) {
		t.Errorf("log_det = %v, %v; want %v", got, err, ld)
	}
	if got, err := call("log_det", mat(2, 2, 1, 2, 2, 4)); err != nil || got != lang.Number(math.Inf(-1)) {
		t.Errorf("log_det of a singular matrix = %v, %v; want -inf", got, err)
	}
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		args []lang.Value
		want string
	}{
		{"cholesky", []lang.Value{mat(2, 3, 1, 2, 3, 4, 5, 6)}, "cholesky: A must be a square matrix, got matrix of shape [2, 3]"},
		{"cholesky", []lang.Value{vec(1, 2)}, "cholesky: A must be a square matrix, got vector of shape [2]"},
		{"cholesky", []lang.Value{mat(2, 2, 1, 0.5, 0.4, 1)}, "cholesky: matrix is not symmetric (element [1, 0] = 0.4, [0, 1] = 0.5)"},
		{"cholesky", []lang.Value{mat(2, 2, 1, 2, 2, 1)}, "cholesky: matrix is not positive definite"},
		{"cholesky", []lang.Value{mat(2, 2, 1, 0, 0, nan)}, "cholesky: matrix has a non-finite element"},
		{"inverse", []lang.Value{mat(2, 2, 1, 2, 2, 4)}, "inverse: matrix is singular"},
		{"inverse", []lang.Value{mat(1, 1, math.Inf(1))}, "inverse: matrix has a non-finite element"},
		{"solve", []lang.Value{mat(2, 2, 1, 2, 2, 4), vec(1, 1)}, "solve: matrix is singular"},
		{"solve", []lang.Value{mat(2, 2, 1, 0, 0, 1), vec(1, 1, 1)}, "solve: b must be a vector of length 2 or a matrix with 2 rows, got vector of shape [3]"},
		{"solve", []lang.Value{mat(2, 2, 1, 0, 0, 1), num(1)}, "solve: b must be a vector of length 2 or a matrix with 2 rows, got number"},
		{"log_det", []lang.Value{num(3)}, "log_det: A must be a square matrix, got number"},
	} {
		if _, err := call(tt.name, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s%v: %v, want %q", tt.name, tt.args, err, tt.want)
		}
	}
}

// Inside a model a failing draw gets nan (its log density is then not
// finite and the fit drops it); the other draws are unaffected.
func TestLinalgBatchFailures(t *testing.T) {
	// Draw 1 of [[1, c], [c, 1]] has c = 2: not positive definite.
	a := batchOf([]float64{1, 0.5, 0.5, 1, 1, 2, 2, 1}, 2, 2, 2)
	got, err := call("cholesky", a)
	if err != nil {
		t.Fatal(err)
	}
	d := got.(*lang.Batch).T.Data()
	if !close(d[:4], []float64{1, 0, 0.5, math.Sqrt(0.75)}, 1e-15) || !math.IsNaN(d[4]) {
		t.Errorf("cholesky of a batch = %v", d)
	}
	if _, err := call("cholesky", batchOf([]float64{1, 0, 0, 1, 1, 0.5, 0, 1}, 2, 2, 2)); err == nil ||
		!strings.Contains(err.Error(), "not symmetric in draw 1") {
		t.Errorf("cholesky of an asymmetric draw: %v", err)
	}
	// log_mix with weights that are not a simplex in draw 0.
	got, err = call("log_mix", batchOf([]float64{0.5, 0.6, 0.5, 0.5}, 2, 2), vec(-1, -2))
	if err != nil {
		t.Fatal(err)
	}
	if d := got.(*lang.Batch).T.Data(); !math.IsNaN(d[0]) || math.Abs(d[1]-math.Log(0.5*math.Exp(-1)+0.5*math.Exp(-2))) > 1e-15 {
		t.Errorf("log_mix of a batch = %v", d)
	}
	// gp_exp_quad_cov with rho ≤ 0 in draw 1.
	got, err = call("gp_exp_quad_cov", vec(0, 1), num(1), batchOf([]float64{1, -1}, 2))
	if err != nil {
		t.Fatal(err)
	}
	if d := got.(*lang.Batch).T.Data(); d[1] != math.Exp(-0.5) || !math.IsNaN(d[4]) {
		t.Errorf("gp_exp_quad_cov of a batch = %v", d)
	}
}

func TestGPExpQuadCov(t *testing.T) {
	// Points (0, 0), (1, 2), (3, -1); alpha 2, rho 1.5.
	pts := [][2]float64{{0, 0}, {1, 2}, {3, -1}}
	want := make([]float64, 9)
	for i, p := range pts {
		for j, q := range pts {
			d2 := (p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1])
			want[i*3+j] = 4 * math.Exp(-d2/(2*1.5*1.5))
		}
	}
	got, err := call("gp_exp_quad_cov", mat(3, 2, 0, 0, 1, 2, 3, -1), num(2), num(1.5))
	if err != nil || !close(values(got), want, 1e-15) {
		t.Errorf("gp_exp_quad_cov(points) = %v, %v; want %v", got, err, want)
	}
	got, err = call("gp_exp_quad_cov", vec(0, 1, 3), num(2), num(1.5))
	if err != nil || got.Type() != "matrix" || values(got)[1] != 4*math.Exp(-1/(2*2.25)) {
		t.Errorf("gp_exp_quad_cov(vector) = %v, %v", got, err)
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{vec(0, 1), num(0), num(1)}, "alpha must be positive and finite, got 0"},
		{[]lang.Value{vec(0, 1), num(1), num(-1)}, "rho must be positive and finite, got -1"},
		{[]lang.Value{vec(0, 1), vec(1, 1), num(1)}, "alpha must be a number, got vector"},
		{[]lang.Value{num(0), num(1), num(1)}, "x must be a vector of inputs or a matrix with one point per row"},
	} {
		if _, err := call("gp_exp_quad_cov", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("gp_exp_quad_cov%v: %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestResultSizeLimit: a result over the element limit is an error before
// it is allocated (10^10 elements from a vector of 10^5: the process ran
// out of memory before).
func TestResultSizeLimit(t *testing.T) {
	big := lang.NewVector(make([]float64, 100000))
	for _, c := range []struct {
		fn   string
		args []lang.Value
	}{
		{"outer", []lang.Value{big, big}},
		{"diag", []lang.Value{big}},
		{"gp_exp_quad_cov", []lang.Value{big, lang.Number(1), lang.Number(1)}},
	} {
		_, err := call(c.fn, c.args...)
		want := c.fn + ": an array of 10000000000 elements is over the limit of 1000000000"
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", c.fn, err, want)
		}
	}
}
