package draws

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// The convergence diagnostics below follow the R package posterior
// (version 1.4.0, R/convergence.R) step for step, after Vehtari, Gelman,
// Simpson, Carpenter and Bürkner (2021), "Rank-normalization, folding, and
// localization: an improved R-hat for assessing convergence of MCMC".
// Each takes the draws of one scalar quantity as x[chain][iteration]
// (every chain the same length) and returns NaN where posterior returns NA:
// a non-finite draw, all draws equal (within 2.2e-16), or fewer than 3
// iterations per split chain for an ESS. A ragged or empty x is an error.

// Rhat returns the rank-normalised split R-hat: the larger of the split
// R-hat of the rank-normalised draws (bulk) and of the rank-normalised
// draws folded about their median (tail), as posterior::rhat.
func Rhat(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 {
		bulk := rhat(zScale(splitChains(x)))
		tail := rhat(zScale(splitChains(fold(x))))
		return rmax(bulk, tail)
	})
}

// RhatBasic returns the classic split R-hat of the draws themselves
// (Gelman et al. 2013; posterior::rhat_basic).
func RhatBasic(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 { return rhat(splitChains(x)) })
}

// ESSBulk returns the bulk effective sample size: the ESS of the
// rank-normalised split chains (posterior::ess_bulk).
func ESSBulk(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 { return ess(zScale(splitChains(x))) })
}

// ESSTail returns the tail effective sample size: the smaller of the ESS
// of the 5 % and 95 % quantiles (posterior::ess_tail).
func ESSTail(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 { return rmin(essQuantile(x, 0.05), essQuantile(x, 0.95)) })
}

// ESSMean returns the ESS of the mean: of the split chains, not rank
// normalised (posterior::ess_mean).
func ESSMean(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 { return ess(splitChains(x)) })
}

// ESSSd returns the ESS of the standard deviation: the ESS of the mean of
// the squared deviations from the mean (posterior::ess_sd since 1.5;
// version 1.4.0 used absolute deviations).
func ESSSd(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 { return ess(splitChains(sqDev(x))) })
}

// checked returns f(x), or NaN and the error for a ragged or empty x.
func checked(x [][]float64, f func(x [][]float64) float64) (float64, error) {
	if err := check(x); err != nil {
		return math.NaN(), err
	}
	return f(x), nil
}

// ESSQuantile returns the ESS of the quantile p (0 ≤ p ≤ 1): the ESS of
// the indicator x ≤ Quantile(x, p) (posterior::ess_quantile).
func ESSQuantile(x [][]float64, p float64) (float64, error) {
	if err := check(x); err != nil {
		return math.NaN(), err
	}
	if !(p >= 0 && p <= 1) {
		return math.NaN(), fmt.Errorf("quantile probability must be in [0, 1], got %v", p)
	}
	return essQuantile(x, p), nil
}

// MCSEMean returns the Monte Carlo standard error of the mean: sd / √ESSMean
// (posterior::mcse_mean).
func MCSEMean(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 {
		all := flatten(x)
		return sd(all) / math.Sqrt(ess(splitChains(x)))
	})
}

// MCSESd returns the Monte Carlo standard error of the standard deviation:
// the variance of the variance by Kenney and Keeping (1951) with the ESS of
// the squared deviations, carried to the sd by a first-order Taylor
// expansion (posterior::mcse_sd).
func MCSESd(x [][]float64) (float64, error) {
	return checked(x, func(x [][]float64) float64 {
		d := sqDev(x)
		e := ess(splitChains(d))
		all := flatten(d)
		m2, m4 := 0.0, 0.0
		for _, v := range all {
			m2 += v
			m4 += v * v
		}
		m2 /= float64(len(all))
		m4 /= float64(len(all))
		varvar := (m4 - m2*m2) / e
		return math.Sqrt(varvar / m2 / 4)
	})
}

// MCSEQuantile returns the Monte Carlo standard error of the quantile p:
// half the distance between the draws at the 15.9 % and 84.1 % points of
// the Beta(ESS·p + 1, ESS·(1−p) + 1) distribution of the quantile's
// position (posterior::mcse_quantile).
func MCSEQuantile(x [][]float64, p float64) (float64, error) {
	e, err := ESSQuantile(x, p)
	if err != nil || math.IsNaN(e) {
		return math.NaN(), err
	}
	lo := distuv.Beta{Alpha: e*p + 1, Beta: e*(1-p) + 1}
	a1, a2 := lo.Quantile(0.1586553), lo.Quantile(0.8413447)
	s := flatten(x)
	sort.Float64s(s)
	n := len(s)
	i1 := max(int(math.Floor(a1*float64(n))), 1)
	i2 := min(int(math.Ceil(a2*float64(n))), n)
	return (s[i2-1] - s[i1-1]) / 2, nil
}

