package interp_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
)

// runDraws runs src on a fresh thread (seed PCG(1, 2)) and returns its
// globals.
func runDraws(t *testing.T, src string) lang.StringDict {
	t.Helper()
	th, _, _ := newThread()
	th.Quiet = true
	return mustRun(t, th, "draws.flow", src)
}

// TestSampleNUTSConjugate: script-level NUTS on two conjugate models
// matches the closed-form posterior: the normal mean with known sd
// (posterior Normal(Σy/(n + 1/100), 1/√(n + 1/100)) for prior
// Normal(0, 10) and unit noise) and a Poisson rate with a Gamma prior
// (posterior Gamma(a + Σy, b + n), sampled on the log scale and
// constrained back: this checks the draws' constraining map). Each mean
// must lie within 4 Monte Carlo standard errors of the truth and each sd
// within 4 MCSEs of the sd (draws.MCSEMean and MCSESd, from the draws'
// own ESS); R-hat below 1.01.
func TestSampleNUTSConjugate(t *testing.T) {
	g := runDraws(t, `
model normal(y) {
    mu ~ Normal(0, 10)
    y ~ Normal(mu * ones(len(y)), 1)
}
model poisson(y) {
    lambda ~ Gamma(2, 1)
    y ~ Poisson(lambda * ones(len(y)))
}
a = sample(normal([1.2, 0.4, 2.2, 1.5, 0.9]), 1000, chains = 4, seed = 7)
b = sample(poisson([3, 5, 4, 2, 6, 4]), 1000, chains = 4, seed = 8)
`)
	prec := 5 + 1.0/100
	shape, rate := 2.0+24, 1.0+6
	for _, tt := range []struct {
		draws, name string
		mean, sd    float64
	}{
		{"a", "mu", (1.2 + 0.4 + 2.2 + 1.5 + 0.9) / prec, 1 / math.Sqrt(prec)},
		{"b", "lambda", shape / rate, math.Sqrt(shape) / rate},
	} {
		set, s := summaryOf(t, g, tt.draws)
		x := column(t, set, tt.name)
		r := rowOf(t, s, tt.name)
		msd, err := draws.MCSESd(x)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Mean-tt.mean) > 4*r.MCSE || math.Abs(r.SD-tt.sd) > 4*msd || !(r.Rhat < 1.01) {
			t.Errorf("%s: mean %.4f (MCSE %.4f), sd %.4f (MCSE %.4f), R-hat %.4f; want mean %.4f, sd %.4f, R-hat < 1.01",
				tt.name, r.Mean, r.MCSE, r.SD, msd, r.Rhat, tt.mean, tt.sd)
		}
	}
}

// TestSampleSeeds: the same script on the same thread seed gives the same
// draws (the sampler's seed comes from the thread's random numbers), a
// seed option gives the same draws whatever the thread's seed, and
// different seeds give different draws.
func TestSampleSeeds(t *testing.T) {
	const src = normalMeanModel + `a = sample(m(1), 20, chains = 2, warmup = 20)
b = sample(m(1), 20, chains = 2, warmup = 20, seed = 5)
`
	run := func(seed uint64) (a, b []float64) {
		th, _, _ := newThread()
		th.Rand, th.Quiet = lang.NewRand(seed), true
		g := mustRun(t, th, "s.flow", src)
		va, _ := g["a"].(*stdlib.Draws).Attr("mu")
		vb, _ := g["b"].(*stdlib.Draws).Attr("mu")
		return va.(*lang.Array).Data(), vb.(*lang.Array).Data()
	}
	a1, b1 := run(1)
	a2, b2 := run(1)
	a3, b3 := run(2)
	same := slices.Equal[[]float64]
	if !same(a1, a2) || !same(b1, b2) {
		t.Error("the same script and seed gave different draws")
	}
	if same(a1, a3) {
		t.Error("thread seeds 1 and 2 gave the same draws")
	}
	if !same(b1, b3) {
		t.Error("seed = 5 gave different draws on different thread seeds")
	}
}

