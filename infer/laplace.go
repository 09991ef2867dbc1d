package infer

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// Settings of the Gaussian initialisation of posterior fits.
const (
	initStarts     = 4    // L-BFGS runs
	initMaxIter    = 300  // major iterations per run (the funnel has no mode)
	initMaxEvals   = 2000 // function evaluations per run
	initRetries    = 20   // extra random starts when a start is not finite
	initELBODraws  = 128  // draws per candidate ELBO estimate
	initNewtonIter = 4    // Newton refinements of the end point
	initCholSD     = 1e-3 // finite-difference step, in posterior sds
	initChunk      = 512  // most rows per tape pass of the mode search (fewer beyond the tape budget)
	initPathPoints = 10   // points tried along each path (3 above initBigDim)
	initBigDim     = 100
)

// gaussianApprox is a candidate start N(Mean, L·Lᵀ) in the unconstrained
// space, with its estimated ELBO.
type gaussianApprox struct {
	Mean []float64
	L    [][]float64
	Kind string // "laplace", "pathfinder" or "diagonal"
	ELBO float64

	ratios []float64 // log p − log q of the common draws
}

// modeSearch evaluates −log p and its gradient through the tape.
type modeSearch struct {
	p     Posterior
	ctx   context.Context
	d     int
	tp    *tensor.Tape
	err   error // the first error of LogDensity (stops everything)
	evals int   // rows evaluated

	lastX, lastG []float64
	lastF        float64
	perRow       float64 // the tape's values per row (0 until measured)
}

func newModeSearch(p Posterior, ctx context.Context) *modeSearch {
	return &modeSearch{p: p, ctx: ctx, d: p.Dim(), tp: tensor.NewTape()}
}

// gradRows returns log p and its gradient for each row of z ([n, D]) in
// batched tape passes of at most initChunk rows (rows are independent
// draws). Rows that are not finite (in value or gradient) get log p = −Inf.
func (s *modeSearch) gradRows(z []float64) (lp, grad []float64) {
	n := len(z) / s.d
	rows := min(n, DrawProbe) // until the tape's values per row are known
	if s.perRow > 0 {
		rows = min(initChunk, chunkRows(n, s.perRow, 0, 1))
	}
	if n <= rows {
		return s.gradChunk(z)
	}
	lp, grad = make([]float64, 0, n), make([]float64, 0, len(z))
	eachChunk(0, n, rows, func() {}, func(i, m int) bool {
		l, g := s.gradChunk(z[i*s.d : (i+m)*s.d])
		lp, grad = append(lp, l...), append(grad, g...)
		return true
	})
	return lp, grad
}

func (s *modeSearch) gradChunk(z []float64) (lp, grad []float64) {
	n := len(z) / s.d
	lp, grad = make([]float64, n), make([]float64, len(z))
	for i := range lp {
		lp[i] = math.Inf(-1)
	}
	if s.err != nil {
		return lp, grad
	}
	s.tp.Reset()
	defer s.tp.Reset()
	zt := tensor.New(append([]float64(nil), z...), n, s.d)
	s.tp.Watch(zt)
	out, err := s.p.LogDensity(zt)
	s.evals += n
	if err == nil && (out.Rank() != 1 || out.Dim(0) != n) {
		err = fmt.Errorf("the posterior's log density has shape %v for %d draws, want [%d]", out.Shape(), n, n)
	}
	if err != nil {
		s.err = err
		return lp, grad
	}
	vals := out.Data()
	good := make([]bool, n)
	anyGood := false
	for i, v := range vals {
		good[i] = !math.IsNaN(v) && !math.IsInf(v, 0)
		anyGood = anyGood || good[i]
	}
	if !anyGood {
		return lp, grad
	}
	if out.Tracked() {
		s.tp.Backward(tensor.Sum(tensor.Where(good, out, tensor.Scalar(0))))
		copy(grad, zt.Grad())
		if s.perRow == 0 {
			s.perRow = max(float64(s.tp.Floats())/float64(n), 1)
		}
	}
	for i := range n {
		if !good[i] {
			continue
		}
		ok := true
		for _, g := range grad[i*s.d : (i+1)*s.d] {
			if math.IsNaN(g) || math.IsInf(g, 0) {
				ok = false
				break
			}
		}
		if ok {
			lp[i] = vals[i]
		}
	}
	return lp, grad
}

