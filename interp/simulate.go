package interp

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// Simulation from a model: a run of the body in which each latent is
// drawn (from its prior, or given by a guide's draws) and each ~ that
// observes data draws that data from the likelihood instead of scoring
// it; the draw replaces the observed value for the rest of the run, in
// the model's own scope (a global observed by the body is shadowed, never
// changed). The body runs vectorised over a batch of draws, in chunks as
// collect does, so a simulation of n draws costs a few runs of the body.

// simState is the state of a simulate run (modelRun.sim).
type simState struct {
	obs    []string         // the names of the observed values, in order of their first ~
	seen   map[string]bool  // names in obs
	zparts []*tensor.Tensor // prior draws of the latents, unconstrained ([B, k] each)
}

func (s *simState) note(name string) {
	if !s.seen[name] {
		s.seen[name] = true
		s.obs = append(s.obs, name)
	}
}

// errFactorSimulate is factor's error in a simulate run.
var errFactorSimulate = errors.New("factor: simulate cannot draw from a model with factor terms (a factor reweights the joint density, which then has no generative form to draw from); simulate a model written with ~ only")

// SimField is one simulated quantity: n draws of a value of shape Shape
// ([] a number, [d] a vector, [r, c] a matrix), draw i flattened by rows in
// row i of Values ([n, size]).
type SimField struct {
	Name   string
	Shape  []int
	Values *tensor.Tensor
}

// Size returns the number of elements of one draw.
func (f SimField) Size() int { return draws.Param{Name: f.Name, Shape: f.Shape}.Size() }

// Simulation is n joint draws from a model (Posterior.Simulate): the
// latents, the derived quantities, and the observed data drawn from the
// likelihood given those latents. Row i of every field belongs to draw i,
// so a (latents, data) pair is row i of Z (or of Matrix(Latents)) and row
// i of Matrix(Data): the training pairs of a conditional flow.
type Simulation struct {
	N int
	// Z holds the latents in the unconstrained space, [N, Dim()] in
	// declaration order: the coordinates of a guide of the model. A prior
	// draw on the boundary of its support (a Beta draw of exactly 1 in
	// floating point) is ±Inf there. Discrete latents have no
	// coordinates in Z (they are in Latents).
	Z       *tensor.Tensor
	Latents []SimField // constrained, in declaration order
	Derived []SimField // as summary of a guide reports them
	Data    []SimField // the observed values, in order of their first ~
}

// Matrix puts fields side by side: an [N, total size] matrix whose row i
// is draw i of each field, flattened by rows, in order.
func (s *Simulation) Matrix(fields []SimField) *tensor.Tensor {
	w := 0
	for _, f := range fields {
		w += f.Size()
	}
	out := make([]float64, s.N*w)
	off := 0
	for _, f := range fields {
		k := f.Size()
		src := f.Values.Data()
		for i := range s.N {
			copy(out[i*w+off:i*w+off+k], src[i*k:(i+1)*k])
		}
		off += k
	}
	return tensor.New(out, s.N, w)
}

// Record returns the simulation as simulate returns it to a script: one
// field per latent, derived quantity (unless a ~ observed a value of that
// name, which it then holds) and observed value, an n-vector for a number
// and an n×size matrix otherwise (a matrix flattened by rows).
func (s *Simulation) Record() *lang.Record {
	out := lang.NewRecord()
	observed := map[string]bool{}
	for _, f := range s.Data {
		observed[f.Name] = true
	}
	set := func(f SimField) {
		if len(f.Shape) == 0 {
			out.Set(f.Name, lang.NewArray(tensor.Reshape(f.Values, s.N)))
			return
		}
		out.Set(f.Name, lang.NewArray(f.Values))
	}
	for _, f := range s.Latents {
		set(f)
	}
	for _, f := range s.Derived {
		if !observed[f.Name] {
			set(f)
		}
	}
	for _, f := range s.Data {
		set(f)
	}
	return out
}

// simFields accumulates the chunks of one kind of field.
type simFields struct {
	n      int
	order  []string
	fields map[string]*simAcc
}

