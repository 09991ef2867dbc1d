package stdlib

import (
	"math"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// elementwise returns a builtin applying f to a number and t to the tensor
// of a vector or matrix (tensor ops keep tracked arrays on their tape).
func elementwise(name, doc string, f func(float64) float64, t func(*tensor.Tensor) *tensor.Tensor) *lang.Builtin {
	return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		x, err := argX(name, args, kwargs)
		if err != nil {
			return nil, err
		}
		switch x := x.(type) {
		case lang.Number:
			return lang.Number(f(float64(x))), nil
		case *lang.Array:
			return lang.NewArray(t(x.T)), nil
		case *lang.Batch:
			if !x.Bool {
				return lang.NewBatch(t(x.T)), nil
			}
		}
		_, err = numeric(name, x)
		return nil, err
	})
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func logit(p float64) float64 { return math.Log(p) - math.Log1p(-p) }

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func mathBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		elementwise("exp", "e to the power x, elementwise", math.Exp, tensor.Exp),
		elementwise("log", "natural logarithm, elementwise", math.Log, tensor.Log),
		elementwise("sqrt", "square root, elementwise", math.Sqrt, tensor.Sqrt),
		elementwise("abs", "absolute value, elementwise", math.Abs, tensor.Abs),
		elementwise("sin", "sine, elementwise", math.Sin, tensor.Sin),
		elementwise("cos", "cosine, elementwise", math.Cos, tensor.Cos),
		elementwise("tanh", "hyperbolic tangent, elementwise", math.Tanh, tensor.Tanh),
		elementwise("sigmoid", "1 / (1 + exp(-x)), elementwise", sigmoid, tensor.Sigmoid),
		elementwise("logit", "log(p / (1 - p)), elementwise", logit, func(t *tensor.Tensor) *tensor.Tensor {
			return tensor.Sub(tensor.Log(t), tensor.Log1p(tensor.Neg(t)))
		}),
		elementwise("softplus", "log(1 + exp(x)), elementwise", softplus, tensor.Softplus),
		elementwise("floor", "largest integer not above x, elementwise", math.Floor, tensor.Floor),
		elementwise("round", "nearest integer (halves to even), elementwise", math.RoundToEven, tensor.Round),
	}
}
