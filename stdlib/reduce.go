package stdlib

import (
	"fmt"
	"math"
	"slices"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// columns returns the lines a reduction runs over: one for a number or a
// vector, one per column of a matrix (matrix = true).
func columns(fn string, x lang.Value) (cols [][]float64, matrix bool, err error) {
	switch x := x.(type) {
	case lang.Number:
		return [][]float64{{float64(x)}}, false, nil
	case *lang.Array:
		d := x.Data()
		if x.IsVector() {
			return [][]float64{d}, false, nil
		}
		r, c := x.Shape()[0], x.Shape()[1]
		cols = make([][]float64, c)
		for j := range cols {
			col := make([]float64, r)
			for i := range col {
				col[i] = d[i*c+j]
			}
			cols[j] = col
		}
		return cols, true, nil
	case *lang.Batch:
		return nil, false, fmt.Errorf("%s: not supported for a value that depends on latent variables", fn)
	}
	return nil, false, fmt.Errorf("%s: got %s, want number, vector or matrix", fn, x.Type())
}

// reduce applies f to a vector (giving a number) or to each column of a
// matrix (giving a vector).
func reduce(fn string, x lang.Value, f func([]float64) (float64, error)) (lang.Value, error) {
	cols, matrix, err := columns(fn, x)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(cols))
	for j, c := range cols {
		if out[j], err = f(c); err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
	}
	if !matrix {
		return lang.Number(out[0]), nil
	}
	return lang.NewArray(tensor.New(out, len(out))), nil
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, v := range xs {
		s += v
	}
	return s
}

func mean(xs []float64) float64 { return sum(xs) / float64(len(xs)) }

// variance is the sample variance with divisor n - 1 (nan for n < 2).
func variance(xs []float64) float64 {
	n := len(xs)
	if n < 2 {
		return math.NaN()
	}
	m := mean(xs)
	s := 0.0
	for _, v := range xs {
		s += (v - m) * (v - m)
	}
	return s / float64(n-1)
}

func logsumexp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, v := range xs {
		if math.IsNaN(v) {
			return v
		}
		m = max(m, v)
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, v := range xs {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// extreme returns the minimum (sign -1) or maximum (sign 1); nan wins.
func extreme(xs []float64, sign float64) (float64, error) {
	if len(xs) == 0 {
		return 0, fmt.Errorf("empty sequence has no %s", map[float64]string{-1: "minimum", 1: "maximum"}[sign])
	}
	best := xs[0]
	for _, v := range xs {
		if math.IsNaN(v) {
			return v, nil
		}
		if sign*v > sign*best {
			best = v
		}
	}
	return best, nil
}

func reduceBuiltins() []*lang.Builtin {
	one := func(fn string, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		var x lang.Value
		err := lang.UnpackArgs(fn, args, kwargs, "x", &x)
		return x, err
	}
	simple := func(name, doc string, f func([]float64) float64) *lang.Builtin {
		return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			x, err := one(name, args, kwargs)
			if err != nil {
				return nil, err
			}
			if bx, ok := x.(*lang.Batch); ok {
				return reduceBatch(name, bx)
			}
			return reduce(name, x, func(xs []float64) (float64, error) { return f(xs), nil })
		})
	}
	// moment dispatches mean, sd and var: an array reduces, a distribution
	// gives its moment.
	moment := func(name, doc string, f func([]float64) float64) *lang.Builtin {
		return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			x, err := one(name, args, kwargs)
			if err != nil {
				return nil, err
			}
			if d, ok := x.(lang.Distribution); ok {
				return distMoment(th, name, d)
			}
			if g, ok := x.(lang.NamedSampler); ok {
				return namedMoment(th, name, g)
			}
			if bx, ok := x.(*lang.Batch); ok {
				return reduceBatch(name, bx)
			}
			if _, ok := x.(lang.Number); !ok {
				if _, ok := x.(*lang.Array); !ok {
					return nil, fmt.Errorf("%s: got %s, want number, vector, matrix or distribution", name, x.Type())
				}
			}
			return reduce(name, x, func(xs []float64) (float64, error) {
				if len(xs) == 0 {
					// An empty sequence has no mean, sd or variance
					// (sd and var of one value are nan, as of a batch).
					return 0, fmt.Errorf("empty sequence has no %s", name)
				}
				return f(xs), nil
			})
		})
	}
	extremum := func(name, doc string, sign float64) *lang.Builtin {
		return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
			if err := noKwargs(name, kwargs); err != nil {
				return nil, err
			}
			switch len(args) {
			case 0:
				return nil, fmt.Errorf("%s: missing argument x", name)
			case 1:
				if bx, ok := args[0].(*lang.Batch); ok {
					return reduceBatch(name, bx)
				}
				return reduce(name, args[0], func(xs []float64) (float64, error) { return extreme(xs, sign) })
			}
			return elementwiseExtreme(name, args, sign)
		})
	}
	return []*lang.Builtin{
		simple("sum", "sum of a vector, or of each column of a matrix", sum),
		moment("mean", "mean of a vector or of each column of a matrix, or of a distribution", mean),
		moment("sd", "sample standard deviation (n - 1), or the sd of a distribution", func(xs []float64) float64 { return math.Sqrt(variance(xs)) }),
		moment("var", "sample variance (n - 1), or the variance of a distribution", variance),
		extremum("min", "smallest element (of each column); min(a, b, ...) elementwise", -1),
		extremum("max", "largest element (of each column); max(a, b, ...) elementwise", 1),
		simple("logsumexp", "log(sum(exp(x))) computed stably (of each column)", logsumexp),
		def("quantile", "quantile(x, p): p-quantiles by linear interpolation (R type 7)", builtinQuantile),
		def("len", "elements of a vector, rows of a matrix, characters of a string, fields of a record", builtinLen),
		def("shape", "shape of a vector ([n]) or matrix ([rows, columns]) as a vector", builtinShape),
	}
}

