package interp

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// A model body runs vectorised: every value that depends on a latent
// variable is a *lang.Batch with a leading draw axis of size B, so one run
// of the body evaluates the log density of B guide draws at once (and,
// when the draws are tracked, differentiably). The first run (the
// prototype, B = 1, latents at Stan's random inits in (-2, 2)) discovers
// the latents: their names, shapes and supports in declaration order, and
// the derived quantities. Later runs must declare the same latents in the
// same order.

// latentInfo describes one latent variable of a posterior.
type latentInfo struct {
	name    string
	pos     ast.Pos // its ~
	event   []int   // [] for a number, [d] for a vector
	d, k    int     // constrained and unconstrained dimension
	off     int     // offset of its coordinates in the unconstrained vector
	support string  // for messages: "positive"
	prior   string  // for messages: "HalfNormal"
}

// derivedInfo is a derived quantity: a top-level assignment of the body
// whose value depends on latents.
type derivedInfo struct {
	name  string
	event []int
}

// layout is what the prototype run found.
type layout struct {
	latents []latentInfo
	derived []derivedInfo
	dim     int
}

type runMode int

const (
	modeProto   runMode = iota // discover the latents (B = 1, random inits)
	modeDensity                // log density of given unconstrained draws
	modeInit                   // draw the latents from their priors
	modeCollect                // constrained latents and derived quantities of given draws
)

// term is one ~ or factor's contribution, for Explain.
type term struct {
	what string
	pos  ast.Pos
	lp   *tensor.Tensor
}

// modelRun is the state of one run of a model body.
type modelRun struct {
	mode    runMode
	b       int
	z       *tensor.Tensor // [B, D] in modeDensity and modeCollect
	rng     *rand.Rand
	logp    *tensor.Tensor // [B]
	lay     *layout        // the prototype's layout (nil in modeProto)
	found   []latentInfo   // latents declared so far in this run
	first   map[string]ast.Pos
	values  map[string]*tensor.Tensor // constrained latents, [B, d]
	zparts  []*tensor.Tensor          // modeInit: unconstrained draws
	terms   []term
	explain bool
	groups  map[obsKey]*obsGroup // deferred observations (model_batch.go)
	order   []*obsGroup
}

func newRun(mode runMode, b int) *modelRun {
	return &modelRun{mode: mode, b: b, logp: tensor.Zeros(b), first: map[string]ast.Pos{}, values: map[string]*tensor.Tensor{}}
}

func (r *modelRun) add(what string, pos ast.Pos, lp *tensor.Tensor) {
	if lp.Rank() == 0 || lp.Len() == 1 && r.b != 1 {
		lp = tensor.BroadcastTo(tensor.Reshape(lp, 1), r.b)
	}
	r.logp = tensor.Add(r.logp, lp)
	if r.explain {
		r.terms = append(r.terms, term{what, pos, lp})
	}
}

// latentPrior is the value of the constraint wrappers Ordered(D), Flat(),
// Flat(n), HalfFlat(), HalfFlat(n): priors for latent variables only.
type latentPrior struct {
	kind  string // "Ordered", "Flat", "HalfFlat"
	n     int    // Flat(n), HalfFlat(n); 0 for a number
	inner *lang.Dist
}

func (p *latentPrior) String() string {
	switch {
	case p.inner != nil:
		return p.kind + "(" + p.inner.String() + ")"
	case p.n > 0:
		return fmt.Sprintf("%s(%d)", p.kind, p.n)
	}
	return p.kind + "()"
}

func (*latentPrior) Type() string { return "distribution" }

