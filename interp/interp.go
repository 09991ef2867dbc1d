package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
)

// ExecFile parses, resolves and runs a script on th (nil means a zero
// Thread) and returns its globals
// (the names the script bound at the top level; not the builtins or the
// predeclared names, unless the script rebound them).
//
// src is the script's text as a string, []byte or io.Reader, or a parsed
// *ast.File; when src is nil the file is read through th's file access
// (th.FS; the process's files for a zero Thread). predeclared names are visible to the script
// beside the builtins of package stdlib and shadow them. A syntax or resolve error
// is an ast.ErrorList and nothing runs; a runtime error is a
// *lang.EvalError, returned with the globals bound so far. No panic
// escapes: one is reported as `internal error: ...` at the statement that
// was running (the EvalError's Err is an *InternalError).
func ExecFile(th *lang.Thread, filename string, src any, predeclared lang.StringDict) (lang.StringDict, error) {
	file, err := parseSource(th, filename, src, -1)
	if err != nil {
		return nil, err
	}
	s := NewSession(predeclared)
	_, err = s.Exec(th, file)
	return s.Globals(), err
}

// Check parses and resolves a script without running it: it reports
// syntax errors, unknown names (with hints) and misplaced statements as an
// ast.ErrorList. predeclared names count as defined. A nil src reads the
// file (lang.HostFS).
func Check(filename string, src any, predeclared lang.StringDict) error {
	file, err := parseSource(nil, filename, src, -1)
	if err != nil {
		return err
	}
	return NewSession(predeclared).Check(file)
}

// parseSource reads (when src is nil, through th's file access) and parses
// a script of at most maxSource bytes (negative: any size), looking at th's
// context while it parses; a parsed *ast.File is returned as it is.
func parseSource(th *lang.Thread, filename string, src any, maxSource int) (f *ast.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, ast.ErrorList{ast.Errorf(ast.Pos{File: filename}, "internal error: %v", p)}
		}
	}()
	if f, ok := src.(*ast.File); ok && f != nil {
		return f, nil // parsed by the caller (and maybe changed: ApplySets)
	}
	text, err := readSource(th, filename, src, maxSource)
	if err != nil {
		return nil, err
	}
	var ctx context.Context
	if th != nil {
		ctx = th.Context
	}
	return parser.ParseFileContext(ctx, filename, text)
}

// ErrSourceLimit is wrapped by the error of an Interpreter's Exec or Eval
// given more script text than Options.MaxSource allows.
var ErrSourceLimit = errors.New("source size limit reached")

// readSource returns the text of a script; one longer than maxSource bytes
// (when not negative) is an error wrapping ErrSourceLimit.
func readSource(th *lang.Thread, filename string, src any, maxSource int) (string, error) {
	text, err := readAll(th, filename, src, maxSource)
	if err == nil && maxSource >= 0 && len(text) > maxSource {
		return "", fmt.Errorf("%s: the script is longer than the limit of %d bytes (Options.MaxSource): %w", filename, maxSource, ErrSourceLimit)
	}
	return text, err
}

func readAll(th *lang.Thread, filename string, src any, maxSource int) (string, error) {
	switch s := src.(type) {
	case nil:
		if th == nil {
			th = new(lang.Thread)
		}
		b, err := th.ReadFile(filename)
		return string(b), err
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	case io.Reader:
		if maxSource >= 0 {
			s = io.LimitReader(s, int64(maxSource)+1)
		}
		b, err := io.ReadAll(s)
		return string(b), err
	}
	return "", fmt.Errorf("interp: invalid source type %T", src)
}

// Session runs scripts one after the other against the same globals, as a
// REPL does: each Exec sees the names bound by the ones before.
type Session struct {
	universe *env // builtins and predeclared names
	globals  *env
	// stopAtCancel makes Exec fail at the statement during which the
	// thread's context was cancelled (a fit that a limit stopped), not at
	// the next one or, after the last, nowhere (set by New).
	stopAtCancel bool
}

// NewSession returns a session whose scripts see the builtins of package
// stdlib and the predeclared names (which shadow builtins).
func NewSession(predeclared lang.StringDict) *Session {
	u := &env{vars: map[string]lang.Value(stdlib.Builtins())}
	for _, b := range Builtins() {
		u.vars[b.Name()] = b
	}
	maps.Copy(u.vars, predeclared)
	return &Session{universe: u, globals: newEnv(u)}
}

// Globals returns a copy of the names bound at the top level so far.
func (s *Session) Globals() lang.StringDict { return maps.Clone(lang.StringDict(s.globals.vars)) }

