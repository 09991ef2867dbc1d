package tensor

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Cholesky returns the lower-triangular factor L with L·Lᵀ = a of a
// symmetric positive-definite matrix, as an untracked tensor (zeros above
// the diagonal). It returns an error if a is not square, not symmetric, or
// not positive definite. It is meant for constant matrices such as the
// covariance given to a distribution; it is not differentiable.
//
// While a trace is recorded (see Record), the factor of a traced matrix is
// recomputed at replay, where a failure makes Replay return false; the
// factor is marked as a Detach of a traced tensor is (its values may only
// be used by recorded operations), and a failure at recording makes the
// trace not replayable.
func Cholesky(a *Tensor) (*Tensor, error) {
	if a.Rank() != 2 || a.shape[0] != a.shape[1] {
		return nil, fmt.Errorf("cholesky: shape %v is not a square matrix", a.shape)
	}
	n := a.shape[0]
	out := Zeros(n, n)
	err := cholesky(a.data, n, out.data)
	if tp := a.root().traceTape(); tp != nil {
		if err != nil {
			tp.rec.poison("a Cholesky factorisation failed")
			return nil, err
		}
		out.taint = tp
		tp.back = append(tp.back, &choleskyStep{a: a.data, n: n, out: out.data})
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cholesky writes the lower-triangular Cholesky factor of the n×n matrix d
// into out (zeros above the diagonal; out is not changed on an error).
func cholesky(d []float64, n int, out []float64) error {
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			x, y := d[i*n+j], d[j*n+i]
			if math.Abs(x-y) > 1e-10*(math.Abs(x)+math.Abs(y)) || isNaNOrInf(x) {
				return fmt.Errorf("cholesky: matrix is not symmetric (element [%d, %d] = %g, [%d, %d] = %g)", i, j, x, j, i, y)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), d...))) {
		return errors.New("cholesky: matrix is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			out[i*n+j] = l.At(i, j)
		}
	}
	return nil
}

// choleskyStep recomputes Cholesky's factor of a traced matrix at replay:
// a guard (no backward) whose failure stops the replay.
type choleskyStep struct {
	a   []float64
	n   int
	out []float64
}

func (s *choleskyStep) forward() bool { return cholesky(s.a, s.n, s.out) == nil }
func (*choleskyStep) backward()       {}

// TriSolve solves L·z = b for each row b of b, where L is an n×n lower
// triangular matrix (its upper triangle is ignored) and b has shape [n] or
// [m, n]: it returns b·L⁻ᵀ, of b's shape. For a Cholesky factor L of Σ, the
// rows of TriSolve(L, x - μ) are whitened. It is differentiable in both L
// (the gradient is lower triangular) and b.
func TriSolve(l, b *Tensor) *Tensor {
	if l.Rank() != 2 || l.shape[0] != l.shape[1] || b.Rank() < 1 || b.Rank() > 2 || b.shape[b.Rank()-1] != l.shape[0] {
		panic(fmt.Sprintf("tensor.TriSolve: shapes L %v, b %v", l.shape, b.shape))
	}
	n := l.shape[0]
	m := len(b.data) / max(n, 1)
	tp := tapeOf(l, b)
	out := newOut(tp, b.shape)
	s := triSolveStep{n: n, m: m, l: l.data, b: b.data, out: out.data}
	s.forward()
	gl, gb := gradOn(l, tp), gradOn(b, tp)
	if (gl != nil || gb != nil) && m > 0 && n > 0 {
		s.tp, s.gl, s.gb, s.g = tp, gl, gb, out.grad
		pushCopy(tp, s)
	}
	return out
}

// triSolveStep is TriSolve's recorded step; h and t are its backward
// pass's buffers, from the tape's arena on the first backward pass.
type triSolveStep struct {
	n, m      int
	l, b, out []float64
	tp        *Tape
	gl, gb, g []float64
	h, t      []float64
}

func (s *triSolveStep) forward() bool {
	copy(s.out, s.b)
	if s.m > 0 && s.n > 0 {
		// Z·Lᵀ = B.
		blas64.Implementation().Dtrsm(blas.Right, blas.Lower, blas.Trans, blas.NonUnit, s.m, s.n, 1, s.l, s.n, s.out, s.n)
	}
	return true
}

