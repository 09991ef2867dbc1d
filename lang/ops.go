package lang

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/flowppl/flowppl/tensor"
)

// HasBinary is a value that defines binary operators itself (for example a
// table or a value of the interpreter). Binary asks it before its own
// rules; it returns (nil, nil) for an operator it does not support.
type HasBinary interface {
	Value
	// Binary applies op with y on the given side: Left means x op y with x
	// the receiver, Right means y op x.
	Binary(op string, y Value, side Side) (Value, error)
}

// Side says which operand of a binary operator a HasBinary value is.
type Side bool

// The sides of a binary operator.
const (
	Left  Side = false
	Right Side = true
)

// ShapeString formats a shape as the language prints a vector: [2, 3].
func ShapeString(shape []int) string { return "[" + joinInts(shape, ", ") + "]" }

// MatrixShape formats a matrix's shape as error messages name its size:
// 2×3.
func MatrixShape(shape []int) string { return joinInts(shape, "×") }

// joinInts formats the integers of s separated by sep.
func joinInts(s []int, sep string) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, sep)
}

// Binary applies a binary operator: the arithmetic `+ - * / ^` with NumPy
// broadcasting over numbers and arrays (a number with anything, a vector with
// the rows of a matrix, equal shapes elementwise), `+` on strings
// (concatenation), `@` (matrix product: vector@vector is the dot product),
// the comparisons `< <= > >=` on numbers and on strings, `==` and `!=` on
// values of any kind (whole-value equality, never elementwise), and `and`,
// `or` on bools (without short-circuit: the interpreter short-circuits).
// Arithmetic follows IEEE: 1/0 is inf. A result is checked against th's
// limits (Thread.Alloc) before it is allocated; th may be nil (the default
// element limit only).
func Binary(th *Thread, op string, x, y Value) (Value, error) {
	if h, ok := x.(HasBinary); ok {
		if v, err := h.Binary(op, y, Left); v != nil || err != nil {
			return v, err
		}
	}
	if h, ok := y.(HasBinary); ok {
		if v, err := h.Binary(op, x, Right); v != nil || err != nil {
			return v, err
		}
	}
	if batchOf(x) > 0 || batchOf(y) > 0 {
		switch op {
		case "+", "-", "*", "/", "^":
			return batchArith(op, x, y)
		case "@":
			return batchMatmul(x, y)
		}
		return batchCompare(op, x, y)
	}
	switch op {
	case "+", "-", "*", "/", "^":
		return arith(th, op, x, y)
	case "@":
		return matmul(th, x, y)
	case "==":
		return Bool(Equal(x, y)), nil
	case "!=":
		return Bool(!Equal(x, y)), nil
	case "<", "<=", ">", ">=":
		return compare(op, x, y)
	case "and", "or":
		a, ok1 := x.(Bool)
		b, ok2 := y.(Bool)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("operands of %s must be bools, got %s and %s", op, x.Type(), y.Type())
		}
		if op == "and" {
			return a && b, nil
		}
		return a || b, nil
	}
	return nil, fmt.Errorf("unknown binary operator %q", op)
}

func unsupported(op string, x, y Value) error {
	return fmt.Errorf("unsupported operand types for %s: %s and %s", op, x.Type(), y.Type())
}

func arithFloat(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	}
	return math.Pow(a, b)
}

// asTensor returns the tensor of a number or an array.
func asTensor(v Value) (*tensor.Tensor, bool) {
	switch v := v.(type) {
	case Number:
		return tensor.Scalar(float64(v)), true
	case *Array:
		return v.T, true
	}
	return nil, false
}

func arith(th *Thread, op string, x, y Value) (Value, error) {
	if a, ok := x.(Number); ok {
		if b, ok := y.(Number); ok {
			return Number(arithFloat(op, float64(a), float64(b))), nil
		}
	}
	if op == "+" {
		if a, ok := x.(String); ok {
			if b, ok := y.(String); ok {
				if len(b) > 0 {
					if n := len(a) + len(b); n > th.maxElements() {
						return nil, &limitError{fmt.Sprintf("a string of %d bytes is over the limit of %d", n, th.maxElements()), ErrElementLimit}
					}
					if err := th.AllocBytes(int64(len(a) + len(b))); err != nil {
						return nil, err
					}
				}
				return concatStrings(th, a, b)
			}
		}
	}
	a, ok1 := asTensor(x)
	b, ok2 := asTensor(y)
	if !ok1 || !ok2 {
		return nil, unsupported(op, x, y)
	}
	shape, err := tensor.BroadcastShapes(a.Shape(), b.Shape())
	if err != nil {
		return nil, fmt.Errorf("shapes %s and %s do not match for %s", ShapeString(a.Shape()), ShapeString(b.Shape()), op)
	}
	if err := th.Alloc(shape...); err != nil {
		return nil, err
	}
	t := arithTensor(op, a, b)
	return &Array{T: t}, nil
}

