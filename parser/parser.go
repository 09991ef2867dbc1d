package parser

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/flowppl/flowppl/lang/ast"
)

// The parsers are built once; participle parsers are safe for concurrent
// use.
var (
	fileParser = participle.MustBuild[pFile](
		participle.Lexer(tokenDef{}), participle.ParseTypeWith(parseExprProduction))
	exprOnlyParser = participle.MustBuild[pExprOnly](
		participle.Lexer(tokenDef{}), participle.ParseTypeWith(parseExprProduction))
)

// ParseFile parses a whole script. On failure the error is an ast.ErrorList
// holding the first syntax error (or, for errors found after the grammar
// matched, such as an invalid assignment target, all of them in source
// order).
func ParseFile(filename, src string) (*ast.File, error) {
	return ParseFileContext(nil, filename, src)
}

// ParseFileContext parses a whole script as ParseFile does, looking at ctx
// (when not nil) while it scans: when ctx is done, parsing stops with an
// *InterruptedError that wraps context.Cause(ctx).
func ParseFileContext(ctx context.Context, filename, src string) (*ast.File, error) {
	f, _, err := parseFile(ctx, filename, src, 1)
	return f, err
}

// ParseInteractive parses src as ParseFile does, for a REPL that reads a
// statement line by line. When src ends before a statement is complete (an
// unclosed bracket or brace, a trailing binary operator, `x =`, `fit q to`)
// it returns an *IncompleteError, for which IsIncomplete reports true: the
// REPL should read another line, append it and parse again. Other errors are
// an ast.ErrorList.
func ParseInteractive(filename, src string) (*ast.File, error) {
	return ParseInteractiveAt(filename, src, 1)
}

// ParseInteractiveAt parses src as ParseInteractive does, numbering its
// lines from line instead of 1. A REPL that numbers everything typed so far
// as one text passes the line where the entry starts, so that the positions
// in the tree and in errors are positions in that text.
func ParseInteractiveAt(filename, src string, line int) (*ast.File, error) {
	f, incomplete, err := parseFile(nil, filename, src, max(line, 1))
	if incomplete {
		return nil, &IncompleteError{Err: err.(ast.ErrorList)}
	}
	return f, err
}

// ParseExpr parses a single expression. Newlines anywhere in src are
// ignored. On failure the error is an ast.ErrorList.
func ParseExpr(filename, src string) (ast.Expr, error) {
	return ParseExprContext(nil, filename, src)
}

// ParseExprContext parses a single expression as ParseExpr does, stopping
// with an *InterruptedError when ctx (if not nil) is done.
func ParseExprContext(ctx context.Context, filename, src string) (ast.Expr, error) {
	var g *pExprOnly
	var perr error
	var toks []lexer.Token
	for noCut := false; ; noCut = true {
		var cut *lexer.Position
		var serr *scanError
		toks, _, cut, serr = scan(ctx, filename, src, true, 1, noCut)
		if serr != nil {
			return nil, serr.error()
		}
		pl, err := lexer.Upgrade(&sliceLexer{toks: toks})
		if err != nil {
			return nil, ast.ErrorList{ast.Errorf(ast.Pos{File: filename}, "%v", err)}
		}
		g, perr = withContext(ctx, pl, func(pl *lexer.PeekingLexer) (*pExprOnly, error) {
			return exprOnlyParser.ParseFromLexer(pl)
		})
		if ie := interrupted(ctx, perr, filename); ie != nil {
			return nil, ie
		}
		if cut == nil || stoppedBefore(perr, *cut) {
			break
		}
	}
	if perr != nil {
		e, _ := translate(perr, toks, "expression", parseExprOnly)
		return nil, ast.ErrorList{e}
	}
	if e := ast.CheckDepth(g.X, ast.MaxDepth); e != nil {
		return nil, ast.ErrorList{e}
	}
	return g.X, nil
}

// IncompleteError is returned by ParseInteractive when the input ends before
// the statement does.
type IncompleteError struct {
	Err ast.ErrorList // what ParseFile would report
}