func (s *triSolveStep) backward() {
	// With Z = B·L⁻ᵀ and H = G·L⁻¹: dB = H and dL = -tril(Hᵀ·Z).
	n, m := s.n, s.m
	if s.h == nil {
		s.h = s.tp.arena.alloc(m * n)
	}
	h := s.h
	copy(h, s.g)
	blas64.Implementation().Dtrsm(blas.Right, blas.Lower, blas.NoTrans, blas.NonUnit, m, n, 1, s.l, n, h, n)
	if s.gb != nil {
		addTo(s.gb, h)
	}
	if s.gl != nil {
		if s.t == nil {
			s.t = s.tp.arena.alloc(n * n)
		}
		t := s.t
		gemm(true, false, n, n, m, -1, h, s.out, 0, t)
		for i := 0; i < n; i++ {
			addTo(s.gl[i*n:i*n+i+1], t[i*n:])
		}
	}
}

// squareBatch checks that a is an n×n matrix or a batch [b, n, n] of them
// and returns b (1 for a single matrix) and n.
func squareBatch(op string, a *Tensor) (b, n int) {
	r := a.Rank()
	if (r != 2 && r != 3) || a.shape[r-1] != a.shape[r-2] {
		panic(fmt.Sprintf("tensor.%s: shape %v is not a square matrix or a batch of them", op, a.shape))
	}
	n = a.shape[r-1]
	if r == 3 {
		return a.shape[0], n
	}
	return 1, n
}

// solveShapes checks that a is an n×n matrix or a batch [nb, n, n] and b
// a matching n×m right-hand side (or batch [nb, n, m]) for op, and returns
// nb, n and m.
func solveShapes(op string, a, b *Tensor) (nb, n, m int) {
	nb, n = squareBatch(op, a)
	if b.Rank() != a.Rank() || b.shape[b.Rank()-2] != n || (a.Rank() == 3 && b.shape[0] != nb) {
		panic(fmt.Sprintf("tensor.%s: shapes A %v, B %v", op, a.shape, b.shape))
	}
	return nb, n, b.shape[b.Rank()-1]
}

// fillNaN sets every element of s to NaN.
func fillNaN(s []float64) {
	for i := range s {
		s[i] = math.NaN()
	}
}

// allFinite reports whether every element of s is finite.
func allFinite(s []float64) bool {
	for _, v := range s {
		if isNaNOrInf(v) {
			return false
		}
	}
	return true
}

// Chol returns the lower Cholesky factor L (L·Lᵀ = S, zeros above the
// diagonal) of the symmetric part S = (A + Aᵀ)/2 of each matrix A of a: an
// n×n matrix or a batch [b, n, n]. It is the differentiable, batched form
// of Cholesky, for matrices computed from parameters: a matrix that is not
// positive definite (or has a non-finite element) does not stop the
// computation but gets a factor of NaN, and no gradient, so that only its
// own draw is spoilt. The gradient is the standard reverse-mode formula
// (Murray 2016, "Differentiation of the Cholesky decomposition"),
// symmetrised: Ā = (M + Mᵀ)/2 with M = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, where Φ keeps the
// lower triangle and halves the diagonal. It costs O(b n³).
func Chol(a *Tensor) *Tensor {
	nb, n := squareBatch("Chol", a)
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	s := cholStep{nb: nb, n: n, io1: io1{a: a.data, out: out.data}, ok: make([]bool, nb)}
	s.forward()
	if s.track(tp, a, out) && n > 0 {
		pushCopy(tp, s)
	}
	return out
}

// cholStep is Chol's recorded step; ok[k] is whether draw k factorised.
type cholStep struct {
	nb, n int
	io1
	ok []bool
}

func (s *cholStep) forward() bool {
	clear(s.ok)
	if s.n <= cholSmallMax {
		cholBatchSmall(s.a, s.out, s.nb, s.n, s.ok)
	} else {
		cholBatchLAPACK(s.a, s.out, s.nb, s.n, s.ok)
	}
	return true
}

