package infer_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// essChains is the effective sample size of a quantity from m chains of
// equal length, as Stan computes it (without rank normalisation): the
// multi-chain autocorrelations 1 − (W − mean acov_t)/var⁺ summed by
// Geyer's initial monotone positive sequence.
func essChains(chains [][]float64) float64 {
	m, n := len(chains), len(chains[0])
	means := make([]float64, m)
	acov := make([][]float64, m)
	maxLag := n / 2
	for j, x := range chains {
		for _, v := range x {
			means[j] += v
		}
		means[j] /= float64(n)
		acov[j] = make([]float64, maxLag)
		for t := range maxLag {
			s := 0.0
			for i := 0; i+t < n; i++ {
				s += (x[i] - means[j]) * (x[i+t] - means[j])
			}
			acov[j][t] = s / float64(n)
		}
	}
	grand, W, B := 0.0, 0.0, 0.0
	for j := range m {
		grand += means[j] / float64(m)
		W += acov[j][0] * float64(n) / float64(n-1) / float64(m)
	}
	if m > 1 {
		for j := range m {
			B += (means[j] - grand) * (means[j] - grand) / float64(m-1)
		}
	}
	varPlus := W*float64(n-1)/float64(n) + B
	rho := func(t int) float64 {
		a := 0.0
		for j := range m {
			a += acov[j][t] / float64(m)
		}
		return 1 - (W-a)/varPlus
	}
	tau, prev := -1.0, math.Inf(1)
	for t := 0; t+1 < maxLag; t += 2 {
		p := rho(t) + rho(t+1)
		if p < 0 {
			break
		}
		p = min(p, prev) // monotone
		prev = p
		tau += 2 * p
	}
	return float64(m*n) / max(tau, 1.0/math.Log10(float64(m*n)))
}

// column returns coordinate i of each chain's post-warm-up draws, mapped
// by f.
func column(res *infer.NUTSResult, f func(z []float64) float64) [][]float64 {
	out := make([][]float64, len(res.Chains))
	for j, c := range res.Chains {
		for k := c.Warmup; k < c.Len(); k++ {
			out[j] = append(out[j], f(c.Draw(k)))
		}
	}
	return out
}

func meanSD(x [][]float64) (mean, sd float64) {
	n := 0
	for _, c := range x {
		for _, v := range c {
			mean += v
			n++
		}
	}
	mean /= float64(n)
	for _, c := range x {
		for _, v := range c {
			sd += (v - mean) * (v - mean)
		}
	}
	return mean, math.Sqrt(sd / float64(n-1))
}

func divergences(res *infer.NUTSResult) (div, n int) {
	for _, c := range res.Chains {
		div += c.Divergences()
		n += c.Len() - c.Warmup
	}
	return div, n
}

// checkMoments checks the mean and sd of a quantity within 4 Monte Carlo
// standard errors: mean ± 4·sd/√ESS, and sd ± 4·sd/√(2·ESS of the squared
// deviations) (a Gaussian's: Var(s²) ≈ 2σ⁴/n).
func checkMoments(t *testing.T, what string, x [][]float64, wantMean, wantSD float64) {
	t.Helper()
	mean, sd := meanSD(x)
	ess := essChains(x)
	sq := make([][]float64, len(x))
	for j, c := range x {
		for _, v := range c {
			sq[j] = append(sq[j], (v-wantMean)*(v-wantMean))
		}
	}
	essSq := essChains(sq)
	t.Logf("%s: mean %.4f (want %g, ESS %.0f), sd %.4f (want %g, ESS of squares %.0f)", what, mean, wantMean, ess, sd, wantSD, essSq)
	if tol := 4 * wantSD / math.Sqrt(ess); math.Abs(mean-wantMean) > tol {
		t.Errorf("%s: mean %.4f, want %g ± %.4f (4 MCSE, ESS %.0f)", what, mean, wantMean, tol, ess)
	}
	if tol := 4 * wantSD / math.Sqrt(2*essSq); math.Abs(sd-wantSD) > tol {
		t.Errorf("%s: sd %.4f, want %g ± %.4f (4 MCSE, ESS %.0f)", what, sd, wantSD, tol, essSq)
	}
}

