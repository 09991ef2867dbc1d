package infer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/flowppl/flowppl/internal/option"
)

// Options configures a fit. The zero value means the documented defaults.
type Options struct {
	// Steps is the number of optimisation steps (default 1000). With the
	// stopping rule on (Tol) it is a cap; FitPosterior's default cap is
	// DefaultPosteriorSteps.
	Steps int
	// Batch is the number of draws or data rows per step (default 256).
	Batch int
	// LR is the learning rate (default 0.01).
	LR float64
	// Optimizer is "adam" (default), "adamw", "sgd" (momentum 0.9) or
	// "rmsprop", each with PyTorch's default hyperparameters.
	Optimizer string
	// Seed, when HasSeed, makes the fit reproducible: it reseeds the
	// fit's random numbers and redraws the parameters of a guide never
	// fitted before, so the same seed gives bit-identical results.
	Seed    uint64
	HasSeed bool
	// Clip is the gradient-norm clip (0: none, the default).
	Clip float64
	// Warmup is the length in steps of a linear learning-rate warm-up
	// (lr·t/Warmup at step t). 0 means the default min(50, Steps/10); a
	// negative value turns it off. Adam's first steps move every weight by
	// about lr whatever its gradient; the warm-up keeps that from throwing
	// a large network far from its start (with the seed's lr = 0.05 and
	// no warm-up or clip, one-pass flows diverge or stick, see NOTES.md).
	Warmup int
	// Every is the progress interval in steps (default Steps/10, at least
	// 1, and at most 100 with the stopping rule on, whose fits usually end
	// long before the cap); progress lines go to Progress (default
	// os.Stderr) unless Quiet.
	Every int
	// Tol is the stopping rule's threshold in nats (see stopRule): every
	// 50 steps from step 250, the fit stops once the least-squares line
	// through the last max(250, n/4) step losses shows the loss to change
	// by less than Tol over them, its 2-SE bound included; a tail of
	// max(100, n/5) steps with the learning rate decayed to 0 follows.
	// 0 means the default: DefaultPosteriorTol (0.05) for FitPosterior,
	// no rule for FitForward and FitReverse (they run exactly Steps
	// steps). A negative Tol turns the rule off (the language's tol = 0).
	//
	// Tol used to be a relative change of the smoothed loss (Stan's ADVI
	// rule); bench/RESULTS.md shows that rule stopping fits 9 to 630 nats
	// above their optimum: a relative change scales with the loss's
	// magnitude, not with the KL divergence left.
	Tol float64
	// Quiet turns progress lines off.
	Quiet bool
	// Init is "auto" (default: start from the target's moments, or for a
	// posterior from a Gaussian approximation found by a mode search, when
	// the guide supports it and has not been fitted before) or "prior"
	// (start from the guide as built).
	Init string
	// ELBODraws and ParetoDraws are the draws of the ELBO estimate and of
	// the PSIS diagnostic after a posterior fit (defaults 4096 and 1000).
	ELBODraws, ParetoDraws int
	// Progress receives progress lines (default os.Stderr).
	Progress io.Writer
	// Reporter, when set, replaces the progress lines: it is told of
	// every step and of the end of the fit (a terminal's progress bar, a
	// host's own display). Quiet turns it off too.
	Reporter ProgressReporter
	// Warn, when set, receives the warnings of a posterior fit (see
	// PosteriorReport.Warnings), also when Quiet; otherwise they are
	// printed on Progress unless Quiet.
	Warn func(msg string)
	// Context, when set, is checked every step; cancelling it stops the
	// fit, which keeps the parameters reached and reports Stopped
	// "cancelled".
	Context context.Context
	// Subsample, for a posterior fit of a RowSubsampler, is the number m
	// of data rows each step uses (0, the default: all rows): each step
	// draws m of the N rows without replacement and scales their log
	// likelihood by N/m, an unbiased estimate of the full one (see
	// FitPosterior). m ≥ N uses all rows.
	Subsample int
	// Simulations is the number of (latents, data) pairs simulated from
	// the model to train an amortised posterior on (`by simulation`; 0:
	// DefaultSimulations). Other fits ignore it.
	Simulations int
}