func (s *cholStep) backward() {
	if s.n <= cholSmallMax {
		cholBackwardSmall(s.out, s.g, s.ga, s.nb, s.n, s.ok)
		return
	}
	cholBackwardLAPACK(s.out, s.g, s.ga, s.nb, s.n, s.ok)
}

// cholBatchLAPACK is cholBatchSmall for the larger matrices: LAPACK's
// Potrf (gonum) on each draw.
func cholBatchLAPACK(a, out []float64, nb, n int, ok []bool) {
	nn := n * n
	perDraw(nb, n, func(k int, _ []float64) {
		src, dst := a[k*nn:(k+1)*nn], out[k*nn:(k+1)*nn]
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				dst[i*n+j] = 0.5 * (src[i*n+j] + src[j*n+i])
			}
			clear(dst[i*n+i+1 : (i+1)*n])
		}
		if !allFinite(dst) {
			fillNaN(dst)
			return
		}
		if _, ok[k] = lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Data: dst, Stride: max(1, n)}); !ok[k] || !allFinite(dst) {
			ok[k] = false
			fillNaN(dst)
		}
	})
}

// cholBackwardLAPACK is cholBackwardSmall for the larger matrices, with
// gonum's triangular solves on each draw.
func cholBackwardLAPACK(l, g, ga []float64, nb, n int, ok []bool) {
	nn := n * n
	impl := blas64.Implementation()
	perDraw(nb, n, func(k int, buf []float64) {
		if !ok[k] {
			return
		}
		lk, gk0 := l[k*nn:(k+1)*nn], g[k*nn:(k+1)*nn]
		lbar, p := buf[:nn], buf[nn:2*nn]
		// L̄ is taken lower triangular: the zeros above the diagonal
		// are constants.
		for i := 0; i < n; i++ {
			copy(lbar[i*n:i*n+i+1], gk0[i*n:i*n+i+1])
			clear(lbar[i*n+i+1 : (i+1)*n])
		}
		gemmSerial(true, false, n, n, n, 1, lk, lbar, 0, p) // Lᵀ L̄
		for i := 0; i < n; i++ {
			p[i*n+i] *= 0.5
			clear(p[i*n+i+1 : (i+1)*n])
		}
		// M = L⁻ᵀ P L⁻¹.
		impl.Dtrsm(blas.Left, blas.Lower, blas.Trans, blas.NonUnit, n, n, 1, lk, n, p, n)
		impl.Dtrsm(blas.Right, blas.Lower, blas.NoTrans, blas.NonUnit, n, n, 1, lk, n, p, n)
		gk := ga[k*nn : (k+1)*nn]
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				gk[i*n+j] += 0.5 * (p[i*n+j] + p[j*n+i])
			}
		}
	})
}

// luBatch holds the LU factorisations (with partial pivoting) of a batch
// of n×n matrices, for the operations below and their gradients.
type luBatch struct {
	n    int
	lu   []float64 // nb blocks of n×n
	ipiv [][]int
	ok   []bool // nonsingular (and finite)
}

func factorLU(a *Tensor, nb, n int) *luBatch {
	f := &luBatch{n: n, lu: append([]float64(nil), a.data...), ipiv: make([][]int, nb), ok: make([]bool, nb)}
	nn := n * n
	for k := range nb {
		f.ipiv[k] = make([]int, n)
	}
	perDraw(nb, n, func(k int, _ []float64) {
		blk := f.lu[k*nn : (k+1)*nn]
		if allFinite(blk) {
			f.ok[k] = lapack64.Getrf(blas64.General{Rows: n, Cols: n, Data: blk, Stride: max(1, n)}, f.ipiv[k])
		}
	})
	return f
}

// block returns factor k as a blas64.General.
func (f *luBatch) block(k int) blas64.General {
	nn := f.n * f.n
	return blas64.General{Rows: f.n, Cols: f.n, Data: f.lu[k*nn : (k+1)*nn], Stride: max(1, f.n)}
}

