package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// More discrete families: the beta-binomial, the multinomial, zero-inflated
// counts, the logit- and log-parameterised forms of the Bernoulli, binomial
// and Poisson families (stable for large linear predictors), and Stan's
// ordered logistic. As in discrete.go, values are float64 integers, a value
// outside the support has log mass -Inf, LogProb is differentiable in the
// continuous parameters, and draws are not reparameterised.

// BetaBinomial is the number of successes in n trials whose success
// probability is drawn from Beta(a, b):
//
//	C(n, k) B(k+a, n-k+b) / B(a, b),  k = 0, ..., n.
type BetaBinomial struct {
	N, A, B *tensor.Tensor
}

// NewBetaBinomial returns a validated BetaBinomial: n must be a
// non-negative integer, a and b positive.
func NewBetaBinomial(n, a, b *tensor.Tensor) (*BetaBinomial, error) {
	return newFamily[*BetaBinomial]("BetaBinomial", n, a, b)
}

// Dim returns the number of components.
func (d BetaBinomial) Dim() int { return paramDim("BetaBinomial", d.N, d.A, d.B) }

// LogProb returns the log mass of each row of x.
func (d BetaBinomial) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("BetaBinomial", func(v []float64) bool {
		return !isCount(v[0]) || !isCount(v[1]) || v[0] > v[1] || !(v[2] > 0) || !(v[3] > 0)
	}, x, d.N, d.A, d.B)
	k, n, a, b := m.safe(x, 0), m.safe(d.N, 0), m.safe(d.A, 1), m.safe(d.B, 1)
	nk := tensor.Sub(n, k)
	lg := func(t *tensor.Tensor, c float64) *tensor.Tensor { return tensor.LGamma(tensor.AddScalar(t, c)) }
	// log C(n, k)
	elem := tensor.Sub(lg(n, 1), tensor.Add(lg(k, 1), lg(nk, 1)))
	// + log B(k+a, n-k+b) - log B(a, b)
	ab := tensor.Add(a, b)
	elem = tensor.Add(elem, tensor.Add(tensor.LGamma(tensor.Add(k, a)), tensor.LGamma(tensor.Add(nk, b))))
	elem = tensor.Sub(elem, tensor.LGamma(tensor.Add(n, ab)))
	elem = tensor.Add(elem, tensor.Sub(tensor.LGamma(ab), tensor.Add(tensor.LGamma(a), tensor.LGamma(b))))
	return m.finish(elem, nil)
}

// Sample returns n draws as an [n, d] tensor: a binomial draw whose
// success probability is a beta draw (gonum's samplers).
func (d BetaBinomial) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("BetaBinomial", n, func(v []float64) float64 {
		p := distuv.Beta{Alpha: v[1], Beta: v[2], Src: rng}.Rand()
		return binomialDraw(rng, v[0], p)
	}, d.N, d.A, d.B)
}

// Support returns the integers 0, ..., n; High holds n per component
// (flattened over the batch when batched).
func (d BetaBinomial) Support() Support { return countRange("BetaBinomial", d.N, d.A, d.B) }

// countRange is the support {0, ..., n} of a family whose first parameter
// is n.
func countRange(fam string, ps ...*tensor.Tensor) Support {
	// Only n (ps[0]) is read: the others give the shape (their values,
	// latents in a model, are not needed; reading them would stop a
	// tensor.Trace).
	shape := broadcastShape(fam, ps...)
	lo, hi := make([]float64, numel(shape)), make([]float64, numel(shape))
	newGridOf(shape, ps[:1], [][]float64{ps[0].Data()}).each(func(i int, v []float64) { hi[i] = v[0] })
	return Support{Kind: IntegerInterval, Low: lo, High: hi}
}

// String returns e.g. "BetaBinomial(n=10, a=2, b=3)".
func (d BetaBinomial) String() string { return familyString("BetaBinomial", d.N, d.A, d.B) }

// Mean returns n a/(a + b).
func (d BetaBinomial) Mean() ([]float64, bool) {
	return perParam("BetaBinomial", func(v []float64) (float64, bool) { return v[0] * v[1] / (v[1] + v[2]), true }, d.N, d.A, d.B)
}

// StdDev returns √(n a b (a + b + n) / ((a + b)² (a + b + 1))).
func (d BetaBinomial) StdDev() ([]float64, bool) {
	return perParam("BetaBinomial", func(v []float64) (float64, bool) {
		n, a, b := v[0], v[1], v[2]
		s := a + b
		return math.Sqrt(n * a / s * b / s * (s + n) / (s + 1)), true
	}, d.N, d.A, d.B)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over 0..n (ok = false for n above about a million).
func (d BetaBinomial) Entropy() (float64, bool) {
	return seriesEntropy("BetaBinomial", func(v []float64) (func(k float64) float64, float64, float64) {
		n, a, b := v[0], v[1], v[2]
		s := a + b
		return func(k float64) float64 { return betaBinomialLogPMF(k, n, a, b) }, n * a / s, math.Sqrt(n * a / s * b / s * (s + n) / (s + 1))
	}, d.N, d.A, d.B)
}

func betaBinomialLogPMF(k, n, a, b float64) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	return lchoose(n, k) + lbeta(k+a, n-k+b) - lbeta(a, b)
}

