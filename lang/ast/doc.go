// Package ast defines the syntax tree of flowppl scripts: positions, nodes,
// syntax errors, a tree walker and a canonical printer.
//
// The tree is produced by package parser and consumed by the interpreter's
// resolve pass and tree-walker. It has no dependency on the parser's
// machinery.
//
// # Nodes
//
// Every node has a Pos: the position of its first token. Binary operators also
// record the operator's own position (Binary.OpPos), and calls, indexes and
// fields record the position of their bracket or dot, so that errors can point
// at the operator that failed. Closing brackets and braces are recorded too
// (Call.Rparen, List.Rbrack, Block.Rbrace, ...), so that End finds a node's
// last line, which Format needs to place comments.
//
// Statements (Stmt) are Assign, ExprStmt, FnDef, Return, For, If, ModelDef,
// Tilde and Block. Expressions (Expr) are Number, String, Bool, None, Ident,
// Unary, Binary, Call, Index, Slice, Field, List, FlowExpr and Fit.
//
// Representation choices:
//
//   - Parentheses are not kept: (a + b) * c is Binary{Mul, Binary{Add, a, b}, c}.
//   - A method call x.f(a) is Call{Fn: Field{X: x, Name: "f"}, Args: [a]}; the
//     interpreter applies uniform function call syntax (f(x, a)) when x has no
//     attribute f.
//   - An index x[i, j] is Index{X, Indices: [i, j]}; a component written with a
//     colon (x[1:3], m[:, 0], x[:3], x[1:]) is a *Slice whose Lo and Hi may be
//     nil. Slice appears only as an Index component. Negative indices are
//     Unary{Neg, Number}.
//   - flow B(args, k = v) is FlowExpr{Bijector: "B", Args, Kwargs}. Nested
//     bijector applications among the arguments, as in
//     flow Spline(AffineAutoregressive(base)), are ordinary *Call nodes whose
//     callee is an *Ident naming the bijector; the interpreter resolves
//     bijector names only inside a FlowExpr. A plan (flow B, flow B(k = v)) has
//     no positional arguments.
//   - fit Q to T by obj { k = v, ... } is an expression, Fit; a fit on its own
//     is an ExprStmt and r = fit ... is an Assign. Fit.By is "" when the by
//     clause is omitted (Fit.Objective then reports "kl"). Fit.Options holds the
//     options in source order.
//   - name ~ D is a Tilde statement. The parser accepts it anywhere; the
//     resolve pass reports one outside a model body. Its LHS is an *Ident or an
//     *Index (possibly with slices) of a name.
//   - Assign.Target is an *Ident or an *Index of a name (x[i] = v).
//   - fn f(a) = e is FnDef with Expr set and Body nil; fn f(a) { ... } has Body
//     set and Expr nil.
//   - if c { } else if d { } else { } is If{Else: *If{Else: *Block}}: Else is
//     nil, an *If or a *Block.
//
// # Printing
//
// Format prints a File in canonical form (four-space indentation, one
// statement per line, minimal parentheses, one blank line where the source
// has blank lines) with its comments (File.Comments, placed by their
// positions); its output parses back to a tree that prints identically.
// FormatStmt and FormatExpr print one statement or expression the same way,
// without comments, and are meant for error messages and the REPL.
//
// # Depth
//
// Every pass over the tree recurses along it, so a tree deeper than
// MaxDepth is an error (CheckDepth, which the parser and the interpreter's
// resolve pass call): a sum of more than MaxDepth terms must be split into
// several statements.
//
// # Errors
//
// Error and ErrorList are the errors of parsing and resolving. Snippet
// shows a source line with a caret under a column, which every command of
// flowppl prints under an error.
package ast
