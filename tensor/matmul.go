package tensor

import (
	"fmt"
	"math"
)

// MatMul returns the matrix product of 2-D tensors a (m×k) and b (k×n).
func MatMul(a, b *Tensor) *Tensor {
	if a.Rank() != 2 || b.Rank() != 2 || a.shape[1] != b.shape[0] {
		panic(fmt.Sprintf("tensor.MatMul: shapes %v and %v", a.shape, b.shape))
	}
	m, k, n := a.shape[0], a.shape[1], b.shape[1]
	tp := tapeOf(a, b)
	out := newOut(tp, []int{m, n})
	gemm(false, false, m, n, k, 1, a.data, b.data, 0, out.data)
	if ga, gb := gradOn(a, tp), gradOn(b, tp); ga != nil || gb != nil {
		tp.record(func() {
			if ga != nil { // dA += dC · Bᵀ
				gemm(false, true, m, k, n, 1, out.grad, b.data, 1, ga)
			}
			if gb != nil { // dB += Aᵀ · dC
				gemm(true, false, k, n, m, 1, a.data, out.grad, 1, gb)
			}
		})
	}
	return out
}

// Linear returns x·Wᵀ + bias for x of shape n×in, W of shape out×in and
// bias of shape [out] (bias may be nil): the fully connected layer, fused so
// the bias add costs no extra pass.
func Linear(x, w, bias *Tensor) *Tensor { return linear("Linear", x, w, bias, LinearOptions{}) }

// LinearReLU returns ReLU(Linear(x, W, bias)) in one operation: the ReLU is
// applied in place on the product (no second n×out array, no second pass
// in the forward) and its derivative is applied to the gradient in place
// before the product's backward.
func LinearReLU(x, w, bias *Tensor) *Tensor {
	return linear("LinearReLU", x, w, bias, LinearOptions{ReLU: true})
}

// LinearOptions are the variants of a fully connected layer (LinearWith,
// StaircaseLinearWith).
type LinearOptions struct {
	// ReLU applies ReLU to the output in the same pass (LinearReLU).
	ReLU bool
	// Float32 computes the layer's matrix products (the forward and both
	// products of the backward) in float32: their operands are rounded to
	// float32 as they are packed and the sums run in float32, on CPUs with
	// AVX-512 (elsewhere the products stay float64). The tensors, the
	// bias, the ReLU and the gradients' accumulation stay float64. An
	// output then differs from the float64 layer's by at most about
	// in·2⁻²⁴ of Σ|x||W| (1e-6 relative for typical layers), as in a
	// float32 framework; the products take about half the time.
	Float32 bool
}

// LinearWith is Linear with options: LinearWith(x, w, bias,
// LinearOptions{ReLU: true}) is LinearReLU(x, w, bias).
func LinearWith(x, w, bias *Tensor, o LinearOptions) *Tensor {
	name := "Linear"
	if o.ReLU {
		name = "LinearReLU"
	}
	return linear(name, x, w, bias, o)
}

// layerGemm is the product of a layer of the given options: gemmLdEpi on
// the default path, gemm32 in float32.
func layerGemm(o LinearOptions) func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, epi gemmEpi) {
	if o.Float32 {
		return gemm32
	}
	return gemmLdEpi64
}

// gemmLdEpi64 is gemmLdEpi on the current path (useSIMD), with gemm32's
// signature: its float64 counterpart.
func gemmLdEpi64(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, epi gemmEpi) {
	gemmLdEpi(useSIMD, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epi)
}

func linear(name string, x, w, bias *Tensor, lo LinearOptions) *Tensor {
	if x.Rank() != 2 || w.Rank() != 2 || x.shape[1] != w.shape[1] ||
		(bias != nil && (bias.Rank() != 1 || bias.shape[0] != w.shape[0])) {
		var bs []int
		if bias != nil {
			bs = bias.shape
		}
		panic(fmt.Sprintf("tensor.%s: shapes x %v, W %v, bias %v", name, x.shape, w.shape, bs))
	}
	n, in, o := x.shape[0], x.shape[1], w.shape[0]
	relu := lo.ReLU
	tp := tapeOf(x, w, bias)
	out := newOut(tp, []int{n, o})
	var bd []float64
	if bias != nil {
		bd = bias.data
	}
	// Bias and ReLU are applied by the product's tasks to their own block
	// of the output while it is in cache.
	if lo.Float32 {
		gemm32(false, true, n, o, in, 1, x.data, in, w.data, in, 0, out.data, o, gemmEpi{bias: bd, relu: relu})
	} else {
		gemmFused(false, true, n, o, in, x.data, w.data, bd, relu, out.data)
	}
	gx, gw, gb := gradOn(x, tp), gradOn(w, tp), gradOn(bias, tp)
	if gx != nil || gw != nil || gb != nil {
		tp.record(func() {
			g := out.grad
			// g·ReLU'(pre-activation) in place (out.grad is read only
			// here) and dbias += column sums of g, in one pass.
			reluGradBias(g, out.data, gb, n, o, relu)
			if lo.Float32 {
				if gx != nil { // dx += g · W
					gemm32(false, false, n, in, o, 1, g, o, w.data, in, 1, gx, in, gemmEpi{})
				}
				if gw != nil { // dW += gᵀ · x
					gemm32(true, false, o, in, n, 1, g, o, x.data, in, 1, gw, in, gemmEpi{})
				}
				return
			}
			if gx != nil { // dx += g · W
				gemm(false, false, n, in, o, 1, g, w.data, 1, gx)
			}
			if gw != nil { // dW += gᵀ · x
				gemm(true, false, o, in, n, 1, g, x.data, 1, gw)
			}
		})
	}
	return out
}

// reluGradBias sets g (n×o) to 0 where the ReLU output y is +0 when relu is
// set, and adds the column sums of g to gb (nil: none): one pass over g,
// its columns split between the cores when g is large.
func reluGradBias(g, y, gb []float64, n, o int, relu bool) {
	if !relu && gb == nil {
		return
	}
	cols := func(c0, c1 int) {
		var gbc []float64
		if gb != nil {
			gbc = gb[c0:c1]
		}
		for r := range n {
			reluGradRow(g[r*o+c0:r*o+c1], y[r*o+c0:r*o+c1], gbc, relu)
		}
	}
	const minPar = 1 << 16 // elements below which one goroutine does it
	if tasks := min(gemmPool.start(), o/8); n*o >= minPar && tasks > 1 {
		parallel(tasks, func(t int) { cols(t*o/tasks, (t+1)*o/tasks) })
		return
	}
	cols(0, o)
}

// reluGradRow is one row of reluGradBias: gr masked by the ReLU outputs yr
// when relu is set, then added to gb (nil: not).
func reluGradRow(gr, yr, gb []float64, relu bool) {
	if n8 := len(gr) &^ 7; relu && useSIMD && n8 > 0 {
		var gbp *float64
		if gb != nil {
			gbp = &gb[0]
			gb = gb[n8:]
		}
		reluGradAVX(&gr[0], &yr[0], gbp, n8)
		gr, yr = gr[n8:], yr[n8:]
	}
	if relu {
		yr = yr[:len(gr)]
		for i, gi := range gr {
			gr[i] = math.Float64frombits(math.Float64bits(gi) & reluOn(yr[i]))
		}
	}
	if gb != nil {
		addTo(gb, gr)
	}
}

// Float32Products reports whether LinearOptions.Float32 computes in
// float32 on this machine (AVX-512, and FLOWPPL_NOSIMD and
// FLOWPPL_NOAVX512 unset); when false it computes as float64.
func Float32Products() bool { return useAVX512 }
