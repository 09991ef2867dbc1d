package interp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// sameBits reports whether a and b hold the same float64s bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// sameRuns fails unless the two NUTS results hold the same chains: draws,
// lp__, step sizes, tree depths and every other sampler column, bit for
// bit.
func sameRuns(t *testing.T, what string, a, b *infer.NUTSResult) {
	t.Helper()
	if len(a.Chains) != len(b.Chains) {
		t.Fatalf("%s: %d and %d chains", what, len(a.Chains), len(b.Chains))
	}
	for c := range a.Chains {
		x, y := a.Chains[c], b.Chains[c]
		for _, col := range []struct {
			name string
			x, y []float64
		}{
			{"draws", x.Draws, y.Draws}, {"lp", x.LP, y.LP}, {"step sizes", x.StepSize, y.StepSize},
			{"accept_stat", x.AcceptStat, y.AcceptStat}, {"energy", x.Energy, y.Energy},
			{"inverse metric", x.InvMetric, y.InvMetric},
		} {
			if !sameBits(col.x, col.y) {
				t.Errorf("%s: chain %d: the %s differ", what, c+1, col.name)
			}
		}
		if fmt.Sprint(x.TreeDepth, x.NLeapfrog, x.Divergent, x.Gradients) != fmt.Sprint(y.TreeDepth, y.NLeapfrog, y.Divergent, y.Gradients) {
			t.Errorf("%s: chain %d: the tree depths, leapfrogs, divergences or gradient counts differ", what, c+1)
		}
	}
}

// replayed returns the replayed and all gradients of res's chains.
func replayed(res *infer.NUTSResult) (n, all int) {
	for _, c := range res.Chains {
		n += c.Replayed
		all += c.Gradients
	}
	return n, all
}

// nutsTraceOnOff runs NUTS on p with tracing on and off (same options
// otherwise) and checks that the results are identical; it returns the
// traced run.
func nutsTraceOnOff(t *testing.T, what string, p infer.Posterior, o infer.NUTSOptions) *infer.NUTSResult {
	t.Helper()
	o.NoTrace = false
	on, err := infer.NUTS(p, o)
	if err != nil {
		t.Fatalf("%s, traced: %v", what, err)
	}
	o.NoTrace = true
	off, err := infer.NUTS(p, o)
	if err != nil {
		t.Fatalf("%s, untraced: %v", what, err)
	}
	sameRuns(t, what, on, off)
	if n, _ := replayed(off); n != 0 {
		t.Errorf("%s: %d gradients replayed with NoTrace", what, n)
	}
	return on
}

// TestNUTSTraceIdentical: NUTS on eight schools (non-centred) and kidiq,
// with 1 chain and with 4 (batched in rounds of 4 rows on one fork:
// Parallel 1; each chain on its own fork: Unbatched, 4 in parallel), gives
// the same draws, lp__, step sizes and tree depths, bit for bit, with its
// gradients replayed from traces as with every gradient run through the
// interpreter, and almost every gradient is replayed (the others are the
// recordings: both models are traceable, so coverage cannot drop
// silently). Run with -race, the Unbatched case has chains replaying
// their own traces in parallel. With the default layout, traced chains
// run on forks and untraced ones are batched: the draws are the same too
// for these models, whose operations are row-wise.
func TestNUTSTraceIdentical(t *testing.T) {
	for _, pp := range nutsPosteriors {
		for _, tc := range []struct {
			chains, parallel int
			unbatched        bool
		}{{1, 0, false}, {4, 1, false}, {4, 4, true}, {4, 0, false}} {
			what := fmt.Sprintf("%s, %d chains, parallel %d", pp.name, tc.chains, tc.parallel)
			if tc.unbatched {
				what += ", unbatched"
			}
			p := nutsPosteriorT(t, pp.dir)
			o := infer.NUTSOptions{Chains: tc.chains, Warmup: 80, Samples: 30, MaxDepth: 6, Seed: 5, Unbatched: tc.unbatched, Parallel: tc.parallel}
			res := nutsTraceOnOff(t, what, p, o)
			if n, all := replayed(res); float64(n) < 0.99*float64(all) {
				t.Errorf("%s: %d of %d gradients replayed, want at least 99 %%", what, n, all)
			}
		}
	}
}

