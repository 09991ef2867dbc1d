package tensor

import (
	"math"

	"github.com/flowppl/flowppl/internal/mathx"
	"gonum.org/v1/gonum/mathext"
)

// lgamma returns log|Γ(x)|.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// digamma returns ψ(x) = d/dx log Γ(x): reflection for x < 1/2, the
// recurrence ψ(x) = ψ(x+1) - 1/x up to x ≥ 10, then the asymptotic series
// ψ(x) ~ log x - 1/(2x) - Σ B₂ₖ/(2k x²ᵏ). It is NaN at the poles 0, -1, ....
func digamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x <= 0 && x == math.Floor(x):
		return math.NaN()
	case x < 0.5:
		// ψ(1-x) - ψ(x) = π cot(πx).
		return digamma(1-x) - math.Pi/math.Tan(math.Pi*x)
	}
	r := 0.0
	for ; x < 10; x++ {
		r -= 1 / x
	}
	z := 1 / (x * x)
	s := z * (1.0/12 - z*(1.0/120-z*(1.0/252-z*(1.0/240-z*(1.0/132-z*(691.0/32760-z/12))))))
	return r + math.Log(x) - 0.5/x - s
}

// trigamma returns ψ₁(x) = d²/dx² log Γ(x): reflection for x < 1/2, the
// recurrence ψ₁(x) = ψ₁(x+1) + 1/x² up to x ≥ 10, then the asymptotic series
// ψ₁(x) ~ 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹. It is +Inf at the poles 0, -1, ....
func trigamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, -1):
		return math.NaN()
	case math.IsInf(x, 1):
		return 0
	case x <= 0 && x == math.Floor(x):
		return math.Inf(1)
	case x < 0.5:
		// ψ₁(1-x) + ψ₁(x) = π² / sin²(πx).
		s := math.Sin(math.Pi * x)
		return math.Pi*math.Pi/(s*s) - trigamma(1-x)
	}
	r := 0.0
	for ; x < 10; x++ {
		r += 1 / (x * x)
	}
	z := 1 / (x * x)
	// Bernoulli numbers B₂ = 1/6, B₄ = -1/30, B₆ = 1/42, B₈ = -1/30,
	// B₁₀ = 5/66, B₁₂ = -691/2730, B₁₄ = 7/6.
	s := z * (1.0/6 - z*(1.0/30-z*(1.0/42-z*(1.0/30-z*(5.0/66-z*(691.0/2730-z*7.0/6))))))
	return r + (1+0.5/x+s)/x
}

// LBeta returns log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b)
// elementwise, with a and b broadcast together, as gonum's mathext.Lbeta:
// NaN where a or b is negative, NaN or +Inf, +Inf where one is 0. Its
// partial derivatives are ψ(a) - ψ(a + b) and ψ(b) - ψ(a + b).
func LBeta(a, b *Tensor) *Tensor { return binary("LBeta", &lbetaKernel, a, b) }

var lbetaKernel = binKernel{
	f: mathext.Lbeta,
	df: func(x, y, z float64) (float64, float64) {
		s := digamma(x + y)
		return digamma(x) - s, digamma(y) - s
	},
}

// LogAddExp returns log(e^a + e^b) elementwise, with a and b broadcast
// together, computed stably: max(a, b) + log1p(e^-|a-b|). Two -Inf give
// -Inf (with no gradient); +Inf gives +Inf. The partial derivatives are
// e^(a-z) and e^(b-z) for the result z.
func LogAddExp(a, b *Tensor) *Tensor { return binary("LogAddExp", &logAddExpKernel, a, b) }

var logAddExpKernel = binKernel{
	f: mathx.LogAddExp,
	df: func(x, y, z float64) (float64, float64) {
		if math.IsInf(z, 0) {
			return 0, 0
		}
		return math.Exp(x - z), math.Exp(y - z)
	},
}
