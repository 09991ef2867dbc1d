package tensor

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		return got == want || math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

func checkValues(t *testing.T, name string, got *Tensor, shape []int, want []float64, tol float64) {
	t.Helper()
	if !SameShape(got.shape, shape) {
		t.Errorf("%s: shape %v, want %v", name, got.shape, shape)
		return
	}
	for i, w := range want {
		if !near(got.data[i], w, tol) {
			t.Errorf("%s: element %d = %v, want %v", name, i, got.data[i], w)
		}
	}
}

func TestStableExtremes(t *testing.T) {
	x := Vector([]float64{-1000, -40, 0, 40, 1000})
	e40 := math.Exp(-40)
	checkValues(t, "Sigmoid", Sigmoid(x), []int{5}, []float64{0, e40 / (1 + e40), 0.5, 1 / (1 + e40), 1}, 1e-15)
	checkValues(t, "Softplus", Softplus(x), []int{5}, []float64{0, math.Log1p(e40), math.Ln2, 40 + math.Log1p(e40), 1000}, 1e-15)
	checkValues(t, "LogSigmoid", LogSigmoid(x), []int{5}, []float64{-1000, -40 - math.Log1p(e40), -math.Ln2, -math.Log1p(e40), 0}, 1e-15)

	// Gradients stay finite at the extremes.
	var tp Tape
	p := Param([]float64{-1000, 1000}, 2)
	tp.Watch(p)
	tp.Backward(Sum(Add(Add(Sigmoid(p), Softplus(p)), LogSigmoid(p))))
	checkValues(t, "d/dx (sigmoid+softplus+logsigmoid)", New(p.Grad(), 2), []int{2}, []float64{1, 1}, 1e-15)

	m := Matrix([][]float64{{1000, 1000}, {-1000, -1000}, {math.Inf(-1), math.Inf(-1)}, {math.Inf(1), 0}, {1000, 0}})
	checkValues(t, "LogSumExp", LogSumExp(m, 1), []int{5},
		[]float64{1000 + math.Ln2, -1000 + math.Ln2, math.Inf(-1), math.Inf(1), 1000}, 1e-15)
	checkValues(t, "LogSoftmax", LogSoftmax(Vector([]float64{1000, 0}), 0), []int{2}, []float64{0, -1000}, 1e-15)
	checkValues(t, "Softmax", Softmax(Vector([]float64{1000, 1000, -1000}), 0), []int{3}, []float64{0.5, 0.5, 0}, 1e-15)
}

