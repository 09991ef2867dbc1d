package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemm32Case is one product for the gemm32 tests: shape, transposes,
// padding of the leading dimensions beyond their minimum, alpha, beta and
// epilogue.
type gemm32Case struct {
	tA, tB        bool
	m, n, k       int
	padA, padB    int
	padC          int
	alpha, beta   float64
	bias, relu    bool
	intsOnly      bool // small integer inputs (exactness test)
	forceFloat64  bool // useAVX512 off: gemm32 must be gemmLdEpi
	wantDifferent bool // some element must differ from the float64 result by more than float64 rounding
}

// gemm32Data holds the operands of a case: a, b and the initial C with
// their leading dimensions, and the bias.
type gemm32Data struct {
	a, b, c0      []float64
	lda, ldb, ldc int
	bias          []float64
}

// newGemm32Data draws the operands of tc: uniform in [-1, 1), or small
// integers in [-8, 8] when tc.intsOnly. The padding elements of a, b and
// C are filled too (with NaN in C's padding, to catch stray writes).
func newGemm32Data(rng *rand.Rand, tc gemm32Case) gemm32Data {
	draw := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			if tc.intsOnly {
				s[i] = float64(rng.IntN(17) - 8)
			} else {
				s[i] = 2*rng.Float64() - 1
			}
		}
		return s
	}
	var d gemm32Data
	rowsA, colsA := tc.m, tc.k
	if tc.tA {
		rowsA, colsA = tc.k, tc.m
	}
	rowsB, colsB := tc.k, tc.n
	if tc.tB {
		rowsB, colsB = tc.n, tc.k
	}
	d.lda, d.ldb, d.ldc = colsA+tc.padA, colsB+tc.padB, tc.n+tc.padC
	d.a, d.b = draw(max(0, rowsA*d.lda)), draw(max(0, rowsB*d.ldb))
	d.c0 = draw(tc.m * d.ldc)
	for i := range tc.m {
		for j := tc.n; j < d.ldc; j++ {
			d.c0[i*d.ldc+j] = math.NaN()
		}
	}
	if tc.bias {
		d.bias = draw(tc.n)
	}
	return d
}

// ref computes the product of tc in float64 on the portable path (gonum),
// and the scale |alpha|·|op(A)|·|op(B)| of the float32 error bound.
func (d gemm32Data) ref(tc gemm32Case) (want, scale []float64) {
	want = append([]float64(nil), d.c0...)
	gemmLdEpi(false, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, want, d.ldc, gemmEpi{bias: d.bias, relu: tc.relu})
	absA, absB := make([]float64, len(d.a)), make([]float64, len(d.b))
	for i, v := range d.a {
		absA[i] = math.Abs(v)
	}
	for i, v := range d.b {
		absB[i] = math.Abs(v)
	}
	scale = make([]float64, len(d.c0))
	gemmLdEpi(false, tc.tA, tc.tB, tc.m, tc.n, tc.k, math.Abs(tc.alpha), absA, d.lda, absB, d.ldb, 0, scale, d.ldc, gemmEpi{})
	return want, scale
}

