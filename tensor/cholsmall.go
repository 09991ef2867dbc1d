package tensor

import (
	"math"
	"sync"
)

// Small-matrix Cholesky kernels. For the matrices of a model (a Gaussian
// process over a dozen points, a covariance of a few parameters), batched
// over the draws of a fit step, gonum's Potrf and Dtrsm spend most of
// their time in call and loop overhead per row: on gp_pois_regr (11×11,
// 256 draws) the factor, its backward pass and cholesky's symmetry check
// were 40 % of a fit step
// (bench/RESULTS.md, "Cheaper steps: small matrices"). Below cholSmallMax
// Chol runs the textbook algorithms on a batch laid out element-major
// ([n, n, w]: the w draws of element (i, j) contiguous), so that every
// inner loop runs over the draws; gonum keeps the larger matrices, whose
// blocked algorithms win there.

// cholSmallMax is the largest n for which Chol uses the kernels below.
const cholSmallMax = 48

// cholDrawChunk is the number of draws a batched kernel works on at once:
// the backward pass's 2 element-major copies of a 48×48 chunk of 64 draws
// are 2.4 MB, of an 11×11 one 124 KB.
const cholDrawChunk = 64

// soa holds w n×n matrices element-major: element (i, j) of draw d at
// (i·n + j)·w + d.
type soa struct {
	n, w int
	v    []float64
}

// soaPool recycles the element-major buffers of the batched kernels: a
// fit step factors a batch forward and backward every step.
var soaPool sync.Pool

// newSOAs returns k element-major buffers of w n×n matrices, with their
// contents undefined, and a function that gives them back to the pool.
func newSOAs(n, w, k int) ([]soa, func()) {
	size := n * n * w
	var buf []float64
	if p, _ := soaPool.Get().(*[]float64); p != nil && cap(*p) >= k*size {
		buf = (*p)[:k*size]
	} else {
		buf = make([]float64, k*size)
	}
	out := make([]soa, k)
	for i := range out {
		out[i] = soa{n: n, w: w, v: buf[i*size : (i+1)*size : (i+1)*size]}
	}
	return out, func() { soaPool.Put(&buf) }
}

// at returns the w draws of element (i, j).
func (s soa) at(i, j int) []float64 {
	o := (i*s.n + j) * s.w
	return s.v[o : o+s.w : o+s.w]
}

// gatherLower fills the lower triangle of s with draws lo, lo+1, ... of the
// row-major batch src ([nb, n, n]), symmetrised when sym ((a + aᵀ)/2),
// else as it is; the upper triangle is zero.
func (s soa) gatherLower(src []float64, lo int, sym bool) {
	n, nn := s.n, s.n*s.n
	clear(s.v)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			dst := s.at(i, j)
			p, q := i*n+j+lo*nn, j*n+i+lo*nn
			for d := range dst {
				if sym {
					dst[d] = 0.5 * (src[p+d*nn] + src[q+d*nn])
				} else {
					dst[d] = src[p+d*nn]
				}
			}
		}
	}
}

// cholSOA overwrites the lower triangle of s with the Cholesky factors of
// its matrices, row by row (Cholesky–Banachiewicz). A matrix that is not
// positive definite gets NaN or ±Inf somewhere in its factor (the square
// root of a non-positive pivot), its own draw only.
func cholSOA(s soa) {
	n := s.n
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			acc := s.at(i, j)
			for k := 0; k < j; k++ {
				a, b := s.at(i, k), s.at(j, k)
				a, b = a[:len(acc)], b[:len(acc)]
				for d := range acc {
					acc[d] -= a[d] * b[d]
				}
			}
			if j < i {
				piv := s.at(j, j)
				piv = piv[:len(acc)]
				for d := range acc {
					acc[d] /= piv[d]
				}
				continue
			}
			for d, v := range acc {
				if v > 0 {
					acc[d] = math.Sqrt(v)
				} else {
					acc[d] = math.NaN()
				}
			}
		}
	}
}

