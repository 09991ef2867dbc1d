package stdlib

import (
	"fmt"
	"math"
	"slices"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// symTol is the asymmetry cholesky accepts, relative to the largest
// element: rounding in a product such as diag(s) @ R @ diag(s).
const symTol = 1e-8

func linalgBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("dot", "dot(a, b): the dot product Σ a[i] b[i] of two vectors of equal length", builtinDot),
		def("outer", "outer(a, b): the matrix a[i] b[j] of two vectors", builtinOuter),
		def("diag", "diag(x): the diagonal matrix of a vector, or the diagonal of a matrix as a vector", builtinDiag),
		def("cholesky", "cholesky(A): the lower-triangular L with L @ transpose(L) = A, of a symmetric positive-definite matrix", builtinCholesky),
		def("inverse", "inverse(A): the inverse of a square matrix", builtinInverse),
		def("solve", "solve(A, b): x with A @ x = b, for a square matrix A and a vector or matrix b (a triangular A by substitution)", builtinSolve),
		def("log_det", "log_det(A): log |det A| of a square matrix (-inf if singular)", builtinLogDet),
		def("gp_exp_quad_cov", "gp_exp_quad_cov(x, alpha, rho): the matrix alpha² exp(-|x[i] - x[j]|² / (2 rho²)) of points x (a vector, or a matrix with one point per row)", builtinGPExpQuadCov),
	}
}

// linalgArg returns the tensor, number of draws and event shape of a
// builtin's argument, which must have the given event rank (1: a vector;
// 2: a matrix; square too when square is set). what names the parameter.
func linalgArg(fn, what string, x lang.Value, rank int, square bool) (t *tensor.Tensor, n int, event []int, err error) {
	t, n, event, err = eventArg(fn, x)
	if err != nil {
		return nil, 0, nil, err
	}
	want := map[int]string{1: "vector", 2: "matrix"}[rank]
	if square {
		want = "square matrix"
	}
	if len(event) != rank || (square && event[0] != event[1]) {
		got := x.Type()
		if len(event) > 0 {
			got += " of shape " + lang.ShapeString(event)
		}
		return nil, 0, nil, fmt.Errorf("%s: %s must be a %s, got %s", fn, what, want, got)
	}
	return t, n, event, nil
}

func builtinDot(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	xt, yt, n, err := vectorPair("dot", args, kwargs)
	if err != nil {
		return nil, err
	}
	if xk, yk := xt.Dim(-1), yt.Dim(-1); xk != yk {
		return nil, fmt.Errorf("dot: vectors of lengths %d and %d", xk, yk)
	}
	return valueOf(tensor.SumAxis(tensor.Mul(xt, yt), -1), n), nil
}

func builtinOuter(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	xt, yt, n, err := vectorPair("outer", args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := checkResultSize(th, "outer", n, xt.Dim(-1), yt.Dim(-1)); err != nil {
		return nil, err
	}
	return valueOf(tensor.Mul(tensor.Unsqueeze(xt, -1), tensor.Unsqueeze(yt, -2)), n), nil
}

// vectorPair unpacks fn's arguments a and b, each a vector or a batch of
// vectors, and returns their tensors and the number of draws (0 if
// neither is a batch).
func vectorPair(fn string, args lang.Tuple, kwargs []lang.Kwarg) (xt, yt *tensor.Tensor, n int, err error) {
	var x, y lang.Value
	if err := lang.UnpackArgs(fn, args, kwargs, "a", &x, "b", &y); err != nil {
		return nil, nil, 0, err
	}
	xt, xn, _, err := linalgArg(fn, "a", x, 1, false)
	if err != nil {
		return nil, nil, 0, err
	}
	yt, yn, _, err := linalgArg(fn, "b", y, 1, false)
	if err != nil {
		return nil, nil, 0, err
	}
	return xt, yt, max(xn, yn), nil
}

func builtinDiag(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	x, t, n, event, err := unpackEventArg("diag", args, kwargs)
	if err != nil {
		return nil, err
	}
	draws := max(n, 1)
	switch len(event) {
	case 1:
		// The vector down the columns, kept only on the diagonal (a
		// select, not a product with the identity: inf stays off it).
		k := event[0]
		if err := checkResultSize(th, "diag", n, k, k); err != nil {
			return nil, err
		}
		full := append(resultShape(n, nil), k, k)
		mask := make([]bool, draws*k*k)
		for d := range draws {
			for i := range k {
				mask[d*k*k+i*k+i] = true
			}
		}
		col := tensor.BroadcastTo(tensor.Unsqueeze(t, -1), full...)
		return valueOf(tensor.Where(mask, col, tensor.Scalar(0)), n), nil
	case 2:
		r, c := event[0], event[1]
		idx := make([]int, min(r, c))
		for i := range idx {
			idx[i] = i*c + i
		}
		flat := tensor.Reshape(t, append(resultShape(n, nil), r*c)...)
		return valueOf(tensor.Take(flat, -1, idx), n), nil
	}
	return nil, fmt.Errorf("diag: got %s, want vector or matrix", x.Type())
}

// exactlySymmetric reports whether the n×n matrix m equals its transpose
// bit for bit (NaN pairs do not).
func exactlySymmetric(m []float64, n int) bool {
	for i := 1; i < n; i++ {
		row := m[i*n : i*n+i]
		for j, x := range row {
			if x != m[j*n+i] {
				return false
			}
		}
	}
	return true
}

// checkSymmetric returns an error naming the first pair of elements of a
// draw (of nb matrices n×n in d) that differ by more than symTol times the
// draw's largest element.
func checkSymmetric(fn string, d []float64, nb, n int) error {
	for k := range nb {
		m := d[k*n*n : (k+1)*n*n]
		if exactlySymmetric(m, n) {
			continue // the common case: a matrix built symmetric
		}
		scale := 0.0
		for _, v := range m {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				scale = max(scale, math.Abs(v))
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				x, y := m[i*n+j], m[j*n+i]
				if math.Abs(x-y) > symTol*scale {
					where := ""
					if nb > 1 {
						where = fmt.Sprintf(" in draw %d", k)
					}
					return fmt.Errorf("%s: matrix is not symmetric%s (element [%d, %d] = %s, [%d, %d] = %s)",
						fn, where, i, j, tensor.FormatNumber(x), j, i, tensor.FormatNumber(y))
				}
			}
		}
	}
	return nil
}

