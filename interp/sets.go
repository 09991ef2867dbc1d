package interp

import (
	"fmt"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// A Set is one binding of `flowppl run --set name=value`: ApplySets makes
// Expr the right-hand side of the script's first top-level assignment to
// Name. Value is the expression's text.
type Set struct {
	Name, Value string
	Expr        ast.Expr
}

// NewSet parses value (any expression, usually a number) as the binding
// of name; errors name the binding ("--set lr: ...").
func NewSet(name, value string) (Set, error) {
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if name == "" || value == "" {
		return Set{}, fmt.Errorf("want name=value, got %q", name+"="+value)
	}
	x, err := parser.ParseExpr("--set "+name, value)
	if err != nil {
		return Set{}, fmt.Errorf("%s: %v", name, err)
	}
	return Set{Name: name, Value: value, Expr: x}, nil
}

// ParseSet parses the argument of --set, "name=value".
func ParseSet(arg string) (Set, error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(value) == "" {
		return Set{}, fmt.Errorf("want name=value, got %q", arg)
	}
	return NewSet(name, value)
}

// ApplySets overrides top-level assignments of a parsed script: for each
// set, the right-hand side of the script's first top-level assignment
// `name = ...` is replaced by its expression. Later statements that
// update name still run, and assignments inside functions, models, loops
// and ifs are not touched. A name that the script never assigns at the
// top level is an error (so a misspelt --set does not pass silently):
//
//	--set lrr: the script has no top-level assignment lrr = ... to override (did you mean "lr"?)
//
// ApplySets changes file; parse the script again to run it with other
// bindings.
func ApplySets(file *ast.File, sets []Set) error {
	var assigned []string
	for _, s := range sets {
		done := false
		for _, st := range file.Stmts {
			a, ok := st.(*ast.Assign)
			if !ok {
				continue
			}
			id, ok := a.Target.(*ast.Ident)
			if !ok {
				continue
			}
			if id.Name == s.Name {
				a.Value = s.Expr
				done = true
				break
			}
			assigned = append(assigned, id.Name)
		}
		if !done {
			return fmt.Errorf("--set %s: the script has no top-level assignment %s = ... to override%s", s.Name, s.Name, spell.Hint(s.Name, assigned))
		}
	}
	return nil
}
