package dist

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowppl/flowppl/tensor"
)

// lpTol is the relative tolerance of LogProb against gonum and closed
// forms: |got - want| ≤ 1e-10·max(1, |want|).
const lpTol = 1e-10

// componentwise returns a row reference that sums f over the components.
func componentwise(f func(j int, x float64) float64) func(row []float64) float64 {
	return func(row []float64) float64 {
		s := 0.0
		for j, x := range row {
			s += f(j, x)
		}
		return s
	}
}

func nbLogPMF(k, mu, phi float64) float64 {
	// The textbook form with p = phi/(mu+phi), independent of the
	// implementation's log1p arrangement.
	p := phi / (mu + phi)
	a, _ := math.Lgamma(k + phi)
	b, _ := math.Lgamma(k + 1)
	c, _ := math.Lgamma(phi)
	return a - b - c + phi*math.Log(p) + k*math.Log(1-p)
}

// mvnRef returns the multivariate normal log density through gonum's
// Cholesky solve and log determinant.
func mvnRef(mu, cov []float64) func(x []float64) float64 {
	d := len(mu)
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		panic("mvnRef: covariance not positive definite")
	}
	return func(x []float64) float64 {
		diff := make([]float64, d)
		for i := range diff {
			diff[i] = x[i] - mu[i]
		}
		var sol mat.VecDense
		if err := ch.SolveVecTo(&sol, mat.NewVecDense(d, diff)); err != nil {
			panic(err)
		}
		q := mat.Dot(&sol, mat.NewVecDense(d, diff))
		return -0.5*q - 0.5*ch.LogDet() - float64(d)/2*math.Log(2*math.Pi)
	}
}

// dirichletRef is the Dirichlet log density in closed form.
func dirichletRef(alpha, x []float64) float64 {
	s, a0 := 0.0, 0.0
	for k, a := range alpha {
		lg, _ := math.Lgamma(a)
		s += (a-1)*math.Log(x[k]) - lg
		a0 += a
	}
	lg0, _ := math.Lgamma(a0)
	return s + lg0
}

