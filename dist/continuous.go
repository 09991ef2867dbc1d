package dist

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// The location-scale families and their relatives. Each parameter tensor
// is a number (shape []), a vector ([d]: d independent components) or,
// inside a model, a batch ([B, d]: row i parameterises draw i); parameters
// broadcast against each other and against the value in LogProb, which
// sums over the last axis. The struct literals do not validate: an invalid
// parameter value gives its row log density -Inf. The New functions
// validate and broadcast the parameters to a common shape.

var (
	logSqrt2Pi = 0.5 * math.Log(2*math.Pi)
	logPi      = math.Log(math.Pi)
)

// Normal is the normal distribution with density
//
//	exp(-(x-loc)²/(2 scale²)) / (scale √(2π)),  x real.
type Normal struct {
	Loc, Scale *tensor.Tensor
}

// NewNormal returns a validated Normal: scale must be positive.
func NewNormal(loc, scale *tensor.Tensor) (*Normal, error) {
	return newFamily[*Normal]("Normal", loc, scale)
}

// Dim returns the number of components.
func (d Normal) Dim() int { return paramDim("Normal", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x.
func (d Normal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	var m *masked
	if rowsUnmasked(x, d.Loc, d.Scale) {
		// The common case (a batch of rows, vector parameters, nothing
		// to mask) without the per-element walk of newMasked; the
		// arithmetic below is the same.
		m = unmaskedRows(x)
		if isStandard(d.Loc, d.Scale) {
			// Loc 0 and scale 1 (a flow's usual base): x − 0, z/1 and
			// − log 1 below would change nothing, values or gradients.
			return m.finish(tensor.AddScalar(tensor.Scale(tensor.Square(x), -0.5), -logSqrt2Pi), nil)
		}
	} else {
		m, x = newMaskedEach("Normal", []func(float64) bool{nil, nil, notPositive}, x, d.Loc, d.Scale)
	}
	x, loc, scale := m.safe(x, 0), m.safe(d.Loc, 0), m.safe(d.Scale, 1)
	if m.mask == nil && len(m.shape) == 2 && x.Rank() <= 2 && loc.Rank() <= 2 && scale.Rank() <= 2 {
		// The operations below fused (the same values, bit for bit),
		// without their [B, n] intermediates.
		return m.finishRows(tensor.NormalLogPDFRows(x, loc, scale), nil)
	}
	z := tensor.Div(tensor.Sub(x, loc), scale)
	elem := tensor.Sub(tensor.AddScalar(tensor.Scale(tensor.Square(z), -0.5), -logSqrt2Pi), tensor.Log(scale))
	return m.finish(elem, nil)
}

// isStandard reports whether loc is all 0 and scale all 1, neither
// recorded on a tape.
func isStandard(loc, scale *tensor.Tensor) bool {
	if loc.Tracked() || scale.Tracked() {
		return false
	}
	for _, v := range loc.Data() {
		if v != 0 {
			return false
		}
	}
	for _, v := range scale.Data() {
		if v != 1 {
			return false
		}
	}
	return true
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Normal) Sample(rng *rand.Rand, n int) *tensor.Tensor { return d.SampleOn(nil, rng, n) }

// SampleOn is Sample with the result a scratch tensor of tp (see
// ScratchSampler); a nil tp gives Sample.
func (d Normal) SampleOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor {
	if d.Loc.Rank() > 1 || d.Scale.Rank() > 1 {
		p := detach(d.Loc, d.Scale)
		return Normal{p[0], p[1]}.RSampleOn(tp, rng, n)
	}
	// Vector parameters: RSample's draws and arithmetic (loc + scale·z,
	// rounded as there) in one pass over the result.
	x := tp.Zeros(drawShape("Normal", n, d.Loc, d.Scale)...)
	xd, dim := x.Data(), x.Dim(1)
	loc, scale := d.Loc.Data(), d.Scale.Data()
	sl, ss := min(len(loc)-1, 1), min(len(scale)-1, 1) // strides: 0 for a number
	for r := 0; r < n; r++ {
		row := xd[r*dim : (r+1)*dim]
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		for j, z := range row {
			row[j] = float64(z*scale[j*ss]) + loc[j*sl]
		}
	}
	return x
}

// RSample returns n draws loc + scale·z with z standard normal noise,
// tracked when the parameters are.
func (d Normal) RSample(rng *rand.Rand, n int) *tensor.Tensor { return d.RSampleOn(nil, rng, n) }

// RSampleOn is RSample with the noise, and the draws unless the parameters
// are tracked, scratch tensors of tp (see ScratchSampler); a nil tp gives
// RSample.
func (d Normal) RSampleOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor {
	z := tp.Zeros(drawShape("Normal", n, d.Loc, d.Scale)...)
	for i, zd := 0, z.Data(); i < len(zd); i++ { // row-major, as draws
		zd[i] = rng.NormFloat64()
	}
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, z))
}