// concatStrings returns a + b; a long result is copied in chunks of 1 MiB
// between checks of th's context, so that a time limit stops it.
func concatStrings(th *Thread, a, b String) (Value, error) {
	const chunk = 1 << 20
	if len(a)+len(b) < chunk {
		return a + b, nil
	}
	out := make([]byte, 0, len(a)+len(b))
	for _, s := range []String{a, b} {
		for i := 0; i < len(s); i += chunk {
			if err := th.Cancelled(); err != nil {
				return nil, err
			}
			out = append(out, s[i:min(i+chunk, len(s))]...)
		}
	}
	return String(unsafe.String(unsafe.SliceData(out), len(out))), nil
}

// arithTensor applies the elementwise arithmetic operator op (+ - * / ^) to
// tensors that broadcast together; it keeps tape tracking.
func arithTensor(op string, a, b *tensor.Tensor) *tensor.Tensor {
	switch op {
	case "+":
		return tensor.Add(a, b)
	case "-":
		return tensor.Sub(a, b)
	case "*":
		return tensor.Mul(a, b)
	case "/":
		return tensor.Div(a, b)
	}
	return tensor.Pow(a, b)
}

func matmul(th *Thread, x, y Value) (Value, error) {
	a, ok1 := x.(*Array)
	b, ok2 := y.(*Array)
	if !ok1 || !ok2 {
		return nil, unsupported("@", x, y)
	}
	sa, sb := a.Shape(), b.Shape()
	if err := matMulShapes(sa, sb); err != nil {
		return nil, err
	}
	at, bt := a.T, b.T
	if len(sa) == 1 {
		at = tensor.Reshape(at, 1, sa[0])
	}
	if len(sb) == 1 {
		bt = tensor.Reshape(bt, sb[0], 1)
	}
	if err := th.Alloc(at.Dim(0), bt.Dim(1)); err != nil {
		return nil, err
	}
	t := tensor.MatMul(at, bt)
	switch {
	case len(sa) == 1 && len(sb) == 1:
		return Number(t.Data()[0]), nil
	case len(sa) == 1:
		return &Array{T: tensor.Reshape(t, sb[1])}, nil
	case len(sb) == 1:
		return &Array{T: tensor.Reshape(t, sa[0])}, nil
	}
	return &Array{T: t}, nil
}

func compare(op string, x, y Value) (Value, error) {
	var c int
	switch a := x.(type) {
	case Number:
		b, ok := y.(Number)
		if !ok {
			return nil, unsupported(op, x, y)
		}
		if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
			return Bool(false), nil // IEEE: every ordered comparison with NaN is false
		}
		switch {
		case a < b:
			c = -1
		case a > b:
			c = 1
		}
	case String:
		b, ok := y.(String)
		if !ok {
			return nil, unsupported(op, x, y)
		}
		c = strings.Compare(string(a), string(b))
	default:
		if _, ok := x.(*Array); ok {
			return nil, fmt.Errorf("comparison %s is not defined for %s and %s (compare elements, or use == for whole values)", op, x.Type(), y.Type())
		}
		if _, ok := y.(*Array); ok {
			return nil, fmt.Errorf("comparison %s is not defined for %s and %s (compare elements, or use == for whole values)", op, x.Type(), y.Type())
		}
		return nil, unsupported(op, x, y)
	}
	switch op {
	case "<":
		return Bool(c < 0), nil
	case "<=":
		return Bool(c <= 0), nil
	case ">":
		return Bool(c > 0), nil
	}
	return Bool(c >= 0), nil
}

