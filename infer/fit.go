package infer

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/stat"
)

// Guide is a trainable distribution: its log density (and, for reverse
// KL, its draws) depend differentiably on Params.
type Guide interface {
	dist.Distribution
	Params() []*tensor.Tensor
}

// LogDensity is a reverse-KL target: an (unnormalised) log density over
// d-vectors, differentiable in its argument.
type LogDensity interface {
	Dim() int
	LogProb(x *tensor.Tensor) *tensor.Tensor
}

// The optional interfaces below let a fit use a guide's extra abilities;
// *flows.Flow implements all three.

// Initializer is a guide that can redraw its parameters (used with a seed).
type Initializer interface {
	Initialize(rng *rand.Rand)
}

// MomentInitializer is a guide that can start at given per-dimension
// moments (data-dependent initialisation). InitFromMoments reports whether
// it did.
type MomentInitializer interface {
	InitFromMoments(mean, sd []float64) bool
}

// FitPreparer is a guide with state across fits: Fitted reports whether it
// was fitted before, and PrepareFit is called at the start of every fit
// with the objective's direction (flows fix their autoregressive direction
// on the first).
type FitPreparer interface {
	Fitted() bool
	PrepareFit(reverse bool)
}

// Report describes a finished fit.
type Report struct {
	// Loss is the final loss, smoothed: the mean of the last 10% of the
	// step losses (at least one).
	Loss float64
	// Losses are the step losses.
	Losses []float64
	// Steps is the number of steps taken.
	Steps int
	// Seconds is the wall time of the fit.
	Seconds float64
	// Converged reports whether the stopping rule fired (see Options.Tol
	// and stopRule): the loss was shown to change by less than Tol nats
	// over a window of steps. It is false at the cap (Stopped "steps") and
	// for a fit without the rule.
	Converged bool
	// Stopped says why the fit ended: "converged" (the stopping rule
	// fired, and the tail after it ran), "steps" (it ran Steps steps: all
	// it was asked for, or the cap) or "cancelled".
	Stopped string
	// Reason says why the fit ended in a sentence, e.g. "converged at step
	// 350: the loss changed by 0.0031 ± 0.0298 nats over the last 250
	// steps, within tol = 0.05 nats; then 100 steps with the learning rate
	// decayed to 0".
	Reason string
	// Init is the start used: "moments" (moment-matched to the target by
	// init = "auto"), "prior" (the guide as built) or "previous" (the
	// parameters of an earlier fit); for a posterior, "laplace",
	// "pathfinder" or "diagonal" (see FitPosterior).
	Init string
}

// DivergedError is the error of a fit whose loss, gradient or parameters
// became non-finite. The guide's parameters are restored to those of the
// last step with a finite loss and gradient.
type DivergedError struct {
	Step     int     // the step that failed (from 1)
	What     string  // "loss is NaN", "gradient is +Inf", ...
	LastLoss float64 // the last finite loss
	LastStep int     // its step (0 if none)
	LR, Clip float64 // the options used, for the advice
	// Note, when set, is a likelier cause than the learning rate, added
	// to the message: "the posterior may be improper: ..." (FitPosterior).
	Note string
}

func (e *DivergedError) Error() string {
	s := fmt.Sprintf("fit diverged at step %d: %s", e.Step, e.What)
	if e.Note != "" {
		return s + fmt.Sprintf(" (last finite loss %s at step %d); %s", fmtNum(e.LastLoss), e.LastStep, e.Note)
	}
	if e.LastStep == 0 {
		return s + " at the starting parameters; check that the target lies in the guide's support"
	}
	s += fmt.Sprintf(" (last finite loss %s at step %d); try a smaller lr (now %s)", fmtNum(e.LastLoss), e.LastStep, fmtNum(e.LR))
	if e.Clip > 0 {
		return s + fmt.Sprintf(" or a smaller clip (now %s)", fmtNum(e.Clip))
	}
	return s + " or a gradient clip such as clip = 10"
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func nonFinite(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case v > 0:
		return "+Inf"
	}
	return "-Inf"
}

