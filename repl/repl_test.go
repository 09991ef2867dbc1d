package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTest() (*REPL, *bytes.Buffer, *bytes.Buffer) {
	var out, errw bytes.Buffer
	return New(Options{Stdout: &out, Stderr: &errw, Quiet: true}), &out, &errw
}

func TestRun(t *testing.T) {
	for _, tt := range []struct {
		in, out, errw string
	}{
		{"print(1+1)\n", "2\n", ""},
		{"1 + 2\n", "3\n", ""},
		{"x = [1,\n 2,\n 3]\nx * 2\n", "[2, 4, 6]\n", ""},
		{"fn f(a) {\n  return a + 1\n}\nf(1)\n", "2\n", ""},
		{"\n\n3\n", "3\n", ""},
		{"none\nprint(5)\n", "5\n", ""},
		{"zeros(100)\n", "vector of 100: [0, 0, 0, 0, 0, 0, ..., 0, 0, 0, 0, 0, 0]\n", ""},
		{"Normal(0, 1)\n", "Normal(loc=0, scale=1)\n", ""},
		// line numbers run on over the inputs; the caret is under the column
		{"x = 1\ny = [1, 2, 3] + [1, 2]\n", "", "<stdin>:2:15: shapes [3] and [2] do not match for +\n    y = [1, 2, 3] + [1, 2]\n                  ^\n"},
		{"a = 1\nb = smaple(2)\n", "", "<stdin>:2:5: unknown name \"smaple\" (did you mean \"sample\"?)\n    b = smaple(2)\n        ^\n"},
		{"x = (1 +\n", "", "<stdin>:1:5: \"(\" is never closed\n    x = (1 +\n        ^\n"},
		{":bogus\n", "", "unknown command :bogus (try :help)\n"},
	} {
		r, out, errw := newTest()
		r.Run(context.Background(), strings.NewReader(tt.in))
		if out.String() != tt.out || errw.String() != tt.errw {
			t.Errorf("%q:\nstdout %q\nstderr %q\nwant   %q\n       %q", tt.in, out, errw, tt.out, tt.errw)
		}
	}
}