type simAcc struct {
	shape []int
	data  []float64
	seen  int // draws filled
}

func (fs *simFields) put(th *lang.Thread, name string, t *tensor.Tensor, shape []int, lo, m int) error {
	if fs.fields == nil {
		fs.fields = map[string]*simAcc{}
	}
	k := 1
	for _, d := range shape {
		k *= d
	}
	a := fs.fields[name]
	if a == nil {
		if lo > 0 {
			return fmt.Errorf("simulate: %s is drawn in some runs of the model and not in others", name)
		}
		if err := th.Alloc(fs.n, k); err != nil {
			return fmt.Errorf("simulate: %s: %w", name, err)
		}
		a = &simAcc{shape: slices.Clone(shape), data: make([]float64, fs.n*k)}
		fs.fields[name] = a
		fs.order = append(fs.order, name)
	}
	if !slices.Equal(a.shape, shape) || t.Len() != m*k {
		return fmt.Errorf("simulate: %s has shape %s in some draws and %s in others", name, lang.ShapeString(a.shape), lang.ShapeString(shape))
	}
	copy(a.data[lo*k:(lo+m)*k], t.Detach().Data())
	a.seen += m
	return nil
}

func (fs *simFields) list() ([]SimField, error) {
	var out []SimField
	for _, name := range fs.order {
		a := fs.fields[name]
		if a.seen != fs.n {
			return nil, fmt.Errorf("simulate: %s is drawn in some runs of the model and not in others", name)
		}
		k := len(a.data) / max(fs.n, 1)
		out = append(out, SimField{Name: name, Shape: a.shape, Values: tensor.New(a.data, fs.n, k)})
	}
	return out, nil
}

