package stdlib

import (
	"fmt"
	"slices"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

func constructBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		filled("zeros", 0),
		filled("ones", 1),
		def("eye", "eye(n): the n×n identity matrix", builtinEye),
		def("range", "range(n), range(a, b), range(a, b, step): integers from a up to (not including) b", builtinRange),
		def("linspace", "linspace(a, b, n): n evenly spaced numbers from a to b inclusive", builtinLinspace),
		def("concat", "concat(a, b, ...): numbers and vectors into a vector, or matrices by rows", builtinConcat),
		def("transpose", "transpose(m): the transposed matrix", builtinTranspose),
	}
}

// sizes reads the size arguments n or (r, c) of zeros and ones and
// checks them against th's limits.
func sizes(th *lang.Thread, fn string, args lang.Tuple, kwargs []lang.Kwarg) ([]int, error) {
	if err := noKwargs(fn, kwargs); err != nil {
		return nil, err
	}
	if len(args) != 1 && len(args) != 2 {
		return nil, fmt.Errorf("%s takes 1 or 2 arguments (n, or rows and columns), got %d", fn, len(args))
	}
	names := []string{"n"}
	if len(args) == 2 {
		names = []string{"rows", "columns"}
	}
	shape := make([]int, len(args))
	for i, a := range args {
		k, err := sizeArg(fn, names[i], a)
		if err != nil {
			return nil, err
		}
		shape[i] = k
	}
	if err := alloc(th, fn, shape...); err != nil {
		return nil, err
	}
	return shape, nil
}

func filled(name string, v float64) *lang.Builtin {
	doc := fmt.Sprintf("%s(n) or %s(r, c): a vector or matrix of %gs", name, name, v)
	return def(name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		shape, err := sizes(th, name, args, kwargs)
		if err != nil {
			return nil, err
		}
		return lang.NewArray(tensor.Full(v, shape...)), nil
	})
}

func builtinEye(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var nv lang.Value
	if err := lang.UnpackArgs("eye", args, kwargs, "n", &nv); err != nil {
		return nil, err
	}
	n, err := sizeArg("eye", "n", nv)
	if err != nil {
		return nil, err
	}
	if err := alloc(th, "eye", n, n); err != nil {
		return nil, err
	}
	d := make([]float64, n*n)
	for i := 0; i < n; i++ {
		d[i*n+i] = 1
	}
	return lang.NewMatrix(n, n, d), nil
}

func builtinRange(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	if err := noKwargs("range", kwargs); err != nil {
		return nil, err
	}
	var lo, hi, step int
	var err error
	names := []string{"a", "b", "step"}
	ints := make([]int, len(args))
	if len(args) < 1 || len(args) > 3 {
		return nil, fmt.Errorf("range takes 1 to 3 arguments (n, or a, b, step), got %d", len(args))
	}
	if len(args) == 1 {
		names[0] = "n"
	}
	for i, a := range args {
		if ints[i], err = intArg("range", names[i], a); err != nil {
			return nil, err
		}
	}
	switch len(args) {
	case 1:
		lo, hi, step = 0, ints[0], 1
	case 2:
		lo, hi, step = ints[0], ints[1], 1
	default:
		lo, hi, step = ints[0], ints[1], ints[2]
		if step == 0 {
			return nil, fmt.Errorf("range: step must not be 0")
		}
	}
	n := 0
	if step > 0 && hi > lo {
		n = (hi - lo + step - 1) / step
	} else if step < 0 && lo > hi {
		n = (lo - hi - step - 1) / -step
	}
	if err := alloc(th, "range", n); err != nil {
		return nil, err
	}
	d := make([]float64, n)
	err = chunks(th, n, func(from, to int) {
		for i := from; i < to; i++ {
			d[i] = float64(lo + i*step)
		}
	})
	if err != nil {
		return nil, err
	}
	return arrayOf(d, n), nil
}

