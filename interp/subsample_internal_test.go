package interp

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// subsampleSrc is a logistic regression on 300 rows with, besides the
// prior and the observed rows, a factor that is a sum over rows, a factor
// that does not depend on the rows and a ~ on each row in a loop.
const subsampleSrc = `
N = 300
X = sample(Normal(zeros(3), ones(3)), N)
y = sample(Bernoulli(sigmoid(X @ [0.5, -1, 0.25])))
w = sample(Normal(1, 2), N)
model logistic(X, y, w) {
    beta ~ Normal(zeros(3), 2)
    s ~ HalfNormal(3)
    y ~ BernoulliLogit(X @ beta)
    factor(-0.1 * sum((y - 0.5) * (X @ beta)))
    factor(-0.5 * sum(beta ^ 2))
    for i in range(len(w)) {
        w[i] ~ Normal(beta[0], s)
    }
}
post = logistic(X, y, w)
`

func subsamplePosterior(t *testing.T, m int) *Posterior {
	t.Helper()
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2))}
	g, err := ExecFile(th, "sub.flow", subsampleSrc, nil)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	p := g["post"].(*Posterior)
	if err := p.checkRows(m); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSubsampleTerms checks what the structure check found: the rows are
// the 300 rows of X, y and w; the ~ on y, the factor summing over rows and
// the ~ in the loop are sums over rows; the priors and the factor of beta
// alone are not; summary and sample may run on one row.
func TestSubsampleTerms(t *testing.T) {
	p := subsamplePosterior(t, 30)
	s := p.rows
	if s.n != 300 || !slices.Equal(s.args, []string{"X", "y", "w"}) {
		t.Errorf("rows: N = %d of %v, want 300 of [X y w]", s.n, s.args)
	}
	var rowLines, freeLines []int
	for k := range s.rowTerms {
		rowLines = append(rowLines, k.Line)
	}
	for k := range s.free {
		freeLines = append(freeLines, k.Line)
	}
	slices.Sort(rowLines)
	slices.Sort(freeLines)
	if !slices.Equal(rowLines, []int{9, 10, 13}) || !slices.Equal(freeLines, []int{7, 8, 11}) {
		t.Errorf("row terms on lines %v and others on %v, want [9 10 13] and [7 8 11]", rowLines, freeLines)
	}
	if !slices.Equal(s.collect, []int{0}) {
		t.Errorf("collect rows %v, want [0]", s.collect)
	}
}

// TestSubsampleUnbiased: the step objective of a subsampled fit, at fixed
// draws from a fixed guide, is an unbiased estimate of the full-data one,
// without and with the control variate anchored at the guide's mean
// (which must also cut the estimates' spread: by a factor above 5 here).
// The guide is a diagonal Gaussian in the unconstrained space; at its 16
// draws z_b the step objective is mean_b(log q(z_b) − log p(z_b)), with
// log p on m = 30 of the 300 rows scaled by 10. Over K = 1000 draws of the
// rows, the mean of the estimates must match the full-data objective,
// and so must each draw's log density, within 4 standard errors of the
// mean (computed from the K estimates). A weight on the wrong terms (the
// priors scaled by N/m, or a row term left unscaled) moves the mean by
// hundreds of standard errors.
func TestSubsampleUnbiased(t *testing.T) {
	var spread [2]float64
	for i, anchored := range []bool{false, true} {
		spread[i] = subsampleUnbiased(t, anchored)
	}
	t.Logf("sd of the step objective: %.4g without the control variate, %.4g with it", spread[0], spread[1])
	if spread[1]*5 > spread[0] {
		t.Errorf("sd of the step objective %.4g without the control variate, %.4g with it: want a cut by more than 5", spread[0], spread[1])
	}
}

// subsampleUnbiased is TestSubsampleUnbiased with or without the control
// variate; it returns the sd of the step objective's estimates.
func subsampleUnbiased(t *testing.T, anchored bool) float64 {
	const (
		m = 30
		B = 16
		K = 1000
	)
	p := subsamplePosterior(t, m)
	rng := rand.New(rand.NewPCG(7, 8))
	d := p.Dim()
	loc := []float64{0.4, -0.9, 0.3, 0.6}
	scale := []float64{0.1, 0.1, 0.1, 0.2}
	zs := make([]float64, B*d)
	lq := make([]float64, B)
	for b := range B {
		for j := range d {
			e := rng.NormFloat64()
			zs[b*d+j] = loc[j] + scale[j]*e
			lq[b] += -0.5*math.Log(2*math.Pi) - math.Log(scale[j]) - e*e/2
		}
	}
	z := tensor.New(zs, B, d)
	objective := func() ([]float64, float64) {
		lp, err := p.LogDensity(z)
		if err != nil {
			t.Fatal(err)
		}
		obj := 0.0
		for b, v := range lp.Data() {
			obj += (lq[b] - v) / B
		}
		return slices.Clone(lp.Data()), obj
	}
	fullLP, full := objective()
	if anchored {
		if err := p.Anchor(loc); err != nil {
			t.Fatal(err)
		}
		if p.rows.z0 == nil {
			t.Fatal("no anchor")
		}
	}
	sum, sumSq := 0.0, 0.0
	lpSum, lpSq := make([]float64, B), make([]float64, B)
	for range K {
		rows := rng.Perm(p.rows.n)[:m]
		slices.Sort(rows)
		p.UseRows(rows)
		lp, obj := objective()
		sum += obj
		sumSq += obj * obj
		for b, v := range lp {
			lpSum[b] += v
			lpSq[b] += v * v
		}
	}
	p.UseRows(nil)
	within := func(what string, s, sq, want float64) {
		mean := s / K
		se := math.Sqrt((sq/K - mean*mean) / (K - 1))
		if math.Abs(mean-want) > 4*se {
			t.Errorf("anchored %v: %s: mean of %d subsampled estimates %.6g, full data %.6g (%.1f standard errors of %.3g)", anchored, what, K, mean, want, math.Abs(mean-want)/se, se)
		}
	}
	within("step objective", sum, sumSq, full)
	for b := range B {
		within("log density of a draw", lpSum[b], lpSq[b], fullLP[b])
	}
	if _, again := objective(); again != full {
		t.Errorf("after UseRows(nil) the objective is %v, want the full-data %v", again, full)
	}
	mean := sum / K
	return math.Sqrt(sumSq/K - mean*mean)
}

// TestSubsampleChunked: on all rows of a checked posterior, the log
// density of many draws is evaluated in chunks of rows; the chunks' sum
// equals the log density in one run to rounding.
func TestSubsampleChunked(t *testing.T) {
	p := subsamplePosterior(t, 30)
	const B = rowChunkElems/300 + 100 // more than rowChunkElems draws × rows
	z := tensor.RandN(rand.New(rand.NewPCG(3, 4)), B, p.Dim())
	z = tensor.Scale(z, 0.3)
	if !p.rows.chunked(B) {
		t.Fatal("not chunked")
	}
	chunked, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(modeDensity, B)
	r.z, r.lay = z, p.lay
	if _, err := p.run(p.th, r); err != nil {
		t.Fatal(err)
	}
	for i, v := range r.logp.Data() {
		if c := chunked.Data()[i]; math.Abs(c-v) > 1e-9*math.Abs(v) {
			t.Fatalf("draw %d: chunked %v, one run %v", i, c, v)
		}
	}
}
