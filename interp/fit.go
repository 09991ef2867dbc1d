package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

// fit evaluates `fit Q to T by OBJ { options }` and returns the report.
//
// Q is a flow, trained in place, or a flow plan, instantiated over a
// standard normal base of the target's dimension; when Q is a name bound
// to a plan, the name is rebound to the new flow in the scope that holds
// it (before training, so a cancelled or diverged fit leaves it bound).
// T is a distribution (forward KL: fresh draws every step; reverse KL: its
// log_prob), data (a vector is n×1, a matrix n×d, a record or table the
// matrix of its vector columns: forward KL to the empirical distribution,
// minibatches of rows) or a posterior m(data) (the ELBO of the model's
// log density; see fitPosterior).
//
// Errors: an option's value at the option's name; a Q or T of the wrong
// kind, or data that cannot be fitted (infer.DataSource), at Q or T; everything the fit itself reports (dimensions,
// divergence) at the fit keyword.
func (ev *evaluator) fit(x *ast.Fit, e *env) (lang.Value, error) {
	return ev.fitNamed(x, e, "")
}

// fitNamed evaluates a fit whose report is assigned to name ("" when it
// is not assigned to a name) and tells the thread's OnFit of the report.
func (ev *evaluator) fitNamed(x *ast.Fit, e *env, name string) (lang.Value, error) {
	v, err := ev.fitValue(x, e)
	if err != nil || ev.th.OnFit == nil {
		return v, err
	}
	if rec, ok := v.(*lang.Record); ok {
		if err := ev.th.OnFit(name, x.FitPos, rec); err != nil {
			return nil, ev.wrap(x.FitPos, err)
		}
	}
	return v, nil
}

// checkStep checks a fit step of q with batch draws (0: the default)
// against the thread's limits, before the fit starts.
func (ev *evaluator) checkStep(x *ast.Fit, q *flows.Flow, batch int) error {
	if batch == 0 {
		batch = infer.DefaultBatch
	}
	if err := ev.th.Alloc(batch, stepWidth(q)); err != nil {
		return ev.wrap(optionPos(x, "batch"), fmt.Errorf("fit: a step with batch %d: %w", batch, err))
	}
	return nil
}

// stepWidth estimates from above the float64 values one draw of a fit
// step keeps on the tape of the flow q: four per dimension, and three (the
// layer's input, output and gradient) per column of each weight matrix.
// A batch times this is checked against the thread's limits before a fit
// starts, so that `batch = 1e9` is refused rather than allocated.
func stepWidth(q *flows.Flow) int {
	w := 4 * q.Dim()
	for _, p := range q.Params() {
		if p.Rank() == 2 {
			w += 3 * p.Dim(1)
		}
	}
	return w
}

// optionPos returns the position of the option name of a fit, or of the
// fit keyword when it is not given.
func optionPos(x *ast.Fit, name string) ast.Pos {
	for _, kw := range x.Options {
		if kw.Name == name {
			return kw.NamePos
		}
	}
	return x.FitPos
}

// threadOptions sets the options of a fit that come from the thread: the
// progress lines' writer or the progress reporter, quiet and the context.
func (ev *evaluator) threadOptions(opts *infer.Options) {
	opts.Progress = ev.th.Stderr
	opts.Quiet = opts.Quiet || ev.th.Quiet
	opts.Context = ev.th.Context
	if ev.th.Progress != nil && !opts.Quiet {
		opts.Reporter = ev.th.Progress()
	}
}

