package infer_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// gaussPost is the posterior N(mu, cov) + logZ in R^2 with sds (sd0, sd1)
// and correlation rho, written with tensor operations.
type gaussPost struct {
	mu, sd   []float64
	rho      float64
	logZ     float64
	prec     *tensor.Tensor
	logConst float64
}

func newGaussPost(mu, sd []float64, rho, logZ float64) *gaussPost {
	det := sd[0] * sd[0] * sd[1] * sd[1] * (1 - rho*rho)
	c01 := rho * sd[0] * sd[1]
	prec := tensor.Matrix([][]float64{{sd[1] * sd[1] / det, -c01 / det}, {-c01 / det, sd[0] * sd[0] / det}})
	return &gaussPost{mu: mu, sd: sd, rho: rho, logZ: logZ, prec: prec,
		logConst: logZ - math.Log(2*math.Pi) - 0.5*math.Log(det)}
}

func (g *gaussPost) Dim() int { return 2 }

func (g *gaussPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	d := tensor.Sub(z, tensor.Vector(g.mu))
	quad := tensor.SumAxis(tensor.Mul(tensor.MatMul(d, g.prec), d), 1)
	return tensor.AddScalar(tensor.Scale(quad, -0.5), g.logConst), nil
}

// funnel is Neal's funnel in 1+k dimensions with v first: v ~ N(0, 3),
// x_i ~ N(0, exp(v/2)). It is normalised (log Z = 0).
type funnel struct{ k int }

func (f funnel) Dim() int { return f.k + 1 }

func (f funnel) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	v := tensor.Narrow(z, 1, 0, 1)
	x := tensor.Narrow(z, 1, 1, f.k)
	c := -0.5 * math.Log(2*math.Pi)
	lv := tensor.AddScalar(tensor.Scale(tensor.Square(v), -1.0/18), c-math.Log(3))
	// log N(x; 0, e^(v/2)) = −x²e^(−v)/2 − v/2 + c, summed over the k x's.
	lx := tensor.Sub(tensor.Scale(tensor.Mul(tensor.Square(x), tensor.Exp(tensor.Neg(v))), -0.5), tensor.Scale(v, 0.5))
	return tensor.Add(tensor.Reshape(lv, z.Dim(0)), tensor.AddScalar(tensor.SumAxis(lx, 1), float64(f.k)*c)), nil
}

func stdNormalBase(d int) *dist.Normal {
	return newNormal(make([]float64, d), tensor.Full(1, d).Data())
}

func flowGuide(t testing.TB, name string, d int, opts map[string]flows.OptionValue) *flows.Flow {
	t.Helper()
	q, err := flows.Apply(name, stdNormalBase(d), opts, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// columnStats returns the mean and sd of each column of n draws of q.
func columnStats(q *flows.Flow, n int, seed uint64) (mean, sd []float64) {
	return tensor.ColumnMoments(q.Sample(rand.New(rand.NewPCG(seed, 1)), n))
}

// TestFitPosteriorBadlyScaled: sds (1e-3, 10) and correlation −0.998 are
// no harder than N(0, I) with the Laplace start.
func TestFitPosteriorBadlyScaled(t *testing.T) {
	p := newGaussPost([]float64{1.234, -20}, []float64{1e-3, 10}, -0.998, 2.5)
	run := func(init string, steps int) (*flows.Flow, *infer.PosteriorReport) {
		q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{32, 32}})
		rep, err := infer.FitPosterior(q, p, infer.Options{Steps: steps, Init: init, Quiet: true, Seed: 1, HasSeed: true}, nil)
		if err != nil {
			t.Fatalf("init %s: %v", init, err)
		}
		return q, rep
	}
	q, rep := run("auto", 300)
	if rep.Init != "laplace" {
		t.Errorf("Init = %q, want laplace", rep.Init)
	}
	const n = 20000
	mean, sd := columnStats(q, n, 5)
	for j := range 2 {
		if math.Abs(mean[j]-p.mu[j]) > 0.1*p.sd[j] || math.Abs(sd[j]/p.sd[j]-1) > 0.1 {
			t.Errorf("column %d: mean %v sd %v, want %v ± 0.1 sd and %v ± 10%%", j, mean[j], sd[j], p.mu[j], p.sd[j])
		}
	}
	// The ELBO is log Z (q ≈ p) and the importance ratios are light-tailed.
	if math.Abs(rep.ELBO-p.logZ) > 0.02 || !(rep.ParetoK < 0.5) {
		t.Errorf("ELBO %v (log Z %v), pareto k %v", rep.ELBO, p.logZ, rep.ParetoK)
	}
	_, prior := run("prior", 1)
	t.Logf("means %.6g sds %.4g (want %v, %v); first-step loss: laplace %.4g, prior %.4g; ELBO %.4f, pareto k %.2f, %.2f s",
		mean, sd, p.mu, p.sd, rep.Losses[0], prior.Losses[0], rep.ELBO, rep.ParetoK, rep.Seconds)
	if rep.Losses[0]-(-p.logZ) > 0.01 || prior.Losses[0] < 1e4 {
		t.Errorf("first-step losses: laplace %v (want −log Z = %v), prior %v (want ≫)", rep.Losses[0], -p.logZ, prior.Losses[0])
	}
}

