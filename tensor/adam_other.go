//go:build !amd64

package tensor

func adamAVX2(x, gr, m, v *float64, n int, c *[6]float64, bad *[4]float64) {
	panic("tensor: adamAVX2 without AVX2")
}