// Support returns the real line.
func (d Normal) Support() Support { return Support{Kind: Real} }

// String returns e.g. "Normal(loc=0, scale=1)".
func (d Normal) String() string { return familyString("Normal", d.Loc, d.Scale) }

// Mean returns loc.
func (d Normal) Mean() ([]float64, bool) {
	return perParam("Normal", func(v []float64) (float64, bool) { return v[0], true }, d.Loc, d.Scale)
}

// StdDev returns scale.
func (d Normal) StdDev() ([]float64, bool) {
	return perParam("Normal", func(v []float64) (float64, bool) { return v[1], true }, d.Loc, d.Scale)
}

// Entropy returns Σ ½ log(2πe scale²).
func (d Normal) Entropy() (float64, bool) {
	return entropySum("Normal", func(v []float64) float64 { return 0.5 + logSqrt2Pi + math.Log(v[0]) }, d.Scale)
}

// HalfNormal is the normal distribution with location 0 folded onto the
// non-negative reals, with density
//
//	√2 exp(-x²/(2 scale²)) / (scale √π),  x ≥ 0.
type HalfNormal struct {
	Scale *tensor.Tensor
}

// NewHalfNormal returns a validated HalfNormal: scale must be positive.
func NewHalfNormal(scale *tensor.Tensor) (*HalfNormal, error) {
	return newFamily[*HalfNormal]("HalfNormal", scale)
}

// Dim returns the number of components.
func (d HalfNormal) Dim() int { return paramDim("HalfNormal", d.Scale) }

// LogProb returns the log density of each row of x; negative values have
// log density -Inf.
func (d HalfNormal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("HalfNormal", []func(float64) bool{negative, notPositive}, x, d.Scale)
	x, scale := m.safe(x, 0), m.safe(d.Scale, 1)
	z := tensor.Div(x, scale)
	elem := tensor.Sub(tensor.AddScalar(tensor.Scale(tensor.Square(z), -0.5), 0.5*math.Log(2/math.Pi)), tensor.Log(scale))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d HalfNormal) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("HalfNormal", rng, n, d.Scale)
}

// RSample returns n draws scale·|z| with z standard normal noise.
func (d HalfNormal) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	z := draws("HalfNormal", n, func([]float64) float64 { return math.Abs(rng.NormFloat64()) }, d.Scale)
	return tensor.Mul(d.Scale, z)
}

// Support returns the positive reals (0 included).
func (d HalfNormal) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "HalfNormal(scale=1)".
func (d HalfNormal) String() string { return familyString("HalfNormal", d.Scale) }

// Mean returns scale·√(2/π).
func (d HalfNormal) Mean() ([]float64, bool) {
	return perParam("HalfNormal", func(v []float64) (float64, bool) { return v[0] * math.Sqrt(2/math.Pi), true }, d.Scale)
}

// StdDev returns scale·√(1 - 2/π).
func (d HalfNormal) StdDev() ([]float64, bool) {
	return perParam("HalfNormal", func(v []float64) (float64, bool) { return v[0] * math.Sqrt(1-2/math.Pi), true }, d.Scale)
}

// Entropy returns Σ ½ log(π scale²/2) + ½.
func (d HalfNormal) Entropy() (float64, bool) {
	return entropySum("HalfNormal", func(v []float64) float64 { return 0.5*math.Log(math.Pi/2) + math.Log(v[0]) + 0.5 }, d.Scale)
}

// LogNormal is the distribution of exp(y) for y ~ Normal(loc, scale), with
// density
//
//	exp(-(log x - loc)²/(2 scale²)) / (x scale √(2π)),  x > 0.
type LogNormal struct {
	Loc, Scale *tensor.Tensor
}

// NewLogNormal returns a validated LogNormal: scale must be positive.
func NewLogNormal(loc, scale *tensor.Tensor) (*LogNormal, error) {
	return newFamily[*LogNormal]("LogNormal", loc, scale)
}

