package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

// Amortised posteriors (neural posterior estimation, the sbi package's
// NPE): `fit q to m(data) by simulation { simulations = n }` simulates n
// pairs (latents, data) from the model (Posterior.Simulate from the
// priors), and trains a conditional flow q(θ | y) on them by maximum
// likelihood (infer.FitConditional): θ is the latents in the model's
// unconstrained coordinates, as a guide of m has them, and the context y
// the observed values flattened in the order of their first ~. Trained
// once, `q.given(m(y_obs))` is the posterior guide of any data set: a
// *Guide whose flow is the conditional flow at y_obs (a view, made in
// microseconds), reporting as a guide fitted by elbo does; `fit p to
// m(y_obs) by elbo` refines a copy of it.

// Amortised is a conditional flow trained on simulations of a model: an
// amortised posterior q(θ | y). `fit q to m(data) by simulation` binds q
// to one; q.given(m(y)) is the posterior guide at the data y.
type Amortised struct {
	F    *flows.Flow // over the unconstrained latents, context = the data flattened
	Post *Posterior  // the model and data it was trained from (its latents' layout)
	Data []SimField  // the observed values' names and shapes (Values nil), in the context's order
	// The flow reads each data value c_j as squash((c_j − loc_j)/scale_j)
	// (robust z-scores: the median and the interquartile range/1.349 of
	// the training simulations).
	loc, scale []float64
	// args are the model's other arguments (not observed: covariates,
	// known constants) as they were at training, in the order of the
	// model's parameters: the flow is conditioned on the data alone, so
	// Given refuses a call where one of them differs. nil for an
	// amortised posterior loaded from a file saved before they were
	// recorded (then nothing is checked).
	args []argMeta
}

// argMeta records the value of an argument of the model that is not
// observed, as an amortised posterior was trained with it: a number or an
// array (Type "number", "vector", "matrix", with Shape and Values), a
// string, bool or none (Text), or another type (only the type is kept,
// and only the type is compared).
type argMeta struct {
	Name   string     `json:"name"`
	Type   string     `json:"type"`
	Shape  []int      `json:"shape,omitempty"`
	Values jsonFloats `json:"values,omitempty"`
	Text   string     `json:"text,omitempty"`
}

// jsonFloats is a list of numbers that keeps NaN and ±Inf in JSON (as the
// strings "NaN", "+Inf" and "-Inf"; encoding/json refuses them as
// numbers): a known constant may be infinite (an upper bound).
type jsonFloats []float64

// MarshalJSON writes finite numbers as numbers and the others as strings.
func (f jsonFloats) MarshalJSON() ([]byte, error) {
	out := make([]any, len(f))
	for i, x := range f {
		switch {
		case math.IsNaN(x):
			out[i] = "NaN"
		case math.IsInf(x, 1):
			out[i] = "+Inf"
		case math.IsInf(x, -1):
			out[i] = "-Inf"
		default:
			out[i] = x
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *jsonFloats) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(jsonFloats, len(raw))
	for i, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			switch s {
			case "NaN":
				out[i] = math.NaN()
			case "+Inf":
				out[i] = math.Inf(1)
			case "-Inf":
				out[i] = math.Inf(-1)
			default:
				return fmt.Errorf("%q is not a number", s)
			}
			continue
		}
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return err
		}
	}
	*f = out
	return nil
}

// recordArg returns the record of the value v of the argument name.
func recordArg(name string, v lang.Value) argMeta {
	m := argMeta{Name: name, Type: v.Type()}
	switch v := v.(type) {
	case lang.Number:
		m.Values = jsonFloats{float64(v)}
	case *lang.Array:
		m.Shape = slices.Clone(v.Shape())
		m.Values = slices.Clone(v.Data())
	case lang.String, lang.Bool, lang.NoneType:
		m.Text = v.String()
	}
	return m
}

// sameFloat is exact equality, NaN equal to NaN.
func sameFloat(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }

