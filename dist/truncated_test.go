package dist

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

var inf = math.Inf(1)

// TestTruncatedLogProb checks the density against the closed form
// p(x)/(F(high) − F(low)) with gonum's CDFs (1e-12), -Inf outside the
// bounds, and a normaliser far in a tail that a linear-space difference
// would lose (Normal truncated to [30, 31]: log Z = log Q(30) + log(1 −
// Q(31)/Q(30)), Q(30) ≈ 5e-198).
func TestTruncatedLogProb(t *testing.T) {
	n := distuv.Normal{Mu: 1, Sigma: 2}
	d := must(NewTruncated(must(NewNormal(sc(1), sc(2))), sc(0), sc(inf)))
	for _, x := range []float64{0, 0.5, 3, 20} {
		want := n.LogProb(x) - math.Log(1-n.CDF(0))
		if got := d.LogProb(col(x)).Item(); !near(got, want, 1e-12) {
			t.Errorf("%v at %v: %v, want %v", d, x, got, want)
		}
	}
	if got := d.LogProb(col(-0.1)).Item(); !math.IsInf(got, -1) {
		t.Errorf("below low: %v", got)
	}
	g := distuv.Gamma{Alpha: 2, Beta: 1.5}
	dg := must(NewTruncated(must(NewGamma(sc(2), sc(1.5))), sc(-inf), sc(2)))
	if got, want := dg.LogProb(col(1)).Item(), g.LogProb(1)-math.Log(g.CDF(2)); !near(got, want, 1e-12) {
		t.Errorf("%v: %v, want %v", dg, got, want)
	}
	far := must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(30), sc(31)))
	lq30, lq31 := logPhi(-30), logPhi(-31)
	want := logPhiPdf(30.5) - (lq30 + log1mexp(lq31-lq30))
	if got := far.LogProb(col(30.5)).Item(); !near(got, want, 1e-12) || math.IsInf(got, 0) {
		t.Errorf("%v: %v, want %v", far, got, want)
	}
}

// TestTruncatedIntegratesToOne integrates the truncated densities over
// their intervals (infinite ones cut where the remaining mass is below
// 1e-12) to 1 within 1e-9, and checks Mean and StdDev against the
// integrals of x p(x) and (x − mean)² p(x) (1e-7 relative).
func TestTruncatedIntegratesToOne(t *testing.T) {
	for _, tt := range []struct {
		d      *Truncated
		lo, hi float64 // integration range
	}{
		{must(NewTruncated(must(NewNormal(sc(1), sc(2))), sc(0), sc(inf))), 0, 30},
		{must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(-1), sc(2.5))), -1, 2.5},
		{must(NewTruncated(must(NewGamma(sc(2.5), sc(1))), sc(1), sc(4))), 1, 4},
		{must(NewTruncated(must(NewWeibull(sc(1.5), sc(2))), sc(0.5), sc(inf))), 0.5, 40},
		{must(NewTruncated(must(NewSkewNormal(sc(0), sc(1), sc(3))), sc(-0.5), sc(1))), -0.5, 1},
		{must(NewTruncated(must(NewBeta(sc(2), sc(3))), sc(0.2), sc(0.9))), 0.2, 0.9},
		{must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(30), sc(31))), 30, 31},
	} {
		lp := scalarLogProb(tt.d)
		if z := integrateDist(tt.d, tt.lo, tt.hi); math.Abs(z-1) > 1e-9 {
			t.Errorf("%v: integrates to %.12g", tt.d, z)
		}
		m, ok1 := tt.d.Mean()
		s, ok2 := tt.d.StdDev()
		if !ok1 || !ok2 {
			t.Errorf("%v: no moments", tt.d)
			continue
		}
		wm := integrate(func(x float64) float64 { return lp(x) + math.Log(x-tt.lo) }, tt.lo, tt.hi) + tt.lo
		wv := integrate(func(x float64) float64 { return lp(x) + 2*math.Log(math.Abs(x-wm)) }, tt.lo, tt.hi)
		if !near(m[0], wm, 1e-7) || !near(s[0], math.Sqrt(wv), 1e-7) {
			t.Errorf("%v: mean %.12g sd %.12g, quadrature %.12g %.12g", tt.d, m[0], s[0], wm, math.Sqrt(wv))
		}
	}
}

