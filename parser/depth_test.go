package parser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// chain returns "x = " followed by n copies of item joined by sep.
func chain(first, link string, n int) string {
	return "x = " + first + strings.Repeat(link, n-1) + "\n"
}

// TestLongChains checks that a chain of operators longer than ast.MaxDepth
// (each link is a level of the tree) is an error at the operator that
// crosses the bound, not a Go stack overflow in a later pass; a chain
// within the bound parses and prints back to itself.
func TestLongChains(t *testing.T) {
	over := ast.MaxDepth + 100
	for _, tt := range []struct {
		name, first, link string
	}{
		{"sum", "1", " + 1"},
		{"product", "a", " * a"},
		{"and", "a", " and a"},
		{"calls", "f", "()"},
		{"fields", "a", ".b"},
		{"indexes", "x", "[0]"},
		{"mixed", "f", "(1).b[0] - g"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := chain(tt.first, tt.link, over)
			_, err := parser.ParseFile("t.flow", src)
			want := fmt.Sprintf("expression nested deeper than %d levels", ast.MaxDepth)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %.200v, want %q", err, want)
			}
			list := err.(ast.ErrorList)
			if p := list[0].Pos; p.Line != 1 || p.Col < 5 || p.Col > len(src) {
				t.Errorf("error at %v, want a position on line 1", p)
			}
			// Half the bound is fine, and formats to the source.
			src = chain(tt.first, tt.link, ast.MaxDepth/4)
			f, err := parser.ParseFile("t.flow", src)
			if err != nil {
				t.Fatal(err)
			}
			if got := ast.Format(f); got != src && tt.name != "mixed" {
				t.Errorf("Format differs from the source: %.80q", got)
			}
		})
	}
	// The 1.5-million-term sum of the reliability report, scaled to 200,000
	// terms (800 kB): the parser stops at the 5,000th operator.
	src := "x = " + strings.Repeat("1 + ", 200_000) + "1\n"
	_, err := parser.ParseFile("t.flow", src)
	want := fmt.Sprintf("t.flow:1:%d: expression nested deeper than %d levels", 7+4*ast.MaxDepth, ast.MaxDepth) // the 5,001st "+"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %.200v, want %s...", err, want)
	}
	if _, err := parser.ParseExpr("t.flow", src[4:]); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("ParseExpr: err = %.200v", err)
	}
}

// TestDeepBrackets: 100,000 nested parentheses, calls and lists are an
// error of the scanner (brackets nest at most 1000 levels).
func TestDeepBrackets(t *testing.T) {
	const n = 100_000
	for _, src := range []string{
		"x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"x = " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n),
		"x = " + strings.Repeat("[", n) + strings.Repeat("]", n),
		"x = " + strings.Repeat("(", n),
	} {
		_, err := parser.ParseFile("t.flow", src)
		if err == nil || !strings.Contains(err.Error(), "t.flow:1:") || !strings.Contains(err.Error(), "nested too deeply (more than 1000 levels)") {
			t.Errorf("%.12q...: err = %v", src, err)
		}
	}
}

// TestCheckDepth checks ast.CheckDepth and the printer on a tree far deeper
// than a parser produces, built by hand: no recursion, no stack overflow.
func TestCheckDepth(t *testing.T) {
	var x ast.Expr = &ast.Number{NumPos: ast.Pos{File: "h", Line: 1, Col: 1}, Value: 1, Text: "1"}
	for i := 0; i < 100_000; i++ {
		x = &ast.Unary{OpPos: ast.Pos{File: "h", Line: 1, Col: 1}, Op: ast.Neg, X: x}
	}
	f := &ast.File{Name: "h", Stmts: []ast.Stmt{&ast.ExprStmt{X: x}}}
	e := ast.CheckDepth(f, ast.MaxDepth)
	if e == nil || !strings.Contains(e.Error(), "nested deeper than") {
		t.Fatalf("CheckDepth = %v", e)
	}
	if ast.CheckDepth(f, 200_000) != nil {
		t.Error("CheckDepth with a bound above the depth reported an error")
	}
	out := ast.Format(f)
	if !strings.HasSuffix(out, "<too deep>\n") || strings.Count(out, "-") != ast.MaxDepth {
		t.Errorf("Format of a too deep tree: %.40q ... %q", out, out[max(0, len(out)-20):])
	}
}

// TestFormatDeepBlocks: the printer bounds the nesting of blocks in a tree
// built by hand too.
func TestFormatDeepBlocks(t *testing.T) {
	var s ast.Stmt = &ast.ExprStmt{X: &ast.Ident{Name: "x"}}
	for i := 0; i < 100_000; i++ {
		s = &ast.Block{Stmts: []ast.Stmt{s}}
	}
	out := ast.Format(&ast.File{Stmts: []ast.Stmt{s}})
	if !strings.Contains(out, "{<too deep>}") {
		t.Errorf("Format: %.60q", out)
	}
}
