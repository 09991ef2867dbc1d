package parser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
)

// TestScanCutsLongChain: the scanner keeps the tokens of a 200,000-term sum
// only up to a little after the operator that passes ast.MaxDepth (the
// parse stops there without millions of tokens), and ParseFile still
// reports the depth error at the 5,001st "+", as the parse of all the
// tokens does.
func TestScanCutsLongChain(t *testing.T) {
	src := "x = " + strings.Repeat("1 + ", 200_000) + "1\n"
	toks, _, cut, serr := scan(nil, "t.flow", src, false, 1, false)
	if serr != nil {
		t.Fatal(serr.err)
	}
	if cut == nil {
		t.Fatal("no cut")
	}
	// x = 1 + 1 ... : two tokens per link, the cut margin and EOF.
	if max := 2*(ast.MaxDepth+1) + 2 + cutMargin + 1; len(toks) > max {
		t.Errorf("%d tokens kept, want at most %d", len(toks), max)
	}
	if want := 7 + 4*ast.MaxDepth; cut.Column != want { // the 5,001st "+"
		t.Errorf("cut at column %d, want %d", cut.Column, want)
	}
	want := fmt.Sprintf("t.flow:1:%d: expression nested deeper than %d levels", 7+4*ast.MaxDepth, ast.MaxDepth)
	src = src[:40_000] + "1\n" // 10,000 terms: all the tokens parse in a moment too
	for _, noCut := range []bool{false, true} {
		// The same error from the cut tokens and from all of them.
		toks, _, _, _ := scan(nil, "t.flow", src, false, 1, noCut)
		err := parseStmts(&sliceLexer{toks: toks})
		if err == nil || !strings.HasPrefix(toPos(err.(*syntaxError).tok.Pos).String()+": "+err.Error(), want) {
			t.Errorf("noCut %v: err = %.200v, want %s...", noCut, err, want)
		}
	}
}

// TestCutFallback: a chain that passes the scanner's count but not the
// tree's depth (a sum of 3,000 products has 6,000 operators and is about
// 3,000 levels deep) parses; a lexical error after a cut chain is still
// the error, as when the whole text is scanned first.
func TestCutFallback(t *testing.T) {
	src := "x = " + strings.Repeat("a * b + ", 3000) + "1\n"
	if _, _, cut, _ := scan(nil, "t.flow", src, false, 1, false); cut == nil {
		t.Fatal("the scanner did not cut: the test does not test the fallback")
	}
	f, err := ParseFile("t.flow", src)
	if err != nil {
		t.Fatalf("err = %.200v", err)
	}
	if got := ast.Format(f); got != src {
		t.Errorf("Format differs from the source: %.80q", got)
	}
	src = "x = " + strings.Repeat("1 + ", 6000) + "1\ny = 1.2.3\n"
	if _, err := ParseFile("t.flow", src); err == nil || err.Error() != `t.flow:2:5: malformed number "1.2.3"` {
		t.Errorf("err = %.200v", err)
	}
	// ParseExpr cuts too.
	if _, err := ParseExpr("e", strings.Repeat("1 + ", 200_000)+"1"); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("e:1:%d: expression nested deeper", 3+4*ast.MaxDepth)) {
		t.Errorf("ParseExpr: err = %.200v", err)
	}
}

// TestParseContext: a done context stops the scanner at its first look
// (after checkEvery raw tokens) with an *InterruptedError wrapping the
// context's cause, long before the end of a 5,000-line script.
func TestParseContext(t *testing.T) {
	src := strings.Repeat("x = 1 + 2\n", 5000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, parse := range map[string]func() error{
		"file": func() error { _, err := ParseFileContext(ctx, "t.flow", src); return err },
		"expr": func() error {
			_, err := ParseExprContext(ctx, "t.flow", strings.ReplaceAll(src, "\n", " + "))
			return err
		},
	} {
		err := parse()
		var ie *InterruptedError
		if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err = %.200v, want an *InterruptedError wrapping context.Canceled", name, err)
		}
		if ie.Pos.Line > 1000 || !strings.Contains(err.Error(), "parsing interrupted: context canceled") {
			t.Errorf("%s: err = %v: want a stop near the start", name, err)
		}
	}
	if _, err := ParseFileContext(context.Background(), "t.flow", src); err != nil {
		t.Errorf("live context: %v", err)
	}
}

// countdownContext is a context that is done (context.Canceled) from its
// left-th call of Err on.
type countdownContext struct {
	context.Context
	left int
}

func (c *countdownContext) Err() error {
	if c.left--; c.left <= 0 {
		return context.Canceled
	}
	return nil
}

// TestParseContextGrammar: the grammar looks at the context too (every
// 256 expressions), not only the scanner: a context that becomes done
// after the scan (12 looks at 4096-token steps of this script's 50,001 raw
// tokens) stops the parse at the grammar's first look, at the 256th
// expression (two a statement: line 128).
func TestParseContextGrammar(t *testing.T) {
	src := strings.Repeat("x = 1 + 2\n", 5000)
	ctx := &countdownContext{Context: context.Background(), left: 12 + 1}
	_, err := ParseFileContext(ctx, "t.flow", src)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %.200v, want an *InterruptedError", err)
	}
	if ie.Pos.Line != 128 {
		t.Errorf("stopped at %v, want line 128", ie.Pos)
	}
}
