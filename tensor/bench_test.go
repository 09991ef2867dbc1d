package tensor

import (
	"math/rand/v2"
	"testing"
)

// gflops reports the floating-point rate of flops operations per iteration.
func gflops(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// benchBackward times training steps that watch params and run
// Backward(Sum(f())).
func benchBackward(b *testing.B, f func() *Tensor, params ...*Tensor) {
	var tp Tape
	for b.Loop() {
		tp.Reset()
		tp.Watch(params...)
		tp.Backward(Sum(f()))
	}
}

// BenchmarkLinear is one layer of the seed's conditioner, forward and
// backward: x 1000×256 (data), W 256×256, bias [256].
func BenchmarkLinear(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := RandN(rng, 1000, 256)
	w := Param(RandN(rng, 256, 256).data, 256, 256)
	bias := Param(make([]float64, 256), 256)
	benchBackward(b, func() *Tensor { return Linear(x, w, bias) }, w, bias)
	gflops(b, 2*2*1000*256*256) // forward gemm and dW gemm
}

// BenchmarkLinearHidden is a hidden layer, where dx is needed as well.
func BenchmarkLinearHidden(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := Param(RandN(rng, 1000, 256).data, 1000, 256)
	w := Param(RandN(rng, 256, 256).data, 256, 256)
	bias := Param(make([]float64, 256), 256)
	benchBackward(b, func() *Tensor { return Linear(x, w, bias) }, x, w, bias)
	gflops(b, 3*2*1000*256*256)
}

func BenchmarkMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, w := RandN(rng, 1000, 256), RandN(rng, 256, 256)
	for b.Loop() {
		MatMul(x, w)
	}
	gflops(b, 2*1000*256*256)
}

// BenchmarkAddRow is the bias-style broadcast 1000×256 + [256], forward and
// backward.
func BenchmarkAddRow(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 3))
	x := Param(RandN(rng, 1000, 256).data, 1000, 256)
	bias := Param(make([]float64, 256), 256)
	benchBackward(b, func() *Tensor { return Add(x, bias) }, x, bias)
}

// BenchmarkReLU is ReLU on 1000×256, forward and backward.
func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 4))
	x := Param(RandN(rng, 1000, 256).data, 1000, 256)
	benchBackward(b, func() *Tensor { return ReLU(x) }, x)
}

// BenchmarkMLPStep is a full training step of a 2→256→256→1 network on a
// batch of 1000.
func BenchmarkMLPStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 5))
	m := newMLP(rng, 2, 256)
	x, y := randT(rng, -1, 1, 1000, 2), randT(rng, -1, 1, 1000)
	var tp Tape
	for b.Loop() {
		m.step(&tp, x, y)
	}
}

// BenchmarkGemm times the products of a training step of the seed's
// conditioner (batch 1000, width 256) on every path: portable (gonum),
// AVX2 (kern6x8) and AVX-512 (kern6x16) where the CPU has them. Read the
// GFLOP/s against BenchmarkKernel's, the micro-kernel's own rate on data in
// L1 (the attainable peak of one core), times the number of cores; the
// peer's reference (OpenBLAS on an AVX2 machine, ../shared/bench/flowtorch.md)
// is ~85 GFLOP/s float64 on two cores.
func BenchmarkGemm(b *testing.B) {
	defer func(s, w bool) { useSIMD, useAVX512 = s, w }(useSIMD, useAVX512)
	rng := rand.New(rand.NewPCG(1, 6))
	for _, s := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"square/1000x256x256", false, false, 1000, 256, 256},
		{"fwd_xWT/1000x256x256", false, true, 1000, 256, 256}, // Linear forward
		{"dx_gW/1000x256x256", false, false, 1000, 256, 256},  // Linear dx
		{"dW_gTx/256x256x1000", true, false, 256, 256, 1000},  // Linear dW
		{"fwd_xWT/1000x4x256", false, true, 1000, 4, 256},     // output layer, D=2
		{"fwd_xWT/1000x256x2", false, true, 1000, 256, 2},     // input layer, D=2
	} {
		a, bb := RandN(rng, s.m*s.k).data, RandN(rng, s.k*s.n).data
		c := make([]float64, s.m*s.n)
		for _, path := range []string{"avx512", "avx2", "portable"} {
			simd, wide := path != "portable", path == "avx512"
			if (simd && !hasAVX2FMA()) || (wide && !hasAVX512()) {
				continue
			}
			b.Run(s.name+"/"+path, func(b *testing.B) {
				useSIMD, useAVX512 = simd, wide
				for b.Loop() {
					gemmWith(simd, s.tA, s.tB, s.m, s.n, s.k, 1, a, bb, 1, c)
				}
				gflops(b, 2*float64(s.m*s.n*s.k))
			})
		}
	}
}

// BenchmarkKernel times the micro-kernels alone on packed panels that stay
// in L1 (depth 256): the most one core can do through them, the yardstick
// for BenchmarkGemm.
func BenchmarkKernel(b *testing.B) {
	const k = 256
	a, bp := make([]float64, gemmMR*k), make([]float64, 2*gemmNR*k)
	for i := range a {
		a[i] = 1e-3
	}
	for i := range bp {
		bp[i] = 1e-3
	}
	var c [gemmMR * 2 * gemmNR]float64
	if hasAVX512() {
		b.Run("6x16_avx512", func(b *testing.B) {
			for b.Loop() {
				kern6x16(k, &a[0], &bp[0], gemmNR*k, &c[0], 2*gemmNR, 1)
			}
			gflops(b, 2*gemmMR*2*gemmNR*k)
		})
	}
	if hasAVX2FMA() {
		b.Run("6x8_avx2", func(b *testing.B) {
			for b.Loop() {
				kern6x8(k, &a[0], &bp[0], &c[0], gemmNR, 1)
			}
			gflops(b, 2*gemmMR*gemmNR*k)
		})
	}
}

// BenchmarkLinearReLU compares the fused hidden layer with Linear then
// ReLU (x 1000×256 tracked, W 256×256), forward and backward.
func BenchmarkLinearReLU(b *testing.B) {
	for _, fused := range []bool{true, false} {
		name := "separate"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 8))
			x := Param(RandN(rng, 1000, 256).data, 1000, 256)
			w := Param(RandN(rng, 256, 256).data, 256, 256)
			bias := Param(make([]float64, 256), 256)
			f := func() *Tensor { return ReLU(Linear(x, w, bias)) }
			if fused {
				f = func() *Tensor { return LinearReLU(x, w, bias) }
			}
			benchBackward(b, f, x, w, bias)
			gflops(b, 3*2*1000*256*256)
		})
	}
}
