package interp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// momentsModel uses moments of distributions whose parameters are latent
// as derived quantities in the log density: mean, sd, var and entropy of
// families added with dist.MomentTensors after the first nineteen, and of
// a truncated Normal.
const momentsModel = `
y = [1.2, 0.7, 2.5, 1.9]
model m(y) {
    k ~ LogNormal(0.3, 0.3)
    lam ~ LogNormal(0, 0.3)
    a ~ Normal(0, 1)
    eta ~ LogNormal(0, 0.3)
    mu = mean(Weibull(k, lam))
    s = sd(Weibull(k, lam))
    y ~ Normal(mu, s)
    factor(0.1 * entropy(Weibull(k, lam)) + 0.2 * var(Gumbel(a, lam)) - entropy(Logistic(a, s)))
    factor(mean(BernoulliLogit(a)) - sd(PoissonLog(a)) + sum(mean(OrderedLogistic(a, [-1, 0.5]))))
    factor(entropy(OrderedLogistic(a, [-1, 0.5])) + mean(ZeroInflatedPoisson(0.3, lam)) + mean(SkewNormal(a, s, k)))
    factor(entropy(LKJCholesky(3, eta)) + sd(LKJCholesky(3, eta))[2, 2])
}
`

// truncatedFactor adds moments of truncated Normals to momentsModel (for
// the gradient test only: each is a quadrature with bisections for its
// quantiles, about a millisecond per draw, too slow for the fit's many
// draws in a test).
const truncatedFactor = `
    factor(mean(Truncated(Normal(a, lam), -1, k)) - var(Truncated(Normal(a, 1), lam)) + sd(Truncated(Normal(a, 0.1), 3)))
}`

// TestMomentsInModelGradient differentiates that model's log density on
// the tape: the moments are tensors of the latents, so the gradient of
// the batched log density matches central differences of one row at a
// time (before, each of these moments was an error inside a fit).
func TestMomentsInModelGradient(t *testing.T) {
	src := strings.Replace(momentsModel, "\n}", truncatedFactor, 1)
	if !strings.Contains(src, "Truncated(Normal(a, 0.1), 3)))\n}") {
		t.Fatalf("the truncated factor is not in the model:\n%s", src)
	}
	p := posteriorOf(t, src+"post = m(y)\n")
	rng := rand.New(rand.NewPCG(7, 8))
	const rows = 3
	z := tensor.Scale(tensor.RandN(rng, rows, p.Dim()), 0.5)
	// Rows alone within 1e-9 relative of the batch; the gradient within
	// 1e-5 relative of central differences (see gradStep).
	checkLogDensity(t, p, z, tol{Rel: 1e-9}, tol{Rel: 1e-5})
}

// TestMomentsInModelFit: a fit of that model runs its steps without error
// (the moments are differentiable in the latents) and ends with a finite
// ELBO.
func TestMomentsInModelFit(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "m.flow", momentsModel+`
q = flow Affine
r = fit q to m(y) by elbo { steps = 5, batch = 8, quiet = true, seed = 1 }
`)
	r, ok := g["r"].(*lang.Record)
	if !ok {
		t.Fatalf("r is %v, want a record", g["r"])
	}
	if e, ok := r.Fields["elbo"].(lang.Number); !ok || math.IsNaN(float64(e)) || math.IsInf(float64(e), 0) {
		t.Errorf("elbo = %v, want a finite number", r.Fields["elbo"])
	}
}

// TestMomentsInModelNotDifferentiable: a moment with no closed form as a
// tensor (a series entropy, SkewNormal's entropy, the moments of a
// truncated base other than Normal) of latent parameters is an error on the tape, never a
// value without gradient.
func TestMomentsInModelNotDifferentiable(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{"entropy(PoissonLog(a))", "entropy of PoissonLog is not differentiable"},
		{"entropy(ZeroInflatedPoisson(0.2, exp(a)))", "entropy of ZeroInflatedPoisson is not differentiable"},
		{"entropy(BetaBinomial(5, exp(a), 2))", "entropy of BetaBinomial is not differentiable"},
		{"entropy(SkewNormal(a, 1, 2))", "no closed-form entropy"},
		{"mean(Truncated(StudentT(3, a, 1), 0, 5))", "has no closed form per draw"},
	} {
		// The error comes when the posterior is made (a check run of the
		// model) or when its log density is taken on the tape.
		th, _, _ := newThread()
		g, err := interp.ExecFile(th, "m.flow", "model m() {\n    a ~ Normal(0, 1)\n    factor("+tt.expr+")\n}\npost = m()\n", nil)
		if err == nil {
			tp := tensor.NewTape()
			z := tensor.Param([]float64{0.3, -0.2}, 2, 1)
			tp.Watch(z)
			_, err = g["post"].(*interp.Posterior).LogDensity(z)
			tp.Reset()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.expr, err, tt.want)
		}
	}
}
