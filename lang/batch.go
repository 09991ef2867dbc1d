package lang

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// Batch is a value that depends on latent variables inside a model: one
// value per guide draw, evaluated for all draws at once. T has a leading
// draw axis: [B] for a number, [B, d] for a vector, [B, r, c] for a matrix.
// A batch of truth values (from a comparison) has Bool set and holds 0 and
// 1. T may be tracked by a tape (the model's log density is differentiated
// through it); every operation on a Batch keeps it on its tape.
//
// Operators, indexing, the math builtins, reductions (over the event axes)
// and distribution constructors accept any mix of Batch and plain values;
// a plain value is the same for every draw.
type Batch struct {
	T    *tensor.Tensor
	Bool bool

	col *tensor.Tensor // Column's result
	// sole is set on the batches that SetIndex makes: T is referred to by
	// this batch only, so SetIndexInPlace may write into it. Share clears it.
	sole bool
}

var _ Indexable = (*Batch)(nil)

// NewBatch wraps a tensor whose first axis is the draw axis.
func NewBatch(t *tensor.Tensor) *Batch { return &Batch{T: t} }

// Column returns T as a [B, 1] tensor (for a batch of numbers), the same
// tensor on every call, so that the parameters of distributions built from
// one batch can be recognised as the same parameter.
func (b *Batch) Column() *tensor.Tensor {
	if b.col == nil {
		b.col = tensor.Reshape(b.T, b.N(), 1)
	}
	return b.col
}

// N returns the number of draws B.
func (b *Batch) N() int { return b.T.Dim(0) }

// Event returns the shape of one draw's value: [] for a number.
func (b *Batch) Event() []int { return b.T.Shape()[1:] }

// Len returns the length of one draw's value along its first axis.
func (b *Batch) Len() int {
	if b.T.Rank() < 2 {
		return 1
	}
	return b.T.Dim(1)
}

// Type returns the kind of one draw's value: "number", "vector", "matrix"
// or "bool".
func (b *Batch) Type() string {
	if b.Bool {
		return "bool"
	}
	switch b.T.Rank() {
	case 1:
		return "number"
	case 2:
		return "vector"
	}
	return "matrix"
}

// String describes the batch: "<number for each of 256 draws>".
func (b *Batch) String() string {
	s := b.Type()
	if e := b.Event(); len(e) > 0 {
		s += " " + ShapeString(e)
	}
	return fmt.Sprintf("<%s for each of %d draws>", s, b.N())
}

// Draw returns the value of draw i as a plain value.
func (b *Batch) Draw(i int) Value {
	e := b.Event()
	n := 1
	for _, d := range e {
		n *= d
	}
	data := append([]float64(nil), b.T.Data()[i*n:(i+1)*n]...)
	switch {
	case b.Bool:
		return Bool(data[0] != 0)
	case len(e) == 0:
		return Number(data[0])
	}
	return &Array{T: tensor.New(data, e...)}
}

// batchOf returns the batch size of x if it is a Batch (0 otherwise).
func batchOf(v Value) int {
	if b, ok := v.(*Batch); ok {
		return b.N()
	}
	return 0
}

// operand is a number, array or batch seen by the batched operators: its
// tensor, whether it has a draw axis, and its event shape.
type operand struct {
	t     *tensor.Tensor
	batch bool
	event []int
}

func operandOf(v Value) (operand, bool) {
	switch v := v.(type) {
	case Number:
		return operand{t: tensor.Scalar(float64(v)), event: []int{}}, true
	case *Array:
		return operand{t: v.T, event: v.Shape()}, true
	case *Batch:
		if v.Bool {
			return operand{}, false
		}
		return operand{t: v.T, batch: true, event: v.Event()}, true
	}
	return operand{}, false
}

// aligned returns the operand's tensor ready to broadcast against others
// of event rank r with a draw axis: a batch gets 1s inserted after its draw
// axis; a plain value is right-aligned by broadcasting.
func (o operand) aligned(r int) *tensor.Tensor {
	if !o.batch || len(o.event) == r {
		return o.t
	}
	shape := []int{o.t.Dim(0)}
	for range r - len(o.event) {
		shape = append(shape, 1)
	}
	return tensor.Reshape(o.t, append(shape, o.event...)...)
}

