package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/internal/mathx"
	"github.com/flowppl/flowppl/tensor"
)

// Truncated is a distribution with a CDF restricted to [Low, High], with
// density (or mass)
//
//	p(x) / (F(High) − F(Low)),  Low ≤ x ≤ High
//
// (for a discrete base F(High) − F(Low − 1): both bounds are included, as
// in Stan's T[Low, High]). Low may be −Inf and High +Inf. The bounds are
// numbers, vectors (one per component) or, inside models, [B, 1] or [B, d]
// batches, and like the base's parameters they may be tracked: the log
// normaliser is differentiable in them and in the base's parameters.
//
// Build one with NewTruncated or MakeTruncated, which compute the
// normaliser. Draws are by inversion of the CDF (a bisection in log space,
// so bounds far in a tail are fine); Mean and StdDev integrate the
// quantile function numerically (for a Normal base they are also moment
// tensors, differentiable in the bounds and parameters: see
// truncated_moments.go).
type Truncated struct {
	Base      Distribution
	Low, High *tensor.Tensor

	spec cdfSpec
	logZ *tensor.Tensor // log(F(High) − F(Low)) per component
}

// NewTruncated returns base truncated to [low, high], validated: base must
// be a family with a CDF, low and high numbers or vectors that broadcast
// with its parameters, low < high, and the interval must have positive
// probability.
func NewTruncated(base Distribution, low, high *tensor.Tensor) (*Truncated, error) {
	return MakeTruncated(base, low, high, true)
}

// MakeTruncated is NewTruncated; without validate (bounds or parameters
// computed from latent draws) only the shapes are checked, and draws whose
// interval is empty or has probability 0 get log density -Inf.
func MakeTruncated(base Distribution, low, high *tensor.Tensor, validate bool) (*Truncated, error) {
	c, ok := base.(cdfer)
	if !ok {
		return nil, fmt.Errorf("Truncated: %s has no CDF; truncate a univariate family such as Normal, StudentT, Gamma or Poisson", base)
	}
	spec := c.cdf()
	if _, err := prepare("Truncated", false, append([]param{{"low", low, anyReal}, {"high", high, anyReal}}, specParams(spec)...)...); err != nil {
		return nil, err
	}
	if validate {
		for _, p := range []param{{"low", low, anyReal}, {"high", high, anyReal}} {
			if p.t.Rank() > 1 {
				return nil, fmt.Errorf("Truncated: %s must be a number or a vector, got %s", p.name, describe(p.t))
			}
		}
		var err error
		newGrid(broadcastShape("Truncated", low, high), low, high).each(func(i int, v []float64) {
			if err == nil && !(v[0] < v[1] || spec.discrete && v[0] == v[1]) {
				err = fmt.Errorf("Truncated: low must be less than high, got low = %s, high = %s", tensor.FormatNumber(v[0]), tensor.FormatNumber(v[1]))
			}
		})
		if err != nil {
			return nil, err
		}
	}
	t := &Truncated{Base: base, Low: low, High: high, spec: spec}
	lz, err := t.logMass()
	if err != nil {
		return nil, err
	}
	t.logZ = lz
	if validate {
		for i, v := range lz.Data() {
			if math.IsInf(v, -1) || math.IsNaN(v) {
				lo, hi := elemAt(low, i), elemAt(high, i)
				return nil, fmt.Errorf("Truncated: the interval [%s, %s] has probability 0 under %s", tensor.FormatNumber(lo), tensor.FormatNumber(hi), base)
			}
		}
	}
	return t, nil
}

// elemAt returns element i of t, cycling (for error messages).
func elemAt(t *tensor.Tensor, i int) float64 { return t.Data()[i%t.Len()] }

func specParams(c cdfSpec) []param {
	ps := make([]param, len(c.ps))
	for i, p := range c.ps {
		ps[i] = param{c.name(i + 1), p, anyReal}
	}
	return ps
}

// ins returns the bound and parameter tensors in the order the scalar
// functions take them: low, high, then the base's parameters.
func (d Truncated) ins() []*tensor.Tensor {
	return append([]*tensor.Tensor{d.Low, d.High}, d.spec.ps...)
}

// logMass returns log(F(high) − F(low)) per element of the broadcast of
// the bounds and the base's parameters, differentiable in all of them.
func (d Truncated) logMass() (*tensor.Tensor, error) { return d.logMassBetween(d.Low, d.High) }