func builtinLinspace(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var av, zv, nv lang.Value
	if err := lang.UnpackArgs("linspace", args, kwargs, "a", &av, "b", &zv, "n", &nv); err != nil {
		return nil, err
	}
	n, err := sizeArg("linspace", "n", nv)
	if err != nil {
		return nil, err
	}
	if err := alloc(th, "linspace", n); err != nil {
		return nil, err
	}
	if _, ok := av.(*lang.Batch); ok {
		return batchLinspace(av, zv, n)
	}
	if _, ok := zv.(*lang.Batch); ok {
		return batchLinspace(av, zv, n)
	}
	var a, z float64
	if err := lang.UnpackArgs("linspace", lang.Tuple{av, zv}, nil, "a", &a, "b", &z); err != nil {
		return nil, err
	}
	d := make([]float64, n)
	err = chunks(th, n, func(from, to int) {
		for i := from; i < to; i++ {
			t := float64(i) / float64(n-1)
			d[i] = a + t*(z-a)
		}
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d[0] = a
	}
	if n > 1 {
		d[n-1] = z
	}
	return arrayOf(d, n), nil
}

func builtinConcat(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	if err := noKwargs("concat", kwargs); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return lang.NewVector([]float64{}), nil
	}
	for _, a := range args {
		if b, ok := a.(*lang.Batch); ok {
			return batchConcat(args, b.N())
		}
	}
	parts := make([]*tensor.Tensor, len(args))
	cols, matrices, total := -1, 0, 0
	for i, a := range args {
		switch a := a.(type) {
		case lang.Number:
			parts[i] = tensor.New([]float64{float64(a)}, 1)
		case *lang.Array:
			if !a.IsVector() {
				matrices++
				c := a.Shape()[1]
				if cols >= 0 && c != cols {
					return nil, fmt.Errorf("concat: argument %d has %d columns but the first matrix has %d", i+1, c, cols)
				}
				cols = c
			}
			parts[i] = a.T
		default:
			return nil, fmt.Errorf("concat: argument %d is a %s, want number, vector or matrix", i+1, a.Type())
		}
		total += parts[i].Len()
		if _, err := th.Elements(total); err != nil {
			return nil, fmt.Errorf("concat: %w", err)
		}
	}
	if err := alloc(th, "concat", total); err != nil {
		return nil, err
	}
	if matrices != 0 && matrices != len(args) {
		return nil, fmt.Errorf("concat: cannot mix matrices with numbers or vectors (make rows with [v] first)")
	}
	if total < chunkSize || slices.ContainsFunc(parts, (*tensor.Tensor).Tracked) {
		return lang.NewArray(tensor.Concat(0, parts...)), nil
	}
	// A long result: along axis 0 the data are the parts' one after the
	// other, copied in chunks so that a time limit stops the copy.
	out := make([]float64, 0, total)
	for _, p := range parts {
		d := p.Data()
		err := chunks(th, len(d), func(from, to int) { out = append(out, d[from:to]...) })
		if err != nil {
			return nil, err
		}
	}
	if cols < 0 {
		return lang.NewArray(tensor.New(out, total)), nil
	}
	return lang.NewMatrix(total/cols, cols, out), nil
}

func builtinTranspose(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var mv lang.Value
	if err := lang.UnpackArgs("transpose", args, kwargs, "m", &mv); err != nil {
		return nil, err
	}
	if bm, ok := mv.(*lang.Batch); ok && !bm.Bool && len(bm.Event()) > 0 {
		return batchTranspose(bm), nil
	}
	var m *lang.Array
	if err := lang.UnpackArgs("transpose", lang.Tuple{mv}, nil, "m", &m); err != nil {
		return nil, err
	}
	if m.IsVector() {
		return m, nil
	}
	return lang.NewArray(tensor.Transpose(m.T)), nil
}

// batchConcat is concat when an argument depends on latent variables:
// numbers and vectors into a vector per draw, or matrices by rows, on the
// tape.
func batchConcat(args lang.Tuple, n int) (lang.Value, error) {
	parts := make([]*tensor.Tensor, len(args))
	cols, matrices := -1, 0
	for i, a := range args {
		b, err := lang.ToBatch(a, n)
		if err != nil || b.Bool {
			return nil, fmt.Errorf("concat: argument %d is a %s, want number, vector or matrix", i+1, a.Type())
		}
		parts[i] = b.T
		switch ev := b.Event(); len(ev) {
		case 0:
			parts[i] = tensor.Reshape(b.T, n, 1)
		case 2:
			matrices++
			if cols >= 0 && ev[1] != cols {
				return nil, fmt.Errorf("concat: argument %d has %d columns but the first matrix has %d", i+1, ev[1], cols)
			}
			cols = ev[1]
		}
	}
	if matrices != 0 && matrices != len(args) {
		return nil, fmt.Errorf("concat: cannot mix matrices with numbers or vectors (make rows with [v] first)")
	}
	return lang.NewBatch(tensor.Concat(1, parts...)), nil
}

// batchLinspace is linspace(a, b, n) when a or b depends on latent
// variables: for each draw the numbers linspace gives, with the same
// arithmetic, on the tape.
func batchLinspace(av, zv lang.Value, n int) (lang.Value, error) {
	nb := 0
	for _, v := range []lang.Value{av, zv} {
		if b, ok := v.(*lang.Batch); ok {
			nb = b.N()
		}
	}
	ends := make([]*tensor.Tensor, 2)
	for i, v := range []lang.Value{av, zv} {
		b, err := lang.ToBatch(v, nb)
		if err != nil || b.Bool || len(b.Event()) != 0 {
			return nil, fmt.Errorf("linspace: for parameter %s: got %s, want number", []string{"a", "b"}[i], v.Type())
		}
		ends[i] = tensor.BroadcastTo(tensor.Reshape(b.T, nb, 1), nb, n)
	}
	a, z := ends[0], ends[1]
	ts := make([]float64, n)
	first, last := make([]bool, nb*n), make([]bool, nb*n)
	for i := range ts {
		ts[i] = float64(i) / float64(n-1)
	}
	for r := range nb {
		if n > 0 {
			first[r*n] = true
		}
		if n > 1 {
			last[r*n+n-1] = true
		}
	}
	out := tensor.Add(a, tensor.Mul(tensor.New(ts, n), tensor.Sub(z, a)))
	out = tensor.Where(last, z, tensor.Where(first, a, out))
	return lang.NewBatch(out), nil
}

// batchTranspose is transpose(m) of a batch: each draw's matrix
// transposed (a vector unchanged), on the tape.
func batchTranspose(m *lang.Batch) lang.Value {
	ev := m.Event()
	if len(ev) == 1 {
		return m
	}
	return lang.NewBatch(tensor.Transpose(m.T))
}
