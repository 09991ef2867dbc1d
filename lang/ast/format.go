package ast

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format prints f in canonical form: one statement per line, blocks indented
// by four spaces, binary operators surrounded by spaces, only the
// parentheses that the precedence rules need. Parsing the output gives a
// tree that formats to the same text.
//
// The comments of f.Comments are kept, placed by their lines:
//
//   - a comment on a line of its own stays on a line of its own, before the
//     statement that follows it (or before the "}" of its block, or at the
//     end), at that statement's indentation;
//   - a comment after the last token of a statement stays at its end, and
//     the comments ending consecutive statements are aligned two spaces
//     after the longest of them, as gofmt does; one after a "{" stays after
//     it;
//   - a comment inside a statement that spans several lines (which Format
//     prints on one line) moves before the statement, on a line of its own;
//     except that a fit (the value of a statement) with comments on the
//     lines after its first prints its options one a line, each with the
//     comment after it, and the comment lines between them.
//
// One blank line is kept where the source has one or more between
// statements or comments (none after "{" or before "}"); the layout of a
// tree built by hand, without positions, has no blank lines.
func Format(f *File) string {
	p := printer{comments: f.Comments}
	p.stmts(f.Stmts, Pos{Line: math.MaxInt})
	for _, c := range p.take(func(*Comment) bool { return true }) {
		p.standalone(c)
	}
	return alignComments(p.b.String(), p.trailing)
}

// alignComments aligns the trailing comments of consecutive lines in a
// column, two spaces after the longest code among them, as gofmt does. at
// holds the offsets in out where trailing comments start, in order.
func alignComments(out string, at []int) string {
	if len(at) == 0 {
		return out
	}
	type trail struct {
		line, off, width int
	}
	var ts []trail
	line, lineStart, i := 0, 0, 0
	for off := 0; off < len(out) && i < len(at); off++ {
		if off == at[i] {
			ts = append(ts, trail{line, off, utf8.RuneCountInString(out[lineStart:off])})
			i++
		}
		if out[off] == '\n' {
			line++
			lineStart = off + 1
		}
	}
	var b strings.Builder
	prev := 0
	for j := 0; j < len(ts); {
		k, width := j, 0
		for ; k < len(ts) && ts[k].line-ts[j].line == k-j; k++ {
			width = max(width, ts[k].width)
		}
		for _, t := range ts[j:k] {
			b.WriteString(out[prev:t.off])
			b.WriteString(strings.Repeat(" ", width-t.width+2))
			prev = t.off
		}
		j = k
	}
	b.WriteString(out[prev:])
	return b.String()
}

// FormatStmt prints one statement in canonical form, without a trailing
// newline and without comments; nested blocks span several lines.
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

	comments  []*Comment // comments not printed yet, in source order
	trailing  []int      // offsets in b of the comments after code
	openFit   *Fit       // a fit whose options print one per line, with their comments
	last      int        // source line of what was printed last (0: nothing)
	afterOpen bool       // the last line printed ends with "{"
}

func (p *printer) str(s string) { p.b.WriteString(s) }

// take removes and returns the leading comments for which ok holds.
func (p *printer) take(ok func(*Comment) bool) []*Comment {
	n := 0
	for n < len(p.comments) && ok(p.comments[n]) {
		n++
	}
	out := p.comments[:n]
	p.comments = p.comments[n:]
	return out
}

// before returns a test for comments before pos.
func before(pos Pos) func(*Comment) bool {
	return func(c *Comment) bool { return c.Pos.Line < pos.Line || (c.Pos.Line == pos.Line && c.Pos.Col < pos.Col) }
}

// blank writes an empty line when the source has one between what was
// printed last and line.
func (p *printer) blank(line int) {
	if p.last > 0 && !p.afterOpen && line > p.last+1 {
		p.b.WriteByte('\n')
	}
}

// standalone prints c on a line of its own at the current indentation.
func (p *printer) standalone(c *Comment) {
	p.blank(c.Pos.Line)
	p.str(strings.Repeat("    ", p.indent))
	p.str(c.Text)
	p.b.WriteByte('\n')
	p.last, p.afterOpen = c.Pos.Line, false
}

