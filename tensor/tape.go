package tensor

// Tape records differentiable operations for one backward pass. The zero
// value is ready to use. A Tape is not safe for concurrent use.
type Tape struct {
	back    []func()
	watched []*Tensor
	arena   arena
	gen     uint64 // incremented by Reset
}

// NewTape returns an empty tape.
func NewTape() *Tape { return &Tape{} }

// Watch starts recording operations on the given tensors (on the base of a
// view). Parameters keep their persistent gradient buffers; other tensors
// get a zeroed gradient buffer from the arena. Watching ends at Reset.
// Watching a tensor twice is harmless; watching one that another tape
// watches and has not yet Reset panics.
func (tp *Tape) Watch(ts ...*Tensor) {
	for _, t := range ts {
		t = t.root()
		if t.tape == tp && t.gen == tp.gen {
			continue // already watched
		}
		if t.tape != nil && t.tape.gen == t.gen {
			panic("tensor: Watch of a tensor already recorded on another tape")
		}
		if !t.param {
			t.grad = tp.arena.allocZero(len(t.data))
		}
		t.tape, t.gen = tp, tp.gen
		tp.watched = append(tp.watched, t)
	}
}

// record appends a backward function, run in reverse order by Backward.
func (tp *Tape) record(f func()) { tp.back = append(tp.back, f) }

// Len returns the number of recorded operations.
func (tp *Tape) Len() int { return len(tp.back) }

// Backward seeds the gradient of the scalar loss with 1 and runs the
// recorded operations in reverse, accumulating gradients into every tracked
// tensor (parameters included). It panics if loss has more than one element
// or is not on this tape. A second call before Reset adds the gradients
// again.
func (tp *Tape) Backward(loss *Tensor) {
	if len(loss.data) != 1 {
		panic("tensor: Backward of a non-scalar")
	}
	if tapeOf(loss) != tp {
		panic("tensor: Backward of a tensor not recorded on this tape")
	}
	gradOn(loss, tp)[0] += 1
	for i := len(tp.back) - 1; i >= 0; i-- {
		tp.back[i]()
	}
}

// Floats returns the number of float64 values the tape's arena has handed
// out since the last Reset: the data and gradients of the results recorded
// so far, plus the unused ends of arena chunks that were skipped. A fit
// uses it to size the pieces it splits a large batch into.
func (tp *Tape) Floats() int {
	a := &tp.arena
	n := a.off
	for _, c := range a.chunks[:min(a.cur, len(a.chunks))] {
		n += len(c)
	}
	return n
}

// Reset forgets the recorded operations, stops watching, and makes the
// arena's memory available again. Tensors produced on the tape before Reset
// must not be used afterwards (their storage is reused). Parameter gradients
// are kept; clear them with ZeroGrad.
func (tp *Tape) Reset() {
	clear(tp.back)
	tp.back = tp.back[:0]
	for _, t := range tp.watched {
		t.tape = nil
		if !t.param {
			t.grad = nil
		}
	}
	clear(tp.watched)
	tp.watched = tp.watched[:0]
	tp.arena.reset()
	tp.gen++
}

// arena hands out float64 slices from large chunks that are reused after
// reset, so steady-state training steps do not allocate data buffers.
type arena struct {
	chunks [][]float64
	cur    int // index of the chunk being filled
	off    int // offset into chunks[cur]
}

const arenaChunk = 1 << 16

func (a *arena) alloc(n int) []float64 {
	for a.cur < len(a.chunks) {
		c := a.chunks[a.cur]
		if a.off+n <= len(c) {
			s := c[a.off : a.off+n : a.off+n]
			a.off += n
			return s
		}
		a.cur++
		a.off = 0
	}
	size := max(arenaChunk, n)
	// Grow geometrically with the total so the number of chunks stays small.
	total := 0
	for _, c := range a.chunks {
		total += len(c)
	}
	size = max(size, total/2)
	a.chunks = append(a.chunks, make([]float64, size))
	a.cur = len(a.chunks) - 1
	a.off = n
	return a.chunks[a.cur][:n:n]
}

func (a *arena) allocZero(n int) []float64 {
	s := a.alloc(n)
	clear(s)
	return s
}

func (a *arena) reset() { a.cur, a.off = 0, 0 }
