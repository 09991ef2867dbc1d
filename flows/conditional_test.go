package flows

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// condCase is a conditional layer over R^d reading a context of k values,
// with perturbed parameters.
type condCase struct {
	name string
	b    Conditional
}

// condCases returns the conditional bijectors, autoregressive ones in both
// directions, with tanh conditioners (relu units may be dead, which would
// hide a missing dependence).
func condCases(t *testing.T, d, k int) []condCase {
	rng := newRNG(11)
	var cs []condCase
	for _, dir := range []Direction{BaseSide, DataSide} {
		a, err := NewAffineAutoregressive(d, Options{Hidden: []int{9, 8}, Activation: "tanh", Context: k}, rng)
		if err != nil {
			t.Fatal(err)
		}
		perturb(rng, a.Params(), 0.3)
		a.SetDirection(dir)
		cs = append(cs, condCase{"AffineAutoregressive/" + dir.String(), a})
		s, err := NewSplineAutoregressive(d, Options{Hidden: []int{9}, Activation: "tanh", Bins: 5, Context: k}, rng)
		if err != nil {
			t.Fatal(err)
		}
		perturb(rng, s.Params(), 0.3)
		s.SetDirection(dir)
		cs = append(cs, condCase{"SplineAutoregressive/" + dir.String(), s})
	}
	for parity := range 2 {
		c, err := NewCoupling(d, parity, Options{Hidden: []int{7, 6}, Activation: "tanh", Context: k}, rng)
		if err != nil {
			t.Fatal(err)
		}
		perturb(rng, c.Params(), 0.3)
		cs = append(cs, condCase{fmt.Sprintf("Coupling/%d", parity), c})
	}
	return cs
}

// TestConditionalRoundTrip checks InverseGiven(ForwardGiven(x, c), c) = x
// with log-determinants adding to 0, and that the context matters.
func TestConditionalRoundTrip(t *testing.T) {
	const tol = 1e-9
	for _, d := range []int{1, 3} {
		for _, c := range condCases(t, d, 2) {
			rng := newRNG(3)
			x, ctx := randn(rng, 40, d), randn(rng, 40, 2)
			y, ldf := c.b.ForwardGiven(x, ctx)
			x2, ldi := c.b.InverseGiven(y, ctx)
			if e := maxAbsDiff(x.Data(), x2.Data()); e > tol {
				t.Errorf("d=%d %s: |x − Inverse(Forward(x))| = %g", d, c.name, e)
			}
			for i := range ldf.Data() {
				if e := math.Abs(ldf.Data()[i] + ldi.Data()[i]); e > tol {
					t.Errorf("d=%d %s: log-dets add to %g, want 0", d, c.name, e)
					break
				}
			}
			other := randn(rng, 40, 2)
			y2, _ := c.b.ForwardGiven(x, other)
			if e := maxAbsDiff(y.Data(), y2.Data()); e < 1e-3 {
				t.Errorf("d=%d %s: another context moves the output by only %g", d, c.name, e)
			}
		}
	}
}

// TestConditionalGradients checks the gradients of a loss of the outputs
// and log-determinants with respect to the parameters and to the context
// against central differences.
func TestConditionalGradients(t *testing.T) {
	const d, k = 3, 2
	for _, c := range condCases(t, d, k) {
		rng := newRNG(5)
		x, ctx, w := randn(rng, 5, d), randn(rng, 5, k), randn(rng, 5, d)
		for _, inverse := range []bool{false, true} {
			ps := append(c.b.Params(), ctx)
			tp := tensor.NewTape()
			eval := func() (float64, *tensor.Tensor) {
				tp.Reset()
				tp.Watch(ps...)
				run := c.b.ForwardGiven
				if inverse {
					run = c.b.InverseGiven
				}
				out, ld := run(x, ctx)
				loss := tensor.Add(tensor.Sum(tensor.Mul(out, w)), tensor.Sum(ld))
				return loss.Item(), loss
			}
			checkGradients(t, tp, ps, eval, func(pi int) []int {
				if pi == len(ps)-1 {
					return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9} // every context value
				}
				n := ps[pi].Len()
				return []int{rng.IntN(n), rng.IntN(n)}
			}, func(pi, i int) string {
				if pi == len(ps)-1 {
					return fmt.Sprintf("%s (inverse %v): context[%d]", c.name, inverse, i)
				}
				return fmt.Sprintf("%s (inverse %v): parameter %d[%d]", c.name, inverse, pi, i)
			})
		}
	}
}