func lgam(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func lbeta(a, b float64) float64 { return lgam(a) + lgam(b) - lgam(a+b) }

func lchoose(n, k float64) float64 { return lgam(n+1) - lgam(k+1) - lgam(n-k+1) }

// sigmoid returns 1/(1 + e^-x) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logSigmoid returns log sigmoid(x) = -log(1 + e^-x), stable for all x.
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// BernoulliLogit is the Bernoulli distribution on {0, 1} with
// P(1) = 1/(1 + e^-logit), scored stably for any logit (Stan's
// bernoulli_logit): log P(1) = -softplus(-logit), log P(0) =
// -softplus(logit).
type BernoulliLogit struct {
	Logit *tensor.Tensor
}

// NewBernoulliLogit returns a validated BernoulliLogit: logit must be
// finite.
func NewBernoulliLogit(logit *tensor.Tensor) (*BernoulliLogit, error) {
	return newFamily[*BernoulliLogit]("BernoulliLogit", logit)
}

// Dim returns the number of components.
func (d BernoulliLogit) Dim() int { return paramDim("BernoulliLogit", d.Logit) }

// LogProb returns log sigmoid(logit) for 1 and log sigmoid(-logit) for 0,
// summed over each row; any other value has log mass -Inf.
func (d BernoulliLogit) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return bernoulliLogProb("BernoulliLogit", x, d.Logit, byLogit)
}

// Sample returns n draws as an [n, d] tensor of zeros and ones.
func (d BernoulliLogit) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return bernoulliDraws("BernoulliLogit", rng, n, d.Logit, byLogit)
}

// Support returns {0, 1}.
func (d BernoulliLogit) Support() Support { return Support{Kind: Boolean} }

// String returns e.g. "BernoulliLogit(logit=0.5)".
func (d BernoulliLogit) String() string { return familyString("BernoulliLogit", d.Logit) }

// Mean returns sigmoid(logit).
func (d BernoulliLogit) Mean() ([]float64, bool) {
	return perParam("BernoulliLogit", func(v []float64) (float64, bool) { return sigmoid(v[0]), true }, d.Logit)
}

// StdDev returns √(sigmoid(logit) sigmoid(-logit)).
func (d BernoulliLogit) StdDev() ([]float64, bool) {
	return perParam("BernoulliLogit", func(v []float64) (float64, bool) {
		return math.Sqrt(sigmoid(v[0]) * sigmoid(-v[0])), true
	}, d.Logit)
}

// Entropy returns Σ -p log p - (1-p) log(1-p) with p = sigmoid(logit),
// computed from log sigmoid so that it is accurate for large logits.
func (d BernoulliLogit) Entropy() (float64, bool) {
	return entropySum("BernoulliLogit", func(v []float64) float64 {
		l := v[0]
		return -sigmoid(l)*logSigmoid(l) - sigmoid(-l)*logSigmoid(-l)
	}, d.Logit)
}

// BinomialLogit is the binomial distribution with n trials and success
// probability 1/(1 + e^-logit), scored stably for any logit (Stan's
// binomial_logit):
//
//	log C(n, k) + k log sigmoid(logit) + (n-k) log sigmoid(-logit).
type BinomialLogit struct {
	N, Logit *tensor.Tensor
}

// NewBinomialLogit returns a validated BinomialLogit: n must be a
// non-negative integer and logit finite.
func NewBinomialLogit(n, logit *tensor.Tensor) (*BinomialLogit, error) {
	return newFamily[*BinomialLogit]("BinomialLogit", n, logit)
}

// Dim returns the number of components.
func (d BinomialLogit) Dim() int { return paramDim("BinomialLogit", d.N, d.Logit) }

// LogProb returns the log mass of each row of x.
func (d BinomialLogit) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return binomialLogProb("BinomialLogit", x, d.N, d.Logit, byLogit)
}

// Sample returns n draws (binomialDraw) as an [n, d] tensor.
func (d BinomialLogit) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return binomialDraws("BinomialLogit", rng, n, d.N, d.Logit, byLogit)
}

// Support returns the integers 0, ..., n; High holds n per component
// (flattened over the batch when batched).
func (d BinomialLogit) Support() Support { return countRange("BinomialLogit", d.N, d.Logit) }

// String returns e.g. "BinomialLogit(n=10, logit=0)".
func (d BinomialLogit) String() string { return familyString("BinomialLogit", d.N, d.Logit) }

// Mean returns n sigmoid(logit).
func (d BinomialLogit) Mean() ([]float64, bool) {
	return perParam("BinomialLogit", func(v []float64) (float64, bool) { return v[0] * sigmoid(v[1]), true }, d.N, d.Logit)
}

