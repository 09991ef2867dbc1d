package dist

import (
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// The moment tensors of a truncated Normal. Their values are those of
// Mean and StdDev (the quadrature of Truncated.moments, so that a draw's
// moments inside a model are exactly those of that draw alone); their
// gradients come from identities that hold for any truncated density
// p(x) = f(x)/Z on [a, b], written with the central moments V, m3, m4
// (the same quadrature) rather than the closed forms, which cancel badly
// for intervals that are narrow or far in a tail:
//
//	∂E[g]/∂b = p(b) (g(b) − E[g]),   ∂E[g]/∂a = −p(a) (g(a) − E[g]),
//
// and, for a parameter θ of f, ∂E[g]/∂θ = Cov(g(X), ∂ log f(X)/∂θ). For
// the Normal, ∂ log f/∂loc = (x − loc)/scale² and ∂ log f/∂scale = (x −
// loc)²/scale³ + const, so with c = E − loc
//
//	∂E/∂loc = V/scale²,   ∂E/∂scale = (m3 + 2c V)/scale³,
//	∂V/∂loc = m3/scale²,  ∂V/∂scale = (m4 − V² + 2c m3)/scale³,
//	∂V/∂b = p(b) ((b − E)² − V),  ∂V/∂a = −p(a) ((a − E)² − V).
//
// Other bases have no moment tensors: inside a fit, mean(d) and sd(d) of
// them are errors.

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

// normalMomentTensors returns the mean and standard deviation of a
// truncated Normal per element of the broadcast of the bounds and the
// base's parameters, with the gradients above; ok is false for another
// base.
func (d Truncated) normalMomentTensors() (mean, sd *tensor.Tensor, ok bool) {
	nb, isN := d.normalBase()
	if !isN || d.spec.discrete {
		return nil, nil, false
	}
	ins := []*tensor.Tensor{d.Low, d.High, nb.Loc, nb.Scale}
	vals := detach(ins...)
	shape := broadcastShape("Truncated", vals...)
	g := newGrid(shape, vals...)
	ms, ss := make([]float64, g.size), make([]float64, g.size)
	logZ := broadcast(d.mass().Detach(), shape).Data()
	us, ws, wts := tanhSinh()
	gm, gs := make([][]float64, 4), make([][]float64, 4)
	for k := range gm {
		gm[k], gs[k] = make([]float64, g.size), make([]float64, g.size)
	}
	q := make([]float64, len(us))
	g.each(func(i int, v []float64) {
		lo, hi, mu, s := v[0], v[1], v[2], v[3]
		// The values exactly as Mean and StdDev compute them.
		e, sdv := d.quadMoments(v, q, us, ws, wts)
		ms[i], ss[i] = e, sdv
		vr := sdv * sdv
		var m3, m4, tw float64
		for j := range us {
			x := q[j] - e
			m3 += wts[j] * x * x * x
			m4 += wts[j] * x * x * x * x
			tw += wts[j]
		}
		m3, m4 = m3/tw, m4/tw
		// The truncated density at a finite bound: φ(z)/(scale Z).
		dens := func(b float64) float64 {
			if math.IsInf(b, 0) {
				return 0
			}
			z := (b - mu) / s
			return math.Exp(logPhiPdf(z) - math.Log(s) - logZ[i])
		}
		pa, pb := dens(lo), dens(hi)
		c := e - mu
		dv := [4]float64{0, 0, m3 / (s * s), (m4 - vr*vr + 2*c*m3) / (s * s * s)}
		gm[2][i], gm[3][i] = vr/(s*s), (m3+2*c*vr)/(s*s*s)
		if pa > 0 {
			gm[0][i], dv[0] = pa*(e-lo), -pa*((lo-e)*(lo-e)-vr)
		}
		if pb > 0 {
			gm[1][i], dv[1] = pb*(hi-e), pb*((hi-e)*(hi-e)-vr)
		}
		for k := range dv {
			if sdv > 0 {
				gs[k][i] = dv[k] / (2 * sdv)
			}
		}
	})
	for _, gr := range append(gm, gs...) {
		for _, x := range gr {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, nil, false
			}
		}
	}
	return pointwise(shape, ms, ins, gm), pointwise(shape, ss, ins, gs), true
}

// tanhSinh returns the nodes u, 1 − u and weights of the tanh-sinh rule
// of Truncated.moments.
func tanhSinh() (us, ws, wts []float64) {
	const h, tmax = 1.0 / 8, 4.0
	for t := -tmax; t <= tmax+1e-9; t += h {
		s := math.Pi * math.Sinh(t)
		us = append(us, 1/(1+math.Exp(-s)))
		ws = append(ws, 1/(1+math.Exp(s)))
		c := math.Cosh(0.5 * s)
		wts = append(wts, h*0.25*math.Pi*math.Cosh(t)/(c*c))
	}
	return us, ws, wts
}

// MeanTensor returns the mean of a truncated Normal (the values of Mean,
// differentiable in the bounds and the Normal's parameters), or nil for
// another base.
func (d Truncated) MeanTensor() *tensor.Tensor {
	m, _, ok := d.normalMomentTensors()
	if !ok {
		return nil
	}
	return m
}

// StdDevTensor returns the standard deviation of a truncated Normal, or
// nil, as MeanTensor.
func (d Truncated) StdDevTensor() *tensor.Tensor {
	_, s, ok := d.normalMomentTensors()
	if !ok {
		return nil
	}
	return s
}

// EntropyTensor reports ok = false: Truncated has no entropy.
func (d Truncated) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }
