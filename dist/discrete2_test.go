package dist

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// Tests of the families of discrete2.go.

// pmfCase is a one-component discrete distribution with the range of
// values over which its mass is summed: lo..hi holds all but a negligible
// tail (far beyond 40 standard deviations for the unbounded families).
type pmfCase struct {
	d      Distribution
	lo, hi float64
}

func pmfCases() []pmfCase {
	return []pmfCase{
		{must(NewBetaBinomial(sc(10), sc(2), sc(3))), 0, 10},
		{must(NewBetaBinomial(sc(25), sc(0.3), sc(0.7))), 0, 25},
		{must(NewBetaBinomial(sc(0), sc(1), sc(1))), 0, 0},
		{must(NewBernoulliLogit(sc(0.7))), 0, 1},
		{must(NewBernoulliLogit(sc(-30))), 0, 1},
		{must(NewBinomialLogit(sc(12), sc(-0.4))), 0, 12},
		{must(NewBinomialLogit(sc(7), sc(25))), 0, 7},
		{must(NewPoissonLog(sc(1.2))), 0, 200},
		{must(NewPoissonLog(sc(-5))), 0, 100},
		{must(NewZeroInflatedPoisson(sc(0.3), sc(4))), 0, 200},
		{must(NewZeroInflatedPoisson(sc(0), sc(2.5))), 0, 200},
		{must(NewZeroInflatedPoisson(sc(1), sc(2.5))), 0, 200},
		{must(NewZeroInflatedNegativeBinomial(sc(0.2), sc(3), sc(2))), 0, 2000},
		{must(NewZeroInflatedNegativeBinomial(sc(0.6), sc(0.5), sc(50))), 0, 500},
		{must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2))), 0, 3},
		{must(NewOrderedLogistic(sc(-2), vec(1))), 0, 1},
		{must(NewOrderedLogistic(sc(3), vec(-2, -1.9, 0, 4, 4.1))), 0, 5},
	}
}

// pmf returns the log masses of lo..hi under a one-component d.
func pmf(d Distribution, lo, hi float64) []float64 {
	var ks []float64
	for k := lo; k <= hi; k++ {
		ks = append(ks, k)
	}
	return d.LogProb(tensor.New(ks, len(ks), 1)).Data()
}

// TestDiscrete2PMF checks that the mass sums to 1 over the support and
// that Mean and StdDev agree with the moments of the mass function, to
// 1e-10 (the truncated tails are below 1e-30; the sums add a few hundred
// terms).
func TestDiscrete2PMF(t *testing.T) {
	for _, tt := range pmfCases() {
		lp := pmf(tt.d, tt.lo, tt.hi)
		var s, m1, m2 float64
		for i, l := range lp {
			p := math.Exp(l)
			k := tt.lo + float64(i)
			s += p
			m1 += k * p
			m2 += k * k * p
		}
		if math.Abs(s-1) > 1e-10 {
			t.Errorf("%v: mass sums to %v", tt.d, s)
		}
		mean, _ := tt.d.(Moments).Mean()
		sd, _ := tt.d.(Moments).StdDev()
		if !near(mean[0], m1, 1e-10) {
			t.Errorf("%v: Mean = %v, mass function gives %v", tt.d, mean[0], m1)
		}
		if v := math.Sqrt(math.Max(m2-m1*m1, 0)); !near(sd[0], v, 1e-8) {
			t.Errorf("%v: StdDev = %v, mass function gives %v", tt.d, sd[0], v)
		}
		h, ok := tt.d.(Entropier).Entropy()
		want := 0.0
		for _, l := range lp {
			if !math.IsInf(l, -1) {
				want -= math.Exp(l) * l
			}
		}
		if !ok || !near(h, want, 1e-10) {
			t.Errorf("%v: Entropy = %v, %v, mass function gives %v", tt.d, h, ok, want)
		}
		// Just outside the support and non-integers: -Inf.
		out := []float64{tt.lo - 1, tt.lo + 0.5}
		if tt.d.Support().Kind != NonNegIntegers {
			out = append(out, tt.hi+1)
		}
		for _, v := range out {
			if l := tt.d.LogProb(col(v)).Data()[0]; !math.IsInf(l, -1) {
				t.Errorf("%v: LogProb(%v) = %v, want -Inf", tt.d, v, l)
			}
		}
	}
}

// compositions calls f with every vector of k non-negative integers
// summing to n.
func compositions(n, k int, f func(x []float64)) {
	x := make([]float64, k)
	var rec func(j, left int)
	rec = func(j, left int) {
		if j == k-1 {
			x[j] = float64(left)
			f(x)
			return
		}
		for v := 0; v <= left; v++ {
			x[j] = float64(v)
			rec(j+1, left-v)
		}
	}
	rec(0, n)
}