// TestNUTSTraceFallback: models a trace cannot cover, or only at some
// points, sample the same with tracing on and off. An if on a latent's
// value (one chain: at one row the condition has one value) makes every
// recording unreplayable: no gradient is replayed. A scale that is a
// latent (y ~ Normal(mu, mu)) is out of support for mu ≤ 0, where the
// distribution's guard refuses the replay and the interpreter answers
// (−Inf: the warm-up's divergences): most gradients are still replayed.
// A model that draws (sample) is not a function of the point: nothing is
// replayed. The latent scale is also sampled by 4 chains batched on one
// fork (Parallel 1): a round with a row out of support is refused, then
// evaluated by the interpreter, then row by row (the batcher's fallback,
// through its one-row trace).
func TestNUTSTraceFallback(t *testing.T) {
	o := infer.NUTSOptions{Chains: 1, Warmup: 100, Samples: 50, Seed: 3, SaveWarmup: true}
	batched := o
	batched.Chains, batched.Parallel = 4, 1
	for _, tc := range []struct {
		name, src string
		traced    bool
		o         infer.NUTSOptions
	}{
		{"if on a latent", "model m(y) {\n    mu ~ Normal(0, 3)\n    if mu > 0 {\n        y ~ Normal(mu, 1)\n    } else {\n        y ~ Normal(mu, 2)\n    }\n}\npost = m([0.5, -0.3, 1.2])\n", false, o},
		{"a latent scale", "model m(y) {\n    mu ~ Normal(1, 1)\n    y ~ Normal(0, mu)\n}\npost = m([0.5, -0.3, 1.2, 0.1])\n", true, o},
		{"a latent scale, 4 chains batched", "model m(y) {\n    mu ~ Normal(1, 1)\n    y ~ Normal(0, mu)\n}\npost = m([0.5, -0.3, 1.2, 0.1])\n", true, batched},
		{"sample in the model", "model m(y) {\n    mu ~ Normal(0, 1)\n    y ~ Normal(mu + 0 * sample(Normal(0, 1)), 1)\n}\npost = m([0.5, -0.3])\n", false, o},
	} {
		res := nutsTraceOnOff(t, tc.name, tracePost(t, tc.src), tc.o)
		n, all := replayed(res)
		t.Logf("%s: %d of %d gradients replayed", tc.name, n, all)
		if !tc.traced && n != 0 {
			t.Errorf("%s: %d of %d gradients replayed, want none", tc.name, n, all)
		}
		if tc.traced {
			if float64(n) < 0.5*float64(all) || n == all {
				t.Errorf("%s: %d of %d gradients replayed, want most but not all", tc.name, n, all)
			}
			div := 0
			for _, d := range res.Chains[0].Divergent {
				if d {
					div++
				}
			}
			if div == 0 {
				t.Errorf("%s: no divergent transition: the chain never left the support, so the guard was not tested", tc.name)
			}
		}
	}
}

