package dist

import (
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// MomentTensors gives the closed-form moments as tensors computed with
// tensor operations, so that they are differentiable in tracked
// parameters (inside a model, parameters computed from latents). Mean and
// StdDev have the broadcast shape of the parameters: [d], or [B, d] for
// batched parameters (row i belongs to batch row i); a row where Moments
// reports no finite value (the mean of a Cauchy, the sd of a StudentT
// with df ≤ 2) is NaN. Entropy is summed over the components: a number
// [] or, batched, [B]; ok is false where there is no closed form (the
// discrete families whose entropy is a series). Truncated is the
// exception: its MeanTensor and StdDevTensor are nil where they have no
// tensor form (a base other than Normal; see truncated_moments.go), which
// callers treat as no closed form.
type MomentTensors interface {
	MeanTensor() *tensor.Tensor
	StdDevTensor() *tensor.Tensor
	EntropyTensor() (h *tensor.Tensor, ok bool)
}

// full returns the parameters broadcast to their common shape.
func full(fam string, ps ...*tensor.Tensor) []*tensor.Tensor {
	shape := broadcastShape(fam, ps...)
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = broadcast(p, shape)
	}
	return out
}

// undefinedRows returns t with every row (last axis) in which bad holds
// for some element of p (broadcast to t's shape) set to NaN.
func undefinedRows(t, p *tensor.Tensor, bad func(float64) bool) *tensor.Tensor {
	p = broadcast(p, t.Shape())
	last := 1
	if t.Rank() > 0 {
		last = t.Dim(-1)
	}
	mask := make([]bool, t.Len())
	found := false
	for i, v := range p.Data() {
		if bad(v) {
			r := i / last * last
			for j := r; j < r+last; j++ {
				mask[j] = true
			}
			found = true
		}
	}
	if !found {
		return t
	}
	return tensor.Where(mask, tensor.Full(math.NaN(), t.Shape()...), t)
}

// nanLike returns NaN in the broadcast shape of ps (a moment that does not
// exist).
func nanLike(fam string, ps ...*tensor.Tensor) *tensor.Tensor {
	return tensor.Full(math.NaN(), broadcastShape(fam, ps...)...)
}

// sumLast sums the per-component entropies h over the last axis: a number
// for parameters of rank ≤ 1, one per batch row for rank 2.
func sumLast(h *tensor.Tensor) *tensor.Tensor {
	if h.Rank() == 0 {
		return h
	}
	return tensor.SumAxis(h, -1)
}

// negXLogX returns -x log x elementwise with 0 log 0 = 0.
func negXLogX(x *tensor.Tensor) *tensor.Tensor { return tensor.Neg(mulZero(x, tensor.Log(x))) }

func scalar(v float64) *tensor.Tensor { return tensor.Scalar(v) }

// MeanTensor returns loc.
func (d Normal) MeanTensor() *tensor.Tensor { return full("Normal", d.Loc, d.Scale)[0] }

// StdDevTensor returns scale.
func (d Normal) StdDevTensor() *tensor.Tensor { return full("Normal", d.Loc, d.Scale)[1] }

// EntropyTensor returns Σ ½ log(2πe scale²).
func (d Normal) EntropyTensor() (*tensor.Tensor, bool) {
	s := full("Normal", d.Loc, d.Scale)[1]
	return sumLast(tensor.AddScalar(tensor.Log(s), 0.5+logSqrt2Pi)), true
}

// MeanTensor returns scale·√(2/π).
func (d HalfNormal) MeanTensor() *tensor.Tensor { return tensor.Scale(d.Scale, math.Sqrt(2/math.Pi)) }

// StdDevTensor returns scale·√(1 - 2/π).
func (d HalfNormal) StdDevTensor() *tensor.Tensor {
	return tensor.Scale(d.Scale, math.Sqrt(1-2/math.Pi))
}

