package interp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

func logNormal(x, m, s float64) float64 {
	z := (x - m) / s
	return -0.5*math.Log(2*math.Pi) - math.Log(s) - z*z/2
}

func logSigmoid(x float64) float64 { return -math.Log1p(math.Exp(-x)) }

// TestLogDensityClosedForm checks the vectorised log density, with the
// log-Jacobians of the positive and (dependent) interval transforms,
// against hand-written formulas, row by row.
func TestLogDensityClosedForm(t *testing.T) {
	p := posteriorOf(t, `
model m(y) {
    mu ~ Normal(0, 2)
    sigma ~ HalfNormal(1)
    alpha ~ Uniform(0, 1)
    beta ~ Uniform(0, 1 - alpha)
    y ~ Normal(mu, sigma)
    factor(-beta)
}
post = m([0.5, -1, 2])
`)
	if p.Dim() != 4 {
		t.Fatalf("Dim = %d, want 4", p.Dim())
	}
	ys := []float64{0.5, -1, 2}
	z := tensor.New([]float64{0.3, -0.2, 0.1, 1.5, -1, 0.5, -2, 0, 2, 1, 3, -3}, 3, 4)
	lp, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r := z.Data()[4*i : 4*i+4]
		mu, s := r[0], math.Exp(r[1])
		alpha := 1 / (1 + math.Exp(-r[2]))
		beta := (1 - alpha) / (1 + math.Exp(-r[3]))
		want := logNormal(mu, 0, 2) + math.Log(2) + logNormal(s, 0, 1) + r[1]
		want += logSigmoid(r[2]) + logSigmoid(-r[2]) // alpha: density 1, Jacobian
		want += -math.Log(1-alpha) + math.Log(1-alpha) + logSigmoid(r[3]) + logSigmoid(-r[3])
		for _, y := range ys {
			want += logNormal(y, mu, s)
		}
		want -= beta
		if got := lp.Data()[i]; math.Abs(got-want) > 1e-9 {
			t.Errorf("row %d: log density %.12g, want %.12g", i, got, want)
		}
	}
}

// TestLogDensityGradient checks the gradient of the batched log density
// against central differences, and that rows are independent (a row's
// value does not depend on the batch it is evaluated in).
func TestLogDensityGradient(t *testing.T) {
	p := posteriorOf(t, eightSchoolsSrc)
	z := tensor.RandN(rand.New(rand.NewPCG(3, 4)), 5, p.Dim())
	checkLogDensity(t, p, z, tol{Abs: 1e-9}, tol{Rel: 1e-5})
}

// fitScript runs src (which binds post), fits guide (a flow plan
// expression) to post with options opts, and returns the guide's draws.
func fitScript(t *testing.T, dir, src, guide, opts string) (map[string][]float64, *lang.Record, time.Duration) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	src += fmt.Sprintf("\nq = %s\nr = fit q to post by elbo { seed = 1, quiet = true%s }\ns = sample(q, 10000)\n", guide, opts)
	th, _, _ := newThread()
	start := time.Now()
	g, err := interp.ExecFile(th, "fit.flow", src, nil)
	took := time.Since(start)
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	return columnsOf(g["s"].(*lang.Record)), g["r"].(*lang.Record), took
}

// columnsOf flattens a record of draws into columns named as summary
// names them (theta[0], ...).
func columnsOf(r *lang.Record) map[string][]float64 {
	out := map[string][]float64{}
	for _, name := range r.Names {
		a := r.Fields[name].(*lang.Array)
		if a.IsVector() {
			out[name] = a.Data()
			continue
		}
		n, k := a.Shape()[0], a.Shape()[1]
		for j := range k {
			col := make([]float64, n)
			for i := range col {
				col[i] = a.Data()[i*k+j]
			}
			out[fmt.Sprintf("%s[%d]", name, j)] = col
		}
	}
	return out
}

func meanSD(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)-1))
}