// modelBuiltins are the names that exist only inside a model body.
func (r *modelRun) builtins() map[string]lang.Value {
	size := func(fn string, args lang.Tuple, kwargs []lang.Kwarg) (int, error) {
		n := 0
		if err := lang.UnpackArgs(fn, args, kwargs, "n?", &n); err != nil {
			return 0, err
		}
		if len(args) > 0 && n < 1 {
			return 0, fmt.Errorf("%s: n must be a positive integer, got %d", fn, n)
		}
		return n, nil
	}
	return map[string]lang.Value{
		"factor": lang.NewBuiltin("factor", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			var x lang.Value
			if err := lang.UnpackArgs("factor", args, kwargs, "x", &x); err != nil {
				return nil, err
			}
			t, n, ok := lang.EventTensor(x)
			if !ok {
				return nil, fmt.Errorf("factor: got %s, want a number (or a vector, summed)", x.Type())
			}
			if n > 0 {
				if t.Rank() > 1 {
					t = tensor.SumAxis(tensor.Reshape(t, n, t.Len()/n), 1)
				}
			} else {
				t = tensor.Sum(t)
			}
			r.add("factor", ast.Pos{}, t)
			return lang.None, nil
		}),
		"Ordered": lang.NewBuiltin("Ordered", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			var d lang.Distribution
			if err := lang.UnpackArgs("Ordered", args, kwargs, "d", &d); err != nil {
				return nil, err
			}
			ld, ok := d.(*lang.Dist)
			if !ok || len(ld.Event()) != 1 {
				return nil, fmt.Errorf("Ordered: needs a distribution over vectors, such as Normal(zeros(3), 1), got %s", d)
			}
			if ld.D.Support().Kind != dist.Real {
				return nil, fmt.Errorf("Ordered: needs a distribution on the real line, got %s (support %s)", d, ld.D.Support().Kind)
			}
			return &latentPrior{kind: "Ordered", inner: ld}, nil
		}),
		"Flat": lang.NewBuiltin("Flat", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			n, err := size("Flat", args, kwargs)
			return &latentPrior{kind: "Flat", n: n}, err
		}),
		"HalfFlat": lang.NewBuiltin("HalfFlat", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			n, err := size("HalfFlat", args, kwargs)
			return &latentPrior{kind: "HalfFlat", n: n}, err
		}),
	}
}

// run runs the model body of p with r on th, as called from callPos; it
// returns the model's local scope at the end.
func (p *Posterior) run(th *lang.Thread, r *modelRun) (*env, error) {
	th.Init()
	m := p.Model
	ev := &evaluator{th: th, run: r}
	menv := &env{vars: r.builtins(), parent: m.env}
	local := &env{vars: maps.Clone(p.Args), parent: menv}
	if !th.Push(m.name, p.callPos) {
		return nil, ev.errorf(p.callPos, "call depth limit %d reached in %s", th.MaxDepth, m.name)
	}
	defer th.Pop()
	if _, _, err := ev.stmts(m.body.Stmts, local); err != nil {
		return nil, err
	}
	if err := ev.flush(); err != nil {
		return nil, err
	}
	if r.lay != nil && len(r.found) < len(r.lay.latents) {
		l := r.lay.latents[len(r.found)]
		return nil, ev.errorf(l.pos, "the latent variables change between runs of %s: %s was declared in the first run but not in this one (a ~ that declares a latent must not depend on latent values)", m.name, l.name)
	}
	return local, nil
}

// isData reports whether a bound value is observed by ~ (a number, array
// or value computed from latents); functions and other values are
// shadowed by a new latent.
func isData(v lang.Value) bool {
	switch v := v.(type) {
	case lang.Number, *lang.Array:
		return true
	case *lang.Batch:
		return !v.Bool
	}
	return false
}

// tilde runs `lhs ~ D` in a model.
func (ev *evaluator) tilde(s *ast.Tilde, e *env) error {
	r := ev.run
	dv, err := ev.eval(s.Dist, e)
	if err != nil {
		return err
	}
	pos := s.Pos()
	switch lhs := s.LHS.(type) {
	case *ast.Ident:
		if first, ok := r.first[lhs.Name]; ok {
			return ev.errorf(pos, "second ~ on the latent variable %s, declared at %s: a latent has one prior; add extra terms with factor(...)", lhs.Name, first)
		}
		v, _, found := e.lookup(lhs.Name)
		if found && isData(v) {
			return ev.observe(s, func() string { return lhs.Name }, v, nil, dv)
		}
		if found {
			if _, ok := v.(lang.Callable); !ok {
				return ev.errorf(pos, "%s is a %s: ~ observes numbers, vectors and matrices", lhs.Name, v.Type())
			}
		}
		return ev.latent(s, lhs.Name, dv, e)
	case *ast.Index:
		base := ast.Expr(lhs)
		for {
			ix, ok := base.(*ast.Index)
			if !ok {
				break
			}
			base = ix.X
		}
		if id, ok := base.(*ast.Ident); ok {
			if first, ok := r.first[id.Name]; ok {
				return ev.errorf(pos, "second ~ on the latent variable %s, declared at %s: a latent has one prior; add extra terms with factor(...)", id.Name, first)
			}
		}
		whole, err := ev.eval(lhs.X, e)
		if err != nil {
			return err
		}
		idx, err := ev.indices(lhs.Indices, e)
		if err != nil {
			return err
		}
		v, err := ev.guard(lhs.Lbrack, func() (lang.Value, error) { return lang.Index(whole, idx) })
		if err != nil {
			return ev.wrap(lhs.Lbrack, err)
		}
		if !isData(v) {
			return ev.errorf(pos, "%s is a %s: ~ observes numbers, vectors and matrices", ast.FormatExpr(lhs), v.Type())
		}
		origin := func(flat int) string { return indexName(ast.FormatExpr(lhs.X), whole, idx, flat) }
		return ev.observe(s, func() string { return ast.FormatExpr(lhs) }, v, origin, dv)
	}
	return ev.errorf(pos, "the left side of ~ must be a name or an indexed name, got %s", ast.FormatExpr(s.LHS))
}