// Simulate returns n joint draws of the model's latents and data: the
// latents from their priors (guide nil) or from guide, a flow over the
// unconstrained space of the latents (a posterior predictive simulation),
// and every observed value from its likelihood given them. The body runs
// vectorised, in chunks of draws, with rng's random numbers. A latent
// whose prior has no draws (Flat, HalfFlat) or a factor statement is an
// error at its line.
func (p *Posterior) Simulate(th *lang.Thread, guide *flows.Flow, n int, rng *rand.Rand) (*Simulation, error) {
	if n < 1 {
		return nil, fmt.Errorf("simulate: n must be a positive integer, got %d", n)
	}
	th.Init()
	var zAll *tensor.Tensor
	if guide != nil {
		if guide.Dim() != p.Dim() {
			return nil, fmt.Errorf("simulate: the guide has dimension %d but the latents of %s have %d unconstrained coordinates", guide.Dim(), p, p.Dim())
		}
		saved := th.Rand
		th.Rand = rng
		z, err := lang.Draws(th, guide, n)
		th.Rand = saved
		if err != nil {
			return nil, err
		}
		zAll = z.Detach()
	}
	D := p.Dim()
	if err := th.Alloc(n, D); err != nil {
		return nil, err
	}
	zOut := make([]float64, n*D)
	lat := simFields{n: n}
	der := simFields{n: n}
	obs := simFields{n: n}
	err := infer.EvalChunks(nil, n, func(tp *tensor.Tape, lo, m int) error {
		if err := th.Cancelled(); err != nil {
			return err
		}
		r := newRun(modeSim, m)
		r.rng, r.lay = rng, p.lay
		r.sim = &simState{seen: map[string]bool{}}
		if zAll != nil {
			r.z = infer.Scratch(tp, zAll, lo, m)
		}
		// r.rows stays nil: all the data rows are simulated, also for a
		// posterior fitted with subsample.
		local, err := p.run(th, r)
		if err != nil {
			return err
		}
		if zAll != nil {
			copy(zOut[lo*D:(lo+m)*D], zAll.Data()[lo*D:(lo+m)*D])
		} else if D > 0 {
			z := tensor.Concat(1, r.sim.zparts...)
			if z.Dim(1) != D {
				return fmt.Errorf("simulate: the latents have %d unconstrained coordinates in a run, %d in the first", z.Dim(1), D)
			}
			copy(zOut[lo*D:(lo+m)*D], z.Data())
		}
		for _, l := range p.lay.latents {
			if err := lat.put(th, l.name, r.values[l.name], l.event, lo, m); err != nil {
				return err
			}
		}
		for _, name := range derivedNames(p.Model.body) {
			if _, latent := r.first[name]; latent || r.sim.seen[name] {
				continue
			}
			if b, ok := local.vars[name].(*lang.Batch); ok && !b.Bool && len(b.Event()) <= 2 {
				if err := der.put(th, name, b.T, b.Event(), lo, m); err != nil {
					return err
				}
			}
		}
		for _, name := range r.sim.obs {
			v := local.vars[name]
			b, ok := v.(*lang.Batch)
			if !ok || b.Bool {
				return fmt.Errorf("simulate: %s holds %s after the run, not simulated draws", name, lang.Describe(v))
			}
			if err := obs.put(th, name, b.T, b.Event(), lo, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := &Simulation{N: n, Z: tensor.New(zOut, n, D)}
	if s.Latents, err = lat.list(); err != nil {
		return nil, err
	}
	if s.Derived, err = der.list(); err != nil {
		return nil, err
	}
	if s.Data, err = obs.list(); err != nil {
		return nil, err
	}
	return s, nil
}

// simLatent binds the latent name (prior p, dd values per draw) to draws
// from its prior in a simulate run.
func (ev *evaluator) simLatent(s *ast.Tilde, name string, p latentPriorSpec, dd int, dv lang.Value, e *env) error {
	r := ev.run
	pos := s.Pos()
	if p.d == nil {
		return ev.errorf(pos, "simulate: %s ~ %s is improper: it has no draws to simulate from (give %s a proper prior, or simulate from a fitted guide: simulate(q, m(data), n))", name, p.desc, name)
	}
	var x *tensor.Tensor
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%v", p)
			}
		}()
		x, err = drawPrior(r.rng, p.d, dv, r.b, dd)
		return err
	}()
	if err != nil {
		return ev.errorf(pos, "simulate: cannot draw %s from %s: %v", name, p.desc, err)
	}
	if p.tr != nil { // a discrete latent has no unconstrained coordinates
		r.sim.zparts = append(r.sim.zparts, p.tr.Unconstrain(x).Detach())
	}
	r.first[name] = pos
	r.values[name] = x
	e.vars[name] = lang.NewBatch(tensor.Reshape(x, append([]int{r.b}, p.event...)...))
	return nil
}

// drawPrior returns b draws ([b, dd]) of a latent's prior d (dv: the ~'s
// right side, for Ordered).
func drawPrior(rng *rand.Rand, d dist.Distribution, dv lang.Value, b, dd int) (*tensor.Tensor, error) {
	lp, ordered := dv.(*latentPrior)
	if !ordered {
		return tensor.BroadcastTo(d.Sample(rng, b), b, dd).Clone(), nil
	}
	// Ordered(D): D restricted to increasing vectors. When D's components
	// are exchangeable (the same parameters), sorting a draw of D gives a
	// draw of Ordered(D) exactly; otherwise draws of D are rejected until
	// one is increasing.
	x := tensor.BroadcastTo(d.Sample(rng, b), b, dd).Clone()
	xd := x.Data()
	if exchangeable(lp.inner, b) {
		for i := range b {
			slices.Sort(xd[i*dd : (i+1)*dd])
		}
		return x, nil
	}
	const tries = 10000
	for i := range b {
		row := xd[i*dd : (i+1)*dd]
		for t := 0; !slices.IsSorted(row); t++ {
			if t == tries {
				return nil, fmt.Errorf("no increasing draw in %d tries (its components are far from ordered)", tries)
			}
			one := tensor.BroadcastTo(d.Sample(rng, b), b, dd)
			copy(row, one.Data()[i*dd:(i+1)*dd])
		}
	}
	return x, nil
}

// exchangeable reports whether the components of a draw of ld have the
// same distribution and are independent: each parameter is the same
// along a draw's vector.
func exchangeable(ld *lang.Dist, b int) bool {
	if ld == nil || ld.Family == nil || len(ld.Params) != len(ld.Family.Params) {
		return false
	}
	switch ld.Family.Name {
	case "Dirichlet", "MultivariateNormal", "Categorical", "Multinomial":
		return false
	}
	for _, p := range ld.Params {
		if p.Rank() == 0 {
			continue
		}
		k := p.Dim(p.Rank() - 1)
		d := p.Data()
		for i := 0; i < len(d); i += k {
			for _, v := range d[i : i+k] {
				if v != d[i] {
					return false
				}
			}
		}
	}
	return true
}

// simDraw draws the value of an observation of shape xe ([] a number, [d]
// a vector, [r, c] a matrix, per draw) from dv in a simulate run: a [B,
// xe...] batch, iid rows of the distribution's dimension.
func (ev *evaluator) simDraw(s *ast.Tilde, what string, xe []int, dv lang.Value) (*lang.Batch, error) {
	r := ev.run
	if lp, ok := dv.(*latentPrior); ok {
		return nil, ev.errorf(s.Dist.Pos(), "simulate: %s ~ %s: a prior for latent variables has no draws, and %s is observed", what, lp, what)
	}
	d, nb, ok := priorDist(dv)
	if !ok {
		return nil, ev.errorf(s.Dist.Pos(), "the right side of ~ must be a distribution, got %s", dv.Type())
	}
	ld, _ := dv.(*lang.Dist)
	m := 1
	for _, n := range xe {
		m *= n
	}
	var x *tensor.Tensor
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%v", p)
			}
		}()
		x, err = drawObs(r.rng, d, ld, nb, r.b, m)
		return err
	}()
	if err != nil {
		return nil, ev.errorf(s.Pos(), "simulate: cannot draw %s from %s: %v", what, familyName(d), err)
	}
	return lang.NewBatch(tensor.Reshape(x, append([]int{r.b}, xe...)...)), nil
}