func TestSessionGoesOnAfterError(t *testing.T) {
	r, out, errw := newTest()
	ctx := context.Background()
	for _, line := range []string{"x = 2", "y = x + [1, 2] + [1, 2, 3]", "x * 3"} {
		r.Feed(ctx, line)
	}
	if out.String() != "6\n" || !strings.Contains(errw.String(), "<stdin>:2:16:") {
		t.Errorf("stdout %q, stderr %q", out, errw)
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.flow")
	os.WriteFile(script, []byte("loaded = 41\nfn g(v) = v + 1\n"), 0o644)
	r, out, errw := newTest()
	ctx := context.Background()
	for _, line := range []string{":load " + script, "g(loaded)", ":vars", ":help Normal", ":help sample", ":reset", ":vars"} {
		r.Feed(ctx, line)
	}
	for _, want := range []string{"42\n", "loaded = 41\n", "g = <fn g(v)>\n", "Normal(loc, scale)\n", "sample(d)", "session reset\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if errw.Len() > 0 {
		t.Errorf("stderr: %s", errw)
	}
	if strings.Count(out.String(), "loaded = 41") != 1 {
		t.Errorf(":reset kept the names:\n%s", out)
	}
	if err := r.Feed(ctx, ":quit"); err != ErrQuit {
		t.Errorf(":quit = %v", err)
	}
}

func TestHelp(t *testing.T) {
	var b bytes.Buffer
	if err := Help(&b, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{":load FILE", "log_prob", "StudentT", "AffineAutoregressive", "model"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	b.Reset()
	if err := Help(&b, "Normall"); err == nil || !strings.Contains(err.Error(), `did you mean "Normal"`) {
		t.Errorf("Help(Normall) = %v", err)
	}
	b.Reset()
	if err := Help(&b, "pi"); err != nil || !strings.Contains(b.String(), "pi = 3.141592653589793") {
		t.Errorf("Help(pi) = %q, %v", b.String(), err)
	}
	// Options and bijectors come from infer.FitOptions, flows.FlowOptions
	// and the bijectors' registrations.
	for _, tt := range []struct{ topic, want string }{
		{"lr", "fit q to t { lr = ... }\n    a positive number: learning rate; default 0.01 (posterior: 0.02) (fit option)\n"},
		{"optimizer", `"adam", "adamw", "sgd" or "rmsprop"`},
		{"bins", "flow B(base, bins = ...)\n    a positive integer (at most 1000): spline bins (Spline, SplineAutoregressive); default 8 (bijector option)\n"},
		{"Spline", "(bijector; options bins, bound)"},
		{"Exp", "(bijector; no options)"},
		{"adapt_delta", "sample(x, n, adapt_delta = ...)\n    a number in (0, 1): nuts: the target acceptance statistic"},
		{"seed", "(fit option)"},
		{"seed", "(sample option)"},
		{"write_draws", "write_draws(path, d)"},
	} {
		b.Reset()
		if err := Help(&b, tt.topic); err != nil || !strings.Contains(b.String(), tt.want) {
			t.Errorf("Help(%s) = %q, %v; want %q in it", tt.topic, b.String(), err, tt.want)
		}
	}
	b.Reset()
	if err := Help(&b, "stpes"); err == nil || !strings.Contains(err.Error(), `did you mean "steps"`) {
		t.Errorf("Help(stpes) = %v", err)
	}
}

func TestComplete(t *testing.T) {
	r, _, _ := newTest()
	r.Feed(context.Background(), "bandwidth = 3")
	r.Feed(context.Background(), "rep = fit flow Affine to Normal(0, 1) { steps = 2 }")
	c := &Completer{REPL: r}
	for _, tt := range []struct {
		line string
		want string // one of the completions
		n    int
	}{
		{"print(bandw", "idth", 5},
		{"x = Stud", "entT", 4},
		{"q = flow AffineAuto", "regressive", 10},
		{"x = log_p", "rob", 5},
		{":lo", "ad", 3},
		{"mod", "el", 3},
		{"rep.los", "ses", 3},
		{"q.sam", "ple", 3},
		{"fit q to t { optim", "izer", 5},
		{"flow Spline(b, boun", "d", 4},
		{"d = sample(m(y), 100, max_dep", "th", 7},
	} {
		got, n := c.Do([]rune(tt.line), len([]rune(tt.line)))
		found := false
		for _, g := range got {
			found = found || string(g) == tt.want
		}
		if !found || n != tt.n {
			t.Errorf("Do(%q) = %q, %d; want %q among them, %d", tt.line, got, n, tt.want, tt.n)
		}
	}
}

func TestCompact(t *testing.T) {
	r, out, _ := newTest()
	ctx := context.Background()
	r.Feed(ctx, "m = sample(Normal([0, 0], [1, 1]), 10000)")
	r.Feed(ctx, "m")
	s := out.String()
	if !strings.HasPrefix(s, "matrix 10000×2:\n [") || !strings.Contains(s, "... 9990 more rows") || strings.Count(s, "\n") != 12 {
		t.Errorf("echo of a 10000×2 matrix:\n%s", s)
	}
	out.Reset()
	r.Feed(ctx, "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])")
	r.Feed(ctx, "q")
	if s := out.String(); !strings.HasPrefix(s, "flow AffineAutoregressive(") || !strings.Contains(s, "parameters)") {
		t.Errorf("echo of a flow: %s", s)
	}
	out.Reset()
	r.Feed(ctx, "fit q to Normal([1, 2], [1, 1]) { steps = 20, batch = 16 }")
	if s := out.String(); !strings.HasPrefix(s, "fit report: loss ") || !strings.Contains(s, "after 20 steps") {
		t.Errorf("echo of a report: %s", s)
	}
}

// TestCancelFit cancels a statement's context during a long fit: the fit
// stops, the REPL says where, and the session keeps its names.
func TestCancelFit(t *testing.T) {
	r, out, errw := newTest()
	bg := context.Background()
	r.Feed(bg, "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])")
	ctx, cancel := context.WithCancel(bg)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	r.Feed(ctx, "r = fit q to Normal([1, 2], [1, 1]) { steps = 100000, batch = 16 }")
	if d := time.Since(start); d > time.Second {
		t.Errorf("fit took %v after cancel", d)
	}
	if !strings.Contains(errw.String(), "fit stopped: loss") {
		t.Errorf("stderr: %s", errw)
	}
	r.Feed(bg, "print(r.stopped, type(q))")
	if out.String() != "cancelled flow\n" {
		t.Errorf("after cancel: %q", out)
	}
}

// TestSummaryEchoedOnce: summary(q) of a guide prints its table (as in a
// script) and returns it; the REPL does not echo the table a second time,
// but echoes it when it is asked for later.
func TestSummaryEchoedOnce(t *testing.T) {
	r, out, errw := newTest()
	ctx := context.Background()
	for _, line := range []string{
		"model coin(flips) {", "  p ~ Beta(2, 2)", "  flips ~ Bernoulli(p)", "}",
		"q = flow Affine",
		"rep = fit q to coin([1, 1, 0]) by elbo { steps = 20, seed = 1, quiet = true }",
	} {
		if err := r.Feed(ctx, line); err != nil {
			t.Fatalf("%s: %v (%s)", line, err, errw)
		}
	}
	count := func(input string) int {
		t.Helper()
		out.Reset()
		if err := r.Feed(ctx, input); err != nil {
			t.Fatalf("%s: %v (%s)", input, err, errw)
		}
		return len(regexp.MustCompile(`(?m)^name +mean`).FindAllString(out.String(), -1))
	}
	if n := count("summary(q)"); n != 1 {
		t.Errorf("summary(q) printed the table %d times:\n%s", n, out)
	}
	if n := count("s = summary(q)"); n != 1 {
		t.Errorf("s = summary(q) printed the table %d times:\n%s", n, out)
	}
	if n := count("s"); n != 1 {
		t.Errorf("s echoed the table %d times:\n%s", n, out)
	}
	// summary of draws does not print: the REPL echoes its value.
	if n := count("summary(sample(Normal(0, 1), 100))"); n != 1 {
		t.Errorf("summary of draws shown %d times:\n%s", n, out)
	}
}
