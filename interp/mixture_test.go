package interp_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// mixtureYs are the data of the mixture tests: two clusters.
var mixtureYs = []float64{-2.1, -1.7, -2.5, 1.9, 2.4, 0.3, 2.2}

// TestMixtureLogDensity is the regression test of B1: a two-component
// Gaussian mixture written the natural way, log_prob of the data vector
// under each component (one log density per observation and draw) combined
// elementwise, must have the log density of the closed form, not that of
// the summed log densities (which fits one Gaussian). Three spellings of
// the elementwise log-sum-exp are checked: with max, with logsumexp over
// the rows of a 2×n matrix, and through exp and log.
func TestMixtureLogDensity(t *testing.T) {
	for _, combine := range []string{
		"top = max(a, b)\n    factor(sum(top + log(exp(a - top) + exp(b - top))))",
		"factor(sum(logsumexp([a, b])))",
		"factor(log(exp(a) + exp(b)))",
	} {
		t.Run(strings.Fields(combine)[0], func(t *testing.T) {
			p := posteriorOf(t, fmt.Sprintf(`
model mix(y) {
    w ~ Beta(2, 2)
    m0 ~ Normal(-2, 3)
    m1 ~ Normal(2, 3)
    s0 ~ HalfNormal(2)
    s1 ~ HalfNormal(2)
    a = log(w) + log_prob(Normal(m0, s0), y)
    b = log(1 - w) + log_prob(Normal(m1, s1), y)
    %s
}
post = mix(%s)
`, combine, fmtVector(mixtureYs)))
			if p.Dim() != 5 {
				t.Fatalf("Dim = %d, want 5", p.Dim())
			}
			// Unconstrained rows: logit w, m0, m1, log s0, log s1.
			z := tensor.New([]float64{
				0.2, -2, 2, 0.1, -0.3,
				-1, -1.5, 2.5, -0.5, 0.4,
				1.5, 0.5, 0.7, 0.3, 0.3,
			}, 3, 5)
			lp, err := p.LogDensity(z)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				r := z.Data()[5*i : 5*i+5]
				w := 1 / (1 + math.Exp(-r[0]))
				m0, m1, s0, s1 := r[1], r[2], math.Exp(r[3]), math.Exp(r[4])
				want := math.Log(6*w*(1-w)) + math.Log(w*(1-w)) // Beta(2, 2) and the logit Jacobian
				want += logNormal(m0, -2, 3) + logNormal(m1, 2, 3)
				want += math.Log(2) + logNormal(s0, 0, 2) + r[3] // HalfNormal(2) and the log Jacobian
				want += math.Log(2) + logNormal(s1, 0, 2) + r[4]
				for _, y := range mixtureYs {
					want += math.Log(w*math.Exp(logNormal(y, m0, s0)) + (1-w)*math.Exp(logNormal(y, m1, s1)))
				}
				// The model's sum and the closed form round differently,
				// at about 1e-15 of terms of size 10; 1e-9 is far below
				// the difference the summed form makes (order 1 or more).
				if got := lp.Data()[i]; math.Abs(got-want) > 1e-9 {
					t.Errorf("row %d: log density %.12g, want %.12g", i, got, want)
				}
			}
		})
	}
}

// TestFactorOfLogProb: factor(log_prob(D, y)) of a data vector adds the
// sum of the per-observation log densities, as y ~ D does.
func TestFactorOfLogProb(t *testing.T) {
	src := `
model m(y) {
    mu ~ Normal(0, 2)
    s ~ HalfNormal(1)
    %s
}
post = m(%s)
`
	ys := fmtVector(mixtureYs)
	p := posteriorOf(t, fmt.Sprintf(src, "factor(log_prob(Normal(mu, s), y))", ys))
	q := posteriorOf(t, fmt.Sprintf(src, "y ~ Normal(mu, s)", ys))
	z := tensor.New([]float64{0.3, -0.2, -1, 0.5, 2, 0}, 3, 2)
	lp, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	lq, err := q.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range lq.Data() {
		// The same terms summed in another order.
		if got := lp.Data()[i]; math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("row %d: factor(log_prob(...)) gives %.12g, y ~ gives %.12g", i, got, want)
		}
	}
}

func fmtVector(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// TestBatchOpsGradient checks the gradient of a log density built from the
// batched forms of log_prob (a data vector and matrix under parameters
// from latents), quantile, linspace, transpose, concat and the moments of
// distributions against central differences.
func TestBatchOpsGradient(t *testing.T) {
	p := posteriorOf(t, `
fn softmax3(v) = exp(v) / sum(exp(v))
model g(y) {
    mu ~ Normal(0, 1)
    s ~ HalfNormal(1)
    v ~ Normal(zeros(3), 1)
    factor(sum(log_prob(Normal(mu, s), y)))
    factor(sum(log_prob(MultivariateNormal([mu, s], [[2, 0.5], [0.5, 1]]), [[0.1, 0.2], [0.3, -1]])))
    factor(sum(log_prob(Gamma(s, 1 + mu^2), [0.5, 2])))
    factor(quantile(v, 0.3) + sum(quantile(v, [0.1, 0.8])) + sum(quantile([v, 2 * v], 0.4)))
    factor(sum(linspace(mu, s, 4) ^ 2))
    M = [v, v * s]
    factor(sum(transpose(M) @ [1, 2]))
    factor(sum(sum(concat(M, M) ^ 2)))
    factor(mean(Gamma(s, 1 + mu^2)) + sd(LogNormal(mu, s)) + var(Beta(s, 2)) + entropy(StudentT(3 + s, mu, s)))
    factor(sum(mean(Dirichlet(exp(v)))) + sd(Categorical(softmax3(v))) + entropy(Bernoulli(sigmoid(mu))))
}
post = g([0.5, -1, 2])
`)
	D := p.Dim()
	z0 := []float64{
		0.3, -0.2, 0.5, -1.2, 0.8,
		-1, 0.4, 1.1, 0.2, -0.6,
	}
	z := tensor.New(z0, len(z0)/D, D)
	_, grad := logDensityAndGrad(t, p, z)
	// Central differences with h = 1e-5 are accurate to about h² times
	// the third derivative plus 1e-16/h rounding: 1e-6 relative is well
	// above both here.
	checkGradient(t, "", p, z, grad, tol{Rel: 1e-6})
}

// TestBatchMomentNotDifferentiable: a moment without a closed form on the
// tape (the entropy of a Poisson, a series) of a distribution whose
// parameters depend on latents is computed on numbers; where the
// parameters are tracked (a fit differentiates the log density), using it
// is an error that says so, not a value without a gradient.
func TestBatchMomentNotDifferentiable(t *testing.T) {
	for _, d := range []string{"Poisson(1 + mu^2)", "Binomial(10, sigmoid(mu))", "NegativeBinomial(1 + mu^2, 2)"} {
		p := posteriorOf(t, fmt.Sprintf(`
model g() {
    mu ~ Normal(0, 1)
    factor(-entropy(%s))
}
post = g()
`, d))
		tp := tensor.NewTape()
		z := tensor.Param([]float64{0.3, -0.2}, 2, 1)
		tp.Watch(z)
		_, err := p.LogDensity(z)
		if err == nil || !strings.Contains(err.Error(), "not differentiable") {
			t.Errorf("entropy(%s): error %v, want one saying it is not differentiable", d, err)
		}
		tp.Reset()
	}
}
