package dist

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/tensor"
)

// Family describes a distribution family of the language for the
// interpreter: its name, its parameters in order, a line of help, and a
// constructor taking positional arguments.
type Family struct {
	Name     string   // as in the language, e.g. "Normal"
	Params   []string // parameter names in order, e.g. loc, scale
	Doc      string   // one line of help text
	Discrete bool     // the values are integers
	// MatrixParams names the parameters that are matrices and may be
	// [B, r, c] batches (one matrix per draw) inside models.
	MatrixParams []string
	Whole        []string // parameters that are one vector for a whole draw (see IsWhole)
	build        func(args []*tensor.Tensor, validate bool) (Distribution, error)
}

// Signature returns the call form, e.g. "Normal(loc, scale)".
func (f *Family) Signature() string {
	return f.Name + "(" + strings.Join(f.Params, ", ") + ")"
}

// Build returns the distribution with the given positional arguments (one
// per parameter). With validate set (parameters that are constants), the
// values are checked as the family's New function does, e.g.
// "Normal: scale must be positive, got -1"; without it (parameters computed
// from latent draws inside a model) only shapes are checked and an invalid
// value gives log density -Inf. Both forms check the number of arguments:
// "Normal takes 2 arguments (loc, scale), got 1".
func (f *Family) Build(args []*tensor.Tensor, validate bool) (Distribution, error) {
	if len(args) != len(f.Params) {
		s := "s"
		if len(f.Params) == 1 {
			s = ""
		}
		return nil, fmt.Errorf("%s takes %d argument%s (%s), got %d", f.Name, len(f.Params), s, strings.Join(f.Params, ", "), len(args))
	}
	return f.build(args, validate)
}

// IsWhole reports whether the named parameter is in Whole: one vector for
// the whole distribution rather than one value per component
// (Categorical's probs, OrderedLogistic's cutpoints). A vector given for
// it does not make a draw a vector, inside models a batch of it holds one
// vector per draw, and it does not broadcast against the other
// parameters.
func (f *Family) IsWhole(param string) bool {
	for _, p := range f.Whole {
		if p == param {
			return true
		}
	}
	return false
}

