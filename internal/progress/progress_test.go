package progress

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/schollz/progressbar/v3"
)

func TestForWriterNotTerminal(t *testing.T) {
	if ForWriter(&bytes.Buffer{}) != nil {
		t.Error("a buffer got a progress bar")
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
	b.Done(&infer.Report{Steps: 50, Stopped: "steps", Losses: losses})
	out := buf.String()
	for _, want := range []string{"\r", "50/50", "steps/s", "loss ", "fit"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%q", want, out)
		}
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
	b.Done(&infer.Report{Steps: 7, Stopped: "converged", Reason: "converged at step 5: why", Loss: 1})
	if !strings.HasSuffix(buf.String(), "\nconverged at step 5: why; loss 1.0000 after 7 steps\n") {
		t.Errorf("no stop line: %q", buf.String())
	}
}