// logDensity returns log p of each row of z ([n, D]) without gradients,
// in chunks of rows (EvalChunks on the search's tape).
func (s *modeSearch) logDensity(z []float64) []float64 {
	n := len(z) / s.d
	lp := make([]float64, n)
	for i := range lp {
		lp[i] = math.Inf(-1)
	}
	if s.err != nil {
		return lp
	}
	zt := tensor.New(z, n, s.d)
	err := EvalChunks(s.tp, n, func(tp *tensor.Tape, lo, m int) error {
		out, err := checkedDensity(s.p, Scratch(tp, zt, lo, m), m)
		s.evals += m
		if err != nil {
			return err
		}
		for i, v := range out.Data() {
			if !math.IsNaN(v) {
				lp[lo+i] = v
			}
		}
		return nil
	})
	if err != nil {
		s.err = err
	}
	return lp
}

// eval returns f = −log p and its gradient at x (+Inf where not finite),
// caching the last point for gonum's separate Func and Grad calls.
func (s *modeSearch) eval(x []float64) (float64, []float64) {
	if s.lastX != nil && equal(x, s.lastX) {
		return s.lastF, s.lastG
	}
	lp, g := s.gradRows(x)
	f := -lp[0]
	for i := range g {
		g[i] = -g[i]
	}
	s.lastX, s.lastF, s.lastG = append(s.lastX[:0], x...), f, g
	return f, g
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// pathRecorder keeps the iterates of an L-BFGS run.
type pathRecorder struct{ xs [][]float64 }

func (r *pathRecorder) Init() error { return nil }
func (r *pathRecorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op == optimize.MajorIteration && !math.IsInf(loc.F, 0) && !math.IsNaN(loc.F) {
		r.xs = append(r.xs, append([]float64(nil), loc.X...))
	}
	return nil
}

// lbfgs minimises −log p from x0 and returns the path of iterates (x0
// first) and the number of iterations.
func (s *modeSearch) lbfgs(x0 []float64) ([][]float64, int) {
	rec := &pathRecorder{xs: [][]float64{append([]float64(nil), x0...)}}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { f, _ := s.eval(x); return f },
		Grad: func(grad, x []float64) { _, g := s.eval(x); copy(grad, g) },
		Status: func() (optimize.Status, error) {
			if s.err != nil {
				return optimize.Failure, s.err
			}
			if s.ctx.Err() != nil {
				return optimize.Failure, s.ctx.Err()
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		MajorIterations: initMaxIter,
		FuncEvaluations: initMaxEvals,
		Recorder:        rec,
		Converger:       &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-14, Iterations: 20},
	}
	res, _ := optimize.Minimize(prob, x0, settings, &optimize.LBFGS{})
	iters := 0
	if res != nil {
		iters = res.MajorIterations
		if last := rec.xs[len(rec.xs)-1]; !math.IsInf(res.F, 0) && !math.IsNaN(res.F) && !equal(last, res.X) {
			rec.xs = append(rec.xs, append([]float64(nil), res.X...))
		}
	}
	return rec.xs, iters
}

// hessian returns the Hessian of −log p at x by central differences of the
// tape gradient (two batched passes: the second with steps of initCholSD
// posterior sds from the first's diagonal), symmetrised, and the gradient
// of −log p at x. ok is false when a perturbed point is not finite.
func (s *modeSearch) hessian(x []float64) (h *mat.SymDense, grad []float64, ok bool) {
	d := s.d
	step := make([]float64, d)
	for j := range d {
		step[j] = 1e-4 * max(1, math.Abs(x[j]))
	}
	var raw []float64
	for pass := range 2 {
		z := make([]float64, 0, (2*d+1)*d)
		for j := range d {
			for _, sg := range []float64{1, -1} {
				row := append([]float64(nil), x...)
				row[j] += sg * step[j]
				z = append(z, row...)
			}
		}
		z = append(z, x...)
		lp, g := s.gradRows(z)
		for _, v := range lp {
			if math.IsInf(v, 0) {
				return nil, nil, false
			}
		}
		raw = make([]float64, d*d)
		for j := range d {
			up, dn := g[2*j*d:(2*j+1)*d], g[(2*j+1)*d:(2*j+2)*d]
			for i := range d {
				raw[i*d+j] = -(up[i] - dn[i]) / (2 * step[j])
			}
		}
		grad = make([]float64, d)
		for i, v := range g[2*d*d:] {
			grad[i] = -v
		}
		if pass == 0 {
			for j := range d {
				if hj := raw[j*d+j]; hj > 0 && !math.IsInf(hj, 0) {
					step[j] = initCholSD / math.Sqrt(hj)
				}
			}
		}
	}
	h = mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			h.SetSym(i, j, (raw[i*d+j]+raw[j*d+i])/2)
		}
	}
	return h, grad, true
}