// indexName names element flat of whole[idx] by its index in whole.
func indexName(base string, whole lang.Value, idx []lang.IndexArg, flat int) string {
	a, ok := whole.(*lang.Array)
	if !ok {
		return base
	}
	shape := a.Shape()
	var kept []int // axes kept, with their lo
	lo := make([]int, len(shape))
	for ax := range shape {
		if ax >= len(idx) {
			kept = append(kept, ax)
			continue
		}
		sel, err := lang.Index(lang.NewVector(rangeVec(shape[ax])), []lang.IndexArg{idx[ax]})
		if err != nil {
			return base
		}
		switch s := sel.(type) {
		case lang.Number:
			lo[ax] = int(s)
		case *lang.Array:
			if s.Len() > 0 {
				lo[ax] = int(s.Data()[0])
			}
			kept = append(kept, ax)
		}
	}
	pos := append([]int(nil), lo...)
	rem := flat
	for i := len(kept) - 1; i >= 0; i-- {
		ax := kept[i]
		n := shape[ax] - lo[ax]
		if ax < len(idx) {
			sel, _ := lang.Index(lang.NewVector(rangeVec(shape[ax])), []lang.IndexArg{idx[ax]})
			n = sel.(*lang.Array).Len()
		}
		if n > 0 {
			pos[ax] += rem % n
			rem /= n
		}
	}
	parts := make([]string, len(pos))
	for i, p := range pos {
		parts[i] = fmt.Sprint(p)
	}
	return base + "[" + strings.Join(parts, ", ") + "]"
}

func rangeVec(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)
	}
	return v
}

// flatName names element flat of a value called name with the given shape.
func flatName(name string, shape []int, flat int) string {
	switch len(shape) {
	case 0:
		return name
	case 1:
		return fmt.Sprintf("%s[%d]", name, flat)
	}
	return fmt.Sprintf("%s[%d, %d]", name, flat/shape[1], flat%shape[1])
}

// familyName names a distribution's family ("Normal") without formatting
// its parameters.
func familyName(d dist.Distribution) string {
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != reflect.TypeOf(dist.Normal{}).PkgPath() {
		return "flow"
	}
	return t.Name()
}

// priorOf returns the distribution of a ~'s right side.
func priorOf(dv lang.Value) (d dist.Distribution, nb int, event []int, ok bool) {
	switch v := dv.(type) {
	case *lang.Dist:
		return v.D, v.Batch, v.Event(), true
	case lang.Distribution:
		dd := v.Dist()
		if dd.Dim() == 1 {
			return dd, 0, []int{}, true
		}
		return dd, 0, []int{dd.Dim()}, true
	}
	return nil, 0, nil, false
}

// priorDist is priorOf without the event shape.
func priorDist(dv lang.Value) (d dist.Distribution, nb int, ok bool) {
	switch v := dv.(type) {
	case *lang.Dist:
		return v.D, v.Batch, true
	case lang.Distribution:
		return v.Dist(), 0, true
	}
	return nil, 0, false
}