// Quantile returns the p-quantile of all draws by linear interpolation
// between order statistics (R's default, type 7, as posterior::quantile2);
// NaN when a draw is NaN.
func Quantile(x [][]float64, p float64) (float64, error) {
	if err := check(x); err != nil {
		return math.NaN(), err
	}
	if !(p >= 0 && p <= 1) {
		return math.NaN(), fmt.Errorf("quantile probability must be in [0, 1], got %v", p)
	}
	s := flatten(x)
	for _, v := range s {
		if math.IsNaN(v) {
			return math.NaN(), nil
		}
	}
	sort.Float64s(s)
	return QuantileSorted(s, p), nil
}

// check reports a ragged or empty x.
func check(x [][]float64) error {
	if len(x) == 0 {
		return fmt.Errorf("draws: no chains")
	}
	n := len(x[0])
	if n == 0 {
		return fmt.Errorf("draws: chain 1 has no iterations")
	}
	for c, ch := range x {
		if len(ch) != n {
			return fmt.Errorf("draws: chain %d has %d iterations, chain 1 has %d; chains must have equal length", c+1, len(ch), n)
		}
	}
	return nil
}

// QuantileSorted returns the p-quantile (0 ≤ p ≤ 1) of the ascending,
// non-empty, NaN-free s by linear interpolation between order statistics
// (R's type 7: h = (n−1)p); Quantile's for chains, stdlib's quantile's and
// summary's for arrays.
func QuantileSorted(s []float64, p float64) float64 {
	n := len(s)
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return s[n-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

func flatten(x [][]float64) []float64 {
	out := make([]float64, 0, len(x)*len(x[0]))
	for _, ch := range x {
		out = append(out, ch...)
	}
	return out
}

// variance is the sample variance (divisor n − 1), NaN for n < 2.
func variance(v []float64) float64 {
	if len(v) < 2 {
		return math.NaN()
	}
	m := stat.Mean(v, nil)
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v)-1)
}

func sd(v []float64) float64 { return math.Sqrt(variance(v)) }

// rmax and rmin are R's max and min of two numbers: NaN if either is.
func rmax(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return math.Max(a, b)
}

func rmin(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return math.Min(a, b)
}

// splitChains halves each chain (the middle draw of an odd-length chain is
// dropped); a chain of one iteration is kept whole.
func splitChains(x [][]float64) [][]float64 {
	n := len(x[0])
	if n == 1 {
		return x
	}
	out := make([][]float64, 0, 2*len(x))
	for _, ch := range x {
		out = append(out, ch[:n/2], ch[(n+1)/2:])
	}
	return out
}

// fold returns |x − median(x)| with the median of all draws.
func fold(x [][]float64) [][]float64 {
	s := flatten(x)
	med := math.NaN()
	if !hasNaN(s) {
		sort.Float64s(s)
		med = QuantileSorted(s, 0.5)
	}
	out := make([][]float64, len(x))
	for c, ch := range x {
		out[c] = make([]float64, len(ch))
		for i, v := range ch {
			out[c][i] = math.Abs(v - med)
		}
	}
	return out
}

// sqDev returns (x − mean(x))² with the mean of all draws.
func sqDev(x [][]float64) [][]float64 {
	m := stat.Mean(flatten(x), nil)
	out := make([][]float64, len(x))
	for c, ch := range x {
		out[c] = make([]float64, len(ch))
		for i, v := range ch {
			out[c][i] = (v - m) * (v - m)
		}
	}
	return out
}

func hasNaN(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

// zScale replaces each draw by Φ⁻¹((r − 3/8)/(S + 1/4)), r its rank among
// all S draws (ties get their average rank), Blom's normal scores.
func zScale(x [][]float64) [][]float64 {
	type iv struct {
		v    float64
		c, i int
	}
	all := make([]iv, 0, len(x)*len(x[0]))
	for c, ch := range x {
		for i, v := range ch {
			all = append(all, iv{v, c, i})
		}
	}
	out := make([][]float64, len(x))
	for c, ch := range x {
		out[c] = make([]float64, len(ch))
	}
	if hasNaN(flatten(x)) {
		for c := range out {
			for i := range out[c] {
				out[c][i] = math.NaN()
			}
		}
		return out
	}
	slices.SortFunc(all, func(a, b iv) int { return cmp.Compare(a.v, b.v) }) // ties share their rank: no need for stability
	S := float64(len(all))
	const c = 3.0 / 8
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].v == all[lo].v {
			hi++
		}
		r := float64(lo+1+hi) / 2 // average of ranks lo+1 … hi
		z := distuv.UnitNormal.Quantile((r - c) / (S - 2*c + 1))
		for _, e := range all[lo:hi] {
			out[e.c][e.i] = z
		}
		lo = hi
	}
	return out
}

