package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

func TestSet(t *testing.T) {
	inTemp(t, map[string]string{"s.flow": "n = 3\nlr = 0.1\nfn f(x) = x * n\nn = n + 1\nprint(f(2), lr)\n"})
	for _, tt := range []struct {
		args []string
		out  string
	}{
		{nil, "8 0.1\n"},
		{[]string{"--set", "n=10"}, "22 0.1\n"},
		{[]string{"--set", "n=10", "--set", "lr=1e-3"}, "22 0.001\n"},
		{[]string{"--set", "lr=[1, 2]"}, "8 [1, 2]\n"},
	} {
		code, out, errw := flowppl(t, "", append([]string{"run", "s.flow"}, tt.args...)...)
		if code != 0 || out != tt.out {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tt.args, code, out, errw, tt.out)
		}
	}
	code, _, errw := flowppl(t, "", "run", "s.flow", "--set", "lrr=1")
	if code != 1 || !strings.Contains(errw, `(did you mean "lr"?)`) {
		t.Errorf("misspelt --set: exit %d, %q", code, errw)
	}
}

func TestPlots(t *testing.T) {
	inTemp(t, map[string]string{"p.flow": tiny +
		"r1 = fit q to t { steps = 20, batch = 16, quiet = true }\n" +
		"fit q to t { steps = 10, batch = 16, quiet = true }\n" +
		"fn later() = helper()\n" +
		"fn helper() = 1\n" +
		"print(later())\n" +
		"fn train(n) {\n" +
		"    inner = fit q to t { steps = n, batch = 16, quiet = true }\n" +
		"    return inner.steps\n" +
		"}\n" +
		"for n in [5, 6] {\n" +
		"    print(train(n))\n" +
		"}\n" +
		"fn bare() = fit q to t { steps = 5, batch = 16, quiet = true }\n" +
		"bare()\n"})
	code, out, errw := flowppl(t, "", "run", "p.flow", "--plots", "plots")
	if code != 0 || out != "1\n5\n6\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errw)
	}
	entries, _ := os.ReadDir("plots")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"fit-15.svg", "fit-4.svg", "inner-2.svg", "inner.svg", "r1.svg"}; !slices.Equal(names, want) {
		t.Errorf("plots %v, want %v", names, want)
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("plots", name))
		if err != nil || !strings.Contains(string(b), "<svg") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFmt checks that fmt is idempotent on every example, keeps every
// comment, and does not change what the script means (the formatted text
// parses to the same tree).
func TestFmt(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.flow")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		src, _ := os.ReadFile(f)
		code, out, errw := flowppl(t, "", "fmt", f)
		if code != 0 || errw != "" {
			t.Fatalf("fmt %s: exit %d, %s", f, code, errw)
		}
		checkFormatted(t, f, string(src), out)
		code, dropped, _ := flowppl(t, "", "fmt", "--drop-comments", f)
		orig, _ := parser.ParseFile(f, string(src))
		orig.Comments = nil
		if code != 0 || dropped != ast.Format(orig) {
			t.Errorf("fmt --drop-comments %s differs from ast.Format", f)
		}
	}
	for _, src := range []string{
		"# head\n\n\nx=1 # one\ny = [1,\n  2]  # after a two-line statement\n# before f\nfn f(a) {\n  # inside\n  return a*2\n}\n# tail\n",
		"a = 1; b = 2  # both\ns = \"# not a comment\"\n",
		"model m(y) {\n    mu ~ Normal(0, 1)   # prior\n    y ~ Normal(mu, 1)\n}\n\n\nprint(1)\n",
	} {
		_, out, errw := flowppl(t, src, "fmt", "-")
		checkFormatted(t, "src", src, out)
		if errw != "" {
			t.Errorf("%q: %s", src, errw)
		}
	}
	inTemp(t, map[string]string{"a.flow": "x=1+2\nfn f(a)=a*2  # double\n", "s.flow": "s = \"# not a comment\"\n"})
	if code, _, errw := flowppl(t, "", "fmt", "-w", "a.flow", "s.flow"); code != 0 {
		t.Fatalf("fmt -w: %d %s", code, errw)
	}
	if b, _ := os.ReadFile("a.flow"); string(b) != "x = 1 + 2\nfn f(a) = a * 2  # double\n" {
		t.Errorf("fmt -w wrote %q", b)
	}
}

// checkFormatted checks that out keeps every comment of src, parses to
// the same tree and formats to itself.
func checkFormatted(t *testing.T, name, src, out string) {
	t.Helper()
	a, err1 := parser.ParseFile(name, src)
	b, err2 := parser.ParseFile(name, out)
	if err1 != nil || err2 != nil {
		t.Fatalf("fmt %s: %v, %v", name, err1, err2)
	}
	if len(a.Comments) != len(b.Comments) {
		t.Errorf("fmt %s: %d comments, want %d:\n%s", name, len(b.Comments), len(a.Comments), out)
	}
	for i := range min(len(a.Comments), len(b.Comments)) {
		if a.Comments[i].Text != b.Comments[i].Text {
			t.Errorf("fmt %s: comment %d is %q, want %q", name, i, b.Comments[i].Text, a.Comments[i].Text)
		}
	}
	same := len(a.Stmts) == len(b.Stmts)
	for i := 0; same && i < len(a.Stmts); i++ {
		same = ast.FormatStmt(a.Stmts[i]) == ast.FormatStmt(b.Stmts[i])
	}
	if !same {
		t.Errorf("fmt %s changed the program (%v, %v):\n%s", name, err1, err2, out)
	}
	code, again, _ := flowppl(t, out, "fmt", "-")
	if code != 0 || again != out {
		t.Errorf("fmt %s is not idempotent:\n%s\n---\n%s", name, out, again)
	}
}
