package stdlib

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// simplexTol is how far from 1 the sum of a mixture's weights may be, as
// for Categorical's probabilities.
const simplexTol = 1e-6

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func specialBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		elementwise("lgamma", "log |Γ(x)|, elementwise", lgamma, tensor.LGamma),
		elementwise("log1p", "log(1 + x), accurate near 0, elementwise", math.Log1p, tensor.Log1p),
		elementwise("expm1", "exp(x) - 1, accurate near 0, elementwise", math.Expm1, tensor.Expm1),
		binaryElementwise("lbeta", "lbeta(a, b): log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), elementwise (broadcasting)",
			[]string{"a", "b"}, tensor.LBeta),
		binaryElementwise("log_add_exp", "log_add_exp(a, b): log(exp(a) + exp(b)) computed stably, elementwise (broadcasting)",
			[]string{"a", "b"}, tensor.LogAddExp),
		def("log_mix", "log_mix(theta, lp1, lp2): log(theta exp(lp1) + (1 - theta) exp(lp2)), elementwise; log_mix(theta, lp) with weights theta: log Σ_k theta[k] exp(lp[k]) (of each row of a matrix lp)", builtinLogMix),
	}
}

// binaryElementwise returns a builtin applying the tensor operation f to
// two arguments broadcast together (numbers, arrays or batches).
func binaryElementwise(name, doc string, params []string, f func(a, b *tensor.Tensor) *tensor.Tensor) *lang.Builtin {
	return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var x, y lang.Value
		if err := lang.UnpackArgs(name, args, kwargs, params[0], &x, params[1], &y); err != nil {
			return nil, err
		}
		ts, n, _, err := operands(name, params, x, y)
		if err != nil {
			return nil, err
		}
		return valueOf(f(ts[0], ts[1]), n), nil
	})
}

func builtinLogMix(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var theta, lp1, lp2 lang.Value
	if err := lang.UnpackArgs("log_mix", args, kwargs, "theta", &theta, "lp1", &lp1, "lp2?", &lp2); err != nil {
		return nil, err
	}
	if lp2 == nil {
		return logMixWeights(theta, lp1)
	}
	ts, n, _, err := operands("log_mix", []string{"theta", "lp1", "lp2"}, theta, lp1, lp2)
	if err != nil {
		return nil, err
	}
	if _, ok := theta.(*lang.Batch); !ok {
		for _, v := range ts[0].Data() {
			if !(v >= 0 && v <= 1) {
				return nil, fmt.Errorf("log_mix: theta must be in [0, 1], got %s", tensor.FormatNumber(v))
			}
		}
	}
	// A batched theta outside [0, 1] gives nan through the logarithms.
	th1 := tensor.Add(tensor.Log(ts[0]), ts[1])
	th2 := tensor.Add(tensor.Log1p(tensor.Neg(ts[0])), ts[2])
	return valueOf(tensor.LogAddExp(th1, th2), n), nil
}

// logMixWeights is log_mix(theta, lp): theta a vector of K mixture weights
// (a simplex), lp a vector of K log densities (giving a number) or a
// matrix whose K columns are the components (giving a vector, one per
// row). A batched theta whose draw is not a simplex gives that draw nan.
func logMixWeights(theta, lp lang.Value) (lang.Value, error) {
	tt, tn, ok1 := lang.EventTensor(theta)
	lt, ln, ok2 := lang.EventTensor(lp)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("log_mix: want log_mix(theta, lp) with a vector theta and a vector or matrix lp, or log_mix(theta, lp1, lp2); got %s and %s", theta.Type(), lp.Type())
	}
	te, le := tt.Shape(), lt.Shape()
	if tn > 0 {
		te = te[1:]
	}
	if ln > 0 {
		le = le[1:]
	}
	if len(te) != 1 {
		return nil, fmt.Errorf("log_mix: with two arguments theta must be a vector of mixture weights, got %s", theta.Type())
	}
	k := te[0]
	if len(le) == 0 || le[len(le)-1] != k {
		return nil, fmt.Errorf("log_mix: lp must be a vector of %d log densities or a matrix with %d columns (one per component), got shape %s", k, k, lang.ShapeString(le))
	}
	if k == 0 {
		return nil, fmt.Errorf("log_mix: theta is empty")
	}
	d := tt.Data()
	bad := make([]bool, max(tn, 1)) // draws whose theta is not a simplex
	for i := range bad {
		s := 0.0
		for _, v := range d[i*k : (i+1)*k] {
			if !(v >= 0) {
				bad[i] = true
			}
			s += v
		}
		if !(math.Abs(s-1) <= simplexTol) {
			bad[i] = true
		}
		if bad[i] && tn == 0 {
			return nil, fmt.Errorf("log_mix: theta must be non-negative and sum to 1 (within %g), got %v", simplexTol, theta)
		}
	}
	ts, n, _, err := operands("log_mix", []string{"theta", "lp"}, theta, lp)
	if err != nil {
		return nil, err
	}
	out := tensor.LogSumExp(tensor.Add(tensor.Log(ts[0]), ts[1]), -1)
	if tn > 0 {
		per := out.Len() / tn
		mask := make([]bool, out.Len())
		any := false
		for i := range mask {
			mask[i] = bad[i/per]
			any = any || mask[i]
		}
		if any {
			out = tensor.Fill(out, mask, math.NaN())
		}
	}
	return valueOf(out, n), nil
}
