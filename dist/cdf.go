package dist

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"

	"github.com/flowppl/flowppl/tensor"
)

// CDF is a distribution whose components have a cumulative distribution
// function. Unlike LogProb, which sums over the components of a row, the
// log CDFs are per element: for x of shape [n, d], LogCDF returns the [n, d]
// tensor of log P(X_j ≤ x_ij) and LogCCDF that of log P(X_j > x_ij) (a row
// of a vector-valued family has no single CDF, and Stan's lcdf of a vector,
// the sum over its elements, is the sum of this result). Parameters
// broadcast against x as in LogProb. Values below the support have CDF 0
// (log -Inf), values above it CDF 1; discrete families take the CDF at
// ⌊x⌋. Invalid parameter values give -Inf for both.
//
// Both are computed in log space where the tails need it (Normal's log CDF
// at -40 is finite and accurate) and are differentiable in x and in the
// parameters. Derivatives with respect to shape parameters that have no
// convenient closed form (StudentT df, Gamma and InverseGamma shape, Beta a
// and b, NegativeBinomial dispersion) are central differences with
// Richardson extrapolation, about 1e-9 relative; where those are not finite
// (the CDF underflows) and the parameter is tracked, the result is an
// error, never a silently wrong gradient. Binomial's n has no derivative:
// a tracked n is an error.
type CDF interface {
	Distribution
	LogCDF(x *tensor.Tensor) (*tensor.Tensor, error)
	LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error)
}

// LogTail returns c's LogCCDF of x, log P(X > x), when upper is set, and
// its LogCDF, log P(X ≤ x), otherwise.
func LogTail(c CDF, x *tensor.Tensor, upper bool) (*tensor.Tensor, error) {
	if upper {
		return c.LogCCDF(x)
	}
	return c.LogCDF(x)
}

// cdfSpec is a family's CDF in scalar form: ps are its parameter tensors,
// bad reports invalid parameter values (v[1:], with v[0] the value), and
// eval returns log F(x) (log(1 − F(x)) when upper) at v = [x, params...]
// with finite x, filling g[k] with the derivative with respect to v[k]
// where need[k] (need may be nil: no derivatives).
type cdfSpec struct {
	fam      string
	ps       []*tensor.Tensor
	discrete bool
	positive bool // the support starts at 0: evalAt gives the limits at x ≤ 0, eval sees x > 0
	bad      func(v []float64) bool
	eval     func(v []float64, upper bool, need []bool, g []float64) (float64, error)
}

// evalAt is eval with the values at or below 0 of a positive support
// answered by lowerLimit.
func (c cdfSpec) evalAt(v []float64, upper bool, need []bool, g []float64) (float64, error) {
	if c.positive && v[0] <= 0 {
		return lowerLimit(upper), nil
	}
	return c.eval(v, upper, need, g)
}

// cdfer is implemented by the families of this package that have a CDF.
type cdfer interface {
	CDF
	cdf() cdfSpec
}

// at evaluates the spec at one point, without derivatives: log F or log(1 −
// F), with ±Inf values at their limits and -Inf for invalid parameters.
func (c cdfSpec) at(v []float64, upper bool) float64 {
	for _, u := range v {
		if u != u {
			return math.Inf(-1)
		}
	}
	if c.bad(v) {
		return math.Inf(-1)
	}
	if math.IsInf(v[0], 0) {
		if (v[0] > 0) == upper {
			return math.Inf(-1)
		}
		return 0
	}
	l, _ := c.evalAt(v, upper, nil, nil)
	return l
}

