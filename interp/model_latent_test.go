package interp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/stat/distuv"
)

// latentLogDensityRows evaluates the posterior's log density at the rows of z.
func latentLogDensityRows(t *testing.T, p *interp.Posterior, z [][]float64) []float64 {
	t.Helper()
	if p.Dim() != len(z[0]) {
		t.Fatalf("Dim = %d, want %d", p.Dim(), len(z[0]))
	}
	lp, err := p.LogDensity(tensor.Matrix(z))
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	return lp.Data()
}

// TestOrderedLatentLogDensity checks the log density of ordered latents
// at fixed unconstrained points against closed forms written here: the
// prior's density at x(z) plus the log-Jacobian of Stan's transforms.
// 1e-10: the same formulas evaluated in a different order.
func TestOrderedLatentLogDensity(t *testing.T) {
	z := [][]float64{{0.3, -1.2}, {-2, 0.7}, {1.5, 1.5}}
	for _, tt := range []struct {
		prior string
		want  func(z0, z1 float64) float64
	}{
		// ordered[2], no prior: x = (z0, z0 + e^z1), log|J| = z1.
		{"Ordered(Flat(2))", func(z0, z1 float64) float64 { return z1 }},
		// positive_ordered[2], no prior: x = (e^z0, e^z0 + e^z1), log|J| = z0 + z1.
		{"Ordered(HalfFlat(2))", func(z0, z1 float64) float64 { return z0 + z1 }},
		{"Ordered(LogNormal(zeros(2), 1))", func(z0, z1 float64) float64 {
			x0, x1 := math.Exp(z0), math.Exp(z0)+math.Exp(z1)
			ln := func(x float64) float64 { return logNormal(math.Log(x), 0, 1) - math.Log(x) }
			return ln(x0) + ln(x1) + z0 + z1
		}},
		{"Ordered(HalfNormal(ones(2) * 2))", func(z0, z1 float64) float64 {
			x0, x1 := math.Exp(z0), math.Exp(z0)+math.Exp(z1)
			hn := func(x float64) float64 { return math.Log(2) + logNormal(x, 0, 2) }
			return hn(x0) + hn(x1) + z0 + z1
		}},
		// In (−1, 3): increments (x0+1, x1−x0, 3−x1)/4 are the
		// stick-breaking simplex of z: u_k = z_k − log(2−k), w0 = σ(u0),
		// w1 = (1−w0)σ(u1); log|J| = 2 log 4 + Σ log σ(u)σ(−u) + log(1−w0).
		{"Ordered(Uniform(-ones(2), 3))", func(z0, z1 float64) float64 {
			u0, u1 := z0-math.Log(2), z1
			w0 := 1 / (1 + math.Exp(-u0))
			lj := 2*math.Log(4) + logSigmoid(u0) + logSigmoid(-u0) + logSigmoid(u1) + logSigmoid(-u1) + math.Log(1-w0)
			return lj - 2*math.Log(4)
		}},
	} {
		p := posteriorOf(t, "model m() {\n    c ~ "+tt.prior+"\n}\npost = m()\n")
		got := latentLogDensityRows(t, p, z)
		for i, r := range z {
			if want := tt.want(r[0], r[1]); math.Abs(got[i]-want) > 1e-10*max(1, math.Abs(want)) {
				t.Errorf("%s row %d: log density %.12g, want %.12g", tt.prior, i, got[i], want)
			}
		}
	}
}

// lkjCPC is the closed form of LKJCholesky(K, eta) in Stan's unconstrained
// coordinates: the partial correlations t = tanh(z) (row by row) are
// independent, (t+1)/2 ~ Beta(β, β) with β = eta + (K−m−2)/2 for column
// m, so the log density of z is Σ log Beta_pdf((t+1)/2) − log 2 + log(1−t²).
func lkjCPC(k int, eta float64, z []float64) float64 {
	s, pos := 0.0, 0
	for i := 1; i < k; i++ {
		for m := range i {
			tv := math.Tanh(z[pos])
			b := eta + float64(k-m-2)/2
			s += distuv.Beta{Alpha: b, Beta: b}.LogProb((tv+1)/2) - math.Ln2 + math.Log1p(-tv*tv)
			pos++
		}
	}
	return s
}

