// Package dist provides the probability distributions of the flowppl
// language over tensors: Normal, HalfNormal, LogNormal, StudentT, Cauchy,
// HalfCauchy, Laplace, Uniform, Exponential, Gamma, InverseGamma, Beta,
// Dirichlet and MultivariateNormal (continuous), and Bernoulli, Binomial,
// Poisson, Categorical, NegativeBinomial, BetaBinomial, Multinomial,
// ZeroInflatedPoisson, ZeroInflatedNegativeBinomial, BernoulliLogit,
// BinomialLogit, PoissonLog and OrderedLogistic (discrete); Weibull,
// Logistic, Gumbel and SkewNormal (continuous2.go); and Truncated, any
// family with a CDF restricted to an interval (truncated.go). The logit and
// log forms (Stan's bernoulli_logit, binomial_logit, poisson_log) are
// computed with log-sigmoid and softplus, so that they stay accurate for
// linear predictors of any size.
//
// Most parameters are elementwise. A few are one vector for a whole draw:
// Categorical's and Multinomial's probs (a draw of Multinomial is a count
// vector of length K) and OrderedLogistic's cutpoints; inside models they
// are batches [B, K] with one vector per draw, and they do not broadcast
// against the elementwise parameters. Family.Whole lists those that do not
// set the dimension of a draw (a draw of Categorical or OrderedLogistic
// with a number eta is a number).
//
// Each family is a plain struct whose fields are the parameter tensors,
// named as in the language. A parameter is a number (shape []), a vector
// ([d]: a distribution over d-vectors with independent components) or,
// inside models where parameters come from a batch of latent draws, a
// matrix [B, d] whose row i parameterises draw i. Parameters broadcast
// against each other.
//
// There are two ways to build one:
//
//   - New<Family>(params...) validates constant parameters (finite, in
//     range, compatible lengths) and broadcasts them to a common shape,
//     with errors such as "Normal: scale must be positive, got -1";
//   - the struct literal, e.g. Normal{Loc: mu, Scale: sigma}, checks
//     nothing: an invalid parameter value gives its row log density -Inf
//     (never NaN), as a model needs when parameters are computed from
//     latents.
//
// Families maps names to constructors for the interpreter (Family.Build
// with validate true or false). It is the one place where a family's
// parameters are named and, for the families with elementwise parameters,
// given their rules (positive, in [0, 1], ...): the New functions, Build,
// String and the CDF's error messages read them there.
//
// LogProb takes values [n, d], broadcasts them elementwise against the
// parameters, and sums the elementwise log densities over the last axis
// into [n]. It is built from tensor operations, so it is differentiable in
// the value and in any parameter tensor tracked by a tape; elements outside
// the support or with invalid parameters are replaced by safe stand-ins
// before the arithmetic, so their gradients are 0 rather than NaN.
//
// Sample draws with a caller's *rand.Rand (never a global source) and
// returns untracked [n, d] tensors. RSample (the Reparameterized interface)
// returns draws built with tensor operations from parameter-free noise, so
// they are tracked when the parameters are: Normal, HalfNormal, LogNormal,
// StudentT (gradient to loc and scale only), Cauchy, HalfCauchy, Laplace,
// Uniform, Exponential and MultivariateNormal. Gamma, InverseGamma, Beta,
// Dirichlet and the discrete families sample through gonum and have no
// pathwise gradient. Weibull, Logistic, Gumbel and SkewNormal are
// reparameterised in all their parameters.
//
// The univariate families implement CDF (cdf.go): LogCDF and LogCCDF per
// element, computed in log space where the tails need it (special.go) and
// differentiable in the value and the parameters.
package dist
