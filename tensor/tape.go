package tensor

// Tape records differentiable operations for one backward pass. The zero
// value is ready to use. A Tape is not safe for concurrent use.
//
// A tape also holds scratch tensors: untracked tensors whose storage is on
// a second arena of the tape, so that the batch-sized constants of a
// training step (noise, data draws, the base log density of the noise) do
// not allocate on the Go heap at every step. Tape.Zeros makes one; an
// operation whose inputs are scratch tensors of tp or untracked tensors
// (and at least one scratch tensor) returns a scratch tensor of tp; an
// operation that also has an input recorded on tp returns a tensor
// recorded on tp as usual, and the scratch inputs get no gradient. Scratch
// tensors are not Tracked and get no gradient; they live until Reset (not
// ResetRecording). Using one afterwards in an operation, or reading it
// with Data, Item, At or Clone, panics; so does combining one with tensors
// of another tape. Slices taken from Data before Reset must not be used
// after it. Copy what must outlive the tape with Clone.
type Tape struct {
	back    []step
	watched []*Tensor
	arena   arena
	gen     uint64 // incremented by Reset
	// scratch is the companion tape that owns tp's scratch tensors (their
	// tape field), created on first use; owner is the recording tape of a
	// companion (nil for a recording tape). A companion records nothing.
	scratch *Tape
	owner   *Tape
	// rescratch are the watched tensors that were scratch tensors of tp.
	rescratch []*Tensor
	// rec is the Trace being recorded on tp (see Record), nil otherwise
	// (always nil on a tape not made by Record, and after Record returns).
	rec *Trace
}

// NewTape returns an empty tape.
func NewTape() *Tape { return &Tape{} }

