package infer

import (
	"fmt"
	"math"
	"sort"
)

// ParetoK returns the Pareto-smoothed importance sampling diagnostic k̂ of
// importance ratios given by their logs (for a guide, log p − log q of
// draws from q): the shape of a generalized Pareto distribution fitted to
// the largest M = ⌈min(n/5, 3√n)⌉ ratios above the next largest, as
// Vehtari, Simpson, Gelman, Yao and Gabry (2024, "Pareto smoothed
// importance sampling") and the loo and posterior R packages do: Zhang and
// Stephens' (2009) empirical Bayes estimate with the weakly informative
// prior that shrinks k̂ towards 0.5 by 10 pseudo-observations.
//
// k̂ < 0.5: the ratios have a finite variance; up to 0.7 importance
// sampling (and the guide) is still reliable; above 0.7 it is not.
// k̂ is scale-free: it measures the shape of the ratios' upper tail, not
// its size. A guide whose tails are lighter than the posterior's (any
// flow with a Gaussian base that is affine in its tails, against
// exponential tails such as a logit-Beta's) has Var_q(p/q) = ∞, and k̂
// from 1000 draws can be 1–3 even when the ELBO is within 0.005 of log Z
// and the weights are nearly equal (Kish ESS > 0.99 n); it falls to ~0.4
// with 10⁵ draws (TestParetoKLogitBeta). NaN
// ratios count as −Inf (weight 0). A tail of equal ratios (q proportional
// to p) gives 0; an infinite ratio gives +Inf. It needs at least 10
// ratios, and more than M of them finite.
func ParetoK(logRatios []float64) (k float64, err error) {
	n := len(logRatios)
	if n < 10 {
		return math.NaN(), fmt.Errorf("pareto k needs at least 10 draws, got %d", n)
	}
	lr := make([]float64, n)
	for i, v := range logRatios {
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		lr[i] = v
	}
	sort.Float64s(lr)
	m := int(math.Ceil(min(0.2*float64(n), 3*math.Sqrt(float64(n)))))
	top, cutoff := lr[n-1], lr[n-m-1]
	if math.IsInf(top, 1) {
		return math.Inf(1), nil
	}
	if math.IsInf(lr[n-m], -1) {
		return math.NaN(), fmt.Errorf("pareto k: only %d of %d importance ratios are positive, need more than %d", countFinite(lr), n, m)
	}
	if top-cutoff < 1e-12*max(1, math.Abs(top)) {
		return 0, nil
	}
	x := make([]float64, m)
	base := math.Exp(cutoff - top)
	for i, v := range lr[n-m:] {
		x[i] = math.Exp(v-top) - base
	}
	return gpdShape(x), nil
}

func countFinite(v []float64) int {
	c := 0
	for _, x := range v {
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			c++
		}
	}
	return c
}

// gpdShape returns the shape k of gpdFit.
func gpdShape(x []float64) float64 {
	k, _ := gpdFit(x)
	return k
}

// gpdFit returns the shape k and scale σ of a generalized Pareto
// distribution fitted to the ascending exceedances x (≥ 0, the last > 0)
// by Zhang and Stephens' (2009) posterior-mean estimate over a grid of
// θ = −k/σ, with the weakly informative prior adjustment
// k·n/(n+10) + 5/(n+10) on k (loo's gpdfit with wip = TRUE; σ = −k/θ
// with the unadjusted k, as there).
func gpdFit(x []float64) (k, sigma float64) {
	n := len(x)
	const prior = 3
	m := 30 + int(math.Sqrt(float64(n)))
	xstar := x[max(int(float64(n)/4+0.5), 1)-1] // first quartile
	if !(xstar > 0) {
		for _, v := range x {
			if v > 0 {
				xstar = v
				break
			}
		}
	}
	theta := make([]float64, m)
	ll := make([]float64, m)
	maxLL := math.Inf(-1)
	for j := range m {
		theta[j] = 1/x[n-1] + (1-math.Sqrt(float64(m)/(float64(j+1)-0.5)))/prior/xstar
		// Profile log-likelihood: n·(log(a/k) − k − 1) with a = −θ and
		// k = mean log(1 + a·x).
		a := -theta[j]
		kk := 0.0
		for _, v := range x {
			kk += math.Log1p(a * v)
		}
		kk /= float64(n)
		ll[j] = float64(n) * (math.Log(a/kk) - kk - 1)
		if math.IsNaN(ll[j]) {
			ll[j] = math.Inf(-1)
		}
		maxLL = max(maxLL, ll[j])
	}
	sw, th := 0.0, 0.0
	for j := range m {
		w := math.Exp(ll[j] - maxLL)
		sw += w
		th += w * theta[j]
	}
	th /= sw
	for _, v := range x {
		k += math.Log1p(-th * v)
	}
	k /= float64(n)
	sigma = -k / th
	const a = 10
	return k*float64(n)/float64(n+a) + a*0.5/float64(n+a), sigma
}
