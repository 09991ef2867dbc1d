package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/progress"
	"github.com/schollz/progressbar/v3"
)

const progressScript = tiny + "r = fit q to t { steps = 20, batch = 16, every = 5 }\nprint(r.steps)\n"

// TestProgressLines checks that a run whose stderr is not a terminal
// writes plain progress lines every `every` steps, and none with --quiet.
func TestProgressLines(t *testing.T) {
	inTemp(t, map[string]string{"p.flow": progressScript})
	code, out, errw := flowppl(t, "", "run", "p.flow")
	if code != 0 || out != "20\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errw)
	}
	line := regexp.MustCompile(`^step +(\d+)/20  loss -?\d+\.\d{4}  \d+ steps/s$`)
	lines := strings.Split(strings.TrimSuffix(errw, "\n"), "\n")
	var steps []string
	for _, l := range lines {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a progress line: %q (stderr %q)", l, errw)
		}
		steps = append(steps, m[1])
	}
	if got := strings.Join(steps, " "); got != "5 10 15 20" {
		t.Errorf("progress lines at steps %s, want 5 10 15 20", got)
	}
	if strings.Contains(errw, "\r") || strings.Contains(errw, "\x1b") {
		t.Errorf("escape codes or carriage returns in plain progress: %q", errw)
	}
	code, _, errw = flowppl(t, "", "run", "p.flow", "--quiet")
	if code != 0 || errw != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, errw)
	}
}

// TestProgressBar checks that on a terminal (faked: progressFor behaves
// as for a terminal, the bar writing to the test's stderr through the
// library's writer option) a fit draws a bar in place instead of lines.
func TestProgressBar(t *testing.T) {
	inTemp(t, map[string]string{"p.flow": progressScript})
	defer func(f func(io.Writer) func() infer.ProgressReporter) { progressFor = f }(progressFor)
	bars := 0
	progressFor = func(w io.Writer) func() infer.ProgressReporter {
		return func() infer.ProgressReporter {
			bars++
			return infer.DisplayReporter(progress.NewBar(w, progressbar.OptionThrottle(0)))
		}
	}
	code, out, errw := flowppl(t, "", "run", "p.flow")
	if code != 0 || out != "20\n" || bars != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q, %d bars", code, out, errw, bars)
	}
	for _, want := range []string{"\r", "20/20", "loss ", "steps/s"} {
		if !strings.Contains(errw, want) {
			t.Errorf("bar lacks %q: %q", want, errw)
		}
	}
	if strings.Contains(errw, "step     5/20") {
		t.Errorf("progress lines beside the bar: %q", errw)
	}
	bars = 0
	code, _, errw = flowppl(t, "", "run", "p.flow", "--quiet")
	if code != 0 || errw != "" || bars != 0 {
		t.Errorf("--quiet: exit %d, stderr %q, %d bars", code, errw, bars)
	}
}
