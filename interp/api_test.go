package interp_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

func TestExecFileSources(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.flow")
	if err := os.WriteFile(path, []byte("x = 1 + 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []any{nil, "x = 1 + 1", []byte("x = 1 + 1"), strings.NewReader("x = 1 + 1")} {
		th, _, _ := newThread()
		g, err := interp.ExecFile(th, path, src, nil)
		if err != nil {
			t.Fatalf("%T: %v", src, err)
		}
		if g["x"] != lang.Number(2) {
			t.Errorf("%T: x = %v", src, g["x"])
		}
	}
	th, _, _ := newThread()
	if _, err := interp.ExecFile(th, filepath.Join(dir, "missing.flow"), nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := interp.ExecFile(th, "x.flow", 42, nil); err == nil {
		t.Error("a source of type int was accepted")
	}
}

func TestZeroThread(t *testing.T) {
	var th lang.Thread
	g, err := interp.ExecFile(&th, "z.flow", "y = sum([1, 2])", nil)
	if err != nil || g["y"] != lang.Number(3) {
		t.Fatalf("y = %v, err %v", g["y"], err)
	}
}

// TestPredeclared checks that predeclared names are visible, shadow
// builtins, and are not returned among the globals unless rebound.
func TestPredeclared(t *testing.T) {
	th, stdout, _ := newThread()
	pre := lang.StringDict{"y": lang.NewVector([]float64{1, 2, 3}), "sum": lang.String("not the builtin")}
	g, err := interp.ExecFile(th, "p.flow", "print(mean(y), sum)\nz = len(y)", pre)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "2 not the builtin\n" {
		t.Errorf("stdout %q", stdout.String())
	}
	if _, ok := g["y"]; ok || g["z"] != lang.Number(3) || len(g) != 1 {
		t.Errorf("globals %v", g)
	}
	if err := interp.Check("p.flow", "print(y)", pre); err != nil {
		t.Errorf("Check with predeclared y: %v", err)
	}
	if err := interp.Check("p.flow", "print(y)", nil); err == nil {
		t.Error("Check without predeclared y succeeded")
	}
}

// TestErrorsAreTyped checks the kinds of errors: ast.ErrorList for syntax
// and resolve errors (nothing runs), *lang.EvalError at run time with the
// globals bound so far.
func TestErrorsAreTyped(t *testing.T) {
	th, stdout, _ := newThread()
	_, err := interp.ExecFile(th, "e.flow", "print(1)\nx = nope", nil)
	var list ast.ErrorList
	if !errors.As(err, &list) || len(list) != 1 || stdout.Len() != 0 {
		t.Errorf("resolve error: %T %v, stdout %q", err, err, stdout.String())
	}
	_, err = interp.ExecFile(th, "e.flow", "x = (", nil)
	if !errors.As(err, &list) {
		t.Errorf("syntax error: %T %v", err, err)
	}
	g, err := interp.ExecFile(th, "e.flow", "a = 1\nb = zeros(-1)\nc = 3", nil)
	var ee *lang.EvalError
	if !errors.As(err, &ee) || ee.Pos.Line != 2 || ee.Pos.Col != 5 || ee.Err == nil {
		t.Fatalf("runtime error: %T %#v", err, err)
	}
	if g["a"] != lang.Number(1) || g["c"] != nil {
		t.Errorf("globals after the error: %v", g)
	}
}

// TestPanicsBecomeErrors checks that a panicking builtin gives an
// `internal error` at the call, not a crash.
func TestPanicsBecomeErrors(t *testing.T) {
	boom := lang.NewBuiltin("boom", func(*lang.Thread, *lang.Builtin, lang.Tuple, []lang.Kwarg) (lang.Value, error) {
		var m map[string]int
		m["x"] = 1 // nil map write
		return nil, nil
	})
	th, _, _ := newThread()
	_, err := interp.ExecFile(th, "b.flow", "fn f() = boom()\nx = 1\ny = f()", lang.StringDict{"boom": boom})
	var ee *lang.EvalError
	var ie *interp.InternalError
	if !errors.As(err, &ee) || !errors.As(err, &ie) {
		t.Fatalf("got %T %v", err, err)
	}
	if got := ee.Error(); !strings.HasPrefix(got, "b.flow:1:10: internal error: assignment to entry in nil map") {
		t.Errorf("message %q", got)
	}
	if len(ee.CallStack) != 1 || ee.CallStack[0].Name != "f" || th.Depth() != 0 {
		t.Errorf("call stack %v, depth after %d", ee.CallStack, th.Depth())
	}
}

// TestSession runs statements one at a time over the same globals, as the
// REPL does.
func TestSession(t *testing.T) {
	th, stdout, _ := newThread()
	s := interp.NewSession(nil)
	for _, tt := range []struct{ src, want string }{
		{"x = 2", ""},
		{"fn sq(v) = v ^ 2", ""},
		{"sq(x) + 1", "5"},
		{"print(x)", "none"},
		{"y = [1, 2]; y", "[1, 2]"},
	} {
		f, err := parser.ParseInteractive("<repl>", tt.src)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Exec(th, f)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		got := ""
		if v != nil {
			got = v.String()
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.src, got, tt.want)
		}
	}
	if stdout.String() != "2\n" {
		t.Errorf("stdout %q", stdout.String())
	}
	// An error keeps the state; unknown names are still caught statically.
	f, _ := parser.ParseInteractive("<repl>", "z = 1; w = x + \"a\"")
	if _, err := s.Exec(th, f); err == nil {
		t.Error("no error")
	}
	f, _ = parser.ParseInteractive("<repl>", "nope + 1")
	if _, err := s.Exec(th, f); err == nil || !strings.Contains(err.Error(), `unknown name "nope"`) {
		t.Errorf("unknown name: %v", err)
	}
	g := s.Globals()
	if g["z"] != lang.Number(1) || g["x"] != lang.Number(2) {
		t.Errorf("globals %v", g)
	}
}

// TestCancel checks that a cancelled context stops the script at the next
// statement, and a fit at its next step.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	th, _, _ := newThread()
	th.Context = ctx
	_, err := interp.ExecFile(th, "c.flow", "x = 1", nil)
	var ee *lang.EvalError
	if !errors.As(err, &ee) || !errors.Is(err, context.Canceled) || ee.Msg != "interrupted" {
		t.Errorf("got %v", err)
	}

	// A builtin that cancels the context while the script runs, then a fit.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	stop := lang.NewBuiltin("stop", func(*lang.Thread, *lang.Builtin, lang.Tuple, []lang.Kwarg) (lang.Value, error) {
		cancel()
		return lang.Number(0), nil
	})
	th, _, _ = newThread()
	th.Context = ctx
	g, err := interp.ExecFile(th, "c.flow", "q = flow AffineAutoregressive(Normal(0, 1), hidden = [4])\n"+
		"r = fit q to Normal(1, stop() + 1) { steps = 100000, quiet = true }\nafter = 1\n", lang.StringDict{"stop": stop})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	r, ok := g["r"].(*lang.Record)
	if !ok {
		t.Fatalf("r = %v", g["r"])
	}
	if st, _ := r.Attr("stopped"); st != lang.String("cancelled") {
		t.Errorf("stopped = %v", st)
	}
	if _, ok := g["after"]; ok {
		t.Error("the statement after the cancelled fit ran")
	}
}

