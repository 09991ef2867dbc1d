package stdlib

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Cumulative distribution functions and truncation. cdf, lcdf and lccdf
// are per element, like log_prob of a vector under a one-component
// distribution: cdf(Normal(0, 1), [0, 1]) is a vector of two
// probabilities (Stan's normal_lcdf of a vector is the sum of lcdf's
// result). Inside a model each draw gets exactly the plain result of its
// own parameters and value.

func cdfBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("cdf", "cdf(d, x): P(X ≤ x) for each element of x (a number, vector or n×d matrix)", cdfFunc("cdf", false, true)),
		def("lcdf", "lcdf(d, x): log P(X ≤ x) per element, accurate far in the lower tail", cdfFunc("lcdf", false, false)),
		def("lccdf", "lccdf(d, x): log P(X > x) per element, accurate far in the upper tail", cdfFunc("lccdf", true, false)),
		def("Truncated", "Truncated(d, low, high): d restricted to [low, high] (either may be -inf or inf), renormalised", builtinTruncated),
	}
}

// cdfFunc returns the builtin cdf, lcdf or lccdf.
func cdfFunc(fn string, upper, exp bool) lang.BuiltinFunc {
	return func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var d lang.Distribution
		var x lang.Value
		if err := lang.UnpackArgs(fn, args, kwargs, "d", &d, "x", &x); err != nil {
			return nil, err
		}
		c, ok := d.Dist().(dist.CDF)
		if !ok {
			return nil, fmt.Errorf("%s: %s has no CDF (the univariate families and Truncated have one)", fn, d)
		}
		eval := func(t *tensor.Tensor) (*tensor.Tensor, error) {
			r, err := dist.LogTail(c, t, upper)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", fn, err)
			}
			if exp {
				r = tensor.Exp(r)
			}
			return r, nil
		}
		nb := 0
		if ld, ok := d.(*lang.Dist); ok {
			nb = ld.Batch
		}
		if xb, ok := x.(*lang.Batch); ok || nb > 0 {
			if ok && xb.Bool {
				return nil, fmt.Errorf("%s: got bool for x, want number, vector or matrix", fn)
			}
			return batchCDF(fn, c.Dim(), nb, x, eval)
		}
		t, one, err := rows(fn, x, c.Dim(), nil)
		if err != nil {
			return nil, err
		}
		r, err := eval(t)
		if err != nil {
			return nil, err
		}
		switch {
		case one && r.Len() == 1:
			return lang.Number(r.Data()[0]), nil
		case one:
			return lang.NewArray(tensor.Reshape(r, r.Len())), nil
		}
		if a, ok := x.(*lang.Array); ok && a.IsVector() {
			return lang.NewArray(tensor.Reshape(r, r.Len())), nil
		}
		return lang.NewArray(tensor.Reshape(r, t.Dim(0), t.Dim(1))), nil
	}
}