// funnelFit fits a guide to the 10-D funnel and returns the marginal sd of
// v in 20000 draws.
func funnelFit(t *testing.T, guide string, steps int, seed uint64) (float64, *infer.PosteriorReport) {
	p := funnel{9}
	var q *flows.Flow
	if guide == "Affine" {
		q = flowGuide(t, "Affine", 10, nil)
	} else {
		q = flowGuide(t, "AffineAutoregressive", 10, map[string]flows.OptionValue{
			"hidden": []float64{64, 64}, "permutation": []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}})
	}
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: steps, Batch: 256, LR: 0.005, Clip: 10, Quiet: true, Seed: seed, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, sd := columnStats(q, 20000, seed+10)
	return sd[0], rep
}

// TestFunnel: the init does not blow up on a posterior without a mode (it
// falls back to the guide as built), and a v-first autoregressive flow
// recovers the funnel's neck, sd(v) ≥ 0.8·3, where mean-field cannot
// (NOTES.md: 2.51–2.57 in PyTorch with these settings). FLOWPPL_LONG=1
// runs seeds 1–3 and the mean-field guide for as long.
func TestFunnel(t *testing.T) {
	seeds := []uint64{1}
	mfSteps := 1000
	if os.Getenv("FLOWPPL_LONG") != "" {
		seeds, mfSteps = []uint64{1, 2, 3}, 3000
	}
	for _, seed := range seeds {
		for _, g := range []string{"AffineAutoregressive", "Affine"} {
			steps := 3000
			if g == "Affine" {
				steps = mfSteps
			}
			sdv, rep := funnelFit(t, g, steps, seed)
			t.Logf("seed %d %s, %d steps: sd(v) = %.3f (true 3), init %s, ELBO %.3f, pareto k %.2f, %.1f s", seed, g, steps, sdv, rep.Init, rep.ELBO, rep.ParetoK, rep.Seconds)
			if math.IsNaN(rep.ELBO) || math.IsInf(rep.ELBO, 0) || math.IsNaN(sdv) {
				t.Errorf("%s: ELBO %v sd(v) %v", g, rep.ELBO, sdv)
			}
			if g == "AffineAutoregressive" && sdv < 0.8*3 {
				t.Errorf("flow: sd(v) = %.3f, want ≥ 2.4", sdv)
			}
		}
	}
}

// boxPost is N(0, 1) on z restricted to z < 1.5 (a latent "sigma" with an
// upper bound), or with every draw out of support when all is set.
type boxPost struct{ all bool }

func (b boxPost) Dim() int { return 1 }

