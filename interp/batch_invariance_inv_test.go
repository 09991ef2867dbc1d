package interp_test

import (
	"github.com/flowppl/flowppl/lang"
)

// The batch-invariance cases of the builtins, operators and distribution
// families of main (see batch_invariance_test.go).

func init() {
	invExempt["print"] = "I/O: writes each value's description; a batch prints as <number for each of 3 draws>"
	invExempt["read_csv"] = "I/O: takes a path, never a value computed from latents (TestBatchArgumentErrors)"
	invExempt["read_json"] = "I/O: takes a path, never a value computed from latents (TestBatchArgumentErrors)"
	invExempt["write_csv"] = "I/O: a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["save"] = "I/O of flows: a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["load"] = "I/O of flows: a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["plot"] = "plotting: a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["summary"] = "fit machinery (summaries of guides and flows): a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["elbo"] = "fit machinery (a guide and a posterior): a batch argument is an error (TestBatchArgumentErrors)"
	invExempt["kl"] = "Monte Carlo over draws of p: with parameters from latents it is an error (TestBatchArgumentErrors)"
	invExempt["factor"] = "model-only: adds a number per draw to the log density; checked against a closed form by TestMixtureLogDensity"
	invExempt["Ordered"] = "model-only latent prior: its only place is the right of a ~ that declares a latent"
	invExempt["Flat"] = "model-only latent prior: its only place is the right of a ~ that declares a latent; n is a constant size"
	invExempt["HalfFlat"] = "model-only latent prior: its only place is the right of a ~ that declares a latent; n is a constant size"

	type vars = map[string]any
	x := vary(vec(0.2, 0.5, 0.7)) // in (0, 1) for log, sqrt and logit
	y := vary(vec(1.5, -0.4, 2.5))
	m := vary(matrix(2, 3, 0.1, 0.6, 0.3, 0.9, 0.2, 0.4))
	m2 := vary(matrix(3, 2, 1, -2, 0.5, 3, -1, 0.25))
	a := vary(num(0.8))
	b := vary(num(1.3))
	add := func(cs ...invCase) { invCases = append(invCases, cs...) }

	// Elementwise math on numbers, vectors and matrices.
	for _, f := range []string{"exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "logit", "softplus", "floor", "round"} {
		add(invCase{expr: f + "(x)", vars: vars{"x": x}},
			invCase{expr: f + "(a)", vars: vars{"a": a}},
			invCase{expr: f + "(m)", vars: vars{"m": m}})
	}
	add(invCase{expr: "floor(y * 3) + round(y * 3)", vars: vars{"y": y}})

	// Reductions: each draw's vector, or each column of its matrix.
	for _, f := range []string{"sum", "mean", "sd", "var", "min", "max", "logsumexp"} {
		add(invCase{expr: f + "(y)", vars: vars{"y": y}},
			invCase{expr: f + "(a)", vars: vars{"a": a}},
			invCase{expr: f + "(m)", vars: vars{"m": m}})
	}
	add(
		invCase{expr: "quantile(y, 0.3)", vars: vars{"y": y}},
		invCase{expr: "quantile(y, [0.1, 0.5, 1])", vars: vars{"y": y}},
		invCase{expr: "quantile(m, 0.25)", vars: vars{"m": m}},
		invCase{expr: "quantile(m, [0, 0.6])", vars: vars{"m": m}},
		invCase{expr: "quantile(a, 0.5)", vars: vars{"a": a}},
		invCase{expr: "min(y, x)", vars: vars{"y": y, "x": x}},
		invCase{expr: "max(y, 0.5, a)", vars: vars{"y": y, "a": a}},
		invCase{expr: "max(m, x, 0.4)", vars: vars{"m": m, "x": vary(vec(0.3, 0.5, 0.1))}},
		invCase{expr: "min(a, b)", vars: vars{"a": a, "b": b}},
		invCase{expr: "len(y) + len(m)", vars: vars{"y": y, "m": m}},
		invCase{expr: "shape(m)", vars: vars{"m": m}},
		invCase{expr: "shape(y)", vars: vars{"y": y}},
		invCase{expr: "shape(a)", vars: vars{"a": a}},
		invCase{expr: "type(m)", vars: vars{"m": m}},
		invCase{expr: "type(a > 0.85)", vars: vars{"a": a}},
	)

	// Construction: sizes are constants; the values may be batches.
	add(
		invCase{expr: "zeros(len(y)) + y", vars: vars{"y": y}},
		invCase{expr: "ones(2, len(y)) * y", vars: vars{"y": y}},
		invCase{expr: "eye(3) @ y", vars: vars{"y": y}},
		invCase{expr: "range(len(y)) * y", vars: vars{"y": y}},
		invCase{expr: "range(1, 7, 2) - a", vars: vars{"a": a}},
		invCase{expr: "linspace(a, b, 4)", vars: vars{"a": a, "b": b}},
		invCase{expr: "linspace(0, b, 3)", vars: vars{"b": b}},
		invCase{expr: "concat(y, a, [7, 8], x)", vars: vars{"y": y, "a": a, "x": x}},
		invCase{expr: "concat(a, b)", vars: vars{"a": a, "b": b}},
		invCase{expr: "concat(m, [[1, 2, 3]], m)", vars: vars{"m": m}},
		invCase{expr: "transpose(m)", vars: vars{"m": m}},
		invCase{expr: "transpose(y)", vars: vars{"y": y}},
		invCase{expr: "[a, b, 1]", vars: vars{"a": a, "b": b}},
		invCase{expr: "[y, x]", vars: vars{"y": y, "x": x}},
		invCase{expr: "[y, [1, 2, 3]]", vars: vars{"y": y}},
		invCase{expr: "[[a, 1], [2, b]]", vars: vars{"a": a, "b": b}},
		invCase{expr: "a * m - m / b", vars: vars{"a": a, "b": b, "m": m}},
	)

	// Operators: arithmetic with broadcasting, matrix products, unary
	// minus, comparisons and logic.
	for _, op := range []string{"+", "-", "*", "/", "^"} {
		add(invCase{expr: "x " + op + " y", vars: vars{"x": x, "y": y}},
			invCase{expr: "a " + op + " x", vars: vars{"a": a, "x": x}},
			invCase{expr: "x " + op + " a", vars: vars{"a": a, "x": x}},
			invCase{expr: "a " + op + " 2", vars: vars{"a": a}},
			invCase{expr: "2 " + op + " a", vars: vars{"a": a}},
			invCase{expr: "m " + op + " x", vars: vars{"m": m, "x": x}},
			invCase{expr: "a " + op + " b", vars: vars{"a": a, "b": b}})
	}
	add(
		invCase{expr: "m @ x", vars: vars{"m": m, "x": x}},
		invCase{expr: "x @ m2", vars: vars{"x": x, "m2": m2}},
		invCase{expr: "m @ m2", vars: vars{"m": m, "m2": m2}},
		invCase{expr: "x @ y", vars: vars{"x": x, "y": y}},
		invCase{expr: "[[1, 2], [3, 4]] @ m", vars: vars{"m": m}},
		invCase{expr: "-y", vars: vars{"y": y}},
		invCase{expr: "-m", vars: vars{"m": m}},
		invCase{expr: "-a", vars: vars{"a": a}},
	)
	for _, op := range []string{"==", "!=", "<", "<=", ">", ">="} {
		add(invCase{expr: "a " + op + " 0.8", vars: vars{"a": a}},
			invCase{expr: "a " + op + " b", vars: vars{"a": a, "b": vary(num(0.85))}})
	}
	add(
		invCase{expr: "y == [1.5, -0.4, 2.5]", vars: vars{"y": y}},
		invCase{expr: "(a < 0.85) and (b > 1.3)", vars: vars{"a": a, "b": b}},
		invCase{expr: "(a < 0.85) or (b > 1.3)", vars: vars{"a": a, "b": b}},
		invCase{expr: "not (a < 0.85)", vars: vars{"a": a}},
		invCase{expr: "(a > 0.85) and true", vars: vars{"a": a}},
	)

	// Indexing and slicing (arrays are values: x[i] = v makes a new array).
	add(
		invCase{expr: "y[1] + y[-1]", vars: vars{"y": y}},
		invCase{expr: "m[1, 2]", vars: vars{"m": m}},
		invCase{expr: "m[:, 1]", vars: vars{"m": m}},
		invCase{expr: "m[1, :]", vars: vars{"m": m}},
		invCase{expr: "m[1]", vars: vars{"m": m}},
		invCase{expr: "y[0:2]", vars: vars{"y": y}},
		invCase{expr: "m[0:1]", vars: vars{"m": m}},
		invCase{expr: "m[:, 1:3]", vars: vars{"m": m}},
		invCase{pre: "z = y\nz[1] = a", expr: "z", vars: vars{"y": y, "a": a}},
		invCase{pre: "z = y\nz[1] = a", expr: "z", vars: vars{"y": vec(1, 2, 3), "a": a}},
		invCase{pre: "z = y\nz[0:2] = x[1:3]", expr: "z", vars: vars{"y": y, "x": x}},
		invCase{pre: "w = m\nw[0, 1] = a", expr: "w", vars: vars{"m": m, "a": a}},
		invCase{pre: "w = m\nw[:, 2] = [a, b]", expr: "w", vars: vars{"m": matrix(2, 3, 1, 2, 3, 4, 5, 6), "a": a, "b": b}},
	)

	// x[i] = v writes a batch in place unless its value was shared: these
	// check that a shared value (another name, a list, an argument, an
	// outer scope, a loop over it) keeps its value, that the last of two
	// writes wins, and that reads between writes see the writes.
	add(
		invCase{pre: "z = y * 1\nz[0] = a\nw = z\nz[1] = b\nz[0] = z[1] * a", expr: "concat(w, z)", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "z = zeros(4)\nz[[1, 1, 3]] = [a, b, a * b]\nz[1] = z[1] + a\nz[1] = z[1] * b", expr: "z", vars: vars{"a": a, "b": b}},
		invCase{pre: "e = zeros(len(y))\ne[0] = y[0] - a\nfor t in range(1, len(y)) { e[t] = y[t] - b * e[t - 1] }", expr: "e", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "fn f(u) { u[0] = a\n return u }\nz = y * 1\nz[1] = b\nw = f(z)", expr: "concat(z, w)", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "z = y * 1\nz[1] = b\nfn g() { z[0] = a\n return z }\nw = g()", expr: "concat(z, w)", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "z = y * 1\nz[0] = a\nl = [z]\nz[1] = b", expr: "concat(l[0], z)", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "z = y * 1\nz[0] = a\nfor v in z { z[2] = v * b }", expr: "z", vars: vars{"y": y, "a": a, "b": b}},
		invCase{pre: "w = m * 1\nw[0, 1] = a\nw[1, :] = w[0, :] * b\nw[:, 0] = [b, a]\nw[[1, 0, 1], 2] = [a, b, a + b]", expr: "w", vars: vars{"m": m, "a": a, "b": b}},
		invCase{pre: "z = [1, 2, 3]\nz[1] = a\nz[2] = 5", expr: "z", vars: vars{"a": a}},
	)

	// Loops over a batch, user functions and method calls.
	add(
		invCase{pre: "t = 0\nfor v in y { t = t + v ^ 2 }", expr: "t", vars: vars{"y": y}},
		invCase{pre: "t = zeros(3)\nfor r in m { t = t + r }", expr: "t", vars: vars{"m": m}},
		invCase{pre: "fn f(u, k) { w = u * k\n return w + 1 }", expr: "f(y, a)", vars: vars{"y": y, "a": a}},
		invCase{expr: "y.sum() + y.max()", vars: vars{"y": y}},
		invCase{pre: "t = []\nfor i in range(len(y)) { t = concat(t, y[i] * i) }", expr: "t", vars: vars{"y": y}},
	)

	// Distributions: log_prob of a number, of a vector of observations
	// (one log density per element: B1), of a batched value, and the
	// moments; sample compared by kind and shape only (draws are random),
	// and by value for a Normal of negligible scale.
	type fam struct {
		d   string       // the distribution expression
		vs  vars         // its parameters
		one lang.Value   // a value in the support
		obs lang.Value   // a vector (or matrix) of values
		x   []lang.Value // batched values in the support
	}
	counts := vec(0, 3, 7)
	fams := []fam{
		{d: "Normal(mu, s)", vs: vars{"mu": vary(num(0.3)), "s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, -1))},
		{d: "Normal(mu, 2)", vs: vars{"mu": vary(vec(0.3, -1, 2))}, one: vec(1, 2, 3), obs: matrix(2, 3, 1, 2, 3, 0, 0, 0), x: vary(vec(0.5, -1, 1))},
		{d: "HalfNormal(s)", vs: vars{"s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "LogNormal(mu, s)", vs: vars{"mu": vary(num(0.3)), "s": vary(num(0.7))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "StudentT(df, mu, s)", vs: vars{"df": vary(num(5)), "mu": vary(num(0.3)), "s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, -1))},
		{d: "Cauchy(mu, s)", vs: vars{"mu": vary(num(0.3)), "s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, -1))},
		{d: "HalfCauchy(s)", vs: vars{"s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "Laplace(mu, s)", vs: vars{"mu": vary(num(0.3)), "s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, -1))},
		{d: "Uniform(lo, hi)", vs: vars{"lo": vary(num(-1)), "hi": vary(num(2))}, one: num(0.4), obs: vec(0, 0.5, 1.5), x: vary(vec(0.5, -0.5))},
		{d: "Exponential(r)", vs: vars{"r": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "Gamma(k, r)", vs: vars{"k": vary(num(2.5)), "r": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "InverseGamma(k, s)", vs: vars{"k": vary(num(3.5)), "s": vary(num(1.5))}, one: num(0.4), obs: vec(1, 2, 3), x: vary(vec(0.5, 1))},
		{d: "Beta(p, q)", vs: vars{"p": vary(num(2)), "q": vary(num(3))}, one: num(0.4), obs: vec(0.2, 0.5, 0.9), x: vary(vec(0.5, 0.1))},
		{d: "Dirichlet(alpha)", vs: vars{"alpha": vary(vec(1, 2, 3))}, one: vec(0.2, 0.3, 0.5), obs: matrix(2, 3, 0.2, 0.3, 0.5, 0.6, 0.3, 0.1),
			x: []lang.Value{vec(0.2, 0.3, 0.5), vec(0.1, 0.1, 0.8), vec(0.6, 0.3, 0.1)}},
		{d: "MultivariateNormal(mu, [[2, 0.5], [0.5, 1]])", vs: vars{"mu": vary(vec(0.5, -1))}, one: vec(1, 0), obs: matrix(3, 2, 1, 0, 0, 1, -1, 2), x: vary(vec(0.5, -1))},
		{d: "Bernoulli(p)", vs: vars{"p": vary(num(0.3))}, one: num(1), obs: vec(0, 1, 1), x: []lang.Value{vec(0, 1), vec(1, 1), vec(0, 0)}},
		{d: "Binomial(10, p)", vs: vars{"p": vary(num(0.3))}, one: num(4), obs: counts, x: []lang.Value{vec(0, 1), vec(10, 2), vec(5, 6)}},
		{d: "Binomial(n, p)", vs: vars{"n": []lang.Value{num(10), num(12), num(8)}, "p": vary(num(0.3))}, one: num(4), obs: counts, x: []lang.Value{vec(0, 1), vec(7, 2), vec(5, 6)}},
		{d: "Poisson(r)", vs: vars{"r": vary(num(2.5))}, one: num(4), obs: counts, x: []lang.Value{vec(0, 1), vec(10, 2), vec(5, 6)}},
		{d: "NegativeBinomial(mu, phi)", vs: vars{"mu": vary(num(2.5)), "phi": vary(num(3))}, one: num(4), obs: counts, x: []lang.Value{vec(0, 1), vec(10, 2), vec(5, 6)}},
		{d: "Categorical(probs)", vs: vars{"probs": []lang.Value{vec(0.2, 0.3, 0.5), vec(0.1, 0.6, 0.3), vec(0.25, 0.25, 0.5)}}, one: num(2), obs: vec(0, 2, 1, 1),
			x: []lang.Value{num(0), num(2), num(1)}},
	}
	with := func(vs vars, extra ...any) vars {
		out := vars{}
		for k, v := range vs {
			out[k] = v
		}
		for i := 0; i < len(extra); i += 2 {
			out[extra[i].(string)] = extra[i+1]
		}
		return out
	}
	for _, f := range fams {
		add(
			invCase{expr: "log_prob(" + f.d + ", y)", vars: with(f.vs, "y", f.one)},
			invCase{expr: "log_prob(" + f.d + ", y)", vars: with(f.vs, "y", f.obs)},
			invCase{expr: "log_prob(" + f.d + ", y)", vars: with(f.vs, "y", f.x)},
			invCase{expr: "shape(sample(" + f.d + "))", vars: f.vs},
			invCase{expr: "type(sample(" + f.d + "))", vars: f.vs},
		)
		for _, mo := range []string{"mean", "sd", "var", "entropy"} {
			add(invCase{expr: mo + "(" + f.d + ")", vars: f.vs})
		}
	}
	add(
		// Plain distributions, batched values.
		invCase{expr: "log_prob(Normal(0, 1), y)", vars: vars{"y": y}},
		invCase{expr: "log_prob(Normal(0, 1), m)", vars: vars{"m": vary(matrix(3, 1, 0.5, -1, 2))}},
		invCase{expr: "log_prob(Normal([0, 1, 2], 1), m)", vars: vars{"m": m}},
		invCase{expr: "log_prob(Normal([0, 1, 2], 1), y)", vars: vars{"y": y}},
		invCase{expr: "log_prob(Categorical([0.2, 0.8]), k)", vars: vars{"k": []lang.Value{num(0), num(1), num(1)}}},
		invCase{expr: "log_prob(Dirichlet([1, 2, 3]), m)", vars: vars{"m": []lang.Value{
			matrix(2, 3, 0.2, 0.3, 0.5, 0.6, 0.3, 0.1), matrix(2, 3, 0.1, 0.1, 0.8, 0.5, 0.25, 0.25), matrix(2, 3, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6)}}},
		// Batched parameters, batched matrix of values.
		invCase{expr: "log_prob(Normal(mu, s), m)", vars: vars{"mu": vary(num(0.3)), "s": vary(num(1.5)), "m": vary(matrix(3, 1, 0.5, -1, 2))}},
		invCase{expr: "log_prob(Normal(mu, 1), m)", vars: vars{"mu": vary(vec(0.3, 0, -1)), "m": m}},
		invCase{expr: "log_prob(Normal(mu, [1, 2]), [0.5, 1])", vars: vars{"mu": vary(num(0.3))}},
		invCase{expr: "log_prob(Normal([mu], 1), [0.5, 1, 2])", vars: vars{"mu": vary(num(0.3))}},
		invCase{expr: "log_prob(Normal(mu, s), [])", vars: vars{"mu": vary(num(0.3)), "s": vary(num(1.5))}},
		// A draw of a Normal of negligible scale is its mean.
		invCase{expr: "round(sample(Normal(mu, 1e-9)) * 1000)", vars: vars{"mu": vary(vec(0.3, -1))}},
	)
}