// TestSummaryDrawsColumns: summary(d) returns draws.Summarize's rows (lp__
// first, then each element) as the table's columns, and prints the
// stansummary table with the sampler's line.
func TestSummaryDrawsColumns(t *testing.T) {
	th, stdout, _ := newThread()
	th.Quiet = true
	g := mustRun(t, th, "s.flow", `
model m(y) {
    mu ~ Normal(0, 1)
    theta ~ Normal(mu * ones(2), 1)
    y ~ Normal(theta, 1)
}
d = sample(m([1, 2]), 50, chains = 2, warmup = 50, seed = 1)
t = summary(d)
`)
	tab := g["t"].(*stdlib.Table)
	_, s := summaryOf(t, g, "d")
	if want := []string{"lp__", "mu", "theta[0]", "theta[1]"}; strings.Join(tab.Rows, " ") != strings.Join(want, " ") {
		t.Fatalf("rows %v, want %v", tab.Rows, want)
	}
	for i, r := range s.Rows {
		for _, c := range []struct {
			name string
			want float64
		}{{"mean", r.Mean}, {"mcse", r.MCSE}, {"sd", r.SD}, {"q5", r.Q5}, {"q50", r.Q50}, {"q95", r.Q95},
			{"ess_bulk", r.ESSBulk}, {"ess_tail", r.ESSTail}, {"rhat", r.Rhat}} {
			if got := tab.Column(c.name)[i]; got != c.want {
				t.Errorf("%s %s = %v, want %v", r.Name, c.name, got, c.want)
			}
		}
	}
	out := stdout.String()
	for _, want := range testutil.Missing(out, "nuts: 2 chains × 50 draws", "ess_bulk", "rhat", "divergent: ") {
		t.Errorf("summary printed %q, want it to contain %q", out, want)
	}
}

// elapsed matches the timing lines of a CmdStan CSV file.
var elapsed = regexp.MustCompile(`(?m)^#(\s+Elapsed Time:)?\s+[0-9.e+-]+ seconds \((Warm-up|Sampling|Total)\)$`)

// TestWriteDrawsGolden: write_draws of a small NUTS run (1 chain, 3
// draws, seed 1) and of guide draws write CmdStan's layout, compared with
// testdata/draws/*.csv (-update rewrites them) with the measured times
// blanked; two chains give two files named x_1.csv and x_2.csv.
func TestWriteDrawsGolden(t *testing.T) {
	dir := t.TempDir()
	in := interp.New(interp.Options{Dir: dir})
	err := in.Exec(context.Background(), "w.flow", `
model m(y) {
    mu ~ Normal(0, 1)
    sigma ~ HalfNormal(1)
    theta ~ Normal(mu * ones(2), sigma)
    y ~ Normal(theta, 1)
    s = sigma * 2
}
d = sample(m([1, 2]), 3, chains = 1, warmup = 5, seed = 1, quiet = true)
one = write_draws("nuts.csv", d)
two = write_draws("two.csv", sample(m([1, 2]), 3, chains = 2, warmup = 5, seed = 1, quiet = true))
`)
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	if v, _ := in.Value("two"); v.String() != `"two_1.csv, two_2.csv"` && v.String() != "two_1.csv, two_2.csv" {
		t.Errorf("write_draws returned %v, want the two file names", v)
	}
	for _, f := range []string{"two_1.csv", "two_2.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "nuts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text := elapsed.ReplaceAllString(string(got), "#$1 T seconds ($2)")
	golden := filepath.Join("testdata", "draws", "nuts.csv")
	if want, same := testutil.Golden(t, golden, text, *update); !same {
		t.Errorf("write_draws wrote\n%s\nwant (%s)\n%s", text, golden, want)
	}
	for _, col := range []string{"lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,sigma,theta.1,theta.2,s\n"} {
		if !strings.Contains(text, col) {
			t.Errorf("no header %q", col)
		}
	}
}

// TestWriteDrawsSandbox: write_draws goes through the interpreter's file
// access: a path out of its directory is refused, and an interpreter
// without files refuses every path.
func TestWriteDrawsSandbox(t *testing.T) {
	const src = normalMeanModel + `d = sample(m(1), 5, chains = 1, warmup = 5, seed = 1, quiet = true)
write_draws(PATH, d)
`
	dir := t.TempDir()
	for _, tt := range []struct {
		opts interp.Options
		path string
		want string
	}{
		{interp.Options{Dir: dir}, "../out.csv", `write_draws: cannot write "../out.csv": the path leads outside the interpreter's directory`},
		{interp.Options{Dir: dir}, filepath.Join(dir, "abs.csv"), "leads outside the interpreter's directory"},
		{interp.Options{}, "x.csv", "file access is disabled in this interpreter"},
	} {
		in := interp.New(tt.opts)
		err := in.Exec(context.Background(), "w.flow", strings.Replace(src, "PATH", `"`+tt.path+`"`, 1))
		var ee *lang.EvalError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "w.flow:7:1: ") {
			t.Errorf("write_draws(%q): error %v, want w.flow:7:1: ... %q", tt.path, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "out.csv")); err == nil {
		t.Error("write_draws wrote outside the directory")
	}
}

// cancelAfter is a progress reporter that cancels a context after k
// iterations.
type cancelAfter struct {
	k      int
	cancel func()
}

func (c *cancelAfter) Step(step, total int, loss float64) {
	if step >= c.k {
		c.cancel()
	}
}
func (c *cancelAfter) Done(*infer.Report) {}

// TestSampleCancel: cancelling the thread's context stops NUTS, which
// reports "interrupted" at the call; the progress display saw the
// iterations.
func TestSampleCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	th, _, _ := newThread()
	th.Context = ctx
	rep := &cancelAfter{k: 100, cancel: cancel}
	th.Progress = func() infer.ProgressReporter { return rep }
	_, err := interp.ExecFile(th, "c.flow", normalMeanModel+`d = sample(m(1), 100000, chains = 2)
`, nil)
	if err == nil || !strings.Contains(err.Error(), "c.flow:6:5: sample: interrupted") {
		t.Fatalf("error %v, want c.flow:6:5: sample: interrupted", err)
	}
}

