package lang_test

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// draws returns a batch of 2 draws of the given event shape with data d.
func draws(d []float64, event ...int) *lang.Batch {
	return lang.NewBatch(tensor.New(d, append([]int{2}, event...)...))
}

// TestBatchOps checks each batched operation draw by draw against the
// plain operation on that draw's value.
func TestBatchOps(t *testing.T) {
	num := draws([]float64{1, 2})
	vec := draws([]float64{1, 2, 3, 4, 5, 6}, 3)
	mat := draws([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2)
	pv := lang.NewVector([]float64{10, 20, 30})
	pm := lang.NewMatrix(2, 3, []float64{1, 0, 2, 0, 1, 3})
	for _, tt := range []struct {
		name string
		f    func(x, y lang.Value) (lang.Value, error)
		x, y lang.Value
	}{
		{"num+vec", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "+", x, y) }, num, pv},
		{"vec*num", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "*", x, y) }, vec, lang.Number(2)},
		{"vec-vec", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "-", x, y) }, vec, vec},
		{"num^batchnum", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "^", x, y) }, lang.Number(2), num},
		{"mat+num", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "+", x, y) }, mat, num},
		{"pm@vec", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "@", x, y) }, pm, vec},
		{"vec@pv", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "@", x, y) }, vec, pv},
		{"vec@vec", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "@", x, y) }, vec, vec},
		{"mat@mat", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "@", x, y) }, mat, mat},
		{"mat@pm", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "@", x, y) }, mat, pm},
		{"vec[1]", func(x, y lang.Value) (lang.Value, error) { return lang.Index(nil, x, []lang.IndexArg{lang.At(y)}) }, vec, lang.Number(1)},
		{"vec[-1]", func(x, y lang.Value) (lang.Value, error) { return lang.Index(nil, x, []lang.IndexArg{lang.At(y)}) }, vec, lang.Number(-1)},
		{"vec[1:]", func(x, y lang.Value) (lang.Value, error) {
			return lang.Index(nil, x, []lang.IndexArg{lang.Slice(y, nil)})
		}, vec, lang.Number(1)},
		{"mat[:, 1]", func(x, y lang.Value) (lang.Value, error) {
			return lang.Index(nil, x, []lang.IndexArg{lang.Slice(nil, nil), lang.At(y)})
		}, mat, lang.Number(1)},
		{"pv[1] = num", func(x, y lang.Value) (lang.Value, error) {
			return lang.SetIndex(x, []lang.IndexArg{lang.At(lang.Number(1))}, y)
		}, pv, num},
		{"vec[0:2] = 7", func(x, y lang.Value) (lang.Value, error) {
			return lang.SetIndex(x, []lang.IndexArg{lang.Slice(lang.Number(0), lang.Number(2))}, y)
		}, vec, lang.Number(7)},
		{"num < 1.5", func(x, y lang.Value) (lang.Value, error) { return lang.Binary(nil, "<", x, y) }, num, lang.Number(1.5)},
	} {
		got, err := tt.f(tt.x, tt.y)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		b, ok := got.(*lang.Batch)
		if !ok || b.N() != 2 {
			t.Errorf("%s: got %v, want a batch of 2 draws", tt.name, got)
			continue
		}
		for i := range 2 {
			want, err := tt.f(drawOf(tt.x, i), drawOf(tt.y, i))
			if err != nil {
				t.Fatalf("%s draw %d: %v", tt.name, i, err)
			}
			if g := b.Draw(i); !lang.Equal(g, want) {
				t.Errorf("%s draw %d: got %v, want %v", tt.name, i, g, want)
			}
		}
	}
}

func drawOf(v lang.Value, i int) lang.Value {
	if b, ok := v.(*lang.Batch); ok {
		return b.Draw(i)
	}
	return v
}

