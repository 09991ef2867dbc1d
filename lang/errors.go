package lang

import (
	"fmt"
	"strings"

	"github.com/flowppl/flowppl/lang/ast"
)

// EvalError is a runtime error: a message, the position in the script where
// it happened, and the call stack that led there (outermost first). Its
// Error method reads "file:line:col: msg".
type EvalError struct {
	Msg       string
	Pos       ast.Pos
	CallStack []Frame
	// Err is the underlying error, if any (returned by Unwrap).
	Err error
}

// Error returns "file:line:col: msg".
func (e *EvalError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap returns the underlying error.
func (e *EvalError) Unwrap() error { return e.Err }

// Backtrace returns the error with the calls that led to it, innermost
// first, as a multi-line text; a run of identical calls (deep recursion) is
// collapsed into one line and a count:
//
//	model.flow:3:14: unknown name "x"
//	  in f called at model.flow:9:5
//	  ... the same call 998 more times
func (e *EvalError) Backtrace() string {
	var b strings.Builder
	b.WriteString(e.Error())
	st := e.CallStack
	for i := len(st) - 1; i >= 0; {
		f := st[i]
		j := i
		for j > 0 && st[j-1] == f {
			j--
		}
		fmt.Fprintf(&b, "\n  in %s called at %s", f.Name, f.Pos)
		if n := i - j; n > 0 {
			fmt.Fprintf(&b, "\n  ... the same call %d more times", n)
		}
		i = j - 1
	}
	return b.String()
}

// Snippet returns the line of src where the error happened with a caret
// under its column (see ast.Snippet), or "" when the error has no position
// or src has no such line. src is the text of the file e.Pos names.
func (e *EvalError) Snippet(src string) string {
	return (&ast.Error{Pos: e.Pos, Msg: e.Msg}).Snippet(src)
}
