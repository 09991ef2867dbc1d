package tensor

import (
	"fmt"
	"slices"
)

// Transpose returns the transpose of a 2-D tensor, or of each matrix
// a[k] of a 3-D tensor (out[k, j, i] = a[k, i, j]): a copy.
func Transpose(a *Tensor) *Tensor {
	if a.Rank() != 2 && a.Rank() != 3 {
		panic(fmt.Sprintf("tensor.Transpose: shape %v is not 2-D or 3-D", a.shape))
	}
	n, r, c := 1, a.Dim(-2), a.Dim(-1)
	shape := []int{c, r}
	if a.Rank() == 3 {
		n = a.shape[0]
		shape = []int{n, c, r}
	}
	tp := tapeOf(a)
	out := newOut(tp, shape)
	s := transposeStep{n: n, r: r, c: c, io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// transposeStep is Transpose's recorded step: n matrices r×c.
type transposeStep struct {
	n, r, c int
	io1
}

func (s *transposeStep) forward() bool {
	r, c, m := s.r, s.c, s.r*s.c
	for k := range s.n {
		ad, od := s.a[k*m:(k+1)*m], s.out[k*m:(k+1)*m]
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				od[j*r+i] = ad[i*c+j]
			}
		}
	}
	return true
}

func (s *transposeStep) backward() {
	r, c, m := s.r, s.c, s.r*s.c
	for k := range s.n {
		ga, g := s.ga[k*m:(k+1)*m], s.g[k*m:(k+1)*m]
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				ga[i*c+j] += g[j*r+i]
			}
		}
	}
}

// Concat joins tensors along axis. All must have the same rank and the same
// sizes on the other axes.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Concat: no tensors")
	}
	ref := ts[0].shape
	axis = normAxis("Concat", axis, len(ref))
	shape := slices.Clone(ref)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.shape) != len(ref) {
			panic(fmt.Sprintf("tensor.Concat: shapes %v and %v", ref, t.shape))
		}
		for i, d := range t.shape {
			if i != axis && d != ref[i] {
				panic(fmt.Sprintf("tensor.Concat: shapes %v and %v along axis %d", ref, t.shape, axis))
			}
		}
		shape[axis] += t.shape[axis]
	}
	outer, total, inner := splitAxis(shape, axis)
	tp := tapeOf(ts...)
	out := newOut(tp, shape)
	s := concatStep{axis: axis, outer: outer, total: total, inner: inner, ts: slices.Clone(ts), out: out.data} // its own list: the caller may reuse theirs
	s.forward()
	if tp != nil && tp.owner == nil { // nothing to record for scratch inputs
		s.tp, s.g = tp, out.grad
		pushCopy(tp, s)
	}
	return out
}

// concatStep is Concat's recorded step.
type concatStep struct {
	axis, outer, total, inner int
	ts                        []*Tensor
	tp                        *Tape
	out, g                    []float64
}

func (s *concatStep) forward() bool {
	od, outer, total, inner := s.out, s.outer, s.total, s.inner
	off := 0 // offset of the current input's block inside an output block
	for _, t := range s.ts {
		w := t.shape[s.axis] * inner
		for o := 0; o < outer; o++ {
			copy(od[o*total*inner+off:o*total*inner+off+w], t.data[o*w:(o+1)*w])
		}
		off += w
	}
	return true
}

func (s *concatStep) backward() {
	g, outer, total, inner := s.g, s.outer, s.total, s.inner
	off := 0
	for _, t := range s.ts {
		w := t.shape[s.axis] * inner
		if gt := gradOn(t, s.tp); gt != nil {
			for o := 0; o < outer; o++ {
				addTo(gt[o*w:(o+1)*w], g[o*total*inner+off:])
			}
		}
		off += w
	}
}

