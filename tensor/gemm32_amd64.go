package tensor

// kern32x6x32 is the mixed-precision AVX-512 micro-kernel of gemm32:
// C[i*ldc+j] += alpha · float64(Σ_p a[p*astep+i*arow]·b[p*32+j]) for
// i < 6 and j < 32, over six rows of op(A) in float32 (a packed panel has
// astep 6 and arow 1; rows of a converted row-major block are read in
// place with astep 1, arow its row length; columns of a converted
// transposed one with astep its row length, arow 1) and a packed float32
// B panel (32 columns, depth-major). The sums are accumulated in float32
// (12 ZMM accumulators of 16 lanes), widened to float64 at the end and
// added to the float64 tile of C, rows ldc elements apart. k ≥ 1.
//
//go:noescape
func kern32x6x32(k int, a *float32, astep, arow int, b *float32, c *float64, ldc int, alpha float64)

// cvt32 converts a rows×cols block to float32: dst[r*ldd+i] =
// float32(src[r*lds+i]) for r < rows, i < cols (AVX-512). rows, cols ≥ 1.
//
//go:noescape
func cvt32(dst *float32, ldd int, src *float64, lds, rows, cols int)

// pack32BN packs a full 32-column panel of a row-major op(B) to float32:
// dst[p*32+j] = float32(b[p*ldb+j]) for p < kc, j < 32. AVX-512, kc ≥ 1.
//
//go:noescape
func pack32BN(dst *float32, b *float64, ldb, kc int)

// pack32BT packs the first 8·k8 depths of a full 32-column panel of a
// transposed op(B) to float32: dst[p*32+j] = float32(b[j*ldb+p]) for
// p < 8·k8, j < 32, transposing 16×8 blocks in registers. AVX-512,
// k8 ≥ 1.
//
//go:noescape
func pack32BT(dst *float32, b *float64, ldb, k8 int)
