package stdlib

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// KLDraws is the default number of draws of kl.
const KLDraws = 10000

func distributionBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("sample", "sample(d): one draw; sample(d, n): n draws (a vector, or an n×d matrix)", builtinSample),
		def("log_prob", "log_prob(d, x): log density of x (a number, vector or n×d matrix of rows)", builtinLogProb),
		def("entropy", "entropy(d): the closed-form differential entropy", builtinEntropy),
		def("kl", "kl(p, q, n): Monte Carlo KL(p‖q) from n draws of p (default 10000)", builtinKL),
	}
}

func builtinSample(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var dv lang.Value
	var nv lang.Value
	if err := lang.UnpackArgs("sample", args, kwargs, "d", &dv, "n?", &nv); err != nil {
		return nil, err
	}
	if g, ok := dv.(lang.NamedSampler); ok {
		return sampleNamed(th, g, nv)
	}
	d, ok := dv.(lang.Distribution)
	if !ok {
		return nil, fmt.Errorf("sample: for parameter d: got %s, want distribution", dv.Type())
	}
	if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
		// Inside a model, a distribution whose parameters depend on latent
		// variables: one draw per guide draw.
		if nv != nil {
			return nil, fmt.Errorf("sample: inside a model, a distribution that depends on latent variables gives one draw per guide draw: write sample(d)")
		}
		x := ld.D.Sample(th.Rand, ld.Batch)
		if len(ld.Event()) == 0 {
			return lang.NewBatch(tensor.Reshape(x, ld.Batch)), nil
		}
		return lang.NewBatch(x), nil
	}
	if nv == nil {
		v, err := lang.SampleValue(d.Dist(), th.Rand, 1, true)
		if err != nil {
			return nil, fmt.Errorf("sample: %v", err)
		}
		return v, nil
	}
	n, err := sizeArg("sample", "n", nv)
	if err != nil {
		return nil, err
	}
	if err := lang.CheckSize(n * d.Dist().Dim()); err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	v, err := d.Sample(th.Rand, n)
	if err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	return v, nil
}

// rows shapes x as the [n, dim] tensor of values LogProb takes, and says
// whether the result is one number.
func rows(fn string, x lang.Value, dim int) (t *tensor.Tensor, one bool, err error) {
	switch x := x.(type) {
	case lang.Number:
		if dim != 1 {
			return nil, false, fmt.Errorf("%s: x is a number but the distribution has dimension %d", fn, dim)
		}
		return tensor.New([]float64{float64(x)}, 1, 1), true, nil
	case *lang.Array:
		s := x.Shape()
		switch {
		case x.IsVector() && dim == 1: // each element is a value
			return tensor.Reshape(x.T, s[0], 1), false, nil
		case x.IsVector() && s[0] == dim:
			return tensor.Reshape(x.T, 1, dim), true, nil
		case x.IsVector():
			return nil, false, fmt.Errorf("%s: x has length %d but the distribution has dimension %d", fn, s[0], dim)
		case s[1] != dim:
			return nil, false, fmt.Errorf("%s: x has %d columns but the distribution has dimension %d", fn, s[1], dim)
		}
		return x.T, false, nil
	}
	return nil, false, fmt.Errorf("%s: got %s for x, want number, vector or matrix", fn, x.Type())
}

func builtinLogProb(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var d lang.Distribution
	var x lang.Value
	if err := lang.UnpackArgs("log_prob", args, kwargs, "d", &d, "x", &x); err != nil {
		return nil, err
	}
	dd := d.Dist()
	nb := 0
	if ld, ok := d.(*lang.Dist); ok {
		nb = ld.Batch
	}
	if xb, ok := x.(*lang.Batch); ok || nb > 0 {
		return batchLogProb(dd, nb, x, xb)
	}
	t, one, err := rows("log_prob", x, dd.Dim())
	if err != nil {
		return nil, err
	}
	lp := dd.LogProb(t)
	if one {
		return lang.Number(lp.Data()[0]), nil
	}
	return lang.NewArray(tensor.Reshape(lp, lp.Len())), nil
}

// distMoment returns mean(d), sd(d) or var(d): the closed form when d has
// one (nan where the moment is not finite, as the mean of a Cauchy), else a
// Monte Carlo estimate from SummaryDraws draws of th.Rand.
func distMoment(th *lang.Thread, fn string, d lang.Distribution) (lang.Value, error) {
	dd := d.Dist()
	var vals []float64
	if m, ok := dd.(dist.Moments); ok {
		var ok bool
		if fn == "mean" {
			vals, ok = m.Mean()
		} else {
			vals, ok = m.StdDev()
		}
		if !ok {
			vals = make([]float64, dd.Dim())
			for i := range vals {
				vals[i] = math.NaN()
			}
		}
		vals = append([]float64(nil), vals...)
	} else {
		dim := dd.Dim()
		if err := lang.CheckSize(SummaryDraws * dim); err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
		x := dd.Sample(th.Rand, SummaryDraws).Data()
		vals = make([]float64, dim)
		col := make([]float64, SummaryDraws)
		for j := range vals {
			for i := range col {
				col[i] = x[i*dim+j]
			}
			if fn == "mean" {
				vals[j] = mean(col)
			} else {
				vals[j] = math.Sqrt(variance(col))
			}
		}
	}
	if fn == "var" {
		for i, v := range vals {
			vals[i] = v * v
		}
	}
	if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
		return batchMoment(ld, vals)
	}
	if len(vals) == 1 {
		return lang.Number(vals[0]), nil
	}
	return lang.NewVector(vals), nil
}