// cholBackwardSOA overwrites g, the gradient of a loss with respect to the
// factors l (lower triangles), with its gradient with respect to the
// lower triangles of the factored matrices: reverse mode through cholSOA's
// loops, step by step in the opposite order (Murray 2016 derives the same
// unblocked algorithm), n³/3 multiply-adds a matrix. Each step of cholSOA
// computed s = A[i][j] − Σ_{k<j} L[i][k]·L[j][k] and L[i][j] = s/L[j][j]
// (j < i) or √s (j = i); its reverse takes s̄ from L̄[i][j], moves it to
// L[j][j], L[i][k] and L[j][k], and leaves Ā[i][j] = s̄ where L̄[i][j] was
// (no later step reads that place).
func cholBackwardSOA(l, g soa) {
	n := l.n
	for i := n - 1; i >= 0; i-- {
		for j := i; j >= 0; j-- {
			sbar, lij := g.at(i, j), l.at(i, j)
			if j == i {
				for d, v := range sbar {
					sbar[d] = v / (2 * lij[d])
				}
			} else {
				ljj, gjj := l.at(j, j), g.at(j, j)
				ljj, gjj = ljj[:len(sbar)], gjj[:len(sbar)]
				lij = lij[:len(sbar)]
				for d, v := range sbar {
					v /= ljj[d]
					sbar[d] = v
					gjj[d] -= v * lij[d]
				}
			}
			for k := 0; k < j; k++ {
				gik, gjk, ljk, lik := g.at(i, k), g.at(j, k), l.at(j, k), l.at(i, k)
				gik, gjk, ljk, lik = gik[:len(sbar)], gjk[:len(sbar)], ljk[:len(sbar)], lik[:len(sbar)]
				for d, v := range sbar {
					gik[d] -= v * ljk[d]
					gjk[d] -= v * lik[d]
				}
			}
		}
	}
}

// eachDrawChunk runs f(lo, hi) over the draws [0, nb) in chunks of at most
// cholDrawChunk, shared between the cores when the batch is large enough
// to pay for it (as perDraw).
func eachDrawChunk(nb, n int, f func(lo, hi int)) {
	chunks := (nb + cholDrawChunk - 1) / cholDrawChunk
	run := func(c int) { f(c*cholDrawChunk, min(nb, (c+1)*cholDrawChunk)) }
	if chunks < 2 || nb*n*n*n < gemmParFlops/4 {
		for c := range chunks {
			run(c)
		}
		return
	}
	parallel(chunks, run)
}

// cholBatchSmall computes the factors of the batch a ([nb, n, n], n ≤
// cholSmallMax) into dst, setting ok[k] for the matrices that are
// positive definite and filling the others with NaN.
func cholBatchSmall(a, dst []float64, nb, n int, ok []bool) {
	nn := n * n
	eachDrawChunk(nb, n, func(lo, hi int) {
		bufs, done := newSOAs(n, hi-lo, 1)
		defer done()
		s := bufs[0]
		s.gatherLower(a, lo, true)
		cholSOA(s)
		for d := lo; d < hi; d++ {
			out := dst[d*nn : (d+1)*nn]
			good := true
			for i := 0; i < n; i++ {
				for j := 0; j <= i; j++ {
					v := s.v[(i*n+j)*s.w+d-lo]
					out[i*n+j] = v
					good = good && !isNaNOrInf(v)
				}
				clear(out[i*n+i+1 : (i+1)*n])
				good = good && out[i*n+i] > 0
			}
			if ok[d] = good; !good {
				fillNaN(out)
			}
		}
	})
}

// cholBackwardSmall adds to ga the gradient of the batch's matrices given
// their factors l, the factors' gradient g (its upper triangles are not
// read) and which factorisations succeeded (the others get none).
func cholBackwardSmall(l, g, ga []float64, nb, n int, ok []bool) {
	nn := n * n
	eachDrawChunk(nb, n, func(lo, hi int) {
		w := hi - lo
		bufs, done := newSOAs(n, w, 2)
		defer done()
		ls, gs := bufs[0], bufs[1]
		ls.gatherLower(l, lo, false)
		gs.gatherLower(g, lo, false)
		// A failed draw's factor is NaN: give it a unit factor and a zero
		// gradient so that its lanes stay finite, then skip it below.
		for d := lo; d < hi; d++ {
			if !ok[d] {
				for i := 0; i < n; i++ {
					for j := 0; j <= i; j++ {
						ls.at(i, j)[d-lo] = 0
						gs.at(i, j)[d-lo] = 0
					}
					ls.at(i, i)[d-lo] = 1
				}
			}
		}
		cholBackwardSOA(ls, gs)
		// A's lower triangle entered as the symmetric part (A + Aᵀ)/2.
		for d := lo; d < hi; d++ {
			if !ok[d] {
				continue
			}
			out := ga[d*nn : (d+1)*nn]
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					v := 0.5 * gs.v[(i*n+j)*w+d-lo]
					out[i*n+j] += v
					out[j*n+i] += v
				}
				out[i*n+i] += gs.v[(i*n+i)*w+d-lo]
			}
		}
	})
}
