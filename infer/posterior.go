package infer

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/flowppl/flowppl/tensor"
)

// Posterior is an unnormalised density on the unconstrained space R^D of a
// model's latents (constrained latents mapped by dist.Transform, with the
// log-Jacobian added).
type Posterior interface {
	// Dim returns D.
	Dim() int
	// LogDensity returns log p(data, constrain(z)) + log|J| for each row of
	// z ([B, D] → [B]); it is differentiable in z through the tape. A row
	// may be −Inf or NaN (out of support); a fit drops such rows. Rows are
	// independent draws: row i of the result depends on row i of z only.
	LogDensity(z *tensor.Tensor) (*tensor.Tensor, error)
}

// Explainer is a Posterior that can say why an unconstrained point has a
// non-finite log density, e.g.
// `latent "sigma" = -1 is outside its support (positive)`.
type Explainer interface {
	Explain(z []float64) string
}

// InitialPointer is a Posterior that can propose n random unconstrained
// starting points (e.g. drawn from the priors) for the mode search.
type InitialPointer interface {
	InitialPoints(rng *rand.Rand, n int) [][]float64
}

// GaussianInitializer is a guide that can start at a Gaussian N(mean, L·Lᵀ)
// (L lower triangular with a positive diagonal), as *flows.Flow does with
// a trainable full-rank affine layer at its data end. InitFromGaussian
// reports whether it did.
type GaussianInitializer interface {
	InitFromGaussian(mean []float64, L [][]float64) bool
}

// PosteriorReport describes a finished posterior fit.
type PosteriorReport struct {
	// Report holds the loss (the negative ELBO, smoothed), the trace and
	// how the fit started and stopped. Init is "laplace", "pathfinder",
	// "diagonal", "prior" or "previous" (see FitPosterior).
	Report
	// ELBO is estimated after the fit with Options.ELBODraws draws.
	ELBO float64
	// ParetoK is the PSIS k̂ of log p − log q on Options.ParetoDraws draws
	// from the guide (NaN when it cannot be estimated).
	ParetoK float64
	// Dropped counts the draws dropped over the whole fit because their
	// log density was not finite.
	Dropped int
	// Warnings are the problems the fit found that did not stop it, one
	// sentence each (without a position): a posterior that looks improper
	// (improperWarning), or else a fit that reached its cap with the
	// stopping rule on (capWarning), more than DropWarning of the draws dropped
	// (dropWarning, explained through DropExplainer), a Pareto k̂ above
	// ParetoWarning. Each is also given to Options.Warn, or printed on
	// Progress unless Quiet.
	Warnings []string
}

// Defaults of the diagnostics after a posterior fit.
const (
	DefaultELBODraws   = 4096
	DefaultParetoDraws = 1000
)

// ParetoWarning is the k̂ above which FitPosterior warns that the guide is
// not reliable.
const ParetoWarning = 0.7

