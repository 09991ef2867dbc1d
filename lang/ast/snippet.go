package ast

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SourceLine returns line n (counting from 1) of src, without its line
// ending, and whether src has that line.
func SourceLine(src string, n int) (string, bool) {
	if n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := strings.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := strings.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSuffix(src, "\r"), true
}

// snippetWidth is the most characters of a source line a snippet shows.
const snippetWidth = 100

// Snippet returns a source line and, under it, a caret under column col
// (counting code points from 1, as Pos.Col does), each indented by four
// spaces and without a final newline:
//
//	y ~ Normal(mu 1)
//	              ^
//
// Tabs become four spaces (the caret follows); control characters and
// invalid UTF-8 become "?", so that a garbage line cannot drive the
// terminal; a line longer than 100 characters is cut to a window around the
// column, marked with "...".
func Snippet(line string, col int) string {
	// Only the window is rendered, so that a line of megabytes (a
	// generated script) costs one count of its runes.
	n := utf8.RuneCountInString(line)
	col = min(max(col-1, 0), n) // the caret may sit just past the end
	from, to := 0, n
	if n > snippetWidth {
		from = max(0, min(col-snippetWidth/2, n-snippetWidth))
		to = min(n, from+snippetWidth)
	}
	var b, caret strings.Builder
	b.WriteString("    ")
	caret.WriteString("    ")
	if from > 0 {
		b.WriteString("...")
		caret.WriteString("   ")
	}
	i := 0
	for _, r := range line {
		if i >= to {
			break
		}
		if i >= from {
			s := string(r)
			switch {
			case r == '\t':
				s = "    "
			case r == utf8.RuneError || !unicode.IsPrint(r):
				s = "?"
			}
			b.WriteString(s)
			if i < col {
				caret.WriteString(strings.Repeat(" ", utf8.RuneCountInString(s)))
			}
		}
		i++
	}
	if to < n {
		b.WriteString("...")
	}
	b.WriteByte('\n')
	b.WriteString(caret.String())
	b.WriteByte('^')
	return b.String()
}

// Snippet returns the line of src that e is on with a caret under e's
// column (see the function Snippet), or "" when e has no position or src
// has no such line. src is the text of the file e.Pos names.
func (e *Error) Snippet(src string) string {
	if !e.Pos.IsValid() {
		return ""
	}
	line, ok := SourceLine(src, e.Pos.Line)
	if !ok {
		return ""
	}
	return Snippet(line, e.Pos.Col)
}
