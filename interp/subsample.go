package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// Subsampling data rows (`fit q to m(data) by elbo { subsample = 1000 }`).
//
// The rows are those of the observed data: N is the number of rows
// (leading dimension) of the model's arguments that a ~ observes; when no
// ~ observes an argument directly, of its vector and matrix arguments, if
// they agree. Every vector or matrix argument with N rows is a row
// argument. A step runs the model body with the row arguments cut to the
// same m rows and scales the terms that are sums over rows by N/m.
//
// Before the fit, checkRows runs the model at a few points (the origin of
// the unconstrained space, one near it, draws from the priors), on all rows and on the two halves of a random split of them,
// and classifies the log density's terms by statement (a ~, or a factor
// call): a term equal on the halves and on all rows does not depend on
// the rows (priors; weight 1); a term whose values on the halves add up to
// its value on all rows (to 1e-9 relative) is a sum over rows (weight
// N/m); any other term stops the fit with an error naming it: a recursion
// over rows (a time series, a hidden Markov model), a sum over rows inside
// the model. So does a model that does not run on a subsample (a loop or
// array sized by an argument that counts the rows, a latent with one value
// per row).

// Sizes of the structure check and of the full-data evaluation.
const (
	checkPoints   = 4       // points the structure is checked at
	checkRelTol   = 1e-9    // relative tolerance of the additivity check
	rowChunkElems = 1 << 20 // draws × rows per model run on all rows of a checked posterior
	checkRowsMax  = 1 << 14 // rows the structure check runs on, at most
)

// rowState is what checkRows found, and the rows in use.
type rowState struct {
	n        int                 // N, the number of data rows
	args     []string            // the row arguments, in parameter order
	rowTerms map[ast.Pos]bool    // statements whose terms are sums over the rows
	free     map[ast.Pos]float64 // statements whose terms do not depend on the rows, → 0
	collect  []int               // rows collect runs on: [0] when the latents and derived quantities do not depend on the rows, nil for all

	use   []int               // the rows LogDensity scores (nil: all)
	scale map[ast.Pos]float64 // N/len(use) for the row terms
	gen   int                 // incremented by UseRows

	// The control variate (Anchor): the row terms' sum R and its gradient
	// at the anchor z0, on all rows and on the rows in use (for gen).
	z0           []float64
	r0           float64
	g0           []float64
	useGen       int
	useR0, useG0 []float64 // [1] and [D], for the rows of useGen
}

var _ infer.RowSubsampler = (*Posterior)(nil)

// Rows returns N, the number of data rows found by the structure check of
// a subsampled fit (0 before it).
func (p *Posterior) Rows() int {
	if p.rows == nil {
		return 0
	}
	return p.rows.n
}

// UseRows makes LogDensity and Explain score the given rows only, the
// terms that are sums over rows scaled by N/len(rows); nil restores all
// rows. It panics before the structure check (a broken invariant: the fit
// checks first).
func (p *Posterior) UseRows(rows []int) {
	s := p.rows
	if rows == nil {
		if s != nil {
			s.use, s.scale = nil, nil
		}
		return
	}
	if s == nil {
		panic("interp: UseRows before the structure check")
	}
	s.gen++
	s.use = rows
	w := float64(s.n) / float64(len(rows))
	s.scale = make(map[ast.Pos]float64, len(s.rowTerms))
	for k := range s.rowTerms {
		s.scale[k] = w
	}
}

// anchorRows is the number of rows per tape pass of Anchor.
const anchorRows = 1 << 18