// FitPosterior fits q to the posterior p by reverse KL, minimising
// mean(log q(z) − log p(z)) (the negative ELBO) over Batch reparameterised
// draws per step (one pass: on its first fit a flow's direction becomes
// BaseSide). Draws whose log density is not finite are dropped from the
// step and counted in Dropped (Stan's rule); when all are, the fit stops
// with an error that names the problem, through Explainer when p
// implements it.
//
// With Init "auto" (the default) a guide never fitted starts at a Gaussian
// approximation of p found before SGD (see gaussianStart): the Laplace
// approximation at the mode found by L-BFGS ("laplace"), or the best
// Gaussian along the optimisation paths by estimated ELBO ("pathfinder";
// "diagonal" when the Hessian there is not positive definite), unless the
// guide as built has a better ELBO estimate ("prior"). Init "prior" skips
// the search. A flow takes the approximation as a trainable full-rank
// affine layer at its data end, so badly scaled and strongly correlated
// posteriors are no harder for it than N(0, I).
//
// Steps is a cap (default DefaultPosteriorSteps), LR defaults to
// DefaultPosteriorLR, and the stopping rule is
// on (Tol default DefaultPosteriorTol nats; see Options.Tol): the fit ends
// when the loss is shown to have stopped changing, with Converged true,
// or at the cap with Converged false and a warning.
// With Options.Subsample = m below the N rows of a RowSubsampler, each
// step scores m rows drawn without replacement, scaled by N/m (unbiased),
// with a control variate anchored at the guide's mean (RowSubsampler.Anchor,
// moved at steps 1, 101, 301, 701, ...); the Gaussian start is searched on
// one subsample of min(N, 10·m) rows; and the diagnostics below use all
// rows, from SubsampleDiagnosticDraws draws unless ELBODraws and
// ParetoDraws are set.
//
// After the fit, the report carries the ELBO estimated with ELBODraws
// draws and the PSIS k̂ of ParetoDraws of them, and Warnings: a posterior
// that looks improper or else a fit that did not converge within its
// steps, more than 1% of the draws dropped, k̂ above 0.7.
// Each warning goes to Options.Warn, or else is printed on Progress as
// "warning: ..." unless Quiet. Options are as for FitForward (seed, warm-up,
// clip, tol, cancellation); a non-finite loss or gradient stops the fit
// with a *DivergedError.
func FitPosterior(q Guide, p Posterior, opts Options, rng *rand.Rand) (*PosteriorReport, error) {
	opts.Steps = cmp.Or(opts.Steps, DefaultPosteriorSteps)
	opts.Tol = cmp.Or(opts.Tol, DefaultPosteriorTol)
	opts.LR = cmp.Or(opts.LR, DefaultPosteriorLR)
	o, rng, err := begin(q, opts, rng, p.Dim(), "the posterior has %d unconstrained dimensions", true)
	if err != nil {
		return nil, err
	}
	var out io.Writer = os.Stderr
	if o.Progress != nil {
		out = o.Progress
	}
	if o.Quiet {
		out = nil
	}
	rows, err := newRowDraws(p, q, o) // nil: all rows every step
	if err != nil {
		return nil, err
	}
	if rows != nil {
		defer rows.all()
		rows.diagnosticDraws(&o, opts)
	}
	rep := &PosteriorReport{ELBO: math.NaN(), ParetoK: math.NaN()}
	fresh := prepare(q, o, rng, true)
	switch {
	case !fresh:
		rep.Init = "previous"
	case o.Init != "auto":
		rep.Init = "prior"
	default:
		if rows != nil {
			rows.initRows(rng)
		}
		if rep.Init, err = initPosterior(q, p, o, rng, out); err != nil {
			return rep, err
		}
	}
	params := q.Params()
	spread := newSpreadTrace(o.Steps)
	var drops dropSample
	// A step whose draws would hold more than the tape's budget is split
	// into chunks of draws (chunk.go) when the guide is a NoisePusher.
	sp := newSplitter(q)
	sp.least = DrawProbe
	np, isNP := q.(NoisePusher)
	pc := &posteriorChunks{q: np, p: p, sp: sp, dropped: &rep.Dropped, drops: &drops}
	loss := func(step int, tp *tensor.Tape) (float64, error) {
		s1, s2 := rng.Uint64(), rng.Uint64()
		var x, lq *tensor.Tensor
		if isNP && sp.ok {
			noise := noiseOn(np, tp, rand.New(rand.NewPCG(s1, s2)), o.Batch)
			if rows := sp.size(tp, o.Batch, func(m int) *tensor.Tensor { return pc.probe(noise, m) }); rows < o.Batch {
				v, xs, err := pc.step(tp, step, noise, rows)
				spread.record(step, xs)
				return v, err
			}
			x, lq = np.Push(noise)
		} else {
			x, lq = drawWithLogProb(q, nil, rand.New(rand.NewPCG(s1, s2)), o.Batch)
		}
		spread.record(step, x)
		lp, err := checkedDensity(p, x, o.Batch)
		if err != nil {
			return 0, err
		}
		good, idx := finiteRows(lp)
		switch len(idx) {
		case o.Batch:
			return backward(tp, tensor.Mean(tensor.Sub(lq, lp))), nil
		case 0:
			return 0, allDropped(p, x, lp.Len(), lp.Data()[0], step)
		}
		rep.Dropped += o.Batch - len(idx)
		drops.add(x, droppedRows(good))
		v := backward(tp, tensor.Scale(tensor.Sum(tensor.Where(good, tensor.Sub(lq, lp), tensor.Scalar(0))), 1/float64(len(idx))))
		if math.IsNaN(v) || math.IsInf(v, 0) || finiteGrads(params) {
			return v, nil
		}
		// A dropped row's NaN reached the gradient through an operation
		// that mixes rows (a matrix product of zero and NaN): redo the step
		// on a fresh tape with the same draws, keeping the finite rows only.
		tp.Reset()
		for _, p := range params {
			p.ZeroGrad()
		}
		tp.Watch(params...)
		x, lq = drawWithLogProb(q, nil, rand.New(rand.NewPCG(s1, s2)), o.Batch)
		x, lq = tensor.Take(x, 0, idx), tensor.Take(lq, 0, idx)
		if lp, err = checkedDensity(p, x, len(idx)); err != nil {
			return 0, err
		}
		good, idx2 := finiteRows(lp)
		if len(idx2) == 0 {
			return 0, allDropped(p, x, lp.Len(), lp.Data()[0], step)
		}
		return backward(tp, tensor.Scale(tensor.Sum(tensor.Where(good, tensor.Sub(lq, lp), tensor.Scalar(0))), 1/float64(len(idx2)))), nil
	}
	if rows != nil {
		loss = rows.subsampled(loss, rng)
	}
	err = train(q, o, loss, &rep.Report)
	if rows != nil {
		rows.all() // the diagnostics below use all rows
	}
	if err != nil {
		var de *DivergedError
		if errors.As(err, &de) {
			de.Note = improperWarning(p, spread, rep.Losses)
		}
		return rep, err
	}
	if o.Context.Err() != nil {
		return rep, nil
	}
	warn := func(msg string) {
		if msg == "" {
			return
		}
		rep.Warnings = append(rep.Warnings, msg)
		switch {
		case o.Warn != nil:
			o.Warn(msg)
		case out != nil:
			fmt.Fprintf(out, "warning: %s\n", msg)
		}
	}
	// An improper posterior never converges: its warning says why, and
	// "try more steps" would mislead.
	improper := improperWarning(p, spread, rep.Losses)
	warn(improper)
	if rep.Stopped == "steps" && o.Tol > 0 && improper == "" {
		warn(capWarning(rep.Reason, rep.Init))
	}
	warn(dropWarning(p, rep.Dropped, o.Batch*rep.Steps, &drops))
	ratios, err := logRatios(q, p, max(o.ELBODraws, o.ParetoDraws), rng)
	if err != nil {
		return rep, err
	}
	rep.ELBO = meanFinite(ratios[:o.ELBODraws])
	if k, err := ParetoK(ratios[:o.ParetoDraws]); err == nil {
		rep.ParetoK = k
		if k > ParetoWarning {
			warn(fmt.Sprintf("pareto k = %.2f > %.1f: the guide is not reliable for this posterior (importance ratios have a heavy tail); try more layers, more steps, or a different guide", k, ParetoWarning))
		}
	}
	return rep, nil
}