// Check resolves file against the session's names without running it.
func (s *Session) Check(file *ast.File) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = ast.ErrorList{ast.Errorf(file.Pos(), "internal error: %v", p)}
		}
	}()
	known := map[string]bool{}
	for n := range s.universe.vars {
		known[n] = true
	}
	for n := range s.globals.vars {
		known[n] = true
	}
	return resolve(file, known)
}

// Exec resolves and runs file in the session. It reports the script's
// static warnings (Warnings) through th.Warning before running. It
// returns the value of the last statement when that is an expression
// (what a REPL echoes), else nil. Errors are as for ExecFile; the globals
// bound before a runtime error stay bound.
func (s *Session) Exec(th *lang.Thread, file *ast.File) (v lang.Value, err error) {
	if err := s.Check(file); err != nil {
		return nil, err
	}
	if th == nil {
		th = new(lang.Thread)
	}
	th.Init()
	for _, w := range Warnings(file) {
		th.Warning(w.Pos, w.Msg, false)
	}
	ev := &evaluator{th: th}
	depth, nesting := th.Depth(), th.Nesting()
	var cur ast.Stmt
	defer func() {
		if p := recover(); p != nil {
			for th.Depth() > depth {
				th.Pop()
			}
			th.RestoreNesting(nesting)
			pos := file.Pos()
			if cur != nil {
				pos = cur.Pos()
			}
			ie := &InternalError{Value: p}
			v, err = nil, &lang.EvalError{Msg: ie.Error(), Pos: pos, Err: ie}
		}
	}()
	for _, st := range file.Stmts {
		cur = st
		v = nil
		if es, ok := st.(*ast.ExprStmt); ok {
			if err := th.Context.Err(); err != nil {
				return nil, &lang.EvalError{Msg: "interrupted", Pos: st.Pos(), Err: err}
			}
			if v, err = ev.eval(es.X, s.globals); err != nil {
				return nil, err
			}
		} else if _, _, err := ev.stmt(st, s.globals); err != nil {
			return nil, err
		}
		if s.stopAtCancel && cancelled(th.Context) {
			return nil, &lang.EvalError{Msg: "interrupted", Pos: st.Pos(), Err: th.Context.Err()}
		}
	}
	return v, nil
}

// cancelled reports whether ctx is done, without calling its Err method
// (which counts a step of Options.MaxSteps).
func cancelled(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// FormatError formats an error of ExecFile, Check or Session.Exec for a
// terminal: one line per syntax or resolve error; for a runtime error the
// message and the calls that led to it, innermost first, with runs of the
// same call (deep recursion) collapsed:
//
//	f.flow:3:14: shapes [2] and [3] do not match for +
//	  in g called at f.flow:7:5
//	  in f called at f.flow:9:1
func FormatError(err error) string {
	var ee *lang.EvalError
	if err == nil {
		return ""
	}
	if !errors.As(err, &ee) {
		return err.Error()
	}
	return ee.Backtrace()
}

// Source returns the text of a script by its file name, as positions name
// it, and whether it is known.
type Source func(file string) (string, bool)

// FormatErrorSource formats err as FormatError does, and shows under each
// error message the source line it points at, with a caret under the
// column (ast.Snippet):
//
//	f.flow:3:14: shapes [2] and [3] do not match for +
//	    y = x + [1, 2, 3]
//	            ^
//	  in g called at f.flow:7:5
//
// A message whose file src does not know (or nil src) is shown alone.
func FormatErrorSource(err error, src Source) string {
	if err == nil {
		return ""
	}
	snippet := func(e *ast.Error) string {
		if src == nil || !e.Pos.IsValid() {
			return ""
		}
		text, ok := src(e.Pos.File)
		if !ok {
			return ""
		}
		if s := e.Snippet(text); s != "" {
			return "\n" + s
		}
		return ""
	}
	var ee *lang.EvalError
	if errors.As(err, &ee) {
		first, rest, _ := strings.Cut(ee.Backtrace(), "\n")
		out := first + snippet(&ast.Error{Pos: ee.Pos, Msg: ee.Msg})
		if rest != "" {
			out += "\n" + rest
		}
		return out
	}
	var list ast.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		var b strings.Builder
		for i, e := range list {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(e.Error() + snippet(e))
		}
		return b.String()
	}
	return err.Error()
}

// Builtins returns the builtins that need the interpreter's models: elbo
// and simulate.
func Builtins() []*lang.Builtin { return []*lang.Builtin{elboBuiltin(), simulateFn} }
