package dist

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// integrate returns ∫_a^b e^(lp(x)) dx by 400-point Gauss–Legendre
// quadrature (exact to about 1e-12 for the smooth densities below on the
// ranges used).
func integrate(lp func(x float64) float64, a, b float64) float64 {
	return quad.Fixed(func(x float64) float64 { return math.Exp(lp(x)) }, a, b, 400, quad.Legendre{}, 0)
}

// integrateDist is integrate for the density of a one-component
// distribution, scoring all the nodes in one LogProb call.
func integrateDist(d Distribution, a, b float64) float64 {
	const n = 400
	x, w := make([]float64, n), make([]float64, n)
	quad.Legendre{}.FixedLocations(x, w, a, b)
	lp := d.LogProb(tensor.New(append([]float64(nil), x...), n, 1)).Data()
	s := 0.0
	for i := range x {
		s += w[i] * math.Exp(lp[i])
	}
	return s
}

// scalarLogProb returns the log density of a one-component distribution at x.
func scalarLogProb(d Distribution) func(x float64) float64 {
	return func(x float64) float64 { return d.LogProb(tensor.New([]float64{x}, 1, 1)).Item() }
}

// lcdf evaluates the log CDF (or CCDF) of a one-component distribution at x.
func lcdf(t *testing.T, d Distribution, x float64, upper bool) float64 {
	t.Helper()
	r, err := LogTail(d.(CDF), tensor.New([]float64{x}, 1, 1), upper)
	if err != nil {
		t.Fatalf("%v: %v", d, err)
	}
	return r.Item()
}

// cdfCases are continuous one-component distributions with points inside
// their support (increasing); the density is smooth between the points.
func cdfCases() []struct {
	d  Distribution
	xs []float64
} {
	return []struct {
		d  Distribution
		xs []float64
	}{
		{must(NewNormal(sc(1), sc(2))), []float64{-5, -1, 0.5, 1, 3, 8}},
		{must(NewHalfNormal(sc(1.5))), []float64{0.1, 0.7, 2, 5}},
		{must(NewLogNormal(sc(0.3), sc(0.8))), []float64{0.2, 1, 2.5, 9}},
		{must(NewStudentT(sc(3.5), sc(-1), sc(2))), []float64{-20, -3, -1, 0.5, 4, 30}},
		{must(NewCauchy(sc(0.5), sc(1.5))), []float64{-30, -2, 0.5, 3, 40}},
		{must(NewHalfCauchy(sc(2))), []float64{0.1, 1, 4, 50}},
		{must(NewLaplace(sc(-1), sc(0.7))), []float64{-6, -2, -1.2}},
		{must(NewLaplace(sc(-1), sc(0.7))), []float64{-0.9, 0, 3}},
		{must(NewUniform(sc(-1), sc(3))), []float64{-0.5, 1, 2.9}},
		{must(NewExponential(sc(1.7))), []float64{0.01, 0.5, 2, 6}},
		{must(NewGamma(sc(2.5), sc(1.3))), []float64{0.05, 1, 2.5, 8}},
		{must(NewInverseGamma(sc(3), sc(2))), []float64{0.1, 0.5, 1, 5}},
		{must(NewBeta(sc(2.5), sc(1.5))), []float64{0.05, 0.3, 0.7, 0.97}},
		{must(NewWeibull(sc(1.7), sc(2))), []float64{0.05, 1, 2, 6}},
		{must(NewWeibull(sc(0.6), sc(1.5))), []float64{0.5, 1, 10}},
		{must(NewLogistic(sc(0.5), sc(1.2))), []float64{-8, -1, 0.5, 2, 10}},
		{must(NewGumbel(sc(-0.5), sc(2))), []float64{-5, -1, 0, 3, 15}},
		{must(NewSkewNormal(sc(1), sc(2), sc(3))), []float64{-1, 0, 1, 2, 5}},
		{must(NewSkewNormal(sc(1), sc(1.5), sc(-2))), []float64{-4, -1, 0.5, 1, 2}},
	}
}

