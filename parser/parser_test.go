package parser_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// paren prints e with every operator application parenthesised.
func paren(e ast.Expr) string {
	list := func(xs []ast.Expr, kws []*ast.Kwarg) string {
		var parts []string
		for _, x := range xs {
			parts = append(parts, paren(x))
		}
		for _, kw := range kws {
			parts = append(parts, kw.Name+"="+paren(kw.Value))
		}
		return strings.Join(parts, ", ")
	}
	switch e := e.(type) {
	case *ast.Binary:
		return "(" + paren(e.X) + " " + e.Op.String() + " " + paren(e.Y) + ")"
	case *ast.Unary:
		if e.Op == ast.Not {
			return "(not " + paren(e.X) + ")"
		}
		return "(-" + paren(e.X) + ")"
	case *ast.Call:
		return paren(e.Fn) + "(" + list(e.Args, e.Kwargs) + ")"
	case *ast.Index:
		return paren(e.X) + "[" + list(e.Indices, nil) + "]"
	case *ast.Slice:
		s := ""
		if e.Lo != nil {
			s = paren(e.Lo)
		}
		s += ":"
		if e.Hi != nil {
			s += paren(e.Hi)
		}
		return s
	case *ast.Field:
		return paren(e.X) + "." + e.Name
	case *ast.List:
		return "[" + list(e.Elems, nil) + "]"
	case *ast.FlowExpr:
		return "flow " + e.Bijector + "(" + list(e.Args, e.Kwargs) + ")"
	case *ast.Fit:
		return "fit(" + paren(e.Q) + ", " + paren(e.Target) + ", " + e.Objective() + ")"
	}
	return ast.FormatExpr(e)
}

// exprCase is an expression and how a test wants it shown.
type exprCase struct{ src, want string }

