package interp_test

import (
	"math"

	"github.com/flowppl/flowppl/lang"
)

// latentCorr2 returns the Cholesky factor of the 2×2 correlation matrix with
// correlation r.
func latentCorr2(r float64) lang.Value { return matrix(2, 2, 1, 0, r, math.Sqrt(1-r*r)) }

func init() {
	l := matrix(3, 3, 1.5, 0, 0, 0.3, 0.8, 0, -0.4, 0.2, 2)
	mu := vec(0.2, -1, 3)
	y := vec(1, -2, 2.5)
	factors := []lang.Value{latentCorr2(0.3), latentCorr2(-0.7), latentCorr2(0.95)}
	invCases = append(invCases,
		invCase{expr: "log_prob(MultivariateNormalCholesky(mu, L), y)", vars: map[string]any{"mu": vary(mu), "L": vary(l), "y": vary(y)}},
		invCase{expr: "log_prob(MultivariateNormalCholesky(m, L), y)", vars: map[string]any{"m": vary(num(0.5)), "L": vary(l), "y": y}},
		// Several rows of data under a latent-dependent factor: each
		// draw's factor scores every row (a matrix parameter repeated per
		// row; this was an internal error).
		invCase{expr: "log_prob(MultivariateNormalCholesky(mu, L), Y)", vars: map[string]any{"mu": vary(mu), "L": vary(l), "Y": matrix(2, 3, 1, -2, 2.5, 0, 0.5, -1)}},
		invCase{expr: "log_prob(MultivariateNormalCholesky(mu, L), Y)", vars: map[string]any{"mu": mu, "L": vary(l), "Y": matrix(2, 3, 1, -2, 2.5, 0, 0.5, -1)}},
		invCase{expr: "mean(MultivariateNormalCholesky(mu, L))", vars: map[string]any{"mu": vary(mu), "L": vary(l)}},
		invCase{expr: "sd(MultivariateNormalCholesky(mu, L))", vars: map[string]any{"mu": vary(mu), "L": vary(l)}},
		invCase{expr: "log_prob(LKJCholesky(2, eta), L)", vars: map[string]any{"eta": vary(num(1.7)), "L": factors}},
		invCase{expr: "log_prob(LKJCholesky(3, eta), L)", vars: map[string]any{"eta": vary(num(0.6)), "L": matrix(3, 3, 1, 0, 0, 0.6, 0.8, 0, 0, 0.6, 0.8)}},
		invCase{expr: "mean(LKJCholesky(3, eta))", vars: map[string]any{"eta": vary(num(2))}},
		invCase{expr: "sd(LKJCholesky(3, eta))", vars: map[string]any{"eta": vary(num(2))}},
	)
}

func init() {
	// The moments of any family with parameters that depend on latents are
	// one per draw (a batch), also where they are not finite.
	invCases = append(invCases,
		invCase{expr: "mean(Normal(m, 2))", vars: map[string]any{"m": vary(num(0.5))}},
		invCase{expr: "sd(Normal(m, s))", vars: map[string]any{"m": vary(vec(0.5, 1)), "s": vary(num(2))}},
		invCase{expr: "mean(Cauchy(m, 1))", vars: map[string]any{"m": vary(num(0.5))}},
	)
}