// ToBatch returns v with a draw axis of size n: a Batch as is, a number or
// array repeated n times.
func ToBatch(v Value, n int) (*Batch, error) {
	if b, ok := v.(*Batch); ok {
		return b, nil
	}
	o, ok := operandOf(v)
	if !ok {
		return nil, fmt.Errorf("a %s cannot depend on latent variables", v.Type())
	}
	shape := append([]int{1}, o.event...)
	t := tensor.Reshape(o.t, shape...)
	return &Batch{T: tensor.BroadcastTo(t, append([]int{n}, o.event...)...)}, nil
}

func checkBatches(x, y Value) (int, error) {
	a, b := batchOf(x), batchOf(y)
	if a != 0 && b != 0 && a != b {
		return 0, fmt.Errorf("internal error: batches of %d and %d draws", a, b)
	}
	return max(a, b), nil
}

func batchArith(op string, x, y Value) (Value, error) {
	if r, ok := batchScalarArith(op, x, y); ok {
		return r, nil
	}
	if _, err := checkBatches(x, y); err != nil {
		return nil, err
	}
	a, ok1 := operandOf(x)
	b, ok2 := operandOf(y)
	if !ok1 || !ok2 {
		return nil, unsupported(op, x, y)
	}
	ev, err := tensor.BroadcastShapes(a.event, b.event)
	if err != nil {
		return nil, fmt.Errorf("shapes %s and %s do not match for %s", ShapeString(a.event), ShapeString(b.event), op)
	}
	if len(ev) > 2 {
		return nil, fmt.Errorf("shapes %s and %s do not match for %s", ShapeString(a.event), ShapeString(b.event), op)
	}
	r := len(ev)
	at, bt := a.aligned(r), b.aligned(r)
	t := arithTensor(op, at, bt)
	return &Batch{T: t}, nil
}

// batchScalarArith is the common case of batchArith, a batch plus, minus
// or times a finite number, a number minus a batch, or a batch squared
// (x ^ 2): one or two operations without broadcasting, with the values and
// gradients that the broadcasting operation gives (x ^ 2 as x * x, which
// is math.Pow(x, 2) wherever x² is not subnormal). ok is false for other
// operands.
func batchScalarArith(op string, x, y Value) (Value, bool) {
	b, c, batchFirst := (*Batch)(nil), Number(0), true
	switch x := x.(type) {
	case *Batch:
		n, ok := y.(Number)
		if !ok {
			return nil, false
		}
		b, c = x, n
	case Number:
		yb, ok := y.(*Batch)
		if !ok {
			return nil, false
		}
		b, c, batchFirst = yb, x, false
	default:
		return nil, false
	}
	if b.Bool || math.IsInf(float64(c), 0) || math.IsNaN(float64(c)) {
		return nil, false
	}
	switch {
	case op == "+":
		return &Batch{T: tensor.AddScalar(b.T, float64(c))}, true
	case op == "*":
		return &Batch{T: tensor.Scale(b.T, float64(c))}, true
	case op == "-" && batchFirst:
		return &Batch{T: tensor.AddScalar(b.T, -float64(c))}, true
	case op == "-":
		return &Batch{T: tensor.AddScalar(tensor.Neg(b.T), float64(c))}, true
	case op == "^" && batchFirst && c == 2:
		return &Batch{T: tensor.Square(b.T)}, true
	}
	return nil, false
}