// run evaluates the log CDF (or CCDF) over the broadcast of x and the
// parameters.
func (c cdfSpec) run(x *tensor.Tensor, upper bool) (*tensor.Tensor, error) {
	if x.Rank() == 0 {
		x = tensor.Reshape(x, 1, 1)
	}
	ins := append([]*tensor.Tensor{x}, c.ps...)
	shape := broadcastShape(c.fam, ins...)
	g := newGrid(shape, ins...)
	vals := make([]float64, g.size)
	need, grads, any := gradSlots(ins, 1, c.discrete, g.size)
	if !any {
		need = nil
	}
	gv := make([]float64, len(ins))
	var err error
	g.each(func(i int, v []float64) {
		if err != nil {
			return
		}
		nan := false
		for _, u := range v {
			nan = nan || u != u
		}
		if nan || c.bad(v) || math.IsInf(v[0], 0) {
			vals[i] = c.at(v, upper)
			return
		}
		clear(gv)
		l, e := c.evalAt(v, upper, need, gv)
		if e != nil {
			err = e
			return
		}
		if math.IsNaN(l) {
			err = fmt.Errorf("%s: cannot compute the log CDF at x = %s (the parameters are beyond the numerically supported range)", c.fam, tensor.FormatNumber(v[0]))
			return
		}
		vals[i] = l
		if math.IsInf(l, 0) || need == nil {
			return
		}
		for k, gk := range grads {
			if gk == nil {
				continue
			}
			if math.IsNaN(gv[k]) || math.IsInf(gv[k], 0) {
				err = fmt.Errorf("%s: the derivative of the log CDF with respect to %s at %s is not finite", c.fam, c.name(k), tensor.FormatNumber(v[0]))
				return
			}
			gk[i] = gv[k]
		}
	})
	if err != nil {
		return nil, err
	}
	return pointwise(shape, vals, ins, grads), nil
}

// gradSlots reports which of ins need a gradient (the tracked ones, except
// the first nx, the values, when discrete) and whether any does, and makes
// a gradient of size elements for each that does.
func gradSlots(ins []*tensor.Tensor, nx int, discrete bool, size int) (need []bool, grads [][]float64, anyNeed bool) {
	need = make([]bool, len(ins))
	grads = make([][]float64, len(ins))
	for k, t := range ins {
		need[k] = t.Tracked() && !(k < nx && discrete)
		if need[k] {
			grads[k] = make([]float64, size)
			anyNeed = true
		}
	}
	return need, grads, anyNeed
}

// name returns the name of input k (0 the value) for error messages.
func (c cdfSpec) name(k int) string {
	if k == 0 {
		return "x"
	}
	for _, f := range Families {
		if f.Name == c.fam && k-1 < len(f.Params) {
			return f.Params[k-1]
		}
	}
	return fmt.Sprintf("parameter %d", k)
}

// fromPDF fills the derivatives of l = log F (or log(1 − F) when upper)
// from dF/dv[k] = pdf(x)·fac[k], with lpdf the log density at x: g[k] =
// ±fac[k]·e^(lpdf − l).
func fromPDF(l, lpdf float64, upper bool, need []bool, g []float64, fac ...float64) {
	if need == nil {
		return
	}
	r := math.Exp(lpdf - l)
	if upper {
		r = -r
	}
	for k, f := range fac {
		if need[k] {
			g[k] = f * r
		}
	}
}

// shapeGrad fills g[k] with the numeric derivative of the log CDF with
// respect to v[k] when need[k], or returns an error naming the parameter
// when it is not finite.
func (c cdfSpec) shapeGrad(v []float64, upper bool, need []bool, g []float64, k int) error {
	if need == nil || !need[k] {
		return nil
	}
	w := append([]float64(nil), v...)
	d, ok := richardson(func(t float64) float64 {
		w[k] = t
		l, _ := c.evalAt(w, upper, nil, nil)
		return l
	}, v[k])
	if !ok {
		return fmt.Errorf("%s: cannot differentiate the log CDF with respect to %s at x = %s (the CDF underflows there); %s must not depend on latent variables here", c.fam, c.name(k), tensor.FormatNumber(v[0]), c.name(k))
	}
	g[k] = d
	return nil
}