// TestLKJCholeskyLatentLogDensity: a matrix-valued latent L ~
// LKJCholesky(3, 2) has 3 unconstrained coordinates and the log density
// of lkjCPC; with a MultivariateNormalCholesky observation whose factor is
// sigma * L (a [B, 2, 2] batch), the likelihood is that of a bivariate
// normal with sd sigma and correlation r = L[1, 0].
func TestLKJCholeskyLatentLogDensity(t *testing.T) {
	p := posteriorOf(t, "model m() {\n    L ~ LKJCholesky(3, 2)\n}\npost = m()\n")
	z := [][]float64{{0.3, -1.2, 0.8}, {2, -0.1, -3}, {0, 0, 0}}
	got := latentLogDensityRows(t, p, z)
	for i, r := range z {
		if want := lkjCPC(3, 2, r); math.Abs(got[i]-want) > 1e-10*max(1, math.Abs(want)) {
			t.Errorf("LKJCholesky(3, 2) row %d: log density %.12g, want %.12g", i, got[i], want)
		}
	}

	p = posteriorOf(t, `
model m(y) {
    L ~ LKJCholesky(2, 1.5)
    sigma ~ HalfNormal(1)
    y ~ MultivariateNormalCholesky([0.5, -1], sigma * L)
}
post = m([[1, 0.2], [0, -2], [0.3, 0.3]])
`)
	ys := [][2]float64{{1, 0.2}, {0, -2}, {0.3, 0.3}}
	z = [][]float64{{0.3, -0.2}, {-1.1, 0.4}, {2, 1}}
	got = latentLogDensityRows(t, p, z)
	for i, row := range z {
		r, s := math.Tanh(row[0]), math.Exp(row[1])
		want := lkjCPC(2, 1.5, row[:1]) + math.Log(2) + logNormal(s, 0, 1) + row[1]
		for _, y := range ys {
			a, b := (y[0]-0.5)/s, (y[1]+1)/s
			q := (a*a - 2*r*a*b + b*b) / (1 - r*r)
			want += -math.Log(2*math.Pi) - 2*math.Log(s) - 0.5*math.Log(1-r*r) - q/2
		}
		if math.Abs(got[i]-want) > 1e-10*max(1, math.Abs(want)) {
			t.Errorf("MultivariateNormalCholesky(mu, sigma * L) row %d: log density %.12g, want %.12g", i, got[i], want)
		}
	}
}

// TestMatrixLatentDraws: a fitted guide's draws of a matrix latent are
// matrices (sample(q)), named L[i, j] in summaries, with matrix means,
// and lie in the support; the log-Jacobian makes the guide's samples of
// the prior alone match the LKJ moments (checked in TestLKJCholeskyFit).
func TestMatrixLatentDraws(t *testing.T) {
	th, out, _ := newThread()
	g := mustRun(t, th, "m.flow", `
model m() {
    L ~ LKJCholesky(3, 2)
    c ~ Ordered(HalfFlat(2))
    P = L @ L
}
q = flow Affine
r = fit q to m() by elbo { steps = 3, batch = 8, quiet = true, seed = 1 }
one = sample(q)
many = sample(q, 50)
m = mean(q)
t = summary(q, 100)
`)
	one := g["one"].(*lang.Record)
	for _, name := range []string{"L", "P"} {
		a, ok := one.Fields[name].(*lang.Array)
		if !ok || !tensor.SameShape(a.Shape(), []int{3, 3}) {
			t.Errorf("sample(q).%s = %v, want a 3×3 matrix", name, one.Fields[name])
		}
	}
	if a := one.Fields["L"].(*lang.Array).Data(); a[1] != 0 || math.Abs(a[3]*a[3]+a[4]*a[4]-1) > 1e-12 {
		t.Errorf("sample(q).L = %v, not a Cholesky factor of a correlation matrix", a)
	}
	if a := g["many"].(*lang.Record).Fields["L"].(*lang.Array); !tensor.SameShape(a.Shape(), []int{50, 9}) {
		t.Errorf("sample(q, 50).L has shape %v, want [50, 9] (draws flattened by rows)", a.Shape())
	}
	if a, ok := g["m"].(*lang.Record).Fields["L"].(*lang.Array); !ok || !tensor.SameShape(a.Shape(), []int{3, 3}) || a.Data()[0] != 1 {
		t.Errorf("mean(q).L = %v, want a 3×3 matrix with L[0, 0] = 1", g["m"].(*lang.Record).Fields["L"])
	}
	printed := out.String()
	for _, row := range testutil.Missing(printed, "L[0, 0]", "L[1, 0]", "L[2, 2]", "P[2, 1]", "c[1]") {
		t.Errorf("summary has no row %s:\n%s", row, printed)
	}
	if strings.Contains(printed, "L[3]") {
		t.Errorf("summary names a matrix element by its flat index:\n%s", printed)
	}
}