func TestSpecialFunctions(t *testing.T) {
	const euler = 0.57721566490153286061
	for _, x := range []float64{-2.5, -0.3, 0.01, 0.5, 1, 2.5, 7, 9.99, 10, 33.3, 1e4} {
		want, _ := math.Lgamma(x)
		if got := LGamma(Scalar(x)).Item(); got != want {
			t.Errorf("LGamma(%v) = %v, want %v", x, got, want)
		}
		// gonum's Digamma is accurate to about 1e-10.
		if got, want := digamma(x), mathext.Digamma(x); !near(got, want, 1e-10) {
			t.Errorf("digamma(%v) = %v, mathext %v", x, got, want)
		}
		if got, want := Digamma(Scalar(x)).Item(), digamma(x); got != want {
			t.Errorf("Digamma(%v) = %v, want %v", x, got, want)
		}
	}
	harmonic, basel := 0.0, 0.0
	for n := 1; n <= 30; n++ {
		// ψ(n) = -γ + H(n-1), ψ₁(n) = π²/6 - Σ_{k<n} 1/k².
		if got, want := digamma(float64(n)), -euler+harmonic; !near(got, want, 1e-15) {
			t.Errorf("digamma(%d) = %v, want %v", n, got, want)
		}
		if got, want := trigamma(float64(n)), math.Pi*math.Pi/6-basel; !near(got, want, 1e-14) {
			t.Errorf("trigamma(%d) = %v, want %v", n, got, want)
		}
		harmonic += 1 / float64(n)
		basel += 1 / float64(n*n)
	}
	for _, tt := range []struct{ x, want float64 }{
		{0.5, math.Pi * math.Pi / 2},
		{1.5, math.Pi*math.Pi/2 - 4},
		{-0.5, math.Pi*math.Pi/2 + 4},
		{0.25, math.Pi*math.Pi + 8*0.915965594177219015054603514932384}, // Catalan's constant
		{1e6, 1e-6 + 0.5e-12 + 1.0/6e18},
		{0, math.Inf(1)},
		{-3, math.Inf(1)},
	} {
		if got := trigamma(tt.x); !near(got, tt.want, 1e-14) {
			t.Errorf("trigamma(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	if got, want := digamma(0.5), -euler-2*math.Ln2; !near(got, want, 1e-15) {
		t.Errorf("digamma(0.5) = %v, want %v", got, want)
	}
	if !math.IsNaN(digamma(-2)) || !math.IsNaN(digamma(0)) {
		t.Errorf("digamma at a pole is not NaN")
	}
}

func TestForwardValues(t *testing.T) {
	m := Matrix([][]float64{{1, 5, 3}, {4, 2, 6}})
	checkValues(t, "MaxAxis 0", MaxAxis(m, 0), []int{3}, []float64{4, 5, 6}, 0)
	checkValues(t, "MaxAxis 1", MaxAxis(m, 1), []int{2}, []float64{5, 6}, 0)
	checkValues(t, "MinAxis -1", MinAxis(m, -1), []int{2}, []float64{1, 2}, 0)
	checkValues(t, "CumSum 1", CumSum(m, 1), []int{2, 3}, []float64{1, 6, 9, 4, 6, 12}, 0)
	checkValues(t, "CumSum 0", CumSum(m, 0), []int{2, 3}, []float64{1, 5, 3, 5, 7, 9}, 0)
	checkValues(t, "Transpose", Transpose(m), []int{3, 2}, []float64{1, 4, 5, 2, 3, 6}, 0)
	checkValues(t, "Take", Take(m, 1, []int{2, 0, 2}), []int{2, 3}, []float64{3, 1, 3, 6, 4, 6}, 0)
	checkValues(t, "Narrow", Narrow(m, 1, 1, 2), []int{2, 2}, []float64{5, 3, 2, 6}, 0)
	// m = [[1, 5, 3], [4, 2, 6]]; column 0 is written twice, the last write (8, 9) wins.
	vals := Matrix([][]float64{{7, 8}, {-7, 9}})
	checkValues(t, "Put", Put(m, 1, []int{0, 0}, vals), []int{2, 3}, []float64{8, 5, 3, 9, 2, 6}, 0)
	checkValues(t, "Put rows", Put(m, 0, []int{1}, Matrix([][]float64{{0, 0, 1}})), []int{2, 3}, []float64{1, 5, 3, 0, 0, 1}, 0)
	checkValues(t, "AddAt", AddAt(m, 1, []int{0, 0}, vals), []int{2, 3}, []float64{16, 5, 3, 6, 2, 6}, 0)
	checkValues(t, "AddAt none", AddAt(m, 0, []int{}, Zeros(0, 3)), []int{2, 3}, []float64{1, 5, 3, 4, 2, 6}, 0)
	checkValues(t, "Concat", Concat(1, m, Vector([]float64{7, 8}).reshaped(2, 1)), []int{2, 4}, []float64{1, 5, 3, 7, 4, 2, 6, 8}, 0)
	checkValues(t, "Stack", Stack(1, Vector([]float64{1, 2}), Vector([]float64{3, 4})), []int{2, 2}, []float64{1, 3, 2, 4}, 0)
	checkValues(t, "BroadcastTo", BroadcastTo(Vector([]float64{1, 2}), 2, 2), []int{2, 2}, []float64{1, 2, 1, 2}, 0)
	checkValues(t, "Add column", Add(m, Vector([]float64{10, 20}).reshaped(2, 1)), []int{2, 3}, []float64{11, 15, 13, 24, 22, 26}, 0)
	checkValues(t, "Sub scalar first", Sub(Scalar(10), m), []int{2, 3}, []float64{9, 5, 7, 6, 8, 4}, 0)
	checkValues(t, "Div row first", Div(Vector([]float64{12, 10, 6}), m), []int{2, 3}, []float64{12, 2, 2, 3, 5, 1}, 0)
	checkValues(t, "Where", Where([]bool{true, false, false, true, true, false}, m, Scalar(0)), []int{2, 3}, []float64{1, 0, 0, 4, 2, 0}, 0)
	checkValues(t, "Fill", Fill(m, []bool{true, false, false, false, false, true}, math.Inf(-1)), []int{2, 3},
		[]float64{math.Inf(-1), 5, 3, 4, 2, math.Inf(-1)}, 0)
	checkValues(t, "Round", Round(Vector([]float64{0.5, 1.5, 2.5, -0.7, 3.2})), []int{5}, []float64{0, 2, 2, -1, 3}, 0)
	checkValues(t, "Floor", Floor(Vector([]float64{-0.5, 1.5})), []int{2}, []float64{-1, 1}, 0)
	checkValues(t, "Unsqueeze", Unsqueeze(m, 0), []int{1, 2, 3}, m.data, 0)
	checkValues(t, "Squeeze", Squeeze(Unsqueeze(m, -1), 2), []int{2, 3}, m.data, 0)
	checkValues(t, "ReLU", ReLU(Vector([]float64{-1, 0, 2, math.NaN()})), []int{4}, []float64{0, 0, 2, math.NaN()}, 0)
}

func TestColumnMoments(t *testing.T) {
	for _, tt := range []struct {
		name     string
		y        *Tensor
		mean, sd []float64
	}{
		// columns {1, 3, 5} and {2, 2, 8}: sd² = Σ(x−mean)²/(n−1) = 8/2 and 24/2.
		{"3x2", Matrix([][]float64{{1, 2}, {3, 2}, {5, 8}}), []float64{3, 4}, []float64{2, math.Sqrt(12)}},
		{"one row", Matrix([][]float64{{7, -1}}), []float64{7, -1}, []float64{0, 0}},
	} {
		mean, sd := ColumnMoments(tt.y)
		for j := range tt.mean {
			if !near(mean[j], tt.mean[j], 1e-15) || !near(sd[j], tt.sd[j], 1e-15) {
				t.Errorf("%s: column %d mean %v sd %v, want %v and %v", tt.name, j, mean[j], sd[j], tt.mean[j], tt.sd[j])
			}
		}
	}
	mustPanic(t, "ColumnMoments of a vector", "not 2-D", func() { ColumnMoments(Zeros(3)) })
}

func (t *Tensor) reshaped(shape ...int) *Tensor { return Reshape(t, shape...) }

// TestWhereMasksNaN checks that a NaN computed in the branch Where discards
// does not reach the gradient (the usual "log density outside the support").
func TestWhereMasksNaN(t *testing.T) {
	var tp Tape
	x := Param([]float64{-1, 2}, 2)
	tp.Watch(x)
	in := []bool{false, true}
	lp := Where(in, Mul(Log(x), Scalar(3)), Full(math.Inf(-1), 2))
	lp2 := Fill(Div(Log(x), x), []bool{true, false}, math.Inf(-1))
	tp.Backward(Sum(Add(Exp(lp), Exp(lp2))))
	// d/dx x³ = 3x² = 12 at x = 2; d/dx exp(log(x)/x) = x^(1/x) (1 - log x)/x² at x = 2.
	want := 12 + math.Sqrt2*(1-math.Ln2)/4
	if g := x.Grad(); g[0] != 0 || !near(g[1], want, 1e-14) {
		t.Errorf("gradient = %v, want [0 %v]", g, want)
	}
}

func TestCholesky(t *testing.T) {
	l, err := Cholesky(Matrix([][]float64{{4, 2, 0}, {2, 3, 1}, {0, 1, 2}}))
	if err != nil {
		t.Fatal(err)
	}
	// L = [[2,0,0],[1,√2,0],[0,1/√2,√(3/2)]].
	checkValues(t, "Cholesky", l, []int{3, 3}, []float64{2, 0, 0, 1, math.Sqrt2, 0, 0, 1 / math.Sqrt2, math.Sqrt(1.5)}, 1e-15)
	// Whitening: TriSolve(L, x) = L⁻¹x.
	z := TriSolve(l, Vector([]float64{2, 1 + math.Sqrt2, 1/math.Sqrt2 + math.Sqrt(1.5)}))
	checkValues(t, "TriSolve", z, []int{3}, []float64{1, 1, 1}, 1e-15)
	for _, tt := range []struct {
		a    *Tensor
		want string
	}{
		{Matrix([][]float64{{1, 2}, {2, 1}}), "not positive definite"},
		{Matrix([][]float64{{2, 1}, {0, 2}}), "not symmetric"},
		{Zeros(2, 3), "not a square matrix"},
	} {
		if _, err := Cholesky(tt.a); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Cholesky(%v) error = %v, want %q", tt.a, err, tt.want)
		}
	}
}

func TestRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	x := RandN(rng, 100, n/100)
	mean := Mean(x).Item()
	v := Mean(Square(AddScalar(x, -mean))).Item()
	// Within about 4 standard errors.
	if math.Abs(mean) > 4/math.Sqrt(n) || math.Abs(v-1) > 4*math.Sqrt(2.0/n) {
		t.Errorf("RandN: mean %v, variance %v", mean, v)
	}
	u := RandU(rng, n)
	if m := Mean(u).Item(); math.Abs(m-0.5) > 4*math.Sqrt(1.0/12/n) {
		t.Errorf("RandU: mean %v", m)
	}
	if mn, mx := MinAxis(u, 0).Item(), MaxAxis(u, 0).Item(); mn < 0 || mx >= 1 {
		t.Errorf("RandU: range [%v, %v]", mn, mx)
	}
}