// Error returns the message of the underlying syntax error.
func (e *IncompleteError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying ast.ErrorList.
func (e *IncompleteError) Unwrap() error { return e.Err }

// IsIncomplete reports whether err says that the input ended too early (see
// ParseInteractive).
func IsIncomplete(err error) bool {
	var ie *IncompleteError
	return errors.As(err, &ie)
}

// parseFile parses a script and reports whether an error means that the
// input ended too early.
//
// A script whose chain of operators passes ast.MaxDepth is scanned once
// and its tokens kept only up to a little after the operator that passed
// the bound (scanner.links); when the expression parser stops with an
// error at or before that operator, that is the error the whole script
// gives, found without holding millions of tokens. Otherwise (the chain
// was shallow after all, e.g. a sum of products) the script is scanned
// again in full.
func parseFile(ctx context.Context, filename, src string, line int) (*ast.File, bool, error) {
	var g *pFile
	var perr error
	var toks []lexer.Token
	var comments []*ast.Comment
	for noCut := false; ; noCut = true {
		var cut *lexer.Position
		var serr *scanError
		toks, comments, cut, serr = scan(ctx, filename, src, false, line, noCut)
		if serr != nil {
			return nil, serr.incomplete, serr.error()
		}
		pl, err := lexer.Upgrade(&sliceLexer{toks: toks})
		if err != nil {
			return nil, false, ast.ErrorList{ast.Errorf(ast.Pos{File: filename}, "%v", err)}
		}
		g, perr = withContext(ctx, pl, func(pl *lexer.PeekingLexer) (*pFile, error) {
			return fileParser.ParseFromLexer(pl)
		})
		if ie := interrupted(ctx, perr, filename); ie != nil {
			return nil, false, ie
		}
		if cut == nil || stoppedBefore(perr, *cut) {
			break
		}
	}
	if perr != nil {
		e, atEOF := translate(perr, toks, "statement", parseStmts)
		return nil, atEOF, ast.ErrorList{e}
	}
	var c converter
	f := c.file(filename, g)
	f.Comments = comments
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, false, c.errs
	}
	if e := ast.CheckDepth(f, ast.MaxDepth); e != nil {
		return nil, false, ast.ErrorList{e}
	}
	return f, false, nil
}

// interrupted returns an *InterruptedError when the parse failed with err
// because ctx is done, or nil.
func interrupted(ctx context.Context, err error, filename string) error {
	if err == nil || ctx == nil {
		return nil
	}
	pos := ast.Pos{File: filename}
	var se *syntaxError
	stopped := errors.As(err, &se) && se.msg == msgInterrupted
	if se != nil {
		pos = toPos(se.tok.Pos)
	}
	if !stopped && ctx.Err() == nil {
		return nil
	}
	return &InterruptedError{Pos: pos, Err: causeOf(ctx)}
}

// stoppedBefore reports whether err is an error of the expression parser
// at or before position at: the parse of the tokens cut after at stopped
// where the parse of the whole text stops, for the same reason.
func stoppedBefore(err error, at lexer.Position) bool {
	var se *syntaxError
	return errors.As(err, &se) && !se.tok.EOF() && se.tok.Pos.Offset <= at.Offset
}

// error returns the scan error as ParseFile reports it.
func (e *scanError) error() error {
	if e.stopped != nil {
		return e.stopped
	}
	return ast.ErrorList{e.err}
}

// translate turns a parse error into an ast.Error and reports whether it
// happened at the end of the input. It reads participle's error values, not
// their text: a syntaxError of the expression parser already has its
// message; for participle's own errors (participle.Error, usually an
// *UnexpectedTokenError) the position names the token it stopped at, and
// what the grammar expected there is found by asking participle again
// (expected). unit names what the parse was for ("statement" or
// "expression").
func translate(err error, toks []lexer.Token, unit string, p tokenParser) (*ast.Error, bool) {
	var se *syntaxError
	if errors.As(err, &se) {
		return &ast.Error{Pos: toPos(se.tok.Pos), Msg: se.msg}, se.tok.EOF()
	}
	var tok lexer.Token
	var ute *participle.UnexpectedTokenError
	var perr participle.Error
	switch {
	case errors.As(err, &ute):
		tok = ute.Unexpected
	case errors.As(err, &perr):
		tok = tokenAt(toks, perr.Position())
	default:
		return &ast.Error{Msg: err.Error()}, false
	}
	i := tokenIndex(toks, tok)
	if unit == "statement" {
		if deep := deeper(toks, i); deep != nil {
			return translate(deep, toks, unit, p)
		}
	}
	return unexpected(tok, expected(p, toks, i, unit), toks, unit), tok.EOF()
}