// EntropyTensor returns Σ ½ log(π scale²/2) + ½.
func (d HalfNormal) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.AddScalar(tensor.AddScalar(tensor.Log(d.Scale), 0.5*math.Log(math.Pi/2)), 0.5)), true
}

// MeanTensor returns exp(loc + scale²/2).
func (d LogNormal) MeanTensor() *tensor.Tensor {
	return tensor.Exp(tensor.Add(d.Loc, tensor.Scale(tensor.Mul(d.Scale, d.Scale), 0.5)))
}

// StdDevTensor returns √(exp(scale²) - 1)·exp(loc + scale²/2).
func (d LogNormal) StdDevTensor() *tensor.Tensor {
	s2 := tensor.Mul(d.Scale, d.Scale)
	return tensor.Mul(tensor.Sqrt(tensor.Expm1(s2)), tensor.Exp(tensor.Add(d.Loc, tensor.Scale(s2, 0.5))))
}

// EntropyTensor returns Σ loc + ½ + log(scale √(2π)).
func (d LogNormal) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.Add(tensor.AddScalar(tensor.AddScalar(d.Loc, 0.5), logSqrt2Pi), tensor.Log(d.Scale))), true
}

// MeanTensor returns loc (NaN in rows with some df ≤ 1).
func (d StudentT) MeanTensor() *tensor.Tensor {
	p := full("StudentT", d.DF, d.Loc, d.Scale)
	return undefinedRows(p[1], p[0], func(df float64) bool { return !(df > 1) })
}

// StdDevTensor returns scale·√(df/(df-2)) (NaN in rows with some df ≤ 2).
func (d StudentT) StdDevTensor() *tensor.Tensor {
	p := full("StudentT", d.DF, d.Loc, d.Scale)
	df := p[0]
	sd := tensor.Mul(p[2], tensor.Sqrt(tensor.Div(df, tensor.AddScalar(df, -2))))
	return undefinedRows(sd, df, func(df float64) bool { return !(df > 2) })
}

// EntropyTensor returns Σ (df+1)/2 (ψ((df+1)/2) - ψ(df/2)) + log(√df B(df/2, ½) scale).
func (d StudentT) EntropyTensor() (*tensor.Tensor, bool) {
	p := full("StudentT", d.DF, d.Scale)
	nu, half := p[0], tensor.Scale(p[0], 0.5)
	h1 := tensor.Scale(tensor.AddScalar(nu, 1), 0.5)
	h := tensor.Mul(h1, tensor.Sub(tensor.Digamma(h1), tensor.Digamma(half)))
	h = tensor.Add(h, tensor.Scale(tensor.Log(nu), 0.5))
	h = tensor.Add(h, tensor.LBeta(half, scalar(0.5)))
	return sumLast(tensor.Add(h, tensor.Log(p[1]))), true
}

// MeanTensor returns NaN: the Cauchy distribution has no mean.
func (d Cauchy) MeanTensor() *tensor.Tensor { return nanLike("Cauchy", d.Loc, d.Scale) }

// StdDevTensor returns NaN: the Cauchy distribution has no variance.
func (d Cauchy) StdDevTensor() *tensor.Tensor { return nanLike("Cauchy", d.Loc, d.Scale) }

// EntropyTensor returns Σ log(4π scale).
func (d Cauchy) EntropyTensor() (*tensor.Tensor, bool) {
	s := full("Cauchy", d.Loc, d.Scale)[1]
	return sumLast(tensor.Log(tensor.Scale(s, 4*math.Pi))), true
}

// MeanTensor returns NaN: the half-Cauchy distribution has no mean.
func (d HalfCauchy) MeanTensor() *tensor.Tensor { return nanLike("HalfCauchy", d.Scale) }

// StdDevTensor returns NaN: the half-Cauchy distribution has no variance.
func (d HalfCauchy) StdDevTensor() *tensor.Tensor { return nanLike("HalfCauchy", d.Scale) }

