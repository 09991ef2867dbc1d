package interp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// TestLoopObservations checks that a model whose ~ statements observe
// data one element at a time in a loop (scored together at the end of the
// run) has the log density and gradient of the same model written with
// one vectorised ~, for several families and for parameters that are
// constants, data and latent, and for mixed observations (a number, a
// slice, two families from one ~).
func TestLoopObservations(t *testing.T) {
	const data = `
x = linspace(-2, 2, 30)
y = 1.5 + 0.8 * x + sin(7 * x) / 2
k = [0, 1, 3, 2, 0, 5, 1, 1, 0, 2, 4, 0, 1, 2, 3, 0, 0, 1, 6, 2, 1, 0, 2, 1, 3, 0, 1, 2, 0, 1]
s = 0.5 + x * x
kb = [0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1]
`
	for _, tt := range []struct{ name, loop, vector string }{
		{"normal",
			`for i in range(len(y)) { y[i] ~ Normal(a + b * x[i], sigma) }`,
			`y ~ Normal(a + b * x, sigma)`},
		{"data scale",
			`for i in range(len(y)) { y[i] ~ Normal(a + b * x[i], s[i] * sigma) }`,
			`y ~ Normal(a + b * x, s * sigma)`},
		{"constant scale",
			`for i in range(len(y)) { y[i] ~ Normal(a + b * x[i], 2) }`,
			`y ~ Normal(a + b * x, 2)`},
		{"varying constant",
			`for i in range(len(y)) { y[i] ~ StudentT(s[i], a + b * x[i], sigma) }`,
			`y ~ StudentT(s, a + b * x, sigma)`},
		{"poisson",
			`for i in range(len(k)) { k[i] ~ Poisson(exp(a + b * x[i])) }`,
			`k ~ Poisson(exp(a + b * x))`},
		{"bernoulli",
			`for i in range(len(kb)) { kb[i] ~ Bernoulli(sigmoid(a + b * x[i])) }`,
			`kb ~ Bernoulli(sigmoid(a + b * x))`},
		{"slices",
			`y[0:10] ~ Normal(a, sigma); for i in range(10, 30, 5) { y[i:i+5] ~ Normal(a + b * x[i], sigma) }`,
			`y[0:10] ~ Normal(a, sigma); for i in range(10, 30, 5) { y[i:i+5] ~ Normal(a + b * x[i] + zeros(5), sigma) }`},
		{"uniform, some rows -inf",
			`for i in range(len(y)) { y[i] ~ Uniform(a - 3, a + 5 * sigma) }`,
			`y ~ Uniform(a - 3, a + 5 * sigma)`},
		{"two families",
			`for i in range(len(y)) { if i < 12 { y[i] ~ Normal(a, sigma) } else { y[i] ~ Laplace(b, sigma) } }`,
			`y[0:12] ~ Normal(a, sigma); y[12:30] ~ Laplace(b, sigma)`},
		{"one ~, two families",
			`for i in range(len(y)) { d = Normal(a, sigma); if i >= 12 { d = Laplace(b, sigma) }; y[i] ~ d }`,
			`y[0:12] ~ Normal(a, sigma); y[12:30] ~ Laplace(b, sigma)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := func(body string) string {
				return data + `
model m(x, y, k, kb, s) {
    a ~ Normal(0, 1)
    b ~ Normal(0, 1)
    sigma ~ HalfNormal(1)
    ` + body + `
}
post = m(x, y, k, kb, s)
`
			}
			pl, pv := posteriorOf(t, src(tt.loop)), posteriorOf(t, src(tt.vector))
			z := tensor.RandN(rand.New(rand.NewPCG(5, 6)), 7, 3)
			ll, gl := logDensityAndGrad(t, pl, z)
			lv, gv := logDensityAndGrad(t, pv, z)
			finite := 0
			for i := range ll {
				if math.IsInf(lv[i], -1) && ll[i] == lv[i] {
					continue // out of the support in both forms
				}
				finite++
				if math.IsNaN(lv[i]) || math.Abs(ll[i]-lv[i]) > 1e-9*max(1, math.Abs(lv[i])) {
					t.Errorf("row %d: log density %v in the loop, %v vectorised", i, ll[i], lv[i])
					continue
				}
				for j := range 3 {
					if a, b := gl[3*i+j], gv[3*i+j]; math.Abs(a-b) > 1e-9*max(1, math.Abs(b)) {
						t.Errorf("row %d: gradient %d: %v in the loop, %v vectorised", i, j, a, b)
					}
				}
			}
			if finite == 0 {
				t.Errorf("no row has a finite log density: %v", lv)
			}
		})
	}
}

// TestLoopObservationErrors checks that errors of a ~ in a loop are still
// reported at the ~ when it runs, naming the element.
func TestLoopObservationErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{`
model m(y) {
    sigma ~ HalfNormal(1)
    for i in range(len(y)) {
        y[i] ~ HalfNormal(sigma)
    }
}
post = m([1, 2, -3])
q = flow Affine
fit q to post by elbo { steps = 2 }
`, `bench.flow:5:9: y[2] = -3 is outside the support of HalfNormal (positive)`},
		{`
model m(y) {
    mu ~ Normal(0, 1)
    for i in range(len(y)) {
        y[i] ~ Normal(mu, 1)
        z = [1, 2] + [1, 2, 3]
    }
}
post = m([1, 2, 3])
`, `bench.flow:6:20: shapes [2] and [3] do not match for +`},
	} {
		th, _, _ := newThread()
		_, err := interp.ExecFile(th, "bench.flow", tt.src, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("error %v, want %s", err, tt.want)
		}
	}
}

// TestLoopObservationExplain checks that Explain still names the first ~
// of a loop whose term is not finite (it scores observations one at a
// time).
func TestLoopObservationExplain(t *testing.T) {
	p := posteriorOf(t, `
model m(y) {
    mu ~ Normal(0, 1)
    for i in range(len(y)) {
        y[i] ~ Uniform(mu - 1, mu + 1)
    }
}
post = m([0.5, 2, 0])
`)
	got := p.Explain([]float64{0})
	want := "the log density of y[i] at bench.flow:5:9 is -inf with mu = 0"
	if got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}