// Equal reports whether two values are equal as == compares them: numbers
// by IEEE equality (nan != nan), arrays by shape and elements, strings,
// bools and none by value, records field by field, and other values
// (distributions, functions) by identity.
func Equal(x, y Value) bool {
	switch a := x.(type) {
	case Number:
		b, ok := y.(Number)
		return ok && a == b
	case String:
		b, ok := y.(String)
		return ok && a == b
	case Bool:
		b, ok := y.(Bool)
		return ok && a == b
	case NoneType:
		_, ok := y.(NoneType)
		return ok
	case *Array:
		b, ok := y.(*Array)
		if !ok || !tensor.SameShape(a.Shape(), b.Shape()) {
			return false
		}
		bd := b.Data()
		for i, v := range a.Data() {
			if v != bd[i] {
				return false
			}
		}
		return true
	case *Record:
		b, ok := y.(*Record)
		if !ok || len(a.Names) != len(b.Names) {
			return false
		}
		if a == b {
			return true
		}
		for i, n := range a.Names {
			if b.Names[i] != n || !Equal(a.Fields[n], b.Fields[n]) {
				return false
			}
		}
		return true
	}
	if x == nil || y == nil {
		return x == y
	}
	if reflect.TypeOf(x) != reflect.TypeOf(y) || !reflect.TypeOf(x).Comparable() {
		return false
	}
	return x == y
}

// Unary applies unary minus (to numbers and arrays) or not (to bools).
func Unary(op string, x Value) (Value, error) {
	if b, ok := x.(*Batch); ok {
		return batchUnary(op, b)
	}
	switch op {
	case "-":
		switch x := x.(type) {
		case Number:
			return -x, nil
		case *Array:
			return &Array{T: tensor.Neg(x.T)}, nil
		}
		return nil, fmt.Errorf("unsupported operand type for unary -: %s", x.Type())
	case "not":
		b, ok := x.(Bool)
		if !ok {
			return nil, fmt.Errorf("operand of not must be a bool, got %s", x.Type())
		}
		return !b, nil
	}
	return nil, fmt.Errorf("unknown unary operator %q", op)
}

// IndexArg is one subscript of x[...]: a single index (Slice false, the
// index in Index) or a slice Lo:Hi (Slice true; a nil bound was omitted).
// Index, Lo and Hi hold the evaluated expressions; Index checks that they
// are integers.
type IndexArg struct {
	Slice  bool
	Index  Value
	Lo, Hi Value
}

// At returns the subscript of a single index.
func At(i Value) IndexArg { return IndexArg{Index: i} }

// Slice returns the subscript lo:hi; a nil bound is omitted.
func Slice(lo, hi Value) IndexArg { return IndexArg{Slice: true, Lo: lo, Hi: hi} }

// String formats the subscript as written: 2, 1:3, :, 1:.
func (a IndexArg) String() string {
	if !a.Slice {
		return a.Index.String()
	}
	s := ""
	if a.Lo != nil {
		s = a.Lo.String()
	}
	s += ":"
	if a.Hi != nil {
		s += a.Hi.String()
	}
	return s
}

// Index returns x[idx...]. Indices count from 0 and negative ones from the
// end; an index out of range is an error; slices clamp to the bounds as in
// Python. A vector takes one subscript; a matrix takes one (rows: m[1] is a
// row as a vector, m[1:3] a matrix of rows) or two (m[2, 1] a number,
// m[:, 0] a column as a vector, m[1:3, 0:2] a matrix). A string takes one
// subscript and counts characters (Unicode code points).
//
// A subscript of an array may also be a vector of integer indices (an
// index vector, data such as group labels): the axis keeps one entry per
// index, in the vector's order, repeats allowed, so alpha[g] is the
// vector of alpha[g[i]], m[rows, :] (or m[rows]) the matrix of those
// rows, m[:, cols] of those columns, m[rows, j] and m[i, cols] vectors.
// An empty index vector gives an empty result. Each element is checked as
// a single index is; the error names the element's position in the index
// vector. At most one subscript may be an index vector (m[rows, :][:, cols]
// is the submatrix), and no subscript may depend on latent variables. The
// result is a copy built with tensor.Take, so a tracked array or batch
// stays on its tape. The result is checked against th's limits (th may be
// nil), as for Binary.
func Index(th *Thread, x Value, idx []IndexArg) (Value, error) {
	switch x := x.(type) {
	case *Batch:
		return indexBatch(th, x, idx)
	case *Array:
		if v, ok := vectorElement(x, idx); ok {
			return v, nil
		}
		if err := plainIndices(idx); err != nil {
			return nil, err
		}
		return indexArray(th, x, idx)
	case String:
		if len(idx) != 1 {
			return nil, fmt.Errorf("too many subscripts for string: got %d, want 1", len(idx))
		}
		r := []rune(string(x))
		if idx[0].Slice {
			lo, hi, err := sliceBounds(idx[0], len(r))
			if err != nil {
				return nil, err
			}
			return String(r[lo:hi]), nil
		}
		i, err := indexInt(idx[0].Index, len(r), func() string { return fmt.Sprintf("string of length %d", len(r)) })
		if err != nil {
			return nil, err
		}
		return String(r[i]), nil
	}
	return nil, fmt.Errorf("%s cannot be indexed", x.Type())
}