// batchMatmul is x @ y when either is a batch.
func batchMatmul(x, y Value) (Value, error) {
	n, err := checkBatches(x, y)
	if err != nil {
		return nil, err
	}
	a, ok1 := operandOf(x)
	b, ok2 := operandOf(y)
	if !ok1 || !ok2 || len(a.event) == 0 || len(b.event) == 0 {
		return nil, unsupported("@", x, y)
	}
	sa, sb := a.event, b.event
	if err := matMulShapes(sa, sb); err != nil {
		return nil, err
	}
	switch {
	case a.batch && !b.batch:
		// [B, ..., k] @ [k] or [k, m]: fold the draws into rows.
		rows := a.t.Len() / sa[len(sa)-1]
		at := tensor.Reshape(a.t, rows, sa[len(sa)-1])
		bt := b.t
		if len(sb) == 1 {
			bt = tensor.Reshape(bt, sb[0], 1)
		}
		out := tensor.MatMul(at, bt)
		shape := append([]int{n}, sa[:len(sa)-1]...)
		if len(sb) == 2 {
			shape = append(shape, sb[1])
		}
		return &Batch{T: tensor.Reshape(out, shape...)}, nil
	case !a.batch && b.batch && len(sb) == 1:
		// [k] or [r, k] @ [B, k]: the draws times the transpose.
		at := a.t
		if len(sa) == 1 {
			at = tensor.Reshape(at, 1, sa[0])
		}
		out := tensor.MatMul(b.t, tensor.Transpose(at)) // [B, r]
		if len(sa) == 1 {
			return &Batch{T: tensor.Reshape(out, n)}, nil
		}
		return &Batch{T: out}, nil
	}
	// Both batched, or a plain value times a batch of matrices: broadcast
	// products summed over the inner axis.
	at, bt := a.t, b.t
	if !a.batch {
		at = tensor.Reshape(at, append([]int{1}, sa...)...)
	}
	if !b.batch {
		bt = tensor.Reshape(bt, append([]int{1}, sb...)...)
	}
	switch {
	case len(sa) == 1 && len(sb) == 1:
		return &Batch{T: tensor.SumAxis(tensor.Mul(at, bt), -1)}, nil
	case len(sa) == 2 && len(sb) == 1: // [B, r, k] @ [B, k]
		bt = tensor.Reshape(bt, bt.Dim(0), 1, sb[0])
		return &Batch{T: tensor.SumAxis(tensor.Mul(at, bt), -1)}, nil
	case len(sa) == 1 && len(sb) == 2: // [B, k] @ [B, k, m]
		at = tensor.Reshape(at, at.Dim(0), sa[0], 1)
		return &Batch{T: tensor.SumAxis(tensor.Mul(at, bt), 1)}, nil
	}
	// [B, r, k] @ [B, k, m]
	at = tensor.Reshape(at, at.Dim(0), sa[0], sa[1], 1)
	bt = tensor.Reshape(bt, bt.Dim(0), 1, sb[0], sb[1])
	return &Batch{T: tensor.SumAxis(tensor.Mul(at, bt), 2)}, nil
}

// boolData returns the 0/1 data of a bool or a batch of bools.
func boolData(v Value, n int) ([]float64, bool) {
	switch v := v.(type) {
	case Bool:
		out := make([]float64, n)
		if v {
			for i := range out {
				out[i] = 1
			}
		}
		return out, true
	case *Batch:
		if v.Bool {
			return v.T.Data(), true
		}
	}
	return nil, false
}

func batchOfBools(data []float64) *Batch {
	return &Batch{T: tensor.New(data, len(data)), Bool: true}
}

// batchCompare applies a comparison or a logical operator draw by draw.
func batchCompare(op string, x, y Value) (Value, error) {
	n, err := checkBatches(x, y)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	if op == "and" || op == "or" {
		a, ok1 := boolData(x, n)
		b, ok2 := boolData(y, n)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("operands of %s must be bools, got %s and %s", op, x.Type(), y.Type())
		}
		for i := range out {
			if (op == "and" && a[i] != 0 && b[i] != 0) || (op == "or" && (a[i] != 0 || b[i] != 0)) {
				out[i] = 1
			}
		}
		return batchOfBools(out), nil
	}
	if op == "==" || op == "!=" {
		for i := range out {
			eq := Equal(drawOf(x, i), drawOf(y, i))
			if eq == (op == "==") {
				out[i] = 1
			}
		}
		return batchOfBools(out), nil
	}
	for i := range out {
		v, err := compare(op, drawOf(x, i), drawOf(y, i))
		if err != nil {
			return nil, err
		}
		if v.(Bool) {
			out[i] = 1
		}
	}
	return batchOfBools(out), nil
}

// drawOf returns draw i of a batch, or v itself.
func drawOf(v Value, i int) Value {
	if b, ok := v.(*Batch); ok {
		return b.Draw(i)
	}
	return v
}

func batchUnary(op string, x *Batch) (Value, error) {
	switch op {
	case "-":
		if x.Bool {
			return nil, fmt.Errorf("unsupported operand type for unary -: bool")
		}
		return &Batch{T: tensor.Neg(x.T)}, nil
	case "not":
		if !x.Bool {
			return nil, fmt.Errorf("operand of not must be a bool, got %s", x.Type())
		}
		d := x.T.Data()
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = 1 - v
		}
		return batchOfBools(out), nil
	}
	return nil, fmt.Errorf("unknown unary operator %q", op)
}