func oneMatrix(fn string, args lang.Tuple, kwargs []lang.Kwarg) (t *tensor.Tensor, n int, event []int, err error) {
	var x lang.Value
	if err := lang.UnpackArgs(fn, args, kwargs, "A", &x); err != nil {
		return nil, 0, nil, err
	}
	return linalgArg(fn, "A", x, 2, true)
}

// hasNaN reports whether t has a nan element.
func hasNaN(t *tensor.Tensor) bool {
	for _, v := range t.Data() {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}

func builtinCholesky(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	t, n, event, err := oneMatrix("cholesky", args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := checkSymmetric("cholesky", t.Data(), max(n, 1), event[0]); err != nil {
		return nil, err
	}
	l := tensor.Chol(t)
	if n == 0 && hasNaN(l) {
		if !tensor.AllFinite(t) {
			return nil, fmt.Errorf("cholesky: matrix has a non-finite element")
		}
		return nil, fmt.Errorf("cholesky: matrix is not positive definite")
	}
	return valueOf(l, n), nil
}

func builtinInverse(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	t, n, _, err := oneMatrix("inverse", args, kwargs)
	if err != nil {
		return nil, err
	}
	y := tensor.Inverse(t)
	if n == 0 && hasNaN(y) {
		return nil, singular("inverse", t)
	}
	return valueOf(y, n), nil
}

// singular is the error of a constant matrix that LU cannot factorise.
func singular(fn string, a *tensor.Tensor) error {
	if !tensor.AllFinite(a) {
		return fmt.Errorf("%s: matrix has a non-finite element", fn)
	}
	return fmt.Errorf("%s: matrix is singular", fn)
}

func builtinLogDet(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	t, n, _, err := oneMatrix("log_det", args, kwargs)
	if err != nil {
		return nil, err
	}
	return valueOf(tensor.LogAbsDet(t), n), nil
}

func builtinSolve(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var av, bv lang.Value
	if err := lang.UnpackArgs("solve", args, kwargs, "A", &av, "b", &bv); err != nil {
		return nil, err
	}
	at, an, ae, err := linalgArg("solve", "A", av, 2, true)
	if err != nil {
		return nil, err
	}
	bt, bn, be, err := eventArg("solve", bv)
	if err != nil {
		return nil, err
	}
	if len(be) == 0 || be[0] != ae[0] {
		return nil, fmt.Errorf("solve: b must be a vector of length %d or a matrix with %d rows, got %s", ae[0], ae[0], describe(bv, be))
	}
	k, n := ae[0], max(an, bn)
	vector := len(be) == 1
	// A triangular A (in every draw, as a Cholesky factor or its
	// transpose) is solved by substitution, O(k²) a column; others by LU.
	solver := tensor.Solve
	switch lower, upper := triangular(at.Data(), max(an, 1), k); {
	case lower:
		solver = func(a, b *tensor.Tensor) *tensor.Tensor { return tensor.SolveTriangular(a, b, false) }
	case upper:
		solver = func(a, b *tensor.Tensor) *tensor.Tensor { return tensor.SolveTriangular(a, b, true) }
	}
	if an == 0 && bn > 0 && vector {
		// One matrix, a vector per draw: solve for all draws at once, the
		// draws as the columns of the right-hand side.
		x := solver(at, tensor.Transpose(bt))
		if hasNaN(x) && !hasNaN(bt) {
			return nil, singular("solve", at)
		}
		return valueOf(tensor.Transpose(x), n), nil
	}
	if vector {
		bt = tensor.Unsqueeze(bt, -1)
	}
	if n > 0 {
		at = broadcastTo(at, n, ae)
		bt = broadcastTo(bt, n, bt.Shape()[bt.Rank()-2:])
	}
	x := solver(at, bt)
	if n == 0 && hasNaN(x) && !hasNaN(bt) {
		return nil, singular("solve", at)
	}
	if vector {
		x = tensor.Reshape(x, append(resultShape(n, nil), k)...)
	}
	return valueOf(x, n), nil
}

// triangular reports whether each of the nb n×n matrices in d is lower
// triangular (zeros above the diagonal), and whether each is upper
// triangular; a matrix with a nan element (a failed draw) counts as both.
func triangular(d []float64, nb, n int) (lower, upper bool) {
	lower, upper = true, true
	for k := range nb {
		m := d[k*n*n : (k+1)*n*n]
		if slices.ContainsFunc(m, math.IsNaN) {
			continue
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if m[i*n+j] != 0 {
					lower = lower && j <= i
					upper = upper && j >= i
				}
			}
		}
	}
	return lower, upper
}

// describe names a value's kind and event shape for an error.
func describe(v lang.Value, event []int) string {
	if len(event) == 0 {
		return v.Type()
	}
	return v.Type() + " of shape " + lang.ShapeString(event)
}

func builtinGPExpQuadCov(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var xv, alpha, rho lang.Value
	if err := lang.UnpackArgs("gp_exp_quad_cov", args, kwargs, "x", &xv, "alpha", &alpha, "rho", &rho); err != nil {
		return nil, err
	}
	x, xn, xe, err := eventArg("gp_exp_quad_cov", xv)
	if err != nil {
		return nil, err
	}
	if len(xe) == 0 {
		return nil, fmt.Errorf("gp_exp_quad_cov: x must be a vector of inputs or a matrix with one point per row, got number")
	}
	ts, pn, _, err := operands("gp_exp_quad_cov", []string{"alpha", "rho"}, alpha, rho)
	if err != nil {
		return nil, err
	}
	bad := make([]bool, max(pn, 1)) // draws with a non-positive alpha or rho
	for i, name := range []string{"alpha", "rho"} {
		t, tn, e, _ := eventArg("gp_exp_quad_cov", []lang.Value{alpha, rho}[i])
		if len(e) != 0 {
			return nil, fmt.Errorf("gp_exp_quad_cov: %s must be a number, got %s", name, []lang.Value{alpha, rho}[i].Type())
		}
		for d, v := range t.Data() {
			if !(v > 0) || math.IsInf(v, 1) {
				if tn == 0 {
					return nil, fmt.Errorf("gp_exp_quad_cov: %s must be positive and finite, got %s", name, tensor.FormatNumber(v))
				}
				bad[d] = true
			}
		}
	}
	// Squared distances between the points (rows; one coordinate each for
	// a vector x), [n, n] or [draws, n, n].
	k := xe[0]
	dims := 1
	if len(xe) == 2 {
		dims = xe[1]
	}
	if err := checkResultSize(th, "gp_exp_quad_cov", max(xn, pn), k, k, dims); err != nil {
		return nil, err
	}
	pts := x
	if len(xe) == 1 {
		pts = tensor.Unsqueeze(x, -1)
	}
	diff := tensor.Sub(tensor.Unsqueeze(pts, -2), tensor.Unsqueeze(pts, -3)) // [..., n, n, p]
	d2 := tensor.SumAxis(tensor.Square(diff), -1)
	n := max(xn, pn)
	if xn > 0 && pn != 0 && pn != xn {
		return nil, fmt.Errorf("gp_exp_quad_cov: internal error: batches of %d and %d draws", xn, pn)
	}
	// alpha² and -1/(2 rho²), as [draws, 1, 1] when batched.
	a2, s := tensor.Square(ts[0]), tensor.Scale(tensor.Div(tensor.Scalar(1), tensor.Square(ts[1])), -0.5)
	if a2.Rank() == 1 {
		a2 = tensor.Reshape(a2, pn, 1, 1)
	}
	if s.Rank() == 1 {
		s = tensor.Reshape(s, pn, 1, 1)
	}
	cov := tensor.Mul(a2, tensor.Exp(tensor.Mul(d2, s)))
	if n > 0 && !tensor.SameShape(cov.Shape(), []int{n, k, k}) {
		cov = tensor.BroadcastTo(cov, n, k, k)
	}
	if pn > 0 && anyTrue(bad) {
		mask := make([]bool, cov.Len())
		for i := range mask {
			mask[i] = bad[i/(k*k)]
		}
		cov = tensor.Fill(cov, mask, math.NaN())
	}
	return valueOf(cov, n), nil
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}