// elementwiseExtreme is min(a, b, ...) / max(a, b, ...) with broadcasting.
func elementwiseExtreme(fn string, args lang.Tuple, sign float64) (lang.Value, error) {
	for _, a := range args {
		if b, ok := a.(*lang.Batch); ok {
			return batchExtreme(fn, args, sign, b.N())
		}
	}
	acc, err := numeric(fn, args[0])
	if err != nil {
		return nil, err
	}
	for _, a := range args[1:] {
		t, err := numeric(fn, a)
		if err != nil {
			return nil, err
		}
		if _, err := tensor.BroadcastShapes(acc.Shape(), t.Shape()); err != nil {
			return nil, fmt.Errorf("%s: shapes %s and %s do not match", fn, lang.ShapeString(acc.Shape()), lang.ShapeString(t.Shape()))
		}
		if sign > 0 {
			acc = tensor.Maximum(acc, t)
		} else {
			acc = tensor.Minimum(acc, t)
		}
	}
	if acc.Rank() == 0 {
		return lang.Number(acc.Item()), nil
	}
	return lang.NewArray(acc), nil
}

func builtinQuantile(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var x, p lang.Value
	if err := lang.UnpackArgs("quantile", args, kwargs, "x", &x, "p", &p); err != nil {
		return nil, err
	}
	var ps []float64
	switch p := p.(type) {
	case lang.Number:
		ps = []float64{float64(p)}
	case *lang.Array:
		if !p.IsVector() {
			return nil, fmt.Errorf("quantile: p must be a number or a vector, got matrix")
		}
		ps = p.Data()
	case *lang.Batch:
		return nil, fmt.Errorf("quantile: p must be a constant number or vector, got a %s that depends on latent variables", p.Type())
	default:
		return nil, fmt.Errorf("quantile: p must be a number or a vector, got %s", p.Type())
	}
	for _, v := range ps {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("quantile: p must be in [0, 1], got %s", tensor.FormatNumber(v))
		}
	}
	if bx, ok := x.(*lang.Batch); ok {
		_, pVector := p.(*lang.Array)
		return batchQuantile(bx, ps, pVector)
	}
	cols, matrix, err := columns("quantile", x)
	if err != nil {
		return nil, err
	}
	k, c := len(ps), len(cols)
	out := make([]float64, k*c) // k×c: row i holds the ps[i]-quantiles
	for j, col := range cols {
		if len(col) == 0 {
			return nil, fmt.Errorf("quantile: empty sequence has no quantiles")
		}
		if err := alloc(th, "quantile", len(col)); err != nil {
			return nil, err
		}
		sorted, err := cloneFloats(th, col)
		if err != nil {
			return nil, fmt.Errorf("quantile: %w", err)
		}
		hasNaN := slices.ContainsFunc(sorted, math.IsNaN)
		if err := sortFloats(th, sorted); err != nil {
			return nil, fmt.Errorf("quantile: %w", err)
		}
		for i, pi := range ps {
			if hasNaN {
				out[i*c+j] = math.NaN()
			} else {
				out[i*c+j] = draws.QuantileSorted(sorted, pi)
			}
		}
	}
	_, pVector := p.(*lang.Array)
	switch {
	case !pVector && !matrix:
		return lang.Number(out[0]), nil
	case !pVector || !matrix:
		return arrayOf(out, len(out)), nil
	}
	return arrayOf(out, k, c), nil
}