// StdDev returns √(n sigmoid(logit) sigmoid(-logit)).
func (d BinomialLogit) StdDev() ([]float64, bool) {
	return perParam("BinomialLogit", func(v []float64) (float64, bool) {
		return math.Sqrt(v[0] * sigmoid(v[1]) * sigmoid(-v[1])), true
	}, d.N, d.Logit)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass.
func (d BinomialLogit) Entropy() (float64, bool) {
	return seriesEntropy("BinomialLogit", func(v []float64) (func(k float64) float64, float64, float64) {
		n, l := v[0], v[1]
		return func(k float64) float64 {
				if k > n {
					return math.Inf(-1)
				}
				return lchoose(n, k) + xlogy0(k, logSigmoid(l)) + xlogy0(n-k, logSigmoid(-l))
			},
			n * sigmoid(l), math.Sqrt(n * sigmoid(l) * sigmoid(-l))
	}, d.N, d.Logit)
}

// xlogy0 returns x·y with 0·(-Inf) = 0.
func xlogy0(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * y
}

// PoissonLog is the Poisson distribution with rate e^log_rate (Stan's
// poisson_log):
//
//	k log_rate - e^log_rate - log k!,  k = 0, 1, 2, ...
//
// It is exact where Poisson(exp(log_rate)) is not: a very negative
// log_rate (rate underflowing to 0) still gives a finite log mass for
// k > 0. For log_rate above about 709.78, e^log_rate overflows and so does
// the true log mass (about -e^log_rate, below the range of float64): it
// is -Inf.
type PoissonLog struct {
	LogRate *tensor.Tensor
}

// NewPoissonLog returns a validated PoissonLog: log_rate must be finite.
func NewPoissonLog(logRate *tensor.Tensor) (*PoissonLog, error) {
	return newFamily[*PoissonLog]("PoissonLog", logRate)
}

// Dim returns the number of components.
func (d PoissonLog) Dim() int { return paramDim("PoissonLog", d.LogRate) }

// LogProb returns the log mass of each row of x.
func (d PoissonLog) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("PoissonLog", []func(float64) bool{notCount, nil}, x, d.LogRate)
	k, eta := m.safe(x, 0), m.safe(d.LogRate, 0)
	elem := tensor.Sub(mulZero(k, eta), tensor.Add(tensor.Exp(eta), tensor.LGamma(tensor.AddScalar(k, 1))))
	return m.finish(elem, nil)
}

// Sample returns n draws (gonum's Poisson sampler) as an [n, d] tensor.
func (d PoissonLog) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("PoissonLog", n, func(v []float64) float64 { return poissonDraw(rng, math.Exp(v[0])) }, d.LogRate)
}

// Support returns the non-negative integers.
func (d PoissonLog) Support() Support { return Support{Kind: NonNegIntegers} }

// String returns e.g. "PoissonLog(log_rate=1.5)".
func (d PoissonLog) String() string { return familyString("PoissonLog", d.LogRate) }

// Mean returns e^log_rate.
func (d PoissonLog) Mean() ([]float64, bool) {
	return perParam("PoissonLog", func(v []float64) (float64, bool) { return math.Exp(v[0]), true }, d.LogRate)
}

// StdDev returns e^(log_rate/2).
func (d PoissonLog) StdDev() ([]float64, bool) {
	return perParam("PoissonLog", func(v []float64) (float64, bool) { return math.Exp(v[0] / 2), true }, d.LogRate)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass (ok = false for rates above
// about 1e9).
func (d PoissonLog) Entropy() (float64, bool) {
	return seriesEntropy("PoissonLog", func(v []float64) (func(k float64) float64, float64, float64) {
		eta := v[0]
		return func(k float64) float64 { return xlogy0(k, eta) - math.Exp(eta) - lgam(k+1) }, math.Exp(eta), math.Exp(eta / 2)
	}, d.LogRate)
}

// log1mOr returns log(1 - t) where t < 1 and -Inf (a constant: no
// gradient) where t is 1; t must be at most 1.
func log1mOr(t *tensor.Tensor) *tensor.Tensor {
	var cond []bool
	for i, v := range t.Data() {
		if v == 1 {
			if cond == nil {
				cond = make([]bool, t.Len())
			}
			cond[i] = true
		}
	}
	if cond == nil {
		return tensor.Log1p(tensor.Neg(t))
	}
	s := t.Shape()
	return tensor.Where(cond, tensor.Full(math.Inf(-1), s...), tensor.Log1p(tensor.Neg(tensor.Where(cond, tensor.Zeros(s...), t))))
}

// zeroInflated returns the elementwise log mass of counts k under the
// mixture of a point mass at 0 (weight zero) and a count distribution with
// log mass base (elementwise over k) and log mass base0 at 0:
//
//	log(zero + (1-zero) p(0))  at k = 0,   log(1-zero) + log p(k)  at k > 0.
//
// At k = 0 this is log(e^log(zero) + e^(log(1-zero) + base0)) for zero in
// (0, 1); at zero = 0 and zero = 1 it is written base0 + log1p(zero
// (1-p(0))/p(0)) and log1p((1-zero)(p(0)-1)), whose gradients are the
// one-sided derivatives there (those of the log-sum form are not).
func zeroInflated(k, zero, base, base0 *tensor.Tensor) *tensor.Tensor {
	n := k.Len()
	isZero, at0, at1, mid := make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
	for i, v := range k.Data() {
		isZero[i] = v == 0
		z := zero.Data()[i]
		at0[i], at1[i], mid[i] = z == 0, z == 1, z > 0 && z < 1
	}
	half := tensor.Full(0.5, zero.Shape()...)
	zm := tensor.Where(mid, zero, half)
	atMid := tensor.LogAddExp(tensor.Log(zm), tensor.Add(tensor.Log1p(tensor.Neg(zm)), base0))
	// (1-p0)/p0 = expm1(-base0), capped so that 0·∞ does not make NaN.
	odds := tensor.Clamp(tensor.Expm1(tensor.Neg(base0)), 0, math.MaxFloat64)
	atZero := tensor.Add(base0, tensor.Log1p(tensor.Mul(zero, odds)))
	atOne := tensor.Log1p(tensor.Mul(rsub(1, zero), tensor.Expm1(base0)))
	kZero := tensor.Where(mid, atMid, tensor.Where(at0, atZero, atOne))
	pos := tensor.Add(log1mOr(zero), base)
	return tensor.Where(isZero, kZero, pos)
}

// ZeroInflatedPoisson is the mixture of a structural zero, with
// probability zero, and a Poisson with the given rate:
//
//	P(0) = zero + (1-zero) e^-rate,  P(k) = (1-zero) rate^k e^-rate / k!,  k > 0.
type ZeroInflatedPoisson struct {
	Zero, Rate *tensor.Tensor
}

// NewZeroInflatedPoisson returns a validated ZeroInflatedPoisson: zero
// must be in [0, 1] and rate non-negative.
func NewZeroInflatedPoisson(zero, rate *tensor.Tensor) (*ZeroInflatedPoisson, error) {
	return newFamily[*ZeroInflatedPoisson]("ZeroInflatedPoisson", zero, rate)
}

// Dim returns the number of components.
func (d ZeroInflatedPoisson) Dim() int { return paramDim("ZeroInflatedPoisson", d.Zero, d.Rate) }

// LogProb returns the log mass of each row of x.
func (d ZeroInflatedPoisson) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("ZeroInflatedPoisson", func(v []float64) bool {
		return !isCount(v[0]) || !(v[1] >= 0 && v[1] <= 1) || !(v[2] >= 0)
	}, x, d.Zero, d.Rate)
	k, z, rate := m.full(m.safe(x, 0)), m.full(m.safe(d.Zero, 0.5)), m.full(m.safe(d.Rate, 1))
	base := tensor.Sub(mulZero(k, tensor.Log(rate)), tensor.Add(rate, tensor.LGamma(tensor.AddScalar(k, 1))))
	return m.finish(zeroInflated(k, z, base, tensor.Neg(rate)), nil)
}

// Sample returns n draws as an [n, d] tensor: 0 with probability zero,
// else a Poisson draw.
func (d ZeroInflatedPoisson) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("ZeroInflatedPoisson", n, func(v []float64) float64 {
		if rng.Float64() < v[0] {
			return 0
		}
		return poissonDraw(rng, v[1])
	}, d.Zero, d.Rate)
}

