package dist

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/tensor"
)

// This file holds the machinery the families share: checking and
// broadcasting constructor arguments, evaluating elementwise log densities
// with invalid elements masked out, drawing samples elementwise, and
// formatting.

// rule is a constraint on the values of a parameter. The zero rule accepts
// every finite number.
type rule struct {
	ok   func(v float64) bool
	want string // completes "<family>: <param> ...", e.g. "must be positive"
}

var (
	anyReal  = rule{}
	positive = rule{func(v float64) bool { return v > 0 }, "must be positive"}
	nonNeg   = rule{func(v float64) bool { return v >= 0 }, "must be non-negative"}
	unitRule = rule{func(v float64) bool { return v >= 0 && v <= 1 }, "must be in [0, 1]"}
	countArg = rule{isCount, "must be a non-negative integer"}
)

// param is one constructor argument with its name and value rule.
type param struct {
	name string
	t    *tensor.Tensor
	rule rule
}

// prepare checks a family's arguments and broadcasts them to their common
// shape. Shapes are always checked: every argument must be a number, a
// non-empty vector, or (without validate: inside models) a [B, d] batch,
// and the arguments must broadcast together. With validate set, every
// value must also be finite and satisfy its rule. The returned tensors share data (and
// tracking) with the arguments when no broadcast was needed.
func prepare(fam string, validate bool, ps ...param) ([]*tensor.Tensor, error) {
	shape, err := checkParams(fam, validate, ps...)
	if err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = broadcast(p.t, shape)
	}
	return out, nil
}

// prepareLazy is prepare without the broadcast when validate is false
// (inside models): the parameters keep their own shapes, e.g. a [B, 1]
// scale beside a [B, n] location, and the log density broadcasts them as
// it computes, without materialising the broadcast copies. The family's
// methods must accept parameters of different shapes (as they do for
// struct literals).
func prepareLazy(fam string, validate bool, ps ...param) ([]*tensor.Tensor, error) {
	if validate {
		return prepare(fam, validate, ps...)
	}
	if _, err := checkParams(fam, validate, ps...); err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.t
	}
	return out, nil
}

// checkParams checks a family's arguments as prepare does and returns
// their broadcast shape.
func checkParams(fam string, validate bool, ps ...param) ([]int, error) {
	for _, p := range ps {
		if p.t == nil {
			return nil, fmt.Errorf("%s: %s is missing", fam, p.name)
		}
		// Constants are numbers or vectors; a [B, d] batch only comes from
		// latent draws inside a model, which are not validated.
		if p.t.Rank() > 2 || (validate && p.t.Rank() == 2) {
			return nil, fmt.Errorf("%s: %s must be a number or a vector, got %s", fam, p.name, describe(p.t))
		}
		if p.t.Len() == 0 {
			return nil, fmt.Errorf("%s: %s is empty", fam, p.name)
		}
	}
	shape := []int{}
	for i, p := range ps {
		s, err := tensor.BroadcastShapes(shape, p.t.Shape())
		if err != nil {
			for _, q := range ps[:i] {
				if _, err := tensor.BroadcastShapes(q.t.Shape(), p.t.Shape()); err != nil {
					return nil, mismatch(fam, q, p)
				}
			}
			return nil, fmt.Errorf("%s: arguments of shapes %s cannot be broadcast together", fam, fmtShape(shape))
		}
		shape = s
	}
	if validate {
		for _, p := range ps {
			if err := checkValues(fam, p); err != nil {
				return nil, err
			}
		}
	}
	return shape, nil
}

// vectorArg checks the argument of a family whose parameter is a vector
// (Dirichlet, Categorical): rank 1, or rank 2 (a batch) without validate.
func vectorArg(fam, name string, t *tensor.Tensor, validate bool) error {
	if t != nil && (t.Rank() == 0 || t.Rank() > 2 || (validate && t.Rank() == 2)) {
		return fmt.Errorf("%s: %s must be a vector, got %s", fam, name, describe(t))
	}
	return nil
}