// Anchor sets the control variate of the subsampled log density at z0
// (unconstrained, typically the guide's mean; nil removes it). With rows
// R_S(z) = Σ_{i∈S} ℓ_i(z) in use, LogDensity adds to its estimate
// (N/m) R_S(z) the term
//
//	R(z0) + ∇R(z0)·(z − z0) − (N/m) [R_S(z0) + ∇R_S(z0)·(z − z0)],
//
// whose expectation over the rows drawn is 0: the estimate stays
// unbiased, and its noise is that of the rows' deviations from their
// linearisation at z0 instead of the rows' own spread (Baker et al.'s
// control variates for stochastic-gradient MCMC). Near the posterior's
// centre a step's noise drops from about sqrt(N/m) posterior sds to about
// 1/sqrt(m). Anchor costs one pass over all rows, in chunks; when the row
// terms are not finite at z0 the control variate is removed.
func (p *Posterior) Anchor(z0 []float64) error {
	s := p.rows
	if s == nil {
		return fmt.Errorf("interp: Anchor before the structure check")
	}
	s.z0, s.g0, s.useGen = nil, nil, 0
	if z0 == nil {
		return nil
	}
	r0, g0 := 0.0, make([]float64, len(z0))
	for lo := 0; lo < s.n; lo += anchorRows {
		v, g, err := p.rowTermsAt(z0, rangeInts(lo, min(s.n, lo+anchorRows)))
		if err != nil {
			return err
		}
		r0 += v
		for j := range g0 {
			g0[j] += g[j]
		}
	}
	if !finite(r0) || !allFinite(g0) {
		return nil
	}
	s.z0, s.r0, s.g0 = slices.Clone(z0), r0, g0
	return nil
}

// rowTermsAt returns the sum of the row terms on rows (unscaled) at z
// and its gradient.
func (p *Posterior) rowTermsAt(z []float64, rows []int) (float64, []float64, error) {
	tp := tensor.NewTape()
	defer tp.Reset()
	zt := tensor.New(slices.Clone(z), 1, len(z))
	tp.Watch(zt)
	r := newRun(modeDensity, 1)
	r.z, r.lay, r.rows, r.scale = zt, p.lay, rows, p.rows.free
	if _, err := p.run(p.th, r); err != nil {
		return 0, nil, err
	}
	v := r.logp.Data()[0]
	if !finite(v) || !r.logp.Tracked() {
		return v, make([]float64, len(z)), nil
	}
	tp.Backward(tensor.Sum(r.logp))
	return v, slices.Clone(zt.Grad()), nil
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}

// controlVariate adds the anchor's term (see Anchor) to lp, the
// subsampled log density of the draws z.
func (p *Posterior) controlVariate(z, lp *tensor.Tensor) (*tensor.Tensor, error) {
	s := p.rows
	if s.useGen != s.gen {
		v, g, err := p.rowTermsAt(s.z0, s.use)
		if err != nil {
			return nil, err
		}
		s.useR0, s.useG0, s.useGen = []float64{v}, g, s.gen
	}
	if !finite(s.useR0[0]) || !allFinite(s.useG0) {
		return lp, nil // no control variate for these rows
	}
	w := float64(s.n) / float64(len(s.use))
	d := len(s.z0)
	c := make([]float64, d)
	c0 := s.r0 - w*s.useR0[0]
	for j := range c {
		c[j] = s.g0[j] - w*s.useG0[j]
		c0 -= c[j] * s.z0[j]
	}
	lin := tensor.Reshape(tensor.MatMul(z, tensor.New(c, d, 1)), z.Dim(0))
	return tensor.Add(lp, tensor.AddScalar(lin, c0)), nil
}

// setUp makes a run of the log density use the rows in use.
func (s *rowState) setUp(r *modelRun) {
	if s != nil && s.use != nil {
		r.rows, r.scale = s.use, s.scale
	}
}

// chunked reports whether the log density of b draws on all rows is
// evaluated in chunks of rows (only after the structure check, which
// makes the chunks' sum exact).
func (s *rowState) chunked(b int) bool {
	return s != nil && s.use == nil && s.rowTerms != nil && b*s.n > rowChunkElems && s.n > 1
}

// collectRows returns the rows collect runs on (nil: all).
func (s *rowState) collectRows() []int {
	if s == nil {
		return nil
	}
	return s.collect
}