func (b boxPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	lp := tensor.Scale(tensor.Reshape(tensor.Square(z), z.Dim(0)), -0.5)
	mask := make([]bool, z.Dim(0))
	for i, v := range z.Data() {
		mask[i] = b.all || v > 1.5
	}
	return tensor.Fill(lp, mask, math.Inf(-1)), nil
}

func (b boxPost) Explain(z []float64) string {
	return fmt.Sprintf(`latent "sigma" = %g is outside its support`, z[0])
}

func TestDroppedDraws(t *testing.T) {
	q := flowGuide(t, "Affine", 1, nil)
	rep, err := infer.FitPosterior(q, boxPost{}, infer.Options{Steps: 200, Batch: 256, LR: 0.01, Init: "prior", Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// At lr 0.01 (at the posterior default 0.02 the guide presses harder on
	// the bound: 22% dropped). At the start about 6.7% of N(0, 1) draws lie above 1.5; the fit
	// shrinks the guide below the bound but keeps dropping a few.
	if rep.Dropped < 100 || rep.Dropped > 200*256/5 {
		t.Errorf("Dropped = %d", rep.Dropped)
	}
	_, err = infer.FitPosterior(flowGuide(t, "Affine", 1, nil), boxPost{all: true}, infer.Options{Steps: 10, Batch: 64, Init: "prior", Quiet: true}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.HasPrefix(err.Error(), `all 64 draws at step 1 had a non-finite log density: latent "sigma" = `) || !strings.HasSuffix(err.Error(), "is outside its support") {
		t.Errorf("error %v", err)
	}
}

// TestPosteriorConverges: a posterior fit with default options stops by
// the stopping rule well before its cap, says why, and ends at the known
// optimum. The target is a correlated Gaussian with log Z = 1.5, which an
// AffineAutoregressive flow represents exactly, so the optimal loss is
// −log Z and the ELBO log Z; started from the flow as built (init
// "prior"), the fit has to travel to it.
func TestPosteriorConverges(t *testing.T) {
	p := newGaussPost([]float64{3, -1}, []float64{0.2, 5}, 0.5, 1.5)
	q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{8}})
	var buf bytes.Buffer
	rep, err := infer.FitPosterior(q, p, infer.Options{Init: "prior", Progress: &buf, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d steps, loss %.4f, ELBO %.4f, %.2f s: %s", rep.Steps, rep.Loss, rep.ELBO, rep.Seconds, rep.Reason)
	var fired int
	if _, err := fmt.Sscanf(rep.Reason, "converged at step %d:", &fired); err != nil {
		t.Fatalf("Reason %q: %v", rep.Reason, err)
	}
	// Stops well before the cap of 10,000 (at 1,150 with this seed; the
	// guide starts thousands of nats away), with the tail of
	// max(100, n/5) steps after the rule fired.
	if rep.Stopped != "converged" || !rep.Converged || fired > 3000 || rep.Steps != fired+max(100, fired/5) || len(rep.Losses) != rep.Steps {
		t.Errorf("Stopped %q Converged %v after %d steps (fired at %d)", rep.Stopped, rep.Converged, rep.Steps, fired)
	}
	// At the optimum: KL(q‖p) ≥ 0 is what is left. The tail leaves the
	// guide where the loss is flat (KL ≈ 0.003 nats here); the ELBO's
	// Monte Carlo sd at 4096 draws is ≈ 0.002 and the smoothed loss's
	// (the mean of the last 10% of the steps, 256 draws each) ≈ 0.003.
	if math.Abs(rep.ELBO-p.logZ) > 0.02 || math.Abs(rep.Loss+p.logZ) > 0.02 || len(rep.Warnings) != 0 {
		t.Errorf("ELBO %v loss %v, want log Z = %v and −log Z; warnings %q", rep.ELBO, rep.Loss, p.logZ, rep.Warnings)
	}
	// Progress lines every 100 steps (the default with the rule on), the
	// reason when the rule fires, and a last line at the end of the tail.
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := fmt.Sprintf("step %6d/10000  loss ", rep.Steps)
	if !strings.HasPrefix(lines[0], "step    100/10000  loss ") || !strings.Contains(out, "\n"+rep.Reason+"\n") || !strings.HasPrefix(lines[len(lines)-1], want) {
		t.Errorf("progress output %q", out)
	}
	rep, err = infer.FitPosterior(q, p, infer.Options{Steps: 5, Quiet: true}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || rep.Init != "previous" {
		t.Errorf("second fit: init %q, error %v", rep.Init, err)
	}
}

// TestPosteriorStuck: a fit far from its optimum reaches its cap with
// Converged false, a reason and a warning. The target has sds 1e-3 and 10
// with correlation −0.998; from the flow as built (N(0, I)) the loss
// after 1,500 steps is still thousands of nats above −log Z, and noisy.
func TestPosteriorStuck(t *testing.T) {
	p := newGaussPost([]float64{1.234, -20}, []float64{1e-3, 10}, -0.998, 2.5)
	q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{8}})
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 1500, Init: "prior", Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %.4g (optimum %v): %s", rep.Loss, -p.logZ, rep.Reason)
	if rep.Stopped != "steps" || rep.Converged || rep.Steps != 1500 || !(rep.Loss+p.logZ > 1000) {
		t.Errorf("Stopped %q Converged %v after %d steps, loss %v", rep.Stopped, rep.Converged, rep.Steps, rep.Loss)
	}
	if !strings.HasPrefix(rep.Reason, "did not converge within steps = 1500: at the last check the loss changed by ") {
		t.Errorf("Reason %q", rep.Reason)
	}
	if len(rep.Warnings) == 0 || !strings.HasPrefix(rep.Warnings[0], "the fit did not converge within steps = 1500: ") || !strings.Contains(rep.Warnings[0], `init = "auto"`) {
		t.Errorf("Warnings %q", rep.Warnings)
	}
}

// TestPosteriorTolZero: tol = 0 (Tol < 0) runs every step of a fit that
// converged long before, with no warning.
func TestPosteriorTolZero(t *testing.T) {
	p := newGaussPost([]float64{3, -1}, []float64{0.2, 5}, 0.5, 1.5)
	q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{8}})
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 600, Tol: -1, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stopped != "steps" || rep.Converged || rep.Steps != 600 || len(rep.Warnings) != 0 || !strings.Contains(rep.Reason, "no stopping rule") {
		t.Errorf("Stopped %q Converged %v after %d steps, warnings %q, reason %q", rep.Stopped, rep.Converged, rep.Steps, rep.Warnings, rep.Reason)
	}
}

