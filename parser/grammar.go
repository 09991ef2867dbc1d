package parser

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/flowppl/flowppl/lang/ast"
)

// The participle grammar of statements. Expressions (fields of type
// ast.Expr) are parsed by parseExprProduction. convert.go turns these types
// into package ast's tree. Error messages do not depend on these names:
// what the grammar expects where a parse stopped is found by asking
// participle again (expected in parser.go).

type pFile struct {
	Stmts []*pStmt `parser:"( @@ ( Sep @@ )* )?"`
}

// pStmt lists the simple statement first: it is the most common, and no
// expression starts with the keywords of the others.
type pStmt struct {
	Simple *pSimple `parser:"  @@"`
	Fn     *pFn     `parser:"| @@"`
	Model  *pModel  `parser:"| @@"`
	For    *pFor    `parser:"| @@"`
	If     *pIf     `parser:"| @@"`
	Return *pReturn `parser:"| @@"`
}

type pName struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

type pParams struct {
	Names []*pName `parser:"'(' ( @@ ( ',' @@ )* ','? )? ')'"`
}

type pFn struct {
	Pos    lexer.Position
	Name   *pName   `parser:"'fn' @@"`
	Params *pParams `parser:"@@"`
	Expr   ast.Expr `parser:"( '=' @@"`
	Body   *pBlock  `parser:"| @@ )"`
}

type pModel struct {
	Pos    lexer.Position
	Name   *pName   `parser:"'model' @@"`
	Params *pParams `parser:"@@"`
	Body   *pBlock  `parser:"@@"`
}

type pFor struct {
	Pos  lexer.Position
	Var  *pName   `parser:"'for' @@"`
	Iter ast.Expr `parser:"'in' @@"`
	Body *pBlock  `parser:"@@"`
}

type pIf struct {
	Pos    lexer.Position
	Cond   ast.Expr `parser:"'if' @@"`
	Then   *pBlock  `parser:"@@"`
	ElseIf *pIf     `parser:"( 'else' ( @@"`
	Else   *pBlock  `parser:"| @@ ) )?"`
}

type pReturn struct {
	Pos   lexer.Position
	Value ast.Expr `parser:"'return' @@?"`
}

// pSimple is an expression statement, an assignment or a tilde statement.
type pSimple struct {
	LHS ast.Expr   `parser:"@@"`
	Op  *pAssignOp `parser:"( @@"`
	RHS ast.Expr   `parser:"  @@ )?"`
}

type pAssignOp struct {
	Pos lexer.Position
	Op  string `parser:"@( '=' | '~' )"`
}

type pBlock struct {
	Pos   lexer.Position
	Stmts []*pStmt   `parser:"'{' ( @@ ( Sep @@ )* )?"`
	End   *pBlockEnd `parser:"@@"`
}

type pBlockEnd struct {
	Pos   lexer.Position
	Brace string `parser:"@'}'"`
}

// pExprOnly is the root for ParseExpr.
type pExprOnly struct {
	X ast.Expr `parser:"@@"`
}
