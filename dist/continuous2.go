package dist

import (
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// Weibull, Logistic, Gumbel and SkewNormal: more continuous families, with
// the parameter conventions of continuous.go (numbers, vectors, or [B, d]
// batches inside models; invalid values give log density -Inf).

// eulerGamma is the Euler–Mascheroni constant γ.
const eulerGamma = 0.57721566490153286060651209008240243

// Weibull is the Weibull distribution (Stan's weibull(alpha, sigma)) with
// density
//
//	(shape/scale) (x/scale)^(shape-1) exp(-(x/scale)^shape),  x ≥ 0.
//
// At x = 0 the density is 1/scale when shape = 1, +Inf when shape < 1 and 0
// when shape > 1.
type Weibull struct {
	Shape, Scale *tensor.Tensor
}

// NewWeibull returns a validated Weibull: shape and scale must be positive.
func NewWeibull(shape, scale *tensor.Tensor) (*Weibull, error) {
	return newFamily[*Weibull]("Weibull", shape, scale)
}

// Dim returns the number of components.
func (d Weibull) Dim() int { return paramDim("Weibull", d.Shape, d.Scale) }

// LogProb returns the log density of each row of x; negative values have
// log density -Inf.
func (d Weibull) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("Weibull", []func(float64) bool{negative, notPositive, notPositive}, x, d.Shape, d.Scale)
	x, k, s := m.safe(x, 1), m.safe(d.Shape, 1), m.safe(d.Scale, 1)
	u := tensor.Div(x, s)
	elem := tensor.Sub(tensor.Log(k), tensor.Log(s))
	elem = tensor.Add(elem, mulZero(tensor.AddScalar(k, -1), tensor.Log(u)))
	elem = tensor.Sub(elem, tensor.Pow(u, k))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Weibull) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Weibull", rng, n, d.Shape, d.Scale)
}

// RSample returns n draws scale·e^(1/shape) with e standard exponential
// noise, tracked when the parameters are.
func (d Weibull) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	e := draws("Weibull", n, func([]float64) float64 { return rng.ExpFloat64() }, d.Shape, d.Scale)
	return tensor.Mul(d.Scale, tensor.Pow(e, tensor.Div(tensor.Scalar(1), d.Shape)))
}

// Support returns the positive reals (0 included).
func (d Weibull) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "Weibull(shape=2, scale=1)".
func (d Weibull) String() string { return familyString("Weibull", d.Shape, d.Scale) }

// Mean returns scale·Γ(1 + 1/shape).
func (d Weibull) Mean() ([]float64, bool) {
	return perParam("Weibull", func(v []float64) (float64, bool) { return v[1] * math.Gamma(1+1/v[0]), true }, d.Shape, d.Scale)
}

// StdDev returns scale·√(Γ(1 + 2/shape) - Γ(1 + 1/shape)²), computed as
// scale·Γ(1 + 1/shape)·√expm1(log Γ(1 + 2/shape) - 2 log Γ(1 + 1/shape)),
// which does not cancel for large shapes.
func (d Weibull) StdDev() ([]float64, bool) {
	return perParam("Weibull", func(v []float64) (float64, bool) {
		l1, l2 := lgam(1+1/v[0]), lgam(1+2/v[0])
		return v[1] * math.Exp(l1) * math.Sqrt(math.Max(math.Expm1(l2-2*l1), 0)), true
	}, d.Shape, d.Scale)
}

// Entropy returns Σ γ(1 - 1/shape) + log(scale/shape) + 1.
func (d Weibull) Entropy() (float64, bool) {
	return entropySum("Weibull", func(v []float64) float64 {
		return eulerGamma*(1-1/v[0]) + math.Log(v[1]/v[0]) + 1
	}, d.Shape, d.Scale)
}

// Logistic is the logistic distribution with density
//
//	e^(-z) / (scale (1 + e^(-z))²),  z = (x - loc)/scale.
type Logistic struct {
	Loc, Scale *tensor.Tensor
}

// NewLogistic returns a validated Logistic: scale must be positive.
func NewLogistic(loc, scale *tensor.Tensor) (*Logistic, error) {
	return newFamily[*Logistic]("Logistic", loc, scale)
}