// TestCDFAgainstQuadrature checks F(b) − F(a) against the integral of the
// density between successive points (tolerance 1e-9 absolute: the
// quadrature is exact to about 1e-12), F + (1 − F) = 1, and the limits at
// ±Inf.
func TestCDFAgainstQuadrature(t *testing.T) {
	for _, tt := range cdfCases() {
		for i, x := range tt.xs {
			lf, lc := lcdf(t, tt.d, x, false), lcdf(t, tt.d, x, true)
			if s := math.Exp(lf) + math.Exp(lc); math.Abs(s-1) > 1e-12 {
				t.Errorf("%v at %v: CDF + CCDF = %v", tt.d, x, s)
			}
			if i == 0 {
				continue
			}
			a := tt.xs[i-1]
			want := integrateDist(tt.d, a, x)
			got := math.Exp(lf) - math.Exp(lcdf(t, tt.d, a, false))
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("%v: F(%v) − F(%v) = %.12g, quadrature %.12g", tt.d, x, a, got, want)
			}
		}
		if got := lcdf(t, tt.d, math.Inf(-1), false); !math.IsInf(got, -1) {
			t.Errorf("%v: log CDF at -Inf = %v", tt.d, got)
		}
		if got := lcdf(t, tt.d, math.Inf(1), false); got != 0 {
			t.Errorf("%v: log CDF at +Inf = %v", tt.d, got)
		}
		if got := lcdf(t, tt.d, math.Inf(1), true); !math.IsInf(got, -1) {
			t.Errorf("%v: log CCDF at +Inf = %v", tt.d, got)
		}
	}
}

// TestCDFAgainstGonum compares the CDFs with gonum's distuv where it has
// the family (tolerance 1e-10 relative on the CDF).
func TestCDFAgainstGonum(t *testing.T) {
	for _, tt := range []struct {
		d   Distribution
		ref func(x float64) float64
		xs  []float64
	}{
		{must(NewNormal(sc(1), sc(2))), distuv.Normal{Mu: 1, Sigma: 2}.CDF, []float64{-3, 1, 4}},
		{must(NewLogNormal(sc(0.3), sc(0.8))), distuv.LogNormal{Mu: 0.3, Sigma: 0.8}.CDF, []float64{0.5, 1.2, 3}},
		{must(NewStudentT(sc(3.5), sc(-1), sc(2))), distuv.StudentsT{Nu: 3.5, Mu: -1, Sigma: 2}.CDF, []float64{-9, -1, 0.5, 6}},
		{must(NewLaplace(sc(-1), sc(0.7))), distuv.Laplace{Mu: -1, Scale: 0.7}.CDF, []float64{-3, -1, 0.2}},
		{must(NewExponential(sc(1.7))), distuv.Exponential{Rate: 1.7}.CDF, []float64{0.1, 1, 3}},
		{must(NewGamma(sc(2.5), sc(1.3))), distuv.Gamma{Alpha: 2.5, Beta: 1.3}.CDF, []float64{0.3, 2, 6}},
		{must(NewInverseGamma(sc(3), sc(2))), distuv.InverseGamma{Alpha: 3, Beta: 2}.CDF, []float64{0.3, 1, 4}},
		{must(NewBeta(sc(2.5), sc(1.5))), distuv.Beta{Alpha: 2.5, Beta: 1.5}.CDF, []float64{0.1, 0.5, 0.9}},
		{must(NewWeibull(sc(1.7), sc(2))), distuv.Weibull{K: 1.7, Lambda: 2}.CDF, []float64{0.5, 2, 5}},
		{must(NewLogistic(sc(0.5), sc(1.2))), distuv.Logistic{Mu: 0.5, S: 1.2}.CDF, []float64{-2, 0.5, 3}},
		{must(NewGumbel(sc(-0.5), sc(2))), distuv.GumbelRight{Mu: -0.5, Beta: 2}.CDF, []float64{-3, 0, 4}},
		{must(NewUniform(sc(-1), sc(3))), distuv.Uniform{Min: -1, Max: 3}.CDF, []float64{-0.5, 2}},
		{must(NewPoisson(sc(3.5))), distuv.Poisson{Lambda: 3.5}.CDF, []float64{0, 2, 3.7, 9}},
		{must(NewBinomial(sc(12), sc(0.3))), distuv.Binomial{N: 12, P: 0.3}.CDF, []float64{0, 3, 7.5, 11}},
		{must(NewBernoulli(sc(0.3))), distuv.Bernoulli{P: 0.3}.CDF, []float64{-1, 0, 0.5, 1}},
	} {
		for _, x := range tt.xs {
			got, want := math.Exp(lcdf(t, tt.d, x, false)), tt.ref(x)
			if math.Abs(got-want) > 1e-10*math.Max(want, 1e-300) && math.Abs(got-want) > 1e-14 {
				t.Errorf("%v: CDF(%v) = %.15g, gonum %.15g", tt.d, x, got, want)
			}
		}
	}
}

