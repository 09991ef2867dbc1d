package interp

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
)

// Guide is a flow fitted to a model's posterior: the flow lives in the
// unconstrained space of the latents (concatenated in declaration order);
// its draws, as sample, summary, mean and sd give them, are the latents
// in the constrained space and the derived quantities, by the model's
// names. `fit q to m(data)` binds q to a Guide.
type Guide struct {
	Flow *flows.Flow
	Post *Posterior

	amortised *amortisedAt // an amortised posterior at data (q.given(m(y))), else nil
}

var _ lang.NamedSampler = (*Guide)(nil)

// String returns "<guide of m(params): flow ...>".
func (g *Guide) String() string {
	return "<guide of " + g.Post.Model.signature() + ": " + g.Flow.String() + ">"
}

// Type returns "guide".
func (*Guide) Type() string { return "guide" }

// Names returns the names of the latents and derived quantities, in the
// order of their fields in samples.
func (g *Guide) Names() []string {
	var out []string
	for _, l := range g.Post.lay.latents {
		out = append(out, l.name)
	}
	for _, d := range g.Post.lay.derived {
		out = append(out, d.name)
	}
	return out
}

// SampleNamed draws n points from the flow and maps them through the
// model: a record of the latents (constrained) and derived quantities.
func (g *Guide) SampleNamed(th *lang.Thread, n int) (*lang.Record, error) {
	if n < 1 {
		return nil, fmt.Errorf("number of draws must be positive, got %d", n)
	}
	z, err := lang.Draws(th, g.Flow, n)
	if err != nil {
		return nil, err
	}
	return g.Post.collect(th, z)
}

// identityFirst returns a copy of plan steps in which the first
// AffineAutoregressive without a permutation orders its variables as the
// model declares them (NOTES.md: parents before children gives the guide
// the posterior's dependency structure); later layers keep random orders.
func identityFirst(steps []flows.PlanStep, d int) []flows.PlanStep {
	perm := make([]float64, d)
	for j := range perm {
		perm[j] = float64(j)
	}
	return setAutoregressive(steps, "permutation", perm, false)
}

// setAutoregressive returns a copy of plan steps in which the
// AffineAutoregressive steps (all, or only the first when all is false)
// that do not give option name get v (each its own copy).
func setAutoregressive(steps []flows.PlanStep, name string, v []float64, all bool) []flows.PlanStep {
	out := slices.Clone(steps)
	for i, s := range out {
		if s.Name != "AffineAutoregressive" {
			continue
		}
		if _, ok := s.Options[name]; !ok {
			out[i] = withOption(s, name, slices.Clone(v))
		}
		if !all {
			break
		}
	}
	return out
}

// flowOf returns the flow of a fitted guide or of a flow value.
func flowOf(v lang.Value) (*flows.Flow, bool) {
	switch g := v.(type) {
	case *Guide:
		return g.Flow, true
	case *lang.Flow:
		return g.F, true
	}
	return nil, false
}

// withOption returns plan step s with option name set to v, on a copy of
// s's options.
func withOption(s flows.PlanStep, name string, v flows.OptionValue) flows.PlanStep {
	opts := maps.Clone(s.Options)
	if opts == nil {
		opts = map[string]flows.OptionValue{}
	}
	opts[name] = v
	return flows.PlanStep{Name: s.Name, Options: opts}
}

// PosteriorHidden returns the conditioner widths an AffineAutoregressive
// of a flow plan gets, when it does not say `hidden`, as the guide of a
// posterior with d unconstrained coordinates: two layers of
// min(256, max(128, 8·d)) units. FlowTorch's default [256, 256] (kept for
// flows fitted to data) makes the guide most of a step on small
// posteriors. These widths were as accurate on the posteriordb posteriors
// at 1,000 steps and at the stopping rule's step; narrower ones were too,
// but 64 units converged more slowly on gp_pois_regr (13 coordinates) and
// 64–80 units fitted eight schools' tail worse (Pareto k̂ above 0.7 on 2
// of 5 seeds), see bench/RESULTS.md, "Cheaper steps: the guide and the
// draws".
func PosteriorHidden(d int) []int {
	w := min(256, max(128, 8*d))
	return []int{w, w}
}

// sizedHidden returns a copy of plan steps in which every
// AffineAutoregressive without a `hidden` option has PosteriorHidden(d).
func sizedHidden(steps []flows.PlanStep, d int) []flows.PlanStep {
	var h []float64
	for _, w := range PosteriorHidden(d) {
		h = append(h, float64(w))
	}
	return setAutoregressive(steps, "hidden", h, true)
}

