package interp_test

import (
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// The regression of issue 7: 100 data points, the likelihood written as a
// loop of 100 ~ statements (loopModelSrc) or as one vectorised ~
// (vectorModelSrc). Both define the same posterior.
const modelData = `
x = linspace(-2, 2, 100)
y = 1.5 + 0.8 * x + sin(7 * x) / 2
flowGuide = flow AffineAutoregressive
meanField = flow Affine
`

const loopModelSrc = modelData + loopRegressionModel + `post = regression(x, y)
`

const vectorModelSrc = modelData + regressionModel + `post = regression(x, y)
`

// modelStep is one step of a posterior fit as infer.FitPosterior takes
// it: batch 256 draws with their log densities from the guide, the
// model's log density, the backward pass of the negative ELBO, and an
// Adam update.
type modelStep struct {
	q    *flows.Flow
	post *interp.Posterior
	tp   *tensor.Tape
	opt  infer.Optimizer
	rng  *rand.Rand
}

// newModelStep builds the step of src's posterior with guide, the name of
// a plan in src, instantiated as fit does; the default guide gets the
// widths of interp.PosteriorHidden and the full-rank affine layer that
// init = "auto" adds (at the identity).
func newModelStep(tb testing.TB, src, guide string) *modelStep {
	tb.Helper()
	th, _, _ := newThread()
	g := mustRun(tb, th, "bench.flow", src)
	post := g["post"].(*interp.Posterior)
	plan := g[guide].(*lang.FlowPlan).P
	d := post.Dim()
	if guide == "flowGuide" {
		// the widths a fit gives the default guide of a posterior
		var h []float64
		for _, w := range interp.PosteriorHidden(d) {
			h = append(h, float64(w))
		}
		plan = &flows.Plan{Layers: []flows.PlanStep{{Name: "AffineAutoregressive", Options: map[string]flows.OptionValue{"hidden": h}}}}
	}
	base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	q, err := plan.Instantiate(base, rng)
	if err != nil {
		tb.Fatal(err)
	}
	q.PrepareFit(true)
	if guide == "flowGuide" {
		L := make([][]float64, d)
		for i := range L {
			L[i] = make([]float64, d)
			L[i][i] = 1
		}
		if !q.InitFromGaussian(make([]float64, d), L) {
			tb.Fatal("InitFromGaussian failed")
		}
	}
	opt, err := infer.NewOptimizer("adam", 0.01)
	if err != nil {
		tb.Fatal(err)
	}
	return &modelStep{q: q, post: post, tp: tensor.NewTape(), opt: opt, rng: rng}
}

// step runs one step and returns the loss.
func (s *modelStep) step(tb testing.TB) float64 {
	s.tp.Reset()
	params := s.q.Params()
	for _, p := range params {
		p.ZeroGrad()
	}
	s.tp.Watch(params...)
	z, lq := s.q.SampleAndLogProb(s.rng, 256)
	lp, err := s.post.LogDensity(z)
	if err != nil {
		tb.Fatal(err)
	}
	loss := tensor.Mean(tensor.Sub(lq, lp))
	s.tp.Backward(loss)
	s.opt.Step(params)
	return loss.Item()
}

func benchModelStep(b *testing.B, src string) {
	for _, guide := range []string{"flowGuide", "meanField"} {
		b.Run(guide, func(b *testing.B) {
			s := newModelStep(b, src, guide)
			for b.Loop() {
				s.step(b)
			}
		})
	}
}

// BenchmarkLoopModelStep is one fit step (batch 256) of the regression
// with a loop of 100 ~ statements, with the default flow guide and with
// the mean-field guide (flow Affine).
func BenchmarkLoopModelStep(b *testing.B) { benchModelStep(b, loopModelSrc) }

// BenchmarkVectorModelStep is BenchmarkLoopModelStep for the vectorised
// form of the same model.
func BenchmarkVectorModelStep(b *testing.B) { benchModelStep(b, vectorModelSrc) }

// BenchmarkForLoop is a user function whose body is a loop of 100
// iterations of plain arithmetic on numbers (s = s + x[i] * 2): the
// interpreter's cost per iteration with no tensor work.
func BenchmarkForLoop(b *testing.B) {
	th, _, _ := newThread()
	g := mustRun(b, th, "bench.flow", `
x = range(100)
fn total(s) {
    for i in range(len(x)) { s = s + x[i] * 2 }
    return s
}
`)
	f := g["total"].(lang.Callable)
	for b.Loop() {
		v, err := f.CallInternal(th, lang.Tuple{lang.Number(0)}, nil)
		if err != nil || v != lang.Number(9900) {
			b.Fatalf("total(0) = %v, %v; want 9900", v, err)
		}
	}
}

// fitCall matches a posteriordb script's fit statement and captures the
// model call it fits to.
var fitCall = regexp.MustCompile(`(?s)\nr = fit q to (.*?) by elbo`)

// posteriorStepSrc turns the posteriordb script at dir (a folder of
// ../examples/posteriordb) into one that builds the fit's posterior as
// post and the default guide's plan as flowGuide, without fitting: the
// script up to its line q = ..., then post = the fit's model call.
func posteriorStepSrc(tb testing.TB, dir string) string {
	tb.Helper()
	src := posteriordbScript(tb, filepath.Base(dir))
	m := fitCall.FindStringSubmatch(src)
	cut := strings.Index(src, "\nq = ")
	if m == nil || cut < 0 {
		tb.Fatalf("%s: no line q = ... and fit q to MODEL(...) by elbo", dir)
	}
	return src[:cut] + "\npost = " + m[1] + "\nflowGuide = flow AffineAutoregressive\n"
}

// BenchmarkPosteriorELBOStep is one step of each shipped posteriordb posterior's
// fit (../examples/posteriordb/*/model.flow with its data) as the script's
// fit takes it with default options: 256 draws from the default guide (flow
// AffineAutoregressive with the full-rank affine layer of init = "auto", at
// the identity), the model's log density, the backward pass and an Adam
// step. Run with -benchmem: allocations per step bound a fit's memory;
// cpu-ns/op is the CPU time per step (all threads, GC included).
func BenchmarkPosteriorELBOStep(b *testing.B) {
	root := repoRoot(b)
	dirs, err := filepath.Glob(filepath.Join(root, "examples", "posteriordb", "*", "model.flow"))
	if err != nil || len(dirs) == 0 {
		b.Fatalf("no posteriordb scripts: %v", err)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		name, _, _ := strings.Cut(filepath.Base(dir), "-")
		b.Run(name, func(b *testing.B) {
			src := posteriorStepSrc(b, dir)
			b.Chdir(root) // the scripts read examples/posteriordb/NAME/data.json
			s := newModelStep(b, src, "flowGuide")
			cpu0 := cpuTime()
			for b.Loop() {
				s.step(b)
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
