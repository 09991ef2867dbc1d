package interp

import (
	"slices"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// TestFindConstants: the constant expressions of a model body are the
// maximal ones built from literals, names the body does not bind and
// calls, and none that reads a latent, a local, a loop variable or
// factor: the priors of eight schools, the range of a loop, len of the
// observed parameter y and a
// constant inside a non-constant expression (s * 2 in Normal(theta,
// s * 2)), not theta_trans * tau + mu.
func TestFindConstants(t *testing.T) {
	src := `
model m(J, y, s) {
    theta_trans ~ Normal(zeros(J), 1)
    mu ~ Normal(0, 5)
    tau ~ HalfCauchy(5)
    beta ~ Flat(2)
    theta = theta_trans * tau + mu
    y ~ Normal(theta, s * 2)
    for i in range(J) {
        factor(-theta[i] * i)
        mu ~ Normal(i, 1)
    }
    n = len(y)
    n ~ Normal(n + 1, 1)
}
`
	f, err := parser.ParseFile("m.flow", src)
	if err != nil {
		t.Fatal(err)
	}
	md := f.Stmts[0].(*ast.ModelDef)
	info := findConstants(&Model{name: "m", params: md.Params, body: md.Body})
	var got []string
	for x := range info.exprs {
		got = append(got, ast.FormatExpr(x))
	}
	slices.Sort(got)
	want := []string{"Flat(2)", "HalfCauchy(5)", "Normal(0, 5)", "Normal(zeros(J), 1)", "len(y)", "range(J)", "s * 2"}
	if !slices.Equal(got, want) {
		t.Errorf("constant expressions %q, want %q", got, want)
	}
}
