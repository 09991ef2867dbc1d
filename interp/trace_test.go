package interp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// traceGolden lists every posteriordb posterior of examples/posteriordb
// with what recording its log density at a standard normal point gives:
// "" when the trace is replayable, else a part of the reason it is not
// (tensor.Trace.Why). A change of coverage, either way, fails
// TestTracePosteriordb until this list says so.
var traceGolden = map[string]string{
	"arma-arma11":       "",
	"diamonds-diamonds": "",
	"eight_schools-eight_schools_noncentered": "",
	"gp_pois_regr-gp_pois_regr":               "a read of a traced tensor's values (in tensor's Data, called at stdlib/linalg.go:",
	"hmm_example-hmm_example":                 "",
	"kidiq-kidscore_momiq":                    "",
	"nes2000-nes":                             "",
	"sblrc-blr":                               "",
}

// evalFresh evaluates the log density at z ([B, D]) on a fresh tape, as a
// caller without a trace does: the B values and d sum/dz, or the error.
func evalFresh(p *interp.Posterior, z []float64, B int) (lp, grad []float64, err error) {
	D := p.Dim()
	tp := tensor.NewTape()
	x := tensor.New(append([]float64(nil), z...), B, D)
	tp.Watch(x)
	out, err := p.LogDensity(x)
	if err != nil {
		return nil, nil, err
	}
	lp = append([]float64(nil), out.Data()...)
	grad = make([]float64, B*D)
	if out.Tracked() {
		tp.Backward(tensor.Sum(out))
		copy(grad, x.Grad())
	}
	return lp, grad, nil
}

// bitsDiffer names the first element where a and b differ bit for bit
// ("" when they are equal; NaN equals NaN of the same payload).
func bitsDiffer(a, b []float64) string {
	if len(a) != len(b) {
		return fmt.Sprintf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return fmt.Sprintf("element %d: %v and %v", i, a[i], b[i])
		}
	}
	return ""
}

// tracePoints returns the points a trace of [B, D] is replayed at: n
// standard normal points, and as many with one coordinate of one row set
// to each of ±30, ±800 and NaN (the masked rows, overflows and −Inf).
func tracePoints(rng *rand.Rand, B, D, n int) (normal, extreme [][]float64) {
	point := func() []float64 {
		z := make([]float64, B*D)
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		return z
	}
	for range n {
		normal = append(normal, point())
	}
	for range n {
		for _, v := range []float64{30, -30, 800, -800, math.NaN()} {
			z := point()
			z[rng.IntN(B*D)] = v
			extreme = append(extreme, z)
		}
	}
	return normal, extreme
}

