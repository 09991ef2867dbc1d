package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// The discrete families. Values are float64 integers; a value that is not
// an integer in the support has log mass -Inf. LogProb is differentiable in
// the parameters (not in the value). Draws are not reparameterised.

// Bernoulli is the distribution on {0, 1} with P(1) = p.
type Bernoulli struct {
	P *tensor.Tensor
}

// NewBernoulli returns a validated Bernoulli: p must be in [0, 1].
func NewBernoulli(p *tensor.Tensor) (*Bernoulli, error) { return newFamily[*Bernoulli]("Bernoulli", p) }

// Dim returns the number of components.
func (d Bernoulli) Dim() int { return paramDim("Bernoulli", d.P) }

// LogProb returns log p for 1 and log(1 - p) for 0, summed over each row;
// any other value has log mass -Inf.
func (d Bernoulli) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return bernoulliLogProb("Bernoulli", x, d.P, byProb)
}

// success is how a family of successes and failures (Bernoulli,
// Binomial) is parameterised: by the probability of a success (byProb) or
// by its logit (byLogit, computed with log-sigmoid so that it stays
// accurate for any logit).
type success struct {
	bad             func(float64) bool    // an invalid parameter value (nil: none is)
	safe            float64               // a valid stand-in for an invalid one
	prob            func(float64) float64 // the probability of a success
	logOne, logZero func(*tensor.Tensor) *tensor.Tensor
}

var (
	byProb = success{notProb, 0.5, func(p float64) float64 { return p },
		tensor.Log, func(p *tensor.Tensor) *tensor.Tensor { return tensor.Log1p(tensor.Neg(p)) }}
	byLogit = success{nil, 0, sigmoid,
		tensor.LogSigmoid, func(l *tensor.Tensor) *tensor.Tensor { return tensor.LogSigmoid(tensor.Neg(l)) }}
)

// bernoulliLogProb is the log mass of the rows of x under a distribution
// on {0, 1} with parameter par (of kind s): log P(1) for a 1 and log P(0)
// for a 0, summed over each row; another value has log mass -Inf.
func bernoulliLogProb(fam string, x, par *tensor.Tensor, s success) *tensor.Tensor {
	m, x := newMaskedEach(fam, []func(float64) bool{notBinary, s.bad}, x, par)
	x, p := m.full(m.safe(x, 0)), m.full(m.safe(par, s.safe))
	one := make([]bool, x.Len())
	for i, v := range x.Data() {
		one[i] = v == 1
	}
	return m.finish(tensor.Where(one, s.logOne(p), s.logZero(p)), nil)
}

// Sample returns n draws as an [n, d] tensor of zeros and ones.
func (d Bernoulli) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return bernoulliDraws("Bernoulli", rng, n, d.P, byProb)
}

// bernoulliDraws returns n draws of zeros and ones under parameter par (of
// kind s).
func bernoulliDraws(fam string, rng *rand.Rand, n int, par *tensor.Tensor, s success) *tensor.Tensor {
	return draws(fam, n, func(v []float64) float64 {
		if rng.Float64() < s.prob(v[0]) {
			return 1
		}
		return 0
	}, par)
}

// Support returns {0, 1}.
func (d Bernoulli) Support() Support { return Support{Kind: Boolean} }

// String returns e.g. "Bernoulli(p=0.5)".
func (d Bernoulli) String() string { return familyString("Bernoulli", d.P) }

// Mean returns p.
func (d Bernoulli) Mean() ([]float64, bool) {
	return perParam("Bernoulli", func(v []float64) (float64, bool) { return v[0], true }, d.P)
}

// StdDev returns √(p(1 - p)).
func (d Bernoulli) StdDev() ([]float64, bool) {
	return perParam("Bernoulli", func(v []float64) (float64, bool) { return math.Sqrt(v[0] * (1 - v[0])), true }, d.P)
}

