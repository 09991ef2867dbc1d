package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// spd returns a batch [b, n, n] of random symmetric positive-definite
// matrices X·Xᵀ + n·I.
func spd(rng *rand.Rand, b, n int) *Tensor {
	out := Zeros(b, n, n)
	for k := range b {
		x := randT(rng, -1, 1, n, n)
		blk := out.data[k*n*n : (k+1)*n*n]
		gemm(false, true, n, n, n, 1, x.data, x.data, 0, blk)
		for i := 0; i < n; i++ {
			blk[i*n+i] += float64(n)
		}
	}
	return out
}

// dense returns matrix k of the batch t as a gonum matrix.
func dense(t *Tensor, k int) *mat.Dense {
	r, c := t.Dim(-2), t.Dim(-1)
	return mat.NewDense(r, c, append([]float64(nil), t.data[k*r*c:(k+1)*r*c]...))
}

// sameAsDense checks block k of got against want to within tol relative to
// the largest element of want.
// gonumChol is gonum's Cholesky factor L of the k-th n×n matrix of a.
func gonumChol(t *testing.T, a *Tensor, k int) *mat.TriDense {
	t.Helper()
	n := a.Dim(a.Rank() - 1)
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), a.data[k*n*n:(k+1)*n*n]...))) {
		t.Fatal("gonum: not positive definite")
	}
	var lw mat.TriDense
	ch.LTo(&lw)
	return &lw
}

func sameAsDense(t *testing.T, name string, got *Tensor, k int, want mat.Matrix, tol float64) {
	t.Helper()
	r, c := want.Dims()
	scale := mat.Norm(want, math.Inf(1))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			g, w := got.data[k*r*c+i*c+j], want.At(i, j)
			if math.Abs(g-w) > tol*max(1, scale) {
				t.Errorf("%s: block %d [%d, %d] = %v, want %v", name, k, i, j, g, w)
			}
		}
	}
}

// Values against gonum. Tolerance 1e-10 relative to the matrix norm: the
// factorisations differ only in rounding (O(n ε κ) with κ < 10 here).
func TestBatchedLinearAlgebraValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const nb, n = 3, 5
	a := spd(rng, nb, n)
	l := Chol(a)
	g := randT(rng, -2, 2, nb, n, n) // a general (nonsymmetric) batch
	for k := range nb {
		g.data[k*n*n] += 3 // keep it well away from singular
	}
	inv, ld := Inverse(g), LogAbsDet(g)
	rhs := randT(rng, -1, 1, nb, n, 2)
	x := Solve(g, rhs)
	for k := range nb {
		lw := gonumChol(t, a, k)
		sameAsDense(t, "Chol", l, k, lw, 1e-10)

		var iw mat.Dense
		if err := iw.Inverse(dense(g, k)); err != nil {
			t.Fatal(err)
		}
		sameAsDense(t, "Inverse", inv, k, &iw, 1e-10)

		var xw mat.Dense
		if err := xw.Solve(dense(g, k), dense(rhs, k)); err != nil {
			t.Fatal(err)
		}
		sameAsDense(t, "Solve", x, k, &xw, 1e-10)

		lw2, _ := mat.LogDet(dense(g, k))
		if math.Abs(ld.data[k]-lw2) > 1e-10*max(1, math.Abs(lw2)) {
			t.Errorf("LogAbsDet block %d = %v, want %v", k, ld.data[k], lw2)
		}
	}
	// A single matrix gives the same as block 0 of the batch.
	one := Chol(Reshape(Narrow(a, 0, 0, 1), n, n))
	for i, v := range one.data {
		if v != l.data[i] {
			t.Fatalf("Chol of one matrix differs from the batch at %d", i)
		}
	}
	if s := LogAbsDet(Reshape(Narrow(g, 0, 0, 1), n, n)); s.Rank() != 0 || s.data[0] != ld.data[0] {
		t.Errorf("LogAbsDet of one matrix = %v, want the scalar %v", s, ld.data[0])
	}
}

