//go:build !amd64

package tensor

func hasAVX2FMA() bool { return false }

func kern6x8(k int, a, b, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x8 without AVX2")
}

func kern6x8s(k int, a *float64, lda int, b, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x8s without AVX2")
}

func hasAVX512() bool { return false }

func kern6x16(k int, a, b *float64, bstride int, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x16 without AVX-512")
}

func kern6x16s(k int, a *float64, lda int, b *float64, bstride int, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x16s without AVX-512")
}

func kern6x16b(k int, a, b *float64, ldb int, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x16b without AVX-512")
}

func kern6x16sb(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x16sb without AVX-512")
}
