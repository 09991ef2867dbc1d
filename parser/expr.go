package parser

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang/ast"
)

// Expressions are parsed by a hand-written precedence-climbing parser that
// participle calls for every ast.Expr in the statement grammar (see
// participle.ParseTypeWith). Expressions are most of a script's tokens, and
// participle's reflective backtracking through a dozen precedence levels
// made a dense 1,000-line script take about 150 ms on a 2-core machine; with
// this production the whole parse takes about 25 ms
// (BenchmarkParseFile1000Lines).

// syntaxError is an error found by the expression parser. It implements
// participle.Error so that participle can weigh it against the errors of
// other alternatives.
type syntaxError struct {
	tok lexer.Token
	msg string
}

// Error implements error.
func (e *syntaxError) Error() string { return e.msg }

// Message implements participle.Error.
func (e *syntaxError) Message() string { return e.msg }

// Position implements participle.Error.
func (e *syntaxError) Position() lexer.Position { return e.tok.Pos }

// parseContexts holds the context of each parse that has one, keyed by
// the first token of its participle.PeekingLexer (participle copies the
// lexer, not its tokens): the expression production looks at it every
// watchEvery expressions, so that a time limit stops the grammar too, not
// only the scanner. (A short script is never stopped while it is parsed:
// the interpreter stops it at its first statement.)
var parseContexts sync.Map // *lexer.Token -> *watch

// msgInterrupted is the message of the syntaxError that stops a parse
// whose context is done.
const msgInterrupted = "parsing interrupted"

// watchEvery is how many expressions the grammar parses between two looks
// at the context.
const watchEvery = 256

// watch is the context of one parse (which runs on one goroutine) and the
// count of expressions parsed.
type watch struct {
	ctx context.Context
	n   int
}

// done counts an expression and reports whether the context is done,
// looking at it every watchEvery expressions.
func (w *watch) done() bool {
	w.n++
	if w.n%watchEvery != 0 {
		return false
	}
	return expired(w.ctx)
}

// expired reports whether ctx is done or its deadline has passed (its
// timer may fire late on a loaded machine).
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// causeOf returns context.Cause(ctx), or context.DeadlineExceeded when the
// deadline passed before the context's timer fired.
func causeOf(ctx context.Context) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return context.DeadlineExceeded
}

// withContext runs parse on pl with ctx (when not nil) visible to the
// expression production.
func withContext[T any](ctx context.Context, pl *lexer.PeekingLexer, parse func(*lexer.PeekingLexer) (T, error)) (T, error) {
	if ctx != nil {
		key := &pl.Range(0, 1)[0]
		parseContexts.Store(key, &watch{ctx: ctx})
		defer parseContexts.Delete(key)
	}
	return parse(pl)
}

// bail carries a syntaxError out of the recursive descent.
type bail struct{ err *syntaxError }

type exprParser struct {
	lex   *lexer.PeekingLexer
	prev  *lexer.Token // the last token consumed
	depth int          // recursion depth of binary
}

// parseExprProduction is the participle production for ast.Expr.
func parseExprProduction(lex *lexer.PeekingLexer) (x ast.Expr, err error) {
	p := &exprParser{lex: lex}
	if !startsExpr(*lex.Peek()) {
		return nil, participle.NextMatch
	}
	if w, ok := parseContexts.Load(&lex.Range(0, 1)[0]); ok && w.(*watch).done() {
		return nil, &syntaxError{tok: *lex.Peek(), msg: msgInterrupted}
	}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			x, err = nil, b.err
		}
	}()
	return p.expr(), nil
}

func startsExpr(t lexer.Token) bool {
	switch t.Type {
	case tokIdent, tokNumber, tokString:
		return true
	case tokKeyword:
		switch t.Value {
		case "true", "false", "none", "not", "flow", "fit":
			return true
		}
	case tokPunct:
		switch t.Value {
		case "-", "(", "[":
			return true
		}
	}
	return false
}

