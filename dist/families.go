package dist

import (
	"fmt"
	"math/rand/v2"
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

	// A family whose parameters are elementwise states only what differs:
	// a rule per parameter (as Params), and new, which makes the
	// distribution from the checked and broadcast parameters (prepare; with
	// lazy, prepareLazy: inside models the parameters keep their shapes and
	// LogProb broadcasts as it computes). With vector, every parameter must
	// be a vector (vectorArg: Dirichlet, Categorical). check, when set,
	// runs after the rules on validated parameters (Uniform's low < high).
	// The other families (parameters of different kinds, matrices) have
	// their own build.
	rules  []rule
	lazy   bool
	vector bool
	check  func(ps []*tensor.Tensor) error
	new    func(ps []*tensor.Tensor) Distribution
	build  func(args []*tensor.Tensor, validate bool) (Distribution, error)
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
	if f.new == nil {
		return f.build(args, validate)
	}
	var buf [3]param // the most parameters a family of rules has; on the stack
	ps := buf[:0]
	for i, a := range args {
		if f.vector {
			if err := vectorArg(f.Name, f.Params[i], a, validate); err != nil {
				return nil, err
			}
		}
		ps = append(ps, param{f.Params[i], a, f.rules[i]})
	}
	var ts []*tensor.Tensor
	var err error
	if f.lazy {
		ts, err = prepareLazy(f.Name, validate, ps...)
	} else {
		ts, err = prepare(f.Name, validate, ps...)
	}
	if err != nil {
		return nil, err
	}
	if validate && f.check != nil {
		if err := f.check(ts); err != nil {
			return nil, err
		}
	}
	return f.new(ts), nil
}

// family returns the family of the table with the given name, which a
// method of that family gives (an unknown name is a broken invariant).
func family(name string) *Family {
	f, err := LookupFamily(name)
	if err != nil {
		panic("dist: " + err.Error())
	}
	return f
}

// newFamily is the New function of the named family: the distribution
// with validated constant parameters, as its concrete type D.
func newFamily[D Distribution](name string, args ...*tensor.Tensor) (D, error) {
	d, err := family(name).Build(args, true)
	if err != nil {
		var zero D
		return zero, err
	}
	return d.(D), nil
}

// familyString is the String method of the named family with parameters
// ps (in the table's order): "Normal(loc=0, scale=1)".
func familyString(name string, ps ...*tensor.Tensor) string {
	return fmtDist(name, family(name).Params, ps...)
}

// sampleDetached is the Sample method of a reparameterised family of the
// table with parameters ps: RSample's draws from untracked parameters.
func sampleDetached(name string, rng *rand.Rand, n int, ps ...*tensor.Tensor) *tensor.Tensor {
	return family(name).new(detach(ps...)).(Reparameterized).RSample(rng, n)
}

// probsSumToOne is Categorical's check: each row of probs is a probability
// vector.
func probsSumToOne(ps []*tensor.Tensor) error { return checkProbs("Categorical", "probs", ps[0]) }

