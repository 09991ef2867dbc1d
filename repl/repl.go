// Package repl is the interactive loop of flowppl: it reads statements
// (continuing over several lines while one is incomplete), runs them in an
// interp.Session, echoes the values of expressions in a compact form,
// shows errors with the source line and a caret under the column, and
// handles the commands :help, :load, :vars, :reset and :quit.
//
// The logic is in REPL, driven by lines (Feed) so that it can be tested
// through an io.Reader and io.Writer (Run); Terminal wraps it in a line
// editor (github.com/chzyer/readline) with history, tab completion and
// Ctrl-C handling.
package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
)

// Options configures a REPL. The zero value is usable: output to os.Stdout
// and os.Stderr, seed 1.
type Options struct {
	Stdout, Stderr io.Writer
	// Seed seeds the random source (PCG with (Seed, 2); 0 means 1).
	Seed uint64
	// Quiet silences the progress lines of fits.
	Quiet bool
	// Predeclared names are visible beside the builtins (they survive
	// :reset).
	Predeclared lang.StringDict
}

// Prompts of the REPL.
const (
	Prompt         = ">>> "
	ContinuePrompt = "... "
)

// InputName is the file name under which typed input is reported.
const InputName = "<stdin>"

// ErrQuit is returned by Feed after :quit.
var ErrQuit = errors.New("quit")

// REPL is the state of an interactive session: the interpreter session,
// the thread, the pending lines of an incomplete statement, and the lines
// typed so far (for error carets).
type REPL struct {
	opts    Options
	sess    *interp.Session
	th      *lang.Thread
	pending []string
	lines   []string          // every line of complete input so far, InputName's lines
	files   map[string]string // the scripts run by :load, for error carets
	out     *echoWriter
}

// echoWriter is the thread's Stdout: opts.Stdout, remembering the values
// that builtins report having printed (stdlib.PrintRecorder) during the
// current input, which exec then does not echo a second time.
type echoWriter struct {
	w       io.Writer
	printed []lang.Value
}

func (e *echoWriter) Write(p []byte) (int, error) { return e.w.Write(p) }

// Printed records that v has been printed.
func (e *echoWriter) Printed(v lang.Value) { e.printed = append(e.printed, v) }

// shown reports whether v was printed during the current input.
func (e *echoWriter) shown(v lang.Value) bool {
	for _, p := range e.printed {
		if reflect.TypeOf(p) == reflect.TypeOf(v) && reflect.TypeOf(v).Comparable() && p == v {
			return true
		}
	}
	return false
}

var _ stdlib.PrintRecorder = (*echoWriter)(nil)

// New returns a REPL with a fresh session.
func New(opts Options) *REPL {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Seed == 0 {
		opts.Seed = lang.DefaultSeed
	}
	r := &REPL{opts: opts, out: &echoWriter{w: opts.Stdout}}
	r.reset()
	return r
}

func (r *REPL) reset() {
	r.sess = interp.NewSession(r.opts.Predeclared)
	r.th = &lang.Thread{
		Name:   "main",
		Rand:   lang.NewRand(r.opts.Seed),
		Stdout: r.out,
		Stderr: r.opts.Stderr,
		Quiet:  r.opts.Quiet,
	}
	if !r.opts.Quiet {
		r.th.Progress = ProgressFor(r.opts.Stderr) // a bar on a terminal
	}
	r.pending = nil
}

// Session returns the interpreter session (its globals are the names bound
// so far).
func (r *REPL) Session() *interp.Session { return r.sess }

// Pending reports whether a statement is incomplete (the next prompt is
// ContinuePrompt).
func (r *REPL) Pending() bool { return len(r.pending) > 0 }

// Prompt returns the prompt for the next line.
func (r *REPL) Prompt() string {
	if r.Pending() {
		return ContinuePrompt
	}
	return Prompt
}

// ClearPending drops the lines of an incomplete statement (Ctrl-C at a
// continuation prompt).
func (r *REPL) ClearPending() { r.pending = nil }

