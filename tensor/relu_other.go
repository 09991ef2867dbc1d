//go:build !amd64

package tensor

func reluAVX(x *float64, n int) { panic("tensor: reluAVX without AVX") }

func reluGradAVX(gr, y, gb *float64, n int) { panic("tensor: reluGradAVX without AVX") }