// TestPlanRebinding checks that fitting a name bound to a plan rebinds it
// to the trained flow, in the scope that holds it, and leaves the plan
// value unchanged.
func TestPlanRebinding(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "r.flow", `
g = flow AffineAutoregressive(hidden = [4])
plan = g
r = fit g to Normal([1, 2], [1, 1]) { steps = 3, batch = 8, quiet = true }
fn fit_local(data) {
    h = flow Affine
    fit h to data { steps = 2, batch = 4, quiet = true }
    return h
}
local = fit_local([1, 2, 3, 4, 5])
`)
	if _, ok := g["g"].(*lang.Flow); !ok {
		t.Errorf("g is a %s after the fit, want flow", g["g"].Type())
	}
	if _, ok := g["plan"].(*lang.FlowPlan); !ok {
		t.Errorf("plan is a %s, want flow plan", g["plan"].Type())
	}
	if f, ok := g["local"].(*lang.Flow); !ok || f.F.Dim() != 1 {
		t.Errorf("local = %v", g["local"])
	}
	if _, ok := g["h"]; ok {
		t.Error("the local h leaked into the globals")
	}
}

func TestFormatError(t *testing.T) {
	th, _, _ := newThread()
	_, err := interp.ExecFile(th, "f.flow", "fn f(n) {\n  if n == 0 { return [1, 2] + [1, 2, 3] }\n  return f(n - 1)\n}\nf(3)\n", nil)
	want := "f.flow:2:29: shapes [2] and [3] do not match for +\n" +
		"  in f called at f.flow:3:10\n  ... the same call 2 more times\n  in f called at f.flow:5:1"
	if got := interp.FormatError(err); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, err = interp.ExecFile(th, "f.flow", "a = b\nc = d", nil)
	if got := interp.FormatError(err); got != "f.flow:1:5: unknown name \"b\"\nf.flow:2:5: unknown name \"d\"" {
		t.Errorf("got %q", got)
	}
}

