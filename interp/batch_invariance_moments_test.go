package interp_test

// Batch-invariance cases of mean, sd, var and entropy of the families of
// dist/continuous2.go, dist/discrete2.go, LKJCholesky and
// MultivariateNormalCholesky with parameters that vary per draw: the
// batched moments are dist.MomentTensors (on the tape), the plain ones
// Moments and Entropy on numbers. Entropies that are series (the count
// families) are computed per draw on both sides; SkewNormal has no
// entropy at all (an error either way), so it has no entropy case.

func init() {
	pos, pos2, unit, real, rv, posv, cut, simplex := familyParams()
	l3 := vary(matrix(3, 3, 1.5, 0, 0, 0.3, 0.8, 0, -0.4, 0.2, 2))
	all := []string{"mean", "sd", "var", "entropy"}
	for _, f := range []struct {
		d   string
		vs  map[string]any
		fns []string
	}{
		{"Weibull(k, s)", map[string]any{"k": pos, "s": pos2}, all},
		{"Weibull(k, s)", map[string]any{"k": posv, "s": pos2}, all},
		{"Weibull(k, [1, 2.5])", map[string]any{"k": pos}, all},
		{"Weibull(0.8, s)", map[string]any{"s": posv}, all},
		{"Logistic(m, s)", map[string]any{"m": real, "s": pos}, all},
		{"Logistic(m, s)", map[string]any{"m": rv, "s": pos}, all},
		{"Gumbel(m, s)", map[string]any{"m": real, "s": pos}, all},
		{"Gumbel(m, s)", map[string]any{"m": real, "s": posv}, all},
		{"SkewNormal(m, s, a)", map[string]any{"m": real, "s": pos, "a": vary(num(2))}, all[:3]},
		{"SkewNormal(m, s, a)", map[string]any{"m": rv, "s": pos, "a": vary(num(-2))}, all[:3]},
		{"BetaBinomial(10, a, b)", map[string]any{"a": pos, "b": pos2}, all},
		{"BetaBinomial([4, 5, 6], a, b)", map[string]any{"a": posv, "b": pos2}, all},
		{"Multinomial(6, p / sum(p))", map[string]any{"p": simplex}, all},
		{"Multinomial(round(n), [0.2, 0.5, 0.3])", map[string]any{"n": vary(num(6))}, all},
		{"ZeroInflatedPoisson(z, r)", map[string]any{"z": unit, "r": pos}, all},
		{"ZeroInflatedPoisson(z, r)", map[string]any{"z": unit, "r": posv}, all},
		{"ZeroInflatedNegativeBinomial(z, m, phi)", map[string]any{"z": unit, "m": pos, "phi": pos2}, all},
		{"ZeroInflatedNegativeBinomial(z, m, phi)", map[string]any{"z": unit, "m": posv, "phi": pos2}, all},
		{"BernoulliLogit(l)", map[string]any{"l": real}, all},
		{"BernoulliLogit(l)", map[string]any{"l": rv}, all},
		{"BernoulliLogit(l * 30)", map[string]any{"l": real}, all}, // p far from 1/2
		{"BinomialLogit(8, l)", map[string]any{"l": real}, all},
		{"BinomialLogit([8, 3, 1], l)", map[string]any{"l": rv}, all},
		{"PoissonLog(l)", map[string]any{"l": real}, all},
		{"PoissonLog(l)", map[string]any{"l": rv}, all},
		{"OrderedLogistic(eta, c)", map[string]any{"eta": real, "c": cut}, all},
		{"OrderedLogistic(eta, c)", map[string]any{"eta": rv, "c": cut}, all},
		{"OrderedLogistic([0.4, -1], c)", map[string]any{"c": cut}, all},
		{"OrderedLogistic(eta, [-1, 0.5, 2])", map[string]any{"eta": rv}, all},
		{"LKJCholesky(2, eta)", map[string]any{"eta": pos}, all},
		{"LKJCholesky(3, eta)", map[string]any{"eta": pos2}, all},
		{"LKJCholesky(4, eta)", map[string]any{"eta": pos}, all},
		{"MultivariateNormalCholesky(mu, L)", map[string]any{"mu": rv, "L": l3}, all},
		{"MultivariateNormalCholesky(mu, [[1, 0], [0.5, 2]])", map[string]any{"mu": vary(vec(0.5, -1))}, all},
		{"MultivariateNormalCholesky(m, L)", map[string]any{"m": real, "L": l3}, all},
		{"MultivariateNormalCholesky([1, 2, 3], L)", map[string]any{"L": l3}, all},
		// Truncated(Normal): the moments are quadratures on both sides,
		// with the closed forms' gradients on the tape.
		{"Truncated(Normal(m, s), lo, hi)", map[string]any{"m": real, "s": pos, "lo": vary(num(-1)), "hi": vary(num(2))}, all[:3]},
		{"Truncated(Normal(m, s), 0)", map[string]any{"m": rv, "s": pos}, all[:3]},
		{"Truncated(Normal(m, 1), lo, 3)", map[string]any{"m": real, "lo": vary(vec(-1, 0, 1))}, all[:3]},
	} {
		for _, fn := range f.fns {
			invCases = append(invCases, invCase{expr: fn + "(" + f.d + ")", vars: f.vs})
		}
	}
}