// drawObs returns b draws of m values ([b, m]) from d: m/dim iid rows of
// d's dimension per draw. nb > 0 says d's parameters have a leading draw
// axis of b (row i of the parameters gives draw i).
func drawObs(rng *rand.Rand, d dist.Distribution, ld *lang.Dist, nb, b, m int) (*tensor.Tensor, error) {
	dim := max(d.Dim(), 1)
	if m%dim != 0 {
		return nil, fmt.Errorf("%d values are not rows of %d", m, dim)
	}
	rows := m / dim
	switch {
	case nb == 0:
		return tensor.Reshape(d.Sample(rng, b*rows), b, m), nil
	case rows == 1:
		return tensor.Reshape(d.Sample(rng, b), b, m), nil
	case dim == 1 && ld != nil:
		// One number per draw for each of the m values: build the family
		// again with its parameters repeated m times, one draw.
		if wide, ok := widen(ld, b, m); ok {
			return tensor.Reshape(wide.Sample(rng, b), b, m), nil
		}
	}
	out := make([]float64, b*m)
	for j := range rows {
		x := d.Sample(rng, b).Data()
		for i := range b {
			copy(out[i*m+j*dim:i*m+(j+1)*dim], x[i*dim:(i+1)*dim])
		}
	}
	return tensor.New(out, b, m), nil
}

// widen rebuilds a family distribution whose parameters are numbers or
// [b, 1] with each parameter broadcast to [b, m].
func widen(ld *lang.Dist, b, m int) (dist.Distribution, bool) {
	if ld.Family == nil || len(ld.Params) != len(ld.Family.Params) || len(ld.Family.Whole) > 0 || len(ld.Family.MatrixParams) > 0 {
		return nil, false
	}
	ps := make([]*tensor.Tensor, len(ld.Params))
	for j, p := range ld.Params {
		switch {
		case p.Rank() == 0:
			ps[j] = tensor.Full(p.Item(), b, m)
		case p.Rank() == 2 && p.Dim(0) == b && p.Dim(1) == 1:
			ps[j] = tensor.BroadcastTo(p.Detach(), b, m)
		default:
			return nil, false
		}
	}
	d, err := ld.Family.Build(ps, false)
	return d, err == nil
}

