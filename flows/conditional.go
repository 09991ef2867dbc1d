package flows

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/tensor"
)

// Conditional is a bijector whose conditioner can also read a context
// vector of ContextDim values: a layer of a conditional flow q(y | x),
// with x the context. AffineAutoregressive, SplineAutoregressive and
// Coupling are conditional when built with Options.Context > 0: the
// context is an extra input of the conditioner connected to every unit of
// its first hidden layer (a MADE's masks are unchanged for the
// autoregressive inputs, so the layer stays autoregressive in its inputs
// whatever the context, and each direction keeps its one-pass property).
//
// ForwardGiven and InverseGiven are Forward and Inverse at the contexts c,
// an [n, ContextDim] tensor with one row per row of the input; both are
// differentiable in c too. A layer with ContextDim 0 takes c = nil (and
// then is its plain Forward and Inverse); a layer with a context must be
// given one.
type Conditional interface {
	Bijector
	ContextDim() int
	ForwardGiven(x, c *tensor.Tensor) (y, logDet *tensor.Tensor)
	InverseGiven(y, c *tensor.Tensor) (x, logDet *tensor.Tensor)
}

var (
	_ Conditional = (*AffineAutoregressive)(nil)
	_ Conditional = (*SplineAutoregressive)(nil)
	_ Conditional = (*Coupling)(nil)
)

// contextDim returns the context size of layer l (0 when it reads none).
func contextDim(l Bijector) int {
	if c, ok := l.(Conditional); ok {
		return c.ContextDim()
	}
	return 0
}

// checkContext reports a layer whose context size differs from that of
// the conditional layers already in layers: every conditional layer of a
// flow reads the same context.
func checkContext(layers []Bijector, l Bijector) error {
	k := contextDim(l)
	if k == 0 {
		return nil
	}
	for _, m := range layers {
		if j := contextDim(m); j != 0 && j != k {
			return fmt.Errorf("%s has context %d but the flow's other conditional layers have context %d: every layer of a conditional flow reads the same context", l.Name(), k, j)
		}
	}
	return nil
}

// ContextDim returns the size of the context the flow is conditioned on: 0
// for an ordinary flow, k for a conditional flow q(y | x) with x in R^k (a
// flow with a Conditional layer of ContextDim k). A conditional flow is a
// family of distributions, one per context: evaluate it with LogProbGiven
// and SampleGiven, or fix the context with Given; its own LogProb, Sample
// and the other dist.Distribution methods need a context and panic.
func (f *Flow) ContextDim() int {
	for _, l := range f.Layers {
		if k := contextDim(l); k > 0 {
			return k
		}
	}
	return 0
}

// IsView reports whether f is a conditional flow at fixed contexts (made
// by Given or GivenRows), sharing the parameters of the conditional flow.
func (f *Flow) IsView() bool { return f.view }

// Given returns the distribution of the conditional flow f at the context
// c (ContextDim values): an ordinary flow (ContextDim 0) that samples,
// scores and summarises like any other and shares f's parameters (a view:
// training f changes it). It is an error when f is not conditional or c
// has the wrong length.
func (f *Flow) Given(c []float64) (*Flow, error) {
	k := f.ContextDim()
	if k == 0 {
		return nil, fmt.Errorf("the flow is not conditional (build it with context = k to condition it)")
	}
	if len(c) != k {
		return nil, fmt.Errorf("the flow is conditional on a context of %d values, got %d", k, len(c))
	}
	return f.bind(tensor.New(append([]float64(nil), c...), 1, k)), nil
}

// GivenRows returns the conditional flow at the contexts c ([n,
// ContextDim], possibly tracked): a view whose LogProb takes n rows, row i
// scored at context row i, and whose Sample(rng, n) draws row i at
// context row i. LogProbGiven and SampleGiven use it.
func (f *Flow) GivenRows(c *tensor.Tensor) (*Flow, error) {
	if err := f.checkContextRows(c); err != nil {
		return nil, err
	}
	return f.bind(c), nil
}

