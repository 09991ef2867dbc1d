package lang

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// Tests of index vectors: x[idx], m[rows, :], m[:, cols], m[rows, j],
// m[i, cols] and the assignments x[idx] = v, on arrays and batches.

func idxv(xs ...float64) IndexArg { return At(vec(xs...)) }

func TestIndexVector(t *testing.T) {
	x := vec(10, 11, 12, 13, 14)
	m := mat(3, 2, 1, 2, 3, 4, 5, 6)
	all := Slice(nil, nil)
	for _, tt := range []struct {
		x     Value
		idx   []IndexArg
		shape string
		want  string
	}{
		{x, []IndexArg{idxv(0, 2)}, "[2]", "[10, 12]"},
		{x, []IndexArg{idxv(4, -1, 0, 0)}, "[4]", "[14, 14, 10, 10]"}, // negative from the end, repeats
		{x, []IndexArg{idxv(3)}, "[1]", "[13]"},                       // a vector of one, not a number
		{x, []IndexArg{idxv()}, "[0]", "[]"},
		{m, []IndexArg{idxv(2, 0), all}, "[2, 2]", "[[5, 6],\n [1, 2]]"},
		{m, []IndexArg{idxv(2, 0)}, "[2, 2]", "[[5, 6],\n [1, 2]]"},
		{m, []IndexArg{all, idxv(1, 1, 0)}, "[3, 3]", "[[2, 2, 1],\n [4, 4, 3],\n [6, 6, 5]]"},
		{m, []IndexArg{idxv(0, 2), At(n(1))}, "[2]", "[2, 6]"},
		{m, []IndexArg{At(n(-1)), idxv(1, 0)}, "[2]", "[6, 5]"},
		{m, []IndexArg{idxv(1), Slice(n(0), n(1))}, "[1, 1]", "[[3]]"},
		{m, []IndexArg{Slice(n(1), nil), idxv(0, -1)}, "[2, 2]", "[[3, 4],\n [5, 6]]"},
		{m, []IndexArg{idxv(), all}, "[0, 2]", "[]"},
		{m, []IndexArg{all, idxv()}, "[3, 0]", ""},
	} {
		got, err := Index(nil, tt.x, tt.idx)
		if err != nil {
			t.Errorf("%v%v: %v", tt.x, tt.idx, err)
			continue
		}
		a, ok := got.(*Array)
		if !ok || ShapeString(a.Shape()) != tt.shape || (tt.want != "" && a.String() != tt.want) {
			t.Errorf("%v%v = %v; want shape %s, %s", tt.x, tt.idx, got, tt.shape, tt.want)
		}
	}
	// The index vector and the result are copies: changing one changes
	// nothing else.
	g := vec(1, 0)
	got, _ := Index(nil, x, []IndexArg{At(g)})
	got.(*Array).Data()[0] = 99
	g.Data()[0] = 4
	if x.Data()[1] != 11 || got.String() != "[99, 10]" {
		t.Errorf("x[g] shares data: x = %v, x[g] = %v", x, got)
	}
}

func TestIndexVectorErrors(t *testing.T) {
	x := vec(10, 11, 12, 13, 14)
	m := mat(3, 2, 1, 2, 3, 4, 5, 6)
	all := Slice(nil, nil)
	latent := NewBatch(tensor.New([]float64{0, 1}, 2))
	cases := []indexCase{
		{x, []IndexArg{idxv(0, 1.5)}, "element 1 of the index vector: index 1.5 is not an integer"},
		{x, []IndexArg{idxv(1, 2, 3, 4, 7)}, "element 4 of the index vector: index 7 out of range for vector of length 5"},
		{x, []IndexArg{idxv(-6)}, "element 0 of the index vector: index -6 out of range for vector of length 5"},
		{x, []IndexArg{idxv(math.NaN())}, "element 0 of the index vector: index nan is not an integer"},
		{x, []IndexArg{idxv(1e300)}, "element 0 of the index vector: index 1e+300 is too large"},
		{m, []IndexArg{idxv(0, 3), all}, "element 1 of the index vector: index 3 out of range for matrix with 3 rows"},
		{m, []IndexArg{all, idxv(2)}, "element 0 of the index vector: index 2 out of range for matrix with 2 columns"},
		{m, []IndexArg{idxv(0), idxv(1)}, "only one subscript may be a vector of indices: for the rows r and columns c of a matrix m, write m[r, :][:, c]"},
		{x, []IndexArg{At(m)}, "index must be a number or a vector of integers, got matrix"},
		{m, []IndexArg{all, At(String("a"))}, "index must be a number or a vector of integers, got string"},
		{x, []IndexArg{At(latent)}, "an index must not depend on latent variables"},
		{String("abc"), []IndexArg{idxv(0)}, "index must be a number, got vector"},
	}
	checkIndexErrors(t, cases)
	// A batch gives the same errors.
	var batched []indexCase
	for _, tt := range cases {
		if _, ok := tt.x.(*Array); ok {
			tt.x, _ = ToBatch(tt.x, 2)
			batched = append(batched, tt)
		}
	}
	checkIndexErrors(t, batched)
}

