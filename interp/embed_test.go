package interp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

const embedFlow = "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])\n"

// TestEmbedCancel cancels a long fit: Exec returns within 100 ms of the
// cancel, with an error wrapping context.Canceled, and the flow is usable.
// The timing is tried up to three times, for machines under load.
func TestEmbedCancel(t *testing.T) {
	var in *interp.Interpreter
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		in = interp.New(interp.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancelled := make(chan time.Time, 1)
		time.AfterFunc(100*time.Millisecond, func() { cancelled <- time.Now(); cancel() })
		err = in.Exec(ctx, "fit.flow", embedFlow+"r = fit q to Normal([1, 2], [1, 1]) { steps = 1000000, batch = 16 }\n")
		d := time.Since(<-cancelled)
		if d <= 100*time.Millisecond {
			break
		}
		if attempt == 2 {
			t.Errorf("Exec returned %v after the cancel", d)
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Exec = %v, want context.Canceled", err)
	}
	r, err := in.Get("r")
	if err != nil || r.(map[string]any)["stopped"] != "cancelled" {
		t.Errorf("r = %v, %v", r, err)
	}
	q, err := in.Density("q")
	if err != nil {
		t.Fatal(err)
	}
	if lp, err := q.LogProb(mat.NewDense(1, 2, []float64{1, 2})); err != nil || math.IsNaN(lp[0]) {
		t.Errorf("LogProb after cancel = %v, %v", lp, err)
	}
}

func TestEmbedTimeout(t *testing.T) {
	in := interp.New(interp.Options{Timeout: 50 * time.Millisecond})
	start := time.Now()
	err := in.Exec(context.Background(), "t.flow", embedFlow+"fit q to Normal([1, 2], [1, 1]) { steps = 1000000, batch = 16 }\nprint(1)\n")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second || !strings.Contains(err.Error(), "t.flow:2:1: time limit of 50ms reached") {
		t.Errorf("Exec = %v after %v", err, time.Since(start))
	}
	// the interpreter goes on, with a fresh time budget
	if v, err := in.Eval(context.Background(), "1 + 1"); err != nil || v.String() != "2" {
		t.Errorf("after the timeout: %v, %v", v, err)
	}
}

func TestEmbedStepLimit(t *testing.T) {
	in := interp.New(interp.Options{MaxSteps: 1000})
	ctx := context.Background()
	for _, tt := range []struct{ src, want string }{
		{"x = 0\nfor i in range(100000) {\n  x = x + i\n}\n", "s.flow:3:3: step limit of 1000 reached"},
		{embedFlow + "fit q to Normal([1, 2], [1, 1]) { steps = 1000000, batch = 16 }\nprint(1)\n", "s.flow:2:1: step limit of 1000 reached"},
	} {
		err := in.Exec(ctx, "s.flow", tt.src)
		if !errors.Is(err, interp.ErrStepLimit) || interp.FormatError(err) != tt.want {
			t.Errorf("%q: %v, want %s", tt.src, err, tt.want)
		}
	}
	must(t, in.Exec(ctx, "ok.flow", "y = 0\nfor i in range(100) { y = y + i }\n"))
	if y, _ := in.Get("y"); y != 4950.0 {
		t.Errorf("y = %v", y)
	}
}

func TestEmbedBuiltin(t *testing.T) {
	var out bytes.Buffer
	in := interp.New(interp.Options{Stdout: &out})
	calls := 0
	must(t, in.RegisterBuiltin("scale", func(x []float64, k float64) []float64 {
		calls++
		y := make([]float64, len(x))
		for i := range x {
			y[i] = k * x[i]
		}
		return y
	}))
	must(t, in.RegisterBuiltin("checked", func(x float64) (float64, error) {
		if x < 0 {
			return 0, fmt.Errorf("checked: %v is negative", x)
		}
		return math.Sqrt(x), nil
	}))
	must(t, in.RegisterBuiltin("boom", func() float64 { panic("kaboom") }))
	must(t, in.Exec(context.Background(), "b.flow", "print(scale([1, 2], 3), checked(16))\n"))
	if out.String() != "[3, 6] 4\n" || calls != 1 {
		t.Errorf("output %q, %d calls", out.String(), calls)
	}
	for src, want := range map[string]string{
		"checked(-1)":            "e.flow:1:1: checked: -1 is negative",
		"scale(1, 2, 3)":         "e.flow:1:1: scale takes 2 arguments, got 3",
		"scale(\"a\", 1)":        "e.flow:1:1: scale: argument 1: cannot use a string as []float64",
		"boom()":                 "e.flow:1:1: boom: kaboom",
		"fn f(x) = boom()\nf(1)": "e.flow:1:11: boom: kaboom\n  in f called at e.flow:2:1",
	} {
		err := in.Exec(context.Background(), "e.flow", src)
		if got := interp.FormatError(err); got != want {
			t.Errorf("%s: error %q, want %q", src, got, want)
		}
	}
	if err := in.RegisterBuiltin("bad", 3); err == nil {
		t.Error("RegisterBuiltin(3) succeeded")
	}
}

func TestEmbedSetGet(t *testing.T) {
	in := interp.New(interp.Options{})
	must(t, in.Set("a", 2.5))
	must(t, in.Set("v", []float64{1, 2, 3}))
	must(t, in.Set("m", [][]float64{{1, 2}, {3, 4}}))
	must(t, in.Set("d", mat.NewDense(2, 2, []float64{1, 0, 0, 1})))
	must(t, in.Set("cfg", map[string]any{"lr": 0.1, "name": "x", "w": []float64{1}}))
	must(t, in.Exec(context.Background(), "s.flow", "b = a * 2\nw = v * 2\nn = m @ d\nlr = cfg.lr\nrec = cfg\n"))
	for name, want := range map[string]string{
		"b": "5", "w": "[2 4 6]", "lr": "0.1", "rec": "map[lr:0.1 name:x w:[1]]",
	} {
		got, err := in.Get(name)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("Get(%s) = %v, %v; want %s", name, got, err, want)
		}
	}
	n, _ := in.Get("n")
	if !mat.Equal(n.(*mat.Dense), mat.NewDense(2, 2, []float64{1, 2, 3, 4})) {
		t.Errorf("n = %v", n)
	}
	v, err := in.Eval(context.Background(), "sum(w) + b")
	if err != nil || v.String() != "17" {
		t.Errorf("Eval = %v, %v", v, err)
	}
	if _, err := in.Get("nope"); err == nil {
		t.Error("Get(nope) succeeded")
	}
	if err := in.Set("x", [][]float64{{1}, {2, 3}}); err == nil {
		t.Error("Set of a ragged matrix succeeded")
	}
	if err := in.Set("x", make(chan int)); err == nil {
		t.Error("Set of a channel succeeded")
	}
}