// TestTracePosteriordb records the log density of every posteriordb
// posterior at B = 1, 3 and 4 and checks the coverage against traceGolden;
// a replayable trace must replay at every standard normal point, and at
// every point (extreme ones too) a replay must either refuse or equal a
// fresh interpreter evaluation bit for bit, value and gradient. The
// recording run itself must equal a fresh evaluation.
func TestTracePosteriordb(t *testing.T) {
	dirs, err := filepath.Glob("../examples/posteriordb/*/model.flow")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no posteriordb scripts: %v", err)
	}
	if len(dirs) != len(traceGolden) {
		t.Errorf("%d posteriordb scripts, %d in traceGolden", len(dirs), len(traceGolden))
	}
	for _, path := range dirs {
		dir := filepath.Base(filepath.Dir(path))
		want, listed := traceGolden[dir]
		if !listed {
			t.Errorf("%s: not in traceGolden", dir)
			continue
		}
		p := nutsPosteriorT(t, dir)
		D := p.Dim()
		for _, B := range []int{1, 3, 4} {
			rng := rand.New(rand.NewPCG(uint64(B), uint64(D)))
			normal, extreme := tracePoints(rng, B, D, 6)
			tr := tensor.Record(normal[0], B, D, p.LogDensity)
			switch why := tr.Why(); {
			case want == "" && why != "":
				t.Errorf("%s B=%d: not replayable: %s", dir, B, why)
			case want != "" && why == "":
				t.Errorf("%s B=%d: replayable now; update traceGolden", dir, B)
			case want != "" && !strings.Contains(why, want):
				t.Errorf("%s B=%d: not replayable because %s; traceGolden says %q", dir, B, why, want)
			}
			lp0, g0, err := evalFresh(p, normal[0], B)
			if err != nil || tr.Err() != nil {
				t.Fatalf("%s B=%d: errors %v and %v", dir, B, err, tr.Err())
			}
			if d := bitsDiffer(tr.Out().Data(), lp0); d != "" {
				t.Errorf("%s B=%d: the recording run's value differs from a fresh one: %s", dir, B, d)
			}
			g := make([]float64, B*D)
			tr.Grad(g)
			if d := bitsDiffer(g, g0); d != "" {
				t.Errorf("%s B=%d: the recording run's gradient differs from a fresh one: %s", dir, B, d)
			}
			if !tr.Replayable() {
				continue
			}
			lp := make([]float64, B)
			refused := 0
			for i, z := range append(normal, extreme...) {
				ok := tr.Replay(z, lp, g)
				if !ok {
					if i < len(normal) {
						t.Errorf("%s B=%d: replay refused at normal point %d", dir, B, i)
					}
					refused++
					continue
				}
				wantLP, wantG, err := evalFresh(p, z, B)
				if err != nil {
					t.Errorf("%s B=%d: point %d replayed where the interpreter fails: %v", dir, B, i, err)
					continue
				}
				if d := bitsDiffer(lp, wantLP); d != "" {
					t.Errorf("%s B=%d: point %d %v: value: %s", dir, B, i, z, d)
				}
				if d := bitsDiffer(g, wantG); d != "" {
					t.Errorf("%s B=%d: point %d %v: gradient: %s", dir, B, i, z, d)
				}
			}
			t.Logf("%s B=%d: %d steps, %d floats; %d of %d extreme points refused", dir, B, tr.Len(), tr.Floats(), refused, len(extreme))
		}
		if err := os.Chdir("interp"); err != nil { // nutsPosteriorT moved to the root
			t.Fatal(err)
		}
	}
}

// BenchmarkTraceReplay is BenchmarkNUTSGradient's gradient by a replay of
// a trace recorded once (tensor.Record of the log density, then
// Trace.Replay per op): the same points, rows = 1 and 4.
func BenchmarkTraceReplay(b *testing.B) {
	for _, pp := range nutsPosteriors {
		for _, rows := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/rows=%d", pp.name, rows), func(b *testing.B) {
				p := nutsPosterior(b, pp.dir)
				d := p.Dim()
				z := make([]float64, rows*d)
				for i := range z {
					z[i] = 0.1 * float64(i%7-3)
				}
				tr := tensor.Record(z, rows, d, p.LogDensity)
				if !tr.Replayable() {
					b.Fatal(tr.Why())
				}
				lp, g := make([]float64, rows), make([]float64, rows*d)
				cpu0 := cpuTime()
				for b.Loop() {
					if !tr.Replay(z, lp, g) {
						b.Fatal("replay refused")
					}
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*rows)/1e3, "cpu-µs/row")
			})
		}
	}
}

// TestTraceReplayAllocs: a replay of eight schools' or kidiq's trace
// allocates nothing (the steps hold all they need; no closure per call).
func TestTraceReplayAllocs(t *testing.T) {
	for _, pp := range nutsPosteriors {
		p := nutsPosteriorT(t, pp.dir)
		for _, rows := range []int{1, 4} {
			d := p.Dim()
			z := make([]float64, rows*d)
			for i := range z {
				z[i] = 0.1 * float64(i%7-3)
			}
			tr := tensor.Record(z, rows, d, p.LogDensity)
			lp, g := make([]float64, rows), make([]float64, rows*d)
			allocs := testing.AllocsPerRun(20, func() {
				if !tr.Replay(z, lp, g) {
					t.Fatal("replay refused")
				}
			})
			if allocs != 0 {
				t.Errorf("%s rows=%d: %v allocations a replay, want 0", pp.name, rows, allocs)
			}
		}
		if err := os.Chdir("interp"); err != nil {
			t.Fatal(err)
		}
	}
}

// tracePost builds the posterior named post of a script.
func tracePost(t *testing.T, src string) *interp.Posterior {
	t.Helper()
	th, _, _ := newThread()
	return mustRun(t, th, "trace.flow", src)["post"].(*interp.Posterior)
}