// FitForward fits q to src by forward KL, E_p[−log q(y)]: each step draws
// Batch points from src (fresh draws of a distribution, or a minibatch of
// data rows: maximum likelihood), takes the loss −mean log q(y), its
// gradient by the tape, and an optimiser step.
//
// On the first fit of a guide that implements FitPreparer (a flow), the
// direction becomes DataSide, where log q is one pass. With Init "auto"
// and a guide never fitted, the first batch's per-column mean and sd
// initialise it (MomentInitializer). See Options for the seed, warm-up,
// clipping, tol and cancellation; a non-finite loss or gradient stops the
// fit with a *DivergedError and the last finite parameters. A batch too
// large for the tape's memory budget is differentiated in chunks of rows
// with the gradients summed (see chunk.go; not for a RowCoupler guide).
func FitForward(q Guide, src Source, opts Options, rng *rand.Rand) (*Report, error) {
	o, rng, err := begin(q, opts, rng, src.Dim(), "the target has dimension %d", false)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	fresh := prepare(q, o, rng, false)
	first := src.Next(rng, o.Batch)
	rep.Init = startFrom(q, o, fresh, func() ([]float64, []float64, bool) {
		m, s := tensor.ColumnMoments(first)
		return m, s, true
	})
	sp := newSplitter(q)
	loss := func(step int, tp *tensor.Tape) (float64, error) {
		y := first
		if step > 1 {
			y = nextOn(src, tp, rng, o.Batch)
		}
		n := y.Dim(0)
		return sp.run(tp, n, func() float64 {
			return backward(tp, tensor.Neg(tensor.Mean(q.LogProb(y))))
		}, func(lo, m int) *tensor.Tensor {
			return tensor.Scale(tensor.Sum(q.LogProb(rows(y, lo, m))), -1/float64(n))
		}), nil
	}
	return rep, train(q, o, loss, rep)
}

// FitReverse fits q to target by reverse KL, E_q[log q(x) − log p(x)]
// (the negative ELBO when p is an unnormalised posterior): each step draws
// Batch reparameterised points with their log densities from q
// (dist.SampleLogProber, or RSample and LogProb) and differentiates
// mean(log q − log p) through them.
//
// On the first fit of a flow the direction becomes BaseSide, where drawing
// with log density is one pass. With Init "auto" and a guide never fitted,
// a target with closed-form moments (dist.Moments), or else one that can
// be sampled (dist.Distribution: 4096 draws), initialises it. A batch too
// large for the tape's memory budget is drawn whole and differentiated in
// chunks of rows when q is a NoisePusher (see chunk.go).
//
// Like FitForward it runs exactly Steps steps unless Tol is given: the
// stopping rule is FitPosterior's default only. A distribution target is
// a closed-form density, in tests, teaching examples and comparisons with
// a step count chosen on purpose; a posterior's needs are unknown to its
// user, so its steps are a cap.
func FitReverse(q Guide, target LogDensity, opts Options, rng *rand.Rand) (*Report, error) {
	o, rng, err := begin(q, opts, rng, target.Dim(), "the target has dimension %d", true)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	fresh := prepare(q, o, rng, true)
	rep.Init = startFrom(q, o, fresh, func() ([]float64, []float64, bool) {
		if m, ok := target.(dist.Moments); ok {
			mean, ok1 := m.Mean()
			sd, ok2 := m.StdDev()
			if ok1 && ok2 {
				return mean, sd, true
			}
		}
		if d, ok := target.(dist.Distribution); ok {
			m, s := tensor.ColumnMoments(d.Sample(rng, 4096))
			return m, s, true
		}
		return nil, nil, false
	})
	sp := newSplitter(q)
	np, isNP := q.(NoisePusher)
	loss := func(_ int, tp *tensor.Tape) (float64, error) {
		if !isNP || !sp.ok {
			x, lq := drawWithLogProb(q, tp, rng, o.Batch)
			return backward(tp, tensor.Mean(tensor.Sub(lq, target.LogProb(x)))), nil
		}
		noise := noiseOn(np, tp, rng, o.Batch)
		return sp.run(tp, o.Batch, func() float64 {
			x, lq := np.Push(noise)
			return backward(tp, tensor.Mean(tensor.Sub(lq, target.LogProb(x))))
		}, func(lo, m int) *tensor.Tensor {
			x, lq := np.Push(rows(noise, lo, m))
			return tensor.Scale(tensor.Sum(tensor.Sub(lq, target.LogProb(x))), 1/float64(o.Batch))
		}), nil
	}
	return rep, train(q, o, loss, rep)
}