// returnNaN is posterior's should_return_NA: a non-finite draw, or all
// draws within machine epsilon of each other.
func returnNaN(x [][]float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ch := range x {
		for _, v := range ch {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return true
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return math.Abs(hi-lo) < 2.220446049250313e-16
}

// rhat is the split R-hat of already split (and transformed) chains.
func rhat(x [][]float64) float64 {
	if returnNaN(x) {
		return math.NaN()
	}
	n := float64(len(x[0]))
	means := make([]float64, len(x))
	vars := make([]float64, len(x))
	for c, ch := range x {
		means[c] = stat.Mean(ch, nil)
		vars[c] = variance(ch)
	}
	between := n * variance(means)
	within := stat.Mean(vars, nil)
	return math.Sqrt((between/within + n - 1) / n)
}

func essQuantile(x [][]float64, p float64) float64 {
	if returnNaN(x) {
		return math.NaN()
	}
	s := flatten(x)
	if p == 1 {
		p = (float64(len(s)) - 0.5) / float64(len(s))
	}
	sort.Float64s(s)
	q := QuantileSorted(s, p)
	ind := make([][]float64, len(x))
	for c, ch := range x {
		ind[c] = make([]float64, len(ch))
		for i, v := range ch {
			if v <= q {
				ind[c][i] = 1
			}
		}
	}
	return ess(splitChains(ind))
}

// nextn returns the smallest integer ≥ n whose only prime factors are 2, 3
// and 5 (R's nextn).
func nextn(n int) int {
	for m := max(n, 1); ; m++ {
		k := m
		for _, f := range []int{2, 3, 5} {
			for k%f == 0 {
				k /= f
			}
		}
		if k == 1 {
			return m
		}
	}
}

// autocovariance returns the biased autocovariances of x at lags
// 0 … len(x)−1, computed by FFT of the centred series zero-padded to
// 2·nextn(n), scaled so that lag 0 is var(x)·(n−1)/n.
func autocovariance(x []float64, fft *fourier.FFT) []float64 {
	n := len(x)
	v := variance(x)
	ac := make([]float64, n)
	if v == 0 {
		return ac
	}
	m := stat.Mean(x, nil)
	seq := make([]float64, fft.Len())
	for i, xi := range x {
		seq[i] = xi - m
	}
	coef := fft.Coefficients(nil, seq)
	for i, c := range coef {
		coef[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	full := fft.Sequence(nil, coef)
	scale := v * float64(n-1) / float64(n) / full[0]
	for i := range ac {
		ac[i] = full[i] * scale
	}
	return ac
}

// ess is posterior's .ess: the effective sample size of already split
// chains by Geyer's initial monotone sequence on the mean autocorrelation,
// with the antithetic improvement and the cap ESS ≤ S·log10(S).
func ess(x [][]float64) float64 {
	m, n := len(x), len(x[0])
	if n < 3 || returnNaN(x) {
		return math.NaN()
	}
	fft := fourierFor(n)
	acov := make([]float64, n) // mean over chains
	means := make([]float64, m)
	for c, ch := range x {
		for t, a := range autocovariance(ch, fft) {
			acov[t] += a / float64(m)
		}
		means[c] = stat.Mean(ch, nil)
	}
	fn := float64(n)
	meanVar := acov[0] * fn / (fn - 1)
	varPlus := meanVar * (fn - 1) / fn
	if m > 1 {
		varPlus += variance(means)
	}
	rho := make([]float64, n)
	rho[0] = 1
	even, odd := 1.0, 1-(meanVar-acov[1])/varPlus
	rho[1] = odd
	t := 0
	for t < n-5 && !math.IsNaN(even+odd) && even+odd > 0 {
		t += 2
		even = 1 - (meanVar-acov[t])/varPlus
		odd = 1 - (meanVar-acov[t+1])/varPlus
		if even+odd >= 0 {
			rho[t], rho[t+1] = even, odd
		}
	}
	maxT := t
	if even > 0 {
		rho[maxT] = even
	}
	// Geyer's initial monotone sequence.
	for t = 0; t <= maxT-4; {
		t += 2
		if rho[t]+rho[t+1] > rho[t-2]+rho[t-1] {
			rho[t] = (rho[t-2] + rho[t-1]) / 2
			rho[t+1] = rho[t]
		}
	}
	sum := rho[0] // R's sum(rho[1:max_t]) when max_t is 0 is rho[1]
	if maxT > 0 {
		sum = 0
		for _, r := range rho[:maxT] {
			sum += r
		}
	}
	tau := -1 + 2*sum + rho[maxT]
	total := float64(m * n)
	tau = max(tau, 1/math.Log10(total))
	return total / tau
}

// fourierFor returns the FFT autocovariance uses for chains of n draws.
func fourierFor(n int) *fourier.FFT { return fourier.NewFFT(2 * nextn(n)) }
