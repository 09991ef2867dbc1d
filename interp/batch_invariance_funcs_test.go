package interp_test

import (
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Batch-invariance cases of the constants and of the special, vector,
// selection, comparison and linear-algebra builtins (stdlib/special.go,
// vector.go, compare.go, linalg.go).
func init() {
	invExempt["pi"] = "a constant (a number), not a function: nothing to batch"
	invExempt["inf"] = "a constant (a number), not a function: nothing to batch"
	x := vec(0.5, -1.2, 2)
	pos := vec(0.5, 1.2, 3)
	m := matrix(2, 3, 0.1, -0.4, 1.5, 2, -0.3, 0.7)
	spd := matrix(3, 3, 4, 1, 0.5, 1, 3, -0.2, 0.5, -0.2, 2)
	gen := matrix(3, 3, 2, -1, 0.5, 0.3, 1.5, 1, -0.7, 0.2, 3)
	invCases = append(invCases,
		invCase{expr: "pi * x + min(x, inf)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "lgamma(p)", vars: map[string]any{"p": vary(pos)}},
		invCase{expr: "log1p(p)", vars: map[string]any{"p": vary(pos)}},
		invCase{expr: "expm1(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "lbeta(p, s)", vars: map[string]any{"p": vary(pos), "s": vary(num(2.5))}},
		invCase{expr: "lbeta(s, abs(m))", vars: map[string]any{"m": vary(m), "s": vary(num(0.7))}},
		invCase{expr: "log_add_exp(x, m)", vars: map[string]any{"x": vary(x), "m": vary(m)}},
		invCase{expr: "log_add_exp(s, x)", vars: map[string]any{"x": vary(x), "s": vary(num(0.2))}},
		invCase{expr: "log_mix(t, x, y)", vars: map[string]any{"t": vary(num(0.3)), "x": vary(x), "y": vary(vec(1, -2, 0.1))}},
		invCase{expr: "log_mix(t, m, -1)", vars: map[string]any{"t": vary(num(0.6)), "m": vary(m)}},
		invCase{expr: "log_mix(softmax(z), x)", vars: map[string]any{"z": vary(vec(0.1, 1, -0.5)), "x": vary(x)}},
		invCase{expr: "log_mix(softmax(z), m)", vars: map[string]any{"z": vary(vec(0.1, 1, -0.5)), "m": vary(m)}},
		invCase{expr: "log_mix([0.2, 0.3, 0.5], m)", vars: map[string]any{"m": vary(m)}},
		invCase{expr: "cumsum(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "cumsum(m)", vars: map[string]any{"m": vary(m)}},
		invCase{expr: "cumsum(s)", vars: map[string]any{"s": vary(num(2))}},
		// Draws sorted by different permutations: [0, .5, .2], [1, -.5, .2], [-1, 1.5, .2].
		invCase{expr: "sort(v * s + w)", vars: map[string]any{"s": vary(num(1)), "v": vec(10, -10, 0), "w": vec(-10, 10.5, 0.2)}},
		invCase{expr: "sort(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "softmax(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "log_softmax(x)", vars: map[string]any{"x": vary(x)}},
		// The condition is false, true, false over the draws.
		invCase{expr: "where(s > 1, x, 0)", vars: map[string]any{"s": vary(num(1)), "x": vary(x)}},
		invCase{expr: "where(c, m, x)", vars: map[string]any{"c": vary(vec(1, 0, -2)), "m": vary(m), "x": vary(x)}},
		invCase{expr: "where(true, s, m)", vars: map[string]any{"s": vary(num(3)), "m": m}},
		invCase{expr: "equal(x, 2.2)", vars: map[string]any{"x": vary(vec(1, 2, 3))}},
		invCase{expr: "not_equal(x, y)", vars: map[string]any{"x": vary(x), "y": vary(vec(0.5, 0, 2))}},
		invCase{expr: "less(s, m)", vars: map[string]any{"s": vary(num(0.5)), "m": vary(m)}},
		invCase{expr: "less_equal(x, 0.55)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "greater(m, x)", vars: map[string]any{"m": vary(m), "x": vary(x)}},
		invCase{expr: "greater_equal(x, s)", vars: map[string]any{"x": vary(x), "s": vary(num(0.5))}},
		invCase{expr: "dot(x, y)", vars: map[string]any{"x": vary(x), "y": vary(vec(1, -2, 0.1))}},
		invCase{expr: "outer(x, y)", vars: map[string]any{"x": vary(x), "y": vary(vec(1, -2))}},
		invCase{expr: "diag(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "diag(m)", vars: map[string]any{"m": vary(m)}},
		invCase{expr: "cholesky(A)", vars: map[string]any{"A": vary(spd)}},
		invCase{expr: "cholesky(A + s * eye(3))", vars: map[string]any{"A": spd, "s": vary(num(0.5))}},
		invCase{expr: "inverse(A)", vars: map[string]any{"A": vary(gen)}},
		invCase{expr: "log_det(A)", vars: map[string]any{"A": vary(gen)}},
		invCase{expr: "solve(A, b)", vars: map[string]any{"A": vary(gen), "b": vary(x)}},
		invCase{expr: "solve(A, B)", vars: map[string]any{"A": vary(gen), "B": vary(transposeOf(m))}},
		// Tolerance 1e-9: one matrix and a vector per draw is solved with
		// the draws as the columns of one right-hand side, whose blocked
		// triangular solves round differently from one column alone.
		invCase{expr: "solve(A, b)", vars: map[string]any{"A": gen, "b": vary(x)}, tol: 1e-9},
		invCase{expr: "gp_exp_quad_cov(x, a, r)", vars: map[string]any{"x": x, "a": vary(num(1.5)), "r": vary(num(0.8))}},
		invCase{expr: "gp_exp_quad_cov(m, a, r)", vars: map[string]any{"m": vary(transposeOf(m)), "a": num(1.5), "r": vary(num(0.8))}},
	)
}

// transposeOf returns the transpose of a matrix value.
func transposeOf(v lang.Value) lang.Value {
	return lang.NewArray(tensor.Transpose(v.(*lang.Array).T))
}

func init() {
	spd := matrix(3, 3, 4, 1, 0.5, 1, 3, -0.2, 0.5, -0.2, 2)
	invCases = append(invCases,
		// A triangular matrix is solved by substitution: a Cholesky factor
		// and its transpose (the GP idiom), then one matrix for all draws.
		invCase{expr: "solve(transpose(cholesky(A)), solve(cholesky(A), b))", vars: map[string]any{"A": vary(spd), "b": vary(vec(1, -2, 0.5))}},
		invCase{expr: "solve(cholesky(A), b)", vars: map[string]any{"A": spd, "b": vary(vec(1, -2, 0.5))}},
		invCase{expr: "transpose(m)", vars: map[string]any{"m": vary(matrix(2, 3, 1, 2, 3, 4, 5, 6))}},
		invCase{expr: "transpose(x)", vars: map[string]any{"x": vary(vec(1, 2))}},
	)
}