func (ev *evaluator) fitValue(x *ast.Fit, e *env) (lang.Value, error) {
	qv, err := ev.eval(x.Q, e)
	if err != nil {
		return nil, err
	}
	tv, err := ev.eval(x.Target, e)
	if err != nil {
		return nil, err
	}
	opts, err := ev.fitOptions(x, e)
	if err != nil {
		return nil, err
	}
	obj := x.Objective()
	objPos := x.ByPos
	if !objPos.IsValid() {
		objPos = x.FitPos
	}
	if x.Given != nil {
		return ev.fitGiven(x, e, qv, tv, obj, objPos, opts)
	}
	if obj == "simulation" {
		return ev.fitSimulation(x, e, qv, tv, opts)
	}
	if c, ok := qv.(*lang.ConditionalFlow); ok {
		return nil, ev.errorf(x.Q.Pos(), "%s is a conditional flow q(y | x) with a context of %d values: fit it to pairs, fit q to Y given X by kl", ast.FormatExpr(x.Q), c.F.ContextDim())
	}
	if f, ok := qv.(*lang.Flow); ok && f.F.IsView() {
		return nil, ev.errorf(x.Q.Pos(), "%s is a conditional flow at a fixed context (q.given(x)), sharing the conditional flow's parameters: fit the conditional flow, fit q to Y given X by kl", ast.FormatExpr(x.Q))
	}

	// The target.
	var (
		target dist.Distribution // a distribution target
		data   *tensor.Tensor    // a data target, n×d
		src    infer.Source      // its rows
		dim    int
	)
	if _, post := tv.(*Posterior); !post && opts.Subsample > 0 {
		return nil, ev.errorf(optionPos(x, "subsample"), "subsample applies to posterior fits, fit q to m(data) by elbo (a %s target: use batch for the rows or draws per step)", tv.Type())
	}
	switch t := tv.(type) {
	case *Posterior:
		return ev.fitPosterior(x, e, qv, t, obj, objPos, opts)
	case lang.Distribution:
		if qf, ok := qv.(*lang.Flow); ok {
			if tf, ok := t.(*lang.Flow); ok && tf.F == qf.F {
				return nil, ev.errorf(x.Target.Pos(), "cannot fit a flow to itself: its target would move with every step; fit it to another distribution, to data or to a posterior")
			}
		}
		target = t.Dist()
		dim = target.Dim()
	case *lang.Array, lang.HasAttrs:
		if data, err = dataMatrix(tv); err != nil {
			return nil, ev.wrap(x.Target.Pos(), err)
		}
		dim = data.Dim(1)
		if obj == "reverse_kl" || obj == "elbo" {
			return nil, ev.errorf(objPos, "by %s needs a target density, and data has none: fit data with by kl (forward KL, maximum likelihood)", obj)
		}
		// Checked before a plan is built over the data's dimension (an
		// n×0 matrix made "Normal: loc is empty").
		if src, err = infer.DataSource(data); err != nil {
			return nil, ev.wrap(x.Target.Pos(), err)
		}
	default:
		return nil, ev.errorf(x.Target.Pos(), "cannot fit to a %s: the target must be a distribution, data (a vector, matrix or table) or a posterior m(data)", tv.Type())
	}

	// The guide.
	var q *flows.Flow
	switch g := qv.(type) {
	case *lang.Flow:
		q = g.F
	case *lang.FlowPlan:
		var err error
		if q, err = ev.instantiate(x, *g.P, dim); err != nil {
			return nil, err
		}
		rebindQ(x, e, &lang.Flow{F: q})
	default:
		return nil, ev.errorf(x.Q.Pos(), "fit trains a flow or a flow plan, got %s (write q = flow AffineAutoregressive(base) and fit q)", qv.Type())
	}

	if data != nil {
		if err := dataInSupport(data, q); err != nil {
			return nil, ev.wrap(x.Target.Pos(), err)
		}
	}

	return ev.trainFlow(x, q, opts, func(opts infer.Options) (*infer.Report, error) {
		switch {
		case data != nil:
			return infer.FitForward(q, src, opts, ev.th.Rand)
		case obj == "reverse_kl" || obj == "elbo":
			return infer.FitReverse(q, target, opts, ev.th.Rand)
		}
		return infer.FitForward(q, infer.DistSource(target), opts, ev.th.Rand)
	})
}

// trainFlow runs train, the fit of the flow q to data or a distribution,
// at the fit keyword of x: it checks that a step of opts.Batch draws fits
// the memory limit, adds the thread's options to opts and returns the
// report as a record (posterior fits, which add to both, are fitPosterior).
func (ev *evaluator) trainFlow(x *ast.Fit, q *flows.Flow, opts infer.Options, train func(infer.Options) (*infer.Report, error)) (lang.Value, error) {
	if err := ev.checkStep(x, q, opts.Batch); err != nil {
		return nil, err
	}
	ev.threadOptions(&opts)
	var rep *infer.Report
	_, err := ev.guard(x.FitPos, func() (lang.Value, error) {
		var err error
		rep, err = train(opts)
		return nil, err
	})
	if err != nil {
		return nil, ev.fitError(x, err)
	}
	return reportRecord(rep), nil
}

// dataInSupport reports data outside the support of a guide whose output
// is bounded (a flow ending in Exp, or in AffineFixed after Tanh): its
// log density there is -inf, so the fit could only fail at step 1.
func dataInSupport(data *tensor.Tensor, q *flows.Flow) error {
	sup := q.Support()
	if sup.Kind == dist.Real {
		return nil
	}
	i := sup.FirstOutside(data)
	if i < 0 {
		return nil
	}
	d := data.Dim(1)
	where := sup.Kind.String()
	if sup.Kind == dist.Interval {
		j := i % d
		where = fmt.Sprintf("[%s, %s]", tensor.FormatNumber(sup.Low[j%len(sup.Low)]), tensor.FormatNumber(sup.High[j%len(sup.High)]))
	}
	return fmt.Errorf("data row %d column %d is %s, outside the guide's support (%s): its log density there is -inf; rescale the data or change the guide's last layers", i/d, i%d, tensor.FormatNumber(data.Data()[i]), where)
}