// differs describes how the record now of an argument differs from the
// record was of its value at training, or returns "" when they are
// the same.
func differs(now, was argMeta) string {
	show := func(m argMeta) string {
		switch {
		case m.Type == "number":
			return tensor.FormatNumber(m.Values[0])
		case m.Text != "":
			return fmt.Sprintf("%q (%s)", m.Text, m.Type)
		case len(m.Shape) > 0:
			return "a " + m.Type + " of shape " + lang.ShapeString(m.Shape)
		}
		return "a " + m.Type
	}
	switch {
	case now.Type != was.Type || now.Text != was.Text:
		return "is " + show(now) + " here but was " + show(was)
	case now.Type == "number":
		if !sameFloat(now.Values[0], was.Values[0]) {
			return "is " + show(now) + " here but was " + show(was)
		}
	case !slices.Equal(now.Shape, was.Shape) || len(now.Values) != len(was.Values):
		return "is " + show(now) + " here but was " + show(was)
	default:
		for i := range now.Values {
			if !sameFloat(now.Values[i], was.Values[i]) {
				idx := fmt.Sprint(i)
				if len(now.Shape) == 2 {
					idx = fmt.Sprintf("%d, %d", i/now.Shape[1], i%now.Shape[1])
				}
				return fmt.Sprintf("differs at [%s]: %s here but %s", idx, tensor.FormatNumber(now.Values[i]), tensor.FormatNumber(was.Values[i]))
			}
		}
	}
	return ""
}

// argRecords returns the records of post's arguments that are not among
// the observed values data, in the order of the model's parameters.
func argRecords(post *Posterior, data []SimField) []argMeta {
	out := []argMeta{}
	for _, p := range post.Model.params {
		if slices.ContainsFunc(data, func(f SimField) bool { return f.Name == p.Name }) {
			continue
		}
		if v, ok := post.Args[p.Name]; ok {
			out = append(out, recordArg(p.Name, v))
		}
	}
	return out
}

// sameArgs reports an argument of post, not observed, whose value is not
// the one a was trained with (nothing when a does not know them: loaded
// from an old file).
func (a *Amortised) sameArgs(post *Posterior) error {
	if a.args == nil {
		return nil
	}
	now := argRecords(post, a.Data)
	for _, n := range now {
		i := slices.IndexFunc(a.args, func(w argMeta) bool { return w.Name == n.Name })
		d := ""
		if i < 0 {
			d = "was not given"
		} else {
			d = differs(n, a.args[i])
		}
		if d != "" {
			obs := make([]string, len(a.Data))
			for j, f := range a.Data {
				obs[j] = f.Name
			}
			return fmt.Errorf("argument %s %s when the amortised posterior was trained; an amortised posterior is conditioned only on the observed data (%s): train one for these arguments", n.Name, d, strings.Join(obs, ", "))
		}
	}
	return nil
}

// squashWidth is the width a of squash(z) = a·asinh(z/a), the map by which
// the data's robust z-scores enter the conditional flow: nearly the
// identity within a few interquartile ranges (3 % smaller at z = 2), and
// logarithmic beyond, so that heavy-tailed simulations (the data of a
// Cauchy prior's draws) neither overflow the conditioner nor, through a
// standard deviation they dominate, squash the bulk of the data sets
// together. The map is one-to-one: conditioning on it is conditioning on
// the data.
const squashWidth = 5

// squash maps contexts c ([n·k] values, rows of k) in place.
func squash(c, loc, scale []float64) {
	k := len(loc)
	for i := range c {
		j := i % k
		c[i] = squashWidth * math.Asinh((c[i]-loc[j])/scale[j]/squashWidth)
	}
}