// Families lists the distribution families of the language, sorted by
// name. Callers must not modify it.
var Families = []*Family{
	{Name: "Bernoulli", Params: []string{"p"}, Discrete: true,
		Doc: "1 with probability p, else 0", build: params1(makeBernoulli)},
	{Name: "BernoulliLogit", Params: []string{"logit"}, Discrete: true,
		Doc: "1 with probability 1/(1 + exp(-logit)), else 0; stable for any logit (Stan's bernoulli_logit)", build: params1(makeBernoulliLogit)},
	{Name: "Beta", Params: []string{"a", "b"},
		Doc: "beta distribution on [0, 1] with shapes a, b > 0", build: params2(makeBeta)},
	{Name: "BetaBinomial", Params: []string{"n", "a", "b"}, Discrete: true,
		Doc: "successes in n trials whose success probability is Beta(a, b)", build: params3(makeBetaBinomial)},
	{Name: "Binomial", Params: []string{"n", "p"}, Discrete: true,
		Doc: "number of successes in n trials with success probability p", build: params2(makeBinomial)},
	{Name: "BinomialLogit", Params: []string{"n", "logit"}, Discrete: true,
		Doc: "successes in n trials with success probability 1/(1 + exp(-logit)); stable for any logit (Stan's binomial_logit)", build: params2(makeBinomialLogit)},
	{Name: "Categorical", Params: []string{"probs"}, Discrete: true, Whole: []string{"probs"},
		Doc: "an index 0..K-1 drawn with probabilities probs (a vector summing to 1)", build: params1(makeCategorical)},
	{Name: "Cauchy", Params: []string{"loc", "scale"},
		Doc: "Cauchy distribution (no mean or sd) with location loc and scale > 0", build: params2(makeCauchy)},
	{Name: "Dirichlet", Params: []string{"alpha"},
		Doc: "distribution on the probability simplex with concentrations alpha > 0 (a vector)", build: params1(makeDirichlet)},
	{Name: "Exponential", Params: []string{"rate"},
		Doc: "exponential distribution on x ≥ 0 with rate > 0 (mean 1/rate)", build: params1(makeExponential)},
	{Name: "Gamma", Params: []string{"shape", "rate"},
		Doc: "gamma distribution on x > 0 with shape > 0 and rate > 0 (mean shape/rate)", build: params2(makeGamma)},
	{Name: "Gumbel", Params: []string{"loc", "scale"},
		Doc: "Gumbel (extreme value) distribution with location loc and scale > 0", build: params2(makeGumbel)},
	{Name: "HalfCauchy", Params: []string{"scale"},
		Doc: "Cauchy distribution folded onto x ≥ 0, with scale > 0", build: params1(makeHalfCauchy)},
	{Name: "HalfNormal", Params: []string{"scale"},
		Doc: "normal distribution folded onto x ≥ 0, with scale > 0", build: params1(makeHalfNormal)},
	{Name: "InverseGamma", Params: []string{"shape", "scale"},
		Doc: "distribution of 1/x for x ~ Gamma(shape, scale), on x > 0", build: params2(makeInverseGamma)},
	{Name: "LKJCholesky", Params: []string{"K", "eta"},
		Doc: "LKJ distribution of the Cholesky factor L of a K×K correlation matrix, density ∝ det(L·Lᵀ)^(eta-1) (Stan's lkj_corr_cholesky)", build: params2(makeLKJCholesky)},
	{Name: "Laplace", Params: []string{"loc", "scale"},
		Doc: "double exponential distribution with location loc and scale > 0", build: params2(makeLaplace)},
	{Name: "LogNormal", Params: []string{"loc", "scale"},
		Doc: "distribution of exp(y) for y ~ Normal(loc, scale), on x > 0", build: params2(makeLogNormal)},
	{Name: "Logistic", Params: []string{"loc", "scale"},
		Doc: "logistic distribution with location loc and scale > 0", build: params2(makeLogistic)},
	{Name: "Multinomial", Params: []string{"n", "probs"}, Discrete: true,
		Doc: "counts of K categories in n draws with probabilities probs (a vector summing to 1); a draw is a K-vector", build: params2(makeMultinomial)},
	{Name: "MultivariateNormal", Params: []string{"loc", "cov"},
		Doc: "normal distribution over vectors with mean loc and covariance matrix cov", build: params2(makeMultivariateNormal)},
	{Name: "MultivariateNormalCholesky", Params: []string{"loc", "L"}, MatrixParams: []string{"L"},
		Doc: "normal distribution over vectors with mean loc and covariance L·Lᵀ, L lower triangular (Stan's multi_normal_cholesky)", build: params2(makeMultivariateNormalCholesky)},
	{Name: "NegativeBinomial", Params: []string{"mean", "dispersion"}, Discrete: true,
		Doc: "counts with the given mean and variance mean + mean²/dispersion (Stan's neg_binomial_2)", build: params2(makeNegativeBinomial)},
	{Name: "Normal", Params: []string{"loc", "scale"},
		Doc: "normal distribution with mean loc and standard deviation scale > 0", build: params2(makeNormal)},
	{Name: "OrderedLogistic", Params: []string{"eta", "cutpoints"}, Discrete: true, Whole: []string{"cutpoints"},
		Doc: "outcome 0..K-1: the number of increasing cutpoints (a vector of K-1) below eta + logistic noise (Stan's ordered_logistic, 0-based)", build: params2(makeOrderedLogistic)},
	{Name: "Poisson", Params: []string{"rate"}, Discrete: true,
		Doc: "counts with mean rate ≥ 0", build: params1(makePoisson)},
	{Name: "PoissonLog", Params: []string{"log_rate"}, Discrete: true,
		Doc: "counts with mean exp(log_rate); stable for any log_rate (Stan's poisson_log)", build: params1(makePoissonLog)},
	{Name: "SkewNormal", Params: []string{"loc", "scale", "alpha"},
		Doc: "skew normal distribution with location loc, scale > 0 and shape alpha (Stan's skew_normal)", build: params3(makeSkewNormal)},
	{Name: "StudentT", Params: []string{"df", "loc", "scale"},
		Doc: "Student's t distribution with df > 0 degrees of freedom, location loc and scale > 0", build: params3(makeStudentT)},
	{Name: "Uniform", Params: []string{"low", "high"},
		Doc: "uniform distribution on [low, high], low < high", build: params2(makeUniform)},
	{Name: "Weibull", Params: []string{"shape", "scale"},
		Doc: "Weibull distribution on x ≥ 0 with shape > 0 and scale > 0 (Stan's weibull)", build: params2(makeWeibull)},
	{Name: "ZeroInflatedNegativeBinomial", Params: []string{"zero", "mean", "dispersion"}, Discrete: true,
		Doc: "0 with probability zero, else NegativeBinomial(mean, dispersion)", build: params3(makeZeroInflatedNegativeBinomial)},
	{Name: "ZeroInflatedPoisson", Params: []string{"zero", "rate"}, Discrete: true,
		Doc: "0 with probability zero, else Poisson(rate)", build: params2(makeZeroInflatedPoisson)},
}

