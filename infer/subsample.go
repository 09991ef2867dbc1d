package infer

import (
	"fmt"
	"math"
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
	// Anchor sets a control variate at the unconstrained point z0 (nil
	// removes it): LogDensity on a subset of the rows adds a term whose
	// expectation over the subsets is 0 and which cancels most of the
	// subsampling noise near z0 (the rows' linearisations at z0, summed
	// over all rows minus the subset's scaled sum). It costs one pass
	// over all rows.
	Anchor(z0 []float64) error
}

// anchorFirst sets when a subsampled fit moves the control variate's
// anchor to the guide's mean (from anchorDraws draws): at step 1 and then
// at intervals doubling from anchorFirst steps (steps 1, 101, 301, 701,
// 1501, ...: the guide moves most early). Each move costs one pass over
// all rows.
const (
	anchorFirst = 100
	anchorDraws = 256
)

// anchorStep reports whether the anchor moves at step (1-based).
func anchorStep(step int) bool {
	k := (step-1)/anchorFirst + 1 // step = 1 + anchorFirst·(2^j − 1) ⇔ k = 2^j
	return (step-1)%anchorFirst == 0 && k&(k-1) == 0
}

// subsampleInitRows is the number of rows, in multiples of m, of the fixed
// subsample on which a subsampled fit searches its Gaussian start.
const subsampleInitRows = 10

// SubsampleDiagnosticDraws is the default number of draws of the ELBO
// estimate and of the PSIS k̂ after a subsampled fit. Both are computed on
// all rows, costing draws × N evaluations of a row's likelihood (the
// defaults 4096 and 1000 would cost more than the fit on large data);
// Options.ELBODraws and ParetoDraws override it.
const SubsampleDiagnosticDraws = 100

// diagnosticDraws sets the draws of the diagnostics of a subsampled fit
// that opts leaves at their defaults.
func (d *rowDraws) diagnosticDraws(o *Options, opts Options) {
	if opts.ELBODraws == 0 {
		o.ELBODraws = SubsampleDiagnosticDraws
	}
	if opts.ParetoDraws == 0 {
		o.ParetoDraws = SubsampleDiagnosticDraws
	}
}

// rowDraws draws the row subsets of a subsampled posterior fit and moves
// its control variate's anchor.
type rowDraws struct {
	p    RowSubsampler
	m    int
	perm []int // a permutation of 0..N-1, partially reshuffled each draw
	buf  []int
	q    Guide
}

// newRowDraws returns the row draws of a fit with o.Subsample = m, or nil
// when the fit uses all rows (m = 0, or m ≥ N). A posterior that is not a
// RowSubsampler is an error.
func newRowDraws(p Posterior, q Guide, o Options) (*rowDraws, error) {
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
	return &rowDraws{p: rs, m: o.Subsample, perm: perm, q: q}, nil
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

// all restores all rows and removes the control variate.
func (d *rowDraws) all() {
	d.p.UseRows(nil)
	d.p.Anchor(nil)
}

// subsampled wraps the loss of a posterior fit so that each step first
// draws its rows (and, at anchorStep, moves the anchor).
func (d *rowDraws) subsampled(loss lossFunc, rng *rand.Rand) lossFunc {
	return func(step int, tp *tensor.Tape) (float64, error) {
		if anchorStep(step) {
			if err := d.anchor(rng); err != nil {
				return 0, err
			}
		}
		d.step(rng)
		return loss(step, tp)
	}
}

// anchor moves the control variate to the mean of anchorDraws draws of q.
func (d *rowDraws) anchor(rng *rand.Rand) error {
	x := d.q.Sample(rng, anchorDraws)
	n, dim := x.Dim(0), x.Dim(1)
	mean := make([]float64, dim)
	for i := range n {
		for j, v := range x.Data()[i*dim : (i+1)*dim] {
			mean[j] += v / float64(n)
		}
	}
	if !allFinite(mean) {
		return d.p.Anchor(nil)
	}
	return d.p.Anchor(mean)
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