// mlp is a small two-hidden-layer network, the shape of a flow conditioner.
type mlp struct{ w1, b1, w2, b2, w3, b3 *Tensor }

func newMLP(rng *rand.Rand, in, hidden int) *mlp {
	p := func(shape ...int) *Tensor {
		t := randT(rng, -0.3, 0.3, shape...)
		return Param(t.data, shape...)
	}
	return &mlp{p(hidden, in), p(hidden), p(hidden, hidden), p(hidden), p(1, hidden), p(1)}
}

func (m *mlp) params() []*Tensor { return []*Tensor{m.w1, m.b1, m.w2, m.b2, m.w3, m.b3} }

// step runs one forward and backward pass on tp and returns the loss.
func (m *mlp) step(tp *Tape, x, y *Tensor) float64 {
	tp.Reset()
	for _, p := range m.params() {
		p.ZeroGrad()
	}
	tp.Watch(m.params()...)
	h := ReLU(Linear(x, m.w1, m.b1))
	h = Tanh(Add(Linear(h, m.w2, nil), m.b2))
	out := Reshape(Linear(h, m.w3, m.b3), -1)
	loss := Mean(Square(Sub(out, y)))
	tp.Backward(loss)
	return loss.Item()
}

func TestTapeResetReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	m := newMLP(rng, 3, 8)
	x, y := randT(rng, -1, 1, 16, 3), randT(rng, -1, 1, 16)
	var tp Tape
	l1 := m.step(&tp, x, y)
	g1 := make([][]float64, 0)
	for _, p := range m.params() {
		g1 = append(g1, append([]float64(nil), p.Grad()...))
	}
	n1 := tp.Len()
	l2 := m.step(&tp, x, y)
	if l1 != l2 || tp.Len() != n1 {
		t.Fatalf("second step: loss %v, %d ops; first %v, %d ops", l2, tp.Len(), l1, n1)
	}
	for i, p := range m.params() {
		for j, g := range p.Grad() {
			if g != g1[i][j] {
				t.Fatalf("param %d grad %d: %v after Reset, %v before", i, j, g, g1[i][j])
			}
		}
	}
}

