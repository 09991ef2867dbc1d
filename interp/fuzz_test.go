package interp_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

var errorForm = regexp.MustCompile(`^fuzz\.flow:\d+:\d+: `)

// FuzzExecFile runs arbitrary scripts: errors are fine, panics are not,
// and every error reads file:line:col: msg.
func FuzzExecFile(f *testing.F) {
	for _, s := range []string{
		"x = [1, 2] + [1, 2, 3]",
		"fn f(n) { if n < 1 { return 0 }; return f(n - 1) }\nf(5)",
		"m = [[1, 2], [3, 4]]\nm[0, :] = [5, 6]\nprint(m[-1], m[:, 1:], m[5:])",
		"q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [2])\nr = fit q to Normal([1, 1], [1, 1]) { steps = 2, batch = 4 }\nprint(r.loss)",
		"g = flow Affine\nfit g to [[1], [2]] { steps = 1 }\nprint(g.sample(2))",
		"model m(y) { mu ~ Normal(0, 1); y ~ Normal(mu, 1) }\np = m([1])",
		"for r in [[1, 2], [3, 4]] { print(r.sum()) }",
		"x = \"a\"[0] + \"b\"; print(x, not true or false)",
		"print(zeros(2)[0:1:2])",
		"x = [[1, 2], [3]]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// no file access: a fuzzed write_csv must not litter the package
		th := &lang.Thread{Context: ctx, Rand: rand.New(rand.NewPCG(1, 2)), Stdout: io.Discard, Stderr: io.Discard, Quiet: true, FS: lang.NoFiles}
		_, err := interp.ExecFile(th, "fuzz.flow", src, nil)
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		var ie *interp.InternalError
		if errors.As(err, &ie) {
			t.Fatalf("%q: %v\n%s", src, err, ie.Stack)
		}
		if msg := err.Error(); strings.Contains(msg, "panic") {
			t.Errorf("%q: error %q mentions a panic", src, msg)
		}
		checkErrorForm(t, src, err)
	})
}

// checkErrorForm checks that err, or each error of an ast.ErrorList, reads
// file:line:col: msg.
func checkErrorForm(t *testing.T, src string, err error) {
	t.Helper()
	var list ast.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			if !errorForm.MatchString(e.Error()) {
				t.Errorf("%q: error %q does not read file:line:col: msg", src, e.Error())
			}
		}
		return
	}
	if !errorForm.MatchString(err.Error()) {
		t.Errorf("%q: error %q does not read file:line:col: msg", src, err.Error())
	}
}