// DefaultSimulations is the default of Options.Simulations.
const DefaultSimulations = 20000

// ProgressReporter follows a fit: Step after every step taken, with the
// step (from 1), the number of steps asked for (the cap, with the stopping
// rule on) and the step's loss; Done once when the fit ends, however it
// ends (steps, converged, cancelled, an error), with the report so far.
type ProgressReporter interface {
	Step(step, total int, loss float64)
	Done(rep *Report)
}

// ProgressDisplay is a display of a fit's progress that needs none of this
// package's types (internal/progress's bar implements it without importing
// infer, which sits below it): Step as for a ProgressReporter, Finish once
// at the end with the steps taken, whether the stopping rule ended the fit,
// its Reason and the final loss.
type ProgressDisplay interface {
	Step(step, total int, loss float64)
	Finish(steps int, converged bool, reason string, loss float64)
}

// DisplayReporter returns the ProgressReporter that shows a fit on d.
func DisplayReporter(d ProgressDisplay) ProgressReporter { return displayReporter{d} }

type displayReporter struct{ ProgressDisplay }

func (r displayReporter) Done(rep *Report) {
	r.Finish(rep.Steps, rep.Stopped == "converged", rep.Reason, rep.Loss)
}

// Default values of Options.
const (
	DefaultSteps = 1000
	DefaultBatch = 256
	DefaultLR    = 0.01
)

// Validate checks the options' ranges. Zero values are the defaults;
// negative sizes, non-positive explicit rates and unknown names are
// errors naming the option and its range, in the words of FitOptions.
func (o Options) Validate() error {
	bad := func(name string, got any) error {
		opt, _ := FitOptions.Lookup(name)
		return opt.Errorf(got)
	}
	switch {
	case o.Steps < 0:
		return bad("steps", o.Steps)
	case o.Batch < 0:
		return bad("batch", o.Batch)
	case o.Every < 0:
		return bad("every", o.Every)
	case o.LR < 0 || math.IsNaN(o.LR) || math.IsInf(o.LR, 0):
		return bad("lr", o.LR)
	case o.Clip < 0 || math.IsNaN(o.Clip):
		return bad("clip", o.Clip)
	case math.IsNaN(o.Tol) || math.IsInf(o.Tol, 0):
		return bad("tol", o.Tol)
	case o.Subsample < 0:
		return bad("subsample", o.Subsample)
	case o.ELBODraws < 0 || o.ParetoDraws < 0:
		return fmt.Errorf("the ELBO and Pareto draws must be positive, got %d and %d", o.ELBODraws, o.ParetoDraws)
	case o.Optimizer != "" && !slices.Contains(Optimizers, o.Optimizer):
		return bad("optimizer", o.Optimizer)
	case o.Init != "" && !slices.Contains(Inits, o.Init):
		return bad("init", o.Init)
	}
	return nil
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	o.Steps = cmp.Or(o.Steps, DefaultSteps)
	o.Batch = cmp.Or(o.Batch, DefaultBatch)
	o.LR = cmp.Or(o.LR, DefaultLR)
	o.Optimizer = cmp.Or(o.Optimizer, "adam")
	o.Warmup = cmp.Or(o.Warmup, min(50, o.Steps/10))
	if o.Every == 0 {
		o.Every = max(1, o.Steps/10)
		if o.Tol > 0 {
			o.Every = min(o.Every, 100)
		}
	}
	o.Init = cmp.Or(o.Init, "auto")
	o.ELBODraws = cmp.Or(o.ELBODraws, DefaultELBODraws)
	o.ParetoDraws = cmp.Or(o.ParetoDraws, DefaultParetoDraws)
	if o.Context == nil {
		o.Context = context.Background()
	}
	return o, nil
}

// Inits are the values of Options.Init.
var Inits = []string{"auto", "prior"}

