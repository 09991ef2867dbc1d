package parser

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/flowppl/flowppl/lang/ast"
)

// Raw token types produced by rawLex.
const (
	rawComment   lexer.TokenType = -(iota + 2) // # to end of line
	rawSpace                                   // blanks other than newline
	rawNewline                                 // \n
	rawNumber                                  // greedy: also malformed 1.2.3, 1e, 3abc
	rawString                                  // "..." on one line
	rawBadString                               // " not closed on its line
	rawIdent                                   // identifiers and keywords
	rawOp                                      // operators and punctuation
	rawChar                                    // any other character
)

// rawLex splits source text into raw tokens for the scanner. It never
// fails: a character that starts no token becomes a rawChar token, which the
// scanner reports.
type rawLex struct {
	src string
	pos lexer.Position
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// Next returns the next raw token.
func (l *rawLex) Next() (lexer.Token, error) {
	s, off := l.src, l.pos.Offset
	if off >= len(s) {
		return lexer.EOFToken(l.pos), nil
	}
	typ, end := rawOp, off+1
	c := s[off]
	switch {
	case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
		typ = rawSpace
		for end < len(s) && strings.IndexByte(" \t\r\f\v", s[end]) >= 0 {
			end++
		}
	case c == '\n':
		typ = rawNewline
	case c == '#':
		typ = rawComment
		if i := strings.IndexByte(s[off:], '\n'); i >= 0 {
			end = off + i
		} else {
			end = len(s)
		}
	case isDigit(c) || (c == '.' && off+1 < len(s) && isDigit(s[off+1])):
		// Deliberately greedy so that 1.2.3, 1e and 3abc are one malformed
		// number rather than several tokens.
		typ = rawNumber
		for end < len(s) {
			if b := s[end]; (b == 'e' || b == 'E') && end+2 < len(s) && (s[end+1] == '+' || s[end+1] == '-') && isDigit(s[end+2]) {
				end += 3
				continue
			}
			r, n := utf8.DecodeRuneInString(s[end:])
			if r != '.' && r != '_' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
				break
			}
			end += n
		}
	case c == '"':
		typ = rawBadString
	str:
		for end < len(s) {
			switch s[end] {
			case '\n':
				break str
			case '"':
				typ = rawString
				end++
				break str
			case '\\':
				if end+1 < len(s) && s[end+1] != '\n' {
					end++
				}
			}
			end++
		}
	case strings.IndexByte("=!<>", c) >= 0 && off+1 < len(s) && s[off+1] == '=':
		end = off + 2
	case strings.IndexByte("-+*/@^<>=~(){}[],.:;", c) >= 0:
	default:
		r, n := utf8.DecodeRuneInString(s[off:])
		end = off + n
		if isIdentStart(r) {
			typ = rawIdent
			for end < len(s) {
				r, n := utf8.DecodeRuneInString(s[end:])
				if !isIdentPart(r) {
					break
				}
				end += n
			}
		} else {
			typ = rawChar
		}
	}
	t := lexer.Token{Type: typ, Value: s[off:end], Pos: l.pos}
	if typ == rawNewline {
		l.pos.Line++
		l.pos.Column = 1
	} else {
		l.pos.Column += utf8.RuneCountInString(t.Value)
	}
	l.pos.Offset = end
	return t, nil
}

// Token types of the filtered stream the grammar sees.
const (
	tokIdent lexer.TokenType = -(iota + 2) // -1 is lexer.EOF
	tokKeyword
	tokNumber
	tokString
	tokPunct
	tokSep // a statement separator: a newline or ";"
)

// tokenDef describes the filtered token stream to participle. Its Lex method
// is never used: the scanner feeds participle directly.
type tokenDef struct{}

// Symbols implements lexer.Definition.
func (tokenDef) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": lexer.EOF, "Ident": tokIdent, "Keyword": tokKeyword, "Number": tokNumber,
		"String": tokString, "Punct": tokPunct, "Sep": tokSep,
	}
}

// Lex implements lexer.Definition; it always fails.
func (tokenDef) Lex(string, io.Reader) (lexer.Lexer, error) {
	return nil, fmt.Errorf("parser: tokenDef cannot lex")
}

// sliceLexer replays a token slice; the slice ends with an EOF token.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