// vectorElement is the common case of Index, x[i] for a vector x and an
// integer i in range (negative from the end); ok is false otherwise.
func vectorElement(x *Array, idx []IndexArg) (Value, bool) {
	if len(idx) != 1 || idx[0].Slice || x.T.Rank() != 1 {
		return nil, false
	}
	num, ok := idx[0].Index.(Number)
	n := float64(x.T.Dim(0))
	if f := float64(num); !ok || f != math.Trunc(f) || f < -n || f >= n {
		return nil, false
	}
	i := int(num)
	if i < 0 {
		i += x.T.Dim(0)
	}
	return Number(x.T.Data()[i]), true
}

// indexInt checks a single index against length n; desc describes the
// axis for the out-of-range error ("vector of length 3").
func indexInt(v Value, n int, desc func() string) (int, error) {
	num, ok := v.(Number)
	if !ok {
		return 0, fmt.Errorf("index must be a number, got %s", v.Type())
	}
	i, err := AsInt(float64(num))
	if err != nil {
		return 0, fmt.Errorf("index %v", err)
	}
	j := i
	if j < 0 {
		j += n
	}
	if j < 0 || j >= n {
		return 0, fmt.Errorf("index %d out of range for %s", i, desc())
	}
	return j, nil
}

// sliceBounds resolves lo:hi for length n, clamping as Python does.
func sliceBounds(a IndexArg, n int) (lo, hi int, err error) {
	bound := func(v Value, def int) (int, error) {
		if v == nil || v == None {
			return def, nil
		}
		num, ok := v.(Number)
		if !ok {
			return 0, fmt.Errorf("slice bound must be a number, got %s", v.Type())
		}
		if math.IsInf(float64(num), 0) { // x[:inf] clamps like any large bound
			if num > 0 {
				return n, nil
			}
			return 0, nil
		}
		k, err := AsInt(float64(num))
		if err != nil {
			return 0, fmt.Errorf("slice bound %v", err)
		}
		if k < 0 {
			k += n
		}
		return min(max(k, 0), n), nil
	}
	if lo, err = bound(a.Lo, 0); err != nil {
		return 0, 0, err
	}
	if hi, err = bound(a.Hi, n); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi, nil
}

// axisSel is what one subscript selects on one axis: the positions
// lo..hi-1 (a slice, or a single index when drop is set: the axis is
// dropped from the result), or, when vec is set, the positions list (an
// index vector: the axis keeps len(list) entries, in the vector's order,
// repeats allowed).
type axisSel struct {
	lo, hi int
	drop   bool
	vec    bool
	list   []int
}

// size is the number of positions selected.
func (s axisSel) size() int {
	if s.vec {
		return len(s.list)
	}
	return s.hi - s.lo
}

// full reports whether s selects the whole axis of length n, in order.
func (s axisSel) full(n int) bool { return !s.vec && !s.drop && s.lo == 0 && s.hi == n }

// selection resolves the subscripts of an array, one axisSel per axis.
func selection(x *Array, idx []IndexArg) ([]axisSel, error) {
	return selectionOf(x.Shape(), x.Type(), idx)
}