// TestTraceGuardScale: a latent used as a scale can reach values that are
// not positive, where the interpreter masks the row (log density −Inf). A
// trace recorded at a positive scale replays exactly where the scale is
// positive (bitwise equal to the interpreter) and refuses exactly where it
// is not, so the caller's fallback gives the interpreter's −Inf. (+Inf is
// left out: the prior's own guard on non-finite values refuses it too.)
func TestTraceGuardScale(t *testing.T) {
	p := tracePost(t, `
model g(y) {
    mu ~ Normal(0, 1)
    y ~ Normal(0, mu)
}
post = g([1.5, -0.5])
`)
	if p.Dim() != 1 {
		t.Fatalf("dimension %d, want 1", p.Dim())
	}
	tr := tensor.Record([]float64{1}, 1, 1, p.LogDensity)
	if !tr.Replayable() {
		t.Fatal(tr.Why())
	}
	lp, g := make([]float64, 1), make([]float64, 1)
	for _, mu := range []float64{2, 0.5, 1e-300, 1e300, 0, math.Copysign(0, -1), -1e-300, -1, -800, math.NaN()} {
		ok := tr.Replay([]float64{mu}, lp, g)
		if want := mu > 0; ok != want {
			t.Errorf("mu = %v: replay %v, want %v", mu, ok, want)
		}
		wantLP, wantG, err := evalFresh(p, []float64{mu}, 1)
		if err != nil {
			t.Fatalf("mu = %v: %v", mu, err)
		}
		if !ok {
			if !math.IsInf(wantLP[0], -1) {
				t.Errorf("mu = %v: refused, and the interpreter gives %v, not -Inf", mu, wantLP[0])
			}
			continue
		}
		if d := bitsDiffer(lp, wantLP); d != "" {
			t.Errorf("mu = %v: value: %s", mu, d)
		}
		if d := bitsDiffer(g, wantG); d != "" {
			t.Errorf("mu = %v: gradient: %s", mu, d)
		}
	}
}

// TestTraceIfOnLatent: a branch on a latent's value (at B = 1 every draw
// agrees) reads a traced value in Go: the trace is not replayable, with
// the place of the read as its reason.
func TestTraceIfOnLatent(t *testing.T) {
	p := tracePost(t, `
model g(y) {
    mu ~ Normal(0, 1)
    if mu > 0 {
        y ~ Normal(mu, 1)
    } else {
        y ~ Normal(-mu, 2)
    }
}
post = g(0.3)
`)
	tr := tensor.Record([]float64{0.5}, 1, 1, p.LogDensity)
	if tr.Replayable() || !strings.Contains(tr.Why(), "a read of a traced tensor's values") {
		t.Fatalf("if on a latent: replayable %v, why %q", tr.Replayable(), tr.Why())
	}
	lp0, g0, err := evalFresh(p, []float64{0.5}, 1)
	if err != nil || tr.Err() != nil {
		t.Fatal(err, tr.Err())
	}
	g := make([]float64, 1)
	tr.Grad(g)
	if d := bitsDiffer(tr.Out().Data(), lp0) + bitsDiffer(g, g0); d != "" {
		t.Fatalf("the recording run differs from a fresh one: %s", d)
	}
	t.Logf("why: %s", tr.Why())
}

