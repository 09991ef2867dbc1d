package infer

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// TestSlopeTest checks slopeTest against its definition computed the
// plain way: gonum's least-squares line, the residuals' lag-1
// autocorrelation and the slope's standard error s/√Sxx inflated by
// √((1+ρ)/(1−ρ)).
func TestSlopeTest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		w            int
		level, slope float64
		phi, sd      float64
	}{
		{250, 48.5, -1e-3, 0, 0.05},
		{1000, -3190, 2e-5, 0.6, 0.02},
		{333, 1882, 0, 0.97, 1}, // ρ clamped at 0.95
		{400, 0, 0, -0.8, 0.1},  // ρ clamped at 0
	} {
		y := ar1(rng, tt.w, tt.phi, tt.sd)
		x := make([]float64, tt.w)
		for i := range y {
			x[i] = float64(i)
			y[i] += tt.level + tt.slope*float64(i)
		}
		alpha, beta := stat.LinearRegression(x, y, nil, false)
		res := make([]float64, tt.w)
		for i := range y {
			res[i] = y[i] - alpha - beta*x[i]
		}
		rho := floats.Dot(res[1:], res[:tt.w-1]) / floats.Dot(res, res)
		rho = min(max(rho, 0), 0.95)
		xbar := stat.Mean(x, nil)
		sxx := 0.0
		for _, v := range x {
			sxx += (v - xbar) * (v - xbar)
		}
		se := math.Sqrt(floats.Dot(res, res)/float64(tt.w-2)/sxx) * math.Sqrt((1+rho)/(1-rho))

		gotSlope, gotSE, gotRho := slopeTest(y)
		// Rounding: the sums run over up to 1000 terms of size |level|.
		if math.Abs(gotSlope-beta) > 1e-12*max(1, math.Abs(tt.level)) || math.Abs(gotSE/se-1) > 1e-6 || math.Abs(gotRho-rho) > 1e-9 {
			t.Errorf("%+v: slopeTest = (%g, %g, %g), want (%g, %g, %g)", tt, gotSlope, gotSE, gotRho, beta, se, rho)
		}
	}
	// A straight line has no residuals: slope exact, SE 0.
	line := make([]float64, 300)
	for i := range line {
		line[i] = 7 - 0.25*float64(i)
	}
	if b, se, rho := slopeTest(line); math.Abs(b+0.25) > 1e-12 || se > 1e-12 || rho != 0 {
		t.Errorf("line: slopeTest = (%g, %g, %g), want (-0.25, 0, 0)", b, se, rho)
	}
}

// ar1 returns n values of a stationary AR(1) process with coefficient phi
// and marginal sd sd (white noise when phi is 0).
func ar1(rng *rand.Rand, n int, phi, sd float64) []float64 {
	y := make([]float64, n)
	e := sd * rng.NormFloat64()
	for i := range y {
		y[i] = e
		e = phi*e + sd*math.Sqrt(1-phi*phi)*rng.NormFloat64()
	}
	return y
}

// firstFiring runs the rule over a trace step by step and returns the
// step at which it fires (0: never).
func firstFiring(tol float64, trace []float64) int {
	r := &stopRule{tol: tol}
	for n := 1; n <= len(trace); n++ {
		if r.check(trace[:n]) {
			return n
		}
	}
	return 0
}

