// Package stdlib holds the builtins of the flowppl language (LANGUAGE.md,
// "Builtins") that need no model or fit machinery. Universe maps their
// names to *lang.Builtin values; Builtins returns a copy of it for a new
// interpreter. Builtins return plain errors; the interpreter adds the
// position and call stack.
//
// Math, elementwise on a number, vector or matrix (math.go):
//
//	exp(x)
//	log(x)        log(0) is -inf, log(-1) is nan (IEEE, as NumPy)
//	sqrt(x)
//	abs(x)
//	sin(x)
//	cos(x)
//	tanh(x)
//	sigmoid(x)    1 / (1 + e^-x)
//	logit(p)      log(p / (1 - p))
//	softplus(x)   log(1 + e^x)
//	floor(x)
//	round(x)      halves round to even, as NumPy, PyTorch and R
//
// Constants (constants.go):
//
//	pi            3.141592653589793
//	inf           positive infinity; -inf is negative infinity
//
// Special functions, elementwise; two- and three-argument ones broadcast
// their arguments as the operators do (special.go):
//
//	lgamma(x)     log |Γ(x)|
//	log1p(x)      log(1 + x), accurate near 0
//	expm1(x)      exp(x) - 1, accurate near 0
//	lbeta(a, b)   log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b); nan for a or b negative
//	log_add_exp(a, b)  log(exp(a) + exp(b)), computed stably
//	log_mix(theta, lp1, lp2)  log(theta exp(lp1) + (1 - theta) exp(lp2)); theta in [0, 1]
//	log_mix(theta, lp)  log Σ_k theta[k] exp(lp[k]) for a simplex vector theta: a number for
//	              a vector lp, a vector (one per row) for a matrix lp whose columns are the
//	              components (Stan's array form would sum these)
//
// Vectors (vector.go):
//
//	cumsum(x)     running sums of a vector; of a matrix down each column
//	sort(x)       ascending, nan last; inside a model each draw is sorted on its own
//	softmax(x)    exp(x) / sum(exp(x)), computed stably
//	log_softmax(x)  x - logsumexp(x)
//
// Selection and comparison, elementwise with broadcasting (compare.go);
// the comparisons give 1 and 0 (the operator == compares whole values):
//
//	where(cond, a, b)  a where cond is true, b elsewhere; cond a bool, or numbers
//	              (non-zero is true, nan too)
//	equal(a, b)   1 where a == b
//	not_equal(a, b)  1 where a != b
//	less(a, b)    1 where a < b
//	less_equal(a, b)  1 where a <= b
//	greater(a, b)  1 where a > b
//	greater_equal(a, b)  1 where a >= b
//
// Linear algebra (linalg.go). Inside a model a matrix that fails (not
// positive definite, singular) gives that draw nan, so its log density is
// not finite and the fit drops it; a constant one is an error:
//
//	dot(a, b)     Σ a[i] b[i] of two vectors of equal length
//	outer(a, b)   the matrix a[i] b[j]
//	diag(x)       a vector's diagonal matrix; a matrix's diagonal (length min(rows, columns))
//	cholesky(A)   lower-triangular L with L @ transpose(L) = A; A symmetric (within 1e-8
//	              of its largest element) and positive definite
//	inverse(A)    the inverse of a square matrix
//	solve(A, b)   x with A @ x = b; b a vector or a matrix; a triangular A (such as a
//	              Cholesky factor or its transpose) by substitution, others by LU
//	log_det(A)    log |det A|; -inf for a singular matrix
//	gp_exp_quad_cov(x, alpha, rho)  alpha² exp(-|x[i] - x[j]|² / (2 rho²)) for the points
//	              x (a vector: one coordinate each; a matrix: one point per row); alpha
//	              and rho positive
//
// Reductions; on a matrix each reduces every column and returns a vector
// (reduce.go):
//
//	sum(x)
//	mean(x)       also mean(d) of a distribution (below)
//	sd(x)         sample standard deviation, divisor n - 1 (as R and Stan); nan for n < 2
//	var(x)        sample variance, divisor n - 1
//	min(x)        min(a, b, ...) with several arguments: the elementwise minimum
//	max(x)        max(a, b, ...) with several arguments: the elementwise maximum
//	quantile(x, p)  linear interpolation (R type 7, NumPy's default); p a number or
//	              a vector; on a matrix with a vector p: a len(p)×columns matrix
//	logsumexp(x)  log(sum(exp(x))), computed stably
//	len(x)        elements of a vector, rows of a matrix, characters of a string,
//	              fields of a record, rows of a table
//	shape(x)      [n] for a vector, [rows, columns] for a matrix, [] for a number
//
// Construction (construct.go); sizes must be integers:
//
//	zeros(n)      zeros(r, c) is an r×c matrix
//	ones(n)       ones(r, c) is an r×c matrix
//	eye(n)        the n×n identity
//	range(n)      [0, 1, ..., n-1]; range(a, b) is [a, ..., b-1]; range(a, b, step)
//	linspace(a, b, n)  n evenly spaced numbers from a to b inclusive
//	concat(a, b, ...)  numbers and vectors into a vector, or matrices by rows
//	transpose(m)  a vector is returned unchanged
//
// Distributions (distributions.go): one constructor per family of
// dist.Families, such as Normal(loc, scale); arguments are numbers or
// vectors, positional or by parameter name (Normal(loc = 0, scale = 1)).
//
//	sample(d)     one draw: a number, or a vector for a d-dimensional distribution
//	              (a K×K matrix for LKJCholesky)
//	sample(d, n)  n draws: a vector for a 1-D distribution, else an n×d matrix
//	              (matrix draws flattened by rows)
//	log_prob(d, x)  x a number, a vector (for a 1-D distribution the log density of
//	              each element; else one d-vector) or an n×d matrix (one per row)
//	mean(d)       closed form; nan where it is not finite (Cauchy); a flow or a
//	              distribution without one: Monte Carlo over 10000 draws
//	sd(d)         as mean(d)
//	var(d)        sd(d)^2
//	entropy(d)    closed form; an error if there is none
//	kl(p, q)      KL(p‖q) by Monte Carlo: the mean of log p(x) - log q(x) over
//	              x ~ p; kl(p, q, n) uses n draws (default 10000)
//
// Distribution functions and truncation (cdf.go); per element of x, like
// log_prob of a vector under a 1-D distribution (sum(lcdf(d, x)) is Stan's
// lcdf of a vector); discrete families take the CDF at floor(x):
//
//	cdf(d, x)     P(X ≤ x)
//	lcdf(d, x)    log P(X ≤ x), accurate far in the lower tail
//	lccdf(d, x)   log P(X > x), accurate far in the upper tail
//	Truncated(d, low, high)  d restricted to [low, high] and renormalised; low
//	              defaults to -inf, high to inf (1/0); a latent prior, a
//	              likelihood, sampled by inverting the CDF
//
// Inference (summary.go):
//
//	summary(q)    a table with one row per dimension (x[0], x[1], ...) and the
//	              columns mean, sd, q5, q50, q95 (printed as 5%, 50%, 95%), from
//	              10000 draws; the columns are vectors: summary(q).mean. For a
//	              guide fitted to a posterior (lang.NamedSampler) the rows are the
//	              model's latents and derived quantities (theta[0], ...), and the
//	              table is also printed
//	sample(q, n)  of a posterior guide: a record of n-vectors and n×k matrices;
//	mean(q), sd(q)  of a posterior guide: a record of numbers and vectors
//
// Exact draws (draws.go; the samplers are the interpreter's, through
// MethodSampler):
//
//	sample(m(data), n, method = "nuts", guide = q, ...)  NUTS (NeuTra with a
//	              fitted guide): a Draws value, n draws a chain after warm-up
//	sample(q, n, method = "psis")  a fitted guide's draws resampled with
//	              Pareto-smoothed weights; method = "guide": its own draws
//	summary(d)    of Draws: stansummary's table (mean, mcse, sd, q5, q50, q95,
//	              ess_bulk, ess_tail, rhat), printed with the sampler's line,
//	              its warnings reported at the call
//	write_draws(path, d)  CmdStan's CSV layout, one file per chain (path_1.csv,
//	              ... for several), through the thread's file access
//
// Simulation-based calibration (calibration.go; Talts et al. 2018), with
// simulate of package interp drawing the latents and data sets:
//
//	rank(x, draws)  the number of draws below x, 0..L (ties with x broken at
//	              random); for a k-vector x and an L×k matrix of draws, one
//	              rank per column
//	chisq_uniform(ranks, L, bins)  the p-value of Pearson's chi-square test that
//	              ranks in 0..L are uniform, in bins equal bins (dividing L + 1;
//	              default 10); of a matrix of ranks, one p-value per column
//
// Inside a model, the math builtins, the special, vector, selection,
// comparison and linear-algebra builtins, the reductions and quantile
// (over each draw's values, keeping the draw axis and the tape), len,
// shape, linspace, concat, transpose, the distribution constructors (not
// validated when a parameter is a batch: an invalid value gives that draw
// log density -inf), sample(d), log_prob, mean, sd, var and entropy accept
// lang.Batch values and give for each draw what they give on that draw's
// values alone (log_prob of a data vector under a 1-dimensional
// distribution is a vector per draw, one log density per element). Sizes
// (zeros, ones, eye, range, the n of linspace and sample) must be
// constants; kl, summary, plot, write_csv, save and load reject batches.
//
// Input and output (io.go, print.go):
//
//	print(a, ...)  the values separated by spaces, then a newline
//	type(x)       the name of x's kind as a string: "number", "vector", "matrix",
//	              "string", "bool", "none", "distribution", "flow", "record", ...
//	read_csv(path)  a record of the columns, each a vector; every column must be
//	              numeric ("", NA and NaN read as nan)
//	write_csv(path, x)  a record or table by its column names, a matrix as
//	              columns x0, x1, ..., a vector as one column x
//	record(name = value, ...)  a record with these fields in this order
//	              (record.go); of numbers, write_csv writes it as one row
//	read_json(path)  a record: numbers, vectors, matrices (arrays of equal-length
//	              arrays), strings, bools, none and nested records, in file order
//	save(q, path)  write flow q to a JSON file (saveload.go): structure, options,
//	              permutations, parameters, base and a format version; for a
//	              posterior guide its flow and the latents' layout (Meta)
//	load(path)    the flow saved by save: samples and scores exactly as q did
//	              (a saved guide comes back as its flow over the unconstrained
//	              space: constraining the latents needs the model and data)
//	load(path, m(data))  a saved guide as a guide of the posterior m(data) again
//	              (same latents required): sample(q, n) gives them by name
//
// Every builtin that reads or writes a file (read_csv, read_json,
// write_csv, write_draws, save, load, plot) does it through the thread's file access,
// lang.Thread.ReadFile and WriteFile, never package os: a sandboxed
// interpreter's lang.DirFS then holds it to its directory, and its errors
// name the path as the script wrote it.
//
// Plots (plot.go, with gonum.org/v1/plot; SVG or PNG by the extension):
//
//	plot(x, path)  a fit report's loss trace; samples as a histogram (1-D),
//	              scatter (2-D) or pair plot (up to 8-D), axes named after the
//	              columns or latents; a distribution or flow as a histogram with
//	              its density (1-D), density contours over draws (2-D) or a pair
//	              plot; options reference (draws or a distribution, overlaid),
//	              n (draws, 5000), bins (40), title, width, height (pixels)
package stdlib