// Dim returns the number of components.
func (d Logistic) Dim() int { return paramDim("Logistic", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x: log σ(z) + log σ(-z) -
// log scale, which neither overflows nor cancels in the tails.
func (d Logistic) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return locScaleLogProb("Logistic", x, d.Loc, d.Scale, func(z, scale *tensor.Tensor) *tensor.Tensor {
		return tensor.Sub(logSigmoidDeriv(z), tensor.Log(scale))
	})
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Logistic) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Logistic", rng, n, d.Loc, d.Scale)
}

// RSample returns n draws loc + scale·log(u/(1-u)) with u uniform noise.
func (d Logistic) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("Logistic", n, func([]float64) float64 { return logit(openUniform(rng)) }, d.Loc, d.Scale)
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, t))
}

// openUniform returns a uniform draw on (0, 1), never 0.
func openUniform(rng *rand.Rand) float64 {
	for {
		if u := rng.Float64(); u > 0 {
			return u
		}
	}
}

// Support returns the real line.
func (d Logistic) Support() Support { return Support{Kind: Real} }

// String returns e.g. "Logistic(loc=0, scale=1)".
func (d Logistic) String() string { return familyString("Logistic", d.Loc, d.Scale) }

// Mean returns loc.
func (d Logistic) Mean() ([]float64, bool) {
	return perParam("Logistic", func(v []float64) (float64, bool) { return v[0], true }, d.Loc, d.Scale)
}

// StdDev returns scale·π/√3.
func (d Logistic) StdDev() ([]float64, bool) {
	return perParam("Logistic", func(v []float64) (float64, bool) { return v[1] * math.Pi / math.Sqrt(3), true }, d.Loc, d.Scale)
}

// Entropy returns Σ log scale + 2.
func (d Logistic) Entropy() (float64, bool) {
	return entropySum("Logistic", func(v []float64) float64 { return math.Log(v[0]) + 2 }, d.Scale)
}

// Gumbel is the Gumbel (type I extreme value) distribution with density
//
//	exp(-z - e^(-z)) / scale,  z = (x - loc)/scale.
type Gumbel struct {
	Loc, Scale *tensor.Tensor
}

// NewGumbel returns a validated Gumbel: scale must be positive.
func NewGumbel(loc, scale *tensor.Tensor) (*Gumbel, error) {
	return newFamily[*Gumbel]("Gumbel", loc, scale)
}

// Dim returns the number of components.
func (d Gumbel) Dim() int { return paramDim("Gumbel", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x.
func (d Gumbel) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return locScaleLogProb("Gumbel", x, d.Loc, d.Scale, func(z, scale *tensor.Tensor) *tensor.Tensor {
		return tensor.Neg(tensor.Add(tensor.Add(z, tensor.Exp(tensor.Neg(z))), tensor.Log(scale)))
	})
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Gumbel) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Gumbel", rng, n, d.Loc, d.Scale)
}

// RSample returns n draws loc - scale·log e with e standard exponential
// noise.
func (d Gumbel) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("Gumbel", n, func([]float64) float64 {
		for {
			if e := rng.ExpFloat64(); e > 0 {
				return -math.Log(e)
			}
		}
	}, d.Loc, d.Scale)
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, t))
}

// Support returns the real line.
func (d Gumbel) Support() Support { return Support{Kind: Real} }

// String returns e.g. "Gumbel(loc=0, scale=1)".
func (d Gumbel) String() string { return familyString("Gumbel", d.Loc, d.Scale) }

// Mean returns loc + γ·scale (γ the Euler–Mascheroni constant).
func (d Gumbel) Mean() ([]float64, bool) {
	return perParam("Gumbel", func(v []float64) (float64, bool) { return v[0] + eulerGamma*v[1], true }, d.Loc, d.Scale)
}

// StdDev returns scale·π/√6.
func (d Gumbel) StdDev() ([]float64, bool) {
	return perParam("Gumbel", func(v []float64) (float64, bool) { return v[1] * math.Pi / math.Sqrt(6), true }, d.Loc, d.Scale)
}

