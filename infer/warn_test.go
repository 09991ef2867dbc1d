package infer_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// flatPost is the improper "posterior" of a flat prior on R^d with no
// likelihood: log density 0 everywhere. Its coordinates are named x0, x1.
type flatPost struct{ d int }

func (f flatPost) Dim() int { return f.d }

func (f flatPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	return tensor.Scale(tensor.SumAxis(z, 1), 0), nil
}

func (f flatPost) CoordName(i int) string { return fmt.Sprintf("x%d", i) }

// cutPost is N(0, I) on R^2 whose log density is −Inf where z₀ > c (a
// support the model does not declare); it records what ExplainDropped is
// shown.
type cutPost struct {
	c     float64
	shown [][]float64
}

func (p *cutPost) Dim() int { return 2 }

func (p *cutPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	n := z.Dim(0)
	lp := tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5)
	cut := make([]bool, n)
	for i := range n {
		cut[i] = z.Data()[2*i] > p.c
	}
	return tensor.Where(cut, tensor.Scalar(math.Inf(-1)), lp), nil
}

func (p *cutPost) ExplainDropped(z [][]float64) string {
	p.shown = append(p.shown, z...)
	return fmt.Sprintf("z0 > %v", p.c)
}

// TestImproperWarning: a flow fitted to a flat density spreads out without
// bound, and the fit says the posterior may be improper, naming the
// coordinate; a proper Gaussian posterior (also badly scaled, and from the
// guide as built) gives no warning.
func TestImproperWarning(t *testing.T) {
	small := map[string]flows.OptionValue{"hidden": []float64{16}}
	var buf bytes.Buffer
	q := flowGuide(t, "AffineAutoregressive", 2, small)
	rep, err := infer.FitPosterior(q, flatPost{2}, infer.Options{Steps: 300, Seed: 1, HasSeed: true, Progress: &buf}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) == 0 || !strings.HasPrefix(rep.Warnings[0], "the posterior may be improper: the guide's scale of x") ||
		!strings.Contains(rep.Warnings[0], "the ELBO kept rising") ||
		!strings.HasSuffix(rep.Warnings[0], "check that every latent has a proper prior or is informed by the likelihood") {
		t.Errorf("flat: warnings %q", rep.Warnings)
	}
	if !strings.Contains(buf.String(), "warning: the posterior may be improper") {
		t.Errorf("flat: the warning was not printed: %q", buf.String())
	}
	for _, tt := range []struct {
		name string
		p    infer.Posterior
		init string
	}{
		{"N(0, I)", newGaussPost([]float64{0, 0}, []float64{1, 1}, 0, 0), "auto"},
		{"badly scaled", newGaussPost([]float64{3, -100}, []float64{1e-3, 10}, -0.998, 0), "auto"},
		{"wide, from the guide as built", newGaussPost([]float64{5, 0}, []float64{10, 10}, 0, 0), "prior"},
		{"funnel", funnel{3}, "auto"},
	} {
		q := flowGuide(t, "AffineAutoregressive", tt.p.Dim(), small)
		rep, err := infer.FitPosterior(q, tt.p, infer.Options{Steps: 300, Seed: 1, HasSeed: true, Quiet: true, Init: tt.init}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range rep.Warnings {
			if strings.Contains(w, "improper") {
				t.Errorf("%s: %s", tt.name, w)
			}
		}
	}
}

// TestDropWarning: a fit that drops more than 1% of its draws says how
// many, and why (ExplainDropped, shown at most 8 of the dropped draws);
// the Warn option receives the warning, also when Quiet.
func TestDropWarning(t *testing.T) {
	p := &cutPost{c: 1}
	q := flowGuide(t, "Affine", 2, nil)
	var got []string
	rep, err := infer.FitPosterior(q, p, infer.Options{Steps: 100, Tol: -1, Seed: 1, HasSeed: true, Quiet: true, Init: "prior",
		Warn: func(msg string) { got = append(got, msg) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 100 * 256
	if rep.Dropped*100 <= total {
		t.Fatalf("dropped %d of %d, want more than 1%%", rep.Dropped, total)
	}
	want := fmt.Sprintf("%d of %d draws (", rep.Dropped, total)
	if len(rep.Warnings) == 0 || !strings.HasPrefix(rep.Warnings[0], want) || !strings.HasSuffix(rep.Warnings[0], "had a non-finite log density and were dropped: z0 > 1") {
		t.Errorf("warnings %q, want one starting %q", rep.Warnings, want)
	}
	if len(got) != len(rep.Warnings) {
		t.Errorf("Warn received %q, the report has %q", got, rep.Warnings)
	}
	if len(p.shown) == 0 || len(p.shown) > 8 {
		t.Errorf("ExplainDropped was shown %d draws, want 1 to 8", len(p.shown))
	}
	for _, z := range p.shown {
		if !(z[0] > 1) {
			t.Errorf("ExplainDropped was shown %v, which was not dropped", z)
		}
	}

	// A cut far in the tail drops fewer than 1% (P(z₀ > 3) ≈ 0.13% under
	// the fitted N(0, 1)): no warning.
	p = &cutPost{c: 3}
	q = flowGuide(t, "Affine", 2, nil)
	rep, err = infer.FitPosterior(q, p, infer.Options{Steps: 100, Seed: 1, HasSeed: true, Quiet: true, Init: "prior"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w, "dropped") {
			t.Errorf("c = 3: dropped %d: %s", rep.Dropped, w)
		}
	}
}