// TestDiscreteCDFBySummation checks the count families' CDFs against sums
// of their mass functions (1e-12).
func TestDiscreteCDFBySummation(t *testing.T) {
	for _, d := range []Distribution{
		must(NewPoisson(sc(4.2))), must(NewBinomial(sc(9), sc(0.35))),
		must(NewNegativeBinomial(sc(3.5), sc(2.2))), must(NewBernoulli(sc(0.8))),
	} {
		lp := scalarLogProb(d)
		s := 0.0
		for k := 0.0; k <= 12; k++ {
			s += math.Exp(lp(k))
			got := math.Exp(lcdf(t, d, k, false))
			if math.Abs(got-s) > 1e-12 {
				t.Errorf("%v: CDF(%v) = %.15g, sum of masses %.15g", d, k, got, s)
			}
			if c := math.Exp(lcdf(t, d, k+0.5, true)); math.Abs(c-(1-s)) > 1e-12 {
				t.Errorf("%v: CCDF(%v) = %.15g, want %.15g", d, k+0.5, c, 1-s)
			}
		}
		if got := lcdf(t, d, -1, false); !math.IsInf(got, -1) {
			t.Errorf("%v: log CDF(-1) = %v", d, got)
		}
	}
}

// TestCDFTails checks log CDFs far in the tails against values computed
// with mpmath (40 digits; the skew normal's as log(Φ(z) − 2T(z, a)) with
// 150 digits, T by mpmath quadrature), to 1e-12 relative.
func TestCDFTails(t *testing.T) {
	std := must(NewNormal(sc(0), sc(1)))
	for _, tt := range []struct {
		d     Distribution
		x     float64
		upper bool
		want  float64
	}{
		{std, -40, false, -804.6084420137537881666},
		{std, -10, false, -53.23128515051247057835},
		{std, 40, true, -804.6084420137537881666},
		{std, 8, false, -6.220960574271786058534e-16},
		{must(NewSkewNormal(sc(0), sc(1), sc(2))), -3, false, -28.21144295604376498001},
		{must(NewSkewNormal(sc(0), sc(1), sc(-3))), -1, false, -1.148051733772809439525},
		{must(NewSkewNormal(sc(0), sc(1), sc(5))), 0.5, false, -0.9592032591599622685076},
		{must(NewSkewNormal(sc(0), sc(1), sc(-1))), 2, false, -0.0005177024884704276854},
		{must(NewSkewNormal(sc(0), sc(1), sc(3))), -6, false, -188.1380025368013971229818},
		{must(NewSkewNormal(sc(0), sc(1), sc(0.5))), -12, false, -95.68127765369144913584331},
		{must(NewSkewNormal(sc(0), sc(1), sc(-0.5))), 12, true, -95.68127765369144913584331},
		{must(NewCauchy(sc(0), sc(1))), -1e10, false, math.Log(1 / (math.Pi * 1e10))},
		{must(NewLogistic(sc(0), sc(1))), -800, false, -800},
		{must(NewExponential(sc(2))), 1e-10, false, math.Log(-math.Expm1(-2e-10))},
		{must(NewGamma(sc(2), sc(1))), 1e4, true, -1e4 + math.Log(1e4+1)},
		{must(NewGamma(sc(3), sc(1))), 1e-5, false, math.Log(1e-15/6) - 0.75e-5},
		{must(NewPoisson(sc(2000))), 10, false, -1939.0903779584699616},
		{must(NewInverseGamma(sc(2), sc(1))), 1e-4, false, -1e4 + math.Log(1e4+1)},
		{must(NewStudentT(sc(3), sc(0), sc(1))), -1e110, false, -759.75535724899047581567},
		{must(NewStudentT(sc(3), sc(0), sc(1))), 1e110, true, -759.75535724899047581567},
		{must(NewStudentT(sc(3), sc(0), sc(1))), -1e200, false, -1381.4533323573828103390},
		{must(NewBeta(sc(2.5), sc(1.5))), 1e-130, false, -747.62858711854862109239},
		{must(NewBinomial(sc(1000), sc(0.9))), 10, false, -2226.6837284789553748271},
	} {
		got := lcdf(t, tt.d, tt.x, tt.upper)
		if math.Abs(got-tt.want) > 1e-12*math.Abs(tt.want) {
			t.Errorf("%v: log CDF(%v) (upper %v) = %.17g, want %.17g", tt.d, tt.x, tt.upper, got, tt.want)
		}
	}
}

