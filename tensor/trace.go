package tensor

import (
	"fmt"
	"os"
	"path"
	"runtime"
	"runtime/debug"
	"strings"
)

// step is one recorded operation. forward recomputes the operation's
// result from its inputs' current values into the buffers the recording
// run allocated (false: a guard saw a different outcome, or the operation
// failed on these values); backward adds the result's gradient into the
// inputs' gradients, as the closures of untraced tapes did. An operation
// runs its step's forward once itself and then pushes the step (Tape.push),
// so the recording run and every replay execute the same code on the same
// buffers: a replay is bit for bit the run it replaces.
type step interface {
	forward() bool
	backward()
}

// funcStep is an operation recorded as a backward closure only (Tape.record):
// it cannot be replayed, and recording one makes a trace not replayable.
type funcStep func()

func (funcStep) forward() bool { return false }
func (f funcStep) backward()   { f() }

// guardStep re-checks at replay the outcome a Clean call (or a variant)
// found at recording: that no element of data is bad (see guardKind).
type guardStep struct {
	data []float64
	bad  func(float64) bool
	kind guardKind
}

// guardKind is what a guard refuses: bad(v) (Clean), NaN or bad(v)
// (CleanNaN, bad may be nil), or a value that is not finite (CleanFinite).
type guardKind uint8

const (
	guardBad guardKind = iota
	guardNaN
	guardFinite
)

// clean reports whether no element of d is refused.
func (k guardKind) clean(d []float64, bad func(float64) bool) bool {
	switch k {
	case guardFinite:
		acc := 0.0
		for _, v := range d {
			acc += v - v // NaN once a value is NaN or infinite
		}
		return acc == 0
	case guardNaN:
		for _, v := range d {
			if v != v {
				return false
			}
		}
		if bad == nil {
			return true
		}
	}
	for _, v := range d {
		if bad(v) {
			return false
		}
	}
	return true
}

func (g *guardStep) forward() bool { return g.kind.clean(g.data, g.bad) }

func (*guardStep) backward() {}

// io1 holds the buffers of the step of an operation of one input: its
// values (a) and the result's (out), and their gradients (ga, g) once the
// step is recorded.
type io1 struct{ a, out, ga, g []float64 }

// track sets the gradients of an operation of input a and result out, and
// reports whether a is recorded on tp (the step is then to be pushed).
func (o *io1) track(tp *Tape, a, out *Tensor) bool {
	ga := gradOn(a, tp)
	if ga == nil {
		return false
	}
	o.ga, o.g = ga, out.grad
	return true
}

// grads2 holds the gradients of the step of an operation of two inputs
// (ga, gb; nil for an input not recorded) and of its result (g).
type grads2 struct{ ga, gb, g []float64 }

// track sets the gradients of an operation of inputs a and b (b may be
// nil) and result out, and reports whether one input is recorded on tp
// (the step is then to be pushed).
func (o *grads2) track(tp *Tape, a, b, out *Tensor) bool {
	o.ga, o.gb = gradOn(a, tp), gradOn(b, tp)
	if o.ga == nil && o.gb == nil {
		return false
	}
	o.g = out.grad
	return true
}

// traceChunk is the first arena chunk of a trace's tape (floats); the
// arena doubles from there, so a small model's trace holds a few KB, not
// arenaChunk.
const traceChunk = 512

// Trace is one recorded evaluation of a function of a [B, D] tensor (see
// Record) that can be replayed at other inputs: the recorded operations
// run again, forward and backward, on the trace's own buffers, without
// the code that called them. A Trace is used by one goroutine at a time;
// separate Traces may replay at once.
type Trace struct {
	tp    *Tape
	x     *Tensor // the watched [B, D] input
	out   *Tensor // f's result
	loss  *Tensor // Sum(out) when out is recorded on tp, else nil
	err   error
	b, d  int
	z0    []float64   // the recording run's input
	grads [][]float64 // the gradient buffers a backward pass accumulates into
	// pending counts the recorded results that no step has claimed yet:
	// a result without a step would not be recomputed at replay.
	pending int
	why     string    // the first reason the trace is not replayable
	g0      []float64 // the recording run's gradient, once Grad computed it
	dirty   bool      // a replay has overwritten the recording run's values
	restore []restore // the values of tensors Assign made results in place
}

