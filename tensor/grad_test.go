package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randT returns an untracked tensor of the given shape with elements drawn
// uniformly from [lo, hi).
func randT(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// checkGrad compares the gradient of L = Σ w ⊙ f(inputs), for fixed random
// weights w, with central differences (step 1e-6) for every element of every
// input. It also checks that f gives the same values with and without a
// tape. Tolerance: |analytic - numeric| ≤ 1e-6 (1 + |numeric|).
func checkGrad(t *testing.T, name string, f func(xs ...*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	const h, tol = 1e-6, 1e-6
	rng := rand.New(rand.NewPCG(7, 7))

	plain := f(inputs...)
	w := randT(rng, 0.5, 1.5, plain.shape...)
	loss := func(xs []*Tensor) float64 {
		out := f(xs...)
		s := 0.0
		for i, v := range out.data {
			s += w.data[i] * v
		}
		return s
	}

	var tp Tape
	params := make([]*Tensor, len(inputs))
	for i, x := range inputs {
		params[i] = Param(append([]float64(nil), x.data...), x.shape...)
	}
	tp.Watch(params...)
	out := f(params...)
	if !SameShape(out.shape, plain.shape) {
		t.Fatalf("%s: shape %v on a tape, %v without", name, out.shape, plain.shape)
	}
	for i := range out.data {
		if out.data[i] != plain.data[i] && !(math.IsNaN(out.data[i]) && math.IsNaN(plain.data[i])) {
			t.Fatalf("%s: value %d is %v on a tape, %v without", name, i, out.data[i], plain.data[i])
		}
	}
	if !out.Tracked() {
		t.Fatalf("%s: output is not tracked", name)
	}
	tp.Backward(Sum(Mul(out, w)))

	xs := make([]*Tensor, len(inputs))
	for i, x := range inputs {
		xs[i] = x.Clone()
	}
	for k, x := range xs {
		for i := range x.data {
			v := x.data[i]
			x.data[i] = v + h
			up := loss(xs)
			x.data[i] = v - h
			down := loss(xs)
			x.data[i] = v
			num := (up - down) / (2 * h)
			got := params[k].grad[i]
			if math.Abs(got-num) > tol*(1+math.Abs(num)) || math.IsNaN(got) {
				t.Errorf("%s: d/d input%d[%d] = %.10g, numeric %.10g", name, k, i, got, num)
			}
		}
	}
}

func TestGradBinaryBroadcast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}{
		{"Add", Add}, {"Sub", Sub}, {"Mul", Mul}, {"Div", Div}, {"Pow", Pow},
		{"Maximum", Maximum}, {"Minimum", Minimum},
	}
	shapes := []struct{ a, b []int }{
		{[]int{3, 4}, []int{3, 4}},       // same shape
		{[]int{}, []int{3, 4}},           // scalar with tensor
		{[]int{3, 4}, []int{}},           // tensor with scalar
		{[]int{1}, []int{5}},             // one-element vector
		{[]int{4}, []int{3, 4}},          // row with matrix
		{[]int{3, 4}, []int{4}},          // matrix with row
		{[]int{3, 4}, []int{1, 4}},       // matrix with 1×d row
		{[]int{3, 1}, []int{3, 4}},       // column with matrix
		{[]int{3, 4}, []int{3, 1}},       // matrix with column
		{[]int{2, 1, 3}, []int{4, 1}},    // general
		{[]int{2, 3, 4}, []int{3, 4}},    // rank-3 with matrix row
		{[]int{2, 1, 4}, []int{2, 3, 1}}, // both broadcast
		{[]int{2, 3, 4}, []int{2, 3, 1}}, // rank-3 with column
		{[]int{2, 3, 1}, []int{2, 3, 4}}, // column with rank-3
	}
	for _, op := range ops {
		for _, s := range shapes {
			// Positive operands keep Pow and Div smooth.
			a, b := randT(rng, 0.5, 2, s.a...), randT(rng, 0.5, 2, s.b...)
			checkGrad(t, fmt.Sprintf("%s(%v, %v)", op.name, s.a, s.b),
				func(xs ...*Tensor) *Tensor { return op.f(xs[0], xs[1]) }, a, b)
		}
	}
}

func TestGradSameOperand(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	x := randT(rng, 0.5, 2, 3, 4)
	for _, op := range []struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}{{"Add", Add}, {"Sub", Sub}, {"Mul", Mul}, {"Div", Div}, {"Pow", Pow}} {
		checkGrad(t, op.name+"(x, x)", func(xs ...*Tensor) *Tensor { return op.f(xs[0], xs[0]) }, x)
	}
}