// robustScale returns the per-column median and interquartile range/1.349
// (the sd of a normal column; 1 when that is 0) of c ([n, k]).
func robustScale(c *tensor.Tensor) (loc, scale []float64) {
	n, k := c.Dim(0), c.Dim(1)
	d := c.Data()
	col := make([]float64, n)
	loc, scale = make([]float64, k), make([]float64, k)
	for j := range k {
		for i := range n {
			col[i] = d[i*k+j]
		}
		slices.Sort(col)
		q := func(p float64) float64 { return col[int(p*float64(n-1))] }
		loc[j] = q(0.5)
		scale[j] = (q(0.75) - q(0.25)) / 1.349
		if !(scale[j] > 0) {
			scale[j] = 1
		}
	}
	return loc, scale
}

var _ lang.HasAttrs = (*Amortised)(nil)

// String returns "<amortised posterior of m(params): flow ...>".
func (a *Amortised) String() string {
	return "<amortised posterior of " + a.Post.Model.signature() + ": " + a.F.String() + ">"
}

// Type returns "amortised posterior".
func (*Amortised) Type() string { return "amortised posterior" }

// AttrNames lists the methods: given.
func (*Amortised) AttrNames() []string { return []string{"given"} }

// Attr returns the method given: q.given(m(y)) is the posterior guide of
// m at the data y.
func (a *Amortised) Attr(name string) (lang.Value, bool) {
	if name != "given" {
		return nil, false
	}
	return lang.NewBuiltin("given", func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var tv lang.Value
		if err := lang.UnpackArgs("given", args, kwargs, "target", &tv); err != nil {
			return nil, err
		}
		post, ok := tv.(*Posterior)
		if !ok {
			return nil, fmt.Errorf("given: an amortised posterior is conditioned on data through its model, q.given(%s(data)), got %s", a.Post.Model.name, lang.Describe(tv))
		}
		g, err := a.Given(post)
		if err != nil {
			return nil, fmt.Errorf("given: %w", err)
		}
		return g, nil
	}), true
}

// Given returns the posterior guide of post, a call of the model a was
// trained on with observed data: the conditional flow at the context
// made of post's observed values, which must be arguments of the model.
// The guide shares a's parameters (training a again changes it); fitting
// it by elbo fits a copy (Guide.amortised).
func (a *Amortised) Given(post *Posterior) (*Guide, error) {
	if post.Model != a.Post.Model {
		return nil, fmt.Errorf("the amortised posterior is of %s, not of %s", a.Post, post)
	}
	if err := sameLatents(a.Post, post); err != nil {
		return nil, err
	}
	if err := a.sameArgs(post); err != nil {
		return nil, err
	}
	c, err := a.context(post)
	if err != nil {
		return nil, err
	}
	f, err := a.F.Given(c)
	if err != nil {
		return nil, err
	}
	return &Guide{Flow: f, Post: post, amortised: &amortisedAt{a: a, c: c}}, nil
}

// context flattens the observed values of post, each an argument of the
// model, into a context of a.F.
func (a *Amortised) context(post *Posterior) ([]float64, error) {
	var c []float64
	for _, f := range a.Data {
		v, ok := post.Args[f.Name]
		if !ok {
			return nil, fmt.Errorf("%s is observed by %s but is not one of its arguments: an amortised posterior reads the observed data from the arguments of %s(data)", f.Name, a.Post.Model.name, a.Post.Model.name)
		}
		var x []float64
		switch v := v.(type) {
		case lang.Number:
			x = []float64{float64(v)}
		case *lang.Array:
			x = v.Data()
		default:
			return nil, fmt.Errorf("the observed value %s is %s, not numbers", f.Name, lang.Describe(v))
		}
		if len(x) != f.Size() {
			return nil, fmt.Errorf("the observed value %s has %d values but the amortised posterior was trained on %s of shape %s (%d values)", f.Name, len(x), f.Name, lang.ShapeString(f.Shape), f.Size())
		}
		for _, xi := range x {
			if math.IsNaN(xi) || math.IsInf(xi, 0) {
				return nil, fmt.Errorf("the observed value %s holds %v", f.Name, xi)
			}
		}
		c = append(c, x...)
	}
	squash(c, a.loc, a.scale)
	return c, nil
}