// TestConditionalTriangular checks that a conditional autoregressive
// layer stays autoregressive in its inputs whatever the context: output
// order[k] depends only on inputs order[0..k], at several contexts, in
// both directions and both ways.
func TestConditionalTriangular(t *testing.T) {
	const d, k = 4, 3
	for _, c := range condCases(t, d, k) {
		ar, ok := c.b.(interface{ Order() []int })
		if !ok {
			continue
		}
		ord := ar.Order()
		rng := newRNG(8)
		for range 3 {
			ctx := randn(rng, 1, k)
			for _, way := range []string{"Forward", "Inverse"} {
				f := func(u *tensor.Tensor) *tensor.Tensor { y, _ := c.b.ForwardGiven(u, ctx); return y }
				if way == "Inverse" {
					f = func(u *tensor.Tensor) *tensor.Tensor { y, _ := c.b.InverseGiven(u, ctx); return y }
				}
				j := jacobianCentral(f, randn(rng, 1, d).Data())
				for a := range d {
					for b := range d {
						if v := j.At(ord[a], ord[b]); b > a && v != 0 {
							t.Errorf("%s %s: ∂y[%d]/∂x[%d] = %g, want 0 (order %v)", c.name, way, ord[a], ord[b], v, ord)
						}
					}
				}
			}
		}
	}
}

// condFlow returns a conditional flow over R^d of the three conditional
// bijectors (and a Permute) with perturbed parameters.
func condFlow(t *testing.T, d, k int) *Flow {
	rng := newRNG(21)
	base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Apply("AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{8, 8}, "context": float64(k)}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		name string
		opts map[string]OptionValue
	}{
		{"Permute", nil},
		{"SplineAutoregressive", map[string]OptionValue{"hidden": []float64{8}, "context": float64(k), "bins": float64(4)}},
		{"Coupling", map[string]OptionValue{"hidden": []float64{8}, "context": float64(k), "layers": float64(2)}},
	} {
		if f, err = Apply(st.name, f, st.opts, rng); err != nil {
			t.Fatal(err)
		}
	}
	perturb(rng, f.Params(), 0.2)
	return f
}

// TestConditionalFlowGiven checks LogProbGiven row by row against the flow
// at each context (Given), both directions, and that the log density at a
// context integrates the change of variables (LogProb of Given's draws
// equals Push's log density).
func TestConditionalFlowGiven(t *testing.T) {
	const d, k, n = 2, 3, 6
	for _, dir := range []Direction{BaseSide, DataSide} {
		f := condFlow(t, d, k)
		f.SetDirection(dir)
		if f.ContextDim() != k {
			t.Fatalf("ContextDim = %d, want %d", f.ContextDim(), k)
		}
		rng := newRNG(2)
		y, c := randn(rng, n, d), randn(rng, n, k)
		all := f.LogProbGiven(y, c)
		for i := range n {
			g, err := f.Given(c.Data()[i*k : (i+1)*k])
			if err != nil {
				t.Fatal(err)
			}
			if g.ContextDim() != 0 || !g.IsView() {
				t.Fatalf("Given: ContextDim %d, IsView %v; want 0, true", g.ContextDim(), g.IsView())
			}
			one := g.LogProb(tensor.New(y.Data()[i*d:(i+1)*d], 1, d)).Data()[0]
			if e := math.Abs(one - all.Data()[i]); e > 1e-12 {
				t.Errorf("%s row %d: LogProbGiven %v, Given(c).LogProb %v", dir, i, all.Data()[i], one)
			}
			x, lp := g.SampleAndLogProb(rng, 3)
			if e := maxAbsDiff(lp.Data(), g.LogProb(x).Data()); e > 1e-8 {
				t.Errorf("%s row %d: log density of draws %v vs LogProb %v", dir, i, lp.Data(), g.LogProb(x).Data())
			}
		}
		// One draw per context row, each from its own context: pushing the
		// draws back with their contexts gives finite base points, and the
		// draws at two contexts differ.
		s := f.SampleGiven(newRNG(4), c)
		if s.Dim(0) != n || s.Dim(1) != d {
			t.Fatalf("SampleGiven shape %v, want [%d %d]", s.Shape(), n, d)
		}
		for _, v := range f.LogProbGiven(s, c).Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("log density of a draw at its context is %v", v)
			}
		}
	}
}

