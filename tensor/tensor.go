package tensor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Tensor is a dense row-major float64 array. The zero value is not useful;
// build tensors with New, Zeros, Full, Scalar, Vector, Matrix or Param.
type Tensor struct {
	shape []int
	data  []float64
	// grad is the gradient buffer: persistent for parameters, arena-backed
	// for intermediate results on a tape, nil when the tensor is not tracked.
	grad []float64
	tape *Tape
	gen  uint64 // tape generation in which tape was set (see Tape.Reset)
	// base is the tensor whose data (and gradient) a Reshape view shares;
	// tracking is decided by the base. nil for tensors that own their data.
	base  *Tensor
	param bool
	// taint is the tape of a Trace being recorded when the tensor is a
	// Detach of a tensor recorded on it (its values change at replay).
	taint *Tape
	// readBy is the tape of a Trace being recorded that has an operation
	// reading this untracked tensor (a constant): an in-place write into
	// it (Assign) would change what the replays of that operation read.
	readBy *Tape
}

// New returns a tensor of the given shape that takes ownership of data.
// It panics if len(data) is not the product of shape.
func New(data []float64, shape ...int) *Tensor {
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("tensor.New: %d values for shape %v", len(data), shape))
	}
	return &Tensor{shape: append([]int(nil), shape...), data: data}
}

// Zeros returns a tensor of zeros.
func Zeros(shape ...int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), data: make([]float64, numel(shape))}
}

// Full returns a tensor with every element v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// Scalar returns a rank-0 tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{shape: []int{}, data: []float64{v}} }

// Vector returns a rank-1 tensor holding a copy of v.
func Vector(v []float64) *Tensor {
	return &Tensor{shape: []int{len(v)}, data: append([]float64(nil), v...)}
}

// Matrix returns an r×c tensor holding a copy of the rows. All rows must
// have length c; it panics otherwise.
func Matrix(rows [][]float64) *Tensor {
	r := len(rows)
	c := 0
	if r > 0 {
		c = len(rows[0])
	}
	t := Zeros(r, c)
	for i, row := range rows {
		if len(row) != c {
			panic("tensor.Matrix: ragged rows")
		}
		copy(t.data[i*c:], row)
	}
	return t
}

// Param returns a trainable parameter holding data (owned) with the given
// shape. It has a persistent gradient buffer that Tape.Backward accumulates
// into; ZeroGrad clears it.
func Param(data []float64, shape ...int) *Tensor {
	t := New(data, shape...)
	t.grad = make([]float64, len(data))
	t.param = true
	return t
}

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Data returns the flat row-major data. Writing to it changes the tensor.
// It panics for a scratch tensor whose tape has been Reset (see Tape).
func (t *Tensor) Data() []float64 {
	t.read()
	return t.data
}

// Grad returns the gradient buffer: persistent for parameters (and views of
// them), tape-owned for other tracked tensors, nil otherwise.
func (t *Tensor) Grad() []float64 { return t.root().grad }

// ZeroGrad sets the gradient buffer to zero.
func (t *Tensor) ZeroGrad() { clear(t.root().grad) }

