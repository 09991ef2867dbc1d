package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// loopLayouts are operand shapes covering every broadcasting layout,
// with the size-1 edge cases: equal shapes, scalars, rows, columns, the
// outer layouts [B, 1] ⊗ [n] and [n] ⊗ [B, 1], batch on either side, rank
// 3, and axes of size 1 that make two layouts coincide.
var loopLayouts = []struct{ a, b []int }{
	{[]int{3, 4}, []int{3, 4}},
	{[]int{}, []int{3, 4}},
	{[]int{3, 4}, []int{}},
	{[]int{}, []int{}},
	{[]int{1}, []int{5}},
	{[]int{5}, []int{1}},
	{[]int{4}, []int{3, 4}}, // row op batch (bcRowA)
	{[]int{3, 4}, []int{4}}, // batch op row (bcRowB)
	{[]int{1, 4}, []int{3, 4}},
	{[]int{3, 4}, []int{1, 4}},
	{[]int{3, 1}, []int{4}}, // outer [B, 1] ⊗ [n]
	{[]int{4}, []int{3, 1}}, // outer [n] ⊗ [B, 1]
	{[]int{3, 1}, []int{1, 4}},
	{[]int{1, 4}, []int{3, 1}},
	{[]int{3, 1}, []int{3, 4}}, // column op batch (bcColA)
	{[]int{3, 4}, []int{3, 1}}, // batch op column (bcColB)
	{[]int{1, 1}, []int{5}},
	{[]int{5}, []int{1, 1}},
	{[]int{5, 1}, []int{1}},
	{[]int{1, 1}, []int{1}},
	{[]int{5, 1}, []int{1, 1}},
	{[]int{1, 5}, []int{5}},
	{[]int{3, 1}, []int{1}}, // outer with n = 1
	{[]int{1, 1}, []int{4}}, // outer with B = 1
	{[]int{2, 1, 3}, []int{4, 1}},
	{[]int{2, 3, 4}, []int{3, 4}},
	{[]int{3, 4}, []int{2, 3, 4}},
	{[]int{2, 1, 4}, []int{2, 3, 1}},
	{[]int{2, 3, 4}, []int{2, 3, 1}},
	{[]int{2, 3, 1}, []int{2, 3, 4}},
	{[]int{2, 3, 1}, []int{1, 4}},
	{[]int{1, 3, 1}, []int{2, 1, 4}},
	{[]int{2, 3, 4}, []int{2, 1, 4}},
	{[]int{2, 1, 4}, []int{2, 3, 4}},
	{[]int{2, 3, 4}, []int{1, 3, 1}},
	{[]int{0, 3}, []int{3}},
	{[]int{3}, []int{0, 3}},
}

