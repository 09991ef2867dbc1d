package interp

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/infer"
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
	event   []int   // [] for a number, [d] for a vector, [r, c] for a matrix
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
	modeSim                    // draws of the latents and the observations (simulate.go)
)

// term is one ~ or factor's contribution, for Explain.
type term struct {
	what  string
	pos   ast.Pos
	lp    *tensor.Tensor
	tilde *ast.Tilde // the ~ that added it (nil for factor)
	dist  lang.Value // its right side
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
	tilde   *ast.Tilde // the ~ running, and its right side (for terms)
	dist    lang.Value
	groups  map[obsKey]*obsGroup // deferred observations (model_batch.go)
	order   []*obsGroup

	// Subsampling of data rows (subsample.go).
	rows     []int                 // the rows of the row arguments this run sees (nil: all)
	scale    map[ast.Pos]float64   // weight of each statement's terms (missing: 1; 0: left out)
	args     map[string]lang.Value // the arguments as bound in this run
	callAt   ast.Pos               // the builtin call running (factor's statement)
	perTerm  map[ast.Pos]*tensor.Tensor
	termName map[ast.Pos]string
	observed map[string]bool // arguments observed by a ~ (nil: not recorded)

	// Purity of the builtins called (model_trace.go): the posterior's
	// cache of known builtins and whether one was not.
	purity map[*lang.Builtin]bool
	impure bool

	sim    *simState   // a run of simulate (simulate.go), nil otherwise
	menv   *env        // the model-only builtins
	consts *constCache // the posterior's constant values (model_const.go)
}

func newRun(mode runMode, b int) *modelRun {
	return &modelRun{mode: mode, b: b, logp: tensor.Zeros(b), first: map[string]ast.Pos{}, values: map[string]*tensor.Tensor{}}
}

func (r *modelRun) add(what string, pos ast.Pos, lp *tensor.Tensor) {
	if lp.Rank() == 0 || lp.Len() == 1 && r.b != 1 {
		lp = tensor.BroadcastTo(tensor.Reshape(lp, 1), r.b)
	}
	if r.scale != nil || r.perTerm != nil {
		// A term is keyed by its statement: the ~, or factor's call.
		key := pos
		if !key.IsValid() {
			key = r.callAt
		}
		if w, ok := r.scale[key]; ok {
			if w == 0 {
				return
			}
			lp = tensor.Scale(lp, w)
		}
		if r.perTerm != nil {
			r.recordTerm(key, what, lp)
		}
	}
	r.logp = tensor.Add(r.logp, lp)
	if r.explain {
		r.terms = append(r.terms, term{what, pos, lp, r.tilde, r.dist})
	}
}

// latentPrior is the value of the constraint wrappers Ordered(D),
// Ordered(Flat(n)), Ordered(HalfFlat(n)), Flat(), Flat(n), HalfFlat(),
// HalfFlat(n): priors for latent variables only.
type latentPrior struct {
	kind  string       // "Ordered", "Flat", "HalfFlat"
	n     int          // Flat(n), HalfFlat(n); 0 for a number
	inner *lang.Dist   // Ordered(D)
	flat  *latentPrior // Ordered(Flat(n)), Ordered(HalfFlat(n))
}

func (p *latentPrior) String() string {
	switch {
	case p.inner != nil:
		return p.kind + "(" + p.inner.String() + ")"
	case p.flat != nil:
		return p.kind + "(" + p.flat.String() + ")"
	case p.n > 0:
		return fmt.Sprintf("%s(%d)", p.kind, p.n)
	}
	return p.kind + "()"
}

// Type returns "latent prior": it is not a distribution (it has no
// sample or log_prob), so that an error about an argument of the wrong
// kind says "got Flat(2), a latent prior, want distribution".
func (*latentPrior) Type() string { return "latent prior" }