// checkReparameterized reports an error for a guide whose draws are not
// differentiable in its parameters.
func checkReparameterized(q Guide) error {
	_, slp := q.(dist.SampleLogProber)
	_, rs := q.(dist.Reparameterized)
	if !slp && !rs {
		return fmt.Errorf("reverse KL needs a reparameterised guide; %s is not", q)
	}
	return nil
}

// drawWithLogProb returns n reparameterised draws of q and their log
// densities, in one pass when q is a dist.SampleLogProber. q must pass
// checkReparameterized. The noise of a dist.ScratchSampler is drawn onto
// tp (nil: the heap).
func drawWithLogProb(q Guide, tp *tensor.Tape, rng *rand.Rand, n int) (x, lq *tensor.Tensor) {
	if s, ok := q.(dist.SampleLogProber); ok {
		return s.SampleAndLogProb(rng, n)
	}
	if s, ok := q.(dist.ScratchSampler); ok && tp != nil {
		x = s.RSampleOn(tp, rng, n)
	} else {
		x = q.(dist.Reparameterized).RSample(rng, n)
	}
	return x, q.LogProb(x)
}

// Scratch memory of a step. The batch-sized untracked arrays of a step
// (the noise a reverse-KL step pushes through the guide, with the base log
// density computed from it; the draws a forward-KL step scores) are
// scratch tensors of the step's tape (tensor.Tape.Zeros), so that steps
// after the first allocate nothing proportional to the batch on the heap.
// Their lifetime is the step: train Resets the tape at the start of the
// next step (and when the fit ends), and a split batch's pieces are
// separated by ResetRecording, which keeps them. Nothing of them escapes
// a step: the loss returns a float64 (read by Item before the Reset), and
// the report, the divergence checks and the progress lines only see
// float64 losses and the parameters' own (heap) data and gradients.

// scratchNoiser is a NoisePusher that can draw its noise as scratch
// tensors of a tape (*flows.Flow).
type scratchNoiser interface {
	NoiseOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor
}

// noiseOn returns np's noise for n draws, on tp when np can put it there.
func noiseOn(np NoisePusher, tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor {
	if s, ok := np.(scratchNoiser); ok {
		return s.NoiseOn(tp, rng, n)
	}
	return np.Noise(rng, n)
}

// nextOn returns src's next n points, as scratch tensors of tp when src
// draws from a dist.ScratchSampler (a DistSource).
func nextOn(src Source, tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor {
	if s, ok := src.(distSource); ok {
		if ss, ok := s.d.(dist.ScratchSampler); ok {
			return ss.SampleOn(tp, rng, n)
		}
	}
	return src.Next(rng, n)
}

// backward runs tp.Backward on the scalar loss l when it is finite and
// returns its value (a non-finite one stops the fit in train).
func backward(tp *tensor.Tape, l *tensor.Tensor) float64 {
	v := l.Item()
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		tp.Backward(l)
	}
	return v
}

// stepSaved saves the parameters into snapshot, applies one optimiser
// step and reports whether the parameters are all finite afterwards: in
// one pass for the optimisers of this package, else with save.
func stepSaved(opt Optimizer, params []*tensor.Tensor, snapshot []float64, save func()) bool {
	if fs, ok := opt.(fusedStepper); ok {
		return fs.stepSave(params, snapshot)
	}
	save()
	opt.Step(params)
	for _, p := range params {
		if !tensor.AllFinite(p) {
			return false
		}
	}
	return true
}

// begin starts a fit of q: it validates opts and fills in the defaults,
// checks that q has the target's dimension dim (target, a format of dim,
// says what the target has: "the guide has dimension 2 but " + target),
// with reparam that q draws reparameterised points (reverse KL), and
// returns the options and the fit's random numbers (fitRNG).
func begin(q Guide, opts Options, rng *rand.Rand, dim int, target string, reparam bool) (Options, *rand.Rand, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return o, rng, err
	}
	if dim != q.Dim() {
		return o, rng, fmt.Errorf("the guide has dimension %d but "+target, q.Dim(), dim)
	}
	if reparam {
		if err := checkReparameterized(q); err != nil {
			return o, rng, err
		}
	}
	return o, fitRNG(o, rng), nil
}

