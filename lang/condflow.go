package lang

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/tensor"
)

// ConditionalFlow is a conditional flow q(y | x) (a flow built with
// context = k): a family of distributions, one per context x of k values.
// It is not a Distribution: q.given(x) is the flow at one context (a
// *Flow), log_prob(q, Y, given = X) scores rows at contexts row by row,
// sample(q, n, given = x) draws at contexts, and fit q to Y given X trains
// it.
type ConditionalFlow struct {
	F *flows.Flow
}

var _ HasAttrs = (*ConditionalFlow)(nil)

// String describes the flow, e.g. flow AffineAutoregressive(context=2)
// over Normal(0, 1) — 700 params.
func (c *ConditionalFlow) String() string { return c.F.String() }

// Type returns "conditional flow".
func (*ConditionalFlow) Type() string { return "conditional flow" }

// AttrNames lists the methods: given.
func (*ConditionalFlow) AttrNames() []string { return []string{"given"} }

// Attr returns the method given: q.given(x) is the flow at the context x.
func (c *ConditionalFlow) Attr(name string) (Value, bool) {
	if name != "given" {
		return nil, false
	}
	return NewBuiltin("given", func(th *Thread, b *Builtin, args Tuple, kwargs []Kwarg) (Value, error) {
		var x Value
		if err := UnpackArgs("given", args, kwargs, "x", &x); err != nil {
			return nil, err
		}
		f, err := c.Given(x)
		if err != nil {
			return nil, fmt.Errorf("given: %v", err)
		}
		return &Flow{F: f}, nil
	}), true
}

// Given returns the flow at one context x: a number (a context of one
// value) or a vector of ContextDim values.
func (c *ConditionalFlow) Given(x Value) (*flows.Flow, error) {
	k := c.F.ContextDim()
	var v []float64
	switch x := x.(type) {
	case Number:
		v = []float64{float64(x)}
	case *Array:
		if !x.IsVector() {
			return nil, fmt.Errorf("x must be one context of %d values, got a %s matrix (for one context per row, use log_prob(q, y, given = x) or sample(q, given = x))", k, MatrixShape(x.Shape()))
		}
		v = x.Data()
	default:
		return nil, fmt.Errorf("x must be one context of %d values (a number or vector), got %s", k, Describe(x))
	}
	if len(v) != k {
		return nil, fmt.Errorf("the flow is conditional on a context of %d values, got %d", k, len(v))
	}
	if err := FiniteContexts(v, k); err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	return c.F.Given(v)
}

// FiniteContexts returns an error naming the first context value of data
// (rows of k values) that is nan or infinite: a flow is trained on finite
// contexts, and one that is not gives nan densities and draws.
func FiniteContexts(data []float64, k int) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if len(data) == k {
				return fmt.Errorf("context value %d is %v: contexts must be finite", i, v)
			}
			return fmt.Errorf("context row %d column %d is %v: contexts must be finite", i/k, i%k, v)
		}
	}
	return nil
}

// Contexts returns the contexts of m rows of values as an [m, ContextDim]
// tensor, and whether they are one context for every row: x is a matrix
// of m rows (one context per row), a vector (one context of ContextDim
// values; with ContextDim 1, one value per row when it has m elements) or
// a number (ContextDim 1). fn names the builtin in errors.
func (c *ConditionalFlow) Contexts(fn string, x Value, m int) (*tensor.Tensor, bool, error) {
	t, one, err := c.contexts(fn, x, m)
	if err == nil {
		if err := FiniteContexts(t.Data(), c.F.ContextDim()); err != nil {
			return nil, false, fmt.Errorf("%s: given: %w", fn, err)
		}
	}
	return t, one, err
}

func (c *ConditionalFlow) contexts(fn string, x Value, m int) (*tensor.Tensor, bool, error) {
	k := c.F.ContextDim()
	bad := func(got string) error {
		return fmt.Errorf("%s: given must be one context of %d values or a %d×%d matrix of contexts, one row per value, got %s", fn, k, m, k, got)
	}
	switch x := x.(type) {
	case Number:
		if k != 1 {
			return nil, false, bad("a number")
		}
		return tensor.Full(float64(x), m, 1), true, nil
	case *Array:
		if x.IsVector() {
			switch n := x.Len(); {
			case n == k:
				return tensor.BroadcastTo(tensor.New(x.Data(), 1, k), m, k), true, nil
			case k == 1 && n == m:
				return tensor.New(x.Data(), m, 1), false, nil
			}
			return nil, false, bad(fmt.Sprintf("a vector of length %d", x.Len()))
		}
		if s := x.Shape(); len(s) == 2 && s[1] == k && s[0] == m {
			return x.T, false, nil
		}
		return nil, false, bad("a " + MatrixShape(x.Shape()) + " matrix")
	}
	return nil, false, bad(Describe(x))
}