// TestTruncatedHalfStudentT checks the half-t (StudentT(3, 0, 10) truncated
// at 0, Stan's diamonds prior) against its closed-form moments, mean
// 2σ√ν Γ((ν+1)/2)/(√π Γ(ν/2)(ν−1)) and E[X²] = σ²ν/(ν−2) (1e-7), and its
// draws against them (4 standard errors).
func TestTruncatedHalfStudentT(t *testing.T) {
	d := must(NewTruncated(must(NewStudentT(sc(3), sc(0), sc(10))), sc(0), sc(inf)))
	nu, sigma := 3.0, 10.0
	wantMean := 2 * sigma * math.Sqrt(nu) * math.Gamma((nu+1)/2) / (math.Sqrt(math.Pi) * math.Gamma(nu/2) * (nu - 1))
	wantSD := math.Sqrt(sigma*sigma*nu/(nu-2) - wantMean*wantMean)
	m, _ := d.Mean()
	s, _ := d.StdDev()
	if !near(m[0], wantMean, 1e-7) || !near(s[0], wantSD, 1e-6) {
		t.Errorf("mean %v sd %v, want %v %v", m[0], s[0], wantMean, wantSD)
	}
	if sup := d.Support(); sup.Kind != Interval || sup.Low[0] != 0 || !math.IsInf(sup.High[0], 1) {
		t.Errorf("support %+v", sup)
	}
	x := d.Sample(newRNG(), 20000)
	for _, v := range x.Data() {
		if !(v >= 0) {
			t.Fatalf("draw %v outside [0, inf)", v)
		}
	}
	// The median of the half-t is the 0.75 quantile of the t: the
	// fraction of draws below it is ½ within 4 standard errors.
	med := 10 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 3}.Quantile(0.75)
	below := 0
	for _, v := range x.Data() {
		if v < med {
			below++
		}
	}
	if f := float64(below) / 20000; math.Abs(f-0.5) > 4*0.5/math.Sqrt(20000) {
		t.Errorf("fraction below the median %v", f)
	}
	mean, _, se, _ := columnStats(x, 0)
	if math.Abs(mean-wantMean) > 4*se {
		t.Errorf("sample mean %v, want %v ± %v", mean, wantMean, 4*se)
	}
}

// TestTruncatedSampleMoments compares draws with Mean and StdDev (4
// standard errors), including an interval far in the upper tail.
func TestTruncatedSampleMoments(t *testing.T) {
	for _, d := range []*Truncated{
		must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(1), sc(3))),
		must(NewTruncated(must(NewNormal(sc(0), sc(1))), sc(30), sc(inf))),
		must(NewTruncated(must(NewGamma(sc(0.7), sc(2))), sc(0.1), sc(1))),
		must(NewTruncated(must(NewLogistic(sc(0), sc(1))), sc(-inf), sc(-5))),
		must(NewTruncated(must(NewCauchy(sc(0), sc(1))), sc(-3), sc(10))),
	} {
		x := d.Sample(newRNG(), 20000)
		m, _ := d.Mean()
		s, _ := d.StdDev()
		mean, sd, seM, seS := columnStats(x, 0)
		if math.Abs(mean-m[0]) > 4*seM || math.Abs(sd-s[0]) > 4*seS {
			t.Errorf("%v: sample mean %v sd %v, want %v %v (se %v %v)", d, mean, sd, m[0], s[0], seM, seS)
		}
	}
}

// TestTruncatedDiscrete checks a truncated Poisson: masses on {2, …, 6}
// summing to 1 (1e-12), each equal to pmf/(F(6) − F(1)), and draw
// frequencies within 4 standard errors.
func TestTruncatedDiscrete(t *testing.T) {
	p := distuv.Poisson{Lambda: 3.5}
	d := must(NewTruncated(must(NewPoisson(sc(3.5))), sc(2), sc(6)))
	z := p.CDF(6) - p.CDF(1)
	sum := 0.0
	for k := 0.0; k <= 8; k++ {
		lp := d.LogProb(col(k)).Item()
		if k < 2 || k > 6 {
			if !math.IsInf(lp, -1) {
				t.Errorf("mass at %v = %v", k, math.Exp(lp))
			}
			continue
		}
		if want := p.Prob(k) / z; !near(math.Exp(lp), want, 1e-12) {
			t.Errorf("mass at %v = %v, want %v", k, math.Exp(lp), want)
		}
		sum += math.Exp(lp)
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("masses sum to %v", sum)
	}
	if s := d.Support(); s.Kind != IntegerInterval || s.Low[0] != 2 || s.High[0] != 6 {
		t.Errorf("support %+v", s)
	}
	const n = 20000
	x := d.Sample(newRNG(), n)
	counts := map[float64]int{}
	for _, v := range x.Data() {
		counts[v]++
	}
	for k := 2.0; k <= 6; k++ {
		q := p.Prob(k) / z
		if f := float64(counts[k]) / n; math.Abs(f-q) > 4*math.Sqrt(q*(1-q)/n) {
			t.Errorf("frequency of %v = %v, want %v", k, f, q)
		}
	}
}