// locScale builds the spec of a location-scale family (v = [x, loc,
// scale, extra...]) from the standardised log CDF lf(z, upper, extra) and
// log density lpdf(z, extra); the derivatives in x, loc and scale follow
// from the density, and extra fills those of further parameters.
func locScale(fam string, ps []*tensor.Tensor, bad func(v []float64) bool,
	lf func(z float64, upper bool, v []float64) float64,
	lpdf func(z float64, v []float64) float64,
	extra func(z, l float64, upper bool, v []float64, need []bool, g []float64) error) cdfSpec {
	return cdfSpec{fam: fam, ps: ps, bad: bad,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			s := v[2]
			z := (v[0] - v[1]) / s
			l := lf(z, upper, v)
			if need != nil && !math.IsInf(l, 0) {
				fromPDF(l, lpdf(z, v)-math.Log(s), upper, need, g, 1, -1, -z)
				if extra != nil {
					return l, extra(z, l, upper, v, need, g)
				}
			}
			return l, nil
		}}
}

// badScale reports an invalid scale, the second parameter (v[0] is x).
func badScale(v []float64) bool { return !(v[2] > 0) }

// badOnePositive reports a first parameter that is not positive.
func badOnePositive(v []float64) bool { return !(v[1] > 0) }

// badTwoPositive reports a first or second parameter that is not positive.
func badTwoPositive(v []float64) bool { return !(v[1] > 0) || !(v[2] > 0) }

// symmetric turns a log CDF lower(z) of a symmetric standard density into
// the log CDF or CCDF.
func symmetric(lower func(z float64) float64) func(z float64, upper bool, v []float64) float64 {
	return func(z float64, upper bool, _ []float64) float64 {
		if upper {
			z = -z
		}
		return lower(z)
	}
}

// LogCDF returns log Φ((x - loc)/scale) per element.
func (d Normal) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log(1 - Φ((x - loc)/scale)) per element.
func (d Normal) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Normal) cdf() cdfSpec {
	return locScale("Normal", []*tensor.Tensor{d.Loc, d.Scale}, badScale, symmetric(logPhi),
		func(z float64, _ []float64) float64 { return logPhiPdf(z) }, nil)
}

// LogCDF returns log erf(x/(scale√2)) per element (-Inf below 0).
func (d HalfNormal) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log erfc(x/(scale√2)) per element.
func (d HalfNormal) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d HalfNormal) cdf() cdfSpec {
	return cdfSpec{fam: "HalfNormal", ps: []*tensor.Tensor{d.Scale},
		bad:      badOnePositive,
		positive: true,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, s := v[0], v[1]
			t := x / (s * math.Sqrt2)
			var l float64
			if upper {
				l = logErfc(t)
			} else {
				l = math.Log(math.Erf(t))
			}
			lpdf := 0.5*math.Log(2/math.Pi) - math.Log(s) - t*t
			fromPDF(l, lpdf, upper, need, g, 1, -x/s)
			return l, nil
		}}
}

// lowerLimit is log F (0 when upper: log 1) at or below the support.
func lowerLimit(upper bool) float64 {
	if upper {
		return 0
	}
	return math.Inf(-1)
}

// upperLimit is log F at or above the top of the support.
func upperLimit(upper bool) float64 { return lowerLimit(!upper) }

// LogCDF returns log Φ((log x - loc)/scale) per element (-Inf for x ≤ 0).
func (d LogNormal) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log(1 - Φ((log x - loc)/scale)) per element.
func (d LogNormal) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d LogNormal) cdf() cdfSpec {
	return cdfSpec{fam: "LogNormal", ps: []*tensor.Tensor{d.Loc, d.Scale}, bad: badScale,
		positive: true,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, s := v[0], v[2]
			z := (math.Log(x) - v[1]) / s
			l := symmetric(logPhi)(z, upper, nil)
			fromPDF(l, logPhiPdf(z)-math.Log(s)-math.Log(x), upper, need, g, 1, -x, -z*x)
			return l, nil
		}}
}

// LogCDF returns the log CDF of Student's t per element (the regularised
// incomplete beta function, gonum's mathext.RegIncBeta).
func (d StudentT) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns the log complementary CDF per element.
func (d StudentT) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