// TestToValueNumbers: every Go numeric kind ToValue takes becomes the
// number of the same value (exactly: each value is a float64 too), and
// FromValue turns the scalars back.
func TestToValueNumbers(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want float64
	}{
		{2.5, 2.5}, {float32(-0.375), -0.375}, {7, 7}, {int64(1) << 52, 1 << 52}, {int32(-3), -3},
	} {
		v, err := interp.ToValue(tt.in)
		if err != nil || v != lang.Number(tt.want) {
			t.Errorf("ToValue(%T %v) = %v, %v; want %v", tt.in, tt.in, v, err, tt.want)
		}
	}
	// FromValue gives the scalars back as the Go values ToValue takes.
	for _, want := range []any{2.5, true, "a", nil} {
		v, err := interp.ToValue(want)
		if got := interp.FromValue(v); err != nil || got != want {
			t.Errorf("FromValue(ToValue(%#v)) = %#v, %v", want, got, err)
		}
	}
}

// TestEmbedHostSurvives: what a script can do wrong comes back as an
// error with a position, and the interpreter goes on.
func TestEmbedHostSurvives(t *testing.T) {
	in := interp.New(interp.Options{})
	ctx := context.Background()
	for _, tt := range []struct{ src, want string }{
		{"x = [1, 2, 3]\ny = x[7]", "bad.flow:2:6: "},
		{"fn f(n) = f(n + 1)\nf(0)", "call depth limit"},
		{"z = zeros(1e10)", "over the limit"},
		{"z = zeros(1e10, 1e10)", "bad.flow:1:5: "},
		{"m = eye(3)\nm[5, 0]", "bad.flow:2:2: "},
		{"x = (1", "never closed"},
	} {
		err := in.Exec(ctx, "bad.flow", tt.src)
		var ee *lang.EvalError
		if err == nil || !strings.Contains(interp.FormatError(err), tt.want) {
			t.Errorf("%q: error %v, want it to contain %q", tt.src, err, tt.want)
		} else if errors.As(err, &ee) && !ee.Pos.IsValid() {
			t.Errorf("%q: error without a position", tt.src)
		}
	}
	if v, err := in.Eval(ctx, "1 + 1"); err != nil || v.String() != "2" {
		t.Errorf("after the errors: %v, %v", v, err)
	}
	// the backtrace of deep recursion is collapsed
	err := in.Exec(ctx, "rec.flow", "fn f(n) = f(n + 1)\nf(0)")
	if bt := interp.FormatError(err); strings.Count(bt, "\n") > 5 || !strings.Contains(bt, "the same call") {
		t.Errorf("backtrace:\n%s", bt)
	}
}