// TestMultinomialPMF checks the closed form, that the mass sums to 1 over
// all count vectors, the moments and the entropy against the mass function
// (to 1e-10), and -Inf off the support.
func TestMultinomialPMF(t *testing.T) {
	probs := []float64{0.2, 0.5, 0.3, 0}
	d := must(NewMultinomial(sc(6), vec(probs...)))
	var s, h float64
	m1, m2 := make([]float64, 4), make([]float64, 4)
	compositions(6, 4, func(x []float64) {
		l := d.LogProb(rows(x)).Data()[0]
		want := lgam(7)
		for j, v := range x {
			want += xlogy(v, probs[j]) - lgam(v+1)
		}
		if !near(l, want, 1e-12) {
			t.Errorf("Multinomial LogProb(%v) = %v, want %v", x, l, want)
		}
		p := math.Exp(l)
		s += p
		if p > 0 {
			h -= p * l
		}
		for j, v := range x {
			m1[j] += v * p
			m2[j] += v * v * p
		}
	})
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("Multinomial mass sums to %v", s)
	}
	mean, _ := d.Mean()
	sd, _ := d.StdDev()
	for j := range probs {
		if !near(mean[j], m1[j], 1e-10) || !near(sd[j], math.Sqrt(math.Max(m2[j]-m1[j]*m1[j], 0)), 1e-8) {
			t.Errorf("Multinomial component %d: mean %v sd %v, mass function %v %v", j, mean[j], sd[j], m1[j], math.Sqrt(m2[j]-m1[j]*m1[j]))
		}
	}
	if got, ok := d.Entropy(); !ok || !near(got, h, 1e-10) {
		t.Errorf("Multinomial Entropy = %v, %v, want %v", got, ok, h)
	}
	for _, x := range [][]float64{{1, 2, 2, 0}, {1, 2, 4, -1}, {1, 2, 2.5, 0.5}, {1, 2, 2, 1}, {0, 0, 0, 7}} {
		if l := d.LogProb(rows(x)).Data()[0]; !math.IsInf(l, -1) {
			t.Errorf("Multinomial(6) LogProb(%v) = %v, want -Inf", x, l)
		}
	}
	if s := d.Support(); s.FirstOutside(rows([]float64{1, 2, 3, 0}, []float64{1, 1, 1, 1})) != 4 ||
		s.FirstOutside(rows([]float64{1, 2, 3, 0}, []float64{1, 1, -1, 5})) != 6 || s.FirstOutside(rows([]float64{6, 0, 0, 0})) != -1 {
		t.Errorf("Multinomial support %v: FirstOutside wrong", s)
	}
	// With n batched (one total per draw) the totals are left to LogProb.
	b := Multinomial{tensor.Matrix([][]float64{{2}, {3}}), vec(0.5, 0.5)}
	if s := b.Support(); s.FirstOutside(rows([]float64{1, 1}, []float64{1, 5})) != -1 || s.FirstOutside(rows([]float64{1, -1})) != 1 {
		t.Errorf("Multinomial with batched n: support %v", s)
	}
}