// Record runs f once on a fresh private tape with x watched: x is a new
// [B, D] tensor on that tape holding z's values. The returned Trace holds
// f's result and error; when the run can be replayed, tr.Replayable() is
// true, else tr.Why() says why (the first poison reason).
//
// f must compute its result from x and constants by tensor operations: a
// read of the values of a tensor computed from x (Data, Item, At, Clone,
// String, AllFinite, Rows), an operation that cannot be replayed yet, an
// untracked result computed from a Detach of such a tensor, or a Clean
// that finds a bad value makes the trace not replayable, with the first
// such event's place as the reason. The values of untracked tensors that
// f uses (data, constants) must not change while the trace is replayed.
// A panic in f is not recovered.
func Record(z []float64, B, D int, f func(x *Tensor) (*Tensor, error)) *Trace {
	if len(z) != B*D {
		panic(fmt.Sprintf("tensor.Record: %d values for [%d, %d]", len(z), B, D))
	}
	tr := &Trace{b: B, d: D, z0: append([]float64(nil), z...)}
	tp := &Tape{rec: tr}
	tp.arena.min = traceChunk
	tr.tp = tp
	tr.x = New(append([]float64(nil), z...), B, D)
	tp.Watch(tr.x)
	tr.grads = append(tr.grads, tr.x.grad)
	defer func() { tp.rec = nil }()
	tr.out, tr.err = f(tr.x)
	out := tr.out
	switch {
	case tr.err != nil:
		tr.poisonHere("the run failed: " + tr.err.Error())
	case out == nil:
		tr.poisonHere("the run returned no result")
	case len(out.data) != B:
		tr.poisonHere(fmt.Sprintf("the result has %d values, not %d", len(out.data), B))
	case out.Tracked():
		if tapeOf(out) != tp {
			tr.poisonHere("the result is recorded on another tape")
			break
		}
		tr.loss = Sum(out)
	default:
		if r := out.root(); r.taint != nil || r.isScratch() {
			tr.poisonHere("the result is a Detach of a traced tensor")
		}
		// Otherwise an untracked result is a constant of the trace.
	}
	if tr.pending != 0 {
		tr.poisonHere(fmt.Sprintf("%d recorded results have no replayable step", tr.pending))
	}
	return tr
}

// Err returns f's error (nil if none).
func (tr *Trace) Err() error { return tr.err }

// Out returns f's result of the recording run. A Replay overwrites its
// values when it is recorded on the trace.
func (tr *Trace) Out() *Tensor { return tr.out }

// Replayable reports whether Replay can run.
func (tr *Trace) Replayable() bool { return tr.why == "" }

// Why returns why the trace cannot be replayed ("" when it can): the first
// event that made it so, with the place in the calling code.
func (tr *Trace) Why() string { return tr.why }

// Len returns the number of recorded steps (operations and guards).
func (tr *Trace) Len() int { return len(tr.tp.back) }

// Floats returns the number of float64 values the trace's buffers hold
// (data and gradients of the recorded results, and scratch values).
func (tr *Trace) Floats() int { return tr.tp.Floats() + tr.tp.ScratchFloats() }

// Grad runs the backward pass of the recording run once: grad (len B·D)
// gets d sum(out)/dx; when out is untracked it clears grad. It may be
// called more than once and after Replay (it then replays at the recording
// run's input first).
func (tr *Trace) Grad(grad []float64) {
	n := tr.b * tr.d
	if len(grad) != n {
		panic(fmt.Sprintf("tensor.Trace.Grad: %d values for [%d, %d]", len(grad), tr.b, tr.d))
	}
	if tr.loss == nil {
		clear(grad)
		return
	}
	if tr.g0 == nil {
		if tr.dirty {
			// Only a replayable trace replays, and a replay at the
			// recording input is the recording run.
			lp := make([]float64, tr.b)
			tr.g0 = make([]float64, n)
			if !tr.Replay(tr.z0, lp, tr.g0) {
				panic("tensor.Trace.Grad: the replay at the recorded input failed")
			}
		} else {
			tr.backward()
			tr.g0 = append([]float64(nil), tr.x.grad...)
		}
	}
	copy(grad, tr.g0)
}