// forked is a test target that declares itself safe to fork (its log
// density is a pure function).
type forked struct{ infer.Posterior }

func (f forked) Fork() infer.Posterior { return f }

// batchForked is a test target whose chains NUTS batches on forks (an
// interpreted model's way).
type batchForked struct{ infer.Posterior }

func (f batchForked) BatchFork() infer.Posterior { return f }

// TestNUTSCorrelatedGaussian: N((1, −2), sds (1, 3), correlation 0.9):
// means, sds and the correlation within 4 MCSE, no divergences, with the
// diagonal and the dense metric; the dense metric's adapted inverse
// metric is the covariance within 4 SE (its last window holds 150
// warm-up draws, of ESS about 100 at the sampling phase's efficiency:
// relative SE of a variance √(2/100) ≈ 0.14, of the covariance entry
// √((1 + ρ²)/100)/ρ ≈ 0.15).
func TestNUTSCorrelatedGaussian(t *testing.T) {
	p := newGaussPost([]float64{1, -2}, []float64{1, 3}, 0.9, 0)
	for _, metric := range []string{"diag", "dense"} {
		res, err := infer.NUTS(forked{p}, infer.NUTSOptions{Chains: 4, Warmup: 300, Samples: 1000, Seed: 1, Metric: metric})
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, metric+" x0", column(res, func(z []float64) float64 { return z[0] }), 1, 1)
		checkMoments(t, metric+" x1", column(res, func(z []float64) float64 { return z[1] }), -2, 3)
		// The correlation as E[(x0 − 1)(x1 + 2)]/3, whose MCSE is the
		// product's sd (√(1 + ρ²) ≈ 1.35) over √ESS.
		prod := column(res, func(z []float64) float64 { return (z[0] - 1) * (z[1] + 2) / 3 })
		corr, sdProd := meanSD(prod)
		if tol := 4 * sdProd / math.Sqrt(essChains(prod)); math.Abs(corr-0.9) > tol {
			t.Errorf("%s: correlation %.4f, want 0.9 ± %.4f", metric, corr, tol)
		}
		if d, _ := divergences(res); d > 0 {
			t.Errorf("%s: %d divergences on a Gaussian", metric, d)
		}
		if metric == "dense" {
			want := []float64{1, 2.7, 2.7, 9}
			for _, c := range res.Chains {
				for i, v := range c.InvMetric {
					if math.Abs(v/want[i]-1) > 4*0.15 {
						t.Errorf("dense inverse metric %v, want %v within 60%%", c.InvMetric, want)
						break
					}
				}
			}
		}
	}
}