// check runs gemm32 on the data of tc and compares it with the float64
// product. The bound on |C32 − C64| of an element is
//
//	|alpha|·(k+2)·2⁻²³·Σ_p |op(A)_ip|·|op(B)_pj| + 1e-12·(|alpha|·Σ_p … + |C0|)
//
// Rounding op(A) and op(B) to float32 changes each product by at most
// (2u+u²)|a·b|, u = 2⁻²⁴; the float32 sum of a block of kc ≤ k terms by
// fused multiply-adds adds at most γ_kc = kc·u/(1−kc·u) of the sum of
// |terms| (the classical recursive-summation bound), and the float64 steps
// (widening is exact; alpha·s + C, the blocks' sums, beta·C, the bias)
// add a few 2⁻⁵³ of the magnitudes, covered by the 1e-12 term. With
// (k+2)·u·(1+tiny) ≤ (k+2)·2⁻²³ the first term bounds the float32 error
// with a factor 2 to spare; ReLU, 1-Lipschitz, cannot increase it. The
// float64 reference's own error is of order k·2⁻⁵³, also in the 1e-12 term.
func (d gemm32Data) check(t *testing.T, tc gemm32Case) {
	t.Helper()
	want, scale := d.ref(tc)
	got := append([]float64(nil), d.c0...)
	if tc.forceFloat64 {
		defer func(v bool) { useAVX512 = v }(useAVX512)
		useAVX512 = false
	}
	gemm32(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, got, d.ldc, gemmEpi{bias: d.bias, relu: tc.relu})
	if tc.forceFloat64 {
		ref := append([]float64(nil), d.c0...)
		gemmLdEpi(useSIMD, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, ref, d.ldc, gemmEpi{bias: d.bias, relu: tc.relu})
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(ref[i]) {
				t.Fatalf("%+v without AVX-512: element %d = %v, want gemmLdEpi's %v", tc, i, got[i], ref[i])
			}
		}
		return
	}
	differ := false
	for i := range tc.m {
		for j := range d.ldc {
			e := i*d.ldc + j
			if j >= tc.n { // padding: untouched
				if !math.IsNaN(got[e]) {
					t.Fatalf("%+v: padding C[%d][%d] written: %v", tc, i, j, got[e])
				}
				continue
			}
			// float32 rounding, not the float64 product's ~k·2⁻⁵³.
			if math.Abs(got[e]-want[e]) > 1e-11*scale[e] {
				differ = true
			}
			tol := float64(tc.k+2)*0x1p-23*scale[e] + 1e-12*(scale[e]+math.Abs(d.c0[e])) + 1e-300
			if d.bias != nil {
				tol += 1e-12 * math.Abs(d.bias[j])
			}
			if tc.intsOnly {
				tol = 0
			}
			if !(math.Abs(got[e]-want[e]) <= tol) {
				t.Fatalf("%+v: C[%d][%d] = %v, want %v ± %.3g", tc, i, j, got[e], want[e], tol)
			}
		}
	}
	if tc.wantDifferent && !differ {
		t.Fatalf("%+v: result within float64 rounding of the float64 product: the float32 path did not run", tc)
	}
}

// TestGemm32 checks gemm32 against the float64 product within the float32
// error bound (see check) on random shapes with every tail of the 6×32
// tile and of the depth blocks, m or n = 1, all transposes, padded leading
// dimensions, alpha ≠ 1, beta 0, 1 and 0.5, bias and ReLU epilogues, at
// serial and parallel sizes; and, on random data, that some element
// differs from the float64 result by more than float64 rounding could (the
// float32 path ran).
func TestGemm32(t *testing.T) {
	if !hasAVX512() {
		t.Log("no AVX-512 on this CPU: gemm32 is the float64 product")
	}
	rng := rand.New(rand.NewPCG(32, 1))
	dims := [][3]int{{1, 1, 1}, {1, 300, 7}, {300, 1, 9}, {6, 32, 1}, {7, 33, 257}, {13, 31, 256},
		{12, 64, 513}, {5, 95, 600}, {61, 70, 45}, {100, 256, 256}, {48, 40, 300},
		{300, 200, 150}, {257, 129, 300}, {40, 1000, 260}} // the last three are parallel
	for range 40 {
		dims = append(dims, [3]int{1 + rng.IntN(70), 1 + rng.IntN(100), 1 + rng.IntN(300)})
	}
	epis := [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}
	for di, dm := range dims {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for bi, beta := range []float64{0, 1, 0.5} {
					e := epis[(di+bi)%len(epis)]
					tc := gemm32Case{tA: tA, tB: tB, m: dm[0], n: dm[1], k: dm[2],
						padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3),
						alpha: []float64{1, -1.5, 0.75}[bi], beta: beta, bias: e[0], relu: e[1]}
					tc.wantDifferent = useAVX512 && tc.m*tc.n >= 64 && tc.k >= 4
					newGemm32Data(rng, tc).check(t, tc)
				}
			}
		}
	}
}