// Stack joins tensors of equal shape along a new axis, which may be
// 0..rank (negative counts from the end of the result's axes).
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Stack: no tensors")
	}
	axis = normAxis("Stack", axis, ts[0].Rank()+1)
	views := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !SameShape(t.shape, ts[0].shape) {
			panic(fmt.Sprintf("tensor.Stack: shapes %v and %v", ts[0].shape, t.shape))
		}
		views[i] = Unsqueeze(t, axis)
	}
	return Concat(axis, views...)
}

// Take gathers the slices at positions idx along axis: the result has
// len(idx) entries on that axis, and out[..., i, ...] = a[..., idx[i], ...].
// Indices may repeat (their gradients add up) and must be in range. idx
// must not be modified before Backward.
func Take(a *Tensor, axis int, idx []int) *Tensor {
	axis = normAxis("Take", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	for _, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("tensor.Take: index %d out of range for axis %d of shape %v", k, axis, a.shape))
		}
	}
	shape := slices.Clone(a.shape)
	shape[axis] = len(idx)
	tp := tapeOf(a)
	out := newOut(tp, shape)
	s := takeStep{scatter: scatter{outer: outer, n: n, inner: inner, m: len(idx), idx: traceOwn(tp, idx)}, io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// scatter is the layout of Take, Put and AddAt: a of shape [outer, n,
// inner], the m positions idx on the middle axis.
type scatter struct {
	outer, n, inner, m int
	idx                []int
}

// takeStep is Take's recorded step.
type takeStep struct {
	scatter
	io1
}

func (s *takeStep) forward() bool {
	ad, od, outer, n, inner, m := s.a, s.out, s.outer, s.n, s.inner, s.m
	if inner == 1 {
		for o := 0; o < outer; o++ {
			src, dst := ad[o*n:(o+1)*n], od[o*m:(o+1)*m]
			for r, k := range s.idx {
				dst[r] = src[k]
			}
		}
		return true
	}
	for o := 0; o < outer; o++ {
		for r, k := range s.idx {
			copy(od[(o*m+r)*inner:(o*m+r+1)*inner], ad[(o*n+k)*inner:(o*n+k+1)*inner])
		}
	}
	return true
}

func (s *takeStep) backward() {
	ga, g, n, inner, m := s.ga, s.g, s.n, s.inner, s.m
	for o := 0; o < s.outer; o++ {
		for r, k := range s.idx {
			addTo(ga[(o*n+k)*inner:(o*n+k+1)*inner], g[(o*m+r)*inner:])
		}
	}
}

// Put returns a copy of a with the slices at positions idx along axis
// replaced by the slices of v: out[..., idx[r], ...] = v[..., r, ...]. It is
// the assignment a[idx] = v of NumPy and Stan. v has a's shape except
// len(idx) on axis. When an index repeats, the last write wins (as in NumPy
// and Stan), and the gradient follows that: the overwritten slices of v get
// zero gradient, as do the replaced slices of a. Indices must be in range.
// idx must not be modified before Backward.
func Put(a *Tensor, axis int, idx []int, v *Tensor) *Tensor {
	axis = normAxis("Put", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	m := len(idx)
	checkScatter("Put", a, axis, idx, v)
	// last[k] is the position in idx of the write that wins for slice k,
	// -1 for a slice that keeps a's values.
	last := make([]int, n)
	for k := range last {
		last[k] = -1
	}
	for r, k := range idx {
		last[k] = r
	}
	tp := tapeOf(a, v)
	out := newOut(tp, slices.Clone(a.shape))
	s := putStep{scatter: scatter{outer: outer, n: n, inner: inner, m: m, idx: last}, a: a.data, v: v.data, out: out.data}
	s.forward()
	if s.track(tp, a, v, out) {
		pushCopy(tp, s)
	}
	return out
}

// putStep is the recorded step of Put (idx is last: the winning write of
// each slice, -1 for none) and of AddAt (add set; idx the positions).
type putStep struct {
	scatter
	add       bool
	a, v, out []float64
	grads2    // gb: v's
}

func (s *putStep) forward() bool {
	od, vd, n, inner, m := s.out, s.v, s.n, s.inner, s.m
	copy(od, s.a)
	for o := 0; o < s.outer; o++ {
		if s.add {
			for r, k := range s.idx {
				addTo(od[(o*n+k)*inner:(o*n+k+1)*inner], vd[(o*m+r)*inner:])
			}
			continue
		}
		for k, r := range s.idx {
			if r >= 0 {
				copy(od[(o*n+k)*inner:(o*n+k+1)*inner], vd[(o*m+r)*inner:])
			}
		}
	}
	return true
}

func (s *putStep) backward() {
	g, ga, gv, n, inner, m := s.g, s.ga, s.gb, s.n, s.inner, s.m
	if s.add {
		if ga != nil {
			addTo(ga, g)
		}
		if gv != nil {
			for o := 0; o < s.outer; o++ {
				for r, k := range s.idx {
					addTo(gv[(o*m+r)*inner:(o*m+r+1)*inner], g[(o*n+k)*inner:])
				}
			}
		}
		return
	}
	for o := 0; o < s.outer; o++ {
		for k, r := range s.idx {
			src := g[(o*n+k)*inner : (o*n+k+1)*inner]
			switch {
			case r < 0 && ga != nil:
				addTo(ga[(o*n+k)*inner:(o*n+k+1)*inner], src)
			case r >= 0 && gv != nil:
				addTo(gv[(o*m+r)*inner:(o*m+r+1)*inner], src)
			}
		}
	}
}

// AddAt returns a copy of a with the slices of v added at positions idx
// along axis: out[..., idx[r], ...] += v[..., r, ...] for every r, so the
// slices of a repeated index all add up. With a = 0 it is the adjoint of
// Take. v has a's shape except len(idx) on axis; indices must be in
// range. idx must not be modified before Backward.
func AddAt(a *Tensor, axis int, idx []int, v *Tensor) *Tensor {
	axis = normAxis("AddAt", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	m := len(idx)
	checkScatter("AddAt", a, axis, idx, v)
	tp := tapeOf(a, v)
	out := newOut(tp, slices.Clone(a.shape))
	s := putStep{scatter: scatter{outer: outer, n: n, inner: inner, m: m, idx: traceOwn(tp, idx)}, add: true, a: a.data, v: v.data, out: out.data}
	s.forward()
	if s.track(tp, a, v, out) {
		pushCopy(tp, s)
	}
	return out
}

// checkScatter panics unless idx is in range for axis of a and v has a's
// shape with len(idx) on axis.
func checkScatter(op string, a *Tensor, axis int, idx []int, v *Tensor) {
	n := a.shape[axis]
	for _, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("tensor.%s: index %d out of range for axis %d of shape %v", op, k, axis, a.shape))
		}
	}
	want := slices.Clone(a.shape)
	want[axis] = len(idx)
	if !SameShape(v.shape, want) {
		panic(fmt.Sprintf("tensor.%s: values of shape %v for %d indices on axis %d of shape %v, want %v", op, v.shape, len(idx), axis, a.shape, want))
	}
}

