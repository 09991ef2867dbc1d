package infer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// Source supplies the points a forward-KL fit sees: fresh draws from a
// distribution or minibatches of data rows.
type Source interface {
	// Dim returns the dimension of a point.
	Dim() int
	// Next returns n points as an untracked [n, d] tensor, valid until the
	// next call.
	Next(rng *rand.Rand, n int) *tensor.Tensor
}

// DistSource draws fresh samples from d at every step.
func DistSource(d dist.Distribution) Source { return distSource{d} }

type distSource struct{ d dist.Distribution }

func (s distSource) Dim() int                                  { return s.d.Dim() }
func (s distSource) Next(rng *rand.Rand, n int) *tensor.Tensor { return s.d.Sample(rng, n) }

// DataSource serves the rows of x ([n, d]) in shuffled epochs: each step
// takes the next rows of a random permutation and reshuffles when it runs
// out (a batch may straddle two epochs). A batch of at least n rows is the
// whole data set every step. The rows must be finite.
func DataSource(x *tensor.Tensor) (Source, error) {
	if x.Rank() != 2 || x.Dim(0) == 0 || x.Dim(1) == 0 {
		return nil, fmt.Errorf("data must be a non-empty n×d matrix, got shape %v", x.Shape())
	}
	d := x.Dim(1)
	for i, v := range x.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("data row %d column %d is %v; data must be finite", i/d, i%d, v)
		}
	}
	return &dataSource{x: x}, nil
}

type dataSource struct {
	x    *tensor.Tensor
	perm []int
	pos  int
	buf  *tensor.Tensor
}

func (s *dataSource) Dim() int { return s.x.Dim(1) }

func (s *dataSource) Next(rng *rand.Rand, n int) *tensor.Tensor {
	rows, d := s.x.Dim(0), s.x.Dim(1)
	if n >= rows {
		return s.x
	}
	if s.buf == nil || s.buf.Dim(0) != n {
		s.buf = tensor.Zeros(n, d)
	}
	src, dst := s.x.Data(), s.buf.Data()
	for i := range n {
		if s.pos == len(s.perm) {
			if s.perm == nil {
				s.perm = make([]int, rows)
				for k := range s.perm {
					s.perm[k] = k
				}
			}
			rng.Shuffle(rows, func(a, b int) { s.perm[a], s.perm[b] = s.perm[b], s.perm[a] })
			s.pos = 0
		}
		r := s.perm[s.pos]
		s.pos++
		copy(dst[i*d:(i+1)*d], src[r*d:(r+1)*d])
	}
	return s.buf
}