// fitPosterior is `fit q to m(data) by kl|reverse_kl|elbo`.
func (ev *evaluator) fitPosterior(x *ast.Fit, e *env, qv lang.Value, post *Posterior, obj string, objPos ast.Pos, opts infer.Options) (lang.Value, error) {
	if obj == "forward_kl" {
		return nil, ev.errorf(objPos, "by forward_kl needs draws from the target, and a posterior has only a density: fit a posterior by elbo (reverse KL)")
	}
	dim := post.Dim()
	if dim == 0 {
		if post.lay != nil && len(post.lay.latents) > 0 {
			l := post.lay.latents[0]
			return nil, ev.errorf(x.Target.Pos(), "%s has nothing to fit: its latent %s ~ %s takes a single value (no free coordinates), so the posterior is a point", post, l.name, l.prior)
		}
		return nil, ev.errorf(x.Target.Pos(), "%s has no latent variables to fit", post)
	}
	if g, ok := qv.(*Guide); ok && g.amortised != nil {
		// An amortised posterior at data: refine a copy of it.
		var err error
		if qv, err = g.amortised.detach(post); err != nil {
			return nil, ev.wrap(x.Q.Pos(), err)
		}
	}
	q, ok := flowOf(qv)
	if plan, isPlan := qv.(*lang.FlowPlan); isPlan {
		var err error
		if q, err = ev.instantiate(x, flows.Plan{Layers: sizedHidden(identityFirst(plan.P.Layers, dim), dim)}, dim); err != nil {
			return nil, err
		}
	} else if !ok {
		return nil, ev.errorf(x.Q.Pos(), "fit trains a flow or a flow plan, got %s (write q = flow AffineAutoregressive and fit q)", qv.Type())
	}
	if q.Dim() != dim {
		return nil, ev.errorf(x.Q.Pos(), "the guide has dimension %d but the posterior's latents have %d unconstrained coordinates", q.Dim(), dim)
	}
	if err := ev.checkStep(x, q, opts.Batch); err != nil {
		return nil, err
	}
	guide := &Guide{Flow: q, Post: post}
	rebindQ(x, e, guide)
	savedPos, savedTh := post.callPos, post.th
	post.callPos, post.th = x.FitPos, ev.th
	defer func() { post.callPos, post.th = savedPos, savedTh }()
	ev.threadOptions(&opts)
	quiet := opts.Quiet
	opts.Warn = func(msg string) { ev.th.Warning(x.FitPos, msg, quiet) }
	var warned []string // the fit's own warnings, before infer's
	if opts.Subsample > 0 {
		if err := post.checkRows(opts.Subsample); err != nil {
			return nil, ev.wrap(x.FitPos, err)
		}
		if s := post.rows; opts.Subsample >= s.n {
			msg := fmt.Sprintf("subsample = %d is not below the %d rows of %s: every step uses all rows", opts.Subsample, s.n, strings.Join(s.args, ", "))
			opts.Warn(msg)
			warned = append(warned, msg)
		}
	}
	var rep *infer.PosteriorReport
	_, err := ev.guard(x.FitPos, func() (lang.Value, error) {
		var err error
		rep, err = infer.FitPosterior(q, post, opts, ev.th.Rand)
		return nil, err
	})
	if err != nil {
		return nil, ev.fitError(x, err)
	}
	r := reportRecord(&rep.Report)
	r.Set("elbo", lang.Number(rep.ELBO))
	r.Set("pareto_k", lang.Number(rep.ParetoK))
	r.Set("dropped", lang.Number(rep.Dropped))
	r.Set("warnings", lang.String(fitWarnings(post.Model, x.FitPos, append(warned, rep.Warnings...))))
	return r, nil
}