// Entropy returns Σ -p log p - (1-p) log(1-p).
func (d Bernoulli) Entropy() (float64, bool) {
	return entropySum("Bernoulli", func(v []float64) float64 { return -xlogx(v[0]) - xlogx(1-v[0]) }, d.P)
}

// xlogx returns x log x with 0 log 0 = 0.
func xlogx(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x)
}

// Binomial is the number of successes in n independent trials with
// success probability p:
//
//	C(n, k) p^k (1-p)^(n-k),  k = 0, ..., n.
type Binomial struct {
	N, P *tensor.Tensor
}

// NewBinomial returns a validated Binomial: n must be a non-negative
// integer and p in [0, 1].
func NewBinomial(n, p *tensor.Tensor) (*Binomial, error) {
	return newFamily[*Binomial]("Binomial", n, p)
}

// Dim returns the number of components.
func (d Binomial) Dim() int { return paramDim("Binomial", d.N, d.P) }

// LogProb returns the log mass of each row of x.
func (d Binomial) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return binomialLogProb("Binomial", x, d.N, d.P, byProb)
}

// binomialLogProb is the log mass of the rows of x under the number of
// successes in n trials with parameter par (of kind s).
func binomialLogProb(fam string, x, n, par *tensor.Tensor, s success) *tensor.Tensor {
	m, x := newMasked(fam, func(v []float64) bool {
		return !isCount(v[0]) || v[0] > v[1] || !isCount(v[1]) || (s.bad != nil && s.bad(v[2]))
	}, x, n, par)
	k, n, p := m.safe(x, 0), m.safe(n, 0), m.safe(par, s.safe)
	nk := tensor.Sub(n, k)
	elem := tensor.Sub(tensor.LGamma(tensor.AddScalar(n, 1)), tensor.Add(tensor.LGamma(tensor.AddScalar(k, 1)), tensor.LGamma(tensor.AddScalar(nk, 1))))
	elem = tensor.Add(elem, tensor.Add(mulZero(k, s.logOne(p)), mulZero(nk, s.logZero(p))))
	return m.finish(elem, nil)
}

// Sample returns n draws (binomialDraw) as an [n, d] tensor.
func (d Binomial) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return binomialDraws("Binomial", rng, n, d.N, d.P, byProb)
}

// binomialDraws returns n draws (binomialDraw) of the number of successes
// in n trials with parameter par (of kind s).
func binomialDraws(fam string, rng *rand.Rand, n int, trials, par *tensor.Tensor, s success) *tensor.Tensor {
	return draws(fam, n, func(v []float64) float64 {
		return binomialDraw(rng, v[0], s.prob(v[1]))
	}, trials, par)
}

const (
	// binomialDirect is the largest n that binomialDraw hands to gonum's
	// sampler: its rejection step takes differences of lgamma(n+1), which
	// lose precision as n grows (the variance of its draws is 30% high at
	// n = 1e15, and at n = 1e50 it never accepts).
	binomialDirect = 1e12
	// binomialNormal is the variance n·p·(1-p) from which binomialDraw
	// rounds a normal draw: the normal approximation's error in the CDF
	// is of order 1/sd, 1e-12 here, below what float64 draws of a count
	// above 1e24 (whose spacing is 1e8) can show.
	binomialNormal = 1e24
)