// TestTruncatedGradient checks the gradient of LogProb with respect to the
// value, the base's parameters and both bounds against central
// differences.
func TestTruncatedGradient(t *testing.T) {
	for _, tt := range []struct {
		name  string
		vals  [][]float64 // params, low, high, values
		build func(p []*tensor.Tensor) Distribution
	}{
		{"Normal", [][]float64{{0.5}, {1.3}, {-0.5}, {2}, {0, 1.5}}, func(p []*tensor.Tensor) Distribution {
			return must(MakeTruncated(Normal{p[0], p[1]}, p[2], p[3], false))
		}},
		{"Normal/tail", [][]float64{{0.5}, {1.3}, {6}, {9}, {6.5, 7}}, func(p []*tensor.Tensor) Distribution {
			return must(MakeTruncated(Normal{p[0], p[1]}, p[2], p[3], false))
		}},
		{"Normal/middle", [][]float64{{0.5}, {1.3}, {-2}, {3}, {-1, 2}}, func(p []*tensor.Tensor) Distribution {
			return must(MakeTruncated(Normal{p[0], p[1]}, p[2], p[3], false))
		}},
		{"StudentT", [][]float64{{3}, {0.5}, {2}, {0.2}, {0.5, 4}}, func(p []*tensor.Tensor) Distribution {
			return must(MakeTruncated(StudentT{p[0], p[1], p[2]}, p[3], sc(inf), false))
		}},
		{"Gamma", [][]float64{{2.5}, {1.2}, {0.5}, {3}, {1, 2}}, func(p []*tensor.Tensor) Distribution {
			return must(MakeTruncated(Gamma{p[0], p[1]}, p[2], p[3], false))
		}},
	} {
		checkGrad(t, tt.name, tt.vals, nil, func(ps []*tensor.Tensor) *tensor.Tensor {
			x := ps[len(ps)-1]
			return tensor.Sum(tt.build(ps).LogProb(tensor.Reshape(x, x.Len(), 1)))
		})
	}
}

// TestTruncatedBatched checks that a batch of parameters and bounds gives
// row i the density under row i's values, with several observations per
// row each normalised.
func TestTruncatedBatched(t *testing.T) {
	loc := tensor.New([]float64{0, 1, 2}, 3, 1)
	low := tensor.New([]float64{-1, 0, 1.5}, 3, 1)
	d := must(MakeTruncated(Normal{loc, sc(1)}, low, sc(inf), false))
	x := tensor.New([]float64{0.5, 2}, 1, 2)
	got := d.LogProb(x).Data()
	for i := range 3 {
		one := must(NewTruncated(must(NewNormal(sc(loc.Data()[i]), sc(1))), sc(low.Data()[i]), sc(inf)))
		want := 0.0
		for _, v := range []float64{0.5, 2} {
			want += one.LogProb(col(v)).Item()
		}
		if !near(got[i], want, 1e-12) {
			t.Errorf("row %d: %v, want %v", i, got[i], want)
		}
	}
	s := d.Sample(newRNG(), 3).Data()
	for i, v := range s {
		if v < low.Data()[i] {
			t.Errorf("draw %d = %v below its bound %v", i, v, low.Data()[i])
		}
	}
}

// TestTruncatedErrors checks construction errors.
func TestTruncatedErrors(t *testing.T) {
	for _, tt := range []struct {
		base      Distribution
		low, high float64
		want      string
	}{
		{must(NewNormal(sc(0), sc(1))), 2, 1, "Truncated: low must be less than high, got low = 2, high = 1"},
		{must(NewGamma(sc(2), sc(1))), -5, -1, "Truncated: the interval [-5, -1] has probability 0 under Gamma(shape=2, rate=1)"},
		{must(NewDirichlet(vec(1, 1))), 0, 1, "Truncated: Dirichlet(alpha=[1, 1]) has no CDF"},
		{must(NewNormal(sc(0), sc(1))), math.NaN(), 1, "Truncated: low must be less than high, got low = nan"},
	} {
		_, err := NewTruncated(tt.base, sc(tt.low), sc(tt.high))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("NewTruncated(%v, %v, %v) = %v, want %q", tt.base, tt.low, tt.high, err, tt.want)
		}
	}
	if _, err := NewTruncated(must(NewNormal(vec(0, 0), vec(1, 1))), vec(0, 1, 2), sc(3)); err == nil {
		t.Error("no error for bounds of length 3 under a 2-component Normal")
	}
}

