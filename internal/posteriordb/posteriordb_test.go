package posteriordb

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestFlowName(t *testing.T) {
	for stan, want := range map[string]string{"mu": "mu", "theta[1]": "theta[0]", "L[2,3]": "L[1, 2]", "b[10]": "b[9]"} {
		if got := FlowName(stan); got != want {
			t.Errorf("FlowName(%q) = %q, want %q", stan, got, want)
		}
	}
}

// TestScore: z and the sd ratio against hand-computed values, a fit that
// passes, one too wide and one too far off, and a reference parameter the
// summary lacks.
func TestScore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "reference.json")
	src := `{"posterior": "x", "params": {"mu": {"mean": 1, "sd": 2, "q05": 0}, "theta[1]": {"mean": 0, "sd": 1}, "theta[2]": {"mean": 5, "sd": 0.5}}}`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Score([]string{"theta[1]", "mu", "theta[0]"}, []float64{5.2, 1.5, 0.1}, []float64{0.6, 2, 1.5}, ref)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Name: "mu", Z: 0.25, Ratio: 1, Pass: true},
		{Name: "theta[0]", Z: 0.1, Ratio: 1.5, Pass: false},
		{Name: "theta[1]", Z: 0.4, Ratio: 1.2, Pass: false},
	}
	for i, w := range want {
		r := rows[i]
		if r.Name != w.Name || math.Abs(r.Z-w.Z) > 1e-12 || math.Abs(r.Ratio-w.Ratio) > 1e-12 || r.Pass != w.Pass {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	if _, err := Score([]string{"mu"}, []float64{0}, []float64{1}, ref); err == nil {
		t.Error("a summary without theta[0] was scored")
	}
}
