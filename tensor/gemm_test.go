package tensor

import (
	"fmt"
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
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			x, w := randT(rng, -1, 1, 120, 90), randT(rng, -1, 1, 90, 80)
			want := make([]float64, 120*80)
			naiveGemm(false, false, 120, 80, 90, 1, x.data, w.data, 0, want)
			for range 20 {
				got := MatMul(x, w)
				for i := range want {
					if !near(got.data[i], want[i], 1e-12) {
						errs[g] = fmt.Errorf("goroutine %d: element %d = %v, want %v", g, i, got.data[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
