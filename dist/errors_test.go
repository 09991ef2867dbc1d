package dist

import (
	"math"
	"sort"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

func TestConstructorErrors(t *testing.T) {
	checkBuildErrors(t, []buildCase{
		{"Normal", args(sc(0), sc(-1)), "Normal: scale must be positive, got -1"},
		{"Normal", args(sc(0), sc(0)), "Normal: scale must be positive, got 0"},
		{"Normal", args(sc(math.Inf(1)), sc(1)), "Normal: loc must be finite, got inf"},
		{"Normal", args(vec(0, 0), vec(1, 1, 1)), "Normal: loc has length 2 but scale has length 3"},
		{"Normal", args(vec(), sc(1)), "Normal: loc is empty"},
		{"Normal", args(sc(0), tensor.Zeros(2, 2, 2)), "Normal: scale must be a number or a vector, got an array of shape [2, 2, 2]"},
		{"Normal", args(tensor.Zeros(2, 2), sc(1)), "Normal: loc must be a number or a vector, got a matrix of shape [2, 2]"},
		{"Normal", args(sc(0)), "Normal takes 2 arguments (loc, scale), got 1"},
		{"HalfNormal", args(sc(1), sc(2)), "HalfNormal takes 1 argument (scale), got 2"},
		{"StudentT", args(sc(0), sc(0), sc(1)), "StudentT: df must be positive, got 0"},
		{"StudentT", args(vec(1, 2), sc(0), vec(1, 2, 3)), "StudentT: df has length 2 but scale has length 3"},
		{"Bernoulli", args(sc(1.5)), "Bernoulli: p must be in [0, 1], got 1.5"},
		{"Bernoulli", args(vec(0.5, -0.1)), "Bernoulli: p must be in [0, 1], got -0.1"},
		{"Binomial", args(sc(2.5), sc(0.5)), "Binomial: n must be a non-negative integer, got 2.5"},
		{"Binomial", args(sc(-1), sc(0.5)), "Binomial: n must be a non-negative integer, got -1"},
		{"Binomial", args(sc(3), sc(2)), "Binomial: p must be in [0, 1], got 2"},
		{"Poisson", args(sc(-1)), "Poisson: rate must be non-negative, got -1"},
		{"Categorical", args(vec(0.5, 0.4)), "Categorical: probs must be non-negative and sum to 1 (sum is 0.9)"},
		{"Categorical", args(vec(-0.5, 1.5)), "Categorical: probs must be non-negative and sum to 1 (probs[0] is -0.5)"},
		{"Categorical", args(sc(1)), "Categorical: probs must be a vector, got a number"},
		{"Dirichlet", args(sc(1)), "Dirichlet: alpha must be a vector, got a number"},
		{"Dirichlet", args(tensor.Matrix([][]float64{{1, 2}})), "Dirichlet: alpha must be a vector, got a matrix of shape [1, 2]"},
		{"Dirichlet", args(vec(1, 0)), "Dirichlet: alpha must be positive, got 0"},
		{"Uniform", args(sc(1), sc(0)), "Uniform: low must be less than high, got low = 1, high = 0"},
		{"Uniform", args(vec(0, 1), vec(1, 1)), "Uniform: low must be less than high, got low = 1, high = 1"},
		{"Gamma", args(sc(-2), sc(1)), "Gamma: shape must be positive, got -2"},
		{"Beta", args(sc(1), sc(0)), "Beta: b must be positive, got 0"},
		{"NegativeBinomial", args(sc(1), sc(-3)), "NegativeBinomial: dispersion must be positive, got -3"},
		{"MultivariateNormal", args(vec(0, 0), tensor.Matrix([][]float64{{1, 2}, {2, 1}})), "MultivariateNormal: cov is not positive definite"},
		{"MultivariateNormal", args(vec(0, 0), tensor.Matrix([][]float64{{1, 0.5}, {0, 1}})), "MultivariateNormal: cov is not symmetric (cov[1, 0] = 0 but cov[0, 1] = 0.5)"},
		{"MultivariateNormal", args(vec(0, 0), tensor.Zeros(2, 3)), "MultivariateNormal: cov must be a square matrix, got a matrix of shape [2, 3]"},
		{"MultivariateNormal", args(vec(0, 0), sc(1)), "MultivariateNormal: cov must be a square matrix, got a number"},
		{"MultivariateNormal", args(vec(0, 0), tensor.Matrix([][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})), "MultivariateNormal: loc has length 2 but cov is 3×3"},
	})
}

// TestNoValidation checks that Build without validation accepts invalid
// values (the density is -Inf instead) but still checks shapes.
func TestNoValidation(t *testing.T) {
	f, _ := LookupFamily("Normal")
	d, err := f.Build([]*tensor.Tensor{sc(0), sc(-1)}, false)
	if err != nil {
		t.Fatalf("Normal(0, -1) without validation: %v", err)
	}
	if lp := d.LogProb(col(0)).Data()[0]; !math.IsInf(lp, -1) {
		t.Errorf("Normal(0, -1).LogProb(0) = %v, want -Inf", lp)
	}
	if _, err := f.Build([]*tensor.Tensor{vec(0, 0), vec(1, 1, 1)}, false); err == nil {
		t.Error("Normal([0, 0], [1, 1, 1]) without validation: no error")
	}
	m, _ := LookupFamily("MultivariateNormal")
	d, err = m.Build([]*tensor.Tensor{vec(0, 0), tensor.Matrix([][]float64{{1, 2}, {2, 1}})}, false)
	if err != nil {
		t.Fatalf("MultivariateNormal with a non-PD cov without validation: %v", err)
	}
	if lp := d.LogProb(rows([]float64{0, 0})).Data()[0]; !math.IsInf(lp, -1) {
		t.Errorf("MultivariateNormal with a non-PD cov: LogProb = %v, want -Inf", lp)
	}
}

func TestLookupFamily(t *testing.T) {
	if !sort.StringsAreSorted(FamilyNames()) {
		t.Errorf("Families are not sorted: %v", FamilyNames())
	}
	if len(Families) != 33 {
		t.Errorf("%d families, want the 33 of docs/language.md", len(Families))
	}
	for _, tt := range []struct{ name, want string }{
		{"Normall", `unknown distribution "Normall" (did you mean "Normal"?)`},
		{"normal", `unknown distribution "normal" (did you mean "Normal"?)`},
		{"Wishart", `unknown distribution "Wishart"`},
	} {
		if _, err := LookupFamily(tt.name); err == nil || err.Error() != tt.want {
			t.Errorf("LookupFamily(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
	f, err := LookupFamily("StudentT")
	if err != nil || f.Signature() != "StudentT(df, loc, scale)" || f.Doc == "" {
		t.Errorf("StudentT: %v, signature %q, doc %q", err, f.Signature(), f.Doc)
	}
}

// TestFamiliesBuild builds every family from the registry with valid
// arguments and checks the interfaces, String, Dim and Support.
func TestFamiliesBuild(t *testing.T) {
	valid := map[string][]*tensor.Tensor{
		"Categorical":                  {vec(0.2, 0.8)},
		"Dirichlet":                    {vec(1, 2)},
		"MultivariateNormal":           {vec(0, 0), tensor.Matrix([][]float64{{1, 0}, {0, 1}})},
		"Binomial":                     {sc(10), sc(0.5)},
		"Bernoulli":                    {sc(0.5)},
		"Uniform":                      {sc(0), sc(1)},
		"MultivariateNormalCholesky":   {vec(0, 0), tensor.Matrix([][]float64{{1, 0}, {0.5, 2}})},
		"Multinomial":                  {sc(4), vec(0.2, 0.3, 0.5)},
		"OrderedLogistic":              {vec(0.5, -1), vec(-1, 0, 2)},
		"ZeroInflatedPoisson":          {sc(0.3), sc(2)},
		"ZeroInflatedNegativeBinomial": {sc(0.3), sc(2), sc(2)},
	}
	kinds := map[string]SupportKind{
		"Normal": Real, "HalfNormal": Positive, "LogNormal": Positive, "StudentT": Real, "Cauchy": Real,
		"HalfCauchy": Positive, "Laplace": Real, "Uniform": Interval, "Exponential": Positive,
		"Gamma": Positive, "InverseGamma": Positive, "Beta": UnitInterval, "Dirichlet": Simplex,
		"MultivariateNormal": Real, "Bernoulli": Boolean, "Binomial": IntegerInterval,
		"Poisson": NonNegIntegers, "Categorical": IntegerInterval, "NegativeBinomial": NonNegIntegers,
		"LKJCholesky": CholeskyCorr, "MultivariateNormalCholesky": Real,
		"BetaBinomial": IntegerInterval, "Multinomial": CountVectors, "ZeroInflatedPoisson": NonNegIntegers,
		"ZeroInflatedNegativeBinomial": NonNegIntegers, "BernoulliLogit": Boolean, "BinomialLogit": IntegerInterval,
		"PoissonLog": NonNegIntegers, "OrderedLogistic": IntegerInterval,
		"Weibull": Positive, "Logistic": Real, "Gumbel": Real, "SkewNormal": Real,
	}
	noEntropy := map[string]bool{"SkewNormal": true} // no closed form
	for _, f := range Families {
		args, ok := valid[f.Name]
		if !ok {
			for range f.Params {
				args = append(args, sc(2))
			}
		}
		d, err := f.Build(args, true)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if _, ok := d.(Moments); !ok {
			t.Errorf("%s: not Moments", f.Name)
		}
		if _, ok := d.(Entropier); !ok && !noEntropy[f.Name] {
			t.Errorf("%s: not Entropier", f.Name)
		}
		if got := d.Support().Kind; got != kinds[f.Name] || got.Discrete() != f.Discrete {
			t.Errorf("%s: support %v (discrete %v), want %v", f.Name, got, got.Discrete(), kinds[f.Name])
		}
		x := d.Sample(newRNG(), 5)
		lp := d.LogProb(x)
		if !tensor.SameShape(lp.Shape(), []int{5}) {
			t.Errorf("%s: LogProb shape %v, want [5]", f.Name, lp.Shape())
		}
		for _, v := range lp.Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: LogProb of its own draws = %v", f.Name, lp.Data())
				break
			}
		}
	}
}

func TestString(t *testing.T) {
	for _, tt := range []struct {
		d    Distribution
		want string
	}{
		{must(NewNormal(sc(0), sc(1))), "Normal(loc=0, scale=1)"},
		{must(NewNormal(vec(0, 0), sc(1))), "Normal(loc=[0, 0], scale=[1, 1])"},
		{must(NewStudentT(sc(3), sc(0.1), sc(1e-3))), "StudentT(df=3, loc=0.1, scale=0.001)"},
		{must(NewUniform(sc(-1), sc(2.5))), "Uniform(low=-1, high=2.5)"},
		{must(NewNegativeBinomial(sc(3), sc(2))), "NegativeBinomial(mean=3, dispersion=2)"},
		{must(NewCategorical(vec(0.2, 0.8))), "Categorical(probs=[0.2, 0.8])"},
		{must(NewMultivariateNormal(vec(0, 0), tensor.Matrix([][]float64{{1, 0}, {0, 1}}))), "MultivariateNormal(loc=[0, 0], cov=[[1, 0], [0, 1]])"},
		{Normal{Loc: tensor.Matrix([][]float64{{1}, {2}}), Scale: sc(1)}, "Normal(loc=[[1], [2]], scale=1)"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFirstOutside(t *testing.T) {
	for _, tt := range []struct {
		s    Support
		x    *tensor.Tensor
		want int
	}{
		{Support{Kind: Real}, col(-1e300, 0, 5), -1},
		{Support{Kind: Real}, col(0, math.NaN()), 1},
		{Support{Kind: Positive}, col(0, 1, -1), 2},
		{Support{Kind: UnitInterval}, col(0, 1, 0.5, 1.01), 3},
		{Support{Kind: Interval, Low: []float64{0, -2}, High: []float64{1, 3}}, rows([]float64{0.5, 2}, []float64{0.5, 4}), 3},
		{Support{Kind: NonNegIntegers}, col(0, 3, 1.5), 2},
		{Support{Kind: Boolean}, col(0, 1, 2), 2},
		{Support{Kind: IntegerInterval, Low: []float64{0}, High: []float64{4}}, col(0, 4, 5), 2},
		{Support{Kind: Integers}, col(-3, 0.5), 1},
		{Support{Kind: Simplex}, rows([]float64{0.5, 0.5}, []float64{0.5, 0.6}), 2},
		{Support{Kind: Simplex}, rows([]float64{-0.5, 1.5}), 0},
	} {
		if got := tt.s.FirstOutside(tt.x); got != tt.want {
			t.Errorf("%v.FirstOutside(%v) = %d, want %d", tt.s.Kind, tt.x.Data(), got, tt.want)
		}
	}
}
