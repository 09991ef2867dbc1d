package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReluRows checks the vector ReLU and ReLU-gradient rows against the
// scalar definitions on special values (±0, ±Inf, NaN of either sign,
// subnormals) and random ones, for lengths with and without a tail.
func TestReluRows(t *testing.T) {
	negNaN := math.Float64frombits(math.Float64bits(math.NaN()) | 1<<63)
	special := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), negNaN, 5e-324, -5e-324}
	rng := rand.New(rand.NewPCG(3, 3))
	defer func(v bool) { useSIMD = v }(useSIMD)
	for _, n := range []int{1, 7, 8, 19, 64} {
		x := make([]float64, n)
		for i := range x {
			if i < len(special) {
				x[i] = special[(i+n)%len(special)]
			} else {
				x[i] = rng.NormFloat64()
			}
		}
		g := make([]float64, n)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		var want, got struct{ y, g, gb []float64 }
		for k, simd := range []bool{false, useSIMD} {
			useSIMD = simd
			y := append([]float64(nil), x...)
			gemmEpi{relu: true}.end(y)
			gg := append([]float64(nil), g...)
			gb := make([]float64, n)
			for i := range gb {
				gb[i] = float64(i)
			}
			reluGradRow(gg, y, gb, true)
			if k == 0 {
				want.y, want.g, want.gb = y, gg, gb
			} else {
				got.y, got.g, got.gb = y, gg, gb
			}
		}
		for i := range x {
			// The scalar definition: max(x, 0), NaN kept, +0 for ±0.
			ref := max(x[i], 0)
			if math.Float64bits(want.y[i]) != math.Float64bits(ref) && !(math.IsNaN(ref) && math.IsNaN(want.y[i])) {
				t.Fatalf("n %d: scalar relu(%v) = %v, want %v", n, x[i], want.y[i], ref)
			}
			same := func(a, b float64) bool {
				return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
			}
			if !same(got.y[i], want.y[i]) || !same(got.g[i], want.g[i]) || !same(got.gb[i], want.gb[i]) {
				t.Fatalf("n %d, x %v: vector (y %v, g %v, gb %v), scalar (y %v, g %v, gb %v)", n, x[i], got.y[i], got.g[i], got.gb[i], want.y[i], want.g[i], want.gb[i])
			}
			if off := want.y[i] == 0; off != (want.g[i] == 0) && g[i] != 0 {
				t.Fatalf("n %d, x %v: gradient %v passed through an off ReLU", n, x[i], want.g[i])
			}
		}
	}
}