// Dim returns the number of components.
func (d LogNormal) Dim() int { return paramDim("LogNormal", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x; values ≤ 0 have log
// density -Inf.
func (d LogNormal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("LogNormal", []func(float64) bool{notPositive, nil, notPositive}, x, d.Loc, d.Scale)
	x, loc, scale := m.safe(x, 1), m.safe(d.Loc, 0), m.safe(d.Scale, 1)
	lx := tensor.Log(x)
	z := tensor.Div(tensor.Sub(lx, loc), scale)
	elem := tensor.Sub(tensor.AddScalar(tensor.Scale(tensor.Square(z), -0.5), -logSqrt2Pi), tensor.Add(tensor.Log(scale), lx))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d LogNormal) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("LogNormal", rng, n, d.Loc, d.Scale)
}

// RSample returns n draws exp(loc + scale·z) with z standard normal noise.
func (d LogNormal) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	z := draws("LogNormal", n, func([]float64) float64 { return rng.NormFloat64() }, d.Loc, d.Scale)
	return tensor.Exp(tensor.Add(d.Loc, tensor.Mul(d.Scale, z)))
}

// Support returns the positive reals.
func (d LogNormal) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "LogNormal(loc=0, scale=1)".
func (d LogNormal) String() string { return familyString("LogNormal", d.Loc, d.Scale) }

// Mean returns exp(loc + scale²/2).
func (d LogNormal) Mean() ([]float64, bool) {
	return perParam("LogNormal", func(v []float64) (float64, bool) { return math.Exp(v[0] + v[1]*v[1]/2), true }, d.Loc, d.Scale)
}

// StdDev returns √((exp(scale²) - 1) exp(2 loc + scale²)).
func (d LogNormal) StdDev() ([]float64, bool) {
	return perParam("LogNormal", func(v []float64) (float64, bool) {
		s2 := v[1] * v[1]
		return math.Sqrt(math.Expm1(s2)) * math.Exp(v[0]+s2/2), true
	}, d.Loc, d.Scale)
}

// Entropy returns Σ loc + ½ + log(scale √(2π)).
func (d LogNormal) Entropy() (float64, bool) {
	return entropySum("LogNormal", func(v []float64) float64 { return v[0] + 0.5 + logSqrt2Pi + math.Log(v[1]) }, d.Loc, d.Scale)
}

// StudentT is Student's t distribution with df degrees of freedom, shifted
// by loc and scaled by scale, with density
//
//	Γ((df+1)/2) / (Γ(df/2) √(df π) scale) (1 + z²/df)^(-(df+1)/2),  z = (x - loc)/scale.
//
// RSample is pathwise in loc and scale only: a draw is loc + scale·z·√(df/c)
// with z standard normal and c ~ χ²(df) sampled, so no gradient flows to df.
type StudentT struct {
	DF, Loc, Scale *tensor.Tensor
}

// NewStudentT returns a validated StudentT: df and scale must be positive.
func NewStudentT(df, loc, scale *tensor.Tensor) (*StudentT, error) {
	return newFamily[*StudentT]("StudentT", df, loc, scale)
}

// Dim returns the number of components.
func (d StudentT) Dim() int { return paramDim("StudentT", d.DF, d.Loc, d.Scale) }

// LogProb returns the log density of each row of x.
func (d StudentT) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("StudentT", []func(float64) bool{nil, notPositive, nil, notPositive}, x, d.DF, d.Loc, d.Scale)
	x, df, loc, scale := m.safe(x, 0), m.safe(d.DF, 1), m.safe(d.Loc, 0), m.safe(d.Scale, 1)
	z := tensor.Div(tensor.Sub(x, loc), scale)
	half := tensor.Scale(tensor.AddScalar(df, 1), 0.5) // (df+1)/2
	norm := tensor.Sub(tensor.LGamma(half), tensor.LGamma(tensor.Scale(df, 0.5)))
	norm = tensor.Sub(norm, tensor.Add(tensor.Scale(tensor.Log(df), 0.5), tensor.Log(scale)))
	kernel := tensor.Mul(half, tensor.Log1p(tensor.Div(tensor.Square(z), df)))
	elem := tensor.AddScalar(tensor.Sub(norm, kernel), -0.5*logPi)
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d StudentT) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("StudentT", rng, n, d.DF, d.Loc, d.Scale)
}

// RSample returns n draws loc + scale·t with t = z·√(df/c) drawn by gonum's
// Student's t sampler; gradients flow to loc and scale but not to df.
func (d StudentT) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("StudentT", n, func(v []float64) float64 {
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: v[0], Src: rng}.Rand()
	}, d.DF, d.Loc, d.Scale)
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, t))
}