// Next implements lexer.Lexer.
func (l *sliceLexer) Next() (lexer.Token, error) {
	t := l.toks[l.i]
	if l.i < len(l.toks)-1 {
		l.i++
	}
	return t, nil
}

var keywords = map[string]bool{
	"flow": true, "fit": true, "to": true, "by": true, "model": true, "fn": true,
	"for": true, "in": true, "if": true, "else": true, "return": true,
	"true": true, "false": true, "none": true, "and": true, "or": true, "not": true,
}

// continuation holds the tokens after which a newline does not end a
// statement: binary operators (and unary not), so a long expression may
// break after an operator.
var continuation = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "@": true, "^": true,
	"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"and": true, "or": true, "not": true,
}

// allDigits reports whether s is a run of ASCII digits (the common number,
// checked without numberRE).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

var numberRE = regexp.MustCompile(`^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// maxNesting bounds the nesting of brackets, braces and prefix or
// right-associative operators, so that recursion depth stays small.
const maxNesting = 1000

type bracketKind int

const (
	kindParen bracketKind = iota // ( ... )
	kindBrack                    // [ ... ]
	kindBlock                    // { statements }
	kindOpts                     // { fit options }
)

type opener struct {
	tok   lexer.Token
	kind  bracketKind
	links int // the enclosing chain's links before this bracket
}

// scanner turns raw tokens into the stream the grammar parses. It drops
// spaces and comments; types keywords; drops newlines inside ( ) and [ ] and
// after a binary operator; turns the remaining newlines and ";" into Sep
// tokens, collapsing runs and dropping them at the start, after "{", before
// "}" and before "else"; checks brackets; and validates numbers and
// strings.
type scanner struct {
	raw      rawLex
	out      []lexer.Token
	stack    []opener
	comments []*ast.Comment
	fits     []int // bracket depths of fit headers still waiting for their "{"
	exprMode bool  // newlines never end anything (ParseExpr)

	// ctx, when not nil, is checked every checkEvery raw tokens: a
	// cancelled context stops the scan with an *InterruptedError.
	ctx   context.Context
	count int

	// links counts the operators, calls, indexes and fields of the chain
	// being scanned (since the last separator, comma, "=", "~", ":" or
	// keyword at this bracket level). When it passes ast.MaxDepth the
	// expression parser will probably stop there ("nested deeper than"), so
	// the scanner keeps only the tokens up to cutMargin after it (cut) and
	// goes on checking the rest of the text without storing it: a script
	// of millions of terms costs one pass of the raw lexer, not millions
	// of tokens in memory (see parseFile).
	links   int
	cut     int            // when > 0, tokens are kept up to out[:cut]
	cutAt   lexer.Position // position of the first token not kept
	trigger lexer.Position // the operator that passed the bound
	noCut   bool           // keep every token
}

// checkEvery is how many raw tokens the scanner reads between two looks at
// its context.
const checkEvery = 4096

// cutMargin is how many tokens after the operator that passed the chain
// bound the scanner keeps, so that the parser's look-ahead sees what it
// would see in the whole text.
const cutMargin = 16

// InterruptedError is returned when the context of ParseFileContext (or
// ParseInteractiveContext, ParseExprContext) is done before parsing ends.
type InterruptedError struct {
	Pos ast.Pos // where the scanner was
	Err error   // context.Cause of the context
}

// Error returns "file:line:col: parsing interrupted: cause".
func (e *InterruptedError) Error() string {
	return e.Pos.String() + ": parsing interrupted: " + e.Err.Error()
}

// Unwrap returns the context's cause.
func (e *InterruptedError) Unwrap() error { return e.Err }

// scanError is a lexical error; incomplete reports that more input could
// complete the text (an unclosed bracket).
type scanError struct {
	err        *ast.Error
	incomplete bool
	stopped    *InterruptedError // the context was done
}

func toPos(p lexer.Position) ast.Pos {
	return ast.Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}

func errAt(p lexer.Position, format string, args ...any) *scanError {
	return &scanError{err: ast.Errorf(toPos(p), format, args...)}
}

// scan scans src, numbering its lines from line, and returns the tokens
// for the grammar and the comments.
// The tokens end with an EOF token; when the scanner cut them (see
// scanner.links), that EOF stands at the first token left out and cut
// reports the position of the operator that passed the chain bound.
func scan(ctx context.Context, filename, src string, exprMode bool, line int, noCut bool) (toks []lexer.Token, comments []*ast.Comment, cut *lexer.Position, err *scanError) {
	s := &scanner{
		raw:      rawLex{src: src, pos: lexer.Position{Filename: filename, Line: line, Column: 1}},
		out:      make([]lexer.Token, 0, min(len(src)/4, 1<<16)+8),
		exprMode: exprMode,
		ctx:      ctx,
		noCut:    noCut,
	}
	toks, err = s.run()
	if err == nil && s.cut > 0 && len(toks) > s.cut {
		toks = append(toks[:s.cut:s.cut], lexer.EOFToken(s.cutAt))
		cut = &s.trigger
	}
	return toks, s.comments, cut, err
}

// chainLink reports whether raw token t continues a chain of operators:
// a binary or prefix operator, or the "(", "[" or "." of a call, index or
// field. Counting a bracket that starts an operand too only makes the
// scanner's bound a little eager; the parser decides.
func chainLink(t lexer.Token) bool {
	switch t.Type {
	case rawOp:
		switch t.Value {
		case "+", "-", "*", "/", "@", "^", "==", "!=", "<", "<=", ">", ">=", "(", "[", ".":
			return true
		}
	case rawIdent:
		return t.Value == "and" || t.Value == "or" || t.Value == "not"
	}
	return false
}

// count updates the chain count for raw token t (see scanner.links) and
// decides the cut.
func (s *scanner) countLink(t lexer.Token) {
	switch {
	case chainLink(t):
		s.links++
		if s.links > ast.MaxDepth && s.cut == 0 && !s.noCut {
			s.cut = len(s.out) + cutMargin
			s.trigger = t.Pos
		}
	case t.Type == rawIdent && keywords[t.Value] && t.Value != "true" && t.Value != "false" && t.Value != "none",
		t.Type == rawOp && (t.Value == "," || t.Value == "=" || t.Value == "~" || t.Value == ":" || t.Value == ";"):
		s.links = 0
	}
}

func (s *scanner) last() *lexer.Token {
	if len(s.out) == 0 {
		return nil
	}
	return &s.out[len(s.out)-1]
}

// dropSep removes a trailing Sep token, if any.
func (s *scanner) dropSep() {
	if t := s.last(); t != nil && t.Type == tokSep {
		s.out = s.out[:len(s.out)-1]
	}
}

func (s *scanner) emit(t lexer.Token, typ lexer.TokenType) {
	t.Type = typ
	if s.cut > 0 && len(s.out) >= s.cut {
		if len(s.out) == s.cut {
			s.cutAt = t.Pos
		} else if len(s.out) > s.cut+8 {
			// Past the cut only the last tokens matter (last, dropSep).
			s.out = append(s.out[:s.cut+1], s.out[len(s.out)-4:]...)
		}
	}
	s.out = append(s.out, t)
}

// nextSignificant returns the next raw token that is not a space or a
// comment, without consuming anything.
func (s *scanner) nextSignificant() lexer.Token {
	l := s.raw
	for {
		t, _ := l.Next()
		if t.Type != rawSpace && t.Type != rawComment {
			return t
		}
	}
}

func (s *scanner) top() (bracketKind, bool) {
	if len(s.stack) == 0 {
		return 0, false
	}
	return s.stack[len(s.stack)-1].kind, true
}

// sep handles a newline or ";" that ends a statement or option.
func (s *scanner) sep(t lexer.Token) {
	depth := len(s.stack)
	for len(s.fits) > 0 && s.fits[len(s.fits)-1] >= depth {
		s.fits = s.fits[:len(s.fits)-1]
	}
	if last := s.last(); last == nil || last.Type == tokSep || (last.Type == tokPunct && last.Value == "{") {
		return
	}
	s.emit(t, tokSep)
}

var closerOf = map[string]string{"(": ")", "[": "]", "{": "}"}

var charHints = map[string]string{
	"'": " (strings are written in double quotes)",
	"!": ` (use "not" or "!=")`,
	"&": ` (use "and")`,
	"|": ` (use "or")`,
}

func (s *scanner) run() ([]lexer.Token, *scanError) {
	for {
		t, _ := s.raw.Next()
		if s.count++; s.ctx != nil && s.count%checkEvery == 0 && expired(s.ctx) {
			return nil, &scanError{stopped: &InterruptedError{Pos: toPos(t.Pos), Err: causeOf(s.ctx)}}
		}
		s.countLink(t)
		switch t.Type {
		case lexer.EOF:
			if n := len(s.stack); n > 0 {
				o := s.stack[n-1].tok
				e := errAt(o.Pos, "%q is never closed", o.Value)
				e.incomplete = true
				return nil, e
			}
			s.dropSep()
			s.emit(t, lexer.EOF)
			return s.out, nil
		case rawSpace:
		case rawComment:
			s.comments = append(s.comments, &ast.Comment{Pos: toPos(t.Pos), Text: strings.TrimRight(t.Value, " \t\r\f\v")})
		case rawNewline:
			if k, ok := s.top(); (ok && (k == kindParen || k == kindBrack)) || (!ok && s.exprMode) {
				continue
			}
			last := s.last()
			if last != nil && (last.Type == tokPunct || last.Type == tokKeyword) && continuation[last.Value] {
				continue
			}
			if k, ok := s.top(); ok && k == kindOpts && last != nil && last.Type == tokPunct && last.Value == "," {
				continue
			}
			s.links = 0
			s.sep(t)
		case rawNumber:
			if !allDigits(t.Value) && !numberRE.MatchString(t.Value) {
				return nil, errAt(t.Pos, "malformed number %q", t.Value)
			}
			s.emit(t, tokNumber)
		case rawString:
			if _, err := strconv.Unquote(t.Value); err != nil {
				return nil, errAt(t.Pos, "invalid escape sequence in string %s", t.Value)
			}
			s.emit(t, tokString)
		case rawBadString:
			return nil, errAt(t.Pos, "string literal not terminated")
		case rawIdent:
			if !keywords[t.Value] {
				s.emit(t, tokIdent)
				continue
			}
			if n := s.nextSignificant(); n.Type == rawOp && (n.Value == "=" || n.Value == "~") {
				return nil, errAt(t.Pos, "%q is a keyword and cannot be used as a name", t.Value)
			}
			switch t.Value {
			case "fit":
				s.fits = append(s.fits, len(s.stack))
			case "else":
				if last := s.last(); last != nil && last.Type == tokSep && last.Value == "\n" {
					s.dropSep()
				}
			}
			s.emit(t, tokKeyword)
		case rawOp:
			switch t.Value {
			case "(", "[", "{":
				kind := map[string]bracketKind{"(": kindParen, "[": kindBrack, "{": kindBlock}[t.Value]
				if n := len(s.fits); t.Value == "{" && n > 0 && s.fits[n-1] == len(s.stack) {
					s.fits = s.fits[:n-1]
					kind = kindOpts
				}
				if len(s.stack) >= maxNesting {
					return nil, errAt(t.Pos, "brackets nested too deeply (more than %d levels)", maxNesting)
				}
				s.stack = append(s.stack, opener{tok: t, kind: kind, links: s.links})
				s.links = 0
				s.emit(t, tokPunct)
			case ")", "]", "}":
				n := len(s.stack)
				if n == 0 {
					want := map[string]string{")": "(", "]": "[", "}": "{"}[t.Value]
					return nil, errAt(t.Pos, "unexpected %q with no matching %q", t.Value, want)
				}
				o := s.stack[n-1].tok
				if closerOf[o.Value] != t.Value {
					return nil, errAt(o.Pos, "%q is never closed: found %q at %d:%d", o.Value, t.Value, t.Pos.Line, t.Pos.Column)
				}
				s.links = s.stack[n-1].links
				s.stack = s.stack[:n-1]
				for len(s.fits) > 0 && s.fits[len(s.fits)-1] > n-1 {
					s.fits = s.fits[:len(s.fits)-1]
				}
				if t.Value == "}" {
					s.dropSep()
				}
				s.emit(t, tokPunct)
			case ";":
				s.sep(t)
			case ",":
				if k, ok := s.top(); ok && k == kindOpts {
					s.dropSep()
				}
				s.emit(t, tokPunct)
			default:
				s.emit(t, tokPunct)
			}
		default: // rawChar
			return nil, errAt(t.Pos, "unexpected character %q%s", t.Value, charHints[t.Value])
		}
	}
}
