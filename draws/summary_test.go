package draws

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mixedSet is 4 chains × 500 draws: a, an AR(1) φ = 0.5 (mixes);
// b, with chain 4 shifted by 3 (R-hat far above 1.01, low ESS); and
// NUTS statistics with 7 divergences and 12 transitions at depth 10.
func mixedSet() *Set {
	rng := randPCG(7)
	a := ar1(rng, 4, 500, 0.5)
	b := ar1(rng, 4, 500, 0.5)
	for i := range b[3] {
		b[3][i] += 3
	}
	s := &Set{Model: "mixed", Method: NUTS, Params: []Param{{"a", nil}, {"b", nil}}, Settings: StanDefaults()}
	for c := range 4 {
		var d [][]float64
		var st []NUTSStat
		for i := range 500 {
			d = append(d, []float64{a[c][i], b[c][i]})
			depth := 3
			if c == 1 && i < 12 {
				depth = 10
			}
			st = append(st, NUTSStat{AcceptStat: 0.8, StepSize: 0.5, TreeDepth: depth, Leapfrog: 7, Divergent: c == 2 && i%50 == 0 && i < 350, Energy: a[c][i] * a[c][i]})
		}
		s.Draws = append(s.Draws, d)
		s.Stats = append(s.Stats, st)
	}
	return s
}

// TestSummaryGolden checks the table and the warnings of mixedSet against
// testdata/summary.golden (rewritten by -update), and the figures behind
// them: the counts, the rows equal to the diagnostics computed directly.
func TestSummaryGolden(t *testing.T) {
	s := mixedSet()
	sum, err := Summarize(s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Divergent != 7 || sum.MaxDepthHits != 12 || len(sum.BFMI) != 4 {
		t.Errorf("divergent %d (want 7), max depth %d (want 12), %d E-BFMI", sum.Divergent, sum.MaxDepthHits, len(sum.BFMI))
	}
	col := s.Columns()[1]
	r, _ := Rhat(col.Draws)
	e, _ := ESSBulk(col.Draws)
	if sum.Rows[1].Name != "b" || sum.Rows[1].Rhat != r || sum.Rows[1].ESSBulk != e || !(r > 1.1) {
		t.Errorf("row b: %+v; R-hat %v, ESS bulk %v", sum.Rows[1], r, e)
	}
	if len(sum.Warnings) != 5 {
		t.Errorf("%d warnings, want 5 (R-hat, bulk ESS, tail ESS, divergences, depth):\n%s", len(sum.Warnings), strings.Join(sum.Warnings, "\n"))
	}
	got := sum.String()
	path := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("summary differs from %s:\n%s", path, got)
	}
}

// TestBFMI: an iid energy has E-BFMI ≈ 2 (E(Δ²) = 2 var); a random walk
// has E-BFMI ≈ 0 and is warned about.
func TestBFMI(t *testing.T) {
	x := ar1(randPCG(9), 1, 4000, 0)[0]
	if b := bfmi(x); math.Abs(b-2) > 0.15 {
		t.Errorf("iid energies: E-BFMI %.3f, want ≈ 2", b)
	}
	s := mixedSet()
	for c := range s.Stats {
		e := 0.0
		for i := range s.Stats[c] {
			e += s.Draws[c][i][0]
			s.Stats[c][i].Energy = e
		}
	}
	sum, _ := Summarize(s)
	last := sum.Warnings[len(sum.Warnings)-1]
	if !strings.HasPrefix(last, "E-BFMI below 0.3 in chain 1 (") {
		t.Errorf("random-walk energies: last warning %q", last)
	}
}

// TestSummaryPSIS: a PSIS set's summary shows k̂ and the weights' ESS.
func TestSummaryPSIS(t *testing.T) {
	sum, err := Summarize(psisSet())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "pareto k: 0.42, weights ESS: 812 of 4000 guide draws\n") || sum.Rows[0].Name != "lp__" || sum.Rows[1].Name != "z[0]" {
		t.Errorf("PSIS summary:\n%s", sum)
	}
}