// TestTraceConcurrentReplays: four traces of one posterior replay at once,
// each in its own goroutine (as chains would), and each replay equals the
// interpreter's evaluation, computed beforehand, bit for bit. Run with
// -race to check that replays share nothing mutable.
func TestTraceConcurrentReplays(t *testing.T) {
	for _, pp := range nutsPosteriors {
		p := nutsPosteriorT(t, pp.dir)
		D := p.Dim()
		rng := rand.New(rand.NewPCG(5, 6))
		const chains, points = 4, 25
		zs := make([][][]float64, chains)
		want := make([][][2][]float64, chains)
		traces := make([]*tensor.Trace, chains)
		for c := range chains {
			normal, _ := tracePoints(rng, 1, D, points)
			zs[c] = normal
			for _, z := range normal {
				lp, g, err := evalFresh(p, z, 1)
				if err != nil {
					t.Fatal(err)
				}
				want[c] = append(want[c], [2][]float64{lp, g})
			}
			traces[c] = tensor.Record(normal[0], 1, D, p.LogDensity)
		}
		errs := make(chan string, chains*points)
		done := make(chan bool)
		for c := range chains {
			go func() {
				lp, g := make([]float64, 1), make([]float64, D)
				for i, z := range zs[c] {
					if !traces[c].Replay(z, lp, g) {
						errs <- fmt.Sprintf("chain %d point %d: refused", c, i)
						continue
					}
					if d := bitsDiffer(lp, want[c][i][0]) + bitsDiffer(g, want[c][i][1]); d != "" {
						errs <- fmt.Sprintf("chain %d point %d: %s", c, i, d)
					}
				}
				done <- true
			}()
		}
		for range chains {
			<-done
		}
		close(errs)
		for e := range errs {
			t.Errorf("%s: %s", pp.name, e)
		}
		if err := os.Chdir("interp"); err != nil {
			t.Fatal(err)
		}
	}
}

// traceFamilies are small models over many families, transforms and
// builtins, each with what recording it at a standard normal point gives
// ("" replayable, else a part of the reason), as traceGolden.
var traceFamilies = []struct{ name, src, want string }{
	{"continuous", `
model m(y) {
    a ~ Normal(0, 1)
    s ~ HalfNormal(1)
    g ~ Gamma(2, 3)
    b ~ Beta(2, 2)
    e ~ Exponential(1)
    u ~ Uniform(-1, 2)
    ln ~ LogNormal(0, 1)
    t ~ StudentT(3, a, s)
    c ~ Cauchy(0, 1)
    hc ~ HalfCauchy(2)
    y ~ Normal(a + t * b, s + g + e * ln)
    factor(u + c)
}
post = m([0.5, -1.5, 2])
`, ""},
	{"more continuous", `
model m(y) {
    a ~ Laplace(0, 1)
    l ~ Logistic(0, 2)
    gu ~ Gumbel(0, 1)
    w ~ Weibull(2, 1)
    ig ~ InverseGamma(3, 2)
    y ~ Normal(a + l + gu, w + ig)
}
post = m([0.5, -1.5])
`, ""},
	{"skew normal", `
model m(y) {
    sn ~ SkewNormal(0, 1, 2)
    y ~ Normal(sn, 1)
}
post = m([0.5, -1.5])
`, "a read of a traced tensor's values (in tensor's Data, called at dist/special.go:"},
	{"discrete observations", `
model m(k, f, n, z) {
    a ~ Normal(0, 1)
    r ~ Gamma(2, 1)
    k ~ Poisson(exp(a))
    k ~ PoissonLog(a)
    f ~ BernoulliLogit(a)
    f ~ Bernoulli(sigmoid(a))
    n ~ BinomialLogit(10, a)
    n ~ Binomial(10, sigmoid(a))
    k ~ NegativeBinomial(r, 1)
    z ~ ZeroInflatedPoisson(0.2, r)
}
post = m([0, 3, 1], [1, 0, 1], [2, 7, 10], [0, 0, 4])
`, ""},
	{"simplex", `
model m(c) {
    p ~ Dirichlet([1, 2, 3])
    c ~ Categorical(p)
}
post = m([0, 2, 2, 1])
`, ""},
	{"vectors", `
model m(y, x) {
    beta ~ Normal(zeros(3), 1)
    sigma ~ HalfNormal(1)
    mu = x @ beta
    y ~ Normal(mu, sigma)
    factor(logsumexp(beta) + sum(softmax(beta)))
}
post = m([1, 2, 0.5, -1], [[1, 0, 2], [0, 1, 1], [1, 1, 1], [2, 0, 0]])
`, ""},
	{"linear algebra", `
model m(y) {
    s ~ HalfNormal(1)
    f ~ Normal(zeros(3), 1)
    K = s * s * [[1, 0.5, 0.2], [0.5, 1, 0.5], [0.2, 0.5, 1]] + 1e-6 * eye(3)
    L = cholesky(K)
    y ~ Normal(L @ f, 1)
    factor(log_det(K) + sum(solve(K, f)) + sum(inverse(K) @ f) + sum(solve(L, f)))
}
post = m([0.5, -1, 2])
`, "a read of a traced tensor's values (in tensor's Data, called at stdlib/linalg.go:"},
	{"truncated", `
model m(y) {
    mu ~ Normal(0, 1)
    sigma ~ Truncated(StudentT(3, 0, 10), 0, 1/0)
    y ~ Truncated(Normal(mu, sigma), 0, 1/0)
}
post = m([0.5, 2])
`, "a read of a traced tensor's values (in tensor's Data, called at dist/params.go:"},
}

