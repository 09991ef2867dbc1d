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
		def("sample", "sample(d): one draw; sample(d, n): n draws (a vector, or an n×d matrix); sample(q, n, given = x): draws of a conditional flow at contexts; sample(m(data), n, method = \"nuts\", ...) and sample(q, n, method = \"psis\") give draws with diagnostics (see the sample options)", builtinSample),
		def("log_prob", "log_prob(d, x): log density of x (a number, vector or n×d matrix of rows); log_prob(q, y, given = x): a conditional flow's, row by row", builtinLogProb),
		def("entropy", "entropy(d): the closed-form differential entropy", builtinEntropy),
		def("kl", "kl(p, q, n): Monte Carlo KL(p‖q) from n draws of p (default 10000)", builtinKL),
	}
}

func builtinSample(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var dv lang.Value
	var nv lang.Value
	var given lang.Value
	var plain, opts []lang.Kwarg // d, n and given; the options of sample with a method
	for _, kw := range kwargs {
		if kw.Name == "d" || kw.Name == "n" || kw.Name == "given" {
			plain = append(plain, kw)
		} else {
			opts = append(opts, kw)
		}
	}
	if err := lang.UnpackArgs("sample", args, plain, "d", &dv, "n?", &nv, "given?", &given); err != nil {
		return nil, err
	}
	if q, ok := dv.(*lang.ConditionalFlow); ok || given != nil {
		if len(opts) > 0 {
			return nil, fmt.Errorf("sample: a conditional flow's draws take no option %s (only n and given)", opts[0].Name)
		}
		return sampleGiven(th, dv, q, nv, given)
	}
	_, named := dv.(lang.NamedSampler)
	_, isDist := dv.(lang.Distribution)
	if _, ok := dv.(MethodSampler); (ok && !named && !isDist) || len(opts) > 0 {
		return sampleWithMethod(th, dv, nv, opts)
	}
	if g, ok := dv.(lang.NamedSampler); ok {
		return sampleNamed(th, g, nv)
	}
	d, ok := dv.(lang.Distribution)
	if !ok {
		return nil, fmt.Errorf("sample: for parameter d: got %s, want distribution", lang.Describe(dv))
	}
	if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
		// Inside a model, a distribution whose parameters depend on latent
		// variables: one draw per guide draw.
		if nv != nil {
			return nil, fmt.Errorf("sample: inside a model, a distribution that depends on latent variables gives one draw per guide draw: write sample(d)")
		}
		x := ld.D.Sample(th.Rand, ld.Batch)
		if ld.D.Dim() == 1 { // as sample(d) of a plain d: a number
			return lang.NewBatch(tensor.Reshape(x, ld.Batch)), nil
		}
		return lang.NewBatch(tensor.Reshape(x, append([]int{ld.Batch}, ld.Event()...)...)), nil
	}
	if nv == nil {
		v, err := lang.SampleValue(th, d.Dist(), 1, true)
		if err != nil {
			return nil, fmt.Errorf("sample: %v", err)
		}
		return v, nil
	}
	return sampleN(nv, func(n int) (lang.Value, error) { return d.Sample(th, n) })
}

// sampleN is sample(x, n): n (nv, an integer) draws by draw, its errors
// prefixed "sample: ".
func sampleN(nv lang.Value, draw func(n int) (lang.Value, error)) (lang.Value, error) {
	n, err := sizeArg("sample", "n", nv)
	if err != nil {
		return nil, err
	}
	v, err := draw(n)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	return v, nil
}

// rows shapes x as the [n, dim] tensor of values LogProb takes, and says
// whether the result is one number.
func rows(fn string, x lang.Value, dim int, event []int) (t *tensor.Tensor, one bool, err error) {
	var xt *tensor.Tensor
	if len(event) == 2 {
		// A matrix-valued distribution: one r×c matrix, or the rows of an
		// n×(r·c) matrix of flattened draws.
		a, ok := x.(*lang.Array)
		switch {
		case ok && tensor.SameShape(a.Shape(), event):
			return tensor.Reshape(a.T, 1, dim), true, nil
		case ok && !a.IsVector() && a.Shape()[1] == dim:
			return a.T, false, nil
		}
		return nil, false, fmt.Errorf("%s: x must be a %s matrix (or an n×%d matrix of flattened draws), got %s", fn, lang.MatrixShape(event), dim, describeShape(x))
	}
	switch x := x.(type) {
	case lang.Number:
		xt = tensor.Scalar(float64(x))
	case *lang.Array:
		xt = x.T
	default:
		return nil, false, fmt.Errorf("%s: got %s for x, want number, vector or matrix", fn, x.Type())
	}
	m, one, err := rowLayout(fn, xt.Shape(), dim)
	if err != nil {
		return nil, false, err
	}
	return tensor.Reshape(xt, m, dim), one, nil
}

