package infer_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/infer"
)

// recorder is a ProgressReporter that keeps what it is told.
type recorder struct {
	steps  []int
	totals []int
	losses []float64
	done   []*infer.Report
}

func (r *recorder) Step(step, total int, loss float64) {
	r.steps = append(r.steps, step)
	r.totals = append(r.totals, total)
	r.losses = append(r.losses, loss)
}

func (r *recorder) Done(rep *infer.Report) { r.done = append(r.done, rep) }

func TestReporterSeesEveryStep(t *testing.T) {
	var rec recorder
	var lines bytes.Buffer
	q := seedFlow(t, 64)
	rep, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{1, 2}, []float64{0.5, 0.5})),
		infer.Options{Steps: 30, Batch: 64, LR: 0.01, Seed: 3, HasSeed: true, Progress: &lines, Reporter: &rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.steps) != 30 {
		t.Fatalf("reporter saw %d steps, want 30", len(rec.steps))
	}
	for i, s := range rec.steps {
		if s != i+1 || rec.totals[i] != 30 || rec.losses[i] != rep.Losses[i] {
			t.Fatalf("step %d: reporter got (%d, %d, %v), want (%d, 30, %v)", i, s, rec.totals[i], rec.losses[i], i+1, rep.Losses[i])
		}
	}
	if len(rec.done) != 1 || rec.done[0] != rep || rec.done[0].Loss != rep.Loss || rep.Seconds <= 0 {
		t.Fatalf("Done called %d times (report %p, want %p, seconds %v)", len(rec.done), rec.done, rep, rep.Seconds)
	}
	if lines.Len() != 0 {
		t.Errorf("progress lines written beside a reporter: %q", lines.String())
	}

	// Quiet silences the reporter too.
	var quiet recorder
	if _, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{1, 2}, []float64{0.5, 0.5})),
		infer.Options{Steps: 5, Batch: 16, Quiet: true, Reporter: &quiet}, nil); err != nil {
		t.Fatal(err)
	}
	if len(quiet.steps) != 0 || len(quiet.done) != 0 {
		t.Errorf("quiet fit reported %d steps, %d ends", len(quiet.steps), len(quiet.done))
	}
}

// display is a ProgressDisplay that keeps what it is told.
type display struct {
	steps    int
	finished []any
}

func (d *display) Step(step, total int, loss float64) { d.steps = step }
func (d *display) Finish(steps int, converged bool, reason string, loss float64) {
	d.finished = append(d.finished, steps, converged, reason, loss)
}

// TestDisplayReporter: a ProgressDisplay (internal/progress's bar, which
// does not import infer) sees every step and the end of the fit.
func TestDisplayReporter(t *testing.T) {
	var d display
	q := seedFlow(t, 16)
	rep, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{1, 2}, []float64{0.5, 0.5})),
		infer.Options{Steps: 12, Batch: 16, Seed: 3, HasSeed: true, Reporter: infer.DisplayReporter(&d)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{12, false, rep.Reason, rep.Loss}
	if d.steps != 12 || fmt.Sprint(d.finished) != fmt.Sprint(want) {
		t.Errorf("display saw %d steps and Finish%v, want 12 and Finish%v", d.steps, d.finished, want)
	}
}
