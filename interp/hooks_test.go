package interp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

type countReporter struct {
	steps int
	last  float64
	done  *infer.Report
}

func (c *countReporter) Step(step, total int, loss float64) { c.steps, c.last = step, loss }
func (c *countReporter) Done(rep *infer.Report)             { c.done = rep }

// TestFitHooks checks that every fit, in a function or a loop too, goes
// to the thread's OnFit with the name its report is assigned to, and to a
// reporter of Thread.Progress (none when the fit is quiet).
func TestFitHooks(t *testing.T) {
	const src = `q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])
t = Normal([1, 2], [1, 1])
fn train(n) {
    inner = fit q to t { steps = n, batch = 8 }
    return inner
}
for n in [3, 4] {
    train(n)
}
top = fit q to t { steps = 2, batch = 8, quiet = true }
fit q to t { steps = 1, batch = 8 }
`
	th, _, stderr := newThread()
	var reporters []*countReporter
	th.Progress = func() infer.ProgressReporter {
		r := &countReporter{}
		reporters = append(reporters, r)
		return r
	}
	var fits []string
	th.OnFit = func(name string, pos ast.Pos, rec *lang.Record) error {
		fits = append(fits, fmt.Sprintf("%s@%d:%v", name, pos.Line, rec.Fields["steps"]))
		return nil
	}
	if _, err := interp.ExecFile(th, "h.flow", src, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(fits, " "), "inner@4:3 inner@4:4 top@10:2 @11:1"; got != want {
		t.Errorf("OnFit saw %q, want %q", got, want)
	}
	if len(reporters) != 3 {
		t.Fatalf("%d reporters, want 3 (the quiet fit has none)", len(reporters))
	}
	for i, want := range []int{3, 4, 1} {
		r := reporters[i]
		if r.steps != want || r.done == nil || r.done.Steps != want || r.done.Losses[want-1] != r.last {
			t.Errorf("reporter %d: %d steps, done %v", i, r.steps, r.done)
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("progress lines beside reporters: %q", stderr.String())
	}

	// An error of OnFit is the fit's error, at the fit.
	th, _, _ = newThread()
	th.Quiet = true
	th.OnFit = func(string, ast.Pos, *lang.Record) error { return errors.New("disk full") }
	_, err := interp.ExecFile(th, "h.flow", src, nil)
	if err == nil || !strings.Contains(err.Error(), "h.flow:4:") || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("OnFit error: %v", err)
	}
}