// rowLayout says how log_prob reads a value x of the given shape under a
// distribution of dimension dim: as m rows of dim values, giving one
// number (one) or an m-vector. A number is one value; a vector is one
// value per element for a 1-dimensional distribution, else one d-vector;
// a matrix is one value per row.
func rowLayout(fn string, shape []int, dim int) (m int, one bool, err error) {
	switch len(shape) {
	case 0:
		if dim != 1 {
			return 0, false, fmt.Errorf("%s: x is a number but the distribution has dimension %d", fn, dim)
		}
		return 1, true, nil
	case 1:
		switch {
		case dim == 1: // each element is a value
			return shape[0], false, nil
		case shape[0] == dim:
			return 1, true, nil
		}
		return 0, false, fmt.Errorf("%s: x has length %d but the distribution has dimension %d", fn, shape[0], dim)
	}
	if shape[1] != dim {
		return 0, false, fmt.Errorf("%s: x has %d columns but the distribution has dimension %d", fn, shape[1], dim)
	}
	return shape[0], false, nil
}

func builtinLogProb(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var dv, x, given lang.Value
	if err := lang.UnpackArgs("log_prob", args, kwargs, "d", &dv, "x", &x, "given?", &given); err != nil {
		return nil, err
	}
	if q, ok := dv.(*lang.ConditionalFlow); ok || given != nil {
		return logProbGiven(dv, q, x, given)
	}
	d, ok := dv.(lang.Distribution)
	if !ok {
		return nil, fmt.Errorf("log_prob: for parameter d: got %s, want distribution", lang.Describe(dv))
	}
	dd := d.Dist()
	nb := 0
	if ld, ok := d.(*lang.Dist); ok {
		nb = ld.Batch
	}
	if _, ok := x.(*lang.Batch); ok || nb > 0 {
		if e := eventOf(d); len(e) == 2 {
			xb, _ := x.(*lang.Batch)
			return batchMatrixLogProb(dd, e, x, xb)
		}
		ld, _ := d.(*lang.Dist)
		return batchLogProb(ld, dd, nb, x)
	}
	t, one, err := rows("log_prob", x, dd.Dim(), eventOf(d))
	if err != nil {
		return nil, err
	}
	lp := dd.LogProb(t)
	if one {
		return lang.Number(lp.Data()[0]), nil
	}
	return lang.NewArray(tensor.Reshape(lp, lp.Len())), nil
}

// eventOf returns the shape of one draw of d ([] or [d] for a flow).
func eventOf(d lang.Distribution) []int {
	if ld, ok := d.(*lang.Dist); ok {
		return ld.Event()
	}
	return []int{d.Dist().Dim()}
}

// describeShape names a value for a shape error: "a number", "a 2×3
// matrix", "a vector of length 4", or its type.
func describeShape(x lang.Value) string {
	t, _, ok := lang.EventTensor(x)
	switch {
	case !ok:
		return lang.Describe(x)
	case t.Rank() == 0:
		return "a number"
	case t.Rank() == 1:
		return fmt.Sprintf("a vector of length %d", t.Len())
	}
	return "an array of shape " + lang.ShapeString(t.Shape())
}

// batchMatrixLogProb is log_prob(d, x) inside a model for a
// matrix-valued d (event [r, c]): x is one r×c matrix or a batch of them
// ([B, r, c]); the result is a number per draw.
func batchMatrixLogProb(d dist.Distribution, event []int, x lang.Value, xb *lang.Batch) (lang.Value, error) {
	if xb != nil && xb.Bool {
		return nil, fmt.Errorf("log_prob: got bool for x, want a matrix")
	}
	t, n, ok := lang.EventTensor(x)
	dim := d.Dim()
	want := append([]int{}, event...)
	got := []int{}
	if ok {
		got = t.Shape()
		if n > 0 {
			got = got[1:]
		}
	}
	if !ok || !tensor.SameShape(got, want) {
		return nil, fmt.Errorf("log_prob: x must be a %s matrix, got %s", lang.MatrixShape(event), describeShape(x))
	}
	if n == 0 {
		n = 1
	}
	return lang.NewBatch(d.LogProb(tensor.Reshape(t, n, dim))), nil
}