// stmts prints a statement list; next is the position of what follows the
// list (the "}" of its block).
func (p *printer) stmts(list []Stmt, next Pos) {
	for i, s := range list {
		start := s.Pos()
		for _, c := range p.take(before(start)) {
			p.standalone(c)
		}
		end := End(s)
		// Comments inside the statement's first line up to its block, or
		// inside a statement printed on one line, go before it.
		head := Pos{Line: end.Line}
		if b := firstBlock(s); b != nil {
			head = b.Lbrace
		}
		// A fit whose options hold comments keeps them there, one option
		// a line (the way such fits are written), instead of moving them
		// above the statement.
		// Comments on the lines after the fit's first line are inside it.
		if f := stmtFit(s); f != nil {
			if inside := (Pos{Line: f.FitPos.Line + 1}); p.commentBetween(inside, f.Rbrace) {
				head, p.openFit = inside, f
			}
		}
		p.blank(start.Line)
		for _, c := range p.take(before(head)) {
			p.str(strings.Repeat("    ", p.indent))
			p.str(c.Text)
			p.b.WriteByte('\n')
			p.afterOpen = false
		}
		p.str(strings.Repeat("    ", p.indent))
		p.stmt(s)
		after := next
		if i+1 < len(list) {
			after = list[i+1].Pos()
		}
		if len(p.comments) > 0 && p.comments[0].Pos.Line == end.Line && before(after)(p.comments[0]) {
			p.trailing = append(p.trailing, p.b.Len())
			p.str(p.comments[0].Text)
			p.comments = p.comments[1:]
		}
		p.b.WriteByte('\n')
		p.last, p.afterOpen = max(end.Line, start.Line), false
	}
}

// stmtFit returns the fit with options (and known positions) that is
// the value of an assignment or expression statement s, or nil.
func stmtFit(s Stmt) *Fit {
	var x Expr
	switch s := s.(type) {
	case *Assign:
		x = s.Value
	case *ExprStmt:
		x = s.X
	}
	f, ok := x.(*Fit)
	if !ok || len(f.Options) == 0 || !f.Rbrace.IsValid() || !f.FitPos.IsValid() {
		return nil
	}
	return f
}

// commentBetween reports whether a comment not printed yet lies at or after
// from and before to.
func (p *printer) commentBetween(from, to Pos) bool {
	for _, c := range p.comments {
		if !before(to)(c) {
			return false
		}
		if !before(from)(c) {
			return true
		}
	}
	return false
}

// fitOptions prints the options of f one a line, each with the comment
// that follows it on its line, and the comments between them on lines of
// their own.
func (p *printer) fitOptions(f *Fit) {
	p.str(" {\n")
	p.indent++
	p.afterOpen = true
	for i, kw := range f.Options {
		for _, c := range p.take(before(kw.NamePos)) {
			p.standalone(c)
		}
		p.blank(kw.NamePos.Line)
		p.str(strings.Repeat("    ", p.indent))
		p.str(kw.Name)
		p.str(" = ")
		p.expr(kw.Value, PrecFit)
		next := f.Rbrace
		if i+1 < len(f.Options) {
			p.str(",")
			next = f.Options[i+1].NamePos
		}
		line := End(kw.Value).Line
		if len(p.comments) > 0 && p.comments[0].Pos.Line == line && before(next)(p.comments[0]) {
			p.trailing = append(p.trailing, p.b.Len())
			p.str(p.comments[0].Text)
			p.comments = p.comments[1:]
		}
		p.b.WriteByte('\n')
		p.last, p.afterOpen = line, false
	}
	for _, c := range p.take(before(f.Rbrace)) {
		p.standalone(c)
	}
	p.indent--
	p.str(strings.Repeat("    ", p.indent))
	p.str("}")
}

// firstBlock returns the first block of a compound statement, or nil.
func firstBlock(s Stmt) *Block {
	switch s := s.(type) {
	case *FnDef:
		return s.Body
	case *For:
		return s.Body
	case *If:
		return s.Then
	case *ModelDef:
		return s.Body
	case *Block:
		return s
	}
	return nil
}

func (p *printer) block(b *Block) {
	if b == nil {
		p.str("{}")
		return
	}
	// The parser nests brackets and braces at most 1000 levels; a tree
	// built by hand is cut there (its output would grow with the square of
	// the depth).
	if p.indent >= 1000 {
		p.str("{<too deep>}")
		return
	}
	inside := func(c *Comment) bool { return !b.Rbrace.IsValid() || before(b.Rbrace)(c) }
	opening := p.take(func(c *Comment) bool { return c.Pos.Line <= b.Lbrace.Line && inside(c) })
	if len(b.Stmts) == 0 && len(opening) == 0 && (len(p.comments) == 0 || !inside(p.comments[0])) {
		p.str("{}")
		return
	}
	p.str("{")
	if len(opening) > 0 {
		p.str("  " + opening[0].Text)
		opening = opening[1:]
	}
	p.b.WriteByte('\n')
	p.indent++
	p.last, p.afterOpen = b.Lbrace.Line, true
	for _, c := range opening {
		p.standalone(c)
	}
	p.stmts(b.Stmts, b.Rbrace)
	for _, c := range p.take(inside) {
		p.standalone(c)
	}
	p.indent--
	p.str(strings.Repeat("    ", p.indent))
	p.str("}")
	if b.Rbrace.IsValid() {
		p.last = b.Rbrace.Line
	}
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
		if e.Given != nil {
			p.str(" given ")
			p.expr(e.Given, PrecOr)
		}
		if e.By != "" {
			p.str(" by ")
			p.str(e.By)
		}
		if e == p.openFit {
			p.openFit = nil
			p.fitOptions(e)
		} else if len(e.Options) > 0 {
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
