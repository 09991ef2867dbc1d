package stdlib

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFloats compares the chunked merge sort with slices.Sort on
// lengths around the chunk size and its multiples, with NaNs, infinities
// and repeated values.
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, chunkSize, chunkSize + 1, 3*chunkSize - 7, 4 * chunkSize} {
		xs := make([]float64, n)
		for i := range xs {
			switch rng.IntN(50) {
			case 0:
				xs[i] = math.NaN()
			case 1:
				xs[i] = math.Inf(-1)
			case 2:
				xs[i] = 7
			default:
				xs[i] = rng.NormFloat64()
			}
		}
		want := slices.Clone(xs)
		slices.Sort(want)
		if err := sortFloats(nil, xs); err != nil {
			t.Fatal(err)
		}
		for i := range xs {
			if !(xs[i] == want[i] || math.IsNaN(xs[i]) && math.IsNaN(want[i])) {
				t.Fatalf("n = %d: element %d is %v, want %v", n, i, xs[i], want[i])
			}
		}
	}
}
