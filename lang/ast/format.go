package ast

import (
	"strconv"
	"strings"
)

// Format prints f in canonical form: one statement per line, blocks indented
// by four spaces, binary operators surrounded by spaces, only the
// parentheses that the precedence rules need, comments dropped. Parsing the
// output gives a tree that formats to the same text.
func Format(f *File) string {
	var p printer
	p.stmts(f.Stmts)
	return p.b.String()
}

// FormatStmt prints one statement in canonical form, without a trailing
// newline; nested blocks span several lines.
func FormatStmt(s Stmt) string {
	var p printer
	p.stmt(s)
	return p.b.String()
}

// FormatExpr prints one expression in canonical form, on one line.
func FormatExpr(e Expr) string {
	var p printer
	p.expr(e, PrecFit)
	return p.b.String()
}

type printer struct {
	b      strings.Builder
	indent int
	depth  int // nesting of expr calls, bounded by MaxDepth
}

func (p *printer) str(s string) { p.b.WriteString(s) }

func (p *printer) stmts(list []Stmt) {
	for _, s := range list {
		p.str(strings.Repeat("    ", p.indent))
		p.stmt(s)
		p.b.WriteByte('\n')
	}
}

func (p *printer) block(b *Block) {
	if b == nil || len(b.Stmts) == 0 {
		p.str("{}")
		return
	}
	p.str("{\n")
	p.indent++
	p.stmts(b.Stmts)
	p.indent--
	p.str(strings.Repeat("    ", p.indent))
	p.str("}")
}

func (p *printer) params(name *Ident, params []*Ident) {
	if name != nil {
		p.str(name.Name)
	}
	p.str("(")
	for i, id := range params {
		if i > 0 {
			p.str(", ")
		}
		p.str(id.Name)
	}
	p.str(")")
}

func (p *printer) stmt(s Stmt) {
	switch s := s.(type) {
	case *Assign:
		p.expr(s.Target, PrecFit)
		p.str(" = ")
		p.expr(s.Value, PrecFit)
	case *ExprStmt:
		p.expr(s.X, PrecFit)
	case *FnDef:
		p.str("fn ")
		p.params(s.Name, s.Params)
		if s.Body != nil {
			p.str(" ")
			p.block(s.Body)
		} else {
			p.str(" = ")
			p.expr(s.Expr, PrecFit)
		}
	case *Return:
		p.str("return")
		if s.Value != nil {
			p.str(" ")
			p.expr(s.Value, PrecFit)
		}
	case *For:
		p.str("for ")
		p.str(s.Var.Name)
		p.str(" in ")
		p.expr(s.Iter, PrecOr)
		p.str(" ")
		p.block(s.Body)
	case *If:
		p.str("if ")
		p.expr(s.Cond, PrecOr)
		p.str(" ")
		p.block(s.Then)
		if s.Else != nil {
			p.str(" else ")
			p.stmt(s.Else)
		}
	case *ModelDef:
		p.str("model ")
		p.params(s.Name, s.Params)
		p.str(" ")
		p.block(s.Body)
	case *Tilde:
		p.expr(s.LHS, PrecFit)
		p.str(" ~ ")
		p.expr(s.Dist, PrecFit)
	case *Block:
		p.block(s)
	case nil:
		p.str("<nil>")
	default:
		p.str("<?>")
	}
}

// prec returns the binding strength of e as printed without parentheses.
func prec(e Expr) int {
	switch e := e.(type) {
	case *Fit:
		return PrecFit
	case *Binary:
		return e.Op.Precedence()
	case *Unary:
		return e.Op.Precedence()
	}
	return PrecPostfix
}