func TestLogProbAgainstGonum(t *testing.T) {
	cov := []float64{2, 0.5, 0.3, 0.5, 1, -0.2, 0.3, -0.2, 1.5}
	gmvn := mvnRef([]float64{1, -1, 0.5}, cov)
	gdir := func(x []float64) float64 { return dirichletRef([]float64{0.5, 2, 3.5}, x) }
	for _, tt := range []struct {
		name string
		d    Distribution
		x    *tensor.Tensor
		want func(row []float64) float64
	}{
		{"Normal scalar", must(NewNormal(sc(1), sc(2))), col(1, -3, 0, 7.5, 1e-3, -40),
			componentwise(func(_ int, x float64) float64 { return distuv.Normal{Mu: 1, Sigma: 2}.LogProb(x) })},
		{"Normal vector", must(NewNormal(vec(0, 1.5, -2), vec(1, 0.5, 3))),
			rows([]float64{0, 0, 0}, []float64{1, 2, 3}, []float64{-1, 1.4, -8}, []float64{10, -10, 0.1}, []float64{0.3, 1.5, -2}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Normal{Mu: []float64{0, 1.5, -2}[j], Sigma: []float64{1, 0.5, 3}[j]}.LogProb(x)
			})},
		{"HalfNormal", must(NewHalfNormal(vec(1, 2.5))),
			rows([]float64{0, 0}, []float64{0.5, 1}, []float64{3, 0.01}, []float64{1e-5, 7}, []float64{2, 2}),
			componentwise(func(j int, x float64) float64 {
				return math.Ln2 + distuv.Normal{Mu: 0, Sigma: []float64{1, 2.5}[j]}.LogProb(x)
			})},
		{"LogNormal", must(NewLogNormal(vec(0, 1), vec(1, 0.3))),
			rows([]float64{1, 1}, []float64{0.1, 2.7}, []float64{5, 3}, []float64{1e-3, 10}, []float64{2, 0.5}),
			componentwise(func(j int, x float64) float64 {
				return distuv.LogNormal{Mu: []float64{0, 1}[j], Sigma: []float64{1, 0.3}[j]}.LogProb(x)
			})},
		{"StudentT", must(NewStudentT(vec(1, 3.5, 30), vec(0, -1, 2), vec(1, 2, 0.5))),
			rows([]float64{0, 0, 0}, []float64{1, -1, 2}, []float64{-5, 10, 2.5}, []float64{100, 0.5, -3}, []float64{0.2, -7, 1.9}),
			componentwise(func(j int, x float64) float64 {
				return distuv.StudentsT{Nu: []float64{1, 3.5, 30}[j], Mu: []float64{0, -1, 2}[j], Sigma: []float64{1, 2, 0.5}[j]}.LogProb(x)
			})},
		{"Cauchy", must(NewCauchy(vec(0, 2), vec(1, 0.5))),
			rows([]float64{0, 2}, []float64{1, 1}, []float64{-30, 5}, []float64{0.5, 2.2}, []float64{1e4, -1e4}),
			componentwise(func(j int, x float64) float64 {
				return distuv.StudentsT{Nu: 1, Mu: []float64{0, 2}[j], Sigma: []float64{1, 0.5}[j]}.LogProb(x)
			})},
		{"HalfCauchy", must(NewHalfCauchy(sc(1.5))), col(0, 0.5, 1.5, 10, 1e3),
			componentwise(func(_ int, x float64) float64 {
				return math.Ln2 + distuv.StudentsT{Nu: 1, Mu: 0, Sigma: 1.5}.LogProb(x)
			})},
		{"Laplace", must(NewLaplace(vec(0, -1), vec(1, 3))),
			rows([]float64{0, -1}, []float64{1, 2}, []float64{-2, -10}, []float64{0.5, 0.5}, []float64{8, 3}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Laplace{Mu: []float64{0, -1}[j], Scale: []float64{1, 3}[j]}.LogProb(x)
			})},
		{"Uniform", must(NewUniform(vec(0, -2), vec(1, 3))),
			rows([]float64{0, -2}, []float64{0.5, 0}, []float64{1, 3}, []float64{0.99, 2.5}, []float64{0.1, -1.9}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Uniform{Min: []float64{0, -2}[j], Max: []float64{1, 3}[j]}.LogProb(x)
			})},
		{"Exponential", must(NewExponential(vec(0.5, 3))),
			rows([]float64{0, 0}, []float64{1, 1}, []float64{10, 0.01}, []float64{0.3, 2}, []float64{7, 7}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Exponential{Rate: []float64{0.5, 3}[j]}.LogProb(x)
			})},
		{"Gamma", must(NewGamma(vec(0.5, 2, 9), vec(1, 0.5, 3))),
			rows([]float64{1, 1, 1}, []float64{0.01, 4, 3}, []float64{3, 0.5, 2.5}, []float64{1e-4, 10, 6}, []float64{0.7, 2, 0.3}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Gamma{Alpha: []float64{0.5, 2, 9}[j], Beta: []float64{1, 0.5, 3}[j]}.LogProb(x)
			})},
		{"InverseGamma", must(NewInverseGamma(vec(1.5, 4), vec(1, 2))),
			rows([]float64{1, 1}, []float64{0.1, 0.5}, []float64{3, 0.7}, []float64{20, 2}, []float64{0.5, 0.05}),
			componentwise(func(j int, x float64) float64 {
				return distuv.InverseGamma{Alpha: []float64{1.5, 4}[j], Beta: []float64{1, 2}[j]}.LogProb(x)
			})},
		{"Beta", must(NewBeta(vec(0.5, 2, 1), vec(0.5, 5, 3))),
			rows([]float64{0.5, 0.5, 0.5}, []float64{0.01, 0.2, 0.9}, []float64{0.99, 0.05, 0.1}, []float64{0.3, 0.7, 1e-6}, []float64{1e-3, 0.3, 0.5}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Beta{Alpha: []float64{0.5, 2, 1}[j], Beta: []float64{0.5, 5, 3}[j]}.LogProb(x)
			})},
		{"Dirichlet", must(NewDirichlet(vec(0.5, 2, 3.5))),
			rows([]float64{0.2, 0.3, 0.5}, []float64{0.01, 0.49, 0.5}, []float64{0.6, 0.2, 0.2}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, []float64{0.05, 0.05, 0.9}),
			gdir},
		{"MultivariateNormal", must(NewMultivariateNormal(vec(1, -1, 0.5), tensor.New(append([]float64(nil), cov...), 3, 3))),
			rows([]float64{1, -1, 0.5}, []float64{0, 0, 0}, []float64{3, 1, -2}, []float64{-4, 2, 5}, []float64{1.1, -0.8, 0.6}),
			gmvn},
		{"Bernoulli", must(NewBernoulli(vec(0.3, 0.9))),
			rows([]float64{0, 0}, []float64{1, 0}, []float64{0, 1}, []float64{1, 1}, []float64{1, 1}),
			componentwise(func(j int, x float64) float64 { return distuv.Bernoulli{P: []float64{0.3, 0.9}[j]}.LogProb(x) })},
		{"Binomial", must(NewBinomial(vec(10, 3, 100), vec(0.3, 0.5, 0.01))),
			rows([]float64{0, 0, 0}, []float64{3, 1, 1}, []float64{10, 3, 5}, []float64{5, 2, 100}, []float64{7, 0, 2}),
			componentwise(func(j int, x float64) float64 {
				return distuv.Binomial{N: []float64{10, 3, 100}[j], P: []float64{0.3, 0.5, 0.01}[j]}.LogProb(x)
			})},
		{"Poisson", must(NewPoisson(vec(0.5, 4, 120))),
			rows([]float64{0, 0, 0}, []float64{1, 4, 120}, []float64{3, 10, 100}, []float64{7, 1, 150}, []float64{2, 2, 119}),
			componentwise(func(j int, x float64) float64 { return distuv.Poisson{Lambda: []float64{0.5, 4, 120}[j]}.LogProb(x) })},
		{"Categorical", must(NewCategorical(vec(0.1, 0.2, 0.3, 0.4))), col(0, 1, 2, 3, 3, 0),
			func(row []float64) float64 { return math.Log([]float64{0.1, 0.2, 0.3, 0.4}[int(row[0])]) }},
		{"NegativeBinomial", must(NewNegativeBinomial(vec(3, 0.5, 50), vec(2, 0.1, 1000))),
			rows([]float64{0, 0, 0}, []float64{3, 1, 50}, []float64{10, 5, 40}, []float64{1, 0, 70}, []float64{25, 2, 51}),
			componentwise(func(j int, x float64) float64 {
				return nbLogPMF(x, []float64{3, 0.5, 50}[j], []float64{2, 0.1, 1000}[j])
			})},
	} {
		got := logProbs(tt.d, tt.x)
		d := tt.x.Dim(1)
		if len(got) != tt.x.Dim(0) {
			t.Fatalf("%s: LogProb of %v has %d entries", tt.name, tt.x.Shape(), len(got))
		}
		for i := range got {
			row := tt.x.Data()[i*d : (i+1)*d]
			if want := tt.want(row); !near(got[i], want, lpTol) {
				t.Errorf("%s: LogProb(%v) = %.17g, want %.17g", tt.name, row, got[i], want)
			}
		}
	}
}

