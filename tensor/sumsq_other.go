//go:build !amd64

package tensor

func sumSquaresAVX2(x *float64, n int) float64 { panic("tensor: sumSquaresAVX2 without AVX2") }

func sumSquaresAVX512(x *float64, n int) float64 {
	panic("tensor: sumSquaresAVX512 without AVX-512")
}
