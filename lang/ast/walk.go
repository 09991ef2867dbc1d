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
	eachChild(n, func(c Node) { Walk(v, c) })
	v.Visit(nil)
}

// eachChild calls f with each child of n in source order (the order Walk
// visits them), skipping omitted optional children: nil, or an interface
// holding a nil pointer (FnDef.Body of the one-line form). It is the one
// list of each node type's children, for Walk and CheckDepth.
func eachChild(n Node, f func(Node)) {
	add := func(ns ...Node) { addList(f, ns) }
	switch n := n.(type) {
	case *File:
		addList(f, n.Stmts)
	case *Assign:
		add(n.Target, n.Value)
	case *ExprStmt:
		add(n.X)
	case *FnDef:
		add(n.Name)
		addList(f, n.Params)
		add(n.Expr, n.Body)
	case *Return:
		add(n.Value)
	case *For:
		add(n.Var, n.Iter, n.Body)
	case *If:
		add(n.Cond, n.Then, n.Else)
	case *ModelDef:
		add(n.Name)
		addList(f, n.Params)
		add(n.Body)
	case *Tilde:
		add(n.LHS, n.Dist)
	case *Block:
		addList(f, n.Stmts)
	case *Number, *String, *Bool, *None, *Ident:
		// leaves
	case *Unary:
		add(n.X)
	case *Binary:
		add(n.X, n.Y)
	case *Call:
		add(n.Fn)
		addList(f, n.Args)
		addList(f, n.Kwargs)
	case *Kwarg:
		add(n.Value)
	case *Index:
		add(n.X)
		addList(f, n.Indices)
	case *Slice:
		add(n.Lo, n.Hi)
	case *Field:
		add(n.X)
	case *List:
		addList(f, n.Elems)
	case *FlowExpr:
		addList(f, n.Args)
		addList(f, n.Kwargs)
	case *Fit:
		add(n.Q, n.Target, n.Given)
		addList(f, n.Options)
	default:
		panic(fmt.Sprintf("ast: unexpected node type %T", n))
	}
}

// addList calls f with each present node of list in order.
func addList[N Node](f func(Node), list []N) {
	for _, n := range list {
		if Node(n) != nil && !isNilNode(n) {
			f(n)
		}
	}
}

// isNilNode reports whether n is an interface holding a nil pointer (an
// omitted optional child such as FnDef.Body).
func isNilNode(n Node) bool {
	switch n := n.(type) {
	case *Block:
		return n == nil
	case *Ident:
		return n == nil
	case *If:
		return n == nil
	}
	return false
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
