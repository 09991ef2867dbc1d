package dist

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"

	"github.com/flowppl/flowppl/tensor"
)

// Scalar special functions for the CDFs, in log space where the tails need
// it, and the pointwise construction that gives a tensor a gradient
// computed by hand.

// logErfc returns log erfc(t), finite for every finite t: math.Erfc below
// t = 25 (erfc(25) ≈ 8e-274 is still a normal number) and the asymptotic
// series erfc(t) = e^(-t²)/(t√π) Σ (-1)^k (2k-1)!!/(2t²)^k above, whose
// terms fall below 1e-17 of the first within 12 terms there.
func logErfc(t float64) float64 {
	if t < 25 {
		return math.Log(math.Erfc(t))
	}
	if math.IsInf(t, 1) {
		return math.Inf(-1)
	}
	x := 1 / (2 * t * t)
	s, term := 1.0, 1.0
	for k := 1; k <= 12; k++ {
		term *= -float64(2*k-1) * x
		s += term
	}
	return -t*t - math.Log(t) - 0.5*logPi + math.Log(s)
}

// logPhi returns log Φ(z), the log of the standard normal distribution
// function, accurate in both tails (log Φ(-40) ≈ -804.6).
func logPhi(z float64) float64 {
	if z < 0 {
		return logErfc(-z/math.Sqrt2) - math.Ln2
	}
	return math.Log1p(-0.5 * math.Erfc(z/math.Sqrt2))
}

// logPhiPdf returns log φ(z), the log standard normal density.
func logPhiPdf(z float64) float64 { return -0.5*z*z - logSqrt2Pi }