// observe adds the log density of observed data x (named what(); origin
// names an element by its flat index, nil for a plain name) under dv.
func (ev *evaluator) observe(s *ast.Tilde, what func() string, x lang.Value, origin func(int) string, dv lang.Value) error {
	pos := s.Pos()
	if lp, ok := dv.(*latentPrior); ok {
		return ev.errorf(s.Dist.Pos(), "%s is a prior for latent variables only, and %s is observed (it is data or already bound)", lp, what())
	}
	d, nb, ok := priorDist(dv)
	if !ok {
		return ev.errorf(s.Dist.Pos(), "the right side of ~ must be a distribution, got %s", dv.Type())
	}
	t, xn, _ := lang.EventTensor(x)
	dim := d.Dim()
	fam := func() string { return familyName(d) }
	shapeErr := func() error {
		want := "[]"
		if dim > 1 {
			want = lang.ShapeString([]int{dim})
		}
		return ev.errorf(pos, "%s has shape %s but %s has shape %s (one draw), or n×%d rows", what(), lang.ShapeString(t.Shape()[min(xn, 1):]), fam(), want, dim)
	}
	xe := t.Shape()
	if xn > 0 {
		xe = xe[1:]
	}
	if dim > 1 {
		switch {
		case len(xe) == 1 && xe[0] == dim, len(xe) == 2 && xe[1] == dim:
		default:
			return shapeErr()
		}
	}
	if xn == 0 {
		sup := d.Support()
		check := sup
		// Bounds that depend on the latents (one per draw) are checked by
		// the log density (-inf) instead; the outcomes 0..K-1 of a
		// Categorical or OrderedLogistic are shared by all draws.
		_, cat := d.(*dist.Categorical)
		_, ord := d.(*dist.OrderedLogistic)
		if nb > 0 && !cat && !ord && (sup.Kind == dist.Interval || sup.Kind == dist.IntegerInterval) {
			check = dist.Support{Kind: dist.Real}
			if sup.Kind == dist.IntegerInterval {
				check.Kind = dist.Integers
			}
		}
		rows := t
		if dim > 1 && len(xe) == 1 {
			rows = tensor.Reshape(t, 1, dim)
		}
		if i := check.FirstOutside(rows); i >= 0 {
			name := flatName(what(), xe, i)
			if origin != nil {
				name = origin(i)
			}
			return ev.errorf(pos, "%s = %s is outside the support of %s (%s)", name, tensor.FormatNumber(t.Data()[i]), fam(), sup.Kind)
		}
	}
	if xn == 0 {
		if ld, ok := ev.run.deferrable(dv, t, dim); ok {
			ev.run.deferObs(s, what, t, ld)
			return nil
		}
	}
	_, cat := d.(*dist.Categorical)
	var lp *tensor.Tensor
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%s cannot be scored under %s: %v", what(), fam(), p)
			}
		}()
		switch {
		case xn == 0 && nb == 0:
			n := t.Len() / dim
			lp = tensor.Sum(d.LogProb(tensor.Reshape(t, n, dim)))
		case xn == 0 && dim == 1 && !cat:
			lp = d.LogProb(tensor.Reshape(t, 1, t.Len()))
		case xn == 0:
			n := t.Len() / dim
			rows := tensor.Reshape(t, n, dim)
			lp = tensor.Zeros(ev.run.b)
			for i := range n {
				lp = tensor.Add(lp, d.LogProb(tensor.Narrow(rows, 0, i, 1)))
			}
		case dim == 1 && !cat:
			lp = d.LogProb(tensor.Reshape(t, xn, t.Len()/xn))
		case len(xe) == 1:
			lp = d.LogProb(t)
		default:
			lp = tensor.Zeros(xn)
			for i := range xe[0] {
				lp = tensor.Add(lp, d.LogProb(tensor.Reshape(tensor.Narrow(t, 1, i, 1), xn, dim)))
			}
		}
		return nil
	}()
	if err != nil {
		return ev.errorf(pos, "%v", err)
	}
	ev.run.add(what(), pos, lp)
	return nil
}

