package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/posteriordb"
)

// TestDrawSet: the chains' unconstrained draws of the non-centred eight
// schools are mapped through the model exactly (tau = exp of its
// coordinate, theta = theta_trans · tau + mu), warm-up rows are dropped,
// the sampler columns and lp__ are those of the sampling rows, chain by
// chain; and scoring a summary against a reference built from its own
// means and sds gives z = 0 and ratio = 1.
func TestDrawSet(t *testing.T) {
	t.Chdir("../..")
	p, th, err := loadPosterior("examples/posteriordb/eight_schools-eight_schools_noncentered")
	if err != nil {
		t.Fatal(err)
	}
	const d, warm, n = 10, 2, 5
	if p.Dim() != d || p.CoordName(9) != "tau" || p.CoordName(8) != "mu" {
		t.Fatalf("layout: dim %d, coordinates 8 and 9 %q %q; want 10, mu, tau", p.Dim(), p.CoordName(8), p.CoordName(9))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	res := &infer.NUTSResult{Dim: d, Options: infer.NUTSOptions{Samples: n, Warmup: warm, Seed: 7, Delta: 0.8, MaxDepth: 10, Metric: "diag"}}
	for c := range 2 {
		ch := &infer.Chain{Warmup: warm, AdaptedStepSize: 0.3 + float64(c), InvMetric: make([]float64, d)}
		for i := range warm + n {
			for range d {
				ch.Draws = append(ch.Draws, rng.NormFloat64())
			}
			ch.LP = append(ch.LP, float64(100*c+i))
			ch.AcceptStat = append(ch.AcceptStat, 0.5)
			ch.StepSize = append(ch.StepSize, 0.3)
			ch.TreeDepth = append(ch.TreeDepth, i)
			ch.NLeapfrog = append(ch.NLeapfrog, 1<<i-1)
			ch.Divergent = append(ch.Divergent, i == warm+1)
			ch.Energy = append(ch.Energy, float64(i))
		}
		res.Chains = append(res.Chains, ch)
	}
	set, err := drawSet("es", p, th, res)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range set.Params {
		names = append(names, q.Name)
	}
	if len(names) != 4 || names[0] != "theta_trans" || names[1] != "mu" || names[2] != "tau" || names[3] != "theta" {
		t.Fatalf("params %v, want theta_trans, mu, tau, theta", names)
	}
	for c, ch := range res.Chains {
		if len(set.Draws[c]) != n {
			t.Fatalf("chain %d has %d draws, want %d", c, len(set.Draws[c]), n)
		}
		for i := range n {
			z := ch.Draw(warm + i)
			v := set.Draws[c][i]
			tau, mu := math.Exp(z[9]), z[8]
			if math.Abs(v[9]-tau) > 1e-12*tau || v[8] != mu {
				t.Errorf("chain %d draw %d: mu %v tau %v, want %v %v", c, i, v[8], v[9], mu, tau)
			}
			for j := range 8 {
				if v[j] != z[j] {
					t.Errorf("theta_trans[%d] = %v, want %v", j, v[j], z[j])
				}
				if want := z[j]*tau + mu; math.Abs(v[10+j]-want) > 1e-12*(1+math.Abs(want)) {
					t.Errorf("theta[%d] = %v, want %v", j, v[10+j], want)
				}
			}
			st := set.Stats[c][i]
			if set.LogDensity[c][i] != ch.LP[warm+i] || st.TreeDepth != warm+i || st.Divergent != (i == 1) {
				t.Errorf("chain %d draw %d: lp__ %v, treedepth %d, divergent %v; want the sampling row %d's", c, i, set.LogDensity[c][i], st.TreeDepth, st.Divergent, warm+i)
			}
		}
	}
	// Score against a reference made of the summary itself.
	r := &result{scored: map[string]bool{"mu": true, "tau": true}}
	sum, err := draws.Summarize(set)
	if err != nil {
		t.Fatal(err)
	}
	ref := &posteriordb.Reference{Params: map[string]posteriordb.Param{}}
	for _, row := range sum.Rows {
		if row.Name == "mu" || row.Name == "tau" {
			ref.Params[row.Name] = posteriordb.Param{Mean: row.Mean, SD: row.SD}
		}
	}
	if err := r.score(set, ref); err != nil {
		t.Fatal(err)
	}
	if !r.pass || r.worstZ.Z != 0 || math.Abs(r.worstRatio.Ratio-1) > 1e-15 || len(r.rows) != 2 {
		t.Errorf("self-scored: pass %v, worst z %v, worst ratio %v, %d rows; want pass, 0, 1, 2 rows", r.pass, r.worstZ.Z, r.worstRatio.Ratio, len(r.rows))
	}
	// Move the reference mean of tau by 0.2 sd: |z| = 0.2 fails the 0.1 bar.
	p2 := ref.Params["tau"]
	p2.Mean -= 0.2 * p2.SD
	ref.Params["tau"] = p2
	if err := r.score(set, ref); err != nil {
		t.Fatal(err)
	}
	if r.pass || math.Abs(r.worstZ.Z-0.2) > 1e-12 || r.worstZ.Name != "tau" {
		t.Errorf("shifted reference: pass %v, worst z %v (%s); want FAIL, 0.2 (tau)", r.pass, r.worstZ.Z, r.worstZ.Name)
	}
}

func TestMetricsOf(t *testing.T) {
	old := *metricFor
	defer func() { *metricFor = old }()
	*metricFor = "diamonds=dense,kidiq=diag+dense"
	for name, want := range map[string]string{"diamonds-diamonds": "dense", "kidiq-kidscore_momiq": "diag dense", "arma-arma11": "diag"} {
		got := ""
		for i, m := range metricsOf(name) {
			if i > 0 {
				got += " "
			}
			got += m
		}
		if got != want {
			t.Errorf("metricsOf(%q) = %q, want %q", name, got, want)
		}
	}
}