// logMassBetween returns the log probability of [lo, hi] under the base,
// log(F(hi) − F(lo)) (log(F(hi) − F(⌈lo⌉ − 1)) for a discrete base), per
// element of the broadcast of lo, hi and the base's parameters.
func (d Truncated) logMassBetween(low, high *tensor.Tensor) (*tensor.Tensor, error) {
	ins := append([]*tensor.Tensor{low, high}, d.spec.ps...)
	shape := broadcastShape("Truncated", ins...)
	np := len(d.spec.ps)
	g := newGrid(shape, ins...)
	vals := make([]float64, g.size)
	need, grads, anyNeed := gradSlots(ins, 2, d.spec.discrete, g.size)
	w := make([]float64, 1+np)
	wn := make([]bool, 1+np)
	gLo, gHi := make([]float64, 1+np), make([]float64, 1+np)
	var err error
	g.each(func(i int, v []float64) {
		if err != nil {
			return
		}
		lo, hi := v[0], v[1]
		if d.spec.discrete {
			lo = math.Ceil(lo) - 1
		}
		copy(w[1:], v[2:])
		eval := func(x float64, upper bool, gx []float64, needX bool) float64 {
			w[0] = x
			clear(gx)
			if !anyNeed || math.IsInf(x, 0) || x != x || d.spec.bad(w) {
				return d.spec.at(w, upper)
			}
			wn[0] = needX
			copy(wn[1:], need[2:])
			l, e := d.spec.evalAt(w, upper, wn, gx)
			if e != nil && err == nil {
				err = e
			}
			return l
		}
		// log(F(hi) − F(lo)) from whichever of F and 1 − F is smaller, so
		// that an interval far in a tail does not cancel.
		lFhi := eval(hi, false, gHi, need[1])
		upper := !(lFhi < -math.Ln2)
		var a, b float64 // log of the larger and smaller terms: Z = e^a − e^b
		if upper {
			a, b = eval(lo, true, gLo, need[0]), eval(hi, true, gHi, need[1])
		} else {
			a, b = lFhi, eval(lo, false, gLo, need[0])
		}
		// lz = log Z and its derivative α·(derivative at hi) + β·(derivative
		// at lo), slot by slot.
		var lz, alpha, beta float64
		switch {
		case !(a > b): // empty, or probability 0 (or NaN parameters)
			lz = math.Inf(-1)
		case upper && a > -math.Ln2:
			// Both terms large: Z = 1 − (1 − F(hi)) − F(lo) directly, with
			// dZ = −(1−F(hi))·dlog(1−F(hi)) − F(lo)·dlog F(lo).
			lflo := eval(lo, false, gLo, need[0])
			lz = math.Log1p(-(math.Exp(b) + math.Exp(lflo)))
			alpha, beta = -math.Exp(b-lz), -math.Exp(lflo-lz)
		default:
			// Z = e^a − e^b: d log Z = (da − r db)/(1 − r), r = e^(b−a).
			lz = a + log1mexp(b-a)
			r := math.Exp(b - a)
			alpha, beta = 1/(1-r), -r/(1-r)
			if upper { // a is at lo, b at hi
				alpha, beta = beta, alpha
			}
		}
		vals[i] = lz
		if !anyNeed || math.IsInf(lz, 0) || math.IsNaN(lz) {
			return
		}
		if need[0] {
			grads[0][i] = beta * gLo[0]
		}
		if need[1] {
			grads[1][i] = alpha * gHi[0]
		}
		for k := 2; k < len(ins); k++ {
			if need[k] {
				grads[k][i] = alpha*gHi[k-1] + beta*gLo[k-1]
			}
		}
		for k, gk := range grads {
			if gk != nil && (math.IsNaN(gk[i]) || math.IsInf(gk[i], 0)) && err == nil {
				err = fmt.Errorf("Truncated: the derivative of the log normaliser with respect to %s is not finite", []string{"low", "high"}[min(k, 1)])
				if k >= 2 {
					err = fmt.Errorf("Truncated: the derivative of the log normaliser with respect to %s is not finite", d.spec.name(k-1))
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return pointwise(shape, vals, ins, grads), nil
}

// Dim returns the number of components.
func (d Truncated) Dim() int { return paramDim("Truncated", d.ins()...) }

// mass returns the log normaliser, computing it if d was not built by
// MakeTruncated.
func (d Truncated) mass() *tensor.Tensor {
	if d.logZ != nil {
		return d.logZ
	}
	lz, err := d.logMass()
	if err != nil {
		panic(err.Error())
	}
	return lz
}

// LogProb returns the base's log density minus the log normaliser for each
// row of x; rows with a component outside [low, high], or whose interval
// has probability 0, have log density -Inf.
func (d Truncated) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("Truncated", func(v []float64) bool { return !(v[0] >= v[1] && v[0] <= v[2]) }, x, d.ins()...)
	lp := d.Base.LogProb(m.safe(x, 0)) // masked rows are set to -Inf below
	// One normaliser per element of the row (a row may hold several
	// observations of a one-component distribution).
	lz := tensor.SumAxis(m.full(d.mass()), -1)
	out := tensor.Sub(lp, lz)
	ok := func(d [][]float64) bool { // no -Inf row (a guard: tensor.Trace)
		od, zd := d[0], d[1]
		for i, v := range od {
			if z := zd[i%len(zd)]; math.IsNaN(v) || math.IsInf(z, 0) || math.IsNaN(z) {
				return false
			}
		}
		return true
	}
	if !slices.Contains(m.rows, true) && tensor.Guard(ok, out, lz) {
		return out
	}
	bad := make([]bool, out.Len())
	fill := false
	zd := lz.Data()
	for i, v := range out.Data() {
		z := zd[i%len(zd)]
		bad[i] = m.rows[i%len(m.rows)] || math.IsNaN(v) || math.IsInf(z, 0) || math.IsNaN(z)
		fill = fill || bad[i]
	}
	if !fill {
		return out
	}
	return tensor.Fill(out, bad, math.Inf(-1))
}

// Bounds returns the bounds of the support as tensors (the truncation
// bounds intersected with the base's support), differentiable in the
// truncation bounds: the interval transform of a latent with this prior.
func (d Truncated) Bounds() (low, high *tensor.Tensor) {
	low, high = d.Low, d.High
	s := d.Base.Support()
	switch s.Kind {
	case Positive, NonNegIntegers:
		low = tensor.Maximum(low, tensor.Scalar(0))
	case UnitInterval, Boolean:
		low, high = tensor.Maximum(low, tensor.Scalar(0)), tensor.Minimum(high, tensor.Scalar(1))
	}
	switch b := d.Base.(type) {
	case *Uniform:
		low, high = tensor.Maximum(low, b.Low), tensor.Minimum(high, b.High)
	case Uniform:
		low, high = tensor.Maximum(low, b.Low), tensor.Minimum(high, b.High)
	case *Binomial:
		low, high = tensor.Maximum(low, tensor.Scalar(0)), tensor.Minimum(high, b.N)
	case Binomial:
		low, high = tensor.Maximum(low, tensor.Scalar(0)), tensor.Minimum(high, b.N)
	}
	return low, high
}

// Support returns the interval [low, high] intersected with the base's
// support (integers in it for a discrete base); Low and High hold the
// bounds per component (flattened over the batch when batched).
func (d Truncated) Support() Support {
	low, high := d.Bounds()
	ps := append([]*tensor.Tensor{low, high}, d.spec.ps...)
	lo, _ := perParam("Truncated", func(v []float64) (float64, bool) { return v[0], true }, ps...)
	hi, _ := perParam("Truncated", func(v []float64) (float64, bool) { return v[1], true }, ps...)
	if d.spec.discrete {
		for i := range lo {
			lo[i], hi[i] = math.Ceil(lo[i]), math.Floor(hi[i])
		}
		return Support{Kind: IntegerInterval, Low: lo, High: hi}
	}
	return Support{Kind: Interval, Low: lo, High: hi}
}

// String returns e.g. "Truncated(StudentT(df=3, loc=0, scale=10), low=0,
// high=inf)".
func (d Truncated) String() string {
	return "Truncated(" + d.Base.String() + ", low=" + fmtTensor(d.Low) + ", high=" + fmtTensor(d.High) + ")"
}

// Sample returns n draws as an untracked [n, d] tensor, each by inverting
// the truncated CDF (see quantile). A draw whose interval has probability
// 0 (possible only for parameters computed in a model) is NaN.
func (d Truncated) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	ins := detach(d.ins()...)
	return draws("Truncated", n, func(v []float64) float64 {
		u := rng.Float64()
		return d.quantile(v, u, 1-u)
	}, ins...)
}

// quantile returns the point x with P(X ≤ x | low ≤ X ≤ high) = u (the
// smallest such integer for a discrete base), with v = [low, high,
// params...] and w = 1 − u given separately so that both ends are
// accurate. The target is written as F(x) = F(low)·w + F(high)·u or, when
// that is above ½, as 1 − F(x) = (1 − F(low))·w + (1 − F(high))·u, both in
// log space, and found by bisection (after doubling steps from 0 towards an
// infinite bound) to the resolution of float64.
func (d Truncated) quantile(v []float64, u, w float64) float64 {
	c := d.spec
	lo, hi := v[0], v[1]
	lo1 := lo
	if c.discrete {
		lo1 = math.Ceil(lo) - 1
	}
	p := make([]float64, len(v)-1)
	copy(p[1:], v[2:])
	at := func(x float64, upper bool) float64 {
		p[0] = x
		return c.at(p, upper)
	}
	lu, lw := math.Log(u), math.Log(w)
	tF := mathx.LogAddExp(at(lo1, false)+lw, at(hi, false)+lu)
	tC := mathx.LogAddExp(at(lo1, true)+lw, at(hi, true)+lu)
	// phi is increasing in x and phi(x) = t at the answer.
	phi, t := func(x float64) float64 { return at(x, false) }, tF
	if !(tF < -math.Ln2) {
		phi, t = func(x float64) float64 { return -at(x, true) }, -tC
	}
	if math.IsNaN(t) || !(lo < hi || (c.discrete && lo <= hi)) || math.IsInf(tF, -1) && math.IsInf(tC, -1) {
		return math.NaN()
	}
	a, b := lo1, hi
	if c.discrete {
		b = math.Floor(hi)
	}
	if math.IsInf(a, -1) {
		a = math.Min(b, 0) - 1
		for step := 1.0; phi(a) >= t && !math.IsInf(a, -1); step *= 2 {
			a -= step
		}
	}
	if math.IsInf(b, 1) {
		b = math.Max(a, 0) + 1
		for step := 1.0; phi(b) < t && !math.IsInf(b, 1); step *= 2 {
			b += step
		}
	}
	if c.discrete {
		for b-a > 1 {
			m := math.Floor(a + (b-a)/2)
			if phi(m) < t {
				a = m
			} else {
				b = m
			}
		}
		return b
	}
	return math.Max(lo, math.Min(hi, solveIncreasing(phi, t, a, b)))
}

// solveIncreasing returns x in [a, b] with f(x) = t for an increasing f
// with f(a) ≤ t ≤ f(b), by the Illinois variant of false position, with a
// bisection step whenever the bracket has not halved in two steps or an
// end value is infinite; it stops when the bracket is within 2 ulp.
func solveIncreasing(f func(float64) float64, t, a, b float64) float64 {
	fa, fb := f(a)-t, f(b)-t
	side, width := 0, b-a
	for i := 0; i < 2200; i++ {
		if !(b-a > 4e-16*math.Max(math.Abs(a), math.Abs(b))) || b-a < 1e-300 {
			break
		}
		m := a + (b-a)/2
		if i%2 == 1 && b-a > width/2 || math.IsInf(fa, 0) || math.IsInf(fb, 0) || fa == fb {
			width = b - a
		} else if x := (a*fb - b*fa) / (fb - fa); x > a && x < b {
			m = x
		}
		fm := f(m) - t
		switch {
		case fm == 0:
			return m
		case fm < 0:
			a, fa = m, fm
			if side == -1 {
				fb /= 2
			}
			side = -1
		default:
			b, fb = m, fm
			if side == 1 {
				fa /= 2
			}
			side = 1
		}
	}
	return a + (b-a)/2
}

// Mean returns the mean per component: for a continuous base ∫₀¹ Q(u) du
// by tanh-sinh quadrature of the quantile function Q (see moments), ok
// false when the base has no mean and a bound is infinite; for a discrete
// base by summation over the support (see discreteMoments).
func (d Truncated) Mean() ([]float64, bool) {
	m, _, ok := d.moments(false)
	return m, ok
}

// StdDev returns the standard deviation per component, in the same ways;
// ok is false when the base has no standard deviation and a bound is
// infinite.
func (d Truncated) StdDev() ([]float64, bool) {
	_, s, ok := d.moments(true)
	return s, ok
}

// moments integrates Q(u) and (Q(u) − mean)² over u ∈ (0, 1) with the
// tanh-sinh rule u = ½(1 + tanh(½π sinh t)), t = −4…4 in steps of 1/8
// (65 nodes, the smallest u about 1e-37): its error is below 1e-10
// relative for the smooth quantile functions of truncated continuous
// families, including the algebraic end singularities of heavy tails with
// a finite variance.
func (d Truncated) moments(sd bool) (mean, std []float64, ok bool) {
	if d.spec.discrete {
		return d.discreteMoments()
	}
	if bm, isM := d.Base.(Moments); isM {
		var baseOK bool
		if sd {
			_, baseOK = bm.StdDev()
		} else {
			_, baseOK = bm.Mean()
		}
		if !baseOK {
			for _, t := range []*tensor.Tensor{d.Low, d.High} {
				for _, v := range t.Data() {
					if math.IsInf(v, 0) {
						return nil, nil, false
					}
				}
			}
		}
	}
	us, ws, wts := tanhSinh()
	ins := detach(d.ins()...)
	shape := broadcastShape("Truncated", ins...)
	g := newGrid(shape, ins...)
	mean, std = make([]float64, g.size), make([]float64, g.size)
	q := make([]float64, len(us))
	g.each(func(i int, v []float64) {
		mean[i], std[i] = d.quadMoments(v, q, us, ws, wts)
	})
	return mean, std, true
}

// quadMoments returns the mean and standard deviation of one element
// (v: low, high, the base's parameters) by the tanh-sinh rule us, ws, wts
// (see tanhSinh), leaving the quantiles at the nodes in q.
func (d Truncated) quadMoments(v, q, us, ws, wts []float64) (mean, std float64) {
	m, tw := 0.0, 0.0
	for j := range us {
		q[j] = d.quantile(v, us[j], ws[j])
		m += wts[j] * q[j]
		tw += wts[j]
	}
	m /= tw
	s := 0.0
	for j := range us {
		s += wts[j] * (q[j] - m) * (q[j] - m)
	}
	return m, math.Sqrt(s / tw)
}

// LogCDF returns log P(X ≤ x | low ≤ X ≤ high) per element (see CDF):
// log(F(min(x, high)) − F(low)) minus the log normaliser, -Inf below low.
func (d Truncated) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) {
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	if d.spec.discrete {
		x = tensor.Floor(x)
	}
	lm, err := d.logMassBetween(d.Low, tensor.Minimum(x, d.High))
	if err != nil {
		return nil, err
	}
	return tensor.Sub(lm, d.mass()), nil
}

// LogCCDF returns log P(X > x | low ≤ X ≤ high) per element: log(F(high) −
// F(max(x, low))) minus the log normaliser, 0 below low.
func (d Truncated) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) {
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	lo := tensor.Maximum(x, d.Low)
	if d.spec.discrete {
		// P(X > x) = P(⌊x⌋ + 1 ≤ X ≤ high).
		lo = tensor.Maximum(tensor.AddScalar(tensor.Floor(x), 1), d.Low)
	}
	lm, err := d.logMassBetween(lo, d.High)
	if err != nil {
		return nil, err
	}
	return tensor.Sub(lm, d.mass()), nil
}

var (
	_ Distribution = Truncated{}
	_ Moments      = Truncated{}
	_ CDF          = Truncated{}
)

// discreteMoments sums k·p(k) and (k − mean)²·p(k) over the integers of
// [low, high], with p(k) = F(k) − F(k−1) (as (1 − F(k−1)) − (1 − F(k)) past
// the median, so that a truncation far in the upper tail keeps its
// precision), normalised by the summed mass; an infinite high stops where
// the remaining mass is below 1e-17 of the sum. ok is false when that
// takes more than ten million terms.
func (d Truncated) discreteMoments() (mean, std []float64, ok bool) {
	ins := detach(d.ins()...)
	shape := broadcastShape("Truncated", ins...)
	g := newGrid(shape, ins...)
	mean, std = make([]float64, g.size), make([]float64, g.size)
	ok = true
	g.each(func(i int, v []float64) {
		p := make([]float64, len(v)-1)
		copy(p[1:], v[2:])
		at := func(x float64, upper bool) float64 {
			p[0] = x
			return d.spec.at(p, upper)
		}
		lo, hi := math.Ceil(v[0]), math.Floor(v[1])
		if math.IsInf(lo, -1) {
			lo = 0 // the discrete families live on k ≥ 0
		}
		var ks, ps []float64
		total := 0.0
		prevF, prevC := at(lo-1, false), at(lo-1, true)
		for k := lo; k <= hi; k++ {
			f, c := at(k, false), at(k, true)
			var pk float64
			if f < -math.Ln2 {
				pk = math.Exp(f) - math.Exp(prevF)
			} else {
				pk = math.Exp(prevC) - math.Exp(c)
			}
			prevF, prevC = f, c
			ks, ps = append(ks, k), append(ps, pk)
			total += pk
			if math.IsInf(hi, 1) && f >= -math.Ln2 && math.Exp(c) < 1e-17*total || len(ks) > 1e7 {
				ok = ok && len(ks) <= 1e7
				break
			}
		}
		m := 0.0
		for j, k := range ks {
			m += k * ps[j]
		}
		m /= total
		s := 0.0
		for j, k := range ks {
			s += (k - m) * (k - m) * ps[j]
		}
		mean[i], std[i] = m, math.Sqrt(s/total)
	})
	return mean, std, ok
}