// Support returns the real line.
func (d StudentT) Support() Support { return Support{Kind: Real} }

// String returns e.g. "StudentT(df=3, loc=0, scale=1)".
func (d StudentT) String() string { return familyString("StudentT", d.DF, d.Loc, d.Scale) }

// Mean returns loc; it is undefined (ok = false) when some df ≤ 1.
func (d StudentT) Mean() ([]float64, bool) {
	return perParam("StudentT", func(v []float64) (float64, bool) { return v[1], v[0] > 1 }, d.DF, d.Loc, d.Scale)
}

// StdDev returns scale·√(df/(df-2)); it is undefined (ok = false) when
// some df ≤ 2.
func (d StudentT) StdDev() ([]float64, bool) {
	return perParam("StudentT", func(v []float64) (float64, bool) {
		return v[2] * math.Sqrt(v[0]/(v[0]-2)), v[0] > 2
	}, d.DF, d.Loc, d.Scale)
}

// Entropy returns Σ (df+1)/2 (ψ((df+1)/2) - ψ(df/2)) + log(√df B(df/2, ½) scale).
func (d StudentT) Entropy() (float64, bool) {
	return entropySum("StudentT", func(v []float64) float64 {
		nu := v[0]
		return (nu+1)/2*(digamma((nu+1)/2)-digamma(nu/2)) +
			0.5*math.Log(nu) + mathext.Lbeta(nu/2, 0.5) + math.Log(v[1])
	}, d.DF, d.Scale)
}

// Cauchy is the Cauchy distribution with density
//
//	1 / (π scale (1 + z²)),  z = (x - loc)/scale.
//
// It has no mean or standard deviation.
type Cauchy struct {
	Loc, Scale *tensor.Tensor
}

// NewCauchy returns a validated Cauchy: scale must be positive.
func NewCauchy(loc, scale *tensor.Tensor) (*Cauchy, error) {
	return newFamily[*Cauchy]("Cauchy", loc, scale)
}

// Dim returns the number of components.
func (d Cauchy) Dim() int { return paramDim("Cauchy", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x.
func (d Cauchy) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return locScaleLogProb("Cauchy", x, d.Loc, d.Scale, func(z, scale *tensor.Tensor) *tensor.Tensor {
		return tensor.AddScalar(tensor.Neg(tensor.Add(tensor.Log(scale), tensor.Log1p(tensor.Square(z)))), -logPi)
	})
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Cauchy) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Cauchy", rng, n, d.Loc, d.Scale)
}

// RSample returns n draws loc + scale·tan(π(u - ½)) with u uniform noise.
func (d Cauchy) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("Cauchy", n, func([]float64) float64 { return standardCauchy(rng) }, d.Loc, d.Scale)
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, t))
}

// standardCauchy draws from Cauchy(0, 1).
func standardCauchy(rng *rand.Rand) float64 { return math.Tan(math.Pi * (rng.Float64() - 0.5)) }

// Support returns the real line.
func (d Cauchy) Support() Support { return Support{Kind: Real} }

// String returns e.g. "Cauchy(loc=0, scale=1)".
func (d Cauchy) String() string { return familyString("Cauchy", d.Loc, d.Scale) }

// Mean reports ok = false: the Cauchy distribution has no mean.
func (d Cauchy) Mean() ([]float64, bool) { return nil, false }

// StdDev reports ok = false: the Cauchy distribution has no variance.
func (d Cauchy) StdDev() ([]float64, bool) { return nil, false }

// Entropy returns Σ log(4π scale).
func (d Cauchy) Entropy() (float64, bool) {
	return entropySum("Cauchy", func(v []float64) float64 { return math.Log(4 * math.Pi * v[0]) }, d.Scale)
}

// HalfCauchy is the Cauchy distribution with location 0 folded onto the
// non-negative reals, with density
//
//	2 / (π scale (1 + (x/scale)²)),  x ≥ 0.
//
// It has no mean or standard deviation.
type HalfCauchy struct {
	Scale *tensor.Tensor
}

// NewHalfCauchy returns a validated HalfCauchy: scale must be positive.
func NewHalfCauchy(scale *tensor.Tensor) (*HalfCauchy, error) {
	return newFamily[*HalfCauchy]("HalfCauchy", scale)
}