// TestStepAllocs checks that after warm-up a training step allocates a
// fixed number of small objects (closures, tensor headers), independent of
// the layer width: the arrays come from the tape's arena. From a width on,
// some passes are shared between the cores (splitElems, parallel), which
// costs a closure or two per pass but no more as the width grows: once
// every pass is shared (width 1024) a wider network (1536) allocates the
// same.
func TestStepAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts vary under the race detector")
	}
	allocs := func(hidden int) float64 {
		rng := rand.New(rand.NewPCG(9, 1))
		m := newMLP(rng, 4, hidden)
		x, y := randT(rng, -1, 1, 64, 4), randT(rng, -1, 1, 64)
		var tp Tape
		m.step(&tp, x, y)
		return testing.AllocsPerRun(20, func() { m.step(&tp, x, y) })
	}
	small, large, larger := allocs(16), allocs(1024), allocs(1536)
	if large != larger || large > small+8 {
		t.Errorf("allocations per step: %v at width 16, %v at 1024, %v at 1536", small, large, larger)
	}
	if small > 100 {
		t.Errorf("allocations per step: %v, want at most 100", small)
	}
	t.Logf("allocations per step: %v at width 16, %v at 1024 and 1536", small, large)
}

func TestTracking(t *testing.T) {
	var tp Tape
	p := Param([]float64{1, 2, 3, 4}, 4)
	view := Reshape(p, 2, 2) // made before Watch: tracked through p
	frozen := Param([]float64{5, 6}, 2)
	tp.Watch(p)
	if !view.Tracked() || frozen.Tracked() {
		t.Fatalf("Tracked: view %v, unwatched param %v", view.Tracked(), frozen.Tracked())
	}
	loss := Sum(Mul(view, frozen)) // frozen is used but not watched
	tp.Backward(loss)
	checkValues(t, "view grad", New(p.Grad(), 4), []int{4}, []float64{5, 6, 5, 6}, 0)
	if g := frozen.Grad(); g[0] != 0 || g[1] != 0 {
		t.Errorf("unwatched parameter got gradient %v", g)
	}

	tp.Reset()
	if view.Tracked() || p.Tracked() {
		t.Errorf("tracked after Reset")
	}
	mustPanic(t, "stale tensor", "before its Reset", func() { Exp(loss) })
	mustPanic(t, "Backward of non-scalar", "non-scalar", func() {
		tp.Watch(p)
		tp.Backward(Exp(p))
	})
	mustPanic(t, "Backward off tape", "not recorded", func() { tp.Backward(Scalar(1)) })
	mustPanic(t, "shape mismatch", "cannot be broadcast", func() { Add(Zeros(2), Zeros(3)) })
}