func (p *exprParser) peek() lexer.Token { return *p.lex.Peek() }

// peek2 returns the token after the next one.
func (p *exprParser) peek2() lexer.Token {
	cp := p.lex.MakeCheckpoint()
	p.lex.Next()
	t := *p.lex.Peek()
	p.lex.LoadCheckpoint(cp)
	return t
}

func (p *exprParser) next() lexer.Token {
	t := p.lex.Next()
	p.prev = t
	return *t
}

// is reports whether t is the punctuation or keyword s.
func is(t lexer.Token, s string) bool {
	return (t.Type == tokPunct || t.Type == tokKeyword) && t.Value == s
}

// accept consumes the next token if it is s.
func (p *exprParser) accept(s string) bool {
	if is(p.peek(), s) {
		p.next()
		return true
	}
	return false
}

// fail stops parsing with "unexpected <next token>, expected <words>".
func (p *exprParser) fail(words ...string) {
	t := p.peek()
	panic(bail{&syntaxError{tok: t, msg: unexpectedMsg(t, p.prev, words)}})
}

// failAt stops parsing with msg at token t.
func (p *exprParser) failAt(t lexer.Token, format string, args ...any) {
	panic(bail{&syntaxError{tok: t, msg: fmt.Sprintf(format, args...)}})
}

func (p *exprParser) expect(s string, words ...string) lexer.Token {
	if !is(p.peek(), s) {
		if len(words) == 0 {
			words = []string{strconv.Quote(s)}
		}
		p.fail(words...)
	}
	return p.next()
}

func (p *exprParser) name(what string) lexer.Token {
	if p.peek().Type != tokIdent {
		p.fail(what)
	}
	return p.next()
}

// expr parses a full expression.
func (p *exprParser) expr() ast.Expr { return p.binary(ast.PrecOr) }

var binaryOps = map[string]ast.Op{
	"or": ast.Or, "and": ast.And,
	"==": ast.Eq, "!=": ast.Ne, "<": ast.Lt, "<=": ast.Le, ">": ast.Gt, ">=": ast.Ge,
	"+": ast.Add, "-": ast.Sub, "*": ast.Mul, "/": ast.Div, "@": ast.MatMul, "^": ast.Pow,
}

// binary parses operands joined by binary operators that bind at least as
// tightly as min. ^ is right associative; comparisons do not chain.
func (p *exprParser) binary(min int) ast.Expr {
	if p.depth++; p.depth > maxNesting {
		p.failAt(p.peek(), "expression nested too deeply (more than %d levels)", maxNesting)
	}
	defer func() { p.depth-- }()
	x := p.unary()
	var lastCmp *lexer.Token
	for n := 0; ; n++ {
		t := p.peek()
		if t.Type != tokPunct && t.Type != tokKeyword {
			return x
		}
		op, ok := binaryOps[t.Value]
		if !ok || op.Precedence() < min {
			return x
		}
		if op.IsComparison() {
			if lastCmp != nil {
				p.failAt(t, "comparisons cannot be chained: write a %s b and b %s c, or use parentheses",
					lastCmp.Value, t.Value)
			}
			lastCmp = &t
		} else {
			lastCmp = nil
		}
		p.tooLong(n, t)
		p.next()
		next := op.Precedence() + 1
		if op == ast.Pow {
			next = op.Precedence()
		}
		y := p.binary(next)
		x = &ast.Binary{X: x, OpPos: toPos(t.Pos), Op: op, Y: y}
	}
}

// tooLong stops parsing at t when a chain of operators (a + b + ..., or
// calls, indexes and fields f(a)(b).c...) already has n links. Each link is
// a level of the tree, so this fails early, at the operator that crosses the
// bound, what ast.CheckDepth would report after the whole parse.
func (p *exprParser) tooLong(n int, t lexer.Token) {
	if n+p.depth > ast.MaxDepth {
		p.failAt(t, "expression nested deeper than %d levels (a chain of operators counts one level per operator: split it into several assignments)", ast.MaxDepth)
	}
}

