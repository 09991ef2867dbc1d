package interp_test

// Batch-invariance cases of the continuous families Weibull, Logistic,
// Gumbel and SkewNormal, the cdf builtins and Truncated (their moments'
// cases are in batch_invariance_moments_test.go).
func init() {
	y := vec(0.5, 1.2, 3)
	invCases = append(invCases,
		invCase{expr: "log_prob(Weibull(k, s), y)", vars: map[string]any{"k": vary(num(1.7)), "s": vary(num(2)), "y": vary(num(1.3))}},
		invCase{expr: "log_prob(Logistic(m, s), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(num(-0.7))}},
		invCase{expr: "log_prob(Gumbel(m, s), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(num(2))}},
		invCase{expr: "log_prob(SkewNormal(m, s, a), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "a": vary(num(-2)), "y": vary(num(0.4))}},
		invCase{expr: "log_prob(SkewNormal(m, s, a), y)", vars: map[string]any{"m": vary(vec(0.3, 1)), "s": vary(num(1.5)), "a": vary(num(2)), "y": vary(vec(0.4, -1))}},
		invCase{expr: "cdf(Normal(m, s), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(num(1))}},
		invCase{expr: "lcdf(Normal(m, s), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(y)}},
		invCase{expr: "lccdf(StudentT(3, m, s), y)", vars: map[string]any{"m": vary(num(0.3)), "s": vary(num(1.5)), "y": y}},
		invCase{expr: "lcdf(Gamma(a, b), y)", vars: map[string]any{"a": vary(num(2.5)), "b": vary(num(1.2)), "y": vary(y)}},
		invCase{expr: "lccdf(Weibull(k, s), y)", vars: map[string]any{"k": vary(num(1.7)), "s": vary(num(2)), "y": vary(y)}},
		invCase{expr: "lcdf(SkewNormal(m, 1, a), y)", vars: map[string]any{"m": vary(num(0.3)), "a": vary(num(2)), "y": vary(y)}},
		invCase{expr: "cdf(Poisson(r), y)", vars: map[string]any{"r": vary(num(2.5)), "y": vec(0, 1, 4)}},
		invCase{expr: "lcdf(Normal(m, s), y)", vars: map[string]any{"m": vary(vec(0, 1)), "s": vary(vec(1, 2)), "y": vary(vec(0.5, -1))}},
		invCase{expr: "lccdf(Normal(m, s), y)", vars: map[string]any{"m": vary(vec(0, 1)), "s": vary(num(1.5)), "y": vary(matrix(3, 2, 0.5, -1, 2, 3, 0, 0))}},
		invCase{expr: "log_prob(Truncated(Normal(m, s), lo, hi), y)", vars: map[string]any{
			"m": vary(num(0.3)), "s": vary(num(1.5)), "lo": vary(num(-1)), "hi": vary(num(2)), "y": vary(num(0.7))}},
		invCase{expr: "log_prob(Truncated(StudentT(3, m, s), 0, 1/0), y)", vars: map[string]any{
			"m": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(num(0.7))}},
		invCase{expr: "lcdf(Truncated(Normal(m, s), lo, 4), y)", vars: map[string]any{
			"m": vary(num(0.3)), "s": vary(num(1.5)), "lo": vary(num(-1)), "y": vary(y)}},
		invCase{expr: "lccdf(Truncated(Poisson(r), 1, 8), y)", vars: map[string]any{"r": vary(num(2.5)), "y": vec(0, 2, 5)}},
		invCase{expr: "log_prob(Truncated(Poisson(r), 1, hi), y)", vars: map[string]any{
			"r": vary(num(2.5)), "hi": num(6), "y": num(3)}},
	)
}