// Support returns the non-negative integers.
func (d ZeroInflatedPoisson) Support() Support { return Support{Kind: NonNegIntegers} }

// String returns e.g. "ZeroInflatedPoisson(zero=0.2, rate=3)".
func (d ZeroInflatedPoisson) String() string {
	return familyString("ZeroInflatedPoisson", d.Zero, d.Rate)
}

// Mean returns (1 - zero) rate.
func (d ZeroInflatedPoisson) Mean() ([]float64, bool) {
	return perParam("ZeroInflatedPoisson", func(v []float64) (float64, bool) { return (1 - v[0]) * v[1], true }, d.Zero, d.Rate)
}

// StdDev returns √((1 - zero) rate (1 + zero rate)).
func (d ZeroInflatedPoisson) StdDev() ([]float64, bool) {
	return perParam("ZeroInflatedPoisson", func(v []float64) (float64, bool) {
		return math.Sqrt((1 - v[0]) * v[1] * (1 + v[0]*v[1])), true
	}, d.Zero, d.Rate)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass.
func (d ZeroInflatedPoisson) Entropy() (float64, bool) {
	return seriesEntropy("ZeroInflatedPoisson", func(v []float64) (func(k float64) float64, float64, float64) {
		z, r := v[0], v[1]
		base := func(k float64) float64 { return xlogy(k, r) - r - lgam(k+1) }
		return zeroInflatedLogPMF(z, base), (1 - z) * r, math.Sqrt((1 - z) * r * (1 + z*r))
	}, d.Zero, d.Rate)
}

// zeroInflatedLogPMF returns the log mass function of the zero-inflated
// base log mass function.
func zeroInflatedLogPMF(z float64, base func(k float64) float64) func(k float64) float64 {
	return func(k float64) float64 {
		if k == 0 {
			return math.Log(z + (1-z)*math.Exp(base(0)))
		}
		return math.Log1p(-z) + base(k)
	}
}

// ZeroInflatedNegativeBinomial is the mixture of a structural zero, with
// probability zero, and a NegativeBinomial(mean, dispersion) (Stan's
// neg_binomial_2):
//
//	P(0) = zero + (1-zero) NB(0),  P(k) = (1-zero) NB(k),  k > 0.
type ZeroInflatedNegativeBinomial struct {
	Zero, Mu, Phi *tensor.Tensor
}

// NewZeroInflatedNegativeBinomial returns a validated
// ZeroInflatedNegativeBinomial: zero must be in [0, 1], mean and
// dispersion positive.
func NewZeroInflatedNegativeBinomial(zero, mean, dispersion *tensor.Tensor) (*ZeroInflatedNegativeBinomial, error) {
	return newFamily[*ZeroInflatedNegativeBinomial]("ZeroInflatedNegativeBinomial", zero, mean, dispersion)
}

// Dim returns the number of components.
func (d ZeroInflatedNegativeBinomial) Dim() int {
	return paramDim("ZeroInflatedNegativeBinomial", d.Zero, d.Mu, d.Phi)
}

// LogProb returns the log mass of each row of x.
func (d ZeroInflatedNegativeBinomial) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("ZeroInflatedNegativeBinomial", func(v []float64) bool {
		return !isCount(v[0]) || !(v[1] >= 0 && v[1] <= 1) || !(v[2] >= 0) || !(v[3] > 0)
	}, x, d.Zero, d.Mu, d.Phi)
	k, z := m.full(m.safe(x, 0)), m.full(m.safe(d.Zero, 0.5))
	mu, phi := m.full(m.safe(d.Mu, 1)), m.full(m.safe(d.Phi, 1))
	base := negBinomialElem(k, mu, phi)
	base0 := tensor.Neg(tensor.Mul(phi, tensor.Log1p(tensor.Div(mu, phi))))
	return m.finish(zeroInflated(k, z, base, base0), nil)
}

