package infer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// goGradient is a log density with a gradient coded in Go, costing a few
// nanoseconds a call: what is left of a NUTS run on it is the sampler's
// own work.
type goGradient struct {
	name string
	d    int
	f    func(q, g []float64) float64
}

// goGradients are a standard normal in 10 and 4 dimensions and the AR(1)
// Gaussian of the package's pinned runs (ar1Post in nutscost_test.go:
// x = s ⊙ y, y an AR(1) series with ρ = 0.9, s_i = 1 + i/2), whose
// precision is tridiagonal.
var goGradients = []goGradient{
	{"iid10", 10, stdNormalGrad},
	{"ar10", 10, ar1Grad(10, 0.9)},
	{"iid4", 4, stdNormalGrad},
}

func stdNormalGrad(q, g []float64) float64 {
	s := 0.0
	for i, v := range q {
		s += v * v
		g[i] = -v
	}
	return -s / 2
}

func ar1Grad(d int, rho float64) func(q, g []float64) float64 {
	inv := make([]float64, d)
	for i := range inv {
		inv[i] = 1 / (1 + float64(i)/2)
	}
	c := 1 / (1 - rho*rho)
	y := make([]float64, d)
	return func(q, g []float64) float64 {
		for i, v := range q {
			y[i] = v * inv[i]
		}
		// log p = −½ (y₁² + c Σ (y_i − ρ y_{i−1})²) + const.
		s := y[0] * y[0]
		clear(g)
		g[0] = -y[0]
		for i := 1; i < d; i++ {
			e := y[i] - rho*y[i-1]
			s += c * e * e
			g[i] -= c * e
			g[i-1] += c * rho * e
		}
		for i := range g {
			g[i] *= inv[i]
		}
		return -s / 2
	}
}

// BenchmarkNUTSTree is the sampler alone: whole NUTS chains with Stan's
// defaults (1,000 warm-up and 1,000 sampling iterations) whose gradient
// is goGradients' Go code instead of a Posterior's tape, for 1 chain and
// 4 chains run at once in their own goroutines (as NUTS runs forked
// chains), with the diagonal and the dense metric. It reports per
// gradient the wall ns (ns/grad), the process's CPU ns (cpu-ns/grad) and
// the heap allocations (allocs/grad: the run's setup and draw storage;
// the tree allocates nothing).
func BenchmarkNUTSTree(b *testing.B) {
	for _, gg := range goGradients {
		for _, metric := range []string{"diag", "dense"} {
			for _, chains := range []int{1, 4} {
				b.Run(fmt.Sprintf("%s/%s/chains=%d", gg.name, metric, chains), func(b *testing.B) {
					grads := 0
					meter := StartGradMeter()
					for i := 0; b.Loop(); i++ {
						o, err := NUTSOptions{Chains: chains, Seed: uint64(i), Metric: metric}.withDefaults()
						if err != nil {
							b.Fatal(err)
						}
						counts := make([]int, chains)
						var wg sync.WaitGroup
						for c := range chains {
							wg.Add(1)
							go func() {
								defer wg.Done()
								ch := newNUTSChain(stdNormal{gg.d}, nil, &o, c, context.Background())
								f := gg.f
								if chains > 1 { // ar1Grad's scratch is not shared
									f = goGradientFor(gg)
								}
								ch.grad = func(q, g []float64) float64 {
									counts[c]++
									return f(q, g)
								}
								if _, err := ch.run(); err != nil {
									b.Error(err)
								}
							}()
						}
						wg.Wait()
						for _, n := range counts {
							grads += n
						}
					}
					meter.Report(b, grads)
				})
			}
		}
	}
}

// goGradientFor returns a fresh copy of gg's gradient (its own scratch).
func goGradientFor(gg goGradient) func(q, g []float64) float64 {
	if gg.name == "ar10" {
		return ar1Grad(10, 0.9)
	}
	return gg.f
}

// TestGoGradients: the Go-coded gradients equal central differences of
// their log densities (to 1e-6, the differences' truncation error at
// step 1e-5 on these quadratics being rounding only).
func TestGoGradients(t *testing.T) {
	for _, gg := range goGradients {
		q := make([]float64, gg.d)
		for i := range q {
			q[i] = math.Sin(float64(i) + 0.3)
		}
		g, tmp := make([]float64, gg.d), make([]float64, gg.d)
		gg.f(q, g)
		for i := range q {
			h := 1e-5
			x := q[i]
			q[i] = x + h
			up := gg.f(q, tmp)
			q[i] = x - h
			down := gg.f(q, tmp)
			q[i] = x
			if fd := (up - down) / (2 * h); math.Abs(fd-g[i]) > 1e-6 {
				t.Errorf("%s: d/dq[%d] = %v, finite difference %v", gg.name, i, g[i], fd)
			}
		}
	}
}

// criterion is the generalised no-U-turn criterion as Stan computes it,
// one check at a time: both ends' sharp momenta have a positive
// projection on ρ = r1 + r2 (nil r2: ρ = r1).
func criterion(pshMinus, pshPlus, r1, r2 []float64) bool {
	var a, b float64
	for i := range r1 {
		r := r1[i]
		if r2 != nil {
			r += r2[i]
		}
		a += pshMinus[i] * r
		b += pshPlus[i] * r
	}
	return a > 0 && b > 0
}

// TestMergeMatchesCriterion: merge's one pass gives the three checks of
// Stan's criterion, and ρ, bit for bit, on random vectors whose checks
// pass and fail in every combination (each vector's entries are mostly
// positive or mostly negative at random), in both of merge's modes.
func TestMergeMatchesCriterion(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[[3]bool]bool{}
	for trial := range 4000 {
		n := 1 + trial%12
		vec := func() []float64 {
			v := make([]float64, n)
			bias := rng.NormFloat64()
			for i := range v {
				v[i] = bias + rng.NormFloat64()
			}
			return v
		}
		rL, rR, pshL0, pshL1, pL1, pshR0, pR0, pshR1 := vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
		want := [3]bool{
			criterion(pshL0, pshR1, rL, rR),
			criterion(pshL0, pshR0, rL, pR0),
			criterion(pshL1, pshR1, rR, pL1),
		}
		seen[want] = true
		for _, acc := range []bool{true, false} {
			rho := make([]float64, n)
			got := merge(rho, rL, rR, pshL0, pshL1, pL1, pshR0, pR0, pshR1, acc)
			if got != (want[0] && want[1] && want[2]) {
				t.Fatalf("trial %d (acc %v): merge = %v, criteria %v", trial, acc, got, want)
			}
			for i := range rho {
				w := rL[i] + rR[i]
				if acc {
					w = 0.0
					w += rL[i]
					w += rR[i]
				}
				if math.Float64bits(rho[i]) != math.Float64bits(w) {
					t.Fatalf("trial %d (acc %v): rho[%d] = %v, want %v", trial, acc, i, rho[i], w)
				}
			}
		}
	}
	if len(seen) != 8 {
		t.Errorf("only %d of the 8 combinations of checks met", len(seen))
	}
}