// studentLower returns log P(T ≤ z) for T ~ t(nu): ½ I_{nu/(nu+z²)}(nu/2,
// ½) for z < 0.
func studentLower(z, nu float64) float64 {
	if math.IsInf(z, 0) {
		return lowerLimit(z > 0)
	}
	// The tail ½ I_{nu/(nu+z²)}(nu/2, ½); for |z| ≫ √nu, nu/(nu+z²) is
	// computed as 1/(1 + (z/√nu)²) so that z² does not overflow.
	w := z / math.Sqrt(nu)
	var lt float64
	if math.Abs(w) < 1e150 {
		lt = logRegIncBeta(nu/2, 0.5, 1/(1+w*w)) - math.Ln2
	} else {
		// x = 1/(1+w²) < 1e-300: the leading term x^a/(a B(a, ½)) of
		// the series, with log x = −2 log|w| (relative error below 1e-300).
		lt = -nu*math.Log(math.Abs(w)) - math.Log(nu/2) - mathext.Lbeta(nu/2, 0.5) - math.Ln2
	}
	if z < 0 {
		return lt
	}
	return log1mexp(lt)
}

func (d StudentT) cdf() cdfSpec {
	// v = [x, df, loc, scale]; locScale wants [x, loc, scale, ...], so
	// reorder around it.
	inner := locScale("StudentT", nil, nil,
		func(z float64, upper bool, v []float64) float64 {
			if upper {
				z = -z
			}
			return studentLower(z, v[3])
		},
		func(z float64, v []float64) float64 {
			nu := v[3]
			lg1, _ := math.Lgamma((nu + 1) / 2)
			lg2, _ := math.Lgamma(nu / 2)
			return lg1 - lg2 - 0.5*math.Log(nu*math.Pi) - (nu+1)/2*math.Log1p(z*z/nu)
		}, nil)
	c := cdfSpec{fam: "StudentT", ps: []*tensor.Tensor{d.DF, d.Loc, d.Scale},
		bad: func(v []float64) bool { return !(v[1] > 0) || !(v[3] > 0) }}
	c.eval = func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
		w := []float64{v[0], v[2], v[3], v[1]}
		var wn []bool
		var wg [4]float64
		if need != nil {
			wn = []bool{need[0], need[2], need[3], false}
		}
		l, _ := inner.evalAt(w, upper, wn, wg[:])
		if math.IsInf(l, -1) {
			return l, underflow(c.fam, v[0], upper)
		}
		if need != nil && !math.IsInf(l, 0) {
			g[0], g[2], g[3] = wg[0], wg[1], wg[2]
			if err := c.shapeGrad(v, upper, need, g, 1); err != nil {
				return l, err
			}
		}
		return l, nil
	}
	return c
}

// LogCDF returns log(½ + atan(z)/π) per element, z = (x - loc)/scale.
func (d Cauchy) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log(½ - atan(z)/π) per element.
func (d Cauchy) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

// cauchyLower returns log P(C ≤ z) = log(atan2(1, -z)/π), which does not
// cancel for large negative z.
func cauchyLower(z float64) float64 {
	if z <= 0 {
		return math.Log(math.Atan2(1, -z) / math.Pi)
	}
	return math.Log1p(-math.Atan2(1, z) / math.Pi)
}

func (d Cauchy) cdf() cdfSpec {
	return locScale("Cauchy", []*tensor.Tensor{d.Loc, d.Scale}, badScale, symmetric(cauchyLower),
		func(z float64, _ []float64) float64 { return -logPi - math.Log1p(z*z) }, nil)
}

// LogCDF returns log((2/π) atan(x/scale)) per element (-Inf below 0).
func (d HalfCauchy) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log((2/π) atan(scale/x)) per element.
func (d HalfCauchy) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d HalfCauchy) cdf() cdfSpec {
	return cdfSpec{fam: "HalfCauchy", ps: []*tensor.Tensor{d.Scale},
		bad:      badOnePositive,
		positive: true,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, s := v[0], v[1]
			var l float64
			if upper {
				l = math.Log(2 / math.Pi * math.Atan2(s, x))
			} else {
				l = math.Log(2 / math.Pi * math.Atan2(x, s))
			}
			z := x / s
			fromPDF(l, math.Log(2/math.Pi)-math.Log(s)-math.Log1p(z*z), upper, need, g, 1, -z)
			return l, nil
		}}
}