// normQ returns 1 - Φ(z), accurate in the upper tail.
func normQ(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// logNormCDF returns log Φ(z) elementwise, differentiable in z with
// derivative φ(z)/Φ(z) (computed in log space, ≈ -z far in the lower tail).
func logNormCDF(z *tensor.Tensor) *tensor.Tensor {
	zd := z.Data()
	vals := make([]float64, len(zd))
	var g []float64
	if z.Tracked() {
		g = make([]float64, len(zd))
	}
	for i, v := range zd {
		vals[i] = logPhi(v)
		if g != nil {
			g[i] = math.Exp(logPhiPdf(v) - vals[i])
		}
	}
	return pointwise(z.Shape(), vals, []*tensor.Tensor{z}, [][]float64{g})
}

// pointwise returns a tensor of the given shape and values whose gradient
// with respect to ins[k] is grads[k] elementwise (full shape, or nil for
// none): vals + Σ grads[k]·(ins[k] − ins[k]), where ins[k] − ins[k] is 0 in
// value but carries the gradient 1. ins[k] must broadcast to shape and
// grads must be finite.
func pointwise(shape []int, vals []float64, ins []*tensor.Tensor, grads [][]float64) *tensor.Tensor {
	out := tensor.New(vals, shape...)
	for k, in := range ins {
		if grads[k] == nil || !in.Tracked() {
			continue
		}
		zero := tensor.Sub(in, in.Detach())
		out = tensor.Add(out, tensor.Mul(tensor.New(grads[k], shape...), zero))
	}
	return out
}

var (
	legendreOnce sync.Once
	legendreX    [64]float64 // Gauss–Legendre nodes on [0, 1]
	legendreW    [64]float64
)

// legendre returns the 64-point Gauss–Legendre rule on [0, 1] (gonum's
// quad.Legendre).
func legendre() (x, w []float64) {
	legendreOnce.Do(func() { quad.Legendre{}.FixedLocations(legendreX[:], legendreW[:], 0, 1) })
	return legendreX[:], legendreW[:]
}

// owenT returns Owen's T function
//
//	T(h, a) = 1/(2π) ∫₀^a exp(-h²(1+x²)/2)/(1+x²) dx,
//
// by 64-point Gauss–Legendre quadrature for |a| ≤ 1 (over [0, min(a,
// 9/h)], beyond which the integrand is below e^(-40) of its value at 0),
// and for |a| > 1 by Owen's identity T(h, a) = ½Q(h) + ½Q(ah) − Q(h)Q(ah) −
// T(ah, 1/a) (h ≥ 0, Q = 1 − Φ). The absolute error is about 1e-16.
func owenT(h, a float64) float64 {
	switch {
	case a < 0:
		return -owenT(h, -a)
	case a == 0:
		return 0
	}
	h = math.Abs(h)
	if a > 1 {
		qh, qah := normQ(h), normQ(a*h)
		return 0.5*(qh+qah) - qh*qah - owenT(a*h, 1/a)
	}
	top := a
	if h > 0 {
		top = math.Min(a, 9/h)
	}
	x, w := legendre()
	s := 0.0
	for i, u := range x {
		t := u * top
		s += w[i] * math.Exp(-0.5*h*h*t*t) / (1 + t*t)
	}
	return s * top * math.Exp(-0.5*h*h) / (2 * math.Pi)
}

// logTailIntegral returns log ∫_{-∞}^{z} e^(lf(t)) dt for a log-concave
// density lf with slope c = lf'(z) > 0 at z (z left of the mode): with t =
// z − u/c the integrand is at most e^(lf(z) − u), so 64-point Gauss–Legendre
// over u ∈ [0, 50] gives the integral to about 1e-15 relative.
func logTailIntegral(lf func(t float64) float64, z, c float64) float64 {
	x, w := legendre()
	l0 := lf(z)
	s := 0.0
	for i, v := range x {
		u := 50 * v
		s += w[i] * math.Exp(lf(z-u/c)-l0)
	}
	return l0 + math.Log(50*s/c)
}

// softplus returns log(1 + e^t) without overflow.
func softplus(t float64) float64 { return math.Max(t, 0) + math.Log1p(math.Exp(-math.Abs(t))) }

// log1mexp returns log(1 − e^t) for t ≤ 0, accurately for t near 0 and far
// below it.
func log1mexp(t float64) float64 {
	if t > -math.Ln2 {
		return math.Log(-math.Expm1(t))
	}
	return math.Log1p(-math.Exp(t))
}

// richardson returns the derivative of f at t by central differences with
// Richardson extrapolation, (4D(h/2) − D(h))/3 with h = 1e-3·|t| (at most
// t/4 for positive t, so the stencil stays positive): truncation error
// O(h⁴), rounding error about 1e-13 relative. ok is false when f is not
// finite on the stencil.
func richardson(f func(float64) float64, t float64) (float64, bool) {
	h := 1e-3 * math.Max(math.Abs(t), 1e-3)
	if t > 0 {
		h = math.Min(h, t/4)
	}
	d := func(h float64) float64 { return (f(t+h) - f(t-h)) / (2 * h) }
	g := (4*d(h/2) - d(h)) / 3
	return g, !math.IsNaN(g) && !math.IsInf(g, 0)
}

// logGammaInc returns log P(a, x) and log Q(a, x), the logs of the
// regularised lower and upper incomplete gamma functions: gonum's
// mathext.GammaIncReg and GammaIncRegComp where they are above 1e-300, and
// far in a tail, where one of them underflows, that one in log space
// (log Q(2, 1e4) ≈ -9990.8) by the series P(a, x) = e^(-x) x^a/Γ(a+1) Σ
// x^n/((a+1)…(a+n)) for x < a + 1, else the continued fraction for Q
// (modified Lentz), as in Numerical Recipes' gser and gcf. Both converge
// fast in the tails; if they do not within 100000 terms the gonum value
// stands (its log may be -Inf, which the CDFs report as an error).
func logGammaInc(a, x float64) (lp, lq float64) {
	switch {
	case x <= 0:
		return math.Inf(-1), 0
	case math.IsInf(x, 1):
		return 0, math.Inf(-1)
	}
	p, q := mathext.GammaIncReg(a, x), mathext.GammaIncRegComp(a, x)
	lp, lq = math.Log(p), math.Log(q)
	if p > 1e-300 && q > 1e-300 {
		return lp, lq
	}
	lga, _ := math.Lgamma(a)
	pre := -x + a*math.Log(x) - lga
	if p <= 1e-300 && x < a+1 {
		ap, del := a, 1/a
		sum := del
		for range 100000 {
			ap++
			del *= x / ap
			sum += del
			if math.Abs(del) < math.Abs(sum)*1e-17 {
				return pre + math.Log(sum), lq
			}
		}
		return lp, lq
	}
	if q > 1e-300 || x < a+1 {
		return lp, lq
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 100000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			return lp, pre + math.Log(h)
		}
	}
	return lp, lq
}

// logRegIncBeta returns log I_x(a, b), the log of the regularised
// incomplete beta function: gonum's mathext.RegIncBeta where that is above
// 1e-300, else (far in the lower tail, where it underflows) the series
//
//	I_x(a, b) = x^a (1−x)^b / (a B(a, b)) Σ_n (a+b)_n/(a+1)_n x^n
//
// in log space (its terms fall by the factor (a+b+n)/(a+1+n)·x). It
// returns -Inf if the series does not converge in 10000 terms.
func logRegIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return math.Inf(-1)
	case x >= 1:
		return 0
	}
	if v := mathext.RegIncBeta(a, b, x); v > 1e-300 {
		return math.Log(v)
	}
	sum, term := 1.0, 1.0
	for n := 0.0; n < 10000; n++ {
		term *= (a + b + n) / (a + 1 + n) * x
		sum += term
		if term < 1e-17*sum {
			return a*math.Log(x) + b*math.Log1p(-x) - math.Log(a) - mathext.Lbeta(a, b) + math.Log(sum)
		}
	}
	return math.Inf(-1)
}

// digamma returns ψ(x) for a number: package tensor's digamma (accurate to
// about 1e-16 relative, where gonum's mathext.Digamma is accurate only to
// about 3e-11), so that the entropies computed on numbers agree with the
// entropy tensors of MomentTensors.
func digamma(x float64) float64 { return tensor.Digamma(tensor.Scalar(x)).Item() }
