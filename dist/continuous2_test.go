package dist

import (
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// newFamilyCases are Weibull, Logistic, Gumbel and SkewNormal with
// integration ranges holding all but 1e-13 of their mass, and their
// closed-form mean and standard deviation.
func newFamilyCases() []struct {
	d        Distribution
	lo, hi   float64
	mean, sd float64
} {
	dl := 3 / math.Sqrt(10) // SkewNormal δ for alpha = 3
	return []struct {
		d        Distribution
		lo, hi   float64
		mean, sd float64
	}{
		{must(NewWeibull(sc(2.5), sc(2))), 0, 12, 2 * math.Gamma(1+1/2.5), 2 * math.Sqrt(math.Gamma(1+2/2.5)-math.Pow(math.Gamma(1+1/2.5), 2))},
		{must(NewWeibull(sc(3), sc(0.5))), 0, 3, 0.5 * math.Gamma(1+1.0/3), 0.5 * math.Sqrt(math.Gamma(1+2.0/3)-math.Pow(math.Gamma(1+1.0/3), 2))},
		{must(NewLogistic(sc(0.5), sc(1.2))), -40, 41, 0.5, 1.2 * math.Pi / math.Sqrt(3)},
		{must(NewGumbel(sc(-0.5), sc(2))), -8, 70, -0.5 + 2*eulerGamma, 2 * math.Pi / math.Sqrt(6)},
		{must(NewSkewNormal(sc(1), sc(2), sc(3))), -8, 18, 1 + 2*dl*math.Sqrt(2/math.Pi), 2 * math.Sqrt(1-2*dl*dl/math.Pi)},
		{must(NewSkewNormal(sc(0), sc(1), sc(-1.5))), -9, 5, -skewDelta(1.5) * math.Sqrt(2/math.Pi), math.Sqrt(1 - 2*skewDelta(1.5)*skewDelta(1.5)/math.Pi)},
	}
}

// TestNewFamiliesDensity checks that the densities integrate to 1 and
// that Mean and StdDev match the closed forms and the integrals of x p(x)
// and (x − mean)² p(x) (1e-9; the quadrature is exact to about 1e-12).
func TestNewFamiliesDensity(t *testing.T) {
	for _, tt := range newFamilyCases() {
		if z := integrateDist(tt.d, tt.lo, tt.hi); math.Abs(z-1) > 1e-9 {
			t.Errorf("%v: density integrates to %.12g", tt.d, z)
		}
		lp := scalarLogProb(tt.d)
		wm := integrate(func(x float64) float64 { return lp(x) + math.Log(x-tt.lo) }, tt.lo, tt.hi) + tt.lo
		wv := integrate(func(x float64) float64 { return lp(x) + 2*math.Log(math.Abs(x-tt.mean)) }, tt.lo, tt.hi)
		m, _ := tt.d.(Moments).Mean()
		s, _ := tt.d.(Moments).StdDev()
		if !near(m[0], tt.mean, 1e-12) || !near(s[0], tt.sd, 1e-12) {
			t.Errorf("%v: Mean %v StdDev %v, want %v %v", tt.d, m[0], s[0], tt.mean, tt.sd)
		}
		if !near(wm, tt.mean, 1e-9) || !near(math.Sqrt(wv), tt.sd, 1e-9) {
			t.Errorf("%v: quadrature mean %v sd %v, want %v %v", tt.d, wm, math.Sqrt(wv), tt.mean, tt.sd)
		}
		if e, ok := tt.d.(Entropier); ok {
			h, _ := e.Entropy()
			wh := quad.Fixed(func(x float64) float64 {
				l := lp(x)
				if math.IsInf(l, -1) {
					return 0
				}
				return -math.Exp(l) * l
			}, tt.lo, tt.hi, 400, quad.Legendre{}, 0)
			if !near(h, wh, 1e-9) {
				t.Errorf("%v: Entropy %v, quadrature %v", tt.d, h, wh)
			}
		}
	}
}

// TestNewFamiliesAgainstGonum compares log densities and entropies with
// gonum's Weibull and GumbelRight and the logistic's closed form (1e-12).
func TestNewFamiliesAgainstGonum(t *testing.T) {
	w := distuv.Weibull{K: 1.7, Lambda: 2}
	logistic := func(x float64) float64 {
		z := (x - 0.5) / 1.2
		return -z - 2*math.Log1p(math.Exp(-z)) - math.Log(1.2)
	}
	g := distuv.GumbelRight{Mu: -0.5, Beta: 2}
	for _, tt := range []struct {
		d      Distribution
		ref    func(float64) float64
		refH   float64
		points []float64
	}{
		{must(NewWeibull(sc(1.7), sc(2))), w.LogProb, w.Entropy(), []float64{0.1, 1, 3, 7}},
		{must(NewLogistic(sc(0.5), sc(1.2))), logistic, 2 + math.Log(1.2), []float64{-30, 0, 2, 30}},
		{must(NewGumbel(sc(-0.5), sc(2))), g.LogProb, g.Entropy(), []float64{-4, 0, 3, 20}},
	} {
		for _, x := range tt.points {
			if got, want := scalarLogProb(tt.d)(x), tt.ref(x); !near(got, want, 1e-12) {
				t.Errorf("%v at %v: %v, gonum %v", tt.d, x, got, want)
			}
		}
		if h, _ := tt.d.(Entropier).Entropy(); !near(h, tt.refH, 1e-12) {
			t.Errorf("%v: Entropy %v, want %v", tt.d, h, tt.refH)
		}
	}
	// SkewNormal with alpha = 0 is Normal; its log density far in the
	// lower tail with alpha > 0 uses log Φ in log space: at z = -30,
	// alpha = 2: log 2 + log φ(-30) + log Φ(-60), finite.
	sn := must(NewSkewNormal(sc(0), sc(1), sc(0)))
	if got, want := scalarLogProb(sn)(1.3), distuv.UnitNormal.LogProb(1.3); !near(got, want, 1e-12) {
		t.Errorf("SkewNormal(alpha=0) at 1.3: %v, want %v", got, want)
	}
	sn2 := must(NewSkewNormal(sc(0), sc(1), sc(2)))
	if got, want := scalarLogProb(sn2)(-30), math.Ln2+logPhiPdf(-30)+logPhi(-60); !near(got, want, 1e-12) || math.IsInf(got, 0) {
		t.Errorf("SkewNormal(alpha=2) at -30: %v, want %v", got, want)
	}
	if got := scalarLogProb(must(NewWeibull(sc(2), sc(1))))(-0.1); !math.IsInf(got, -1) {
		t.Errorf("Weibull at -0.1: %v", got)
	}
}

// TestNewFamiliesSample compares draws with the closed-form moments (4
// standard errors) and checks they are in the support.
func TestNewFamiliesSample(t *testing.T) {
	const n = 20000
	for _, tt := range newFamilyCases() {
		x := tt.d.Sample(newRNG(), n)
		if i := tt.d.Support().FirstOutside(x); i >= 0 {
			t.Errorf("%v: draw %v outside the support", tt.d, x.Data()[i])
		}
		mean, sd, seM, seS := columnStats(x, 0)
		if math.Abs(mean-tt.mean) > 4*seM || math.Abs(sd-tt.sd) > 4*seS {
			t.Errorf("%v: sample mean %v sd %v, want %v %v (se %v %v)", tt.d, mean, sd, tt.mean, tt.sd, seM, seS)
		}
	}
}

// TestNewFamiliesGradient checks LogProb's and RSample's gradients against
// central differences (checkGrad's tolerance).
func TestNewFamiliesGradient(t *testing.T) {
	for _, tt := range []struct {
		name  string
		vals  [][]float64 // parameters, then the values
		build func(p []*tensor.Tensor) Reparameterized
	}{
		{"Weibull", [][]float64{{1.7, 0.8}, {2, 0.5}, {0.3, 1, 2.5, 0.2}}, func(p []*tensor.Tensor) Reparameterized { return Weibull{p[0], p[1]} }},
		{"Logistic", [][]float64{{0.5, -1}, {1.2, 0.3}, {-3, 0.5, 4, -1}}, func(p []*tensor.Tensor) Reparameterized { return Logistic{p[0], p[1]} }},
		{"Gumbel", [][]float64{{0.5, -1}, {1.2, 0.3}, {-3, 0.5, 4, -1}}, func(p []*tensor.Tensor) Reparameterized { return Gumbel{p[0], p[1]} }},
		{"SkewNormal", [][]float64{{0.5, -1}, {1.2, 0.3}, {3, -2}, {-3, 0.5, 4, -1}}, func(p []*tensor.Tensor) Reparameterized { return SkewNormal{p[0], p[1], p[2]} }},
	} {
		checkGrad(t, tt.name+".LogProb", tt.vals, nil, func(ps []*tensor.Tensor) *tensor.Tensor {
			x := ps[len(ps)-1]
			return tensor.Sum(tt.build(ps).LogProb(tensor.Reshape(x, x.Len()/2, 2)))
		})
		params := tt.vals[:len(tt.vals)-1]
		checkGrad(t, tt.name+".RSample", params, nil, func(ps []*tensor.Tensor) *tensor.Tensor {
			x := tt.build(ps).RSample(newRNG(), 50)
			return tensor.Sum(tensor.Mul(x, tensor.Tanh(x)))
		})
	}
}

// TestNewFamiliesErrors checks the constructors' messages and that invalid
// parameters inside models give -Inf, not NaN.
func TestNewFamiliesErrors(t *testing.T) {
	checkBuildErrors(t, []buildCase{
		{"Weibull", []*tensor.Tensor{sc(-1), sc(1)}, "Weibull: shape must be positive, got -1"},
		{"Weibull", []*tensor.Tensor{sc(1), sc(0)}, "Weibull: scale must be positive, got 0"},
		{"Logistic", []*tensor.Tensor{sc(0), sc(-2)}, "Logistic: scale must be positive, got -2"},
		{"Gumbel", []*tensor.Tensor{sc(math.NaN()), sc(1)}, "Gumbel: loc must be finite, got nan"},
		{"SkewNormal", []*tensor.Tensor{sc(0), sc(1), sc(math.Inf(1))}, "SkewNormal: alpha must be finite, got inf"},
		{"SkewNormal", []*tensor.Tensor{sc(0), sc(0), sc(1)}, "SkewNormal: scale must be positive, got 0"},
		{"SkewNormal", []*tensor.Tensor{sc(0), sc(1)}, "SkewNormal takes 3 arguments (loc, scale, alpha), got 2"},
	})
	for _, d := range []Distribution{
		Weibull{tensor.New([]float64{1, -1}, 2, 1), sc(1)},
		Logistic{sc(0), tensor.New([]float64{1, 0}, 2, 1)},
		Gumbel{sc(0), tensor.New([]float64{1, -3}, 2, 1)},
		SkewNormal{sc(0), tensor.New([]float64{1, -1}, 2, 1), sc(1)},
	} {
		lp := d.LogProb(col(0.5, 0.5)).Data()
		if math.IsNaN(lp[0]) || math.IsInf(lp[0], 0) || !math.IsInf(lp[1], -1) {
			t.Errorf("%v: LogProb = %v, want finite then -Inf", d, lp)
		}
	}
}

// TestSampleKS compares draws with the CDF by the Kolmogorov–Smirnov
// statistic: with 5000 draws it exceeds 1.63/√5000 ≈ 0.023 with
// probability 1% under the null (fixed seed, so the test is
// deterministic). It checks the samplers and the CDFs against each other.
func TestSampleKS(t *testing.T) {
	const n = 5000
	for _, d := range []Distribution{
		must(NewWeibull(sc(1.7), sc(2))),
		must(NewWeibull(sc(0.6), sc(1.5))),
		must(NewLogistic(sc(0.5), sc(1.2))),
		must(NewGumbel(sc(-0.5), sc(2))),
		must(NewSkewNormal(sc(1), sc(2), sc(3))),
		must(NewSkewNormal(sc(0), sc(1), sc(-8))),
		must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(1), sc(3))),
		must(NewTruncated(must(NewStudentT(sc(3), sc(0), sc(10))), sc(0), sc(inf))),
		must(NewTruncated(must(NewGamma(sc(0.5), sc(1))), sc(-inf), sc(0.01))),
		must(NewTruncated(must(NewSkewNormal(sc(0), sc(1), sc(4))), sc(-2), sc(-0.5))),
	} {
		x := d.Sample(newRNG(), n).Data()
		sort.Float64s(x)
		lf, err := d.(CDF).LogCDF(tensor.New(append([]float64(nil), x...), n, 1))
		if err != nil {
			t.Fatal(err)
		}
		ks := 0.0
		for i, l := range lf.Data() {
			f := math.Exp(l)
			ks = math.Max(ks, math.Max(f-float64(i)/n, float64(i+1)/n-f))
		}
		if ks > 1.63/math.Sqrt(n) {
			t.Errorf("%v: KS statistic %.4f > %.4f", d, ks, 1.63/math.Sqrt(n))
		}
	}
}
