package dist

import (
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// The moment tensors of a truncated Normal. Their values are those of
// Mean and StdDev (the quadrature of Truncated.moments, so that a draw's
// moments inside a model are exactly those of that draw alone); their
// gradients are those of the closed forms, with α = (low − loc)/scale,
// β = (high − loc)/scale, Z = Φ(β) − Φ(α) (the log normaliser, in log
// space) and r_x = φ(x)/Z,
//
//	mean = loc + scale (r_α − r_β)
//	var  = scale² (1 + α r_α − β r_β − (r_α − r_β)²).
//
// The variance cancels when the interval is narrow or far in a tail (at
// low = loc + 10 scale, 1 + α r_α ≈ 102 for a variance of 0.0094), so the
// closed forms are used only where the estimated relative rounding error
// of the variance stays below truncGradTol: the cancellation factor times
// that of Z (from log Z's size and from F(high) − F(low) cancelling).
// Elsewhere, and for every other base, Truncated has no moment tensors:
// inside a fit mean(d) and sd(d) of it are errors.

// truncGradTol bounds the estimated relative error of the closed-form
// variance whose derivatives are the gradients of the moment tensors.
const truncGradTol = 1e-8

var _ MomentTensors = Truncated{}

// normalBase returns the base as a Normal.
func (d Truncated) normalBase() (Normal, bool) {
	switch b := d.Base.(type) {
	case Normal:
		return b, true
	case *Normal:
		return *b, true
	}
	return Normal{}, false
}

// normalMoments returns the mean and standard deviation of a truncated
// Normal per element of the broadcast of the bounds and the base's
// parameters, or ok = false when the base is not a Normal or the variance
// cancels too much for some element (see truncGradTol).
func (d Truncated) normalMoments() (mean, sd *tensor.Tensor, ok bool) {
	mean, sd, e, ok := d.normalMomentsErr()
	if !ok || !(e <= truncGradTol) {
		return nil, nil, false
	}
	return mean, sd, true
}

// normalMomentsErr is normalMoments without the check: it also returns
// the largest estimated relative rounding error of the variance, Inf where
// the variance comes out non-positive.
func (d Truncated) normalMomentsErr() (mean, sd *tensor.Tensor, errEst float64, ok bool) {
	nb, isN := d.normalBase()
	if !isN {
		return nil, nil, 0, false
	}
	p := full("Truncated", d.Low, d.High, nb.Loc, nb.Scale)
	lo, hi, mu, s := p[0], p[1], p[2], p[3]
	logZ := broadcast(d.mass(), lo.Shape())
	// term returns r_x and x·r_x for the standardised bound x = (b − loc)/
	// scale, both 0 (constants) where b is infinite.
	term := func(b *tensor.Tensor) (r, xr *tensor.Tensor) {
		inf := make([]bool, b.Len())
		any := false
		for i, v := range b.Data() {
			inf[i] = math.IsInf(v, 0)
			any = any || inf[i]
		}
		if any {
			b = tensor.Where(inf, mu, b) // x = 0 there, no gradient
		}
		x := tensor.Div(tensor.Sub(b, mu), s)
		r = tensor.Exp(tensor.Sub(tensor.AddScalar(tensor.Scale(tensor.Square(x), -0.5), -logSqrt2Pi), logZ))
		xr = tensor.Mul(x, r)
		if any {
			zero := tensor.Zeros(b.Shape()...)
			r, xr = tensor.Where(inf, zero, r), tensor.Where(inf, zero, xr)
		}
		return r, xr
	}
	ra, ara := term(lo)
	rb, brb := term(hi)
	al, be := tensor.Div(tensor.Sub(lo, mu), s).Data(), tensor.Div(tensor.Sub(hi, mu), s).Data()
	diff := tensor.Sub(ra, rb)
	q := tensor.Sub(ara, brb)
	v := tensor.Sub(tensor.AddScalar(q, 1), tensor.Square(diff))
	for i, vi := range v.Data() {
		big := 1 + math.Abs(ara.Data()[i]) + math.Abs(brb.Data()[i]) + diff.Data()[i]*diff.Data()[i]
		// Z's relative error: log Z's size, and F(high) − F(low)
		// computed from tail masses up to min(1 − Φ(α), Φ(β))/Z times
		// Z.
		lz := logZ.Data()[i]
		dz := 1 + math.Abs(lz) + math.Min(normQ(al[i]), normQ(-be[i]))/math.Exp(lz)
		e := big / vi * dz * 1e-16
		if !(vi > 0) {
			e = math.Inf(1)
		}
		errEst = math.Max(errEst, e)
	}
	mean = tensor.Add(mu, tensor.Mul(s, diff))
	sd = tensor.Mul(s, tensor.Sqrt(v))
	return mean, sd, errEst, true
}

// MeanTensor returns the mean of a truncated Normal with the gradient of
// its closed form (see normalMoments), or nil where there is none:
// another base, or a truncation so narrow or so far in a tail that the
// closed form loses digits.
func (d Truncated) MeanTensor() *tensor.Tensor {
	m, _, ok := d.normalMoments()
	if !ok {
		return nil
	}
	return d.withValues(m, false)
}

// StdDevTensor returns the standard deviation of a truncated Normal, or
// nil, as MeanTensor.
func (d Truncated) StdDevTensor() *tensor.Tensor {
	_, s, ok := d.normalMoments()
	if !ok {
		return nil
	}
	return d.withValues(s, true)
}

// withValues returns the values of Mean (or StdDev) with the gradient of
// t: Mean + (t − t), the difference being exactly 0.
func (d Truncated) withValues(t *tensor.Tensor, sd bool) *tensor.Tensor {
	m, s, ok := d.moments(sd)
	v := m
	if sd {
		v = s
	}
	if !ok || len(v) != t.Len() {
		return nil
	}
	return tensor.Add(tensor.New(v, t.Shape()...), tensor.Sub(t, t.Detach()))
}

// EntropyTensor reports ok = false: Truncated has no entropy.
func (d Truncated) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }
