package parser_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// sameProgram reports whether a and b have the same statements, whatever
// their layout and comments.
func sameProgram(a, b *ast.File) bool {
	if len(a.Stmts) != len(b.Stmts) {
		return false
	}
	for i := range a.Stmts {
		if ast.FormatStmt(a.Stmts[i]) != ast.FormatStmt(b.Stmts[i]) {
			return false
		}
	}
	return true
}

// checkRoundTrip checks Format on src: it keeps every comment, in order;
// the output parses to the same program; and formatting it again changes
// nothing.
func checkRoundTrip(t *testing.T, name, src string) {
	t.Helper()
	f, err := parser.ParseFile(name, src)
	if err != nil {
		t.Fatal(err)
	}
	out := ast.Format(f)
	g, err := parser.ParseFile(name, out)
	if err != nil {
		t.Fatalf("%s: the output does not parse: %v\n%s", name, err, out)
	}
	if !sameProgram(f, g) {
		t.Errorf("%s: the output is another program:\n%s", name, out)
	}
	var want, got []string
	for _, c := range f.Comments {
		want = append(want, c.Text)
	}
	for _, c := range g.Comments {
		got = append(got, c.Text)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: comments\n%q\nwant\n%q", name, got, want)
	}
	if again := ast.Format(g); again != out {
		t.Errorf("%s: not idempotent:\n%s\n---\n%s", name, out, again)
	}
}

// TestFormatExamples: the round trip on every example and posteriordb
// model, and on layouts that move comments.
func TestFormatExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.flow")
	more, _ := filepath.Glob("../examples/posteriordb/*/model.flow")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found only %d examples", len(files))
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, name, string(src))
	}
	for i, src := range []string{
		"# head\n\n\nx=1 # one\ny = [1,\n  2]  # after a two-line statement\n# before f\nfn f(a) {\n  # inside\n  return a*2\n}\n# tail\n",
		"a = 1; b = 2  # both\ns = \"# not a comment\"\n",
		"if a { # then\n  b = 1\n} # between\nelse { # else\n  c = 2 # c\n  # last\n} # after\n",
		"fn f() {\n  # only a comment\n}\nfn g() {} # empty\nfor i in x { } \n",
		"r = fit q to t {\n  steps = 10  # steps\n  lr = 0.1    # rate\n}\n",
		"x = (1 +  # one\n  2  # two\n)  # after the paren\ny = 3\n",
		"model m() {\n  a ~ Normal(0, 1)\n\n\n  # gap\n\n  b ~ Normal(a, 1)\n}\n",
		"#a\n#b\n\n\n#c\n",
		"\tx = 1\t# tab\n",
	} {
		checkRoundTrip(t, "case"+string(rune('0'+i)), src)
	}
}

func TestFormatLayout(t *testing.T) {
	src := "if a { # then\n  b = 1\n} else { # else\n  c = 2 # c\n  # last\n} # after\n\n\nr = fit q to t {\n  steps = 10  # steps\n  lr = 0.1\n}\n"
	want := `if a {  # then
    b = 1
} else {  # else
    c = 2  # c
    # last
}  # after

r = fit q to t {
    steps = 10,  # steps
    lr = 0.1
}
`
	if got := ast.Format(mustParse(t, src)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