func TestSetIndexVector(t *testing.T) {
	x := vec(10, 11, 12, 13, 14)
	m := mat(3, 2, 1, 2, 3, 4, 5, 6)
	all := Slice(nil, nil)
	checkSetIndex(t, []setCase{
		{x, []IndexArg{idxv(0, 2)}, n(0), "[0, 11, 0, 13, 14]"},
		{x, []IndexArg{idxv(0, 2)}, vec(7, 8), "[7, 11, 8, 13, 14]"},
		{x, []IndexArg{idxv(2, 0)}, vec(7, 8), "[8, 11, 7, 13, 14]"},
		{x, []IndexArg{idxv(1, -4)}, vec(7, 8), "[10, 8, 12, 13, 14]"}, // the same element twice: the last write wins
		{x, []IndexArg{idxv()}, n(5), "[10, 11, 12, 13, 14]"},
		{x, []IndexArg{idxv()}, vec(), "[10, 11, 12, 13, 14]"},
		{x, []IndexArg{idxv(-1)}, vec(9), "[10, 11, 12, 13, 9]"},
		{m, []IndexArg{idxv(2, 0), all}, mat(2, 2, 7, 8, 9, 10), "[[9, 10],\n [3, 4],\n [7, 8]]"},
		{m, []IndexArg{idxv(2, 0)}, vec(0, 1), "[[0, 1],\n [3, 4],\n [0, 1]]"}, // a row broadcast to the rows
		{m, []IndexArg{idxv(0, 0)}, mat(2, 2, 7, 8, 9, 10), "[[9, 10],\n [3, 4],\n [5, 6]]"},
		{m, []IndexArg{all, idxv(1)}, mat(3, 1, 7, 8, 9), "[[1, 7],\n [3, 8],\n [5, 9]]"},
		{m, []IndexArg{idxv(0, 2), At(n(1))}, vec(7, 8), "[[1, 7],\n [3, 4],\n [5, 8]]"},
		{m, []IndexArg{At(n(1)), idxv(1, 0)}, vec(7, 8), "[[1, 2],\n [8, 7],\n [5, 6]]"},
		{m, []IndexArg{Slice(n(0), n(2)), idxv(0)}, n(0), "[[0, 2],\n [0, 4],\n [5, 6]]"},
		{m, []IndexArg{idxv(2, 2), Slice(n(1), nil)}, mat(2, 1, 7, 8), "[[1, 2],\n [3, 4],\n [5, 8]]"},
	})
	if x.String() != "[10, 11, 12, 13, 14]" || m.String() != "[[1, 2],\n [3, 4],\n [5, 6]]" {
		t.Errorf("SetIndex modified its operand: %v %v", x, m)
	}
	checkSetIndexErrors(t, []setCase{
		{x, []IndexArg{idxv(0, 1)}, vec(1, 2, 3), "cannot assign shape [3] to a selection of shape [2]"},
		{x, []IndexArg{idxv(0, 9)}, n(1), "element 1 of the index vector: index 9 out of range for vector of length 5"},
		{m, []IndexArg{idxv(0, 1)}, vec(1, 2, 3), "cannot assign shape [3] to a selection of shape [2, 2]"},
		{m, []IndexArg{idxv(0), idxv(0)}, n(1), "only one subscript may be a vector of indices: for the rows r and columns c of a matrix m, write m[r, :][:, c]"},
	})
}

// batchOfDraws returns a batch of 3 draws of the given event shape, draw i
// being base + 100 i.
func batchOfDraws(base *Array) *Batch {
	d := base.Data()
	out := make([]float64, 0, 3*len(d))
	for i := range 3 {
		for _, v := range d {
			out = append(out, v+100*float64(i))
		}
	}
	return NewBatch(tensor.New(out, append([]int{3}, base.Shape()...)...))
}

