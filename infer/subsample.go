package infer

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/tensor"
)

// RowSubsampler is a Posterior whose log likelihood is a sum over N
// independent data rows, so that a step of a posterior fit may score m of
// them, scaled by N/m (Options.Subsample; Pyro's plate subsample_size,
// PyMC's Minibatch). Checking that the structure allows it is the
// implementation's business (interp checks the model on a split of the
// rows before the fit).
type RowSubsampler interface {
	Posterior
	// Rows returns N.
	Rows() int
	// UseRows makes LogDensity (and Explain) score only the given rows,
	// distinct and in [0, N), their terms scaled by N/len(rows) and the
	// other terms (priors) unscaled; nil restores all rows.
	UseRows(rows []int)
}

// subsampleInitRows is the number of rows, in multiples of m, of the fixed
// subsample on which a subsampled fit searches its Gaussian start.
const subsampleInitRows = 10

// rowDraws draws the row subsets of a subsampled posterior fit.
type rowDraws struct {
	p    RowSubsampler
	m    int
	perm []int // a permutation of 0..N-1, partially reshuffled each draw
	buf  []int
}

// newRowDraws returns the row draws of a fit with o.Subsample = m, or nil
// when the fit uses all rows (m = 0, or m ≥ N). A posterior that is not a
// RowSubsampler is an error.
func newRowDraws(p Posterior, o Options) (*rowDraws, error) {
	if o.Subsample == 0 {
		return nil, nil
	}
	rs, ok := p.(RowSubsampler)
	if !ok {
		return nil, fmt.Errorf("subsample: this posterior cannot be subsampled (its log density is not a sum over data rows)")
	}
	n := rs.Rows()
	if o.Subsample >= n {
		return nil, nil
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	return &rowDraws{p: rs, m: o.Subsample, perm: perm}, nil
}

// draw returns k distinct rows drawn uniformly without replacement
// (a partial Fisher–Yates shuffle of perm), sorted.
func (d *rowDraws) draw(rng *rand.Rand, k int) []int {
	n := len(d.perm)
	for i := range k {
		j := i + rng.IntN(n-i)
		d.perm[i], d.perm[j] = d.perm[j], d.perm[i]
	}
	d.buf = append(d.buf[:0], d.perm[:k]...)
	slices.Sort(d.buf)
	return d.buf
}

// step draws the rows of one step and makes p use them.
func (d *rowDraws) step(rng *rand.Rand) { d.p.UseRows(d.draw(rng, d.m)) }

// initRows makes p use one fixed subsample of min(N, 10·m) rows, on which
// the Gaussian start is searched: a full-data mode search would cost
// every row per evaluation.
func (d *rowDraws) initRows(rng *rand.Rand) {
	k := min(len(d.perm), subsampleInitRows*d.m)
	if k == len(d.perm) {
		d.p.UseRows(nil)
		return
	}
	d.p.UseRows(slices.Clone(d.draw(rng, k)))
}

// all restores all rows.
func (d *rowDraws) all() { d.p.UseRows(nil) }

// subsampled wraps the loss of a posterior fit so that each step first
// draws its rows.
func (d *rowDraws) subsampled(loss lossFunc, rng *rand.Rand) lossFunc {
	return func(step int, tp *tensor.Tape) (float64, error) {
		d.step(rng)
		return loss(step, tp)
	}
}