// gaussianAt returns the Gaussian approximation at x from the Hessian H of
// −log p: N(x, H⁻¹) when H is positive definite, else a diagonal one with
// variances 1/H_jj (1 where H_jj is not positive). It also returns H's
// Cholesky factorisation (nil when not positive definite) and the gradient.
func (s *modeSearch) gaussianAt(x []float64) (*gaussianApprox, *mat.Cholesky, []float64) {
	h, grad, ok := s.hessian(x)
	if !ok {
		return nil, nil, nil
	}
	d := s.d
	g := &gaussianApprox{Mean: append([]float64(nil), x...), L: make([][]float64, d)}
	for i := range g.L {
		g.L[i] = make([]float64, d)
	}
	var ch mat.Cholesky
	if ch.Factorize(h) {
		var cov mat.SymDense
		if err := ch.InverseTo(&cov); err == nil {
			var cc mat.Cholesky
			if cc.Factorize(&cov) {
				var l mat.TriDense
				cc.LTo(&l)
				for i := range d {
					for j := 0; j <= i; j++ {
						g.L[i][j] = l.At(i, j)
					}
				}
				g.Kind = "pathfinder"
				return g, &ch, grad
			}
		}
	}
	for j := range d {
		v := 1.0
		if hj := h.At(j, j); hj > 0 && !math.IsInf(hj, 0) {
			v = 1 / hj
		}
		g.L[j][j] = math.Sqrt(v)
	}
	g.Kind = "diagonal"
	return g, nil, grad
}

// newton refines x towards the mode by Newton steps while the Hessian is
// positive definite and −log p decreases. It returns the last point's
// approximation, labelled "laplace" when its Newton decrement gᵀH⁻¹g is
// below 1e-4 (within 0.01 posterior sds of the mode).
func (s *modeSearch) newton(x []float64) *gaussianApprox {
	var best *gaussianApprox
	f, _ := s.eval(x)
	for range initNewtonIter + 1 {
		g, ch, grad := s.gaussianAt(x)
		if g == nil {
			return best
		}
		best = g
		if ch == nil {
			return best
		}
		var dx mat.VecDense
		if err := ch.SolveVecTo(&dx, mat.NewVecDense(s.d, grad)); err != nil {
			return best
		}
		dec := mat.Dot(&dx, mat.NewVecDense(s.d, grad))
		if dec < 1e-4 {
			g.Kind = "laplace"
		}
		if dec < 1e-12 {
			return best
		}
		nx := make([]float64, s.d)
		for i := range nx {
			nx[i] = x[i] - dx.AtVec(i)
		}
		nf, _ := s.eval(nx)
		if !(nf <= f+1e-9*max(1, math.Abs(f))) {
			return best
		}
		x, f = nx, nf
	}
	return best
}

// elbo estimates the ELBO of N(g.Mean, g.L·g.Lᵀ) from the standard normal
// draws eps ([m, D], shared by all candidates so that they are compared on
// common random numbers) and sets g.ELBO and g.ratios. More than 10%
// non-finite draws give −Inf.
func (s *modeSearch) elbo(g *gaussianApprox, eps []float64) {
	d := s.d
	m := len(eps) / d
	z := make([]float64, len(eps))
	lq := make([]float64, m)
	logDet := 0.0
	for j := range d {
		logDet += math.Log(g.L[j][j])
	}
	for r := range m {
		e := eps[r*d : (r+1)*d]
		q := -logDet - 0.5*float64(d)*math.Log(2*math.Pi)
		for i := range d {
			v := g.Mean[i]
			for j := 0; j <= i; j++ {
				v += g.L[i][j] * e[j]
			}
			z[r*d+i] = v
			q -= 0.5 * e[i] * e[i]
		}
		lq[r] = q
	}
	lp := s.logDensity(z)
	g.ELBO = meanRatio(lp, lq)
	g.ratios = make([]float64, m)
	for i := range lp {
		g.ratios[i] = lp[i] - lq[i]
	}
}

