package dist

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// The gamma family and its relatives. Their draws come from gonum's
// samplers and are not reparameterised: these types have no RSample, and
// no pathwise gradient flows from a draw to the parameters. LogProb is
// differentiable in the value and in the parameters.

// Gamma is the gamma distribution with density
//
//	rate^shape / Γ(shape) x^(shape-1) e^(-rate x),  x > 0.
//
// At x = 0 the density is rate when shape = 1, +Inf when shape < 1 and 0
// when shape > 1.
type Gamma struct {
	Shape, Rate *tensor.Tensor // names as in the language
}

// NewGamma returns a validated Gamma: shape and rate must be positive.
func NewGamma(shape, rate *tensor.Tensor) (*Gamma, error) {
	return newFamily[*Gamma]("Gamma", shape, rate)
}

// Dim returns the number of components.
func (d Gamma) Dim() int { return paramDim("Gamma", d.Shape, d.Rate) }

// LogProb returns the log density of each row of x; negative values have
// log density -Inf.
func (d Gamma) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("Gamma", []func(float64) bool{negative, notPositive, notPositive}, x, d.Shape, d.Rate)
	x, a, b := m.safe(x, 1), m.safe(d.Shape, 1), m.safe(d.Rate, 1)
	elem := tensor.Sub(tensor.Mul(a, tensor.Log(b)), tensor.LGamma(a))
	elem = tensor.Add(elem, mulZero(tensor.AddScalar(a, -1), tensor.Log(x)))
	elem = tensor.Sub(elem, tensor.Mul(b, x))
	return m.finish(elem, nil)
}

// Sample returns n draws (gonum's gamma sampler) as an [n, d] tensor.
func (d Gamma) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("Gamma", n, func(v []float64) float64 {
		return distuv.Gamma{Alpha: v[0], Beta: v[1], Src: rng}.Rand()
	}, d.Shape, d.Rate)
}

// Support returns the positive reals.
func (d Gamma) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "Gamma(shape=2, rate=1)".
func (d Gamma) String() string { return familyString("Gamma", d.Shape, d.Rate) }

// Mean returns shape/rate.
func (d Gamma) Mean() ([]float64, bool) {
	return perParam("Gamma", func(v []float64) (float64, bool) { return v[0] / v[1], true }, d.Shape, d.Rate)
}

// StdDev returns √shape/rate.
func (d Gamma) StdDev() ([]float64, bool) {
	return perParam("Gamma", func(v []float64) (float64, bool) { return math.Sqrt(v[0]) / v[1], true }, d.Shape, d.Rate)
}

// Entropy returns Σ shape - log rate + log Γ(shape) + (1 - shape) ψ(shape).
func (d Gamma) Entropy() (float64, bool) {
	return entropySum("Gamma", func(v []float64) float64 {
		lg, _ := math.Lgamma(v[0])
		return v[0] - math.Log(v[1]) + lg + (1-v[0])*digamma(v[0])
	}, d.Shape, d.Rate)
}

// InverseGamma is the distribution of 1/y for y ~ Gamma(shape, scale),
// with density
//
//	scale^shape / Γ(shape) x^(-shape-1) e^(-scale/x),  x > 0.
type InverseGamma struct {
	Shape, Scale *tensor.Tensor
}

// NewInverseGamma returns a validated InverseGamma: shape and scale must be
// positive.
func NewInverseGamma(shape, scale *tensor.Tensor) (*InverseGamma, error) {
	return newFamily[*InverseGamma]("InverseGamma", shape, scale)
}

// Dim returns the number of components.
func (d InverseGamma) Dim() int { return paramDim("InverseGamma", d.Shape, d.Scale) }

// LogProb returns the log density of each row of x; values ≤ 0 have log
// density -Inf.
func (d InverseGamma) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("InverseGamma", func(v []float64) bool { return !(v[0] > 0) || !(v[1] > 0) || !(v[2] > 0) }, x, d.Shape, d.Scale)
	x, a, b := m.safe(x, 1), m.safe(d.Shape, 1), m.safe(d.Scale, 1)
	elem := tensor.Sub(tensor.Mul(a, tensor.Log(b)), tensor.LGamma(a))
	elem = tensor.Sub(elem, tensor.Mul(tensor.AddScalar(a, 1), tensor.Log(x)))
	elem = tensor.Sub(elem, tensor.Div(b, x))
	return m.finish(elem, nil)
}

// Sample returns n draws (gonum's inverse gamma sampler) as an [n, d]
// tensor.
func (d InverseGamma) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("InverseGamma", n, func(v []float64) float64 {
		return distuv.InverseGamma{Alpha: v[0], Beta: v[1], Src: rng}.Rand()
	}, d.Shape, d.Scale)
}