// Sample returns n draws as an [n, d] tensor: 0 with probability zero,
// else a negative binomial draw (a Poisson draw with a gamma rate).
func (d ZeroInflatedNegativeBinomial) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("ZeroInflatedNegativeBinomial", n, func(v []float64) float64 {
		if rng.Float64() < v[0] || v[1] == 0 {
			return 0
		}
		lambda := distuv.Gamma{Alpha: v[2], Beta: v[2] / v[1], Src: rng}.Rand()
		return poissonDraw(rng, lambda)
	}, d.Zero, d.Mu, d.Phi)
}

// Support returns the non-negative integers.
func (d ZeroInflatedNegativeBinomial) Support() Support { return Support{Kind: NonNegIntegers} }

// String returns e.g. "ZeroInflatedNegativeBinomial(zero=0.2, mean=3, dispersion=2)".
func (d ZeroInflatedNegativeBinomial) String() string {
	return familyString("ZeroInflatedNegativeBinomial", d.Zero, d.Mu, d.Phi)
}

// Mean returns (1 - zero) mean.
func (d ZeroInflatedNegativeBinomial) Mean() ([]float64, bool) {
	return perParam("ZeroInflatedNegativeBinomial", func(v []float64) (float64, bool) { return (1 - v[0]) * v[1], true }, d.Zero, d.Mu, d.Phi)
}

// StdDev returns √((1 - zero)(mean + mean²/dispersion) + zero (1 - zero) mean²).
func (d ZeroInflatedNegativeBinomial) StdDev() ([]float64, bool) {
	return perParam("ZeroInflatedNegativeBinomial", func(v []float64) (float64, bool) {
		return math.Sqrt(zinbVar(v[0], v[1], v[2])), true
	}, d.Zero, d.Mu, d.Phi)
}

func zinbVar(z, mu, phi float64) float64 { return (1-z)*(mu+mu*mu/phi) + z*(1-z)*mu*mu }

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass.
func (d ZeroInflatedNegativeBinomial) Entropy() (float64, bool) {
	return seriesEntropy("ZeroInflatedNegativeBinomial", func(v []float64) (func(k float64) float64, float64, float64) {
		z, mu, phi := v[0], v[1], v[2]
		base := func(k float64) float64 {
			return lgam(k+phi) - lgam(k+1) - lgam(phi) - phi*math.Log1p(mu/phi) + xlogy(k, mu) - k*math.Log(mu+phi)
		}
		return zeroInflatedLogPMF(z, base), (1 - z) * mu, math.Sqrt(zinbVar(z, mu, phi))
	}, d.Zero, d.Mu, d.Phi)
}

// Multinomial is the distribution of the counts of K categories in n
// independent draws with category probabilities probs (a vector [K] or,
// inside models, a batch [B, K]):
//
//	n! / (x_1! ⋯ x_K!) ∏ probs_k^x_k,  x_k ≥ 0 integers summing to n.
//
// One draw is a count vector, so Dim is K; n is a number (or, inside
// models, one per draw: [B, 1]).
type Multinomial struct {
	N, Probs *tensor.Tensor
}

// NewMultinomial returns a validated Multinomial: n must be a non-negative
// integer and probs a vector of non-negative numbers that sum to 1 within
// 1e-6.
func NewMultinomial(n, probs *tensor.Tensor) (*Multinomial, error) {
	return makeMultinomial(true, n, probs)
}

func makeMultinomial(validate bool, n, probs *tensor.Tensor) (*Multinomial, error) {
	const fam = "Multinomial"
	ns, err := prepare(fam, validate, param{"n", n, countArg})
	if err != nil {
		return nil, err
	}
	if n.Rank() == 1 || (n.Rank() == 2 && n.Dim(1) != 1) {
		return nil, fmt.Errorf("%s: n must be a number, got %s", fam, describe(n))
	}
	if err := vectorArg(fam, "probs", probs, validate); err != nil {
		return nil, err
	}
	ps, err := prepare(fam, validate, param{"probs", probs, anyReal})
	if err != nil {
		return nil, err
	}
	if err := sameBatch(fam, "n", ns[0], "probs", ps[0]); err != nil {
		return nil, err
	}
	if validate {
		if err := checkProbs(fam, "probs", probs); err != nil {
			return nil, err
		}
	}
	return &Multinomial{ns[0], ps[0]}, nil
}

// batchRows returns the number of batch rows of a parameter: its first
// axis when it is a [B, d] batch, else 1.
func batchRows(t *tensor.Tensor) int {
	if t.Rank() == 2 {
		return t.Dim(0)
	}
	return 1
}

// sameBatch checks that two parameters that do not broadcast elementwise
// have the same number of batch rows (or one of them has none).
func sameBatch(fam, an string, a *tensor.Tensor, bn string, b *tensor.Tensor) error {
	ra, rb := batchRows(a), batchRows(b)
	if a.Rank() == 2 && b.Rank() == 2 && ra != rb && ra != 1 && rb != 1 {
		return fmt.Errorf("%s: %s has a batch of %d rows but %s has %d", fam, an, ra, bn, rb)
	}
	return nil
}