// logDensityChunked is LogDensity on all rows in chunks of rows, so that
// memory does not grow with draws × rows: the row terms of each chunk,
// unscaled, plus the other terms once.
func (p *Posterior) logDensityChunked(z *tensor.Tensor) (*tensor.Tensor, error) {
	s := p.rows
	b := z.Dim(0)
	c := max(1, rowChunkElems/b)
	if !z.Tracked() {
		// An untracked z may be a scratch tensor of a tape (infer's
		// chunked estimates), whose operations would keep every row
		// chunk's values in the tape's arena until it is reset: on a
		// heap copy, each chunk's values are garbage once summed.
		z = tensor.New(slices.Clone(z.Data()), z.Shape()...)
	}
	var total *tensor.Tensor
	for lo := 0; lo < s.n; lo += c {
		r := newRun(modeDensity, b)
		r.z, r.lay = z, p.lay
		r.rows = rangeInts(lo, min(s.n, lo+c))
		if lo > 0 {
			r.scale = s.free
		}
		if _, err := p.run(p.th, r); err != nil {
			return nil, err
		}
		if total == nil {
			total = r.logp
		} else {
			total = tensor.Add(total, r.logp)
		}
	}
	return total, nil
}

func rangeInts(lo, hi int) []int {
	out := make([]int, hi-lo)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

// sliceRows returns the arguments with the row arguments cut to rows.
func (p *Posterior) sliceRows(rows []int) map[string]lang.Value {
	out := make(map[string]lang.Value, len(p.Args))
	for k, v := range p.Args {
		out[k] = v
	}
	for _, name := range p.rows.args {
		a := p.Args[name].(*lang.Array)
		out[name] = lang.NewArray(tensor.Take(a.T, 0, rows))
	}
	return out
}

// noteObserved records that ~ observes v, bound to name, when v is the
// argument name itself (not a value computed from it).
func (r *modelRun) noteObserved(name string, v lang.Value) {
	if r.observed == nil {
		return
	}
	if a, ok := v.(*lang.Array); ok {
		if b, ok := r.args[name].(*lang.Array); ok && a == b {
			r.observed[name] = true
		}
	}
}

// recordTerm adds a term to its statement's sum (the structure check).
func (r *modelRun) recordTerm(key ast.Pos, what string, lp *tensor.Tensor) {
	lp = lp.Detach()
	if t, ok := r.perTerm[key]; ok {
		r.perTerm[key] = tensor.Add(t, lp)
		return
	}
	r.perTerm[key] = lp
	r.termName[key] = what
}

// termRun runs the log density of the untracked points z on rows (nil:
// all) and returns the run, with each statement's terms.
func (p *Posterior) termRun(z *tensor.Tensor, rows []int) (*modelRun, error) {
	r := newRun(modeDensity, z.Dim(0))
	r.z, r.lay, r.rows = z, p.lay, rows
	r.perTerm, r.termName, r.observed = map[ast.Pos]*tensor.Tensor{}, map[ast.Pos]string{}, map[string]bool{}
	_, err := p.run(p.th, r)
	return r, err
}

// subsampleNeeds ends the structure check's errors.
const subsampleNeeds = "subsampling needs a log likelihood that is a sum over independent rows"

// checkRows finds the data rows of p and checks that its log density can
// be subsampled m rows at a time (see the comment at the top of this
// file). It runs on p.th; errors are plain, for the fit's position.
func (p *Posterior) checkRows(m int) error {
	rng := rand.New(rand.NewPCG(0x5ab5a, 0x3e1))
	// The points: the origin of the unconstrained space, one point
	// uniform in (-0.5, 0.5)^D, and draws from the priors (which may be
	// far out, where a likelihood can underflow).
	d := p.lay.dim
	saved := p.rows
	p.rows = nil
	ok := false
	defer func() {
		if !ok {
			p.rows = saved
		}
	}()
	// Which arguments ~ observes: the origin, all rows.
	first, err := p.termRun(tensor.Zeros(1, d), nil)
	if err != nil {
		return err
	}
	n, args, err := p.findRows(first.observed)
	if err != nil {
		return err
	}
	if n < 2 {
		return fmt.Errorf("subsample: %s has %d row of data (%s), nothing to subsample", p.Model.name, n, strings.Join(args, ", "))
	}
	p.rows = &rowState{n: n, args: args}
	// The check runs on a random set of at most checkRowsMax rows (all
	// rows when there are no more), split in two halves: a log density
	// that is a sum over all rows is one over any set of them.
	sorted := func(part []int) []int { s := slices.Clone(part); slices.Sort(s); return s }
	perm := rng.Perm(n)
	set := sorted(perm[:min(n, checkRowsMax)])
	k := len(set)
	split := rng.Perm(k)
	a, b := make([]int, 0, k/2), make([]int, 0, k-k/2)
	for i, j := range split {
		if i < k/2 {
			a = append(a, set[j])
		} else {
			b = append(b, set[j])
		}
	}
	slices.Sort(a)
	slices.Sort(b)
	if k == n {
		set = nil // all rows, the arguments as given
	}
	p.rows.use = set // for InitialPoints
	flat := make([]float64, 2*d, checkPoints*d)
	for i := range d {
		flat[d+i] = rng.Float64() - 0.5
	}
	for _, pt := range p.InitialPoints(rng, checkPoints-2) {
		flat = append(flat, pt...)
	}
	p.rows.use = nil
	z := tensor.New(flat, len(flat)/d, d)
	runOn := func(rows []int) (*modelRun, error) {
		r, err := p.termRun(z, rows)
		if err != nil {
			return nil, p.sliceError(len(rows), err)
		}
		return r, nil
	}
	full, err := runOn(set)
	if err != nil {
		return err
	}
	ra, err := runOn(a)
	if err != nil {
		return err
	}
	rb, err := runOn(b)
	if err != nil {
		return err
	}
	if m < n && m != len(a) && m != len(b) {
		if _, err := runOn(sorted(perm[:m])); err != nil {
			return err
		}
	}
	rowTerms, free, err := p.classify(full, ra, rb)
	if err != nil {
		return err
	}
	p.rows.rowTerms, p.rows.free = rowTerms, free
	p.rows.collect = p.collectFree(z, set)
	ok = true
	return nil
}

// findRows returns N and the row arguments (see the top of this file).
func (p *Posterior) findRows(observed map[string]bool) (int, []string, error) {
	var obs, arrays []string
	for _, id := range p.Model.params {
		a, ok := p.Args[id.Name].(*lang.Array)
		if !ok || a.T.Rank() < 1 {
			continue
		}
		arrays = append(arrays, id.Name)
		if observed[id.Name] {
			obs = append(obs, id.Name)
		}
	}
	rowsOf := func(name string) int { return p.Args[name].(*lang.Array).Len() }
	sizes := func(names []string) string {
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s has %d", n, rowsOf(n))
		}
		return strings.Join(parts, ", ")
	}
	same := func(names []string) bool {
		for _, n := range names[1:] {
			if rowsOf(n) != rowsOf(names[0]) {
				return false
			}
		}
		return true
	}
	var n int
	switch {
	case len(obs) > 0:
		if !same(obs) {
			return 0, nil, fmt.Errorf("subsample: the observed arguments of %s have different numbers of rows (%s): subsampling draws the same rows of every observed argument, so it cannot tell which are the data rows", p.Model.name, sizes(obs))
		}
		n = rowsOf(obs[0])
	case len(arrays) == 0:
		return 0, nil, fmt.Errorf("subsample: %s has no vector or matrix argument whose rows could be subsampled (subsampling cuts the model's arguments; pass the data as arguments)", p.Model.name)
	case !same(arrays):
		return 0, nil, fmt.Errorf("subsample: no ~ observes an argument of %s, and its vector and matrix arguments have different numbers of rows (%s): subsampling cannot tell which are the data rows", p.Model.name, sizes(arrays))
	default:
		n = rowsOf(arrays[0])
	}
	var args []string
	for _, name := range arrays {
		if rowsOf(name) == n {
			args = append(args, name)
		}
	}
	return n, args, nil
}

