package flows

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// TestAffineFixedUntracked checks the one-pass path of AffineFixed for
// untracked inputs against its tensor operations (taken for a tracked
// input): equal values bit for bit, both directions.
func TestAffineFixedUntracked(t *testing.T) {
	a := newAffineFixed([]float64{5, -1.5, 0.1}, []float64{0.5, -3, 1e-3})
	x := randn(newRNG(4), 40, 3)
	for _, dir := range []string{"Forward", "Inverse"} {
		apply := func(in *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
			if dir == "Forward" {
				return a.Forward(in)
			}
			return a.Inverse(in)
		}
		y1, l1 := apply(x)
		p := tensor.Param(append([]float64(nil), x.Data()...), 40, 3)
		tp := tensor.NewTape()
		tp.Watch(p)
		y2, l2 := apply(p)
		if y1.Tracked() || !y2.Tracked() {
			t.Fatalf("%s: tracked %v for an untracked input, %v for a tracked one", dir, y1.Tracked(), y2.Tracked())
		}
		if d := maxAbsDiff(y1.Data(), y2.Data()); d != 0 {
			t.Errorf("%s: untracked path differs from the tensor operations by %g", dir, d)
		}
		if d := maxAbsDiff(l1.Data(), l2.Data()); d != 0 {
			t.Errorf("%s: log-determinants differ by %g", dir, d)
		}
		tp.Reset()
	}
}

// TestPushIsSampleAndLogProb: Push of Noise is SampleAndLogProb, and
// pushing the noise in two pieces gives the two pieces of the result.
func TestPushIsSampleAndLogProb(t *testing.T) {
	base, err := dist.NewNormal(tensor.Vector([]float64{0, 0, 0}), tensor.Vector([]float64{1, 1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Apply("AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{8}}, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	perturb(newRNG(2), f.Params(), 0.3)
	f.SetDirection(BaseSide)
	x1, l1 := f.SampleAndLogProb(rand.New(rand.NewPCG(5, 5)), 30)
	noise := f.Noise(rand.New(rand.NewPCG(5, 5)), 30)
	x2, l2 := f.Push(noise)
	xa, la := f.Push(tensor.Narrow(noise, 0, 0, 12))
	xb, lb := f.Push(tensor.Narrow(noise, 0, 12, 18))
	if d := maxAbsDiff(x1.Data(), x2.Data()) + maxAbsDiff(l1.Data(), l2.Data()); d != 0 {
		t.Errorf("Push(Noise) differs from SampleAndLogProb by %g", d)
	}
	xs := append(append([]float64(nil), xa.Data()...), xb.Data()...)
	ls := append(append([]float64(nil), la.Data()...), lb.Data()...)
	if d := maxAbsDiff(x1.Data(), xs) + maxAbsDiff(l1.Data(), ls); d > 1e-12 {
		t.Errorf("Push in two pieces differs from one pass by %g", d)
	}
	if f.CouplesRows() {
		t.Error("a flow without BatchNorm reports CouplesRows")
	}
}
