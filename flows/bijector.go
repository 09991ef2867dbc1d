package flows

import (
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// Bijector is an invertible, differentiable map of R^d (or of a subset of
// it) that acts on batches: x and y are [n, d] tensors, one point per row.
//
// Forward returns y = f(x) and log|det ∂y/∂x| for each row ([n]); Inverse
// returns x = f⁻¹(y) and log|det ∂x/∂y| ([n]), so the two log-determinants of
// a round trip add up to zero. Both are differentiable in their input and in
// the bijector's parameters (when a tape watches them).
type Bijector interface {
	// Forward maps base-side points x to data-side points y.
	Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor)
	// Inverse maps data-side points y back to base-side points x.
	Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor)
	// Params returns the learnable parameters (none for a fixed bijector).
	Params() []*tensor.Tensor
	// Dim returns d.
	Dim() int
	// Initialize draws fresh parameters (and a fresh random permutation
	// where the bijector has one that the user did not fix) from rng.
	Initialize(rng *rand.Rand)
	// Name returns the bijector's name in the language, e.g.
	// "AffineAutoregressive".
	Name() string
}

// Direction says which side of an autoregressive bijector its conditioner
// reads, and so which way is one network pass and which way takes d passes.
type Direction int

const (
	// BaseSide is the IAF direction (FlowTorch's): the shift and scale of
	// y = μ(x) + σ(x)·x are computed from the base-side x. Forward (sampling,
	// and sampling with log density) is one pass; Inverse (log density of
	// given points) takes d passes.
	BaseSide Direction = iota
	// DataSide is the MAF direction: x = (y − μ(y)) / σ(y) with the
	// conditioner reading the data-side y. Inverse (log density, and so
	// maximum-likelihood training) is one pass; Forward (sampling) takes d
	// passes.
	DataSide
)

// String returns "base side" or "data side".
func (d Direction) String() string {
	if d == DataSide {
		return "data side"
	}
	return "base side"
}

// Directional is a bijector whose conditioner can read either side.
type Directional interface {
	Bijector
	// Direction returns the current direction.
	Direction() Direction
	// SetDirection chooses the direction. The function the bijector
	// represents changes with it, so a flow fixes it before training.
	SetDirection(Direction)
}

// supportMapper is implemented by bijectors that change the support of
// their input (Exp makes it positive, Sigmoid the unit interval), keep it
// (Permute) or need a particular input (Power needs a positive one): it
// returns the output's support, or an error naming the mismatch and from
// (where the input comes from: "Normal(...)" or the previous bijector's
// name). Bijectors that do not implement it take any input and map onto
// the real vectors.
type supportMapper interface {
	mapSupport(in dist.Support, from string) (dist.Support, error)
}

// momentMapper is implemented by bijectors that can push a per-dimension
// mean and standard deviation through themselves exactly (elementwise affine
// maps, permutations, and autoregressive layers still at their initial
// identity). It updates mean and sd in place and reports false when it
// cannot.
type momentMapper interface {
	mapMoments(mean, sd []float64) bool
}

// rowsConst returns an untracked [n] tensor holding v in every entry.
func rowsConst(n int, v float64) *tensor.Tensor { return tensor.Full(v, n) }
