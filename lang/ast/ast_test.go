package ast_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
)

func TestPosString(t *testing.T) {
	for _, tt := range []struct {
		p    ast.Pos
		want string
	}{
		{ast.Pos{File: "m.flow", Line: 3, Col: 14}, "m.flow:3:14"},
		{ast.Pos{Line: 1, Col: 2}, "1:2"},
		{ast.Pos{File: "m.flow"}, "m.flow"},
		{ast.Pos{}, "-"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	e := ast.Errorf(ast.Pos{File: "m.flow", Line: 3, Col: 14}, "unknown distribution %q", "Normall")
	if got, want := e.Error(), `m.flow:3:14: unknown distribution "Normall"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var list ast.ErrorList
	list.Add(ast.Pos{File: "b", Line: 1, Col: 1}, "third")
	list.Add(ast.Pos{File: "a", Line: 2, Col: 5}, "second")
	list.Add(ast.Pos{File: "a", Line: 2, Col: 1}, "first")
	list.Sort()
	if !sort.IsSorted(list) {
		t.Error("not sorted")
	}
	if got, want := list.Error(), "a:2:1: first\na:2:5: second\nb:1:1: third"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var err error = list
	var target ast.ErrorList
	if !errors.As(err, &target) || len(target) != 3 {
		t.Error("errors.As failed")
	}
	if (ast.ErrorList{}).Err() != nil || list.Err() == nil {
		t.Error("Err")
	}
	if got := (ast.ErrorList{e}).Error(); got != e.Error() {
		t.Errorf("single: %q", got)
	}
}

func id(name string) *ast.Ident { return &ast.Ident{Name: name} }

func num(v float64) *ast.Number { return &ast.Number{Value: v} }

func bin(x ast.Expr, op ast.Op, y ast.Expr) *ast.Binary { return &ast.Binary{X: x, Op: op, Y: y} }

func TestFormatExpr(t *testing.T) {
	for _, tt := range []struct {
		e    ast.Expr
		want string
	}{
		{bin(bin(id("a"), ast.Add, id("b")), ast.Mul, id("c")), "(a + b) * c"},
		{bin(id("a"), ast.Add, bin(id("b"), ast.Mul, id("c"))), "a + b * c"},
		{bin(id("a"), ast.Sub, bin(id("b"), ast.Sub, id("c"))), "a - (b - c)"},
		{bin(bin(id("a"), ast.Sub, id("b")), ast.Sub, id("c")), "a - b - c"},
		{bin(bin(num(2), ast.Pow, num(3)), ast.Pow, num(2)), "(2^3)^2"},
		{bin(num(2), ast.Pow, bin(num(3), ast.Pow, num(2))), "2^3^2"},
		{&ast.Unary{Op: ast.Neg, X: bin(num(2), ast.Pow, num(2))}, "-2^2"},
		{bin(&ast.Unary{Op: ast.Neg, X: num(2)}, ast.Pow, num(2)), "(-2)^2"},
		{bin(num(2), ast.Pow, &ast.Unary{Op: ast.Neg, X: num(1)}), "2^-1"},
		{&ast.Unary{Op: ast.Not, X: bin(id("a"), ast.Eq, id("b"))}, "not a == b"},
		{bin(&ast.Unary{Op: ast.Not, X: id("a")}, ast.Eq, id("b")), "(not a) == b"},
		{&ast.Unary{Op: ast.Not, X: bin(id("a"), ast.And, id("b"))}, "not (a and b)"},
		{bin(bin(id("a"), ast.Lt, id("b")), ast.Lt, id("c")), "(a < b) < c"},
		{bin(id("a"), ast.Or, bin(id("b"), ast.And, id("c"))), "a or b and c"},
		{bin(bin(id("a"), ast.Or, id("b")), ast.And, id("c")), "(a or b) and c"},
		{&ast.Call{Fn: &ast.Field{X: id("q"), Name: "sample"}, Args: []ast.Expr{num(10)}}, "q.sample(10)"},
		{&ast.Call{Fn: id("f"), Args: []ast.Expr{id("x")}, Kwargs: []*ast.Kwarg{{Name: "k", Value: num(1)}}}, "f(x, k = 1)"},
		{&ast.Index{X: id("m"), Indices: []ast.Expr{&ast.Slice{}, num(0)}}, "m[:, 0]"},
		{&ast.Index{X: id("x"), Indices: []ast.Expr{&ast.Slice{Lo: num(1), Hi: num(3)}}}, "x[1:3]"},
		{&ast.Index{X: id("x"), Indices: []ast.Expr{&ast.Slice{Hi: num(3)}}}, "x[:3]"},
		{&ast.Index{X: id("x"), Indices: []ast.Expr{&ast.Slice{Lo: num(1)}}}, "x[1:]"},
		{&ast.Index{X: id("x"), Indices: []ast.Expr{&ast.Unary{Op: ast.Neg, X: num(1)}}}, "x[-1]"},
		{&ast.List{Elems: []ast.Expr{&ast.List{Elems: []ast.Expr{num(1), num(2)}}, &ast.List{}}}, "[[1, 2], []]"},
		{&ast.String{Value: "a\"b\n"}, `"a\"b\n"`},
		{&ast.Bool{Value: true}, "true"},
		{&ast.None{}, "none"},
		{&ast.Number{Value: 0.5, Text: ".5"}, ".5"},
		{num(1e-6), "1e-06"},
		{&ast.FlowExpr{Bijector: "AffineAutoregressive"}, "flow AffineAutoregressive"},
		{&ast.FlowExpr{Bijector: "B", Kwargs: []*ast.Kwarg{{Name: "layers", Value: num(3)}}}, "flow B(layers = 3)"},
		{&ast.FlowExpr{Bijector: "Spline", Args: []ast.Expr{&ast.Call{Fn: id("AffineAutoregressive"), Args: []ast.Expr{id("base")}}}},
			"flow Spline(AffineAutoregressive(base))"},
		{&ast.Call{Fn: &ast.FlowExpr{Bijector: "B"}, Args: []ast.Expr{id("x")}}, "(flow B)(x)"},
		{&ast.Field{X: num(3), Name: "x"}, "(3).x"},
		{&ast.Fit{Q: id("q"), Target: id("t")}, "fit q to t"},
		{&ast.Fit{Q: id("q"), Target: id("t"), By: "elbo", Options: []*ast.Kwarg{{Name: "steps", Value: num(5)}, {Name: "lr", Value: num(0.1)}}},
			"fit q to t by elbo { steps = 5, lr = 0.1 }"},
		{&ast.Field{X: &ast.Fit{Q: id("q"), Target: id("t")}, Name: "loss"}, "(fit q to t).loss"},
		{bin(num(1), ast.Add, &ast.Fit{Q: id("q"), Target: id("t")}), "1 + (fit q to t)"},
		{&ast.Fit{Q: &ast.Fit{Q: id("a"), Target: id("b")}, Target: id("c")}, "fit (fit a to b) to c"},
	} {
		if got := ast.FormatExpr(tt.e); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestFormatFile(t *testing.T) {
	f := &ast.File{Name: "t.flow", Stmts: []ast.Stmt{
		&ast.ModelDef{Name: id("m"), Params: []*ast.Ident{id("y")}, Body: &ast.Block{Stmts: []ast.Stmt{
			&ast.Tilde{LHS: id("p"), Dist: &ast.Call{Fn: id("Beta"), Args: []ast.Expr{num(2), num(2)}}},
			&ast.For{Var: id("i"), Iter: &ast.Call{Fn: id("range"), Args: []ast.Expr{num(3)}}, Body: &ast.Block{Stmts: []ast.Stmt{
				&ast.Tilde{LHS: &ast.Index{X: id("y"), Indices: []ast.Expr{id("i")}}, Dist: &ast.Call{Fn: id("Bernoulli"), Args: []ast.Expr{id("p")}}},
			}}},
		}}},
		&ast.FnDef{Name: id("sq"), Params: []*ast.Ident{id("x")}, Expr: bin(id("x"), ast.Pow, num(2))},
		&ast.FnDef{Name: id("f"), Body: &ast.Block{Stmts: []ast.Stmt{&ast.Return{}}}},
		&ast.If{Cond: id("a"), Then: &ast.Block{}, Else: &ast.If{Cond: id("b"), Then: &ast.Block{
			Stmts: []ast.Stmt{&ast.Assign{Target: id("x"), Value: num(1)}}}, Else: &ast.Block{}}},
		&ast.ExprStmt{X: &ast.Fit{Q: id("q"), Target: id("t")}},
		&ast.Assign{Target: id("r"), Value: &ast.Fit{Q: id("q"), Target: id("t"), By: "kl"}},
		&ast.For{Var: id("x"), Iter: &ast.Fit{Q: id("q"), Target: id("t")}, Body: &ast.Block{}},
	}}
	want := `model m(y) {
    p ~ Beta(2, 2)
    for i in range(3) {
        y[i] ~ Bernoulli(p)
    }
}
fn sq(x) = x^2
fn f() {
    return
}
if a {} else if b {
    x = 1
} else {}
fit q to t
r = fit q to t by kl
for x in (fit q to t) {}
`
	if got := ast.Format(f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := ast.FormatStmt(f.Stmts[1]); got != "fn sq(x) = x^2" {
		t.Errorf("FormatStmt = %q", got)
	}
}

func TestOp(t *testing.T) {
	for _, tt := range []struct {
		op   ast.Op
		text string
		prec int
	}{
		{ast.Or, "or", ast.PrecOr}, {ast.And, "and", ast.PrecAnd}, {ast.Not, "not", ast.PrecNot},
		{ast.Eq, "==", ast.PrecCompare}, {ast.Ge, ">=", ast.PrecCompare},
		{ast.Add, "+", ast.PrecAdd}, {ast.Sub, "-", ast.PrecAdd},
		{ast.MatMul, "@", ast.PrecMul}, {ast.Neg, "-", ast.PrecNeg}, {ast.Pow, "^", ast.PrecPow},
	} {
		if tt.op.String() != tt.text || tt.op.Precedence() != tt.prec {
			t.Errorf("%v: %q %d", tt.op, tt.op.String(), tt.op.Precedence())
		}
	}
	if !ast.Lt.IsComparison() || ast.Add.IsComparison() || ast.Op(0).String() != "?" {
		t.Error("IsComparison/String")
	}
}

func TestFitObjective(t *testing.T) {
	if (&ast.Fit{}).Objective() != "kl" || (&ast.Fit{By: "elbo"}).Objective() != "elbo" {
		t.Error("Objective")
	}
}

func sample() *ast.File {
	// fn f(a) { return a + 1 }; r = fit q to m(f(2)) { steps = 3 }
	return &ast.File{Stmts: []ast.Stmt{
		&ast.FnDef{Name: id("f"), Params: []*ast.Ident{id("a")}, Body: &ast.Block{Stmts: []ast.Stmt{
			&ast.Return{Value: bin(id("a"), ast.Add, num(1))}}}},
		&ast.Assign{Target: id("r"), Value: &ast.Fit{Q: id("q"),
			Target:  &ast.Call{Fn: id("m"), Args: []ast.Expr{&ast.Call{Fn: id("f"), Args: []ast.Expr{num(2)}}}},
			Options: []*ast.Kwarg{{Name: "steps", Value: num(3)}}}},
	}}
}

func TestInspect(t *testing.T) {
	var names []string
	ast.Inspect(sample(), func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			names = append(names, n.Name)
		case *ast.Kwarg:
			names = append(names, n.Name+"=")
		}
		return true
	})
	if got, want := strings.Join(names, " "), "f a a r q m f steps="; got != want {
		t.Errorf("visited %q, want %q", got, want)
	}
	// Returning false skips children.
	count := 0
	ast.Inspect(sample(), func(n ast.Node) bool {
		count++
		_, isFn := n.(*ast.FnDef)
		return !isFn
	})
	// File, FnDef (children skipped), Assign, r, Fit, q, Call, m, Call, f, 2,
	// Kwarg, 3.
	if count != 13 {
		t.Errorf("visited %d nodes, want 13", count)
	}
}

type depthVisitor struct {
	depth, max *int
}

func (v depthVisitor) Visit(n ast.Node) ast.Visitor {
	if n == nil {
		*v.depth--
		return nil
	}
	*v.depth++
	if *v.depth > *v.max {
		*v.max = *v.depth
	}
	return v
}

func TestWalkDepth(t *testing.T) {
	depth, max := 0, 0
	ast.Walk(depthVisitor{&depth, &max}, sample())
	// File > Assign > Fit > Call m > Call f > Number 2
	if depth != 0 || max != 6 {
		t.Errorf("depth %d, max %d; want 0, 6", depth, max)
	}
}

// TestCheckDepthWalk checks that CheckDepth measures the depth Walk
// reaches, through every kind of child: here the X of `given X` (which
// CheckDepth once skipped), nested 20 levels deep.
func TestCheckDepthWalk(t *testing.T) {
	var given ast.Expr = &ast.Ident{Name: "x"}
	for range 19 {
		given = &ast.Unary{Op: ast.Neg, X: given}
	}
	fit := &ast.Fit{Q: &ast.Ident{Name: "q"}, Target: &ast.Ident{Name: "y"}, Given: given}
	f := &ast.File{Stmts: []ast.Stmt{&ast.ExprStmt{X: fit}}}
	depth, max := 0, 0
	ast.Walk(depthVisitor{&depth, &max}, f)
	// File > ExprStmt > Fit > 19 Unary > Ident
	if max != 23 {
		t.Fatalf("Walk reached depth %d, want 23", max)
	}
	if e := ast.CheckDepth(f, max); e != nil {
		t.Errorf("CheckDepth(%d) = %v, want nil", max, e)
	}
	if e := ast.CheckDepth(f, max-1); e == nil {
		t.Errorf("CheckDepth(%d) = nil, want an error at the given expression", max-1)
	}
}

func ExampleFormatExpr() {
	// (a + b) * -c^2, built by hand
	e := &ast.Binary{
		X:  &ast.Binary{X: &ast.Ident{Name: "a"}, Op: ast.Add, Y: &ast.Ident{Name: "b"}},
		Op: ast.Mul,
		Y:  &ast.Unary{Op: ast.Neg, X: &ast.Binary{X: &ast.Ident{Name: "c"}, Op: ast.Pow, Y: &ast.Number{Value: 2}}},
	}
	fmt.Println(ast.FormatExpr(e))
	// Output: (a + b) * -c^2
}

func ExampleInspect() {
	f := sample()
	calls := 0
	ast.Inspect(f, func(n ast.Node) bool {
		if _, ok := n.(*ast.Call); ok {
			calls++
		}
		return true
	})
	fmt.Println(calls, "calls")
	// Output: 2 calls
}
