//go:build !amd64

package tensor

func hasAVX2FMA() bool { return false }

func kern6x8(k int, a, b, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x8 without AVX2")
}

func kern6x8s(k int, a *float64, lda int, b, c *float64, ldc int, alpha float64) {
	panic("tensor: kern6x8s without AVX2")
}