// TestBatchErrors: shapes are checked per draw; an index may not depend on
// latents; a condition that differs between draws is ErrVaries.
func TestBatchErrors(t *testing.T) {
	vec := draws([]float64{1, 2, 3, 4, 5, 6}, 3)
	if _, err := lang.Binary(nil, "+", vec, lang.NewVector([]float64{1, 2})); err == nil || err.Error() != "shapes [3] and [2] do not match for +" {
		t.Errorf("vec + [1, 2]: %v", err)
	}
	num := draws([]float64{0, 1})
	if _, err := lang.Index(nil, lang.NewVector([]float64{1, 2}), []lang.IndexArg{lang.At(num)}); err == nil {
		t.Error("indexing by a batch: no error")
	}
	c, _ := lang.Binary(nil, "<", num, lang.Number(0.5))
	if _, err := lang.Truth(c); err != lang.ErrVaries {
		t.Errorf("Truth of a varying condition: %v", err)
	}
	c, _ = lang.Binary(nil, "<", num, lang.Number(5))
	if b, err := lang.Truth(c); err != nil || !b {
		t.Errorf("Truth of an all-true condition: %v %v", b, err)
	}
}

// TestBatchTracked: operations keep a tracked batch on its tape.
func TestBatchTracked(t *testing.T) {
	tp := tensor.NewTape()
	x := tensor.Param([]float64{1, 2, 3, 4}, 2, 2)
	tp.Watch(x)
	v, err := lang.Binary(nil, "*", lang.NewBatch(x), lang.NewVector([]float64{3, 5}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := lang.Index(nil, v, []lang.IndexArg{lang.At(lang.Number(1))})
	if err != nil {
		t.Fatal(err)
	}
	tp.Backward(tensor.Sum(s.(*lang.Batch).T))
	if g := x.Grad(); g[1] != 5 || g[3] != 5 || g[0] != 0 || math.IsNaN(g[2]) {
		t.Errorf("gradient %v, want [0 5 0 5]", g)
	}
}

// TestBatchScalarArith checks batch ± number, number - batch, batch *
// number and batch ^ 2 (operations without broadcasting) against the
// broadcasting operation on the same tensors: values and gradients bit for
// bit (the data's squares are not subnormal).
func TestBatchScalarArith(t *testing.T) {
	for _, tt := range []struct {
		op         string
		c          float64
		batchFirst bool
	}{
		{"+", 2.5, true}, {"+", -1, false}, {"*", 3, true}, {"*", -0.5, false},
		{"-", 1.25, true}, {"-", 1.25, false}, {"*", math.Inf(1), true}, {"+", math.NaN(), false},
		{"-", 0, false}, {"-", -3, false}, {"^", 2, true}, {"^", 3, true}, {"^", 2, false},
	} {
		data := []float64{1, -2, 0, 3.5, -0.0, 7}
		run := func(fast bool) (out, grad []float64) {
			tp := tensor.NewTape()
			p := tensor.Param(append([]float64(nil), data...), 2, 3)
			tp.Watch(p)
			var r *tensor.Tensor
			if fast {
				x, y := lang.Value(lang.NewBatch(p)), lang.Value(lang.Number(tt.c))
				if !tt.batchFirst {
					x, y = y, x
				}
				v, err := lang.Binary(nil, tt.op, x, y)
				if err != nil {
					t.Fatal(err)
				}
				r = v.(*lang.Batch).T
			} else {
				a, b := p, tensor.Scalar(tt.c)
				if !tt.batchFirst {
					a, b = b, a
				}
				switch tt.op {
				case "+":
					r = tensor.Add(a, b)
				case "-":
					r = tensor.Sub(a, b)
				case "^":
					r = tensor.Pow(a, b)
				default:
					r = tensor.Mul(a, b)
				}
			}
			tp.Backward(tensor.Sum(tensor.Mul(r, tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))))
			return append([]float64(nil), r.Data()...), append([]float64(nil), p.Grad()...)
		}
		fo, fg := run(true)
		so, sg := run(false)
		same := func(a, b []float64) bool {
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
					return false
				}
			}
			return true
		}
		if !same(fo, so) || !same(fg, sg) {
			t.Errorf("%+v: values %v and gradient %v, broadcasting gives %v and %v", tt, fo, fg, so, sg)
		}
	}
}