// Watch starts recording operations on the given tensors (on the base of a
// view). Parameters keep their persistent gradient buffers; other tensors
// get a zeroed gradient buffer from the arena. Watching ends at Reset.
// Watching a tensor twice is harmless; watching one that another tape
// watches and has not yet Reset panics.
func (tp *Tape) Watch(ts ...*Tensor) {
	if tp.owner != nil {
		panic("tensor: Watch on a scratch tape")
	}
	for _, t := range ts {
		t = t.root()
		if t.tape == tp && t.gen == tp.gen {
			continue // already watched
		}
		if t.isScratch() && t.tape.owner == tp && t.gen == t.tape.gen {
			// A scratch tensor of tp becomes tracked, with the same
			// lifetime; ResetRecording makes it scratch again.
			t.grad = tp.arena.allocZero(len(t.data))
			t.tape, t.gen = tp, tp.gen
			tp.watched = append(tp.watched, t)
			tp.rescratch = append(tp.rescratch, t)
			continue
		}
		if t.isScratch() && t.gen == t.tape.gen {
			panic("tensor: Watch of a scratch tensor of another tape")
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

// record appends a backward function, run in reverse order by Backward:
// the form of an operation that has no replayable forward (see step). While
// a trace is being recorded, it makes the trace not replayable.
func (tp *Tape) record(f func()) {
	if tp.owner != nil {
		panic("tensor: an operation on scratch tensors recorded a backward step")
	}
	if tp.rec != nil {
		tp.rec.poison("an operation without a replayable forward")
	}
	tp.back = append(tp.back, funcStep(f))
}

// pushCopy pushes a heap copy of the step s, which the operation built
// (and ran) on its stack, so that an operation whose result is not
// recorded allocates no step.
func pushCopy[S any, P interface {
	*S
	step
}](tp *Tape, s S) {
	p := P(new(S))
	*p = s
	tp.push(p)
}

// pushInPlaceCopy is pushCopy for pushInPlace.
func pushInPlaceCopy[S any, P interface {
	*S
	step
}](tp *Tape, s S) {
	p := P(new(S))
	*p = s
	tp.pushInPlace(p)
}

// pushInPlace is push for an operation that writes into an existing
// tensor (Assign) rather than a new result.
func (tp *Tape) pushInPlace(s step) {
	if tp.owner != nil {
		panic("tensor: an operation on scratch tensors recorded a backward step")
	}
	tp.back = append(tp.back, s)
}

// push appends a recorded step whose forward has just run (see step): the
// step of the one result the operation made with newOut.
func (tp *Tape) push(s step) {
	if tp.owner != nil {
		panic("tensor: an operation on scratch tensors recorded a backward step")
	}
	if tp.rec != nil {
		tp.rec.pending--
	}
	tp.back = append(tp.back, s)
}

// Zeros returns a scratch tensor of zeros on tp (see Tape): untracked, with
// its storage on the tape's scratch arena, valid until tp's Reset. On a
// nil tape it is the package-level Zeros (a heap tensor), so code can take
// an optional tape.
func (tp *Tape) Zeros(shape ...int) *Tensor {
	if tp == nil {
		return Zeros(shape...)
	}
	return newOut(tp.scratchTape(), append([]int(nil), shape...))
}

// ZerosFor returns a tensor of zeros of the given shape that lives where
// ref does: a scratch tensor of the same tape when ref is one (see Tape),
// else a heap tensor as from Zeros. Code that computes an untracked result
// from ref by hand, without tensor operations, uses it so that the result
// is scratch like the results of the operations.
func ZerosFor(ref *Tensor, shape ...int) *Tensor {
	if r := ref.root(); r.isScratch() {
		ref.checkLive()
		return newOut(r.tape, append([]int(nil), shape...))
	}
	return Zeros(shape...)
}

// scratchTape returns the companion tape that owns tp's scratch tensors.
func (tp *Tape) scratchTape() *Tape {
	if tp.owner != nil {
		return tp
	}
	if tp.scratch == nil {
		tp.scratch = &Tape{owner: tp, gen: tp.gen}
		tp.scratch.arena.min = tp.arena.min
	}
	return tp.scratch
}

// isScratch reports whether t (the root of a view) is a scratch tensor of
// some tape, live or not.
func (t *Tensor) isScratch() bool { return t.tape != nil && t.tape.owner != nil }

// checkLive panics if t is a scratch tensor whose tape has been Reset.
func (t *Tensor) checkLive() {
	if r := t.root(); r.tape != nil && r.tape.owner != nil && r.gen != r.tape.gen {
		panic("tensor: use of a scratch tensor after its tape's Reset")
	}
}

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
		tp.back[i].backward()
	}
}

// Floats returns the number of float64 values the tape's arena has handed
// out since the last Reset: the data and gradients of the results recorded
// so far (and the gradients of watched non-parameters), counted exactly;
// the arena's chunks hold a little more (the unused ends of chunks that a
// result did not fit in). A fit uses it to size the pieces it splits a
// large batch into.
func (tp *Tape) Floats() int { return tp.arena.floats() }

// ScratchFloats is Floats for the tape's scratch tensors (see Tape): the
// values handed out to them since the last Reset. Code that evaluates
// without gradients on scratch tensors uses it to size its pieces.
func (tp *Tape) ScratchFloats() int {
	if tp.scratch == nil {
		return 0
	}
	return tp.scratch.arena.floats()
}

// Reset forgets the recorded operations, stops watching, and makes the
// arena's memory available again. Tensors produced on the tape before Reset
// must not be used afterwards (their storage is reused). Parameter gradients
// are kept; clear them with ZeroGrad. Reset also frees the tape's scratch
// tensors (see Tape).
func (tp *Tape) Reset() {
	tp.ResetRecording()
	if s := tp.scratch; s != nil {
		s.arena.reset()
		s.gen++
	}
}

// ResetRecording is Reset except that the tape's scratch tensors stay
// valid: a step that splits its batch into pieces draws the batch once as
// scratch tensors and differentiates one piece at a time, with
// ResetRecording between the pieces.
func (tp *Tape) ResetRecording() {
	if tp.owner != nil {
		panic("tensor: Reset of a scratch tape")
	}
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
	for _, t := range tp.rescratch {
		t.tape, t.gen = tp.scratch, tp.scratch.gen
	}
	clear(tp.rescratch)
	tp.rescratch = tp.rescratch[:0]
	tp.arena.reset()
	tp.gen++
}

// arena hands out float64 slices from large chunks that are reused after
// reset, so steady-state training steps do not allocate data buffers.
type arena struct {
	min    int // the size of the first chunk; 0 means arenaChunk
	chunks [][]float64
	cur    int // index of the chunk being filled
	off    int // offset into chunks[cur]
	used   int // values handed out since the last reset
}

const arenaChunk = 1 << 16

func (a *arena) alloc(n int) []float64 {
	a.used += n
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
	first := arenaChunk
	if a.min > 0 {
		first = a.min
	}
	size := max(first, n)
	// Grow geometrically with the total so the number of chunks stays small
	// (doubling it on an arena that starts small).
	total := 0
	for _, c := range a.chunks {
		total += len(c)
	}
	if a.min > 0 {
		size = max(size, total)
	} else {
		size = max(size, total/2)
	}
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

func (a *arena) reset() { a.cur, a.off, a.used = 0, 0, 0 }

// floats returns the number of values handed out since the last reset.
func (a *arena) floats() int { return a.used }
