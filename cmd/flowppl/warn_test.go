package main

import (
	"strings"
	"testing"
)

// TestWarnings: check and run print a model parameter that the body never
// uses as a warning (exit 0); run --quiet does not.
func TestWarnings(t *testing.T) {
	inTemp(t, map[string]string{"w.flow": "model m(x, y) {\n    mu ~ Normal(0, 1)\n    y ~ Normal(mu, 1)\n}\nprint(1)\n"})
	const want = "w.flow:1:9: warning: parameter x of model m is never used in its body"
	for _, args := range [][]string{{"check", "w.flow"}, {"run", "w.flow"}} {
		code, _, stderr := flowppl(t, "", args...)
		if code != 0 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "warning") != 1 {
			t.Errorf("flowppl %v: exit %d, stderr %q", args, code, stderr)
		}
	}
	code, stdout, stderr := flowppl(t, "", "run", "--quiet", "w.flow")
	if code != 0 || stdout != "1\n" || stderr != "" {
		t.Errorf("run --quiet: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