// TestTruncatedCDF checks the truncated CDF and CCDF against the closed
// form (F(x) − F(low))/(F(high) − F(low)) with gonum's CDFs (1e-12), the
// discrete one against sums of masses, and the gradients of the log CDF
// in the value, the parameters and the bounds.
func TestTruncatedCDF(t *testing.T) {
	n := distuv.Normal{Mu: 1, Sigma: 2}
	d := must(NewTruncated(must(NewNormal(sc(1), sc(2))), sc(0), sc(3)))
	z := n.CDF(3) - n.CDF(0)
	for _, x := range []float64{-1, 0, 0.5, 2, 3, 5} {
		want := (n.CDF(math.Min(math.Max(x, 0), 3)) - n.CDF(0)) / z
		lf, err := d.LogCDF(col(x))
		if err != nil {
			t.Fatal(err)
		}
		lc, err := d.LogCCDF(col(x))
		if err != nil {
			t.Fatal(err)
		}
		if got := math.Exp(lf.Item()); math.Abs(got-want) > 1e-12 {
			t.Errorf("CDF(%v) = %v, want %v", x, got, want)
		}
		if got := math.Exp(lc.Item()); math.Abs(got-(1-want)) > 1e-12 {
			t.Errorf("CCDF(%v) = %v, want %v", x, got, 1-want)
		}
	}
	p := must(NewTruncated(must(NewPoisson(sc(3.5))), sc(2), sc(6)))
	s := 0.0
	for k := 1.0; k <= 7; k++ {
		if k >= 2 && k <= 6 {
			s += math.Exp(p.LogProb(col(k)).Item())
		}
		lf, _ := p.LogCDF(col(k + 0.5))
		lc, _ := p.LogCCDF(col(k))
		if math.Abs(math.Exp(lf.Item())-s) > 1e-12 || math.Abs(math.Exp(lc.Item())-(1-s)) > 1e-12 {
			t.Errorf("Poisson truncated: CDF(%v) = %v, CCDF(%v) = %v, want %v, %v", k+0.5, math.Exp(lf.Item()), k, math.Exp(lc.Item()), s, 1-s)
		}
	}
	for _, upper := range []bool{false, true} {
		checkGrad(t, "Truncated.LogCDF", [][]float64{{0.5}, {1.3}, {-0.5}, {2}, {0, 1.5}}, nil, func(ps []*tensor.Tensor) *tensor.Tensor {
			tr := must(MakeTruncated(Normal{ps[0], ps[1]}, ps[2], ps[3], false))
			x := tensor.Reshape(ps[4], 2, 1)
			r, err := LogTail(tr, x, upper)
			if err != nil {
				t.Fatal(err)
			}
			return tensor.Sum(tensor.Mul(r, tensor.New([]float64{1, 2}, 2, 1)))
		})
	}
}

// TestTruncatedDiscreteMoments checks the moments of truncated counts
// against sums of gonum's masses (1e-12), including a truncation far in
// the upper tail and an infinite upper bound.
func TestTruncatedDiscreteMoments(t *testing.T) {
	for _, tt := range []struct {
		rate, lo, hi float64
	}{{3.5, 2, 6}, {3, 1, inf}, {2, 30, inf}, {40, -inf, 35}} {
		p := distuv.Poisson{Lambda: tt.rate}
		var z, m1, m2 float64
		for k := math.Max(tt.lo, 0); k <= math.Min(tt.hi, 200); k++ {
			q := math.Exp(p.LogProb(k))
			z, m1, m2 = z+q, m1+k*q, m2+k*k*q
		}
		wantM := m1 / z
		wantS := math.Sqrt(m2/z - wantM*wantM)
		d := must(NewTruncated(must(NewPoisson(sc(tt.rate))), sc(tt.lo), sc(tt.hi)))
		m, ok1 := d.Mean()
		s, ok2 := d.StdDev()
		if !ok1 || !ok2 || !near(m[0], wantM, 1e-12) || !near(s[0], wantS, 1e-9) {
			t.Errorf("%v: mean %v sd %v (%v %v), want %v %v", d, m, s, ok1, ok2, wantM, wantS)
		}
	}
}
