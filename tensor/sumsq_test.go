package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumSquares checks SumSquares on every path against a sequential sum
// (to rounding) and its finiteness contract: NaN when a value is NaN,
// +Inf when one is infinite (no NaN) or the squares overflow, at every
// position, including the tails.
func TestSumSquares(t *testing.T) {
	defer func(s, a bool) { useSIMD, useAVX512 = s, a }(useSIMD, useAVX512)
	names, simd, avx512 := adamPaths()
	rng := rand.New(rand.NewPCG(2, 7))
	for p, name := range names {
		useSIMD, useAVX512 = simd[p], avx512[p]
		for _, n := range []int{0, 1, 3, 15, 16, 17, 31, 32, 33, 47, 63, 64, 100, 1001, 67000} {
			x := make([]float64, n)
			want := 0.0
			for i := range x {
				x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
				want += x[i] * x[i]
			}
			if got := SumSquares(x); math.Abs(got-want) > 1e-12*want {
				t.Fatalf("%s n %d: %v, want %v", name, n, got, want)
			}
			if n == 0 {
				continue
			}
			for _, at := range []int{0, n - 1, rng.IntN(n)} {
				for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e200, -1e160} {
					old := x[at]
					x[at] = bad
					got := SumSquares(x)
					x[at] = old
					switch {
					case math.IsNaN(bad):
						if !math.IsNaN(got) {
							t.Fatalf("%s n %d: NaN at %d gives %v", name, n, at, got)
						}
					default:
						if !math.IsInf(got, 1) {
							t.Fatalf("%s n %d: %v at %d gives %v, want +Inf", name, n, bad, at, got)
						}
					}
				}
			}
			// NaN and +Inf together: NaN
			i, j := rng.IntN(n), rng.IntN(n)
			oi, oj := x[i], x[j]
			x[i], x[j] = math.Inf(1), math.NaN()
			if got := SumSquares(x); !math.IsNaN(got) {
				t.Fatalf("%s n %d: NaN at %d and +Inf at %d give %v", name, n, j, i, got)
			}
			x[i], x[j] = oi, oj
			// large but finite squares stay finite
			for k := range x {
				x[k] = 1e150 * float64(k%3)
			}
			if got := SumSquares(x); math.IsInf(got, 0) || math.IsNaN(got) {
				t.Fatalf("%s n %d: finite sum gives %v", name, n, got)
			}
		}
	}
}

// BenchmarkSumSquares times the sum of squares of 67,000 values by each
// path.
func BenchmarkSumSquares(b *testing.B) {
	defer func(s, a bool) { useSIMD, useAVX512 = s, a }(useSIMD, useAVX512)
	x := RandN(rand.New(rand.NewPCG(1, 1)), 67000).data
	names, simd, avx512 := adamPaths()
	for p, name := range names {
		b.Run(name, func(b *testing.B) {
			useSIMD, useAVX512 = simd[p], avx512[p]
			for b.Loop() {
				SumSquares(x)
			}
		})
	}
}
