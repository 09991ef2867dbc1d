package infer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/internal/mathx"
	"github.com/flowppl/flowppl/tensor"
)

// PSISMinESS is the effective sample size of the importance weights below
// which PSISResample's draws are not reliable: fewer than 100 effective
// draws do not support a summary (posterior's guidance of 100 per chain).
const PSISMinESS = 100

// PSISOptions configures PSISResample. The zero value means the
// documented defaults.
type PSISOptions struct {
	// GuideDraws is the number S of guide draws weighted; default
	// max(4n, 1000) (Stan's multi-path Pathfinder weights 4 × 1000 draws
	// for its 1000).
	GuideDraws int
	// WithoutReplacement resamples without replacement (no duplicate
	// draws) instead of with replacement (the default, as Stan's
	// Pathfinder does: iid draws from the discrete distribution of the
	// weights). Without replacement is the better choice when n is much
	// smaller than the weights' ESS; as n approaches S it returns the
	// guide's own draws, so PSISResample warns when n exceeds the ESS.
	WithoutReplacement bool
}

// PSISResult is the outcome of PSISResample.
type PSISResult struct {
	// Draws are the n resampled points of the posterior's unconstrained
	// space, Draws[i][j] coordinate j of draw i.
	Draws [][]float64
	// LogDensity and LogGuide are log p and log q of each resampled draw;
	// Index is the guide draw (0 … S−1) each came from.
	LogDensity, LogGuide []float64
	Index                []int
	// GuideDraws is S, Replace whether the resampling was with
	// replacement, Distinct the number of different guide draws among the
	// n, Dropped the guide draws whose log density was not finite (weight 0).
	GuideDraws, Distinct, Dropped int
	Replace                       bool
	// ParetoK is the PSIS k̂ of the S log ratios (as ParetoK);
	// KThreshold = min(1 − 1/log10 S, 0.7), the k̂ below which the
	// weighted estimates converge at a useful rate with S draws (Vehtari
	// et al. 2024); MinGuideDraws = 10^(1/(1 − k̂)), the S that k̂ needs.
	ParetoK, KThreshold, MinGuideDraws float64
	// ESS is the effective sample size of the Pareto-smoothed normalised
	// weights, 1/Σw̃²; ESSRaw that of the raw weights (Kish). loo and
	// posterior multiply by a relative efficiency r_eff for MCMC draws;
	// guide draws are independent, r_eff = 1.
	ESS, ESSRaw float64
	// Reliable is the rule: ParetoK < KThreshold and ESS ≥ PSISMinESS.
	Reliable bool
	// Warnings say, one sentence each, why the draws are not reliable,
	// and when resampling without replacement biases them.
	Warnings []string
}