// TestLKJCholeskyFit fits a guide to the prior LKJCholesky(2, eta) alone
// (300 steps, about a second) and checks the correlation r = L[1, 0]: mean
// 0 and variance 1/(2 eta + 1). The tolerance, 0.05 on the mean and 10% on
// the sd, is the guide's error after a short fit; the Monte Carlo error
// of 10000 draws is 0.005.
func TestLKJCholeskyFit(t *testing.T) {
	const eta = 2.0
	cols, _, took := fitScript(t, "", "model m() {\n    L ~ LKJCholesky(2, 2)\n}\npost = m()\n", "flow AffineAutoregressive", ", steps = 300")
	m, s := meanSD(cols["L[2]"])
	ws := math.Sqrt(1 / (2*eta + 1))
	t.Logf("LKJCholesky(2, 2) fit: mean r %.4f, sd r %.4f (exact %.4f), %.1f s", m, s, ws, took.Seconds())
	if math.Abs(m) > 0.05 || math.Abs(s-ws) > 0.1*ws {
		t.Errorf("mean r %.4f sd r %.4f, want 0 and %.4f", m, s, ws)
	}
}

// TestLatentPriorErrors: the constraint wrappers accept the flat priors
// and every continuous family with an ordered transform, and say what was
// given otherwise.
func TestLatentPriorErrors(t *testing.T) {
	for _, tt := range []struct{ stmt, want string }{
		{"c ~ Ordered(Flat())", "Ordered: got Flat(), a prior for a number: an ordered vector of n elements is Ordered(Flat(n))"},
		{"c ~ Ordered(Ordered(Flat(2)))", "already ordered"},
		{"c ~ Ordered(Normal(0, 1))", "whose draws are a number"},
		{"c ~ Ordered(LKJCholesky(2, 1))", "whose draws are a matrix"},
		{"c ~ Ordered(3)", "Flat(n) or HalfFlat(n), got number"},
		{"c ~ Ordered(Dirichlet([1, 1]))", "Ordered: Dirichlet: no ordered transform for simplex support"},
		{"c ~ Ordered(Uniform([0, 1], 2))", "the same interval for every component, got bounds [0, 1]"},
		{"c ~ Ordered(Poisson([1, 2]))", "integers"},
		{"x = sample(Flat(2))", "sample: for parameter d: got Flat(2), a latent prior, want distribution"},
		{"x = log_prob(HalfFlat(2), 1)", "log_prob: for parameter d: got HalfFlat(2), a latent prior, want distribution"},
		{"y ~ LKJCholesky(3, 1)", "y has shape [2, 2] but LKJCholesky has [3, 3] matrices"},
		{"yy = y + [[0, 0], [0, 0.1]]\n    yy ~ LKJCholesky(2, 1)", "yy is outside the support of LKJCholesky"},
	} {
		src := "model m(y) {\n    " + tt.stmt + "\n}\nr = fit flow Affine to m([[1, 0], [0.6, 0.8]]) by elbo { steps = 1, batch = 2, quiet = true }\n"
		th, _, _ := newThread()
		_, err := interp.ExecFile(th, "e.flow", src, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.stmt, err, tt.want)
		}
	}
}

