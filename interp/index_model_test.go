package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// hierarchicalSrc is the hierarchical model of issue 12 written four ways:
// with the index vector alpha[g] (h), as the loop a Stan user writes
// (loop), observing y through the index vector perm, a permutation of the
// observations (perm), and through a copy of alpha built by assignment
// with index vectors (assign). All four have the same latents in the same
// order, so the same unconstrained points, and the same density.
const hierarchicalSrc = `
J = 4
g = [0, 3, 1, 1, 2, 0, 3, 3, 2, 0, 1, 3]
y = [1.2, -0.3, 2.5, 0.7, 0.1, 3.1, 2.2, 1.9, -1.4, 0.6, 1.1, 2.8]
perm = [11, 4, 0, 7, 2, 9, 1, 10, 3, 8, 6, 5]
model h(g, y) {
    mu ~ Normal(0, 5)
    tau ~ HalfNormal(2)
    alpha ~ Normal(mu * ones(J), tau)
    sigma ~ HalfNormal(2)
    y ~ Normal(alpha[g], sigma)
}
model loop(g, y) {
    mu ~ Normal(0, 5)
    tau ~ HalfNormal(2)
    alpha ~ Normal(mu * ones(J), tau)
    sigma ~ HalfNormal(2)
    for i in range(len(y)) { y[i] ~ Normal(alpha[g[i]], sigma) }
}
model permuted(g, y) {
    mu ~ Normal(0, 5)
    tau ~ HalfNormal(2)
    alpha ~ Normal(mu * ones(J), tau)
    sigma ~ HalfNormal(2)
    y[perm] ~ Normal(alpha[g[perm]], sigma)
}
model assign(g, y) {
    mu ~ Normal(0, 5)
    tau ~ HalfNormal(2)
    alpha ~ Normal(mu * ones(J), tau)
    sigma ~ HalfNormal(2)
    a = zeros(J)
    a[[3, 1, 0, 2]] = alpha[[3, 1, 0, 2]]
    mean_y = zeros(len(y))
    mean_y[perm] = a[g[perm]]
    y ~ Normal(mean_y, sigma)
}
post = h(g, y)
`

// TestHierarchicalIndexVector is the acceptance test of index vectors:
// the log density and its gradient of y ~ Normal(alpha[g], sigma) equal
// those of the loop y[i] ~ Normal(alpha[g[i]], sigma), and of the
// permuted and assignment forms, at random unconstrained points. The
// forms add the same terms in different orders, so they agree to
// rounding: tolerance 1e-12 relative to max(1, |value|).
func TestHierarchicalIndexVector(t *testing.T) {
	want := posteriorOf(t, hierarchicalSrc)
	if want.Dim() != 7 {
		t.Fatalf("Dim = %d, want 7 (mu, tau, alpha[4], sigma)", want.Dim())
	}
	rng := rand.New(rand.NewPCG(12, 1))
	const n = 6
	z0 := tensor.RandN(rng, n, want.Dim())
	eval := func(src string) (lp, grad []float64) {
		p := posteriorOf(t, src)
		if p.Dim() != want.Dim() {
			t.Fatalf("Dim = %d, want %d", p.Dim(), want.Dim())
		}
		return logDensityAndGrad(t, p, z0)
	}
	lp, grad := eval(hierarchicalSrc)
	for i, v := range lp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("log density at row %d is %v", i, v)
		}
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*max(1, math.Abs(b)) }
	for _, form := range []string{"loop", "permuted", "assign"} {
		l, g := eval(hierarchicalSrc + "post = " + form + "(g, y)\n")
		for i := range lp {
			if !close(lp[i], l[i]) {
				t.Errorf("%s: row %d: log density %.17g, alpha[g] gives %.17g", form, i, l[i], lp[i])
			}
		}
		for i := range grad {
			if !close(grad[i], g[i]) {
				t.Errorf("%s: gradient [%d, %d] = %.17g, alpha[g] gives %.17g", form, i/want.Dim(), i%want.Dim(), g[i], grad[i])
			}
		}
	}
	// The gradient itself is right: central differences on row 0 of the
	// alpha[g] form (step 1e-5, tolerance 1e-5 relative, as in
	// TestLogDensityGradient).
	D := want.Dim()
	checkGradient(t, "", want, tensor.New(z0.Data()[:D], 1, D), grad[:D], tol{Rel: 1e-5})
}
