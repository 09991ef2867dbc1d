package infer_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/tensor"
)

var updatePSIS = flag.Bool("update-psis", false, "rewrite testdata/psis_logratios.csv (then run bench/draws/psis_reference.R)")

// psisRatioSets are log importance ratios of known tails: log p − log q
// for q = N(0, 1) against p = N(0, s²) is c·z² with c = (1 − 1/s²)/2, a
// generalized Pareto tail of shape 2c: c = 0.18 (k ≈ 0.36), c = 0.45
// (k ≈ 0.9), and light-tailed Gaussian ratios (k < 0); 1000 each.
func psisRatioSets() map[string][]float64 {
	rng := rand.New(rand.NewPCG(15, 5))
	sets := map[string][]float64{}
	for _, c := range []struct {
		name string
		f    func(z float64) float64
	}{
		{"k036", func(z float64) float64 { return 0.18 * z * z }},
		{"k090", func(z float64) float64 { return 0.45 * z * z }},
		{"light", func(z float64) float64 { return 0.3 * z }},
	} {
		v := make([]float64, 1000)
		for i := range v {
			v[i] = c.f(rng.NormFloat64()) - 3
		}
		sets[c.name] = v
	}
	return sets
}

func TestWritePSISRatios(t *testing.T) {
	if !*updatePSIS {
		t.Skip("run with -update-psis to rewrite the ratios")
	}
	var b strings.Builder
	b.WriteString("name,value\n")
	for _, name := range []string{"k036", "k090", "light"} {
		for _, v := range psisRatioSets()[name] {
			fmt.Fprintf(&b, "%s,%s\n", name, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	if err := os.WriteFile("testdata/psis_logratios.csv", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestParetoSmoothLoo compares ParetoSmooth's normalised log weights and
// k̂ with the R package loo's psis (r_eff = 1) on the same ratios
// (testdata/psis_loo.csv, from bench/draws/psis_reference.R), and k̂ with
// ParetoK's. Only rounding differs: 1e-9.
func TestParetoSmoothLoo(t *testing.T) {
	rows := testutil.ReadCSV(t, "testdata/psis_loo.csv")
	want := map[string][]float64{}
	for _, r := range rows[1:] {
		v, _ := strconv.ParseFloat(r[2], 64)
		want[r[0]] = append(want[r[0]], v)
	}
	worst := 0.0
	for name, lr := range psisRatioSets() {
		w := want[name]
		if len(w) != len(lr)+1 {
			t.Fatalf("%s: %d reference figures for %d ratios", name, len(w), len(lr))
		}
		lw, k, err := infer.ParetoSmooth(lr)
		if err != nil {
			t.Fatal(err)
		}
		if kk, _ := infer.ParetoK(lr); kk != k {
			t.Errorf("%s: ParetoSmooth k̂ %v, ParetoK %v", name, k, kk)
		}
		if math.Abs(k-w[0]) > 1e-9 {
			t.Errorf("%s: k̂ = %.12g, loo %.12g", name, k, w[0])
		}
		for i, v := range lw {
			d := math.Abs(v - w[i+1])
			worst = max(worst, d)
			if d > 1e-9 {
				t.Errorf("%s: log weight %d = %.15g, loo %.15g", name, i, v, w[i+1])
				break
			}
		}
	}
	t.Logf("largest difference of a log weight from loo's: %.2g", worst)
}

func TestParetoSmoothNaN(t *testing.T) {
	lr := psisRatioSets()["k036"][:100]
	lr[3], lr[50] = math.NaN(), math.Inf(-1)
	lw, _, err := infer.ParetoSmooth(lr)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range lw {
		s += math.Exp(v)
	}
	if !math.IsInf(lw[3], -1) || !math.IsInf(lw[50], -1) || math.Abs(s-1) > 1e-12 {
		t.Errorf("NaN ratio: log weights %v, %v (want −Inf); Σw = %v", lw[3], lw[50], s)
	}
	if _, _, err := infer.ParetoSmooth(lr[:5]); err == nil || err.Error() != "pareto smoothing needs at least 10 draws, got 5" {
		t.Errorf("5 ratios: %v", err)
	}
}

// narrowGuide returns the target N(mu, diag(sd²)) with correlation 0.3
// and an affine guide N(gm, diag(gsd²)).
func narrowGuide(t *testing.T, gm, gsd []float64) infer.Guide {
	q := flowGuide(t, "Affine", 2, nil)
	if !q.InitFromGaussian(gm, [][]float64{{gsd[0], 0}, {0, gsd[1]}}) {
		t.Fatal("InitFromGaussian failed")
	}
	return q
}

// TestPSISResampleGaussian: a target N((1, −2), sds (2, 0.5), ρ = 0.3) and
// a guide too narrow (sds 0.8× the target's marginal ones, no
// correlation) and off-centre by 0.15 sd: the guide's own draws have means
// 0.3 and 0.075 off and sds 20 % small; the resampled draws' means and
// sds move to the target's within 4 Monte Carlo standard errors, taken
// with the weights' ESS (sd/√ESS for a mean, sd/√(2·ESS) for an sd), at
// k̂ ≈ 0.4 (ratios c·z², c = 0.18).
func TestPSISResampleGaussian(t *testing.T) {
	mu, sd := []float64{1, -2}, []float64{2, 0.5}
	p := newGaussPost(mu, sd, 0.3, 0)
	q := narrowGuide(t, []float64{0.7, -1.925}, []float64{1.6, 0.4})
	for _, without := range []bool{false, true} {
		n := 4000
		if without {
			n = 1000
		}
		res, err := infer.PSISResample(q, p, n, rand.New(rand.NewPCG(1, 2)), infer.PSISOptions{GuideDraws: 40000, WithoutReplacement: without})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("without replacement %v: k̂ %.3f (threshold %.2f), ESS %.0f (raw %.0f) of %d, %d distinct of %d, warnings %q",
			without, res.ParetoK, res.KThreshold, res.ESS, res.ESSRaw, res.GuideDraws, res.Distinct, len(res.Draws), res.Warnings)
		if !res.Reliable || len(res.Warnings) > 0 || !(res.ParetoK < 0.6) {
			t.Errorf("without replacement %v: reliable %v, k̂ %.2f, warnings %q", without, res.Reliable, res.ParetoK, res.Warnings)
		}
		if len(res.Draws) != n || res.Replace == without {
			t.Fatalf("%d draws, replace %v", len(res.Draws), res.Replace)
		}
		eff := min(res.ESS, float64(n))
		for j := range 2 {
			m, s := 0.0, 0.0
			for _, d := range res.Draws {
				m += d[j]
			}
			m /= float64(n)
			for _, d := range res.Draws {
				s += (d[j] - m) * (d[j] - m)
			}
			s = math.Sqrt(s / float64(n-1))
			if math.Abs(m-mu[j]) > 4*sd[j]/math.Sqrt(eff) || math.Abs(s-sd[j]) > 4*sd[j]/math.Sqrt(2*eff) {
				t.Errorf("without replacement %v, coordinate %d: mean %.3f sd %.3f, want %v and %v", without, j, m, s, mu[j], sd[j])
			}
		}
		for i, d := range res.Draws {
			lp, _ := p.LogDensity(tensorRow(d))
			if math.Abs(lp.Data()[0]-res.LogDensity[i]) > 1e-9 {
				t.Fatalf("draw %d: LogDensity %v, p gives %v", i, res.LogDensity[i], lp.Data()[0])
			}
		}
		// The draws as a set: the summary sees the same means, and the
		// set's header carries k̂ and the weights' ESS.
		set, err := res.DrawSet("gauss", []draws.Param{{Name: "z", Shape: []int{2}}}, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := draws.Summarize(set)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows[1].Name != "z[0]" || math.Abs(sum.Rows[1].Mean-mu[0]) > 4*sd[0]/math.Sqrt(eff) || sum.ParetoK != res.ParetoK || sum.WeightsESS != res.ESS {
			t.Errorf("summary of the PSIS set:\n%s", sum)
		}
	}
}

// TestPSISResampleTooNarrow: a guide with half the target's sds has
// ratios c·z² with c = 0.375 (k ≈ 0.75): the draws are flagged as not
// reliable, with the k̂ warning.
func TestPSISResampleTooNarrow(t *testing.T) {
	p := newGaussPost([]float64{1, -2}, []float64{2, 0.5}, 0, 0)
	q := narrowGuide(t, []float64{1, -2}, []float64{1, 0.25})
	res, err := infer.PSISResample(q, p, 1000, rand.New(rand.NewPCG(1, 2)), infer.PSISOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.GuideDraws != 4000 || res.Reliable || !(res.ParetoK > 0.7) || len(res.Warnings) == 0 || !strings.HasPrefix(res.Warnings[0], "pareto k = ") {
		t.Errorf("S %d, reliable %v, k̂ %.2f, warnings %q", res.GuideDraws, res.Reliable, res.ParetoK, res.Warnings)
	}
}

func TestPSISResampleErrors(t *testing.T) {
	p := newGaussPost([]float64{1, -2}, []float64{2, 0.5}, 0, 0)
	q := narrowGuide(t, []float64{1, -2}, []float64{1, 0.25})
	for _, tt := range []struct {
		n    int
		o    infer.PSISOptions
		want string
	}{
		{0, infer.PSISOptions{}, "psis: need at least one draw, got 0"},
		{10, infer.PSISOptions{GuideDraws: 5}, "psis: need at least 10 guide draws, got 5"},
		{200, infer.PSISOptions{GuideDraws: 100, WithoutReplacement: true}, "psis: cannot draw 200 without replacement from 100 guide draws"},
	} {
		if _, err := infer.PSISResample(q, p, tt.n, rand.New(rand.NewPCG(1, 1)), tt.o); err == nil || err.Error() != tt.want {
			t.Errorf("n %d %+v: %v, want %q", tt.n, tt.o, err, tt.want)
		}
	}
	if _, err := infer.PSISResample(flowGuide(t, "Affine", 3, nil), p, 10, rand.New(rand.NewPCG(1, 1)), infer.PSISOptions{}); err == nil ||
		err.Error() != "psis: the guide has dimension 3 but the posterior has 2 unconstrained dimensions" {
		t.Errorf("dimension mismatch: %v", err)
	}
}

func tensorRow(d []float64) *tensor.Tensor { return tensor.Matrix([][]float64{d}) }