// TestMatrixDistributionBuiltins: outside models, a matrix-valued
// distribution's draws and means are matrices (n draws: rows of flattened
// matrices), log_prob takes a matrix, and shape errors say what was given.
func TestMatrixDistributionBuiltins(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "m.flow", `
one = sample(LKJCholesky(3, 2))
many = sample(LKJCholesky(3, 2), 5)
lp = log_prob(LKJCholesky(2, 2), [[1, 0], [0.6, 0.8]])
lps = log_prob(LKJCholesky(2, 2), [[1, 0, 0.6, 0.8], [1, 0, 0, 1]])
m = mean(LKJCholesky(2, 2))
mvn = log_prob(MultivariateNormalCholesky([0, 1], [[2, 0], [1, 0.5]]), [0.5, 0.5])
tab = summary(LKJCholesky(2, 2), 100)
`)
	if a, ok := g["one"].(*lang.Array); !ok || !tensor.SameShape(a.Shape(), []int{3, 3}) {
		t.Errorf("sample(LKJCholesky(3, 2)) = %v, want a 3×3 matrix", g["one"])
	}
	if a, ok := g["many"].(*lang.Array); !ok || !tensor.SameShape(a.Shape(), []int{5, 9}) {
		t.Errorf("sample(LKJCholesky(3, 2), 5) = %v, want a 5×9 matrix", g["many"])
	}
	// K = 2, eta = 2: (1 − r²)^(eta−1) / (2^(2eta−1) B(eta, eta)), B(2, 2) = 1/6.
	want := math.Log(1-0.36) - 3*math.Log(2) + math.Log(6)
	if lp := float64(g["lp"].(lang.Number)); math.Abs(lp-want) > 1e-12 {
		t.Errorf("log_prob(LKJCholesky(2, 2), L) = %v, want %v", lp, want)
	}
	if lps := g["lps"].(*lang.Array).Data(); math.Abs(lps[0]-want) > 1e-12 || math.Abs(lps[1]+3*math.Log(2)-math.Log(6)) > 1e-12 {
		t.Errorf("log_prob of two flattened factors = %v", lps)
	}
	// E[L_11] = E√(1−r²) = ¾∫(1−r²)^(3/2) dr = ¾·3π/8 = 9π/32.
	if m := g["m"].(*lang.Array); !tensor.SameShape(m.Shape(), []int{2, 2}) || math.Abs(m.Data()[3]-9*math.Pi/32) > 1e-12 || m.Data()[2] != 0 {
		t.Errorf("mean(LKJCholesky(2, 2)) = %v, want [[1, 0], [0, 9π/32]]", m)
	}
	// cov = L·Lᵀ = [[4, 2], [2, 1.25]], det 1; x − mu = (0.5, −0.5).
	if v := float64(g["mvn"].(lang.Number)); math.Abs(v-(-math.Log(2*math.Pi)-0.5*(1.25*0.25+2*2*0.25+4*0.25))) > 1e-12 {
		t.Errorf("log_prob(MultivariateNormalCholesky) = %v", v)
	}
	if rows := g["tab"].(*stdlib.Table).Rows; strings.Join(rows, " ") != "x[0, 0] x[0, 1] x[1, 0] x[1, 1]" {
		t.Errorf("summary(LKJCholesky(2, 2)) rows %v, want x[i, j]", rows)
	}
	for _, tt := range []struct{ src, want string }{
		{"x = log_prob(LKJCholesky(2, 2), [1, 0])", "log_prob: x must be a 2×2 matrix (or an n×4 matrix of flattened draws), got a vector of length 2"},
		{"x = MultivariateNormalCholesky([0, 0], [[1, 1], [0, 1]])", "MultivariateNormalCholesky: L must be lower triangular, got L[0, 1] = 1"},
		{"x = LKJCholesky(2.5, 1)", "LKJCholesky: K must be an integer"},
	} {
		th, _, _ := newThread()
		if _, err := interp.ExecFile(th, "e.flow", tt.src, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

// TestMatrixLatentGradient checks the gradient of the batched log density
// of a model with a matrix latent, a batched eta, an ordered latent and a
// MultivariateNormalCholesky observation with a [B, 2, 2] factor against
// central differences (h = 1e-5, 1e-5 relative), and that each row alone
// gives the value it has in the batch.
func TestMatrixLatentGradient(t *testing.T) {
	p := posteriorOf(t, `
model m(y) {
    eta ~ Gamma(4, 2)
    L ~ LKJCholesky(3, eta)
    sigma ~ HalfNormal(1)
    c ~ Ordered(LogNormal(zeros(2), 1))
    y ~ MultivariateNormalCholesky([0.5, -1, c[0]], sigma * L)
}
post = m([[1, 0.2, 0.5], [0, -2, 1], [0.3, 0.3, 2]])
`)
	const n = 4
	D := p.Dim()
	if D != 1+3+1+2 {
		t.Fatalf("Dim = %d, want 7", D)
	}
	z := tensor.RandN(rand.New(rand.NewPCG(3, 4)), n, D)
	checkLogDensity(t, p, z, tol{Rel: 1e-9}, tol{Rel: 1e-5})
}

// TestOrderedInitialPoints: initial points of Ordered(D) are D's draws
// sorted (so log x_0 is near 5 here, not in Stan's (−2, 2)), those of
// LKJCholesky its draws, and those of Ordered(HalfFlat(n)) uniform(−2, 2).
func TestOrderedInitialPoints(t *testing.T) {
	p := posteriorOf(t, `
model m() {
    c ~ Ordered(LogNormal(zeros(3) + 5, 0.1))
    L ~ LKJCholesky(3, 2)
    h ~ Ordered(HalfFlat(2))
}
post = m()
`)
	pts := p.InitialPoints(rand.New(rand.NewPCG(1, 2)), 50)
	if len(pts) != 50 {
		t.Fatalf("%d initial points, want 50", len(pts))
	}
	for _, z := range pts {
		// c: z_0 = log x_0 ~ 5 ± 0.1·(a few); increments e^5·0.1·O(1),
		// logs about 2–3. L: 3 finite coordinates. h: (−2, 2).
		if len(z) != 8 || !(z[0] > 4.5 && z[0] < 5.5) {
			t.Fatalf("initial point %v: c not from its prior", z)
		}
		for j, v := range z {
			if math.IsNaN(v) || math.IsInf(v, 0) || (j >= 6 && math.Abs(v) > 2) {
				t.Fatalf("initial point %v: coordinate %d", z, j)
			}
		}
	}
}