// LogCDF returns the log CDF per element.
func (d Laplace) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns the log complementary CDF per element.
func (d Laplace) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Laplace) cdf() cdfSpec {
	return locScale("Laplace", []*tensor.Tensor{d.Loc, d.Scale}, badScale,
		symmetric(func(z float64) float64 {
			if z < 0 {
				return z - math.Ln2
			}
			return math.Log1p(-0.5 * math.Exp(-z))
		}),
		func(z float64, _ []float64) float64 { return -math.Abs(z) - math.Ln2 }, nil)
}

// LogCDF returns log((x - low)/(high - low)) per element, clamped to the
// interval.
func (d Uniform) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log((high - x)/(high - low)) per element.
func (d Uniform) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Uniform) cdf() cdfSpec {
	return cdfSpec{fam: "Uniform", ps: []*tensor.Tensor{d.Low, d.High},
		bad: func(v []float64) bool { return !(v[1] < v[2]) },
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, lo, hi := v[0], v[1], v[2]
			switch {
			case x <= lo:
				return lowerLimit(upper), nil
			case x >= hi:
				return upperLimit(upper), nil
			}
			w := hi - lo
			var l float64
			if upper {
				l = math.Log((hi - x) / w)
			} else {
				l = math.Log((x - lo) / w)
			}
			fromPDF(l, -math.Log(w), upper, need, g, 1, (x-hi)/w, -(x-lo)/w)
			return l, nil
		}}
}

// LogCDF returns log(1 - e^(-rate x)) per element.
func (d Exponential) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns -rate·x per element (0 below 0).
func (d Exponential) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Exponential) cdf() cdfSpec {
	return cdfSpec{fam: "Exponential", ps: []*tensor.Tensor{d.Rate},
		bad:      badOnePositive,
		positive: true,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, r := v[0], v[1]
			l := -r * x
			if !upper {
				l = log1mexp(l)
			}
			fromPDF(l, math.Log(r)-r*x, upper, need, g, 1, x/r)
			return l, nil
		}}
}

// LogCDF returns log P(shape, rate·x) per element (the regularised lower
// incomplete gamma function, gonum's mathext.GammaIncReg).
func (d Gamma) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log Q(shape, rate·x) per element.
func (d Gamma) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Gamma) cdf() cdfSpec { return gammaCDF("Gamma", d.Shape, d.Rate, false) }

// LogCDF returns log Q(shape, scale/x) per element.
func (d InverseGamma) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log P(shape, scale/x) per element.
func (d InverseGamma) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d InverseGamma) cdf() cdfSpec { return gammaCDF("InverseGamma", d.Shape, d.Scale, true) }

// gammaCDF is the CDF of Gamma(shape, b) (b the rate) and, with inverse,
// of InverseGamma(shape, b) (b the scale): as 1/X ~ Gamma(shape, b) there,
// P(X ≤ x) = Q(shape, b/x) where Gamma's is P(shape, b·x).
func gammaCDF(fam string, shape, b *tensor.Tensor, inverse bool) cdfSpec {
	c := cdfSpec{fam: fam, ps: []*tensor.Tensor{shape, b}, bad: badTwoPositive, positive: true}
	c.eval = func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
		x, a, b := v[0], v[1], v[2]
		var l float64
		if inverse {
			l = pick(!upper)(logGammaInc(a, b/x))
		} else {
			l = pick(upper)(logGammaInc(a, b*x))
		}
		if need != nil && !math.IsInf(l, 0) {
			lg, _ := math.Lgamma(a)
			if inverse {
				fromPDF(l, a*math.Log(b)-lg-(a+1)*math.Log(x)-b/x, upper, need, g, 1, 0, -x/b)
			} else {
				fromPDF(l, a*math.Log(b)-lg+(a-1)*math.Log(x)-b*x, upper, need, g, 1, 0, x/b)
			}
			return l, c.shapeGrad(v, upper, need, g, 1)
		}
		return l, nil
	}
	return c
}