// expr prints e, parenthesised when it binds less tightly than min.
func (p *printer) expr(e Expr, min int) {
	if e == nil {
		p.str("<nil>")
		return
	}
	// A tree from the parser is at most MaxDepth deep; one built by hand
	// may be deeper, and is cut there rather than overflowing the stack.
	if p.depth >= MaxDepth {
		p.str("<too deep>")
		return
	}
	p.depth++
	defer func() { p.depth-- }()
	if prec(e) < min {
		p.str("(")
		p.expr(e, PrecFit)
		p.str(")")
		return
	}
	switch e := e.(type) {
	case *Number:
		if e.Text != "" {
			p.str(e.Text)
		} else {
			p.str(strconv.FormatFloat(e.Value, 'g', -1, 64))
		}
	case *String:
		p.str(strconv.Quote(e.Value))
	case *Bool:
		p.str(strconv.FormatBool(e.Value))
	case *None:
		p.str("none")
	case *Ident:
		p.str(e.Name)
	case *Unary:
		p.str(e.Op.String())
		if e.Op == Not {
			p.str(" ")
		}
		p.expr(e.X, e.Op.Precedence())
	case *Binary:
		lmin, rmin := e.Op.Precedence(), e.Op.Precedence()+1
		switch {
		case e.Op == Pow:
			// Right associative; the exponent may be a unary minus.
			lmin, rmin = PrecPostfix, PrecNeg
		case e.Op.IsComparison():
			lmin = PrecCompare + 1 // not associative
		}
		p.expr(e.X, lmin)
		if e.Op == Pow {
			p.str("^")
		} else {
			p.str(" " + e.Op.String() + " ")
		}
		p.expr(e.Y, rmin)
	case *Call:
		p.postfixBase(e.Fn, false)
		p.args(e.Args, e.Kwargs)
	case *Index:
		p.postfixBase(e.X, false)
		p.str("[")
		p.exprs(e.Indices)
		p.str("]")
	case *Slice:
		if e.Lo != nil {
			p.expr(e.Lo, PrecFit)
		}
		p.str(":")
		if e.Hi != nil {
			p.expr(e.Hi, PrecFit)
		}
	case *Field:
		p.postfixBase(e.X, true)
		p.str(".")
		p.str(e.Name)
	case *List:
		p.str("[")
		p.exprs(e.Elems)
		p.str("]")
	case *FlowExpr:
		p.str("flow ")
		p.str(e.Bijector)
		if len(e.Args) > 0 || len(e.Kwargs) > 0 {
			p.args(e.Args, e.Kwargs)
		}
	case *Fit:
		p.str("fit ")
		p.expr(e.Q, PrecOr)
		p.str(" to ")
		p.expr(e.Target, PrecOr)
		if e.By != "" {
			p.str(" by ")
			p.str(e.By)
		}
		if len(e.Options) > 0 {
			p.str(" { ")
			p.kwargs(e.Options)
			p.str(" }")
		}
	default:
		p.str("<?>")
	}
}

// postfixBase prints the operand of a call, index or field access. Flow
// expressions are parenthesised so that a following "(" is not read as the
// flow's arguments, and numbers before a dot so that the dot is not read as
// part of the number.
func (p *printer) postfixBase(x Expr, dot bool) {
	_, isFlow := x.(*FlowExpr)
	_, isNum := x.(*Number)
	if isFlow || (dot && isNum) {
		p.str("(")
		p.expr(x, PrecFit)
		p.str(")")
		return
	}
	p.expr(x, PrecPostfix)
}

func (p *printer) args(args []Expr, kwargs []*Kwarg) {
	p.str("(")
	p.exprs(args)
	if len(args) > 0 && len(kwargs) > 0 {
		p.str(", ")
	}
	p.kwargs(kwargs)
	p.str(")")
}

// exprs prints list separated by commas.
func (p *printer) exprs(list []Expr) {
	for i, x := range list {
		if i > 0 {
			p.str(", ")
		}
		p.expr(x, PrecFit)
	}
}

func (p *printer) kwargs(kwargs []*Kwarg) {
	for i, kw := range kwargs {
		if i > 0 {
			p.str(", ")
		}
		p.str(kw.Name)
		p.str(" = ")
		p.expr(kw.Value, PrecFit)
	}
}