// elboBuiltin is elbo(q, target, n): the Monte Carlo ELBO of a guide (or a
// flow over the unconstrained space) for a posterior, from n draws
// (default 1000).
func elboBuiltin() *lang.Builtin {
	b := lang.NewBuiltin("elbo", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var qv, tv lang.Value
		n := 1000
		if err := lang.UnpackArgs("elbo", args, kwargs, "q", &qv, "target", &tv, "n?", &n); err != nil {
			return nil, err
		}
		if n < 1 {
			return nil, fmt.Errorf("elbo: n must be positive, got %d", n)
		}
		post, ok := tv.(*Posterior)
		if !ok {
			return nil, fmt.Errorf("elbo: target must be a posterior m(data), got %s", lang.Describe(tv))
		}
		q, ok := flowOf(qv)
		if !ok {
			return nil, fmt.Errorf("elbo: q must be a guide or a flow, got %s", lang.Describe(qv))
		}
		if q.Dim() != post.Dim() {
			return nil, fmt.Errorf("elbo: the guide has dimension %d but the posterior has %d", q.Dim(), post.Dim())
		}
		savedTh := post.th
		post.th = th
		defer func() { post.th = savedTh }()
		v, err := infer.ELBO(q, post, n, th.Rand)
		if err != nil {
			return nil, fmt.Errorf("elbo: %w", err)
		}
		return lang.Number(v), nil
	})
	b.Doc = "elbo(q, target, n): Monte Carlo ELBO of a fitted guide for a posterior m(data), from n draws (default 1000)"
	return b
}

var (
	_ infer.Posterior      = (*Posterior)(nil)
	_ infer.Explainer      = (*Posterior)(nil)
	_ infer.InitialPointer = (*Posterior)(nil)
)

// guideMeta is what a saved guide records about its posterior's layout.
type guideMeta struct {
	Model   string       `json:"model"`
	Latents []latentMeta `json:"latents"`
	Derived []string     `json:"derived,omitempty"`
	// Amortised is set for an amortised posterior (amortise.go).
	Amortised *amortisedMeta `json:"amortised,omitempty"`
}

type latentMeta struct {
	Name    string `json:"name"`
	Shape   []int  `json:"shape"`
	Support string `json:"support"`
	Prior   string `json:"prior"`
	Offset  int    `json:"offset"`
	Dim     int    `json:"unconstrained_dim"`
}

var _ stdlib.FlowSaver = (*Guide)(nil)

// SavedFlow returns the guide's flow for save, with Meta holding the
// latents' names, shapes and supports in the order of the flow's
// coordinates.
func (g *Guide) SavedFlow() (*flows.Flow, error) {
	m := guideMeta{Model: g.Post.Model.name}
	for _, l := range g.Post.lay.latents {
		m.Latents = append(m.Latents, latentMeta{Name: l.name, Shape: append([]int{}, l.event...), Support: l.support, Prior: l.prior, Offset: l.off, Dim: l.k})
	}
	for _, d := range g.Post.lay.derived {
		m.Derived = append(m.Derived, d.name)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	g.Flow.Meta = b
	return g.Flow, nil
}

var _ stdlib.GuideTarget = (*Posterior)(nil)

// GuideFor makes a flow loaded from a saved guide a guide of p again
// (load(path, m(data))): the latents recorded in its Meta must be p's, in
// the same order, with the same shapes, supports and unconstrained sizes.
func (p *Posterior) GuideFor(f *flows.Flow) (lang.Value, error) {
	if f.Dim() != p.Dim() {
		return nil, fmt.Errorf("the flow has dimension %d but the latents of %s have %d unconstrained coordinates", f.Dim(), p, p.Dim())
	}
	if len(f.Meta) == 0 {
		return nil, fmt.Errorf("the file holds a flow, not a saved guide (no latent layout)")
	}
	var m guideMeta
	if err := json.Unmarshal(f.Meta, &m); err != nil {
		return nil, fmt.Errorf("the file's latent layout is malformed: %v", err)
	}
	lat := p.lay.latents
	if (m.Amortised != nil) != (f.ContextDim() > 0) {
		return nil, fmt.Errorf("the file's latent layout does not match its flow (context size %d)", f.ContextDim())
	}
	if len(m.Latents) != len(lat) {
		return nil, fmt.Errorf("the saved guide has %d latents, %s has %d", len(m.Latents), p, len(lat))
	}
	for i, l := range lat {
		s := m.Latents[i]
		if s.Name != l.name || !slices.Equal(s.Shape, l.event) || s.Support != l.support || s.Offset != l.off || s.Dim != l.k {
			return nil, fmt.Errorf("the saved guide's latent %d is %s %v (%s), %s has %s %v (%s)", i+1, s.Name, s.Shape, s.Support, p, l.name, l.event, l.support)
		}
	}
	if m.Amortised != nil {
		return m.Amortised.value(f, p)
	}
	return &Guide{Flow: f, Post: p}, nil
}