// refOffsets returns the broadcast shape of a and b and, for every output
// element in row-major order, the offsets of a's and b's elements there,
// computed from the multi-index (the definition of broadcasting, with no
// strides or runs).
func refOffsets(sa, sb []int) (shape []int, ia, ib []int) {
	shape, err := BroadcastShapes(sa, sb)
	if err != nil {
		panic(err)
	}
	off := func(s, idx []int) int {
		o := 0
		for j, d := range s {
			k := len(idx) - len(s) + j
			i := idx[k]
			if d == 1 {
				i = 0
			}
			o = o*d + i
		}
		return o
	}
	idx := make([]int, len(shape))
	for range numel(shape) {
		ia, ib = append(ia, off(sa, idx)), append(ib, off(sb, idx))
		for k := len(idx) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return shape, ia, ib
}

// TestLoopRuns checks how newLoop splits layouts into runs: the
// coalesced axes and the step of each operand within a run.
func TestLoopRuns(t *testing.T) {
	for _, tt := range []struct {
		a, b, shape []int
		want        loop
	}{
		{[]int{2, 3, 4}, []int{2, 3, 4}, []int{2, 3, 4}, loop{n: 24, da: 1, db: 1}},
		{[]int{256, 1}, []int{7}, []int{256, 7}, loop{n: 7, da: 0, db: 1, outer: []int{256}, oa: []int{1}, ob: []int{0}}},
		{[]int{7}, []int{256, 7}, []int{256, 7}, loop{n: 7, da: 1, db: 1, outer: []int{256}, oa: []int{0}, ob: []int{7}}},
		{[]int{2, 3, 1}, []int{2, 3, 4}, []int{2, 3, 4}, loop{n: 4, da: 0, db: 1, outer: []int{6}, oa: []int{1}, ob: []int{4}}},
		{[]int{}, []int{2, 3}, []int{2, 3}, loop{n: 6, da: 0, db: 1}},
		{[]int{1, 1}, []int{1}, []int{1, 1}, loop{n: 1}},
		{[]int{0, 3}, []int{3}, []int{0, 3}, loop{}},
		{[]int{2, 1, 4}, []int{2, 3, 1}, []int{2, 3, 4}, loop{n: 4, da: 1, db: 0, outer: []int{2, 3}, oa: []int{4, 0}, ob: []int{3, 1}}},
	} {
		got := newLoop(tt.shape, bstrides(tt.a, tt.shape), bstrides(tt.b, tt.shape))
		if got.n != tt.want.n || got.da != tt.want.da || got.db != tt.want.db ||
			!slices.Equal(got.outer, tt.want.outer) || !slices.Equal(got.oa, tt.want.oa) || !slices.Equal(got.ob, tt.want.ob) {
			t.Errorf("%v op %v: loop %+v, want %+v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestBinaryRuns checks every binary operation on every layout against
// the definition of broadcasting (refOffsets): values exactly, and
// gradients against the elementwise partials accumulated element by
// element (to 1e-12 relative: the runs sum in another order), with some
// upstream gradients 0 and a NaN operand where they are (a zero upstream
// gradient contributes nothing, so the NaN does not reach the inputs).
func TestBinaryRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, op := range []struct {
		name string
		f    func(a, b *Tensor) *Tensor
		k    *binKernel
	}{
		{"Add", Add, &addKernel}, {"Sub", Sub, &subKernel}, {"Mul", Mul, &mulKernel},
		{"Div", Div, &divKernel}, {"Pow", Pow, &powKernel}, {"Maximum", Maximum, &maximumKernel},
		{"Minimum", Minimum, &minimumKernel}, {"LogAddExp", LogAddExp, &logAddExpKernel},
		{"LBeta", LBeta, &lbetaKernel},
	} {
		for _, s := range loopLayouts {
			name := fmt.Sprintf("%s(%v, %v)", op.name, s.a, s.b)
			shape, ia, ib := refOffsets(s.a, s.b)
			a, b := randT(rng, 0.5, 2, s.a...), randT(rng, 0.5, 2, s.b...)
			w := randT(rng, -1, 1, shape...)
			if len(w.data) > 2 {
				// A zero upstream gradient where b is NaN.
				w.data[1] = 0
				b.data[ib[1]] = math.NaN()
				for i := range w.data {
					if ib[i] == ib[1] {
						w.data[i] = 0
					}
				}
			}
			pa, pb := Param(slices.Clone(a.data), s.a...), Param(slices.Clone(b.data), s.b...)
			tp := NewTape()
			tp.Watch(pa, pb)
			out := op.f(pa, pb)
			if !SameShape(out.shape, shape) {
				t.Fatalf("%s: shape %v, want %v", name, out.shape, shape)
			}
			wantGa, wantGb := make([]float64, len(a.data)), make([]float64, len(b.data))
			for i, v := range out.data {
				want := op.k.f(a.data[ia[i]], b.data[ib[i]])
				if v != want && !(math.IsNaN(v) && math.IsNaN(want)) {
					t.Fatalf("%s: value %d = %v, want %v", name, i, v, want)
				}
				if w.data[i] != 0 {
					da, db := op.k.df(a.data[ia[i]], b.data[ib[i]], want)
					wantGa[ia[i]] += w.data[i] * da
					wantGb[ib[i]] += w.data[i] * db
				}
			}
			if len(out.data) == 0 {
				continue
			}
			tp.Backward(Sum(Mul(out, w)))
			for _, g := range []struct {
				name      string
				got, want []float64
			}{{"a", pa.grad, wantGa}, {"b", pb.grad, wantGb}} {
				for i, v := range g.want {
					if math.Abs(g.got[i]-v) > 1e-12*(1+math.Abs(v)) || math.IsNaN(g.got[i]) {
						t.Errorf("%s: grad %s[%d] = %v, want %v", name, g.name, i, g.got[i], v)
					}
				}
			}
		}
	}
}

// TestGradBinaryRuns checks the gradients of the operations with slice
// kernels on every layout against central differences (checkGrad).
func TestGradBinaryRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, op := range []struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}{{"Add", Add}, {"Sub", Sub}, {"Mul", Mul}, {"Div", Div}, {"Pow", Pow}, {"LogAddExp", LogAddExp}} {
		for _, s := range loopLayouts {
			a, b := randT(rng, 0.5, 2, s.a...), randT(rng, 0.5, 2, s.b...)
			if len(a.data) == 0 || len(b.data) == 0 {
				continue
			}
			checkGrad(t, fmt.Sprintf("%s(%v, %v)", op.name, s.a, s.b),
				func(xs ...*Tensor) *Tensor { return op.f(xs[0], xs[1]) }, a, b)
		}
	}
}

// TestWhereBroadcastToRuns checks Where and BroadcastTo on every layout
// against the definition of broadcasting: values and Where's gradients
// exactly (each element adds once, in order), BroadcastTo's gradient to
// 1e-12 (a broadcast run is summed first).
func TestWhereBroadcastToRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range loopLayouts {
		name := fmt.Sprintf("(%v, %v)", s.a, s.b)
		shape, ia, ib := refOffsets(s.a, s.b)
		cond := make([]bool, numel(shape))
		for i := range cond {
			cond[i] = rng.IntN(2) == 0
		}
		a, b := Param(randT(rng, -1, 1, s.a...).data, s.a...), Param(randT(rng, -1, 1, s.b...).data, s.b...)
		w := randT(rng, -1, 1, shape...)
		tp := NewTape()
		tp.Watch(a, b)
		out := Where(cond, a, b)
		bt := BroadcastTo(a, shape...)
		wantGa, wantGb, wantGt := make([]float64, a.Len()), make([]float64, b.Len()), make([]float64, a.Len())
		for i := range cond {
			want := b.data[ib[i]]
			if cond[i] {
				want = a.data[ia[i]]
				wantGa[ia[i]] += w.data[i]
			} else {
				wantGb[ib[i]] += w.data[i]
			}
			wantGt[ia[i]] += 2 * w.data[i]
			if out.data[i] != want {
				t.Fatalf("Where%s: value %d = %v, want %v", name, i, out.data[i], want)
			}
			if bt.data[i] != a.data[ia[i]] {
				t.Fatalf("BroadcastTo%s: value %d = %v, want %v", name, i, bt.data[i], a.data[ia[i]])
			}
		}
		if len(cond) == 0 {
			continue
		}
		tp.Backward(Sum(Mul(Add(out, Scale(bt, 2)), w)))
		for i := range wantGb {
			if b.grad[i] != wantGb[i] {
				t.Errorf("Where%s: grad b[%d] = %v, want %v", name, i, b.grad[i], wantGb[i])
			}
		}
		for i := range wantGa {
			if want := wantGa[i] + wantGt[i]; math.Abs(a.grad[i]-want) > 1e-12*(1+math.Abs(want)) {
				t.Errorf("Where+BroadcastTo%s: grad a[%d] = %v, want %v", name, i, a.grad[i], want)
			}
		}
	}
}