// batchCDF is cdf, lcdf or lccdf when the distribution's parameters or x
// depend on latent variables: a batch whose draw i is the plain result
// for draw i (a number, a vector per element, or a matrix).
func batchCDF(fn string, dim, nb int, x lang.Value, eval func(*tensor.Tensor) (*tensor.Tensor, error)) (lang.Value, error) {
	t, n, ok := lang.EventTensor(x)
	if !ok {
		return nil, fmt.Errorf("%s: got %s for x, want number, vector or matrix", fn, x.Type())
	}
	event := t.Shape()
	if n > 0 {
		event = event[1:]
	} else {
		n = nb
	}
	if nb > 0 && n != nb {
		return nil, fmt.Errorf("internal error: batches of %d and %d draws", nb, n)
	}
	rowsOf := 1 // the leading axis of t's rows: n for a batch, 1 for plain x
	if _, ok := x.(*lang.Batch); ok {
		rowsOf = n
	}
	switch len(event) {
	case 0: // a number per draw
		if dim != 1 {
			return nil, fmt.Errorf("%s: x is a number but the distribution has dimension %d", fn, dim)
		}
		r, err := eval(tensor.Reshape(t, rowsOf, 1))
		if err != nil {
			return nil, err
		}
		return lang.NewBatch(tensor.Reshape(tensor.BroadcastTo(r, n, 1), n)), nil
	case 1: // a vector per draw: per element (dim 1) or one value of dimension dim
		if dim != 1 && event[0] != dim {
			return nil, fmt.Errorf("%s: x has length %d but the distribution has dimension %d", fn, event[0], dim)
		}
		r, err := eval(tensor.Reshape(t, rowsOf, event[0]))
		if err != nil {
			return nil, err
		}
		return lang.NewBatch(tensor.BroadcastTo(r, n, event[0])), nil
	}
	// A matrix of rows per draw: one row at a time, stacked.
	if event[1] != dim {
		return nil, fmt.Errorf("%s: x has %d columns but the distribution has dimension %d", fn, event[1], dim)
	}
	parts := make([]*tensor.Tensor, event[0])
	for j := range parts {
		var row *tensor.Tensor
		if rowsOf == n {
			row = tensor.Reshape(tensor.Narrow(t, 1, j, 1), n, dim)
		} else {
			row = tensor.Narrow(t, 0, j, 1)
		}
		r, err := eval(row)
		if err != nil {
			return nil, err
		}
		parts[j] = tensor.BroadcastTo(r, n, dim)
	}
	return lang.NewBatch(tensor.Stack(1, parts...)), nil
}

// builtinTruncated is Truncated(d, low, high): low defaults to -inf and
// high to inf. Bounds are numbers or vectors, or values computed from
// latent variables inside a model.
func builtinTruncated(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var dv lang.Distribution
	var lowV, highV lang.Value = lang.Number(math.Inf(-1)), lang.Number(math.Inf(1))
	if err := lang.UnpackArgs("Truncated", args, kwargs, "d", &dv, "low?", &lowV, "high?", &highV); err != nil {
		return nil, err
	}
	d, ok := dv.(*lang.Dist)
	if !ok {
		return nil, fmt.Errorf("Truncated: d must be a distribution such as Normal(0, 1), got %s", dv.Type())
	}
	nb, vector := d.Batch, d.Vector
	validate := nb == 0
	for _, p := range d.Params {
		validate = validate && !p.Tracked()
	}
	bound := func(name string, v lang.Value) (*tensor.Tensor, error) {
		switch v := v.(type) {
		case lang.Number:
			return tensor.Scalar(float64(v)), nil
		case *lang.Array:
			if !v.IsVector() {
				return nil, fmt.Errorf("Truncated: %s must be a number or a vector, got a matrix", name)
			}
			vector = true
			validate = validate && !v.T.Tracked()
			return v.T, nil
		case *lang.Batch:
			switch {
			case v.Bool:
				return nil, fmt.Errorf("Truncated: %s must be a number or a vector, got bool", name)
			case nb != 0 && v.N() != nb:
				return nil, fmt.Errorf("internal error: batches of %d and %d draws", nb, v.N())
			}
			nb, validate = v.N(), false
			switch len(v.Event()) {
			case 0:
				return v.Column(), nil
			case 1:
				vector = true
				return v.T, nil
			}
			return nil, fmt.Errorf("Truncated: %s must be a number or a vector, got a matrix that depends on latent variables", name)
		}
		return nil, fmt.Errorf("Truncated: %s must be a number or a vector, got %s", name, v.Type())
	}
	low, err := bound("low", lowV)
	if err != nil {
		return nil, err
	}
	high, err := bound("high", highV)
	if err != nil {
		return nil, err
	}
	t, err := dist.MakeTruncated(d.D, low, high, validate)
	if err != nil {
		return nil, err
	}
	return &lang.Dist{D: t, Batch: nb, Vector: vector}, nil
}
