package interp

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// panicky is a distribution whose LogProb panics.
type panicky struct{}

func (panicky) Dim() int                              { return 1 }
func (panicky) LogProb(*tensor.Tensor) *tensor.Tensor { panic("boom") }
func (panicky) Sample(*rand.Rand, int) *tensor.Tensor { return tensor.Zeros(1, 1) }
func (panicky) Support() dist.Support                 { return dist.Support{Kind: dist.Real} }
func (panicky) String() string                        { return "panicky" }

// TestScoreEach checks the fallback of deferred observations: scored one
// at a time they give the joint score (and the closed form), and a
// distribution that cannot score its observation gives the error of
// observe at the ~.
func TestScoreEach(t *testing.T) {
	fam, err := dist.LookupFamily("Normal")
	if err != nil {
		t.Fatal(err)
	}
	const b = 3
	locs := [][]float64{{0, 1, -2}, {0.5, 0.5, 3}}
	xs := []float64{0.25, -1}
	s := &ast.Tilde{LHS: &ast.Ident{Name: "y", NamePos: ast.Pos{File: "m.flow", Line: 4, Col: 9}}}
	g := &obsGroup{s: s, fam: fam, what: "y[i]", xs: xs, lens: []int{1, 1}, params: make([][]*tensor.Tensor, 2)}
	for _, loc := range locs {
		l, sc := tensor.New(loc, b, 1), tensor.Scalar(2)
		d, err := fam.Build([]*tensor.Tensor{l, sc}, false)
		if err != nil {
			t.Fatal(err)
		}
		g.params[0] = append(g.params[0], l)
		g.params[1] = append(g.params[1], sc)
		g.ds = append(g.ds, d)
	}
	joint, ok := g.score(b)
	if !ok {
		t.Fatal("score failed")
	}
	ev := &evaluator{th: &lang.Thread{}, run: newRun(modeDensity, b)}
	if err := ev.scoreEach(g); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		want := 0.0
		for k, loc := range locs {
			z := (xs[k] - loc[i]) / 2
			want += -0.5*math.Log(2*math.Pi) - math.Log(2) - z*z/2
		}
		if got := joint.Data()[i]; math.Abs(got-want) > 1e-12 {
			t.Errorf("draw %d: joint score %v, want %v", i, got, want)
		}
		if got := ev.run.logp.Data()[i]; math.Abs(got-want) > 1e-12 {
			t.Errorf("draw %d: scored one at a time %v, want %v", i, got, want)
		}
	}

	g.ds[1] = panicky{}
	g.params = g.params[:1] // Normal with one parameter: no joint score
	if _, ok := g.score(b); ok {
		t.Error("score of a group with a missing parameter succeeded")
	}
	ev.run = newRun(modeDensity, b)
	err = ev.scoreEach(g)
	want := "m.flow:4:9: y[i] cannot be scored under flow: boom"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
}

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