// TestTraceFamilies: as TestTracePosteriordb, for traceFamilies' models at
// B = 1 and 3: coverage as listed, and every replay bitwise equal to the
// interpreter or refused.
func TestTraceFamilies(t *testing.T) {
	for _, c := range traceFamilies {
		p := tracePost(t, c.src)
		D := p.Dim()
		for _, B := range []int{1, 3} {
			rng := rand.New(rand.NewPCG(uint64(B), uint64(D)))
			normal, extreme := tracePoints(rng, B, D, 4)
			tr := tensor.Record(normal[0], B, D, p.LogDensity)
			switch why := tr.Why(); {
			case c.want == "" && why != "":
				t.Errorf("%s B=%d: not replayable: %s", c.name, B, why)
			case c.want != "" && !strings.Contains(why, c.want):
				t.Errorf("%s B=%d: why %q, want %q", c.name, B, why, c.want)
			}
			if !tr.Replayable() {
				continue
			}
			lp, g := make([]float64, B), make([]float64, B*D)
			refused := 0
			for i, z := range append(normal, extreme...) {
				if !tr.Replay(z, lp, g) {
					if i < len(normal) {
						t.Errorf("%s B=%d: refused at normal point %d", c.name, B, i)
					}
					refused++
					continue
				}
				wantLP, wantG, err := evalFresh(p, z, B)
				if err != nil {
					t.Errorf("%s B=%d: point %d replayed where the interpreter fails: %v", c.name, B, i, err)
					continue
				}
				if d := bitsDiffer(lp, wantLP) + bitsDiffer(g, wantG); d != "" {
					t.Errorf("%s B=%d: point %d %v: %s", c.name, B, i, z, d)
				}
			}
			t.Logf("%s B=%d: %d steps; %d of %d extreme points refused", c.name, B, tr.Len(), refused, len(extreme))
		}
	}
}

// TestTraceNeuTra: the NeuTra pullback of eight schools through a flow
// guide (an AffineAutoregressive, whose conditioner's layers are
// StaircaseLinear) replays: at B = 1 and 4 and standard normal points,
// each replay equals a fresh evaluation of the pullback bit for bit.
func TestTraceNeuTra(t *testing.T) {
	p := nutsPosteriorT(t, nutsPosteriors[0].dir)
	D := p.Dim()
	base, err := dist.NewNormal(tensor.Zeros(D), tensor.Full(1, D))
	if err != nil {
		t.Fatal(err)
	}
	q, err := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{"hidden": []float64{16, 16}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	nt, err := infer.NewNeuTra(p, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, B := range []int{1, 4} {
		rng := rand.New(rand.NewPCG(7, uint64(B)))
		normal, _ := tracePoints(rng, B, D, 8)
		tr := tensor.Record(normal[0], B, D, nt.LogDensity)
		if !tr.Replayable() {
			t.Fatalf("B=%d: %s", B, tr.Why())
		}
		lp, g := make([]float64, B), make([]float64, B*D)
		for i, z := range normal {
			if !tr.Replay(z, lp, g) {
				t.Fatalf("B=%d: refused at point %d", B, i)
			}
			tp := tensor.NewTape()
			x := tensor.New(append([]float64(nil), z...), B, D)
			tp.Watch(x)
			out, err := nt.LogDensity(x)
			if err != nil {
				t.Fatal(err)
			}
			tp.Backward(tensor.Sum(out))
			if d := bitsDiffer(lp, out.Data()) + bitsDiffer(g, x.Grad()); d != "" {
				t.Fatalf("B=%d point %d: %s", B, i, d)
			}
		}
		t.Logf("B=%d: %d steps, %d floats", B, tr.Len(), tr.Floats())
	}
	if err := os.Chdir("interp"); err != nil {
		t.Fatal(err)
	}
}