// solve overwrites the n×m row-major b with A⁻¹b (or A⁻ᵀb when trans).
func (f *luBatch) solve(k int, trans bool, b []float64, m int) {
	t := blas.NoTrans
	if trans {
		t = blas.Trans
	}
	lapack64.Getrs(t, f.block(k), blas64.General{Rows: f.n, Cols: m, Data: b, Stride: max(1, m)}, f.ipiv[k])
}

// Inverse returns the inverse of each matrix of a (n×n or a batch
// [b, n, n]), by LU factorisation with partial pivoting. A singular matrix
// (an exactly zero pivot) or one with a non-finite element gets an inverse
// of NaN and no gradient. The gradient of Y = A⁻¹ is Ā = -Yᵀ Ȳ Yᵀ.
func Inverse(a *Tensor) *Tensor {
	nb, n := squareBatch("Inverse", a)
	tp := tapeOf(a)
	return luOp(luInverse, tp, newOut(tp, a.shape), nb, n, n, a, nil)
}

// Solve returns X = A⁻¹B for each matrix A of a (n×n, or a batch
// [b, n, n]) and the matching B of b (n×m, or [b, n, m]), by LU
// factorisation with partial pivoting. A singular A (an exactly zero pivot)
// or one with a non-finite element gives X of NaN and no gradient. The
// gradients are B̄ = A⁻ᵀ X̄ and Ā = -B̄ Xᵀ.
func Solve(a, b *Tensor) *Tensor {
	nb, n, m := solveShapes("Solve", a, b)
	tp := tapeOf(a, b)
	return luOp(luSolve, tp, newOut(tp, b.shape), nb, n, m, a, b)
}

// LogAbsDet returns log |det A| for each matrix A of a (n×n, giving a
// scalar, or a batch [b, n, n], giving [b]), from an LU factorisation with
// partial pivoting: -Inf for a singular matrix (with no gradient), NaN for
// one with a non-finite element. The gradient is Ā = ḡ A⁻ᵀ.
func LogAbsDet(a *Tensor) *Tensor {
	nb, n := squareBatch("LogAbsDet", a)
	tp := tapeOf(a)
	return luOp(luLogAbsDet, tp, newOut(tp, a.shape[:a.Rank()-2]), nb, n, n, a, nil)
}

// The operations on LU factorisations (luStep's kind).
const (
	luInverse = iota
	luSolve
	luLogAbsDet
)

// luOp computes the result out of the operation kind on the nb n×n
// matrices of a (and the n×m right-hand sides of b for luSolve), and
// records its step when an input is tracked.
func luOp(kind int, tp *Tape, out *Tensor, nb, n, m int, a, b *Tensor) *Tensor {
	s := luStep{kind: kind, nb: nb, n: n, m: m, a: a, out: out.data}
	if b != nil {
		s.b = b.data
	}
	s.forward()
	if s.track(tp, a, b, out) && n > 0 && m > 0 {
		pushCopy(tp, s)
	}
	return out
}

// luStep is the recorded step of Inverse, Solve and LogAbsDet: f is the
// factorisation of a's matrices, made by forward.
type luStep struct {
	kind, nb, n, m int
	a              *Tensor
	b, out         []float64
	grads2
	f *luBatch
}

func (s *luStep) forward() bool {
	n, nn, nm, out := s.n, s.n*s.n, s.n*s.m, s.out
	f := factorLU(s.a, s.nb, n)
	s.f = f
	switch s.kind {
	case luInverse:
		perDraw(s.nb, n, func(k int, _ []float64) {
			dst := out[k*nn : (k+1)*nn]
			if !f.ok[k] {
				fillNaN(dst)
				return
			}
			// Solve A Y = I (Getrs leaves the factorisation intact for
			// the gradient).
			clear(dst)
			for i := 0; i < n; i++ {
				dst[i*n+i] = 1
			}
			f.solve(k, false, dst, n)
		})
	case luSolve:
		copy(out, s.b)
		m := s.m
		perDraw(s.nb, n, func(k int, _ []float64) {
			dst := out[k*nm : (k+1)*nm]
			if !f.ok[k] {
				fillNaN(dst)
			} else if m > 0 {
				f.solve(k, false, dst, m)
			}
		})
	case luLogAbsDet:
		ad := s.a.data
		perDraw(s.nb, n, func(k int, _ []float64) {
			blk := f.lu[k*nn : (k+1)*nn]
			switch {
			case !allFinite(ad[k*nn : (k+1)*nn]):
				out[k] = math.NaN()
			case !f.ok[k]:
				out[k] = math.Inf(-1)
			default:
				s := 0.0
				for i := 0; i < n; i++ {
					s += math.Log(math.Abs(blk[i*n+i]))
				}
				out[k] = s
			}
		})
	}
	return true
}

