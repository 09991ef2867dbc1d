package infer

import (
	"fmt"
	"math"
)

// The stopping rule (bench/RESULTS.md, "Stopping rules for posterior
// fits"). A fit's step loss is a noisy estimate of KL(q‖p) − log Z, so its
// changes are changes of a KL divergence in nats whatever the model's
// scale. Every ruleEvery steps once n ≥ ruleMinSteps, the rule fits a
// least-squares line to the last W = max(ruleMinSteps, n/4) step losses
// and declares convergence when the loss is *shown* to change by less
// than tol nats over the window, up or down:
//
//	(|slope| + 2·SE(slope))·W < tol,
//
// with SE from the residuals, its variance inflated by (1+ρ)/(1−ρ) for
// their lag-1 autocorrelation ρ (clamped to [0, 0.95]): the step losses
// of an optimiser are not independent. It is an equivalence test: a
// noisy loss (a guide far from the posterior, whose log weights have a
// heavy tail) widens the bound and keeps the fit going, where a test of
// "no significant improvement" would stop it; Stan's relative rule
// stopped such fits 9 to 630 nats above their optimum on the posteriordb
// traces, this rule on none of them.
const (
	// DefaultPosteriorSteps is the cap on the steps of a posterior fit
	// when Options.Steps is not given (Stan's ADVI: max_iterations 10000).
	DefaultPosteriorSteps = 10000
	// DefaultPosteriorTol is the stopping rule's threshold in nats for a
	// posterior fit when Options.Tol is not given: a mean off by 0.3 sd
	// along one Gaussian direction costs 0.045 nats of KL.
	DefaultPosteriorTol = 0.05
	// DefaultPosteriorLR is Adam's learning rate for a posterior fit when
	// Options.LR is not given: twice DefaultLR, since the decaying-lr tail
	// after the rule fires removes the larger steps' jitter from the last
	// iterate. On the posteriordb posteriors (seeds 1–3) it passes every fit
	// as 0.01 does, and the slowest (gp_pois_regr) stops after 900–1,560
	// steps instead of 1,800–2,520 (bench/RESULTS.md, "The posterior
	// learning rate").
	DefaultPosteriorLR = 0.02
	// ruleMinSteps is the first step checked and the smallest window.
	ruleMinSteps = 250
	// ruleEvery is the interval of the checks in steps.
	ruleEvery = 50
)

// slopeCheck is the outcome of one check of the stopping rule.
type slopeCheck struct {
	step  int     // the step checked (the number of losses)
	w     int     // the window: the last w step losses
	slope float64 // least-squares slope, nats per step
	se    float64 // its standard error, AR(1)-inflated
	rho   float64 // the residuals' lag-1 autocorrelation, clamped
}

// change is the fitted change of the loss over the window, in nats.
func (c slopeCheck) change() float64 { return c.slope * float64(c.w) }

// margin is the half-width 2·SE·W of the change's bound, in nats.
func (c slopeCheck) margin() float64 { return 2 * c.se * float64(c.w) }

// bound is the upper confidence bound of |change|: (|slope| + 2·SE)·W.
func (c slopeCheck) bound() float64 { return math.Abs(c.change()) + c.margin() }

// describe says what the check found: "changed by 0.012 ± 0.031 nats
// over the last 262 steps".
func (c slopeCheck) describe() string {
	return fmt.Sprintf("changed by %s ± %s nats over the last %d steps", fmtShort(c.change()), fmtShort(c.margin()), c.w)
}

// slopeTest fits the least-squares line through y[i] at x = i and returns
// its slope, the slope's standard error with its variance inflated by
// (1+ρ)/(1−ρ), and ρ, the lag-1 autocorrelation of the residuals clamped
// to [0, 0.95]. Two passes over y, no allocation; len(y) ≥ 3.
func slopeTest(y []float64) (slope, se, rho float64) {
	w := len(y)
	xbar := float64(w-1) / 2
	sxx := float64(w) * (float64(w)*float64(w) - 1) / 12
	// Shift by y[0]: a loss of −3190 with noise 0.05 keeps its digits.
	y0 := y[0]
	var sy, sxy float64
	for i, v := range y {
		v -= y0
		sy += v
		sxy += (float64(i) - xbar) * v
	}
	ybar := sy / float64(w)
	slope = sxy / sxx
	var sse, lag, prev float64
	for i, v := range y {
		e := v - y0 - ybar - slope*(float64(i)-xbar)
		sse += e * e
		if i > 0 {
			lag += e * prev
		}
		prev = e
	}
	if sse > 0 {
		rho = min(max(lag/sse, 0), 0.95)
	}
	se = math.Sqrt(sse / float64(w-2) / sxx * (1 + rho) / (1 - rho))
	return slope, se, rho
}

// stopRule is the stopping rule of a fit with tol nats.
type stopRule struct {
	tol  float64
	last slopeCheck // the last check (step 0: none yet)
}

// newStopRule returns the rule of the options, nil when Tol is not
// positive (the rule is off).
func newStopRule(o Options) *stopRule {
	if !(o.Tol > 0) {
		return nil
	}
	return &stopRule{tol: o.Tol}
}

// check reports whether the fit has converged after the given losses; it
// checks at multiples of ruleEvery from ruleMinSteps on.
func (r *stopRule) check(losses []float64) bool {
	n := len(losses)
	if r == nil || n < ruleMinSteps || n%ruleEvery != 0 {
		return false
	}
	w := max(ruleMinSteps, n/4)
	slope, se, rho := slopeTest(losses[n-w:])
	r.last = slopeCheck{step: n, w: w, slope: slope, se: se, rho: rho}
	return r.last.bound() < r.tol
}

// tailSteps is the length of the tail run after the rule fires at step n:
// the learning rate decays linearly to 0 over it, which removes the jitter
// of constant-lr Adam from the last iterate.
func tailSteps(n int) int { return max(100, n/5) }