// simObserve draws the observed value name (bound to v) from dv in a
// simulate run and binds the draws to name in the model's scope e.
func (ev *evaluator) simObserve(s *ast.Tilde, name string, v, dv lang.Value, e *env) error {
	t, xn, _ := lang.EventTensor(v)
	xe := t.Shape()
	if xn > 0 {
		xe = xe[1:]
	}
	x, err := ev.simDraw(s, name, xe, dv)
	if err != nil {
		return err
	}
	e.vars[name] = x
	ev.run.sim.note(name)
	return nil
}

// simObserveIndex draws the observed element lhs (whole[idx], bound to v)
// from dv in a simulate run and writes the draws into the value of the
// name lhs indexes, bound in the model's scope e (a batch from then on).
func (ev *evaluator) simObserveIndex(s *ast.Tilde, lhs *ast.Index, whole lang.Value, idx []lang.IndexArg, v, dv lang.Value, e *env) error {
	id, ok := lhs.X.(*ast.Ident)
	if !ok {
		return ev.errorf(s.Pos(), "simulate: cannot draw %s: write the element as %s[i, j], one subscript list on a name", ast.FormatExpr(lhs), ast.FormatExpr(baseOf(lhs)))
	}
	t, xn, _ := lang.EventTensor(v)
	xe := t.Shape()
	if xn > 0 {
		xe = xe[1:]
	}
	x, err := ev.simDraw(s, ast.FormatExpr(lhs), xe, dv)
	if err != nil {
		return err
	}
	set := lang.SetIndex
	if _, here := e.vars[id.Name]; here {
		set = lang.SetIndexInPlace
	}
	nv, err := ev.guard(lhs.Lbrack, func() (lang.Value, error) { return set(whole, idx, x) })
	if err != nil {
		return ev.wrap(lhs.Lbrack, err)
	}
	e.vars[id.Name] = nv
	ev.run.sim.note(id.Name)
	return nil
}

// baseOf returns the expression under the subscripts of x[i][j] (x
// itself when it has none).
func baseOf(x ast.Expr) ast.Expr {
	base := x
	for {
		ix, ok := base.(*ast.Index)
		if !ok {
			return base
		}
		base = ix.X
	}
}

// evalArg evaluates the argument a of a call of fn. An argument of
// simulate that calls a model, m(data), gives the posterior without its
// prototype run: simulate runs its own (prepareSim), in which latents are
// drawn from their priors, so that a model with discrete latents, which
// m(data) reports (no guide can be fitted to them), can be simulated.
func (ev *evaluator) evalArg(fn lang.Value, a ast.Expr, e *env) (lang.Value, error) {
	if fn != lang.Value(simulateFn) {
		return ev.eval(a, e)
	}
	c, ok := a.(*ast.Call)
	if !ok {
		return ev.eval(a, e)
	}
	id, ok := c.Fn.(*ast.Ident)
	if !ok {
		return ev.eval(a, e)
	}
	mv, _, _ := e.lookup(id.Name)
	m, ok := mv.(*Model)
	if !ok {
		return ev.eval(a, e)
	}
	args, kwargs, err := ev.evalArgs(nil, nil, c, e)
	if err != nil {
		return nil, err
	}
	vals, err := bindParams(m.name, m.params, args, kwargs)
	if err != nil {
		return nil, ev.wrap(id.NamePos, err)
	}
	return &Posterior{Model: m, Args: vals, th: ev.th, callPos: id.NamePos}, nil
}

// prepareSim is prepare for simulate from the priors: a prototype run
// (one draw) in which the latents, discrete ones too, are drawn from
// their priors and the observations from the likelihood.
func (p *Posterior) prepareSim(th *lang.Thread) error {
	r := newRun(modeProto, 1)
	r.rng = rand.New(rand.NewPCG(0x5eed, 1))
	r.sim = &simState{seen: map[string]bool{}}
	if _, err := p.run(th, r); err != nil {
		return err
	}
	lay := &layout{latents: r.found}
	for _, l := range r.found {
		lay.dim += l.k
	}
	p.lay = lay
	return nil
}

