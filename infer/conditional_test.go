package infer_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// linearPairs returns n pairs with x ~ Uniform(-1, 1) (scaled by xs)
// and y | x ~ Normal(2x/xs, 0.3 + 0.2 x/xs), and the mean log density of
// the y rows under the true conditional.
func linearPairs(rng *rand.Rand, n int, xs float64) (y, x *tensor.Tensor, trueLL float64) {
	y, x = tensor.Zeros(n, 1), tensor.Zeros(n, 1)
	for i := range n {
		u := 2*rng.Float64() - 1
		sd := 0.3 + 0.2*u
		v := 2*u + sd*rng.NormFloat64()
		x.Data()[i], y.Data()[i] = xs*u, v
		z := (v - 2*u) / sd
		trueLL += -0.5*math.Log(2*math.Pi) - math.Log(sd) - z*z/2
	}
	return y, x, trueLL / float64(n)
}

func condGuide(t *testing.T, bij string) *flows.Flow {
	q, err := flows.Apply(bij, stdNormalBase(1), map[string]flows.OptionValue{"hidden": []float64{32, 32}, "context": 1.0, "layers": 2.0}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestFitConditional fits q(y | x) to pairs whose conditional mean and sd
// both change with x and checks the held-out mean log-likelihood against
// the true conditional's. The contexts are in units of 1000: the context
// standardisation must make that irrelevant. Tolerance: 0.1 nats; the
// held-out estimate's Monte Carlo sd is about 0.7/√4000 ≈ 0.011 nats, the
// rest is the fit's (2,000 pairs, 600 steps; a marginal fit that ignored x
// scores 0.9 nats worse).
func TestFitConditional(t *testing.T) {
	for _, bij := range []string{"AffineAutoregressive", "Coupling"} {
		rng := rand.New(rand.NewPCG(3, 4))
		y, x, _ := linearPairs(rng, 2000, 1000)
		q := condGuide(t, bij)
		rep, err := infer.FitConditional(q, y, x, infer.Options{Steps: 600, Batch: 256, LR: 0.005, Quiet: true, Clip: 10}, rng)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Init != "moments" {
			t.Errorf("%s: Init %q, want moments", bij, rep.Init)
		}
		ty, tx, trueLL := linearPairs(rng, 4000, 1000)
		got := tensor.Mean(q.LogProbGiven(ty, tx)).Item()
		t.Logf("%s: held-out %.4f, true %.4f", bij, got, trueLL)
		if math.Abs(got-trueLL) > 0.1 {
			t.Errorf("%s: held-out mean log-likelihood %.4f, true conditional %.4f", bij, got, trueLL)
		}
	}
}

// TestFitConditionalErrors checks the errors of pairs that do not match
// the guide.
func TestFitConditionalErrors(t *testing.T) {
	q := condGuide(t, "AffineAutoregressive")
	plain, _ := flows.Apply("AffineAutoregressive", stdNormalBase(1), nil, rand.New(rand.NewPCG(1, 2)))
	y := tensor.New([]float64{1, 2, 3}, 3, 1)
	o := infer.Options{Steps: 2, Quiet: true}
	for _, tt := range []struct {
		name string
		q    infer.ConditionalGuide
		y, x *tensor.Tensor
		want string
	}{
		{"not conditional", plain, y, tensor.Zeros(3, 1), "not conditional"},
		{"rows", q, y, tensor.Zeros(4, 1), "3 values but 4 contexts"},
		{"width", q, y, tensor.Zeros(3, 2), "context of 1 values: the contexts must be an n×1 matrix, got shape [3 2]"},
		{"value width", q, tensor.Zeros(3, 2), tensor.Zeros(3, 1), "dimension 1 but the values have 2 columns"},
		{"NaN context", q, y, tensor.New([]float64{0, math.NaN(), 1}, 3, 1), "context row 1 column 0 is NaN"},
		{"constant values", q, tensor.New([]float64{1, 1, 1}, 3, 1), tensor.New([]float64{0, 1, 2}, 3, 1), "constant"},
	} {
		_, err := infer.FitConditional(tt.q, tt.y, tt.x, o, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