// unary parses prefix operators: `not` takes a comparison-level operand
// (not a == b is not (a == b)); unary minus a power-level one (-2^2 is
// -(2^2)). Since the exponent of ^ is parsed here too, 2^-1 is allowed.
func (p *exprParser) unary() ast.Expr {
	t := p.peek()
	switch {
	case is(t, "-"):
		p.next()
		return &ast.Unary{OpPos: toPos(t.Pos), Op: ast.Neg, X: p.binary(ast.PrecPow)}
	case is(t, "not"):
		p.next()
		return &ast.Unary{OpPos: toPos(t.Pos), Op: ast.Not, X: p.binary(ast.PrecCompare)}
	}
	return p.postfix()
}

// postfix parses a primary followed by calls, indexes and field accesses.
func (p *exprParser) postfix() ast.Expr {
	x := p.primary()
	for n := 0; ; n++ {
		t := p.peek()
		p.tooLong(n, t)
		switch {
		case is(t, "("):
			p.next()
			call := &ast.Call{Fn: x, Lparen: toPos(t.Pos)}
			call.Args, call.Kwargs = p.args()
			call.Rparen = toPos(p.prev.Pos)
			x = call
		case is(t, "["):
			p.next()
			x = p.index(x, t)
		case is(t, "."):
			p.next()
			n := p.name("a field name")
			x = &ast.Field{X: x, Dot: toPos(t.Pos), NamePos: toPos(n.Pos), Name: n.Value}
		default:
			return x
		}
	}
}

// args parses call arguments after "(": positional arguments, then keyword
// arguments `name = value`. The position of the closing ")" is p.prev's.
func (p *exprParser) args() ([]ast.Expr, []*ast.Kwarg) {
	var args []ast.Expr
	var kwargs []*ast.Kwarg
	for !is(p.peek(), ")") {
		if t := p.peek(); t.Type == tokIdent && is(p.peek2(), "=") {
			p.next()
			p.next()
			for _, kw := range kwargs {
				if kw.Name == t.Value {
					p.failAt(t, "duplicate keyword argument %q", t.Value)
				}
			}
			kwargs = append(kwargs, &ast.Kwarg{NamePos: toPos(t.Pos), Name: t.Value, Value: p.operand()})
		} else {
			start := p.peek()
			x := p.operand()
			if len(kwargs) > 0 {
				p.failAt(start, "positional argument after keyword argument %q", kwargs[len(kwargs)-1].Name)
			}
			args = append(args, x)
		}
		if !p.accept(",") {
			p.expect(")", `","`, `")"`)
			return args, kwargs
		}
	}
	p.next()
	return args, kwargs
}

// operand parses an expression where one is required.
func (p *exprParser) operand() ast.Expr {
	if !startsExpr(p.peek()) {
		p.fail("an expression")
	}
	return p.expr()
}

// index parses the components of x[...] after "[".
func (p *exprParser) index(x ast.Expr, open lexer.Token) ast.Expr {
	idx := &ast.Index{X: x, Lbrack: toPos(open.Pos)}
	for {
		var lo ast.Expr
		if startsExpr(p.peek()) {
			lo = p.expr()
		}
		if c := p.peek(); is(c, ":") {
			p.next()
			s := &ast.Slice{Lo: lo, Colon: toPos(c.Pos)}
			if startsExpr(p.peek()) {
				s.Hi = p.expr()
			}
			idx.Indices = append(idx.Indices, s)
		} else if lo != nil {
			idx.Indices = append(idx.Indices, lo)
		} else {
			p.fail("an index")
		}
		if !p.accept(",") {
			idx.Rbrack = toPos(p.expect("]", `","`, `"]"`).Pos)
			return idx
		}
		if t := p.peek(); is(t, "]") {
			p.next()
			idx.Rbrack = toPos(t.Pos)
			return idx
		}
	}
}