// TestIndexVectorBatch checks each form on batches draw by draw against
// the same form on that draw alone: same kind, shape and values.
func TestIndexVectorBatch(t *testing.T) {
	x := batchOfDraws(vec(10, 11, 12, 13, 14))
	m := batchOfDraws(mat(3, 2, 1, 2, 3, 4, 5, 6))
	v2 := batchOfDraws(vec(-1, -2))
	all := Slice(nil, nil)
	for _, tt := range []struct {
		name string
		x    Value
		idx  []IndexArg
		v    Value // nil: x[idx], else x[idx] = v
	}{
		{"x[g]", x, []IndexArg{idxv(4, -1, 0, 0)}, nil},
		{"x[[]]", x, []IndexArg{idxv()}, nil},
		{"m[rows, :]", m, []IndexArg{idxv(2, 0, 2), all}, nil},
		{"m[:, cols]", m, []IndexArg{all, idxv(1, 0)}, nil},
		{"m[rows, j]", m, []IndexArg{idxv(1, 2), At(n(-1))}, nil},
		{"m[i, cols]", m, []IndexArg{At(n(2)), idxv(1, 1, 0)}, nil},
		{"m[[], :]", m, []IndexArg{idxv(), all}, nil},
		{"x[g] = 0", x, []IndexArg{idxv(1, 3)}, n(0)},
		{"x[g] = plain", x, []IndexArg{idxv(1, 3)}, vec(7, 8)},
		{"x[g] = batch", x, []IndexArg{idxv(3, 1)}, v2},
		{"x[dup] = batch", x, []IndexArg{idxv(3, 3)}, v2},
		{"plain[g] = batch", vec(1, 2, 3), []IndexArg{idxv(2, 0)}, v2},
		{"plain[g] = batch number", vec(1, 2, 3), []IndexArg{idxv(2, 0)}, numbers(batchOfDraws(vec(5)))},
		{"m[rows, :] = batch row", m, []IndexArg{idxv(0, 2), all}, v2},
		{"m[rows, j] = batch", m, []IndexArg{idxv(0, 2), At(n(0))}, v2},
		{"m[i, cols] = batch", m, []IndexArg{At(n(1)), idxv(1, 0)}, v2},
		{"plain m[:, cols] = batch", mat(2, 2, 1, 2, 3, 4), []IndexArg{all, idxv(1)}, batchOfDraws(mat(2, 1, 7, 8))},
	} {
		var got Value
		var err error
		if tt.v == nil {
			got, err = Index(nil, tt.x, tt.idx)
		} else {
			got, err = SetIndex(tt.x, tt.idx, tt.v)
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		b, ok := got.(*Batch)
		if !ok || b.N() != 3 {
			t.Errorf("%s: got %v, want a batch of 3 draws", tt.name, got)
			continue
		}
		for i := range 3 {
			var want Value
			if tt.v == nil {
				want, err = Index(nil, drawOf(tt.x, i), tt.idx)
			} else {
				want, err = SetIndex(drawOf(tt.x, i), tt.idx, drawOf(tt.v, i))
			}
			if err != nil {
				t.Fatalf("%s draw %d: %v", tt.name, i, err)
			}
			g := b.Draw(i)
			if !Equal(g, want) || g.Type() != want.Type() {
				t.Errorf("%s draw %d: got %v, want %v", tt.name, i, g, want)
			}
			if a, ok := want.(*Array); ok && !tensor.SameShape(a.Shape(), b.Event()) {
				t.Errorf("%s draw %d: shape %v, want %v", tt.name, i, b.Event(), a.Shape())
			}
		}
	}
}

// numbers turns a batch of 1-vectors into a batch of numbers.
func numbers(b *Batch) *Batch { return NewBatch(tensor.Reshape(b.T, b.N())) }

// TestIndexVectorGrad checks the gradients of indexing and assignment with
// index vectors (repeated indices included) against central differences,
// for tracked batches and arrays. The maps are linear, so the differences
// are exact up to the rounding of the loss, about 1e-16 |L| / h ≈ 1e-9 for
// |L| ≲ 30 and h = 1e-6: tolerance 1e-8.
func TestIndexVectorGrad(t *testing.T) {
	all := Slice(nil, nil)
	for _, tt := range []struct {
		name   string
		shapes [][]int
		f      func(xs []*tensor.Tensor) (Value, error)
	}{
		{"batch x[g]", [][]int{{2, 5}}, func(xs []*tensor.Tensor) (Value, error) {
			return Index(nil, NewBatch(xs[0]), []IndexArg{idxv(4, 0, 4, -2)})
		}},
		{"batch m[rows, :]", [][]int{{2, 3, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return Index(nil, NewBatch(xs[0]), []IndexArg{idxv(2, 0, 2), all})
		}},
		{"batch m[i, cols]", [][]int{{2, 3, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return Index(nil, NewBatch(xs[0]), []IndexArg{At(n(1)), idxv(1, 1, 0)})
		}},
		{"array x[g]", [][]int{{4}}, func(xs []*tensor.Tensor) (Value, error) {
			return Index(nil, NewArray(xs[0]), []IndexArg{idxv(3, 3, 1)})
		}},
		{"batch x[g] = batch v", [][]int{{2, 5}, {2, 3}}, func(xs []*tensor.Tensor) (Value, error) {
			return SetIndex(NewBatch(xs[0]), []IndexArg{idxv(1, 1, 3)}, NewBatch(xs[1]))
		}},
		{"batch m[rows, j] = batch v", [][]int{{2, 3, 2}, {2, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return SetIndex(NewBatch(xs[0]), []IndexArg{idxv(2, 0), At(n(1))}, NewBatch(xs[1]))
		}},
		{"batch m[rows, :] = array v", [][]int{{2, 3, 2}, {2, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return SetIndex(NewBatch(xs[0]), []IndexArg{idxv(0, 0), all}, NewArray(xs[1]))
		}},
		{"array x[g] = batch v", [][]int{{4}, {2, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return SetIndex(NewArray(xs[0]), []IndexArg{idxv(2, 2)}, NewBatch(xs[1]))
		}},
		{"array m[:, cols] = array v", [][]int{{2, 3}, {2, 2}}, func(xs []*tensor.Tensor) (Value, error) {
			return SetIndex(NewArray(xs[0]), []IndexArg{all, idxv(2, 0)}, NewArray(xs[1]))
		}},
	} {
		checkValueGrad(t, tt.name, tt.f, tt.shapes)
	}
}

// checkValueGrad compares the gradient of L = Σ w ⊙ f(xs) (f's result a
// batch or an array) with central differences, for random inputs of the
// given shapes and fixed weights w.
func checkValueGrad(t *testing.T, name string, f func([]*tensor.Tensor) (Value, error), shapes [][]int) {
	t.Helper()
	tensorOf := func(v Value) *tensor.Tensor {
		switch v := v.(type) {
		case *Batch:
			return v.T
		case *Array:
			return v.T
		}
		t.Fatalf("%s: result %v is not a batch or an array", name, v)
		return nil
	}
	inputs := make([]*tensor.Tensor, len(shapes))
	for k, s := range shapes {
		x := tensor.Zeros(s...)
		for i := range x.Data() {
			x.Data()[i] = math.Sin(float64(7*k+3*i+1)) * 2
		}
		inputs[k] = x
	}
	loss := func(xs []*tensor.Tensor) (float64, *tensor.Tensor) {
		v, err := f(xs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := tensorOf(v)
		w := tensor.Zeros(out.Shape()...)
		for i := range w.Data() {
			w.Data()[i] = 1 + float64(i%5)/4
		}
		l := tensor.Sum(tensor.Mul(out, w))
		return l.Item(), l
	}
	tp := tensor.NewTape()
	params := make([]*tensor.Tensor, len(inputs))
	for k, x := range inputs {
		params[k] = tensor.Param(append([]float64(nil), x.Data()...), x.Shape()...)
	}
	tp.Watch(params...)
	_, l := loss(params)
	tp.Backward(l)
	const h, tol = 1e-6, 1e-8
	for k, x := range inputs {
		for i := range x.Data() {
			v := x.Data()[i]
			x.Data()[i] = v + h
			up, _ := loss(inputs)
			x.Data()[i] = v - h
			down, _ := loss(inputs)
			x.Data()[i] = v
			num := (up - down) / (2 * h)
			if got := params[k].Grad()[i]; math.Abs(got-num) > tol*(1+math.Abs(num)) {
				t.Errorf("%s: d/d input%d[%d] = %.10g, numeric %.10g", name, k, i, got, num)
			}
		}
	}
}
