package ast_test

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
)

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", 150) + "X" + strings.Repeat("b", 150)
	for _, tt := range []struct {
		line string
		col  int
		want string
	}{
		{"x = y", 5, "    x = y\n        ^"},
		{"x = y", 6, "    x = y\n         ^"}, // just past the end: end of input
		{"x = y", 40, "    x = y\n         ^"},
		{"\tx = y", 6, "        x = y\n            ^"}, // a tab is four columns
		{"μ = ν", 5, "    μ = ν\n        ^"},           // columns count code points
		{"a\x00b\x1b[31m", 2, "    a?b?[31m\n     ^"},  // control characters shown as ?
		{"a\xbd\xffz", 4, "    a??z\n       ^"},        // so is invalid UTF-8
		{long, 151, "    ..." + strings.Repeat("a", 50) + "X" + strings.Repeat("b", 49) + "...\n" + strings.Repeat(" ", 57) + "^"},
		{long[:120], 3, "    " + strings.Repeat("a", 100) + "...\n      ^"},
	} {
		if got := ast.Snippet(tt.line, tt.col); got != tt.want {
			t.Errorf("Snippet(%.20q, %d) =\n%s\nwant\n%s", tt.line, tt.col, got, tt.want)
		}
	}
}

func TestErrorSnippet(t *testing.T) {
	src := "x = 1\r\ny = x + z\n"
	e := &ast.Error{Pos: ast.Pos{File: "f", Line: 2, Col: 9}, Msg: `unknown name "z"`}
	if got, want := e.Snippet(src), "    y = x + z\n            ^"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, p := range []ast.Pos{{}, {Line: 3, Col: 1}, {Line: 9, Col: 1}} {
		if s := (&ast.Error{Pos: p}).Snippet(src); s != "" && p.Line != 3 {
			t.Errorf("%v: snippet %q, want none", p, s)
		}
	}
	if l, ok := ast.SourceLine(src, 1); !ok || l != "x = 1" {
		t.Errorf("SourceLine 1 = %q, %v", l, ok)
	}
}