// LogCDF returns log I_x(a, b) per element (gonum's mathext.RegIncBeta).
func (d Beta) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log I_(1-x)(b, a) per element.
func (d Beta) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Beta) cdf() cdfSpec {
	c := cdfSpec{fam: "Beta", ps: []*tensor.Tensor{d.A, d.B},
		bad: badTwoPositive}
	c.eval = func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
		x, a, b := v[0], v[1], v[2]
		switch {
		case x <= 0:
			return lowerLimit(upper), nil
		case x >= 1:
			return upperLimit(upper), nil
		}
		var l float64
		if upper {
			l = logRegIncBeta(b, a, 1-x)
		} else {
			l = logRegIncBeta(a, b, x)
		}
		if math.IsInf(l, -1) {
			return l, underflow(c.fam, x, upper)
		}
		if need != nil && !math.IsInf(l, 0) {
			fromPDF(l, (a-1)*math.Log(x)+(b-1)*math.Log1p(-x)-mathext.Lbeta(a, b), upper, need, g, 1)
			if err := c.shapeGrad(v, upper, need, g, 1); err != nil {
				return l, err
			}
			return l, c.shapeGrad(v, upper, need, g, 2)
		}
		return l, nil
	}
	return c
}

// LogCDF returns log(1 - exp(-(x/scale)^shape)) per element.
func (d Weibull) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns -(x/scale)^shape per element.
func (d Weibull) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Weibull) cdf() cdfSpec {
	return cdfSpec{fam: "Weibull", ps: []*tensor.Tensor{d.Shape, d.Scale},
		bad:      badTwoPositive,
		positive: true,
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			x, k, s := v[0], v[1], v[2]
			lu := math.Log(x / s)
			u := math.Exp(k * lu)
			l := -u
			if !upper {
				l = log1mexp(-u)
			}
			fromPDF(l, math.Log(k/s)+(k-1)*lu-u, upper, need, g, 1, x*lu/k, -x/s)
			return l, nil
		}}
}

// LogCDF returns log σ(z) per element, z = (x - loc)/scale.
func (d Logistic) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log σ(-z) per element.
func (d Logistic) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Logistic) cdf() cdfSpec {
	return locScale("Logistic", []*tensor.Tensor{d.Loc, d.Scale}, badScale,
		symmetric(func(z float64) float64 { return -softplus(-z) }),
		func(z float64, _ []float64) float64 { return -softplus(-z) - softplus(z) }, nil)
}

// LogCDF returns -e^(-z) per element, z = (x - loc)/scale.
func (d Gumbel) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log(1 - exp(-e^(-z))) per element.
func (d Gumbel) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Gumbel) cdf() cdfSpec {
	return locScale("Gumbel", []*tensor.Tensor{d.Loc, d.Scale}, badScale,
		func(z float64, upper bool, _ []float64) float64 {
			if upper {
				return log1mexp(-math.Exp(-z))
			}
			return -math.Exp(-z)
		},
		func(z float64, _ []float64) float64 { return -z - math.Exp(-z) }, nil)
}

// LogCDF returns log(Φ(z) - 2T(z, alpha)) per element (T Owen's T
// function), z = (x - loc)/scale; where the CDF is below 1e-6 it is the log
// of the integral of the density, computed in log space, so the far tails
// stay accurate.
func (d SkewNormal) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log(1 - Φ(z) + 2T(z, alpha)) per element.
func (d SkewNormal) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