// TestNUTSStdNormal100: 100-D iid N(0, 1): warm-up settles the step size
// (Stan's is about 0.5–0.9 here) with an acceptance near the target 0.8;
// no divergences; the adapted inverse metric is near 1 (Stan's default
// warm-up of 1000: the last window's 500 draws have an ESS of their
// squares of about 170 (NUTS on a Gaussian: about N/3), so a variance's
// SE is √(2/170) ≈ 0.11: each entry within 1 ± 0.5 (4.5 SE, 100
// comparisons) and their mean within 1 ± 4·0.011); every mean within
// 4.5 MCSE.
func TestNUTSStdNormal100(t *testing.T) {
	res, err := infer.NUTS(forked{stdNormalPost{100}}, infer.NUTSOptions{Chains: 1, Warmup: 1000, Samples: 500, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Chains[0]
	acc := 0.0
	for _, a := range c.AcceptStat {
		acc += a / float64(c.Len())
	}
	t.Logf("step size %.3f, mean accept %.3f, depth %v, %d gradients", c.AdaptedStepSize, acc, c.TreeDepth[:10], c.Gradients)
	if c.AdaptedStepSize < 0.3 || c.AdaptedStepSize > 1.2 {
		t.Errorf("adapted step size %v, want in [0.3, 1.2]", c.AdaptedStepSize)
	}
	if acc < 0.7 || acc > 0.97 {
		t.Errorf("mean acceptance %v, want near 0.8", acc)
	}
	if d, _ := divergences(res); d > 0 {
		t.Errorf("%d divergences", d)
	}
	avg := 0.0
	for i, v := range c.InvMetric {
		avg += v / 100
		if v < 0.5 || v > 1.5 {
			t.Errorf("inverse metric[%d] = %v, want 1 ± 0.5", i, v)
		}
	}
	if math.Abs(avg-1) > 4*0.11/10 {
		t.Errorf("mean inverse metric %v, want 1 ± 0.044", avg)
	}
	for i := range 100 {
		x := column(res, func(z []float64) float64 { return z[i] })
		m, _ := meanSD(x)
		if tol := 4.5 / math.Sqrt(essChains(x)); math.Abs(m) > tol {
			t.Errorf("mean[%d] = %.4f, want 0 ± %.4f", i, m, tol)
		}
	}
}

type stdNormalPost struct{ d int }

func (s stdNormalPost) Dim() int { return s.d }

func (s stdNormalPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	return tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5), nil
}

// TestNUTSFunnelDiverges: plain NUTS on the 10-D funnel meets the neck it
// cannot enter: divergent transitions are flagged and counted.
func TestNUTSFunnelDiverges(t *testing.T) {
	res, err := infer.NUTS(forked{funnel{9}}, infer.NUTSOptions{Chains: 2, Warmup: 200, Samples: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, n := divergences(res)
	t.Logf("%d of %d transitions divergent", d, n)
	if d == 0 {
		t.Error("no divergences on the funnel")
	}
	// A trajectory of depth k that stopped by a U-turn between subtrees
	// took 2^k − 1 leapfrog steps; one that stopped inside its next
	// subtree (a divergence or a U-turn there) took 2^k to 2^(k+1) − 1.
	for _, c := range res.Chains {
		for k, div := range c.Divergent {
			lo, hi := 1<<c.TreeDepth[k]-1, 1<<(c.TreeDepth[k]+1)-1
			if div {
				lo++
			}
			if n := c.NLeapfrog[k]; n < lo || n > hi {
				t.Fatalf("transition %d: depth %d, %d leapfrogs, divergent %v; want %d to %d leapfrogs", k, c.TreeDepth[k], n, div, lo, hi)
			}
		}
	}
}

// TestNUTSDeterministic: the same seed gives bit-identical chains whether
// the chains run one at a time, in parallel on forks, or in parallel
// sharing one non-forkable posterior behind a lock; another seed differs.
func TestNUTSDeterministic(t *testing.T) {
	p := newGaussPost([]float64{0, 1}, []float64{2, 0.5}, -0.5, 0)
	run := func(q infer.Posterior, parallel int, seed uint64) *infer.NUTSResult {
		res, err := infer.NUTS(q, infer.NUTSOptions{Chains: 4, Warmup: 100, Samples: 100, Seed: seed, Parallel: parallel, SaveWarmup: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ref := run(forked{p}, 1, 7)
	// Batched on one posterior, on two or three batchers (chains 0, 2 and
	// 1, 3; 0, 3, 1 and 2), or a fork a chain: the same chains.
	for _, other := range []*infer.NUTSResult{run(forked{p}, 4, 7), run(p, 4, 7), run(batchForked{p}, 2, 7), run(batchForked{p}, 3, 7)} {
		for c := range ref.Chains {
			a, b := ref.Chains[c], other.Chains[c]
			if !slices.Equal(a.Draws, b.Draws) || !slices.Equal(a.LP, b.LP) || !slices.Equal(a.StepSize, b.StepSize) ||
				!slices.Equal(a.Energy, b.Energy) || !slices.Equal(a.NLeapfrog, b.NLeapfrog) || !slices.Equal(a.AcceptStat, b.AcceptStat) {
				t.Fatalf("chain %d differs between runs with the same seed", c)
			}
		}
	}
	if slices.Equal(ref.Chains[0].Draws, ref.Chains[1].Draws) {
		t.Error("chains 0 and 1 are identical")
	}
	if slices.Equal(ref.Chains[0].Draws, run(p, 2, 8).Chains[0].Draws) {
		t.Error("seeds 7 and 8 give the same draws")
	}
	if ref.Chains[0].Warmup != 100 || ref.Chains[0].Len() != 200 {
		t.Errorf("SaveWarmup: %d rows, %d warm-up; want 200, 100", ref.Chains[0].Len(), ref.Chains[0].Warmup)
	}
}

// TestNUTSCancel: cancelling the context from the progress callback stops
// every chain between iterations and keeps the draws so far: run one
// chain at a time (a forkable posterior, Parallel 1), chain 0 stops after
// its 150th iteration (50 draws) and chain 1 never starts (not even to
// find its initial point: no gradient); batched, all
// chains stop before the end.
func TestNUTSCancel(t *testing.T) {
	for _, batched := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		calls := 0
		var p infer.Posterior = forked{stdNormalPost{2}}
		if batched {
			p = stdNormalPost{2}
		}
		res, err := infer.NUTS(p, infer.NUTSOptions{Chains: 2, Warmup: 100, Samples: 100, Seed: 1, Parallel: 1, Context: ctx,
			OnIteration: func(chain, iter int) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if chain == 0 && iter == 150 {
					cancel()
				}
			}})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if res.Stopped != "cancelled" {
			t.Errorf("batched %v: Stopped = %q, want cancelled", batched, res.Stopped)
		}
		n0, n1 := res.Chains[0].Len(), res.Chains[1].Len()
		if !batched && (n0 != 50 || n1 != 0 || calls != 150) {
			t.Errorf("kept %d and %d draws after %d iterations, want 50 and 0 after 150", n0, n1, calls)
		}
		if g := res.Chains[1].Gradients; !batched && g != 0 {
			t.Errorf("chain 1, queued behind the cancelled chain 0, evaluated %d gradients, want 0", g)
		}
		if batched && (n0 != 50 || n1 >= 100 || calls >= 350) {
			t.Errorf("batched: kept %d and %d draws after %d iterations, want 50 and < 100", n0, n1, calls)
		}
	}
}

// errPost fails on its third evaluation.
type errPost struct{ n *int }

func (e errPost) Dim() int { return 1 }

func (e errPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	if *e.n++; *e.n == 3 {
		return nil, errors.New("index 7 out of range")
	}
	return tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5), nil
}

// errForker gives each fork its own errPost.
type errForker struct{ errPost }

func (errForker) Fork() infer.Posterior { return errPost{new(int)} }

// TestNUTSErrors: bad options, a failing log density and a posterior with
// no finite point give errors that say what was expected.
func TestNUTSErrors(t *testing.T) {
	n, n2, n3 := 0, 0, 0
	for _, tt := range []struct {
		p    infer.Posterior
		o    infer.NUTSOptions
		want string
	}{
		{stdNormalPost{2}, infer.NUTSOptions{Metric: "full"}, `unknown metric "full"`},
		{stdNormalPost{2}, infer.NUTSOptions{Delta: 1.5}, "must be in (0, 1)"},
		{stdNormalPost{2}, infer.NUTSOptions{Chains: -1}, "chains must be at least 0"},
		{stdNormalPost{2}, infer.NUTSOptions{Chains: 1, Init: [][]float64{{1}}}, "chain 1 has 1 values, want 2"},
		{stdNormalPost{0}, infer.NUTSOptions{}, "at least one unconstrained latent"},
		{errPost{&n}, infer.NUTSOptions{Chains: 1}, "chain 1: index 7 out of range"},
		{errPost{&n2}, infer.NUTSOptions{Chains: 3}, "index 7 out of range"},            // batched
		{errForker{errPost{&n3}}, infer.NUTSOptions{Chains: 3}, "index 7 out of range"}, // one row a call
		{boxPost{all: true}, infer.NUTSOptions{Chains: 1}, `no initial point with a finite log density and gradient in 100 draws from uniform(-2, 2): latent "sigma" =`},
		{boxPost{}, infer.NUTSOptions{Chains: 1, Init: [][]float64{{3}}}, `not finite at the initial point [3]: latent "sigma" = 3`},
	} {
		_, err := infer.NUTS(tt.p, tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.o, err, tt.want)
		}
	}
}

// TestNeuTraLogDensity: the pullback's log density is log p(T(ε)) plus
// log|det J_T(ε)|, with J_T by central differences of the flow's
// forward map; its tape gradient matches central differences of itself.
func TestNeuTraLogDensity(t *testing.T) {
	q := flowGuide(t, "AffineAutoregressive", 2, map[string]flows.OptionValue{"hidden": []float64{8}})
	q.Initialize(rand.New(rand.NewPCG(5, 5)))
	nt, err := infer.NewNeuTra(banana2{}, q)
	if err != nil {
		t.Fatal(err)
	}
	eps := []float64{0.3, -0.7}
	fwd := func(e []float64) []float64 {
		x, _ := q.Forward(tensor.New(append([]float64(nil), e...), 1, 2))
		return x.Data()
	}
	const h = 1e-6
	var J [2][2]float64
	for j := range 2 {
		ep, em := slices.Clone(eps), slices.Clone(eps)
		ep[j] += h
		em[j] -= h
		xp, xm := fwd(ep), fwd(em)
		for i := range 2 {
			J[i][j] = (xp[i] - xm[i]) / (2 * h)
		}
	}
	lpx, _ := banana2{}.LogDensity(tensor.New(fwd(eps), 1, 2))
	want := lpx.Item() + math.Log(math.Abs(J[0][0]*J[1][1]-J[0][1]*J[1][0]))
	logDens := func(e []float64) float64 {
		v, err := nt.LogDensity(tensor.New(slices.Clone(e), 1, 2))
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	if got := logDens(eps); math.Abs(got-want) > 1e-6 {
		t.Errorf("pullback log density %v, want %v", got, want)
	}
	tp := tensor.NewTape()
	z := tensor.New(slices.Clone(eps), 1, 2)
	tp.Watch(z)
	out, _ := nt.LogDensity(z)
	tp.Backward(out)
	for j := range 2 {
		ep, em := slices.Clone(eps), slices.Clone(eps)
		ep[j] += h
		em[j] -= h
		if fd := (logDens(ep) - logDens(em)) / (2 * h); math.Abs(fd-z.Grad()[j]) > 1e-5*(1+math.Abs(fd)) {
			t.Errorf("gradient[%d] = %v, central difference %v", j, z.Grad()[j], fd)
		}
	}
	if _, err := infer.NewNeuTra(stdNormalPost{3}, q); err == nil || !strings.Contains(err.Error(), "dimension 2") {
		t.Errorf("dimension mismatch: %v", err)
	}
}

// banana2 is z0 ~ N(0, 1), z1 ~ N(z0², 0.5).
type banana2 struct{}

func (banana2) Dim() int { return 2 }

func (banana2) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	a := tensor.Narrow(z, 1, 0, 1)
	b := tensor.Narrow(z, 1, 1, 1)
	r := tensor.Sub(b, tensor.Square(a))
	lp := tensor.Add(tensor.Scale(tensor.Square(a), -0.5), tensor.Scale(tensor.Square(r), -2))
	return tensor.Reshape(lp, z.Dim(0)), nil
}

// TestNeuTraFunnel: a v-first autoregressive flow fitted by FitPosterior
// to the 3-D funnel, then NUTS in its base space (NeuTra): v's mean 0 and
// sd 3 within 4 MCSE and under 1% divergent transitions, where plain
// NUTS on the same budget diverges (logged beside it).
func TestNeuTraFunnel(t *testing.T) {
	p := funnel{2}
	q := flowGuide(t, "AffineAutoregressive", 3, map[string]flows.OptionValue{
		"hidden": []float64{32, 32}, "permutation": []float64{0, 1, 2}})
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 1500, Batch: 256, LR: 0.005, Clip: 10, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := infer.NUTSOptions{Chains: 4, Warmup: 300, Samples: 500, Seed: 3}
	res, err := infer.NeuTraNUTS(p, q, o)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := infer.NUTS(forked{p}, o)
	if err != nil {
		t.Fatal(err)
	}
	d, n := divergences(res)
	dp, _ := divergences(plain)
	t.Logf("fit: %d steps, pareto k %.2f; NeuTra: %d of %d divergent, step %.3f; plain NUTS: %d divergent, step %.3f",
		rep.Steps, rep.ParetoK, d, n, res.Chains[0].AdaptedStepSize, dp, plain.Chains[0].AdaptedStepSize)
	checkMoments(t, "neutra v", column(res, func(z []float64) float64 { return z[0] }), 0, 3)
	if float64(d) > 0.01*float64(n) {
		t.Errorf("NeuTra: %d of %d transitions divergent, want < 1%%", d, n)
	}
	// Forked chains (one row at a time, in parallel) give the batched
	// chains' draws.
	forkedRes, err := infer.NeuTraNUTS(forked{p}, q, o)
	if err != nil {
		t.Fatal(err)
	}
	for k := range res.Chains {
		if !slices.Equal(res.Chains[k].Draws, forkedRes.Chains[k].Draws) {
			t.Errorf("chain %d: forked and batched NeuTra chains differ", k)
		}
	}
	c := res.Chains[0]
	if len(c.Base) != len(c.Draws) || slices.Equal(c.Base, c.Draws) {
		t.Error("NeuTra chains should keep the base states beside their images")
	}
	// lp__ is log p at the mapped draw.
	lp, _ := p.LogDensity(tensor.New(slices.Clone(c.Draw(0)), 1, 3))
	if math.Abs(lp.Item()-c.LP[0]) > 1e-9 {
		t.Errorf("lp__ %v, want log p(draw) = %v", c.LP[0], lp.Item())
	}
}

// TestNeuTraFunnel10 (FLOWPPL_LONG=1) is issue 15's funnel: the 10-D
// funnel, a v-first autoregressive flow fitted for 3000 steps, NeuTra
// NUTS with Stan's defaults (4 × (1000 + 1000)): sd(v) within 0.1 of 3,
// split R-hat below 1.01, under 1% divergent; plain NUTS logged beside.
func TestNeuTraFunnel10(t *testing.T) {
	if os.Getenv("FLOWPPL_LONG") == "" {
		t.Skip("FLOWPPL_LONG=1 runs it")
	}
	p := funnel{9}
	q := flowGuide(t, "AffineAutoregressive", 10, map[string]flows.OptionValue{
		"hidden": []float64{64, 64}, "permutation": []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}})
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 3000, Batch: 256, LR: 0.005, Clip: 10, Quiet: true, Seed: 1, HasSeed: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fit: %d steps, %.1f s, pareto k %.2f", rep.Steps, rep.Seconds, rep.ParetoK)
	for _, neutra := range []bool{true, false} {
		t0 := time.Now()
		var res *infer.NUTSResult
		if neutra {
			res, err = infer.NeuTraNUTS(p, q, infer.NUTSOptions{Seed: 1})
		} else {
			res, err = infer.NUTS(p, infer.NUTSOptions{Seed: 1})
		}
		if err != nil {
			t.Fatal(err)
		}
		wall := time.Since(t0).Seconds()
		v := column(res, func(z []float64) float64 { return z[0] })
		m, sd := meanSD(v)
		d, n := divergences(res)
		rhat, err := draws.RhatBasic(v) // the split R-hat of BDA3, without rank normalisation
		if err != nil {
			t.Fatal(err)
		}
		ess := essChains(v)
		t.Logf("neutra %v: v mean %.3f sd %.3f, split R-hat %.4f, ESS %.0f (%.0f/s), %d of %d divergent, %.1f s", neutra, m, sd, rhat, ess, ess/wall, d, n, wall)
		if neutra && (math.Abs(sd-3) > 0.1 || rhat > 1.01 || float64(d) > 0.01*float64(n)) {
			t.Errorf("NeuTra: sd(v) %.3f (want 3 ± 0.1), R-hat %.4f (want < 1.01), %d of %d divergent (want < 1%%)", sd, rhat, d, n)
		}
	}
}