// TestStopRuleTraces runs the rule (tol 0.05) on synthetic loss traces of
// 10,000 steps, seeded.
//
// Flat traces must fire, within a bound worked out from the rule: for
// noise of marginal sd σ and lag-1 autocorrelation φ, SE·W ≈
// σ·√(12/W·(1+φ)/(1−φ)) and |slope|·W is below 2·SE·W with probability
// 0.95 at each check, so the rule fires by the first window W with
// 4·SE·W < tol, i.e. W > 192·σ²·(1+φ)/(1−φ)/tol², at step n = 4W (the
// window is max(250, n/4)); the asserted bound adds 500 steps of margin.
//
// Drifting traces must never fire: their mean falls by at least 2·tol
// over every window (0.0004 nats a step: 0.1 over 250 steps), so firing
// needs the estimated slope to be off by more than half its value plus
// 2 SE.
func TestStopRuleTraces(t *testing.T) {
	const tol, n = 0.05, 10000
	bound := func(sd, phi float64) int {
		w := 192 * sd * sd * (1 + phi) / (1 - phi) / (tol * tol)
		return max(ruleMinSteps, int(4*w)) + 500
	}
	for _, tt := range []struct {
		name    string
		phi, sd float64
		drift   float64 // nats per step
		seed    uint64
	}{
		{"flat white noise sd 0.02", 0, 0.02, 0, 1},
		{"flat white noise sd 0.1", 0, 0.1, 0, 2},
		{"flat AR(1) 0.9 sd 0.02", 0.9, 0.02, 0, 3},
		{"flat AR(1) 0.5 sd 0.05", 0.5, 0.05, 0, 4},
		{"drift with white noise sd 0.05", 0, 0.05, -4e-4, 5},
		{"drift with white noise sd 1", 0, 1, -4e-4, 6},
		{"drift with AR(1) 0.9 sd 0.02", 0.9, 0.02, -4e-4, 7},
		{"upward drift with AR(1) 0.7 sd 0.1", 0.7, 0.1, 4e-4, 8},
	} {
		rng := rand.New(rand.NewPCG(tt.seed, 99))
		y := ar1(rng, n, tt.phi, tt.sd)
		for i := range y {
			y[i] += 12.3 + tt.drift*float64(i)
		}
		got := firstFiring(tol, y)
		switch {
		case tt.drift != 0 && got != 0:
			t.Errorf("%s: fired at step %d on a drift of %g nats a step", tt.name, got, tt.drift)
		case tt.drift == 0 && (got == 0 || got > bound(tt.sd, tt.phi)):
			t.Errorf("%s: fired at step %d, want by %d", tt.name, got, bound(tt.sd, tt.phi))
		}
		t.Logf("%s: fired at %d", tt.name, got)
	}
}

// TestStopRuleSchedule: the rule is off without tol, checks only at
// multiples of 50 from step 250, over a window of max(250, n/4).
func TestStopRuleSchedule(t *testing.T) {
	if newStopRule(Options{}) != nil || newStopRule(Options{Tol: -1}) != nil {
		t.Errorf("a stopping rule without tol")
	}
	flat := make([]float64, 2000)
	for i := range flat {
		flat[i] = 3 + 1e-3*float64(i%2) // converged: changes by ~0
	}
	r := newStopRule(Options{Tol: 0.05})
	for _, n := range []int{10, 200, 249, 251, 299} {
		if r.check(flat[:n]) {
			t.Errorf("checked at step %d", n)
		}
	}
	if !r.check(flat[:250]) || r.last.w != 250 || r.last.step != 250 {
		t.Errorf("no firing at step 250 on a flat trace (last check %+v)", r.last)
	}
	if !r.check(flat[:2000]) || r.last.w != 500 {
		t.Errorf("window at step 2000 = %d, want 500", r.last.w)
	}
}

// TestStopRuleNoAllocation: a check allocates nothing (two passes over the
// window).
func TestStopRuleNoAllocation(t *testing.T) {
	y := ar1(rand.New(rand.NewPCG(1, 1)), 10000, 0.5, 0.1)
	r := &stopRule{tol: 0.05}
	if a := testing.AllocsPerRun(10, func() { r.check(y) }); a != 0 {
		t.Errorf("a check at step 10,000 allocates %v times", a)
	}
}

// BenchmarkStopRuleCheck: one check at step 10,000 (a window of 2,500).
func BenchmarkStopRuleCheck(b *testing.B) {
	y := ar1(rand.New(rand.NewPCG(1, 1)), 10000, 0.5, 0.1)
	r := &stopRule{tol: 0.05}
	b.ReportAllocs()
	for b.Loop() {
		r.check(y)
	}
}
