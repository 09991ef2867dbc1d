//go:build !amd64

package tensor

import "math"

// vexp sets dst[i] = e^src[i] for i < len(src) (dst may be src).
func vexp(dst, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = math.Exp(v)
	}
}

// vlog sets dst[i] = log(src[i]) for i < len(src) (dst may be src).
func vlog(dst, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = math.Log(v)
	}
}

// vlog1p sets dst[i] = log(1+src[i]) for i < len(src) (dst may be src).
func vlog1p(dst, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = math.Log1p(v)
	}
}

// exp1 is vexp of one value.
func exp1(x float64) float64 { return math.Exp(x) }

// log1p1 is vlog1p of one value.
func log1p1(x float64) float64 { return math.Log1p(x) }