// lowBelowHigh is Uniform's check: low < high element by element.
func lowBelowHigh(ps []*tensor.Tensor) error {
	lo, hi := ps[0].Data(), ps[1].Data()
	for i := range lo {
		if !(lo[i] < hi[i]) {
			return fmt.Errorf("Uniform: low must be less than high, got low = %s, high = %s", tensor.FormatNumber(lo[i]), tensor.FormatNumber(hi[i]))
		}
	}
	return nil
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
	{Name: "Bernoulli", Params: []string{"p"}, rules: []rule{unitRule}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &Bernoulli{p[0]} },
		Doc: "1 with probability p, else 0"},
	{Name: "BernoulliLogit", Params: []string{"logit"}, rules: []rule{anyReal}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &BernoulliLogit{p[0]} },
		Doc: "1 with probability 1/(1 + exp(-logit)), else 0; stable for any logit (Stan's bernoulli_logit)"},
	{Name: "Beta", Params: []string{"a", "b"}, rules: []rule{positive, positive}, new: func(p []*tensor.Tensor) Distribution { return &Beta{p[0], p[1]} },
		Doc: "beta distribution on [0, 1] with shapes a, b > 0"},
	{Name: "BetaBinomial", Params: []string{"n", "a", "b"}, rules: []rule{countArg, positive, positive}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &BetaBinomial{p[0], p[1], p[2]} },
		Doc: "successes in n trials whose success probability is Beta(a, b)"},
	{Name: "Binomial", Params: []string{"n", "p"}, rules: []rule{countArg, unitRule}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &Binomial{p[0], p[1]} },
		Doc: "number of successes in n trials with success probability p"},
	{Name: "BinomialLogit", Params: []string{"n", "logit"}, rules: []rule{countArg, anyReal}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &BinomialLogit{p[0], p[1]} },
		Doc: "successes in n trials with success probability 1/(1 + exp(-logit)); stable for any logit (Stan's binomial_logit)"},
	{Name: "Categorical", Params: []string{"probs"}, rules: []rule{anyReal}, vector: true, check: probsSumToOne, Discrete: true, Whole: []string{"probs"}, new: func(p []*tensor.Tensor) Distribution { return &Categorical{p[0]} },
		Doc: "an index 0..K-1 drawn with probabilities probs (a vector summing to 1)"},
	{Name: "Cauchy", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &Cauchy{p[0], p[1]} },
		Doc: "Cauchy distribution (no mean or sd) with location loc and scale > 0"},
	{Name: "Dirichlet", Params: []string{"alpha"}, rules: []rule{positive}, vector: true, new: func(p []*tensor.Tensor) Distribution { return &Dirichlet{p[0]} },
		Doc: "distribution on the probability simplex with concentrations alpha > 0 (a vector)"},
	{Name: "Exponential", Params: []string{"rate"}, rules: []rule{positive}, new: func(p []*tensor.Tensor) Distribution { return &Exponential{p[0]} },
		Doc: "exponential distribution on x ≥ 0 with rate > 0 (mean 1/rate)"},
	{Name: "Gamma", Params: []string{"shape", "rate"}, rules: []rule{positive, positive}, new: func(p []*tensor.Tensor) Distribution { return &Gamma{p[0], p[1]} },
		Doc: "gamma distribution on x > 0 with shape > 0 and rate > 0 (mean shape/rate)"},
	{Name: "Gumbel", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &Gumbel{p[0], p[1]} },
		Doc: "Gumbel (extreme value) distribution with location loc and scale > 0"},
	{Name: "HalfCauchy", Params: []string{"scale"}, rules: []rule{positive}, new: func(p []*tensor.Tensor) Distribution { return &HalfCauchy{p[0]} },
		Doc: "Cauchy distribution folded onto x ≥ 0, with scale > 0"},
	{Name: "HalfNormal", Params: []string{"scale"}, rules: []rule{positive}, new: func(p []*tensor.Tensor) Distribution { return &HalfNormal{p[0]} },
		Doc: "normal distribution folded onto x ≥ 0, with scale > 0"},
	{Name: "InverseGamma", Params: []string{"shape", "scale"}, rules: []rule{positive, positive}, new: func(p []*tensor.Tensor) Distribution { return &InverseGamma{p[0], p[1]} },
		Doc: "distribution of 1/x for x ~ Gamma(shape, scale), on x > 0"},
	{Name: "LKJCholesky", Params: []string{"K", "eta"},
		Doc: "LKJ distribution of the Cholesky factor L of a K×K correlation matrix, density ∝ det(L·Lᵀ)^(eta-1) (Stan's lkj_corr_cholesky)", build: params2(makeLKJCholesky)},
	{Name: "Laplace", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &Laplace{p[0], p[1]} },
		Doc: "double exponential distribution with location loc and scale > 0"},
	{Name: "LogNormal", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &LogNormal{p[0], p[1]} },
		Doc: "distribution of exp(y) for y ~ Normal(loc, scale), on x > 0"},
	{Name: "Logistic", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &Logistic{p[0], p[1]} },
		Doc: "logistic distribution with location loc and scale > 0"},
	{Name: "Multinomial", Params: []string{"n", "probs"}, Discrete: true,
		Doc: "counts of K categories in n draws with probabilities probs (a vector summing to 1); a draw is a K-vector", build: params2(makeMultinomial)},
	{Name: "MultivariateNormal", Params: []string{"loc", "cov"},
		Doc: "normal distribution over vectors with mean loc and covariance matrix cov", build: params2(makeMultivariateNormal)},
	{Name: "MultivariateNormalCholesky", Params: []string{"loc", "L"}, MatrixParams: []string{"L"},
		Doc: "normal distribution over vectors with mean loc and covariance L·Lᵀ, L lower triangular (Stan's multi_normal_cholesky)", build: params2(makeMultivariateNormalCholesky)},
	{Name: "NegativeBinomial", Params: []string{"mean", "dispersion"}, rules: []rule{positive, positive}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &NegativeBinomial{p[0], p[1]} },
		Doc: "counts with the given mean and variance mean + mean²/dispersion (Stan's neg_binomial_2)"},
	{Name: "Normal", Params: []string{"loc", "scale"}, rules: []rule{anyReal, positive}, lazy: true, new: func(p []*tensor.Tensor) Distribution { return &Normal{p[0], p[1]} },
		Doc: "normal distribution with mean loc and standard deviation scale > 0"},
	{Name: "OrderedLogistic", Params: []string{"eta", "cutpoints"}, Discrete: true, Whole: []string{"cutpoints"},
		Doc: "outcome 0..K-1: the number of increasing cutpoints (a vector of K-1) below eta + logistic noise (Stan's ordered_logistic, 0-based)", build: params2(makeOrderedLogistic)},
	{Name: "Poisson", Params: []string{"rate"}, rules: []rule{nonNeg}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &Poisson{p[0]} },
		Doc: "counts with mean rate ≥ 0"},
	{Name: "PoissonLog", Params: []string{"log_rate"}, rules: []rule{anyReal}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &PoissonLog{p[0]} },
		Doc: "counts with mean exp(log_rate); stable for any log_rate (Stan's poisson_log)"},
	{Name: "SkewNormal", Params: []string{"loc", "scale", "alpha"}, rules: []rule{anyReal, positive, anyReal}, new: func(p []*tensor.Tensor) Distribution { return &SkewNormal{p[0], p[1], p[2]} },
		Doc: "skew normal distribution with location loc, scale > 0 and shape alpha (Stan's skew_normal)"},
	{Name: "StudentT", Params: []string{"df", "loc", "scale"}, rules: []rule{positive, anyReal, positive}, new: func(p []*tensor.Tensor) Distribution { return &StudentT{p[0], p[1], p[2]} },
		Doc: "Student's t distribution with df > 0 degrees of freedom, location loc and scale > 0"},
	{Name: "Uniform", Params: []string{"low", "high"}, rules: []rule{anyReal, anyReal}, check: lowBelowHigh, new: func(p []*tensor.Tensor) Distribution { return &Uniform{p[0], p[1]} },
		Doc: "uniform distribution on [low, high], low < high"},
	{Name: "Weibull", Params: []string{"shape", "scale"}, rules: []rule{positive, positive}, new: func(p []*tensor.Tensor) Distribution { return &Weibull{p[0], p[1]} },
		Doc: "Weibull distribution on x ≥ 0 with shape > 0 and scale > 0 (Stan's weibull)"},
	{Name: "ZeroInflatedNegativeBinomial", Params: []string{"zero", "mean", "dispersion"}, rules: []rule{unitRule, positive, positive}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &ZeroInflatedNegativeBinomial{p[0], p[1], p[2]} },
		Doc: "0 with probability zero, else NegativeBinomial(mean, dispersion)"},
	{Name: "ZeroInflatedPoisson", Params: []string{"zero", "rate"}, rules: []rule{unitRule, nonNeg}, Discrete: true, new: func(p []*tensor.Tensor) Distribution { return &ZeroInflatedPoisson{p[0], p[1]} },
		Doc: "0 with probability zero, else Poisson(rate)"},
}

// wrap converts a typed constructor result to a Distribution, keeping a
// nil interface on error.
func wrap[D Distribution](d D, err error) (Distribution, error) {
	if err != nil {
		return nil, err
	}
	return d, nil
}

// params2 turns a family's make function of two parameters into its
// build.
func params2[D Distribution](mk func(bool, *tensor.Tensor, *tensor.Tensor) (D, error)) func([]*tensor.Tensor, bool) (Distribution, error) {
	return func(a []*tensor.Tensor, v bool) (Distribution, error) { return wrap(mk(v, a[0], a[1])) }
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
