package interp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

// TestDeepRecursionThroughDeepExpressions: a recursive call at the bottom of
// a 1,000-level expression, 990 calls deep, nests about a million
// expressions: without a bound on the nesting counted across calls it
// overflowed the Go stack (a fatal error no recover catches).
func TestDeepRecursionThroughDeepExpressions(t *testing.T) {
	for name, src := range map[string]string{
		"sum":   "fn f(n) {\n  if n <= 0 { return 0 }\n  return f(n - 1)" + strings.Repeat(" + 0", 1000) + "\n}\nprint(f(990))\n",
		"calls": "fn h(x) = h\nfn f(n) {\n  if n <= 0 { return h }\n  return f(n - 1)" + strings.Repeat("(0)", 1000) + "\n}\nprint(f(990))\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := interp.ExecFile(&lang.Thread{}, "deep.flow", src, nil)
			want := fmt.Sprintf("deep.flow:3:10: expressions nested deeper than %d levels", lang.MaxNesting)
			if name == "calls" {
				want = strings.Replace(want, ":3:10:", ":4:10:", 1)
			}
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("err = %.300v, want %s...", err, want)
			}
		})
	}
	// Within the bound the same shape runs: 20 calls of 1,000 levels.
	src := "fn f(n) {\n  if n <= 0 { return 0 }\n  return f(n - 1)" + strings.Repeat(" + 1", 1000) + "\n}\nx = f(20)\n"
	g, err := interp.ExecFile(&lang.Thread{}, "ok.flow", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x := g["x"]; x != lang.Number(20_000) {
		t.Errorf("x = %v, want 20000", x)
	}
}

// TestHostCallDepth: a host raising the call depth limit far above its
// default gets the clamped limit's error (lang.MaxDepthLimit), not a Go
// stack overflow.
func TestHostCallDepth(t *testing.T) {
	th := &lang.Thread{MaxDepth: 1_000_000}
	_, err := interp.ExecFile(th, "down.flow", "fn down(n) = down(n + 1)\ndown(0)\n", nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("call depth limit %d (the deepest the Go stack safely holds)", lang.MaxDepthLimit)) {
		t.Errorf("err = %.300v", err)
	}
}

// TestResolveDepth: a tree built by a Go caller, deeper than a parser
// produces, is rejected before any recursive pass runs.
func TestResolveDepth(t *testing.T) {
	p := ast.Pos{File: "h.flow", Line: 1, Col: 1}
	var x ast.Expr = &ast.Number{NumPos: p, Value: 1}
	for i := 0; i < 200_000; i++ {
		x = &ast.Binary{X: x, OpPos: p, Op: ast.Add, Y: &ast.Number{NumPos: p, Value: 1}}
	}
	f := &ast.File{Name: "h.flow", Stmts: []ast.Stmt{&ast.Assign{Target: &ast.Ident{NamePos: p, Name: "x"}, EqPos: p, Value: x}}}
	s := interp.NewSession(nil)
	_, err := s.Exec(&lang.Thread{}, f)
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Errorf("err = %.300v", err)
	}
}