// Dim returns K.
func (d Multinomial) Dim() int { return d.Probs.Dim(-1) }

// LogProb returns the log mass of each row of x ([n, K]); rows that are
// not non-negative integers summing to n have log mass -Inf, as have rows
// whose probabilities are negative or do not sum to 1 within 1e-6.
func (d Multinomial) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("Multinomial", func(v []float64) bool { return !isCount(v[0]) || !(v[1] >= 0) || !isCount(v[2]) }, x, d.Probs, d.N)
	nr := len(m.rows)
	xs, ps, ns := make([]float64, nr), make([]float64, nr), make([]float64, nr)
	newGrid(m.shape, x, d.Probs, d.N).each(func(i int, v []float64) {
		r := i / m.last
		xs[r] += v[0]
		ps[r] += v[1]
		ns[r] = v[2]
	})
	for r := range nr {
		if xs[r] != ns[r] || !(math.Abs(ps[r]-1) <= simplexTol) {
			m.rows[r] = true
		}
	}
	k, p := m.safe(x, 0), m.safe(d.Probs, 1/float64(m.last))
	elem := tensor.Sub(mulZero(k, tensor.Log(p)), tensor.LGamma(tensor.AddScalar(k, 1)))
	n := d.N
	if n.Rank() == 2 {
		n = tensor.Reshape(n, n.Dim(0))
	}
	var bad []bool
	for i, v := range n.Data() {
		if !isCount(v) {
			if bad == nil {
				bad = make([]bool, n.Len())
			}
			bad[i] = true
		}
	}
	if bad != nil {
		n = tensor.Where(bad, tensor.Zeros(n.Shape()...), n)
	}
	return m.finish(elem, tensor.LGamma(tensor.AddScalar(n, 1)))
}

// Sample returns n draws as an [n, K] tensor of counts, drawn category by
// category as binomials of the trials left (gonum's binomial sampler).
func (d Multinomial) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := d.Dim()
	pr, nr := batchRows(d.Probs), batchRows(d.N)
	for _, r := range []int{pr, nr} {
		if r != 1 && r != n {
			panic(fmt.Sprintf("dist.Multinomial: parameters have a batch of %d rows, so a sample needs %d draws, not %d", r, r, n))
		}
	}
	out := tensor.Zeros(n, k)
	od, pd, nd := out.Data(), d.Probs.Data(), d.N.Data()
	tail := make([]float64, k) // tail[j] = Σ_{i ≥ j} probs[i]
	for i := range n {
		p := pd[(i%pr)*k : (i%pr+1)*k]
		acc := 0.0
		for j := k - 1; j >= 0; j-- {
			acc += p[j]
			tail[j] = acc
		}
		left := nd[i%nr]
		row := od[i*k : (i+1)*k]
		for j := 0; j < k-1 && left > 0; j++ {
			q := 1.0
			if tail[j] > 0 {
				q = math.Min(p[j]/tail[j], 1)
			}
			row[j] = binomialDraw(rng, left, q)
			left -= row[j]
		}
		row[k-1] += left
	}
	return out
}

// Support returns the count vectors summing to n: High holds n, or is
// empty when n is batched (one total per draw, which FirstOutside then
// does not check).
func (d Multinomial) Support() Support {
	if d.N.Rank() == 2 {
		return Support{Kind: CountVectors}
	}
	return Support{Kind: CountVectors, High: []float64{d.N.Item()}}
}

// String returns e.g. "Multinomial(n=10, probs=[0.2, 0.8])".
func (d Multinomial) String() string { return familyString("Multinomial", d.N, d.Probs) }

// Mean returns n probs (per batch row when batched): component k is
// Binomial(n, probs[k]).
func (d Multinomial) Mean() ([]float64, bool) { return d.marginals().Mean() }

// StdDev returns √(n probs (1 - probs)), the Binomial marginals' sd.
func (d Multinomial) StdDev() ([]float64, bool) { return d.marginals().StdDev() }

// marginals returns the distributions of the components: Binomial(n,
// probs[k]).
func (d Multinomial) marginals() Binomial { return Binomial{d.N, d.Probs} }

// Entropy returns -log n! - n Σ p_k log p_k + Σ_k E[log x_k!], each x_k
// being Binomial(n, p_k) (ok = false for n above a million or batched
// parameters).
func (d Multinomial) Entropy() (float64, bool) {
	if batched(d.N, d.Probs) {
		return 0, false
	}
	n := d.N.Item()
	if n > 1e6 {
		return 0, false
	}
	h := -lgam(n + 1)
	for _, p := range d.Probs.Data() {
		h -= n * xlogx(p)
		for x := 1.0; x <= n; x++ {
			if l := binomialLogPMF(x, n, p); !math.IsInf(l, -1) {
				h += math.Exp(l) * lgam(x+1)
			}
		}
	}
	return h, true
}