// lener is a value with a length that is not an array or string (a
// table).
type lener interface {
	Len() int
}

func builtinLen(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	x, err := argX("len", args, kwargs)
	if err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case lang.String:
		return lang.Number(len([]rune(string(x)))), nil
	case *lang.Record:
		return lang.Number(len(x.Names)), nil
	case *lang.Batch:
		if len(x.Event()) == 0 {
			return nil, fmt.Errorf("len: number has no length")
		}
		return lang.Number(x.Len()), nil
	case lener: // arrays (rows), tables
		return lang.Number(x.Len()), nil
	}
	return nil, fmt.Errorf("len: %s has no length", x.Type())
}

func builtinShape(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	x, err := argX("shape", args, kwargs)
	if err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case lang.Number:
		return lang.NewVector([]float64{}), nil
	case *lang.Batch:
		return shapeVector(x.Event()), nil
	case *lang.Array:
		return shapeVector(x.Shape()), nil
	}
	return nil, fmt.Errorf("shape: got %s, want number, vector or matrix", x.Type())
}

// shapeVector returns a shape as the vector shape(x) gives.
func shapeVector(shape []int) *lang.Array {
	s := make([]float64, len(shape))
	for i, d := range shape {
		s[i] = float64(d)
	}
	return lang.NewVector(s)
}

// reduceBatch applies a reduction to each draw of a batch (a value
// computed from latent variables inside a model) with tensor operations,
// so the result stays on the batch's tape: a number per draw stays as it
// is (sum, mean, min, max, logsumexp) or has no spread (sd, var: nan), a
// vector reduces to a number per draw, a matrix to a vector of its column
// reductions per draw.
func reduceBatch(fn string, b *lang.Batch) (lang.Value, error) {
	if b.Bool {
		return nil, fmt.Errorf("%s: got bool, want number, vector or matrix", fn)
	}
	t := b.T
	if t.Rank() == 1 {
		t = tensor.Reshape(t, t.Dim(0), 1)
	}
	n := t.Dim(1)
	if n == 0 && fn != "sum" {
		return nil, fmt.Errorf("%s: empty sequence", fn)
	}
	var out *tensor.Tensor
	switch fn {
	case "sum":
		out = tensor.SumAxis(t, 1)
	case "mean":
		out = tensor.MeanAxis(t, 1)
	case "var", "sd":
		m := tensor.Unsqueeze(tensor.MeanAxis(t, 1), 1)
		out = tensor.Scale(tensor.SumAxis(tensor.Square(tensor.Sub(t, m)), 1), 1/float64(n-1))
		if fn == "sd" {
			out = tensor.Sqrt(out)
		}
	case "min":
		out = tensor.MinAxis(t, 1)
	case "max":
		out = tensor.MaxAxis(t, 1)
	case "logsumexp":
		out = tensor.LogSumExp(t, 1)
	default:
		return nil, fmt.Errorf("%s: not supported for a value that depends on latent variables", fn)
	}
	return lang.NewBatch(out), nil
}

