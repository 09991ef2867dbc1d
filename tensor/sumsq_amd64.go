package tensor

// sumSquaresAVX2 returns Σ x[i]² for i < n (n > 0, a multiple of 16) in
// four YMM accumulators. AVX2 and FMA.
//
//go:noescape
func sumSquaresAVX2(x *float64, n int) float64

// sumSquaresAVX512 returns Σ x[i]² for i < n (n > 0, a multiple of 32) in
// four ZMM accumulators. AVX-512 F.
//
//go:noescape
func sumSquaresAVX512(x *float64, n int) float64
