package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mat"
)

// propCase is one bijector (or chain of bijectors) under test, with its
// input support and a way to draw inputs in it.
type propCase struct {
	name   string
	layers []Bijector
	domain dist.Support
	draw   func(rng *rand.Rand, n, d int) *tensor.Tensor
}

func drawReal(scale float64) func(*rand.Rand, int, int) *tensor.Tensor {
	return func(rng *rand.Rand, n, d int) *tensor.Tensor {
		return tensor.Scale(tensor.RandN(rng, n, d), scale)
	}
}

// needsPositive reports whether bijector name refuses a real input and
// takes a positive one (Power), as its registration's support says.
func needsPositive(name string) bool {
	l, err := lookup(name).build(1, Options{}, newRNG(1))
	if err != nil || len(l) == 0 {
		return false
	}
	m, ok := l[0].(supportMapper)
	if !ok {
		return false
	}
	_, errReal := m.mapSupport(dist.Support{Kind: dist.Real}, "test")
	_, errPos := m.mapSupport(dist.Support{Kind: dist.Positive}, "test")
	return errReal != nil && errPos == nil
}

func drawPositive(rng *rand.Rand, n, d int) *tensor.Tensor {
	return tensor.Exp(tensor.Scale(tensor.RandN(rng, n, d), 0.7))
}

// randomBijector builds bijector name over R^d with random parameters
// (heads perturbed away from the identity, running statistics moved).
func randomBijector(t testing.TB, name string, d int, rng *rand.Rand) []Bijector {
	t.Helper()
	o := map[string]OptionValue{}
	switch name {
	case "AffineAutoregressive", "SplineAutoregressive", "Coupling":
		o["hidden"] = hiddenFor(t)
		o["activation"] = []string{"relu", "tanh", "elu"}[rng.IntN(3)]
	case "Power":
		o["exponent"] = []float64{2, 0.5, -1.5, 3}[rng.IntN(4)]
	case "Spline":
		o["bins"] = float64(1 + rng.IntN(9))
		o["bound"] = 1 + 3*rng.Float64()
	case "AffineFixed":
		o["loc"], o["scale"] = 0.3, -1.7
	}
	if name == "SplineAutoregressive" {
		o["bins"] = float64(2 + rng.IntN(7))
		o["bound"] = 2.5
	}
	po, err := parseOptions(name, o)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lookup(name).build(d, po, rng)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sd := 0.4
	if name == "Spline" {
		sd = 1.5 // strongly uneven bins and derivatives
	}
	for _, l := range ls {
		perturb(rng, l.Params(), sd)
		if b, ok := l.(*BatchNorm); ok {
			for j := range b.RunMean {
				b.RunMean[j] = rng.NormFloat64()
				b.RunVar[j] = math.Exp(rng.NormFloat64())
			}
		}
	}
	return ls
}

func chainForward(ls []Bijector, x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	acc := tensor.Zeros(x.Dim(0))
	for _, l := range ls {
		var ld *tensor.Tensor
		x, ld = l.Forward(x)
		acc = tensor.Add(acc, ld)
	}
	return x, acc
}

func chainInverse(ls []Bijector, y *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	acc := tensor.Zeros(y.Dim(0))
	for i := len(ls) - 1; i >= 0; i-- {
		var ld *tensor.Tensor
		y, ld = ls[i].Inverse(y)
		acc = tensor.Add(acc, ld)
	}
	return y, acc
}

// propErrors are the worst errors seen for one case.
type propErrors struct{ inv, logDet, sum float64 }

// checkProperties runs the round-trip, log-det and codomain checks on n
// random inputs and returns the worst errors.
func checkProperties(t *testing.T, c propCase, x *tensor.Tensor) propErrors {
	t.Helper()
	var e propErrors
	n, d := x.Dim(0), x.Dim(1)
	y, ld := chainForward(c.layers, x)
	x2, ldi := chainInverse(c.layers, y)
	for i, v := range x.Data() {
		e.inv = max(e.inv, math.Abs(x2.Data()[i]-v)/max(1, math.Abs(v)))
	}
	for i := range n {
		e.sum = max(e.sum, math.Abs(ld.Data()[i]+ldi.Data()[i])/max(1, math.Abs(ld.Data()[i])))
		if !finite(ld.Data()[i]) || !finite(ldi.Data()[i]) {
			t.Errorf("%s: non-finite log-det %v, %v at %v", c.name, ld.Data()[i], ldi.Data()[i], x.Data()[i*d:(i+1)*d])
		}
	}
	out, err := supportOf(c.domain, c.layers, nil)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	if k := out.FirstOutside(y); k >= 0 {
		t.Errorf("%s: output %v outside the declared codomain %v", c.name, y.Data()[k], out.Kind)
	}
	// Finite-difference Jacobian on the first rows.
	for i := range min(n, 6) {
		row := x.Data()[i*d : (i+1)*d]
		J := jacobianCentral(func(v *tensor.Tensor) *tensor.Tensor { y, _ := chainForward(c.layers, v); return y }, row)
		var lu mat.LU
		lu.Factorize(J)
		want, _ := lu.LogDet()
		e.logDet = max(e.logDet, math.Abs(want-ld.Data()[i])/max(1, math.Abs(want)))
	}
	return e
}