// EntropyTensor returns Σ log(2π scale).
func (d HalfCauchy) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.Log(tensor.Scale(d.Scale, 2*math.Pi))), true
}

// MeanTensor returns loc.
func (d Laplace) MeanTensor() *tensor.Tensor { return full("Laplace", d.Loc, d.Scale)[0] }

// StdDevTensor returns √2·scale.
func (d Laplace) StdDevTensor() *tensor.Tensor {
	return tensor.Scale(full("Laplace", d.Loc, d.Scale)[1], math.Sqrt2)
}

// EntropyTensor returns Σ 1 + log(2 scale).
func (d Laplace) EntropyTensor() (*tensor.Tensor, bool) {
	s := full("Laplace", d.Loc, d.Scale)[1]
	return sumLast(tensor.AddScalar(tensor.Log(tensor.Scale(s, 2)), 1)), true
}

// MeanTensor returns (low + high)/2.
func (d Uniform) MeanTensor() *tensor.Tensor { return tensor.Scale(tensor.Add(d.Low, d.High), 0.5) }

// StdDevTensor returns (high - low)/√12.
func (d Uniform) StdDevTensor() *tensor.Tensor {
	return tensor.Div(tensor.Sub(d.High, d.Low), scalar(math.Sqrt(12)))
}

// EntropyTensor returns Σ log(high - low).
func (d Uniform) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.Log(tensor.Sub(d.High, d.Low))), true
}

// MeanTensor returns 1/rate.
func (d Exponential) MeanTensor() *tensor.Tensor { return tensor.Div(scalar(1), d.Rate) }

// StdDevTensor returns 1/rate.
func (d Exponential) StdDevTensor() *tensor.Tensor { return d.MeanTensor() }

// EntropyTensor returns Σ 1 - log rate.
func (d Exponential) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.AddScalar(tensor.Neg(tensor.Log(d.Rate)), 1)), true
}

// MeanTensor returns shape/rate.
func (d Gamma) MeanTensor() *tensor.Tensor { return tensor.Div(d.Shape, d.Rate) }

// StdDevTensor returns √shape/rate.
func (d Gamma) StdDevTensor() *tensor.Tensor { return tensor.Div(tensor.Sqrt(d.Shape), d.Rate) }

// EntropyTensor returns Σ shape - log rate + log Γ(shape) + (1 - shape) ψ(shape).
func (d Gamma) EntropyTensor() (*tensor.Tensor, bool) {
	k := full("Gamma", d.Shape, d.Rate)[0]
	h := tensor.Add(tensor.Sub(k, tensor.Log(d.Rate)), tensor.LGamma(k))
	return sumLast(tensor.Add(h, tensor.Mul(tensor.AddScalar(tensor.Neg(k), 1), tensor.Digamma(k)))), true
}

// MeanTensor returns scale/(shape - 1) (NaN in rows with some shape ≤ 1).
func (d InverseGamma) MeanTensor() *tensor.Tensor {
	m := tensor.Div(d.Scale, tensor.AddScalar(d.Shape, -1))
	return undefinedRows(m, d.Shape, func(k float64) bool { return !(k > 1) })
}

// StdDevTensor returns scale/((shape - 1)√(shape - 2)) (NaN in rows with
// some shape ≤ 2).
func (d InverseGamma) StdDevTensor() *tensor.Tensor {
	sd := tensor.Div(d.Scale, tensor.Mul(tensor.AddScalar(d.Shape, -1), tensor.Sqrt(tensor.AddScalar(d.Shape, -2))))
	return undefinedRows(sd, d.Shape, func(k float64) bool { return !(k > 2) })
}

// EntropyTensor returns Σ shape + log scale + log Γ(shape) - (1 + shape) ψ(shape).
func (d InverseGamma) EntropyTensor() (*tensor.Tensor, bool) {
	k := full("InverseGamma", d.Shape, d.Scale)[0]
	h := tensor.Add(tensor.Add(k, tensor.Log(d.Scale)), tensor.LGamma(k))
	return sumLast(tensor.Sub(h, tensor.Mul(tensor.AddScalar(k, 1), tensor.Digamma(k)))), true
}

