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
// last, as a multi-line text:
//
//	model.flow:3:14: unknown name "x"
//	  called from model.flow:9:5 in f
func (e *EvalError) Backtrace() string {
	var b strings.Builder
	b.WriteString(e.Error())
	for i := len(e.CallStack) - 1; i >= 0; i-- {
		f := e.CallStack[i]
		fmt.Fprintf(&b, "\n  in %s called at %s", f.Name, f.Pos)
	}
	return b.String()
}