// wrap converts a typed constructor result to a Distribution, keeping a
// nil interface on error.
func wrap[D Distribution](d D, err error) (Distribution, error) {
	if err != nil {
		return nil, err
	}
	return d, nil
}

// params1, params2 and params3 turn a family's make function of one, two
// or three parameters into its build.
func params1[D Distribution](mk func(bool, *tensor.Tensor) (D, error)) func([]*tensor.Tensor, bool) (Distribution, error) {
	return func(a []*tensor.Tensor, v bool) (Distribution, error) { return wrap(mk(v, a[0])) }
}

func params2[D Distribution](mk func(bool, *tensor.Tensor, *tensor.Tensor) (D, error)) func([]*tensor.Tensor, bool) (Distribution, error) {
	return func(a []*tensor.Tensor, v bool) (Distribution, error) { return wrap(mk(v, a[0], a[1])) }
}

func params3[D Distribution](mk func(bool, *tensor.Tensor, *tensor.Tensor, *tensor.Tensor) (D, error)) func([]*tensor.Tensor, bool) (Distribution, error) {
	return func(a []*tensor.Tensor, v bool) (Distribution, error) { return wrap(mk(v, a[0], a[1], a[2])) }
}

// FamilyNames returns the names of the families, sorted.
func FamilyNames() []string {
	names := make([]string, len(Families))
	for i, f := range Families {
		names[i] = f.Name
	}
	return names
}

// LookupFamily returns the family with the given name, or an error that
// suggests a near name: `unknown distribution "Normall" (did you mean
// "Normal"?)`.
func LookupFamily(name string) (*Family, error) {
	i := sort.Search(len(Families), func(i int) bool { return Families[i].Name >= name })
	if i < len(Families) && Families[i].Name == name {
		return Families[i], nil
	}
	return nil, fmt.Errorf("unknown distribution %q%s", name, spell.Hint(name, FamilyNames()))
}