// binomialDraw draws Binomial(n, p), exactly at p = 0 and p = 1, and for n
// up to binomialDirect
// (gonum's sampler). Above it, it halves n by order statistics (Knuth,
// TAOCP vol. 2, 3.4.1): the a-th smallest of n uniforms, X, is
// Beta(a, n+1-a); when X >= p the successes are those of the a-1 trials
// below X, each a success with probability p/X; otherwise the a trials up
// to X succeed and the n-a above it succeed with probability
// (p-X)/(1-X). n = 1e300 takes about 1000 halvings; when the variance
// passes binomialNormal a rounded normal draw (clamped to [0, n]) ends
// it at once.
func binomialDraw(rng *rand.Rand, n, p float64) float64 {
	acc := 0.0
	for {
		switch {
		case n == 0 || !(p > 0):
			return acc
		case p >= 1:
			return acc + n
		case n*p*(1-p) > binomialNormal:
			x := math.Round(n*p + math.Sqrt(n*p*(1-p))*rng.NormFloat64())
			return acc + min(max(x, 0), n)
		case n <= binomialDirect:
			return acc + distuv.Binomial{N: n, P: p, Src: rng}.Rand()
		}
		a := math.Floor(n/2) + 1
		b := n + 1 - a
		x := distuv.Beta{Alpha: a, Beta: b, Src: rng}.Rand()
		if x >= p {
			n, p = a-1, p/x
		} else {
			acc += a
			n, p = b-1, (p-x)/(1-x)
		}
	}
}

// Support returns the integers 0, ..., n; High holds n per component
// (flattened over the batch when batched).
func (d Binomial) Support() Support { return countRange("Binomial", d.N, d.P) }

// String returns e.g. "Binomial(n=10, p=0.5)".
func (d Binomial) String() string { return familyString("Binomial", d.N, d.P) }

// Mean returns n p.
func (d Binomial) Mean() ([]float64, bool) {
	return perParam("Binomial", func(v []float64) (float64, bool) { return v[0] * v[1], true }, d.N, d.P)
}

// StdDev returns √(n p (1 - p)).
func (d Binomial) StdDev() ([]float64, bool) {
	return perParam("Binomial", func(v []float64) (float64, bool) { return math.Sqrt(v[0] * v[1] * (1 - v[1])), true }, d.N, d.P)
}

// Entropy returns the entropy, summed over components, by direct summation
// of -p(k) log p(k) over the k that carry mass (ok = false when that range
// is wider than a million).
func (d Binomial) Entropy() (float64, bool) {
	return seriesEntropy("Binomial", func(v []float64) (func(k float64) float64, float64, float64) {
		n, p := v[0], v[1]
		return func(k float64) float64 { return binomialLogPMF(k, n, p) }, n * p, math.Sqrt(n * p * (1 - p))
	}, d.N, d.P)
}

func binomialLogPMF(k, n, p float64) float64 {
	if k > n {
		return math.Inf(-1)
	}
	a, _ := math.Lgamma(n + 1)
	b, _ := math.Lgamma(k + 1)
	c, _ := math.Lgamma(n - k + 1)
	return a - b - c + xlogy(k, p) + xlogy(n-k, 1-p)
}

// xlogy returns x log y with 0 log 0 = 0.
func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

// seriesEntropy sums -p log p over the integers within 40 standard
// deviations (plus 40) of the mean, per component. f returns the log mass
// function, the mean and the standard deviation of a component.
func seriesEntropy(fam string, f func(v []float64) (func(k float64) float64, float64, float64), ps ...*tensor.Tensor) (float64, bool) {
	ok := true
	h, okSum := entropySum(fam, func(v []float64) float64 {
		lp, mu, sd := f(v)
		lo, hi := math.Max(0, math.Floor(mu-40*sd-40)), math.Ceil(mu+40*sd+40)
		if hi-lo > 1e6 {
			ok = false
			return 0
		}
		s := 0.0
		for k := lo; k <= hi; k++ {
			if l := lp(k); !math.IsInf(l, -1) {
				s -= math.Exp(l) * l
			}
		}
		return s
	}, ps...)
	return h, ok && okSum
}

// Poisson is the Poisson distribution with mass
//
//	rate^k e^(-rate) / k!,  k = 0, 1, 2, ...
type Poisson struct {
	Rate *tensor.Tensor
}

// NewPoisson returns a validated Poisson: rate must be non-negative.
func NewPoisson(rate *tensor.Tensor) (*Poisson, error) { return newFamily[*Poisson]("Poisson", rate) }

// Dim returns the number of components.
func (d Poisson) Dim() int { return paramDim("Poisson", d.Rate) }