// FitOptions are the options of the language's `fit ... { name = value }`,
// in the order of the reference: each option's name, range, default and
// doc, and where ParseOptions stores it. The resolver, the evaluator, the
// REPL's help and completion and docs/language.md read this table.
var FitOptions = &option.Table[Options]{What: "fit option", Options: []option.Option[Options]{
	{Name: "steps", Kind: option.PositiveInt, Default: fmt.Sprintf("%d (posterior: a cap of %d)", DefaultSteps, DefaultPosteriorSteps),
		Doc: "optimisation steps; with the stopping rule on, a cap",
		Set: func(o *Options, v any) { o.Steps = v.(int) }},
	{Name: "batch", Kind: option.PositiveInt, Default: fmt.Sprint(DefaultBatch),
		Doc: "draws or data rows per step",
		Set: func(o *Options, v any) { o.Batch = v.(int) }},
	{Name: "lr", Kind: option.PositiveFloat, Default: fmt.Sprintf("%g (posterior: %g)", DefaultLR, DefaultPosteriorLR),
		Doc: "learning rate",
		Set: func(o *Options, v any) { o.LR = v.(float64) }},
	{Name: "optimizer", Kind: option.Choice, Choices: Optimizers, Default: `"adam"`,
		Doc: "optimiser, each with PyTorch's default hyperparameters (sgd: momentum 0.9)",
		Set: func(o *Options, v any) { o.Optimizer = v.(string) }},
	{Name: "seed", Kind: option.NonNegativeInt, Default: "none (the thread's random numbers)",
		Doc: "makes the fit reproducible: reseeds its random numbers and redraws a never-fitted guide's parameters",
		Set: func(o *Options, v any) { o.Seed, o.HasSeed = v.(uint64), true }},
	{Name: "clip", Kind: option.PositiveFloat, Default: "none",
		Doc: "gradient-norm clip",
		Set: func(o *Options, v any) { o.Clip = v.(float64) }},
	{Name: "every", Kind: option.PositiveInt, Default: "steps/10 (at most 100 with the stopping rule on)",
		Doc: "progress interval in steps",
		Set: func(o *Options, v any) { o.Every = v.(int) }},
	{Name: "tol", Kind: option.NonNegativeFloat, Range: "a non-negative number of nats",
		Note: "(0 turns the stopping rule off)", Default: fmt.Sprintf("%g for a posterior; off otherwise", DefaultPosteriorTol),
		Doc: "the stopping rule's threshold in nats; 0 turns the rule off",
		Set: func(o *Options, v any) {
			if o.Tol = v.(float64); o.Tol == 0 {
				o.Tol = -1
			}
		}},
	{Name: "init", Kind: option.Choice, Choices: Inits, Default: `"auto"`,
		Doc: `start: "auto" from the target's moments or a mode-based approximation, "prior" from the flow as built`,
		Set: func(o *Options, v any) { o.Init = v.(string) }},
	{Name: "quiet", Kind: option.Bool, Default: "false",
		Doc: "no progress lines",
		Set: func(o *Options, v any) { o.Quiet = v.(bool) }},
	{Name: "subsample", Kind: option.PositiveInt, Default: "all rows",
		Doc: "posterior fits: data rows per step (an unbiased estimate of the log likelihood)",
		Set: func(o *Options, v any) { o.Subsample = v.(int) }},
	{Name: "simulations", Kind: option.PositiveInt, Default: fmt.Sprint(DefaultSimulations),
		Doc: "by simulation: (latents, data) pairs simulated from the model to train the amortised posterior on",
		Set: func(o *Options, v any) { o.Simulations = v.(int) }},
}}

// ParseOptions converts the options of a `fit ... { ... }` statement, as
// Go values (float64, string, bool), into Options, checking each against
// its range in FitOptions (tol = 0 turns the stopping rule off: Tol −1).
// Errors name the option and its range, or an unknown option's near name.
func ParseOptions(opts map[string]any) (Options, error) {
	return FitOptions.Parse(opts)
}