// Support returns the positive reals.
func (d InverseGamma) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "InverseGamma(shape=3, scale=1)".
func (d InverseGamma) String() string { return familyString("InverseGamma", d.Shape, d.Scale) }

// Mean returns scale/(shape - 1); undefined (ok = false) when some shape ≤ 1.
func (d InverseGamma) Mean() ([]float64, bool) {
	return perParam("InverseGamma", func(v []float64) (float64, bool) { return v[1] / (v[0] - 1), v[0] > 1 }, d.Shape, d.Scale)
}

// StdDev returns scale/((shape - 1)√(shape - 2)); undefined (ok = false)
// when some shape ≤ 2.
func (d InverseGamma) StdDev() ([]float64, bool) {
	return perParam("InverseGamma", func(v []float64) (float64, bool) {
		return v[1] / ((v[0] - 1) * math.Sqrt(v[0]-2)), v[0] > 2
	}, d.Shape, d.Scale)
}

// Entropy returns Σ shape + log scale + log Γ(shape) - (1 + shape) ψ(shape).
func (d InverseGamma) Entropy() (float64, bool) {
	return entropySum("InverseGamma", func(v []float64) float64 {
		lg, _ := math.Lgamma(v[0])
		return v[0] + math.Log(v[1]) + lg - (1+v[0])*digamma(v[0])
	}, d.Shape, d.Scale)
}

// Beta is the beta distribution with density
//
//	x^(a-1) (1-x)^(b-1) / B(a, b),  0 ≤ x ≤ 1.
//
// At the end points the density follows the limits: at x = 0 it is b when
// a = 1, +Inf when a < 1 and 0 when a > 1 (and symmetrically at x = 1).
type Beta struct {
	A, B *tensor.Tensor
}

// NewBeta returns a validated Beta: a and b must be positive.
func NewBeta(a, b *tensor.Tensor) (*Beta, error) { return newFamily[*Beta]("Beta", a, b) }

// Dim returns the number of components.
func (d Beta) Dim() int { return paramDim("Beta", d.A, d.B) }

// LogProb returns the log density of each row of x; values outside [0, 1]
// have log density -Inf.
func (d Beta) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("Beta", []func(float64) bool{notUnit, notPositive, notPositive}, x, d.A, d.B)
	x, a, b := m.safe(x, 0.5), m.safe(d.A, 1), m.safe(d.B, 1)
	elem := tensor.Add(mulZero(tensor.AddScalar(a, -1), tensor.Log(x)), mulZero(tensor.AddScalar(b, -1), tensor.Log1p(tensor.Neg(x))))
	lbeta := tensor.Sub(tensor.Add(tensor.LGamma(a), tensor.LGamma(b)), tensor.LGamma(tensor.Add(a, b)))
	return m.finish(tensor.Sub(elem, lbeta), nil)
}

// Sample returns n draws as an [n, d] tensor: ga/(ga + gb) for gamma draws
// from gonum's sampler, combined in log space so that small a and b do not
// give 0/0.
func (d Beta) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return draws("Beta", n, func(v []float64) float64 {
		la, lb := logGammaDraw(rng, v[0]), logGammaDraw(rng, v[1])
		return 1 / (1 + math.Exp(lb-la))
	}, d.A, d.B)
}

// logGammaDraw returns the log of a Gamma(a, 1) draw. For a < 1 it uses
// Gamma(a) = Gamma(a+1)·U^(1/a), whose log does not underflow.
func logGammaDraw(rng *rand.Rand, a float64) float64 {
	if a >= 1 {
		return math.Log(distuv.Gamma{Alpha: a, Beta: 1, Src: rng}.Rand())
	}
	g := distuv.Gamma{Alpha: a + 1, Beta: 1, Src: rng}.Rand()
	return math.Log(g) + math.Log(1-rng.Float64())/a
}

// Support returns the unit interval.
func (d Beta) Support() Support { return Support{Kind: UnitInterval} }

// String returns e.g. "Beta(a=2, b=2)".
func (d Beta) String() string { return familyString("Beta", d.A, d.B) }

// Mean returns a/(a + b).
func (d Beta) Mean() ([]float64, bool) {
	return perParam("Beta", func(v []float64) (float64, bool) { return v[0] / (v[0] + v[1]), true }, d.A, d.B)
}

// StdDev returns √(ab/((a + b)²(a + b + 1))).
func (d Beta) StdDev() ([]float64, bool) {
	return perParam("Beta", func(v []float64) (float64, bool) {
		s := v[0] + v[1]
		return math.Sqrt(v[0] * v[1] / (s * s * (s + 1))), true
	}, d.A, d.B)
}

