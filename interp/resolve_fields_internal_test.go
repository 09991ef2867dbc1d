package interp

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// TestReportFields: the resolver's list of fit-report fields names every
// field of the records a fit returns (of a distribution and of a
// posterior), so that r.loss() is never taken for a typo of a function.
func TestReportFields(t *testing.T) {
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Quiet: true}
	g, err := ExecFile(th, "fields.flow", `
q = flow Affine(Normal(0, 1))
r1 = fit q to Normal(0, 1) { steps = 2, batch = 4 }
model m() {
    x ~ Normal(0, 1)
}
p = flow Affine(Normal(0, 1))
r2 = fit p to m() { steps = 2, batch = 4 }
`, nil)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	for _, name := range []string{"r1", "r2"} {
		for _, f := range g[name].(*lang.Record).Names {
			if !slices.Contains(reportFields, f) {
				t.Errorf("%s has field %q, not in reportFields", name, f)
			}
		}
	}
}

// TestEachStmt: eachStmt visits a statement before the statements of its
// for, if (then, else if, else) and block bodies, in source order, never
// those of a fn body, and stops at the first statement f rejects.
func TestEachStmt(t *testing.T) {
	file, err := parser.ParseFile("t.flow", `a = 1
for i in range(2) {
    b = i
    if b > 0 { c = 1 } else if b < 0 { d = 2 } else { e = 3 }
}
fn f() { g = 1 }
h = 2
`)
	if err != nil {
		t.Fatal(err)
	}
	visit := func(stop string) []string {
		var names []string
		eachStmt(file.Stmts, func(s ast.Stmt) bool {
			if a, ok := s.(*ast.Assign); ok {
				names = append(names, a.Target.(*ast.Ident).Name)
			}
			return len(names) == 0 || names[len(names)-1] != stop
		})
		return names
	}
	if got := visit(""); !slices.Equal(got, []string{"a", "b", "c", "d", "e", "h"}) {
		t.Errorf("visited %v, want [a b c d e h]", got)
	}
	if got := visit("c"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("stopping at c visited %v, want [a b c]", got)
	}
}
