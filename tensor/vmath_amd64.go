package tensor

import "math"

// Vector kernels of vmath_amd64.s: dst[i] = f(src[i]) for i < n, n > 0 a
// multiple of 4 (AVX2 and FMA) or of 8 (AVX-512, with the same values bit
// for bit).

//go:noescape
func vexpAVX2(dst, src *float64, n int)

//go:noescape
func vlogAVX2(dst, src *float64, n int)

//go:noescape
func vlog1pAVX2(dst, src *float64, n int)

//go:noescape
func vexpAVX512(dst, src *float64, n int)

//go:noescape
func vlogAVX512(dst, src *float64, n int)

//go:noescape
func vlog1pAVX512(dst, src *float64, n int)

// vexp sets dst[i] = e^src[i] for i < len(src) (dst may be src). Within 2
// ulp of math.Exp, with its special values, except that it is finite up to
// exp(709.78) = MaxFloat64 as the portable math.Exp (math.Exp on amd64
// gives +Inf from x ≈ 709.44).
func vexp(dst, src []float64) { vapply(dst, src, vmExp) }

// vlog sets dst[i] = log(src[i]) for i < len(src) (dst may be src). Within
// 2 ulp of math.Log, with its special values, and right on subnormal inputs
// (where math.Log on amd64 is not: math.Log(5e-324) = −709.09).
func vlog(dst, src []float64) { vapply(dst, src, vmLog) }

// vlog1p sets dst[i] = log(1+src[i]) for i < len(src) (dst may be src).
// Within 2 ulp of math.Log1p, with its special values.
func vlog1p(dst, src []float64) { vapply(dst, src, vmLog1p) }

// The functions of vapply.
const (
	vmExp = iota
	vmLog
	vmLog1p
)

// vkern runs the kernel of op on n values (n > 0, a multiple of 4, or of
// 8 when wide: the AVX-512 kernels). A switch rather than a func value, so
// that the pointers do not escape.
func vkern(op int, wide bool, dst, src *float64, n int) {
	if wide {
		switch op {
		case vmExp:
			vexpAVX512(dst, src, n)
		case vmLog:
			vlogAVX512(dst, src, n)
		default:
			vlog1pAVX512(dst, src, n)
		}
		return
	}
	switch op {
	case vmExp:
		vexpAVX2(dst, src, n)
	case vmLog:
		vlogAVX2(dst, src, n)
	default:
		vlog1pAVX2(dst, src, n)
	}
}

// vscalar is vapply with the functions of package math.
func vscalar(op int, dst, src []float64) {
	dst = dst[:len(src)]
	switch op {
	case vmExp:
		for i, v := range src {
			dst[i] = math.Exp(v)
		}
	case vmLog:
		for i, v := range src {
			dst[i] = math.Log(v)
		}
	default:
		for i, v := range src {
			dst[i] = math.Log1p(v)
		}
	}
}

// vapply runs the kernel on the blocks of 8 (AVX-512) or 4 and then on the
// tail, padded with zeros, so that every element gets the kernel's value
// whatever its position (results do not depend on how splitElems cut the
// slice). Without useSIMD it is the scalar loop of the math function.
func vapply(dst, src []float64, op int) {
	dst = dst[:len(src)]
	if !useSIMD {
		vscalar(op, dst, src)
		return
	}
	n := 0
	if useAVX512 {
		if n = len(src) &^ 7; n > 0 {
			vkern(op, true, &dst[0], &src[0], n)
		}
	}
	if m := len(src) &^ 3; m > n {
		vkern(op, false, &dst[n], &src[n], m-n)
		n = m
	}
	if n < len(src) {
		var buf [4]float64
		copy(buf[:], src[n:])
		vkern(op, false, &buf[0], &buf[0], 4)
		copy(dst[n:], buf[:])
	}
}

// exp1 is vexp of one value, computed in Go: the same operations as the
// kernel (math.FMA where it fuses, float64 conversions against fusing
// elsewhere), hence the same value bit for bit, without the cost of a call
// for a block of four.
func exp1(x float64) float64 {
	if !useSIMD {
		return math.Exp(x)
	}
	const (
		log2e    = 1.4426950408889634
		magicExp = 0x1p52 + 1023
	)
	c := x
	if !(c > -746) { // VMAXPD: NaN gives the bound; restored below
		c = -746
	}
	if !(c < 710) {
		c = 710
	}
	k := math.RoundToEven(float64(c * log2e))
	r := math.FMA(-k, vmLn2Hi, c)
	r = math.FMA(-k, vmLn2Lo, r)
	p := 1.6059043836821613e-10
	for _, e := range [...]float64{
		2.08767569878681e-09, 2.505210838544172e-08, 2.755731922398589e-07,
		2.7557319223985893e-06, 2.48015873015873e-05, 0.0001984126984126984,
		0.001388888888888889, 0.008333333333333333, 0.041666666666666664,
		0.16666666666666666, 0.5, 1, 1,
	} {
		p = math.FMA(r, p, e)
	}
	k1 := math.Floor(float64(k * 0.5))
	k2 := k - k1
	s1 := math.Float64frombits(math.Float64bits(k1+magicExp) << 52)
	s2 := math.Float64frombits(math.Float64bits(k2+magicExp) << 52)
	y := float64(float64(p*s1) * s2)
	if x != x {
		return x
	}
	return y
}

// log1p1 is vlog1p of one value, computed in Go with the kernel's
// operations (see exp1).
func log1p1(x float64) float64 {
	if !useSIMD {
		return math.Log1p(x)
	}
	const magicExp = 0x1p52 + 1023
	u := x + 1
	b := u - 1
	a := u - b
	c := (1 - a) + (x - b) // (1+x) - u exactly
	bits := math.Float64bits(u)
	k := float64(bits>>52) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 0x3FF0000000000000)
	if m > math.Sqrt2 {
		m *= 0.5
		k++
	}
	f := m - 1
	kk := k
	if !(kk < 1023) {
		kk = 1023
	}
	f = math.FMA(c, math.Float64frombits(math.Float64bits(magicExp-kk)<<52), f)
	y := logTail(k, f)
	switch {
	case x == 0 || x == math.Inf(1):
		return x
	case x == -1:
		return math.Inf(-1)
	case !(x >= -1):
		return math.NaN()
	}
	return y
}

// vmLn2Hi and vmLn2Lo split ln 2 as the kernels do (vmLn2Hi has 32
// significant bits, so that k·vmLn2Hi is exact).
const (
	vmLn2Hi = 6.93147180369123816490e-01
	vmLn2Lo = 1.90821492927058770002e-10
)

// logTail is the kernels' LOGTAIL: k·ln2 + log(1+f) as fdlibm computes it.
func logTail(k, f float64) float64 {
	s := f / (2 + f)
	s2 := float64(s * s)
	t := 1.479819860511658591e-01
	for _, l := range [...]float64{
		1.531383769920937332e-01, 1.818357216161805012e-01, 2.222219843214978396e-01,
		2.857142874366239149e-01, 3.999999999940941908e-01, 6.666666666666735130e-01,
	} {
		t = math.FMA(s2, t, l)
	}
	hfsq := float64(float64(0.5*f) * f)
	R := float64(s2 * t)
	d := (hfsq - math.FMA(s, hfsq+R, float64(k*vmLn2Lo))) - f
	return float64(k*vmLn2Hi) - d
}
