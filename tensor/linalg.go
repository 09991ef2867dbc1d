package tensor

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Cholesky returns the lower-triangular factor L with L·Lᵀ = a of a
// symmetric positive-definite matrix, as an untracked tensor (zeros above
// the diagonal). It returns an error if a is not square, not symmetric, or
// not positive definite. It is meant for constant matrices such as the
// covariance given to a distribution; it is not differentiable.
func Cholesky(a *Tensor) (*Tensor, error) {
	if a.Rank() != 2 || a.shape[0] != a.shape[1] {
		return nil, fmt.Errorf("cholesky: shape %v is not a square matrix", a.shape)
	}
	n := a.shape[0]
	d := a.data
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			x, y := d[i*n+j], d[j*n+i]
			if math.Abs(x-y) > 1e-10*(math.Abs(x)+math.Abs(y)) || isNaNOrInf(x) {
				return nil, fmt.Errorf("cholesky: matrix is not symmetric (element [%d, %d] = %g, [%d, %d] = %g)", i, j, x, j, i, y)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), d...))) {
		return nil, errors.New("cholesky: matrix is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	out := Zeros(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			out.data[i*n+j] = l.At(i, j)
		}
	}
	return out, nil
}

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
	copy(out.data, b.data)
	impl := blas64.Implementation()
	if m > 0 && n > 0 {
		// Z·Lᵀ = B.
		impl.Dtrsm(blas.Right, blas.Lower, blas.Trans, blas.NonUnit, m, n, 1, l.data, n, out.data, n)
	}
	gl, gb := gradOn(l, tp), gradOn(b, tp)
	if (gl != nil || gb != nil) && m > 0 && n > 0 {
		tp.record(func() {
			// With Z = B·L⁻ᵀ and H = G·L⁻¹: dB = H and dL = -tril(Hᵀ·Z).
			h := tp.arena.alloc(m * n)
			copy(h, out.grad)
			impl.Dtrsm(blas.Right, blas.Lower, blas.NoTrans, blas.NonUnit, m, n, 1, l.data, n, h, n)
			if gb != nil {
				addTo(gb, h)
			}
			if gl != nil {
				t := tp.arena.alloc(n * n)
				gemm(true, false, n, n, m, -1, h, out.data, 0, t)
				for i := 0; i < n; i++ {
					addTo(gl[i*n:i*n+i+1], t[i*n:])
				}
			}
		})
	}
	return out
}