func (p *exprParser) primary() ast.Expr {
	t := p.peek()
	pos := toPos(t.Pos)
	switch t.Type {
	case tokIdent:
		p.next()
		return &ast.Ident{NamePos: pos, Name: t.Value}
	case tokNumber:
		p.next()
		v, err := strconv.ParseFloat(t.Value, 64)
		if err != nil && !isRangeErr(err) {
			p.failAt(t, "malformed number %q", t.Value)
		}
		return &ast.Number{NumPos: pos, Value: v, Text: t.Value}
	case tokString:
		p.next()
		v, err := strconv.Unquote(t.Value)
		if err != nil {
			p.failAt(t, "invalid escape sequence in string %s", t.Value)
		}
		return &ast.String{StrPos: pos, Value: v}
	case tokKeyword:
		switch t.Value {
		case "true", "false":
			p.next()
			return &ast.Bool{BoolPos: pos, Value: t.Value == "true"}
		case "none":
			p.next()
			return &ast.None{NonePos: pos}
		case "flow":
			p.next()
			return p.flow(t)
		case "fit":
			p.next()
			return p.fit(t)
		}
	case tokPunct:
		switch t.Value {
		case "(":
			p.next()
			x := p.operand()
			p.expect(")")
			return x
		case "[":
			p.next()
			l := &ast.List{Lbrack: pos, Elems: []ast.Expr{}}
			for !is(p.peek(), "]") {
				l.Elems = append(l.Elems, p.operand())
				if !p.accept(",") {
					l.Rbrack = toPos(p.expect("]", `","`, `"]"`).Pos)
					return l
				}
			}
			l.Rbrack = toPos(p.next().Pos)
			return l
		}
	}
	p.fail("an expression")
	return nil
}

// flow parses `flow B` or `flow B(args)` after "flow".
func (p *exprParser) flow(kw lexer.Token) ast.Expr {
	n := p.name("a bijector name")
	f := &ast.FlowExpr{FlowPos: toPos(kw.Pos), Bijector: n.Value, BijectorPos: toPos(n.Pos)}
	if t := p.peek(); is(t, "(") {
		p.next()
		f.Args, f.Kwargs = p.args()
		f.Rparen = toPos(p.prev.Pos)
	}
	return f
}

// fit parses `fit Q to T [given X] [by objective] [{ options }]` after "fit". The
// options are `name = value`, separated by commas or newlines.
func (p *exprParser) fit(kw lexer.Token) ast.Expr {
	f := &ast.Fit{FitPos: toPos(kw.Pos), Q: p.operand()}
	f.ToPos = toPos(p.expect("to").Pos)
	f.Target = p.operand()
	if t := p.peek(); t.Type == tokIdent && t.Value == "given" { // a word here only: given stays a name
		f.GivenPos = toPos(p.next().Pos)
		f.Given = p.operand()
	}
	if p.accept("by") {
		n := p.name("an objective (kl, forward_kl, reverse_kl, elbo or simulation)")
		known := false
		for _, o := range ast.Objectives {
			known = known || o == n.Value
		}
		if !known {
			p.failAt(n, "unknown objective %q, expected one of kl, forward_kl, reverse_kl, elbo, simulation%s",
				n.Value, spell.Hint(n.Value, ast.Objectives))
		}
		f.By, f.ByPos = n.Value, toPos(n.Pos)
	}
	if !p.accept("{") {
		return f
	}
	for !is(p.peek(), "}") {
		n := p.name("an option name")
		for _, o := range f.Options {
			if o.Name == n.Value {
				p.failAt(n, "duplicate option %q", n.Value)
			}
		}
		p.expect("=")
		f.Options = append(f.Options, &ast.Kwarg{NamePos: toPos(n.Pos), Name: n.Value, Value: p.operand()})
		if t := p.peek(); t.Type == tokSep || is(t, ",") {
			p.next()
			continue
		}
		f.Rbrace = toPos(p.expect("}", `","`, "newline", `"}"`).Pos)
		return f
	}
	f.Rbrace = toPos(p.next().Pos)
	return f
}