// fitRNG returns the fit's random source: seeded from o.Seed when given.
func fitRNG(o Options, rng *rand.Rand) *rand.Rand {
	if o.HasSeed {
		return rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	}
	if rng == nil {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return rng
}

// prepare redraws a fresh guide's parameters under a seed and lets it fix
// its direction. It reports whether the guide was never fitted before.
func prepare(q Guide, o Options, rng *rand.Rand, reverse bool) bool {
	fresh := true
	fp, isFP := q.(FitPreparer)
	if isFP {
		fresh = !fp.Fitted()
	}
	if fresh && o.HasSeed {
		if in, ok := q.(Initializer); ok {
			in.Initialize(rng)
		}
	}
	if isFP {
		fp.PrepareFit(reverse)
	}
	return fresh
}

// startFrom applies init = "auto" and returns Report.Init.
func startFrom(q Guide, o Options, fresh bool, moments func() (mean, sd []float64, ok bool)) string {
	if !fresh {
		return "previous"
	}
	if o.Init != "auto" {
		return "prior"
	}
	mi, ok := q.(MomentInitializer)
	if !ok {
		return "prior"
	}
	mean, sd, ok := moments()
	if ok && mi.InitFromMoments(mean, sd) {
		return "moments"
	}
	return "prior"
}

// lossFunc computes the loss of step 1, 2, ... on tp, which watches the
// guide's parameters (their gradients cleared), and leaves its gradient in
// them (backward does both for a scalar loss). An error stops the fit.
type lossFunc func(step int, tp *tensor.Tape) (float64, error)

// train runs the optimisation loop shared by the objectives.
//
// With the stopping rule on (Options.Tol > 0, see stopRule) Steps is a
// cap: once the rule fires at step n the fit runs a tail of
// tailSteps(n) more steps (within the cap) with the learning rate decayed
// linearly to 0, and stops with Converged true and Stopped "converged".
// At the cap it stops with Stopped "steps" and Converged false; Reason
// says why in a sentence either way.
func train(q Guide, o Options, loss lossFunc, rep *Report) error {
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	params := q.Params()
	if len(params) == 0 {
		return fmt.Errorf("nothing to fit: %s has no learnable parameters", q)
	}
	opt, err := NewOptimizer(o.Optimizer, o.LR)
	if err != nil {
		return err
	}
	out, reporter := progressOutputs(o)
	if reporter != nil {
		defer func() {
			rep.Seconds = time.Since(start).Seconds()
			reporter.Done(rep)
		}()
	}
	snap := newParamSnapshot(params)
	// Steps may be a cap far beyond what runs (a time limit, the stopping
	// rule): the trace grows as the steps run.
	rep.Losses = make([]float64, 0, min(o.Steps, 1<<14))
	lastStep, lastLoss := 0, math.NaN()
	diverged := func(step int, what string) error {
		snap.restore()
		return &DivergedError{Step: step, What: what, LastLoss: lastLoss, LastStep: lastStep, LR: o.LR, Clip: o.Clip}
	}
	tp := tensor.NewTape()
	defer tp.Reset()
	lines := progressLines{out: out, tick: time.Now()}
	rule := newStopRule(o)
	rep.Stopped = "steps"
	end := o.Steps            // the last step: the cap, or the tail's end
	tailFrom, tailLen := 0, 0 // the tail: steps tailFrom+1 .. tailFrom+tailLen
	for step := 1; step <= end; step++ {
		if o.Context.Err() != nil {
			rep.Stopped = "cancelled"
			break
		}
		opt.SetLR(stepLR(o, step, tailFrom, tailLen))
		lv, what, err := lossAndGradient(tp, params, loss, step, o.Clip)
		if err != nil {
			return err
		}
		if what != "" {
			return diverged(step, what)
		}
		lastStep, lastLoss = step, lv
		if !stepSaved(opt, params, snap.data, snap.save) {
			return diverged(step, "parameters are not finite")
		}
		rep.Losses = append(rep.Losses, lv)
		rep.Steps = step
		if reporter != nil {
			reporter.Step(step, o.Steps, lv)
		}
		lines.step(step, end, o, rep.Losses)
		if tailLen == 0 && rule.check(rep.Losses) {
			c := rule.last
			rep.Converged, rep.Stopped = true, "converged"
			tailFrom, tailLen = step, min(tailSteps(step), o.Steps-step)
			end = step + tailLen
			rep.Reason = fmt.Sprintf("converged at step %d: the loss %s, within tol = %s nats", step, c.describe(), fmtShort(rule.tol))
			if tailLen > 0 {
				rep.Reason += fmt.Sprintf("; then %d steps with the learning rate decayed to 0", tailLen)
			}
			if out != nil {
				fmt.Fprintln(out, rep.Reason)
			}
		}
	}
	finishReport(rep, o, rule, tailFrom, out)
	return nil
}

// progressOutputs returns where a fit shows its progress: plain lines on
// out (o.Progress, else os.Stderr) or a reporter (o.Reporter, which
// replaces the lines); neither when o.Quiet.
func progressOutputs(o Options) (out io.Writer, reporter ProgressReporter) {
	out = os.Stderr
	if o.Progress != nil {
		out = o.Progress
	}
	reporter = o.Reporter
	if o.Quiet {
		out, reporter = nil, nil
	}
	if reporter != nil {
		out = nil
	}
	return out, reporter
}

// paramSnapshot holds a copy of the parameters' values, concatenated: the
// last finite ones, restored when a fit diverges.
type paramSnapshot struct {
	params []*tensor.Tensor
	data   []float64
}

// newParamSnapshot returns a snapshot of params' current values.
func newParamSnapshot(params []*tensor.Tensor) *paramSnapshot {
	total := 0
	for _, p := range params {
		total += p.Len()
	}
	s := &paramSnapshot{params: params, data: make([]float64, total)}
	s.save()
	return s
}

// save copies the parameters' values into the snapshot.
func (s *paramSnapshot) save() {
	k := 0
	for _, p := range s.params {
		k += copy(s.data[k:], p.Data())
	}
}

// restore copies the snapshot back into the parameters.
func (s *paramSnapshot) restore() {
	k := 0
	for _, p := range s.params {
		k += copy(p.Data(), s.data[k:])
	}
}

// stepLR is the learning rate of a step: o.LR, ramped up linearly over
// the o.Warmup first steps, and decayed linearly to 0 over the tail the
// stopping rule adds (steps tailFrom+1 .. tailFrom+tailLen; none when
// tailLen is 0).
func stepLR(o Options, step, tailFrom, tailLen int) float64 {
	lr := o.LR
	if o.Warmup > 0 && step <= o.Warmup {
		lr = o.LR * float64(step) / float64(o.Warmup)
	}
	if tailLen > 0 {
		lr = o.LR * float64(tailFrom+tailLen+1-step) / float64(tailLen+1)
	}
	return lr
}

// lossAndGradient computes the loss of a step on tp, which watches params
// (their gradients cleared first), leaving its gradient in them, clipped
// to norm clip when clip > 0. It returns the loss and, when the loss or
// the gradient is not finite, what is ("loss is NaN"); err is the loss
// function's error.
func lossAndGradient(tp *tensor.Tape, params []*tensor.Tensor, loss lossFunc, step int, clip float64) (lv float64, what string, err error) {
	tp.Reset()
	for _, p := range params {
		p.ZeroGrad()
	}
	tp.Watch(params...)
	lv, err = loss(step, tp)
	if err != nil {
		return lv, "", err
	}
	if math.IsNaN(lv) || math.IsInf(lv, 0) {
		return lv, "loss is " + nonFinite(lv), nil
	}
	var norm float64
	if clip > 0 {
		norm = ClipGradNorm(params, clip)
	} else {
		norm = gradSumSquares(params) // only its finiteness matters here
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return lv, "gradient is " + nonFinite(norm), nil
	}
	return lv, "", nil
}

// progressLines writes a fit's plain progress lines (none when out is
// nil): every o.Every steps and at the last, the mean loss and the rate
// since the previous line.
type progressLines struct {
	out      io.Writer
	tick     time.Time
	tickStep int
}

// step writes the line of a step when one is due.
func (l *progressLines) step(step, end int, o Options, losses []float64) {
	if l.out != nil && (step%o.Every == 0 || step == end) {
		now := time.Now()
		rate := float64(step-l.tickStep) / now.Sub(l.tick).Seconds()
		fmt.Fprintf(l.out, "step %6d/%d  loss %.4f  %.0f steps/s\n", step, o.Steps, stat.Mean(losses[l.tickStep:], nil), rate)
		l.tick, l.tickStep = now, step
	}
}

// finishReport sets the report's final Loss (the mean of the last tenth
// of the step losses) and, unless the stopping rule set it, its Reason,
// printing a fit's non-convergence on out, the progress lines (nil: none).
func finishReport(rep *Report, o Options, rule *stopRule, tailFrom int, out io.Writer) {
	n := len(rep.Losses)
	if n > 0 {
		rep.Loss = stat.Mean(rep.Losses[n-max(1, (n+9)/10):], nil)
	}
	switch {
	case rep.Stopped == "cancelled":
		rep.Reason = fmt.Sprintf("cancelled at step %d", n)
		if rep.Converged {
			rep.Reason = fmt.Sprintf("cancelled at step %d, after the stopping rule fired at step %d", n, tailFrom)
		}
	case rep.Stopped == "steps" && rule == nil:
		rep.Reason = fmt.Sprintf("ran the %d steps asked for (no stopping rule: tol not given or 0)", n)
	case rep.Stopped == "steps":
		rep.Reason = notConverged(rule, o.Steps)
		if out != nil {
			fmt.Fprintln(out, rep.Reason)
		}
	}
}

// notConverged is the Reason of a fit that reached its cap with the
// stopping rule on.
func notConverged(r *stopRule, steps int) string {
	if r.last.step == 0 {
		return fmt.Sprintf("did not converge within steps = %d: the stopping rule needs at least %d steps", steps, ruleMinSteps)
	}
	return fmt.Sprintf("did not converge within steps = %d: at the last check the loss %s, not shown to be within tol = %s nats", steps, r.last.describe(), fmtShort(r.tol))
}

// variance is the sample variance (divisor n − 1, or 1 for one value).
// It is +Inf, where gonum's stat.Variance is NaN, when the squares
// overflow: notWorse relies on that.
func variance(v []float64) float64 {
	m, s := stat.Mean(v, nil), 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(max(len(v)-1, 1))
}