// distMoment returns mean(d), sd(d) or var(d): the closed form when d has
// one (nan where the moment is not finite, as the mean of a Cauchy), else a
// Monte Carlo estimate from SummaryDraws draws of th.Rand.
func distMoment(th *lang.Thread, fn string, d lang.Distribution) (lang.Value, error) {
	if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
		return batchMoment(fn, ld)
	}
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
		xt, err := lang.Draws(th, dd, SummaryDraws)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		x := xt.Data()
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
	if e := eventOf(d); len(e) == 2 {
		return lang.NewMatrix(e[0], e[1], vals), nil
	}
	if len(vals) == 1 {
		return lang.Number(vals[0]), nil
	}
	return lang.NewVector(vals), nil
}

func builtinEntropy(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var d lang.Distribution
	if err := lang.UnpackArgs("entropy", args, kwargs, "d", &d); err != nil {
		return nil, err
	}
	if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
		return batchMoment("entropy", ld)
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
	for _, d := range []lang.Distribution{p, q} {
		if ld, ok := d.(*lang.Dist); ok && ld.Batch > 0 {
			return nil, fmt.Errorf("kl: %s depends on latent variables; kl estimates from draws of constant distributions (write the log densities with log_prob)", d)
		}
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
	x, err := lang.Draws(th, pd, n)
	if err != nil {
		return nil, fmt.Errorf("kl: %w", err)
	}
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

// batchLogProb is log_prob(d, x) inside a model when d's parameters (nb
// draws; ld is d's value, nil when d is not a family's) or x depend on
// latent variables. For each draw it gives what log_prob gives on that
// draw's d and x alone: a number, or a vector of the log density of each
// element (x a vector under a 1-dimensional d) or row (x a matrix).
func batchLogProb(ld *lang.Dist, d dist.Distribution, nb int, x lang.Value) (lang.Value, error) {
	t, n, ok := lang.EventTensor(x)
	if !ok {
		return nil, fmt.Errorf("log_prob: got %s for x, want number, vector or matrix", x.Type())
	}
	if xb, ok := x.(*lang.Batch); ok && xb.Bool {
		return nil, fmt.Errorf("log_prob: got bool for x, want number, vector or matrix")
	}
	if n != 0 && nb != 0 && n != nb {
		return nil, fmt.Errorf("internal error: batches of %d and %d draws", n, nb)
	}
	event := t.Shape()
	if n != 0 {
		event = event[1:]
	}
	b := max(n, nb)
	dim := d.Dim()
	m, one, err := rowLayout("log_prob", event, dim)
	if err != nil {
		return nil, err
	}
	if m == 0 {
		return lang.NewBatch(tensor.Zeros(b, 0)), nil
	}
	// The values as rows: [B·m, dim] (row i·m + j is row j of draw i), or
	// [m, dim] = [1, dim] for one plain value, which broadcasts against
	// parameters with a draw axis.
	var xs *tensor.Tensor
	switch {
	case n != 0:
		xs = tensor.Reshape(t, b*m, dim)
	case m == 1:
		xs = tensor.Reshape(t, 1, dim)
	default:
		xs = tensor.Reshape(tensor.BroadcastTo(tensor.Reshape(t, 1, m, dim), b, m, dim), b*m, dim)
	}
	if nb != 0 && m > 1 {
		// Each draw's parameters scoring m rows: repeat them m times, so
		// that parameter row i·m + j goes with value row i·m + j.
		if ld == nil || ld.Family == nil || len(ld.Batched) != len(ld.Params) {
			return nil, fmt.Errorf("log_prob: %s depends on latent variables and cannot score %d values at once", d, m)
		}
		ps := make([]*tensor.Tensor, len(ld.Params))
		for i, p := range ld.Params {
			ps[i] = p
			if ld.Batched[i] {
				rest := p.Shape()[1:] // [k], or [r, c] for a matrix parameter
				one := append([]int{b, 1}, rest...)
				rep := append([]int{b, m}, rest...)
				ps[i] = tensor.Reshape(tensor.BroadcastTo(tensor.Reshape(p, one...), rep...), append([]int{b * m}, rest...)...)
			}
		}
		if d, err = ld.Family.Build(ps, false); err != nil {
			return nil, fmt.Errorf("log_prob: %v", err)
		}
	}
	lp := d.LogProb(xs)
	if one {
		return lang.NewBatch(tensor.Reshape(lp, b)), nil
	}
	return lang.NewBatch(tensor.Reshape(lp, b, m)), nil
}

// sampleNamed is sample(q) and sample(q, n) of a posterior guide: a record
// of the model's quantities (one draw: numbers and vectors; n draws:
// n-vectors and n×k matrices).
func sampleNamed(th *lang.Thread, g lang.NamedSampler, nv lang.Value) (lang.Value, error) {
	if nv != nil {
		return sampleN(nv, func(n int) (lang.Value, error) { return g.SampleNamed(th, n) })
	}
	r, err := g.SampleNamed(th, 1)
	if err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	one := lang.NewRecord()
	shape := shapesOf(g)
	for _, name := range r.Names {
		a := r.Fields[name].(*lang.Array)
		if e, ok := matrixEvent(shape, name, len(a.Data())); ok && !a.IsVector() {
			one.Set(name, lang.NewMatrix(e[0], e[1], append([]float64(nil), a.Data()...)))
		} else if a.IsVector() {
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
		if m, ok := v.(*lang.Array); ok {
			if e, ok := matrixEvent(shapesOf(g), name, m.Len()); ok && m.IsVector() {
				v = lang.NewMatrix(e[0], e[1], append([]float64(nil), m.Data()...))
			}
		}
		out.Set(name, v)
	}
	return out, nil
}

// batchMoment is mean(d), sd(d), var(d) or entropy(d) of a family's
// distribution whose parameters depend on latent variables: for each draw,
// the closed form of that draw's distribution, as the plain builtin gives
// it (a number, or a vector for a d-dimensional mean, sd or var). Families
// with dist.MomentTensors give it on the tape. For the others the closed
// forms are computed on numbers, draw by draw, so the result is not on the
// tape: with parameters that are (inside a fit), it is an error rather
// than a value without gradient.
func batchMoment(fn string, ld *lang.Dist) (lang.Value, error) {
	b, dim := ld.Batch, ld.D.Dim()
	if mt, ok := ld.D.(dist.MomentTensors); ok {
		var t *tensor.Tensor
		switch fn {
		case "mean":
			t = mt.MeanTensor()
		case "sd", "var":
			t = mt.StdDevTensor()
			if fn == "var" {
				t = tensor.Mul(t, t)
			}
		case "entropy":
			if h, ok := mt.EntropyTensor(); ok && h.Len() == b {
				return lang.NewBatch(tensor.Reshape(h, b)), nil
			}
		}
		if t != nil && t.Len() == b*dim {
			return lang.NewBatch(tensor.Reshape(t, drawShape(ld)...)), nil
		}
	}
	if ld.Family == nil || len(ld.Batched) != len(ld.Params) {
		return nil, fmt.Errorf("%s: %s depends on latent variables and has no closed form per draw", fn, ld)
	}
	for i, p := range ld.Params {
		if ld.Batched[i] && p.Tracked() {
			return nil, fmt.Errorf("%s: the %s of %s is not differentiable in parameters that depend on latent variables; write it from the parameters", fn, fn, ld.Family.Name)
		}
	}
	var out []float64
	for i := range b {
		ps := make([]*tensor.Tensor, len(ld.Params))
		for j, p := range ld.Params {
			ps[j] = p
			if ld.Batched[j] {
				k, shape := p.Len()/b, p.Shape()[1:]
				if k == 1 {
					shape = nil // a number per draw ([B, 1], Batch.Column)
				}
				ps[j] = tensor.New(p.Data()[i*k:(i+1)*k], shape...)
			}
		}
		d, err := ld.Family.Build(ps, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
		if fn == "entropy" {
			e, ok := d.(dist.Entropier)
			if !ok {
				return nil, fmt.Errorf("entropy: %s has no closed-form entropy", ld.Family.Name)
			}
			h, ok := e.Entropy()
			if !ok {
				h = math.NaN()
			}
			out = append(out, h)
			continue
		}
		m, ok := d.(dist.Moments)
		if !ok {
			return nil, fmt.Errorf("%s: %s has no closed-form %s per draw of latent variables", fn, ld.Family.Name, fn)
		}
		var vals []float64
		if fn == "mean" {
			vals, ok = m.Mean()
		} else {
			vals, ok = m.StdDev()
		}
		for k := range dim {
			v := math.NaN()
			if ok {
				v = vals[k]
			}
			if fn == "var" {
				v *= v
			}
			out = append(out, v)
		}
	}
	if fn == "entropy" {
		return lang.NewBatch(tensor.New(out, b)), nil
	}
	return lang.NewBatch(tensor.New(out, drawShape(ld)...)), nil
}

// drawShape is the shape of a batch holding one value per draw of ld's
// values: [B] when one value is a number (dimension 1), else B followed by
// the event shape (a vector or a matrix).
func drawShape(ld *lang.Dist) []int {
	if ld.D.Dim() == 1 {
		return []int{ld.Batch}
	}
	e := ld.Event()
	if len(e) == 0 {
		e = []int{ld.D.Dim()}
	}
	return append([]int{ld.Batch}, e...)
}
