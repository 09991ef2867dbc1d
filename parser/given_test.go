package parser_test

import (
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// TestFitGiven checks `fit q to Y given X`: the contexts' expression and
// position, the print/parse round trip, and that given is still a name
// everywhere else.
func TestFitGiven(t *testing.T) {
	src := "r = fit q to d.y given d.x + 1 by kl { steps = 10 }\ngiven = 3\nz = given * 2\n"
	f, err := parser.ParseFile("g.flow", src)
	if err != nil {
		t.Fatal(err)
	}
	fit := f.Stmts[0].(*ast.Assign).Value.(*ast.Fit)
	if fit.Given == nil || ast.FormatExpr(fit.Given) != "d.x + 1" {
		t.Fatalf("Given = %v, want d.x + 1", fit.Given)
	}
	if fit.GivenPos.Line != 1 || fit.GivenPos.Col != 18 {
		t.Errorf("GivenPos = %v, want 1:18", fit.GivenPos)
	}
	if fit.Objective() != "kl" || len(fit.Options) != 1 {
		t.Errorf("objective %q, %d options", fit.Objective(), len(fit.Options))
	}
	out := ast.Format(f)
	want := "r = fit q to d.y given d.x + 1 by kl { steps = 10 }\ngiven = 3\nz = given * 2\n"
	if out != want {
		t.Errorf("Format:\n%s\nwant:\n%s", out, want)
	}
	again, err := parser.ParseFile("g.flow", out)
	if err != nil || ast.Format(again) != out {
		t.Errorf("round trip: %v", err)
	}
	if _, err := parser.ParseFile("g.flow", "fit q to y given\n"); err == nil {
		t.Errorf("fit q to y given (no contexts) parsed")
	}
	if e := ast.End(fit); e.Line != 1 || e.Col != 51 {
		t.Errorf("End = %v, want 1:51 (the closing brace)", e)
	}
}