// TestConditionalChunks checks that LogProbGiven and SampleGiven of more
// rows than a chunk pair each row with its own context.
func TestConditionalChunks(t *testing.T) {
	const d, k = 2, 1
	f := condFlow(t, d, k)
	n := sampleChunk + 10
	rng := newRNG(6)
	y, c := randn(rng, n, d), randn(rng, n, k)
	all := f.LogProbGiven(y, c)
	for _, i := range []int{0, sampleChunk - 1, sampleChunk, n - 1} {
		g, _ := f.Given(c.Data()[i : i+1])
		one := g.LogProb(tensor.New(y.Data()[i*d:(i+1)*d], 1, d)).Data()[0]
		if e := math.Abs(one - all.Data()[i]); e > 1e-12 {
			t.Errorf("row %d: LogProbGiven %v, Given %v", i, all.Data()[i], one)
		}
	}
	// A context far from the others moves its draw: the last rows get a
	// context of 50, the rest 0.
	cc := tensor.Zeros(n, k)
	for i := n - 5; i < n; i++ {
		cc.Data()[i] = 50
	}
	s := f.SampleGiven(newRNG(7), cc)
	g0, _ := f.Given([]float64{0})
	g50, _ := f.Given([]float64{50})
	for _, i := range []int{0, n - 1} {
		row := tensor.New(s.Data()[i*d:(i+1)*d], 1, d)
		at0, at50 := g0.LogProb(row).Data()[0], g50.LogProb(row).Data()[0]
		if want := i == n-1; (at50 > at0) != want {
			t.Errorf("row %d: log q at context 0 %v, at 50 %v: the draw is not from its context", i, at0, at50)
		}
	}
}

