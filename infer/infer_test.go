package infer_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// quadratic sets the gradient of ½ Σ a_j (x_j − c_j)² into p.
func quadGrad(p *tensor.Tensor, a, c []float64) {
	for j, x := range p.Data() {
		p.Grad()[j] = a[j] * (x - c[j])
	}
}

func TestOptimizersMinimiseQuadratic(t *testing.T) {
	a, c := []float64{1, 4, 0.25}, []float64{3, -1, 0.5}
	for _, tt := range []struct {
		name  string
		opt   infer.Optimizer
		steps int
	}{
		{"adam", infer.NewAdam(0.05), 3000},
		{"adamw", &infer.Adam{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-9}, 3000},
		{"sgd", &infer.SGD{LR: 0.1}, 2000},
		{"sgd-momentum", &infer.SGD{LR: 0.05, Momentum: 0.9}, 2000},
		{"rmsprop", infer.NewRMSProp(0.001), 6000},
	} {
		p := tensor.Param([]float64{0, 0, 0}, 3)
		for range tt.steps {
			quadGrad(p, a, c)
			tt.opt.Step([]*tensor.Tensor{p})
		}
		for j, x := range p.Data() {
			if math.Abs(x-c[j]) > 1e-3 {
				t.Errorf("%s: x[%d] = %v, want %v ± 1e-3", tt.name, j, x, c[j])
			}
		}
	}
}

func TestAdamFirstStep(t *testing.T) {
	// PyTorch: the first Adam step moves each parameter by lr·g/(|g|+eps).
	p := tensor.Param([]float64{1, 1}, 2)
	copy(p.Grad(), []float64{0.5, -3})
	infer.NewAdam(0.1).Step([]*tensor.Tensor{p})
	for j, want := range []float64{0.9, 1.1} {
		if math.Abs(p.Data()[j]-want) > 1e-7 {
			t.Errorf("x[%d] = %v, want %v", j, p.Data()[j], want)
		}
	}
}

