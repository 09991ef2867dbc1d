package repl

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// The REPL cases of the reliability report (repro/reliability/cli), fed
// line by line as the terminal does, which goes on after an error (piped
// input stops at the first error; cmd/flowppl tests that).
func TestReliabilityCLI(t *testing.T) {
	ctx := context.Background()
	feed := func(lines ...string) (string, string) {
		t.Helper()
		r, out, errw := newTest()
		for _, l := range lines {
			r.Feed(ctx, l)
		}
		r.Flush(ctx)
		return out.String(), errw.String()
	}

	// An error keeps the session's state.
	out, errw := feed("x = 2", "undefined_thing + 1", "print(x * 10)")
	if out != "20\n" || errw != "<stdin>:2:1: unknown name \"undefined_thing\"\n    undefined_thing + 1\n    ^\n" {
		t.Errorf("error keeps state: stdout %q, stderr %q", out, errw)
	}

	// A failing :load says which file; the next commands run.
	out, errw = feed(":load /nonexistent", ":help", "print(3)")
	if errw != ":load /nonexistent: no such file or directory\n" || !strings.Contains(out, ":load FILE") || !strings.HasSuffix(out, "3\n") {
		t.Errorf(":load: stdout %.80q..., stderr %q", out, errw)
	}

	// Unclosed input at the end is reported where it was opened, and the
	// lines typed before keep their numbers.
	for _, tt := range []struct {
		lines []string
		out   string
		errw  string
	}{
		{[]string{"x = (1 +"}, "", "<stdin>:1:5: \"(\" is never closed\n    x = (1 +\n        ^\n"},
		{[]string{"fn f(a) {", "  return a"}, "", "<stdin>:1:9: \"{\" is never closed\n    fn f(a) {\n            ^\n"},
		{[]string{"x = 2", "print(x)", "y = \"unterminated"}, "2\n", "<stdin>:3:5: string literal not terminated\n    y = \"unterminated\n        ^\n"},
		{[]string{"fit q to"}, "", "<stdin>:1:9: unexpected end of input, expected an expression\n    fit q to\n            ^\n"},
		{[]string{"a = 1", "b = [1,", "  2,", "  3 4]"}, "", "<stdin>:4:5: unexpected number 4, expected \",\" or \"]\"\n      3 4]\n        ^\n"},
	} {
		out, errw := feed(tt.lines...)
		if out != tt.out || errw != tt.errw {
			t.Errorf("%q:\nstdout %q\nstderr %q\nwant   %q\n       %q", tt.lines, out, errw, tt.out, tt.errw)
		}
	}

	// Garbage, NUL and terminal escapes: one error, a snippet without
	// control characters or invalid UTF-8, and the session goes on.
	out, errw = feed("\xbf\x00\x1b[2J\xff garbage", "x\x00 = 1", "print(7)")
	if out != "7\n" || strings.Count(errw, "unexpected character") != 2 || !utf8.ValidString(errw) || strings.ContainsAny(errw, "\x00\x1b") {
		t.Errorf("garbage: stdout %q, stderr %q", out, errw)
	}

	// Ctrl-C at a continuation prompt drops the pending lines.
	r, o, e := newTest()
	r.Feed(ctx, "x = (1 +")
	r.ClearPending()
	r.Feed(ctx, "x = 5")
	r.Feed(ctx, "x")
	if o.String() != "5\n" || e.Len() > 0 {
		t.Errorf("after ClearPending: stdout %q, stderr %q", o, e)
	}
}

// TestPositionsAcrossEntries: positions in the tree are numbered in all the
// input typed so far, so an error in a function defined two entries before
// points at its line there, with its source line.
func TestPositionsAcrossEntries(t *testing.T) {
	r, _, errw := newTest()
	ctx := context.Background()
	for _, l := range []string{"fn f(v) {", "  return v + [1, 2, 3]", "}", "a = 1", "f([1, 2])"} {
		r.Feed(ctx, l)
	}
	want := "<stdin>:2:12: shapes [2] and [3] do not match for +\n      return v + [1, 2, 3]\n               ^\n  in f called at <stdin>:5:1\n"
	if errw.String() != want {
		t.Errorf("stderr\n%s\nwant\n%s", errw, want)
	}
	if g := r.Session().Globals()["f"]; g == nil {
		t.Fatal("f not bound")
	}
}