// LogProb returns the log mass of each row of x.
func (d Poisson) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("Poisson", []func(float64) bool{notCount, notNonNeg}, x, d.Rate)
	k, rate := m.safe(x, 0), m.safe(d.Rate, 1)
	elem := tensor.Sub(mulZero(k, tensor.Log(rate)), tensor.Add(rate, tensor.LGamma(tensor.AddScalar(k, 1))))
	return m.finish(elem, nil)
}

// Sample returns n draws (gonum's Poisson sampler) as an [n, d] tensor.
func (d Poisson) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("Poisson", n, func(v []float64) float64 { return poissonDraw(rng, v[0]) }, d.Rate)
}

func poissonDraw(rng *rand.Rand, rate float64) float64 {
	if rate == 0 {
		return 0
	}
	return distuv.Poisson{Lambda: rate, Src: rng}.Rand()
}

// Support returns the non-negative integers.
func (d Poisson) Support() Support { return Support{Kind: NonNegIntegers} }

// String returns e.g. "Poisson(rate=3)".
func (d Poisson) String() string { return familyString("Poisson", d.Rate) }

// Mean returns rate.
func (d Poisson) Mean() ([]float64, bool) {
	return perParam("Poisson", func(v []float64) (float64, bool) { return v[0], true }, d.Rate)
}