func TestEmbedFiles(t *testing.T) {
	ctx := context.Background()
	sandboxed := interp.New(interp.Options{})
	for _, src := range []string{`read_csv("x.csv")`, `write_csv("x.csv", [1, 2])`, `read_json("x.json")`} {
		if err := sandboxed.Exec(ctx, "f.flow", src); err == nil || !strings.Contains(err.Error(), "file access is disabled") {
			t.Errorf("%s: %v", src, err)
		}
	}
	if err := sandboxed.Exec(ctx, "f.flow", nil); err == nil {
		t.Error("sandboxed Exec read a file")
	}
	dir := t.TempDir()
	in := interp.New(interp.Options{Dir: dir})
	must(t, in.Exec(ctx, "f.flow", `write_csv("x.csv", [1, 2])`+"\n"+`t = read_csv("x.csv")`))
	if _, err := os.Stat(filepath.Join(dir, "x.csv")); err != nil {
		t.Error(err)
	}
	if err := in.Exec(ctx, "f.flow", `read_csv("../x.csv")`); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("escape: %v", err)
	}
	if _, ok := stdlib.Universe["save"]; ok {
		src := embedFlow + `save(q, "q.json")` + "\n" + `q2 = load("q.json")` + "\n"
		if err := sandboxed.Exec(ctx, "f.flow", src); err == nil || !strings.Contains(err.Error(), `save: cannot write "q.json": file access is disabled`) {
			t.Errorf("sandboxed save: %v", err)
		}
		must(t, in.Exec(ctx, "f.flow", src))
		if _, err := os.Stat(filepath.Join(dir, "q.json")); err != nil {
			t.Error(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "s.flow"), []byte("from_file = 3\n"), 0o644)
	must(t, in.Exec(ctx, "s.flow", nil))
	if v, _ := in.Get("from_file"); v != 3.0 {
		t.Errorf("from_file = %v", v)
	}
}

// TestEmbedConcurrent runs 8 interpreters at once (run it with -race):
// each fits its own flow to its own data and gets its own answer.
func TestEmbedConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	means := make([]float64, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := interp.New(interp.Options{Seed: uint64(i + 1)})
			if err := in.Set("mu", float64(i)); err != nil {
				t.Error(err)
				return
			}
			err := in.Exec(context.Background(), "c.flow", embedFlow+
				"data = sample(Normal([mu, mu], [1, 1]), 500)\n"+
				"fit q to data { steps = 150, batch = 64, lr = 0.05 }\n"+
				"m = mean(mean(sample(q, 2000)))\n")
			if err != nil {
				t.Error(interp.FormatError(err))
				return
			}
			m, _ := in.Get("m")
			means[i] = m.(float64)
		}()
	}
	wg.Wait()
	for i, m := range means {
		if math.Abs(m-float64(i)) > 0.5 {
			t.Errorf("interpreter %d: mean %v, want about %d", i, m, i)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
}
