package interp_test

// Batch-invariance cases of index vectors (see batch_invariance_test.go):
// gathering with alpha[g], m[rows, :], m[:, cols], m[rows, j], m[i, cols]
// from a batched value, and the assignment x[idx] = v (written as
// statements separated by ";") with a batched x, a batched v, or both. The
// index vectors are data: an index may not depend on latents.
func init() {
	alpha := vec(0.5, -1.2, 2, 3.5)
	m := matrix(3, 2, 1, -2, 0.5, 4, -3, 2.5)
	g := vec(0, 3, 3, -1, 1, 0)
	rows := vec(2, 0, 2)
	cols := vec(1, 0, 1)
	invCases = append(invCases,
		invCase{expr: "alpha[g]", vars: map[string]any{"alpha": vary(alpha), "g": g}},
		invCase{expr: "alpha[[]]", vars: map[string]any{"alpha": vary(alpha)}},
		invCase{expr: "alpha[[2]]", vars: map[string]any{"alpha": vary(alpha)}},
		invCase{expr: "alpha[g] * s + alpha[g[1:3]][0]", vars: map[string]any{"alpha": vary(alpha), "g": g, "s": vary(num(2))}},
		invCase{expr: "m[rows, :]", vars: map[string]any{"m": vary(m), "rows": rows}},
		invCase{expr: "m[rows]", vars: map[string]any{"m": vary(m), "rows": rows}},
		invCase{expr: "m[:, cols]", vars: map[string]any{"m": vary(m), "cols": cols}},
		invCase{expr: "m[rows, 1]", vars: map[string]any{"m": vary(m), "rows": rows}},
		invCase{expr: "m[-1, cols]", vars: map[string]any{"m": vary(m), "cols": cols}},
		invCase{expr: "m[rows, 1:]", vars: map[string]any{"m": vary(m), "rows": rows}},
		invCase{expr: "m[[], :]", vars: map[string]any{"m": vary(m)}},
		invCase{expr: "x; x[idx] = v; result = x", vars: map[string]any{
			"x": vary(alpha), "idx": vec(3, 0), "v": vec(7, 8)}},
		invCase{expr: "x; x[idx] = v; result = x", vars: map[string]any{
			"x": alpha, "idx": vec(3, 0), "v": vary(vec(7, 8))}},
		invCase{expr: "x; x[idx] = v; result = x", vars: map[string]any{
			"x": vary(alpha), "idx": vec(3, -1, 0), "v": vary(vec(7, 8, 9))}}, // a repeat: the last write wins
		invCase{expr: "x; x[idx] = v; result = x", vars: map[string]any{
			"x": vary(alpha), "idx": vec(1, 2), "v": vary(num(-4))}},
		invCase{expr: "x; x[[]] = v; result = x", vars: map[string]any{
			"x": vary(alpha), "v": vary(num(-4))}},
		invCase{expr: "m; m[rows, :] = r; result = m", vars: map[string]any{
			"m": vary(m), "rows": rows, "r": vary(vec(9, 10))}},
		invCase{expr: "m; m[rows, :] = r; result = m", vars: map[string]any{
			"m": m, "rows": vec(1, 0), "r": vary(matrix(2, 2, 5, 6, 7, 8))}},
		invCase{expr: "m; m[rows, 0] = v; result = m", vars: map[string]any{
			"m": vary(m), "rows": vec(0, 2), "v": vary(vec(7, 8))}},
		invCase{expr: "m; m[1, cols] = v; result = m", vars: map[string]any{
			"m": vary(m), "cols": cols, "v": vary(vec(7, 8, 9))}},
	)
}
