package interp_test

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// posteriordbFit returns the script examples/posteriordb/NAME/model.flow
// (read and run from the repository root) with its fit's options replaced by opts
// and everything after the fit dropped.
func posteriordbFit(t *testing.T, name, opts string) string {
	t.Helper()
	src := posteriordbScript(t, name)
	const fitOpts = "{ seed = seed }"
	i := strings.Index(src, fitOpts)
	if i < 0 {
		t.Fatalf("%s: no fit with %s", name, fitOpts)
	}
	end := i + strings.Index(src[i:], "\n")
	return src[:i] + "{ " + opts + " }" + src[i+len(fitOpts):end] + "\n"
}

// TestSubsampleErrors checks the errors of subsampled fits whose model
// structure does not allow subsampling (a time series, a hidden Markov
// model, a sum over rows inside the model, an argument counting the rows,
// a latent per row, observed arguments with different numbers of rows)
// and of bad uses of the option, against testdata/subsample_errors.golden
// (file:line:col and message; go test ./interp -run TestSubsampleErrors
// -update rewrites it). Each stops before the first step.
func TestSubsampleErrors(t *testing.T) {
	t.Chdir("..") // the posteriordb scripts read their data from the repository root
	cases := []struct{ name, src string }{
		{"arma", posteriordbFit(t, "arma-arma11", "subsample = 20, quiet = true")},
		{"hmm", posteriordbFit(t, "hmm_example-hmm_example", "subsample = 20, quiet = true")},
		{"sum over rows", `
y = [0.3, -1.2, 0.8, 2.1, -0.4, 1.1, 0.0, 0.9]
model m(y) {
    mu ~ Normal(0, 1)
    factor(-0.5 * sum(y - mu) ^ 2 / len(y))
}
q = flow AffineAutoregressive
r = fit q to m(y) by elbo { subsample = 4, quiet = true }
`},
		{"argument counting rows", `
y = [0.3, -1.2, 0.8, 2.1, -0.4, 1.1, 0.0, 0.9]
model m(N, y) {
    mu ~ Normal(0, 1)
    y ~ Normal(zeros(N) + mu, 1)
}
q = flow AffineAutoregressive
r = fit q to m(len(y), y) by elbo { subsample = 4, quiet = true }
`},
		{"latent per row", `
y = [0.3, -1.2, 0.8, 2.1, -0.4, 1.1, 0.0, 0.9]
model m(y) {
    z ~ Normal(zeros(len(y)), 1)
    y ~ Normal(z, 1)
}
q = flow AffineAutoregressive
r = fit q to m(y) by elbo { subsample = 4, quiet = true }
`},
		{"different row counts", `
y = [0.3, -1.2, 0.8, 2.1, -0.4, 1.1, 0.0, 0.9]
w = [1.5, 0.2, -0.7]
model m(y, w) {
    mu ~ Normal(0, 1)
    y ~ Normal(mu, 1)
    w ~ Normal(mu, 2)
}
q = flow AffineAutoregressive
r = fit q to m(y, w) by elbo { subsample = 4, quiet = true }
`},
		{"not a posterior", `
q = flow AffineAutoregressive
r = fit q to Normal([0, 0], [1, 1]) by kl { steps = 5, subsample = 4, quiet = true }
`},
		{"not an integer", normalMeanModel + `q = flow AffineAutoregressive
r = fit q to m([1, 2, 3]) by elbo { subsample = 1.5 }
`},
	}
	var got bytes.Buffer
	for _, c := range cases {
		th, _, _ := newThread()
		_, err := interp.ExecFile(th, strings.ReplaceAll(c.name, " ", "_")+".flow", c.src, nil)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		fmt.Fprintf(&got, "%s:\n%s\n\n", c.name, strings.SplitN(interp.FormatError(err), "\n", 2)[0])
	}
	golden := filepath.Join("interp", "testdata", "subsample_errors.golden")
	if _, same := testutil.Golden(t, golden, got.String(), *update); !same {
		t.Errorf("errors differ from %s:\n%s", golden, got.String())
	}
}

// logisticSrc is a logistic regression on 400 rows (data drawn in the
// script with the test thread's seed).
const logisticSrc = `
X = sample(Normal(zeros(3), ones(3)), 400)
y = sample(Bernoulli(sigmoid(X @ [0.5, -1, 0.25])))
model logistic(X, y) {
    beta ~ Normal(zeros(3), 5)
    y ~ BernoulliLogit(X @ beta)
}
post = logistic(X, y)
`

// TestSubsampleFit fits a logistic regression on 400 rows with 40 rows a
// step and compares the posterior means with a full-data fit's, in units
// of the full-data posterior sd (about 0.12). Each mean is from 10000
// draws (Monte Carlo error 0.01 sd); the rest is the noise of the two
// fits: over seeds 1, 2, 3 the largest difference measured was 0.064 sd
// (0.22 sd before the control variate), sd ratios 0.97 to 1.08. So 0.2 sd
// and [0.8, 1.25] leave room without admitting a biased estimate (scaling
// the likelihood by 1 instead of N/m gives sds sqrt(10) times the full
// ones and means shrunk toward 0 by several sds).
func TestSubsampleFit(t *testing.T) {
	full, _, tookFull := fitScript(t, "", logisticSrc, "flow AffineAutoregressive", ", steps = 200")
	sub, r, tookSub := fitScript(t, "", logisticSrc, "flow AffineAutoregressive", ", steps = 600, subsample = 40")
	t.Logf("full data %v, subsampled %v; elbo %v pareto k %v", tookFull, tookSub, r.Fields["elbo"], r.Fields["pareto_k"])
	for j := range 3 {
		name := fmt.Sprintf("beta[%d]", j)
		fm, fs := meanSD(full[name])
		sm, ss := meanSD(sub[name])
		t.Logf("%s: full %.4f ± %.4f, subsampled %.4f ± %.4f (%.3f sd)", name, fm, fs, sm, ss, (sm-fm)/fs)
		if d := math.Abs(sm-fm) / fs; d > 0.2 {
			t.Errorf("%s: subsampled mean %.4f, full-data %.4f: %.2f sd apart, want at most 0.2", name, sm, fm, d)
		}
		if ratio := ss / fs; ratio < 0.8 || ratio > 1.25 {
			t.Errorf("%s: subsampled sd %.4f, full-data %.4f (ratio %.2f), want within [0.8, 1.25]", name, ss, fs, ratio)
		}
	}
}

// TestSubsampleAllRows: subsample ≥ the number of rows fits on all rows,
// with a warning that says so.
func TestSubsampleAllRows(t *testing.T) {
	th, _, _ := newThread()
	g := mustRun(t, th, "all.flow", normalMeanModel+`q = flow AffineAutoregressive
r = fit q to m([0.3, -1.2, 0.8, 2.1]) by elbo { subsample = 4, steps = 20, quiet = true }
`)
	w := string(g["r"].(*lang.Record).Fields["warnings"].(lang.String))
	if want := "subsample = 4 is not below the 4 rows of y: every step uses all rows"; !strings.Contains(w, want) {
		t.Errorf("warnings %q, want %q", w, want)
	}
}
