package stdlib

import (
	"math"
	"strconv"
	"testing"
)

// TestExactTicks checks that major tick labels are distinct and exact where
// the default formatting rounds neighbours to the same text.
func TestExactTicks(t *testing.T) {
	ts := exactTicks{}.Ticks(1.36, 1.61)
	seen := map[string]bool{}
	n := 0
	for _, tk := range ts {
		if tk.Label == "" {
			continue
		}
		n++
		if seen[tk.Label] {
			t.Errorf("label %q appears twice in %+v", tk.Label, ts)
		}
		seen[tk.Label] = true
		if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-9 {
			t.Errorf("label %q does not read back as %v", tk.Label, tk.Value)
		}
	}
	if n < 2 {
		t.Errorf("only %d labelled ticks in %+v", n, ts)
	}
}