// selectionOf is selection for a value of the given shape and kind: an
// axis without a subscript is selected whole. At most one subscript may
// be an index vector.
func selectionOf(shape []int, kind string, idx []IndexArg) ([]axisSel, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("missing subscript")
	}
	if len(idx) > len(shape) {
		return nil, fmt.Errorf("too many subscripts for %s: got %d, want at most %d", kind, len(idx), len(shape))
	}
	sels := make([]axisSel, len(shape))
	vecs := 0
	for ax := range shape {
		if ax >= len(idx) {
			sels[ax] = axisSel{lo: 0, hi: shape[ax]}
			continue
		}
		a := idx[ax]
		if a.Slice {
			lo, hi, err := sliceBounds(a, shape[ax])
			if err != nil {
				return nil, err
			}
			sels[ax] = axisSel{lo: lo, hi: hi}
			continue
		}
		desc := func() string { // for error messages only
			switch {
			case len(shape) == 1:
				return fmt.Sprintf("vector of length %d", shape[0])
			case ax == 1:
				return fmt.Sprintf("matrix with %d columns", shape[1])
			}
			return fmt.Sprintf("matrix with %d rows", shape[0])
		}
		if v, ok := a.Index.(*Array); ok {
			if !v.IsVector() {
				return nil, fmt.Errorf("index must be a number or a vector of integers, got %s", v.Type())
			}
			if vecs++; vecs > 1 {
				return nil, fmt.Errorf("only one subscript may be a vector of indices: for the rows r and columns c of a matrix m, write m[r, :][:, c]")
			}
			list, err := indexList(v.Data(), shape[ax], desc)
			if err != nil {
				return nil, err
			}
			sels[ax] = axisSel{vec: true, list: list}
			continue
		}
		if _, ok := a.Index.(Number); !ok {
			return nil, fmt.Errorf("index must be a number or a vector of integers, got %s", a.Index.Type())
		}
		i, err := indexInt(a.Index, shape[ax], desc)
		if err != nil {
			return nil, err
		}
		sels[ax] = axisSel{lo: i, hi: i + 1, drop: true}
	}
	return sels, nil
}

// indexList checks the elements of an index vector against length n
// (negative ones count from the end) and returns them as positions; desc
// describes the axis as for indexInt. An error names the element.
func indexList(data []float64, n int, desc func() string) ([]int, error) {
	list := make([]int, len(data))
	for r, f := range data {
		k, err := AsInt(f)
		if err != nil {
			return nil, fmt.Errorf("element %d of the index vector: index %v", r, err)
		}
		j := k
		if j < 0 {
			j += n
		}
		if j < 0 || j >= n {
			return nil, fmt.Errorf("element %d of the index vector: index %d out of range for %s", r, k, desc())
		}
		list[r] = j
	}
	return list, nil
}

// keptShape is the shape of a selection without its dropped axes.
func keptShape(sels []axisSel) []int {
	s := []int{}
	for _, a := range sels {
		if !a.drop {
			s = append(s, a.size())
		}
	}
	return s
}

// fullShape is the shape of a selection with its dropped axes as 1s.
func fullShape(sels []axisSel) []int {
	s := make([]int, len(sels))
	for ax, a := range sels {
		s[ax] = a.size()
	}
	return s
}

// gather returns the selection sels of t, whose axis off+ax is selected by
// sels[ax] (off is 1 for a batch's draw axis), with the dropped axes
// kept as 1s. The result is a copy and stays on t's tape: slices are
// tensor.Narrow, index vectors tensor.Take.
func gather(t *tensor.Tensor, sels []axisSel, off int) *tensor.Tensor {
	copied := false
	for ax, s := range sels {
		switch {
		case s.vec:
			t, copied = tensor.Take(t, off+ax, s.list), true
		case !s.full(t.Dim(off + ax)):
			t, copied = tensor.Narrow(t, off+ax, s.lo, s.hi-s.lo), true
		}
	}
	if !copied { // x[:] is a copy, never a view of x
		t = tensor.Narrow(t, off, 0, t.Dim(off))
	}
	return t
}

// scatter returns t with the selection sels (as in gather) replaced by v,
// which has the selection's shape with dropped axes as 1s. It writes with
// tensor.Assign, in time and tape memory proportional to v: into t itself
// when inPlace (the caller owns t, see tensor.Assign), else into a copy of
// t that stays on t's tape. Where an index vector repeats a position, the
// last write wins.
func scatter(t *tensor.Tensor, sels []axisSel, off int, v *tensor.Tensor, inPlace bool) *tensor.Tensor {
	if !inPlace {
		t = tensor.Narrow(t, 0, 0, t.Dim(0))
	}
	spans := make([]tensor.Span, off+len(sels))
	for ax := range off {
		spans[ax] = tensor.Span{Hi: t.Dim(ax)}
	}
	for ax, s := range sels {
		if s.vec {
			spans[off+ax] = tensor.Span{Idx: s.list}
		} else {
			spans[off+ax] = tensor.Span{Lo: s.lo, Hi: s.hi}
		}
	}
	return tensor.Assign(t, spans, v)
}