func (s *luStep) backward() {
	n, m, nn, nm, f, ga, gb, g, out := s.n, s.m, s.n*s.n, s.n*s.m, s.f, s.ga, s.gb, s.g, s.out
	switch s.kind {
	case luInverse: // Ā = -Yᵀ Ȳ Yᵀ
		perDraw(s.nb, n, func(k int, buf []float64) {
			if !f.ok[k] {
				return
			}
			t := buf[:nn]
			y, gk := out[k*nn:(k+1)*nn], g[k*nn:(k+1)*nn]
			gemmSerial(true, false, n, n, n, 1, y, gk, 0, t)                 // Yᵀ Ȳ
			gemmSerial(false, true, n, n, n, -1, t, y, 1, ga[k*nn:(k+1)*nn]) // -Yᵀ Ȳ Yᵀ
		})
	case luSolve: // B̄ = A⁻ᵀ X̄ and Ā = -B̄ Xᵀ
		perDraw(s.nb, n, func(k int, buf []float64) {
			if !f.ok[k] {
				return
			}
			h := buf[:min(nm, len(buf))]
			if nm > len(buf) {
				h = make([]float64, nm)
			}
			copy(h, g[k*nm:(k+1)*nm])
			f.solve(k, true, h, m) // B̄ = A⁻ᵀ X̄
			if gb != nil {
				addTo(gb[k*nm:(k+1)*nm], h)
			}
			if ga != nil {
				gemmSerial(false, true, n, n, m, -1, h, out[k*nm:(k+1)*nm], 1, ga[k*nn:(k+1)*nn])
			}
		})
	case luLogAbsDet: // Ā = ḡ A⁻ᵀ
		perDraw(s.nb, n, func(k int, buf []float64) {
			gk0 := g[k]
			if !f.ok[k] || gk0 == 0 {
				return
			}
			inv := buf[:nn]
			// A⁻ᵀ = solve(Aᵀ, I).
			clear(inv)
			for i := 0; i < n; i++ {
				inv[i*n+i] = 1
			}
			f.solve(k, true, inv, n)
			gk := ga[k*nn : (k+1)*nn]
			for i, v := range inv {
				gk[i] += gk0 * v
			}
		})
	}
}

// perDraw calls f(k, buf) for each matrix k of a batch of nb n×n
// matrices, sharing the draws between the cores (parallel) when the O(n³)
// work is large enough to pay for it. buf is scratch space of 2n² values
// owned by the calling task. f must touch only draw k's data (and buf);
// products inside it must use gemmSerial.
func perDraw(nb, n int, f func(k int, buf []float64)) {
	tasks := 1
	if nb > 1 && nb*n*n*n >= gemmParFlops/4 {
		tasks = min(gemmPool.start(), nb)
	}
	run := func(t int) {
		buf := make([]float64, 2*n*n)
		for k := t * nb / tasks; k < (t+1)*nb/tasks; k++ {
			f(k, buf)
		}
	}
	if tasks < 2 {
		run(0)
		return
	}
	parallel(tasks, run)
}

// gemmSerial is gemm (C = alpha·op(A)·op(B) + beta·C, row-major) on the
// calling goroutine only: for products inside a task of parallel.
func gemmSerial(tA, tB bool, m, n, k int, alpha float64, a, b []float64, beta float64, c []float64) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	gemmLdEpi(useSIMD, tA, tB, m, n, k, alpha, a, max(lda, 1), b, max(ldb, 1), beta, c, max(n, 1), gemmEpi{serial: true})
}

