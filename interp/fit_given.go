package interp

import (
	"strconv"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// fitGiven evaluates `fit q to Y given X by kl { options }`: the
// conditional flow q(y | x) is trained by forward KL (maximum likelihood)
// on the pairs of rows (Y_i, X_i), with minibatches of rows as a data fit
// (infer.FitConditional). Y and X are data: a vector is one column, a
// matrix its rows, a record or table its numeric columns. q is a
// conditional flow (context = k, k the columns of X) or a plan, built over
// Y's dimension with context = the columns of X for each bijector that
// takes a context and was not given one.
//
// Errors: an objective other than kl, at the objective; Y or X that are
// not data, at them; rows that do not pair or contexts of the wrong width,
// at X; a q that is not conditional, at q; the fit's own at the fit
// keyword.
func (ev *evaluator) fitGiven(x *ast.Fit, e *env, qv, tv lang.Value, obj string, objPos ast.Pos, opts infer.Options) (lang.Value, error) {
	if obj != "kl" && obj != "forward_kl" {
		return nil, ev.errorf(objPos, "fit q to Y given X trains a conditional flow by forward KL (maximum likelihood) on the pairs of rows: write by kl, not by %s", obj)
	}
	if opts.Subsample > 0 {
		return nil, ev.errorf(optionPos(x, "subsample"), "subsample applies to posterior fits, fit q to m(data) by elbo (for pairs, use batch for the rows per step)")
	}
	y, err := ev.dataAt(x.Target.Pos(), tv, "fit q to Y given X fits data: Y must be a vector, matrix or table of values")
	if err != nil {
		return nil, err
	}
	gv, err := ev.eval(x.Given, e)
	if err != nil {
		return nil, err
	}
	c, err := ev.dataAt(x.Given.Pos(), gv, "the contexts X of fit q to Y given X must be a vector, matrix or table with a row per row of Y")
	if err != nil {
		return nil, err
	}
	if c.Dim(0) != y.Dim(0) {
		return nil, ev.errorf(x.Given.Pos(), "%d rows of values but %d rows of contexts: row i of Y is paired with row i of X", y.Dim(0), c.Dim(0))
	}
	if err := lang.FiniteContexts(c.Data(), c.Dim(1)); err != nil {
		return nil, ev.wrap(x.Given.Pos(), err)
	}

	var q *flows.Flow
	switch g := qv.(type) {
	case *lang.ConditionalFlow:
		q = g.F
	case *lang.FlowPlan:
		var err error
		if q, err = ev.instantiate(x, g.P.WithContext(c.Dim(1)), y.Dim(1)); err != nil {
			return nil, err
		}
		if q.ContextDim() == 0 {
			return nil, ev.errorf(x.Q.Pos(), "no bijector of %s reads a context: use AffineAutoregressive, SplineAutoregressive or Coupling", g.P)
		}
		rebindQ(x, e, &lang.ConditionalFlow{F: q})
	case *lang.Flow:
		return nil, ev.errorf(x.Q.Pos(), "%s is not a conditional flow: build it with a context, e.g. flow AffineAutoregressive(base, context = %d), or fit a plan", ast.FormatExpr(x.Q), c.Dim(1))
	default:
		return nil, ev.errorf(x.Q.Pos(), "fit trains a flow or a flow plan, got %s (write q = flow AffineAutoregressive(base, context = k) and fit q)", qv.Type())
	}
	if k := q.ContextDim(); k != c.Dim(1) {
		return nil, ev.errorf(x.Given.Pos(), "%s is conditional on a context of %d values but X has %s", ast.FormatExpr(x.Q), k, columns(c.Dim(1)))
	}
	if y.Dim(1) != q.Dim() {
		return nil, ev.errorf(x.Target.Pos(), "%s has dimension %d but Y has %s", ast.FormatExpr(x.Q), q.Dim(), columns(y.Dim(1)))
	}
	if err := dataInSupport(y, q); err != nil {
		return nil, ev.wrap(x.Target.Pos(), err)
	}
	return ev.trainFlow(x, q, opts, func(opts infer.Options) (*infer.Report, error) {
		return infer.FitConditional(q, y, c, opts, ev.th.Rand)
	})
}

// dataAt converts v, the value of the expression at pos, to a data matrix
// (dataMatrix), failing at pos with "notData, got ..." when v is not a
// vector, matrix, record or table.
func (ev *evaluator) dataAt(pos ast.Pos, v lang.Value, notData string) (*tensor.Tensor, error) {
	switch v.(type) {
	case *lang.Array, lang.HasAttrs:
	default:
		return nil, ev.errorf(pos, "%s, got %s", notData, lang.Describe(v))
	}
	m, err := dataMatrix(v)
	if err != nil {
		return nil, ev.wrap(pos, err)
	}
	return m, nil
}

// columns writes "1 column" or "n columns".
func columns(n int) string {
	if n == 1 {
		return "1 column"
	}
	return strconv.Itoa(n) + " columns"
}