// StdDev returns √rate.
func (d Poisson) StdDev() ([]float64, bool) {
	return perParam("Poisson", func(v []float64) (float64, bool) { return math.Sqrt(v[0]), true }, d.Rate)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass (ok = false for rates above
// about 1e9).
func (d Poisson) Entropy() (float64, bool) {
	return seriesEntropy("Poisson", func(v []float64) (func(k float64) float64, float64, float64) {
		r := v[0]
		return func(k float64) float64 {
			lg, _ := math.Lgamma(k + 1)
			return xlogy(k, r) - r - lg
		}, r, math.Sqrt(r)
	}, d.Rate)
}

// Categorical is the distribution on the indices 0, ..., K-1 with
// probabilities probs (a vector [K] or, inside models, a batch [B, K]).
// A draw is one index, so Dim is 1 and values are [n, 1].
type Categorical struct {
	Probs *tensor.Tensor
}

// NewCategorical returns a validated Categorical: probs must be a vector
// of non-negative numbers that sum to 1 within 1e-6.
func NewCategorical(probs *tensor.Tensor) (*Categorical, error) {
	return newFamily[*Categorical]("Categorical", probs)
}

// checkProbs checks that every row of a constant probability vector is
// non-negative and sums to 1 within simplexTol.
func checkProbs(fam, name string, probs *tensor.Tensor) error {
	k := probs.Dim(-1)
	data := probs.Data()
	for r := 0; r < len(data); r += k {
		row := data[r : r+k]
		for j, v := range row {
			if v < 0 {
				return fmt.Errorf("%s: %s must be non-negative and sum to 1 (%s[%d] is %s)", fam, name, name, j, tensor.FormatNumber(v))
			}
		}
		if s := floatsSum(row); !(math.Abs(s-1) <= simplexTol) {
			return fmt.Errorf("%s: %s must be non-negative and sum to 1 (sum is %s)", fam, name, fmtSum(s))
		}
	}
	return nil
}

// fmtSum formats a sum to 12 significant digits, so that 0.5 + 0.4 reads
// 0.9.
func fmtSum(s float64) string {
	v, err := strconv.ParseFloat(fmt.Sprintf("%.12g", s), 64)
	if err != nil {
		return tensor.FormatNumber(s)
	}
	return tensor.FormatNumber(v)
}

// Dim returns 1: a draw is one index.
func (d Categorical) Dim() int { return 1 }

// k returns the number of categories.
func (d Categorical) k() int { return d.Probs.Dim(-1) }

// LogProb returns log probs[x] for each row of x ([n, 1]); a value that is
// not an index in 0..K-1 has log mass -Inf, as have rows whose
// probabilities are negative or do not sum to 1 within 1e-6.
func (d Categorical) LogProb(x *tensor.Tensor) *tensor.Tensor {
	k := float64(d.k())
	m, x := newMasked("Categorical", func(v []float64) bool { return !isCount(v[0]) || v[0] >= k || !(v[1] >= 0) }, x, d.Probs)
	m.markOffSimplex(d.Probs)
	x, p := m.full(m.safe(x, 0)), m.full(m.safe(d.Probs, 1/k))
	hit := make([]bool, x.Len())
	for i, v := range x.Data() {
		hit[i] = int(v) == i%m.last
	}
	elem := tensor.Where(hit, tensor.Log(p), tensor.Zeros(m.shape...))
	return m.finish(elem, nil)
}

// Sample returns n draws as an [n, 1] tensor of indices.
func (d Categorical) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := d.k()
	rows := len(d.Probs.Data()) / k
	if rows != 1 && rows != n {
		panic(fmt.Sprintf("dist.Categorical: probs have a batch of %d rows, so a sample needs %d draws, not %d", rows, rows, n))
	}
	out := tensor.Zeros(n, 1)
	for i := range out.Data() {
		row := d.Probs.Data()[(i%rows)*k : (i%rows+1)*k]
		// Inverse CDF; the last category with positive mass absorbs rounding.
		u := rng.Float64() * floatsSum(row)
		j, acc := 0, row[0]
		for j < k-1 && u >= acc {
			j++
			acc += row[j]
		}
		for j > 0 && row[j] == 0 {
			j--
		}
		out.Data()[i] = float64(j)
	}
	return out
}

// Support returns the integers 0, ..., K-1.
func (d Categorical) Support() Support {
	return Support{Kind: IntegerInterval, Low: []float64{0}, High: []float64{float64(d.k() - 1)}}
}

// String returns e.g. "Categorical(probs=[0.2, 0.8])".
func (d Categorical) String() string { return familyString("Categorical", d.Probs) }

// Mean returns Σ k probs[k] (per batch row when batched).
func (d Categorical) Mean() ([]float64, bool) {
	return rowStats(d.Probs, func(p []float64) []float64 {
		m, _ := catMoments(p)
		return []float64{m}
	}), true
}

// StdDev returns the standard deviation of the index.
func (d Categorical) StdDev() ([]float64, bool) {
	return rowStats(d.Probs, func(p []float64) []float64 {
		_, s := catMoments(p)
		return []float64{s}
	}), true
}

func catMoments(p []float64) (mean, sd float64) {
	var m1, m2 float64
	for k, v := range p {
		m1 += float64(k) * v
		m2 += float64(k*k) * v
	}
	return m1, math.Sqrt(math.Max(m2-m1*m1, 0))
}

// Entropy returns -Σ probs[k] log probs[k].
func (d Categorical) Entropy() (float64, bool) {
	if d.Probs.Rank() != 1 {
		return 0, false
	}
	h := 0.0
	for _, v := range d.Probs.Data() {
		h -= xlogx(v)
	}
	return h, true
}

// NegativeBinomial is the negative binomial distribution in Stan's
// neg_binomial_2 parameterisation by its mean mu and dispersion phi, with
// mass
//
//	Γ(k+phi) / (k! Γ(phi)) (mu/(mu+phi))^k (phi/(mu+phi))^phi,  k = 0, 1, 2, ...
//
// and variance mu + mu²/phi. The fields are Mu and Phi because a field
// named Mean would clash with the Mean method; the language calls them
// mean and dispersion.
type NegativeBinomial struct {
	Mu, Phi *tensor.Tensor
}

// NewNegativeBinomial returns a validated NegativeBinomial: mean and
// dispersion must be positive.
func NewNegativeBinomial(mean, dispersion *tensor.Tensor) (*NegativeBinomial, error) {
	return newFamily[*NegativeBinomial]("NegativeBinomial", mean, dispersion)
}

// Dim returns the number of components.
func (d NegativeBinomial) Dim() int { return paramDim("NegativeBinomial", d.Mu, d.Phi) }

// LogProb returns the log mass of each row of x.
func (d NegativeBinomial) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("NegativeBinomial", []func(float64) bool{notCount, notNonNeg, notPositive}, x, d.Mu, d.Phi)
	k, mu, phi := m.safe(x, 0), m.safe(d.Mu, 1), m.safe(d.Phi, 1)
	return m.finish(negBinomialElem(k, mu, phi), nil)
}