// TestLogProbBatched checks parameters with a leading batch axis [B, d]
// against the row-by-row densities, and mixed [B, d] / [d] / scalar
// parameters.
func TestLogProbBatched(t *testing.T) {
	loc := tensor.Matrix([][]float64{{0, 1}, {2, 3}, {-1, 0}})
	scale := vec(1, 2)
	x := rows([]float64{0.5, 0.5}, []float64{1, 1}, []float64{-1, 2})
	got := logProbs(Normal{Loc: loc, Scale: scale}, x)
	for i := 0; i < 3; i++ {
		want := 0.0
		for j := 0; j < 2; j++ {
			want += distuv.Normal{Mu: loc.At(i, j), Sigma: scale.At(j)}.LogProb(x.At(i, j))
		}
		if !near(got[i], want, lpTol) {
			t.Errorf("row %d: LogProb = %v, want %v", i, got[i], want)
		}
	}
	// A batch of scalar parameters [B, 1] against values [B, 1].
	shape := tensor.New([]float64{1, 2, 3}, 3, 1)
	xs := col(0.5, 1.5, 2.5)
	got = logProbs(Gamma{Shape: shape, Rate: sc(2)}, xs)
	for i := 0; i < 3; i++ {
		want := distuv.Gamma{Alpha: shape.At(i, 0), Beta: 2}.LogProb(xs.At(i, 0))
		if !near(got[i], want, lpTol) {
			t.Errorf("Gamma row %d: LogProb = %v, want %v", i, got[i], want)
		}
	}
	// Batched Dirichlet and Categorical rows.
	alpha := tensor.Matrix([][]float64{{1, 2, 3}, {0.5, 0.5, 0.5}})
	xd := rows([]float64{0.2, 0.3, 0.5}, []float64{0.1, 0.1, 0.8})
	got = logProbs(Dirichlet{Alpha: alpha}, xd)
	for i := 0; i < 2; i++ {
		want := dirichletRef(alpha.Data()[i*3:(i+1)*3], xd.Data()[i*3:(i+1)*3])
		if !near(got[i], want, lpTol) {
			t.Errorf("Dirichlet row %d: LogProb = %v, want %v", i, got[i], want)
		}
	}
	probs := tensor.Matrix([][]float64{{0.5, 0.5, 0}, {0.1, 0.6, 0.3}})
	got = logProbs(Categorical{Probs: probs}, col(1, 2))
	if !near(got[0], math.Log(0.5), lpTol) || !near(got[1], math.Log(0.3), lpTol) {
		t.Errorf("Categorical batched: LogProb = %v, want [log 0.5, log 0.3]", got)
	}
}

