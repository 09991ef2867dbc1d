package interp_test

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/tensor"
)

// TestConstantCacheRebind: a posterior reuses the values of its body's
// constant expressions between runs, but not once a name they read is
// rebound: after s = 2 at the top level, Normal(0, s) is rebuilt, and
// the log density at x = 0.5 (observing y = 1 under Normal(x, 1)) is the
// closed form with the new scale. Before and after, LogDensity is
// compared with log N(0.5; 0, s) + log N(1; 0.5, 1) to 1e-12.
func TestConstantCacheRebind(t *testing.T) {
	s, run := sessionRunner(t)
	run("s = 1\nmodel m(y) {\n    x ~ Normal(0, s)\n    y ~ Normal(x, 1)\n}\npost = m(1)\n")
	post := s.Globals()["post"].(*interp.Posterior)
	logN := func(x, mu, sd float64) float64 {
		return -0.5*math.Log(2*math.Pi) - math.Log(sd) - 0.5*(x-mu)*(x-mu)/(sd*sd)
	}
	check := func(sd float64) {
		t.Helper()
		for range 2 { // the second run reads the cache
			lp, err := post.LogDensity(tensor.New([]float64{0.5}, 1, 1))
			if err != nil {
				t.Fatal(err)
			}
			want := logN(0.5, 0, sd) + logN(1, 0.5, 1)
			if got := lp.Data()[0]; math.Abs(got-want) > 1e-12 {
				t.Fatalf("s = %g: log density %v, want %v", sd, got, want)
			}
		}
	}
	check(1)
	run("s = 2\n")
	check(2)
}

// TestConstantCacheImpure: an expression that calls a builtin that is
// not pure (sample draws from the thread's random source) is evaluated
// at every run, as before the cache: two runs at the same point give
// different log densities (equal only if two normal draws were equal).
func TestConstantCacheImpure(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "impure.flow", "model m(y) {\n    x ~ Normal(sample(Normal(0, 1)), 1)\n    y ~ Normal(x, 1)\n}\npost = m(1)\n")
	post := g["post"].(*interp.Posterior)
	var lps []float64
	for range 2 {
		lp, err := post.LogDensity(tensor.New([]float64{0.5}, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		lps = append(lps, lp.Data()[0])
	}
	if lps[0] == lps[1] {
		t.Errorf("two runs with a prior mean drawn by sample give the same log density %v", lps[0])
	}
}

// TestConstantCacheRecordOfFlow: a record is cached as a constant only
// when its fields are immutable: a record holding a flow (which a fit
// trains in place) is read afresh at every run, so a constant expression
// through it (log_prob(r.q, 0)) follows the flow's refit; the posterior's
// log density equals a fresh posterior's after the refit.
func TestConstantCacheRecordOfFlow(t *testing.T) {
	s, run := sessionRunner(t)
	run(`q = flow Affine(Normal(0, 1))
fit q to Normal(0, 1) by kl { steps = 200, seed = 1, quiet = true }
r = record(q = q)
model m(y) {
    c = log_prob(r.q, 0)
    mu ~ Normal(c, 1)
    y ~ Normal(mu, 1)
}
post = m(0)
`)
	lp := func(name string) float64 {
		t.Helper()
		v, err := s.Globals()[name].(*interp.Posterior).LogDensity(tensor.New([]float64{0.5}, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		return v.Data()[0]
	}
	before := lp("post")
	if again := lp("post"); again != before { // the second run reads the cache
		t.Fatalf("log density %v then %v at the same point", before, again)
	}
	run("fit q to Normal(5, 1) by kl { steps = 200, seed = 1, quiet = true }\nfresh = m(0)\n")
	after, want := lp("post"), lp("fresh")
	if after != want || after == before {
		t.Errorf("after refitting the flow in the record: log density %v, a fresh posterior's %v (before the refit %v)", after, want, before)
	}
}

// sessionRunner returns a session and a function that runs a piece of
// script in it, as the REPL does, stopping the test on an error.
func sessionRunner(t *testing.T) (*interp.Session, func(src string)) {
	s := interp.NewSession(nil)
	th, _, _ := newThread()
	return s, func(src string) {
		t.Helper()
		f, err := parser.ParseInteractive("<test>", src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Exec(th, f); err != nil {
			t.Fatal(interp.FormatError(err))
		}
	}
}