func mustPanic(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
		} else if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("%s: panic %q, want %q", name, r, want)
		}
	}()
	f()
}

func TestAccessors(t *testing.T) {
	m := Matrix([][]float64{{1, 2, 3}, {4, 5, 6}})
	if got := m.At(1, 2); got != 6 {
		t.Errorf("At(1, 2) = %v", got)
	}
	if m.Len() != 6 || m.Rank() != 2 || m.Dim(-1) != 3 || !SameShape(m.Shape(), []int{2, 3}) {
		t.Errorf("Len %d Rank %d Dim(-1) %d Shape %v", m.Len(), m.Rank(), m.Dim(-1), m.Shape())
	}
	if s := m.String(); s != "tensor[2 3]{1, 2, 3, 4, 5, 6}" {
		t.Errorf("String = %q", s)
	}
	c, d := m.Clone(), m.Detach()
	m.Data()[0] = 9
	if c.At(0, 0) != 1 || d.At(0, 0) != 9 {
		t.Errorf("Clone shares data or Detach copies it")
	}
	if !AllFinite(m) || AllFinite(Vector([]float64{1, math.Inf(1)})) {
		t.Errorf("AllFinite wrong")
	}
	var tp Tape
	p := Param([]float64{1, 2}, 2)
	tp.Watch(p)
	if d := p.Detach(); d.Tracked() || d.Grad() != nil || !p.IsParam() {
		t.Errorf("Detach of a watched parameter is tracked")
	}
	mustPanic(t, "New", "3 values for shape [2]", func() { New([]float64{1, 2, 3}, 2) })
	mustPanic(t, "Item", "has 2 elements", func() { p.Item() })
	mustPanic(t, "At", "out of range", func() { m.At(2, 0) })
	mustPanic(t, "Take", "out of range", func() { Take(m, 1, []int{3}) })
	mustPanic(t, "Put", "out of range", func() { Put(m, 1, []int{3}, Zeros(2, 1)) })
	mustPanic(t, "Put", "values of shape [2 2]", func() { Put(m, 1, []int{0}, Zeros(2, 2)) })
	mustPanic(t, "AddAt", "out of range", func() { AddAt(m, 0, []int{-1}, Zeros(1, 3)) })
	mustPanic(t, "AddAt", "values of shape [3]", func() { AddAt(m, 0, []int{0}, Zeros(3)) })
	mustPanic(t, "Squeeze", "is not 1", func() { Squeeze(m, 0) })
	mustPanic(t, "Stack", "shapes", func() { Stack(0, m, Zeros(3, 2)) })
	mustPanic(t, "Concat", "shapes", func() { Concat(0, m, Zeros(3, 2)) })
	mustPanic(t, "axis", "axis out of range", func() { SumAxis(m, 2) })
}
