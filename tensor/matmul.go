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
	s := matMulStep{m: m, k: k, n: n, a: a.data, b: b.data, out: out.data}
	s.forward()
	if s.track(tp, a, b, out) {
		pushCopy(tp, s)
	}
	return out
}

// matMulStep is MatMul's recorded step.
type matMulStep struct {
	m, k, n   int
	a, b, out []float64
	grads2
}

func (s *matMulStep) forward() bool {
	gemm(false, false, s.m, s.n, s.k, 1, s.a, s.b, 0, s.out)
	return true
}

func (s *matMulStep) backward() {
	if s.ga != nil { // dA += dC · Bᵀ
		gemm(false, true, s.m, s.k, s.n, 1, s.g, s.b, 1, s.ga)
	}
	if s.gb != nil { // dB += Aᵀ · dC
		gemm(true, false, s.k, s.n, s.m, 1, s.a, s.g, 1, s.gb)
	}
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
	tp := tapeOf(x, w, bias)
	out := newOut(tp, []int{n, o})
	s := linearStep{n: n, in: in, o: o, x: x.data, w: w.data, out: out.data, relu: lo.ReLU, f32: lo.Float32}
	if bias != nil {
		s.bias = bias.data
	}
	s.forward()
	gx, gw, gb := gradOn(x, tp), gradOn(w, tp), gradOn(bias, tp)
	if gx != nil || gw != nil || gb != nil {
		s.gx, s.gw, s.gb, s.g = gx, gw, gb, out.grad
		pushCopy(tp, s)
	}
	return out
}

// linearStep is the recorded step of Linear and its variants.
type linearStep struct {
	n, in, o        int
	x, w, bias, out []float64
	gx, gw, gb, g   []float64
	relu, f32       bool
}

func (s *linearStep) forward() bool {
	// Bias and ReLU are applied by the product's tasks to their own block
	// of the output while it is in cache.
	n, in, o := s.n, s.in, s.o
	if s.f32 {
		gemm32(false, true, n, o, in, 1, s.x, in, s.w, in, 0, s.out, o, gemmEpi{bias: s.bias, relu: s.relu})
	} else {
		gemmFused(false, true, n, o, in, s.x, s.w, s.bias, s.relu, s.out)
	}
	return true
}

func (s *linearStep) backward() {
	n, in, o, g := s.n, s.in, s.o, s.g
	// g·ReLU'(pre-activation) in place (the result's gradient is read
	// only here) and dbias += column sums of g, in one pass.
	reluGradBias(g, s.out, s.gb, n, o, s.relu)
	if s.f32 {
		if s.gx != nil { // dx += g · W
			gemm32(false, false, n, in, o, 1, g, o, s.w, in, 1, s.gx, in, gemmEpi{})
		}
		if s.gw != nil { // dW += gᵀ · x
			gemm32(true, false, o, in, n, 1, g, o, s.x, in, 1, s.gw, in, gemmEpi{})
		}
		return
	}
	if s.gx != nil { // dx += g · W
		gemm(false, false, n, in, o, 1, g, s.w, 1, s.gx)
	}
	if s.gw != nil { // dW += gᵀ · x
		gemm(true, false, o, in, n, 1, g, s.x, 1, s.gw)
	}
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