// describe names the kind and shape of a value for error messages.
func describe(t *tensor.Tensor) string {
	switch t.Rank() {
	case 0:
		return "a number"
	case 2:
		return "a matrix of shape " + fmtShape(t.Shape())
	}
	return "an array of shape " + fmtShape(t.Shape())
}

// mismatch reports two arguments whose shapes do not broadcast.
func mismatch(fam string, a, b param) error {
	if a.t.Rank() == 1 && b.t.Rank() == 1 {
		return fmt.Errorf("%s: %s has length %d but %s has length %d", fam, a.name, a.t.Len(), b.name, b.t.Len())
	}
	return fmt.Errorf("%s: %s has shape %s but %s has shape %s", fam, a.name, fmtShape(a.t.Shape()), b.name, fmtShape(b.t.Shape()))
}

// checkValues applies p's rule (and finiteness) to every value of p.
func checkValues(fam string, p param) error {
	for _, v := range p.t.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %s must be finite, got %s", fam, p.name, tensor.FormatNumber(v))
		}
		if p.rule.ok != nil && !p.rule.ok(v) {
			return fmt.Errorf("%s: %s %s, got %s", fam, p.name, p.rule.want, tensor.FormatNumber(v))
		}
	}
	return nil
}

// broadcast returns t broadcast to shape (t itself when the shapes agree).
func broadcast(t *tensor.Tensor, shape []int) *tensor.Tensor {
	if tensor.SameShape(t.Shape(), shape) {
		return t
	}
	return tensor.BroadcastTo(t, shape...)
}

// broadcastShape returns the broadcast of the shapes of ts. It panics when
// they are incompatible: callers of LogProb and Sample must pass values of
// matching shape (see the Distribution contract).
func broadcastShape(fam string, ts ...*tensor.Tensor) []int {
	// Merged in place into one slice of the largest rank (a model run
	// calls this for every distribution it scores); the error is
	// tensor.BroadcastShapes'.
	n := 0
	for _, t := range ts {
		n = max(n, t.Rank())
	}
	shape := make([]int, n)
	for i := range shape {
		shape[i] = 1
	}
	for _, t := range ts {
		st := t.Shape()
		for i, d := range st {
			j := n - len(st) + i
			switch {
			case d == shape[j] || d == 1:
			case shape[j] == 1:
				shape[j] = d
			default:
				return broadcastShapeSlow(fam, ts...)
			}
		}
	}
	return shape
}

// broadcastShapeSlow is broadcastShape one tensor.BroadcastShapes at a
// time: it panics with the message naming the shapes so far and the
// first that does not fit.
func broadcastShapeSlow(fam string, ts ...*tensor.Tensor) []int {
	shape := []int{}
	for _, t := range ts {
		s, err := tensor.BroadcastShapes(shape, t.Shape())
		if err != nil {
			panic(fmt.Sprintf("dist.%s: %v", fam, err))
		}
		shape = s
	}
	return shape
}

