//go:build !amd64

package tensor

func adamAVX2(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int {
	panic("tensor: adamAVX2 without AVX2")
}

func adamAVX512(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int {
	panic("tensor: adamAVX512 without AVX-512")
}