// jacobianCentral returns the Jacobian of f at x by central differences.
func jacobianCentral(f func(*tensor.Tensor) *tensor.Tensor, x []float64) *mat.Dense {
	d := len(x)
	J := mat.NewDense(d, d, nil)
	for j := range d {
		h := 1e-6 * max(1, math.Abs(x[j]))
		xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
		xp[j] += h
		xm[j] -= h
		fp, fm := f(tensor.New(xp, 1, d)).Data(), f(tensor.New(xm, 1, d)).Data()
		for i := range d {
			J.Set(i, j, (fp[i]-fm[i])/(2*h))
		}
	}
	return J
}

// propertyCases returns every bijector (autoregressive ones in both
// directions) over R^d with random parameters.
func propertyCases(t testing.TB, d int, rng *rand.Rand) []propCase {
	var cs []propCase
	real := dist.Support{Kind: dist.Real}
	for _, name := range Names() {
		if name == "Coupling" && d < 2 {
			continue
		}
		c := propCase{name: name, layers: randomBijector(t, name, d, rng), domain: real, draw: drawReal(1.5)}
		switch {
		case needsPositive(name):
			c.domain, c.draw = dist.Support{Kind: dist.Positive}, drawPositive
		case name == "Spline" || name == "SplineAutoregressive":
			c.draw = drawReal(3) // about a third outside the box
		}
		if _, ok := c.layers[0].(Directional); ok {
			for _, dir := range []Direction{BaseSide, DataSide} {
				cc := c
				cc.name = name + "/" + strings.ReplaceAll(dir.String(), " ", "-")
				cc.layers = randomBijector(t, name, d, rng)
				for _, l := range cc.layers {
					l.(Directional).SetDirection(dir)
				}
				cs = append(cs, cc)
			}
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

// TestBijectorProperties checks every bijector on random inputs and
// parameters: inverse(forward(x)) = x, the log-det against a
// finite-difference Jacobian, forward and inverse log-dets opposite, and
// outputs in the declared codomain. Run with -v for the error table.
func TestBijectorProperties(t *testing.T) {
	rng := newRNG(7)
	worst := map[string]propErrors{}
	for trial := range 3 {
		d := 1 + trial
		if trial == 2 {
			d = 4
		}
		for _, c := range propertyCases(t, d, rng) {
			e := checkProperties(t, c, c.draw(rng, 40, d))
			w := worst[c.name]
			worst[c.name] = propErrors{max(w.inv, e.inv), max(w.logDet, e.logDet), max(w.sum, e.sum)}
		}
	}
	names := make([]string, 0, len(worst))
	for n := range worst {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := worst[n]
		t.Logf("%-36s inverse %.1e  log-det %.1e  fwd+inv %.1e", n, e.inv, e.logDet, e.sum)
		if e.inv > 1e-8 || e.logDet > 1e-5 || e.sum > 1e-8 {
			t.Errorf("%s: inverse error %.2g (max 1e-8), log-det error %.2g (max 1e-5), log-det sum %.2g", n, e.inv, e.logDet, e.sum)
		}
	}
}

// TestSplineOutsideBox checks the spline on points far outside the box
// and exactly on its edges: identity, zero log-det, finite inverse.
func TestSplineOutsideBox(t *testing.T) {
	rng := newRNG(3)
	s := randomBijector(t, "Spline", 3, rng)[0].(*Spline)
	x := tensor.New([]float64{-1e6, 1e6, -s.bound, s.bound, -3.0000001, 1e-300, -50, 50, 0}, 3, 3)
	y, ld := s.Forward(x)
	x2, ldi := s.Inverse(y)
	for i, v := range x.Data() {
		if math.Abs(x2.Data()[i]-v) > 1e-12*max(1, math.Abs(v)) {
			t.Errorf("round trip of %v gave %v", v, x2.Data()[i])
		}
		if math.Abs(v) > s.bound && y.Data()[i] != v {
			t.Errorf("outside the box %v maps to %v, want the identity", v, y.Data()[i])
		}
	}
	for i := range 3 {
		if !finite(ld.Data()[i]) || math.Abs(ld.Data()[i]+ldi.Data()[i]) > 1e-12 {
			t.Errorf("row %d: log-dets %v, %v", i, ld.Data()[i], ldi.Data()[i])
		}
	}
	// Inverse of arbitrary points, including outside the box, is finite.
	_, ldi = s.Inverse(tensor.New([]float64{-7, 2.9999, 1e9}, 1, 3))
	if !finite(ldi.Item()) {
		t.Errorf("inverse log-det %v", ldi.Item())
	}
}

// TestRandomCompositions checks random chains of 2–3 bijectors, skipping
// chains whose domains do not fit (which the flow rejects when built).
func TestRandomCompositions(t *testing.T) {
	rng := newRNG(11)
	checked := 0
	for trial := 0; checked < 40 && trial < 400; trial++ {
		d := 2 + rng.IntN(2)
		k := 2 + rng.IntN(2)
		var ls []Bijector
		var names []string
		for range k {
			name := Names()[rng.IntN(len(Names()))]
			names = append(names, name)
			ls = append(ls, randomBijector(t, name, d, rng)...)
		}
		if _, err := supportOf(dist.Support{Kind: dist.Real}, ls, nil); err != nil {
			continue
		}
		for _, l := range ls {
			if a, ok := l.(Directional); ok {
				a.SetDirection(Direction(rng.IntN(2)))
			}
		}
		c := propCase{name: strings.Join(names, "∘"), layers: ls, domain: dist.Support{Kind: dist.Real}}
		e := checkProperties(t, c, drawReal(1.2)(rng, 20, d))
		if e.inv > 1e-8 || e.logDet > 1e-5 || e.sum > 1e-8 {
			t.Errorf("%s (d=%d): inverse error %.2g, log-det error %.2g, log-det sum %.2g", c.name, d, e.inv, e.logDet, e.sum)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("only %d compositions checked", checked)
	}
}

// TestSampleLogProbAgree checks, for every autoregressive and coupling
// bijector in both directions, that log_prob of the flow's own samples
// equals the log density SampleAndLogProb returns with them.
func TestSampleLogProbAgree(t *testing.T) {
	for _, name := range []string{"AffineAutoregressive", "SplineAutoregressive", "Coupling", "Planar", "Radial"} {
		for _, dir := range []Direction{BaseSide, DataSide} {
			rng := newRNG(5)
			ls := randomBijector(t, name, 3, rng)
			ls = append(ls, randomBijector(t, name, 3, rng)...)
			f, err := New(stdNormal(3), ls...)
			if err != nil {
				t.Fatal(err)
			}
			f.SetDirection(dir)
			x, lp := f.SampleAndLogProb(newRNG(9), 200)
			lp2 := f.LogProb(x)
			if e := maxAbsDiff(lp.Data(), lp2.Data()); e > 1e-9 {
				t.Errorf("%s/%s: SampleAndLogProb and LogProb differ by %.2g", name, dir, e)
			}
		}
	}
}

// hiddenFor returns the conditioner widths of randomBijector: small in
// tests, [32, 32] in benchmarks.
func hiddenFor(t testing.TB) []float64 {
	if _, ok := t.(*testing.B); ok {
		return []float64{32, 32}
	}
	return []float64{7, 6}
}

// TestBijectorGradients checks the tape's gradients of Σ (w·out + log-det)
// with respect to every parameter tensor (three random entries each)
// against central differences, for Forward and Inverse of every bijector.
// Evaluations run with the parameters watched, so BatchNorm is in training
// mode throughout (batch statistics in Inverse); its running statistics are
// restored before each evaluation.
func TestBijectorGradients(t *testing.T) {
	rng := newRNG(13)
	for _, c := range propertyCases(t, 3, rng) {
		x := c.draw(rng, 5, 3)
		y, _ := chainForward(c.layers, x)
		var ps []*tensor.Tensor
		var bns []*BatchNorm
		for _, l := range c.layers {
			ps = append(ps, l.Params()...)
			if b, ok := l.(*BatchNorm); ok {
				bns = append(bns, b)
			}
		}
		if len(ps) == 0 {
			continue
		}
		saved := make([][2][]float64, len(bns))
		for i, b := range bns {
			saved[i] = [2][]float64{append([]float64(nil), b.RunMean...), append([]float64(nil), b.RunVar...)}
		}
		w := tensor.RandN(rng, 5, 3)
		for _, inverse := range []bool{false, true} {
			in, run := x, chainForward
			if inverse {
				in, run = y, chainInverse
			}
			tp := tensor.NewTape()
			eval := func() (float64, *tensor.Tensor) {
				for i, b := range bns {
					copy(b.RunMean, saved[i][0])
					copy(b.RunVar, saved[i][1])
				}
				tp.Reset()
				tp.Watch(ps...)
				out, ld := run(c.layers, in)
				loss := tensor.Add(tensor.Sum(tensor.Mul(out, w)), tensor.Sum(ld))
				return loss.Item(), loss
			}
			checkGradients(t, tp, ps, eval, func(pi int) []int {
				n := ps[pi].Len()
				return []int{rng.IntN(n), rng.IntN(n), rng.IntN(n)}
			}, func(pi, i int) string {
				return fmt.Sprintf("%s (inverse %v): parameter %d[%d]", c.name, inverse, pi, i)
			})
		}
	}
}

// checkGradients checks the tape's gradients of the loss that eval
// computes (recording on tp, with ps watched) against central differences
// at the entries idx(pi) of each parameter ps[pi], in order; name(pi, i)
// names an entry in the error. Steps are 1e-6 relative: the differences'
// truncation and rounding errors stay near 1e-9, far inside the 1e-5
// (relative) tolerance.
func checkGradients(t *testing.T, tp *tensor.Tape, ps []*tensor.Tensor, eval func() (float64, *tensor.Tensor), idx func(pi int) []int, name func(pi, i int) string) {
	t.Helper()
	for _, p := range ps {
		p.ZeroGrad()
	}
	_, loss := eval()
	tp.Backward(loss)
	grads := make([][]float64, len(ps))
	for i, p := range ps {
		grads[i] = append([]float64(nil), p.Grad()...)
	}
	for pi, p := range ps {
		for _, i := range idx(pi) {
			v := p.Data()[i]
			h := 1e-6 * max(1, math.Abs(v))
			p.Data()[i] = v + h
			fp, _ := eval()
			p.Data()[i] = v - h
			fm, _ := eval()
			p.Data()[i] = v
			num := (fp - fm) / (2 * h)
			if g := grads[pi][i]; math.Abs(num-g) > 1e-5*max(1, math.Abs(num)) {
				t.Errorf("%s: gradient %v, finite difference %v", name(pi, i), g, num)
			}
		}
	}
	tp.Reset()
}

// TestBatchNormTraining checks that BatchNorm normalises with the batch's
// statistics while a tape watches its parameters, updates its running
// statistics then, and uses the running statistics otherwise.
func TestBatchNormTraining(t *testing.T) {
	b := NewBatchNorm(2)
	y := tensor.New([]float64{1, 10, 3, 14, 5, 18}, 3, 2) // means 3, 14; variances 8/3, 32/3
	tp := tensor.NewTape()
	tp.Watch(b.Params()...)
	if !b.Training() {
		t.Fatal("not training under an active tape")
	}
	x, _ := b.Inverse(y)
	mean, _ := tensor.ColumnMoments(x.Detach())
	for j := range 2 {
		if math.Abs(mean[j]) > 1e-12 {
			t.Errorf("training output column %d has mean %v, want 0", j, mean[j])
		}
	}
	if math.Abs(b.RunMean[0]-0.3) > 1e-12 || math.Abs(b.RunVar[1]-(0.9+0.1*32.0/3)) > 1e-12 {
		t.Errorf("running statistics %v, %v", b.RunMean, b.RunVar)
	}
	tp.Reset()
	if b.Training() {
		t.Fatal("training after the tape was reset")
	}
	x, _ = b.Inverse(y)
	want := (1 - 0.3) / math.Sqrt(b.RunVar[0]+b.Eps)
	if math.Abs(x.At(0, 0)-want) > 1e-12 {
		t.Errorf("evaluation uses %v, want running statistics (%v)", x.At(0, 0), want)
	}
}