// latent declares (or, after the first run, finds) the latent variable
// name with prior dv and binds it in e.
func (ev *evaluator) latent(s *ast.Tilde, name string, dv lang.Value, e *env) error {
	r := ev.run
	pos := s.Pos()
	var (
		d     dist.Distribution
		event []int
		tr    transform
		desc  string
		kind  string
	)
	switch v := dv.(type) {
	case *latentPrior:
		desc = v.String()
		switch v.kind {
		case "Ordered":
			d, event = v.inner.D, v.inner.Event()
			tr, kind = dist.OrderedTransform(), "ordered"
		case "Flat":
			tr, _ = dist.TransformFor(dist.Support{Kind: dist.Real})
			kind = "real"
		default:
			tr, _ = dist.TransformFor(dist.Support{Kind: dist.Positive})
			kind = "positive"
		}
		if v.kind != "Ordered" {
			event = []int{}
			if v.n > 0 {
				event = []int{v.n}
			}
		}
	default:
		var ok bool
		d, _, event, ok = priorOf(dv)
		if !ok {
			return ev.errorf(s.Dist.Pos(), "the right side of ~ must be a distribution, got %s", dv.Type())
		}
		desc = familyName(d)
		sup := d.Support()
		kind = sup.Kind.String()
		if sup.Kind.Discrete() {
			return ev.errorf(pos, "%s ~ %s: discrete latent variables cannot be fitted by a flow guide; marginalise them (sum them out of the model)", name, desc)
		}
		if tr, ok = transformFor(d, sup); !ok {
			return ev.errorf(pos, "%s ~ %s: latent variables with support %s are not supported", name, desc, sup.Kind)
		}
	}
	dd := 1
	if len(event) == 1 {
		dd = event[0]
	}
	k := tr.UnconstrainedDim(dd)
	b := r.b
	var z *tensor.Tensor
	switch r.mode {
	case modeProto:
		off := 0
		if n := len(r.found); n > 0 {
			off = r.found[n-1].off + r.found[n-1].k
		}
		r.found = append(r.found, latentInfo{name: name, pos: pos, event: event, d: dd, k: k, off: off, support: kind, prior: desc})
		z = tensor.RandU(r.rng, b, k)
		z = tensor.AddScalar(tensor.Scale(z, 4), -2)
	default:
		i := len(r.found)
		lay := r.lay.latents
		if i >= len(lay) || lay[i].name != name {
			known := false
			for _, l := range lay {
				known = known || l.name == name
			}
			if !known {
				return ev.errorf(pos, "the latent variables change between runs: %s is declared in this run but not in the first (a ~ that declares a latent must not depend on latent values)", name)
			}
			return ev.errorf(pos, "the latent variables change between runs: %s is declared in a different order than in the first run", name)
		}
		if !tensor.SameShape(lay[i].event, event) {
			return ev.errorf(pos, "the latent variables change between runs: %s has shape %s in this run but %s in the first", name, lang.ShapeString(event), lang.ShapeString(lay[i].event))
		}
		r.found = append(r.found, lay[i])
		if r.mode == modeInit {
			z = ev.initDraw(d, tr, b, dd, k, dv)
			r.zparts = append(r.zparts, z)
		} else {
			z = tensor.Narrow(r.z, 1, lay[i].off, k)
		}
	}
	var x, lj *tensor.Tensor
	_, err := ev.guard(pos, func() (lang.Value, error) {
		x, lj = tr.Constrain(z)
		x = tensor.BroadcastTo(x, b, dd)
		lp := lj
		if d != nil {
			lp = tensor.Add(lp, d.LogProb(x))
		}
		r.add(name, pos, lp)
		return nil, nil
	})
	if err != nil {
		return err
	}
	r.first[name] = pos
	r.values[name] = x
	if len(event) == 0 {
		e.vars[name] = lang.NewBatch(tensor.Reshape(x, b))
	} else {
		e.vars[name] = lang.NewBatch(x)
	}
	return nil
}

// initDraw draws b unconstrained starting points of a latent from its
// prior (Stan's uniform(-2, 2) for improper priors and for draws that do
// not map back to a finite point).
func (ev *evaluator) initDraw(d dist.Distribution, tr transform, b, dd, k int, dv lang.Value) *tensor.Tensor {
	u := tensor.AddScalar(tensor.Scale(tensor.RandU(ev.run.rng, b, k), 4), -2)
	if d == nil {
		return u
	}
	if _, ord := dv.(*latentPrior); ord {
		return u
	}
	var z *tensor.Tensor
	func() {
		defer func() { recover() }()
		x := d.Sample(ev.run.rng, b)
		x = tensor.BroadcastTo(x, b, dd)
		z = tr.Unconstrain(x)
	}()
	if z == nil {
		return u
	}
	zd, ud := z.Data(), u.Data()
	out := make([]float64, len(zd))
	for i, v := range zd {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = ud[i]
		}
		out[i] = v
	}
	return tensor.New(out, b, k)
}

// derivedNames lists the top-level assignments of a model body, in order.
func derivedNames(body *ast.Block) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range body.Stmts {
		if a, ok := s.(*ast.Assign); ok {
			if id, ok := a.Target.(*ast.Ident); ok && !seen[id.Name] && !strings.HasPrefix(id.Name, "_") {
				seen[id.Name] = true
				out = append(out, id.Name)
			}
		}
	}
	return out
}