// Entropy returns Σ log B(a, b) - (a-1)ψ(a) - (b-1)ψ(b) + (a+b-2)ψ(a+b).
func (d Beta) Entropy() (float64, bool) {
	return entropySum("Beta", func(v []float64) float64 {
		a, b := v[0], v[1]
		return mathext.Lbeta(a, b) - (a-1)*digamma(a) - (b-1)*digamma(b) + (a+b-2)*digamma(a+b)
	}, d.A, d.B)
}

// Dirichlet is the Dirichlet distribution over the probability simplex of
// dimension K = len(alpha), with density
//
//	Γ(Σ alpha) / Π Γ(alpha_k) · Π x_k^(alpha_k - 1),  x_k ≥ 0, Σ x_k = 1.
//
// Alpha is a vector [K] or, inside models, a batch [B, K]. A value is on
// the simplex when its components are in [0, 1] and sum to 1 within 1e-6.
type Dirichlet struct {
	Alpha *tensor.Tensor
}

// simplexTol is how far from 1 the components of a simplex value, and
// Categorical probabilities, may sum.
const simplexTol = 1e-6

// NewDirichlet returns a validated Dirichlet: alpha must be a vector of
// positive numbers.
func NewDirichlet(alpha *tensor.Tensor) (*Dirichlet, error) {
	return newFamily[*Dirichlet]("Dirichlet", alpha)
}

// Dim returns K.
func (d Dirichlet) Dim() int { return d.Alpha.Dim(-1) }

// LogProb returns the log density of each row of x ([n, K]); rows off the
// simplex have log density -Inf.
func (d Dirichlet) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("Dirichlet", func(v []float64) bool { return v[0] < 0 || v[0] > 1 || !(v[1] > 0) }, x, d.Alpha)
	m.markOffSimplex(x)
	x, a := m.safe(x, 1/float64(m.last)), m.safe(d.Alpha, 1)
	elem := mulZero(tensor.AddScalar(a, -1), tensor.Log(x))
	norm := tensor.Sub(tensor.LGamma(tensor.SumAxis(a, -1)), tensor.SumAxis(tensor.LGamma(a), -1))
	return m.finish(elem, norm)
}

// Sample returns n draws as an [n, K] tensor: gamma draws from gonum's
// sampler normalised to sum to 1, in log space so that small alpha does not
// give 0/0.
func (d Dirichlet) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	shape := drawShape("Dirichlet", n, d.Alpha)
	k := shape[1]
	out := draws("Dirichlet", n, func(v []float64) float64 { return logGammaDraw(rng, v[0]) }, d.Alpha)
	od := out.Data()
	for r := 0; r < n; r++ {
		row := od[r*k : (r+1)*k]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		s := 0.0
		for j, v := range row {
			row[j] = math.Exp(v - mx)
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
	}
	return out
}

// Support returns the simplex.
func (d Dirichlet) Support() Support { return Support{Kind: Simplex} }

// String returns e.g. "Dirichlet(alpha=[1, 1, 1])".
func (d Dirichlet) String() string { return familyString("Dirichlet", d.Alpha) }

// rowStats applies f to every row of alpha (its last axis) and concatenates
// the results.
func rowStats(t *tensor.Tensor, f func(row []float64) []float64) []float64 {
	data, k := t.Data(), t.Dim(-1)
	var out []float64
	for r := 0; r+k <= len(data); r += k {
		out = append(out, f(data[r:r+k])...)
	}
	return out
}

// Mean returns alpha/Σ alpha.
func (d Dirichlet) Mean() ([]float64, bool) {
	return rowStats(d.Alpha, func(a []float64) []float64 {
		s := floatsSum(a)
		out := make([]float64, len(a))
		for j, v := range a {
			out[j] = v / s
		}
		return out
	}), true
}

// StdDev returns √(m(1 - m)/(Σ alpha + 1)) with m = alpha/Σ alpha.
func (d Dirichlet) StdDev() ([]float64, bool) {
	return rowStats(d.Alpha, func(a []float64) []float64 {
		s := floatsSum(a)
		out := make([]float64, len(a))
		for j, v := range a {
			m := v / s
			out[j] = math.Sqrt(m * (1 - m) / (s + 1))
		}
		return out
	}), true
}

// Entropy returns log B(alpha) + (α₀ - K)ψ(α₀) - Σ (alpha_k - 1)ψ(alpha_k),
// α₀ = Σ alpha.
func (d Dirichlet) Entropy() (float64, bool) {
	if d.Alpha.Rank() != 1 {
		return 0, false
	}
	a := d.Alpha.Data()
	a0 := floatsSum(a)
	lg0, _ := math.Lgamma(a0)
	h := -lg0 + (a0-float64(len(a)))*digamma(a0)
	for _, v := range a {
		lg, _ := math.Lgamma(v)
		h += lg - (v-1)*digamma(v)
	}
	return h, true
}

func floatsSum(s []float64) float64 {
	t := 0.0
	for _, v := range s {
		t += v
	}
	return t
}