// TestDiscrete2ClosedForms checks LogProb against closed forms and
// against the existing families they generalise, at moderate parameters
// (to 1e-12 relative).
func TestDiscrete2ClosedForms(t *testing.T) {
	one := func(d Distribution, x float64) float64 { return d.LogProb(col(x)).Data()[0] }
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"BetaBinomial(10, 2, 3) at 4", one(must(NewBetaBinomial(sc(10), sc(2), sc(3))), 4),
			// C(10,4) B(6, 9)/B(2, 3) = 210 · (5!·8!/14!) / (1!·2!/4!)
			math.Log(210 * (120.0 * 40320 / 87178291200) / (2.0 / 24))},
		{"BetaBinomial(n, 1, 1) is uniform", one(must(NewBetaBinomial(sc(9), sc(1), sc(1))), 3), -math.Log(10)},
		{"BernoulliLogit(0.3) at 1", one(must(NewBernoulliLogit(sc(0.3))), 1), math.Log(1 / (1 + math.Exp(-0.3)))},
		{"BernoulliLogit(0.3) at 0", one(must(NewBernoulliLogit(sc(0.3))), 0), math.Log(1 - 1/(1+math.Exp(-0.3)))},
		{"BinomialLogit vs Binomial", one(must(NewBinomialLogit(sc(8), sc(-0.6))), 3),
			one(must(NewBinomial(sc(8), sc(1/(1+math.Exp(0.6))))), 3)},
		{"PoissonLog vs Poisson", one(must(NewPoissonLog(sc(1.3))), 5), one(must(NewPoisson(sc(math.Exp(1.3)))), 5)},
		{"ZeroInflatedPoisson at 0", one(must(NewZeroInflatedPoisson(sc(0.3), sc(2))), 0), math.Log(0.3 + 0.7*math.Exp(-2))},
		{"ZeroInflatedPoisson at 3", one(must(NewZeroInflatedPoisson(sc(0.3), sc(2))), 3), math.Log(0.7 * 8 * math.Exp(-2) / 6)},
		{"ZeroInflatedNegativeBinomial at 0", one(must(NewZeroInflatedNegativeBinomial(sc(0.3), sc(2), sc(1.5))), 0),
			math.Log(0.3 + 0.7*math.Exp(one(must(NewNegativeBinomial(sc(2), sc(1.5))), 0)))},
		{"ZeroInflatedNegativeBinomial at 4", one(must(NewZeroInflatedNegativeBinomial(sc(0.3), sc(2), sc(1.5))), 4),
			math.Log(0.7) + one(must(NewNegativeBinomial(sc(2), sc(1.5))), 4)},
		{"OrderedLogistic at 0", one(must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2))), 0), math.Log(1 - sigmoid(1.4))},
		{"OrderedLogistic at 1", one(must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2))), 1), math.Log(sigmoid(1.4) - sigmoid(-0.1))},
		{"OrderedLogistic at 2", one(must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2))), 2), math.Log(sigmoid(-0.1) - sigmoid(-1.6))},
		{"OrderedLogistic at 3", one(must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2))), 3), math.Log(sigmoid(-1.6))},
	} {
		if !near(tt.got, tt.want, 1e-12) {
			t.Errorf("%s: LogProb = %.17g, want %.17g", tt.name, tt.got, tt.want)
		}
	}
	// A vector eta: n independent components, summed per row.
	d := must(NewOrderedLogistic(vec(0.4, -1), vec(-1, 0.5, 2)))
	got := d.LogProb(rows([]float64{3, 0}, []float64{1, 1})).Data()
	want := []float64{math.Log(sigmoid(-1.6)) + math.Log(1-sigmoid(0)), math.Log(sigmoid(1.4)-sigmoid(-0.1)) + math.Log(sigmoid(0)-sigmoid(-1.5))}
	for i := range want {
		if !near(got[i], want[i], 1e-12) {
			t.Errorf("OrderedLogistic(eta=[0.4, -1]) row %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// TestDiscrete2Extremes checks the logit and log forms at extreme linear
// predictors against the analytically stable formulas: log sigmoid(x) =
// x - log1p(e^x) for x < 0, -log1p(e^-x) for x > 0 (to 1e-12 relative).
func TestDiscrete2Extremes(t *testing.T) {
	one := func(d Distribution, x float64) float64 { return d.LogProb(col(x)).Data()[0] }
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"BernoulliLogit(800) at 1", one(must(NewBernoulliLogit(sc(800))), 1), -math.Log1p(math.Exp(-800))},
		{"BernoulliLogit(800) at 0", one(must(NewBernoulliLogit(sc(800))), 0), -800},
		{"BernoulliLogit(-800) at 1", one(must(NewBernoulliLogit(sc(-800))), 1), -800},
		{"BernoulliLogit(-800) at 0", one(must(NewBernoulliLogit(sc(-800))), 0), 0},
		{"BinomialLogit(10, -800) at 3", one(must(NewBinomialLogit(sc(10), sc(-800))), 3), math.Log(120) - 3*800},
		{"BinomialLogit(10, 800) at 10", one(must(NewBinomialLogit(sc(10), sc(800))), 10), 0},
		{"BinomialLogit(10, 800) at 4", one(must(NewBinomialLogit(sc(10), sc(800))), 4), math.Log(210) - 6*800},
		// rate = e^-800 underflows to 0, so Poisson(exp(-800)) gives -Inf here.
		{"PoissonLog(-800) at 3", one(must(NewPoissonLog(sc(-800))), 3), -2400 - math.Log(6)},
		{"PoissonLog(-800) at 0", one(must(NewPoissonLog(sc(-800))), 0), 0},
		{"PoissonLog(700) at 2", one(must(NewPoissonLog(sc(700))), 2), 1400 - math.Exp(700) - math.Log(2)},
		{"OrderedLogistic(800) at 0", one(must(NewOrderedLogistic(sc(800), vec(-1, 0.5, 2))), 0), -801},
		{"OrderedLogistic(800) at 1", one(must(NewOrderedLogistic(sc(800), vec(-1, 0.5, 2))), 1), -799.5 + math.Log(-math.Expm1(-1.5))},
		{"OrderedLogistic(800) at 3", one(must(NewOrderedLogistic(sc(800), vec(-1, 0.5, 2))), 3), 0},
		{"OrderedLogistic(-800) at 3", one(must(NewOrderedLogistic(sc(-800), vec(-1, 0.5, 2))), 3), -802},
		{"OrderedLogistic(-800) at 2", one(must(NewOrderedLogistic(sc(-800), vec(-1, 0.5, 2))), 2), -800.5 + math.Log(-math.Expm1(-1.5))},
		{"OrderedLogistic(-800) at 0", one(must(NewOrderedLogistic(sc(-800), vec(-1, 0.5, 2))), 0), 0},
		// Cutpoints 1e-9 apart: the mass between them is about 1e-9/4.
		{"OrderedLogistic(0) between close cutpoints", one(must(NewOrderedLogistic(sc(0), vec(-1e-9, 0, 5))), 1),
			math.Log(sigmoid(1e-9)) + math.Log(sigmoid(0)) + math.Log(-math.Expm1(-1e-9))},
	} {
		if !near(tt.got, tt.want, 1e-12) {
			t.Errorf("%s: LogProb = %.17g, want %.17g", tt.name, tt.got, tt.want)
		}
	}
	// e^800 overflows: the log mass, about -e^800, is below the float64
	// range and rounds to -Inf (never NaN).
	if got := one(must(NewPoissonLog(sc(800))), 3); !math.IsInf(got, -1) {
		t.Errorf("PoissonLog(800) at 3 = %v, want -Inf", got)
	}
	// Gradients stay finite at ±800: d/dlogit log P(1) = sigmoid(-logit).
	for _, l := range []float64{-800, 800} {
		for _, tt := range []struct {
			name string
			d    func(p *tensor.Tensor) Distribution
			x    float64
			want float64
		}{
			{"BernoulliLogit", func(p *tensor.Tensor) Distribution { return BernoulliLogit{p} }, 1, sigmoid(-l)},
			{"BinomialLogit(10)", func(p *tensor.Tensor) Distribution { return BinomialLogit{sc(10), p} }, 3, 3 - 10*sigmoid(l)},
			{"OrderedLogistic", func(p *tensor.Tensor) Distribution { return OrderedLogistic{p, vec(-1, 2)} }, 1, sigmoid(-(l + 1)) - sigmoid(l-2)},
		} {
			p := tensor.Param([]float64{l}, 1)
			tp := tensor.NewTape()
			tp.Watch(p)
			tp.Backward(tensor.Sum(tt.d(p).LogProb(col(tt.x))))
			if g := p.Grad()[0]; !near(g, tt.want, 1e-12) {
				t.Errorf("%s(%v) at %v: gradient %v, want %v", tt.name, l, tt.x, g, tt.want)
			}
		}
	}
}

// TestDiscrete2Gradient checks LogProb's gradients in the continuous
// parameters against central differences (see checkGrad), with vector and
// batched parameters; the values are discrete and not differentiated.
func TestDiscrete2Gradient(t *testing.T) {
	for _, tt := range []struct {
		name  string
		vals  [][]float64 // parameters, then the value (flattened [n, d])
		d     int
		build func(ps []*tensor.Tensor) Distribution
	}{
		{"BetaBinomial", [][]float64{{10, 4}, {0.7, 3}, {2, 0.5}, {0, 3, 10, 4}}, 2,
			func(p []*tensor.Tensor) Distribution { return BetaBinomial{p[0].Detach(), p[1], p[2]} }},
		{"BernoulliLogit", [][]float64{{0.3, -2.5}, {0, 1, 1, 1}}, 2,
			func(p []*tensor.Tensor) Distribution { return BernoulliLogit{p[0]} }},
		{"BinomialLogit", [][]float64{{10}, {-0.4}, {0, 3, 10}}, 1,
			func(p []*tensor.Tensor) Distribution { return BinomialLogit{p[0].Detach(), p[1]} }},
		{"PoissonLog", [][]float64{{0.5, -3}, {0, 3, 10, 1}}, 2,
			func(p []*tensor.Tensor) Distribution { return PoissonLog{p[0]} }},
		{"ZeroInflatedPoisson", [][]float64{{0.3, 0.8}, {2, 0.5}, {0, 3, 0, 1}}, 2,
			func(p []*tensor.Tensor) Distribution { return ZeroInflatedPoisson{p[0], p[1]} }},
		{"ZeroInflatedNegativeBinomial", [][]float64{{0.3, 0.05}, {2, 5}, {1.5, 40}, {0, 3, 0, 7}}, 2,
			func(p []*tensor.Tensor) Distribution { return ZeroInflatedNegativeBinomial{p[0], p[1], p[2]} }},
		{"Multinomial", [][]float64{{5}, {0.2, 0.5, 0.3}, {1, 4, 0, 2, 0, 3}}, 3,
			func(p []*tensor.Tensor) Distribution { return Multinomial{p[0].Detach(), p[1]} }},
		{"Multinomial batched", [][]float64{{5}, {0.2, 0.5, 0.3, 0.6, 0.1, 0.3}, {1, 4, 0, 2, 0, 3}}, 3,
			func(p []*tensor.Tensor) Distribution {
				return Multinomial{p[0].Detach(), tensor.Reshape(p[1], 2, 3)}
			}},
		{"OrderedLogistic", [][]float64{{0.4, -1.3}, {-1, 0.5, 2}, {0, 1, 2, 3, 3, 1}}, 2,
			func(p []*tensor.Tensor) Distribution { return OrderedLogistic{p[0], p[1]} }},
		{"OrderedLogistic batched", [][]float64{{0.4, -1.3}, {-1, 0.5, 2, -2, 0, 0.1}, {0, 1, 2, 3}}, 2,
			func(p []*tensor.Tensor) Distribution {
				return OrderedLogistic{tensor.Reshape(p[0], 2, 1), tensor.Reshape(p[1], 2, 3)}
			}},
	} {
		k := len(tt.vals) - 1
		checkGrad(t, tt.name+".LogProb", tt.vals, map[int]bool{k: true}, func(ps []*tensor.Tensor) *tensor.Tensor {
			x := tensor.Reshape(ps[k].Detach(), -1, tt.d)
			lp := tt.build(ps[:k]).LogProb(x)
			checkNoNaN(t, tt.name, lp.Data())
			return tensor.Sum(lp)
		})
	}
}

// TestDiscrete2Batched checks that batched parameters ([B, d], and for
// OrderedLogistic and Multinomial one vector parameter per batch row)
// score row i as the parameters of row i alone do (exactly).
func TestDiscrete2Batched(t *testing.T) {
	m := func(r ...[]float64) *tensor.Tensor { return tensor.Matrix(r) }
	for _, tt := range []struct {
		name    string
		batched Distribution
		x       *tensor.Tensor // [1, m], broadcast against the batch
		rows    []Distribution
	}{
		{"OrderedLogistic eta [B, 1], cutpoints [B, K-1], values [1, 3]",
			OrderedLogistic{m([]float64{0.3}, []float64{-2}), m([]float64{-1, 0, 1}, []float64{0, 2, 3})},
			rows([]float64{0, 3, 1}),
			[]Distribution{OrderedLogistic{sc(0.3), vec(-1, 0, 1)}, OrderedLogistic{sc(-2), vec(0, 2, 3)}}},
		{"OrderedLogistic eta number, cutpoints [B, K-1]",
			OrderedLogistic{sc(0.5), m([]float64{-1, 0, 1}, []float64{0, 2, 3})},
			rows([]float64{2, 2}),
			[]Distribution{OrderedLogistic{sc(0.5), vec(-1, 0, 1)}, OrderedLogistic{sc(0.5), vec(0, 2, 3)}}},
		{"OrderedLogistic eta [B, n], cutpoints [K-1]",
			OrderedLogistic{m([]float64{0.3, 1}, []float64{-2, 0}), vec(-1, 0, 1)},
			rows([]float64{0, 3}),
			[]Distribution{OrderedLogistic{vec(0.3, 1), vec(-1, 0, 1)}, OrderedLogistic{vec(-2, 0), vec(-1, 0, 1)}}},
		{"OrderedLogistic with invalid cutpoints in one row",
			OrderedLogistic{sc(0.5), m([]float64{-1, 0, 1}, []float64{2, 0, 3})},
			rows([]float64{2}),
			[]Distribution{OrderedLogistic{sc(0.5), vec(-1, 0, 1)}, OrderedLogistic{sc(0.5), vec(2, 0, 3)}}},
		{"Multinomial probs [B, K]",
			Multinomial{sc(4), m([]float64{0.2, 0.8, 0}, []float64{0.1, 0.1, 0.8})},
			rows([]float64{1, 2, 1}),
			[]Distribution{Multinomial{sc(4), vec(0.2, 0.8, 0)}, Multinomial{sc(4), vec(0.1, 0.1, 0.8)}}},
		{"Multinomial n [B, 1]",
			Multinomial{m([]float64{4}, []float64{5}), vec(0.2, 0.3, 0.5)},
			rows([]float64{1, 2, 1}),
			[]Distribution{Multinomial{sc(4), vec(0.2, 0.3, 0.5)}, Multinomial{sc(5), vec(0.2, 0.3, 0.5)}}},
		{"ZeroInflatedPoisson [B, 1]",
			ZeroInflatedPoisson{m([]float64{0.2}, []float64{0.9}), m([]float64{3}, []float64{0.5})},
			rows([]float64{0, 2}),
			[]Distribution{ZeroInflatedPoisson{sc(0.2), sc(3)}, ZeroInflatedPoisson{sc(0.9), sc(0.5)}}},
	} {
		got := tt.batched.LogProb(tt.x).Data()
		if len(got) != len(tt.rows) {
			t.Errorf("%s: %d log masses, want %d", tt.name, len(got), len(tt.rows))
			continue
		}
		for i, d := range tt.rows {
			want := tensor.Sum(d.LogProb(tt.x)).Item()
			if got[i] != want && !(math.Abs(got[i]-want) <= 1e-14*math.Abs(want)) {
				t.Errorf("%s: row %d = %v, want %v", tt.name, i, got[i], want)
			}
		}
	}
}

// TestDiscrete2Invalid checks that invalid parameters built without
// validation (as inside models) and values off the support give -Inf,
// never NaN.
func TestDiscrete2Invalid(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		family string
		args   []*tensor.Tensor
		x      *tensor.Tensor
	}{
		{"BetaBinomial", []*tensor.Tensor{sc(10), sc(-1), sc(2)}, col(3)},
		{"BetaBinomial", []*tensor.Tensor{sc(2.5), sc(1), sc(2)}, col(1)},
		{"BetaBinomial", []*tensor.Tensor{sc(10), sc(1), sc(2)}, col(11)},
		{"BinomialLogit", []*tensor.Tensor{sc(3), sc(nan)}, col(1)},
		{"BinomialLogit", []*tensor.Tensor{sc(3), sc(0)}, col(4)},
		{"BernoulliLogit", []*tensor.Tensor{sc(0)}, col(2)},
		{"PoissonLog", []*tensor.Tensor{sc(nan)}, col(2)},
		{"PoissonLog", []*tensor.Tensor{sc(1)}, col(-1)},
		{"ZeroInflatedPoisson", []*tensor.Tensor{sc(1.5), sc(2)}, col(0)},
		{"ZeroInflatedPoisson", []*tensor.Tensor{sc(0.5), sc(-2)}, col(0)},
		{"ZeroInflatedPoisson", []*tensor.Tensor{sc(1), sc(2)}, col(3)},
		{"ZeroInflatedNegativeBinomial", []*tensor.Tensor{sc(0.5), sc(2), sc(0)}, col(0)},
		{"Multinomial", []*tensor.Tensor{sc(3), vec(0.5, 0.6)}, rows([]float64{1, 2})},
		{"Multinomial", []*tensor.Tensor{sc(3), vec(-0.5, 1.5)}, rows([]float64{1, 2})},
		{"Multinomial", []*tensor.Tensor{sc(2.5), vec(0.5, 0.5)}, rows([]float64{1, 1.5})},
		{"OrderedLogistic", []*tensor.Tensor{sc(0), vec(1, 0)}, col(1)},
		{"OrderedLogistic", []*tensor.Tensor{sc(0), vec(0, math.Inf(1))}, col(1)},
		{"OrderedLogistic", []*tensor.Tensor{sc(nan), vec(0, 1)}, col(1)},
		{"OrderedLogistic", []*tensor.Tensor{sc(0), vec(0, 1)}, col(3)},
		{"OrderedLogistic", []*tensor.Tensor{sc(0), vec(0, 1)}, col(0.5)},
	} {
		f, _ := LookupFamily(tt.family)
		d, err := f.Build(tt.args, false)
		if err != nil {
			t.Errorf("%s%v without validation: %v", tt.family, tt.args, err)
			continue
		}
		if lp := d.LogProb(tt.x).Data()[0]; !math.IsInf(lp, -1) {
			t.Errorf("%v.LogProb(%v) = %v, want -Inf", d, tt.x.Data(), lp)
		}
	}
	// The gradient of a masked row is 0, not NaN.
	c := tensor.Param([]float64{1, 0}, 2)
	tp := tensor.NewTape()
	tp.Watch(c)
	tp.Backward(tensor.Sum(tensor.Mul(OrderedLogistic{sc(0), c}.LogProb(col(1)), sc(0))))
	checkNoNaN(t, "gradient of a masked OrderedLogistic row", c.Grad())
}

