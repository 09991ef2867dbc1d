package progress

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/schollz/progressbar/v3"

	"github.com/flowppl/flowppl/internal/testutil"
)

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
}

func TestBarDrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, progressbar.OptionThrottle(0))
	var losses []float64
	for s := 1; s <= 50; s++ {
		l := 10 / float64(s)
		losses = append(losses, l)
		b.Step(s, 50, l)
	}
	b.Finish(50, false, "", losses[49])
	out := buf.String()
	for _, want := range testutil.Missing(out, "\r", "50/50", "steps/s", "loss ", "fit") {
		t.Errorf("bar output lacks %q:\n%q", want, out)
	}
	if strings.Contains(out, "step     50/50") {
		t.Errorf("bar wrote progress lines: %q", out)
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("bar does not end its line: %q", out)
	}
	if b.Loss() <= losses[49] || b.Loss() >= losses[0] {
		t.Errorf("smoothed loss %v outside (%v, %v)", b.Loss(), losses[49], losses[0])
	}
}

func TestBarStopped(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, progressbar.OptionThrottle(0))
	for s := 1; s <= 7; s++ {
		b.Step(s, 100, 1)
	}
	b.Finish(7, true, "converged at step 5: why", 1)
	if !strings.HasSuffix(buf.String(), "\nconverged at step 5: why; loss 1.0000 after 7 steps\n") {
		t.Errorf("no stop line: %q", buf.String())
	}
}

// samplerBar returns what a sampler's bar writes for iterations 1 to
// steps of total and a Finish at steps (drawn without throttling).
func samplerBar(steps, total int) string {
	var buf bytes.Buffer
	b := NewBar(&buf, progressbar.OptionThrottle(0))
	for s := 1; s <= steps; s++ {
		b.Step(s, total, math.NaN())
	}
	b.Finish(steps, false, "", math.NaN())
	return buf.String()
}

// TestBarSampler: a NaN loss (sample's NUTS iterations) shows the bar as
// "sample" with iterations, without a loss. Its iterations update the
// bar at most every samplerEvery, and a sampler stopped between updates
// shows where it stopped, not the last update.
func TestBarSampler(t *testing.T) {
	out := samplerBar(40, 40)
	for _, want := range testutil.Missing(out, "sample", "40/40", "it/s") {
		t.Errorf("bar output lacks %q:\n%q", want, out)
	}
	if strings.Contains(out, "loss") || strings.Contains(out, "NaN") {
		t.Errorf("bar shows a loss: %q", out)
	}
	out = samplerBar(500, 1000)
	if !strings.Contains(out, "500/1000") {
		t.Errorf("stopped bar does not show 500/1000:\n%q", out)
	}
	if n := strings.Count(out, "/1000"); n > 100 {
		t.Errorf("bar drawn %d times for 500 iterations in well under a second", n)
	}
}