// A matrix that is not positive definite (or singular) spoils only its
// own block, with NaN (or -Inf for log |det|), and gets no gradient.
func TestBatchedLinearAlgebraFailures(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 3
	a := spd(rng, 3, n)
	copy(a.data[n*n:2*n*n], []float64{1, 2, 0, 2, 1, 0, 0, 0, 1}) // eigenvalue -1
	a.data[2*n*n+4] = math.NaN()
	p := Param(append([]float64(nil), a.data...), a.shape...)
	var tp Tape
	tp.Watch(p)
	l := Chol(p)
	for k, wantNaN := range []bool{false, true, true} {
		blk := l.data[k*n*n : (k+1)*n*n]
		for _, v := range blk {
			if math.IsNaN(v) != wantNaN {
				t.Fatalf("Chol block %d: %v, want NaN: %v", k, blk, wantNaN)
			}
		}
	}
	tp.Backward(Sum(Fill(l, isNaNMask(l.data), 0)))
	for i, v := range p.grad {
		if (i >= n*n && v != 0) || math.IsNaN(v) {
			t.Fatalf("Chol gradient %d = %v: failed blocks must get none", i, v)
		}
	}

	s := New([]float64{1, 2, 2, 4, 2, 0, 0, 3}, 2, 2, 2) // singular, then regular
	inv, ld := Inverse(s), LogAbsDet(s)
	x := Solve(s, New([]float64{1, 1, 1, 1}, 2, 2, 1))
	if !math.IsNaN(inv.data[0]) || math.IsNaN(inv.data[4]) || inv.data[4] != 0.5 {
		t.Errorf("Inverse = %v, want NaN then diag(1/2, 1/3)", inv.data)
	}
	if !math.IsNaN(x.data[0]) || x.data[2] != 0.5 {
		t.Errorf("Solve = %v, want NaN then [1/2, 1/3]", x.data)
	}
	if !math.IsInf(ld.data[0], -1) || math.Abs(ld.data[1]-math.Log(6)) > 1e-15 {
		t.Errorf("LogAbsDet = %v, want [-Inf, log 6]", ld.data)
	}
}

func isNaNMask(d []float64) []bool {
	m := make([]bool, len(d))
	for i, v := range d {
		m[i] = math.IsNaN(v)
	}
	return m
}

func TestGradBatchedLinearAlgebra(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	a := spd(rng, 2, 4)
	checkGrad(t, "Chol", func(xs ...*Tensor) *Tensor { return Chol(xs[0]) }, a)
	checkGrad(t, "Chol 1x1", func(xs ...*Tensor) *Tensor { return Chol(xs[0]) }, New([]float64{2.5}, 1, 1))
	// A nonsymmetric input: the factor of its symmetric part.
	ns := a.Clone()
	ns.data[1] += 0.3
	checkGrad(t, "Chol nonsymmetric", func(xs ...*Tensor) *Tensor { return Chol(xs[0]) }, ns)
	// Through a downstream use: log det A = 2 Σ log L_ii.
	checkGrad(t, "Chol logdet", func(xs ...*Tensor) *Tensor {
		l := Reshape(Chol(xs[0]), 2, 16)
		return SumAxis(Log(Take(l, 1, []int{0, 5, 10, 15})), 1)
	}, a)

	g := randT(rng, -1, 1, 2, 3, 3)
	for k := range 2 {
		for i := 0; i < 3; i++ {
			g.data[k*9+i*4] += 2
		}
	}
	checkGrad(t, "Inverse", func(xs ...*Tensor) *Tensor { return Inverse(xs[0]) }, g)
	checkGrad(t, "Inverse one", func(xs ...*Tensor) *Tensor { return Inverse(xs[0]) }, Reshape(Narrow(g, 0, 0, 1), 3, 3))
	checkGrad(t, "LogAbsDet", func(xs ...*Tensor) *Tensor { return LogAbsDet(xs[0]) }, g)
	neg := g.Clone()
	for i := 0; i < 3; i++ {
		neg.data[i] = -neg.data[i] // a negative determinant
	}
	checkGrad(t, "LogAbsDet negative det", func(xs ...*Tensor) *Tensor { return LogAbsDet(xs[0]) }, neg)
	b := randT(rng, -1, 1, 2, 3, 2)
	checkGrad(t, "Solve", func(xs ...*Tensor) *Tensor { return Solve(xs[0], xs[1]) }, g, b)
	checkGrad(t, "Solve one", func(xs ...*Tensor) *Tensor { return Solve(xs[0], xs[1]) },
		Reshape(Narrow(g, 0, 1, 1), 3, 3), Reshape(Narrow(b, 0, 1, 1), 3, 2))
}