// checkContextRows reports contexts c that are not an [n, ContextDim]
// matrix of a conditional flow.
func (f *Flow) checkContextRows(c *tensor.Tensor) error {
	k := f.ContextDim()
	switch {
	case k == 0:
		return fmt.Errorf("the flow is not conditional (build it with context = k to condition it)")
	case c == nil || c.Rank() != 2 || c.Dim(1) != k:
		shape := []int(nil)
		if c != nil {
			shape = c.Shape()
		}
		return fmt.Errorf("the flow is conditional on a context of %d values: the contexts must be an n×%d matrix, got shape %v", k, k, shape)
	}
	return nil
}

// CheckGiven reports values y and contexts c that LogProbGiven cannot
// pair: y must be [n, Dim] and c [n, ContextDim] with the same n.
func (f *Flow) CheckGiven(y, c *tensor.Tensor) error {
	if err := f.checkContextRows(c); err != nil {
		return err
	}
	if y == nil || y.Rank() != 2 || y.Dim(1) != f.Dim() {
		return fmt.Errorf("the values must be an n×%d matrix for a flow of dimension %d", f.Dim(), f.Dim())
	}
	if y.Dim(0) != c.Dim(0) {
		return fmt.Errorf("%d values but %d contexts: log_prob given contexts pairs row i of the values with row i of the contexts", y.Dim(0), c.Dim(0))
	}
	return nil
}

// LogProbGiven returns log q(y_i | c_i) for each row i of y ([n, Dim]) and
// c ([n, ContextDim]), differentiable in the parameters, y and c; in
// chunks of rows when nothing is tracked. Shapes that CheckGiven rejects
// panic.
func (f *Flow) LogProbGiven(y, c *tensor.Tensor) *tensor.Tensor {
	if err := f.CheckGiven(y, c); err != nil {
		panic("flows: LogProbGiven: " + err.Error())
	}
	n := y.Dim(0)
	if n <= sampleChunk || f.tracked(y, c) {
		return f.bind(c).logProb(y)
	}
	out := tensor.Zeros(n)
	for i := 0; i < n; i += sampleChunk {
		m := min(sampleChunk, n-i)
		copy(out.Data()[i:i+m], f.bind(tensor.Narrow(c, 0, i, m)).logProb(tensor.Narrow(y, 0, i, m)).Data())
	}
	return out
}

// SampleGiven returns one draw at each context row of c ([n, ContextDim]):
// an untracked [n, Dim] tensor, row i drawn from q(· | c_i). Contexts that
// are not an n×ContextDim matrix panic (see GivenRows for the error).
func (f *Flow) SampleGiven(rng *rand.Rand, c *tensor.Tensor) *tensor.Tensor {
	if err := f.checkContextRows(c); err != nil {
		panic("flows: SampleGiven: " + err.Error())
	}
	n, d := c.Dim(0), f.Dim()
	out := tensor.Zeros(n, d)
	for i := 0; i < n; i += sampleChunk {
		m := min(sampleChunk, n-i)
		x := f.bind(tensor.Narrow(c, 0, i, m)).Sample(rng, m)
		copy(out.Data()[i*d:], x.Data())
	}
	return out
}

