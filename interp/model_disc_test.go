package interp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// Models with the discrete likelihoods of dist/discrete2.go: each model's
// log density at fixed latent values, less that of the same model without
// the likelihood, equals the log likelihood computed here in Go from the
// constrained latents; loops of ~ (scored together at the end of a run)
// and vectorised ~ give the same; and the gradient matches central
// differences.

const discData = `
x = linspace(-2, 2, 12)
yb = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1]
n = [3, 5, 2, 8, 4, 6, 3, 7, 5, 2, 6, 4]
k = [0, 2, 1, 3, 2, 5, 1, 6, 4, 2, 6, 4]
y = [0, 0, 3, 1, 0, 4, 2, 0, 7, 0, 1, 12]
yo = [0, 1, 0, 2, 1, 3, 1, 2, 3, 3, 2, 3]
yo2 = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1]
counts = [[3, 1, 6], [0, 2, 8], [5, 5, 0], [1, 1, 8]]
`

var (
	discX  = linspaceGo(-2, 2, 12)
	discYB = []float64{0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1}
	discN  = []float64{3, 5, 2, 8, 4, 6, 3, 7, 5, 2, 6, 4}
	discK  = []float64{0, 2, 1, 3, 2, 5, 1, 6, 4, 2, 6, 4}
	discY  = []float64{0, 0, 3, 1, 0, 4, 2, 0, 7, 0, 1, 12}
	discYO = []float64{0, 1, 0, 2, 1, 3, 1, 2, 3, 3, 2, 3}
	discC  = [][]float64{{3, 1, 6}, {0, 2, 8}, {5, 5, 0}, {1, 1, 8}}
)

func linspaceGo(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return out
}

