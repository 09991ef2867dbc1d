package interp_test

import (
	"slices"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// onlyPosterior hides every method of a posterior but infer.Posterior's,
// so that NUTS batches its chains on it alone.
type onlyPosterior struct{ p infer.Posterior }

func (o onlyPosterior) Dim() int { return o.p.Dim() }
func (o onlyPosterior) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	return o.p.LogDensity(z)
}

// TestNUTSForkedPosterior: NUTS on the interpreter's posterior draws the
// same chains, bit for bit, whether the four chains are batched on the
// posterior itself (one batcher), on one fork or on two forks running in
// parallel (BatchFork, chains 0, 2 and 1, 3), or run one fork a chain
// one row a call (Unbatched): chain c depends only on the seed and c.
// Run with -race, it also checks that forks share nothing they write.
func TestNUTSForkedPosterior(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "fork.flow", eightSchoolsSrc)
	post := g["post"].(*interp.Posterior)
	run := func(p infer.Posterior, parallel int, unbatched bool) *infer.NUTSResult {
		res, err := infer.NUTS(p, infer.NUTSOptions{Chains: 4, Warmup: 150, Samples: 100, Seed: 3, Parallel: parallel, Unbatched: unbatched})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ref := run(onlyPosterior{post}, 1, false)
	for _, c := range []struct {
		name string
		res  *infer.NUTSResult
	}{
		{"one fork", run(post, 1, false)},
		{"two forks", run(post, 2, false)},
		{"a fork a chain", run(post, 2, true)},
	} {
		for i := range ref.Chains {
			a, b := ref.Chains[i], c.res.Chains[i]
			if !slices.Equal(a.Draws, b.Draws) || !slices.Equal(a.LP, b.LP) || !slices.Equal(a.StepSize, b.StepSize) || !slices.Equal(a.NLeapfrog, b.NLeapfrog) {
				j := 0
				for j < min(len(a.LP), len(b.LP)) && a.LP[j] == b.LP[j] {
					j++
				}
				t.Errorf("%s: chain %d differs from the chains batched on the posterior (lp__ from draw %d)", c.name, i, j)
			}
		}
	}
	if slices.Equal(ref.Chains[0].Draws, ref.Chains[1].Draws) {
		t.Error("chains 0 and 1 are identical")
	}
}
