package stdlib

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Simulation-based calibration (Talts et al. 2018, "Validating Bayesian
// inference algorithms with simulation-based calibration"): draw a latent
// θ from its prior and data from the likelihood given θ, fit the
// posterior to the data, and rank θ among L posterior draws. When the
// inference is right the rank is uniform on 0..L over repeated
// simulations. rank computes the ranks; chisq_uniform tests a set of them
// for uniformity.

func calibrationBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("rank", "rank(x, draws): the number of draws below x (0..L for L draws; draws equal to x count at random, as Talts et al. break ties): a number for a number x and a vector of draws; for a vector x and an L×k matrix of draws, one rank per column", builtinRank),
		def("chisq_uniform", "chisq_uniform(ranks, L, bins): the p-value of Pearson's chi-square test that ranks (in 0..L) are uniform, in bins equal bins of the L + 1 values (bins must divide L + 1; default 10 or L + 1 if smaller); of a matrix, one p-value per column", builtinChisqUniform),
	}
}

// dataArg is numeric for the calibration builtins, which work on draws
// outside a model: a value that depends on latent variables is named so.
func dataArg(fn string, v lang.Value) (*tensor.Tensor, error) {
	if _, ok := v.(*lang.Batch); ok {
		return nil, fmt.Errorf("%s: got %s: it works on simulated values and draws outside a model", fn, lang.Describe(v))
	}
	return numeric(fn, v)
}

// builtinRank is rank(x, draws).
func builtinRank(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var x, draws lang.Value
	if err := lang.UnpackArgs("rank", args, kwargs, "x", &x, "draws", &draws); err != nil {
		return nil, err
	}
	xt, err := dataArg("rank", x)
	if err != nil {
		return nil, err
	}
	dt, err := dataArg("rank", draws)
	if err != nil {
		return nil, err
	}
	count := func(v float64, col []float64) (float64, error) {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("rank: x is nan")
		}
		n, ties := 0, 0
		for _, d := range col {
			if math.IsNaN(d) {
				return 0, fmt.Errorf("rank: the draws hold nan")
			}
			if d < v {
				n++
			} else if d == v {
				ties++
			}
		}
		if ties > 0 { // ties broken at random (Talts et al. 2018), so a discrete quantity's ranks are uniform too
			n += th.Rand.IntN(ties + 1)
		}
		return float64(n), nil
	}
	switch {
	case xt.Rank() == 0 && dt.Rank() == 1:
		r, err := count(xt.Item(), dt.Data())
		return lang.Number(r), err
	case xt.Rank() == 1 && dt.Rank() == 2 && dt.Dim(1) == xt.Dim(0):
		L, k := dt.Dim(0), dt.Dim(1)
		out := make([]float64, k)
		col := make([]float64, L)
		for j := range k {
			for i := range L {
				col[i] = dt.Data()[i*k+j]
			}
			if out[j], err = count(xt.Data()[j], col); err != nil {
				return nil, err
			}
		}
		return lang.NewVector(out), nil
	}
	return nil, fmt.Errorf("rank: x %s and draws %s: want a number and a vector of draws, or a k-vector and an L×k matrix", lang.ShapeString(xt.Shape()), lang.ShapeString(dt.Shape()))
}

// builtinChisqUniform is chisq_uniform(ranks, L, bins).
func builtinChisqUniform(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var ranks lang.Value
	L, bins := 0, 0
	if err := lang.UnpackArgs("chisq_uniform", args, kwargs, "ranks", &ranks, "L", &L, "bins?", &bins); err != nil {
		return nil, err
	}
	t, err := dataArg("chisq_uniform", ranks)
	if err != nil {
		return nil, err
	}
	if L < 1 {
		return nil, fmt.Errorf("chisq_uniform: L (the number of draws each rank is among) must be a positive integer, got %d", L)
	}
	if bins == 0 {
		bins = min(10, L+1)
		if (L+1)%bins != 0 {
			return nil, fmt.Errorf("chisq_uniform: 10 bins do not divide the %d rank values 0..%d evenly: give bins (a divisor of %d)", L+1, L, L+1)
		}
	}
	if bins < 2 || (L+1)%bins != 0 {
		return nil, fmt.Errorf("chisq_uniform: bins must be at least 2 and divide the %d rank values 0..%d evenly, got %d", L+1, L, bins)
	}
	k, m := 0, 1
	switch t.Rank() {
	case 1:
		k = t.Dim(0)
	case 2:
		k, m = t.Dim(0), t.Dim(1)
	default:
		return nil, fmt.Errorf("chisq_uniform: ranks must be a vector or a matrix (one column per latent), got %s", lang.ShapeString(t.Shape()))
	}
	if k < 2 {
		return nil, fmt.Errorf("chisq_uniform: needs at least 2 ranks, got %d", k)
	}
	if e := float64(k) / float64(bins); e < 5 && th != nil {
		th.Warning(th.CallPos(), fmt.Sprintf("chisq_uniform: %d ranks in %d bins expect %.3g a bin, under 5: the chi-square p-value is only rough; simulate more data sets or give fewer bins", k, bins, e), false)
	}
	p := make([]float64, m)
	for j := range m {
		v, err := chisqUniform(t, j, m, k, L, bins)
		if err != nil {
			return nil, err
		}
		p[j] = v
	}
	if t.Rank() == 1 {
		return lang.Number(p[0]), nil
	}
	return lang.NewVector(p), nil
}

// chisqUniform returns the p-value of Pearson's test of column j of the
// k×m ranks t against the uniform distribution on 0..L, in bins bins of
// (L+1)/bins values each: the statistic Σ (O − E)² / E with E = k/bins
// has a chi-square distribution of bins − 1 degrees of freedom under the
// null (asymptotically: E of 5 or more is the usual rule).
func chisqUniform(t *tensor.Tensor, j, m, k, L, bins int) (float64, error) {
	width := (L + 1) / bins
	counts := make([]float64, bins)
	for i := range k {
		r := t.Data()[i*m+j]
		if r < 0 || r > float64(L) || r != math.Floor(r) {
			return 0, fmt.Errorf("chisq_uniform: rank %s is not an integer in 0..%d", tensor.FormatNumber(r), L)
		}
		counts[int(r)/width]++
	}
	e := float64(k) / float64(bins)
	stat := 0.0
	for _, o := range counts {
		stat += (o - e) * (o - e) / e
	}
	return distuv.ChiSquared{K: float64(bins - 1)}.Survival(stat), nil
}