// MeanTensor returns a/(a + b).
func (d Beta) MeanTensor() *tensor.Tensor { return tensor.Div(d.A, tensor.Add(d.A, d.B)) }

// StdDevTensor returns √(ab/((a + b)²(a + b + 1))).
func (d Beta) StdDevTensor() *tensor.Tensor {
	s := tensor.Add(d.A, d.B)
	return tensor.Sqrt(tensor.Div(tensor.Mul(d.A, d.B), tensor.Mul(tensor.Mul(s, s), tensor.AddScalar(s, 1))))
}

// EntropyTensor returns Σ log B(a, b) - (a-1)ψ(a) - (b-1)ψ(b) + (a+b-2)ψ(a+b).
func (d Beta) EntropyTensor() (*tensor.Tensor, bool) {
	p := full("Beta", d.A, d.B)
	a, b := p[0], p[1]
	s := tensor.Add(a, b)
	h := tensor.Sub(tensor.LBeta(a, b), tensor.Mul(tensor.AddScalar(a, -1), tensor.Digamma(a)))
	h = tensor.Sub(h, tensor.Mul(tensor.AddScalar(b, -1), tensor.Digamma(b)))
	return sumLast(tensor.Add(h, tensor.Mul(tensor.AddScalar(s, -2), tensor.Digamma(s)))), true
}

// MeanTensor returns alpha/Σ alpha.
func (d Dirichlet) MeanTensor() *tensor.Tensor {
	return tensor.Div(d.Alpha, tensor.Unsqueeze(tensor.SumAxis(d.Alpha, -1), -1))
}

// StdDevTensor returns √(m(1 - m)/(Σ alpha + 1)) with m = alpha/Σ alpha.
func (d Dirichlet) StdDevTensor() *tensor.Tensor {
	s := tensor.Unsqueeze(tensor.SumAxis(d.Alpha, -1), -1)
	m := tensor.Div(d.Alpha, s)
	return tensor.Sqrt(tensor.Div(tensor.Mul(m, tensor.AddScalar(tensor.Neg(m), 1)), tensor.AddScalar(s, 1)))
}

// EntropyTensor returns log B(alpha) + (α₀ - K)ψ(α₀) - Σ (alpha_k - 1)ψ(alpha_k).
func (d Dirichlet) EntropyTensor() (*tensor.Tensor, bool) {
	a0 := tensor.SumAxis(d.Alpha, -1)
	h := tensor.Add(tensor.Neg(tensor.LGamma(a0)), tensor.Mul(tensor.AddScalar(a0, -float64(d.Dim())), tensor.Digamma(a0)))
	terms := tensor.Sub(tensor.LGamma(d.Alpha), tensor.Mul(tensor.AddScalar(d.Alpha, -1), tensor.Digamma(d.Alpha)))
	return tensor.Add(h, tensor.SumAxis(terms, -1)), true
}

// MeanTensor returns loc.
func (d MultivariateNormal) MeanTensor() *tensor.Tensor { return d.Loc }

// StdDevTensor returns the square roots of the diagonal of cov (constant:
// cov is not differentiable), one row per row of loc.
func (d MultivariateNormal) StdDevTensor() *tensor.Tensor {
	sd, _ := d.StdDev()
	return broadcast(tensor.New(sd, len(sd)), d.Loc.Shape())
}

// EntropyTensor returns d/2 (1 + log 2π) + ½ log det cov, once per row of
// loc (constant: it does not depend on loc).
func (d MultivariateNormal) EntropyTensor() (*tensor.Tensor, bool) {
	h, ok := MultivariateNormal{Loc: d.Loc.Detach(), Cov: d.Cov, L: d.L}.unbatchedEntropy()
	if !ok {
		return nil, false
	}
	if d.Loc.Rank() == 2 {
		return tensor.Full(h, d.Loc.Dim(0)), true
	}
	return scalar(h), true
}

