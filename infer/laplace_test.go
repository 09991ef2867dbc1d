package infer

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/tensor"
)

func TestPathIndices(t *testing.T) {
	for _, tt := range []struct {
		n, limit int
		want     []int
	}{
		{1, 10, []int{0}},
		{2, 10, []int{0, 1}},
		{6, 10, []int{0, 1, 2, 4, 5}},
		{300, 10, []int{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 299}},
		{300, 2, []int{0, 256, 299}},
	} {
		if got := pathIndices(tt.n, tt.limit); !slices.Equal(got, tt.want) {
			t.Errorf("pathIndices(%d, %d) = %v, want %v", tt.n, tt.limit, got, tt.want)
		}
	}
}

// diagPost is a diagonal Gaussian posterior in D dimensions with means m_j
// and sds s_j spread over 1e-3 … 1e2.
type diagPost struct{ m, s []float64 }

func newDiagPost(d int) diagPost {
	p := diagPost{make([]float64, d), make([]float64, d)}
	for j := range d {
		p.m[j] = math.Sin(float64(j)) * 10
		p.s[j] = math.Pow(10, -3+5*float64(j)/float64(d-1))
	}
	return p
}

func (p diagPost) Dim() int { return len(p.m) }

func (p diagPost) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	u := tensor.Div(tensor.Sub(z, tensor.Vector(p.m)), tensor.Vector(p.s))
	return tensor.Scale(tensor.SumAxis(tensor.Square(u), 1), -0.5), nil
}

// TestGaussianStartHighDim: in 300 dimensions (chunked Hessian passes, few
// path points) the start is the exact Laplace approximation.
func TestGaussianStartHighDim(t *testing.T) {
	const d = 300
	p := newDiagPost(d)
	base, _ := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	q, err := flows.Apply("Affine", base, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	g, _, stats, err := gaussianStart(q, p, context.Background(), rand.New(rand.NewPCG(2, 2)))
	if err != nil || g == nil {
		t.Fatalf("gaussianStart: %v, %v", g, err)
	}
	if g.Kind != "laplace" {
		t.Errorf("kind %q, want laplace (%s)", g.Kind, stats)
	}
	for j := range d {
		if math.Abs(g.Mean[j]-p.m[j]) > 1e-6*p.s[j] || math.Abs(g.L[j][j]/p.s[j]-1) > 1e-6 {
			t.Fatalf("coordinate %d: mean %v sd %v, want %v and %v", j, g.Mean[j], g.L[j][j], p.m[j], p.s[j])
		}
	}
}

// decaying is a loss that decays to 10 with a little alternating noise.
func decaying(step int) float64 {
	return 10 + 1000*math.Exp(-float64(step)/40) + 0.01*float64(step%2)
}

// losses0 returns the losses of steps a+1 … b.
func losses0(a, b int) []float64 {
	var v []float64
	for s := a + 1; s <= b; s++ {
		v = append(v, decaying(s))
	}
	return v
}

func TestTolRule(t *testing.T) {
	o := Options{Steps: 1000, Tol: 0.01}
	r := newTolRule(o, 50) // buffer of max(2, 1000/500) = 2
	var losses []float64
	why := ""
	for step := 1; step <= 1000 && why == ""; step++ {
		losses = append(losses, decaying(step))
		why = r.check(losses)
	}
	// The expected stop, from the rule's definition: the first check (every
	// 50 steps) where the mean of the last two relative changes of the
	// window means is below 0.01.
	want := 0
	var rels []float64
	for c := 100; c <= 1000 && want == 0; c += 50 {
		cur, prev := mean(losses0(c-50, c)), mean(losses0(c-100, c-50))
		rels = append(rels, math.Abs(cur-prev)/max(math.Abs(cur), 1))
		if k := len(rels); k >= 2 && (rels[k-1]+rels[k-2])/2 < 0.01 {
			want = c
		}
	}
	if n := len(losses); n != want || !strings.HasPrefix(why, "mean relative change of the objective over the last 2 checks (every 50 steps) ") {
		t.Errorf("stopped after %d steps (want %d): %q", n, want, why)
	}
	if newTolRule(Options{Steps: 100}, 10) != nil {
		t.Errorf("a tol rule without tol")
	}
}