// skewLower returns log F(z) of the standard skew normal with shape a.
func skewLower(z, a float64) float64 {
	f := normCDF(z) - 2*owenT(z, a)
	if f >= 1e-6 {
		return math.Log(math.Min(f, 1))
	}
	if z >= 0 {
		// F(z) < 1e-6 with z ≥ 0 cannot happen (F(0) = ½ − atan(a)/π
		// is that small only for a > 3e5, where F drops at z < 0).
		return math.Log(math.Max(f, 0))
	}
	lf := func(t float64) float64 { return math.Ln2 + logPhiPdf(t) + logPhi(a*t) }
	c := -z + a*math.Exp(logPhiPdf(a*z)-logPhi(a*z)) // d/dt log f at z, > 0 left of the mode
	return logTailIntegral(lf, z, c)
}

// normCDF returns Φ(z).
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func (d SkewNormal) cdf() cdfSpec {
	return locScale("SkewNormal", []*tensor.Tensor{d.Loc, d.Scale, d.Alpha},
		func(v []float64) bool { return !(v[2] > 0) || math.IsInf(v[3], 0) },
		func(z float64, upper bool, v []float64) float64 {
			if upper {
				// 1 − F(z; a) = F(−z; −a).
				return skewLower(-z, -v[3])
			}
			return skewLower(z, v[3])
		},
		func(z float64, v []float64) float64 { return math.Ln2 + logPhiPdf(z) + logPhi(v[3]*z) },
		func(z, l float64, upper bool, v []float64, need []bool, g []float64) error {
			if !need[3] {
				return nil
			}
			// dF/da = −2 ∂T(z, a)/∂a = −exp(−z²(1+a²)/2)/(π(1+a²)).
			a := v[3]
			r := math.Exp(-0.5*z*z*(1+a*a) - math.Log(math.Pi*(1+a*a)) - l)
			if upper {
				g[3] = r
			} else {
				g[3] = -r
			}
			return nil
		})
}

// LogCDF returns log P(X ≤ ⌊x⌋) per element.
func (d Bernoulli) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log P(X > ⌊x⌋) per element.
func (d Bernoulli) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Bernoulli) cdf() cdfSpec {
	return cdfSpec{fam: "Bernoulli", ps: []*tensor.Tensor{d.P}, discrete: true,
		bad: func(v []float64) bool { return !(v[1] >= 0 && v[1] <= 1) },
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			k, p := math.Floor(v[0]), v[1]
			switch {
			case k < 0:
				return lowerLimit(upper), nil
			case k >= 1:
				return upperLimit(upper), nil
			}
			if upper {
				if need != nil && need[1] {
					g[1] = 1 / p
				}
				return math.Log(p), nil
			}
			if need != nil && need[1] {
				g[1] = -1 / (1 - p)
			}
			return math.Log1p(-p), nil
		}}
}

// LogCDF returns log P(X ≤ ⌊x⌋) per element: log I_(1-p)(n - k, k + 1).
func (d Binomial) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log P(X > ⌊x⌋) per element.
func (d Binomial) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Binomial) cdf() cdfSpec {
	return cdfSpec{fam: "Binomial", ps: []*tensor.Tensor{d.N, d.P}, discrete: true,
		bad: func(v []float64) bool { return !isCount(v[1]) || !(v[2] >= 0 && v[2] <= 1) },
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			if need != nil && need[1] {
				return 0, fmt.Errorf("Binomial: the CDF is not differentiable in n; n must not depend on latent variables")
			}
			k, n, p := math.Floor(v[0]), v[1], v[2]
			switch {
			case k < 0:
				return lowerLimit(upper), nil
			case k >= n:
				return upperLimit(upper), nil
			}
			var l float64
			if upper {
				l = logRegIncBeta(k+1, n-k, p)
			} else {
				l = logRegIncBeta(n-k, k+1, 1-p)
			}
			if math.IsInf(l, -1) && p > 0 && p < 1 {
				return l, underflow("Binomial", k, upper)
			}
			if need != nil && need[2] && !math.IsInf(l, 0) {
				// dF/dp = −(n−k) C(n, k) p^k (1−p)^(n−k−1).
				a, _ := math.Lgamma(n + 1)
				b, _ := math.Lgamma(k + 1)
				c, _ := math.Lgamma(n - k)
				ld := a - b - c + xlogy(k, p) + xlogy(n-k-1, 1-p)
				r := math.Exp(ld - l)
				if upper {
					g[2] = r
				} else {
					g[2] = -r
				}
			}
			return l, nil
		}}
}