// TestCoinPosterior: Beta(2, 2) prior, 14 heads in 20 flips; the exact
// posterior is Beta(16, 8) (mean 2/3, sd 0.0943). With 10000 draws the
// Monte Carlo errors of the mean and sd are 0.001 and 0.0007, so 0.01 is
// the guide's error.
func TestCoinPosterior(t *testing.T) {
	cols, r, took := fitScript(t, "", `
model coin(flips) {
    p ~ Beta(2, 2)
    flips ~ Bernoulli(p)
}
post = coin(concat(ones(14), zeros(6)))
`, "flow AffineAutoregressive", "")
	m, s := meanSD(cols["p"])
	wm, ws := 16.0/24, math.Sqrt(16*8/(24*24*25.0))
	t.Logf("coin: mean %.4f (exact %.4f), sd %.4f (exact %.4f), elbo %v, pareto_k %v, %.1f s", m, wm, s, ws, r.Fields["elbo"], r.Fields["pareto_k"], took.Seconds())
	if math.Abs(m-wm) > 0.01 || math.Abs(s-ws) > 0.01 {
		t.Errorf("coin: mean %.4f sd %.4f, want %.4f and %.4f within 0.01", m, s, wm, ws)
	}
}

// TestNormalNormal: mu ~ Normal(1, 10), 20 observations with known sd 2.
// The posterior is normal with precision 1/100 + 20/4. The mean must be
// within 2% and the sd within 3%. The 10000-draw sd has a Monte Carlo
// error of 0.7%; the fit stops by the stopping rule and ends with a tail
// at a decaying learning rate, which removes the last iterate's jitter
// around the exact Gaussian (over seeds 1–5 the fitted sd was off by −0.5
// to +2.1%, the mean by at most 0.3%; at constant lr it was off by up to
// 5.6%).
func TestNormalNormal(t *testing.T) {
	cols, _, took := fitScript(t, "", `
y = 3 + 2 * sin(range(20) * 1.7)
model nn(y) {
    mu ~ Normal(1, 10)
    y ~ Normal(mu, 2)
}
post = nn(y)
`, "flow AffineAutoregressive", "")
	y := make([]float64, 20)
	sum := 0.0
	for i := range y {
		y[i] = 3 + 2*math.Sin(float64(i)*1.7)
		sum += y[i]
	}
	prec := 1.0/100 + 20.0/4
	wm, ws := (1.0/100+sum/4)/prec, math.Sqrt(1/prec)
	m, s := meanSD(cols["mu"])
	t.Logf("normal-normal: mean %.4f (exact %.4f), sd %.4f (exact %.4f), %.1f s", m, wm, s, ws, took.Seconds())
	if math.Abs(m-wm) > 0.02*math.Abs(wm) || math.Abs(s-ws) > 0.03*ws {
		t.Errorf("normal-normal: mean %.4f sd %.4f, want %.4f within 2%% and %.4f within 3%%", m, s, wm, ws)
	}
}

// TestRegressionConjugate: y = a + b x + noise with known noise sd 0.5 and
// Normal(0, 10) priors, simulated in the test; the exact posterior is
// normal with covariance (XᵀX/σ² + I/100)⁻¹. Means must be within 0.1
// posterior sd (the Monte Carlo error of a 10000-draw mean is 0.01 sd).
func TestRegressionConjugate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 50
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = 1 + 4*rng.Float64()
		ys[i] = 2 - 0.7*xs[i] + 0.5*rng.NormFloat64()
	}
	src := fmt.Sprintf(`
x = %s
y = %s
model reg(x, y) {
    a ~ Normal(0, 10)
    b ~ Normal(0, 10)
    y ~ Normal(a + b * x, 0.5)
}
post = reg(x, y)
`, lang.NewVector(xs), lang.NewVector(ys))
	cols, _, took := fitScript(t, "", src, "flow AffineAutoregressive", "")
	// Posterior precision and mean of (a, b).
	var s0, s1, s2, t0, t1 float64
	for i := range xs {
		s0++
		s1 += xs[i]
		s2 += xs[i] * xs[i]
		t0 += ys[i]
		t1 += xs[i] * ys[i]
	}
	v := 0.25
	p00, p01, p11 := s0/v+0.01, s1/v, s2/v+0.01
	det := p00*p11 - p01*p01
	c00, c01, c11 := p11/det, -p01/det, p00/det
	ma := c00*t0/v + c01*t1/v
	mb := c01*t0/v + c11*t1/v
	for _, c := range []struct {
		name     string
		want, sd float64
	}{{"a", ma, math.Sqrt(c00)}, {"b", mb, math.Sqrt(c11)}} {
		m, s := meanSD(cols[c.name])
		t.Logf("regression %s: mean %.4f (exact %.4f), sd %.4f (exact %.4f), %.1f s", c.name, m, c.want, s, c.sd, took.Seconds())
		if math.Abs(m-c.want) > 0.1*c.sd {
			t.Errorf("regression %s: mean %.4f, want %.4f within 0.1 sd (%.4f)", c.name, m, c.want, 0.1*c.sd)
		}
	}
}

