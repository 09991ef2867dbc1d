package dist

import (
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// nDraws is the sample size of the Monte Carlo tests; tolerances are 4
// standard errors.
const nDraws = 20000

// sampleCases has one distribution per family, with vector parameters
// where the family allows them.
func sampleCases() []Distribution {
	return []Distribution{
		must(NewNormal(vec(0, 3), vec(1, 0.5))),
		must(NewHalfNormal(vec(1, 2))),
		must(NewLogNormal(vec(0, 1), vec(0.5, 0.25))),
		must(NewStudentT(sc(10), vec(0, 1), vec(1, 2))),
		must(NewCauchy(sc(1), sc(2))),
		must(NewHalfCauchy(sc(2))),
		must(NewLaplace(vec(0, -1), vec(1, 0.5))),
		must(NewUniform(vec(0, -2), vec(1, 3))),
		must(NewExponential(vec(0.5, 4))),
		must(NewGamma(vec(0.3, 2, 9), vec(1, 0.5, 3))),
		must(NewInverseGamma(sc(9), sc(2))),
		must(NewBeta(vec(0.5, 2), vec(0.5, 5))),
		must(NewDirichlet(vec(0.5, 2, 3.5))),
		must(NewMultivariateNormal(vec(1, -1), tensor.Matrix([][]float64{{2, 0.5}, {0.5, 1}}))),
		must(NewBernoulli(vec(0.3, 0.9))),
		must(NewBinomial(vec(10, 100), vec(0.3, 0.01))),
		must(NewPoisson(vec(0.5, 4, 120))),
		must(NewCategorical(vec(0.1, 0.2, 0.3, 0.4))),
		must(NewNegativeBinomial(vec(3, 50), vec(2, 1000))),
	}
}

func TestSampleMoments(t *testing.T) {
	for _, d := range sampleCases() {
		samplers := map[string]func() *tensor.Tensor{"Sample": func() *tensor.Tensor { return d.Sample(newRNG(), nDraws) }}
		if r, ok := d.(Reparameterized); ok {
			samplers["RSample"] = func() *tensor.Tensor { return r.RSample(newRNG(), nDraws) }
		}
		for how, sample := range samplers {
			x := sample()
			if !tensor.SameShape(x.Shape(), []int{nDraws, d.Dim()}) {
				t.Fatalf("%v: %s shape %v, want [%d, %d]", d, how, x.Shape(), nDraws, d.Dim())
			}
			if i := d.Support().FirstOutside(x); i >= 0 {
				t.Errorf("%v: %s draw %v (element %d) is outside the support %v", d, how, x.Data()[i], i, d.Support().Kind)
			}
			mom := d.(Moments)
			mean, okMean := mom.Mean()
			sd, okSD := mom.StdDev()
			for j := 0; j < d.Dim(); j++ {
				m, s, seM, seS := columnStats(x, j)
				if okMean && math.Abs(m-mean[j]) > 4*seM {
					t.Errorf("%v: %s mean[%d] = %v, want %v ± %v", d, how, j, m, mean[j], 4*seM)
				}
				if okSD && math.Abs(s-sd[j]) > 4*seS {
					t.Errorf("%v: %s sd[%d] = %v, want %v ± %v", d, how, j, s, sd[j], 4*seS)
				}
			}
		}
	}
}

// TestSampleCauchyQuantiles checks the families without moments by their
// quartiles: the standard error of the q-quantile is √(q(1-q)/n)/f(x_q).
func TestSampleCauchyQuantiles(t *testing.T) {
	for _, tt := range []struct {
		d    Distribution
		q    float64
		want float64
		dens float64 // density at the quantile
	}{
		{must(NewCauchy(sc(1), sc(2))), 0.5, 1, 1 / (2 * math.Pi)},
		{must(NewCauchy(sc(1), sc(2))), 0.25, -1, 1 / (4 * math.Pi)},
		{must(NewCauchy(sc(1), sc(2))), 0.75, 3, 1 / (4 * math.Pi)},
		{must(NewHalfCauchy(sc(2))), 0.5, 2, 1 / (2 * math.Pi)},
	} {
		for _, x := range []*tensor.Tensor{tt.d.Sample(newRNG(), nDraws), tt.d.(Reparameterized).RSample(newRNG(), nDraws)} {
			v := append([]float64(nil), x.Data()...)
			sort.Float64s(v)
			got := v[int(tt.q*nDraws)]
			se := math.Sqrt(tt.q*(1-tt.q)/nDraws) / tt.dens
			if math.Abs(got-tt.want) > 4*se {
				t.Errorf("%v: %v-quantile = %v, want %v ± %v", tt.d, tt.q, got, tt.want, 4*se)
			}
		}
	}
}

func TestSampleDirichletOnSimplex(t *testing.T) {
	x := must(NewDirichlet(vec(0.01, 0.02, 0.05))).Sample(newRNG(), 1000)
	checkNoNaN(t, "Dirichlet(small alpha) draws", x.Data())
	if i := (Support{Kind: Simplex}).FirstOutside(x); i >= 0 {
		t.Errorf("Dirichlet draw row %d is off the simplex: %v", i/3, x.Data()[i:i+3])
	}
	b := must(NewBeta(sc(0.01), sc(0.01))).Sample(newRNG(), 1000)
	checkNoNaN(t, "Beta(0.01, 0.01) draws", b.Data())
}

// TestSampleBatched checks that a batch of parameters [B, d] gives draw i
// from row i.
func TestSampleBatched(t *testing.T) {
	d := Normal{Loc: tensor.Matrix([][]float64{{0, 100}, {-100, 0}, {1e6, 0}}), Scale: sc(1)}
	x := d.Sample(newRNG(), 3)
	for i, want := range []float64{0, -100, 1e6} {
		if math.Abs(x.At(i, 0)-want) > 10 {
			t.Errorf("draw %d = %v, want near %v", i, x.At(i, 0), want)
		}
	}
	c := Categorical{Probs: tensor.Matrix([][]float64{{1, 0, 0}, {0, 0, 1}})}
	if got := c.Sample(newRNG(), 2).Data(); got[0] != 0 || got[1] != 2 {
		t.Errorf("batched Categorical draws = %v, want [0, 2]", got)
	}
}

// TestEntropyMonteCarlo checks Entropy against -mean log p over draws,
// within 4 standard errors (plus 1e-9 for families whose log density is
// constant on the support).
func TestEntropyMonteCarlo(t *testing.T) {
	for _, d := range sampleCases() {
		e, ok := d.(Entropier)
		if !ok {
			t.Errorf("%v: no Entropy", d)
			continue
		}
		h, ok := e.Entropy()
		if !ok {
			t.Errorf("%v: Entropy not available", d)
			continue
		}
		lp := d.LogProb(d.Sample(newRNG(), nDraws))
		m, s, se, _ := columnStats(tensor.Reshape(lp, nDraws, 1), 0)
		_ = s
		if math.Abs(-m-h) > 4*se+1e-9 {
			t.Errorf("%v: Entropy = %v, Monte Carlo %v ± %v", d, h, -m, 4*se)
		}
	}
}

// TestEntropyClosedForm checks Entropy against gonum's closed forms.
func TestEntropyClosedForm(t *testing.T) {
	cat := distuv.NewCategorical([]float64{0.1, 0.2, 0.3, 0.4}, nil)
	for _, tt := range []struct {
		d    Entropier
		want float64
	}{
		{must(NewNormal(vec(0, 3), vec(1, 0.5))), distuv.Normal{Mu: 0, Sigma: 1}.Entropy() + distuv.Normal{Mu: 3, Sigma: 0.5}.Entropy()},
		{must(NewLogNormal(sc(1), sc(0.5))), distuv.LogNormal{Mu: 1, Sigma: 0.5}.Entropy()},
		{must(NewLaplace(sc(1), sc(0.5))), distuv.Laplace{Mu: 1, Scale: 0.5}.Entropy()},
		{must(NewUniform(sc(-1), sc(3))), distuv.Uniform{Min: -1, Max: 3}.Entropy()},
		{must(NewExponential(sc(4))), distuv.Exponential{Rate: 4}.Entropy()},
		{must(NewBeta(vec(0.5, 2), vec(0.5, 5))), distuv.Beta{Alpha: 0.5, Beta: 0.5}.Entropy() + distuv.Beta{Alpha: 2, Beta: 5}.Entropy()},
		{must(NewBernoulli(vec(0.3, 0))), distuv.Bernoulli{P: 0.3}.Entropy()},
		{must(NewCategorical(vec(0.1, 0.2, 0.3, 0.4))), cat.Entropy()},
		{must(NewBinomial(vec(5, 5, 1), vec(0, 1, 0.5))), math.Ln2},
		{must(NewPoisson(sc(0))), 0},
		{must(NewCauchy(sc(0), sc(2))), math.Log(8 * math.Pi)},
		{must(NewStudentT(sc(1), sc(0), sc(2))), math.Log(8 * math.Pi)}, // StudentT(1) is Cauchy
		{must(NewMultivariateNormal(vec(0, 0), tensor.Matrix([][]float64{{4, 0}, {0, 0.25}}))),
			distuv.Normal{Mu: 0, Sigma: 2}.Entropy() + distuv.Normal{Mu: 0, Sigma: 0.5}.Entropy()},
	} {
		got, ok := tt.d.Entropy()
		if !ok || !near(got, tt.want, 1e-10) {
			t.Errorf("%v: Entropy = %v, %v, want %v", tt.d, got, ok, tt.want)
		}
	}
}

// TestMomentsUndefined checks ok = false where no finite moment exists.
func TestMomentsUndefined(t *testing.T) {
	for _, tt := range []struct {
		d            Moments
		meanOK, sdOK bool
		name         string
	}{
		{must(NewCauchy(sc(0), sc(1))), false, false, "Cauchy"},
		{must(NewHalfCauchy(sc(1))), false, false, "HalfCauchy"},
		{must(NewStudentT(sc(1), sc(0), sc(1))), false, false, "StudentT(df=1)"},
		{must(NewStudentT(sc(2), sc(0), sc(1))), true, false, "StudentT(df=2)"},
		{must(NewStudentT(vec(3, 1.5), sc(0), sc(1))), true, false, "StudentT(df=[3, 1.5])"},
		{must(NewInverseGamma(sc(1), sc(1))), false, false, "InverseGamma(shape=1)"},
		{must(NewInverseGamma(sc(2), sc(1))), true, false, "InverseGamma(shape=2)"},
	} {
		_, m := tt.d.Mean()
		_, s := tt.d.StdDev()
		if m != tt.meanOK || s != tt.sdOK {
			t.Errorf("%s: Mean ok = %v, StdDev ok = %v, want %v, %v", tt.name, m, s, tt.meanOK, tt.sdOK)
		}
	}
}
