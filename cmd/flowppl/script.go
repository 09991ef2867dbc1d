package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
)

// setFlags collects --set name=value flags in order.
type setFlags []setFlag

type setFlag struct {
	name, value string
	expr        ast.Expr
}

func (s *setFlags) String() string { return "" }

func (s *setFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want name=value, got %q", v)
	}
	x, err := parser.ParseExpr("--set "+name, value)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	*s = append(*s, setFlag{name: name, value: value, expr: x})
	return nil
}

// applySets overrides top-level assignments: for each --set name=value,
// the right-hand side of the script's first top-level assignment
// `name = ...` is replaced by value (any expression; usually a number).
// Later statements that update name still run, and assignments inside
// functions, models, loops and ifs are not touched. A name that the
// script never assigns at the top level is an error (so a misspelt
// --set does not pass silently).
func applySets(file *ast.File, sets setFlags) error {
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
			if id.Name == s.name {
				a.Value = s.expr
				done = true
				break
			}
			assigned = append(assigned, id.Name)
		}
		if !done {
			return fmt.Errorf("--set %s: the script has no top-level assignment %s = ... to override%s", s.name, s.name, spell.Hint(s.name, assigned))
		}
	}
	return nil
}

// plotFits makes th write the loss plot of every fit it runs to
// plotsDir, wherever the fit is (at the top level, in a function, in a
// loop): DIR/NAME.svg for `NAME = fit ...`, DIR/fit-LINE.svg for a fit
// whose report is not assigned to a name; a name already written gets a
// suffix (NAME-2.svg, NAME-3.svg, ...) so that a fit run many times keeps
// every plot.
func plotFits(th *lang.Thread, plotsDir string) error {
	if err := os.MkdirAll(plotsDir, 0o755); err != nil {
		return fmt.Errorf("--plots: %v", err)
	}
	seen := map[string]int{}
	th.OnFit = func(name string, pos ast.Pos, rec *lang.Record) error {
		if name == "" {
			name = fmt.Sprintf("fit-%d", pos.Line)
		}
		seen[name]++
		file := name
		if n := seen[name]; n > 1 {
			file = fmt.Sprintf("%s-%d", name, n)
		}
		path := filepath.Join(plotsDir, file+".svg")
		plot := stdlib.Universe["plot"].(*lang.Builtin)
		if _, err := plot.CallInternal(th, lang.Tuple{rec, lang.String(path)}, []lang.Kwarg{{Name: "title", Value: lang.String(file)}}); err != nil {
			return fmt.Errorf("--plots: %v", err)
		}
		return nil
	}
	return nil
}
