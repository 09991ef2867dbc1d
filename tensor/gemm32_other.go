//go:build !amd64

package tensor

// kern32x6x32 has no portable version: off amd64 useAVX512 is false, so
// gemm32 falls back to the float64 product and never calls it.
func kern32x6x32(k int, a *float32, astep, arow int, b *float32, c *float64, ldc int, alpha float64) {
	panic("tensor: kern32x6x32 without AVX-512")
}

// pack32BN is never called off amd64 (see kern32x6x32).
func pack32BN(dst *float32, b *float64, ldb, kc int) {
	panic("tensor: pack32BN without AVX-512")
}

// pack32BT is never called off amd64 (see kern32x6x32).
func pack32BT(dst *float32, b *float64, ldb, k8 int) {
	panic("tensor: pack32BT without AVX-512")
}

// cvt32 is never called off amd64 (see kern32x6x32).
func cvt32(dst *float32, ldd int, src *float64, lds, rows, cols int) {
	panic("tensor: cvt32 without AVX-512")
}