// amortisedAt records that a guide is an amortised posterior at a
// context: its flow is a view sharing the amortised posterior's
// parameters.
type amortisedAt struct {
	a *Amortised
	c []float64
}

// detach returns a guide of post whose flow is a copy of the amortised
// posterior's conditional flow at the context: fitting it leaves the
// amortised posterior as it was.
func (s *amortisedAt) detach(post *Posterior) (*Guide, error) {
	var buf bytes.Buffer
	if err := flows.Save(&buf, s.a.F); err != nil {
		return nil, err
	}
	cp, err := flows.Load(&buf)
	if err != nil {
		return nil, err
	}
	f, err := cp.Given(s.c)
	if err != nil {
		return nil, err
	}
	return &Guide{Flow: f, Post: post}, nil
}

// sameLatents reports latents of b that are not those of a (names,
// shapes, supports, unconstrained sizes, in order).
func sameLatents(a, b *Posterior) error {
	x, y := a.lay.latents, b.lay.latents
	if len(x) != len(y) {
		return fmt.Errorf("%s has %d latents and %s has %d", a, len(x), b, len(y))
	}
	for i := range x {
		if x[i].name != y[i].name || !slices.Equal(x[i].event, y[i].event) || x[i].k != y[i].k || x[i].support != y[i].support {
			return fmt.Errorf("latent %d is %s %s (%s) in the amortised posterior but %s %s (%s) in %s", i+1, x[i].name, lang.ShapeString(x[i].event), x[i].support, y[i].name, lang.ShapeString(y[i].event), y[i].support, b)
		}
	}
	return nil
}

