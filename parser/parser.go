package parser

import (
	"errors"
	"fmt"
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
	f, _, err := parseFile(filename, src)
	return f, err
}

// ParseInteractive parses src as ParseFile does, for a REPL that reads a
// statement line by line. When src ends before a statement is complete (an
// unclosed bracket or brace, a trailing binary operator, `x =`, `fit q to`)
// it returns an *IncompleteError, for which IsIncomplete reports true: the
// REPL should read another line, append it and parse again. Other errors are
// an ast.ErrorList.
func ParseInteractive(filename, src string) (*ast.File, error) {
	f, incomplete, err := parseFile(filename, src)
	if incomplete {
		return nil, &IncompleteError{Err: err.(ast.ErrorList)}
	}
	return f, err
}

// ParseExpr parses a single expression. Newlines anywhere in src are
// ignored. On failure the error is an ast.ErrorList.
func ParseExpr(filename, src string) (ast.Expr, error) {
	toks, serr := scan(filename, src, true)
	if serr != nil {
		return nil, ast.ErrorList{serr.err}
	}
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks})
	if err != nil {
		return nil, ast.ErrorList{ast.Errorf(ast.Pos{File: filename}, "%v", err)}
	}
	g, err := exprOnlyParser.ParseFromLexer(pl)
	if err != nil {
		e, _ := translate(err, toks, "expression")
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
func parseFile(filename, src string) (*ast.File, bool, error) {
	toks, serr := scan(filename, src, false)
	if serr != nil {
		return nil, serr.incomplete, ast.ErrorList{serr.err}
	}
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks})
	if err != nil {
		return nil, false, ast.ErrorList{ast.Errorf(ast.Pos{File: filename}, "%v", err)}
	}
	g, err := fileParser.ParseFromLexer(pl)
	if err != nil {
		e, atEOF := translate(err, toks, "statement")
		return nil, atEOF, ast.ErrorList{e}
	}
	var c converter
	f := c.file(filename, g)
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, false, c.errs
	}
	if e := ast.CheckDepth(f, ast.MaxDepth); e != nil {
		return nil, false, ast.ErrorList{e}
	}
	return f, false, nil
}

// translate rewrites a participle error into plain words and reports
// whether it happened at the end of the input. unit names what the parse
// was for ("statement" or "expression").
func translate(err error, toks []lexer.Token, unit string) (*ast.Error, bool) {
	var se *syntaxError
	if errors.As(err, &se) {
		return &ast.Error{Pos: toPos(se.tok.Pos), Msg: se.msg}, se.tok.EOF()
	}
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		tok := ute.Unexpected
		msg := ute.Message()
		expect := ""
		if prefix := fmt.Sprintf("unexpected token %q (expected ", tok); strings.HasPrefix(msg, prefix) {
			expect = strings.TrimSuffix(strings.TrimPrefix(msg, prefix), ")")
		}
		return unexpected(tok, expect, toks, unit), tok.EOF()
	}
	var perr participle.Error
	if errors.As(err, &perr) {
		p := perr.Position()
		tok := tokenAt(toks, p)
		return unexpected(tok, "", toks, unit), tok.EOF()
	}
	return &ast.Error{Msg: err.Error()}, false
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