// TestOwenT checks Owen's T function against mpmath quadrature (1e-14
// absolute, 1e-10 relative).
func TestOwenT(t *testing.T) {
	for _, tt := range []struct{ h, a, want float64 }{
		{0.5, 0.3, 0.04078670734425010602540},
		{2, 5, 0.01137506597408960360014},
		{0, 2, 0.1762081911747833629123},
		{1.5, -0.7, -0.02709148046414578102473},
		{10, 0.9, 3.809926512080263032512e-24},
	} {
		got := owenT(tt.h, tt.a)
		if math.Abs(got-tt.want) > 1e-14 || math.Abs(got-tt.want) > 1e-10*math.Abs(tt.want) {
			t.Errorf("T(%v, %v) = %.17g, want %.17g", tt.h, tt.a, got, tt.want)
		}
	}
}

// TestCDFGradient checks the tape gradients of LogCDF and LogCCDF with
// respect to the value and every parameter against central differences
// (checkGrad's tolerance). Shape parameters are differentiated by
// Richardson extrapolation inside LogCDF, which is well within it.
func TestCDFGradient(t *testing.T) {
	for _, tt := range []struct {
		name   string
		vals   [][]float64 // parameters, then the values
		noGrad map[int]bool
		build  func(ps []*tensor.Tensor) CDF
	}{
		{"Normal", [][]float64{{0.5}, {1.3}, {-30, -2, 0.4, 3}}, nil, func(p []*tensor.Tensor) CDF { return Normal{p[0], p[1]} }},
		{"HalfNormal", [][]float64{{1.3}, {0.2, 2, 6}}, nil, func(p []*tensor.Tensor) CDF { return HalfNormal{p[0]} }},
		{"LogNormal", [][]float64{{0.2}, {0.7}, {0.3, 1, 4}}, nil, func(p []*tensor.Tensor) CDF { return LogNormal{p[0], p[1]} }},
		{"StudentT", [][]float64{{3.5}, {0.2}, {1.5}, {-8, -1, 0.5, 12}}, nil, func(p []*tensor.Tensor) CDF { return StudentT{p[0], p[1], p[2]} }},
		{"Cauchy", [][]float64{{0.2}, {1.5}, {-8, 0.5, 12}}, nil, func(p []*tensor.Tensor) CDF { return Cauchy{p[0], p[1]} }},
		{"HalfCauchy", [][]float64{{1.5}, {0.5, 12}}, nil, func(p []*tensor.Tensor) CDF { return HalfCauchy{p[0]} }},
		{"Laplace", [][]float64{{0.2}, {1.5}, {-3, 0.5, 4}}, nil, func(p []*tensor.Tensor) CDF { return Laplace{p[0], p[1]} }},
		{"Uniform", [][]float64{{-1}, {2}, {-0.5, 1.5}}, nil, func(p []*tensor.Tensor) CDF { return Uniform{p[0], p[1]} }},
		{"Exponential", [][]float64{{1.7}, {0.1, 2}}, nil, func(p []*tensor.Tensor) CDF { return Exponential{p[0]} }},
		{"Gamma", [][]float64{{2.5}, {1.3}, {0.2, 2, 6}}, nil, func(p []*tensor.Tensor) CDF { return Gamma{p[0], p[1]} }},
		{"InverseGamma", [][]float64{{3}, {2}, {0.3, 1, 4}}, nil, func(p []*tensor.Tensor) CDF { return InverseGamma{p[0], p[1]} }},
		{"Beta", [][]float64{{2.5}, {1.5}, {0.1, 0.5, 0.9}}, nil, func(p []*tensor.Tensor) CDF { return Beta{p[0], p[1]} }},
		{"Weibull", [][]float64{{1.7}, {2}, {0.3, 2, 5}}, nil, func(p []*tensor.Tensor) CDF { return Weibull{p[0], p[1]} }},
		{"Logistic", [][]float64{{0.5}, {1.2}, {-30, 0.5, 3}}, nil, func(p []*tensor.Tensor) CDF { return Logistic{p[0], p[1]} }},
		{"Gumbel", [][]float64{{-0.5}, {2}, {-5, 0, 4}}, nil, func(p []*tensor.Tensor) CDF { return Gumbel{p[0], p[1]} }},
		{"SkewNormal", [][]float64{{0.5}, {1.5}, {2}, {-4, 0, 0.5, 3}}, nil, func(p []*tensor.Tensor) CDF { return SkewNormal{p[0], p[1], p[2]} }},
		{"SkewNormal/neg", [][]float64{{0.5}, {1.5}, {-1.5}, {-3, 0.5, 4}}, nil, func(p []*tensor.Tensor) CDF { return SkewNormal{p[0], p[1], p[2]} }},
		{"Bernoulli", [][]float64{{0.3}, {0, 0.5}}, map[int]bool{1: true}, func(p []*tensor.Tensor) CDF { return Bernoulli{p[0]} }},
		{"Binomial", [][]float64{{0.3}, {0, 3, 7}}, map[int]bool{1: true}, func(p []*tensor.Tensor) CDF { return Binomial{sc(10), p[0]} }},
		{"Poisson", [][]float64{{3.5}, {0, 3, 7}}, map[int]bool{1: true}, func(p []*tensor.Tensor) CDF { return Poisson{p[0]} }},
		{"NegativeBinomial", [][]float64{{3.5}, {2.2}, {0, 3, 9}}, map[int]bool{2: true}, func(p []*tensor.Tensor) CDF { return NegativeBinomial{p[0], p[1]} }},
	} {
		for _, upper := range []bool{false, true} {
			name := tt.name + "/cdf"
			if upper {
				name = tt.name + "/ccdf"
			}
			checkGrad(t, name, tt.vals, tt.noGrad, func(ps []*tensor.Tensor) *tensor.Tensor {
				x := ps[len(ps)-1]
				x = tensor.Reshape(x, x.Len(), 1)
				r, err := LogTail(tt.build(ps), x, upper)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				// Weight the elements so that each one's gradient counts.
				w := make([]float64, r.Len())
				for i := range w {
					w[i] = float64(i + 1)
				}
				return tensor.Sum(tensor.Mul(r, tensor.New(w, r.Shape()...)))
			})
		}
	}
}