// fitError reports an error of a fit at the fit keyword (an error of a
// model body keeps its own position and backtrace).
func (ev *evaluator) fitError(x *ast.Fit, err error) error {
	var de *infer.DivergedError
	if errors.As(err, &de) {
		return &lang.EvalError{Msg: de.Error(), Pos: x.FitPos, CallStack: ev.th.CallStack(), Err: err}
	}
	return ev.wrap(x.FitPos, err)
}

// fitOptions evaluates and checks the options of a fit against
// infer.FitOptions, one at a time so that an error points at the option
// (the parser has rejected a repeated one, the resolver an unknown one).
func (ev *evaluator) fitOptions(x *ast.Fit, e *env) (infer.Options, error) {
	var o infer.Options
	for _, kw := range x.Options {
		v, err := ev.eval(kw.Value, e)
		if err != nil {
			return o, err
		}
		if err := infer.FitOptions.ParseInto(&o, map[string]any{kw.Name: stdlib.OptionArg(v)}); err != nil {
			return o, ev.wrap(kw.NamePos, err)
		}
	}
	return o, nil
}

// rebindQ binds v, what the fit x made of its q (a flow built from a
// plan, a guide, an amortised posterior), to q's name when q is a name, in
// the scope that holds the name (the globals when it is predeclared, so
// the predeclared values stay as given).
func rebindQ(x *ast.Fit, e *env, v lang.Value) {
	id, ok := x.Q.(*ast.Ident)
	if !ok {
		return
	}
	name := id.Name
	_, s, ok := e.lookup(name)
	if !ok {
		e.vars[name] = v
		return
	}
	if s.parent == nil { // predeclared: shadow it in the globals
		s = e
		for s.parent != nil && s.parent.parent != nil {
			s = s.parent
		}
	}
	s.vars[name] = v
}

// dataMatrix converts data to an n×d tensor: a vector is one column, a
// matrix is used as is, a record or table gives the matrix of its vector
// fields (its numeric columns) in order.
func dataMatrix(v lang.Value) (*tensor.Tensor, error) {
	switch v := v.(type) {
	case *lang.Array:
		if v.IsVector() {
			return tensor.New(slices.Clone(v.Data()), v.Len(), 1), nil
		}
		return v.T, nil
	case lang.HasAttrs:
		var cols [][]float64
		n := -1
		for _, name := range v.AttrNames() {
			f, _ := v.Attr(name)
			a, ok := f.(*lang.Array)
			if !ok || !a.IsVector() {
				continue
			}
			if n >= 0 && a.Len() != n {
				return nil, fmt.Errorf("the columns of the data have different lengths: %d and %d (column %s)", n, a.Len(), name)
			}
			n = a.Len()
			cols = append(cols, a.Data())
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("the %s has no numeric columns to fit", v.Type())
		}
		d := len(cols)
		out := make([]float64, n*d)
		for j, c := range cols {
			for i, x := range c {
				out[i*d+j] = x
			}
		}
		return tensor.New(out, n, d), nil
	}
	return nil, fmt.Errorf("cannot use a %s as data", v.Type())
}

// instantiate builds a plan over a standard normal base of dimension dim,
// for the fit x; errors point at the fit.
func (ev *evaluator) instantiate(x *ast.Fit, plan flows.Plan, dim int) (*flows.Flow, error) {
	base, err := standardNormal(dim)
	if err != nil {
		return nil, ev.wrap(x.FitPos, err)
	}
	for _, st := range plan.Layers {
		if err := ev.th.Alloc(flowParams(dim, st.Options), 2); err != nil {
			return nil, ev.wrap(x.FitPos, fmt.Errorf("%s: %w", st.Name, err))
		}
	}
	var q *flows.Flow
	_, err = ev.guard(x.FitPos, func() (lang.Value, error) {
		var err error
		q, err = plan.Instantiate(base, ev.th.Rand)
		return nil, err
	})
	if err != nil {
		return nil, ev.wrap(x.FitPos, err)
	}
	return q, nil
}

// standardNormal returns the standard normal distribution over R^d, the
// base of an instantiated plan.
func standardNormal(d int) (dist.Distribution, error) {
	return dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
}

// reportRecord converts a fit report to the record of the language.
func reportRecord(rep *infer.Report) *lang.Record {
	r := lang.NewRecord()
	r.Set("loss", lang.Number(rep.Loss))
	r.Set("losses", lang.NewVector(rep.Losses))
	r.Set("steps", lang.Number(rep.Steps))
	r.Set("seconds", lang.Number(rep.Seconds))
	r.Set("converged", lang.Bool(rep.Converged))
	r.Set("stopped", lang.String(rep.Stopped))
	r.Set("reason", lang.String(rep.Reason))
	r.Set("init", lang.String(rep.Init))
	return r
}
