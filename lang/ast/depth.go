package ast

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
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > max {
			return Errorf(shallowPos(it.n), "expression nested deeper than %d levels (a chain of operators counts one level per operator: split it into several assignments)", max)
		}
		eachChild(it.n, func(k Node) { stack = append(stack, item{k, it.depth + 1}) })
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