func checkDensityShape(lp *tensor.Tensor, n int) error {
	if lp.Rank() != 1 || lp.Dim(0) != n {
		return fmt.Errorf("the posterior's log density has shape %v for %d draws, want [%d]", lp.Shape(), n, n)
	}
	return nil
}

// finiteRows returns which entries of lp are finite, and their indices.
func finiteRows(lp *tensor.Tensor) ([]bool, []int) {
	good := make([]bool, lp.Len())
	var idx []int
	for i, v := range lp.Data() {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			good[i] = true
			idx = append(idx, i)
		}
	}
	return good, idx
}

func finiteGrads(ps []*tensor.Tensor) bool {
	for _, p := range ps {
		for _, g := range p.Grad() {
			if math.IsNaN(g) || math.IsInf(g, 0) {
				return false
			}
		}
	}
	return true
}

// allDropped is the error of a step whose n draws x all had a non-finite
// log density (first: the first's); it explains the first through
// Explainer when p implements it.
func allDropped(p Posterior, x *tensor.Tensor, n int, first float64, step int) error {
	msg := fmt.Sprintf("all %d draws at step %d had a non-finite log density", n, step)
	if e, ok := p.(Explainer); ok {
		d := x.Dim(1)
		if why := e.Explain(append([]float64(nil), x.Data()[:d]...)); why != "" {
			return fmt.Errorf("%s: %s", msg, why)
		}
	}
	return fmt.Errorf("%s (the first is %v)", msg, first)
}