// StandardizeContext makes the conditional flow read each context c as
// (c − mean)/sd, column by column (an sd of 0 counts as 1), so that its
// conditioners see contexts of unit scale whatever the data's units; a
// fit calls it on a flow's first fit, from the training contexts' moments
// (infer.FitConditional), and Save and Load keep it. It reports false and
// changes nothing when the flow is not conditional or the moments are not
// ContextDim finite values.
func (f *Flow) StandardizeContext(mean, sd []float64) bool {
	k := f.ContextDim()
	if k == 0 || len(mean) != k || len(sd) != k {
		return false
	}
	loc, scale := make([]float64, k), make([]float64, k)
	for j := range k {
		if !finite(mean[j]) || !finite(sd[j]) || sd[j] < 0 {
			return false
		}
		loc[j], scale[j] = mean[j], sd[j]
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	f.ctxLoc, f.ctxScale = loc, scale
	f.gen++
	return true
}

// Current returns the view f made again when its conditional flow has
// changed its layers or context scaling since (as its first fit does: it
// adds a standardising layer and standardises the contexts), else f; f
// itself is not modified. Parameters are shared either way, so a view
// made before a fit that only changed them is current.
func (f *Flow) Current() *Flow {
	if !f.view || f.parent == nil || f.parent.gen == f.pgen {
		return f
	}
	return f.parent.bind(f.rawCtx)
}

// ContextScaling returns the context standardisation set by
// StandardizeContext (nil, nil: none). The caller must not modify them.
func (f *Flow) ContextScaling() (loc, scale []float64) { return f.ctxLoc, f.ctxScale }

// bind returns the view of f at the contexts c ([1, k] for every row, or
// [n, k] for inputs of n rows): the same base, stages and parameters, each
// conditional layer wrapped with c (standardised when StandardizeContext
// was called).
func (f *Flow) bind(c *tensor.Tensor) *Flow {
	raw := c
	if f.ctxLoc != nil {
		k := len(f.ctxLoc)
		c = tensor.Div(tensor.Sub(c, tensor.New(f.ctxLoc, k)), tensor.New(f.ctxScale, k))
	}
	v := &Flow{Base: f.Base, Meta: f.Meta, stages: f.stages, nStaged: f.nStaged, std: f.std,
		dir: f.dir, fitted: f.fitted, view: true, parent: f, pgen: f.gen, rawCtx: raw}
	v.Layers = make([]Bijector, len(f.Layers))
	for i, l := range f.Layers {
		c0, ok := l.(Conditional)
		switch {
		case !ok || c0.ContextDim() == 0:
			v.Layers[i] = l
		default:
			g := &given{b: c0, c: c}
			if _, dir := l.(lockable); dir {
				v.Layers[i] = &givenDir{g}
			} else {
				v.Layers[i] = g
			}
		}
	}
	return v
}

// given is a conditional layer at fixed contexts: [1, k] for every row, or
// [n, k] for inputs of exactly n rows.
type given struct {
	b Conditional
	c *tensor.Tensor
}

// rows returns the contexts of an input of n rows.
func (g *given) rows(n int) *tensor.Tensor {
	switch r := g.c.Dim(0); {
	case r == n:
		return g.c
	case r == 1:
		return tensor.BroadcastTo(g.c, n, g.c.Dim(1))
	default:
		panic(fmt.Sprintf("flows: %d inputs for %d contexts", n, r))
	}
}

func (g *given) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return g.b.ForwardGiven(x, g.rows(x.Dim(0)))
}

func (g *given) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return g.b.InverseGiven(y, g.rows(y.Dim(0)))
}

func (g *given) Params() []*tensor.Tensor  { return g.b.Params() }
func (g *given) Dim() int                  { return g.b.Dim() }
func (g *given) Initialize(rng *rand.Rand) { g.b.Initialize(rng) }
func (g *given) Name() string              { return g.b.Name() }
func (g *given) mapMoments(m, s []float64) bool {
	mm, ok := g.b.(momentMapper)
	return ok && mm.mapMoments(m, s) // a pristine layer is constant in the context
}

// givenDir is given for an autoregressive layer: its direction is the
// wrapped layer's.
type givenDir struct{ *given }

func (g *givenDir) Direction() Direction     { return g.b.(lockable).Direction() }
func (g *givenDir) SetDirection(d Direction) { g.b.(lockable).SetDirection(d) }
func (g *givenDir) lock()                    { g.b.(lockable).lock() }
func (g *givenDir) isLocked() bool           { return g.b.(lockable).isLocked() }

// WithContext returns the plan with context = k for each bijector that
// takes a context (AffineAutoregressive, SplineAutoregressive, Coupling)
// and was not given one: instantiated, it is a conditional flow q(y | x)
// with x in R^k (unless no bijector takes a context). The plan's steps
// are not modified.
func (p Plan) WithContext(k int) Plan {
	out := Plan{Layers: slices.Clone(p.Layers)}
	for i, s := range out.Layers {
		r := lookup(s.Name)
		if _, set := s.Options["context"]; set || r == nil || !slices.Contains(r.options, "context") {
			continue
		}
		o := maps.Clone(s.Options)
		if o == nil {
			o = map[string]OptionValue{}
		}
		o["context"] = float64(k)
		out.Layers[i].Options = o
	}
	return out
}
