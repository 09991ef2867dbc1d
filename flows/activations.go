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

// Elementwise is a fixed (parameter-free) elementwise bijector: Kind is
// one of
//
//	Softplus   y = log(1 + eˣ)        R → (0, ∞)
//	Sigmoid    y = 1 / (1 + e⁻ˣ)      R → (0, 1)
//	Tanh       y = tanh x             R → (−1, 1)
//	ELU        y = x (x > 0), eˣ − 1   R → (−1, ∞)
//	LeakyReLU  y = x (x ≥ 0), 0.01·x  R → R
//	Power      y = x^Exponent         (0, ∞) → (0, ∞)
//
// Inverse maps points outside the codomain to 0 with log-determinant −Inf,
// so a flow gives them log density −Inf.
type Elementwise struct {
	Kind     string
	Exponent float64 // Power only
	d        int
}

// NewElementwise returns the elementwise bijector kind over R^d; Power
// reads o.Exponent (default 2).
func NewElementwise(kind string, d int, o Options) (*Elementwise, error) {
	e := &Elementwise{Kind: kind, d: d}
	switch kind {
	case "Softplus", "Sigmoid", "Tanh", "ELU", "LeakyReLU":
	case "Power":
		e.Exponent = o.Exponent
		if e.Exponent == 0 {
			e.Exponent = 2
		}
		if !finite(e.Exponent) {
			return nil, fmt.Errorf("exponent must be a finite nonzero number, got %g", e.Exponent)
		}
	default:
		return nil, fmt.Errorf("%q is not an elementwise bijector", kind)
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
	var l *tensor.Tensor
	switch e.Kind {
	case "Softplus":
		y, l = tensor.Softplus(x), tensor.LogSigmoid(x)
	case "Sigmoid":
		y, l = tensor.Sigmoid(x), tensor.Add(tensor.LogSigmoid(x), tensor.LogSigmoid(tensor.Neg(x)))
	case "Tanh":
		// log(1 − tanh²x) = 2(log 2 − x − softplus(−2x))
		y = tensor.Tanh(x)
		l = tensor.Scale(tensor.Sub(tensor.AddScalar(tensor.Neg(x), math.Ln2), tensor.Softplus(tensor.Scale(x, -2))), 2)
	case "ELU":
		m := tensor.Minimum(x, zeroScalar)
		y, l = tensor.Add(tensor.ReLU(x), tensor.Expm1(m)), m
	case "LeakyReLU":
		y = tensor.Add(tensor.ReLU(x), tensor.Scale(tensor.Minimum(x, zeroScalar), leakySlope))
		return y, e.leakyLogDet(x, 1)
	case "Power":
		y = tensor.PowScalar(x, e.Exponent)
		l = tensor.AddScalar(tensor.Scale(tensor.Log(x), e.Exponent-1), math.Log(math.Abs(e.Exponent)))
	}
	return y, tensor.SumAxis(l, 1)
}

// Inverse returns x = f⁻¹(y) and −Σ log f′(x).
func (e *Elementwise) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	var ok func(v float64) bool
	safe := 0.5
	switch e.Kind {
	case "Softplus", "Power":
		ok = func(v float64) bool { return v > 0 }
	case "Sigmoid":
		ok = func(v float64) bool { return v > 0 && v < 1 }
	case "Tanh":
		ok = func(v float64) bool { return v > -1 && v < 1 }
		safe = 0
	case "ELU":
		ok = func(v float64) bool { return v > -1 }
		safe = 0
	}
	var bad []bool
	if ok != nil {
		y, bad = guard(y, ok, safe)
	}
	var l *tensor.Tensor // log f′(x)
	switch e.Kind {
	case "Softplus": // x = y + log(1 − e^−y)
		x = tensor.Add(y, tensor.Log(tensor.Neg(tensor.Expm1(tensor.Neg(y)))))
		l = tensor.LogSigmoid(x)
	case "Sigmoid":
		ly, l1y := tensor.Log(y), tensor.Log1p(tensor.Neg(y))
		x, l = tensor.Sub(ly, l1y), tensor.Add(ly, l1y)
	case "Tanh":
		lp, lm := tensor.Log1p(y), tensor.Log1p(tensor.Neg(y))
		x, l = tensor.Scale(tensor.Sub(lp, lm), 0.5), tensor.Add(lp, lm)
	case "ELU":
		l = tensor.Log1p(tensor.Minimum(y, zeroScalar))
		x = tensor.Add(tensor.ReLU(y), l)
	case "LeakyReLU":
		x = tensor.Add(tensor.ReLU(y), tensor.Scale(tensor.Minimum(y, zeroScalar), 1/leakySlope))
		return x, e.leakyLogDet(y, -1)
	case "Power":
		x = tensor.PowScalar(y, 1/e.Exponent)
		l = tensor.AddScalar(tensor.Scale(tensor.Log(x), e.Exponent-1), math.Log(math.Abs(e.Exponent)))
	}
	logDet = tensor.Neg(tensor.SumAxis(l, 1))
	if bad != nil {
		logDet = tensor.Fill(logDet, bad, math.Inf(-1))
	}
	return x, logDet
}

// leakyLogDet returns sign·Σ log(slope) over the negative entries of each
// row of v.
func (e *Elementwise) leakyLogDet(v *tensor.Tensor, sign float64) *tensor.Tensor {
	n, d := v.Dim(0), v.Dim(1)
	out := make([]float64, n)
	for i := range n {
		for _, x := range v.Data()[i*d : (i+1)*d] {
			if x < 0 {
				out[i] += sign * math.Log(leakySlope)
			}
		}
	}
	return tensor.New(out, n)
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

func (e *Elementwise) mapSupport(in dist.Support, from string) (dist.Support, error) {
	switch e.Kind {
	case "Softplus":
		return dist.Support{Kind: dist.Positive}, nil
	case "Sigmoid":
		return dist.Support{Kind: dist.UnitInterval}, nil
	case "Tanh":
		return dist.Support{Kind: dist.Interval, Low: []float64{-1}, High: []float64{1}}, nil
	case "ELU":
		return dist.Support{Kind: dist.Interval, Low: []float64{-1}, High: []float64{math.Inf(1)}}, nil
	case "Power":
		if !positiveSupport(in) {
			return in, fmt.Errorf("Power needs a positive input, but its input is %s (from %s): put Exp or Softplus before it", describeSupport(in), from)
		}
		return dist.Support{Kind: dist.Positive}, nil
	}
	return dist.Support{Kind: dist.Real}, nil
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
