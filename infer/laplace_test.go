package infer

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
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