func init() {
	invExempt["write_draws"] = "I/O of draws values: a batch argument is an error (TestWriteDrawsBatchArgument)"
}

// TestWriteDrawsBatchArgument: write_draws of a value computed from
// latents is an error that says so.
func TestWriteDrawsBatchArgument(t *testing.T) {
	x := stack(t, vary(vec(0.5, 1, 2)))
	_, err := evalExpr("", `write_draws(path, x)`, lang.StringDict{"x": x, "path": lang.String(tempPath(t, "d.csv"))})
	if err == nil || !strings.Contains(err.Error(), "write_draws: ") || !strings.Contains(err.Error(), "latent variables") {
		t.Errorf("error %v, want write_draws's, saying the value depends on latent variables", err)
	}
}

// TestSampleLimits: an embedding program's step limit counts NUTS's
// iterations (as it counts a fit's steps) and its time limit stops NUTS;
// both errors name the sample call.
func TestSampleLimits(t *testing.T) {
	const src = normalMeanModel + `d = sample(m(1), 1000000, chains = 2, quiet = true)
`
	for _, tt := range []struct {
		opts interp.Options
		want string
	}{
		{interp.Options{MaxSteps: 500}, "step limit of 500 reached"},
		{interp.Options{Timeout: 200 * time.Millisecond}, "time limit of 200ms reached"},
	} {
		in := interp.New(tt.opts)
		err := in.Exec(context.Background(), "l.flow", src)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "l.flow:6:") {
			t.Errorf("%+v: error %v, want l.flow:6:...: %s", tt.opts, err, tt.want)
		}
	}
}