// ErrVaries is the error of a condition that is true for some draws and
// false for others: control flow must not depend on latent values.
var ErrVaries = fmt.Errorf("the condition depends on latent variables and is true for some draws and false for others; a model's control flow must not depend on latent values")

// batchTruth returns the common value of a batch of bools.
func batchTruth(b *Batch) (bool, error) {
	if !b.Bool {
		return false, fmt.Errorf("condition must be a bool, got %s", b.Type())
	}
	d := b.T.Data()
	for _, v := range d[1:] {
		if v != d[0] {
			return false, ErrVaries
		}
	}
	return d[0] != 0, nil
}

// indexBatch is Index for a batch: the subscripts (plain, never batches)
// select the same elements of every draw.
func indexBatch(th *Thread, x *Batch, idx []IndexArg) (Value, error) {
	if x.Bool {
		return nil, fmt.Errorf("bool cannot be indexed")
	}
	if err := plainIndices(idx); err != nil {
		return nil, err
	}
	ev := x.Event()
	if len(ev) == 0 {
		return nil, fmt.Errorf("number cannot be indexed")
	}
	sels, err := selectionOf(ev, x.Type(), idx)
	if err != nil {
		return nil, err
	}
	out := append([]int{x.N()}, keptShape(sels)...)
	if err := th.Alloc(out...); err != nil {
		return nil, err
	}
	return &Batch{T: tensor.Reshape(gather(x.T, sels, 1), out...)}, nil
}

// setIndexBatch is SetIndex when x or v is a batch: the result is a batch
// whose draws are SetIndex of the draws. With inPlace, a sole batch x is
// written into (see SetIndexInPlace); otherwise the result is a new sole
// batch.
func setIndexBatch(x Value, idx []IndexArg, v Value, inPlace bool) (Value, error) {
	n, err := checkBatches(x, v)
	if err != nil {
		return nil, err
	}
	xo, ok := operandOf(x)
	if !ok || len(xo.event) == 0 {
		return nil, fmt.Errorf("%s does not support item assignment", x.Type())
	}
	vo, ok := operandOf(v)
	if !ok {
		return nil, fmt.Errorf("cannot assign %s to an element of a %s", v.Type(), x.Type())
	}
	sels, err := selectionOf(xo.event, x.Type(), idx)
	if err != nil {
		return nil, err
	}
	kept := keptShape(sels)
	if s, err := tensor.BroadcastShapes(vo.event, kept); err != nil || !tensor.SameShape(s, kept) {
		return nil, fmt.Errorf("cannot assign shape %s to a selection of shape %s", ShapeString(vo.event), ShapeString(kept))
	}
	var t *tensor.Tensor
	switch xb, _ := x.(*Batch); {
	case xb != nil && inPlace && xb.sole:
		t = xb.T
	case xb != nil:
		t = tensor.Narrow(xb.T, 0, 0, n) // a copy on xb's tape
	case !xo.t.Tracked():
		// A constant array becomes a batch: n copies of its values, which
		// the assignments below may write into.
		src := xo.t.Data()
		t = tensor.ZerosFor(xo.t, append([]int{n}, xo.event...)...)
		d := t.Data()
		for i := range n {
			copy(d[i*len(src):(i+1)*len(src)], src)
		}
	default:
		t = tensor.Narrow(tensor.BroadcastTo(tensor.Unsqueeze(xo.t, 0), append([]int{n}, xo.event...)...), 0, 0, n)
	}
	vt := vo.t
	if vo.batch {
		vt = vo.aligned(len(kept))
	}
	full := append([]int{n}, fullShape(sels)...)
	vt = tensor.Reshape(tensor.BroadcastTo(vt, append([]int{n}, kept...)...), full...)
	scatter(t, sels, 1, vt, true)
	if xb, ok := x.(*Batch); ok && xb.T == t {
		return xb, nil
	}
	return &Batch{T: t, sole: true}, nil
}

// EventTensor returns the tensor of a number, array or batch and its batch
// size (0 for a plain value); ok is false for other values.
func EventTensor(v Value) (t *tensor.Tensor, n int, ok bool) {
	o, ok := operandOf(v)
	if !ok {
		return nil, 0, false
	}
	if o.batch {
		return o.t, o.t.Dim(0), true
	}
	return o.t, 0, true
}