// TestGemm32Float32 checks, on CPUs with AVX-512, that gemm32 really
// computes in float32 (results farther from the float64 product than
// float64 rounding allows, within the float32 bound) for every transpose
// combination, serial and parallel, even when FLOWPPL_NOAVX512 turned the
// AVX-512 kernels off.
func TestGemm32Float32(t *testing.T) {
	if !hasAVX512() {
		t.Skip("no AVX-512 on this CPU: gemm32 is the float64 product")
	}
	defer func(v bool) { useAVX512 = v }(useAVX512)
	useAVX512 = true
	rng := rand.New(rand.NewPCG(32, 5))
	for _, dm := range [][3]int{{50, 70, 300}, {260, 200, 170}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				tc := gemm32Case{tA: tA, tB: tB, m: dm[0], n: dm[1], k: dm[2], alpha: 1, beta: 1, wantDifferent: true}
				newGemm32Data(rng, tc).check(t, tc)
			}
		}
	}
}

// TestGemm32Exact checks that small integer inputs, exact in float32 with
// every partial sum below 2²⁴, give exactly the float64 product (alpha and
// beta powers of two keep the float64 steps exact too).
func TestGemm32Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 2))
	for _, dm := range [][3]int{{1, 1, 1}, {7, 33, 257}, {61, 95, 300}, {200, 300, 200}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, ab := range [][2]float64{{1, 0}, {2, 1}, {0.5, 0.5}} {
					tc := gemm32Case{tA: tA, tB: tB, m: dm[0], n: dm[1], k: dm[2], padA: 1, padC: 2,
						alpha: ab[0], beta: ab[1], intsOnly: true, relu: ab[1] == 1}
					newGemm32Data(rng, tc).check(t, tc)
				}
			}
		}
	}
}

// TestGemm32Fallback checks that with useAVX512 off gemm32 is exactly
// gemmLdEpi, at serial and parallel sizes.
func TestGemm32Fallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 3))
	for _, dm := range [][3]int{{7, 33, 257}, {300, 200, 150}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				tc := gemm32Case{tA: tA, tB: tB, m: dm[0], n: dm[1], k: dm[2], padB: 2,
					alpha: 0.75, beta: 0.5, bias: tA, relu: tB, forceFloat64: true}
				newGemm32Data(rng, tc).check(t, tc)
			}
		}
	}
}

// TestGemm32Edges checks the degenerate shapes (nothing to do for m or n
// = 0; C = epi(beta·C) for k = 0) and that beta 0 overwrites C, NaN and Inf
// included.
func TestGemm32Edges(t *testing.T) {
	c := []float64{math.NaN(), math.Inf(1), 5}
	gemm32(false, false, 0, 3, 2, 1, nil, 2, make([]float64, 6), 3, 0, nil, 3, gemmEpi{})
	gemm32(false, false, 1, 0, 2, 1, make([]float64, 2), 2, nil, 0, 0, c, 0, gemmEpi{})
	if !math.IsNaN(c[0]) || c[1] != math.Inf(1) || c[2] != 5 {
		t.Fatalf("n = 0 changed C: %v", c)
	}
	c = []float64{1, -2, 3}
	gemm32(false, false, 1, 3, 0, 1, nil, 0, nil, 3, 0.5, c, 3, gemmEpi{relu: true})
	if c[0] != 0.5 || c[1] != 0 || c[2] != 1.5 {
		t.Fatalf("k = 0: C = %v, want [0.5 0 1.5]", c)
	}
	c = []float64{1, -2, 3}
	gemm32(false, false, 1, 3, 0, 1, nil, 0, nil, 3, 0.5, c, 3, gemmEpi{bias: []float64{4, 5, -6}})
	if c[0] != 4 || c[1] != 5 || c[2] != -6 {
		t.Fatalf("k = 0 with bias: C = %v, want [4 5 -6]", c)
	}
	for _, m := range []int{1, 7} { // edge tile and full tile rows
		c := make([]float64, m*40)
		for i := range c {
			c[i] = math.NaN()
		}
		c[0] = math.Inf(-1)
		a, b := make([]float64, m*3), make([]float64, 3*40)
		for i := range a {
			a[i] = 1
		}
		for i := range b {
			b[i] = float64(i % 40)
		}
		gemm32(false, false, m, 40, 3, 2, a, 3, b, 40, 0, c, 40, gemmEpi{})
		for i, v := range c {
			if want := 6 * float64(i%40); v != want {
				t.Fatalf("beta 0, m %d: C[%d] = %v, want %v", m, i, v, want)
			}
		}
	}
}