// PSISResample draws n points from the posterior p by Pareto-smoothed
// importance resampling of a fitted guide q (Vehtari, Simpson, Gelman,
// Yao and Gabry 2024): S guide draws (PSISOptions.GuideDraws) are weighted
// by p/q, the largest weights are replaced by the quantiles of a
// generalized Pareto distribution fitted to them (ParetoSmooth), and n of
// the S are drawn in proportion to the smoothed weights, with replacement
// unless PSISOptions.WithoutReplacement. The result carries k̂, the
// weights' ESS and the rule for trusting the draws (PSISResult.Reliable):
// k̂ below min(1 − 1/log10 S, 0.7) and an ESS of at least PSISMinESS. A
// draw whose log density is not finite gets weight 0.
//
// The draws are exact as S grows when k̂ is below the threshold: the
// correction reaches what the guide covers, and no further (a guide that
// misses a mode or a tail gives a large k̂, not a correction).
func PSISResample(q Guide, p Posterior, n int, rng *rand.Rand, o PSISOptions) (*PSISResult, error) {
	if n < 1 {
		return nil, fmt.Errorf("psis: need at least one draw, got %d", n)
	}
	if p.Dim() != q.Dim() {
		return nil, fmt.Errorf("psis: the guide has dimension %d but the posterior has %d unconstrained dimensions", q.Dim(), p.Dim())
	}
	S := o.GuideDraws
	if S == 0 {
		S = max(4*n, 1000)
	}
	if S < 10 {
		return nil, fmt.Errorf("psis: need at least 10 guide draws, got %d", S)
	}
	if o.WithoutReplacement && n > S {
		return nil, fmt.Errorf("psis: cannot draw %d without replacement from %d guide draws", n, S)
	}
	x, lq, lp, err := scoredDraws(q, p, S, rng)
	if err != nil {
		return nil, err
	}
	D := q.Dim()
	lr := make([]float64, S)
	res := &PSISResult{GuideDraws: S, Replace: !o.WithoutReplacement}
	for i := range lr {
		lr[i] = lp[i] - lq[i]
		if math.IsNaN(lp[i]) || math.IsInf(lp[i], 0) || math.IsNaN(lr[i]) {
			lr[i] = math.NaN()
			res.Dropped++
		}
	}
	logW, k, err := ParetoSmooth(lr)
	if err != nil {
		return nil, fmt.Errorf("psis: %w", err)
	}
	res.ParetoK = k
	res.KThreshold = min(1-1/math.Log10(float64(S)), ParetoWarning)
	res.MinGuideDraws = math.Inf(1)
	if k < 1 {
		res.MinGuideDraws = math.Pow(10, 1/(1-max(0, k)))
	}
	w := make([]float64, S)
	s2 := 0.0
	for i, l := range logW {
		w[i] = math.Exp(l)
		s2 += w[i] * w[i]
	}
	res.ESS = 1 / s2
	res.ESSRaw = kishESS(lr)
	positive := 0
	for _, v := range w {
		if v > 0 {
			positive++
		}
	}
	if o.WithoutReplacement && n > positive {
		return nil, fmt.Errorf("psis: cannot draw %d without replacement: only %d guide draws have positive weight", n, positive)
	}
	if o.WithoutReplacement {
		res.Index = gumbelTop(logW, n, rng)
	} else {
		res.Index = multinomial(w, n, rng)
	}
	seen := map[int]bool{}
	for _, i := range res.Index {
		seen[i] = true
		res.Draws = append(res.Draws, append([]float64(nil), x[i*D:(i+1)*D]...))
		res.LogDensity = append(res.LogDensity, lp[i])
		res.LogGuide = append(res.LogGuide, lq[i])
	}
	res.Distinct = len(seen)
	res.Reliable = k < res.KThreshold && res.ESS >= PSISMinESS
	if !(k < res.KThreshold) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("pareto k = %.2f ≥ %.2f: the importance weights have too heavy a tail for %d guide draws, so the resampled draws are not reliable (the guide misses part of the posterior); fit a better guide or sample with NUTS", k, res.KThreshold, S))
	}
	if res.ESS < PSISMinESS {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the importance weights' effective sample size is %.0f of %d guide draws (below %d): the draws hold about %.0f independent draws' worth; use more guide draws or a better guide", res.ESS, S, PSISMinESS, res.ESS))
	}
	if o.WithoutReplacement && float64(n) > res.ESS {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d draws without replacement exceed the weights' effective sample size %.0f: draws of low weight are kept, biasing the draws towards the guide; resample with replacement or use more guide draws", n, res.ESS))
	}
	return res, nil
}

// scoredDraws returns S draws of q (row-major, S×D) with log q and log p.
func scoredDraws(q Guide, p Posterior, S int, rng *rand.Rand) (x, lq, lp []float64, err error) {
	D := q.Dim()
	x = make([]float64, S*D)
	lq = make([]float64, S)
	lp = make([]float64, S)
	err = evalDraws(q, p, S, rng, func(lo int, xc, lqc, lpc *tensor.Tensor) {
		m := lpc.Len() // one log density a draw (checked by checkedDensity)
		copy(x[lo*D:(lo+m)*D], xc.Data())
		copy(lq[lo:lo+m], lqc.Data())
		copy(lp[lo:lo+m], lpc.Data())
	})
	return x, lq, lp, err
}

