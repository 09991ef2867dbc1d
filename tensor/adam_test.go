package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamUpdate checks the vector Adam update against the scalar loop bit
// for bit, for lengths with every tail, and that a non-finite result is
// reported.
func TestAdamUpdate(t *testing.T) {
	defer func(v bool) { useSIMD = v }(useSIMD)
	rng := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 37, 70001} {
		for _, poison := range []bool{false, true} {
			x, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range n {
				x[i], g[i] = rng.NormFloat64(), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(12)-6))
				m[i], v[i] = rng.NormFloat64()*0.1, rng.Float64()*0.01
			}
			if poison && n > 0 {
				g[rng.IntN(n)] = math.Inf(1)
			}
			run := func(simd bool) ([]float64, []float64, []float64, bool) {
				useSIMD = simd
				xs, ms, vs := append([]float64(nil), x...), append([]float64(nil), m...), append([]float64(nil), v...)
				ok := AdamUpdate(xs, g, ms, vs, 0.9, 0.999, 0.01/0.1*math.Sqrt(0.001), 1e-8*math.Sqrt(0.001))
				return xs, ms, vs, ok
			}
			x0, m0, v0, ok0 := run(false)
			x1, m1, v1, ok1 := run(true)
			if ok0 != ok1 || ok0 == (poison && n > 0) {
				t.Fatalf("n %d poison %v: finite reported %v (scalar) and %v (vector)", n, poison, ok0, ok1)
			}
			same := func(a, b float64) bool {
				return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
			}
			for i := range n {
				if !same(x0[i], x1[i]) || !same(m0[i], m1[i]) || !same(v0[i], v1[i]) {
					t.Fatalf("n %d [%d]: vector (%v %v %v), scalar (%v %v %v)", n, i, x1[i], m1[i], v1[i], x0[i], m0[i], v0[i])
				}
			}
		}
	}
}

// BenchmarkAdamUpdate times one update of a 256×256 layer's weights.
func BenchmarkAdamUpdate(b *testing.B) {
	defer func(v bool) { useSIMD = v }(useSIMD)
	n := 256 * 256
	rng := rand.New(rand.NewPCG(1, 1))
	x, g, m, v := RandN(rng, n).data, RandN(rng, n).data, make([]float64, n), make([]float64, n)
	for _, simd := range []bool{false, true} {
		name := "scalar"
		if simd {
			name = "vector"
		}
		b.Run(name, func(b *testing.B) {
			useSIMD = simd
			for b.Loop() {
				AdamUpdate(x, g, m, v, 0.9, 0.999, 1e-3, 1e-8)
			}
		})
	}
}
