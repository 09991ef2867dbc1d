package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

// This file is sample(x, n, method = ...) for the interpreter's values:
// NUTS (and NeuTra NUTS, given a fitted guide) on a posterior m(data),
// PSIS resampling and plain draws of a guide fitted to one. The draws
// come back as a *stdlib.Draws on the constrained scale, with the model's
// names and its derived quantities.

var (
	_ stdlib.MethodSampler = (*Posterior)(nil)
	_ stdlib.MethodSampler = (*Guide)(nil)
)

// nutsOnly and psisOnly are the sample options that apply to one method.
var (
	nutsOnly = []string{"guide", "chains", "warmup", "metric", "adapt_delta", "max_depth", "stepsize", "init", "quiet"}
	psisOnly = []string{"guide_draws", "replace"}
)

// refuse returns an error for the first option of given that is in
// only, which does not apply to method.
func refuse(given, only []string, method, applies string) error {
	for _, g := range given {
		if slices.Contains(only, g) {
			return fmt.Errorf("sample: %s does not apply to method %q (it is an option of %s)", g, method, applies)
		}
	}
	return nil
}

// drawSeed returns the seed of a sampler: the option's, else the next
// number of the thread's random source (so the same script with the same
// seed gives the same draws).
func drawSeed(th *lang.Thread, o stdlib.SampleOptions) uint64 {
	if o.HasSeed {
		return o.Seed
	}
	return th.Rand.Uint64()
}

// SampleMethod runs NUTS on the posterior (method "nuts", the default):
// o.Chains chains of o.Warmup warm-up iterations and n draws each, on the
// unconstrained space of the latents, or, with o.Guide a flow guide fitted
// to it, in the guide's base space (NeuTra: the chain moves ε, the draw
// is T(ε)). Chain c is seeded with PCG(seed, c); the thread's context
// cancels it; progress goes to the thread's display or Stderr.
func (p *Posterior) SampleMethod(th *lang.Thread, n int, o stdlib.SampleOptions) (*stdlib.Draws, error) {
	if o.Method != "" && o.Method != "nuts" {
		return nil, fmt.Errorf("sample: method %q draws from a fitted guide: fit q to %s(...) first, then write sample(q, n, method = %q)", o.Method, p.Model.name, o.Method)
	}
	if err := refuse(o.Given, psisOnly, "nuts", `method "psis"`); err != nil {
		return nil, err
	}
	if p.Dim() == 0 {
		return nil, fmt.Errorf("sample: %s has no latent variables with free coordinates to sample", p)
	}
	var q *flows.Flow
	if o.Guide != nil {
		f, ok := flowOf(o.Guide)
		if !ok {
			return nil, fmt.Errorf("sample: guide must be a flow guide fitted to %s(...) (q after fit q to %s(...)), got %s", p.Model.name, p.Model.name, lang.Describe(o.Guide))
		}
		if g, ok := o.Guide.(*Guide); ok && g.Post.Model != p.Model {
			return nil, fmt.Errorf("sample: the guide was fitted to %s, not to %s", g.Post, p)
		}
		if f.Dim() != p.Dim() {
			return nil, fmt.Errorf("sample: the guide has dimension %d but the latents of %s have %d unconstrained coordinates", f.Dim(), p, p.Dim())
		}
		q = f
	}
	seed := drawSeed(th, o)
	opts := infer.NUTSOptions{
		Chains: o.Chains, Warmup: o.Warmup, NoWarmup: o.HasWarmup && o.Warmup == 0, Samples: n,
		Seed: seed, MaxDepth: o.MaxDepth, Delta: o.AdaptDelta, Metric: o.Metric,
		StepSize: o.StepSize, InitRadius: o.InitRadius, Context: th.Context,
	}
	if err := checkDrawsSize(th, p, max(o.Chains, 1)*n, o.Chains); err != nil {
		return nil, err
	}
	prog := newNUTSProgress(th, o.Quiet, opts)
	ctx := th.Context
	opts.OnIteration = func(chain, iter int) {
		prog.iteration(chain, iter)
		_ = ctx.Err() // an iteration is a step of an embedding's step limit, as a fit's step is
	}
	savedTh, savedPos := p.th, p.callPos
	p.th, p.callPos = th, th.CallPos()
	defer func() { p.th, p.callPos = savedTh, savedPos }()
	var res *infer.NUTSResult
	var err error
	if q != nil {
		res, err = infer.NeuTraNUTS(p, q, opts)
	} else {
		res, err = infer.NUTS(p, opts)
	}
	stopped := "steps"
	if res != nil && res.Stopped == "cancelled" {
		stopped = "cancelled"
	}
	prog.done(stopped)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	if stopped == "cancelled" {
		return nil, fmt.Errorf("sample: interrupted: %w", th.Context.Err())
	}
	params := p.drawParams()
	s, err := res.DrawSet(p.Model.name, params, seed, func(z [][]float64) ([][]float64, error) {
		return p.constrainRows(th, z, params)
	})
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	for _, w := range draws.SamplerWarnings(s) { // divergences, tree depth, E-BFMI; R-hat and ESS are summary(d)'s
		th.Warning(th.CallPos(), w, false)
	}
	return &stdlib.Draws{Set: s}, nil
}

