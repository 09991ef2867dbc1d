package interp_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// A script test file testdata/NAME.flow is a list of chunks separated by
// lines "---". Each chunk runs on its own (fresh globals, a thread seeded
// with PCG(1, 2), quiet fits) with its line numbers as in the file, in a
// temporary working directory. A line
// may end with an expectation of an error on that line:
//
//	x = [1, 2] + [1, 2, 3]   ### `shapes \[2\] and \[3\]`
//	y = [1, 2] + [1, 2, 3]   ### @12 `shapes`
//
// The quoted text (backquotes or a Go string) is a regular expression the
// message must match; @N also checks the column. Every error of a chunk
// (a resolve pass may report several) must be expected and every
// expectation met. A chunk without expectations must run without error.
// What the chunks print is compared with testdata/NAME.golden, rewritten by
// go test ./interp -update.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.flow")
	if err != nil || len(files) == 0 {
		t.Fatalf("no script tests: %v", err)
	}
	for i, f := range files {
		if files[i], err = filepath.Abs(f); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(t.TempDir()) // scripts may write files
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".flow")
		t.Run(name, func(t *testing.T) { runScriptFile(t, file) })
	}
}

var expectRE = regexp.MustCompile(`###\s*(?:@(\d+)\s+)?(.*)$`)

type expectation struct {
	line, col int
	re        *regexp.Regexp
	met       bool
}

type chunk struct {
	start int // 0-based line index of the chunk's first line
	lines []string
}

func splitChunks(src string) []chunk {
	var out []chunk
	cur := chunk{}
	for i, l := range strings.Split(src, "\n") {
		if strings.TrimSpace(l) == "---" {
			out = append(out, cur)
			cur = chunk{start: i + 1}
			continue
		}
		cur.lines = append(cur.lines, l)
	}
	return append(out, cur)
}

func runScriptFile(t *testing.T, file string) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(file)
	var golden bytes.Buffer
	for _, c := range splitChunks(string(src)) {
		var exps []*expectation
		for i, l := range c.lines {
			m := expectRE.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			pat, err := unquote(strings.TrimSpace(m[2]))
			if err != nil {
				t.Fatalf("%s:%d: bad expectation %s: %v", base, c.start+i+1, m[2], err)
			}
			e := &expectation{line: c.start + i + 1, re: regexp.MustCompile(pat)}
			if m[1] != "" {
				e.col, _ = strconv.Atoi(m[1])
			}
			exps = append(exps, e)
		}
		text := strings.Repeat("\n", c.start) + strings.Join(c.lines, "\n")
		th, stdout, _ := newThread()
		th.Quiet = true
		_, err := interp.ExecFile(th, base, text, nil)
		fmt.Fprintf(&golden, "--- line %d\n%s", c.start+1, stdout.String())
		if err != nil {
			fmt.Fprintf(&golden, "error: %s\n", interp.FormatError(err))
		}
		for _, e := range errorList(err) {
			if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%d:%d: ", base, e.pos.Line, e.pos.Col)) {
				t.Errorf("error does not read file:line:col: msg: %q", e.Error())
			}
			found := false
			for _, x := range exps {
				if x.line == e.pos.Line && (x.col == 0 || x.col == e.pos.Col) && x.re.MatchString(e.msg) {
					x.met, found = true, true
				}
			}
			if !found {
				t.Errorf("%s: unexpected error: %s", base, interp.FormatError(e.err))
			}
			if strings.Contains(e.msg, "internal error") {
				t.Errorf("%s: %s", base, e.Error())
			}
		}
		for _, x := range exps {
			if !x.met {
				t.Errorf("%s:%d: expected an error matching %q (col %d), got %v", base, x.line, x.re, x.col, err)
			}
		}
	}
	goldenFile := strings.TrimSuffix(file, ".flow") + ".golden"
	got := golden.String()
	if want, same := testutil.Golden(t, goldenFile, got, *update); !same {
		t.Errorf("output differs from %s (go test ./interp -update rewrites it):\n%s", goldenFile, diff(want, got))
	}
}

type posErr struct {
	pos ast.Pos
	msg string
	err error
}

func (e posErr) Error() string { return e.err.Error() }

// errorList flattens an error of ExecFile into positioned errors.
func errorList(err error) []posErr {
	if err == nil {
		return nil
	}
	var list ast.ErrorList
	if errors.As(err, &list) {
		var out []posErr
		for _, e := range list {
			out = append(out, posErr{e.Pos, e.Msg, e})
		}
		return out
	}
	var ee *lang.EvalError
	if errors.As(err, &ee) {
		return []posErr{{ee.Pos, ee.Msg, ee}}
	}
	return []posErr{{ast.Pos{}, err.Error(), err}}
}

func unquote(s string) (string, error) {
	if strings.HasPrefix(s, "`") {
		if !strings.HasSuffix(s, "`") || len(s) < 2 {
			return "", fmt.Errorf("unterminated backquote")
		}
		return s[1 : len(s)-1], nil
	}
	return strconv.Unquote(s)
}

// diff shows the first differing lines of two texts.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, a, b)
		}
	}
	return ""
}