// backward clears the gradients and runs the recorded backward steps.
func (tr *Trace) backward() {
	for _, g := range tr.grads {
		clear(g)
	}
	tr.loss.grad[0] = 1
	back := tr.tp.back
	for i := len(back) - 1; i >= 0; i-- {
		back[i].backward()
	}
}

// Replay writes z (len B·D) into x, reruns the recorded forward steps,
// writes out's B values into lp and d sum(out)/dx into grad. false: a guard
// saw a different outcome, an op failed or panicked; nothing written is
// valid and the caller must evaluate without the trace. A Trace is used by
// one goroutine at a time; different Traces of one posterior may replay at
// once. On true, lp and grad are bit for bit those of a fresh run of f at
// z followed by a backward pass of Sum(out).
func (tr *Trace) Replay(z, lp, grad []float64) (ok bool) {
	if tr.why != "" {
		return false
	}
	if len(z) != tr.b*tr.d || len(lp) != tr.b || len(grad) != tr.b*tr.d {
		panic(fmt.Sprintf("tensor.Trace.Replay: %d, %d and %d values for [%d, %d]", len(z), len(lp), len(grad), tr.b, tr.d))
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	tr.dirty = true
	copy(tr.x.data, z)
	for _, r := range tr.restore {
		copy(r.dst, r.src)
	}
	for _, s := range tr.tp.back {
		if !s.forward() {
			return false
		}
	}
	copy(lp, tr.out.data)
	if tr.loss == nil {
		clear(grad)
		return true
	}
	tr.backward()
	copy(grad, tr.x.grad)
	return true
}

// Clean reports whether no element of t satisfies bad; on a traced tensor
// it records a guard that re-checks the same predicate at replay (a
// different outcome makes Replay return false). Only the clean outcome is
// traced: when bad holds for some element during a recording, the trace is
// not replayable. bad must be a pure function of its argument.
func Clean(t *Tensor, bad func(float64) bool) bool { return guard(t, bad, guardBad) }

// CleanNaN is Clean for "NaN or bad": it reports whether no element of t
// is NaN and none satisfies bad (nil: only NaN is refused).
func CleanNaN(t *Tensor, bad func(float64) bool) bool { return guard(t, bad, guardNaN) }

// CleanFinite is AllFinite as a guard (see Clean): it reports whether every
// element of t is finite.
func CleanFinite(t *Tensor) bool { return guard(t, nil, guardFinite) }

// guard is Clean and its variants.
func guard(t *Tensor, bad func(float64) bool, kind guardKind) bool {
	t.checkLive()
	clean := kind.clean(t.data, bad)
	if tp := t.root().traceTape(); tp != nil {
		if clean {
			tp.back = append(tp.back, &guardStep{data: t.data, bad: bad, kind: kind})
		} else {
			tp.rec.poison("a guard found a value it refuses")
		}
	}
	return clean
}

// Guard returns check's verdict on the values of ts, which check gets as
// their data slices (in the order of ts; it must only read them, and be a
// pure function of them). It is Clean for a condition on several tensors
// at once: while a trace is recorded and some of ts are traced, a true
// verdict records a guard that reruns check at replay (false there makes
// Replay return false), and a false one makes the trace not replayable.
func Guard(check func(data [][]float64) bool, ts ...*Tensor) bool {
	data := make([][]float64, len(ts))
	var tp *Tape
	for i, t := range ts {
		t.checkLive()
		data[i] = t.data
		if r := t.root().traceTape(); r != nil {
			tp = r
		}
	}
	ok := check(data)
	if tp != nil {
		if ok {
			tp.back = append(tp.back, &checkStep{data: data, check: check})
		} else {
			tp.rec.poison("a guard found a value it refuses")
		}
	}
	return ok
}

// checkStep is Guard's recorded guard.
type checkStep struct {
	data  [][]float64
	check func([][]float64) bool
}

func (c *checkStep) forward() bool { return c.check(c.data) }
func (*checkStep) backward()       {}

// traceTape returns the tape of the Trace being recorded whose values r
// (a root) follows: its tape for a result recorded on it, the tape of the
// tensor it was detached from for a Detach; nil otherwise.
func (r *Tensor) traceTape() *Tape {
	if tp := r.tape; tp != nil {
		if tp.rec != nil && r.gen == tp.gen {
			return tp
		}
		return nil
	}
	if r.taint != nil && r.taint.rec != nil {
		return r.taint
	}
	return nil
}

// read is the check of every accessor of t's values: it panics for a
// scratch tensor whose tape was Reset, and makes a trace being recorded
// not replayable when t's values follow it (see Record).
func (t *Tensor) read() {
	r := t.root()
	tp := r.tape
	if tp == nil {
		if r.taint != nil && r.taint.rec != nil {
			r.taint.rec.poison("a read of the values of a Detach of a traced tensor")
		}
		return
	}
	if tp.owner != nil {
		if r.gen != tp.gen {
			panic("tensor: use of a scratch tensor after its tape's Reset")
		}
		return
	}
	if tp.rec != nil && r.gen == tp.gen {
		tp.rec.poison("a read of a traced tensor's values")
	}
}

// adopt notes a tensor that was not recorded and becomes a result on the
// trace's tape in place (Assign into a constant): a replay first restores
// its values as they were then, and clears its gradient.
func (tr *Trace) adopt(r *Tensor) {
	tr.restore = append(tr.restore, restore{dst: r.data, src: append([]float64(nil), r.data...)})
	tr.grads = append(tr.grads, r.grad)
}

// restore is a copy of src into dst at the start of a replay.
type restore struct{ dst, src []float64 }

// traceOwn returns s, or a copy of it while tp records a trace (a trace
// outlives the caller's promise not to modify s before Backward).
func traceOwn[T any](tp *Tape, s []T) []T {
	if tp != nil && tp.rec != nil {
		return append([]T(nil), s...)
	}
	return s
}

// newResult notes a result recorded on the trace's tape (see newOut).
func (tr *Trace) newResult(t *Tensor) {
	tr.pending++
	tr.grads = append(tr.grads, t.grad)
}

// poison makes the trace not replayable, keeping the first reason, with
// the place outside package tensor that caused it.
func (tr *Trace) poison(what string) {
	if tr.why == "" {
		tr.why = what + where()
		if traceDebug {
			fmt.Fprintf(os.Stderr, "tensor: trace not replayable: %s\n%s\n", tr.why, debug.Stack())
		}
	}
}

// traceDebug (FLOWPPL_TRACE_DEBUG non-empty) prints the stack of the
// event that makes a trace not replayable, for finding the code to convert.
var traceDebug = os.Getenv("FLOWPPL_TRACE_DEBUG") != ""

// poisonHere is poison for Record's own checks (no caller's place).
func (tr *Trace) poisonHere(what string) {
	if tr.why == "" {
		tr.why = what
	}
}

// where returns " (in tensor's Op, called at dir/file.go:line)" for the
// first caller outside package tensor (its tests count as outside).
func where() string {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	const pkg = "github.com/flowppl/flowppl/tensor."
	op := ""
	for {
		f, more := frames.Next()
		inside := strings.HasPrefix(f.Function, pkg) && !strings.HasSuffix(f.File, "_test.go")
		if !inside {
			file := path.Join(path.Base(path.Dir(f.File)), path.Base(f.File))
			if op != "" {
				return fmt.Sprintf(" (in tensor's %s, called at %s:%d)", op, file, f.Line)
			}
			return fmt.Sprintf(" (at %s:%d)", file, f.Line)
		}
		name := strings.TrimPrefix(f.Function, pkg)
		name = strings.TrimPrefix(name, "(*Tensor).")
		if name != "" && name[0] >= 'A' && name[0] <= 'Z' && !strings.Contains(name, ".func") {
			op = name // the outermost exported function or method
		}
		if !more {
			return ""
		}
	}
}