// ParetoSmooth returns the Pareto-smoothed importance weights of the log
// ratios, as logs normalised to Σ exp = 1, and k̂ (the same as ParetoK's):
// the largest M = ⌈min(n/5, 3√n)⌉ ratios are replaced by the expected
// order statistics (i − ½)/M of the generalized Pareto distribution
// fitted to them above the next largest, each capped at the largest raw
// ratio (loo's psis and posterior's pareto_smooth with r_eff = 1). When
// k̂ is not finite, or the tail is flat, the ratios are only normalised.
// NaN ratios get weight 0. It needs at least 10 ratios, more than M of
// them finite, and none +Inf.
func ParetoSmooth(logRatios []float64) (logW []float64, k float64, err error) {
	n := len(logRatios)
	if n < 10 {
		return nil, math.NaN(), fmt.Errorf("pareto smoothing needs at least 10 draws, got %d", n)
	}
	lw := make([]float64, n)
	for i, v := range logRatios {
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		if math.IsInf(v, 1) {
			return nil, math.Inf(1), fmt.Errorf("importance ratio of draw %d is infinite", i+1)
		}
		lw[i] = v
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lw[order[a]] < lw[order[b]] })
	m := int(math.Ceil(min(0.2*float64(n), 3*math.Sqrt(float64(n)))))
	top := lw[order[n-1]]
	cutoff := lw[order[n-m-1]]
	if math.IsInf(lw[order[n-m]], -1) {
		return nil, math.NaN(), fmt.Errorf("pareto smoothing: only %d of %d importance ratios are positive, need more than %d", countFinite(lw), n, m)
	}
	k = 0
	if top-cutoff >= 1e-12*max(1, math.Abs(top)) {
		base := math.Exp(cutoff - top)
		x := make([]float64, m)
		for i, j := range order[n-m:] {
			x[i] = math.Exp(lw[j]-top) - base
		}
		var sigma float64
		k, sigma = gpdFit(x)
		if !math.IsNaN(k) && !math.IsInf(k, 0) {
			for i, j := range order[n-m:] {
				pr := (float64(i) + 0.5) / float64(m)
				var qg float64
				if k == 0 {
					qg = -sigma * math.Log1p(-pr)
				} else {
					qg = sigma * math.Expm1(-k*math.Log1p(-pr)) / k
				}
				lw[j] = min(math.Log(base+qg), 0) + top
			}
		}
	}
	lse := math.Inf(-1)
	for _, v := range lw {
		lse = mathx.LogAddExp(lse, v)
	}
	for i := range lw {
		lw[i] -= lse
	}
	return lw, k, nil
}

// kishESS is (Σw)²/Σw² of the weights exp(lr) (NaN: weight 0).
func kishESS(lr []float64) float64 {
	top := math.Inf(-1)
	for _, v := range lr {
		if !math.IsNaN(v) {
			top = max(top, v)
		}
	}
	s, s2 := 0.0, 0.0
	for _, v := range lr {
		if math.IsNaN(v) {
			continue
		}
		w := math.Exp(v - top)
		s, s2 = s+w, s2+w*w
	}
	return s * s / s2
}

// multinomial draws n indices iid with probabilities w (Σw = 1).
func multinomial(w []float64, n int, rng *rand.Rand) []int {
	cum := make([]float64, len(w))
	s := 0.0
	for i, v := range w {
		s += v
		cum[i] = s
	}
	out := make([]int, n)
	for i := range out {
		u := rng.Float64() * s
		j := sort.SearchFloat64s(cum, u)
		for j < len(w)-1 && (cum[j] <= u || w[j] == 0) { // skip zero-weight ties
			j++
		}
		out[i] = j
	}
	return out
}

// gumbelTop draws n distinct indices, successively in proportion to the
// remaining weights exp(logW), by the Gumbel-top-k trick: the n largest
// logW_i + G_i with G_i standard Gumbel.
func gumbelTop(logW []float64, n int, rng *rand.Rand) []int {
	keys := make([]float64, len(logW))
	idx := make([]int, len(logW))
	for i, l := range logW {
		keys[i] = l - math.Log(-math.Log(rng.Float64())) // u = 0 gives −Inf: never chosen
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] > keys[idx[b]] })
	return idx[:n]
}

// DrawSet returns the resampled draws as a draws.Set (Method draws.PSIS,
// one chain) for the summary table and the CmdStan CSV writer: constrain
// maps an unconstrained point to the values of params (each row-major, as
// the model declares them); nil keeps the unconstrained coordinates. lp__
// is log p of the unconstrained point (Jacobian included, as Stan's) and
// lp_approx__ the guide's log density.
func (r *PSISResult) DrawSet(model string, params []draws.Param, constrain func(z []float64) ([]float64, error), seed uint64) (*draws.Set, error) {
	s := &draws.Set{
		Model: model, Method: draws.PSIS, Params: params,
		LogDensity: [][]float64{r.LogDensity}, LogApprox: [][]float64{r.LogGuide},
		Settings: draws.Settings{Seed: seed, ParetoK: r.ParetoK, WeightsESS: r.ESS, GuideDraws: r.GuideDraws, Replace: r.Replace},
	}
	chain := make([][]float64, len(r.Draws))
	for i, z := range r.Draws {
		v := z
		if constrain != nil {
			var err error
			if v, err = constrain(z); err != nil {
				return nil, err
			}
		}
		chain[i] = v
	}
	s.Draws = [][][]float64{chain}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