// TestFormatErrorSource checks the caret snippet under runtime, resolve and
// syntax errors, and the Snippet methods of the error types an embedder
// gets.
func TestFormatErrorSource(t *testing.T) {
	th, _, _ := newThread()
	src := "fn f(n) {\n  if n == 0 { return [1, 2] + [1, 2, 3] }\n  return f(n - 1)\n}\nf(1)\n"
	source := func(file string) (string, bool) { return src, file == "f.flow" }
	_, err := interp.ExecFile(th, "f.flow", src, nil)
	want := "f.flow:2:29: shapes [2] and [3] do not match for +\n" +
		"      if n == 0 { return [1, 2] + [1, 2, 3] }\n" +
		"                                ^\n" +
		"  in f called at f.flow:3:10\n  in f called at f.flow:5:1"
	if got := interp.FormatErrorSource(err, source); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var ee *lang.EvalError
	if !errors.As(err, &ee) || ee.Snippet(src) != "      if n == 0 { return [1, 2] + [1, 2, 3] }\n                                ^" {
		t.Errorf("EvalError.Snippet: %q", ee.Snippet(src))
	}
	src = "a = b\nc = d"
	err = interp.Check("f.flow", src, nil)
	want = "f.flow:1:5: unknown name \"b\"\n    a = b\n        ^\nf.flow:2:5: unknown name \"d\"\n    c = d\n        ^"
	if got := interp.FormatErrorSource(err, source); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	src = "x = (1,\n 2"
	err = interp.Check("f.flow", src, nil)
	want = "f.flow:1:5: \"(\" is never closed\n    x = (1,\n        ^"
	if got := interp.FormatErrorSource(err, source); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var list ast.ErrorList
	if !errors.As(err, &list) || list[0].Snippet(src) != "    x = (1,\n        ^" {
		t.Errorf("ast.Error.Snippet: %v", err)
	}
	// Without the source, or for another file, the message is alone.
	if got := interp.FormatErrorSource(err, nil); got != interp.FormatError(err) {
		t.Errorf("nil source: %q", got)
	}
	other := func(string) (string, bool) { return "", false }
	if got := interp.FormatErrorSource(err, other); got != interp.FormatError(err) {
		t.Errorf("unknown file: %q", got)
	}
}

// TestFunctionCallInternal calls a script's function from Go.
func TestFunctionCallInternal(t *testing.T) {
	th, _, _ := newThread()
	g, err := interp.ExecFile(th, "f.flow", "k = 10\nfn f(x, y) = x * y + k", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := g["f"].(lang.Callable)
	v, err := f.CallInternal(th, lang.Tuple{lang.Number(2)}, []lang.Kwarg{{Name: "y", Value: lang.Number(3)}})
	if err != nil || v != lang.Number(16) {
		t.Errorf("f(2, y = 3) = %v, %v", v, err)
	}
	if _, err := f.CallInternal(th, lang.Tuple{lang.Number(2)}, nil); err == nil {
		t.Error("missing argument accepted")
	}
}
