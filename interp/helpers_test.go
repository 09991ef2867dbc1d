package interp_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// newThread returns a thread seeded as flowppl run --seed 1 seeds it
// (PCG(1, 2)), with its output kept in the two buffers it also returns.
func newThread() (*lang.Thread, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Stdout: &stdout, Stderr: &stderr}, &stdout, &stderr
}

// cpuTime is the process's CPU time in nanoseconds (testutil.CPUTime),
// which the package's benchmarks report per operation.
func cpuTime() int64 { return testutil.CPUTime() }

// mustRun runs src as the script name on th and returns its globals; an
// error fails tb with the error formatted as the command line shows it.
func mustRun(tb testing.TB, th *lang.Thread, name, src string) lang.StringDict {
	tb.Helper()
	g, err := interp.ExecFile(th, name, src, nil)
	if err != nil {
		tb.Fatal(interp.FormatError(err))
	}
	return g
}

// repoRoot returns the absolute path of the repository, wherever a test
// has changed the working directory to.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("runtime.Caller failed")
	}
	return filepath.Dir(filepath.Dir(file))
}

// posteriordbScript returns the script of the posterior NAME,
// examples/posteriordb/NAME/model.flow.
func posteriordbScript(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(tb), "examples", "posteriordb", name, "model.flow"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// tempPath returns the path of name in a fresh temporary folder, with
// forward slashes, so that a script's string literal can hold it on any
// system (and Go's file functions still take it).
func tempPath(t *testing.T, name string) string {
	return filepath.ToSlash(filepath.Join(t.TempDir(), name))
}

// arrayGlobal returns the global name of g, which must be an array of
// the given shape (a dimension of -1: any size); otherwise it fails t.
func arrayGlobal(t testing.TB, g lang.StringDict, name string, shape ...int) *lang.Array {
	t.Helper()
	a, ok := g[name].(*lang.Array)
	ok = ok && len(a.Shape()) == len(shape)
	for i, n := range shape {
		ok = ok && (n < 0 || a.Shape()[i] == n)
	}
	if !ok {
		t.Fatalf("%s is %v, want an array of shape %v", name, g[name], shape)
	}
	return a
}

// skipSlow skips a slow test (what: what makes it slow) under -short or
// with FLOWPPL_SHORT set.
func skipSlow(t *testing.T, what string) {
	t.Helper()
	if testing.Short() || os.Getenv("FLOWPPL_SHORT") != "" {
		t.Skip("slow: " + what)
	}
}

// Model texts that several tests and benchmarks of the package run, each
// starting and ending with a newline so that sources concatenate.

// normalMeanModel is the normal mean with known noise: mu ~ Normal(0, 1)
// and each y ~ Normal(mu, 1).
const normalMeanModel = `
model m(y) {
    mu ~ Normal(0, 1)
    y ~ Normal(mu, 1)
}
`

// regressionModel is the linear regression of examples/regression.flow,
// its likelihood one vectorised ~.
const regressionModel = `
model regression(x, y) {
    alpha ~ Normal(0, 10)
    beta ~ Normal(0, 10)
    sigma ~ HalfNormal(5)
    y ~ Normal(alpha + beta * x, sigma)
}
`

// loopRegressionModel is regressionModel with its likelihood written as a
// loop of one ~ a data value.
const loopRegressionModel = `
model regression(x, y) {
    alpha ~ Normal(0, 10)
    beta ~ Normal(0, 10)
    sigma ~ HalfNormal(5)
    for i in range(len(y)) {
        y[i] ~ Normal(alpha + beta * x[i], sigma)
    }
}
`

// eightSchoolsModel is the non-centred eight schools of
// examples/eight_schools.flow.
const eightSchoolsModel = `
model eight_schools(J, y, sigma) {
    theta_trans ~ Normal(zeros(J), 1)
    mu ~ Normal(0, 5)
    tau ~ HalfCauchy(5)
    theta = theta_trans * tau + mu
    y ~ Normal(theta, sigma)
}
`
