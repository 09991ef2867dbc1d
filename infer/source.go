package infer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

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
// whole data set every step. The rows must be finite, of magnitude at
// most MaxDataMagnitude, and no column may be constant (see checkData).
func DataSource(x *tensor.Tensor) (Source, error) {
	if x.Rank() != 2 || x.Dim(0) == 0 || x.Dim(1) == 0 {
		return nil, fmt.Errorf("data must be a non-empty n×d matrix, got shape %v", x.Shape())
	}
	if err := checkData(x); err != nil {
		return nil, err
	}
	return &dataSource{x: x}, nil
}

// MaxDataMagnitude is the largest magnitude of a data value a density can
// be fitted to: the log density of a value x involves x² (a normal base,
// the moments that start the fit), which overflows float64 beyond about
// 1.3e154; 1e150 leaves room for sums over many rows.
const MaxDataMagnitude = 1e150

// checkData reports data a density cannot be fitted to, with the true
// cause: a value that is not finite; a value so large that the log
// density overflows (a loss of +Inf at the start, which is no fault of
// the guide's support); a constant column (or a single row), whose
// likelihood has no maximum: a density fitted to it collapses onto the
// point and its log density grows without bound (to 1e38 and beyond)
// while the fit appears to improve.
func checkData(x *tensor.Tensor) error {
	n, d := x.Dim(0), x.Dim(1)
	data := x.Data()
	for i, v := range data {
		switch {
		case math.IsNaN(v):
			return fmt.Errorf("data row %d column %d is NaN; data must be finite (read_csv reads empty, NA and NaN cells as nan: drop or impute the missing values)", i/d, i%d)
		case math.IsInf(v, 0):
			return fmt.Errorf("data row %d column %d is %v; data must be finite", i/d, i%d, v)
		case math.Abs(v) > MaxDataMagnitude:
			return fmt.Errorf("data row %d column %d is %s: values beyond ±1e150 overflow float64 in a log density (their squares exceed 1.8e308), so every fit would report an infinite loss; rescale the data (divide column %d by 1e%d)",
				i/d, i%d, strconv.FormatFloat(v, 'g', -1, 64), i%d, int(math.Floor(math.Log10(math.Abs(v)))))
		}
	}
	if n == 1 {
		return fmt.Errorf("the data has a single row: a density fitted to one point collapses onto it (the likelihood has no maximum); fit at least two distinct rows")
	}
	for j := range d {
		first, constant := data[j], true
		for i := 1; i < n && constant; i++ {
			constant = data[i*d+j] == first
		}
		if constant {
			v := strconv.FormatFloat(first, 'g', -1, 64)
			if d == 1 {
				return fmt.Errorf("the data is constant (every value is %s): a density fitted to it collapses onto that point and its log density grows without bound (the likelihood has no maximum)", v)
			}
			return fmt.Errorf("data column %d is constant (every row is %s): a density fitted to it collapses onto that point and its log density grows without bound (the likelihood has no maximum); drop the column", j, v)
		}
	}
	return nil
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