// paramDim is the event dimension of parameters of the given tensors: the
// last axis of their broadcast shape, or 1 for scalars.
func paramDim(fam string, ps ...*tensor.Tensor) int {
	s := broadcastShape(fam, ps...)
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

// batched reports whether any parameter has a batch axis (rank 2).
func batched(ps ...*tensor.Tensor) bool {
	for _, p := range ps {
		if p.Rank() == 2 {
			return true
		}
	}
	return false
}

func isCount(v float64) bool { return v >= 0 && v == math.Floor(v) && !math.IsInf(v, 0) }

// grid walks the elements of a broadcast shape, giving the value of each of
// a list of tensors at every element.
type grid struct {
	shape   []int
	size    int
	data    [][]float64
	strides [][]int // per tensor, in grid coordinates (0 on broadcast axes)
}

func newGrid(shape []int, ts ...*tensor.Tensor) *grid {
	data := make([][]float64, len(ts))
	for i, t := range ts {
		data[i] = t.Data()
	}
	return newGridOf(shape, ts, data)
}

// newGridOf is newGrid with the tensors' values given (data[k] for ts[k]),
// as tensor.Guard gives them.
func newGridOf(shape []int, ts []*tensor.Tensor, data [][]float64) *grid {
	g := &grid{shape: shape, size: 1, data: data}
	for _, d := range shape {
		g.size *= d
	}
	for _, t := range ts {
		st := make([]int, len(shape))
		acc := 1
		ts := t.Shape()
		for i := len(shape) - 1; i >= 0; i-- {
			if j := len(ts) - len(shape) + i; j >= 0 && ts[j] != 1 {
				st[i] = acc
				acc *= ts[j]
			}
		}
		g.strides = append(g.strides, st)
	}
	return g
}

// each calls f(i, v) for every element i (row-major) with v[k] the value
// of the k-th tensor there. v is reused between calls.
func (g *grid) each(f func(i int, v []float64)) {
	n, m := len(g.shape), len(g.data)
	v := make([]float64, m)
	if n == 0 {
		for k, d := range g.data {
			v[k] = d[0]
		}
		f(0, v)
		return
	}
	last := g.shape[n-1]
	if last == 0 {
		return
	}
	inner := make([]int, m) // strides along the last axis
	for k := range inner {
		inner[k] = g.strides[k][n-1]
	}
	idx := make([]int, n-1)
	off := make([]int, m) // offsets of the start of the current row
	for i := 0; i < g.size; i += last {
		for j := 0; j < last; j++ {
			for k, d := range g.data {
				v[k] = d[off[k]+j*inner[k]]
			}
			f(i+j, v)
		}
		for a := n - 2; a >= 0; a-- {
			idx[a]++
			for k := range off {
				off[k] += g.strides[k][a]
			}
			if idx[a] < g.shape[a] {
				break
			}
			for k := range off {
				off[k] -= g.strides[k][a] * g.shape[a]
			}
			idx[a] = 0
		}
	}
}

// masked evaluates a log density over the broadcast of a value x and the
// parameters. Elements where the value is outside the support or a
// parameter is invalid are masked: their inputs are replaced by safe
// stand-ins (so neither values nor gradients become NaN) and their rows get
// log density -Inf.
type masked struct {
	shape []int
	last  int    // size of the last axis (the components of one row)
	mask  []bool // per element; nil when nothing is masked
	rows  []bool // per row: the row's log density is -Inf
}

// newMasked evaluates bad at every element of the broadcast of x and ps,
// with v[0] the value and v[1:] the parameters there. Elements where any of
// them is NaN are masked too. A rank-0 x is treated as one draw ([1, 1]).
func newMasked(fam string, bad func(v []float64) bool, x *tensor.Tensor, ps ...*tensor.Tensor) (*masked, *tensor.Tensor) {
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	ts := append([]*tensor.Tensor{x}, ps...)
	shape := broadcastShape(fam, ts...)
	m := &masked{shape: shape, last: shape[len(shape)-1]}
	isBad := func(v []float64) bool {
		b := false
		for _, u := range v {
			b = b || u != u // NaN
		}
		return b || bad(v)
	}
	// Whether anything is masked, as a guard on traced tensors
	// (tensor.Trace): only the clean outcome is replayed.
	clean := tensor.Guard(func(data [][]float64) bool {
		clean := true
		newGridOf(shape, ts, data).each(func(_ int, v []float64) {
			clean = clean && !isBad(v)
		})
		return clean
	}, ts...)
	m.rows = make([]bool, numel(shape)/max(m.last, 1))
	if clean {
		return m, x
	}
	g := newGrid(shape, ts...)
	mask := make([]bool, g.size)
	g.each(func(i int, v []float64) {
		if isBad(v) {
			mask[i] = true
			m.rows[i/m.last] = true
		}
	})
	m.mask = mask
	return m, x
}

// locScaleLogProb is the log density at the rows of x of a
// location-scale family (Cauchy, Laplace, Logistic, Gumbel): elem(z, scale)
// summed over each row, with z = (x − loc)/scale; a row with a scale
// that is not positive has log density −Inf (newMaskedEach and finish).
func locScaleLogProb(fam string, x, loc, scale *tensor.Tensor, elem func(z, scale *tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	m, x := newMaskedEach(fam, []func(float64) bool{nil, nil, notPositive}, x, loc, scale)
	x, loc, scale = m.safe(x, 0), m.safe(loc, 0), m.safe(scale, 1)
	return m.finish(elem(tensor.Div(tensor.Sub(x, loc), scale), scale), nil)
}

// newMaskedEach is newMasked for a family whose support and parameter
// constraints hold element by element, one tensor at a time: bad[k] (nil
// for none) tells whether a value of the k-th tensor (0 the value x, then
// the parameters ps) is invalid. The result is exactly newMasked's with
// bad(v) = bad[0](v[0]) || bad[1](v[1]) || ...; but each tensor is checked
// at its own shape (a [B, 1] scale beside [B, n] locations is checked B
// times, not B·n, and constant data n times), and the per-element walk of
// the broadcast runs only when something is invalid.
func newMaskedEach(fam string, bad []func(float64) bool, x *tensor.Tensor, ps ...*tensor.Tensor) (*masked, *tensor.Tensor) {
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	ts := append([]*tensor.Tensor{x}, ps...)
	if len(bad) != len(ts) {
		panic(fmt.Sprintf("dist.%s: %d rules for %d tensors", fam, len(bad), len(ts)))
	}
	for k, t := range ts {
		if !tensor.CleanNaN(t, bad[k]) { // a guard on a traced tensor (tensor.Trace)
			return newMasked(fam, func(v []float64) bool {
				for k, f := range bad {
					if f != nil && f(v[k]) {
						return true
					}
				}
				return false
			}, x, ps...)
		}
	}
	shape := broadcastShape(fam, ts...)
	m := &masked{shape: shape, last: shape[len(shape)-1]}
	m.rows = make([]bool, numel(shape)/max(m.last, 1))
	return m, x
}

// numel returns the number of elements of a tensor of the given shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Per-element rules for newMaskedEach.
var (
	notPositive = func(v float64) bool { return !(v > 0) }
	negative    = func(v float64) bool { return v < 0 }
	notCount    = func(v float64) bool { return !isCount(v) }
	notBinary   = func(v float64) bool { return v != 0 && v != 1 }
	notNonNeg   = func(v float64) bool { return !(v >= 0) }
	notUnit     = func(v float64) bool { return v < 0 || v > 1 }
	notProb     = func(v float64) bool { return !(v >= 0 && v <= 1) }
)

// rowsUnmasked reports whether newMasked would mask nothing for the value
// x and the parameters ps of a family whose only constraint is ps[last] >
// 0 (a scale), in the common layout: x a batch of rows [n, d] without NaN,
// and each parameter a number or a vector of d without NaN. It reads each
// value once, with no call per element of x.
func rowsUnmasked(x *tensor.Tensor, ps ...*tensor.Tensor) bool {
	if x.Rank() != 2 {
		return false
	}
	d := x.Dim(1)
	for _, p := range ps {
		if p.Rank() > 1 || (p.Len() != 1 && p.Len() != d) {
			return false
		}
	}
	// Guards on traced tensors (tensor.Trace): the checks are repeated at
	// replay.
	for k, p := range ps {
		bad := isNaN
		if k == len(ps)-1 {
			bad = notPositive // NaN included
		}
		if !tensor.Clean(p, bad) {
			return false
		}
	}
	return tensor.CleanFinite(x) // ±Inf: fall back too
}

// isNaN is math.IsNaN as a rule value.
var isNaN = math.IsNaN

// unmaskedRows is the masked of a value x ([n, d]) for which rowsUnmasked
// holds.
func unmaskedRows(x *tensor.Tensor) *masked {
	return &masked{shape: x.Shape(), last: x.Dim(1), rows: make([]bool, x.Dim(0))}
}

// markOffSimplex masks the rows of p (broadcast to m's shape) whose values
// do not sum to 1 within simplexTol. Whether any row is off the simplex is
// a guard on a traced p (tensor.Trace).
func (m *masked) markOffSimplex(p *tensor.Tensor) {
	ps := []*tensor.Tensor{p}
	rowSums := func(d [][]float64) []float64 {
		sums := make([]float64, len(m.rows))
		newGridOf(m.shape, ps, d).each(func(i int, v []float64) { sums[i/m.last] += v[0] })
		return sums
	}
	onSimplex := func(d [][]float64) bool {
		for _, s := range rowSums(d) {
			if !(math.Abs(s-1) <= simplexTol) {
				return false
			}
		}
		return true
	}
	if tensor.Guard(onSimplex, p) {
		return
	}
	for r, s := range rowSums([][]float64{p.Data()}) {
		if !(math.Abs(s-1) <= simplexTol) {
			m.rows[r] = true
		}
	}
}

// safe returns t with the masked elements replaced by v (broadcast to the
// full shape), or t unchanged when nothing is masked. The gradient does not
// flow to the replaced elements.
func (m *masked) safe(t *tensor.Tensor, v float64) *tensor.Tensor {
	if m.mask == nil {
		return t
	}
	return tensor.Where(m.mask, tensor.Full(v, m.shape...), t)
}

// full returns t broadcast to the full shape.
func (m *masked) full(t *tensor.Tensor) *tensor.Tensor { return broadcast(t, m.shape) }

// finish sums the elementwise log densities over the last axis, adds the
// per-row term (nil for none), and sets masked rows, and rows whose sum is
// NaN (say +Inf and -Inf components), to -Inf.
func (m *masked) finish(elem, rowTerm *tensor.Tensor) *tensor.Tensor {
	return m.finishRows(tensor.SumAxis(m.full(elem), -1), rowTerm)
}

// finishRows is finish for log densities already summed over the last
// axis (r, one per row).
func (m *masked) finishRows(r, rowTerm *tensor.Tensor) *tensor.Tensor {
	if rowTerm != nil {
		r = tensor.Add(r, rowTerm)
	}
	if !slices.Contains(m.rows, true) && tensor.CleanNaN(r, nil) {
		return r // nothing masked (a guard on a traced r: tensor.Trace)
	}
	fill := false
	for i, v := range r.Data() {
		if math.IsNaN(v) {
			m.rows[i] = true
		}
		fill = fill || m.rows[i]
	}
	if !fill {
		return r
	}
	return tensor.Fill(r, m.rows, math.Inf(-1))
}

// mulZero returns a·b elementwise with 0 wherever a is 0 and b is infinite,
// so that terms such as (shape-1)·log x and k·log p follow the convention
// 0·log 0 = 0.
func mulZero(a, b *tensor.Tensor) *tensor.Tensor {
	prod := tensor.Mul(a, b)
	shape, ts := prod.Shape(), []*tensor.Tensor{a, b}
	none := func(d [][]float64) bool { // a guard (tensor.Trace)
		none := true
		newGridOf(shape, ts, d).each(func(_ int, v []float64) {
			none = none && !(v[0] == 0 && math.IsInf(v[1], 0))
		})
		return none
	}
	if tensor.Guard(none, a, b) {
		return prod
	}
	var cond []bool
	newGrid(prod.Shape(), a, b).each(func(i int, v []float64) {
		if v[0] == 0 && math.IsInf(v[1], 0) {
			if cond == nil {
				cond = make([]bool, prod.Len())
			}
			cond[i] = true
		}
	})
	if cond == nil {
		return prod
	}
	return tensor.Where(cond, tensor.Zeros(prod.Shape()...), prod)
}

// rsub returns c - t.
func rsub(c float64, t *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(tensor.Neg(t), c) }

// drawShape returns the shape [n, d] of n draws under parameters ps. It
// panics if a batch axis of the parameters is neither 1 nor n.
func drawShape(fam string, n int, ps ...*tensor.Tensor) []int {
	s := broadcastShape(fam, ps...)
	d := 1
	if len(s) > 0 {
		d = s[len(s)-1]
	}
	if len(s) == 2 && s[0] != 1 && s[0] != n {
		panic(fmt.Sprintf("dist.%s: parameters have a batch of %d rows, so a sample needs %d draws, not %d", fam, s[0], s[0], n))
	}
	return []int{n, d}
}

// draws returns an untracked [n, d] tensor whose element i is f(v), with v
// the parameter values at that element.
func draws(fam string, n int, f func(v []float64) float64, ps ...*tensor.Tensor) *tensor.Tensor {
	shape := drawShape(fam, n, ps...)
	out := tensor.Zeros(shape...)
	od := out.Data()
	newGrid(shape, ps...).each(func(i int, v []float64) { od[i] = f(v) })
	return out
}

// perParam evaluates f at every element of the broadcast parameter shape
// (one value per dimension, or per batch element when batched). It reports
// false if f does anywhere.
func perParam(fam string, f func(v []float64) (float64, bool), ps ...*tensor.Tensor) ([]float64, bool) {
	shape := broadcastShape(fam, ps...)
	g := newGrid(shape, ps...)
	out := make([]float64, g.size)
	ok := true
	g.each(func(i int, v []float64) {
		var o bool
		out[i], o = f(v)
		ok = ok && o
	})
	if !ok {
		return nil, false
	}
	return out, true
}

// entropySum sums the per-component entropies; the entropy of batched
// parameters is not defined.
func entropySum(fam string, f func(v []float64) float64, ps ...*tensor.Tensor) (float64, bool) {
	if batched(ps...) {
		return 0, false
	}
	h, _ := perParam(fam, func(v []float64) (float64, bool) { return f(v), true }, ps...)
	s := 0.0
	for _, v := range h {
		s += v
	}
	return s, !math.IsNaN(s)
}

// detach returns untracked views of ts.
func detach(ts ...*tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		out[i] = t.Detach()
	}
	return out
}

// fmtTensor formats a number, a vector "[0, 1]" or a matrix "[[1, 0], [0, 1]]".
func fmtTensor(t *tensor.Tensor) string {
	if t == nil {
		return "none"
	}
	d := t.Data()
	row := func(r []float64) string {
		s := make([]string, len(r))
		for i, v := range r {
			s[i] = tensor.FormatNumber(v)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	switch t.Rank() {
	case 0:
		return tensor.FormatNumber(d[0])
	case 1:
		return row(d)
	}
	c := t.Dim(-1)
	var rows []string
	for i := 0; i+c <= len(d) && c > 0; i += c {
		rows = append(rows, row(d[i:i+c]))
	}
	return "[" + strings.Join(rows, ", ") + "]"
}

// fmtDist formats "Name(p1=v1, p2=v2)".
func fmtDist(name string, names []string, ts ...*tensor.Tensor) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = names[i] + "=" + fmtTensor(t)
	}
	return name + "(" + strings.Join(s, ", ") + ")"
}

// fmtShape formats a shape as [2, 3].
func fmtShape(s []int) string {
	p := make([]string, len(s))
	for i, v := range s {
		p[i] = strconv.Itoa(v)
	}
	return "[" + strings.Join(p, ", ") + "]"
}