// TestPosteriorDB runs the translations of three posteriordb posteriors
// (../examples/posteriordb: model, data and the NUTS reference summary as
// posteriordb ships them) as a user writes them, with default fit options
// and only a seed, so that the stopping rule ends each fit (converged must
// be true: all three stop by step 600 on seed 1), and applies issue 12's bar to
// the summary s (package internal/posteriordb): every mean within 0.3
// reference sd and every sd within [0.7, 1.4] times the reference, each fit under 60 s. The other five are
// slower and scored by bench/posteriordb on three seeds. FLOWPPL_MEANFIELD=1
// logs the mean-field guide (flow Affine) beside the flow; FLOWPPL_SHORT=1
// (or -short) skips the test.
func TestPosteriorDB(t *testing.T) {
	skipSlow(t, "posteriordb fits")
	root := repoRoot(t)
	for _, name := range []string{"eight_schools-eight_schools_noncentered", "kidiq-kidscore_momiq", "sblrc-blr"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, "examples", "posteriordb", name)
			ref, err := posteriordb.Read(filepath.Join(dir, "reference.json"))
			if err != nil {
				t.Fatal(err)
			}
			script := posteriordbScript(t, name)
			if !strings.Contains(script, "{ seed = seed }") {
				t.Fatal("model.flow's fit has options other than the seed")
			}
			guides := []struct{ name, script string }{{"flow", script}}
			if os.Getenv("FLOWPPL_MEANFIELD") != "" {
				guides = append(guides, struct{ name, script string }{"mean-field", strings.Replace(script, "flow AffineAutoregressive", "flow Affine", 1)})
			}
			t.Chdir(root) // the scripts read examples/posteriordb/NAME/data.json
			for _, g := range guides {
				th, _, _ := newThread()
				start := time.Now()
				globals, err := interp.ExecFile(th, "model.flow", g.script, nil)
				took := time.Since(start)
				if err != nil {
					t.Fatal(interp.FormatError(err))
				}
				tab, ok := globals["s"].(*stdlib.Table)
				if !ok {
					t.Fatalf("s is %v, want the summary table", globals["s"])
				}
				means, _ := tab.Attr("mean")
				sds, _ := tab.Attr("sd")
				rows, err := posteriordb.Score(tab.Rows, means.(*lang.Array).Data(), sds.(*lang.Array).Data(), ref)
				if err != nil {
					t.Fatal(err)
				}
				worstM, worstS := 0.0, 1.0
				for _, r := range rows {
					t.Logf("%s %-14s mean %10.4g (ref %10.4g, %+.3f sd)  sd %10.4g (ref %10.4g, ×%.3f)", g.name, r.Name, r.Mean, r.Ref.Mean, r.Z, r.SD, r.Ref.SD, r.Ratio)
					if math.Abs(r.Z) > math.Abs(worstM) {
						worstM = r.Z
					}
					if math.Abs(math.Log(r.Ratio)) > math.Abs(math.Log(worstS)) {
						worstS = r.Ratio
					}
					if g.name == "flow" && !r.Pass {
						t.Errorf("%s: mean off by %+.3f reference sd or sd ratio %.3f (want |Δ| ≤ %g, ratio in [%g, %g])", r.Name, r.Z, r.Ratio, posteriordb.MaxZ, posteriordb.MinRatio, posteriordb.MaxRatio)
					}
				}
				r := globals["r"].(*lang.Record)
				t.Logf("%s: worst mean %+.3f sd, worst sd ratio %.3f, %.1f s, %v steps: %v", g.name, worstM, worstS, took.Seconds(), r.Fields["steps"], r.Fields["reason"])
				if g.name == "flow" && (r.Fields["converged"] != lang.Bool(true) || r.Fields["stopped"] != lang.String("converged")) {
					t.Errorf("converged %v, stopped %v: %v", r.Fields["converged"], r.Fields["stopped"], r.Fields["reason"])
				}
				if g.name == "flow" && took > 60*time.Second {
					t.Errorf("fit took %.1f s, want under 60 s", took.Seconds())
				}
			}
		})
	}
}

