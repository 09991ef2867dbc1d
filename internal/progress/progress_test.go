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

// TestBarSampler: a NaN loss (sample's NUTS iterations) shows the bar as
// "sample" with iterations, without a loss.
func TestBarSampler(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, progressbar.OptionThrottle(0))
	for s := 1; s <= 40; s++ {
		b.Step(s, 40, math.NaN())
	}
	b.Finish(40, false, "", math.NaN())
	out := buf.String()
	for _, want := range testutil.Missing(out, "sample", "40/40", "it/s") {
		t.Errorf("bar output lacks %q:\n%q", want, out)
	}
	if strings.Contains(out, "loss") || strings.Contains(out, "NaN") {
		t.Errorf("bar shows a loss: %q", out)
	}
}