// checkDrawsSize checks the thread's limits for draws of the posterior's
// quantities: total draws of every element.
func checkDrawsSize(th *lang.Thread, p *Posterior, total, chains int) error {
	width := 0
	for _, q := range p.drawParams() {
		width += q.Size()
	}
	if err := th.Alloc(total, max(width, p.Dim())); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return nil
}

// drawParams returns the quantities of a draw: the latents (constrained)
// and then the derived quantities, with their shapes.
func (p *Posterior) drawParams() []draws.Param {
	var out []draws.Param
	for _, l := range p.lay.latents {
		out = append(out, draws.Param{Name: l.name, Shape: slices.Clone(l.event)})
	}
	for _, d := range p.lay.derived {
		out = append(out, draws.Param{Name: d.name, Shape: slices.Clone(d.event)})
	}
	return out
}

// constrainRows maps unconstrained draws z (rows) to the values of params
// (drawParams), each row-major, by one run of the model over the draws;
// a derived quantity a run does not compute is NaN.
func (p *Posterior) constrainRows(th *lang.Thread, z [][]float64, params []draws.Param) ([][]float64, error) {
	n, D := len(z), p.Dim()
	flat := make([]float64, 0, n*D)
	for _, row := range z {
		flat = append(flat, row...)
	}
	rec, err := p.collect(th, tensor.New(flat, n, D))
	if err != nil {
		return nil, err
	}
	width := 0
	for _, q := range params {
		width += q.Size()
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, width)
	}
	off := 0
	for _, q := range params {
		k := q.Size()
		a, ok := rec.Fields[q.Name].(*lang.Array)
		for i := range out {
			for j := range k {
				v := math.NaN()
				if ok && len(a.Data()) == n*k {
					v = a.Data()[i*k+j]
				}
				out[i][off+j] = v
			}
		}
		off += k
	}
	return out, nil
}

