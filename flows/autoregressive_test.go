package flows

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// randomAffineAR returns a layer over R^d whose output heads are random, so
// that every pass of a sequential solve matters.
func randomAffineAR(t testing.TB, d int, rng *rand.Rand) *AffineAutoregressive {
	a, err := NewAffineAutoregressive(d, Options{Hidden: []int{16, 12}}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*tensor.Tensor{a.made.wMu, a.made.wS} {
		for i := range w.Data() {
			w.Data()[i] = 0.3 * rng.NormFloat64()
		}
	}
	return a
}

// TestSolveScratchBitIdentical checks that the untracked sequential solve on
// a private tape gives exactly the results of the tracked-path solveAR.
func TestSolveScratchBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, d := range []int{1, 2, 5} {
		a := randomAffineAR(t, d, rng)
		n := 33
		v := make([]float64, n*d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		x := tensor.New(v, n, d)
		for _, inverse := range []bool{false, true} {
			step := func(cur *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
				mu, s, logS := a.shiftScale(cur)
				if inverse {
					return tensor.Div(tensor.Sub(x, mu), s), logS
				}
				return tensor.Add(tensor.Mul(x, s), mu), logS
			}
			for rep := range 2 { // the second call reuses a pooled tape
				y1, l1 := solveAR(a.made.order, n, step)
				y2, l2 := solveARScratch(a.made.order, n, step)
				for i := range y1.Data() {
					if math.Float64bits(y1.Data()[i]) != math.Float64bits(y2.Data()[i]) ||
						math.Float64bits(l1.Data()[i]) != math.Float64bits(l2.Data()[i]) {
						t.Fatalf("d=%d inverse=%v rep=%d: element %d differs: %v/%v vs %v/%v",
							d, inverse, rep, i, y1.Data()[i], l1.Data()[i], y2.Data()[i], l2.Data()[i])
					}
				}
			}
		}
	}
}

// BenchmarkSampleDataSide measures an untracked data-side Forward (d
// sequential MADE passes), as Sample runs it.
func BenchmarkSampleDataSide(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, err := NewAffineAutoregressive(2, Options{}, rng)
	if err != nil {
		b.Fatal(err)
	}
	a.SetDirection(DataSide)
	x := tensor.Zeros(1000, 2)
	for i := range x.Data() {
		x.Data()[i] = rng.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		a.Forward(x)
	}
}