// Narrow returns the slice start..start+length-1 along axis (a copy).
func Narrow(a *Tensor, axis, start, length int) *Tensor {
	axis = normAxis("Narrow", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	if start < 0 || length < 0 || start+length > n {
		panic(fmt.Sprintf("tensor.Narrow: [%d, %d) out of range for axis %d of shape %v", start, start+length, axis, a.shape))
	}
	shape := slices.Clone(a.shape)
	shape[axis] = length
	tp := tapeOf(a)
	out := newOut(tp, shape)
	s := narrowStep{outer: outer, n: n, start: start, inner: inner, w: length * inner, io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// narrowStep is Narrow's recorded step: rows of w = length·inner values
// from a of shape [outer, n, inner], from start on the middle axis.
type narrowStep struct {
	outer, n, start, inner, w int
	io1
}

func (s *narrowStep) forward() bool {
	w := s.w
	for o := 0; o < s.outer; o++ {
		copy(s.out[o*w:(o+1)*w], s.a[(o*s.n+s.start)*s.inner:])
	}
	return true
}

func (s *narrowStep) backward() {
	w := s.w
	for o := 0; o < s.outer; o++ {
		at := (o*s.n + s.start) * s.inner
		addTo(s.ga[at:at+w], s.g[o*w:])
	}
}

// BroadcastTo returns a broadcast to shape (NumPy rules; a copy unless the
// shapes are equal, in which case it is a itself).
func BroadcastTo(a *Tensor, shape ...int) *Tensor {
	if SameShape(a.shape, shape) {
		return a
	}
	if s, err := BroadcastShapes(a.shape, shape); err != nil || !SameShape(s, shape) {
		panic(fmt.Sprintf("tensor.BroadcastTo: cannot broadcast shape %v to %v", a.shape, shape))
	}
	if SameShape(a.shape, shape) {
		return Reshape(a, shape...)
	}
	shape = slices.Clone(shape)
	tp := tapeOf(a)
	out := newOut(tp, shape)
	s := broadcastStep{l: newLoop(shape, bstrides(a.shape, shape), make([]int, len(shape))), io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// broadcastStep is BroadcastTo's recorded step.
type broadcastStep struct {
	l loop
	io1
}

func (s *broadcastStep) forward() bool {
	n, da, ad, od := s.l.n, s.l.da, s.a, s.out
	s.l.each(func(o, ia, _ int) {
		if da == 1 {
			copy(od[o:o+n], ad[ia:ia+n])
		} else {
			fill(od[o:o+n], ad[ia])
		}
	})
	return true
}

func (s *broadcastStep) backward() {
	n, da, ga, g := s.l.n, s.l.da, s.ga, s.g
	s.l.each(func(o, ia, _ int) {
		if da == 1 {
			addTo(ga[ia:ia+n], g[o:o+n])
		} else {
			ga[ia] += sum(g[o : o+n])
		}
	})
}

// Unsqueeze returns a view of a with a new axis of size 1 inserted at
// position axis (0..rank; negative counts from the end of the result).
func Unsqueeze(a *Tensor, axis int) *Tensor {
	axis = normAxis("Unsqueeze", axis, a.Rank()+1)
	return Reshape(a, slices.Insert(slices.Clone(a.shape), axis, 1)...)
}

// Squeeze returns a view of a without axis, which must have size 1.
func Squeeze(a *Tensor, axis int) *Tensor {
	axis = normAxis("Squeeze", axis, a.Rank())
	if a.shape[axis] != 1 {
		panic(fmt.Sprintf("tensor.Squeeze: axis %d of shape %v is not 1", axis, a.shape))
	}
	return Reshape(a, removeAxis(a.shape, axis)...)
}

// fill sets every element of dst to v.
func fill(dst []float64, v float64) {
	for i := range dst {
		dst[i] = v
	}
}

// addTo adds src[:len(dst)] into dst.
func addTo(dst, src []float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// Rows returns rows lo..lo+m-1 (along axis 0) of the untracked tensor a,
// sharing its data, not copied: a scratch tensor's rows are a scratch
// tensor of the same tape, with its lifetime (see Tape). It panics if a is
// tracked or the rows are out of range.
func Rows(a *Tensor, lo, m int) *Tensor {
	if a.Tracked() {
		panic("tensor.Rows: tracked tensor")
	}
	if len(a.shape) == 0 || lo < 0 || m < 0 || lo+m > a.shape[0] {
		panic(fmt.Sprintf("tensor.Rows: rows [%d, %d) out of range for shape %v", lo, lo+m, a.shape))
	}
	a.read()
	w := 1
	for _, d := range a.shape[1:] {
		w *= d
	}
	shape := slices.Clone(a.shape)
	shape[0] = m
	t := &Tensor{shape: shape, data: a.data[lo*w : (lo+m)*w : (lo+m)*w]}
	if r := a.root(); r.isScratch() {
		t.tape, t.gen = r.tape, r.gen
	}
	return t
}