// TestConditionalSaveLoad checks that a saved conditional flow loads with
// its context size and scores bit for bit as the saved one.
func TestConditionalSaveLoad(t *testing.T) {
	const d, k = 3, 2
	f := condFlow(t, d, k)
	f.PrepareFit(false)
	if !f.StandardizeContext([]float64{1, -2}, []float64{2, 0.5}) {
		t.Fatal("StandardizeContext refused finite moments")
	}
	var buf bytes.Buffer
	if err := Save(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"context": 2`) {
		t.Errorf("the file does not record the context size")
	}
	g, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if g.ContextDim() != k {
		t.Fatalf("loaded ContextDim %d, want %d", g.ContextDim(), k)
	}
	rng := newRNG(9)
	y, c := randn(rng, 20, d), randn(rng, 20, k)
	if e := maxAbsDiff(f.LogProbGiven(y, c).Data(), g.LogProbGiven(y, c).Data()); e != 0 {
		t.Errorf("loaded flow's log densities differ by %g", e)
	}
	if e := maxAbsDiff(f.SampleGiven(newRNG(1), c).Data(), g.SampleGiven(newRNG(1), c).Data()); e != 0 {
		t.Errorf("loaded flow's draws differ by %g", e)
	}
	// A view cannot be saved.
	v, _ := f.Given([]float64{1, 2})
	if err := Save(&buf, v); err == nil || !strings.Contains(err.Error(), "save the conditional flow") {
		t.Errorf("Save of a view: %v", err)
	}
	// A context on a bijector that takes none is refused on load.
	var file bytes.Buffer
	if err := Save(&file, f); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(file.String(), `"type": "Permute",`, `"type": "Permute", "context": 2,`, 1)
	if bad == file.String() {
		t.Fatal("test file has no Permute layer to corrupt")
	}
	if _, err := Load(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "Permute takes no context") {
		t.Errorf("Load with a context on Permute: %v", err)
	}
}

// TestConditionalErrors checks the errors of contexts of the wrong size,
// contexts given to a flow that has none, and a context option on a
// bijector that takes none.
func TestConditionalErrors(t *testing.T) {
	f := condFlow(t, 2, 3)
	base, _ := dist.NewNormal(tensor.Zeros(2), tensor.Full(1, 2))
	plain, _ := Apply("AffineAutoregressive", base, nil, newRNG(1))
	mismatch, mmErr := Apply("Coupling", f, map[string]OptionValue{"context": float64(2)}, newRNG(1))
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"Given wrong length", second(f.Given([]float64{1, 2})), "context of 3 values, got 2"},
		{"Given unconditional", second(plain.Given([]float64{1})), "not conditional"},
		{"GivenRows wrong width", second(f.GivenRows(tensor.Zeros(4, 2))), "n×3 matrix, got shape [4 2]"},
		{"CheckGiven rows", f.CheckGiven(tensor.Zeros(4, 2), tensor.Zeros(5, 3)), "4 values but 5 contexts"},
		{"CheckGiven value width", f.CheckGiven(tensor.Zeros(4, 3), tensor.Zeros(4, 3)), "n×2 matrix"},
		{"context on Exp", CheckOptions("Exp", map[string]OptionValue{"context": float64(2)}), `Exp has no option "context"`},
		{"context 0", CheckOptions("Coupling", map[string]OptionValue{"context": float64(0)}), "context"},
		{"mixed contexts", mmErr, "context 2 but the flow's other conditional layers have context 3"},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, tt.err, tt.want)
		}
	}
	if mismatch != nil {
		t.Errorf("mixed contexts built a flow")
	}
	if _, err := NewCoupling(1, 0, Options{Hidden: []int{4}}, newRNG(1)); err == nil {
		t.Errorf("Coupling of dimension 1 without a context was built")
	}
}

func second[T any](_ T, err error) error { return err }

// TestStandardizeContext checks that a standardised flow at context c is
// the flow without standardisation at (c − mean)/sd.
func TestStandardizeContext(t *testing.T) {
	const d, k = 2, 2
	f := condFlow(t, d, k)
	rng := newRNG(12)
	y, c := randn(rng, 7, d), randn(rng, 7, k)
	mean, sd := []float64{3, -1}, []float64{0.5, 4}
	z := c.Clone()
	for i := range 7 {
		for j := range k {
			z.Data()[i*k+j] = (c.Data()[i*k+j] - mean[j]) / sd[j]
		}
	}
	want := f.LogProbGiven(y, z)
	if !f.StandardizeContext(mean, sd) {
		t.Fatal("StandardizeContext refused finite moments")
	}
	if e := maxAbsDiff(want.Data(), f.LogProbGiven(y, c).Data()); e > 1e-12 {
		t.Errorf("standardised log densities differ by %g", e)
	}
	for _, bad := range [][2][]float64{{{1}, {1}}, {{math.NaN(), 0}, {1, 1}}, {{0, 0}, {-1, 1}}} {
		if f.StandardizeContext(bad[0], bad[1]) {
			t.Errorf("StandardizeContext(%v, %v) accepted", bad[0], bad[1])
		}
	}
}

// TestPlanWithContext checks that WithContext sets the context of the
// bijectors that take one and were not given one, and nothing else.
func TestPlanWithContext(t *testing.T) {
	p := Plan{Layers: []PlanStep{
		{Name: "AffineAutoregressive"},
		{Name: "Permute"},
		{Name: "Coupling", Options: map[string]OptionValue{"context": float64(3)}},
	}}
	q := p.WithContext(2)
	if got := q.String(); !strings.Contains(got, "AffineAutoregressive(context = 2)") || !strings.Contains(got, "context = 3") {
		t.Errorf("WithContext(2) = %s", got)
	}
	if _, ok := q.Layers[0].Options["context"]; !ok {
		t.Errorf("AffineAutoregressive got no context")
	}
	if _, ok := q.Layers[1].Options["context"]; ok {
		t.Errorf("Permute got a context")
	}
	if q.Layers[2].Options["context"] != float64(3) {
		t.Errorf("Coupling's context 3 changed to %v", q.Layers[2].Options["context"])
	}
	if p.Layers[0].Options != nil {
		t.Errorf("WithContext modified the plan")
	}
	base, _ := dist.NewNormal(tensor.Zeros(2), tensor.Full(1, 2))
	f, err := Plan{Layers: p.Layers[:2]}.WithContext(2).Instantiate(base, newRNG(1))
	if err != nil || f.ContextDim() != 2 {
		t.Fatalf("instantiated: ContextDim %v, error %v", f, err)
	}
}

// TestViewCurrent checks that a view made before its conditional flow's
// first fit (which appends a standardiser and standardises the contexts)
// is made again by Current, and scores as a view made after.
func TestViewCurrent(t *testing.T) {
	f := condFlow(t, 2, 1)
	early, _ := f.Given([]float64{0.7})
	if early.Current() != early {
		t.Fatal("Current of an up-to-date view is not the view")
	}
	f.StandardizeContext([]float64{1}, []float64{2})
	f.InitFromMoments([]float64{5, -3}, []float64{2, 0.5})
	late, _ := f.Given([]float64{0.7})
	y := randn(newRNG(3), 4, 2)
	want := late.LogProb(y).Data()
	if e := maxAbsDiff(early.Current().LogProb(y).Data(), want); e > 1e-12 {
		t.Errorf("refreshed early view differs from a late one by %g", e)
	}
	if e := maxAbsDiff(early.LogProb(y).Data(), want); e < 1e-3 {
		t.Errorf("the stale view already scores as the late one: the test does not test Current")
	}
}

// TestConditionalMADEStaircase checks a conditional MADE whose first layer
// is computed block by block (a staircase, for large d) against the dense
// masked product of the same weights.
func TestConditionalMADEStaircase(t *testing.T) {
	rng := newRNG(13)
	const d, k = 128, 3
	m := newMADE(d, []int{512, 64}, "tanh", rng.Perm(d))
	m.setContext(k)
	m.init(rng)
	perturb(rng, m.params(), 0.1)
	if m.stairs[0] == nil {
		t.Fatal("the first layer is not a staircase: the test needs a larger d")
	}
	u, c := randn(rng, 6, d), randn(rng, 6, k)
	mu, raw := m.forwardC(u, c)
	m.stairs[0] = nil // the dense masked product
	mu2, raw2 := m.forwardC(u, c)
	if e := max(maxAbsDiff(mu.Data(), mu2.Data()), maxAbsDiff(raw.Data(), raw2.Data())); e > 1e-12 {
		t.Errorf("staircase and dense first layers differ by %g", e)
	}
}