// unbatchedEntropy is Entropy ignoring the batch rows of Loc.
func (d MultivariateNormal) unbatchedEntropy() (float64, bool) {
	d.Loc = tensor.Zeros(d.Dim())
	return d.Entropy()
}

// MeanTensor returns p.
func (d Bernoulli) MeanTensor() *tensor.Tensor { return d.P }

// StdDevTensor returns √(p(1 - p)).
func (d Bernoulli) StdDevTensor() *tensor.Tensor {
	return tensor.Sqrt(tensor.Mul(d.P, tensor.AddScalar(tensor.Neg(d.P), 1)))
}

// EntropyTensor returns Σ -p log p - (1-p) log(1-p).
func (d Bernoulli) EntropyTensor() (*tensor.Tensor, bool) {
	return sumLast(tensor.Add(negXLogX(d.P), negXLogX(tensor.AddScalar(tensor.Neg(d.P), 1)))), true
}

// MeanTensor returns n p.
func (d Binomial) MeanTensor() *tensor.Tensor { return tensor.Mul(d.N, d.P) }

// StdDevTensor returns √(n p (1 - p)).
func (d Binomial) StdDevTensor() *tensor.Tensor {
	return tensor.Sqrt(tensor.Mul(tensor.Mul(d.N, d.P), tensor.AddScalar(tensor.Neg(d.P), 1)))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d Binomial) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns rate.
func (d Poisson) MeanTensor() *tensor.Tensor { return d.Rate }

// StdDevTensor returns √rate.
func (d Poisson) StdDevTensor() *tensor.Tensor { return tensor.Sqrt(d.Rate) }

// EntropyTensor reports ok = false: the entropy is a series.
func (d Poisson) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// MeanTensor returns mu.
func (d NegativeBinomial) MeanTensor() *tensor.Tensor {
	return full("NegativeBinomial", d.Mu, d.Phi)[0]
}

// StdDevTensor returns √(mu + mu²/phi).
func (d NegativeBinomial) StdDevTensor() *tensor.Tensor {
	return tensor.Sqrt(tensor.Add(d.Mu, tensor.Div(tensor.Mul(d.Mu, d.Mu), d.Phi)))
}

// EntropyTensor reports ok = false: the entropy is a series.
func (d NegativeBinomial) EntropyTensor() (*tensor.Tensor, bool) { return nil, false }

// catIndices returns 0, 1, ..., k-1.
func catIndices(k int) *tensor.Tensor {
	ks := make([]float64, k)
	for i := range ks {
		ks[i] = float64(i)
	}
	return tensor.New(ks, k)
}

// MeanTensor returns Σ k probs[k], as a [1] tensor or [B, 1] when batched.
func (d Categorical) MeanTensor() *tensor.Tensor {
	return tensor.Unsqueeze(tensor.SumAxis(tensor.Mul(catIndices(d.k()), d.Probs), -1), -1)
}

// StdDevTensor returns the standard deviation of the index, as MeanTensor.
func (d Categorical) StdDevTensor() *tensor.Tensor {
	ks := catIndices(d.k())
	m1 := tensor.SumAxis(tensor.Mul(ks, d.Probs), -1)
	m2 := tensor.SumAxis(tensor.Mul(tensor.Mul(ks, ks), d.Probs), -1)
	v := tensor.Maximum(tensor.Sub(m2, tensor.Mul(m1, m1)), scalar(0))
	return tensor.Unsqueeze(tensor.Sqrt(v), -1)
}

// EntropyTensor returns -Σ probs[k] log probs[k].
func (d Categorical) EntropyTensor() (*tensor.Tensor, bool) {
	return tensor.SumAxis(negXLogX(d.Probs), -1), true
}
