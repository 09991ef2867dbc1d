package ast

import "fmt"

// A Visitor's Visit method is called by Walk for each node. If it returns a
// non-nil Visitor w, Walk visits the node's children with w and then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree rooted at n in depth-first, source order, as
// go/ast.Walk does. Definitions are visited like uses: FnDef.Name,
// FnDef.Params, ModelDef.Name/Params and For.Var are *Ident children, and
// keyword arguments and fit options are *Kwarg children. Walk recurses once
// per level of the tree: check a tree built by hand with CheckDepth first
// (the parser does).
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	switch n := n.(type) {
	case *File:
		walkList(v, n.Stmts)
	case *Assign:
		Walk(v, n.Target)
		Walk(v, n.Value)
	case *ExprStmt:
		Walk(v, n.X)
	case *FnDef:
		Walk(v, n.Name)
		walkList(v, n.Params)
		if n.Expr != nil {
			Walk(v, n.Expr)
		}
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *Return:
		if n.Value != nil {
			Walk(v, n.Value)
		}
	case *For:
		Walk(v, n.Var)
		Walk(v, n.Iter)
		Walk(v, n.Body)
	case *If:
		Walk(v, n.Cond)
		Walk(v, n.Then)
		if n.Else != nil {
			Walk(v, n.Else)
		}
	case *ModelDef:
		Walk(v, n.Name)
		walkList(v, n.Params)
		Walk(v, n.Body)
	case *Tilde:
		Walk(v, n.LHS)
		Walk(v, n.Dist)
	case *Block:
		walkList(v, n.Stmts)
	case *Number, *String, *Bool, *None, *Ident:
		// leaves
	case *Unary:
		Walk(v, n.X)
	case *Binary:
		Walk(v, n.X)
		Walk(v, n.Y)
	case *Call:
		Walk(v, n.Fn)
		walkList(v, n.Args)
		walkList(v, n.Kwargs)
	case *Kwarg:
		Walk(v, n.Value)
	case *Index:
		Walk(v, n.X)
		walkList(v, n.Indices)
	case *Slice:
		if n.Lo != nil {
			Walk(v, n.Lo)
		}
		if n.Hi != nil {
			Walk(v, n.Hi)
		}
	case *Field:
		Walk(v, n.X)
	case *List:
		walkList(v, n.Elems)
	case *FlowExpr:
		walkList(v, n.Args)
		walkList(v, n.Kwargs)
	case *Fit:
		Walk(v, n.Q)
		Walk(v, n.Target)
		if n.Given != nil {
			Walk(v, n.Given)
		}
		walkList(v, n.Options)
	default:
		panic(fmt.Sprintf("ast.Walk: unexpected node type %T", n))
	}
	v.Visit(nil)
}

// walkList walks the nodes of list in order.
func walkList[N Node](v Visitor, list []N) {
	for _, n := range list {
		Walk(v, n)
	}
}

type inspector func(Node) bool

// Visit implements Visitor.
func (f inspector) Visit(n Node) Visitor {
	if n != nil && f(n) {
		return f
	}
	return nil
}

// Inspect traverses the tree rooted at n in depth-first order, calling f for
// each node; when f returns false the node's children are skipped. Unlike
// go/ast.Inspect, f is never called with nil.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}