// TestFunnel: Neal's funnel in 10 dimensions; the flow's marginal sd of v
// must be at least 0.8 of the true 3 (the Monte Carlo error of a
// 10000-draw sd is under 1%). The mean-field figure (default options) is
// logged. Seeds 1, 2, 3 of this configuration give 2.56, 2.45, 2.43.
func TestFunnel(t *testing.T) {
	src := `
model funnel() {
    v ~ Normal(0, 3)
    z ~ Normal(zeros(9), exp(v / 2))
}
post = funnel()
`
	colsMF, _, tookMF := fitScript(t, "", src, "flow Affine", "")
	// NOTES.md's configuration: with the default options (1000 steps) the
	// flow reaches sd(v) 2.0-2.4 depending on the seed.
	// tol = 0: the 3000 steps of that configuration. With the stopping
	// rule on (default) this seed stops at step 1680 with sd(v) 2.37 and a
	// better ELBO (−0.076 against −0.123: reverse KL pays little for the
	// funnel's neck), bench/RESULTS.md.
	cols, _, took := fitScript(t, "", src, "flow AffineAutoregressive(hidden = [64, 64])", ", steps = 3000, lr = 0.005, clip = 10, tol = 0")
	_, sMF := meanSD(colsMF["v"])
	_, s := meanSD(cols["v"])
	t.Logf("funnel sd(v): flow %.3f (%.1f s), mean-field %.3f (%.1f s); true 3", s, took.Seconds(), sMF, tookMF.Seconds())
	if s < 0.8*3 {
		t.Errorf("funnel: flow sd(v) = %.3f, want at least 2.4", s)
	}
}

// TestExplainAndInitialPoints: Explain names the ~ whose term is not
// finite and the latents' values; InitialPoints draws finite starts from
// the priors.
func TestExplainAndInitialPoints(t *testing.T) {
	p := posteriorOf(t, `
model m(y) {
    sigma ~ Normal(0, 1)
    tau ~ HalfCauchy(5)
    y ~ Normal(0, sigma)
}
post = m([1, 2])
`)
	got := p.Explain([]float64{-1, 0})
	want := "the log density of y at bench.flow:5:5 is -inf with sigma = -1, tau = 1"
	if got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
	pts := p.InitialPoints(rand.New(rand.NewPCG(1, 2)), 20)
	if len(pts) != 20 {
		t.Fatalf("%d initial points, want 20", len(pts))
	}
	for _, z := range pts {
		if len(z) != 2 || math.IsNaN(z[0]) || math.IsInf(z[1], 0) {
			t.Fatalf("initial point %v", z)
		}
	}
}

// TestARMAStart: the mode search that starts a posterior fit finds the
// ARMA(1, 1) posterior's mode. Starts drawn only from its wide priors put
// |theta| > 1, where the recursion over 200 time points explodes, and with
// seed 2 every L-BFGS run stalled there: the fit started from a diagonal
// guide at ELBO -534 and stayed at a loss of 525 (the posterior's ELBO is
// 57). Half the starts are now Stan's uniform(-2, 2) inits.
func TestARMAStart(t *testing.T) {
	skipSlow(t, "an ARMA mode search")
	root := repoRoot(t)
	src := posteriordbScript(t, "arma-arma11")
	script := strings.Replace(src, "{ seed = seed }", "{ seed = 2, steps = 20 }", 1)
	if script == src {
		t.Fatal("the arma script's fit options changed; update this test")
	}
	t.Chdir(root)
	th, _, _ := newThread()
	th.Rand = rand.New(rand.NewPCG(2, 2)) // flowppl run --seed 2
	g := mustRun(t, th, "model.flow", script)
	r := g["r"].(*lang.Record)
	// The ELBO's Monte Carlo error at the mode is under 1; a stalled
	// start is hundreds below. The start is the Laplace approximation or a
	// point on an L-BFGS path next to the mode (pathfinder), never the
	// diagonal fallback of a stalled search.
	init, elbo := r.Fields["init"], r.Fields["elbo"].(lang.Number)
	if (init != lang.String("laplace") && init != lang.String("pathfinder")) || elbo < 50 {
		t.Errorf("init %v, ELBO %v; want laplace or pathfinder and about 57", init, elbo)
	}
}