// OrderedLogistic is Stan's ordered logistic distribution (ordered_logistic)
// on the outcomes 0, ..., K-1 (0-based: Stan's outcome y is y-1 here),
// with linear predictor eta and K-1 increasing cutpoints c:
//
//	P(0) = 1 - sigmoid(eta - c[0])
//	P(k) = sigmoid(eta - c[k-1]) - sigmoid(eta - c[k]),  0 < k < K-1
//	P(K-1) = sigmoid(eta - c[K-2])
//
// that is, the outcome is the number of cutpoints below eta + a standard
// logistic noise. Eta is elementwise: a number, a vector of n independent
// components (Dim n), or inside models a batch [B, n] or [B, 1]. The
// cutpoints are one vector [K-1] shared by all components, or inside
// models a batch [B, K-1] (one vector per draw); they do not broadcast
// against eta. Log masses are computed as
//
//	log sigmoid(eta - c[k-1]) + log sigmoid(c[k] - eta) + log(1 - e^-(c[k] - c[k-1]))
//
// (the first term dropped for k = 0, the others for k = K-1), which stays
// accurate for any eta.
type OrderedLogistic struct {
	Eta, Cutpoints *tensor.Tensor
}

// NewOrderedLogistic returns a validated OrderedLogistic: eta must be
// finite and cutpoints a non-empty vector of finite, strictly increasing
// numbers.
func NewOrderedLogistic(eta, cutpoints *tensor.Tensor) (*OrderedLogistic, error) {
	return makeOrderedLogistic(true, eta, cutpoints)
}

func makeOrderedLogistic(validate bool, eta, cut *tensor.Tensor) (*OrderedLogistic, error) {
	const fam = "OrderedLogistic"
	es, err := prepare(fam, validate, param{"eta", eta, anyReal})
	if err != nil {
		return nil, err
	}
	if err := vectorArg(fam, "cutpoints", cut, validate); err != nil {
		return nil, err
	}
	if _, err := prepare(fam, validate, param{"cutpoints", cut, anyReal}); err != nil {
		return nil, err
	}
	if err := sameBatch(fam, "eta", es[0], "cutpoints", cut); err != nil {
		return nil, err
	}
	if validate {
		c := cut.Data()
		for j := 1; j < len(c); j++ {
			if !(c[j] > c[j-1]) {
				return nil, fmt.Errorf("%s: cutpoints must be increasing, got cutpoints[%d] = %s after cutpoints[%d] = %s",
					fam, j, tensor.FormatNumber(c[j]), j-1, tensor.FormatNumber(c[j-1]))
			}
		}
	}
	return &OrderedLogistic{es[0], cut}, nil
}

// Dim returns the number of components of eta.
func (d OrderedLogistic) Dim() int {
	if d.Eta.Rank() == 0 {
		return 1
	}
	return d.Eta.Dim(-1)
}

// k returns the number of outcomes K.
func (d OrderedLogistic) k() int { return d.Cutpoints.Dim(-1) + 1 }

// cutRows returns the cutpoint vectors (one, or one per batch row) and
// which of them are invalid (not finite and strictly increasing).
func (d OrderedLogistic) cutRows() (rows [][]float64, bad []bool) {
	c, km1 := d.Cutpoints.Data(), d.k()-1
	for r := 0; r+km1 <= len(c); r += km1 {
		row := c[r : r+km1]
		ok := true
		for j, v := range row {
			ok = ok && !math.IsInf(v, 0) && !math.IsNaN(v) && (j == 0 || v > row[j-1])
		}
		rows = append(rows, row)
		bad = append(bad, !ok)
	}
	return rows, bad
}

// LogProb returns the log mass of each row of x ([n, d], or [1, m] scored
// against a batch of one-component parameters: eta broadcasts against x
// elementwise, and row r uses the cutpoints of batch row r). A value that
// is not an outcome 0..K-1 has log mass -Inf, as have rows whose eta is
// not finite or whose cutpoints are not finite and strictly increasing.
func (d OrderedLogistic) LogProb(x *tensor.Tensor) *tensor.Tensor {
	const fam = "OrderedLogistic"
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	shape := broadcastShape(fam, x, d.Eta)
	if len(shape) != 2 {
		panic(fmt.Sprintf("dist.%s: values of shape %v", fam, x.Shape()))
	}
	r, c := shape[0], shape[1]
	cr := batchRows(d.Cutpoints)
	switch {
	case cr == r || cr == 1:
	case r == 1:
		r = cr
	default:
		panic(fmt.Sprintf("dist.%s: cutpoints have a batch of %d rows but the values and eta have %d", fam, cr, r))
	}
	shape = []int{r, c}
	km1 := d.k() - 1
	n := r * c
	xs, eta := broadcast(x, shape).Data(), broadcast(d.Eta, shape)
	_, badCut := d.cutRows()
	mask := make([]bool, n)
	m := &masked{shape: shape, last: c, rows: make([]bool, r)}
	lo, hi := make([]int, n), make([]int, n)
	hasLo, hasHi, mid := make([]bool, n), make([]bool, n), make([]bool, n)
	found := false
	for i, v := range xs {
		row := i / c
		e := eta.Data()[i]
		if !isCount(v) || v > float64(km1) || math.IsNaN(e) || math.IsInf(e, 0) || badCut[row%cr] {
			mask[i], m.rows[row], found = true, true, true
			v = 0
		}
		y, base := int(v), (row%cr)*km1
		lo[i], hi[i] = base+max(y-1, 0), base+min(y, km1-1)
		hasLo[i], hasHi[i] = y > 0, y < km1
		mid[i] = hasLo[i] && hasHi[i]
	}
	cut := d.Cutpoints
	if found {
		eta = tensor.Where(mask, tensor.Zeros(shape...), eta)
		var cond []bool
		safe := make([]float64, len(cut.Data()))
		for i := range safe {
			safe[i] = float64(i % km1)
		}
		for row, b := range badCut {
			if b {
				if cond == nil {
					cond = make([]bool, len(safe))
				}
				for j := range km1 {
					cond[row*km1+j] = true
				}
			}
		}
		if cond != nil {
			cut = tensor.Where(cond, tensor.New(safe, cut.Shape()...), cut)
		}
	}
	flat := tensor.Reshape(cut, len(cut.Data()))
	e := tensor.Reshape(eta, n)
	cl, ch := tensor.Take(flat, 0, lo), tensor.Take(flat, 0, hi)
	zero := tensor.Zeros(n)
	below := tensor.Where(hasLo, tensor.LogSigmoid(tensor.Sub(e, cl)), zero)
	above := tensor.Where(hasHi, tensor.LogSigmoid(tensor.Sub(ch, e)), zero)
	// log(1 - e^-gap), gap = c[k] - c[k-1] > 0, as log(-expm1(-gap)):
	// its absolute error is within a few ulps of 1 for every gap.
	gap := tensor.Where(mid, tensor.Sub(ch, cl), tensor.Full(1, n))
	inner := tensor.Where(mid, tensor.Log(tensor.Neg(tensor.Expm1(tensor.Neg(gap)))), zero)
	elem := tensor.Add(tensor.Add(below, above), inner)
	return m.finish(tensor.Reshape(elem, r, c), nil)
}

