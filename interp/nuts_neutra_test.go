package interp_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// TestNeuTraEightSchoolsCentered (FLOWPPL_LONG=1) is issue 15's second
// criterion, through the interpreter's posterior: the default flow guide
// fitted to the centred eight schools (k̂ 0.48), then NeuTra NUTS, 4 ×
// (1000 + 5000); every mean within 0.1 reference sd and every sd within
// 10% of posteriordb's (non-centred) reference, rank-normalised split
// R-hat (draws.Rhat, the posterior package's) below 1.01. Both samplers
// run at adapt_delta 0.95, as Stan users run hierarchical models: at
// Stan's 0.8 seed 1 gives tau an R-hat of 1.024 even at 5000 draws a
// chain (bench/RESULTS.md, "NUTS beside Stan and R"); at 0.95 it is
// 1.0014 with no divergence, plain NUTS 236 of 20000 divergent.
// With Stan's 1000 draws a chain the ESS of log tau is about 400 (the
// neck still mixes slowly in the flow's base space) and tau's mean lands
// 0.06–0.13 reference sd above the reference on seeds 1–3; 5000 draws a
// chain bring the Monte Carlo error well inside the bar. Plain NUTS on
// the same posterior is logged beside it.
func TestNeuTraEightSchoolsCentered(t *testing.T) {
	if os.Getenv("FLOWPPL_LONG") == "" {
		t.Skip("FLOWPPL_LONG=1 runs it")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	ref, err := posteriordb.Read("examples/posteriordb/eight_schools-eight_schools_noncentered/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	th, _, _ := newThread()
	g, err := interp.ExecFile(th, "examples/posteriordb/eight_schools-eight_schools_noncentered/centered.flow", nil, nil)
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	post := g["post"].(*interp.Posterior)
	d := post.Dim()
	var h []float64
	for _, w := range interp.PosteriorHidden(d) {
		h = append(h, float64(w))
	}
	base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	if err != nil {
		t.Fatal(err)
	}
	q, err := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{"hidden": h}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := infer.FitPosterior(q, post, infer.Options{Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fit: %d steps, %.1f s, pareto k %.2f", rep.Steps, rep.Seconds, rep.ParetoK)
	// The fitted flow's forward map agrees with its density: log|det| =
	// log base(ε) − log q(T(ε)).
	eps := base.Sample(rand.New(rand.NewPCG(9, 9)), 5)
	x, ld := q.Forward(eps)
	lb, lq := base.LogProb(eps), q.LogProb(x)
	for i := range 5 {
		if want := lb.Data()[i] - lq.Data()[i]; math.Abs(ld.Data()[i]-want) > 1e-8*(1+math.Abs(want)) {
			t.Errorf("Forward's log|det| %v, want log base − log q = %v", ld.Data()[i], want)
		}
	}
	for _, neutra := range []bool{true, false} {
		var res *infer.NUTSResult
		if neutra {
			res, err = infer.NeuTraNUTS(post, q, infer.NUTSOptions{Seed: 1, Samples: 5000, Delta: 0.95})
		} else {
			res, err = infer.NUTS(post, infer.NUTSOptions{Seed: 1, Samples: 5000, Delta: 0.95})
		}
		if err != nil {
			t.Fatal(err)
		}
		div, n := 0, 0
		for _, c := range res.Chains {
			div += c.Divergences()
			n += c.Len()
		}
		var names []string
		var means, sds []float64
		worstRhat := 0.0
		for i := range d {
			name := post.CoordName(i)
			f := func(z float64) float64 { return z }
			if name == "tau" {
				f = math.Exp // HalfCauchy's unconstrained coordinate is log tau
			}
			var x [][]float64
			for _, c := range res.Chains {
				var col []float64
				for k := range c.Len() {
					col = append(col, f(c.Draw(k)[i]))
				}
				x = append(x, col)
			}
			row, err := draws.SummaryRow(name, x)
			if err != nil {
				t.Fatal(err)
			}
			rhat, err := draws.Rhat(x) // rank-normalised split R-hat, posterior's
			if err != nil {
				t.Fatal(err)
			}
			names, means, sds = append(names, name), append(means, row.Mean), append(sds, row.SD)
			worstRhat = max(worstRhat, rhat)
		}
		rows, err := posteriordb.Score(names, means, sds, ref)
		if err != nil {
			t.Fatal(err)
		}
		worstZ, worstRatio := 0.0, 1.0
		for _, r := range rows {
			t.Logf("  %s: mean %.3f (ref %.3f), sd %.3f (ref %.3f), z %.3f, ratio %.3f", r.Name, r.Mean, r.Ref.Mean, r.SD, r.Ref.SD, r.Z, r.Ratio)
			worstZ = max(worstZ, math.Abs(r.Z))
			if math.Abs(math.Log(r.Ratio)) > math.Abs(math.Log(worstRatio)) {
				worstRatio = r.Ratio
			}
		}
		t.Logf("neutra %v: worst |z| %.3f, worst sd ratio %.3f, worst split R-hat %.4f, %d of %d divergent, step %.3f",
			neutra, worstZ, worstRatio, worstRhat, div, n, res.Chains[0].AdaptedStepSize)
		if neutra && (worstZ > 0.1 || worstRatio < 0.9 || worstRatio > 1.1 || worstRhat > 1.01) {
			t.Errorf("NeuTra: worst |z| %.3f (want ≤ 0.1), worst sd ratio %.3f (want in [0.9, 1.1]), R-hat %.4f (want < 1.01)", worstZ, worstRatio, worstRhat)
		}
	}
}
