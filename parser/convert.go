package parser

import (
	"strconv"

	"github.com/flowppl/flowppl/lang/ast"
)

// converter turns the participle statement tree into an ast tree,
// collecting the errors that the grammar cannot express (bad assignment
// targets, duplicate parameters).
type converter struct {
	errs ast.ErrorList
}

func (c *converter) errorf(p ast.Pos, format string, args ...any) {
	c.errs = append(c.errs, ast.Errorf(p, format, args...))
}

func (c *converter) file(name string, g *pFile) *ast.File {
	return &ast.File{Name: name, Stmts: c.stmts(g.Stmts)}
}

func (c *converter) stmts(list []*pStmt) []ast.Stmt {
	out := make([]ast.Stmt, 0, len(list))
	for _, s := range list {
		if st := c.stmt(s); st != nil {
			out = append(out, st)
		}
	}
	return out
}

func (c *converter) stmt(g *pStmt) ast.Stmt {
	switch {
	case g.Simple != nil:
		return c.simple(g.Simple)
	case g.Fn != nil:
		f := &ast.FnDef{FnPos: toPos(g.Fn.Pos), Name: c.name(g.Fn.Name), Params: c.params(g.Fn.Params)}
		if g.Fn.Body != nil {
			f.Body = c.block(g.Fn.Body)
		} else {
			f.Expr = g.Fn.Expr
		}
		return f
	case g.Model != nil:
		return &ast.ModelDef{
			ModelPos: toPos(g.Model.Pos), Name: c.name(g.Model.Name),
			Params: c.params(g.Model.Params), Body: c.block(g.Model.Body),
		}
	case g.For != nil:
		return &ast.For{ForPos: toPos(g.For.Pos), Var: c.name(g.For.Var), Iter: g.For.Iter, Body: c.block(g.For.Body)}
	case g.If != nil:
		return c.ifStmt(g.If)
	case g.Return != nil:
		return &ast.Return{ReturnPos: toPos(g.Return.Pos), Value: g.Return.Value}
	}
	return nil
}

func (c *converter) ifStmt(g *pIf) *ast.If {
	s := &ast.If{IfPos: toPos(g.Pos), Cond: g.Cond, Then: c.block(g.Then)}
	switch {
	case g.ElseIf != nil:
		s.Else = c.ifStmt(g.ElseIf)
	case g.Else != nil:
		s.Else = c.block(g.Else)
	}
	return s
}

func (c *converter) simple(g *pSimple) ast.Stmt {
	if g.Op == nil {
		return &ast.ExprStmt{X: g.LHS}
	}
	op := toPos(g.Op.Pos)
	if g.Op.Op == "~" {
		if !assignable(g.LHS) {
			c.errorf(g.LHS.Pos(), "cannot use %s on the left of \"~\": expected a name or an indexed name", ast.FormatExpr(g.LHS))
		}
		return &ast.Tilde{LHS: g.LHS, TildePos: op, Dist: g.RHS}
	}
	if !assignable(g.LHS) {
		c.errorf(g.LHS.Pos(), "cannot assign to %s: expected a name or an indexed name", ast.FormatExpr(g.LHS))
	}
	return &ast.Assign{Target: g.LHS, EqPos: op, Value: g.RHS}
}

// assignable reports whether e is a name or an index of an assignable
// expression.
func assignable(e ast.Expr) bool {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return true
		case *ast.Index:
			e = x.X
		default:
			return false
		}
	}
}

func (c *converter) block(g *pBlock) *ast.Block {
	return &ast.Block{Lbrace: toPos(g.Pos), Stmts: c.stmts(g.Stmts), Rbrace: toPos(g.End.Pos)}
}

func (c *converter) name(g *pName) *ast.Ident {
	return &ast.Ident{NamePos: toPos(g.Pos), Name: g.Name}
}

func (c *converter) params(g *pParams) []*ast.Ident {
	out := make([]*ast.Ident, 0, len(g.Names))
	for i, n := range g.Names {
		for _, m := range g.Names[:i] {
			if m.Name == n.Name {
				c.errorf(toPos(n.Pos), "duplicate parameter %q", n.Name)
			}
		}
		out = append(out, c.name(n))
	}
	return out
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