// Sample returns n draws as an [n, d] tensor of outcomes: the number of
// cutpoints below eta plus a standard logistic draw.
func (d OrderedLogistic) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	const fam = "OrderedLogistic"
	shape := drawShape(fam, n, d.Eta)
	cuts, _ := d.cutRows()
	if len(cuts) != 1 && len(cuts) != n {
		panic(fmt.Sprintf("dist.%s: cutpoints have a batch of %d rows, so a sample needs %d draws, not %d", fam, len(cuts), len(cuts), n))
	}
	out := tensor.Zeros(shape...)
	od, c := out.Data(), shape[1]
	newGrid(shape, d.Eta).each(func(i int, v []float64) {
		u := rng.Float64()
		z := v[0] + math.Log(u) - math.Log1p(-u)
		row := cuts[(i/c)%len(cuts)]
		od[i] = float64(sort.Search(len(row), func(j int) bool { return !(z > row[j]) }))
	})
	return out
}

// Support returns the integers 0, ..., K-1.
func (d OrderedLogistic) Support() Support {
	return Support{Kind: IntegerInterval, Low: []float64{0}, High: []float64{float64(d.k() - 1)}}
}

// String returns e.g. "OrderedLogistic(eta=0.5, cutpoints=[-1, 1])".
func (d OrderedLogistic) String() string {
	return familyString("OrderedLogistic", d.Eta, d.Cutpoints)
}

// orderedLogPMF returns the log probabilities of the outcomes 0..K-1 for
// one eta and one increasing cutpoint vector, computed as LogProb does.
func orderedLogPMF(eta float64, c []float64) []float64 {
	k := len(c) + 1
	out := make([]float64, k)
	for y := range k {
		var l float64
		if y > 0 {
			l += logSigmoid(eta - c[y-1])
		}
		if y < k-1 {
			l += logSigmoid(c[y] - eta)
		}
		if y > 0 && y < k-1 {
			l += math.Log(-math.Expm1(-(c[y] - c[y-1])))
		}
		out[y] = l
	}
	return out
}

// perOutcome applies f to the outcome probabilities of every component
// (one value per element of eta broadcast against the cutpoint rows).
func (d OrderedLogistic) perOutcome(f func(eta float64, c []float64) float64) []float64 {
	cuts, _ := d.cutRows()
	c := d.Dim()
	r := max(batchRows(d.Eta), len(cuts))
	if d.Eta.Rank() < 2 && len(cuts) == 1 {
		r = 1
	}
	shape := []int{r, c}
	out := make([]float64, r*c)
	newGrid(shape, d.Eta).each(func(i int, v []float64) {
		out[i] = f(v[0], cuts[(i/c)%len(cuts)])
	})
	return out
}

// Mean returns Σ_k P(outcome ≥ k) = Σ_j sigmoid(eta - c[j]) per component.
func (d OrderedLogistic) Mean() ([]float64, bool) {
	return d.perOutcome(func(eta float64, c []float64) float64 {
		m := 0.0
		for _, cj := range c {
			m += sigmoid(eta - cj)
		}
		return m
	}), true
}

// StdDev returns the standard deviation of the outcome per component.
func (d OrderedLogistic) StdDev() ([]float64, bool) {
	return d.perOutcome(func(eta float64, c []float64) float64 {
		var m1, m2 float64
		for j, cj := range c {
			s := sigmoid(eta - cj) // P(outcome ≥ j+1)
			m1 += s
			m2 += float64(2*j+1) * s
		}
		return math.Sqrt(math.Max(m2-m1*m1, 0))
	}), true
}

// Entropy returns -Σ_k P(k) log P(k), summed over components (ok = false
// for batched parameters).
func (d OrderedLogistic) Entropy() (float64, bool) {
	if batched(d.Eta, d.Cutpoints) {
		return 0, false
	}
	h := 0.0
	for _, v := range d.perOutcome(func(eta float64, c []float64) float64 {
		s := 0.0
		for _, l := range orderedLogPMF(eta, c) {
			if !math.IsInf(l, -1) {
				s -= math.Exp(l) * l
			}
		}
		return s
	}) {
		h += v
	}
	return h, true
}
