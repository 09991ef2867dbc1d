package tensor

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPack times the packing of the seed's 1000×256 operand into
// panels (A: 6-row panels, B: 8-column panels), per element.
func BenchmarkPack(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 7))
	src := RandN(rng, 1000*256).data
	dst := make([]float64, gemmMC*gemmKC)
	bdst := make([]float64, gemmKC*gemmNR)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"A/rows", func() {
			for i0 := 0; i0+gemmMC <= 1000; i0 += gemmMC {
				packA(dst, src, 256, false, i0, gemmMC, 0, 256)
			}
		}},
		{"A/transposed", func() {
			for i0 := 0; i0+gemmMC <= 256; i0 += gemmMC {
				packA(dst, src, 256, true, i0, gemmMC, 0, 256)
			}
		}},
		{"B/rows", func() {
			for j0 := 0; j0 < 256; j0 += gemmNR {
				packB(bdst, src, 256, false, j0, gemmNR, 0, 256)
			}
		}},
		{"B/transposed", func() {
			for j0 := 0; j0 < 256; j0 += gemmNR {
				packB(bdst, src, 256, true, j0, gemmNR, 0, 256)
			}
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				tt.f()
			}
		})
	}
}
