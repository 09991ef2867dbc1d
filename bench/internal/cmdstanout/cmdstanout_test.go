package cmdstanout

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/internal/testutil"
)

// TestWrite writes two chains of a scalar and a 2×2 matrix: the CmdStan
// files are the two chains' files, and the summary has a row a column
// under R's name (column-major, 1-based) whose mean reads back as the
// summary's to the last bit.
func TestWrite(t *testing.T) {
	if got := []string{RName("theta.2"), RName("lp__"), RName("S.1.2")}; got[0] != "theta[2]" || got[1] != "lp__" || got[2] != "S[1,2]" {
		t.Errorf("RName: %q", got)
	}
	s := &draws.Set{Model: "m", Method: draws.NUTS, Params: []draws.Param{{Name: "a"}, {Name: "S", Shape: []int{2, 2}}}}
	for c := range 2 {
		var ch [][]float64
		var lp []float64
		var st []draws.NUTSStat
		for i := range 8 {
			x := float64(i + 10*c)
			ch = append(ch, []float64{x, x / 3, -x, x * x, 1 / (x + 1)})
			lp = append(lp, -x)
			st = append(st, draws.NUTSStat{StepSize: 0.5, TreeDepth: 1, Leapfrog: 1})
		}
		s.Draws = append(s.Draws, ch)
		s.LogDensity = append(s.LogDensity, lp)
		s.Stats = append(s.Stats, st)
		s.Chains = append(s.Chains, draws.ChainInfo{StepSize: 0.5, InvMetric: [][]float64{{1, 1, 1, 1, 1}}})
	}
	sum, err := draws.Summarize(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names, err := Write(filepath.Join(dir, "m.csv"), filepath.Join(dir, "m.summary.csv"), s, sum)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || filepath.Base(names[0]) != "m_1.csv" || filepath.Base(names[1]) != "m_2.csv" {
		t.Errorf("CmdStan files %q, want m_1.csv, m_2.csv", names)
	}
	recs := testutil.ReadCSV(t, filepath.Join(dir, "m.summary.csv"))
	if len(recs) != 1+len(sum.Rows) || recs[0][0] != "variable" || recs[0][9] != "rhat" {
		t.Fatalf("summary has %d rows, header %q; want %d rows", len(recs), recs[0], 1+len(sum.Rows))
	}
	want := map[string]string{"a": "a", "S[0, 1]": "S[1,2]", "S[1, 0]": "S[2,1]"}
	named := 0
	for i, r := range sum.Rows {
		rec := recs[i+1]
		if w, ok := want[r.Name]; ok {
			named++
			if rec[0] != w {
				t.Errorf("row %s is named %q, want %q", r.Name, rec[0], w)
			}
		}
		if m, err := strconv.ParseFloat(rec[1], 64); err != nil || m != r.Mean {
			t.Errorf("row %s: mean %q, want %v", rec[0], rec[1], r.Mean)
		}
	}
	if named != len(want) {
		t.Errorf("found %d of the rows %v", named, want)
	}
}
