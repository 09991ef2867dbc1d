package lang

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang/ast"
)

// Thread carries the state of one run of the interpreter: its context
// (checked by long operations such as fit, every step), its random source,
// its output streams, its file access and its call stack. The zero Thread
// works: it uses context.Background, a random source seeded from 1,
// os.Stdout, os.Stderr and the process's files (HostFS). A Thread is not
// safe for concurrent use.
type Thread struct {
	// Name names the thread in backtraces.
	Name string
	// Context cancels long-running work (a fit stops and keeps its state).
	Context context.Context
	// Rand is the random source of sample, fit and flow initialisation.
	Rand *rand.Rand
	// Stdout receives print; Stderr receives progress lines of fits.
	Stdout, Stderr io.Writer
	// Quiet silences fit progress lines (as the option quiet = true).
	Quiet bool
	// Progress, when set, makes the reporter of each fit (a terminal's
	// progress bar); it replaces the progress lines on Stderr. Quiet (the
	// thread's or the fit's) turns it off.
	Progress func() infer.ProgressReporter
	// OnFit, when set, is called after every fit that succeeds, wherever
	// it runs (in a function, a loop, a model's caller), with the name
	// the report is assigned to (`NAME = fit ...`, else ""), the position
	// of the fit keyword and the report. An error it returns is the fit's
	// error.
	OnFit func(name string, pos ast.Pos, report *Record) error
	// Warn, when set, receives every warning of the run (a model
	// parameter that the body never uses, found before the script runs; a
	// posterior fit that looks improper or dropped many draws), with its
	// position, also when Quiet. When it is nil, Warning prints them on
	// Stderr unless Quiet.
	Warn func(pos ast.Pos, msg string)
	// MaxDepth limits the call depth (0: DefaultMaxDepth); Init clamps it
	// to MaxDepthLimit, the depth the Go stack safely holds.
	MaxDepth int
	// FS is the file access of the builtins that read and write files
	// (see FS): nil means HostFS, the process's own files. A sandboxed
	// interpreter (interp.New) sets DirFS or NoFiles.
	FS FS
	// MaxElements limits the elements of one array (0:
	// DefaultMaxElements); see Alloc.
	MaxElements int
	// Memory, when set, limits the bytes of the arrays the script holds
	// (see Memory for what it counts). The threads of one interpreter
	// share it. nil means no memory limit.
	Memory *Memory

	stack []Frame

	nesting int // expressions being evaluated (Nest, Unnest)

	callPos ast.Pos // the builtin call running (SetCallPos)
}

// SetCallPos records pos as the position of the builtin call about to
// run and returns the one it replaces (for the caller to restore): a
// builtin that warns (sample, summary of draws) reports its warnings at
// its call. The interpreter sets it around every builtin call.
func (th *Thread) SetCallPos(pos ast.Pos) (old ast.Pos) {
	old, th.callPos = th.callPos, pos
	return old
}

// CallPos returns the position of the builtin call running (the zero Pos
// outside the interpreter).
func (th *Thread) CallPos() ast.Pos { return th.callPos }

// Frame is one entry of a call stack: the function called and the position
// of the call.
type Frame struct {
	Name string
	Pos  ast.Pos
}

// DefaultSeed is the seed of a run that names none (the zero Thread,
// interp.Options, the REPL, `flowppl run` without --seed).
const DefaultSeed = 1

// NewRand returns the random source of a run with the given seed: PCG
// with (seed, 2), the stream of `flowppl run --seed`.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2)) }

// Init fills in the defaults of a zero Thread. The interpreter calls it
// before running; builtins may assume it has been called.
func (th *Thread) Init() {
	if th.Context == nil {
		th.Context = context.Background()
	}
	if th.Rand == nil {
		th.Rand = NewRand(DefaultSeed)
	}
	if th.Stdout == nil {
		th.Stdout = os.Stdout
	}
	if th.Stderr == nil {
		th.Stderr = os.Stderr
	}
	if th.MaxDepth <= 0 {
		th.MaxDepth = DefaultMaxDepth
	}
	if th.FS == nil {
		th.FS = HostFS{}
	}
	th.MaxDepth = min(th.MaxDepth, MaxDepthLimit)
}

// Warning reports a warning at pos: to Warn when it is set, else as the
// line "file:line:col: warning: msg" on Stderr unless quiet (the thread's
// Quiet or the caller's, e.g. a fit's quiet option).
func (th *Thread) Warning(pos ast.Pos, msg string, quiet bool) {
	if th.Warn != nil {
		th.Warn(pos, msg)
		return
	}
	if quiet || th.Quiet {
		return
	}
	w := th.Stderr
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintln(w, WarningLine(pos, msg))
}

// WarningLine formats a warning as "file:line:col: warning: msg" (just
// "warning: msg" without a position).
func WarningLine(pos ast.Pos, msg string) string {
	if !pos.IsValid() {
		return "warning: " + msg
	}
	return pos.String() + ": warning: " + msg
}

// Push records a call at pos; it returns false if the call depth limit is
// reached.
func (th *Thread) Push(name string, pos ast.Pos) bool {
	if len(th.stack) >= th.MaxDepth {
		return false
	}
	th.stack = append(th.stack, Frame{Name: name, Pos: pos})
	return true
}

// Pop removes the innermost call.
func (th *Thread) Pop() { th.stack = th.stack[:len(th.stack)-1] }

// CallStack returns a copy of the current call stack, outermost first.
func (th *Thread) CallStack() []Frame { return append([]Frame(nil), th.stack...) }

// Depth returns the current call depth.
func (th *Thread) Depth() int { return len(th.stack) }

// MaxNesting bounds the expressions being evaluated at once on a thread,
// counted across function calls: an expression nested a few thousand levels
// deep (ast.MaxDepth) inside a recursion a thousand calls deep would
// otherwise overflow the Go stack, and so would a call depth limit (MaxDepth)
// raised far above its default. A level takes about a kilobyte of Go stack,
// so the bound keeps the interpreter's stack near 64 MB.
const MaxNesting = 50_000

// Nest records that the interpreter starts evaluating one more expression on
// th; it returns false, recording nothing, when MaxNesting expressions are
// already being evaluated. Unnest undoes one successful Nest.
func (th *Thread) Nest() bool {
	if th.nesting >= MaxNesting {
		return false
	}
	th.nesting++
	return true
}

// Unnest records that an expression counted by Nest is done.
func (th *Thread) Unnest() { th.nesting-- }

// Nesting returns the count of Nest calls not yet undone.
func (th *Thread) Nesting() int { return th.nesting }

// RestoreNesting sets the count back to n, a value of Nesting taken before:
// code that recovers a panic calls it, since a panic skips the Unnest calls
// of the frames it unwinds.
func (th *Thread) RestoreNesting(n int) { th.nesting = n }