func TestLBetaLogAddExp(t *testing.T) {
	for _, tt := range []struct{ a, b float64 }{{0.5, 0.5}, {2, 3}, {1e-3, 40}, {250, 0.7}} {
		got := LBeta(Scalar(tt.a), Scalar(tt.b)).Item()
		if want := mathext.Lbeta(tt.a, tt.b); got != want {
			t.Errorf("LBeta(%v, %v) = %v, want %v", tt.a, tt.b, got, want)
		}
	}
	// Closed form: B(2, 3) = 1/12.
	if got := LBeta(Scalar(2), Scalar(3)).Item(); math.Abs(got+math.Log(12)) > 1e-14 {
		t.Errorf("LBeta(2, 3) = %v, want -log 12", got)
	}
	inf := math.Inf(1)
	for _, tt := range []struct{ a, b, want float64 }{
		{0, 0, math.Log(2)},
		{1000, 1000 - math.Log(2), 1000 + math.Log1p(0.5)},
		{-inf, -inf, -inf},
		{-inf, 3, 3},
		{inf, 3, inf},
		{-800, -800, -800 + math.Log(2)},
	} {
		got := LogAddExp(Scalar(tt.a), Scalar(tt.b)).Item()
		if math.Abs(got-tt.want) > 1e-13*max(1, math.Abs(tt.want)) && got != tt.want {
			t.Errorf("LogAddExp(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	if got := LogAddExp(Scalar(math.NaN()), Scalar(-inf)).Item(); !math.IsNaN(got) {
		t.Errorf("LogAddExp(NaN, -Inf) = %v, want NaN", got)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	checkGrad(t, "LBeta", func(xs ...*Tensor) *Tensor { return LBeta(xs[0], xs[1]) },
		randT(rng, 0.2, 5, 2, 3), randT(rng, 0.2, 5, 3))
	checkGrad(t, "LogAddExp", func(xs ...*Tensor) *Tensor { return LogAddExp(xs[0], xs[1]) },
		randT(rng, -5, 5, 2, 3), randT(rng, -5, 5, 2, 1))
	// -Inf on one side: the gradient goes to the other side only.
	var tp Tape
	x, y := Param([]float64{math.Inf(-1)}), Param([]float64{0.5})
	tp.Watch(x, y)
	tp.Backward(LogAddExp(x, y))
	if x.grad[0] != 0 || y.grad[0] != 1 {
		t.Errorf("LogAddExp(-Inf, 0.5) gradients %v, %v, want 0, 1", x.grad[0], y.grad[0])
	}
}

// A batch large enough to be shared between the cores gives, draw by
// draw, exactly the values and gradients of each matrix alone.
func TestBatchedLinearAlgebraParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	const nb, n = 8, 70 // nb n³ above perDraw's threshold
	a := spd(rng, nb, n)
	rhs := randT(rng, -1, 1, nb, n, 3)
	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}{
		{"Chol", func(a, b *Tensor) *Tensor { return Chol(a) }},
		{"Inverse", func(a, b *Tensor) *Tensor { return Inverse(a) }},
		{"LogAbsDet", func(a, b *Tensor) *Tensor { return LogAbsDet(a) }},
		{"Solve", Solve},
	}
	for _, op := range ops {
		run := func(a, b *Tensor) (out, ga, gb []float64) {
			pa, pb := Param(append([]float64(nil), a.data...), a.shape...), Param(append([]float64(nil), b.data...), b.shape...)
			var tp Tape
			tp.Watch(pa, pb)
			y := op.f(pa, pb)
			tp.Backward(Sum(Mul(y, Full(0.5, y.shape...))))
			return append([]float64(nil), y.data...), pa.grad, pb.grad
		}
		out, ga, gb := run(a, rhs)
		for k := range nb {
			o1, ga1, gb1 := run(Reshape(Narrow(a, 0, k, 1), n, n), Reshape(Narrow(rhs, 0, k, 1), n, 3))
			per := len(o1)
			for i := range o1 {
				if o1[i] != out[k*per+i] {
					t.Fatalf("%s draw %d: value %d is %v in the batch, %v alone", op.name, k, i, out[k*per+i], o1[i])
				}
			}
			for i := range ga1 {
				if ga1[i] != ga[k*n*n+i] {
					t.Fatalf("%s draw %d: gradient %d is %v in the batch, %v alone", op.name, k, i, ga[k*n*n+i], ga1[i])
				}
			}
			for i := range gb1 {
				if gb1[i] != gb[k*n*3+i] {
					t.Fatalf("%s draw %d: gradient of b %d differs", op.name, k, i)
				}
			}
		}
	}
}

func TestSolveTriangular(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	l := Chol(spd(rng, 2, 4))
	u := Zeros(2, 4, 4)
	for k := range 2 {
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				u.data[k*16+i*4+j] = l.data[k*16+j*4+i]
			}
		}
	}
	b := randT(rng, -1, 1, 2, 4, 2)
	// Against the general solver (tolerance 1e-12: κ < 10, n = 4).
	for _, tt := range []struct {
		name  string
		a     *Tensor
		upper bool
	}{{"lower", l, false}, {"upper", u, true}} {
		got, want := SolveTriangular(tt.a, b, tt.upper), Solve(tt.a, b)
		for i := range want.data {
			if math.Abs(got.data[i]-want.data[i]) > 1e-12 {
				t.Errorf("%s: X[%d] = %v, want %v", tt.name, i, got.data[i], want.data[i])
			}
		}
		// The other triangle is ignored: garbage there changes nothing.
		g := tt.a.Clone()
		for k := range 2 {
			if tt.upper {
				g.data[k*16+3*4+0] = 99
			} else {
				g.data[k*16+0*4+3] = 99
			}
		}
		if again := SolveTriangular(g, b, tt.upper); again.data[5] != got.data[5] {
			t.Errorf("%s: the other triangle changed the solution", tt.name)
		}
		upper := tt.upper
		checkGrad(t, "SolveTriangular "+tt.name, func(xs ...*Tensor) *Tensor { return SolveTriangular(xs[0], xs[1], upper) }, tt.a, b)
	}
	z := l.Clone()
	z.data[16+5] = 0 // a zero pivot in draw 1
	x := SolveTriangular(z, b, false)
	if math.IsNaN(x.data[0]) || !math.IsNaN(x.data[8]) {
		t.Errorf("zero pivot: %v, want NaN in draw 1 only", x.data)
	}
}

