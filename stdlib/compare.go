package stdlib

import (
	"fmt"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// comparisons are the elementwise comparison builtins, by NumPy's names:
// each gives 1 where the comparison holds and 0 elsewhere (IEEE: a
// comparison with nan is false, not_equal true).
var comparisons = []struct {
	name, op string
	f        func(x, y float64) bool
}{
	{"equal", "==", func(x, y float64) bool { return x == y }},
	{"not_equal", "!=", func(x, y float64) bool { return x != y }},
	{"less", "<", func(x, y float64) bool { return x < y }},
	{"less_equal", "<=", func(x, y float64) bool { return x <= y }},
	{"greater", ">", func(x, y float64) bool { return x > y }},
	{"greater_equal", ">=", func(x, y float64) bool { return x >= y }},
}

func compareBuiltins() []*lang.Builtin {
	out := []*lang.Builtin{
		def("where", "where(cond, a, b): elementwise a where cond is true (a bool, or a non-zero element), b elsewhere (broadcasting)", builtinWhere),
	}
	for _, c := range comparisons {
		doc := fmt.Sprintf("%s(a, b): 1 where a %s b and 0 elsewhere, elementwise (broadcasting)", c.name, c.op)
		out = append(out, def(c.name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			return compareElementwise(c.name, c.f, args, kwargs)
		}))
	}
	return out
}

// fullData returns the elements of t (from operands) broadcast to the
// result's full shape, without recording anything on a tape.
func fullData(t *tensor.Tensor, n int, event []int) []float64 {
	return broadcastTo(t.Detach(), n, event).Data()
}

// resultShape is the full shape of a result of operands.
func resultShape(n int, event []int) []int {
	if n > 0 {
		return append([]int{n}, event...)
	}
	return event
}

func compareElementwise(fn string, f func(x, y float64) bool, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var x, y lang.Value
	if err := lang.UnpackArgs(fn, args, kwargs, "a", &x, "b", &y); err != nil {
		return nil, err
	}
	ts, n, event, err := operands(fn, []string{"a", "b"}, x, y)
	if err != nil {
		return nil, err
	}
	a, b := fullData(ts[0], n, event), fullData(ts[1], n, event)
	out := make([]float64, len(a))
	for i := range out {
		if f(a[i], b[i]) {
			out[i] = 1
		}
	}
	return valueOf(tensor.New(out, resultShape(n, event)...), n), nil
}

func builtinWhere(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var cond, x, y lang.Value
	if err := lang.UnpackArgs("where", args, kwargs, "cond", &cond, "a", &x, "b", &y); err != nil {
		return nil, err
	}
	switch c := cond.(type) {
	case lang.Bool:
		cond = lang.Number(0)
		if c {
			cond = lang.Number(1)
		}
	case *lang.Batch:
		if c.Bool {
			cond = lang.NewBatch(c.T.Detach()) // its 0s and 1s
		}
	case lang.Number, *lang.Array:
	default:
		return nil, fmt.Errorf("where: cond must be a bool, number, vector or matrix, got %s", cond.Type())
	}
	ts, n, event, err := operands("where", []string{"cond", "a", "b"}, cond, x, y)
	if err != nil {
		return nil, err
	}
	cd := fullData(ts[0], n, event)
	mask := make([]bool, len(cd))
	for i, v := range cd {
		mask[i] = v != 0 // nan counts as true, as in NumPy
	}
	return valueOf(tensor.Where(mask, broadcastTo(ts[1], n, event), ts[2]), n), nil
}