// Dim returns the number of components.
func (d HalfCauchy) Dim() int { return paramDim("HalfCauchy", d.Scale) }

// LogProb returns the log density of each row of x; negative values have
// log density -Inf.
func (d HalfCauchy) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("HalfCauchy", []func(float64) bool{negative, notPositive}, x, d.Scale)
	x, scale := m.safe(x, 0), m.safe(d.Scale, 1)
	z := tensor.Div(x, scale)
	elem := tensor.AddScalar(tensor.Neg(tensor.Add(tensor.Log(scale), tensor.Log1p(tensor.Square(z)))), math.Log(2/math.Pi))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d HalfCauchy) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("HalfCauchy", rng, n, d.Scale)
}

// RSample returns n draws scale·|c| with c standard Cauchy noise.
func (d HalfCauchy) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("HalfCauchy", n, func([]float64) float64 { return math.Abs(standardCauchy(rng)) }, d.Scale)
	return tensor.Mul(d.Scale, t)
}

// Support returns the positive reals (0 included).
func (d HalfCauchy) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "HalfCauchy(scale=1)".
func (d HalfCauchy) String() string { return familyString("HalfCauchy", d.Scale) }

// Mean reports ok = false: the half-Cauchy distribution has no mean.
func (d HalfCauchy) Mean() ([]float64, bool) { return nil, false }

// StdDev reports ok = false: the half-Cauchy distribution has no variance.
func (d HalfCauchy) StdDev() ([]float64, bool) { return nil, false }

// Entropy returns Σ log(2π scale).
func (d HalfCauchy) Entropy() (float64, bool) {
	return entropySum("HalfCauchy", func(v []float64) float64 { return math.Log(2 * math.Pi * v[0]) }, d.Scale)
}

// Laplace is the Laplace (double exponential) distribution with density
//
//	exp(-|x - loc|/scale) / (2 scale),  x real.
type Laplace struct {
	Loc, Scale *tensor.Tensor
}

// NewLaplace returns a validated Laplace: scale must be positive.
func NewLaplace(loc, scale *tensor.Tensor) (*Laplace, error) {
	return newFamily[*Laplace]("Laplace", loc, scale)
}

// Dim returns the number of components.
func (d Laplace) Dim() int { return paramDim("Laplace", d.Loc, d.Scale) }

// LogProb returns the log density of each row of x.
func (d Laplace) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return locScaleLogProb("Laplace", x, d.Loc, d.Scale, func(z, scale *tensor.Tensor) *tensor.Tensor {
		return tensor.AddScalar(tensor.Neg(tensor.Add(tensor.Abs(z), tensor.Log(scale))), -math.Ln2)
	})
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Laplace) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Laplace", rng, n, d.Loc, d.Scale)
}

// RSample returns n draws loc + scale·e with e standard Laplace noise (a
// random sign times a standard exponential).
func (d Laplace) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	t := draws("Laplace", n, func([]float64) float64 {
		e := rng.ExpFloat64()
		if rng.Uint64()&1 == 0 {
			return -e
		}
		return e
	}, d.Loc, d.Scale)
	return tensor.Add(d.Loc, tensor.Mul(d.Scale, t))
}

// Support returns the real line.
func (d Laplace) Support() Support { return Support{Kind: Real} }

// String returns e.g. "Laplace(loc=0, scale=1)".
func (d Laplace) String() string { return familyString("Laplace", d.Loc, d.Scale) }

// Mean returns loc.
func (d Laplace) Mean() ([]float64, bool) {
	return perParam("Laplace", func(v []float64) (float64, bool) { return v[0], true }, d.Loc, d.Scale)
}

// StdDev returns √2·scale.
func (d Laplace) StdDev() ([]float64, bool) {
	return perParam("Laplace", func(v []float64) (float64, bool) { return math.Sqrt2 * v[1], true }, d.Loc, d.Scale)
}

// Entropy returns Σ 1 + log(2 scale).
func (d Laplace) Entropy() (float64, bool) {
	return entropySum("Laplace", func(v []float64) float64 { return 1 + math.Log(2*v[0]) }, d.Scale)
}

// Uniform is the continuous uniform distribution on [low, high], with
// density 1/(high - low) there.
type Uniform struct {
	Low, High *tensor.Tensor
}

// NewUniform returns a validated Uniform: low must be less than high.
func NewUniform(low, high *tensor.Tensor) (*Uniform, error) {
	return newFamily[*Uniform]("Uniform", low, high)
}