// checkExprs parses each case's src as an expression and checks that
// show writes it as want.
func checkExprs(t *testing.T, show func(ast.Expr) string, cases []exprCase) {
	t.Helper()
	for _, tt := range cases {
		x, err := parser.ParseExpr("t.flow", tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := show(x); got != tt.want {
			t.Errorf("%q: got %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	checkExprs(t, paren, []exprCase{
		{"a or b and c", "(a or (b and c))"},
		{"a and b or c", "((a and b) or c)"},
		{"not a and b", "((not a) and b)"},
		{"not a == b", "(not (a == b))"},
		{"not not a", "(not (not a))"},
		{"a == b and c != d", "((a == b) and (c != d))"},
		{"a < b + c", "(a < (b + c))"},
		{"a <= b or a >= c", "((a <= b) or (a >= c))"},
		{"a + b * c", "(a + (b * c))"},
		{"a * b + c", "((a * b) + c)"},
		{"a - b - c", "((a - b) - c)"},
		{"a / b / c", "((a / b) / c)"},
		{"a @ b * c", "((a @ b) * c)"},
		{"a * b @ c", "((a * b) @ c)"},
		{"-a * b", "((-a) * b)"},
		{"a * -b", "(a * (-b))"},
		{"a - -b", "(a - (-b))"},
		{"-2^2", "(-(2 ^ 2))"},
		{"2^-1", "(2 ^ (-1))"},
		{"2^3^2", "(2 ^ (3 ^ 2))"},
		{"(2^3)^2", "((2 ^ 3) ^ 2)"},
		{"-x^2 * 3", "((-(x ^ 2)) * 3)"},
		{"2^-x^2", "(2 ^ (-(x ^ 2)))"},
		{"a^b.c", "(a ^ b.c)"},
		{"-f(x)[0].y", "(-f(x)[0].y)"},
		{"f(x).g(y)", "f(x).g(y)"},
		{"(a + b) * c", "((a + b) * c)"},
		{"a == (b < c)", "(a == (b < c))"},
		{"x[-1]", "x[(-1)]"},
		{"m[:, 0]", "m[:, 0]"},
		{"x[1:n - 1]", "x[1:(n - 1)]"},
		{"-a + b", "((-a) + b)"},
		{"not a or not b", "((not a) or (not b))"},
		{"a + b == c * d", "((a + b) == (c * d))"},
		{"fit q to t + 1", "fit(q, (t + 1), kl)"},
		{"flow B(x + 1, k = -1)", "flow B((x + 1), k=(-1))"},
	})
}

// TestFormatMinimalParens checks that the printer keeps exactly the
// parentheses the precedence rules need.
func TestFormatMinimalParens(t *testing.T) {
	checkExprs(t, ast.FormatExpr, []exprCase{
		{"((a + b)) * c", "(a + b) * c"},
		{"a + (b * c)", "a + b * c"},
		{"a - (b - c)", "a - (b - c)"},
		{"(a - b) - c", "a - b - c"},
		{"(-2)^2", "(-2)^2"},
		{"-(2^2)", "-2^2"},
		{"2^(-1)", "2^-1"},
		{"(a < b) < c", "(a < b) < c"},
		{"not (a and b)", "not (a and b)"},
		{"(not a) == b", "(not a) == b"},
		{"a == not b", "a == (not b)"},
		{"-(a * b)", "-(a * b)"},
		{"(flow B(x)).sample(3)", "(flow B(x)).sample(3)"},
		{"(flow B)(x)", "(flow B)(x)"},
		{"flow B()", "flow B"},
		{"(3).x", "(3).x"},
		{"1 + (fit q to t)", "1 + (fit q to t)"},
		{"fit (fit a to b) to c", "fit (fit a to b) to c"},
		{"(fit q to t).loss", "(fit q to t).loss"},
		{`"a\tb" + "\u00e9"`, `"a\tb" + "é"`},
		{"[1, 2,]", "[1, 2]"},
		{"f(a, k = 1,)", "f(a, k = 1)"},
	})
}

// allFormsCanonical is the head of allFormsSrc, written as ast.Format
// writes it; the rest of allFormsSrc is laid out otherwise on purpose.
const allFormsCanonical = `base = Normal([0, 0], [1, 1])
target = Normal([5, 5], [0.5, 0.5])
q = flow AffineAutoregressive(base)
r = fit q to target by kl { steps = 500, batch = 1000, lr = 0.05, every = 100 }
y = q.sample(10000)
print("loss", r.loss, "mean", mean(y), "sd", sd(y))
q2 = flow AffineAutoregressive(base, hidden = [32, 32])
q3 = flow Spline(AffineAutoregressive(base))
g = flow AffineAutoregressive
g2 = flow AffineAutoregressive(layers = 3)
`

// allFormsFormatted is ast.Format of allFormsSrc.
const allFormsFormatted = allFormsCanonical + `fit g to data { steps = 10, batch = 5 }
model regression(x, y) {
    alpha ~ Normal(0, 10)
    for i in range(len(y)) {
        y[i] ~ Normal(alpha + beta * x[i], sigma)
    }
    y[2:n] ~ Normal(0, 1)
    factor(-x^2)
}
fn sq(x) = x^2
fn f(a, b) {
    c = a + b
    return c * 2
}
if x > 1 and not y {
    z = 1
} else if x < 0 {
    z = 2
} else {
    z = 3
}
m = [[1, 2], [3, 4]]
v = m[:, 0]
w = x[1:3]
u = x[-1]
`

func mustParse(t *testing.T, src string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile("t.flow", src)
	if err != nil {
		t.Fatalf("ParseFile(%q): %v", src, err)
	}
	return f
}

func TestAllForms(t *testing.T) {
	f := mustParse(t, allFormsSrc)
	if got := ast.Format(f); got != allFormsFormatted {
		t.Errorf("Format =\n%s\nwant\n%s", got, allFormsFormatted)
	}
	if len(f.Stmts) != 19 {
		t.Fatalf("got %d statements, want 19", len(f.Stmts))
	}
	// Spot-check the representation.
	q3 := f.Stmts[7].(*ast.Assign).Value.(*ast.FlowExpr)
	if inner, ok := q3.Args[0].(*ast.Call); q3.Bijector != "Spline" || !ok || inner.Fn.(*ast.Ident).Name != "AffineAutoregressive" {
		t.Errorf("nested flow: %#v", q3)
	}
	g := f.Stmts[8].(*ast.Assign).Value.(*ast.FlowExpr)
	if g.Args != nil || g.Kwargs != nil {
		t.Errorf("plan has arguments: %#v", g)
	}
	fit := f.Stmts[10].(*ast.ExprStmt).X.(*ast.Fit)
	if fit.By != "" || fit.Objective() != "kl" || len(fit.Options) != 2 || fit.Options[1].Name != "batch" {
		t.Errorf("bare fit: %#v", fit)
	}
	r := f.Stmts[3].(*ast.Assign).Value.(*ast.Fit)
	if r.By != "kl" || len(r.Options) != 4 {
		t.Errorf("fit: %#v", r)
	}
	y := f.Stmts[4].(*ast.Assign).Value.(*ast.Call)
	if fld, ok := y.Fn.(*ast.Field); !ok || fld.Name != "sample" || fld.X.(*ast.Ident).Name != "q" {
		t.Errorf("method call: %#v", y)
	}
	model := f.Stmts[11].(*ast.ModelDef)
	sliced := model.Body.Stmts[2].(*ast.Tilde).LHS.(*ast.Index).Indices[0].(*ast.Slice)
	if sliced.Lo.(*ast.Number).Value != 2 || sliced.Hi.(*ast.Ident).Name != "n" {
		t.Errorf("slice: %#v", sliced)
	}
	if fd := f.Stmts[12].(*ast.FnDef); fd.Expr == nil || fd.Body != nil {
		t.Errorf("one-line fn: %#v", fd)
	}
	if fd := f.Stmts[13].(*ast.FnDef); fd.Expr != nil || len(fd.Body.Stmts) != 2 {
		t.Errorf("block fn: %#v", fd)
	}
	ifs := f.Stmts[14].(*ast.If)
	if elif, ok := ifs.Else.(*ast.If); !ok || elif.Else.(*ast.Block) == nil {
		t.Errorf("else if chain: %#v", ifs)
	}
	col := f.Stmts[16].(*ast.Assign).Value.(*ast.Index)
	if s, ok := col.Indices[0].(*ast.Slice); !ok || s.Lo != nil || s.Hi != nil || len(col.Indices) != 2 {
		t.Errorf("m[:, 0]: %#v", col)
	}
}

func TestStatements(t *testing.T) {
	for _, tt := range []struct {
		src, want string
		check     func(ast.Stmt) bool
	}{
		{"x = 1", "x = 1", func(s ast.Stmt) bool { _, ok := s.(*ast.Assign); return ok }},
		{"x[i, 2] = v", "x[i, 2] = v", func(s ast.Stmt) bool { _, ok := s.(*ast.Assign).Target.(*ast.Index); return ok }},
		{"f(x)", "f(x)", func(s ast.Stmt) bool { _, ok := s.(*ast.ExprStmt); return ok }},
		{"fn f() = 1", "fn f() = 1", func(s ast.Stmt) bool { return len(s.(*ast.FnDef).Params) == 0 }},
		{"fn f(a, b) { return }", "fn f(a, b) {\n    return\n}", func(s ast.Stmt) bool {
			return s.(*ast.FnDef).Body.Stmts[0].(*ast.Return).Value == nil
		}},
		{"for x in [1, 2] { print(x) }", "for x in [1, 2] {\n    print(x)\n}", func(s ast.Stmt) bool { return s.(*ast.For).Var.Name == "x" }},
		{"if a { }", "if a {}", func(s ast.Stmt) bool { return s.(*ast.If).Else == nil }},
		{"if a { } else { b }", "if a {} else {\n    b\n}", func(s ast.Stmt) bool { _, ok := s.(*ast.If).Else.(*ast.Block); return ok }},
		{"model m() { }", "model m() {}", func(s ast.Stmt) bool { return s.(*ast.ModelDef).Name.Name == "m" }},
		{"y ~ Normal(0, 1)", "y ~ Normal(0, 1)", func(s ast.Stmt) bool { _, ok := s.(*ast.Tilde); return ok }},
		{"y[2:n] ~ D", "y[2:n] ~ D", func(s ast.Stmt) bool { _, ok := s.(*ast.Tilde).LHS.(*ast.Index); return ok }},
		{"fit q to t", "fit q to t", func(s ast.Stmt) bool { return s.(*ast.ExprStmt).X.(*ast.Fit).Options == nil }},
		{"r = fit q to t by elbo", "r = fit q to t by elbo", func(s ast.Stmt) bool { return s.(*ast.Assign).Value.(*ast.Fit).By == "elbo" }},
		{"fit q to t by reverse_kl {}", "fit q to t by reverse_kl", nil},
		{"fit q to t by forward_kl { seed = 1 }", "fit q to t by forward_kl { seed = 1 }", nil},
		{"return x", "return x", nil}, // accepted anywhere; the resolver checks
		{"x = none; y = true; z = false", "x = none\ny = true\nz = false", nil},
		{"α_1 = 2", "α_1 = 2", nil},
	} {
		f, err := parser.ParseFile("t.flow", tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := strings.TrimSuffix(ast.Format(f), "\n"); got != tt.want {
			t.Errorf("%q: Format = %q, want %q", tt.src, got, tt.want)
		}
		if tt.check != nil && !tt.check(f.Stmts[0]) {
			t.Errorf("%q: unexpected tree %#v", tt.src, f.Stmts[0])
		}
	}
}

func TestNewlines(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"inside parens", "f(a,\n  b\n)\n", "f(a, b)\n"},
		{"inside brackets", "m = [[1, 2],\n     [3, 4]]\n", "m = [[1, 2], [3, 4]]\n"},
		{"index", "x[\n1]\n", "x[1]\n"},
		{"fit options by newline", "fit q to t { steps = 1\n lr = 2 }\n", "fit q to t { steps = 1, lr = 2 }\n"},
		{"fit options mixed", "fit q to t {\n  steps = 1,\n\n  lr = 2,\n}\n", "fit q to t { steps = 1, lr = 2 }\n"},
		{"fit options comma on next line", "fit q to t { steps = 1\n , lr = 2 }\n", "fit q to t { steps = 1, lr = 2 }\n"},
		{"fit options with semicolon", "fit q to t { steps = 1; lr = 2 }\n", "fit q to t { steps = 1, lr = 2 }\n"},
		{"block statements", "fn f(x) {\n  y = x\n\n  return y\n}\n", "fn f(x) {\n    y = x\n\n    return y\n}\n"}, // one blank line kept
		{"block one line", "for i in r { a = 1; b = 2 }", "for i in r {\n    a = 1\n    b = 2\n}\n"},
		{"nested parens in block", "if c {\n  f(1,\n    2)\n}\n", "if c {\n    f(1, 2)\n}\n"},
		{"after binary operator", "x = 1 +\n  2 *\n  3\n", "x = 1 + 2 * 3\n"},
		{"after and", "x = a and\n b\n", "x = a and b\n"},
		{"else on next line", "if a {\n  b\n}\nelse {\n  c\n}\n", "if a {\n    b\n} else {\n    c\n}\n"},
		{"blank lines and semicolons", "\n\n;x = 1;;\n\n;y = 2;\n", "x = 1\n\ny = 2\n"},
		{"blank lines after { and before }", "if a {\n\n  b\n\n}\n\n\n\nc\n", "if a {\n    b\n}\n\nc\n"},
		{"crlf", "x = 1\r\ny = 2\r\n", "x = 1\ny = 2\n"},
		{"empty", "", ""},
	} {
		f, err := parser.ParseFile("t.flow", tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := ast.Format(f); got != tt.want {
			t.Errorf("%s: Format = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestComments(t *testing.T) {
	src := `# a script
x = 1 # trailing
# between
fit q to t { # opening
  steps = 1 # an option
  # a comment line inside the options
  lr = 2
}
model m() { # body
  # only a comment
  y ~ D # observe
}
f(1, # inside parens
  2)
s = "# not a comment"
`
	// Comments inside a statement that Format prints on one line move
	// before it; a fit whose options hold comments keeps them there, one
	// option a line.
	want := `# a script
x = 1  # trailing
# between
# opening
fit q to t {
    steps = 1,  # an option
    # a comment line inside the options
    lr = 2
}
model m() {  # body
    # only a comment
    y ~ D  # observe
}
# inside parens
f(1, 2)
s = "# not a comment"
`
	f := mustParse(t, src)
	if len(f.Comments) != 10 || f.Comments[1].Text != "# trailing" || f.Comments[1].Pos.String() != "t.flow:2:7" {
		t.Errorf("Comments = %v", f.Comments)
	}
	if got := ast.Format(f); got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
	// Dropped comments leave the blank lines of the lines they were on.
	f.Comments = nil
	want = "x = 1\n\nfit q to t { steps = 1, lr = 2 }\nmodel m() {\n    y ~ D\n}\nf(1, 2)\ns = \"# not a comment\"\n"
	if got := ast.Format(f); got != want {
		t.Errorf("Format without comments =\n%s\nwant\n%s", got, want)
	}
}

func TestPositions(t *testing.T) {
	src := "x = 1 +\n  f(a)[0]\nmodel m(y) {\n    y ~ Normal(0, -1)\n}\nr = fit q to t by elbo { steps = 2 }\nα = q.s\n"
	f := mustParse(t, src)
	asg := f.Stmts[0].(*ast.Assign)
	bin := asg.Value.(*ast.Binary)
	idx := bin.Y.(*ast.Index)
	call := idx.X.(*ast.Call)
	model := f.Stmts[1].(*ast.ModelDef)
	tilde := model.Body.Stmts[0].(*ast.Tilde)
	normal := tilde.Dist.(*ast.Call)
	neg := normal.Args[1].(*ast.Unary)
	fit := f.Stmts[2].(*ast.Assign).Value.(*ast.Fit)
	field := f.Stmts[3].(*ast.Assign).Value.(*ast.Field)
	for _, tt := range []struct {
		what string
		got  ast.Pos
		want string
	}{
		{"assign", asg.Pos(), "t.flow:1:1"},
		{"=", asg.EqPos, "t.flow:1:3"},
		{"binary", bin.Pos(), "t.flow:1:5"},
		{"+", bin.OpPos, "t.flow:1:7"},
		{"index", idx.Pos(), "t.flow:2:3"},
		{"[", idx.Lbrack, "t.flow:2:7"},
		{"call", call.Pos(), "t.flow:2:3"},
		{"(", call.Lparen, "t.flow:2:4"},
		{"arg", call.Args[0].Pos(), "t.flow:2:5"},
		{"model", model.Pos(), "t.flow:3:1"},
		{"model name", model.Name.Pos(), "t.flow:3:7"},
		{"param", model.Params[0].Pos(), "t.flow:3:9"},
		{"body", model.Body.Pos(), "t.flow:3:12"},
		{"tilde", tilde.Pos(), "t.flow:4:5"},
		{"~", tilde.TildePos, "t.flow:4:7"},
		{"dist", normal.Pos(), "t.flow:4:9"},
		{"unary", neg.Pos(), "t.flow:4:19"},
		{"number", neg.X.Pos(), "t.flow:4:20"},
		{"fit", fit.Pos(), "t.flow:6:5"},
		{"to", fit.ToPos, "t.flow:6:11"},
		{"target", fit.Target.Pos(), "t.flow:6:14"},
		{"by", fit.ByPos, "t.flow:6:19"},
		{"option", fit.Options[0].Pos(), "t.flow:6:26"},
		{"field", field.Pos(), "t.flow:7:5"},
		{"dot", field.Dot, "t.flow:7:6"},
		{"field name", field.NamePos, "t.flow:7:7"},
	} {
		if tt.got.String() != tt.want {
			t.Errorf("%s at %s, want %s", tt.what, tt.got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"x = 1 +\ny = 2", `t.flow:2:3: unexpected "=" at end of statement`},
		{"x = \ny = 2", "t.flow:1:5: unexpected newline, expected an expression"},
		{"x = )", `t.flow:1:5: unexpected ")" with no matching "("`},
		{"x = f()\ny = (1,\n  2", `t.flow:2:5: "(" is never closed`},
		{"model m() {\n  y ~ D\n", `t.flow:1:11: "{" is never closed`},
		{"x = [1, 2)", `t.flow:1:5: "[" is never closed: found ")" at 1:10`},
		{"}", `t.flow:1:1: unexpected "}" with no matching "{"`},
		{"to = 3", `t.flow:1:1: "to" is a keyword and cannot be used as a name`},
		{"x = f(in = 1)", `t.flow:1:7: "in" is a keyword and cannot be used as a name`},
		{"fn f(by) = 1", `t.flow:1:6: "by" is a keyword and cannot be used as a name`},
		{"for fit in x { }", `t.flow:1:5: "fit" is a keyword and cannot be used as a name`},
		{"x = 1 + to", `t.flow:1:9: "to" is a keyword and cannot be used as a name`},
		{"fit q target", `t.flow:1:7: unexpected name "target", expected "to"`},
		{"fit q to t by kll", `t.flow:1:15: unknown objective "kll", expected one of kl, forward_kl, reverse_kl, elbo, simulation (did you mean "kl"?)`},
		{"fit q to t by 3", `t.flow:1:15: unexpected number 3, expected an objective (kl, forward_kl, reverse_kl, elbo or simulation)`},
		{"fit q to t { steps 3 }", `t.flow:1:20: unexpected number 3, expected "="`},
		{"fit q to t { steps = 1 lr = 2 }", `t.flow:1:24: unexpected name "lr", expected ",", newline or "}"`},
		{"fit q to t { steps = 1, steps = 2 }", `t.flow:1:25: duplicate option "steps"`},
		{"y ~", "t.flow:1:4: unexpected end of input, expected an expression"},
		{"f(x) ~ Normal(0, 1)", `t.flow:1:1: cannot use f(x) on the left of "~": expected a name or an indexed name`},
		{"x.y = 1", `t.flow:1:1: cannot assign to x.y: expected a name or an indexed name`},
		{`s = "abc`, "t.flow:1:5: string literal not terminated"},
		{`s = "a\qb"`, `t.flow:1:5: invalid escape sequence in string "a\qb"`},
		{"x = 1.2.3", `t.flow:1:5: malformed number "1.2.3"`},
		{"x = 1e", `t.flow:1:5: malformed number "1e"`},
		{"x = 3abc", `t.flow:1:5: malformed number "3abc"`},
		{"x = 1 2", "t.flow:1:7: unexpected number 2 at end of statement"},
		{"x = f(a b)", `t.flow:1:9: unexpected name "b", expected "," or ")"`},
		{"x = f(a,, b)", `t.flow:1:9: unexpected ",", expected an expression`},
		{"x = f(k = 1, 2)", `t.flow:1:14: positional argument after keyword argument "k"`},
		{"x = f(k = 1, k = 2)", `t.flow:1:14: duplicate keyword argument "k"`},
		{"x = (1 2)", `t.flow:1:8: unexpected number 2, expected ")"`},
		{"x = [1 2]", `t.flow:1:8: unexpected number 2, expected "," or "]"`},
		{"x = m[]", `t.flow:1:7: unexpected "]", expected an index`},
		{"x = a.3", `t.flow:1:6: unexpected number .3 at end of statement`},
		{"x = a.", `t.flow:1:7: unexpected end of input, expected a field name`},
		{"x = 1 < 2 < 3", "t.flow:1:11: comparisons cannot be chained: write a < b and b < c, or use parentheses"},
		{"fn 3(x) = 1", "t.flow:1:4: unexpected number 3, expected a name"},
		{"fn f(a b) = 1", `t.flow:1:8: unexpected name "b", expected "," or ")"`},
		{"fn f(a, a) = 1", `t.flow:1:9: duplicate parameter "a"`},
		{"fn f(x)\n  x^2", `t.flow:1:8: unexpected newline, expected "=" or "{"`},
		{"for i range(3) { }", `t.flow:1:7: unexpected name "range", expected "in"`},
		{"if x { = 2 }", `t.flow:1:8: unexpected "=", expected a statement or "}"`},
		{"if x { y = 1 2 }", "t.flow:1:14: unexpected number 2 at end of statement"},
		{"if x {} else y", `t.flow:1:14: unexpected name "y", expected "if" or "{"`},
		{"else { }", `t.flow:1:1: unexpected keyword "else", expected a statement`},
		{"model m { }", `t.flow:1:9: unexpected "{", expected "("`},
		{"x = flow 3", "t.flow:1:10: unexpected number 3, expected a bijector name"},
		{"x = 'a'", `t.flow:1:5: unexpected character "'" (strings are written in double quotes)`},
		{"x = a && b", `t.flow:1:7: unexpected character "&" (use "and")`},
		{"x = a ! b", `t.flow:1:7: unexpected character "!" (use "not" or "!=")`},
		{"x = $", `t.flow:1:5: unexpected character "$"`},
		{"x = f(1; 2)", `t.flow:1:8: unexpected ";", expected "," or ")"`},
		// Errors inside blocks: what participle expected there, found by
		// asking it (see expected in parser.go).
		{"if x {\n  for i in xs y {\n  }\n}", `t.flow:2:15: unexpected name "y", expected "{"`},
		{"model m() {\n  fn 3() = 1\n}", `t.flow:2:6: unexpected number 3, expected a name`},
		{"for i in x {\n  if y {} else z\n}", `t.flow:2:16: unexpected name "z", expected "if" or "{"`},
		{"fn f() {\n  model m {}\n}", `t.flow:2:11: unexpected "{", expected "("`},
		{"fn g(,) = 1", `t.flow:1:6: unexpected ",", expected a name or ")"`},
		{"if x { y = 1 } else { z = 2 } w", `t.flow:1:31: unexpected name "w" at end of statement`},
		{"model m() { return 1 2 }", `t.flow:1:22: unexpected number 2 at end of statement`},
		{"if a {\n  if b {\n    = 1\n  }\n}", `t.flow:3:5: unexpected "=", expected a statement or "}"`},
	} {
		_, err := parser.ParseFile("t.flow", tt.src)
		if err == nil {
			t.Errorf("%q: no error, want %s", tt.src, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, got, tt.want)
		}
		var list ast.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Errorf("%q: error %T is not an ast.ErrorList", tt.src, err)
		}
	}
}

func TestManyErrors(t *testing.T) {
	// Errors found after the grammar matched are all reported, in order.
	_, err := parser.ParseFile("t.flow", "f(x) = 1\ng(y) ~ D\n")
	list, ok := err.(ast.ErrorList)
	if !ok || len(list) != 2 || list[0].Pos.Line != 1 || list[1].Pos.Line != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestInteractive(t *testing.T) {
	for _, tt := range []struct {
		src        string
		incomplete bool
	}{
		{"x = (1 +\n", true},
		{"x = 1 +\n", true},
		{"x = 1 +\n 2\n", false},
		{"x =\n", true},
		{"if x > 1 {\n", true},
		{"if x > 1 {\n  y = 2\n", true},
		{"if x > 1 {\n  y = 2\n}\n", false},
		{"fit q to t {\n steps = 1,\n", true},
		{"fit q to\n", true},
		{"fn f(x)\n", true},
		{"if x {} else\n", true},
		{"x = [1, 2\n", true},
		{"x = f(a, b\n", true},
		{"x = 1\n", false},
		{"x = 1 2\n", false},
		{"x = (1 2\n", true}, // unclosed wins: the REPL reads on
		{"x = )\n", false},
		{"x = [1, 2)\n", false},
		{`s = "abc` + "\n", false},
		{"to = 1\n", false},
	} {
		f, err := parser.ParseInteractive("<stdin>", tt.src)
		if got := parser.IsIncomplete(err); got != tt.incomplete {
			t.Errorf("%q: IsIncomplete = %v (err %v), want %v", tt.src, got, err, tt.incomplete)
		}
		if err == nil && f == nil {
			t.Errorf("%q: nil file without error", tt.src)
		}
		if tt.incomplete {
			var list ast.ErrorList
			if !errors.As(err, &list) {
				t.Errorf("%q: incomplete error does not wrap an ast.ErrorList", tt.src)
			}
		}
	}
	// ParseFile never reports incompleteness as such.
	if _, err := parser.ParseFile("t.flow", "x = (1"); parser.IsIncomplete(err) {
		t.Errorf("ParseFile returned an IncompleteError")
	}
}

func TestParseExpr(t *testing.T) {
	x, err := parser.ParseExpr("e", "f(a,\n b) +\n 1")
	if err != nil {
		t.Fatal(err)
	}
	if got := ast.FormatExpr(x); got != "f(a, b) + 1" {
		t.Errorf("got %s", got)
	}
	for _, tt := range []struct{ src, want string }{
		{"", "e:1:1: unexpected end of input, expected an expression"},
		{"x = 1", `e:1:3: unexpected "=" at end of expression`},
		{"1 +", "e:1:4: unexpected end of input, expected an expression"},
		{"fn", `e:1:1: "fn" is a keyword and cannot be used as a name`},
		{"else", `e:1:1: unexpected keyword "else", expected an expression`},
	} {
		if _, err := parser.ParseExpr("e", tt.src); err == nil || err.Error() != tt.want {
			t.Errorf("%q: err = %v, want %s", tt.src, err, tt.want)
		}
	}
}

func TestNumbersAndStrings(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want float64
	}{
		{"3", 3}, {"0.5", 0.5}, {"1e-3", 1e-3}, {"5e2", 500}, {".5", 0.5}, {"2.", 2}, {"1E+2", 100},
	} {
		x, err := parser.ParseExpr("t", tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		n := x.(*ast.Number)
		if n.Value != tt.want || n.Text != tt.src {
			t.Errorf("%q: got %v (%q)", tt.src, n.Value, n.Text)
		}
	}
	x, err := parser.ParseExpr("t", `"tab\there \"q\" \u00e9 \\"`)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.(*ast.String).Value; got != "tab\there \"q\" é \\" {
		t.Errorf("string = %q", got)
	}
}

func TestBigScript(t *testing.T) {
	f, err := parser.ParseFile("big.flow", bigScript(1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile("big.flow", ast.Format(f)); err != nil {
		t.Fatal(err)
	}
}

// TestRoundTrip checks Format -> ParseFile -> Format on the fuzz seeds.
func TestRoundTrip(t *testing.T) {
	for _, src := range append([]string{allFormsSrc}, languageSnippets...) {
		f, err := parser.ParseFile("t.flow", src)
		if err != nil {
			t.Errorf("%v\n%s", err, src)
			continue
		}
		again, err := parser.ParseFile("t.flow", ast.Format(f))
		if err != nil || ast.Format(again) != ast.Format(f) {
			t.Errorf("round trip failed: %v\n%s", err, ast.Format(f))
		}
	}
}

func TestConcurrent(t *testing.T) {
	// The parsers are built once and shared; parsing must be safe from
	// several goroutines (run with -race).
	done := make(chan string)
	for range 4 {
		go func() {
			f, err := parser.ParseFile("t.flow", allFormsSrc)
			if err != nil {
				done <- err.Error()
				return
			}
			done <- ast.Format(f)
		}()
	}
	for range 4 {
		if got := <-done; got != allFormsFormatted {
			t.Errorf("concurrent parse gave %q", got)
		}
	}
}

// allFormsSrc is the program of the brief: every statement form.
const allFormsSrc = allFormsCanonical + `fit g to data { steps = 10
   batch = 5 }
model regression(x, y) {
    alpha ~ Normal(0, 10)
    for i in range(len(y)) { y[i] ~ Normal(alpha + beta * x[i], sigma) }
    y[2:n] ~ Normal(0, 1)
    factor(-x^2)
}
fn sq(x) = x^2
fn f(a, b) {
  c = a + b
  return c * 2
}
if x > 1 and not y { z = 1 } else if x < 0 { z = 2 } else { z = 3 }
m = [[1, 2],
     [3, 4]]
v = m[:, 0]; w = x[1:3]; u = x[-1]
`

// languageSnippets are the code blocks of LANGUAGE.md, the fuzzer's seeds.
var languageSnippets = []string{
	`x = expr                                   # bind (rebinding is allowed)
expr                                       # evaluate; the REPL echoes the value
fn name(a, b) = expr                       # one-line function
fn name(a, b) { c = a; return expr }       # block function
for i in range(10) { }                     # also: for row in matrix, for x in vector
if cond { } else { }
model name(params) { }                     # see Models
report = fit Q to T by kl { steps = 1 }    # see Fitting; ` + "`fit`" + ` is also a plain statement
`,
	`base = Normal([0, 0], [1, 1])
q = flow AffineAutoregressive(base)                      # the seed's flow
q = flow AffineAutoregressive(base, hidden = [32, 32])   # conditioner options by keyword
q = flow AffineAutoregressive(base, layers = 4)          # 4 layers, permutations between
q = flow Spline(AffineAutoregressive(base))              # nesting composes: base -> AAR -> Spline
g = flow AffineAutoregressive                            # a plan: base chosen at fit time
`,
	`model coin(flips) {
    p ~ Beta(2, 2)             # p is not bound here: a latent variable
    flips ~ Bernoulli(p)       # flips is a parameter of the model: observed, vectorised
}
model regression(x, y) {
    alpha ~ Normal(0, 10)
    beta ~ Normal(0, 10)
    sigma ~ HalfNormal(5)
    for i in range(len(y)) { y[i] ~ Normal(alpha + beta * x[i], sigma) }
}
model funnel() {
    v ~ Normal(0, 3)
    z ~ Normal(zeros(9), exp(v / 2))
}
`,
	"report = fit q to target by kl { steps = 500, batch = 1000, lr = 0.05 }\n",
	"q = flow Power(Exp(base), exponent = 2)\nbeta ~ Uniform(0, 1 - alpha)\ntheta = mu + tau * eta\n",
	"x = [1, 2] + [1, 2, 3]\nd = Normall(0, 1)\nm[2, 1]; m[:, 0]; x[1:3]; x[-1]; q.sample(1000); sample(q, 1000)\n",
	"print(1 / 0, log(0), sqrt(-1), \"a\" + \"b\", -2^2, 2^-1, not a == b or c and d)\n",
}

func FuzzParse(f *testing.F) {
	f.Add("q = flow AffineAutoregressive(Normal([0, 0], [1, 1]))")
	for _, s := range languageSnippets {
		f.Add(s)
	}
	f.Add(allFormsSrc)
	f.Add("# c\nx = [1, # a\n 2] # b\n\n\nif x { # d\n  y = 1 # e\n} else { z = 2 } # f\n# g\n")
	f.Add("fn f() {\n  # only\n}\nr = fit q to t {\n  steps = 1 # s\n}\n")
	f.Add("r = fit q to d.y given d.x by kl { batch = 8 }\ngiven = 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := parser.ParseFile("fuzz.flow", src)
		if err != nil {
			return // errors are fine, panics are not
		}
		again, err := parser.ParseFile("fuzz.flow", ast.Format(file))
		if err == nil && len(again.Comments) != len(file.Comments) {
			t.Fatalf("Format kept %d of %d comments\nsource:\n%s\nformatted:\n%s", len(again.Comments), len(file.Comments), src, ast.Format(file))
		}
		if err != nil || ast.Format(again) != ast.Format(file) {
			t.Fatalf("print/parse round trip failed: %v\nsource:\n%s\nformatted:\n%s", err, src, ast.Format(file))
		}
	})
}

func TestDeepNesting(t *testing.T) {
	for _, src := range []string{
		"x = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
		"x = " + strings.Repeat("-", 5000) + "1",
		"x = " + strings.Repeat("not ", 5000) + "a",
		"x = 2" + strings.Repeat("^2", 5000),
		strings.Repeat("if x {", 3000) + strings.Repeat("}", 3000),
		"x = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		"x = " + strings.Repeat("fit ", 5000) + "a",
	} {
		_, err := parser.ParseFile("t.flow", src)
		if err == nil || !strings.Contains(err.Error(), "too deeply") {
			t.Errorf("%.20q...: err = %v, want a nesting error", src, err)
		}
	}
	// Within the limit, nesting is fine.
	src := "x = " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200)
	if _, err := parser.ParseFile("t.flow", src); err != nil {
		t.Error(err)
	}
}

// TestParseInteractiveAt: lines are numbered from the given line, in the
// tree and in errors.
func TestParseInteractiveAt(t *testing.T) {
	f, err := parser.ParseInteractiveAt("<stdin>", "x = [1,\n  y]", 7)
	if err != nil {
		t.Fatal(err)
	}
	l := f.Stmts[0].(*ast.Assign).Value.(*ast.List)
	if p := l.Elems[1].Pos(); p.String() != "<stdin>:8:3" {
		t.Errorf("y at %v, want <stdin>:8:3", p)
	}
	if _, err := parser.ParseInteractiveAt("<stdin>", "a = 1\nb = )", 7); err == nil || err.Error() != `<stdin>:8:5: unexpected ")" with no matching "("` {
		t.Errorf("err = %v", err)
	}
	if _, err := parser.ParseInteractiveAt("<stdin>", "a = 1\nb = (", 7); !parser.IsIncomplete(err) || err.Error() != `<stdin>:8:5: "(" is never closed` {
		t.Errorf("err = %v", err)
	}
}