// sliceError is the error of a model that fails on k of its rows.
func (p *Posterior) sliceError(k int, err error) error {
	s := p.rows
	hint := ""
	var counts []string
	for _, id := range p.Model.params {
		if v, ok := p.Args[id.Name].(lang.Number); ok && float64(v) == float64(s.n) {
			counts = append(counts, id.Name)
		}
	}
	switch {
	case strings.Contains(err.Error(), "the latent variables change between runs"):
		hint = " (a latent variable with one value per row cannot be subsampled)"
	case len(counts) > 0:
		hint = fmt.Sprintf(" (the argument %s = %d counts the rows and does not shrink with the subsample: use len(%s))", counts[0], s.n, s.args[0])
	}
	return fmt.Errorf("subsample: %s does not run on %d of the %d rows of %s: %v%s; %s", p.Model.name, k, s.n, strings.Join(s.args, ", "), err, hint, subsampleNeeds)
}

// classify sorts the statements' terms into sums over rows and terms that
// do not depend on the rows, from runs on all rows and on two halves.
func (p *Posterior) classify(full, ra, rb *modelRun) (map[ast.Pos]bool, map[ast.Pos]float64, error) {
	rowTerms, free := map[ast.Pos]bool{}, map[ast.Pos]float64{}
	keys := make([]ast.Pos, 0, len(full.perTerm))
	for k := range full.perTerm {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b ast.Pos) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	where := func(k ast.Pos) string {
		name := full.termName[k]
		if k.IsValid() {
			return fmt.Sprintf("%s at %s", name, k)
		}
		return name
	}
	for _, r := range []*modelRun{ra, rb} {
		for k := range r.perTerm {
			if _, ok := full.perTerm[k]; !ok {
				return nil, nil, fmt.Errorf("subsample: the log density of %s has a term on a subsample of the rows and none on all rows; %s", where(k), subsampleNeeds)
			}
		}
	}
	rows := strings.Join(p.rows.args, ", ")
	for _, k := range keys {
		f, a, b := full.perTerm[k].Data(), ra.perTerm[k], rb.perTerm[k]
		if a == nil || b == nil {
			return nil, nil, fmt.Errorf("subsample: the log density of %s has a term on all rows but none on a subsample of them; %s", where(k), subsampleNeeds)
		}
		isFree, isSum, used := true, true, 0
		bad := -1
		for i, fv := range f {
			av, bv := a.Data()[i], b.Data()[i]
			if !finite(fv) || !finite(av) || !finite(bv) {
				continue
			}
			used++
			scale := math.Abs(fv) + math.Abs(av) + math.Abs(bv)
			tol := checkRelTol*scale + 1e-12
			if math.Abs(av-fv) > tol || math.Abs(bv-fv) > tol {
				isFree = false
			}
			if math.Abs(av+bv-fv) > tol {
				isSum = false
				if bad < 0 {
					bad = i
				}
			}
		}
		switch {
		case used == 0:
			return nil, nil, fmt.Errorf("subsample: cannot check the structure of %s: the log density of %s is not finite at any of the %d points checked", p.Model.name, where(k), len(f))
		case isFree:
			free[k] = 0
		case isSum:
			rowTerms[k] = true
		default:
			return nil, nil, fmt.Errorf("subsample: the log density of %s is not a sum over the rows of %s: on two halves of the rows it is %.6g and %.6g, on all rows %.6g, not their sum; %s (a recursion over the rows, such as a time series or a hidden Markov model, or a sum over the rows used inside the model, cannot be subsampled)",
				where(k), rows, a.Data()[bad], b.Data()[bad], f[bad], subsampleNeeds)
		}
	}
	if len(rowTerms) == 0 {
		return nil, nil, fmt.Errorf("subsample: no term of the log density of %s depends on the rows of %s; %s", p.Model.name, rows, subsampleNeeds)
	}
	return rowTerms, free, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// collectFree returns [0] when the latents and derived quantities of the
// points z are the same on one row as on the rows set (nil: all), so that
// summary and sample need not run the likelihood over every row; nil
// otherwise.
func (p *Posterior) collectFree(z *tensor.Tensor, set []int) []int {
	p.rows.collect = set
	all, err := p.collect(p.th, z)
	if err != nil {
		p.rows.collect = nil
		return nil
	}
	p.rows.collect = []int{0}
	defer func() { p.rows.collect = nil }()
	one, err := p.collect(p.th, z)
	if err != nil || !slices.Equal(all.AttrNames(), one.AttrNames()) {
		return nil
	}
	for _, name := range all.AttrNames() {
		u, _ := all.Attr(name)
		v, _ := one.Attr(name)
		ua, ok1 := u.(*lang.Array)
		va, ok2 := v.(*lang.Array)
		if !ok1 || !ok2 || !tensor.SameShape(ua.Shape(), va.Shape()) {
			return nil
		}
		for i, x := range ua.Data() {
			y := va.Data()[i]
			if x != y && !(math.Abs(x-y) <= 1e-12*(1+math.Abs(x))) {
				return nil
			}
		}
	}
	return []int{0}
}