// Chol's factor and gradient on both sides of cholSmallMax (the small
// kernels below it, gonum's Potrf and Dtrsm above) against gonum's
// factorisation and the gradient formula evaluated with dense inverses:
// Ā = (M + Mᵀ)/2, M = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ for the loss Σ W∘L (L̄ = tril W).
// Tolerance 1e-9 relative to the largest element: rounding only (κ < 10).
func TestCholSmallAndLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 2, 11, cholSmallMax, cholSmallMax + 2} {
		nb := 2
		if n == 11 {
			nb = cholDrawChunk + 3 // two chunks of draws
		}
		a := spd(rng, nb, n)
		w := randT(rng, -1, 1, nb, n, n)
		p := Param(append([]float64(nil), a.data...), nb, n, n)
		var tp Tape
		tp.Watch(p)
		l := Chol(p)
		tp.Backward(Sum(Mul(l, w)))
		for k := range nb {
			lw := gonumChol(t, a, k)
			sameAsDense(t, fmt.Sprintf("Chol n=%d", n), l, k, lw, 1e-10)

			ld := mat.DenseCopyOf(lw)
			var linv mat.Dense
			if err := linv.Inverse(ld); err != nil {
				t.Fatal(err)
			}
			lbar := dense(w, k)
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					lbar.Set(i, j, 0)
				}
			}
			var phi mat.Dense
			phi.Mul(ld.T(), lbar)
			for i := 0; i < n; i++ {
				phi.Set(i, i, phi.At(i, i)/2)
				for j := i + 1; j < n; j++ {
					phi.Set(i, j, 0)
				}
			}
			var m, m2 mat.Dense
			m.Mul(linv.T(), &phi)
			m2.Mul(&m, &linv)
			want := mat.NewDense(n, n, nil)
			want.Add(&m2, m2.T())
			want.Scale(0.5, want)
			sameAsDense(t, fmt.Sprintf("Chol gradient n=%d", n), &Tensor{data: p.grad, shape: p.shape}, k, want, 1e-9)
		}
	}
}