// notWorse reports whether candidate a's ELBO is within two standard
// errors of b's, from their ratios on the common draws.
func notWorse(a, b *gaussianApprox) bool {
	var d []float64
	for i, ra := range a.ratios {
		if v := b.ratios[i] - ra; !math.IsNaN(v) && !math.IsInf(v, 0) {
			d = append(d, v)
		}
	}
	if len(d) < 2 {
		return false
	}
	return stat.Mean(d, nil) <= 2*math.Sqrt(variance(d)/float64(len(d)))
}

// meanRatio returns the mean of lp − lq over finite rows, or −Inf when more
// than 10% are not finite.
func meanRatio(lp, lq []float64) float64 {
	sum, n := 0.0, 0
	for i := range lp {
		if r := lp[i] - lq[i]; !math.IsNaN(r) && !math.IsInf(r, 0) {
			sum += r
			n++
		}
	}
	if n == 0 || float64(n) < 0.9*float64(len(lp)) {
		return math.Inf(-1)
	}
	return sum / float64(n)
}

// startPoints returns initStarts finite starting points: the posterior's
// (InitialPointer) or zeros and standard normal draws; a start whose log
// density is not finite is redrawn up to initRetries times in all.
func (s *modeSearch) startPoints(rng *rand.Rand) [][]float64 {
	draw := func(n int, first bool) [][]float64 {
		if ip, ok := s.p.(InitialPointer); ok {
			// Half the starts from the priors, half uniform on (-2, 2)
			// in the unconstrained space, as Stan initialises its chains:
			// wide priors put starts where a recursion over time
			// explodes (an ARMA model's |theta| > 1) and L-BFGS stalls.
			out := ip.InitialPoints(rng, n)
			for k := 1; k < len(out); k += 2 {
				for j := range out[k] {
					out[k][j] = 4*rng.Float64() - 2
				}
			}
			return out
		}
		out := make([][]float64, n)
		for k := range out {
			out[k] = make([]float64, s.d)
			if k == 0 && first {
				continue
			}
			for j := range out[k] {
				out[k][j] = rng.NormFloat64()
			}
		}
		return out
	}
	var starts [][]float64
	tries := 0
	cands := draw(initStarts, true)
	for len(starts) < initStarts && s.err == nil {
		for _, x := range cands {
			if len(x) != s.d || len(starts) == initStarts {
				continue
			}
			if f, _ := s.eval(x); !math.IsInf(f, 0) {
				starts = append(starts, x)
			}
		}
		tries += len(cands)
		if tries >= initStarts+initRetries || len(starts) == initStarts {
			break
		}
		cands = draw(initStarts-len(starts), false)
		if len(cands) == 0 {
			break
		}
	}
	return starts
}

// pathIndices returns the iterates of a path of n to try: 0, 1, 2, 4, 8,
// … and the last (n−1), thinned evenly to at most limit+1 (the first and
// the last kept).
func pathIndices(n, limit int) []int {
	var idx []int
	for i := 0; i < n-1; i = max(1, 2*i) {
		idx = append(idx, i)
	}
	if len(idx) > limit {
		thin := make([]int, limit)
		for k := range limit {
			thin[k] = idx[k*(len(idx)-1)/max(limit-1, 1)]
		}
		idx = thin
	}
	return append(idx, n-1)
}