// negBinomialElem returns the elementwise log mass of the counts k under
// neg_binomial_2(mu, phi), for valid arguments.
func negBinomialElem(k, mu, phi *tensor.Tensor) *tensor.Tensor {
	elem := tensor.Sub(tensor.LGamma(tensor.Add(k, phi)), tensor.Add(tensor.LGamma(tensor.AddScalar(k, 1)), tensor.LGamma(phi)))
	// phi log(phi/(mu+phi)) = -phi log1p(mu/phi), accurate for large phi.
	elem = tensor.Sub(elem, tensor.Mul(phi, tensor.Log1p(tensor.Div(mu, phi))))
	return tensor.Add(elem, tensor.Sub(mulZero(k, tensor.Log(mu)), tensor.Mul(k, tensor.Log(tensor.Add(mu, phi)))))
}

// Sample returns n draws as an [n, d] tensor, each a Poisson draw whose
// rate is a gamma draw with shape phi and rate phi/mu (gonum's samplers).
func (d NegativeBinomial) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("NegativeBinomial", n, func(v []float64) float64 {
		if v[0] == 0 {
			return 0
		}
		// The rate is Gamma(phi, rate phi/mu): a unit-rate draw times
		// mu/phi, written so that extreme parameters (phi/mu underflowing
		// to 0, mu/phi overflowing) do not fail. A rate of +Inf (mu and
		// phi at float64's ends) gives +Inf, as Poisson(inf) does.
		g := distuv.Gamma{Alpha: v[1], Beta: 1, Src: rng}.Rand()
		lambda := v[0] * (g / v[1])
		if math.IsNaN(lambda) {
			lambda = 0
		}
		return poissonDraw(rng, lambda)
	}, d.Mu, d.Phi)
}

// Support returns the non-negative integers.
func (d NegativeBinomial) Support() Support { return Support{Kind: NonNegIntegers} }

// String returns e.g. "NegativeBinomial(mean=3, dispersion=2)".
func (d NegativeBinomial) String() string { return familyString("NegativeBinomial", d.Mu, d.Phi) }

// Mean returns mu.
func (d NegativeBinomial) Mean() ([]float64, bool) {
	return perParam("NegativeBinomial", func(v []float64) (float64, bool) { return v[0], true }, d.Mu, d.Phi)
}

// StdDev returns √(mu + mu²/phi).
func (d NegativeBinomial) StdDev() ([]float64, bool) {
	return perParam("NegativeBinomial", func(v []float64) (float64, bool) { return math.Sqrt(v[0] + v[0]*v[0]/v[1]), true }, d.Mu, d.Phi)
}

// Entropy returns the entropy, summed over components, by summation of
// -p(k) log p(k) over the k that carry mass (ok = false when that range is
// wider than a million).
func (d NegativeBinomial) Entropy() (float64, bool) {
	return seriesEntropy("NegativeBinomial", func(v []float64) (func(k float64) float64, float64, float64) {
		mu, phi := v[0], v[1]
		return func(k float64) float64 {
			a, _ := math.Lgamma(k + phi)
			b, _ := math.Lgamma(k + 1)
			c, _ := math.Lgamma(phi)
			return a - b - c - phi*math.Log1p(mu/phi) + xlogy(k, mu) - k*math.Log(mu+phi)
		}, mu, math.Sqrt(mu + mu*mu/phi)
	}, d.Mu, d.Phi)
}
