package stdlib

import (
	"fmt"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// operands returns the tensors of the arguments of an elementwise builtin
// (numbers, vectors, matrices, or batches of them inside a model), ready
// to broadcast together with tensor operations: a batch whose event rank
// is below the largest one gets axes of size 1 after its draw axis, and a
// plain value broadcasts right-aligned against the draws. n is the number
// of draws (0 when no argument is a batch) and event the broadcast shape
// of one draw's result. names name the parameters in errors.
func operands(fn string, names []string, args ...lang.Value) (ts []*tensor.Tensor, n int, event []int, err error) {
	events := make([][]int, len(args))
	batch := make([]bool, len(args))
	for i, a := range args {
		t, bn, ok := lang.EventTensor(a)
		if !ok {
			return nil, 0, nil, fmt.Errorf("%s: %s must be a number, vector or matrix, got %s", fn, names[i], a.Type())
		}
		if bn > 0 {
			if n > 0 && bn != n {
				return nil, 0, nil, fmt.Errorf("%s: internal error: batches of %d and %d draws", fn, n, bn)
			}
			n, batch[i] = bn, true
			events[i] = t.Shape()[1:]
		} else {
			events[i] = t.Shape()
		}
		ts = append(ts, t)
		s, err := tensor.BroadcastShapes(event, events[i])
		if err != nil {
			return nil, 0, nil, fmt.Errorf("%s: shapes %s and %s do not match", fn, lang.ShapeString(event), lang.ShapeString(events[i]))
		}
		event = s
	}
	for i, t := range ts {
		if batch[i] && len(events[i]) < len(event) {
			shape := []int{n}
			for range len(event) - len(events[i]) {
				shape = append(shape, 1)
			}
			ts[i] = tensor.Reshape(t, append(shape, events[i]...)...)
		}
	}
	return ts, n, event, nil
}

// valueOf wraps the result t of tensor operations: a batch when n > 0
// (t then has the draw axis first), else a number or an array.
func valueOf(t *tensor.Tensor, n int) lang.Value {
	switch {
	case n > 0:
		return lang.NewBatch(t)
	case t.Rank() == 0:
		return lang.Number(t.Item())
	}
	return lang.NewArray(t)
}

// broadcastTo returns t (from operands) broadcast to the full shape of the
// result: [n, event...] when n > 0, else event.
func broadcastTo(t *tensor.Tensor, n int, event []int) *tensor.Tensor {
	shape := event
	if n > 0 {
		shape = append([]int{n}, event...)
	}
	if tensor.SameShape(t.Shape(), shape) {
		return t
	}
	return tensor.BroadcastTo(t, shape...)
}