func TestOptimizerNoAllocAfterFirstStep(t *testing.T) {
	ps := []*tensor.Tensor{tensor.Param(make([]float64, 100), 100), tensor.Param(make([]float64, 7), 7)}
	for _, name := range infer.Optimizers {
		opt, _ := infer.NewOptimizer(name, 0.01)
		opt.Step(ps)
		if n := testing.AllocsPerRun(10, func() { opt.Step(ps) }); n != 0 {
			t.Errorf("%s: %v allocations per step", name, n)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	p := tensor.Param(make([]float64, 2), 2)
	q := tensor.Param(make([]float64, 1), 1)
	copy(p.Grad(), []float64{3, 4})
	copy(q.Grad(), []float64{12})
	ps := []*tensor.Tensor{p, q}
	if n := infer.ClipGradNorm(ps, 2); n != 13 {
		t.Errorf("norm before clipping = %v, want 13", n)
	}
	if n := infer.GradNorm(ps); math.Abs(n-2) > 1e-15 {
		t.Errorf("norm after clipping = %v, want 2", n)
	}
	if g := p.Grad()[0]; math.Abs(g-3*2.0/13) > 1e-15 {
		t.Errorf("direction changed: g[0] = %v", g)
	}
	infer.ClipGradNorm(ps, 5) // below the clip: unchanged
	if n := infer.GradNorm(ps); math.Abs(n-2) > 1e-15 {
		t.Errorf("clip above the norm changed it to %v", n)
	}
}

func TestValidateAndParseOptions(t *testing.T) {
	for _, tt := range []struct {
		o    infer.Options
		want string
	}{
		{infer.Options{Steps: -1}, "steps must be a positive integer, got -1"},
		{infer.Options{Batch: -5}, "batch must be a positive integer, got -5"},
		{infer.Options{LR: -0.1}, "lr must be a positive number, got -0.1"},
		{infer.Options{Optimizer: "adagrad"}, `optimizer must be "adam", "adamw", "sgd" or "rmsprop", got "adagrad"`},
		{infer.Options{Init: "mode"}, `init must be "auto" or "prior", got "mode"`},
	} {
		if err := tt.o.Validate(); err == nil || err.Error() != tt.want {
			t.Errorf("Validate(%+v) = %v, want %q", tt.o, err, tt.want)
		}
	}
	if err := (infer.Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
	for _, tt := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"steps": 0.0}, "steps must be a positive integer, got 0"},
		{map[string]any{"batch": 2.5}, "batch must be a positive integer, got 2.5"},
		{map[string]any{"every": "10"}, `every must be a positive integer, got "10"`},
		{map[string]any{"lr": 0.0}, "lr must be a positive number, got 0"},
		{map[string]any{"clip": -1.0}, "clip must be a positive number, got -1"},
		{map[string]any{"tol": -0.5}, "tol must be a non-negative number of nats, got -0.5 (0 turns the stopping rule off)"},
		{map[string]any{"seed": -1.0}, "seed must be a non-negative integer, got -1"},
		{map[string]any{"quiet": 1.0}, "quiet must be true or false, got 1"},
		{map[string]any{"stepz": 1.0}, `unknown fit option "stepz" (did you mean "steps"?)`},
	} {
		_, err := infer.ParseOptions(tt.opts)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseOptions(%v) = %v, want %q", tt.opts, err, tt.want)
		}
	}
	o, err := infer.ParseOptions(map[string]any{"steps": 500.0, "batch": 1000.0, "lr": 0.05, "seed": 3.0, "optimizer": "sgd", "quiet": true})
	if err != nil || o.Steps != 500 || o.Batch != 1000 || o.LR != 0.05 || !o.HasSeed || o.Seed != 3 || o.Optimizer != "sgd" || !o.Quiet {
		t.Errorf("ParseOptions = %+v, %v", o, err)
	}
	// tol = 0 turns the rule off (Tol < 0); the zero Tol is the default.
	if o, err := infer.ParseOptions(map[string]any{"tol": 0.0}); err != nil || o.Tol >= 0 {
		t.Errorf("ParseOptions(tol = 0) = %+v, %v; want a negative Tol", o, err)
	}
	if o, err := infer.ParseOptions(map[string]any{"tol": 0.01}); err != nil || o.Tol != 0.01 {
		t.Errorf("ParseOptions(tol = 0.01) = %+v, %v", o, err)
	}
}

// newNormal returns the diagonal normal with the given loc and scale.
func newNormal(loc, scale []float64) *dist.Normal {
	d, err := dist.NewNormal(tensor.Vector(loc), tensor.Vector(scale))
	if err != nil {
		panic(err)
	}
	return d
}

func affineFlow(t testing.TB, d int) *flows.Flow {
	t.Helper()
	f, err := flows.Apply("Affine", stdNormalBase(d), nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func seedFlow(t testing.TB, hidden float64) *flows.Flow {
	t.Helper()
	q, err := flows.Apply("AffineAutoregressive", stdNormalBase(2),
		map[string]flows.OptionValue{"hidden": []float64{hidden, hidden}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestDivergence(t *testing.T) {
	q := seedFlow(t, 16)
	opts := infer.Options{Steps: 200, Batch: 100, LR: 1e6, Warmup: -1, Init: "prior", Quiet: true, Seed: 1, HasSeed: true}
	_, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{5, 5}, []float64{0.5, 0.5})), opts, nil)
	var de *infer.DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("lr = 1e6: error %v, want a divergence", err)
	}
	re := regexp.MustCompile(`^fit diverged at step \d+: (loss|gradient) is (NaN|[+-]Inf) \(last finite loss \S+ at step \d+\); try a smaller lr \(now 1e\+06\) or a gradient clip such as clip = 10$`)
	if !re.MatchString(err.Error()) {
		t.Errorf("error %q does not have the documented form", err)
	}
	for _, p := range q.Params() {
		if !tensor.AllFinite(p) {
			t.Fatalf("parameters are not finite after a divergence")
		}
	}
	// The restored parameters give the last finite loss.
	y := newNormal([]float64{5, 5}, []float64{0.5, 0.5}).Sample(rand.New(rand.NewPCG(2, 2)), 1000)
	if lp := q.LogProb(y); !tensor.AllFinite(lp) {
		t.Errorf("restored flow has non-finite log densities")
	}
}

func TestSameSeedSameLosses(t *testing.T) {
	run := func(seed uint64) []float64 {
		q := seedFlow(t, 128)
		q.Initialize(rand.New(rand.NewPCG(seed+100, 0))) // different starts: the seed must override
		rep, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{5, 5}, []float64{0.5, 0.5})),
			infer.Options{Steps: 20, Batch: 512, LR: 0.05, Quiet: true, Seed: seed, HasSeed: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Losses
	}
	a, b, c := run(7), run(7), run(8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: losses %v and %v differ with the same seed", i+1, a[i], b[i])
		}
	}
	if a[len(a)-1] == c[len(c)-1] {
		t.Errorf("different seeds gave the same losses")
	}
}