// batchMoment shapes the moments of a distribution whose parameters
// depend on latent variables (one value per component of each draw, or one
// per component for all draws) as a batch: a number or a vector per draw,
// as the distribution's draws are.
func batchMoment(ld *lang.Dist, vals []float64) (lang.Value, error) {
	b, dim := ld.Batch, ld.D.Dim()
	switch len(vals) {
	case b * dim:
	case dim:
		all := make([]float64, 0, b*dim)
		for range b {
			all = append(all, vals...)
		}
		vals = all
	default:
		return nil, fmt.Errorf("internal error: %d moments for %d draws of dimension %d", len(vals), b, dim)
	}
	if len(ld.Event()) == 0 {
		return lang.NewBatch(tensor.New(vals, b)), nil
	}
	return lang.NewBatch(tensor.New(vals, b, dim)), nil
}

func builtinEntropy(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var d lang.Distribution
	if err := lang.UnpackArgs("entropy", args, kwargs, "d", &d); err != nil {
		return nil, err
	}
	if e, ok := d.Dist().(dist.Entropier); ok {
		if h, ok := e.Entropy(); ok {
			return lang.Number(h), nil
		}
	}
	return nil, fmt.Errorf("entropy: %s has no closed-form entropy (estimate it as -mean(log_prob(d, sample(d, 10000))))", d)
}

func builtinKL(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var p, q lang.Distribution
	var nv lang.Value = lang.Number(KLDraws)
	if err := lang.UnpackArgs("kl", args, kwargs, "p", &p, "q", &q, "n?", &nv); err != nil {
		return nil, err
	}
	n, err := sizeArg("kl", "n", nv)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("kl: n must be positive, got 0")
	}
	pd, qd := p.Dist(), q.Dist()
	if pd.Dim() != qd.Dim() {
		return nil, fmt.Errorf("kl: p has dimension %d but q has dimension %d", pd.Dim(), qd.Dim())
	}
	if err := lang.CheckSize(n * pd.Dim()); err != nil {
		return nil, fmt.Errorf("kl: %v", err)
	}
	x := pd.Sample(th.Rand, n)
	lp, lq := pd.LogProb(x).Data(), qd.LogProb(x).Data()
	s := 0.0
	for i := range lp {
		if lp[i] == lq[i] { // also when both are -inf: the draw adds nothing
			continue
		}
		s += lp[i] - lq[i]
	}
	return lang.Number(s / float64(n)), nil
}

// batchLogProb is log_prob(d, x) inside a model when d's parameters or x
// depend on latent variables: the log density of x for each draw, summed
// over x's elements for a 1-dimensional d (a number per draw).
func batchLogProb(d dist.Distribution, nb int, x lang.Value, xb *lang.Batch) (lang.Value, error) {
	t, n, ok := lang.EventTensor(x)
	if !ok {
		return nil, fmt.Errorf("log_prob: got %s for x, want number, vector or matrix", x.Type())
	}
	if xb != nil && xb.Bool {
		return nil, fmt.Errorf("log_prob: got bool for x, want number, vector or matrix")
	}
	if n == 0 {
		n = nb
	}
	dim := d.Dim()
	var rowsT *tensor.Tensor
	switch {
	case xb != nil && dim == 1:
		rowsT = tensor.Reshape(t, n, t.Len()/n)
	case xb != nil && t.Rank() == 2 && t.Dim(1) == dim:
		rowsT = t
	case xb == nil && dim == 1:
		rowsT = tensor.Reshape(t, 1, t.Len())
	case xb == nil && t.Rank() == 1 && t.Dim(0) == dim:
		rowsT = tensor.Reshape(t, 1, dim)
	default:
		return nil, fmt.Errorf("log_prob: x has shape %s but the distribution has dimension %d", lang.ShapeString(t.Shape()), dim)
	}
	if _, cat := d.(*dist.Categorical); cat && rowsT.Dim(1) != 1 {
		return nil, fmt.Errorf("log_prob: a Categorical that depends on latent variables takes one value per draw")
	}
	return lang.NewBatch(d.LogProb(rowsT)), nil
}

// sampleNamed is sample(q) and sample(q, n) of a posterior guide: a record
// of the model's quantities (one draw: numbers and vectors; n draws:
// n-vectors and n×k matrices).
func sampleNamed(th *lang.Thread, g lang.NamedSampler, nv lang.Value) (lang.Value, error) {
	if nv != nil {
		n, err := sizeArg("sample", "n", nv)
		if err != nil {
			return nil, err
		}
		r, err := g.SampleNamed(th, n)
		if err != nil {
			return nil, fmt.Errorf("sample: %v", err)
		}
		return r, nil
	}
	r, err := g.SampleNamed(th, 1)
	if err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	one := lang.NewRecord()
	for _, name := range r.Names {
		a := r.Fields[name].(*lang.Array)
		if a.IsVector() {
			one.Set(name, lang.Number(a.Data()[0]))
		} else {
			one.Set(name, lang.NewVector(a.Data()))
		}
	}
	return one, nil
}

// namedMoment is mean(q), sd(q) or var(q) of a posterior guide: a record
// with the moment of each quantity over SummaryDraws draws.
func namedMoment(th *lang.Thread, fn string, g lang.NamedSampler) (lang.Value, error) {
	r, err := g.SampleNamed(th, SummaryDraws)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	out := lang.NewRecord()
	for _, name := range r.Names {
		a := r.Fields[name].(*lang.Array)
		v, err := reduce(fn, a, func(xs []float64) (float64, error) {
			switch fn {
			case "mean":
				return mean(xs), nil
			case "sd":
				return math.Sqrt(variance(xs)), nil
			}
			return variance(xs), nil
		})
		if err != nil {
			return nil, err
		}
		out.Set(name, v)
	}
	return out, nil
}