func TestDiscrete2ConstructorErrors(t *testing.T) {
	checkBuildErrors(t, []buildCase{
		{"BetaBinomial", args(sc(2.5), sc(1), sc(1)), "BetaBinomial: n must be a non-negative integer, got 2.5"},
		{"BetaBinomial", args(sc(3), sc(0), sc(1)), "BetaBinomial: a must be positive, got 0"},
		{"BetaBinomial", args(sc(3), sc(1), vec(1, -2)), "BetaBinomial: b must be positive, got -2"},
		{"BinomialLogit", args(sc(-1), sc(0)), "BinomialLogit: n must be a non-negative integer, got -1"},
		{"BinomialLogit", args(sc(3), sc(math.Inf(1))), "BinomialLogit: logit must be finite, got inf"},
		{"BernoulliLogit", args(sc(math.NaN())), "BernoulliLogit: logit must be finite, got nan"},
		{"PoissonLog", args(vec(1, math.Inf(-1))), "PoissonLog: log_rate must be finite, got -inf"},
		{"ZeroInflatedPoisson", args(sc(1.5), sc(2)), "ZeroInflatedPoisson: zero must be in [0, 1], got 1.5"},
		{"ZeroInflatedPoisson", args(sc(0.5), sc(-2)), "ZeroInflatedPoisson: rate must be non-negative, got -2"},
		{"ZeroInflatedNegativeBinomial", args(sc(0.5), sc(0), sc(1)), "ZeroInflatedNegativeBinomial: mean must be positive, got 0"},
		{"ZeroInflatedNegativeBinomial", args(vec(0.5, 0.2), sc(1), vec(1, 2, 3)), "ZeroInflatedNegativeBinomial: zero has length 2 but dispersion has length 3"},
		{"Multinomial", args(sc(2.5), vec(0.5, 0.5)), "Multinomial: n must be a non-negative integer, got 2.5"},
		{"Multinomial", args(vec(2, 3), vec(0.5, 0.5)), "Multinomial: n must be a number, got an array of shape [2]"},
		{"Multinomial", args(sc(2), sc(1)), "Multinomial: probs must be a vector, got a number"},
		{"Multinomial", args(sc(2), vec(0.5, 0.4)), "Multinomial: probs must be non-negative and sum to 1 (sum is 0.9)"},
		{"Multinomial", args(sc(2), vec(-0.5, 1.5)), "Multinomial: probs must be non-negative and sum to 1 (probs[0] is -0.5)"},
		{"OrderedLogistic", args(sc(0), sc(1)), "OrderedLogistic: cutpoints must be a vector, got a number"},
		{"OrderedLogistic", args(sc(0), vec()), "OrderedLogistic: cutpoints is empty"},
		{"OrderedLogistic", args(sc(0), vec(0, 1, 1)), "OrderedLogistic: cutpoints must be increasing, got cutpoints[2] = 1 after cutpoints[1] = 1"},
		{"OrderedLogistic", args(sc(math.Inf(1)), vec(0, 1)), "OrderedLogistic: eta must be finite, got inf"},
		{"OrderedLogistic", args(sc(0), vec(0, math.NaN())), "OrderedLogistic: cutpoints must be finite, got nan"},
		{"OrderedLogistic", args(tensor.Zeros(2, 2), vec(0, 1)), "OrderedLogistic: eta must be a number or a vector, got a matrix of shape [2, 2]"},
		{"OrderedLogistic", args(sc(0)), "OrderedLogistic takes 2 arguments (eta, cutpoints), got 1"},
	})
	// Without validation (inside models) batches of mismatched sizes are
	// still an error.
	f, _ := LookupFamily("OrderedLogistic")
	if _, err := f.Build([]*tensor.Tensor{tensor.Zeros(3, 1), tensor.Zeros(2, 2)}, false); err == nil ||
		err.Error() != "OrderedLogistic: eta has a batch of 3 rows but cutpoints has 2" {
		t.Errorf("OrderedLogistic with batches of 3 and 2: %v", err)
	}
}

