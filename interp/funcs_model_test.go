package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestFuncsLogDensityGradient differentiates a model that uses the
// special, vector, selection and linear-algebra builtins on batches: the
// gradient of the batched log density must match central differences of
// one row at a time, and a row's value must not depend on its batch.
func TestFuncsLogDensityGradient(t *testing.T) {
	p := posteriorOf(t, `
x = [0, 0.7, 1.5, 2.2]
y = [0.3, -0.1, 0.8, 0.2]
model m(x, y) {
    alpha ~ HalfNormal(1)
    rho ~ HalfNormal(1)
    w ~ Normal(zeros(3), 1)
    t ~ Uniform(0, 1)
    K = gp_exp_quad_cov(x, alpha, rho) + 0.1 * eye(4)
    L = cholesky(K)
    v = solve(L, y)
    factor(-0.5 * dot(v, v) - sum(log(diag(L))))
    u = solve(transpose(L), v)
    factor(-0.01 * dot(u, u))
    factor(-0.5 * sum(y * (inverse(K) @ y)) - 0.5 * log_det(K))
    factor(log_mix(t, w[0], w[1]) + log_mix(softmax(w), [-1, -2, -0.5]))
    factor(sum(sort(w) * [1, 2, 3]) + sum(cumsum(w)) + sum(where(greater(w, 0), w, 2 * w)))
    factor(lbeta(alpha + 1, rho + 1) + log_add_exp(w[0], w[2]) + lgamma(alpha + 1) + log1p(rho) + expm1(-rho))
    factor(0.01 * sum(outer(w, w)) + sum(log_softmax(w)) + log_mix(softmax(w), outer(y, [1, 0.5, 2]))[1])
}
post = m(x, y)
`)
	z := tensor.RandN(rand.New(rand.NewPCG(5, 6)), 4, p.Dim())
	// Tolerance 1e-5 relative: central differences are accurate to
	// O(h²) here (smooth away from where's and sort's kinks, which
	// random draws miss).
	checkLogDensity(t, p, z, tol{Rel: 1e-9}, tol{Rel: 1e-5})
}

// TestCholeskyNonPDDraw: inside a model, a draw whose matrix is not
// positive definite gets a non-finite log density (the fit drops it)
// while the other draws keep their values and gradients.
func TestCholeskyNonPDDraw(t *testing.T) {
	p := posteriorOf(t, `
model m() {
    c ~ Normal(0, 1)
    L = cholesky(eye(2) + c * [[0, 1], [1, 0]])
    factor(sum(log(diag(L))))
}
post = m()
`)
	cs := []float64{0.5, 2, -0.3} // [[1, c], [c, 1]] is positive definite for |c| < 1
	tp := tensor.NewTape()
	z := tensor.Param(append([]float64(nil), cs...), 3, 1)
	tp.Watch(z)
	lp, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	good := make([]bool, 3)
	for i, v := range lp.Data() {
		good[i] = !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	tp.Backward(tensor.Sum(tensor.Where(good, lp, tensor.Scalar(0))))
	for i, c := range cs {
		if i == 1 {
			if good[i] {
				t.Errorf("c = %v: log density %v, want non-finite", c, lp.Data()[i])
			}
			continue
		}
		// log N(c; 0, 1) + log L₂₂ with L₂₂ = √(1 - c²).
		want := -0.5*math.Log(2*math.Pi) - c*c/2 + 0.5*math.Log(1-c*c)
		dwant := -c - c/(1-c*c)
		if got := lp.Data()[i]; math.Abs(got-want) > 1e-12 {
			t.Errorf("c = %v: log density %v, want %v", c, got, want)
		}
		if got := z.Grad()[i]; math.Abs(got-dwant) > 1e-12 {
			t.Errorf("c = %v: gradient %v, want %v", c, got, dwant)
		}
	}
	if g := z.Grad()[1]; math.IsNaN(g) {
		t.Errorf("the dropped draw's gradient is NaN")
	}
}
