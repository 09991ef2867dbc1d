package interp_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// TestTruncatedLogDensity checks a model with Truncated priors (a lower
// bound only: Stan's real<lower=0> sigma with a half-t prior; dependent
// finite bounds; an upper bound only) and a Truncated likelihood whose
// parameters are latent, against the closed form: each prior's density
// over its normaliser, plus the log-Jacobian of the interval transform
// (e^z from a lower bound, lo + w·σ(z) between two, hi − e^z below an
// upper one), row by row (1e-9).
func TestTruncatedLogDensity(t *testing.T) {
	p := posteriorOf(t, `
model m(y) {
    sigma ~ Truncated(StudentT(3, 0, 10), 0, 1/0)
    lo ~ Normal(0, 1)
    x ~ Truncated(Normal(1, 2), lo, lo + 3)
    u ~ Truncated(Normal(0, 1), high = lo)
    y ~ Truncated(Normal(x, sigma), 0, 1/0)
}
post = m([0.5, 1.2])
`)
	if p.Dim() != 4 {
		t.Fatalf("Dim = %d, want 4", p.Dim())
	}
	ys := []float64{0.5, 1.2}
	z := tensor.New([]float64{0.3, -0.2, 0.1, 1.5, -1, 0.5, -2, 0, 2, 1, 3, -3}, 3, 4)
	lp, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	std := distuv.UnitNormal
	for i := range 3 {
		r := z.Data()[4*i : 4*i+4]
		sigma := math.Exp(r[0])
		want := math.Log(2) + distuv.StudentsT{Mu: 0, Sigma: 10, Nu: 3}.LogProb(sigma) + r[0]
		lo := r[1]
		want += std.LogProb(lo)
		x := lo + 3/(1+math.Exp(-r[2]))
		n12 := distuv.Normal{Mu: 1, Sigma: 2}
		want += n12.LogProb(x) - math.Log(n12.CDF(lo+3)-n12.CDF(lo))
		want += math.Log(3) + logSigmoid(r[2]) + logSigmoid(-r[2])
		u := lo - math.Exp(r[3])
		want += std.LogProb(u) - math.Log(std.CDF(lo)) + r[3]
		for _, y := range ys {
			ny := distuv.Normal{Mu: x, Sigma: sigma}
			want += ny.LogProb(y) - math.Log(1-ny.CDF(0))
		}
		if got := lp.Data()[i]; math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
			t.Errorf("row %d: log density %.12g, want %.12g", i, got, want)
		}
	}
}

// TestTruncatedLogDensityGradient checks the gradient of that log density
// (through the normalisers' dependence on latent bounds and parameters)
// against central differences (h = 1e-5, 1e-5 relative).
func TestTruncatedLogDensityGradient(t *testing.T) {
	p := posteriorOf(t, `
model m(y, k) {
    sigma ~ Truncated(StudentT(3, 0, 10), 0, 1/0)
    lo ~ Normal(0, 1)
    x ~ Truncated(Normal(1, 2), lo, lo + 3)
    y ~ Truncated(Normal(x, sigma), 0, 1/0)
    k ~ Truncated(Poisson(sigma), 1, 8)
}
post = m([0.5, 1.2], 3)
`)
	D := p.Dim()
	z := tensor.New([]float64{0.3, -0.2, 0.1, 1, -1, 0.5}, 2, D)
	_, grad := logDensityAndGrad(t, p, z)
	checkGradient(t, "", p, z, grad, tol{Rel: 1e-5})
}
