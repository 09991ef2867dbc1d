package interp_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

// drawsExampleChecks are TestExamples' checks of the examples of issue 15
// (exact draws), by file name.
var drawsExampleChecks = map[string]func(*testing.T, lang.StringDict){
	"neutra_funnel.flow":          checkNeuTraFunnel,
	"eight_schools_centered.flow": checkEightSchoolsCentered,
}

// summaryOf summarises the draws bound to name.
func summaryOf(t *testing.T, g lang.StringDict, name string) (*draws.Set, *draws.Summary) {
	t.Helper()
	d, ok := g[name].(*stdlib.Draws)
	if !ok {
		t.Fatalf("%s is %v, want draws", name, g[name])
	}
	s, err := draws.Summarize(d.Set)
	if err != nil {
		t.Fatal(err)
	}
	return d.Set, s
}

// column returns the draws [chain][iteration] of the element named name.
func column(t *testing.T, s *draws.Set, name string) [][]float64 {
	t.Helper()
	for _, c := range s.Columns() {
		if c.Name == name {
			return c.Draws
		}
	}
	t.Fatalf("no column %s", name)
	return nil
}

// checkChainFiles checks that write_draws wrote one CmdStan CSV file per
// chain in the working directory, each with the header row and n draws.
func checkChainFiles(t *testing.T, path string, chains, n int) {
	t.Helper()
	for _, f := range draws.ChainFiles(path, chains) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("write_draws: %v", err)
			continue
		}
		rows := 0
		header := false
		for _, l := range strings.Split(string(b), "\n") {
			switch {
			case strings.HasPrefix(l, "lp__,accept_stat__,"):
				header = true
			case l != "" && !strings.HasPrefix(l, "#"):
				rows++
			}
		}
		if !header || rows != n {
			t.Errorf("%s: header %v, %d draws; want CmdStan's columns and %d draws", f, header, rows, n)
		}
	}
}

// checkNeuTraFunnel is issue 15's first criterion on the example's run:
// NeuTra NUTS from the fitted flow guide gives sd(v) within 0.1 of 3 and
// R-hat < 1.01 everywhere with under 1 % divergent transitions. The bar
// on sd(v) is widened by 2 Monte Carlo standard errors of the sd
// (draws.MCSESd from the draws' own ESS, about 0.06 at the bulk ESS of
// 1300 this run has), so a correct sampler fails it with probability
// below 3 %; on the example's seed sd(v) is 2.94. Plain NUTS is only
// logged (it diverges in the neck and under-reports sd(v)).
func checkNeuTraFunnel(t *testing.T, g lang.StringDict) {
	set, s := summaryOf(t, g, "d")
	v := column(t, set, "v")
	mcse, err := draws.MCSESd(v)
	if err != nil {
		t.Fatal(err)
	}
	sdv := rowOf(t, s, "v").SD
	if math.Abs(sdv-3) > 0.1+2*mcse {
		t.Errorf("neutra_funnel: sd(v) = %.3f (MCSE %.3f), want 3 ± (0.1 + 2 MCSE)", sdv, mcse)
	}
	for _, r := range s.Rows {
		if !(r.Rhat < 1.01) {
			t.Errorf("neutra_funnel: R-hat of %s = %.4f, want < 1.01", r.Name, r.Rhat)
		}
	}
	if total := s.Chains * s.Draws; float64(s.Divergent) >= 0.01*float64(total) {
		t.Errorf("neutra_funnel: %d of %d transitions divergent, want under 1 %%", s.Divergent, total)
	}
	_, plain := summaryOf(t, g, "plain")
	t.Logf("neutra_funnel: NeuTra sd(v) %.3f ± %.3f, %d divergent of %d; plain NUTS sd(v) %.3f, %d divergent of %d",
		sdv, mcse, s.Divergent, s.Chains*s.Draws, rowOf(t, plain, "v").SD, plain.Divergent, plain.Chains*plain.Draws)
	checkChainFiles(t, "funnel_draws.csv", s.Chains, s.Draws)
}

// rowOf returns the summary row named name.
func rowOf(t *testing.T, s *draws.Summary, name string) draws.Row {
	t.Helper()
	for _, r := range s.Rows {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no summary row %s", name)
	return draws.Row{}
}

// checkEightSchoolsCentered is issue 15's second criterion on the
// example's run: against posteriordb's reference for eight schools (the
// non-centred model's draws, the same posterior), every mean within 0.1
// reference sd and every sd within 10 % of the reference, each bar
// widened by 2 Monte Carlo standard errors of the run (draws.MCSEMean and
// MCSESd from the draws' ESS: tau's are about 0.05 and 0.1, a few
// hundredths of a reference sd; the reference's own error, 10,000 draws,
// is below 0.01 sd), and R-hat < 1.01 everywhere. On the example's seed
// the worst |z| is 0.04 and the worst sd ratio is 3.8 % from 1.
func checkEightSchoolsCentered(t *testing.T, g lang.StringDict) {
	ref, err := posteriordb.Read(examplesDir(t) + "/posteriordb/eight_schools-eight_schools_noncentered/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	set, s := summaryOf(t, g, "d")
	var names []string
	var means, sds []float64
	for _, r := range s.Rows {
		if r.Rhat >= 1.01 || math.IsNaN(r.Rhat) {
			t.Errorf("eight_schools_centered: R-hat of %s = %.4f, want < 1.01", r.Name, r.Rhat)
		}
		names, means, sds = append(names, r.Name), append(means, r.Mean), append(sds, r.SD)
	}
	rows, err := posteriordb.Score(names, means, sds, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		x := column(t, set, r.Name)
		mm, err1 := draws.MCSEMean(x)
		ms, err2 := draws.MCSESd(x)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		zTol, rTol := 0.1+2*mm/r.Ref.SD, 0.1+2*ms/r.Ref.SD
		if math.Abs(r.Z) > zTol || math.Abs(r.Ratio-1) > rTol {
			t.Errorf("eight_schools_centered %s: mean %.3f (ref %.3f), sd %.3f (ref %.3f): z %.3f (want |z| ≤ %.3f), sd ratio %.3f (want within %.3f of 1)",
				r.Name, r.Mean, r.Ref.Mean, r.SD, r.Ref.SD, r.Z, zTol, r.Ratio, rTol)
		}
	}
	worstZ, worstR := 0.0, 0.0
	for _, r := range rows {
		worstZ, worstR = max(worstZ, math.Abs(r.Z)), max(worstR, math.Abs(r.Ratio-1))
	}
	t.Logf("eight_schools_centered: worst |z| %.3f, worst |sd ratio − 1| %.3f, %d of %d divergent", worstZ, worstR, s.Divergent, s.Chains*s.Draws)
	checkChainFiles(t, "eight_schools_draws.csv", s.Chains, s.Draws)
}

// examplesDir returns the absolute path of the repository's examples
// (TestExamples runs in a temporary working directory).
func examplesDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "examples")
}