// TestDiscrete2Sample checks sample means and standard deviations against
// Mean and StdDev (4 standard errors, fixed PCG seed), that every draw is
// in the support, and Entropy against -mean log p of the draws.
func TestDiscrete2Sample(t *testing.T) {
	for _, d := range []Distribution{
		must(NewBetaBinomial(vec(10, 40), vec(2, 0.5), vec(3, 0.5))),
		must(NewBernoulliLogit(vec(0.3, -2.5))),
		must(NewBinomialLogit(vec(10, 100), vec(-0.4, 3))),
		must(NewPoissonLog(vec(-1, 1.5, 5))),
		must(NewZeroInflatedPoisson(vec(0.3, 0.8), vec(4, 10))),
		must(NewZeroInflatedNegativeBinomial(vec(0.3, 0.1), vec(3, 20), vec(2, 0.7))),
		must(NewMultinomial(sc(20), vec(0.1, 0.6, 0.3, 0))),
		must(NewOrderedLogistic(vec(0.4, -2, 3), vec(-1, 0.5, 2))),
	} {
		x := d.Sample(newRNG(), nDraws)
		if !tensor.SameShape(x.Shape(), []int{nDraws, d.Dim()}) {
			t.Fatalf("%v: Sample shape %v, want [%d, %d]", d, x.Shape(), nDraws, d.Dim())
		}
		if i := d.Support().FirstOutside(x); i >= 0 {
			t.Errorf("%v: draw %v (element %d) is outside the support %v", d, x.Data()[i], i, d.Support().Kind)
		}
		mean, _ := d.(Moments).Mean()
		sd, _ := d.(Moments).StdDev()
		for j := range d.Dim() {
			m, s, seM, seS := columnStats(x, j)
			if math.Abs(m-mean[j]) > 4*seM {
				t.Errorf("%v: mean[%d] = %v, want %v ± %v", d, j, m, mean[j], 4*seM)
			}
			if math.Abs(s-sd[j]) > 4*seS+1e-12 {
				t.Errorf("%v: sd[%d] = %v, want %v ± %v", d, j, s, sd[j], 4*seS)
			}
		}
		h, ok := d.(Entropier).Entropy()
		lp := d.LogProb(x)
		m, _, se, _ := columnStats(tensor.Reshape(lp, nDraws, 1), 0)
		if !ok || math.Abs(-m-h) > 4*se {
			t.Errorf("%v: Entropy = %v, %v, Monte Carlo %v ± %v", d, h, ok, -m, 4*se)
		}
	}
	// OrderedLogistic outcome frequencies against the mass function.
	d := must(NewOrderedLogistic(sc(0.4), vec(-1, 0.5, 2)))
	x := d.Sample(newRNG(), nDraws).Data()
	for k, l := range pmf(d, 0, 3) {
		p, n := math.Exp(l), 0
		for _, v := range x {
			if v == float64(k) {
				n++
			}
		}
		if se := math.Sqrt(p * (1 - p) / nDraws); math.Abs(float64(n)/nDraws-p) > 4*se {
			t.Errorf("OrderedLogistic: frequency of %d = %v, want %v ± %v", k, float64(n)/nDraws, p, 4*se)
		}
	}
	// Batched parameters: draw i uses row i.
	ol := OrderedLogistic{tensor.Matrix([][]float64{{-50}, {50}}), tensor.Matrix([][]float64{{0, 1}, {0, 1}})}
	mn := Multinomial{sc(3), tensor.Matrix([][]float64{{1, 0}, {0, 1}})}
	if got := fmt.Sprint(ol.Sample(newRNG(), 2).Data(), mn.Sample(newRNG(), 2).Data()); got != "[0 2] [3 0 0 3]" {
		t.Errorf("batched draws = %s, want [0 2] [3 0 0 3]", got)
	}
}