func TestGradUnary(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tt := range []struct {
		name   string
		f      func(*Tensor) *Tensor
		lo, hi float64
	}{
		{"Neg", Neg, -2, 2},
		{"Exp", Exp, -2, 2},
		{"Log", Log, 0.2, 3},
		{"Log1p", Log1p, -0.5, 3},
		{"Sqrt", Sqrt, 0.2, 3},
		{"Square", Square, -2, 2},
		{"Tanh", Tanh, -2, 2},
		{"Sigmoid", Sigmoid, -4, 4},
		{"Softplus", Softplus, -4, 4},
		{"LogSigmoid", LogSigmoid, -4, 4},
		{"ReLU+", ReLU, 0.1, 2},
		{"ReLU-", ReLU, -2, -0.1},
		{"Scale", func(a *Tensor) *Tensor { return Scale(a, -2.5) }, -2, 2},
		{"AddScalar", func(a *Tensor) *Tensor { return AddScalar(a, 3) }, -2, 2},
		{"Clamp", func(a *Tensor) *Tensor { return Clamp(a, -1, 1) }, -2, 2},
		{"Abs+", Abs, 0.1, 2},
		{"Abs-", Abs, -2, -0.1},
		{"Sin", Sin, -3, 3},
		{"Cos", Cos, -3, 3},
		{"Expm1", Expm1, -2, 2},
		{"Floor", Floor, 0.1, 0.9},
		{"Round", Round, 0.1, 0.4},
		{"LGamma", LGamma, 0.1, 8},
		{"LGamma<0", LGamma, -2.9, -2.1},
		{"Digamma", Digamma, 0.1, 15},
		{"Digamma<0", Digamma, -0.9, -0.1},
		{"PowScalar(3)", func(a *Tensor) *Tensor { return PowScalar(a, 3) }, -2, 2},
		{"PowScalar(-1.5)", func(a *Tensor) *Tensor { return PowScalar(a, -1.5) }, 0.5, 2},
		{"PowScalar(2)", func(a *Tensor) *Tensor { return PowScalar(a, 2) }, -2, 2},
		{"PowScalar(0.5)", func(a *Tensor) *Tensor { return PowScalar(a, 0.5) }, 0.5, 2},
		{"PowScalar(1)", func(a *Tensor) *Tensor { return PowScalar(a, 1) }, -2, 2},
		{"PowScalar(0)", func(a *Tensor) *Tensor { return PowScalar(a, 0) }, -2, 2},
	} {
		x := randT(rng, tt.lo, tt.hi, 2, 5)
		if tt.name == "Clamp" {
			x.data[0], x.data[1] = -1.5, 1.5 // some clipped elements
		}
		checkGrad(t, tt.name, func(xs ...*Tensor) *Tensor { return tt.f(xs[0]) }, x)
	}
}

func TestGradAxisOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 2))
	x := randT(rng, -2, 2, 2, 3, 4)
	for _, op := range []struct {
		name string
		f    func(*Tensor, int) *Tensor
	}{
		{"SumAxis", SumAxis}, {"MeanAxis", MeanAxis}, {"Softmax", Softmax},
		{"LogSoftmax", LogSoftmax}, {"LogSumExp", LogSumExp}, {"MaxAxis", MaxAxis},
		{"MinAxis", MinAxis}, {"CumSum", CumSum},
	} {
		for _, axis := range []int{0, 1, 2, -1} {
			checkGrad(t, fmt.Sprintf("%s(axis %d)", op.name, axis),
				func(xs ...*Tensor) *Tensor { return op.f(xs[0], axis) }, x)
		}
	}
	checkGrad(t, "Sum", func(xs ...*Tensor) *Tensor { return Sum(xs[0]) }, x)
	checkGrad(t, "Mean", func(xs ...*Tensor) *Tensor { return Mean(xs[0]) }, x)
}

func TestGradShapeOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	a := randT(rng, -2, 2, 2, 3, 4)
	m := randT(rng, -2, 2, 3, 4)
	for _, tt := range []struct {
		name string
		f    func(xs ...*Tensor) *Tensor
		in   []*Tensor
	}{
		{"Reshape", func(xs ...*Tensor) *Tensor { return Mul(Reshape(xs[0], 4, -1), Reshape(xs[0], 4, 6)) }, []*Tensor{a}},
		{"Transpose", func(xs ...*Tensor) *Tensor { return Transpose(xs[0]) }, []*Tensor{m}},
		{"Transpose3", func(xs ...*Tensor) *Tensor { return Transpose(xs[0]) }, []*Tensor{a}},
		{"Concat0", func(xs ...*Tensor) *Tensor { return Concat(0, xs[0], xs[1], xs[0]) }, []*Tensor{m, randT(rng, -1, 1, 2, 4)}},
		{"Concat1", func(xs ...*Tensor) *Tensor { return Concat(-1, xs[0], xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 2)}},
		{"Concat3d", func(xs ...*Tensor) *Tensor { return Concat(1, xs[0], xs[1]) }, []*Tensor{a, randT(rng, -1, 1, 2, 1, 4)}},
		{"Stack0", func(xs ...*Tensor) *Tensor { return Stack(0, xs[0], xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 4)}},
		{"Stack1", func(xs ...*Tensor) *Tensor { return Stack(1, xs[0], xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 4)}},
		{"Stack-1", func(xs ...*Tensor) *Tensor { return Stack(-1, xs[0], xs[1], xs[0]) }, []*Tensor{m, randT(rng, -1, 1, 3, 4)}},
		{"Take0", func(xs ...*Tensor) *Tensor { return Take(xs[0], 0, []int{2, 0, 2, 2}) }, []*Tensor{m}},
		{"Take1", func(xs ...*Tensor) *Tensor { return Take(xs[0], 1, []int{3, 1, 1, 0, 2}) }, []*Tensor{m}},
		{"Take3d", func(xs ...*Tensor) *Tensor { return Take(xs[0], 1, []int{1, 1}) }, []*Tensor{a}},
		// Put with a repeated index: the last write wins, in the values
		// and in the gradient (v's overwritten slices get none).
		{"Put0", func(xs ...*Tensor) *Tensor { return Put(xs[0], 0, []int{2, 0, 2}, xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 4)}},
		{"Put1", func(xs ...*Tensor) *Tensor { return Put(xs[0], 1, []int{3, 1, 1}, xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 3)}},
		{"Put3d", func(xs ...*Tensor) *Tensor { return Put(xs[0], 1, []int{1, 1, 0}, xs[1]) }, []*Tensor{a, randT(rng, -1, 1, 2, 3, 4)}},
		{"Put-1", func(xs ...*Tensor) *Tensor { return Put(xs[0], -1, []int{0, 3}, xs[1]) }, []*Tensor{a, randT(rng, -1, 1, 2, 3, 2)}},
		{"PutEmpty", func(xs ...*Tensor) *Tensor { return Put(xs[0], 0, nil, xs[1]) }, []*Tensor{m, Zeros(0, 4)}},
		{"PutSame", func(xs ...*Tensor) *Tensor { return Put(xs[0], 0, []int{1, 2, 0}, xs[0]) }, []*Tensor{m}},
		// AddAt with a repeated index: every slice adds up.
		{"AddAt0", func(xs ...*Tensor) *Tensor { return AddAt(xs[0], 0, []int{2, 0, 2}, xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 4)}},
		{"AddAt1", func(xs ...*Tensor) *Tensor { return AddAt(xs[0], 1, []int{3, 1, 1}, xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 3)}},
		{"AddAt3d", func(xs ...*Tensor) *Tensor { return AddAt(xs[0], 1, []int{1, 1, 0, 2}, xs[1]) }, []*Tensor{a, randT(rng, -1, 1, 2, 4, 4)}},
		{"Narrow", func(xs ...*Tensor) *Tensor { return Narrow(xs[0], 1, 1, 2) }, []*Tensor{a}},
		{"Narrow-1", func(xs ...*Tensor) *Tensor { return Narrow(xs[0], -1, 1, 3) }, []*Tensor{a}},
		{"BroadcastTo", func(xs ...*Tensor) *Tensor { return BroadcastTo(xs[0], 2, 3, 4) }, []*Tensor{randT(rng, -1, 1, 3, 1)}},
		{"BroadcastToSame", func(xs ...*Tensor) *Tensor { return BroadcastTo(xs[0], 3, 4) }, []*Tensor{m}},
		{"Unsqueeze", func(xs ...*Tensor) *Tensor { return Mul(Unsqueeze(xs[0], 1), xs[1]) }, []*Tensor{m, randT(rng, -1, 1, 3, 2, 4)}},
		{"Squeeze", func(xs ...*Tensor) *Tensor { return Exp(Squeeze(xs[0], 1)) }, []*Tensor{randT(rng, -1, 1, 3, 1, 2)}},
		{"Where", func(xs ...*Tensor) *Tensor {
			return Where([]bool{true, false, true, true, false, false, true, false, true, false, true, false}, xs[0], xs[1])
		}, []*Tensor{m, randT(rng, -1, 1, 4)}},
		{"Fill", func(xs ...*Tensor) *Tensor {
			return Exp(Fill(xs[0], []bool{true, false, true, true, false, false, true, false, true, false, true, false}, -7))
		}, []*Tensor{m}},
	} {
		checkGrad(t, tt.name, tt.f, tt.in...)
	}
}