// Entropy returns Σ log scale + γ + 1.
func (d Gumbel) Entropy() (float64, bool) {
	return entropySum("Gumbel", func(v []float64) float64 { return math.Log(v[0]) + eulerGamma + 1 }, d.Scale)
}

// SkewNormal is the skew normal distribution (Stan's skew_normal(xi,
// omega, alpha)) with density
//
//	2/scale φ(z) Φ(alpha z),  z = (x - loc)/scale,
//
// φ and Φ the standard normal density and distribution function. Alpha = 0
// is Normal(loc, scale). It has no closed-form entropy.
type SkewNormal struct {
	Loc, Scale, Alpha *tensor.Tensor
}

// NewSkewNormal returns a validated SkewNormal: scale must be positive.
func NewSkewNormal(loc, scale, alpha *tensor.Tensor) (*SkewNormal, error) {
	return newFamily[*SkewNormal]("SkewNormal", loc, scale, alpha)
}

// Dim returns the number of components.
func (d SkewNormal) Dim() int { return paramDim("SkewNormal", d.Loc, d.Scale, d.Alpha) }

// LogProb returns the log density of each row of x; log Φ is computed in
// log space, so it stays finite and accurate far in the tails.
func (d SkewNormal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("SkewNormal", func(v []float64) bool { return !(v[2] > 0) || math.IsInf(v[3], 0) }, x, d.Loc, d.Scale, d.Alpha)
	x, loc, scale, alpha := m.safe(x, 0), m.safe(d.Loc, 0), m.safe(d.Scale, 1), m.safe(d.Alpha, 0)
	z := tensor.Div(tensor.Sub(x, loc), scale)
	elem := tensor.Sub(tensor.AddScalar(tensor.Scale(tensor.Square(z), -0.5), math.Ln2-logSqrt2Pi), tensor.Log(scale))
	elem = tensor.Add(elem, logNormCDF(tensor.Mul(alpha, z)))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d SkewNormal) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("SkewNormal", rng, n, d.Loc, d.Scale, d.Alpha)
}

// RSample returns n draws loc + scale·(δ|u| + w/√(1+alpha²)) with δ =
// alpha/√(1+alpha²) and u, w independent standard normal noise; gradients
// flow to all three parameters.
func (d SkewNormal) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	u := draws("SkewNormal", n, func([]float64) float64 { return math.Abs(rng.NormFloat64()) }, d.Loc, d.Scale, d.Alpha)
	w := draws("SkewNormal", n, func([]float64) float64 { return rng.NormFloat64() }, d.Loc, d.Scale, d.Alpha)
	inv := tensor.PowScalar(tensor.AddScalar(tensor.Square(d.Alpha), 1), -0.5) // 1/√(1+α²)
	z := tensor.Mul(inv, tensor.Add(tensor.Mul(d.Alpha, u), w))
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, z))
}

// Support returns the real line.
func (d SkewNormal) Support() Support { return Support{Kind: Real} }

// String returns e.g. "SkewNormal(loc=0, scale=1, alpha=2)".
func (d SkewNormal) String() string { return familyString("SkewNormal", d.Loc, d.Scale, d.Alpha) }

// skewDelta returns δ = alpha/√(1+alpha²).
func skewDelta(a float64) float64 { return a / math.Sqrt(1+a*a) }

// Mean returns loc + scale·δ·√(2/π), δ = alpha/√(1+alpha²).
func (d SkewNormal) Mean() ([]float64, bool) {
	return perParam("SkewNormal", func(v []float64) (float64, bool) {
		return v[0] + v[1]*skewDelta(v[2])*math.Sqrt(2/math.Pi), true
	}, d.Loc, d.Scale, d.Alpha)
}

// StdDev returns scale·√(1 - 2δ²/π).
func (d SkewNormal) StdDev() ([]float64, bool) {
	return perParam("SkewNormal", func(v []float64) (float64, bool) {
		dl := skewDelta(v[2])
		return v[1] * math.Sqrt(1-2*dl*dl/math.Pi), true
	}, d.Loc, d.Scale, d.Alpha)
}