// TestSamplePSIS: PSIS draws of a guide fitted to the conjugate normal
// posterior (mean Σy/(n + 1/100), sd 1/√(n + 1/100)) have the posterior's
// mean within 4 standard errors sd/√ESS (ESS the weights', at most the n
// draws) and record k̂ and the weights' ESS, without a warning; a normal
// guide of a Cauchy posterior (weights with an infinite variance: k̂
// well above 0.7) makes sample warn at its call.
func TestSamplePSIS(t *testing.T) {
	const src = `
model normal(y) {
    mu ~ Normal(0, 10)
    y ~ Normal(mu * ones(len(y)), 1)
}
model cauchy() {
    mu ~ Cauchy(0, 1)
}
q = flow Affine
fit q to TARGET by elbo { seed = 1, quiet = true }
p = sample(q, 2000, method = "psis", seed = 4)
`
	for _, target := range []string{"normal([1.2, 0.4, 2.2, 1.5, 0.9])", "cauchy()"} {
		th, _, _ := newThread()
		var warnings []string
		th.Warn = func(pos ast.Pos, msg string) { warnings = append(warnings, pos.String()+": "+msg) }
		g := mustRun(t, th, "p.flow", strings.Replace(src, "TARGET", target, 1))
		set, s := summaryOf(t, g, "p")
		k, ess := set.Settings.ParetoK, set.Settings.WeightsESS
		if target == "cauchy()" {
			if k < 0.7 || len(warnings) == 0 || !strings.HasPrefix(warnings[len(warnings)-1], "p.flow:11:5: psis: pareto k = ") {
				t.Errorf("a normal guide of a Cauchy: k̂ %.2f, warnings %q; want k̂ ≥ 0.7 and a warning at p.flow:11:5", k, warnings)
			}
			continue
		}
		prec := 5 + 1.0/100
		mean, sd := 6.2/prec, 1/math.Sqrt(prec)
		r := rowOf(t, s, "mu")
		if se := sd / math.Sqrt(min(ess, 2000)); math.Abs(r.Mean-mean) > 4*se || k >= 0.7 || len(warnings) > 0 {
			t.Errorf("PSIS: mean %.4f (want %.4f ± %.4f), k̂ %.2f, weights ESS %.0f, warnings %q", r.Mean, mean, 4*se, k, ess, warnings)
		}
	}
}

// TestSampleProgressLines: without a progress display, NUTS writes a line
// on Stderr at every tenth of all chains' iterations; quiet writes none.
func TestSampleProgressLines(t *testing.T) {
	const src = normalMeanModel + `d = sample(m(1), 50, chains = 2, warmup = 50, seed = 1QUIET)
`
	for _, quiet := range []bool{false, true} {
		th, _, stderr := newThread()
		q := ""
		if quiet {
			q = ", quiet = true"
		}
		if _, err := interp.ExecFile(th, "p.flow", strings.Replace(src, "QUIET", q, 1), nil); err != nil {
			t.Fatal(interp.FormatError(err))
		}
		lines := strings.Count(stderr.String(), "sample: ")
		if want := map[bool]int{false: 10, true: 0}[quiet]; lines != want || (!quiet && !strings.Contains(stderr.String(), "sample: 200/200 iterations (2 chains)\n")) {
			t.Errorf("quiet %v: stderr %q, want %d progress lines ending at 200/200", quiet, stderr.String(), want)
		}
	}
}

// TestSamplerWarningsOnce: the sampler's problems (here the funnel's
// divergences under plain NUTS at max_depth 4, which also saturates the
// trees) are reported once, by sample at its call; summary(d) then reports
// only what it finds itself (R-hat, ESS), not the sampler's again, while
// its table's last line still counts them.
func TestSamplerWarningsOnce(t *testing.T) {
	const src = `
model funnel() {
    v ~ Normal(0, 3)
    x ~ Normal(zeros(4), exp(v / 2))
}
d = sample(funnel(), 200, warmup = 200, max_depth = 4, seed = 3, quiet = true)
s = summary(d)
`
	th, stdout, _ := newThread()
	var warnings []string
	th.Warn = func(pos ast.Pos, msg string) { warnings = append(warnings, pos.String()+": "+msg) }
	if _, err := interp.ExecFile(th, "w.flow", src, nil); err != nil {
		t.Fatal(interp.FormatError(err))
	}
	div, depth := 0, 0
	for _, w := range warnings {
		if strings.Contains(w, "diverged") {
			div++
			if !strings.HasPrefix(w, "w.flow:6:5: ") {
				t.Errorf("divergence warning at the wrong place: %s", w)
			}
		}
		if strings.Contains(w, "maximum tree depth") {
			depth++
		}
	}
	if div != 1 || depth != 1 {
		t.Errorf("%d divergence and %d tree-depth warnings, want 1 each (from sample):\n%s", div, depth, strings.Join(warnings, "\n"))
	}
	if !strings.Contains(stdout.String(), "divergent: ") {
		t.Errorf("the summary table does not count the divergences:\n%s", stdout.String())
	}
}
