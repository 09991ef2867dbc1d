package interp_test

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// TestFitStoppingRule: the report of a posterior fit says whether and why
// it stopped. The model is conjugate, y_i ~ Normal(mu, 1) with
// mu ~ Normal(0, 10), whose log evidence is log N(y; 0, I + 100·11ᵀ).
//
//   - Default options (only a seed): the stopping rule ends the fit long
//     before the cap of 10,000, converged is true, stopped "converged",
//     reason says at which step, and the ELBO is the log evidence (an
//     Affine guide represents the Gaussian posterior exactly; the ELBO's
//     Monte Carlo sd at 4096 draws of a near-exact guide is below 0.005).
//   - init = "prior" and lr = 1e-4: the guide moves about 1e-4 a step from
//     N(0, 1) towards N(1.17, 0.577²) and is still nats away at the cap of
//     1,000 steps: converged false, stopped "steps", and a warning.
//   - tol = 0: every step runs, no warning.
func TestFitStoppingRule(t *testing.T) {
	y := []float64{1.2, 0.8, 1.5}
	const s2 = 100.0
	n, sum, sq := float64(len(y)), 0.0, 0.0
	for _, v := range y {
		sum += v
		sq += v * v
	}
	logZ := -n/2*math.Log(2*math.Pi) - 0.5*math.Log(1+n*s2) - 0.5*(sq-s2*sum*sum/(1+n*s2))
	src := `model m(y) {
    mu ~ Normal(0, 10)
    y ~ Normal(mu, 1)
}
y = [1.2, 0.8, 1.5]
q1 = flow Affine
r1 = fit q1 to m(y) by elbo { seed = 1 }
q2 = flow Affine
r2 = fit q2 to m(y) by elbo { seed = 1, init = "prior", lr = 0.0001, steps = 1000 }
q3 = flow Affine
r3 = fit q3 to m(y) by elbo { seed = 1, steps = 300, tol = 0 }
`
	th, _, stderr := newThread()
	g := mustRun(t, th, "stop.flow", src)
	field := func(r, name string) lang.Value { return g[r].(*lang.Record).Fields[name] }
	num := func(r, name string) float64 { return float64(field(r, name).(lang.Number)) }
	str := func(r, name string) string { return string(field(r, name).(lang.String)) }
	for _, r := range []string{"r1", "r2", "r3"} {
		t.Logf("%s: %v steps, loss %.4f, elbo %.4f (log Z %.4f), %s; warnings %q", r, num(r, "steps"), num(r, "loss"), num(r, "elbo"), logZ, str(r, "reason"), str(r, "warnings"))
	}

	if field("r1", "converged") != lang.Bool(true) || str("r1", "stopped") != "converged" || num("r1", "steps") > 1000 ||
		!strings.HasPrefix(str("r1", "reason"), "converged at step ") || str("r1", "warnings") != "" {
		t.Errorf("r1: converged %v, stopped %q after %v steps: %q; warnings %q", field("r1", "converged"), str("r1", "stopped"), num("r1", "steps"), str("r1", "reason"), str("r1", "warnings"))
	}
	if math.Abs(num("r1", "elbo")-logZ) > 0.02 {
		t.Errorf("r1: elbo %v, want log Z = %v ± 0.02", num("r1", "elbo"), logZ)
	}
	if !strings.Contains(stderr.String(), "\n"+str("r1", "reason")+"\n") {
		t.Errorf("the reason was not printed:\n%s", stderr.String())
	}

	if field("r2", "converged") != lang.Bool(false) || str("r2", "stopped") != "steps" || num("r2", "steps") != 1000 ||
		!(num("r2", "loss")+logZ > 0.5) || !strings.HasPrefix(str("r2", "warnings"), "stop.flow:9:6: warning: the fit did not converge within steps = 1000: ") {
		t.Errorf("r2: converged %v, stopped %q after %v steps, loss %v (optimum %v); warnings %q", field("r2", "converged"), str("r2", "stopped"), num("r2", "steps"), num("r2", "loss"), -logZ, str("r2", "warnings"))
	}

	if field("r3", "converged") != lang.Bool(false) || str("r3", "stopped") != "steps" || num("r3", "steps") != 300 || str("r3", "warnings") != "" {
		t.Errorf("r3: converged %v, stopped %q after %v steps; warnings %q", field("r3", "converged"), str("r3", "stopped"), num("r3", "steps"), str("r3", "warnings"))
	}
}
