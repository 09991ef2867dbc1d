package interp

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// TestScoreWhole checks the grouping of deferred observations under a
// family with a whole-vector parameter: observations sharing one cutpoint
// batch are scored jointly (eta side by side, the cutpoints once), and
// observations under different cutpoints are not (score reports false, so
// that they are scored one at a time).
func TestScoreWhole(t *testing.T) {
	fam, err := dist.LookupFamily("OrderedLogistic")
	if err != nil {
		t.Fatal(err)
	}
	const b = 2
	etas := [][]float64{{0.3, -1}, {2, 0.5}, {-0.4, 0}}
	xs := []float64{0, 2, 1}
	cut := tensor.New([]float64{-1, 0.5, 0, 1.5}, b, 2)
	group := func(cuts ...*tensor.Tensor) *obsGroup {
		g := &obsGroup{s: &ast.Tilde{}, fam: fam, what: "y[i]", xs: xs, lens: []int{1, 1, 1}, params: make([][]*tensor.Tensor, 2)}
		for k, eta := range etas {
			e := tensor.New(eta, b, 1)
			d, err := fam.Build([]*tensor.Tensor{e, cuts[k]}, false)
			if err != nil {
				t.Fatal(err)
			}
			g.params[0] = append(g.params[0], e)
			g.params[1] = append(g.params[1], cuts[k])
			g.ds = append(g.ds, d)
		}
		return g
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	lp, ok := group(cut, cut, cut).score(b)
	if !ok {
		t.Fatal("observations sharing their cutpoints were not scored jointly")
	}
	for i := range b {
		c := cut.Data()[2*i : 2*i+2]
		want := 0.0
		for k, eta := range etas {
			e := eta[i]
			p := []float64{1 - sig(e-c[0]), sig(e-c[0]) - sig(e-c[1]), sig(e - c[1])}
			want += math.Log(p[int(xs[k])])
		}
		if got := lp.Data()[i]; math.Abs(got-want) > 1e-12 {
			t.Errorf("draw %d: joint score %v, want %v", i, got, want)
		}
	}
	other := tensor.New([]float64{-1, 0.5, 0, 2}, b, 2)
	if _, ok := group(cut, other, cut).score(b); ok {
		t.Error("observations under different cutpoints were scored jointly")
	}
	// Equal constant cutpoints are one parameter.
	c1, c2 := tensor.Vector([]float64{-1, 1}), tensor.Vector([]float64{-1, 1})
	if _, ok := group(c1, c2, c1).score(b); !ok {
		t.Error("observations under equal constant cutpoints were not scored jointly")
	}
}