// Dim returns the number of components.
func (d Uniform) Dim() int { return paramDim("Uniform", d.Low, d.High) }

// LogProb returns -log(high - low) for each component inside [low, high],
// summed over the row; a value outside the interval, or low ≥ high, gives
// -Inf. The gradient with respect to x is 0.
func (d Uniform) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("Uniform", func(v []float64) bool { return v[0] < v[1] || v[0] > v[2] || !(v[1] < v[2]) }, x, d.Low, d.High)
	x, low, high := m.safe(x, 0), m.safe(d.Low, 0), m.safe(d.High, 1)
	// The value enters with weight 0 so the result is recorded whenever x is.
	elem := tensor.Sub(tensor.Scale(x, 0), tensor.Log(tensor.Sub(high, low)))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Uniform) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Uniform", rng, n, d.Low, d.High)
}

// RSample returns n draws low + (high - low)·u with u uniform noise on [0, 1).
func (d Uniform) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	u := draws("Uniform", n, func([]float64) float64 { return rng.Float64() }, d.Low, d.High)
	return tensor.Add(d.Low, tensor.Mul(tensor.Sub(d.High, d.Low), u))
}

// Support returns the interval [low, high]; Low and High hold the bounds
// per component (flattened over the batch when batched).
func (d Uniform) Support() Support {
	lo, _ := perParam("Uniform", func(v []float64) (float64, bool) { return v[0], true }, d.Low, d.High)
	hi, _ := perParam("Uniform", func(v []float64) (float64, bool) { return v[1], true }, d.Low, d.High)
	return Support{Kind: Interval, Low: lo, High: hi}
}

// String returns e.g. "Uniform(low=0, high=1)".
func (d Uniform) String() string { return familyString("Uniform", d.Low, d.High) }

// Mean returns (low + high)/2.
func (d Uniform) Mean() ([]float64, bool) {
	return perParam("Uniform", func(v []float64) (float64, bool) { return (v[0] + v[1]) / 2, true }, d.Low, d.High)
}

// StdDev returns (high - low)/√12.
func (d Uniform) StdDev() ([]float64, bool) {
	return perParam("Uniform", func(v []float64) (float64, bool) { return (v[1] - v[0]) / math.Sqrt(12), true }, d.Low, d.High)
}

// Entropy returns Σ log(high - low).
func (d Uniform) Entropy() (float64, bool) {
	return entropySum("Uniform", func(v []float64) float64 { return math.Log(v[1] - v[0]) }, d.Low, d.High)
}

// Exponential is the exponential distribution with density
//
//	rate e^(-rate x),  x ≥ 0.
type Exponential struct {
	Rate *tensor.Tensor
}

// NewExponential returns a validated Exponential: rate must be positive.
func NewExponential(rate *tensor.Tensor) (*Exponential, error) {
	return newFamily[*Exponential]("Exponential", rate)
}

// Dim returns the number of components.
func (d Exponential) Dim() int { return paramDim("Exponential", d.Rate) }

// LogProb returns the log density of each row of x; negative values have
// log density -Inf.
func (d Exponential) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach("Exponential", []func(float64) bool{negative, notPositive}, x, d.Rate)
	x, rate := m.safe(x, 0), m.safe(d.Rate, 1)
	elem := tensor.Sub(tensor.Log(rate), tensor.Mul(rate, x))
	return m.finish(elem, nil)
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d Exponential) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return sampleDetached("Exponential", rng, n, d.Rate)
}

// RSample returns n draws e/rate with e standard exponential noise.
func (d Exponential) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	e := draws("Exponential", n, func([]float64) float64 { return rng.ExpFloat64() }, d.Rate)
	return tensor.Div(e, d.Rate)
}

// Support returns the positive reals (0 included).
func (d Exponential) Support() Support { return Support{Kind: Positive} }

// String returns e.g. "Exponential(rate=1)".
func (d Exponential) String() string { return familyString("Exponential", d.Rate) }

// Mean returns 1/rate.
func (d Exponential) Mean() ([]float64, bool) {
	return perParam("Exponential", func(v []float64) (float64, bool) { return 1 / v[0], true }, d.Rate)
}

// StdDev returns 1/rate.
func (d Exponential) StdDev() ([]float64, bool) { return d.Mean() }

// Entropy returns Σ 1 - log rate.
func (d Exponential) Entropy() (float64, bool) {
	return entropySum("Exponential", func(v []float64) float64 { return 1 - math.Log(v[0]) }, d.Rate)
}