// SampleMethod draws from a guide fitted to a posterior: method "psis"
// importance-resamples o.GuideDraws of its draws with Pareto-smoothed
// weights (k̂ and the weights' ESS recorded and warned about when the
// draws are not reliable); method "guide" returns n of its own draws.
func (g *Guide) SampleMethod(th *lang.Thread, n int, o stdlib.SampleOptions) (*stdlib.Draws, error) {
	switch o.Method {
	case "nuts":
		return nil, fmt.Errorf("sample: method \"nuts\" samples a posterior: write sample(%s(...), n, method = \"nuts\", guide = q) to run NUTS in this guide's base space (NeuTra)", g.Post.Model.name)
	case "":
		return nil, fmt.Errorf("sample: %s needs a method for a guide: method = \"psis\" (its draws importance-resampled) or \"guide\" (its own draws)", o.Given[0])
	}
	if err := refuse(o.Given, nutsOnly, o.Method, `method "nuts"`); err != nil {
		return nil, err
	}
	if o.Method == "guide" {
		if err := refuse(o.Given, psisOnly, o.Method, `method "psis"`); err != nil {
			return nil, err
		}
	}
	p := g.Post
	if err := checkDrawsSize(th, p, n, 1); err != nil {
		return nil, err
	}
	seed := drawSeed(th, o)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	savedTh, savedPos := p.th, p.callPos
	p.th, p.callPos = th, th.CallPos()
	defer func() { p.th, p.callPos = savedTh, savedPos }()
	params := p.drawParams()
	if o.Method == "guide" {
		z, lq, lp, err := infer.GuideDraws(g.Flow, p, n, rng)
		if err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		x, err := p.constrainRows(th, z, params)
		if err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		s := &draws.Set{Model: p.Model.name, Method: draws.Guide, Params: params,
			Draws: [][][]float64{x}, LogDensity: [][]float64{lp}, LogApprox: [][]float64{lq},
			Settings: draws.Settings{Seed: seed}}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
		return &stdlib.Draws{Set: s}, nil
	}
	res, err := infer.PSISResample(g.Flow, p, n, rng, infer.PSISOptions{GuideDraws: o.GuideDraws, WithoutReplacement: o.HasReplace && !o.Replace})
	if err != nil {
		return nil, fmt.Errorf("sample: %s", strings.TrimPrefix(err.Error(), "psis: "))
	}
	x, err := p.constrainRows(th, res.Draws, params)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	i := 0
	s, err := res.DrawSet(p.Model.name, params, func([]float64) ([]float64, error) {
		i++
		return x[i-1], nil
	}, seed)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	for _, w := range res.Warnings {
		th.Warning(th.CallPos(), "psis: "+w, false)
	}
	return &stdlib.Draws{Set: s}, nil
}

// nutsProgress shows a NUTS run's progress: on the thread's progress
// display (a terminal's bar) when it has one, else as lines on Stderr at
// every tenth of the iterations of all chains; nothing when quiet.
type nutsProgress struct {
	mu       sync.Mutex
	rep      infer.ProgressReporter
	th       *lang.Thread
	done_    []int
	total    int
	sum      int
	nextLine int
}

func newNUTSProgress(th *lang.Thread, quiet bool, o infer.NUTSOptions) *nutsProgress {
	chains := o.Chains
	if chains == 0 {
		chains = infer.DefaultChains
	}
	warm := o.Warmup
	if o.NoWarmup {
		warm = 0
	} else if warm == 0 {
		warm = infer.DefaultNUTSWarmup
	}
	pr := &nutsProgress{th: th, done_: make([]int, chains), total: chains * (warm + o.Samples)}
	pr.nextLine = pr.total / 10
	if quiet || th.Quiet {
		return nil
	}
	if th.Progress != nil {
		pr.rep = th.Progress()
	}
	return pr
}

// iteration is NUTSOptions.OnIteration (called from the chains'
// goroutines).
func (pr *nutsProgress) iteration(chain, iter int) {
	if pr == nil {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.sum += iter - pr.done_[chain]
	pr.done_[chain] = iter
	if pr.rep != nil {
		pr.rep.Step(pr.sum, pr.total, math.NaN())
		return
	}
	if pr.sum >= pr.nextLine && pr.nextLine > 0 {
		fmt.Fprintf(pr.th.Stderr, "sample: %d/%d iterations (%s)\n", pr.sum, pr.total, plural(len(pr.done_), "chain"))
		pr.nextLine += pr.total / 10
	}
}

// done ends the display.
func (pr *nutsProgress) done(stopped string) {
	if pr == nil || pr.rep == nil {
		return
	}
	pr.rep.Done(&infer.Report{Steps: pr.sum, Stopped: stopped, Loss: math.NaN()})
}

// plural returns "1 chain", "4 chains".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