// gaussianStart finds the Gaussian approximation to start a posterior fit
// from: L-BFGS on −log p from a few starts, each path's end point refined
// by Newton steps (the Laplace approximation, when the Hessian is positive
// definite there) and points along each path with their Hessian-based
// Gaussians (Pathfinder's idea: the funnel has no mode, and its best
// Gaussian is on the way to −∞). The candidate with the best ELBO estimate
// wins, against the guide as built (prior). It returns nil when the guide
// as built is better or nothing finite was found.
func gaussianStart(q Guide, p Posterior, ctx context.Context, rng *rand.Rand) (best *gaussianApprox, prior float64, stats string, err error) {
	start := time.Now()
	s := newModeSearch(p, ctx)
	eps := make([]float64, initELBODraws*s.d)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	prior, err = guideELBO(q, p, initELBODraws, rng)
	if err != nil && s.err == nil {
		prior = math.Inf(-1)
	}
	starts := s.startPoints(rng)
	iters := 0
	var modes []*gaussianApprox
	consider := func(g *gaussianApprox) {
		if g == nil || s.err != nil {
			return
		}
		s.elbo(g, eps)
		if math.IsInf(g.ELBO, -1) || math.IsNaN(g.ELBO) {
			return
		}
		if g.Kind == "laplace" {
			modes = append(modes, g)
		}
		if best == nil || g.ELBO > best.ELBO {
			best = g
		}
	}
	for _, x0 := range starts {
		if s.err != nil || ctx.Err() != nil {
			break
		}
		path, it := s.lbfgs(x0)
		iters += it
		limit := initPathPoints
		if s.d > initBigDim {
			limit = 2
		}
		idx := pathIndices(len(path), limit)
		for _, i := range idx[:len(idx)-1] {
			g, _, _ := s.gaussianAt(path[i])
			consider(g)
		}
		consider(s.newton(path[len(path)-1]))
	}
	if s.err != nil {
		return nil, prior, "", s.err
	}
	// A point along a path near the mode may beat the Laplace approximation
	// by Monte Carlo noise; prefer the mode unless it is clearly worse.
	if best != nil && best.Kind != "laplace" {
		var pick *gaussianApprox
		for _, g := range modes {
			if notWorse(g, best) && (pick == nil || g.ELBO > pick.ELBO) {
				pick = g
			}
		}
		if pick != nil {
			best = pick
		}
	}
	stats = fmt.Sprintf("%d starts, %d L-BFGS iterations, %d log densities, %.2f s", len(starts), iters, s.evals, time.Since(start).Seconds())
	if best != nil && !(best.ELBO > prior) {
		best = nil
	}
	return best, prior, stats, nil
}

// guideELBO estimates the ELBO of q with n untracked draws.
func guideELBO(q Guide, p Posterior, n int, rng *rand.Rand) (float64, error) {
	r, err := logRatios(q, p, n, rng)
	if err != nil {
		return math.Inf(-1), err
	}
	return meanRatio(r, make([]float64, len(r))), nil
}

// initPosterior applies init = "auto" to a fresh guide: it starts q at the
// best Gaussian approximation of p (GaussianInitializer, or the diagonal
// through MomentInitializer) and returns Report.Init: "laplace",
// "pathfinder", "diagonal" or "prior" (the guide as built was better, or
// the guide cannot be started elsewhere).
func initPosterior(q Guide, p Posterior, o Options, rng *rand.Rand, out io.Writer) (string, error) {
	gi, isG := q.(GaussianInitializer)
	mi, isM := q.(MomentInitializer)
	if !isG && !isM {
		return "prior", nil
	}
	best, prior, stats, err := gaussianStart(q, p, o.Context, rng)
	if err != nil {
		if o.Context.Err() != nil {
			return "prior", nil
		}
		return "", err
	}
	kind := "prior"
	if best != nil {
		switch {
		case isG && gi.InitFromGaussian(best.Mean, best.L):
			kind = best.Kind
		case isM:
			sd := make([]float64, len(best.Mean))
			for i, row := range best.L {
				for _, v := range row[:i+1] {
					sd[i] += v * v
				}
				sd[i] = math.Sqrt(sd[i])
			}
			if mi.InitFromMoments(best.Mean, sd) {
				kind = "diagonal"
			}
		}
	}
	if out != nil {
		if kind == "prior" {
			fmt.Fprintf(out, "init prior: elbo ≈ %.4g, no better Gaussian approximation found (%s)\n", prior, stats)
		} else {
			fmt.Fprintf(out, "init %s: elbo ≈ %.4g (the guide as built: %.4g; %s)\n", kind, best.ELBO, prior, stats)
		}
	}
	return kind, nil
}
