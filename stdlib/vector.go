package stdlib

import (
	"fmt"
	"math"
	"slices"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// eventArg returns the tensor of a number, array or batch, its number of
// draws (0 for a plain value) and the shape of one draw's value.
func eventArg(fn string, x lang.Value) (t *tensor.Tensor, n int, event []int, err error) {
	t, n, ok := lang.EventTensor(x)
	if !ok {
		return nil, 0, nil, fmt.Errorf("%s: got %s, want number, vector or matrix", fn, x.Type())
	}
	event = t.Shape()
	if n > 0 {
		event = event[1:]
	}
	return t, n, event, nil
}

// unpackEventArg unpacks the one argument x of a builtin and returns it
// with what eventArg returns of it.
func unpackEventArg(fn string, args lang.Tuple, kwargs []lang.Kwarg) (x lang.Value, t *tensor.Tensor, n int, event []int, err error) {
	if x, err = argX(fn, args, kwargs); err != nil {
		return nil, nil, 0, nil, err
	}
	t, n, event, err = eventArg(fn, x)
	return x, t, n, event, err
}

// vectorArg is eventArg for a builtin that takes only a vector.
func vectorArg(fn string, args lang.Tuple, kwargs []lang.Kwarg) (t *tensor.Tensor, n int, err error) {
	x, t, n, event, err := unpackEventArg(fn, args, kwargs)
	if err != nil {
		return nil, 0, err
	}
	if len(event) != 1 {
		return nil, 0, fmt.Errorf("%s: got %s, want vector", fn, x.Type())
	}
	return t, n, nil
}

func vectorBuiltins() []*lang.Builtin {
	// overVector applies f along the vector's axis (1 for a batch).
	overVector := func(name, doc string, f func(t *tensor.Tensor, axis int) *tensor.Tensor) *lang.Builtin {
		return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			t, n, err := vectorArg(name, args, kwargs)
			if err != nil {
				return nil, err
			}
			if t.Len() == 0 {
				return nil, fmt.Errorf("%s: empty vector", name)
			}
			return valueOf(f(t, t.Rank()-1), n), nil
		})
	}
	return []*lang.Builtin{
		def("cumsum", "cumsum(x): running sums of a vector, or down each column of a matrix", builtinCumsum),
		def("sort", "sort(x): the elements of a vector in ascending order (nan last)", builtinSort),
		overVector("softmax", "softmax(x): exp(x) / sum(exp(x)) of a vector, computed stably", tensor.Softmax),
		overVector("log_softmax", "log_softmax(x): x - logsumexp(x) of a vector, computed stably", tensor.LogSoftmax),
	}
}

func builtinCumsum(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	x, t, n, event, err := unpackEventArg("cumsum", args, kwargs)
	if err != nil {
		return nil, err
	}
	if len(event) == 0 {
		return x, nil // a number is its own running sum
	}
	axis := 0 // down the vector, or down each column of a matrix
	if n > 0 {
		axis = 1
	}
	return valueOf(tensor.CumSum(t, axis), n), nil
}

func builtinSort(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	t, n, err := vectorArg("sort", args, kwargs)
	if err != nil {
		return nil, err
	}
	// A gather by each draw's sorting permutation: differentiable, the
	// gradient of each sorted element going to the element it came from.
	draws := max(n, 1)
	k := t.Len() / max(draws, 1)
	d := t.Data()
	idx := make([]int, 0, t.Len())
	for i := range draws {
		line := d[i*k : (i+1)*k]
		perm := make([]int, k)
		for j := range perm {
			perm[j] = j
		}
		slices.SortStableFunc(perm, func(a, b int) int {
			x, y := line[a], line[b]
			switch {
			case math.IsNaN(x) || math.IsNaN(y):
				return boolCmp(math.IsNaN(x), math.IsNaN(y))
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
		for _, j := range perm {
			idx = append(idx, i*k+j)
		}
	}
	flat := tensor.Take(tensor.Reshape(t, t.Len()), 0, idx)
	return valueOf(tensor.Reshape(flat, t.Shape()...), n), nil
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