// orderedPrior is Ordered(v): v is a distribution over vectors whose
// support has an ordered transform (dist.OrderedTransformFor: the reals,
// the positive reals, an interval), Flat(n) or HalfFlat(n).
func orderedPrior(v lang.Value) (*latentPrior, error) {
	const want = "a distribution over vectors (such as Normal(zeros(3), 1) or HalfNormal(ones(3))), Flat(n) or HalfFlat(n)"
	switch d := v.(type) {
	case *latentPrior:
		switch {
		case d.kind == "Ordered":
			return nil, fmt.Errorf("Ordered: got %s, which is already ordered", d)
		case d.n == 0:
			return nil, fmt.Errorf("Ordered: got %s, a prior for a number: an ordered vector of n elements is Ordered(%s(n))", d, d.kind)
		}
		return &latentPrior{kind: "Ordered", flat: d}, nil
	case *lang.Dist:
		if ev := d.Event(); len(ev) != 1 {
			what := "a number"
			if len(ev) == 2 {
				what = "a matrix"
			}
			return nil, fmt.Errorf("Ordered: needs %s, got %s, whose draws are %s", want, d, what)
		}
		sup := d.D.Support()
		if sup.Kind == dist.Interval && d.Batch > 0 {
			return nil, fmt.Errorf("Ordered: the bounds of %s depend on latent variables; an ordered vector needs constant bounds", d)
		}
		if _, err := dist.OrderedTransformFor(sup); err != nil {
			return nil, fmt.Errorf("Ordered: %s: %v", familyName(d.D), err)
		}
		return &latentPrior{kind: "Ordered", inner: d}, nil
	}
	return nil, fmt.Errorf("Ordered: needs %s, got %s", want, lang.Describe(v))
}

// orderedKind names the support of an ordered latent for messages and
// saved guides: "ordered", "positive ordered", "ordered in (0, 1)".
func orderedKind(s dist.Support) string {
	switch s.Kind {
	case dist.Real:
		return "ordered"
	case dist.Positive:
		return "positive ordered"
	case dist.UnitInterval:
		return "ordered in (0, 1)"
	case dist.Interval:
		return fmt.Sprintf("ordered in (%s, %s)", tensor.FormatNumber(s.Low[0]), tensor.FormatNumber(s.High[0]))
	}
	return "ordered " + s.Kind.String()
}

