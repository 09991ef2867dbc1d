package tensor

import "fmt"

// Span selects positions along one axis for Assign: the positions Idx, in
// order, when Idx is not nil (they may repeat), else the range [Lo, Hi).
type Span struct {
	Lo, Hi int
	Idx    []int
}

func (s Span) size() int {
	if s.Idx != nil {
		return len(s.Idx)
	}
	return s.Hi - s.Lo
}

// Assign writes v into the part of a selected by sel (one Span per axis of
// a; v has the part's shape, sel[i]'s size on axis i) and returns a. It
// works in place, in time and tape memory proportional to v: it is the
// assignment a[sel] = v of a loop that fills an array element by element.
// Elements are written in v's row-major order, so where a span repeats a
// position the last write wins (as in NumPy, Stan and Put), and the
// gradient follows that: the overwritten elements of v get zero gradient,
// as do the replaced elements of a.
//
// Because a is modified, the caller must own it: no other value may refer
// to a's storage, and no operation recorded on a tape before Assign may
// read a's values in its backward pass. Narrow and Take of a (which read
// only gradients) are fine; so are earlier Assigns. Operations on a after
// Assign see the new values. On the tape, a keeps one gradient buffer: the
// backward step of Assign moves the gradient of the written elements to v
// and zeroes it, so the operations recorded before Assign get the gradient
// of a's earlier values. When v is recorded on a tape and a is not (a
// constant, or a scratch tensor of that tape), a is recorded on v's tape
// from then on, as a result of Assign.
//
// It panics if a is a parameter, the spans are out of range, or v's shape
// is not the part's.
func Assign(a *Tensor, sel []Span, v *Tensor) *Tensor {
	if len(sel) != a.Rank() {
		panic(fmt.Sprintf("tensor.Assign: %d spans for shape %v", len(sel), a.shape))
	}
	for ax, s := range sel {
		n := a.shape[ax]
		if s.Idx != nil {
			for _, k := range s.Idx {
				if k < 0 || k >= n {
					panic(fmt.Sprintf("tensor.Assign: index %d out of range for axis %d of shape %v", k, ax, a.shape))
				}
			}
		} else if s.Lo < 0 || s.Hi < s.Lo || s.Hi > n {
			panic(fmt.Sprintf("tensor.Assign: [%d, %d) out of range for axis %d of shape %v", s.Lo, s.Hi, ax, a.shape))
		}
		if v.Rank() != len(sel) || v.shape[ax] != s.size() {
			panic(fmt.Sprintf("tensor.Assign: values of shape %v for a part of size %d on axis %d", v.shape, s.size(), ax))
		}
	}
	r := a.root()
	if r.param {
		panic("tensor.Assign: into a parameter")
	}
	tp := tapeOf(a, v)
	if tp == nil && r.readBy != nil && r.readBy.rec != nil {
		// A write into a constant that an operation recorded on a trace
		// reads: that operation's replays would read the new values.
		r.readBy.rec.poison("an in-place write (Assign) into a constant an earlier traced operation reads")
	}
	if tp != nil && tp.owner == nil && r.tape != tp {
		// a constant (or a scratch tensor of tp) becomes a result on tp.
		r.grad = tp.arena.allocZero(len(r.data))
		r.tape, r.gen = tp, tp.gen
		if tp.rec != nil {
			tp.rec.adopt(r)
		}
	}
	s := assignStep{offs: partOffsets(a.shape, sel, len(v.data)), ad: a.data, vd: v.data}
	s.forward()
	if ga := gradOn(a, tp); ga != nil {
		s.ga, s.gv = ga, gradOn(v, tp)
		pushInPlaceCopy(tp, s)
	}
	return a
}

// assignStep is Assign's recorded step: ad[offs[k]] = vd[k].
type assignStep struct {
	offs           []int
	ad, vd, ga, gv []float64
}

func (s *assignStep) forward() bool {
	ad, vd := s.ad, s.vd
	for k, off := range s.offs {
		ad[off] = vd[k]
	}
	return true
}

func (s *assignStep) backward() {
	// In reverse order, the last write to a position takes its gradient
	// and the earlier ones find it zeroed.
	for k := len(s.offs) - 1; k >= 0; k-- {
		off := s.offs[k]
		if s.gv != nil {
			s.gv[k] += s.ga[off]
		}
		s.ga[off] = 0
	}
}

// partOffsets returns the flat offsets, in a tensor of the given shape, of
// the n elements selected by sel, in row-major order of the part.
func partOffsets(shape []int, sel []Span, n int) []int {
	offs := make([]int, n)
	if n == 0 {
		return offs
	}
	rank := len(shape)
	strides := make([]int, rank)
	st := 1
	for ax := rank - 1; ax >= 0; ax-- {
		strides[ax] = st
		st *= shape[ax]
	}
	pos := func(ax, i int) int {
		if s := sel[ax]; s.Idx != nil {
			return s.Idx[i]
		}
		return sel[ax].Lo + i
	}
	// An odometer over the part: at[ax] is the position in sel[ax], off
	// the offset of the current element.
	at := make([]int, rank)
	off := 0
	for ax := range rank {
		off += pos(ax, 0) * strides[ax]
	}
	for k := range offs {
		offs[k] = off
		for ax := rank - 1; ax >= 0; ax-- {
			if at[ax]+1 < sel[ax].size() {
				at[ax]++
				off += (pos(ax, at[ax]) - pos(ax, at[ax]-1)) * strides[ax]
				break
			}
			off += (pos(ax, 0) - pos(ax, at[ax])) * strides[ax]
			at[ax] = 0
		}
	}
	return offs
}