func TestFitAffineToData(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n = 4000
	data := newNormal([]float64{3}, []float64{2}).Sample(rng, n)
	src, err := infer.DataSource(data)
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := moments(data.Data(), 1)
	for _, init := range []string{"prior", "auto"} {
		q := affineFlow(t, 1)
		rep, err := infer.FitForward(q, src, infer.Options{Steps: 1500, Batch: n, LR: 0.02, Init: init, Quiet: true, Seed: 1, HasSeed: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The flow's loc and scale: push 0 and 1 through it.
		y, _ := pushAffine(q)
		loc, scale := y[0], y[1]-y[0]
		// Full-batch maximum likelihood: the data's mean and sd (to Adam's
		// precision), which are within 4 standard errors of the truth.
		if math.Abs(loc-mean[0]) > 2e-3 || math.Abs(scale-sd[0]) > 2e-3 {
			t.Errorf("init %s: loc %v scale %v, want the data's %v and %v", init, loc, scale, mean[0], sd[0])
		}
		if math.Abs(loc-3) > 4*2/math.Sqrt(n) || math.Abs(scale-2) > 4*2/math.Sqrt(2*n) {
			t.Errorf("init %s: loc %v scale %v, want 3 and 2 within 4 standard errors", init, loc, scale)
		}
		if want := map[string]string{"prior": "prior", "auto": "moments"}[init]; rep.Init != want {
			t.Errorf("Report.Init = %q, want %q", rep.Init, want)
		}
	}
}

// pushAffine returns the images of 0 and 1 under the flow's layers.
func pushAffine(q *flows.Flow) ([]float64, error) {
	x := tensor.New([]float64{0, 1}, 2, 1)
	for _, l := range q.Layers {
		x, _ = l.Forward(x)
	}
	return x.Data(), nil
}

func TestFitReverse(t *testing.T) {
	target := newNormal([]float64{1, -2}, []float64{0.5, 2})
	for _, init := range []string{"prior", "auto"} {
		q := seedFlow(t, 16)
		rep, err := infer.FitReverse(q, target, infer.Options{Steps: 600, Batch: 256, LR: 0.01, Init: init, Quiet: true, Seed: 2, HasSeed: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.Direction() != flows.BaseSide {
			t.Errorf("reverse fit left direction %v", q.Direction())
		}
		// Reverse KL is ≥ 0 and 0 at the target.
		if rep.Loss > 0.02 || rep.Loss < -0.02 {
			t.Errorf("init %s: final KL %v, want ≈ 0", init, rep.Loss)
		}
	}
}

func TestFitForwardSetsDataSide(t *testing.T) {
	q := seedFlow(t, 8)
	rep, err := infer.FitForward(q, infer.DistSource(newNormal([]float64{0, 0}, []float64{1, 1})), infer.Options{Steps: 5, Batch: 10, Quiet: true}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if q.Direction() != flows.DataSide || !q.Fitted() || rep.Init != "moments" {
		t.Errorf("direction %v fitted %v init %q", q.Direction(), q.Fitted(), rep.Init)
	}
	rep, _ = infer.FitReverse(q, newNormal([]float64{0, 0}, []float64{1, 1}), infer.Options{Steps: 5, Batch: 10, Quiet: true}, rand.New(rand.NewPCG(1, 1)))
	if q.Direction() != flows.DataSide || rep.Init != "previous" {
		t.Errorf("second fit: direction %v init %q, want data side and previous", q.Direction(), rep.Init)
	}
}

func TestCancelAndProgress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	q := affineFlow(t, 2)
	steps := 0
	src := infer.DistSource(newNormal([]float64{1, 1}, []float64{1, 1}))
	rep, err := infer.FitForward(q, cancelAfter{src, &steps, 25, cancel}, infer.Options{Steps: 100, Batch: 10, Every: 10, Progress: &buf, Context: ctx}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stopped != "cancelled" || rep.Steps != 25 {
		t.Errorf("Stopped %q after %d steps, want cancelled after 25", rep.Stopped, rep.Steps)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	re := regexp.MustCompile(`^step +\d+/100  loss -?\d+\.\d{4}  \d+ steps/s$`)
	if len(lines) != 2 || !re.MatchString(lines[0]) || !strings.HasPrefix(lines[1], "step     20/100") {
		t.Errorf("progress lines %q", lines)
	}
}

// cancelAfter cancels the fit's context when batch number k is drawn.
type cancelAfter struct {
	infer.Source
	n      *int
	k      int
	cancel func()
}

func (c cancelAfter) Next(rng *rand.Rand, n int) *tensor.Tensor {
	*c.n++
	if *c.n == c.k {
		c.cancel()
	}
	return c.Source.Next(rng, n)
}

// TestForwardTol: a forward fit runs exactly Steps steps unless tol is
// given; with tol it stops by the stopping rule once converged (the
// moment-matched start is at the optimum: N(0, 1) fitted to itself), at
// the entropy of N(0, 1), 1.4189.
func TestForwardTol(t *testing.T) {
	src := infer.DistSource(newNormal([]float64{0}, []float64{1}))
	rep, err := infer.FitForward(affineFlow(t, 1), src, infer.Options{Steps: 400, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil || rep.Steps != 400 || rep.Stopped != "steps" || rep.Converged {
		t.Errorf("without tol: %d steps, stopped %q, converged %v, %v", rep.Steps, rep.Stopped, rep.Converged, err)
	}
	rep, err = infer.FitForward(affineFlow(t, 1), src, infer.Options{Steps: 5000, Tol: 0.05, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stopped != "converged" || !rep.Converged || rep.Steps >= 2000 || len(rep.Losses) != rep.Steps {
		t.Errorf("Stopped %q Converged %v after %d steps", rep.Stopped, rep.Converged, rep.Steps)
	}
	// The loss's sd per step is 0.707/√256 = 0.044; the smoothed loss
	// averages ≥ 35 steps (sd ≤ 0.0075): 0.03 is 4 sd.
	if math.Abs(rep.Loss-1.4189) > 0.03 {
		t.Errorf("loss %v, want 1.4189 ± 0.03", rep.Loss)
	}
}

func TestDataSourceEpochs(t *testing.T) {
	x := tensor.New([]float64{0, 1, 2, 3, 4, 5, 6}, 7, 1)
	src, err := infer.DataSource(x)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[float64]int{}
	for range 7 { // 7 batches of 3 = 3 epochs
		for _, v := range src.Next(rng, 3).Data() {
			seen[v]++
		}
	}
	for v := range 7 {
		if seen[float64(v)] != 3 {
			t.Errorf("row %d served %d times in 3 epochs, want 3", v, seen[float64(v)])
		}
	}
	if _, err := infer.DataSource(tensor.New([]float64{1, math.NaN()}, 2, 1)); err == nil {
		t.Errorf("DataSource accepted NaN data")
	}
}
