package ast

// Node is any node of the syntax tree.
type Node interface {
	// Pos returns the position of the node's first token.
	Pos() Pos
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// File is a parsed script.
type File struct {
	Name     string // file name as given to the parser
	Stmts    []Stmt
	Comments []*Comment // every comment, in source order (Format prints them)
}

// Comment is a comment: Text runs from "#" to the end of its line.
type Comment struct {
	Pos  Pos
	Text string
}

// Pos returns line 1, column 1 of the file.
func (f *File) Pos() Pos { return Pos{File: f.Name, Line: 1, Col: 1} }

// ---- statements ----

// Assign is `Target = Value`. Target is an *Ident or an *Index whose
// innermost base is an *Ident (x[i] = v).
type Assign struct {
	Target Expr
	EqPos  Pos // position of "="
	Value  Expr
}

// ExprStmt is an expression evaluated as a statement (the REPL echoes it).
type ExprStmt struct {
	X Expr
}

// FnDef is `fn Name(Params) = Expr` (Body nil) or `fn Name(Params) { Body }`
// (Expr nil).
type FnDef struct {
	FnPos  Pos // position of "fn"
	Name   *Ident
	Params []*Ident
	Expr   Expr   // one-line form
	Body   *Block // block form
}

// Return is `return` or `return Value` (Value nil for the former).
type Return struct {
	ReturnPos Pos
	Value     Expr
}

// For is `for Var in Iter { Body }`.
type For struct {
	ForPos Pos
	Var    *Ident
	Iter   Expr
	Body   *Block
}

// If is `if Cond { Then } else ...`. Else is nil, an *If (else if) or a
// *Block.
type If struct {
	IfPos Pos
	Cond  Expr
	Then  *Block
	Else  Stmt
}

// ModelDef is `model Name(Params) { Body }`.
type ModelDef struct {
	ModelPos Pos
	Name     *Ident
	Params   []*Ident
	Body     *Block
}

// Tilde is `LHS ~ Dist`. LHS is an *Ident or an *Index (components may be
// slices) whose innermost base is an *Ident. The parser accepts Tilde
// anywhere; only model bodies allow it, which the resolve pass checks.
type Tilde struct {
	LHS      Expr
	TildePos Pos // position of "~"
	Dist     Expr
}

// Block is a braced statement list: the body of fn, for, if and model, and
// an else branch. The parser never produces a Block in a statement list.
type Block struct {
	Lbrace Pos
	Stmts  []Stmt
	Rbrace Pos // position of "}"
}

// ---- expressions ----

// Number is a numeric literal. Text is the literal as written (Format prints
// it; when empty, Value is printed).
type Number struct {
	NumPos Pos
	Value  float64
	Text   string
}

// String is a string literal; Value is unquoted.
type String struct {
	StrPos Pos
	Value  string
}

// Bool is true or false.
type Bool struct {
	BoolPos Pos
	Value   bool
}

// None is the literal none.
type None struct {
	NonePos Pos
}

// Ident is a name: a variable, function, distribution, parameter or loop
// variable.
type Ident struct {
	NamePos Pos
	Name    string
}

// Unary is `-X` (Op Neg) or `not X` (Op Not).
type Unary struct {
	OpPos Pos
	Op    Op
	X     Expr
}

// Binary is `X Op Y`.
type Binary struct {
	X     Expr
	OpPos Pos
	Op    Op
	Y     Expr
}

// Call is `Fn(Args, Kwargs)`. Keyword arguments follow positional ones. A
// method call x.f(a) has Fn = *Field{X: x, Name: "f"}.
type Call struct {
	Fn     Expr
	Lparen Pos
	Args   []Expr
	Kwargs []*Kwarg
	Rparen Pos
}

// Kwarg is `Name = Value`: a keyword argument of a call or flow, or a fit
// option.
type Kwarg struct {
	NamePos Pos
	Name    string
	Value   Expr
}

// Index is `X[Indices]`. A component written with a colon is a *Slice.
type Index struct {
	X       Expr
	Lbrack  Pos
	Indices []Expr
	Rbrack  Pos
}

// Slice is an index component `Lo:Hi`; either bound may be nil (x[:3],
// x[1:], m[:, 0]). It occurs only in Index.Indices.
type Slice struct {
	Lo    Expr
	Colon Pos
	Hi    Expr
}

// Field is `X.Name`.
type Field struct {
	X       Expr
	Dot     Pos
	NamePos Pos
	Name    string
}

// List is `[Elems]`: a vector, or a matrix when the elements are vectors.
type List struct {
	Lbrack Pos
	Elems  []Expr
	Rbrack Pos
}

// FlowExpr is `flow Bijector`, `flow Bijector(Args, Kwargs)`. Args[0], if
// present, is the base distribution; nested bijector applications inside it
// are plain *Call nodes whose Fn is an *Ident naming the bijector. Without
// positional arguments the flow is a plan.
type FlowExpr struct {
	FlowPos     Pos
	Bijector    string
	BijectorPos Pos
	Args        []Expr
	Kwargs      []*Kwarg
	Rparen      Pos // position of ")"; zero without parentheses
}

// Fit is `fit Q to Target by By { Options }`. By is "" when omitted; the
// options braces are optional.
type Fit struct {
	FitPos Pos
	Q      Expr
	ToPos  Pos
	Target Expr
	// Given is X of `fit q to Y given X` (a conditional flow q(y | x)
	// fitted to the rows of Y paired with the rows of X); nil without it.
	GivenPos Pos // position of the word given; zero when Given is nil
	Given    Expr
	ByPos    Pos    // position of the objective name; zero when By is ""
	By       string // "kl", "forward_kl", "reverse_kl", "elbo", "simulation" or ""
	Options  []*Kwarg
	Rbrace   Pos // position of the "}" of the options; zero without them
}

// Objectives lists the objective names accepted after `by`.
var Objectives = []string{"kl", "forward_kl", "reverse_kl", "elbo", "simulation"}

// Objective returns the objective, "kl" when the by clause is omitted.
func (f *Fit) Objective() string {
	if f.By == "" {
		return "kl"
	}
	return f.By
}

// End returns the position of the last token of n, as far as the tree
// records it (the closing parenthesis of a parenthesised expression is
// not). Only statements and expressions are handled; the zero Pos is
// returned for others.
func End(n Node) Pos {
	for depth := 0; depth < MaxDepth; depth++ {
		switch x := n.(type) {
		case *Assign:
			n = x.Value
		case *ExprStmt:
			n = x.X
		case *FnDef:
			if x.Body != nil {
				return x.Body.Rbrace
			}
			n = x.Expr
		case *Return:
			if x.Value == nil {
				return x.ReturnPos
			}
			n = x.Value
		case *For:
			return x.Body.Rbrace
		case *If:
			if x.Else == nil {
				return x.Then.Rbrace
			}
			n = x.Else
		case *ModelDef:
			return x.Body.Rbrace
		case *Tilde:
			n = x.Dist
		case *Block:
			return x.Rbrace
		case *Unary:
			n = x.X
		case *Binary:
			n = x.Y
		case *Call:
			return x.Rparen
		case *Index:
			return x.Rbrack
		case *Slice:
			if x.Hi == nil {
				return x.Colon
			}
			n = x.Hi
		case *Field:
			return x.NamePos
		case *List:
			return x.Rbrack
		case *FlowExpr:
			if x.Rparen.IsValid() {
				return x.Rparen
			}
			return x.BijectorPos
		case *Fit:
			switch {
			case x.Rbrace.IsValid():
				return x.Rbrace
			case x.By != "":
				return x.ByPos
			case x.Given != nil:
				n = x.Given
				continue
			}
			n = x.Target
		case *Kwarg:
			n = x.Value
		case nil:
			return Pos{}
		default:
			return n.Pos() // a one-token node
		}
		if n == nil {
			return Pos{}
		}
	}
	return Pos{}
}

// Pos implementations.

// Pos returns the position of the target.
func (s *Assign) Pos() Pos { return s.Target.Pos() }

// Pos returns the position of the expression.
func (s *ExprStmt) Pos() Pos { return s.X.Pos() }

// Pos returns the position of "fn".
func (s *FnDef) Pos() Pos { return s.FnPos }

// Pos returns the position of "return".
func (s *Return) Pos() Pos { return s.ReturnPos }

// Pos returns the position of "for".
func (s *For) Pos() Pos { return s.ForPos }

// Pos returns the position of "if".
func (s *If) Pos() Pos { return s.IfPos }

// Pos returns the position of "model".
func (s *ModelDef) Pos() Pos { return s.ModelPos }

// Pos returns the position of the left-hand side.
func (s *Tilde) Pos() Pos { return s.LHS.Pos() }

// Pos returns the position of "{".
func (s *Block) Pos() Pos { return s.Lbrace }

// Pos returns the position of the literal.
func (e *Number) Pos() Pos { return e.NumPos }

// Pos returns the position of the opening quote.
func (e *String) Pos() Pos { return e.StrPos }

// Pos returns the position of the literal.
func (e *Bool) Pos() Pos { return e.BoolPos }

// Pos returns the position of the literal.
func (e *None) Pos() Pos { return e.NonePos }

// Pos returns the position of the name.
func (e *Ident) Pos() Pos { return e.NamePos }

// Pos returns the position of the operator.
func (e *Unary) Pos() Pos { return e.OpPos }

// Pos returns the position of the left operand.
func (e *Binary) Pos() Pos { return e.X.Pos() }

// Pos returns the position of the callee.
func (e *Call) Pos() Pos { return e.Fn.Pos() }

// Pos returns the position of the name.
func (e *Kwarg) Pos() Pos { return e.NamePos }

// Pos returns the position of the indexed expression.
func (e *Index) Pos() Pos { return e.X.Pos() }

// Pos returns the position of Lo, or of the colon when Lo is nil.
func (e *Slice) Pos() Pos {
	if e.Lo != nil {
		return e.Lo.Pos()
	}
	return e.Colon
}

// Pos returns the position of X.
func (e *Field) Pos() Pos { return e.X.Pos() }

// Pos returns the position of "[".
func (e *List) Pos() Pos { return e.Lbrack }

// Pos returns the position of "flow".
func (e *FlowExpr) Pos() Pos { return e.FlowPos }

// Pos returns the position of "fit".
func (e *Fit) Pos() Pos { return e.FitPos }

func (*Assign) stmtNode()   {}
func (*ExprStmt) stmtNode() {}
func (*FnDef) stmtNode()    {}
func (*Return) stmtNode()   {}
func (*For) stmtNode()      {}
func (*If) stmtNode()       {}
func (*ModelDef) stmtNode() {}
func (*Tilde) stmtNode()    {}
func (*Block) stmtNode()    {}

func (*Number) exprNode()   {}
func (*String) exprNode()   {}
func (*Bool) exprNode()     {}
func (*None) exprNode()     {}
func (*Ident) exprNode()    {}
func (*Unary) exprNode()    {}
func (*Binary) exprNode()   {}
func (*Call) exprNode()     {}
func (*Index) exprNode()    {}
func (*Slice) exprNode()    {}
func (*Field) exprNode()    {}
func (*List) exprNode()     {}
func (*FlowExpr) exprNode() {}
func (*Fit) exprNode()      {}