func unexpected(tok lexer.Token, expect string, toks []lexer.Token, unit string) *ast.Error {
	pos := toPos(tok.Pos)
	words := expectWords(expect)
	prev := previous(toks, tok)
	afterOpen := prev == nil || prev.Type == tokSep || (prev.Type == tokPunct && prev.Value == "{")
	if len(words) == 0 || (len(words) == 1 && words[0] == "end of block") {
		// Participle stopped at a token that no rule could take: either a
		// statement cannot start with it, or a statement is followed by
		// something other than a newline.
		closing := len(words) == 1
		switch {
		case afterOpen && closing:
			words = []string{"a statement", `"}"`}
		case afterOpen && unit == "expression":
			words = []string{"an expression"}
		case afterOpen:
			words = []string{"a statement"}
		default:
			return &ast.Error{Pos: pos, Msg: fmt.Sprintf("unexpected %s at end of %s", describe(tok), unit)}
		}
	}
	// After a parameter, a comma could also have followed.
	if len(words) == 1 && words[0] == `")"` && prev != nil && !is(*prev, "(") && !is(*prev, ",") {
		words = []string{`","`, words[0]}
	}
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

// grammarWords describes grammar types (as participle prints them) in plain
// words.
var grammarWords = map[string]string{
	"Expr": "an expression", "PName": "a name", "PParams": `"("`, "PBlock": `"{"`,
	"PBlockEnd": "end of block", "PStmt": "a statement", "PIf": `"if"`,
	"PAssignOp": `"="`, "PSimple": "a statement",
}

// expectWords turns participle's EBNF description of what it expected into
// the plain-word alternatives of its first token.
func expectWords(ebnf string) []string {
	if ebnf == "" {
		return nil
	}
	p := &ebnfReader{s: ebnf}
	set, _ := p.first()
	var out []string
	seen := map[string]bool{}
	for _, w := range set {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// ebnfReader computes the FIRST set of an EBNF sequence as participle prints
// it: terms are "literal", <token>, Name, ( ... | ... ), each optionally
// followed by ?, *, + or !.
type ebnfReader struct {
	s string
	i int
}

func (r *ebnfReader) skipSpace() {
	for r.i < len(r.s) && r.s[r.i] == ' ' {
		r.i++
	}
}

// first reads an alternation up to ")" or the end and returns its FIRST set
// and whether it can match nothing.
func (r *ebnfReader) first() ([]string, bool) {
	var set []string
	nullable := false
	for {
		s, n := r.sequence()
		set = append(set, s...)
		nullable = nullable || n
		r.skipSpace()
		if r.i < len(r.s) && r.s[r.i] == '|' {
			r.i++
			continue
		}
		return set, nullable
	}
}

func (r *ebnfReader) sequence() ([]string, bool) {
	var set []string
	open := true // still collecting: every term so far can be empty
	for {
		r.skipSpace()
		if r.i >= len(r.s) || r.s[r.i] == '|' || r.s[r.i] == ')' {
			return set, open
		}
		s, n := r.term()
		if open {
			set = append(set, s...)
			open = n
		}
	}
}

func (r *ebnfReader) term() ([]string, bool) {
	var set []string
	nullable := false
	switch c := r.s[r.i]; {
	case c == '"':
		j := r.i + 1
		for j < len(r.s) && r.s[j] != '"' {
			if r.s[j] == '\\' {
				j++
			}
			j++
		}
		set = []string{r.s[r.i : j+1]}
		r.i = j + 1
	case c == '<':
		j := strings.IndexByte(r.s[r.i:], '>')
		if j < 0 {
			j = len(r.s) - r.i - 1
		}
		set = []string{tokenWords[r.s[r.i+1:r.i+j]]}
		r.i += j + 1
	case c == '(':
		r.i++
		if strings.HasPrefix(r.s[r.i:], "?=") || strings.HasPrefix(r.s[r.i:], "?!") {
			r.i += 2
		}
		set, nullable = r.first()
		if r.i < len(r.s) && r.s[r.i] == ')' {
			r.i++
		}
	case c == '~':
		r.i++
		set, nullable = r.term()
	default:
		j := r.i
		for j < len(r.s) && strings.IndexByte(` |()?*+!`, r.s[j]) < 0 {
			j++
		}
		if j == r.i {
			j++
		}
		name := r.s[r.i:j]
		if w, ok := grammarWords[name]; ok {
			set = []string{w}
		} else {
			set = []string{name}
		}
		r.i = j
	}
	if r.i < len(r.s) {
		switch r.s[r.i] {
		case '?', '*':
			nullable = true
			r.i++
		case '+', '!':
			r.i++
		}
	}
	return set, nullable
}

var tokenWords = map[string]string{
	"ident": "a name", "sep": "newline", "number": "a number", "string": "a string",
	"keyword": "a keyword", "punct": "punctuation", "eof": "end of input",
}