// TestCDFInvalidAndBatched checks -Inf for invalid parameters (no NaN, no
// error), per-element shapes, and that a batch of parameters gives row i
// the CDF under row i's parameters.
func TestCDFInvalidAndBatched(t *testing.T) {
	d := Normal{Loc: sc(0), Scale: vec(1, -1)}
	r, err := d.LogCDF(rows([]float64{0, 0}, []float64{1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(r.Shape(), []int{2, 2}) || !near(r.At(0, 0), math.Log(0.5), 1e-15) || !math.IsInf(r.At(0, 1), -1) || !math.IsInf(r.At(1, 1), -1) {
		t.Errorf("LogCDF = %v", r)
	}
	b := Gamma{Shape: tensor.New([]float64{1, 2, 3}, 3, 1), Rate: sc(1.5)}
	x := tensor.New([]float64{0.5, 1, 2, 0.5, 1, 2, 0.5, 1, 2}, 3, 3)
	rb, err := b.LogCCDF(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range []float64{1, 2, 3} {
		for j, xv := range []float64{0.5, 1, 2} {
			want := math.Log(1 - distuv.Gamma{Alpha: a, Beta: 1.5}.CDF(xv))
			if !near(rb.At(i, j), want, 1e-12) {
				t.Errorf("batched Gamma row %d x %v: %v, want %v", i, xv, rb.At(i, j), want)
			}
		}
	}
}

// TestCDFShapeGradientError checks that a tracked shape parameter where
// the CDF underflows is an error, not a silent wrong gradient.
func TestCDFShapeGradientError(t *testing.T) {
	a := tensor.Param([]float64{3}, 1)
	tp := tensor.NewTape()
	tp.Watch(a)
	_, err := Beta{A: a, B: sc(1e300)}.LogCDF(col(0.5))
	if err == nil {
		t.Fatal("no error where the CDF cannot be computed")
	}
	if want := "Beta: the CDF at x = 0.5 cannot be computed"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	n := tensor.Param([]float64{5}, 1)
	tp.Watch(n)
	if _, err := (Binomial{N: n, P: sc(0.3)}).LogCDF(col(2)); err == nil {
		t.Error("no error for a tracked Binomial n")
	}
}
