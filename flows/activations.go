package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// leakySlope is LeakyReLU's slope for negative inputs (PyTorch's and
// Pyro's default negative_slope).
const leakySlope = 0.01

// Elementwise is a fixed (parameter-free) elementwise bijector
// y_j = f(x_j). Kind names it; each kind is one registration of
// bijectors.go (its f, f⁻¹, log f′, range and support, doc and options):
//
//	Exp        y = eˣ                 R → (0, ∞)
//	Softplus   y = log(1 + eˣ)        R → (0, ∞)
//	Sigmoid    y = 1 / (1 + e⁻ˣ)      R → (0, 1)
//	Tanh       y = tanh x             R → (−1, 1)
//	Softsign   y = x / (1 + |x|)      R → (−1, 1)
//	ELU        y = x (x > 0), eˣ − 1   R → (−1, ∞)
//	LeakyReLU  y = x (x ≥ 0), 0.01·x  R → R
//	Power      y = x^Exponent         (0, ∞) → (0, ∞)
//
// Inverse maps points outside the range of f to a point inside it with
// log-determinant −Inf, so a flow gives them log density −Inf.
type Elementwise struct {
	Kind     string
	Exponent float64 // Power only
	d        int
	m        *elementwiseMap
}

// elementwiseMap is what an elementwise bijector's registration gives:
// the scalar map f, elementwise over [n, d] tensors.
type elementwiseMap struct {
	// forward returns y = f(x) and log f′(x), elementwise.
	forward func(e *Elementwise, x *tensor.Tensor) (y, logDeriv *tensor.Tensor)
	// inverse returns x = f⁻¹(y) and log f′(x), elementwise, for y in
	// the range of f.
	inverse func(e *Elementwise, y *tensor.Tensor) (x, logDeriv *tensor.Tensor)
	// inRange reports whether v is in the range of f (nil: every real);
	// Inverse replaces the entries outside it by inside, a point of the
	// range, and gives their rows log-determinant −Inf.
	inRange func(v float64) bool
	inside  float64
	// support returns the support of the output for an input with
	// support in (from names the input, for the error of a map that needs
	// a particular one); nil means the real vectors.
	support func(e *Elementwise, in dist.Support, from string) (dist.Support, error)
	// configure reads and checks the kind's options (nil: it takes none).
	configure func(e *Elementwise, o Options) error
}

// NewElementwise returns the elementwise bijector kind over R^d; Power
// reads o.Exponent (default 2).
func NewElementwise(kind string, d int, o Options) (*Elementwise, error) {
	r := lookup(kind)
	if r == nil || r.elementwise == nil {
		return nil, fmt.Errorf("%q is not an elementwise bijector", kind)
	}
	return newElementwise(kind, r.elementwise, d, o)
}

// newElementwise returns the elementwise bijector kind with map m over
// R^d.
func newElementwise(kind string, m *elementwiseMap, d int, o Options) (*Elementwise, error) {
	e := &Elementwise{Kind: kind, d: d, m: m}
	if m.configure != nil {
		if err := e.m.configure(e, o); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Name returns Kind.
func (e *Elementwise) Name() string { return e.Kind }

// Dim returns d.
func (e *Elementwise) Dim() int { return e.d }

// Params returns nil.
func (e *Elementwise) Params() []*tensor.Tensor { return nil }

// Initialize does nothing.
func (e *Elementwise) Initialize(*rand.Rand) {}

// Forward returns y = f(x) and Σ log f′(x).
func (e *Elementwise) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	y, l := e.m.forward(e, x)
	return y, tensor.SumAxis(l, 1)
}

// Inverse returns x = f⁻¹(y) and −Σ log f′(x); rows with an entry outside
// the range of f get log-determinant −Inf.
func (e *Elementwise) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	var bad []bool
	if e.m.inRange != nil {
		y, bad = guard(y, e.m.inRange, e.m.inside)
	}
	x, l := e.m.inverse(e, y)
	logDet = tensor.Neg(tensor.SumAxis(l, 1))
	if bad != nil {
		logDet = tensor.Fill(logDet, bad, math.Inf(-1))
	}
	return x, logDet
}

func (e *Elementwise) mapSupport(in dist.Support, from string) (dist.Support, error) {
	if e.m.support == nil {
		return dist.Support{Kind: dist.Real}, nil
	}
	return e.m.support(e, in, from)
}

