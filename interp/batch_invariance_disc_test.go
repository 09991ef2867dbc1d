package interp_test

// Batch-invariance cases of the discrete families of dist/discrete2.go:
// log_prob, mean and sd with parameters that vary per draw (numbers,
// vectors, and the whole-vector parameters of Multinomial and
// OrderedLogistic).

func init() {
	pos, pos2, unit, real, rv, posv, cut, simplex := familyParams()
	moments := func(expr string, vars map[string]any) []invCase {
		return []invCase{
			{expr: "log_prob(" + expr + ", x)", vars: vars},
			{expr: "mean(" + expr + ")", vars: vars},
			{expr: "sd(" + expr + ")", vars: vars},
		}
	}
	with := func(vars map[string]any, x any) map[string]any {
		out := map[string]any{"x": x}
		for k, v := range vars {
			out[k] = v
		}
		return out
	}
	for _, c := range [][]invCase{
		moments("BetaBinomial(10, a, b)", with(map[string]any{"a": pos, "b": pos2}, num(3))),
		moments("BetaBinomial([4, 5, 6], a, b)", with(map[string]any{"a": posv, "b": pos2}, vec(0, 5, 2))),
		moments("BernoulliLogit(l)", with(map[string]any{"l": real}, num(1))),
		moments("BernoulliLogit(l)", with(map[string]any{"l": rv}, vec(1, 0, 1))),
		moments("BinomialLogit(8, l)", with(map[string]any{"l": real}, num(3))),
		moments("BinomialLogit([8, 3, 1], l)", with(map[string]any{"l": rv}, vec(3, 0, 1))),
		moments("PoissonLog(l)", with(map[string]any{"l": real}, num(2))),
		moments("PoissonLog(l)", with(map[string]any{"l": rv}, vec(2, 0, 5))),
		moments("ZeroInflatedPoisson(z, r)", with(map[string]any{"z": unit, "r": pos}, num(0))),
		moments("ZeroInflatedPoisson(z, r)", with(map[string]any{"z": unit, "r": posv}, vec(0, 3, 1))),
		moments("ZeroInflatedNegativeBinomial(z, m, phi)", with(map[string]any{"z": unit, "m": pos, "phi": pos2}, num(0))),
		moments("ZeroInflatedNegativeBinomial(z, m, phi)", with(map[string]any{"z": unit, "m": posv, "phi": pos2}, vec(4, 0, 1))),
		// Multinomial: probs is normalised in the expression, so that every
		// draw is a simplex; n may also depend on latents.
		moments("Multinomial(6, p / sum(p))", with(map[string]any{"p": simplex}, vec(1, 3, 2))),
		moments("Multinomial(round(n), [0.2, 0.5, 0.3])", with(map[string]any{"n": vary(num(6))}, vec(1, 3, 2))),
		// OrderedLogistic: eta a number or a vector, the cutpoints one
		// vector per draw.
		moments("OrderedLogistic(eta, c)", with(map[string]any{"eta": real, "c": cut}, num(2))),
		moments("OrderedLogistic(eta, c)", with(map[string]any{"eta": rv, "c": cut}, vec(0, 3, 1))),
		moments("OrderedLogistic(0.4, c)", with(map[string]any{"c": cut}, num(1))),
		moments("OrderedLogistic([0.4, -1], c)", with(map[string]any{"c": cut}, vec(1, 3))),
		moments("OrderedLogistic(eta, [-1, 0.5, 2])", with(map[string]any{"eta": real}, num(3))),
	} {
		invCases = append(invCases, c...)
	}
}
