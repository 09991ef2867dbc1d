package draws

import (
	"math"
	"strconv"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"gonum.org/v1/gonum/stat"
)

// readReference reads testdata/reference_draws.csv and the figures the R
// package posterior 1.4.0 computed from them (bench/draws/reference.R).
func readReference(t *testing.T) (map[string][][]float64, map[string]map[string]float64) {
	t.Helper()
	rows := testutil.ReadCSV(t, "testdata/reference_draws.csv")
	sets := map[string][][]float64{}
	for _, r := range rows[1:] {
		c, _ := strconv.Atoi(r[1])
		v, err := strconv.ParseFloat(r[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		x := sets[r[0]]
		for len(x) < c {
			x = append(x, nil)
		}
		x[c-1] = append(x[c-1], v)
		sets[r[0]] = x
	}
	want := map[string]map[string]float64{}
	for _, r := range testutil.ReadCSV(t, "testdata/reference_posterior.csv")[1:] {
		v := math.NaN()
		if r[2] != "NA" {
			var err error
			if v, err = strconv.ParseFloat(r[2], 64); err != nil {
				t.Fatal(err)
			}
		}
		if want[r[0]] == nil {
			want[r[0]] = map[string]float64{}
		}
		want[r[0]][r[1]] = v
	}
	return sets, want
}

// TestPosteriorReference compares every diagnostic with the value the R
// package posterior computed on the same draws: AR(1) chains of
// autocorrelation 0.5, 0.95 and −0.6 (antithetic), a shifted chain, a
// chain with three times the scale, ties, Cauchy draws, a constant (NA),
// one chain, and 2 chains of 7 draws (Geyer's sequence of length 0).
// The only difference is rounding in the FFT and the sums (measured: 2.6e-15
// relative at most), so 1e-12 relative.
func TestPosteriorReference(t *testing.T) {
	sets, want := readReference(t)
	stats := map[string]func(x [][]float64) (float64, error){
		"rhat": Rhat, "rhat_basic": RhatBasic, "ess_bulk": ESSBulk, "ess_tail": ESSTail,
		"ess_mean": ESSMean, "ess_sd": ESSSd, "mcse_mean": MCSEMean, "mcse_sd": MCSESd,
		"ess_q50":  func(x [][]float64) (float64, error) { return ESSQuantile(x, 0.5) },
		"ess_q05":  func(x [][]float64) (float64, error) { return ESSQuantile(x, 0.05) },
		"mcse_q05": func(x [][]float64) (float64, error) { return MCSEQuantile(x, 0.05) },
		"mcse_q95": func(x [][]float64) (float64, error) { return MCSEQuantile(x, 0.95) },
		"q05":      func(x [][]float64) (float64, error) { return Quantile(x, 0.05) },
		"q50":      func(x [][]float64) (float64, error) { return Quantile(x, 0.5) },
		"q95":      func(x [][]float64) (float64, error) { return Quantile(x, 0.95) },
	}
	if len(sets) != 10 || len(want) != 10 {
		t.Fatalf("reference data: %d sets, %d with figures; want 10", len(sets), len(want))
	}
	n, worst := 0, 0.0
	for name, x := range sets {
		for stat, f := range stats {
			w, ok := want[name][stat]
			if !ok {
				t.Fatalf("%s: no reference figure for %s", name, stat)
			}
			got, err := f(x)
			if err != nil {
				t.Fatalf("%s %s: %v", name, stat, err)
			}
			n++
			if math.IsNaN(w) || math.IsNaN(got) {
				if math.IsNaN(w) != math.IsNaN(got) {
					t.Errorf("%s %s = %v, posterior gives %v", name, stat, got, w)
				}
				continue
			}
			worst = max(worst, math.Abs(got-w)/max(1, math.Abs(w)))
			if math.Abs(got-w) > 1e-12*max(1, math.Abs(w)) {
				t.Errorf("%s %s = %.15g, posterior gives %.15g", name, stat, got, w)
			}
		}
	}
	t.Logf("%d figures compared, largest relative difference %.2g", n, worst)
}

// TestESSIndependent checks the ESS of independent draws against its
// expectation S (4 chains × 1000): the estimator's relative sd is about
// √(2/S)·(a few), so 10 % is several standard errors; R-hat of
// independent draws is within 1.01 of 1.
func TestESSIndependent(t *testing.T) {
	x := ar1(randPCG(1), 4, 1000, 0)
	for _, f := range []struct {
		name string
		fn   func([][]float64) (float64, error)
	}{{"bulk", ESSBulk}, {"mean", ESSMean}, {"tail", ESSTail}} {
		got, _ := f.fn(x)
		if math.Abs(got/4000-1) > 0.1 {
			t.Errorf("ESS %s of independent draws = %.0f, want ≈ 4000", f.name, got)
		}
	}
	if r, _ := Rhat(x); r > 1.01 || r < 0.99 {
		t.Errorf("R-hat of independent draws = %.4f", r)
	}
}

// TestESSAR1 checks the ESS of the mean of AR(1) chains against the
// closed form S·(1−φ)/(1+φ) (φ = 0.8: S/9 = 1778 of S = 16000); Geyer's
// estimator has a relative sd of about 10 % at this length, so 25 %.
func TestESSAR1(t *testing.T) {
	x := ar1(randPCG(2), 4, 4000, 0.8)
	got, _ := ESSMean(x)
	want := 16000 * 0.2 / 1.8
	if math.Abs(got/want-1) > 0.25 {
		t.Errorf("ESS of AR(1) φ=0.8 = %.0f, want ≈ %.0f", got, want)
	}
}

// TestRhatShifted checks that a chain shifted by 2 sd gives a large
// R-hat and one with three times the scale is caught by the folded
// (tail) R-hat, which the classic split R-hat misses.
func TestRhatShifted(t *testing.T) {
	x := ar1(randPCG(3), 4, 1000, 0.3)
	for i := range x[3] {
		x[3][i] += 2
	}
	if r, _ := Rhat(x); r < 1.1 {
		t.Errorf("R-hat with a shifted chain = %.3f, want > 1.1", r)
	}
	y := ar1(randPCG(4), 4, 1000, 0.3)
	for i := range y[3] {
		y[3][i] *= 3
	}
	basic, _ := RhatBasic(y)
	rank, _ := Rhat(y)
	if !(rank > 1.05 && basic < 1.02) {
		t.Errorf("scaled chain: rank-normalised R-hat %.3f (want > 1.05), basic %.3f (want < 1.02)", rank, basic)
	}
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		x    [][]float64
		want string
	}{
		{nil, "draws: no chains"},
		{[][]float64{{}}, "draws: chain 1 has no iterations"},
		{[][]float64{{1, 2, 3}, {1, 2}}, "draws: chain 2 has 2 iterations, chain 1 has 3; chains must have equal length"},
	} {
		if _, err := Rhat(tt.x); err == nil || err.Error() != tt.want {
			t.Errorf("Rhat(%v) error = %v, want %q", tt.x, err, tt.want)
		}
	}
	if _, err := Quantile([][]float64{{1, 2}}, 1.5); err == nil || err.Error() != "quantile probability must be in [0, 1], got 1.5" {
		t.Errorf("Quantile p=1.5: %v", err)
	}
}

// TestAutocovarianceDirect checks the FFT autocovariance against the
// direct sum (1/n) Σ (x_t − x̄)(x_{t+k} − x̄), which it equals exactly
// up to rounding (its lag 0 is scaled to var·(n−1)/n, the same thing).
func TestAutocovarianceDirect(t *testing.T) {
	for _, n := range []int{5, 17, 100, 243} {
		x := ar1(randPCG(uint64(n)), 1, n, 0.6)[0]
		got := autocovariance(x, fourierFor(n))
		m := stat.Mean(x, nil)
		for k := range n {
			w := 0.0
			for i := 0; i+k < n; i++ {
				w += (x[i] - m) * (x[i+k] - m)
			}
			w /= float64(n)
			if math.Abs(got[k]-w) > 1e-12 {
				t.Fatalf("n=%d lag %d: %v, direct %v", n, k, got[k], w)
			}
		}
	}
}