// guard replaces the entries of y outside the domain by safe and returns
// the rows that had one (nil when none).
func guard(y *tensor.Tensor, ok func(float64) bool, safe float64) (*tensor.Tensor, []bool) {
	var keep, bad []bool
	d := y.Dim(1)
	for i, v := range y.Data() {
		if !ok(v) {
			if keep == nil {
				keep = make([]bool, y.Len())
				for k := range keep {
					keep[k] = true
				}
				bad = make([]bool, y.Dim(0))
			}
			keep[i] = false
			bad[i/d] = true
		}
	}
	if keep == nil {
		return y, nil
	}
	return tensor.Where(keep, y, tensor.Scalar(safe)), bad
}

// between returns the test for the open interval (lo, hi), a range.
func between(lo, hi float64) func(float64) bool {
	return func(v float64) bool { return v > lo && v < hi }
}

// onto returns a support function for a map whose output has support
// out whatever its input.
func onto(out dist.Support) func(*Elementwise, dist.Support, string) (dist.Support, error) {
	return func(*Elementwise, dist.Support, string) (dist.Support, error) { return out, nil }
}

// interval is the support [lo, hi] (ends open or closed: a support does
// not say).
func interval(lo, hi float64) dist.Support {
	return dist.Support{Kind: dist.Interval, Low: []float64{lo}, High: []float64{hi}}
}

// leakyLogDeriv returns log f′ of LeakyReLU at v: log(slope) where v < 0,
// 0 elsewhere (a constant: it has no gradient). y < 0 exactly where x < 0,
// so it serves both directions.
func leakyLogDeriv(v *tensor.Tensor) *tensor.Tensor {
	out := make([]float64, v.Len())
	for i, x := range v.Data() {
		if x < 0 {
			out[i] = math.Log(leakySlope)
		}
	}
	return tensor.New(out, v.Dim(0), v.Dim(1))
}

// powerLogDeriv returns log f′(x) = log|p| + (p − 1) log x of Power.
func powerLogDeriv(x *tensor.Tensor, p float64) *tensor.Tensor {
	return tensor.AddScalar(tensor.Scale(tensor.Log(x), p-1), math.Log(math.Abs(p)))
}

// configurePower sets Power's exponent from o (0 means 2).
func configurePower(e *Elementwise, o Options) error {
	e.Exponent = o.Exponent
	if e.Exponent == 0 {
		e.Exponent = 2
	}
	if !finite(e.Exponent) {
		return fmt.Errorf("exponent must be a finite nonzero number, got %g", e.Exponent)
	}
	return nil
}

// powerSupport checks that Power's input is positive.
func powerSupport(_ *Elementwise, in dist.Support, from string) (dist.Support, error) {
	if !positiveSupport(in) {
		return in, fmt.Errorf("Power needs a positive input, but its input is %s (from %s): put Exp or Softplus before it", describeSupport(in), from)
	}
	return dist.Support{Kind: dist.Positive}, nil
}

// expSupport maps an input support through eˣ: bounded intervals onto
// bounded ones, anything else onto the positive reals.
func expSupport(_ *Elementwise, in dist.Support, _ string) (dist.Support, error) {
	switch in.Kind {
	case dist.UnitInterval:
		return interval(1, math.E), nil
	case dist.Interval:
		out := dist.Support{Kind: dist.Interval}
		for _, v := range in.Low {
			out.Low = append(out.Low, math.Exp(v))
		}
		for _, v := range in.High {
			out.High = append(out.High, math.Exp(v))
		}
		return out, nil
	}
	return dist.Support{Kind: dist.Positive}, nil
}

// positiveSupport reports whether every point of s is ≥ 0.
func positiveSupport(s dist.Support) bool {
	switch s.Kind {
	case dist.Positive, dist.UnitInterval:
		return true
	case dist.Interval:
		for _, l := range s.Low {
			if !(l >= 0) {
				return false
			}
		}
		return len(s.Low) > 0
	}
	return false
}

// describeSupport names a support for an error message: "real",
// "the interval [-1, 1]".
func describeSupport(s dist.Support) string {
	if s.Kind == dist.Interval && len(s.Low) == 1 && len(s.High) == 1 {
		return fmt.Sprintf("the interval [%s, %s]", tensor.FormatNumber(s.Low[0]), tensor.FormatNumber(s.High[0]))
	}
	return s.Kind.String()
}