// IsParam reports whether t was made by Param (or is a view of one).
func (t *Tensor) IsParam() bool { return t.root().param }

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float64 {
	t.read()
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor.Item: tensor of shape %v has %d elements", t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given index (one index per axis).
func (t *Tensor) At(idx ...int) float64 {
	t.read()
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor.At: %d indices for shape %v", len(idx), t.shape))
	}
	off := 0
	for i, k := range idx {
		if k < 0 || k >= t.shape[i] {
			panic(fmt.Sprintf("tensor.At: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + k
	}
	return t.data[off]
}

// Clone returns an untracked deep copy of t's values (no gradient, no tape).
func (t *Tensor) Clone() *Tensor {
	t.read()
	return &Tensor{shape: append([]int(nil), t.shape...), data: append([]float64(nil), t.data...)}
}

// Detach returns a view of t's values that is not tracked by any tape. The
// data are shared, not copied. The view of a scratch tensor (see Tape) is
// a scratch tensor with the same lifetime.
//
// While a Trace is recorded, the Detach of a tensor recorded on it (or of
// such a Detach) is marked: reading its values, or an operation on it whose
// result is not recorded, makes the trace not replayable.
func (t *Tensor) Detach() *Tensor {
	r := t.root()
	if r.isScratch() {
		return &Tensor{shape: t.shape, data: t.data, tape: r.tape, gen: r.gen}
	}
	if tp := r.traceTape(); tp != nil {
		return &Tensor{shape: t.shape, data: t.data, taint: tp}
	}
	return &Tensor{shape: t.shape, data: t.data}
}

// Tracked reports whether operations on t are being recorded on a tape.
// Scratch tensors (see Tape) are not tracked.
func (t *Tensor) Tracked() bool {
	r := t.root()
	return r.tape != nil && r.tape.owner == nil && r.gen == r.tape.gen
}

// root returns the tensor that owns t's storage: t.base for a view, else t.
func (t *Tensor) root() *Tensor {
	if t.base != nil {
		return t.base
	}
	return t
}

// String formats the tensor for debugging.
func (t *Tensor) String() string {
	t.read()
	var b strings.Builder
	b.WriteString("tensor")
	b.WriteString(fmt.Sprint(t.shape))
	b.WriteString("{")
	for i, v := range t.data {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 16 {
			b.WriteString("...")
			break
		}
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	b.WriteString("}")
	return b.String()
}

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BroadcastShapes returns the NumPy broadcast of two shapes, or an error
// naming both shapes when they are incompatible.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v cannot be broadcast together", a, b)
		}
	}
	return out, nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// tapeOf returns the tape recording operations on any of ts; else, when
// some of ts are scratch tensors (see Tape), the companion tape that owns
// them (newOut then makes a scratch result and gradOn gives nil); else nil.
// It panics if a tensor was produced on a tape that has since been Reset
// (its storage now belongs to other tensors), and if ts belong to
// different tapes.
func tapeOf(ts ...*Tensor) *Tape {
	var tp, sc, taint *Tape
	for _, t := range ts {
		if t == nil {
			continue
		}
		r := t.root()
		if r.tape == nil {
			if r.taint != nil {
				taint = r.taint
			}
			continue
		}
		if r.gen != r.tape.gen {
			panic("tensor: use of a tensor produced on a tape before its Reset")
		}
		if r.tape.owner != nil {
			if sc != nil && r.tape != sc {
				panic("tensor: scratch operands of different tapes")
			}
			sc = r.tape
			continue
		}
		if tp != nil && r.tape != tp {
			panic("tensor: operands recorded on different tapes")
		}
		tp = r.tape
	}
	if taint != nil && taint.rec != nil && tp != taint {
		// An operation on a Detach of a traced tensor whose result is
		// not recorded: its values would not follow a replay.
		taint.rec.poison("an untracked result computed from a Detach of a traced tensor")
	}
	if tp != nil && tp.rec != nil {
		// The constants a recorded operation reads (see Assign).
		for _, t := range ts {
			if t != nil && t.root().tape == nil {
				t.root().readBy = tp
			}
		}
	}
	switch {
	case sc == nil:
		return tp
	case tp == nil:
		return sc
	case sc.owner != tp:
		panic("tensor: a scratch tensor of one tape used with tensors recorded on another")
	}
	return tp
}

// newOut allocates an output tensor of the given shape; if tp is non-nil the
// data and gradient come from the tape's arena and the result is tracked.
// The data are not zeroed on a tape.
func newOut(tp *Tape, shape []int) *Tensor {
	n := numel(shape)
	if tp == nil {
		return &Tensor{shape: shape, data: make([]float64, n)}
	}
	if tp.owner != nil {
		// A scratch result: zeroed as make would, no gradient.
		return &Tensor{shape: shape, data: tp.arena.allocZero(n), tape: tp, gen: tp.gen}
	}
	t := &Tensor{shape: shape, data: tp.arena.alloc(n), grad: tp.arena.allocZero(n), tape: tp, gen: tp.gen}
	if tp.rec != nil {
		tp.rec.newResult(t)
	}
	return t
}

// isNaNOrInf reports whether v is not finite.
func isNaNOrInf(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// AllFinite reports whether every element of t is finite. It is a read of
// t's values (see Trace); Clean is its guarded form.
func AllFinite(t *Tensor) bool {
	t.read()
	for _, v := range t.data {
		if isNaNOrInf(v) {
			return false
		}
	}
	return true
}

// gradOn returns t's gradient buffer if t is recorded on tp, and nil
// otherwise (untracked tensors and parameters not watched by tp get no
// gradient).
func gradOn(t *Tensor, tp *Tape) []float64 {
	if tp == nil || t == nil {
		return nil
	}
	if r := t.root(); r.tape == tp {
		return r.grad
	}
	return nil
}

// normAxis resolves a possibly negative axis for a tensor of the given rank
// and panics if it is out of range.
func normAxis(op string, axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		panic(fmt.Sprintf("tensor.%s: axis out of range for rank %d", op, rank))
	}
	return axis
}