// simulateFn is the builtin simulate, one value for all interpreters (it
// holds no state), so that a call of it can be recognised (evalArg).
var simulateFn *lang.Builtin

func init() { simulateFn = simulateBuiltin() }

// simulateBuiltin is simulate(target, n) and simulate(q, target, n).
func simulateBuiltin() *lang.Builtin {
	b := lang.NewBuiltin("simulate", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var (
			qv, tv lang.Value
			n      int
			seedv  lang.Value // nil: the thread's random source
		)
		var err error
		if len(args) > 0 && isGuideValue(args[0]) {
			err = lang.UnpackArgs("simulate", args, kwargs, "q", &qv, "target", &tv, "n", &n, "seed?", &seedv)
		} else {
			err = lang.UnpackArgs("simulate", args, kwargs, "target", &tv, "n", &n, "seed?", &seedv)
		}
		if err != nil {
			return nil, err
		}
		post, ok := tv.(*Posterior)
		if !ok {
			return nil, fmt.Errorf("simulate: the model must be called with its data, simulate(m(data), n), got %s", lang.Describe(tv))
		}
		if n < 1 {
			return nil, fmt.Errorf("simulate: n must be a positive integer, got %d", n)
		}
		rng := th.Rand
		if seedv != nil {
			x, ok := seedv.(lang.Number)
			seed, err := lang.AsInt(float64(x))
			if !ok || err != nil || seed < 0 {
				return nil, fmt.Errorf("simulate: seed must be a non-negative integer, got %s", seedv)
			}
			rng = lang.NewRand(uint64(seed))
		}
		savedTh := post.th
		post.th = th
		defer func() { post.th = savedTh }()
		if post.lay == nil {
			// m(data) written in the call (evalArg): from the priors, a
			// prototype that draws; for a guide, the model's layout.
			prep := post.prepareSim
			if qv != nil {
				prep = post.prepare
			}
			if err := prep(th); err != nil {
				return nil, err
			}
		}
		var guide *flows.Flow
		if qv != nil {
			if guide, err = simGuide(qv, post); err != nil {
				return nil, err
			}
		}
		sim, err := post.Simulate(th, guide, n, rng)
		if err != nil {
			return nil, err
		}
		return sim.Record(), nil
	})
	b.Doc = "simulate(m(data), n), simulate(q, m(data), n): n joint draws of the latents (from their priors, or from the fitted guide q) and of the observed data from the likelihood, as a record; option seed"
	return b
}

// isGuideValue reports whether v is the q of simulate(q, m(data), n).
func isGuideValue(v lang.Value) bool {
	switch v.(type) {
	case *Guide, *lang.Flow, *lang.FlowPlan:
		return true
	}
	return false
}

// simGuide returns the flow of q for a posterior predictive simulation
// of post: a guide fitted to the same model with the same latents, or a
// flow over post's unconstrained space.
func simGuide(qv lang.Value, post *Posterior) (*flows.Flow, error) {
	switch q := qv.(type) {
	case *Guide:
		a, b := q.Post.lay.latents, post.lay.latents
		if len(a) != len(b) {
			return nil, fmt.Errorf("simulate: the guide is of %s, with %d latents, and %s has %d", q.Post, len(a), post, len(b))
		}
		for i := range a {
			if a[i].name != b[i].name || !slices.Equal(a[i].event, b[i].event) || a[i].k != b[i].k || a[i].support != b[i].support {
				return nil, fmt.Errorf("simulate: the guide's latent %d is %s %s (%s) but %s has %s %s (%s)", i+1, a[i].name, lang.ShapeString(a[i].event), a[i].support, post, b[i].name, lang.ShapeString(b[i].event), b[i].support)
			}
		}
		return q.Flow, nil
	case *lang.Flow:
		if q.F.Dim() != post.Dim() {
			return nil, fmt.Errorf("simulate: the flow has dimension %d but the latents of %s have %d unconstrained coordinates", q.F.Dim(), post, post.Dim())
		}
		return q.F, nil
	}
	return nil, fmt.Errorf("simulate: q must be a fitted guide (simulate(q, m(data), n)), got %s", lang.Describe(qv))
}