// truncPost is N(6, 0.5²) restricted to z > 5: −Inf at the default starts
// (0 and standard normal draws) and under the guide as built.
type truncPost struct{}

func (truncPost) Dim() int { return 1 }

func (truncPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	lp := tensor.Scale(tensor.Reshape(tensor.Square(tensor.AddScalar(z, -6)), z.Dim(0)), -2)
	mask := make([]bool, z.Dim(0))
	for i, v := range z.Data() {
		mask[i] = !(v > 5)
	}
	return tensor.Fill(lp, mask, math.Inf(-1)), nil
}

type truncPostStarts struct{ truncPost }

func (truncPostStarts) InitialPoints(rng *rand.Rand, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = []float64{5.5 + 0.1*rng.NormFloat64()}
	}
	return out
}

// TestInitialPoints: the mode search starts where InitialPoints says; with
// no finite start, the fit starts from the guide as built.
func TestInitialPoints(t *testing.T) {
	q := flowGuide(t, "Affine", 1, nil)
	rep, err := infer.FitPosterior(q, truncPostStarts{}, infer.Options{Steps: 50, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil || rep.Init != "laplace" || rep.Dropped > 50*256/10 {
		t.Errorf("with starts: init %q, %d dropped, error %v", rep.Init, rep.Dropped, err)
	}
	_, err = infer.FitPosterior(flowGuide(t, "Affine", 1, nil), truncPost{}, infer.Options{Steps: 50, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "all 256 draws at step 1 had a non-finite log density (the first is -Inf)") {
		t.Errorf("without starts: error %v", err)
	}
}

// leakyPost is boxPost computed through a matrix product that mixes the
// rows (the diagonal of U·Uᵀ), so that a dropped row's Inf reaches the
// other rows' gradients as 0·Inf = NaN unless the fit recomputes the step
// without it.
type leakyPost struct{}

func (leakyPost) Dim() int { return 1 }

func (leakyPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	n := z.Dim(0)
	mask := make([]bool, n)
	for i, v := range z.Data() {
		mask[i] = v > 1.5
	}
	u := tensor.Fill(z, mask, math.Inf(1))
	diag := make([]bool, n*n)
	for i := range n {
		diag[i*n+i] = true
	}
	sq := tensor.SumAxis(tensor.Where(diag, tensor.MatMul(u, tensor.Transpose(u)), tensor.Scalar(0)), 1)
	return tensor.Scale(sq, -0.5), nil
}

func TestDroppedDrawsLeak(t *testing.T) {
	q := flowGuide(t, "Affine", 1, nil)
	rep, err := infer.FitPosterior(q, leakyPost{}, infer.Options{Steps: 30, Batch: 64, Init: "prior", Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil || rep.Dropped == 0 {
		t.Errorf("error %v, %d dropped", err, rep.Dropped)
	}
}

// TestELBOExact: the ELBO of q = p is log Z, with no Monte Carlo error.
func TestELBOExact(t *testing.T) {
	p := newGaussPost([]float64{1, -2}, []float64{0.5, 2}, 0.6, -3.25)
	q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{4}})
	// q = N(mu, Σ) through the Gaussian layer (the fresh autoregressive
	// layer is the identity).
	l := [][]float64{{0.5, 0}, {0.6 * 2, 2 * math.Sqrt(1-0.36)}}
	if !q.InitFromGaussian(p.mu, l) {
		t.Fatal("InitFromGaussian failed")
	}
	e, err := infer.ELBO(q, p, 500, rand.New(rand.NewPCG(1, 2)))
	if err != nil || math.Abs(e-p.logZ) > 1e-9 {
		t.Errorf("ELBO = %v (%v), want log Z = %v", e, err, p.logZ)
	}
	// For q ≠ p, ELBO = log Z − KL(q‖p) within Monte Carlo error.
	r := flowGuide(t, "Affine", 2, nil)
	e, _ = infer.ELBO(r, p, 100000, rand.New(rand.NewPCG(1, 2)))
	kl := klGauss([]float64{0, 0}, [][]float64{{1, 0}, {0, 1}}, p)
	if math.Abs(e-(p.logZ-kl)) > 0.05 {
		t.Errorf("ELBO of N(0, I) = %v, want %v", e, p.logZ-kl)
	}
}

// klGauss returns KL(N(m, S) ‖ p) for the Gaussian posterior p (normalised).
func klGauss(m []float64, s [][]float64, p *gaussPost) float64 {
	c := p.rho * p.sd[0] * p.sd[1]
	cov := [2][2]float64{{p.sd[0] * p.sd[0], c}, {c, p.sd[1] * p.sd[1]}}
	det := cov[0][0]*cov[1][1] - c*c
	inv := [2][2]float64{{cov[1][1] / det, -c / det}, {-c / det, cov[0][0] / det}}
	tr := 0.0
	for i := range 2 {
		for j := range 2 {
			tr += inv[i][j] * s[j][i]
		}
	}
	d := []float64{p.mu[0] - m[0], p.mu[1] - m[1]}
	quad := d[0]*(inv[0][0]*d[0]+inv[0][1]*d[1]) + d[1]*(inv[1][0]*d[0]+inv[1][1]*d[1])
	detS := s[0][0]*s[1][1] - s[0][1]*s[1][0]
	return 0.5 * (tr + quad - 2 + math.Log(det/detS))
}

func TestParetoK(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	// Exactly Pareto ratios with shape ξ (log X = −ξ log U), n = 10000: the
	// estimate from its M = 300 tail draws has sd ≈ (1+ξ)/√300 ≈ 0.1, so
	// each of 16 replicates is checked within 0.4 (4 sd) and their mean
	// within 0.1 (4 standard errors).
	for _, xi := range []float64{0.2, 0.5, 0.8} {
		sum := 0.0
		for range 16 {
			lr := make([]float64, 10000)
			for i := range lr {
				lr[i] = -xi*math.Log(1-rng.Float64()) + 3
			}
			k, err := infer.ParetoK(lr)
			if err != nil || math.Abs(k-xi) > 0.4 {
				t.Errorf("ξ = %v: k = %v (%v)", xi, k, err)
			}
			sum += k
		}
		if k := sum / 16; math.Abs(k-xi) > 0.1 {
			t.Errorf("ξ = %v: mean k = %v over 16 replicates", xi, k)
		}
	}
	// q = p up to a slightly wrong scale: light-tailed ratios.
	q := flowGuide(t, "Affine", 2, nil)
	p := newGaussPost([]float64{0, 0}, []float64{1.02, 0.98}, 0, 0)
	lr := make([]float64, 1000)
	x, lq := q.SampleAndLogProb(rng, 1000)
	lp, _ := p.LogDensity(x)
	for i := range lr {
		lr[i] = lp.Data()[i] - lq.Data()[i]
	}
	if k, err := infer.ParetoK(lr); err != nil || k > 0.3 {
		t.Errorf("q ≈ p: k = %v (%v), want < 0.3", k, err)
	}
	if k, err := infer.ParetoK(make([]float64, 100)); err != nil || k != 0 {
		t.Errorf("equal ratios: k = %v (%v), want 0", k, err)
	}
	if _, err := infer.ParetoK([]float64{1, 2}); err == nil {
		t.Errorf("2 ratios: no error")
	}
}

// TestParetoWarning: a mean-field guide on the strongly correlated
// posterior has heavy-tailed ratios, and the fit says so.
func TestParetoWarning(t *testing.T) {
	p := newGaussPost([]float64{0, 0}, []float64{1, 1}, 0.99, 0)
	var buf bytes.Buffer
	q := flowGuide(t, "Affine", 2, nil)
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 300, LR: 0.05, Init: "prior", Progress: &buf, Seed: 2, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(rep.ParetoK > 0.7) || !strings.Contains(buf.String(), "> 0.7: the guide is not reliable for this posterior (importance ratios have a heavy tail); try more layers, more steps, or a different guide\n") {
		t.Errorf("k = %v, output %q", rep.ParetoK, buf.String())
	}
}

// pushCounter records the number of draws of every Push of its flow.
type pushCounter struct {
	*flows.Flow
	rows []int
}

func (c *pushCounter) Push(x0 *tensor.Tensor) (x, logq *tensor.Tensor) {
	c.rows = append(c.rows, x0.Dim(0))
	return c.Flow.Push(x0)
}

// TestPosteriorChunksMatchWhole fits each posterior with the same seed
// with whole steps and with steps split into chunks of DrawProbe draws
// (budget 1 value): a Gaussian (no draw dropped), boxPost (draws dropped)
// and leakyPost (draws dropped whose NaN reaches the gradient through a
// product that mixes rows, so the chunks holding them are recomputed
// without them). The losses, parameters, dropped counts, ELBO and Pareto
// k̂ agree to 1e-12 relative: the chunks sum the same terms in another
// order, and the kept draws' mean is rescaled once at the end of the
// step, which differ by rounding (~1e-16 relative) only; Adam divides by
// |g| + eps, so a gradient component at rounding level could move its
// parameter by up to lr·1e-16/1e-8 = 1e-10 per step, but the gradients
// here are far from 0.
func TestPosteriorChunksMatchWhole(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    infer.Posterior
		dim  int
	}{
		{"gauss", newGaussPost([]float64{3, -1}, []float64{0.2, 5}, 0.5, 0), 2},
		{"box", boxPost{}, 1},
		{"leaky", leakyPost{}, 1},
	} {
		fit := func(budget int) (*infer.PosteriorReport, *pushCounter) {
			q := &pushCounter{Flow: flowGuide(t, "AffineAutoregressive", tt.dim, map[string]flows.OptionValue{"hidden": []float64{8}})}
			opts := infer.Options{Steps: 6, Batch: 64, Init: "prior", Quiet: true, Seed: 5, HasSeed: true, ELBODraws: 208, ParetoDraws: 208}
			var rep *infer.PosteriorReport
			var err error
			old := infer.SetTapeBudget(budget)
			rep, err = infer.FitPosterior(q, tt.p, opts, nil)
			infer.SetTapeBudget(old)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			return rep, q
		}
		whole, qw := fit(1 << 40)
		split, qs := fit(1)
		// Probes of DrawProbe/2 and DrawProbe draws, then whole steps of
		// 64 draws or chunks.
		if qw.rows[0] != infer.DrawProbe/2 || qw.rows[1] != infer.DrawProbe || qw.rows[2] != 64 {
			t.Errorf("%s: unsplit fit pushed %v draws, want probes of %d and %d draws then 64", tt.name, qw.rows[:3], infer.DrawProbe/2, infer.DrawProbe)
		}
		if qs.rows[2] != infer.DrawProbe || len(qs.rows) < 2+64/infer.DrawProbe*6 {
			t.Errorf("%s: split fit pushed %v draws, want chunks of %d", tt.name, qs.rows, infer.DrawProbe)
		}
		if tt.name != "gauss" && (whole.Dropped == 0 || whole.Dropped != split.Dropped) {
			t.Errorf("%s: dropped %d whole, %d split", tt.name, whole.Dropped, split.Dropped)
		}
		// Only a chunk recomputed without its dropped draws pushes fewer
		// than DrawProbe after the probes (the 208 draws after the fit
		// come in chunks of DrawProbe, 8).
		redone := 0
		for _, m := range qs.rows[1:] {
			if m < infer.DrawProbe {
				redone++
			}
		}
		if (redone > 0) != (tt.name == "leaky") {
			t.Errorf("%s: %d chunks recomputed without their dropped draws", tt.name, redone)
		}
		rel := func(a, b float64) float64 { return math.Abs(a-b) / max(math.Abs(a), 1e-300) }
		for i := range whole.Losses {
			if r := rel(whole.Losses[i], split.Losses[i]); r > 1e-12 {
				t.Errorf("%s: step %d loss %v split vs %v whole", tt.name, i+1, split.Losses[i], whole.Losses[i])
			}
		}
		pw, ps := qw.Params(), qs.Params()
		worst := 0.0
		for i := range pw {
			for j, v := range pw[i].Data() {
				if v != 0 {
					worst = max(worst, rel(v, ps[i].Data()[j]))
				}
			}
		}
		if worst > 1e-12 {
			t.Errorf("%s: parameters differ by up to %g relative after 6 steps", tt.name, worst)
		}
		if r := rel(whole.ELBO, split.ELBO); r > 1e-12 || rel(whole.ParetoK, split.ParetoK) > 1e-12 {
			t.Errorf("%s: ELBO %v, k %v whole; %v, %v split", tt.name, whole.ELBO, whole.ParetoK, split.ELBO, split.ParetoK)
		}
		t.Logf("%s: %d dropped, %d chunks recomputed; parameters agree to %.2g relative", tt.name, whole.Dropped, redone, worst)
	}
}
