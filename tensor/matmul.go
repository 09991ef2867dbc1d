package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemm computes C = alpha·op(A)·op(B) + beta·C on row-major slices, where
// op(A) is m×k and op(B) is k×n.
func gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, b []float64, beta float64, c []float64) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if beta == 0 {
			clear(c[:m*n])
		}
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	lda, ldb := k, n
	if tA {
		ta, lda = blas.Trans, m
	}
	if tB {
		tb, ldb = blas.Trans, k
	}
	blas64.Implementation().Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
}

// MatMul returns the matrix product of 2-D tensors a (m×k) and b (k×n).
func MatMul(a, b *Tensor) *Tensor {
	if a.Rank() != 2 || b.Rank() != 2 || a.shape[1] != b.shape[0] {
		panic(fmt.Sprintf("tensor.MatMul: shapes %v and %v", a.shape, b.shape))
	}
	m, k, n := a.shape[0], a.shape[1], b.shape[1]
	tp := tapeOf(a, b)
	out := newOut(tp, []int{m, n})
	gemm(false, false, m, n, k, 1, a.data, b.data, 0, out.data)
	if tp != nil {
		tp.record(func() {
			if a.grad != nil { // dA += dC · Bᵀ
				gemm(false, true, m, k, n, 1, out.grad, b.data, 1, a.grad)
			}
			if b.grad != nil { // dB += Aᵀ · dC
				gemm(true, false, k, n, m, 1, a.data, out.grad, 1, b.grad)
			}
		})
	}
	return out
}

// Linear returns x·Wᵀ + bias for x of shape n×in, W of shape out×in and
// bias of shape [out] (bias may be nil): the fully connected layer, fused so
// the bias add costs no extra pass.
func Linear(x, w, bias *Tensor) *Tensor {
	if x.Rank() != 2 || w.Rank() != 2 || x.shape[1] != w.shape[1] ||
		(bias != nil && (bias.Rank() != 1 || bias.shape[0] != w.shape[0])) {
		var bs []int
		if bias != nil {
			bs = bias.shape
		}
		panic(fmt.Sprintf("tensor.Linear: shapes x %v, W %v, bias %v", x.shape, w.shape, bs))
	}
	n, in, o := x.shape[0], x.shape[1], w.shape[0]
	tp := tapeOf(x, w, bias)
	out := newOut(tp, []int{n, o})
	if bias != nil {
		for r := 0; r < n; r++ {
			copy(out.data[r*o:(r+1)*o], bias.data)
		}
		gemm(false, true, n, o, in, 1, x.data, w.data, 1, out.data)
	} else {
		gemm(false, true, n, o, in, 1, x.data, w.data, 0, out.data)
	}
	if tp != nil {
		tp.record(func() {
			g := out.grad
			if x.grad != nil { // dx += g · W
				gemm(false, false, n, in, o, 1, g, w.data, 1, x.grad)
			}
			if w.grad != nil { // dW += gᵀ · x
				gemm(true, false, o, in, n, 1, g, x.data, 1, w.grad)
			}
			if bias != nil && bias.grad != nil {
				gb := bias.grad
				for r := 0; r < n; r++ {
					row := g[r*o : (r+1)*o]
					for j, v := range row {
						gb[j] += v
					}
				}
			}
		})
	}
	return out
}