// deeper returns the error of the statement holding toks[i] when that
// statement is in a block and fails at a later token, or nil. Participle
// backs out of a statement that fails inside a block and reports the error
// where the block could not go on ("unexpected keyword fn, expected a
// statement" for fn 3() = 1, at fn); parsing the rest of the block on its
// own, as a file, makes it report where the statement failed, as it does at
// the top level.
func deeper(toks []lexer.Token, i int) error {
	from, inBlock := statementStart(toks, i)
	if !inBlock {
		return nil
	}
	end, depth := from, 0
	for ; end < len(toks)-1; end++ {
		if t := toks[end]; t.Type == tokPunct && (t.Value == "(" || t.Value == "[" || t.Value == "{") {
			depth++
		} else if t.Type == tokPunct && (t.Value == ")" || t.Value == "]" || t.Value == "}") {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	sub := make([]lexer.Token, end-from+1)
	copy(sub, toks[from:end])
	sub[len(sub)-1] = lexer.EOFToken(toks[end].Pos)
	err := parseStmts(&sliceLexer{toks: sub})
	var at lexer.Position
	var se *syntaxError
	var perr participle.Error
	switch {
	case errors.As(err, &se):
		at = se.tok.Pos
	case errors.As(err, &perr):
		at = perr.Position()
	default:
		return nil
	}
	// Past the statement's start, and not at the block's end, which the
	// sub-parse took for the end of input.
	if at.Offset <= toks[i].Pos.Offset || at.Offset >= toks[end].Pos.Offset {
		return nil
	}
	return err
}

// tokenParser parses a token stream, reporting only whether it matched and,
// if not, participle's error.
type tokenParser func(lexer.Lexer) error

func parseStmts(l lexer.Lexer) error {
	pl, err := lexer.Upgrade(l)
	if err == nil {
		_, err = fileParser.ParseFromLexer(pl)
	}
	return err
}

func parseExprOnly(l lexer.Lexer) error {
	pl, err := lexer.Upgrade(l)
	if err == nil {
		_, err = exprOnlyParser.ParseFromLexer(pl)
	}
	return err
}

// A probe is a token tried where the parse failed, and the words for it in
// "expected ..." when the grammar accepts it there. The order of the probes
// is the order of the words.
type probe struct {
	typ   lexer.TokenType
	value string
	words string
}

var probes = []probe{
	{tokKeyword, "for", "a statement"}, // only a statement starts with for
	{tokNumber, "1", "an expression"},
	{tokIdent, "a", "a name"},
	{tokKeyword, "in", `"in"`},
	{tokKeyword, "if", `"if"`},
	{tokPunct, "(", `"("`},
	{tokPunct, "=", `"="`},
	{tokPunct, ",", `","`},
	{tokPunct, ")", `")"`},
	{tokPunct, "{", `"{"`},
	{tokPunct, "}", `"}"`},
	{tokSep, "\n", "newline"},
	{lexer.EOF, "", "end of input"},
}

// expected returns the words for the tokens the grammar accepts at toks[i]:
// each probe replaces toks[i] and ends the input after it; the probe is
// accepted when participle then gets past it (or matches). Only the
// innermost statement holding toks[i] is parsed again, as a whole file, so
// that participle reports the deepest error: inside a block it would back
// out of a statement that the end of input cut short. A statement or an
// expression subsumes the names and brackets that start one.
func expected(p tokenParser, toks []lexer.Token, i int, unit string) []string {
	from, inBlock := statementStart(toks, i)
	at := toks[i].Pos
	var words []string
	accepted := map[string]bool{}
	for _, pr := range probes {
		t := lexer.Token{Type: pr.typ, Value: pr.value, Pos: at}
		l := &probeLexer{toks: toks[from:i], extra: t}
		err := p(l)
		ok := err == nil
		var perr participle.Error
		if !ok && errors.As(err, &perr) {
			ok = pr.typ != lexer.EOF && perr.Position().Offset > at.Offset
		}
		if ok {
			accepted[pr.words] = true
		}
	}
	// The statement was parsed as if it were at the top level; in a block
	// a "}" may also come where a statement may start or end.
	if inBlock && unit == "statement" && (from == i || accepted["newline"]) {
		accepted[`"}"`] = true
	}
	for _, pr := range probes {
		w := pr.words
		if !accepted[w] {
			continue
		}
		switch {
		case accepted["a statement"] && (w == "an expression" || w == "a name" || w == `"if"` || w == `"("`):
			continue // these start statements
		case accepted["an expression"] && (w == "a name" || w == `"("`):
			continue // these start expressions
		case w == `"("` && len(accepted) > 1 && i > from && endsExpr(toks[i-1]):
			continue // a call would continue the expression before
		}
		words = append(words, w)
	}
	return words
}

// endsExpr reports whether an expression may end with t.
func endsExpr(t lexer.Token) bool {
	switch t.Type {
	case tokIdent, tokNumber, tokString:
		return true
	case tokKeyword:
		return t.Value == "true" || t.Value == "false" || t.Value == "none"
	case tokPunct:
		return t.Value == ")" || t.Value == "]"
	}
	return false
}

// statementStart returns the index of the first token of the innermost
// statement holding toks[i] (the token after the last separator or "{" at
// the nesting of that statement), and whether that statement is in a
// block.
func statementStart(toks []lexer.Token, i int) (int, bool) {
	type level struct {
		start int
		brace bool
	}
	stack := []level{{0, false}}
	for j := 0; j < i; j++ {
		switch t := toks[j]; {
		case t.Type == tokPunct && (t.Value == "(" || t.Value == "[" || t.Value == "{"):
			start := stack[len(stack)-1].start
			if t.Value == "{" {
				start = j + 1
			}
			stack = append(stack, level{start, t.Value == "{"})
		case t.Type == tokPunct && (t.Value == ")" || t.Value == "]" || t.Value == "}"):
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case t.Type == tokSep:
			stack[len(stack)-1].start = j + 1
		}
	}
	top := stack[len(stack)-1]
	return top.start, top.brace
}

// probeLexer replays toks, then extra, then the end of input.
type probeLexer struct {
	toks  []lexer.Token
	extra lexer.Token
	i     int
}

// Next implements lexer.Lexer.
func (l *probeLexer) Next() (lexer.Token, error) {
	l.i++
	switch {
	case l.i <= len(l.toks):
		return l.toks[l.i-1], nil
	case l.i == len(l.toks)+1 && l.extra.Type != lexer.EOF:
		return l.extra, nil
	}
	end := l.extra.Pos
	end.Offset++ // just after the probe
	return lexer.EOFToken(end), nil
}

// tokenIndex returns the index of tok in toks (by offset).
func tokenIndex(toks []lexer.Token, tok lexer.Token) int {
	i := sort.Search(len(toks), func(i int) bool {
		t := toks[i]
		return t.EOF() || t.Pos.Offset >= tok.Pos.Offset
	})
	return min(i, len(toks)-1)
}

// tokenAt returns the first token at or after position p.
func tokenAt(toks []lexer.Token, p lexer.Position) lexer.Token {
	i := sort.Search(len(toks), func(i int) bool {
		t := toks[i]
		return t.EOF() || t.Pos.Offset >= p.Offset
	})
	if i == len(toks) {
		return toks[len(toks)-1]
	}
	return toks[i]
}

// previous returns the token before tok in toks, or nil.
func previous(toks []lexer.Token, tok lexer.Token) *lexer.Token {
	i := sort.Search(len(toks), func(i int) bool {
		t := toks[i]
		return t.EOF() || t.Pos.Offset >= tok.Pos.Offset
	})
	if i == 0 || i > len(toks) {
		return nil
	}
	return &toks[i-1]
}

// describe names a token for an error message.
func describe(t lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of input"
	case tokSep:
		if t.Value == ";" {
			return `";"`
		}
		return "newline"
	case tokKeyword:
		return fmt.Sprintf("keyword %q", t.Value)
	case tokString:
		return "string " + t.Value
	case tokNumber:
		return "number " + t.Value
	case tokIdent:
		return fmt.Sprintf("name %q", t.Value)
	}
	return fmt.Sprintf("%q", t.Value)
}

// unexpected describes tok, at which parsing stopped, given the words for
// what the grammar accepts there.
func unexpected(tok lexer.Token, words []string, toks []lexer.Token, unit string) *ast.Error {
	pos := toPos(tok.Pos)
	prev := previous(toks, tok)
	atStart := prev == nil || prev.Type == tokSep || (prev.Type == tokPunct && prev.Value == "{")
	if !atStart && (slices.Contains(words, "newline") || slices.Contains(words, "end of input")) {
		// A whole statement (or expression) was read and something other
		// than its end follows.
		return &ast.Error{Pos: pos, Msg: fmt.Sprintf("unexpected %s at end of %s", describe(tok), unit)}
	}
	words = slices.DeleteFunc(words, func(w string) bool { return w == "newline" || w == "end of input" })
	return &ast.Error{Pos: pos, Msg: unexpectedMsg(tok, prev, words)}
}

// unexpectedMsg returns "unexpected <tok>, expected <words>", or, for a
// keyword where a name or expression belongs, says that it is a keyword.
func unexpectedMsg(tok lexer.Token, prev *lexer.Token, words []string) string {
	prevPunct := ""
	if prev != nil && prev.Type == tokPunct {
		prevPunct = prev.Value
	}
	if tok.Type == tokKeyword && tok.Value != "else" {
		asName := prevPunct == "(" || prevPunct == "[" || prevPunct == ","
		for _, w := range words {
			asName = asName || w == "a name" || w == "an expression"
		}
		if asName {
			return fmt.Sprintf("%q is a keyword and cannot be used as a name", tok.Value)
		}
	}
	return fmt.Sprintf("unexpected %s, expected %s", describe(tok), joinOr(words))
}

func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return "something else"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