// logRatios returns log p − log q of n untracked draws from q (NaN where
// log p is not finite), evaluated in chunks of draws without gradients
// (EvalChunks), so that memory does not grow with n.
func logRatios(q Guide, p Posterior, n int, rng *rand.Rand) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("need at least one draw, got %d", n)
	}
	if p.Dim() != q.Dim() {
		return nil, fmt.Errorf("the guide has dimension %d but the posterior has %d unconstrained dimensions", q.Dim(), p.Dim())
	}
	out := make([]float64, n)
	err := evalDraws(q, p, n, rng, func(lo int, _, lq, lp *tensor.Tensor) {
		for i, v := range lp.Data() {
			r := v - lq.Data()[i]
			if math.IsInf(v, 0) {
				r = math.NaN()
			}
			out[lo+i] = r
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// evalDraws draws n untracked points from q, all draws first (n×D values),
// then evaluates log p chunk by chunk without gradients (EvalChunks), so
// that memory does not grow with n; visit gets each chunk's first row lo,
// its draws and their log q and log p.
func evalDraws(q Guide, p Posterior, n int, rng *rand.Rand, visit func(lo int, x, lq, lp *tensor.Tensor)) error {
	np, isNP := q.(NoisePusher)
	var noise, x, lq *tensor.Tensor
	switch {
	case isNP:
		noise = np.Noise(rng, n)
	case checkReparameterized(q) == nil:
		x, lq = drawWithLogProb(q, nil, rng, n)
		x, lq = x.Detach(), lq.Detach()
	default:
		x = q.Sample(rng, n)
		lq = q.LogProb(x)
	}
	return EvalChunks(nil, n, func(tp *tensor.Tape, lo, m int) error {
		var xc, lqc *tensor.Tensor
		if isNP {
			xc, lqc = np.Push(Scratch(tp, noise, lo, m))
		} else {
			xc, lqc = Scratch(tp, x, lo, m), rows(lq, lo, m)
		}
		lp, err := checkedDensity(p, xc, m)
		if err != nil {
			return err
		}
		visit(lo, xc, lqc, lp)
		return nil
	})
}

// checkedDensity returns p's log density of the m draws x, checked to be
// one value a draw.
func checkedDensity(p Posterior, x *tensor.Tensor, m int) (*tensor.Tensor, error) {
	lp, err := p.LogDensity(x)
	if err == nil {
		err = checkDensityShape(lp, m)
	}
	return lp, err
}

// meanFinite returns the mean of the finite values (NaN if none).
func meanFinite(v []float64) float64 {
	s, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// ELBO estimates E_q[log p(z) − log q(z)] from n draws of q (dropping those
// whose log density is not finite, as the fit does). For a normalised p
// it is −KL(q‖p); for q = p it is log Z, the log normalising constant.
func ELBO(q Guide, p Posterior, n int, rng *rand.Rand) (float64, error) {
	r, err := logRatios(q, p, n, rng)
	if err != nil {
		return math.NaN(), err
	}
	v := meanFinite(r)
	if math.IsNaN(v) {
		return v, fmt.Errorf("all %d draws had a non-finite log density", n)
	}
	return v, nil
}