// prepare runs the prototype: it finds the latents and derived
// quantities of the posterior (once).
func (p *Posterior) prepare(th *lang.Thread) error {
	if p.lay != nil {
		return nil
	}
	r := newRun(modeProto, 1)
	r.rng = rand.New(rand.NewPCG(0x5eed, 1))
	local, err := p.run(th, r)
	if err != nil {
		return err
	}
	lay := &layout{latents: r.found}
	for _, l := range r.found {
		lay.dim += l.k
	}
	for _, name := range derivedNames(p.Model.body) {
		if _, isLatent := r.first[name]; isLatent {
			continue
		}
		if b, ok := local.vars[name].(*lang.Batch); ok && !b.Bool && len(b.Event()) <= 2 {
			lay.derived = append(lay.derived, derivedInfo{name, b.Event()})
		}
	}
	p.lay = lay
	return nil
}

// Dim returns the dimension of the unconstrained space of the latents.
func (p *Posterior) Dim() int { return p.lay.dim }

// LogDensity returns log p(data, x(z)) + log|J(z)| for each row of z ([B,
// D], unconstrained coordinates of the latents in declaration order):
// one vectorised run of the model body, differentiable in z.
func (p *Posterior) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	r := newRun(modeDensity, z.Dim(0))
	r.z, r.lay = z, p.lay
	if _, err := p.run(p.th, r); err != nil {
		return nil, err
	}
	return r.logp, nil
}

// Explain says why the log density at z is not finite: the first ~ (or
// factor) whose term is not, with the latents' values.
func (p *Posterior) Explain(z []float64) string {
	r := newRun(modeDensity, 1)
	r.z, r.lay, r.explain = tensor.New(append([]float64(nil), z...), 1, len(z)), p.lay, true
	if _, err := p.run(p.th, r); err != nil {
		return err.Error()
	}
	var vals []string
	for _, l := range p.lay.latents {
		x := r.values[l.name]
		if x == nil {
			continue
		}
		vals = append(vals, l.name+" = "+fmtValues(x.Data()))
	}
	for _, t := range r.terms {
		v := t.lp.Data()[0]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			where := ""
			if t.pos.IsValid() {
				where = " at " + t.pos.String()
			}
			return fmt.Sprintf("the log density of %s%s is %s with %s", t.what, where, tensor.FormatNumber(v), strings.Join(vals, ", "))
		}
	}
	return "the log density is not finite with " + strings.Join(vals, ", ")
}

func fmtValues(v []float64) string {
	if len(v) == 1 {
		return tensor.FormatNumber(v[0])
	}
	return lang.NewVector(v).String()
}

// InitialPoints returns n unconstrained starting points drawn from the
// priors (uniform(-2, 2) for improper priors).
func (p *Posterior) InitialPoints(rng *rand.Rand, n int) [][]float64 {
	r := newRun(modeInit, n)
	r.rng, r.lay = rng, p.lay
	if _, err := p.run(p.th, r); err != nil || len(r.zparts) == 0 {
		return nil
	}
	z := tensor.Concat(1, r.zparts...)
	out := make([][]float64, n)
	D := z.Dim(1)
	for i := range out {
		out[i] = append([]float64(nil), z.Data()[i*D:(i+1)*D]...)
	}
	return out
}

// collect runs the model on untracked draws z ([n, D]) and returns the
// constrained latents and the derived quantities as a record: n-vectors
// for numbers, n×k matrices for vectors (a matrix is flattened by rows).
func (p *Posterior) collect(th *lang.Thread, z *tensor.Tensor) (*lang.Record, error) {
	n := z.Dim(0)
	r := newRun(modeCollect, n)
	r.z, r.lay = z.Detach(), p.lay
	local, err := p.run(th, r)
	if err != nil {
		return nil, err
	}
	out := lang.NewRecord()
	put := func(name string, t *tensor.Tensor, event []int) {
		t = t.Detach()
		if len(event) == 0 {
			out.Set(name, lang.NewArray(tensor.New(append([]float64(nil), t.Data()...), n)))
			return
		}
		out.Set(name, lang.NewArray(tensor.New(append([]float64(nil), t.Data()...), n, t.Len()/n)))
	}
	for _, l := range p.lay.latents {
		put(l.name, r.values[l.name], l.event)
	}
	for _, dq := range p.lay.derived {
		if b, ok := local.vars[dq.name].(*lang.Batch); ok && !b.Bool {
			put(dq.name, b.T, b.Event())
		}
	}
	return out, nil
}
