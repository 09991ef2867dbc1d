package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// naiveGemm is the definition of gemm, for reference.
func naiveGemm(tA, tB bool, m, n, k int, alpha float64, a, b []float64, beta float64, c []float64) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for l := 0; l < k; l++ {
				x, y := a[i*k+l], b[l*n+j]
				if tA {
					x = a[l*m+i]
				}
				if tB {
					y = b[j*k+l]
				}
				s += x * y
			}
			c[i*n+j] = alpha*s + beta*c[i*n+j]
		}
	}
}

// TestGemm covers the tiling (edge tiles, several tiles per row), the
// parallel path, every transpose combination and beta 0 and 1.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	for _, d := range [][3]int{{1, 1, 1}, {3, 5, 0}, {33, 65, 7}, {100, 150, 40}, {257, 70, 129}} {
		m, n, k := d[0], d[1], d[2]
		a, b := randT(rng, -1, 1, m*k).data, randT(rng, -1, 1, k*n).data
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, beta := range []float64{0, 1} {
					c := randT(rng, -1, 1, m*n).data
					want := append([]float64(nil), c...)
					naiveGemm(tA, tB, m, n, k, 2, a, b, beta, want)
					gemm(tA, tB, m, n, k, 2, a, b, beta, c)
					for i := range c {
						if !near(c[i], want[i], 1e-12) {
							t.Fatalf("gemm(%v, %v, %d×%d×%d, beta %v)[%d] = %v, want %v", tA, tB, m, n, k, beta, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestGemmConcurrent runs products from several goroutines at once, as
// separate tapes in separate goroutines do (run it with -race).
func TestGemmConcurrent(t *testing.T) {
	concurrently(t, 4, func(g int) error {
		rng := rand.New(rand.NewPCG(uint64(g), 2))
		x, w := randT(rng, -1, 1, 120, 90), randT(rng, -1, 1, 90, 80)
		want := make([]float64, 120*80)
		naiveGemm(false, false, 120, 80, 90, 1, x.data, w.data, 0, want)
		for range 20 {
			got := MatMul(x, w)
			for i := range want {
				if !near(got.data[i], want[i], 1e-12) {
					return fmt.Errorf("goroutine %d: element %d = %v, want %v", g, i, got.data[i], want[i])
				}
			}
		}
		return nil
	})
}

// concurrently runs f(0), …, f(n−1) in n goroutines at once and reports
// each error f returns.
func concurrently(t *testing.T, n int, f func(g int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = f(g)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestGemmSIMD checks the AVX2/FMA kernels, and the AVX-512 ones where the
// CPU has them, against the portable path (gonum) to rounding (relative
// 1e-12 of the sum of |terms|) on random shapes with every tail of the 6×8
// and 6×16 tiles and of the 256-deep blocks, every transpose combination,
// alpha 1 and 2, and beta 0, 1 and 0.5.
func TestGemmSIMD(t *testing.T) {
	if !hasAVX2FMA() {
		t.Skip("no AVX2/FMA on this CPU")
	}
	defer func(v bool) { useAVX512 = v }(useAVX512)
	for _, wide := range []bool{false, true} {
		if wide && !hasAVX512() {
			t.Log("no AVX-512 on this CPU: AVX2 kernels only")
			continue
		}
		useAVX512 = wide
		testGemmSIMD(t, wide)
	}
}

func testGemmSIMD(t *testing.T, wide bool) {
	rng := rand.New(rand.NewPCG(10, 3))
	var dims [][3]int
	for range 150 {
		dims = append(dims, [3]int{1 + rng.IntN(67), 1 + rng.IntN(67), 1 + rng.IntN(67)})
	}
	dims = append(dims, [3]int{1, 1, 1}, [3]int{6, 8, 1}, [3]int{7, 9, 257}, [3]int{67, 67, 67},
		[3]int{1000, 256, 256}, [3]int{1000, 4, 256}, [3]int{256, 256, 1000}, [3]int{1000, 2, 256},
		[3]int{97, 300, 513}, [3]int{300, 5, 3}, [3]int{13, 16, 5}, [3]int{50, 24, 300}, [3]int{7, 40, 1})
	for _, d := range dims {
		m, n, k := d[0], d[1], d[2]
		a, b := randT(rng, -1, 1, m*k).data, randT(rng, -1, 1, k*n).data
		absA, absB := make([]float64, len(a)), make([]float64, len(b))
		for i, v := range a {
			absA[i] = math.Abs(v)
		}
		for i, v := range b {
			absB[i] = math.Abs(v)
		}
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, ab := range [][2]float64{{1, 0}, {1, 1}, {2, 0.5}} {
					alpha, beta := ab[0], ab[1]
					c0 := randT(rng, -1, 1, m*n).data
					want := append([]float64(nil), c0...)
					got := append([]float64(nil), c0...)
					scale := make([]float64, m*n)
					gemmWith(false, tA, tB, m, n, k, alpha, a, b, beta, want)
					gemmWith(true, tA, tB, m, n, k, alpha, a, b, beta, got)
					gemmWith(false, tA, tB, m, n, k, math.Abs(alpha), absA, absB, 0, scale)
					for i := range got {
						tol := 1e-12 * (scale[i] + math.Abs(beta*c0[i]) + 1e-300)
						if math.Abs(got[i]-want[i]) > tol {
							t.Fatalf("SIMD (AVX-512 %v) gemm(%v, %v, %d×%d×%d, alpha %v, beta %v)[%d] = %v, want %v", wide, tA, tB, m, n, k, alpha, beta, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestGemmSIMDBetaZeroNaN checks that beta 0 overwrites C, NaN included, as
// in BLAS.
func TestGemmSIMDBetaZeroNaN(t *testing.T) {
	for _, simd := range []bool{false, hasAVX2FMA()} {
		c := []float64{math.NaN(), math.Inf(1)}
		gemmWith(simd, false, false, 1, 2, 1, 1, []float64{2}, []float64{3, 4}, 0, c)
		if c[0] != 6 || c[1] != 8 {
			t.Errorf("simd %v: C = %v, want [6 8]", simd, c)
		}
	}
}

// TestLinearReLU checks the fused layer against ReLU(Linear(...)), values
// and gradients, exactly (the same products in the same order).
func TestLinearReLU(t *testing.T) {
	// The second size takes the parallel path of reluGradBias.
	for _, sz := range [][3]int{{37, 19, 23}, {300, 19, 256}} {
		testLinearReLU(t, sz[0], sz[1], sz[2])
	}
}

func testLinearReLU(t *testing.T, n, in, o int) {
	rng := rand.New(rand.NewPCG(10, 4))
	x := Param(randT(rng, -1, 1, n, in).data, n, in)
	w := Param(randT(rng, -1, 1, o, in).data, o, in)
	b := Param(randT(rng, -1, 1, o).data, o)
	var tp Tape
	grads := func(f func() *Tensor) (y []float64, g [][]float64) {
		tp.Reset()
		tp.Watch(x, w, b)
		out := f()
		y = append(y, out.data...)
		tp.Backward(Sum(Square(out)))
		for _, p := range []*Tensor{x, w, b} {
			g = append(g, append([]float64(nil), p.Grad()...))
			clear(p.Grad())
		}
		return y, g
	}
	y1, g1 := grads(func() *Tensor { return LinearReLU(x, w, b) })
	y2, g2 := grads(func() *Tensor { return ReLU(Linear(x, w, b)) })
	for i := range y1 {
		if y1[i] != y2[i] {
			t.Fatalf("%d×%d×%d: value %d = %v, want %v", n, in, o, i, y1[i], y2[i])
		}
	}
	for k := range g1 {
		for i := range g1[k] {
			if g1[k][i] != g2[k][i] {
				t.Fatalf("%d×%d×%d: gradient %d[%d] = %v, want %v", n, in, o, k, i, g1[k][i], g2[k][i])
			}
		}
	}
	// d/dbias Σ y² = column sums of 2y (y ≥ 0 is already masked), summed
	// in the same row order: exact.
	for c := range o {
		want := 0.0
		for r := range n {
			want += 2 * y1[r*o+c]
		}
		if g1[2][c] != want {
			t.Fatalf("%d×%d×%d: dbias[%d] = %v, want %v", n, in, o, c, g1[2][c], want)
		}
	}
}

// TestGemmLdBlocks checks products of sub-blocks of larger matrices (row
// strides lda, ldb, ldc wider than the block) on both paths against the
// naive product: elements of C outside the block stay as they were.
func TestGemmLdBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 9))
	for _, simd := range []bool{false, useSIMD} {
		for range 40 {
			m, n, k := 1+rng.IntN(40), 1+rng.IntN(40), 1+rng.IntN(300)
			pad := 1 + rng.IntN(9)
			tA, tB := rng.IntN(2) == 1, rng.IntN(2) == 1
			ra, ca := m, k
			if tA {
				ra, ca = k, m
			}
			rb, cb := k, n
			if tB {
				rb, cb = n, k
			}
			lda, ldb, ldc := ca+pad, cb+pad, n+pad
			a, b := randT(rng, -1, 1, ra*lda).data, randT(rng, -1, 1, rb*ldb).data
			c := randT(rng, -1, 1, m*ldc).data
			c0 := append([]float64(nil), c...)
			// Dense copies of the blocks for the naive product.
			da, db, dc := make([]float64, ra*ca), make([]float64, rb*cb), make([]float64, m*n)
			for i := range ra {
				copy(da[i*ca:(i+1)*ca], a[i*lda:])
			}
			for i := range rb {
				copy(db[i*cb:(i+1)*cb], b[i*ldb:])
			}
			for i := range m {
				copy(dc[i*n:(i+1)*n], c[i*ldc:])
			}
			naiveGemm(tA, tB, m, n, k, 1.5, da, db, 0.5, dc)
			gemmLd(simd, tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c, ldc)
			for i := range m {
				for j := range ldc {
					got := c[i*ldc+j]
					want := c0[i*ldc+j]
					if j < n {
						want = dc[i*n+j]
					}
					if math.Abs(got-want) > 1e-12*float64(k+1) {
						t.Fatalf("simd %v gemmLd(%v, %v, %d×%d×%d, ld %d %d %d) C[%d][%d] = %v, want %v", simd, tA, tB, m, n, k, lda, ldb, ldc, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestGemmFused checks the epilogue (bias, ReLU) against the naive product
// followed by the bias and max(·, 0), on every path (portable, AVX2,
// AVX-512), for depths that split into several blocks, k = 0, and a NaN
// that must survive the ReLU.
func TestGemmFused(t *testing.T) {
	defer func(s, w bool) { useSIMD, useAVX512 = s, w }(useSIMD, useAVX512)
	paths := [][2]bool{{false, false}}
	if hasAVX2FMA() {
		paths = append(paths, [2]bool{true, false})
	}
	if hasAVX512() {
		paths = append(paths, [2]bool{true, true})
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, p := range paths {
		useSIMD, useAVX512 = p[0], p[1]
		for _, d := range [][3]int{{1000, 256, 2}, {50, 4, 256}, {37, 300, 600}, {5, 7, 0}, {13, 16, 1}, {64, 33, 257}} {
			m, n, k := d[0], d[1], d[2]
			a, b := randT(rng, -1, 1, m*k).data, randT(rng, -1, 1, n*k).data
			bias := randT(rng, -1, 1, n).data
			if m*k > 0 {
				a[0] = math.NaN()
			}
			for _, relu := range []bool{false, true} {
				want := make([]float64, m*n)
				naiveGemm(false, true, m, n, k, 1, a, b, 0, want)
				for i := range want {
					want[i] += bias[i%n]
					if relu && want[i] < 0 {
						want[i] = 0
					}
				}
				got := randT(rng, -1, 1, m*n).data // overwritten, not accumulated
				gemmFused(false, true, m, n, k, a, b, bias, relu, got)
				for i := range got {
					if math.IsNaN(want[i]) != math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > 1e-12*float64(k+1) {
						t.Fatalf("simd %v avx512 %v gemmFused %d×%d×%d relu %v [%d] = %v, want %v", p[0], p[1], m, n, k, relu, i, got[i], want[i])
					}
				}
			}
		}
	}
}
