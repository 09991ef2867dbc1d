package interp_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// hiddenOf returns the hidden widths of the AffineAutoregressive layers
// of a flow, base side first.
func hiddenOf(f *flows.Flow) [][]int {
	var out [][]int
	for _, l := range f.Layers {
		if a, ok := l.(*flows.AffineAutoregressive); ok {
			out = append(out, slices.Clone(a.Hidden()))
		}
	}
	return out
}

// TestPosteriorGuideHidden checks the conditioner widths a flow plan gets
// as a posterior's guide: PosteriorHidden(d) (128 units up to d = 16, then
// 8·d, at most 256) for every AffineAutoregressive layer that does not say
// `hidden`, shown in the guide's description; an explicit `hidden` is kept;
// a plan fitted to data keeps FlowTorch's [256, 256].
func TestPosteriorGuideHidden(t *testing.T) {
	for _, w := range []struct{ d, want int }{{1, 128}, {16, 128}, {17, 136}, {20, 160}, {32, 256}, {200, 256}} {
		if got := interp.PosteriorHidden(w.d); !slices.Equal(got, []int{w.want, w.want}) {
			t.Errorf("PosteriorHidden(%d) = %v, want [%d %d]", w.d, got, w.want, w.want)
		}
	}
	cases := []struct {
		d     string
		guide string
		want  [][]int
		shown string
	}{
		{"3", "flow AffineAutoregressive", [][]int{{128, 128}}, "hidden=[128, 128]"},
		{"20", "flow AffineAutoregressive", [][]int{{160, 160}}, "hidden=[160, 160]"},
		{"3", "flow AffineAutoregressive(layers = 2)", [][]int{{128, 128}, {128, 128}}, "hidden=[128, 128]"},
		{"3", "flow AffineAutoregressive(hidden = [16])", [][]int{{16}}, "hidden=[16]"},
		{"3", "flow Spline(AffineAutoregressive)", [][]int{{128, 128}}, "hidden=[128, 128]"},
	}
	for _, c := range cases {
		src := "model m() {\n    x ~ Normal(zeros(" + c.d + "), 1)\n}\nq = " + c.guide +
			"\nr = fit q to m() by elbo { steps = 2, seed = 1, quiet = true }\n"
		th, _, _ := newThread()
		g, err := interp.ExecFile(th, "size.flow", src, nil)
		if err != nil {
			t.Fatalf("%s (d %s): %s", c.guide, c.d, interp.FormatError(err))
		}
		q := g["q"].(*interp.Guide)
		got := hiddenOf(q.Flow)
		if !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s (d %s): hidden %v, want %v", c.guide, c.d, got, c.want)
		}
		if desc := q.String(); !strings.Contains(desc, c.shown) {
			t.Errorf("%s (d %s): description %q does not show %s", c.guide, c.d, desc, c.shown)
		}
	}
	// A plan fitted to data (forward KL) keeps the default of package flows.
	src := "p = flow AffineAutoregressive\nr = fit p to [[0, 1], [1, 0], [2, 2]] by kl { steps = 2, seed = 1, quiet = true }\n"
	th, _, _ := newThread()
	g := mustRun(t, th, "data.flow", src)
	if got := hiddenOf(g["p"].(*lang.Flow).F); !slices.EqualFunc(got, [][]int{{256, 256}}, slices.Equal) {
		t.Errorf("a plan fitted to data: hidden %v, want [[256 256]]", got)
	}
}
