package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/interp"
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

// runStatements runs file's top-level statements in order in a session,
// a few at a time, and after each writes the loss plot of every fit report
// it produced to plotsDir: DIR/NAME.svg for `NAME = fit ...`,
// DIR/fit-LINE.svg for a fit statement whose report is not bound. The
// statements are run in the smallest groups that resolve on their own (a
// function that calls one defined later runs with it), so that the script
// behaves as under ExecFile. Fits inside functions or loops are plotted
// only when their report ends up bound at the top level.
func runStatements(th *lang.Thread, file *ast.File, plotsDir string) error {
	s := interp.NewSession(nil)
	if err := s.Check(file); err != nil {
		return err
	}
	if err := os.MkdirAll(plotsDir, 0o755); err != nil {
		return err
	}
	written := map[*lang.Record]bool{}
	plotReport := func(name string, rec *lang.Record) error {
		if written[rec] {
			return nil
		}
		written[rec] = true
		path := filepath.Join(plotsDir, name+".svg")
		plot := stdlib.Universe["plot"].(*lang.Builtin)
		_, err := plot.CallInternal(th, lang.Tuple{rec, lang.String(path)}, []lang.Kwarg{{Name: "title", Value: lang.String(name)}})
		if err != nil {
			return fmt.Errorf("--plots: %v", err)
		}
		return nil
	}
	stmts := file.Stmts
	for i := 0; i < len(stmts); {
		j := i + 1
		part := &ast.File{Name: file.Name, Stmts: stmts[i:j]}
		for j < len(stmts) && s.Check(part) != nil {
			j++
			part.Stmts = stmts[i:j]
		}
		before := s.Globals()
		v, err := s.Exec(th, part)
		after := s.Globals()
		for name, nv := range after {
			if rec, ok := nv.(*lang.Record); ok && isReport(rec) && before[name] != nv {
				if err := plotReport(name, rec); err != nil {
					return err
				}
			}
		}
		if rec, ok := v.(*lang.Record); ok && isReport(rec) {
			if err := plotReport(fmt.Sprintf("fit-%d", stmts[j-1].Pos().Line), rec); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

func isReport(r *lang.Record) bool {
	_, ok := r.Fields["losses"].(*lang.Array)
	_, ok2 := r.Fields["stopped"]
	return ok && ok2
}

// hasComments reports whether a script has a comment (a # outside a
// string).
func hasComments(src string) bool {
	inStr := false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case c == '\n':
			inStr = false
		case !inStr && c == '#':
			return true
		}
	}
	return false
}