func lg(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func sigm(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// stick is the simplex point of the unconstrained z (Stan's stick-breaking
// transform, as dist.TransformFor uses for Dirichlet latents).
func stick(z []float64) []float64 {
	k := len(z)
	out := make([]float64, k+1)
	r := 1.0
	for j, v := range z {
		u := v - math.Log(float64(k-j))
		out[j] = r * sigm(u)
		r *= sigm(-u)
	}
	out[k] = r
	return out
}

// ordered is the increasing vector of the unconstrained z (Stan's ordered
// transform).
func ordered(z []float64) []float64 {
	out := make([]float64, len(z))
	for j, v := range z {
		if j == 0 {
			out[j] = v
		} else {
			out[j] = out[j-1] + math.Exp(v)
		}
	}
	return out
}

// orderedLogisticGo is log P(y) under Stan's ordered_logistic with 0-based
// outcomes, from the differences of sigmoids.
func orderedLogisticGo(y, eta float64, c []float64) float64 {
	k := int(y)
	hi := 1.0
	if k > 0 {
		hi = sigm(eta - c[k-1])
	}
	lo := 0.0
	if k < len(c) {
		lo = sigm(eta - c[k])
	}
	return math.Log(hi - lo)
}

func negBinomialGo(k, mu, phi float64) float64 {
	return lg(k+phi) - lg(k+1) - lg(phi) + k*math.Log(mu/(mu+phi)) + phi*math.Log(phi/(mu+phi))
}

func TestDiscreteLikelihoodModels(t *testing.T) {
	for _, tt := range []struct {
		name    string
		latents string
		forms   []string // the likelihood, in loop and vectorised forms
		dim     int
		want    func(z []float64) float64
	}{
		{"BetaBinomial", "a ~ HalfNormal(5)\n    b ~ HalfNormal(5)", []string{
			"k ~ BetaBinomial(n, a, b)",
			"for i in range(len(k)) { k[i] ~ BetaBinomial(n[i], a, b) }",
		}, 2, func(z []float64) float64 {
			a, b := math.Exp(z[0]), math.Exp(z[1])
			s := 0.0
			for i, k := range discK {
				n := discN[i]
				s += lg(n+1) - lg(k+1) - lg(n-k+1) + lg(k+a) + lg(n-k+b) - lg(n+a+b) - lg(a) - lg(b) + lg(a+b)
			}
			return s
		}},
		{"BernoulliLogit", "a ~ Normal(0, 1)\n    b ~ Normal(0, 1)", []string{
			"yb ~ BernoulliLogit(a + b * x)",
			"for i in range(len(yb)) { yb[i] ~ BernoulliLogit(a + b * x[i]) }",
		}, 2, func(z []float64) float64 {
			s := 0.0
			for i, y := range discYB {
				p := sigm(z[0] + z[1]*discX[i])
				s += y*math.Log(p) + (1-y)*math.Log(1-p)
			}
			return s
		}},
		{"BinomialLogit", "a ~ Normal(0, 1)\n    b ~ Normal(0, 1)", []string{
			"k ~ BinomialLogit(n, a + b * x)",
			"for i in range(len(k)) { k[i] ~ BinomialLogit(n[i], a + b * x[i]) }",
		}, 2, func(z []float64) float64 {
			s := 0.0
			for i, k := range discK {
				n, p := discN[i], sigm(z[0]+z[1]*discX[i])
				s += lg(n+1) - lg(k+1) - lg(n-k+1) + k*math.Log(p) + (n-k)*math.Log(1-p)
			}
			return s
		}},
		{"PoissonLog", "a ~ Normal(0, 1)\n    b ~ Normal(0, 1)", []string{
			"y ~ PoissonLog(a + b * x)",
			"for i in range(len(y)) { y[i] ~ PoissonLog(a + b * x[i]) }",
		}, 2, func(z []float64) float64 {
			s := 0.0
			for i, y := range discY {
				rate := math.Exp(z[0] + z[1]*discX[i])
				s += y*math.Log(rate) - rate - lg(y+1)
			}
			return s
		}},
		{"ZeroInflatedPoisson", "zi ~ Beta(1, 1)\n    r ~ HalfNormal(5)", []string{
			"y ~ ZeroInflatedPoisson(zi, r)",
			"for i in range(len(y)) { y[i] ~ ZeroInflatedPoisson(zi, r) }",
		}, 2, func(z []float64) float64 {
			zi, r := sigm(z[0]), math.Exp(z[1])
			s := 0.0
			for _, y := range discY {
				p := (1 - zi) * math.Exp(y*math.Log(r)-r-lg(y+1))
				if y == 0 {
					p += zi
				}
				s += math.Log(p)
			}
			return s
		}},
		{"ZeroInflatedNegativeBinomial", "zi ~ Beta(1, 1)\n    a ~ Normal(0, 1)\n    phi ~ HalfNormal(5)", []string{
			"y ~ ZeroInflatedNegativeBinomial(zi, exp(a + 0.3 * x), phi)",
			"for i in range(len(y)) { y[i] ~ ZeroInflatedNegativeBinomial(zi, exp(a + 0.3 * x[i]), phi) }",
		}, 3, func(z []float64) float64 {
			zi, phi := sigm(z[0]), math.Exp(z[2])
			s := 0.0
			for i, y := range discY {
				p := (1 - zi) * math.Exp(negBinomialGo(y, math.Exp(z[1]+0.3*discX[i]), phi))
				if y == 0 {
					p += zi
				}
				s += math.Log(p)
			}
			return s
		}},
		{"Multinomial vector", "p ~ Dirichlet([1, 2, 1])", []string{
			"counts[0] ~ Multinomial(10, p)",
		}, 2, func(z []float64) float64 {
			p := stick(z)
			s := lg(11)
			for j, c := range discC[0] {
				s += c*math.Log(p[j]) - lg(c+1)
			}
			return s
		}},
		{"Multinomial rows", "p ~ Dirichlet([1, 2, 1])", []string{
			"counts ~ Multinomial(10, p)",
			"for i in range(4) { counts[i] ~ Multinomial(10, p) }",
		}, 2, func(z []float64) float64 {
			p := stick(z)
			s := 0.0
			for _, row := range discC {
				s += lg(11)
				for j, c := range row {
					s += c*math.Log(p[j]) - lg(c+1)
				}
			}
			return s
		}},
		{"OrderedLogistic", "c ~ Ordered(Normal(zeros(3), 5))\n    b ~ Normal(0, 1)", []string{
			"yo ~ OrderedLogistic(b * x, c)",
			"for i in range(len(yo)) { yo[i] ~ OrderedLogistic(b * x[i], c) }",
			"for i in range(len(yo)) { yo[i] ~ OrderedLogistic(b * x[i], [c[0], c[1], c[2]]) }",
		}, 4, func(z []float64) float64 {
			c := ordered(z[:3])
			s := 0.0
			for i, y := range discYO {
				s += orderedLogisticGo(y, z[3]*discX[i], c)
			}
			return s
		}},
		{"OrderedLogistic number eta", "c ~ Ordered(Normal(zeros(3), 5))", []string{
			"yo ~ OrderedLogistic(0.5, c)",
			"for i in range(len(yo)) { yo[i] ~ OrderedLogistic(0.5, c) }",
		}, 3, func(z []float64) float64 {
			c := ordered(z)
			s := 0.0
			for _, y := range discYO {
				s += orderedLogisticGo(y, 0.5, c)
			}
			return s
		}},
		// One cutpoint: the cutpoints of each observation are a [B, 1]
		// batch, which the loop must not put side by side as if they were
		// the cutpoints of one distribution.
		{"OrderedLogistic one cutpoint", "c ~ Normal(zeros(1), 5)\n    b ~ Normal(0, 1)", []string{
			"yo2 ~ OrderedLogistic(b * x, c)",
			"for i in range(len(yo2)) { yo2[i] ~ OrderedLogistic(b * x[i], c) }",
			"for i in range(len(yo2)) { yo2[i] ~ OrderedLogistic(b * x[i], c + 0.0 * i) }",
		}, 2, func(z []float64) float64 {
			s := 0.0
			for i, y := range []float64{0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1} {
				s += orderedLogisticGo(y, z[1]*discX[i], z[:1])
			}
			return s
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := func(body string) string {
				return discData + "model m(x, yb, n, k, y, yo, yo2, counts) {\n    " + tt.latents + "\n    " + body +
					"\n}\npost = m(x, yb, n, k, y, yo, yo2, counts)\n"
			}
			prior := posteriorOf(t, src(""))
			if prior.Dim() != tt.dim {
				t.Fatalf("Dim = %d, want %d", prior.Dim(), tt.dim)
			}
			z := tensor.RandN(rand.New(rand.NewPCG(7, 8)), 4, tt.dim)
			base, _ := logDensityAndGrad(t, prior, z)
			for _, form := range tt.forms {
				post := posteriorOf(t, src(form))
				lp, grad := logDensityAndGrad(t, post, z)
				for i := range 4 {
					row := z.Data()[i*tt.dim : (i+1)*tt.dim]
					want := tt.want(row)
					if got := lp[i] - base[i]; math.IsNaN(got) || math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
						t.Errorf("%s, row %d: log likelihood %.12g, want %.12g", form, i, got, want)
					}
				}
				// The gradient against central differences (h = 1e-5:
				// errors of order h² times third derivatives of a few
				// units, within 1e-5 relative).
				checkGradient(t, form, post, z, grad, tol{Rel: 1e-5})
			}
		})
	}
}

// TestDiscreteLikelihoodErrors checks that data outside the support of the
// new families is an error at the ~, naming the element, also when the
// parameters depend on latents.
func TestDiscreteLikelihoodErrors(t *testing.T) {
	for _, tt := range []struct{ body, data, want string }{
		{"c ~ Ordered(Normal(zeros(3), 5))\n    y ~ OrderedLogistic(0.5, c)", "[0, 1, 4]",
			"bench.flow:4:5: y[2] = 4 is outside the support of OrderedLogistic (integer interval)"},
		{"c ~ Ordered(Normal(zeros(3), 5))\n    for i in range(len(y)) { y[i] ~ OrderedLogistic(0.5, c) }", "[0, 1, -1]",
			"bench.flow:4:30: y[2] = -1 is outside the support of OrderedLogistic (integer interval)"},
		{"p ~ Dirichlet([1, 1, 1])\n    y ~ Multinomial(5, p)", "[[1, 2, 2], [1, 2, 3]]",
			"bench.flow:4:5: y[1, 0] = 1 is outside the support of Multinomial (count vectors summing to n)"},
		{"p ~ Dirichlet([1, 1, 1])\n    y ~ Multinomial(5, p)", "[1, 2.5, 1.5]",
			"bench.flow:4:5: y[1] = 2.5 is outside the support of Multinomial (count vectors summing to n)"},
		{"p ~ Dirichlet([1, 1, 1])\n    y ~ Multinomial(5, p)", "[1, 2]",
			"bench.flow:4:5: y has shape [2] but Multinomial has shape [3] (one draw), or n×3 rows"},
		{"a ~ Normal(0, 1)\n    y ~ BinomialLogit(3, a)", "[0, 1.5]",
			"bench.flow:4:5: y[1] = 1.5 is outside the support of BinomialLogit (integer interval)"},
		{"a ~ Normal(0, 1)\n    y ~ BinomialLogit(3, 0.5)", "[0, 4]",
			"bench.flow:4:5: y[1] = 4 is outside the support of BinomialLogit (integer interval)"},
		{"a ~ HalfNormal(1)\n    y ~ ZeroInflatedPoisson(0.5, a)", "[0, 1.5]",
			"bench.flow:4:5: y[1] = 1.5 is outside the support of ZeroInflatedPoisson (non-negative integers)"},
		{"a ~ Normal(0, 1)\n    y ~ BernoulliLogit(a)", "[0, 2]",
			"bench.flow:4:5: y[1] = 2 is outside the support of BernoulliLogit ({0, 1})"},
		{"a ~ Normal(0, 1)\n    y ~ OrderedLogistic(a, 1)", "[0]",
			"bench.flow:4:9: OrderedLogistic: cutpoints must be a vector, got a number"},
		{"a ~ Normal(0, 1)\n    y ~ OrderedLogistic(0, [a, a + 1])", "[0]",
			""},
	} {
		src := "\nmodel m(y) {\n    " + tt.body + "\n}\npost = m(" + tt.data + ")\n"
		th, _, _ := newThread()
		_, err := interp.ExecFile(th, "bench.flow", src, nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.body, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%s with %s: error %v, want %s", tt.body, tt.data, err, tt.want)
		}
	}
}
