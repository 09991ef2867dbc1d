package ast

import "fmt"

// MaxDepth bounds the depth of a syntax tree: a node nested inside more than
// MaxDepth others (a File and its statements count) is an error. Every pass
// over the tree (the printer, the interpreter's resolve pass and
// tree-walker) recurses along the tree, so the bound keeps their Go stacks
// small; CheckDepth enforces it without recursion. A chain of binary
// operators is a left-leaning tree, so a sum of more than about MaxDepth
// terms exceeds it too: split such a sum into several assignments.
const MaxDepth = 5000

// CheckDepth reports, as an *Error at the deepest node's position, a node of
// the tree rooted at n that is nested more than max levels deep, or returns
// nil. It uses an explicit stack, so it is safe on a tree of any depth.
func CheckDepth(n Node, max int) *Error {
	type item struct {
		n     Node
		depth int
	}
	stack := []item{{n, 1}}
	var kids []Node
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > max {
			return Errorf(shallowPos(it.n), "expression nested deeper than %d levels (a chain of operators counts one level per operator: split it into several assignments)", max)
		}
		kids = appendChildren(kids[:0], it.n)
		for _, k := range kids {
			stack = append(stack, item{k, it.depth + 1})
		}
	}
	return nil
}

// shallowPos returns a position of n without descending into its children
// (Binary.Pos is its left operand's, which would recurse along a chain).
func shallowPos(n Node) Pos {
	switch n := n.(type) {
	case *Binary:
		return n.OpPos
	case *Call:
		return n.Lparen
	case *Index:
		return n.Lbrack
	case *Field:
		return n.Dot
	case *Slice:
		return n.Colon
	case *Assign:
		return n.EqPos
	case *Tilde:
		return n.TildePos
	case *ExprStmt:
		return shallowPos(n.X)
	}
	return n.Pos()
}

// appendChildren appends the children of n to out, in the order Walk visits
// them.
func appendChildren(out []Node, n Node) []Node {
	add := func(ns ...Node) {
		for _, c := range ns {
			if c != nil && !isNilNode(c) {
				out = append(out, c)
			}
		}
	}
	switch n := n.(type) {
	case *File:
		for _, s := range n.Stmts {
			add(s)
		}
	case *Assign:
		add(n.Target, n.Value)
	case *ExprStmt:
		add(n.X)
	case *FnDef:
		add(n.Name)
		for _, p := range n.Params {
			add(p)
		}
		add(n.Expr, n.Body)
	case *Return:
		add(n.Value)
	case *For:
		add(n.Var, n.Iter, n.Body)
	case *If:
		add(n.Cond, n.Then, n.Else)
	case *ModelDef:
		add(n.Name)
		for _, p := range n.Params {
			add(p)
		}
		add(n.Body)
	case *Tilde:
		add(n.LHS, n.Dist)
	case *Block:
		for _, s := range n.Stmts {
			add(s)
		}
	case *Number, *String, *Bool, *None, *Ident:
	case *Unary:
		add(n.X)
	case *Binary:
		add(n.X, n.Y)
	case *Call:
		add(n.Fn)
		for _, a := range n.Args {
			add(a)
		}
		for _, k := range n.Kwargs {
			add(k)
		}
	case *Kwarg:
		add(n.Value)
	case *Index:
		add(n.X)
		for _, x := range n.Indices {
			add(x)
		}
	case *Slice:
		add(n.Lo, n.Hi)
	case *Field:
		add(n.X)
	case *List:
		for _, x := range n.Elems {
			add(x)
		}
	case *FlowExpr:
		for _, a := range n.Args {
			add(a)
		}
		for _, k := range n.Kwargs {
			add(k)
		}
	case *Fit:
		add(n.Q, n.Target)
		for _, k := range n.Options {
			add(k)
		}
	default:
		panic(fmt.Sprintf("ast: unexpected node type %T", n))
	}
	return out
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