// batchExtreme is min(a, b, ...) / max(a, b, ...) when an argument depends
// on latent variables: elementwise for each draw, on the tape.
func batchExtreme(fn string, args lang.Tuple, sign float64, n int) (lang.Value, error) {
	ts := make([]*tensor.Tensor, len(args))
	events := make([][]int, len(args))
	var shape []int
	for i, a := range args {
		b, err := lang.ToBatch(a, n)
		if err != nil || b.Bool {
			return nil, fmt.Errorf("%s: got %s, want number, vector or matrix", fn, a.Type())
		}
		ts[i], events[i] = b.T, b.Event()
		s, err := tensor.BroadcastShapes(shape, events[i])
		if err != nil {
			return nil, fmt.Errorf("%s: shapes %s and %s do not match", fn, lang.ShapeString(shape), lang.ShapeString(events[i]))
		}
		shape = s
	}
	var acc *tensor.Tensor
	for i, t := range ts {
		pad := []int{n}
		for range len(shape) - len(events[i]) {
			pad = append(pad, 1)
		}
		t = tensor.Reshape(t, append(pad, events[i]...)...)
		switch {
		case acc == nil:
			acc = t
		case sign > 0:
			acc = tensor.Maximum(acc, t)
		default:
			acc = tensor.Minimum(acc, t)
		}
	}
	return lang.NewBatch(tensor.BroadcastTo(acc, append([]int{n}, shape...)...)), nil
}

// batchQuantile is quantile(x, p) for a batch x: for each draw what
// quantile gives on its value, interpolating between the same order
// statistics with the same arithmetic, with gradients flowing to the two
// order statistics each quantile lies between.
func batchQuantile(x *lang.Batch, ps []float64, pVector bool) (lang.Value, error) {
	if x.Bool {
		return nil, fmt.Errorf("quantile: got bool, want number, vector or matrix")
	}
	nb, ev := x.N(), x.Event()
	// Each draw's lines: L values in each of C columns.
	lines, cols := 1, 1
	switch len(ev) {
	case 1:
		lines = ev[0]
	case 2:
		lines, cols = ev[0], ev[1]
	}
	if lines == 0 {
		return nil, fmt.Errorf("quantile: empty sequence has no quantiles")
	}
	data := x.T.Data()
	k := len(ps)
	lo := make([]int, nb*k*cols) // flat indices into x.T, in output order [B, k, C]
	hi := make([]int, len(lo))
	w := make([]float64, len(lo))
	last := make([]bool, len(lo)) // the quantile is the largest value
	nan := make([]bool, len(lo))
	pos := make([]int, lines)
	for b := range nb {
		for j := range cols {
			at := func(i int) int { return (b*lines+i)*cols + j }
			hasNaN := false
			for i := range pos {
				pos[i] = i
				hasNaN = hasNaN || math.IsNaN(data[at(i)])
			}
			slices.SortStableFunc(pos, func(u, v int) int { return cmpFloat(data[at(u)], data[at(v)]) })
			for i, p := range ps {
				o := (b*k+i)*cols + j
				h := float64(lines-1) * p
				l := int(math.Floor(h))
				nan[o] = hasNaN
				if l >= lines-1 {
					lo[o], hi[o], last[o] = at(pos[lines-1]), at(pos[lines-1]), true
					continue
				}
				lo[o], hi[o], w[o] = at(pos[l]), at(pos[l+1]), h-float64(l)
			}
		}
	}
	flat := tensor.Reshape(x.T, x.T.Len())
	a, z := tensor.Take(flat, 0, lo), tensor.Take(flat, 0, hi)
	q := tensor.Add(a, tensor.Mul(tensor.New(w, len(w)), tensor.Sub(z, a)))
	q = tensor.Where(last, a, q)
	q = tensor.Where(nan, tensor.Full(math.NaN(), len(lo)), q)
	matrix := len(ev) == 2
	switch {
	case !pVector && !matrix:
		return lang.NewBatch(tensor.Reshape(q, nb)), nil
	case !pVector || !matrix:
		return lang.NewBatch(tensor.Reshape(q, nb, k*cols)), nil
	}
	return lang.NewBatch(tensor.Reshape(q, nb, k, cols)), nil
}

// cmpFloat orders numbers as slices.Sort does (NaN first).
func cmpFloat(a, b float64) int {
	switch {
	case a < b || (math.IsNaN(a) && !math.IsNaN(b)):
		return -1
	case a > b || (math.IsNaN(b) && !math.IsNaN(a)):
		return 1
	}
	return 0
}
