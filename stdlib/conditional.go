package stdlib

import (
	"fmt"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// checkGiven returns fn's error for given = x with a d that is not a
// conditional flow, or for a conditional flow without given.
func checkGiven(fn string, dv lang.Value, q *lang.ConditionalFlow, given lang.Value) error {
	switch {
	case q == nil:
		return fmt.Errorf("%s: given applies to a conditional flow (flow ... with context = k), got %s", fn, lang.Describe(dv))
	case given == nil || given == lang.None:
		k := q.F.ContextDim()
		return fmt.Errorf("%s: q is a conditional flow, a distribution for each context of %d values: give the contexts, %s(q, ..., given = x), or fix one with q.given(x)", fn, k, fn)
	}
	return nil
}

// logProbGiven implements log_prob(q, y, given = x) for a conditional
// flow q: the log density of each row of y at its context (one context
// for all rows, or one per row).
func logProbGiven(dv lang.Value, q *lang.ConditionalFlow, x, given lang.Value) (lang.Value, error) {
	if err := checkGiven("log_prob", dv, q, given); err != nil {
		return nil, err
	}
	if _, ok := x.(*lang.Batch); ok {
		return nil, fmt.Errorf("log_prob: a conditional flow inside a model is not supported: score fixed values")
	}
	t, one, err := rows("log_prob", x, q.F.Dim(), []int{q.F.Dim()})
	if err != nil {
		return nil, err
	}
	c, _, err := q.Contexts("log_prob", given, t.Dim(0))
	if err != nil {
		return nil, err
	}
	lp := q.F.LogProbGiven(t, c)
	if one {
		return lang.Number(lp.Data()[0]), nil
	}
	return lang.NewArray(tensor.Reshape(lp, lp.Len())), nil
}

// sampleGiven implements sample(q, given = x) and sample(q, n, given = x)
// for a conditional flow q: at one context x, one draw or n draws as
// sample of a flow gives them; at contexts x, one per row (a matrix, or a
// vector of values when the context has one value), one draw per context
// (n, when given, must be their number).
func sampleGiven(th *lang.Thread, dv lang.Value, q *lang.ConditionalFlow, nv, given lang.Value) (lang.Value, error) {
	if err := checkGiven("sample", dv, q, given); err != nil {
		return nil, err
	}
	k := q.F.ContextDim()
	m := 0 // contexts, one per row (0: one context)
	if a, ok := given.(*lang.Array); ok {
		switch {
		case !a.IsVector():
			m = a.Shape()[0]
		case k == 1 && a.Len() != 1:
			m = a.Len()
		}
	}
	if m == 0 {
		p, err := q.Given(given)
		if err != nil {
			return nil, fmt.Errorf("sample: given: %v", err)
		}
		n, one := 1, true
		if nv != nil {
			if n, err = sizeArg("sample", "n", nv); err != nil {
				return nil, err
			}
			one = false
		}
		v, err := lang.SampleValue(th, p, n, one)
		if err != nil {
			return nil, fmt.Errorf("sample: %v", err)
		}
		return v, nil
	}
	if nv != nil {
		n, err := sizeArg("sample", "n", nv)
		if err != nil {
			return nil, err
		}
		if n != m {
			return nil, fmt.Errorf("sample: %d contexts give one draw each, but n = %d (omit n, or give one context)", m, n)
		}
	}
	c, _, err := q.Contexts("sample", given, m)
	if err != nil {
		return nil, err
	}
	d := q.F.Dim()
	if err := checkResultSize(th, "sample", m, d); err != nil {
		return nil, err
	}
	x := q.F.SampleGiven(th.Rand, c)
	if d == 1 {
		return lang.NewArray(tensor.Reshape(x, m)), nil
	}
	return lang.NewArray(x), nil
}