// Every family of the table with the interfaces it implements, in one
// list checked by the compiler: Distribution (where no other line says
// it), Reparameterized (RSample), ScratchSampler, EventShaper,
// MomentTensors (closed-form mean, sd and entropy as tensors) and cdfer
// (LogCDF and LogCCDF).
var (
	_ Reparameterized = Normal{}
	_ ScratchSampler  = Normal{}
	_ MomentTensors   = Normal{}
	_ cdfer           = Normal{}
	_ Reparameterized = HalfNormal{}
	_ MomentTensors   = HalfNormal{}
	_ cdfer           = HalfNormal{}
	_ Reparameterized = LogNormal{}
	_ MomentTensors   = LogNormal{}
	_ cdfer           = LogNormal{}
	_ Reparameterized = StudentT{}
	_ MomentTensors   = StudentT{}
	_ cdfer           = StudentT{}
	_ Reparameterized = Cauchy{}
	_ MomentTensors   = Cauchy{}
	_ cdfer           = Cauchy{}
	_ Reparameterized = HalfCauchy{}
	_ MomentTensors   = HalfCauchy{}
	_ cdfer           = HalfCauchy{}
	_ Reparameterized = Laplace{}
	_ MomentTensors   = Laplace{}
	_ cdfer           = Laplace{}
	_ Reparameterized = Uniform{}
	_ MomentTensors   = Uniform{}
	_ cdfer           = Uniform{}
	_ Reparameterized = Exponential{}
	_ MomentTensors   = Exponential{}
	_ cdfer           = Exponential{}
	_ Reparameterized = MultivariateNormal{}
	_ MomentTensors   = MultivariateNormal{}
	_ Reparameterized = MultivariateNormalCholesky{}
	_ MomentTensors   = MultivariateNormalCholesky{}
	_ Distribution    = LKJCholesky{}
	_ EventShaper     = LKJCholesky{}
	_ MomentTensors   = LKJCholesky{}
	_ Distribution    = Gamma{}
	_ MomentTensors   = Gamma{}
	_ cdfer           = Gamma{}
	_ Distribution    = InverseGamma{}
	_ MomentTensors   = InverseGamma{}
	_ cdfer           = InverseGamma{}
	_ Distribution    = Beta{}
	_ MomentTensors   = Beta{}
	_ cdfer           = Beta{}
	_ Distribution    = Dirichlet{}
	_ MomentTensors   = Dirichlet{}
	_ Distribution    = Bernoulli{}
	_ MomentTensors   = Bernoulli{}
	_ cdfer           = Bernoulli{}
	_ Distribution    = Binomial{}
	_ MomentTensors   = Binomial{}
	_ cdfer           = Binomial{}
	_ Distribution    = Poisson{}
	_ MomentTensors   = Poisson{}
	_ cdfer           = Poisson{}
	_ Distribution    = Categorical{}
	_ MomentTensors   = Categorical{}
	_ Distribution    = NegativeBinomial{}
	_ MomentTensors   = NegativeBinomial{}
	_ cdfer           = NegativeBinomial{}
	_ Distribution    = BetaBinomial{}
	_ MomentTensors   = BetaBinomial{}
	_ Distribution    = Multinomial{}
	_ MomentTensors   = Multinomial{}
	_ Distribution    = ZeroInflatedPoisson{}
	_ MomentTensors   = ZeroInflatedPoisson{}
	_ Distribution    = ZeroInflatedNegativeBinomial{}
	_ MomentTensors   = ZeroInflatedNegativeBinomial{}
	_ Distribution    = BernoulliLogit{}
	_ MomentTensors   = BernoulliLogit{}
	_ Distribution    = BinomialLogit{}
	_ MomentTensors   = BinomialLogit{}
	_ Distribution    = PoissonLog{}
	_ MomentTensors   = PoissonLog{}
	_ Distribution    = OrderedLogistic{}
	_ MomentTensors   = OrderedLogistic{}
	_ Reparameterized = Weibull{}
	_ MomentTensors   = Weibull{}
	_ cdfer           = Weibull{}
	_ Reparameterized = Logistic{}
	_ MomentTensors   = Logistic{}
	_ cdfer           = Logistic{}
	_ Reparameterized = Gumbel{}
	_ MomentTensors   = Gumbel{}
	_ cdfer           = Gumbel{}
	_ Reparameterized = SkewNormal{}
	_ MomentTensors   = SkewNormal{}
	_ cdfer           = SkewNormal{}
)