// TestPosteriorTraceable: Traceable is true for a model of pure
// operations and false for one that calls sample, from its creation (the
// prototype run that finds the latents calls it too), and for its forks;
// print is impure too.
func TestPosteriorTraceable(t *testing.T) {
	pure := tracePost(t, "model m(y) {\n    mu ~ Normal(0, 1)\n    y ~ Normal(mu, 1)\n}\npost = m(0.5)\n")
	impure := tracePost(t, "model m(y) {\n    mu ~ Normal(0, 1)\n    y ~ Normal(mu + 0 * sample(Normal(0, 1)), 1)\n}\npost = m(0.5)\n")
	printing := tracePost(t, "model m(y) {\n    mu ~ Normal(0, 1)\n    print(1)\n    y ~ Normal(mu, 1)\n}\npost = m(0.5)\n")
	if impure.Traceable(1) || printing.Traceable(1) {
		t.Error("a model that calls sample or print is Traceable before a run of its log density")
	}
	for _, p := range []*interp.Posterior{pure, impure} {
		if _, err := p.LogDensity(tensor.New([]float64{0.3}, 1, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if !pure.Traceable(1) || !pure.Traceable(4) {
		t.Error("a pure model is not Traceable")
	}
	if impure.Traceable(1) {
		t.Error("a model that called sample is Traceable")
	}
	if f := impure.Fork().(*interp.Posterior); f.Traceable(1) {
		t.Error("a fork of a model that called sample is Traceable")
	}
}

// TestNeuTraNUTSTraceIdentical: NeuTra NUTS (the pullback through a flow
// guide, which is Traceable when its posterior is: the guide's parameters
// are constants while NUTS runs) gives the same chains with tracing on and
// off, for an affine guide and for an autoregressive one (MADE's masked
// linear layers), and almost every gradient is replayed.
func TestNeuTraNUTSTraceIdentical(t *testing.T) {
	p := nutsPosteriorT(t, nutsPosteriors[0].dir)
	d := p.Dim()
	base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range []string{"Affine", "AffineAutoregressive"} {
		q, err := flows.Apply(fam, base, map[string]flows.OptionValue{}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		o := infer.NUTSOptions{Chains: 2, Warmup: 60, Samples: 20, MaxDepth: 6, Seed: 2}
		var runs [2]*infer.NUTSResult
		for i, off := range []bool{false, true} {
			o.NoTrace = off
			if runs[i], err = infer.NeuTraNUTS(p, q, o); err != nil {
				t.Fatalf("%s: %v", fam, err)
			}
		}
		sameRuns(t, "NeuTra "+fam, runs[0], runs[1])
		for i, c := range runs[0].Chains {
			if !sameBits(c.Base, runs[1].Chains[i].Base) {
				t.Errorf("NeuTra %s: chain %d: the base draws differ", fam, i+1)
			}
		}
		n, all := replayed(runs[0])
		t.Logf("NeuTra %s: %d of %d gradients replayed", fam, n, all)
		if float64(n) < 0.99*float64(all) {
			t.Errorf("NeuTra %s: %d of %d gradients replayed, want at least 99 %%", fam, n, all)
		}
	}
}

// TestNUTSTracePosteriordb: every posteriordb posterior of
// examples/posteriordb, sampled by short NUTS runs (2 chains on forks of
// their own, in parallel), gives the same chains with tracing on and off,
// whether its log density replays or not (traceGolden, trace_test.go, says
// which). Run with -race, the chains replay their own traces in parallel.
func TestNUTSTracePosteriordb(t *testing.T) {
	dirs, err := filepath.Glob("../examples/posteriordb/*/model.flow")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no posteriordb scripts: %v", err)
	}
	for _, path := range dirs {
		dir := filepath.Base(filepath.Dir(path))
		t0 := time.Now()
		p := nutsPosteriorT(t, dir)
		o := infer.NUTSOptions{Chains: 2, Warmup: 12, Samples: 4, MaxDepth: 3, Seed: 4, Unbatched: true, Parallel: 2}
		res := nutsTraceOnOff(t, dir, p, o)
		n, all := replayed(res)
		t.Logf("%s: %d of %d gradients replayed (%v)", dir, n, all, time.Since(t0))
	}
}

// TestNUTSTracePrint: a model that prints runs as often with tracing on as
// off (no extra run to find out that it cannot be traced): the same
// output, one line a run of the model body.
func TestNUTSTracePrint(t *testing.T) {
	src := "model m(y) {\n    mu ~ Normal(0, 1)\n    print(\"run\")\n    y ~ Normal(mu, 1)\n}\nd = sample(m(0.5), 5, warmup = 5, chains = 2, seed = 1, quiet = true)\n"
	var out [2]string
	for i, env := range []string{"0", "1"} {
		t.Setenv("FLOWPPL_NOTRACE", env)
		th, stdout, _ := newThread()
		if _, err := interp.ExecFile(th, "print.flow", src, nil); err != nil {
			t.Fatal(interp.FormatError(err))
		}
		out[i] = stdout.String()
	}
	if out[0] != out[1] || len(out[0]) < 10*len("run\n") {
		t.Errorf("traced output %q, untraced %q", out[0], out[1])
	}
}