func indexArray(th *Thread, x *Array, idx []IndexArg) (Value, error) {
	sels, err := selection(x, idx)
	if err != nil {
		return nil, err
	}
	out := keptShape(sels)
	if err := th.Alloc(out...); err != nil {
		return nil, err
	}
	t := gather(x.T, sels, 0)
	if len(out) == 0 {
		return Number(t.Data()[0]), nil
	}
	return &Array{T: tensor.Reshape(t, out...)}, nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// SetIndex returns a copy of the array x with x[idx...] replaced by v (a
// number, or an array that broadcasts to the selection's shape), for the
// assignment x[i] = v. A subscript may be an index vector, as in Index:
// x[idx] = v sets x[idx[r]] to v[r] (or to v when v is a number); where
// idx repeats a position the last write wins, as in NumPy and Stan. x
// itself is not modified: arrays are values. The copy stays on the tape of
// a tracked x or v; each assignment costs O(len(x)) (see SetIndexInPlace
// for a loop that fills a batch).
func SetIndex(x Value, idx []IndexArg, v Value) (Value, error) {
	return setIndex(x, idx, v, false)
}

// SetIndexInPlace is SetIndex for a caller that holds the only reference
// to x and replaces it by the result, as an interpreter does for x[i] = v:
// when x is a batch that SetIndex or SetIndexInPlace returned and that has
// not been passed to Share since, it writes v into x's tensor and returns
// x, in time and tape memory proportional to the assigned part rather
// than to x. Otherwise it is SetIndex. The caller calls Share on every
// value it lets another reference to escape to (a variable read whole,
// an argument, an element of a list); reading x[i] with Index needs no
// Share, since Index copies.
func SetIndexInPlace(x Value, idx []IndexArg, v Value) (Value, error) {
	return setIndex(x, idx, v, true)
}

// Share records that v may now be referred to from more than one place,
// so that SetIndexInPlace copies it rather than writing into it. It does
// nothing to values other than batches.
func Share(v Value) {
	if b, ok := v.(*Batch); ok && b.sole {
		b.sole = false
	}
}

func setIndex(x Value, idx []IndexArg, v Value, inPlace bool) (Value, error) {
	if err := plainIndices(idx); err != nil {
		return nil, err
	}
	if batchOf(x) > 0 || batchOf(v) > 0 {
		return setIndexBatch(x, idx, v, inPlace)
	}
	a, ok := x.(*Array)
	if !ok {
		return nil, fmt.Errorf("%s does not support item assignment", x.Type())
	}
	sels, err := selection(a, idx)
	if err != nil {
		return nil, err
	}
	vt, ok := asTensor(v)
	if !ok {
		return nil, fmt.Errorf("cannot assign %s to an element of a %s", v.Type(), a.Type())
	}
	kept := keptShape(sels)
	if s, err := tensor.BroadcastShapes(vt.Shape(), kept); err != nil || !tensor.SameShape(s, kept) {
		return nil, fmt.Errorf("cannot assign shape %s to a selection of shape %s", ShapeString(vt.Shape()), ShapeString(kept))
	}
	vt = tensor.Reshape(tensor.BroadcastTo(vt, kept...), fullShape(sels)...)
	return &Array{T: scatter(a.T, sels, 0, vt, false)}, nil
}

// plainIndices returns an error if a subscript depends on latent variables.
func plainIndices(idx []IndexArg) error {
	for _, a := range idx {
		for _, v := range []Value{a.Index, a.Lo, a.Hi} {
			if _, ok := v.(*Batch); ok {
				return fmt.Errorf("an index must not depend on latent variables")
			}
		}
	}
	return nil
}

// matMulShapes reports shapes sa and sb whose inner dimensions do not
// match for sa @ sb: the last of sa against the first of sb (the only one
// of a vector).
func matMulShapes(sa, sb []int) error {
	inner := func(s []int, first bool) int {
		if len(s) == 1 || first {
			return s[len(s)-1]
		}
		return s[0]
	}
	if inner(sa, true) != inner(sb, false) {
		return fmt.Errorf("shapes %s and %s do not match for @", ShapeString(sa), ShapeString(sb))
	}
	return nil
}