func TestGradLinearAlgebra(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 2))
	x, w, b := randT(rng, -1, 1, 5, 3), randT(rng, -1, 1, 4, 3), randT(rng, -1, 1, 4)
	checkGrad(t, "Linear", func(xs ...*Tensor) *Tensor { return Linear(xs[0], xs[1], xs[2]) }, x, w, b)
	checkGrad(t, "Linear(no bias)", func(xs ...*Tensor) *Tensor { return Linear(xs[0], xs[1], nil) }, x, w)
	checkGrad(t, "LinearReLU", func(xs ...*Tensor) *Tensor { return LinearReLU(xs[0], xs[1], xs[2]) }, x, w, b)
	checkGrad(t, "LinearReLU(no bias)", func(xs ...*Tensor) *Tensor { return LinearReLU(xs[0], xs[1], nil) }, x, w)
	checkGrad(t, "MatMul", func(xs ...*Tensor) *Tensor { return MatMul(xs[0], xs[1]) }, x, Transpose(w))

	l := randT(rng, -0.5, 0.5, 3, 3)
	for i := 0; i < 3; i++ {
		l.data[i*3+i] = 1 + float64(i) // well conditioned
	}
	checkGrad(t, "TriSolve(matrix)", func(xs ...*Tensor) *Tensor { return TriSolve(xs[0], xs[1]) }, l, randT(rng, -1, 1, 4, 3))
	checkGrad(t, "TriSolve(vector)", func(xs ...*Tensor) *Tensor { return TriSolve(xs[0], xs[1]) }, l, randT(rng, -1, 1, 3))
}

// TestGradAccumulation uses one tensor in several operations, so its
// gradient is the sum of several contributions.
func TestGradAccumulation(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	x, w := randT(rng, -1, 1, 4, 3), randT(rng, -1, 1, 3, 3)
	checkGrad(t, "chain", func(xs ...*Tensor) *Tensor {
		x, w := xs[0], xs[1]
		h := Tanh(Linear(x, w, nil))
		h = Add(h, x)                               // residual: x used twice
		h = Mul(h, Sigmoid(SumAxis(x, 0)))          // and a third time, broadcast
		return Add(LogSumExp(h, 1), Sum(Square(w))) // w used twice
	}, x, w)
}

// TestAddAtAdjoint checks that AddAt into zeros is the adjoint of Take:
// <Take(a, idx), w> = <a, AddAt(0, idx, w)> for a repeated index, on each
// axis. Both sides are sums of the same few products; 1e-12 covers the
// rounding of summing them in a different order.
func TestAddAtAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	a := randT(rng, -1, 1, 2, 3, 4)
	for axis, idx := range [][]int{{1, 1, 0}, {2, 0, 2, 2, 1}, {3, 3}} {
		taken := Take(a, axis, idx)
		w := randT(rng, -1, 1, taken.shape...)
		lhs := Sum(Mul(taken, w)).Item()
		rhs := Sum(Mul(a, AddAt(Zeros(a.shape...), axis, idx, w))).Item()
		if math.Abs(lhs-rhs) > 1e-12 {
			t.Errorf("axis %d: <Take(a), w> = %v, <a, AddAt(0, w)> = %v", axis, lhs, rhs)
		}
	}
}

// TestPutScratch checks that Put and AddAt of scratch tensors give
// scratch tensors and record nothing, and that a tracked v alone gets a
// gradient.
func TestPutScratch(t *testing.T) {
	var tp Tape
	a, v := tp.Zeros(3, 2), tp.Zeros(1, 2)
	if out := Put(a, 0, []int{1}, v); out.Tracked() || tp.Len() != 0 {
		t.Errorf("Put of scratch tensors is tracked or recorded")
	}
	if out := AddAt(a, 0, []int{1}, v); out.Tracked() || tp.Len() != 0 {
		t.Errorf("AddAt of scratch tensors is tracked or recorded")
	}
	p := Param([]float64{1, 2}, 1, 2)
	tp.Watch(p)
	out := Put(a, 0, []int{2}, p)
	tp.Backward(Sum(Mul(out, Full(3, 3, 2))))
	if g := p.Grad(); g[0] != 3 || g[1] != 3 {
		t.Errorf("gradient of v %v, want [3 3]", g)
	}
}