// TestLogProbEdges checks the end points of the discrete and unit-interval
// families, where 0·log 0 must be 0.
func TestLogProbEdges(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		name string
		d    Distribution
		x    float64
		want float64
	}{
		{"Bernoulli(0) at 0", must(NewBernoulli(sc(0))), 0, 0},
		{"Bernoulli(0) at 1", must(NewBernoulli(sc(0))), 1, -inf},
		{"Bernoulli(1) at 1", must(NewBernoulli(sc(1))), 1, 0},
		{"Bernoulli(1) at 0", must(NewBernoulli(sc(1))), 0, -inf},
		{"Binomial(5, 0) at 0", must(NewBinomial(sc(5), sc(0))), 0, 0},
		{"Binomial(5, 0) at 1", must(NewBinomial(sc(5), sc(0))), 1, -inf},
		{"Binomial(5, 1) at 5", must(NewBinomial(sc(5), sc(1))), 5, 0},
		{"Binomial(5, 1) at 4", must(NewBinomial(sc(5), sc(1))), 4, -inf},
		{"Binomial(0, 0.3) at 0", must(NewBinomial(sc(0), sc(0.3))), 0, 0},
		{"Poisson(0) at 0", must(NewPoisson(sc(0))), 0, 0},
		{"Poisson(0) at 1", must(NewPoisson(sc(0))), 1, -inf},
		{"Beta(1, 2) at 0", must(NewBeta(sc(1), sc(2))), 0, math.Log(2)},
		{"Beta(2, 1) at 1", must(NewBeta(sc(2), sc(1))), 1, math.Log(2)},
		{"Beta(0.5, 0.5) at 0", must(NewBeta(sc(0.5), sc(0.5))), 0, inf},
		{"Beta(2, 2) at 1", must(NewBeta(sc(2), sc(2))), 1, -inf},
		{"Beta(1, 1) at 1", must(NewBeta(sc(1), sc(1))), 1, 0},
		{"Gamma(1, 2) at 0", must(NewGamma(sc(1), sc(2))), 0, math.Log(2)},
		{"Gamma(0.5, 1) at 0", must(NewGamma(sc(0.5), sc(1))), 0, inf},
		{"Gamma(3, 1) at 0", must(NewGamma(sc(3), sc(1))), 0, -inf},
		{"Exponential(2) at 0", must(NewExponential(sc(2))), 0, math.Log(2)},
		{"LogNormal(0, 1) at 0", must(NewLogNormal(sc(0), sc(1))), 0, -inf},
		{"InverseGamma(2, 1) at 0", must(NewInverseGamma(sc(2), sc(1))), 0, -inf},
		{"Categorical([0, 1]) at 0", must(NewCategorical(vec(0, 1))), 0, -inf},
		{"Categorical([0, 1]) at 1", must(NewCategorical(vec(0, 1))), 1, 0},
		{"Dirichlet([1, 1]) at [1, 0]", must(NewDirichlet(vec(1, 1))), 1, 0}, // x = [1, 0] below
	} {
		x := col(tt.x)
		if _, ok := tt.d.(*Dirichlet); ok {
			x = rows([]float64{tt.x, 1 - tt.x})
		}
		got := logProbs(tt.d, x)[0]
		if !near(got, tt.want, lpTol) {
			t.Errorf("%s: LogProb = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestOutOfSupport checks that values outside the support, including
// non-integers for discrete families, have log density -Inf, never NaN.
func TestOutOfSupport(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		d Distribution
		x []float64 // each a one-component value
	}{
		{must(NewHalfNormal(sc(1))), []float64{-1, -1e-300, math.Inf(-1), nan}},
		{must(NewHalfCauchy(sc(1))), []float64{-2}},
		{must(NewLogNormal(sc(0), sc(1))), []float64{-1}},
		{must(NewExponential(sc(1))), []float64{-0.5}},
		{must(NewGamma(sc(2), sc(1))), []float64{-1}},
		{must(NewInverseGamma(sc(2), sc(1))), []float64{-1}},
		{must(NewBeta(sc(2), sc(2))), []float64{-0.1, 1.1}},
		{must(NewUniform(sc(0), sc(1))), []float64{-0.1, 1.5}},
		{must(NewPoisson(sc(3))), []float64{1.5, -1, math.Inf(1)}},
		{must(NewBernoulli(sc(0.5))), []float64{2, 0.5, -1}},
		{must(NewBinomial(sc(4), sc(0.5))), []float64{5, 2.5, -1}},
		{must(NewCategorical(vec(0.5, 0.5))), []float64{2, 0.5, -1}},
		{must(NewNegativeBinomial(sc(2), sc(1))), []float64{-1, 0.5}},
		{must(NewNormal(sc(0), sc(1))), []float64{nan}},
	} {
		got := logProbs(tt.d, col(tt.x...))
		for i, v := range got {
			if !math.IsInf(v, -1) {
				t.Errorf("%v: LogProb(%v) = %v, want -Inf", tt.d, tt.x[i], v)
			}
		}
	}
	// Dirichlet: rows off the simplex.
	got := logProbs(must(NewDirichlet(vec(2, 2, 2))), rows([]float64{0.5, 0.5, 0.5}, []float64{-0.1, 0.6, 0.5}, []float64{0.2, 0.3, 0.5}))
	if !math.IsInf(got[0], -1) || !math.IsInf(got[1], -1) || math.IsInf(got[2], 0) {
		t.Errorf("Dirichlet off the simplex: LogProb = %v, want [-Inf, -Inf, finite]", got)
	}
}

// TestInvalidParametersInModels checks the struct literals (used inside
// models): an invalid parameter gives its row -Inf, never NaN, and the
// gradient stays finite.
func TestInvalidParametersInModels(t *testing.T) {
	x := col(0.5, 0.5, 0.5)
	for _, tt := range []struct {
		d    Distribution
		want []bool // row is -Inf
	}{
		{Normal{Loc: sc(0), Scale: tensor.New([]float64{1, -1, 0}, 3, 1)}, []bool{false, true, true}},
		{HalfNormal{Scale: tensor.New([]float64{-1, 1, 2}, 3, 1)}, []bool{true, false, false}},
		{StudentT{DF: tensor.New([]float64{-1, 1, 2}, 3, 1), Loc: sc(0), Scale: sc(1)}, []bool{true, false, false}},
		{Gamma{Shape: tensor.New([]float64{1, 0, 2}, 3, 1), Rate: sc(1)}, []bool{false, true, false}},
		{Beta{A: sc(1), B: tensor.New([]float64{1, 2, -3}, 3, 1)}, []bool{false, false, true}},
		{Uniform{Low: sc(0), High: tensor.New([]float64{1, 0.2, -1}, 3, 1)}, []bool{false, true, true}},
		{Bernoulli{P: tensor.New([]float64{0.5, 1.5, -0.5}, 3, 1)}, []bool{true, true, true}}, // 0.5 is not in {0, 1}
		{Poisson{Rate: tensor.New([]float64{-1, 1, 2}, 3, 1)}, []bool{true, true, true}},      // 0.5 is not a count
		{Categorical{Probs: tensor.Matrix([][]float64{{0.5, 0.5}, {0.7, 0.7}, {-0.5, 1.5}})}, []bool{false, true, true}},
		{MultivariateNormal{Loc: vec(0), Cov: tensor.Matrix([][]float64{{-1}})}, []bool{true, true, true}},
	} {
		xs := x
		if _, ok := tt.d.(Categorical); ok {
			xs = col(0, 0, 0)
		}
		got := logProbs(tt.d, xs)
		for i, v := range got {
			if math.IsNaN(v) || math.IsInf(v, -1) != tt.want[i] {
				t.Errorf("%v: row %d LogProb = %v, want -Inf: %v", tt.d, i, v, tt.want[i])
			}
		}
	}
	// Gradients through a row with an invalid scale are 0, not NaN.
	tp := tensor.NewTape()
	scale := tensor.Param([]float64{1, -1}, 2, 1)
	loc := tensor.Param([]float64{0, 0}, 2, 1)
	xs := tensor.Param([]float64{0.3, 0.3}, 2, 1)
	tp.Watch(scale, loc, xs)
	lp := Normal{Loc: loc, Scale: scale}.LogProb(xs)
	tp.Backward(tensor.Sum(lp))
	for _, g := range [][]float64{scale.Grad(), loc.Grad(), xs.Grad()} {
		checkNoNaN(t, "gradient with an invalid row", g)
		if g[1] != 0 {
			t.Errorf("gradient at the invalid row = %v, want 0", g[1])
		}
	}
}
