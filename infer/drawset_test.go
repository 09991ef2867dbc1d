package infer_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// TestNUTSDrawSet: a NUTS run's DrawSet holds exactly the draws after
// warm-up (warm-up kept in the run and skipped), each chain's lp__ and
// sampler statistics row for row, the adapted step size and inverse
// metric (diagonal: one row of D; dense: D rows of D), the settings, and
// the constrained values constrain gives.
func TestNUTSDrawSet(t *testing.T) {
	for _, metric := range []string{"diag", "dense"} {
		res, err := infer.NUTS(stdNormalPost{2}, infer.NUTSOptions{Chains: 2, Warmup: 60, Samples: 25, SaveWarmup: true, Seed: 3, Metric: metric})
		if err != nil {
			t.Fatal(err)
		}
		params := []draws.Param{{Name: "x", Shape: []int{2}}, {Name: "s"}}
		s, err := res.DrawSet("m", params, 3, func(z [][]float64) ([][]float64, error) {
			out := make([][]float64, len(z))
			for i, r := range z {
				out[i] = []float64{r[0], r[1], math.Exp(r[0])}
			}
			return out, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Draws) != 2 || s.Settings.NumSamples != 25 || s.Settings.NumWarmup != 60 || s.Settings.Metric != metric+"_e" || s.Settings.Seed != 3 {
			t.Fatalf("%s: %d chains, settings %+v", metric, len(s.Draws), s.Settings)
		}
		for c, ch := range res.Chains {
			if len(s.Draws[c]) != 25 || ch.Warmup != 60 {
				t.Fatalf("%s chain %d: %d draws (warm-up %d), want 25 after 60", metric, c, len(s.Draws[c]), ch.Warmup)
			}
			for i := range 25 {
				k := ch.Warmup + i
				z := ch.Draw(k)
				if !slices.Equal(s.Draws[c][i], []float64{z[0], z[1], math.Exp(z[0])}) || s.LogDensity[c][i] != ch.LP[k] {
					t.Fatalf("%s chain %d draw %d: %v (lp %v), want %v (lp %v)", metric, c, i, s.Draws[c][i], s.LogDensity[c][i], z, ch.LP[k])
				}
				st := s.Stats[c][i]
				if st.AcceptStat != ch.AcceptStat[k] || st.StepSize != ch.StepSize[k] || st.TreeDepth != ch.TreeDepth[k] ||
					st.Leapfrog != ch.NLeapfrog[k] || st.Divergent != ch.Divergent[k] || st.Energy != ch.Energy[k] {
					t.Fatalf("%s chain %d draw %d: stats %+v differ from the chain's", metric, c, i, st)
				}
			}
			info := s.Chains[c]
			rows := map[string]int{"diag": 1, "dense": 2}[metric]
			if info.StepSize != ch.AdaptedStepSize || len(info.InvMetric) != rows || len(info.InvMetric[0]) != 2 {
				t.Errorf("%s chain %d: step %v inverse metric %v, want %v and %d rows of 2", metric, c, info.StepSize, info.InvMetric, ch.AdaptedStepSize, rows)
			}
		}
	}
}

// TestGuideDraws: a guide's draws come with log q and log p of each draw:
// for a standard normal guide and a standard normal posterior they are
// equal up to the posterior's missing normalising constant.
func TestGuideDraws(t *testing.T) {
	q, err := dist.NewNormal(tensor.Zeros(3), tensor.Full(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	x, lq, lp, err := infer.GuideDraws(guideOf{q}, stdNormalPost{3}, 50, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 50 || len(lq) != 50 || len(lp) != 50 {
		t.Fatalf("%d draws, %d log q, %d log p; want 50", len(x), len(lq), len(lp))
	}
	c := lq[0] - lp[0] // the normal's constant −(3/2) log 2π, if stdNormalPost omits it
	for i := range x {
		if len(x[i]) != 3 || math.Abs(lq[i]-lp[i]-c) > 1e-9 {
			t.Fatalf("draw %d: %v, log q − log p = %v, want %v", i, x[i], lq[i]-lp[i], c)
		}
	}
	if _, _, _, err := infer.GuideDraws(guideOf{q}, stdNormalPost{2}, 5, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a guide of dimension 3 drew for a posterior of dimension 2")
	}
}

// guideOf makes a distribution an infer.Guide without parameters.
type guideOf struct{ dist.Distribution }

func (guideOf) Params() []*tensor.Tensor { return nil }
