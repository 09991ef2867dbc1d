package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestSampleNamedChunks: a guide's named draws (sample(q, n), summary(q))
// come from runs of the model on chunks of draws. With a budget of 1 value
// (chunks of infer.DrawProbe draws, the smallest) they are the same, bit
// for bit, as with the default budget (a first chunk of DrawProbe draws
// that measures, then the rest at once):
// the draws are drawn whole first and each draw's quantities depend on
// that draw only. The runs skip the observations and factor (collect does
// not need the log density), and the derived quantities assigned after
// them are still exact: theta = mu + tau * eta element by element.
func TestSampleNamedChunks(t *testing.T) {
	runs, scored := 0, 0
	tick := lang.NewBuiltin("tick", func(*lang.Thread, *lang.Builtin, lang.Tuple, []lang.Kwarg) (lang.Value, error) {
		runs++
		return lang.None, nil
	})
	zero := lang.NewBuiltin("zero", func(*lang.Thread, *lang.Builtin, lang.Tuple, []lang.Kwarg) (lang.Value, error) {
		scored++
		return lang.Number(0), nil
	})
	th, _, _ := newThread()
	g, err := interp.ExecFile(th, "es.flow", `
y = [28, 8, -3, 7, -1, 1, 18, 12]
s = [15, 10, 16, 11, 9, 11, 10, 18]
model es(y, s) {
    tick()
    mu ~ Normal(0, 5)
    tau ~ HalfNormal(5)
    eta ~ Normal(zeros(8), 1)
    for i in range(8) { y[i] ~ Normal(mu + tau * eta[i] + zero(), s[i]) }
    y ~ Normal(mu + zero(), 100)
    factor(-0.01 * mu^2 + zero())
    theta = mu + tau * eta
    tau2 = tau^2
}
q = flow AffineAutoregressive
r = fit q to es(y, s) by elbo { steps = 3, quiet = true, seed = 1, init = "prior" }
`, lang.StringDict{"tick": tick, "zero": zero})
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	q := g["q"].(*interp.Guide)
	draws := func(budget int) (*lang.Record, int) {
		defer infer.SetTapeBudget(infer.SetTapeBudget(budget))
		th.Rand = rand.New(rand.NewPCG(9, 9))
		runs, scored = 0, 0
		r, err := q.SampleNamed(th, 100)
		if err != nil {
			t.Fatal(err)
		}
		if scored != 0 {
			t.Errorf("the observations or factor were evaluated %d times", scored)
		}
		return r, runs
	}
	whole, wholeRuns := draws(infer.DefaultTapeBudget)
	split, splitRuns := draws(1)
	// DrawProbe draws, then the rest at once; or the rest in chunks of
	// at most DrawProbe.
	p := infer.DrawProbe
	if want := 1 + (100-p+p-1)/p; wholeRuns != 2 || splitRuns != want {
		t.Errorf("model runs: %d with the default budget, %d with budget 1; want 2 and %d", wholeRuns, splitRuns, want)
	}
	for _, name := range []string{"mu", "tau", "eta", "theta", "tau2"} {
		a, b := whole.Fields[name].(*lang.Array), split.Fields[name].(*lang.Array)
		if a == nil || b == nil || len(a.Data()) != len(b.Data()) || len(a.Data()) == 0 {
			t.Fatalf("%s: %v and %v", name, whole.Fields[name], split.Fields[name])
		}
		for i, v := range a.Data() {
			if v != b.Data()[i] || math.IsNaN(v) {
				t.Fatalf("%s[%d]: %v in one chunk, %v in small chunks", name, i, v, b.Data()[i])
			}
		}
	}
	mu, tau := split.Fields["mu"].(*lang.Array).Data(), split.Fields["tau"].(*lang.Array).Data()
	eta, theta := split.Fields["eta"].(*lang.Array).Data(), split.Fields["theta"].(*lang.Array).Data()
	for i := range 100 {
		for j := range 8 {
			if want := mu[i] + tau[i]*eta[i*8+j]; theta[i*8+j] != want {
				t.Fatalf("draw %d: theta[%d] = %v, want mu + tau * eta[%d] = %v", i, j, theta[i*8+j], j, want)
			}
		}
	}
}