func TestDiscrete2String(t *testing.T) {
	for _, tt := range []struct {
		d    Distribution
		want string
	}{
		{must(NewBetaBinomial(sc(10), sc(2), sc(3))), "BetaBinomial(n=10, a=2, b=3)"},
		{must(NewMultinomial(sc(5), vec(0.2, 0.8))), "Multinomial(n=5, probs=[0.2, 0.8])"},
		{must(NewZeroInflatedPoisson(sc(0.2), sc(3))), "ZeroInflatedPoisson(zero=0.2, rate=3)"},
		{must(NewZeroInflatedNegativeBinomial(sc(0.2), sc(3), sc(2))), "ZeroInflatedNegativeBinomial(zero=0.2, mean=3, dispersion=2)"},
		{must(NewBernoulliLogit(sc(0.5))), "BernoulliLogit(logit=0.5)"},
		{must(NewBinomialLogit(sc(10), sc(0))), "BinomialLogit(n=10, logit=0)"},
		{must(NewPoissonLog(sc(1.5))), "PoissonLog(log_rate=1.5)"},
		{must(NewOrderedLogistic(sc(0.5), vec(-1, 1))), "OrderedLogistic(eta=0.5, cutpoints=[-1, 1])"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestZeroInflatedBoundaryGradient checks the gradients of the
// zero-inflated families at zero = 0 and zero = 1 (a Beta latent reaches 1
// exactly once its logit is above about 37) against the one-sided
// derivatives of log(z + (1-z) p0): (1-p0)/(z + (1-z) p0) in z and
// -(1-z) p0/(z + (1-z) p0) in the rate (to 1e-12 relative).
func TestZeroInflatedBoundaryGradient(t *testing.T) {
	for _, z := range []float64{0, 1, 0.25} {
		for _, r := range []float64{0.5, 3} {
			p0 := math.Exp(-r)
			wantZ := (1 - p0) / (z + (1-z)*p0)
			wantR := -(1 - z) * p0 / (z + (1-z)*p0)
			zt, rt := tensor.Param([]float64{z}, 1), tensor.Param([]float64{r}, 1)
			tp := tensor.NewTape()
			tp.Watch(zt, rt)
			lp := ZeroInflatedPoisson{zt, rt}.LogProb(col(0))
			tp.Backward(tensor.Sum(lp))
			if want := math.Log(z + (1-z)*p0); !near(lp.Item(), want, 1e-12) {
				t.Errorf("ZeroInflatedPoisson(%v, %v) at 0: %v, want %v", z, r, lp.Item(), want)
			}
			if !near(zt.Grad()[0], wantZ, 1e-12) || !near(rt.Grad()[0], wantR, 1e-12) {
				t.Errorf("ZeroInflatedPoisson(%v, %v) at 0: gradient (%v, %v), want (%v, %v)", z, r, zt.Grad()[0], rt.Grad()[0], wantZ, wantR)
			}
			// NegativeBinomial(mean, dispersion) at 0: p0 = (phi/(mu+phi))^phi;
			// with mu = 2, phi = r the derivative in z is as above.
			p0 = math.Pow(r/(2+r), r)
			zt = tensor.Param([]float64{z}, 1)
			tp = tensor.NewTape()
			tp.Watch(zt)
			tp.Backward(tensor.Sum(ZeroInflatedNegativeBinomial{zt, sc(2), sc(r)}.LogProb(col(0))))
			if want := (1 - p0) / (z + (1-z)*p0); !near(zt.Grad()[0], want, 1e-12) {
				t.Errorf("ZeroInflatedNegativeBinomial(%v, 2, %v) at 0: d/dzero = %v, want %v", z, r, zt.Grad()[0], want)
			}
		}
	}
	// At k > 0 and zero = 0: d/dzero log(1 - zero) = -1.
	zt := tensor.Param([]float64{0}, 1)
	tp := tensor.NewTape()
	tp.Watch(zt)
	tp.Backward(tensor.Sum(ZeroInflatedPoisson{zt, sc(2)}.LogProb(col(3))))
	if g := zt.Grad()[0]; g != -1 {
		t.Errorf("ZeroInflatedPoisson(0, 2) at 3: d/dzero = %v, want -1", g)
	}
}