// LogCDF returns log P(X ≤ ⌊x⌋) per element: log Q(k + 1, rate).
func (d Poisson) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, false) }

// LogCCDF returns log P(X > ⌊x⌋) per element.
func (d Poisson) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) { return d.cdf().run(x, true) }

func (d Poisson) cdf() cdfSpec {
	return cdfSpec{fam: "Poisson", ps: []*tensor.Tensor{d.Rate}, discrete: true,
		bad: func(v []float64) bool { return !(v[1] >= 0) },
		eval: func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
			k, r := math.Floor(v[0]), v[1]
			if k < 0 {
				return lowerLimit(upper), nil
			}
			if r == 0 {
				return upperLimit(upper), nil
			}
			l := pick(!upper)(logGammaInc(k+1, r))
			if need != nil && need[1] && !math.IsInf(l, 0) {
				// dF/drate = −pmf(k).
				lg, _ := math.Lgamma(k + 1)
				rr := math.Exp(xlogy(k, r) - r - lg - l)
				if upper {
					g[1] = rr
				} else {
					g[1] = -rr
				}
			}
			return l, nil
		}}
}

// LogCDF returns log P(X ≤ ⌊x⌋) per element: log I_p(dispersion, k + 1)
// with p = dispersion/(mean + dispersion).
func (d NegativeBinomial) LogCDF(x *tensor.Tensor) (*tensor.Tensor, error) {
	return d.cdf().run(x, false)
}

// LogCCDF returns log P(X > ⌊x⌋) per element.
func (d NegativeBinomial) LogCCDF(x *tensor.Tensor) (*tensor.Tensor, error) {
	return d.cdf().run(x, true)
}

func (d NegativeBinomial) cdf() cdfSpec {
	c := cdfSpec{fam: "NegativeBinomial", ps: []*tensor.Tensor{d.Mu, d.Phi}, discrete: true,
		bad: badTwoPositive}
	c.eval = func(v []float64, upper bool, need []bool, g []float64) (float64, error) {
		k, mu, phi := math.Floor(v[0]), v[1], v[2]
		if k < 0 {
			return lowerLimit(upper), nil
		}
		p, q := phi/(mu+phi), mu/(mu+phi)
		var l float64
		if upper {
			l = logRegIncBeta(k+1, phi, q)
		} else {
			l = logRegIncBeta(phi, k+1, p)
		}
		if math.IsInf(l, -1) {
			return l, underflow(c.fam, k, upper)
		}
		if need != nil && !math.IsInf(l, 0) {
			if need[1] {
				// dF/dmu = dI_p/dp · dp/dmu = −p^phi q^k / (B(phi, k+1)(mu+phi)).
				r := math.Exp(phi*math.Log(p) + xlogy(k, q) - mathext.Lbeta(phi, k+1) - math.Log(mu+phi) - l)
				if upper {
					g[1] = r
				} else {
					g[1] = -r
				}
			}
			return l, c.shapeGrad(v, upper, need, g, 2)
		}
		return l, nil
	}
	return c
}

// pick returns the first (lower: log P) or second (upper: log Q) of a
// pair.
func pick(upper bool) func(lp, lq float64) float64 {
	return func(lp, lq float64) float64 {
		if upper {
			return lq
		}
		return lp
	}
}

// underflow is the error of a log CDF that underflows inside the support
// (the incomplete beta function below about 1e-308): the true value is
// finite, so -Inf would be a silent wrong answer.
func underflow(fam string, x float64, upper bool) error {
	what := "CDF"
	if upper {
		what = "complementary CDF"
	}
	return fmt.Errorf("%s: the %s at x = %s cannot be computed (it is below 1e-308 even in log space, or the parameters are beyond the range of the incomplete beta function)", fam, what, tensor.FormatNumber(x))
}
