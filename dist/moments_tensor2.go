package dist

import (
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// Moment tensors of the families of continuous2.go, discrete2.go, lkj.go
// and mvn.go (MultivariateNormalCholesky). Truncated has none: its moments
// are quadratures of the quantile function, so inside a fit mean(d) of a
// truncated distribution with tracked parameters stays an error.

// lgammaOf returns log Γ(1 + c/k) elementwise.
func lgammaOf(k *tensor.Tensor, c float64) *tensor.Tensor {
	return tensor.LGamma(tensor.AddScalar(tensor.Div(scalar(c), k), 1))
}

// MeanTensor returns scale·Γ(1 + 1/shape).
func (d Weibull) MeanTensor() *tensor.Tensor {
	p := full("Weibull", d.Shape, d.Scale)
	return tensor.Mul(p[1], tensor.Exp(lgammaOf(p[0], 1)))
}

// StdDevTensor returns scale·√(Γ(1 + 2/shape) - Γ(1 + 1/shape)²), as
// Weibull.StdDev computes it.
func (d Weibull) StdDevTensor() *tensor.Tensor {
	p := full("Weibull", d.Shape, d.Scale)
	l1, l2 := lgammaOf(p[0], 1), lgammaOf(p[0], 2)
	v := tensor.Maximum(tensor.Expm1(tensor.Sub(l2, tensor.Scale(l1, 2))), scalar(0))
	return tensor.Mul(tensor.Mul(p[1], tensor.Exp(l1)), tensor.Sqrt(v))
}

// EntropyTensor returns Σ γ(1 - 1/shape) + log(scale/shape) + 1.
func (d Weibull) EntropyTensor() (*tensor.Tensor, bool) {
	p := full("Weibull", d.Shape, d.Scale)
	h := tensor.Scale(rsub(1, tensor.Div(scalar(1), p[0])), eulerGamma)
	h = tensor.Add(h, tensor.Sub(tensor.Log(p[1]), tensor.Log(p[0])))
	return sumLast(tensor.AddScalar(h, 1)), true
}

// MeanTensor returns loc.
func (d Logistic) MeanTensor() *tensor.Tensor { return full("Logistic", d.Loc, d.Scale)[0] }

// StdDevTensor returns scale·π/√3.
func (d Logistic) StdDevTensor() *tensor.Tensor {
	return tensor.Scale(full("Logistic", d.Loc, d.Scale)[1], math.Pi/math.Sqrt(3))
}

// EntropyTensor returns Σ log scale + 2.
func (d Logistic) EntropyTensor() (*tensor.Tensor, bool) {
	s := full("Logistic", d.Loc, d.Scale)[1]
	return sumLast(tensor.AddScalar(tensor.Log(s), 2)), true
}

// MeanTensor returns loc + γ·scale.
func (d Gumbel) MeanTensor() *tensor.Tensor {
	p := full("Gumbel", d.Loc, d.Scale)
	return tensor.Add(p[0], tensor.Scale(p[1], eulerGamma))
}

// StdDevTensor returns scale·π/√6.
func (d Gumbel) StdDevTensor() *tensor.Tensor {
	return tensor.Scale(full("Gumbel", d.Loc, d.Scale)[1], math.Pi/math.Sqrt(6))
}

// EntropyTensor returns Σ log scale + γ + 1.
func (d Gumbel) EntropyTensor() (*tensor.Tensor, bool) {
	s := full("Gumbel", d.Loc, d.Scale)[1]
	return sumLast(tensor.AddScalar(tensor.Log(s), eulerGamma+1)), true
}

// skewDeltaT returns δ = alpha/√(1+alpha²).
func skewDeltaT(a *tensor.Tensor) *tensor.Tensor {
	return tensor.Mul(a, tensor.PowScalar(tensor.AddScalar(tensor.Square(a), 1), -0.5))
}

// MeanTensor returns loc + scale·δ·√(2/π), δ = alpha/√(1+alpha²).
func (d SkewNormal) MeanTensor() *tensor.Tensor {
	p := full("SkewNormal", d.Loc, d.Scale, d.Alpha)
	return tensor.Add(p[0], tensor.Scale(tensor.Mul(p[1], skewDeltaT(p[2])), math.Sqrt(2/math.Pi)))
}

// StdDevTensor returns scale·√(1 - 2δ²/π).
func (d SkewNormal) StdDevTensor() *tensor.Tensor {
	p := full("SkewNormal", d.Loc, d.Scale, d.Alpha)
	dl := skewDeltaT(p[2])
	return tensor.Mul(p[1], tensor.Sqrt(rsub(1, tensor.Scale(tensor.Square(dl), 2/math.Pi))))
}

// EntropyTensor reports ok = false: the skew normal has no closed-form
// entropy.
func (d SkewNormal) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns n a/(a + b).
func (d BetaBinomial) MeanTensor() *tensor.Tensor {
	p := full("BetaBinomial", d.N, d.A, d.B)
	return tensor.Div(tensor.Mul(p[0], p[1]), tensor.Add(p[1], p[2]))
}

// StdDevTensor returns √(n a b (a + b + n) / ((a + b)² (a + b + 1))).
func (d BetaBinomial) StdDevTensor() *tensor.Tensor {
	p := full("BetaBinomial", d.N, d.A, d.B)
	n, a, b := p[0], p[1], p[2]
	s := tensor.Add(a, b)
	num := tensor.Mul(tensor.Mul(n, tensor.Mul(a, b)), tensor.Add(s, n))
	return tensor.Sqrt(tensor.Div(num, tensor.Mul(tensor.Square(s), tensor.AddScalar(s, 1))))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d BetaBinomial) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns n probs (one row per batch row).
func (d Multinomial) MeanTensor() *tensor.Tensor { return d.marginals().MeanTensor() }

// StdDevTensor returns √(n probs (1 - probs)).
func (d Multinomial) StdDevTensor() *tensor.Tensor { return d.marginals().StdDevTensor() }

// EntropyTensor reports ok = false: the entropy is a series.
func (d Multinomial) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns (1 - zero) rate.
func (d ZeroInflatedPoisson) MeanTensor() *tensor.Tensor {
	p := full("ZeroInflatedPoisson", d.Zero, d.Rate)
	return tensor.Mul(rsub(1, p[0]), p[1])
}

// StdDevTensor returns √((1 - zero) rate (1 + zero rate)).
func (d ZeroInflatedPoisson) StdDevTensor() *tensor.Tensor {
	p := full("ZeroInflatedPoisson", d.Zero, d.Rate)
	z, r := p[0], p[1]
	return tensor.Sqrt(tensor.Mul(tensor.Mul(rsub(1, z), r), tensor.AddScalar(tensor.Mul(z, r), 1)))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d ZeroInflatedPoisson) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns (1 - zero) mean.
func (d ZeroInflatedNegativeBinomial) MeanTensor() *tensor.Tensor {
	p := full("ZeroInflatedNegativeBinomial", d.Zero, d.Mu, d.Phi)
	return tensor.Mul(rsub(1, p[0]), p[1])
}

// StdDevTensor returns √((1 - zero)(mean + mean²/dispersion) + zero (1 -
// zero) mean²).
func (d ZeroInflatedNegativeBinomial) StdDevTensor() *tensor.Tensor {
	p := full("ZeroInflatedNegativeBinomial", d.Zero, d.Mu, d.Phi)
	z, mu, phi := p[0], p[1], p[2]
	mu2 := tensor.Square(mu)
	nz := rsub(1, z)
	v := tensor.Mul(nz, tensor.Add(mu, tensor.Div(mu2, phi)))
	return tensor.Sqrt(tensor.Add(v, tensor.Mul(tensor.Mul(z, nz), mu2)))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d ZeroInflatedNegativeBinomial) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns sigmoid(logit).
func (d BernoulliLogit) MeanTensor() *tensor.Tensor { return tensor.Sigmoid(d.Logit) }

// StdDevTensor returns √(sigmoid(logit) sigmoid(-logit)), as
// exp(½(log sigmoid(logit) + log sigmoid(-logit))).
func (d BernoulliLogit) StdDevTensor() *tensor.Tensor {
	return tensor.Exp(tensor.Scale(tensor.Add(tensor.LogSigmoid(d.Logit), tensor.LogSigmoid(tensor.Neg(d.Logit))), 0.5))
}

// EntropyTensor returns Σ -p log p - (1-p) log(1-p), p = sigmoid(logit),
// from log sigmoid.
func (d BernoulliLogit) EntropyTensor() (*tensor.Tensor, bool) {
	l, nl := d.Logit, tensor.Neg(d.Logit)
	h := tensor.Add(tensor.Mul(tensor.Sigmoid(l), tensor.LogSigmoid(l)), tensor.Mul(tensor.Sigmoid(nl), tensor.LogSigmoid(nl)))
	return sumLast(tensor.Neg(h)), true
}

// MeanTensor returns n sigmoid(logit).
func (d BinomialLogit) MeanTensor() *tensor.Tensor {
	p := full("BinomialLogit", d.N, d.Logit)
	return tensor.Mul(p[0], tensor.Sigmoid(p[1]))
}

// StdDevTensor returns √(n sigmoid(logit) sigmoid(-logit)).
func (d BinomialLogit) StdDevTensor() *tensor.Tensor {
	p := full("BinomialLogit", d.N, d.Logit)
	return tensor.Sqrt(tensor.Mul(p[0], tensor.Exp(tensor.Add(tensor.LogSigmoid(p[1]), tensor.LogSigmoid(tensor.Neg(p[1]))))))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d BinomialLogit) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns e^log_rate.
func (d PoissonLog) MeanTensor() *tensor.Tensor { return tensor.Exp(d.LogRate) }

// StdDevTensor returns e^(log_rate/2).
func (d PoissonLog) StdDevTensor() *tensor.Tensor { return tensor.Exp(tensor.Scale(d.LogRate, 0.5)) }

// EntropyTensor reports ok = false: the entropy is a series.
func (d PoissonLog) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// cut returns cutpoint j as a [1] tensor, or [B, 1] for batched cutpoints.
func (d OrderedLogistic) cut(j int) *tensor.Tensor { return tensor.Narrow(d.Cutpoints, -1, j, 1) }

// MeanTensor returns Σ_j sigmoid(eta - c[j]) per component.
func (d OrderedLogistic) MeanTensor() *tensor.Tensor {
	m := tensor.Scale(d.Eta, 0)
	for j := range d.k() - 1 {
		m = tensor.Add(m, tensor.Sigmoid(tensor.Sub(d.Eta, d.cut(j))))
	}
	return m
}

// StdDevTensor returns √(Σ_j (2j+1) s_j - (Σ_j s_j)²), s_j = sigmoid(eta -
// c[j]) = P(outcome > j), per component.
func (d OrderedLogistic) StdDevTensor() *tensor.Tensor {
	m1, m2 := tensor.Scale(d.Eta, 0), tensor.Scale(d.Eta, 0)
	for j := range d.k() - 1 {
		s := tensor.Sigmoid(tensor.Sub(d.Eta, d.cut(j)))
		m1, m2 = tensor.Add(m1, s), tensor.Add(m2, tensor.Scale(s, float64(2*j+1)))
	}
	return tensor.Sqrt(tensor.Maximum(tensor.Sub(m2, tensor.Square(m1)), scalar(0)))
}

// EntropyTensor returns -Σ_k P(k) log P(k), summed over components, with
// the log masses computed as LogProb does.
func (d OrderedLogistic) EntropyTensor() (*tensor.Tensor, bool) {
	km1 := d.k() - 1
	var h *tensor.Tensor
	for y := 0; y <= km1; y++ {
		var l *tensor.Tensor
		if y > 0 {
			l = tensor.LogSigmoid(tensor.Sub(d.Eta, d.cut(y-1)))
		}
		if y < km1 {
			a := tensor.LogSigmoid(tensor.Sub(d.cut(y), d.Eta))
			if l == nil {
				l = a
			} else {
				gap := tensor.Sub(d.cut(y), d.cut(y-1))
				l = tensor.Add(tensor.Add(l, a), tensor.Log(tensor.Neg(tensor.Expm1(tensor.Neg(gap)))))
			}
		}
		t := tensor.Neg(tensor.Mul(tensor.Exp(l), l))
		if h == nil {
			h = t
		} else {
			h = tensor.Add(h, t)
		}
	}
	return sumLast(h), true
}

// lkjMomentTensors returns E[L] and E[L²] by rows as K·K tensors of the
// shape of eta (rank 0 or [B, 1]), as lkjMoments does.
func (d LKJCholesky) lkjMomentTensors() (m1, m2 []*tensor.Tensor) {
	k, eta := d.K, d.Eta
	zero, one := tensor.Full(0, eta.Shape()...), tensor.Full(1, eta.Shape()...)
	m1, m2 = make([]*tensor.Tensor, k*k), make([]*tensor.Tensor, k*k)
	for i := range m1 {
		m1[i], m2[i] = zero, zero
	}
	m1[0], m2[0] = one, one
	for i := 1; i < k; i++ {
		s1, s2 := one, one
		for m := 0; m < i; m++ {
			b := tensor.AddScalar(eta, float64(k-m-2)/2)
			b2 := tensor.AddScalar(tensor.Scale(b, 2), 1)
			m2[i*k+m] = tensor.Div(s2, b2)
			s2 = tensor.Mul(s2, tensor.Div(tensor.Scale(b, 2), b2))
			bh := tensor.AddScalar(b, 0.5)
			s1 = tensor.Mul(s1, tensor.Scale(tensor.Exp(tensor.Sub(tensor.LBeta(bh, bh), tensor.LBeta(b, b))), 2))
		}
		m1[i*k+i], m2[i*k+i] = s1, s2
	}
	return m1, m2
}

// lkjRows joins K·K tensors of eta's shape into [K·K] or [B, K·K].
func (d LKJCholesky) lkjRows(ts []*tensor.Tensor) *tensor.Tensor {
	if d.Eta.Rank() == 2 {
		return tensor.Concat(1, ts...)
	}
	for i, t := range ts {
		ts[i] = tensor.Reshape(t, 1)
	}
	return tensor.Concat(0, ts...)
}

// MeanTensor returns E[L] by rows: [K·K], or [B, K·K] for a batch of etas.
func (d LKJCholesky) MeanTensor() *tensor.Tensor {
	m1, _ := d.lkjMomentTensors()
	return d.lkjRows(m1)
}

// StdDevTensor returns the standard deviation of each entry of L, as
// MeanTensor (0 for L_00 and above the diagonal).
func (d LKJCholesky) StdDevTensor() *tensor.Tensor {
	m1, m2 := d.lkjMomentTensors()
	k := d.K
	sd := make([]*tensor.Tensor, len(m1))
	for i := range k {
		for j := range k {
			e := i*k + j
			switch {
			case j > i || e == 0:
				sd[e] = tensor.Full(0, d.Eta.Shape()...)
			case j < i:
				sd[e] = tensor.Sqrt(m2[e])
			default:
				sd[e] = tensor.Sqrt(tensor.Maximum(tensor.Sub(m2[e], tensor.Square(m1[e])), scalar(0)))
			}
		}
	}
	return d.lkjRows(sd)
}

// EntropyTensor returns the entropy of Entropy, log c_K(eta) − Σ_i
// (K−i−1+2(eta−1))·E[log L_ii]: a number, or [B] for a batch of etas.
func (d LKJCholesky) EntropyTensor() (*tensor.Tensor, bool) {
	k, eta := d.K, d.Eta
	h := lkjLogC(k, eta)
	for i := 1; i < k; i++ {
		el := tensor.Full(0, eta.Shape()...)
		for m := range i {
			b := tensor.AddScalar(eta, float64(k-m-2)/2)
			el = tensor.Add(el, tensor.AddScalar(tensor.Sub(tensor.Digamma(b), tensor.Digamma(tensor.Scale(b, 2))), math.Ln2))
		}
		w := tensor.AddScalar(tensor.Scale(eta, 2), float64(k-i-1)-2)
		h = tensor.Sub(h, tensor.Mul(w, el))
	}
	if h.Rank() == 2 {
		h = tensor.Reshape(h, h.Dim(0))
	}
	return h, true
}

// mvncRows returns the number of rows of the moments: the batch of L or
// of loc (1 when neither is batched).
func (d MultivariateNormalCholesky) mvncRows() (rows, nl int) {
	k := d.Dim()
	nl = d.L.Len() / (k * k)
	rows = nl
	if d.Loc.Rank() == 2 {
		rows = max(rows, d.Loc.Dim(0))
	}
	return rows, nl
}

// badRowsNaN sets to NaN the rows r of t (rows of equal length) whose
// factor r % len(bad) is invalid.
func badRowsNaN(t *tensor.Tensor, rows int, bad []bool) *tensor.Tensor {
	per := t.Len() / rows
	var mask []bool
	for r := range rows {
		if bad[r%len(bad)] {
			if mask == nil {
				mask = make([]bool, t.Len())
			}
			for j := range per {
				mask[r*per+j] = true
			}
		}
	}
	if mask == nil {
		return t
	}
	return tensor.Where(mask, tensor.Full(math.NaN(), t.Shape()...), t)
}

// MeanTensor returns loc: [d], or [B, d] when loc or L is batched.
func (d MultivariateNormalCholesky) MeanTensor() *tensor.Tensor {
	k := d.Dim()
	rows, _ := d.mvncRows()
	if rows > 1 && d.Loc.Rank() < 2 {
		return tensor.BroadcastTo(tensor.Reshape(d.Loc, 1, k), rows, k)
	}
	return d.Loc
}

// StdDevTensor returns √(Σ_j L_ij²) per component (NaN for an invalid
// factor), shaped as MeanTensor.
func (d MultivariateNormalCholesky) StdDevTensor() *tensor.Tensor {
	k := d.Dim()
	rows, nl := d.mvncRows()
	_, bad := d.factors()
	sd := tensor.Sqrt(tensor.SumAxis(tensor.Square(tensor.Reshape(d.L, nl, k, k)), -1)) // [nl, k]
	if rows == 1 && d.Loc.Rank() < 2 {
		sd = tensor.Reshape(sd, k)
	} else if nl != rows {
		sd = tensor.BroadcastTo(sd, rows, k)
	}
	return badRowsNaN(sd, rows, bad)
}

// EntropyTensor returns d/2 (1 + log 2π) + Σ log L_ii (NaN for an invalid
// factor): a number, or [B] when loc or L is batched.
func (d MultivariateNormalCholesky) EntropyTensor() (*tensor.Tensor, bool) {
	k := d.Dim()
	rows, nl := d.mvncRows()
	flat, bad := d.factors()
	diag := make([]int, k)
	for i := range diag {
		diag[i] = i*k + i
	}
	h := tensor.AddScalar(tensor.SumAxis(tensor.Log(tensor.Take(flat, 1, diag)), 1), float64(k)*(0.5+logSqrt2Pi)) // [nl]
	if rows == 1 && d.Loc.Rank() < 2 {
		h = tensor.Reshape(h)
	} else if nl != rows {
		h = tensor.BroadcastTo(h, rows)
	}
	return badRowsNaN(h, rows, bad), true
}
