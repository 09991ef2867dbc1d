package dist

import (
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// Distribution is a probability distribution over d-dimensional vectors
// (d = Dim(); a scalar family with scalar parameters has Dim 1).
//
// Values are passed as 2-D tensors of shape [n, d] (n draws, one per row)
// and log densities come back as [n] tensors. LogProb is differentiable in
// the value and in any parameter tensors that are tracked by a tape. A value
// outside the support has log density -Inf (never an error or NaN).
type Distribution interface {
	// Dim returns the dimension d of one draw.
	Dim() int
	// LogProb returns the log density (or mass) of each row of x ([n, d]).
	LogProb(x *tensor.Tensor) *tensor.Tensor
	// Sample returns n independent draws as an [n, d] tensor (not tracked).
	Sample(rng *rand.Rand, n int) *tensor.Tensor
	// Support returns the set the draws live in.
	Support() Support
	// String describes the distribution, e.g. "Normal(loc=[0, 0], scale=[1, 1])".
	String() string
}

// Reparameterized is a distribution whose draws are a differentiable
// function of its parameters and parameter-free noise (the
// reparameterisation trick): RSample's output is tracked when the
// parameters are.
type Reparameterized interface {
	Distribution
	RSample(rng *rand.Rand, n int) *tensor.Tensor
}

// SampleLogProber draws and scores in one pass: it returns n reparameterised
// draws ([n, d]) and their log densities ([n]). Flows implement it so that
// reverse-KL training needs a single pass.
type SampleLogProber interface {
	Distribution
	SampleAndLogProb(rng *rand.Rand, n int) (x, logp *tensor.Tensor)
}

// ScratchSampler is a distribution that can draw onto a tape's scratch
// memory (see tensor.Tape), so that a training step drawing a batch at
// every step does not allocate it on the heap: SampleOn and RSampleOn give
// the draws of Sample and RSample, bit for bit and from the same random
// numbers, as scratch tensors of tp, valid until tp's Reset. A nil tp gives
// heap tensors. RSampleOn's result is recorded on tp instead when the
// parameters are.
type ScratchSampler interface {
	Distribution
	SampleOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor
	RSampleOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor
}

// Moments gives closed-form summaries; each returns one value per
// dimension, and ok = false where no finite closed form exists (for
// example the mean of a Cauchy).
type Moments interface {
	Mean() ([]float64, bool)
	StdDev() ([]float64, bool)
}

// Entropier gives the closed-form differential entropy (summed over
// independent components).
type Entropier interface {
	Entropy() (float64, bool)
}

// Support is the set a distribution's draws live in. Inference uses it to
// pick an unconstraining transform.
type Support struct {
	Kind SupportKind
	// Low and High bound an Interval support (per dimension, or one value
	// for all).
	Low, High []float64
}

// SupportKind names a kind of support.
type SupportKind int

// The supports of LANGUAGE.md.
const (
	Real SupportKind = iota
	Positive
	UnitInterval
	Interval
	Simplex
	Integers        // all integers
	NonNegIntegers  // 0, 1, 2, ...
	Boolean         // {0, 1}
	IntegerInterval // {Low, ..., High}
	PositiveDefinite
	// CholeskyCorr is the set of Cholesky factors of correlation matrices:
	// lower-triangular K×K matrices with positive diagonal and rows of unit
	// norm, as rows of K·K numbers.
	CholeskyCorr
	CountVectors // vectors of non-negative integers summing to High (Multinomial)
)

// String returns the support's name as error messages use it.
func (k SupportKind) String() string {
	switch k {
	case Real:
		return "real"
	case Positive:
		return "positive"
	case UnitInterval:
		return "unit interval"
	case Interval:
		return "interval"
	case Simplex:
		return "simplex"
	case Integers:
		return "integers"
	case NonNegIntegers:
		return "non-negative integers"
	case Boolean:
		return "{0, 1}"
	case IntegerInterval:
		return "integer interval"
	case PositiveDefinite:
		return "positive definite matrices"
	case CholeskyCorr:
		return "Cholesky factors of correlation matrices"
	case CountVectors:
		return "count vectors summing to n"
	}
	return "unknown"
}

// Discrete reports whether the support is a set of integers.
func (k SupportKind) Discrete() bool {
	return k == Integers || k == NonNegIntegers || k == Boolean || k == IntegerInterval || k == CountVectors
}

// FirstOutside returns the flat (row-major) index of the first element of
// x ([n, d]) that lies outside the support, or -1 if every element lies in
// it. It lets the interpreter name the offending value of observed data.
// NaN and infinite values are outside every support. Low and High are
// indexed per element modulo their length (one value for all, one per
// dimension, or one per element of a batch). The positive reals include 0
// (HalfNormal, Exponential and Gamma have a finite or infinite density
// there). For Simplex the index is that of the first element of the first
// row with a negative component or whose sum is not 1 within 1e-6. For
// CountVectors it is the first element that is not a non-negative integer,
// else the first element of the first row whose sum is not its total (High
// indexed per row modulo its length; empty High checks no totals). For
// CholeskyCorr the rows of x are K·K numbers (a factor by rows) and the
// index is that of the first element of the first row that is not a
// Cholesky factor of a correlation matrix within 1e-8. PositiveDefinite is
// not checked.
func (s Support) FirstOutside(x *tensor.Tensor) int {
	data, d := x.Data(), rowLen(x)
	if s.Kind == CholeskyCorr {
		k := corrSide(d)
		for r := 0; r+d <= len(data); r += d {
			if k < 0 || badCholCorr(data[r:r+d], k) {
				return r
			}
		}
		return -1
	}
	bound := func(b []float64, i int) float64 { return b[i%len(b)] }
	if s.Kind == CountVectors {
		return firstOffCounts(data, d, s.High)
	}
	if s.Kind == Simplex {
		for r := 0; r+d <= len(data); r += d {
			sum := 0.0
			for _, v := range data[r : r+d] {
				if !(v >= 0) || math.IsInf(v, 1) {
					return r
				}
				sum += v
			}
			if !(math.Abs(sum-1) <= simplexTol) {
				return r
			}
		}
		return -1
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i
		}
		in := true
		switch s.Kind {
		case Positive:
			in = v >= 0
		case UnitInterval:
			in = v >= 0 && v <= 1
		case Interval:
			in = v >= bound(s.Low, i) && v <= bound(s.High, i)
		case Integers:
			in = v == math.Floor(v)
		case NonNegIntegers:
			in = v >= 0 && v == math.Floor(v)
		case Boolean:
			in = v == 0 || v == 1
		case IntegerInterval:
			in = v == math.Floor(v) && v >= bound(s.Low, i) && v <= bound(s.High, i)
		}
		if !in {
			return i
		}
	}
	return -1
}

// rowLen is the length of the rows of x: its last axis (at least 1), 1 for
// a number.
func rowLen(x *tensor.Tensor) int {
	if x.Rank() == 0 {
		return 1
	}
	return max(x.Dim(-1), 1)
}

// firstOffCounts is FirstOutside for CountVectors, with rows of length k.
func firstOffCounts(data []float64, k int, totals []float64) int {
	for r := 0; r+k <= len(data); r += k {
		sum := 0.0
		for j, v := range data[r : r+k] {
			if !isCount(v) {
				return r + j
			}
			sum += v
		}
		if len(totals) > 0 && sum != totals[(r/k)%len(totals)] {
			return r
		}
	}
	return -1
}