// SolveTriangular returns X = A⁻¹B for each triangular matrix A of a (n×n,
// or a batch [b, n, n]): lower triangular, or upper when upper is set (the
// other triangle is ignored), and the matching B of b (n×m, or [b, n, m]),
// by substitution: O(n² m) a draw. A matrix with a zero or non-finite
// diagonal element (or any non-finite element in its triangle) gives X of
// NaN and no gradient. The gradients are B̄ = A⁻ᵀ X̄ and Ā = -B̄ Xᵀ
// restricted to A's triangle.
func SolveTriangular(a, b *Tensor, upper bool) *Tensor {
	nb, n, m := solveShapes("SolveTriangular", a, b)
	tp := tapeOf(a, b)
	out := newOut(tp, b.shape)
	s := triangularStep{nb: nb, n: n, m: m, upper: upper, a: a.data, b: b.data, out: out.data, ok: make([]bool, nb)}
	s.forward()
	if s.track(tp, a, b, out) && n > 0 && m > 0 {
		pushCopy(tp, s)
	}
	return out
}

// triangularStep is SolveTriangular's recorded step; ok[k] is whether
// draw k's matrix was usable.
type triangularStep struct {
	nb, n, m  int
	upper     bool
	a, b, out []float64
	grads2
	ok []bool
}

// inTri reports whether element (i, j) is in the triangle of an upper or
// lower triangular matrix.
func inTri(upper bool, i, j int) bool { return (j <= i) != upper || i == j }

// uplo is A's triangle for BLAS.
func (s *triangularStep) uplo() blas.Uplo {
	if s.upper {
		return blas.Upper
	}
	return blas.Lower
}

func (s *triangularStep) forward() bool {
	// (The closure holds copies, not s: it escapes.)
	n, m, nn, nm, ok, a, out, upper, uplo := s.n, s.m, s.n*s.n, s.n*s.m, s.ok, s.a, s.out, s.upper, s.uplo()
	copy(out, s.b)
	impl := blas64.Implementation()
	perDraw(s.nb, n, func(k int, _ []float64) {
		blk, dst := a[k*nn:(k+1)*nn], out[k*nm:(k+1)*nm]
		ok[k] = true
		for i := 0; i < n && ok[k]; i++ {
			if blk[i*n+i] == 0 {
				ok[k] = false
			}
			for j := 0; j < n; j++ {
				if inTri(upper, i, j) && isNaNOrInf(blk[i*n+j]) {
					ok[k] = false
					break
				}
			}
		}
		if !ok[k] {
			fillNaN(dst)
			return
		}
		if m > 0 {
			impl.Dtrsm(blas.Left, uplo, blas.NoTrans, blas.NonUnit, n, m, 1, blk, max(1, n), dst, max(1, m))
		}
	})
	return true
}

func (s *triangularStep) backward() {
	n, m, nn, nm, ga, gb := s.n, s.m, s.n*s.n, s.n*s.m, s.ga, s.gb
	impl := blas64.Implementation()
	perDraw(s.nb, n, func(k int, buf []float64) {
		if !s.ok[k] {
			return
		}
		h := buf[:min(nm, len(buf))]
		if nm > len(buf) {
			h = make([]float64, nm)
		}
		copy(h, s.g[k*nm:(k+1)*nm])
		impl.Dtrsm(blas.Left, s.uplo(), blas.Trans, blas.NonUnit, n, m, 1, s.a[k*nn:(k+1)*nn], max(1, n), h, max(1, m)) // B̄ = A⁻ᵀ X̄
		if gb != nil {
			addTo(gb[k*nm:(k+1)*nm], h)
		}
		if ga != nil {
			x, gk := s.out[k*nm:(k+1)*nm], ga[k*nn:(k+1)*nn]
			for i := 0; i < n; i++ {
				hi := h[i*m : (i+1)*m]
				for j := 0; j < n; j++ {
					if !inTri(s.upper, i, j) {
						continue
					}
					sum := 0.0
					for c, v := range x[j*m : (j+1)*m] {
						sum += hi[c] * v
					}
					gk[i*n+j] -= sum
				}
			}
		}
	})
}