// fitSimulation evaluates `fit q to m(data) by simulation { options }`:
// it simulates opts.Simulations pairs from m's priors and likelihood (the
// data give only the observed values' shapes) and trains q, a plan, a
// conditional flow or an amortised posterior of m, on them by forward
// KL; q's name is bound to the amortised posterior (before training).
// The report is a conditional fit's, with simulations (the pairs made)
// and dropped (pairs left out because a value was not finite).
func (ev *evaluator) fitSimulation(x *ast.Fit, e *env, qv, tv lang.Value, opts infer.Options) (lang.Value, error) {
	post, ok := tv.(*Posterior)
	if !ok {
		return nil, ev.errorf(x.Target.Pos(), "by simulation trains an amortised posterior of a model: the target must be a model called with data, m(data) (the data give the observed values' shapes), got %s", lang.Describe(tv))
	}
	if opts.Subsample > 0 {
		return nil, ev.errorf(optionPos(x, "subsample"), "subsample applies to fits by elbo: by simulation trains on simulated pairs (use batch for the pairs per step)")
	}
	dim := post.Dim()
	if dim == 0 {
		return nil, ev.errorf(x.Target.Pos(), "%s has no continuous latent variables: there is no posterior to amortise", post)
	}
	n := opts.Simulations
	if n == 0 {
		n = infer.DefaultSimulations
	}
	if err := ev.th.Alloc(n, dim); err != nil {
		return nil, ev.wrap(optionPos(x, "simulations"), err)
	}
	rng := ev.th.Rand
	if opts.HasSeed {
		rng = lang.NewRand(opts.Seed ^ 0x5151_a7ed)
	}
	savedPos, savedTh := post.callPos, post.th
	post.callPos, post.th = x.FitPos, ev.th
	defer func() { post.callPos, post.th = savedPos, savedTh }()
	sim, err := post.Simulate(ev.th, nil, n, rng)
	if err != nil {
		return nil, ev.wrap(x.FitPos, err)
	}
	if len(sim.Data) == 0 {
		return nil, ev.errorf(x.Target.Pos(), "%s observes nothing (no ~ of data): there is nothing to condition an amortised posterior on", post)
	}
	y, c, dropped := finitePairs(sim.Z, sim.Matrix(sim.Data))
	if y.Dim(0) < n/2 {
		return nil, ev.errorf(x.FitPos, "by simulation: %d of %d simulated pairs hold infinite or NaN values (a prior draw on the boundary of its support, or data overflowing): give the latents priors with lighter tails", dropped, n)
	}
	k := c.Dim(1)
	data := make([]SimField, len(sim.Data))
	for i, f := range sim.Data {
		data[i] = SimField{Name: f.Name, Shape: f.Shape}
	}

	var q *flows.Flow
	switch g := qv.(type) {
	case *Amortised:
		if g.Post.Model != post.Model {
			return nil, ev.errorf(x.Q.Pos(), "%s is an amortised posterior of %s, not of %s", ast.FormatExpr(x.Q), g.Post, post)
		}
		if err := sameLatents(g.Post, post); err != nil {
			return nil, ev.wrap(x.Target.Pos(), err)
		}
		if !sameShapes(g.Data, data) {
			return nil, ev.errorf(x.Target.Pos(), "the observed values of %s do not have the shapes %s was trained on", post, ast.FormatExpr(x.Q))
		}
		if err := g.sameArgs(post); err != nil {
			return nil, ev.wrap(x.Target.Pos(), err)
		}
		q = g.F
	case *lang.ConditionalFlow:
		q = g.F
	case *lang.FlowPlan:
		if q, err = ev.instantiate(x, g.P.WithContext(k), dim); err != nil {
			return nil, err
		}
		if q.ContextDim() == 0 {
			return nil, ev.errorf(x.Q.Pos(), "no bijector of %s reads a context: use AffineAutoregressive, SplineAutoregressive or Coupling", g.P)
		}
	default:
		return nil, ev.errorf(x.Q.Pos(), "by simulation trains a conditional flow or a flow plan, got %s (write q = flow AffineAutoregressive(hidden = [64, 64]) and fit q)", qv.Type())
	}
	if q.ContextDim() != k {
		return nil, ev.errorf(x.Q.Pos(), "%s is conditional on a context of %d values but the observed values of %s have %d", ast.FormatExpr(x.Q), q.ContextDim(), post, k)
	}
	if q.Dim() != dim {
		return nil, ev.errorf(x.Q.Pos(), "%s has dimension %d but the latents of %s have %d unconstrained coordinates", ast.FormatExpr(x.Q), q.Dim(), post, dim)
	}
	a := &Amortised{F: q, Post: post, Data: data, args: argRecords(post, data)}
	if g, ok := qv.(*Amortised); ok {
		a.loc, a.scale = g.loc, g.scale
	} else {
		a.loc, a.scale = robustScale(c)
	}
	c = c.Clone() // finitePairs may return the simulation's own matrix
	squash(c.Data(), a.loc, a.scale)
	rebindQ(x, e, a)
	if err := ev.checkStep(x, q, opts.Batch); err != nil {
		return nil, err
	}
	ev.threadOptions(&opts)
	quiet := opts.Quiet
	if dropped > 0 {
		ev.th.Warning(x.FitPos, fmt.Sprintf("by simulation: %d of %d simulated pairs held infinite or NaN values and were left out", dropped, n), quiet)
	}
	var rep *infer.Report
	_, err = ev.guard(x.FitPos, func() (lang.Value, error) {
		var err error
		rep, err = infer.FitConditional(q, y, c, opts, rng)
		return nil, err
	})
	if err != nil {
		return nil, ev.fitError(x, err)
	}
	r := reportRecord(rep)
	r.Set("simulations", lang.Number(n))
	r.Set("dropped", lang.Number(dropped))
	return r, nil
}

// sameShapes reports whether two lists of fields have the same names and
// shapes in order.
func sameShapes(a, b []SimField) bool {
	return slices.EqualFunc(a, b, func(x, y SimField) bool { return x.Name == y.Name && slices.Equal(x.Shape, y.Shape) })
}