// builtins are the names that exist only inside a model body; factor
// adds its term to p.cur, the run in progress.
func (p *Posterior) builtins() map[string]lang.Value {
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
			if p.cur.sim != nil {
				return nil, errFactorSimulate
			}
			p.cur.add("factor", ast.Pos{}, t)
			return lang.None, nil
		}),
		"Ordered": lang.NewBuiltin("Ordered", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			var v lang.Value
			if err := lang.UnpackArgs("Ordered", args, kwargs, "d", &v); err != nil {
				return nil, err
			}
			return orderedPrior(v)
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
	if p.menv == nil {
		p.menv = &env{vars: p.builtins(), parent: m.env}
	}
	menv := p.menv
	saved := p.cur
	p.cur = r
	defer func() {
		p.cur = saved
		p.impure = p.impure || r.impure
	}()
	r.menv = menv
	if p.consts.info == nil {
		p.consts.info = m.constants()
	}
	r.consts = &p.consts
	if p.purity == nil {
		p.purity = map[*lang.Builtin]bool{}
	}
	r.purity = p.purity
	r.args = p.Args
	if r.rows != nil {
		r.args = p.sliceRows(r.rows)
	}
	local := &env{vars: maps.Clone(r.args), parent: menv}
	if !th.Push(m.name, p.callPos) {
		return nil, ev.errorf(p.callPos, "call depth limit %s reached in %s", th.DepthLimit(), m.name)
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
	if ev.skipsObservation(s, e) {
		return nil
	}
	dv, err := ev.eval(s.Dist, e)
	if err != nil {
		return err
	}
	r.tilde, r.dist = s, dv
	defer func() { r.tilde, r.dist = nil, nil }()
	pos := s.Pos()
	switch lhs := s.LHS.(type) {
	case *ast.Ident:
		if first, ok := r.first[lhs.Name]; ok {
			return ev.errorf(pos, "second ~ on the latent variable %s, declared at %s: a latent has one prior; add extra terms with factor(...)", lhs.Name, first)
		}
		v, _, found := e.lookup(lhs.Name)
		lang.Share(v)
		if found && isData(v) {
			if r.sim != nil {
				return ev.simObserve(s, lhs.Name, v, dv, e)
			}
			r.noteObserved(lhs.Name, v)
			return ev.observe(s, func() string { return lhs.Name }, v, nil, dv)
		}
		if found {
			if _, ok := v.(lang.Callable); !ok {
				return ev.errorf(pos, "%s is a %s: ~ observes numbers, vectors and matrices", lhs.Name, v.Type())
			}
		}
		return ev.latent(s, lhs.Name, dv, e)
	case *ast.Index:
		if id, ok := baseOf(lhs).(*ast.Ident); ok {
			if first, ok := r.first[id.Name]; ok {
				return ev.errorf(pos, "second ~ on the latent variable %s, declared at %s: a latent has one prior; add extra terms with factor(...)", id.Name, first)
			}
		}
		whole, _, err := ev.read(lhs.X, e) // indexed below: a copy, no Share
		if err != nil {
			return err
		}
		if id, ok := lhs.X.(*ast.Ident); ok {
			r.noteObserved(id.Name, whole)
		}
		idx, err := ev.indices(lhs.Indices, e)
		if err != nil {
			return err
		}
		v, err := ev.guard(lhs.Lbrack, func() (lang.Value, error) { return lang.Index(ev.th, whole, idx) })
		if err != nil {
			return ev.wrap(lhs.Lbrack, err)
		}
		if !isData(v) {
			return ev.errorf(pos, "%s is a %s: ~ observes numbers, vectors and matrices", ast.FormatExpr(lhs), v.Type())
		}
		if r.sim != nil {
			return ev.simObserveIndex(s, lhs, whole, idx, v, dv, e)
		}
		origin := func(flat int) string { return indexName(ast.FormatExpr(lhs.X), whole, idx, flat) }
		return ev.observe(s, func() string { return ast.FormatExpr(lhs) }, v, origin, dv)
	}
	return ev.errorf(pos, "the left side of ~ must be a name or an indexed name, got %s", ast.FormatExpr(s.LHS))
}

// indexName names element flat of whole[idx] by its index in whole. Each
// subscript is resolved by indexing the positions 0..n-1 of its axis, so
// slices, negative indices and index vectors (whose elements may repeat or
// come in any order) all map back to positions in whole.
func indexName(base string, whole lang.Value, idx []lang.IndexArg, flat int) string {
	a, ok := whole.(*lang.Array)
	if !ok {
		return base
	}
	shape := a.Shape()
	pos := make([]int, len(shape))
	var kept [][]float64 // for each kept axis, its selected positions
	var keptAxes []int
	for ax := range shape {
		positions := rangeVec(shape[ax])
		if ax < len(idx) {
			sel, err := lang.Index(nil, lang.NewVector(positions), []lang.IndexArg{idx[ax]})
			if err != nil {
				return base
			}
			switch s := sel.(type) {
			case lang.Number:
				pos[ax] = int(s)
				continue
			case *lang.Array:
				positions = s.Data()
			default:
				return base
			}
		}
		kept = append(kept, positions)
		keptAxes = append(keptAxes, ax)
	}
	rem := flat
	for i := len(kept) - 1; i >= 0; i-- {
		if n := len(kept[i]); n > 0 {
			pos[keptAxes[i]] = int(kept[i][rem%n])
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
	if ld, ok := dv.(*lang.Dist); ok && len(ld.Event()) == 2 {
		return ev.observeMatrix(s, what, x, ld)
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

// observeMatrix adds the log density of a matrix x (data, or one matrix
// per draw) under a matrix-valued distribution such as LKJCholesky.
func (ev *evaluator) observeMatrix(s *ast.Tilde, what func() string, x lang.Value, ld *lang.Dist) error {
	pos := s.Pos()
	d, event := ld.D, ld.Event()
	t, xn, _ := lang.EventTensor(x)
	xe := t.Shape()
	if xn > 0 {
		xe = xe[1:]
	}
	if !tensor.SameShape(xe, event) {
		return ev.errorf(pos, "%s has shape %s but %s has %s matrices", what(), lang.ShapeString(xe), familyName(d), lang.ShapeString(event))
	}
	rows := tensor.Reshape(t, max(xn, 1), d.Dim())
	if xn == 0 {
		if i := d.Support().FirstOutside(rows); i >= 0 {
			return ev.errorf(pos, "%s is outside the support of %s (%s)", what(), familyName(d), d.Support().Kind)
		}
	}
	var lp *tensor.Tensor
	_, err := ev.guard(pos, func() (lang.Value, error) {
		lp = d.LogProb(rows)
		return nil, nil
	})
	if err != nil {
		return err
	}
	ev.run.add(what(), pos, lp)
	return nil
}

// latent declares (or, after the first run, finds) the latent variable
// name with prior dv and binds it in e.
func (ev *evaluator) latent(s *ast.Tilde, name string, dv lang.Value, e *env) error {
	r := ev.run
	pos := s.Pos()
	p, err := ev.latentPrior(s, name, dv)
	if err != nil {
		return err
	}
	d, event, tr := p.d, p.event, p.tr
	dd := 1
	for _, n := range event {
		dd *= n
	}
	k := 0 // a discrete latent of simulate has no unconstrained coordinates
	if tr != nil {
		k = tr.UnconstrainedDim(dd)
	}
	b := r.b
	z, err := ev.latentCoords(name, pos, p, dd, k, dv)
	if err != nil {
		return err
	}
	if z == nil {
		return ev.simLatent(s, name, p, dd, dv, e) // simulate.go: a prior draw
	}
	var x, lj *tensor.Tensor
	_, err = ev.guard(pos, func() (lang.Value, error) {
		var lp *tensor.Tensor
		if tr == realTransform && d != nil {
			// The identity: the prior's log density alone (its log|J| is
			// 0, which adding would only cost).
			x = tensor.BroadcastTo(z, b, dd)
			lp = d.LogProb(x)
		} else {
			x, lj = tr.Constrain(z)
			x = tensor.BroadcastTo(x, b, dd)
			lp = lj
			if d != nil {
				lp = tensor.Add(lp, d.LogProb(x))
			}
		}
		r.add(name, pos, lp)
		return nil, nil
	})
	if err != nil {
		return err
	}
	r.first[name] = pos
	r.values[name] = x
	// A number is [B], a vector [B, d], a matrix [B, r, c] (x is
	// flattened by rows).
	e.vars[name] = lang.NewBatch(tensor.Reshape(x, append([]int{b}, event...)...))
	return nil
}

// realTransform is the transform of a latent on the real line: the
// identity.
var realTransform, _ = dist.TransformFor(dist.Support{Kind: dist.Real})

// latentPriorSpec is what a latent's prior says of it: its distribution
// (nil for the improper Flat and HalfFlat), the shape of one value, the
// transform from the unconstrained space, and for messages the prior's
// name and the support's ("positive").
type latentPriorSpec struct {
	d          dist.Distribution
	event      []int
	tr         transform
	desc, kind string
}

// latentPrior reads the prior dv of the latent name declared by s.
func (ev *evaluator) latentPrior(s *ast.Tilde, name string, dv lang.Value) (latentPriorSpec, error) {
	pos := s.Pos()
	var p latentPriorSpec
	switch v := dv.(type) {
	case *latentPrior:
		p.desc = v.String()
		switch v.kind {
		case "Ordered":
			sup := dist.Support{Kind: dist.Real}
			if v.inner != nil {
				p.d, p.event = v.inner.D, v.inner.Event()
				sup = p.d.Support()
			} else {
				p.event = []int{v.flat.n}
				if v.flat.kind == "HalfFlat" {
					sup.Kind = dist.Positive
				}
			}
			var err error
			if p.tr, err = dist.OrderedTransformFor(sup); err != nil {
				return p, ev.errorf(pos, "%s ~ %s: %v", name, p.desc, err)
			}
			p.kind = orderedKind(sup)
		case "Flat":
			p.tr, _ = dist.TransformFor(dist.Support{Kind: dist.Real})
			p.kind = "real"
		default:
			p.tr, _ = dist.TransformFor(dist.Support{Kind: dist.Positive})
			p.kind = "positive"
		}
		if v.kind != "Ordered" {
			p.event = []int{}
			if v.n > 0 {
				p.event = []int{v.n}
			}
		}
	default:
		var ok bool
		p.d, _, p.event, ok = priorOf(dv)
		if !ok {
			return p, ev.errorf(s.Dist.Pos(), "the right side of ~ must be a distribution, got %s", dv.Type())
		}
		p.desc = familyName(p.d)
		sup := p.d.Support()
		p.kind = sup.Kind.String()
		if sup.Kind.Discrete() {
			if ev.run.sim != nil {
				return p, nil // simulate draws it from its prior (simLatent)
			}
			return p, ev.errorf(pos, "%s ~ %s: discrete latent variables cannot be fitted by a flow guide; marginalise them (sum them out of the model)", name, p.desc)
		}
		if p.tr, ok = transformFor(p.d, sup); !ok {
			return p, ev.errorf(pos, "%s ~ %s: latent variables with support %s are not supported", name, p.desc, sup.Kind)
		}
	}
	return p, nil
}

// latentCoords returns the unconstrained coordinates ([B, k]) of the
// latent name (dd constrained values) in this run: uniform(-2, 2) draws
// in the prototype run, which records the latent; prior draws in an init
// run; the columns of the run's z otherwise. After the prototype run the
// latents must come in the same order and shapes.
func (ev *evaluator) latentCoords(name string, pos ast.Pos, p latentPriorSpec, dd, k int, dv lang.Value) (*tensor.Tensor, error) {
	r := ev.run
	b := r.b
	var z *tensor.Tensor
	switch r.mode {
	case modeProto:
		off := 0
		if n := len(r.found); n > 0 {
			off = r.found[n-1].off + r.found[n-1].k
		}
		r.found = append(r.found, latentInfo{name: name, pos: pos, event: p.event, d: dd, k: k, off: off, support: p.kind, prior: p.desc})
		if r.sim != nil {
			return nil, nil // simulate's prototype draws from the prior too
		}
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
				return nil, ev.errorf(pos, "the latent variables change between runs: %s is declared in this run but not in the first (a ~ that declares a latent must not depend on latent values)", name)
			}
			return nil, ev.errorf(pos, "the latent variables change between runs: %s is declared in a different order than in the first run", name)
		}
		if !tensor.SameShape(lay[i].event, p.event) {
			return nil, ev.errorf(pos, "the latent variables change between runs: %s has shape %s in this run but %s in the first", name, lang.ShapeString(p.event), lang.ShapeString(lay[i].event))
		}
		r.found = append(r.found, lay[i])
		if r.mode == modeInit {
			z = ev.initDraw(p.d, p.tr, b, dd, k, dv)
			r.zparts = append(r.zparts, z)
		} else if r.sim != nil && r.z == nil {
			return nil, nil // simulate from the prior: simLatent draws it
		} else {
			z = tensor.Narrow(r.z, 1, lay[i].off, k)
		}
	}
	return z, nil
}

// initDraw draws b unconstrained starting points of a latent from its
// prior (sorted for Ordered(D); Stan's uniform(-2, 2) for improper priors
// and for draws that do not map back to a finite point).
func (ev *evaluator) initDraw(d dist.Distribution, tr transform, b, dd, k int, dv lang.Value) *tensor.Tensor {
	u := tensor.AddScalar(tensor.Scale(tensor.RandU(ev.run.rng, b, k), 4), -2)
	if d == nil {
		return u
	}
	lp, wrapped := dv.(*latentPrior)
	if wrapped && lp.inner == nil {
		return u
	}
	var z *tensor.Tensor
	func() {
		defer func() { recover() }()
		x := d.Sample(ev.run.rng, b)
		x = tensor.BroadcastTo(x, b, dd)
		if wrapped {
			// Ordered(D): D's draw sorted (for iid components, a draw of
			// Ordered(D)).
			x = x.Clone()
			for i := range b {
				slices.Sort(x.Data()[i*dd : (i+1)*dd])
			}
		}
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
	if p.rows.chunked(z.Dim(0)) {
		return p.logDensityChunked(z)
	}
	r := newRun(modeDensity, z.Dim(0))
	r.z, r.lay = z, p.lay
	p.rows.setUp(r)
	if _, err := p.run(p.th, r); err != nil {
		return nil, err
	}
	if r.rows != nil && p.rows.z0 != nil {
		return p.controlVariate(z, r.logp)
	}
	return r.logp, nil
}

// Explain says why the log density at z is not finite: the first ~ (or
// factor) whose term is not, with the latents' values.
func (p *Posterior) Explain(z []float64) string {
	r := newRun(modeDensity, 1)
	r.z, r.lay, r.explain = tensor.New(append([]float64(nil), z...), 1, len(z)), p.lay, true
	p.rows.setUp(r)
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
	p.rows.setUp(r)
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
// The model runs on chunks of draws without gradients (infer.EvalChunks),
// each chunk's results copied into the record, so that memory does not
// grow with n beyond the record itself; a run in modeCollect skips the
// observations and factor statements (their log density is not needed).
func (p *Posterior) collect(th *lang.Thread, z *tensor.Tensor) (*lang.Record, error) {
	n := z.Dim(0)
	z = z.Detach()
	type field struct {
		data []float64
		k    int
		vec  bool // one number per draw: an n-vector
	}
	fields := map[string]*field{}
	put := func(name string, t *tensor.Tensor, event []int, lo, m int) error {
		k := t.Len() / m
		f := fields[name]
		if f == nil {
			if err := th.Alloc(n, k); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			f = &field{data: make([]float64, n*k), k: k, vec: len(event) == 0}
			for i := range f.data {
				f.data[i] = math.NaN()
			}
			fields[name] = f
		}
		if f.k != k {
			return fmt.Errorf("%s has %d elements in some draws and %d in others", name, f.k, k)
		}
		copy(f.data[lo*k:(lo+m)*k], t.Detach().Data())
		return nil
	}
	err := infer.EvalChunks(nil, n, func(tp *tensor.Tape, lo, m int) error {
		if err := th.Cancelled(); err != nil {
			return err
		}
		r := newRun(modeCollect, m)
		r.z, r.lay = infer.Scratch(tp, z, lo, m), p.lay
		r.rows = p.rows.collectRows()
		local, err := p.run(th, r)
		if err != nil {
			return err
		}
		for _, l := range p.lay.latents {
			if err := put(l.name, r.values[l.name], l.event, lo, m); err != nil {
				return err
			}
		}
		for _, dq := range p.lay.derived {
			if b, ok := local.vars[dq.name].(*lang.Batch); ok && !b.Bool {
				if err := put(dq.name, b.T, b.Event(), lo, m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := lang.NewRecord()
	set := func(name string) {
		f := fields[name]
		switch {
		case f == nil:
		case f.vec:
			out.Set(name, lang.NewArray(tensor.New(f.data, n)))
		default:
			out.Set(name, lang.NewArray(tensor.New(f.data, n, f.k)))
		}
	}
	for _, l := range p.lay.latents {
		set(l.name)
	}
	for _, dq := range p.lay.derived {
		set(dq.name)
	}
	return out, nil
}

// skipsObservation reports whether a run in modeCollect skips the ~
// statement s: it observes data (its left side is data, or an element of
// data), whose log density collect does not need.
func (ev *evaluator) skipsObservation(s *ast.Tilde, e *env) bool {
	r := ev.run
	if r.mode != modeCollect {
		return false
	}
	switch lhs := s.LHS.(type) {
	case *ast.Ident:
		if _, ok := r.first[lhs.Name]; ok {
			return false
		}
		v, _, found := e.lookup(lhs.Name)
		return found && isData(v)
	case *ast.Index:
		id, ok := lhs.X.(*ast.Ident)
		if !ok {
			return false
		}
		if _, ok := r.first[id.Name]; ok {
			return false
		}
		v, _, found := e.lookup(id.Name)
		return found && isData(v)
	}
	return false
}

// skipsFactor reports whether a run in modeCollect skips the expression
// statement x: a call of the model's factor.
func (ev *evaluator) skipsFactor(x ast.Expr, e *env) bool {
	if ev.run == nil || ev.run.mode != modeCollect {
		return false
	}
	c, ok := x.(*ast.Call)
	if !ok {
		return false
	}
	id, ok := c.Fn.(*ast.Ident)
	if !ok || id.Name != "factor" {
		return false
	}
	v, _, found := e.lookup("factor")
	b, ok := v.(*lang.Builtin)
	return found && ok && b.Name() == "factor"
}
