package scale_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/flowppl/flowppl/scale"
)

// sbcRun runs simulation-based calibration of examples/sbc/sbc.flow on
// Prism: k simulated data sets, each fitted by the guide, l draws per
// rank, and returns the chi-square p-value of each rank column's
// histogram in the given bins.
func sbcRun(t *testing.T, guide string, k, l, bins, steps int) (pa, pb float64) {
	t.Helper()
	src, err := os.ReadFile("examples/sbc/sbc.flow")
	if err != nil {
		t.Fatal(err)
	}
	cfg := scale.Config{Name: "sbc.flow", Source: string(src), Seed: 2018}
	elems := make([]scale.Element, k)
	for i := range elems {
		elems[i] = scale.Element{Key: fmt.Sprintf("sim%04d", i), Pos: i, Sets: []scale.Binding{
			{Name: "guide", Value: fmt.Sprintf("%q", guide)},
			{Name: "L", Value: fmt.Sprint(l)},
			{Name: "steps", Value: fmt.Sprint(steps)},
		}}
	}
	start := time.Now()
	out := sweep(t, cfg, elems, 2, 2)
	t.Logf("%s guide: %d data sets in %v", guide, k, time.Since(start).Round(time.Millisecond))
	for i, col := range []string{"rank_a", "rank_b"} {
		ranks, failed, err := scale.Column(out, col)
		if err != nil || failed > 0 {
			t.Fatalf("%s: %v, %d failed:\n%s", col, err, failed, out)
		}
		counts, err := scale.RankHistogram(ranks, l, bins)
		if err != nil {
			t.Fatal(err)
		}
		stat, p := scale.ChiSquareUniform(counts)
		t.Logf("%s guide, %s: counts %v, chi-square %.1f, p = %.3g", guide, col, counts, stat, p)
		if i == 0 {
			pa = p
		} else {
			pb = p
		}
	}
	return pa, pb
}

// TestSBC checks calibration on 40 simulated data sets of a conjugate
// linear regression whose posterior has correlation -0.88: the flow guide
// (exact for this Gaussian posterior) gives rank histograms whose
// chi-square p is over 0.01, and the mean-field guide (marginal sd 0.47 of
// the truth) is detected: p below 0.01 for both parameters. With 10 bins
// of the ranks 0..19 the mean-field ranks fall in each outer bin with
// probability Φ(-1.28·0.47) ≈ 0.27 instead of 0.1: an expected
// chi-square near 35 on 9 df (p ≈ 1e-4).
func TestSBC(t *testing.T) {
	const k, l, bins, steps = 40, 19, 10, 300
	if pa, pb := sbcRun(t, "full", k, l, bins, steps); pa < 0.01 || pb < 0.01 {
		t.Errorf("full guide: p = %.3g, %.3g, want both over 0.01 (calibrated)", pa, pb)
	}
	if pa, pb := sbcRun(t, "meanfield", k, l, bins, steps); pa >= 0.01 || pb >= 0.01 {
		t.Errorf("mean-field guide: p = %.3g, %.3g, want both under 0.01 (miscalibration detected)", pa, pb)
	}
}

// TestSBCLong is the done-when run of issue 17: 500 simulated data sets
// per guide, 99 draws per rank, 20 bins (FLOWPPL_LONG=1; its wall time is
// logged).
func TestSBCLong(t *testing.T) {
	if os.Getenv("FLOWPPL_LONG") == "" {
		t.Skip("FLOWPPL_LONG=1 runs 2 × 500 fits")
	}
	const k, l, bins, steps = 500, 99, 20, 300
	if pa, pb := sbcRun(t, "full", k, l, bins, steps); pa < 0.01 || pb < 0.01 {
		t.Errorf("full guide: p = %.3g, %.3g, want both over 0.01 (calibrated)", pa, pb)
	}
	if pa, pb := sbcRun(t, "meanfield", k, l, bins, steps); pa >= 0.01 || pb >= 0.01 {
		t.Errorf("mean-field guide: p = %.3g, %.3g, want both under 0.01", pa, pb)
	}
}