// TestGemm32Concurrent runs gemm32 from several goroutines at once, at a
// serial and a parallel size (run it with -race).
func TestGemm32Concurrent(t *testing.T) {
	concurrently(t, 4, func(g int) error {
		rng := rand.New(rand.NewPCG(uint64(g), 32))
		for it := range 6 {
			tc := gemm32Case{tA: it%2 == 1, tB: g%2 == 1, m: 60, n: 70, k: 90, alpha: 1, intsOnly: true}
			if it%3 == 2 {
				tc.m, tc.n, tc.k = 260, 200, 170 // parallel
			}
			d := newGemm32Data(rng, tc)
			want, _ := d.ref(tc)
			got := append([]float64(nil), d.c0...)
			gemm32(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, got, d.ldc, gemmEpi{})
			for i := range want {
				if got[i] != want[i] {
					return fmt.Errorf("goroutine %d, product %d: element %d = %v, want %v", g, it, i, got[i], want[i])
				}
			}
		}
		return nil
	})
}

// TestGemm32Allocs checks that gemm32 allocates nothing after warm-up, at a
// serial size (100×256×256, below gemmParFlops) and a parallel one.
func TestGemm32Allocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	if !hasAVX512() {
		t.Skip("no AVX-512: gemm32 is gemmLdEpi")
	}
	rng := rand.New(rand.NewPCG(32, 4))
	for _, dm := range [][3]int{{100, 256, 256}, {300, 256, 256}} {
		m, n, k := dm[0], dm[1], dm[2]
		a, b, c := randT(rng, -1, 1, m*k).data, randT(rng, -1, 1, n*k).data, make([]float64, m*n)
		bias := randT(rng, -1, 1, n).data
		allocs := testing.AllocsPerRun(20, func() {
			gemm32(false, true, m, n, k, 1, a, k, b, k, 0, c, n, gemmEpi{bias: bias, relu: true})
		})
		if allocs != 0 {
			t.Errorf("%d×%d×%d: %v allocations per product, want 0", m, n, k, allocs)
		}
	}
}

// BenchmarkGemm32 times gemm32 (f32) against the float64 product (f64, the
// SIMD path gemm takes) on the products of a fully connected layer of
// width 256 at batch 100 (serial) and 1000 (parallel).
func BenchmarkGemm32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 32))
	for _, s := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"fwd_xWT/100x256x256", false, true, 100, 256, 256},
		{"dx_gW/100x256x256", false, false, 100, 256, 256},
		{"dW_gTx/256x256x100", true, false, 256, 256, 100},
		{"fwd_xWT/1000x256x256", false, true, 1000, 256, 256},
		{"dx_gW/1000x256x256", false, false, 1000, 256, 256},
		{"dW_gTx/256x256x1000", true, false, 256, 256, 1000},
	} {
		a, bb := RandN(rng, s.m*s.k).data, RandN(rng, s.k*s.n).data
		c := make([]float64, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		b.Run(s.name+"/f32", func(b *testing.B) {
			for b.Loop() {
				gemm32(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 1, c, s.n, gemmEpi{})
			}
			gflops(b, 2*float64(s.m*s.n*s.k))
		})
		b.Run(s.name+"/f64", func(b *testing.B) {
			for b.Loop() {
				gemmWith(useSIMD, s.tA, s.tB, s.m, s.n, s.k, 1, a, bb, 1, c)
			}
			gflops(b, 2*float64(s.m*s.n*s.k))
		})
	}
}

// BenchmarkKernel32 times the micro-kernel alone on packed panels that
// stay in L1 (depth 256), the yardstick for BenchmarkGemm32; the float64
// kernel's rate is BenchmarkKernel's.
func BenchmarkKernel32(b *testing.B) {
	if !hasAVX512() {
		b.Skip("no AVX-512")
	}
	const k = 256
	a, bp := make([]float32, g32MR*k), make([]float32, g32NR*k)
	for i := range a {
		a[i] = 1e-3
	}
	for i := range bp {
		bp[i] = 1e-3
	}
	var c [g32MR * g32NR]float64
	for b.Loop() {
		kern32x6x32(k, &a[0], g32MR, 1, &bp[0], &c[0], g32NR, 1)
	}
	gflops(b, 2*g32MR*g32NR*k)
}