// finitePairs returns the rows of y and c ([n, ·] each, y with at least
// one column) that are finite in both, and the number of rows left out.
func finitePairs(y, c *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, int) {
	n, dy, dc := y.Dim(0), y.Dim(1), c.Dim(1)
	yd, cd := y.Data(), c.Data()
	ok := func(v []float64) bool {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	var ky, kc []float64
	for i := range n {
		yr, cr := yd[i*dy:(i+1)*dy], cd[i*dc:(i+1)*dc]
		if ok(yr) && ok(cr) {
			ky = append(ky, yr...)
			kc = append(kc, cr...)
		}
	}
	m := len(ky) / dy
	if m == n {
		return y, c, 0
	}
	return tensor.New(ky, m, dy), tensor.New(kc, m, dc), n - m
}

var _ stdlib.FlowSaver = (*Amortised)(nil)

// amortisedMeta is what a saved amortised posterior records beside a
// guide's latent layout: the observed values' names and shapes and the
// robust scaling of the data, and the values of the model's other
// arguments at training (Args; absent from files saved before they were
// recorded: then given checks nothing).
type amortisedMeta struct {
	Data  []dataMeta `json:"data"`
	Loc   []float64  `json:"loc"`
	Scale []float64  `json:"scale"`
	Args  []argMeta  `json:"args"`
}

type dataMeta struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// SavedFlow returns the conditional flow for save, with Meta holding the
// latents' layout (as a guide's) and the data's names, shapes and
// scaling: load(path, m(data)) makes it an amortised posterior of m again.
func (a *Amortised) SavedFlow() (*flows.Flow, error) {
	g := &Guide{Flow: a.F, Post: a.Post}
	if _, err := g.SavedFlow(); err != nil {
		return nil, err
	}
	var m guideMeta
	if err := json.Unmarshal(a.F.Meta, &m); err != nil {
		return nil, err
	}
	am := &amortisedMeta{Loc: a.loc, Scale: a.scale, Args: a.args}
	for _, f := range a.Data {
		am.Data = append(am.Data, dataMeta{Name: f.Name, Shape: f.Shape})
	}
	m.Amortised = am
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	a.F.Meta = b
	return a.F, nil
}

// value returns the amortised posterior of p that the loaded conditional
// flow f and this record make.
func (m *amortisedMeta) value(f *flows.Flow, p *Posterior) (*Amortised, error) {
	k := 0
	a := &Amortised{F: f, Post: p, loc: m.Loc, scale: m.Scale, args: m.Args}
	for _, r := range m.Args {
		n := 1
		for _, d := range r.Shape {
			n *= d
		}
		if r.Type == "number" && len(r.Values) != 1 || len(r.Shape) > 0 && len(r.Values) != n {
			return nil, fmt.Errorf("the saved amortised posterior's record of argument %s is malformed (%s of shape %v with %d values)", r.Name, r.Type, r.Shape, len(r.Values))
		}
	}
	for _, d := range m.Data {
		sf := SimField{Name: d.Name, Shape: d.Shape}
		k += sf.Size()
		a.Data = append(a.Data, sf)
	}
	if k != f.ContextDim() || len(m.Loc) != k || len(m.Scale) != k {
		return nil, fmt.Errorf("the saved amortised posterior's data have %d values, its flow a context of %d and its scaling %d and %d", k, f.ContextDim(), len(m.Loc), len(m.Scale))
	}
	for j := range k {
		if !(m.Scale[j] > 0) || math.IsInf(m.Scale[j], 0) || math.IsNaN(m.Loc[j]) || math.IsInf(m.Loc[j], 0) {
			return nil, fmt.Errorf("the saved amortised posterior's data scaling is malformed (column %d: %v, %v)", j, m.Loc[j], m.Scale[j])
		}
	}
	return a, nil
}