// Feed takes one line of input. A command (a line starting with ":" at the
// prompt) runs at once; otherwise the line is appended to the pending
// statement, which runs when it is complete. ctx cancels what runs (a fit
// stops and keeps its parameters). Feed reports errors of the input on
// Stderr and returns them too (nil when all went well); it returns ErrQuit
// after :quit.
func (r *REPL) Feed(ctx context.Context, line string) error {
	if !r.Pending() {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, ":") {
			return r.command(ctx, t)
		}
		if strings.TrimSpace(line) == "" {
			return nil
		}
	}
	r.pending = append(r.pending, line)
	src := strings.Join(r.pending, "\n")
	// Lines are numbered as in all the input so far.
	file, err := parser.ParseInteractiveAt(InputName, src, len(r.lines)+1)
	if parser.IsIncomplete(err) {
		// A blank line ends an incomplete statement only if it cannot be
		// continued at all; keep reading.
		return nil
	}
	r.lines = append(r.lines, r.pending...)
	r.pending = nil
	if err != nil {
		r.report(err)
		return err
	}
	return r.exec(ctx, file)
}

// Flush runs or reports a statement left incomplete at the end of the
// input.
func (r *REPL) Flush(ctx context.Context) error {
	if !r.Pending() {
		return nil
	}
	src := strings.Join(r.pending, "\n")
	_, err := parser.ParseInteractiveAt(InputName, src, len(r.lines)+1)
	r.lines = append(r.lines, r.pending...)
	r.pending = nil
	if err == nil {
		err = fmt.Errorf("%s: incomplete statement", InputName)
	}
	r.report(err)
	return err
}

// exec runs a parsed chunk and echoes the value of a final expression.
func (r *REPL) exec(ctx context.Context, file *ast.File) error {
	if ctx == nil {
		ctx = context.Background()
	}
	before := r.sess.Globals()
	r.th.Context = ctx
	r.out.printed = nil
	v, err := r.sess.Exec(r.th, file)
	shown := r.out.shown(v)
	r.out.printed = nil
	r.th.Context = context.Background()
	if ctx.Err() != nil {
		stopped := r.reportStopped(before, v)
		if err == nil || errors.Is(err, context.Canceled) || isInterrupted(err) {
			if !stopped {
				fmt.Fprintln(r.opts.Stderr, "interrupted")
			}
			return ctx.Err()
		}
	}
	if err != nil {
		r.report(err)
		return err
	}
	if v != nil && v != lang.None && !shown {
		fmt.Fprintln(r.opts.Stdout, Compact(v))
	}
	return nil
}

func isInterrupted(err error) bool {
	var ee *lang.EvalError
	return errors.As(err, &ee) && ee.Msg == "interrupted"
}

// reportStopped prints where a cancelled fit stopped: the report records
// that the statement produced or bound.
func (r *REPL) reportStopped(before lang.StringDict, v lang.Value) bool {
	seen := false
	show := func(rec *lang.Record) {
		if s, ok := rec.Fields["stopped"].(lang.String); ok && s == "cancelled" {
			fmt.Fprintf(r.opts.Stderr, "fit stopped: %s\n", reportLine(rec))
			seen = true
		}
	}
	if rec, ok := v.(*lang.Record); ok && isReport(rec) {
		show(rec)
	}
	for name, nv := range r.sess.Globals() {
		if rec, ok := nv.(*lang.Record); ok && isReport(rec) && before[name] != nv {
			show(rec)
		}
	}
	if seen {
		fmt.Fprintln(r.opts.Stderr, "the flow keeps the parameters it reached; the session is intact")
	}
	return seen
}

// report writes an error with the source line and a caret.
func (r *REPL) report(err error) {
	fmt.Fprintln(r.opts.Stderr, interp.FormatErrorSource(err, r.source))
}

// source returns the text of file: the input typed so far or a script run
// by :load.
func (r *REPL) source(file string) (string, bool) {
	if file == InputName {
		return strings.Join(r.lines, "\n"), true
	}
	src, ok := r.files[file]
	return src, ok
}

// Run reads lines from in and feeds them, without prompts, until the end
// of the input or :quit: what `flowppl` does when its standard input is
// not a terminal. Values of expressions are echoed. It stops at the first
// error and returns it (already reported on Stderr).
func (r *REPL) Run(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		if err := r.Feed(ctx, sc.Text()); err != nil {
			if err == ErrQuit {
				return nil
			}
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return r.Flush(ctx)
}

// Names returns the names bound in the session, sorted.
func (r *REPL) Names() []string {
	g := r.sess.Globals()
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
