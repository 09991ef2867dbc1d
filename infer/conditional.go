package infer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// ConditionalGuide is a trainable conditional density q(y | x): its log
// density of rows y at contexts x, row by row, is differentiable in
// Params. *flows.Flow built with a context implements it.
type ConditionalGuide interface {
	Guide
	// ContextDim is the size of a context x.
	ContextDim() int
	// LogProbGiven returns log q(y_i | x_i) for the rows of y ([n, Dim])
	// and x ([n, ContextDim]).
	LogProbGiven(y, x *tensor.Tensor) *tensor.Tensor
}

// ContextStandardizer is a conditional guide that can read its contexts
// standardised by given per-column moments (*flows.Flow).
type ContextStandardizer interface {
	StandardizeContext(mean, sd []float64) bool
}

// FitConditional fits the conditional guide q to the pairs (y_i, x_i),
// the rows of y ([n, Dim]) and x ([n, ContextDim]), by forward KL:
// maximum likelihood, the loss −mean log q(y_i | x_i) over minibatches of
// Batch pairs drawn as FitForward draws data rows (shuffled epochs; a
// batch of at least n rows is all of them). The options, the stopping
// rule, the divergence checks and the report are FitForward's.
//
// On the first fit of a flow the direction becomes DataSide (log q is one
// pass). With Init "auto" and a guide never fitted, the first batch's
// per-column moments of y start it (MomentInitializer) and the moments of
// x standardise its contexts (ContextStandardizer), so that neither the
// data's nor the contexts' units matter. The y rows must be data a
// density can be fitted to (finite, no constant column); the contexts
// must be finite.
func FitConditional(q ConditionalGuide, y, x *tensor.Tensor, opts Options, rng *rand.Rand) (*Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	src, err := newPairSource(q, y, x)
	if err != nil {
		return nil, err
	}
	rng = fitRNG(o, rng)
	rep := &Report{}
	fresh := prepare(q, o, rng, false)
	fy, fx := src.next(rng, o.Batch)
	fy, fx = fy.Clone(), fx.Clone() // the source's buffer is reused by the next batch
	rep.Init = startFrom(q, o, fresh, func() ([]float64, []float64, bool) {
		m, s := tensor.ColumnMoments(fy)
		return m, s, true
	})
	if fresh && o.Init == "auto" {
		if cs, ok := q.(ContextStandardizer); ok {
			m, s := tensor.ColumnMoments(x)
			cs.StandardizeContext(m, s)
		}
	}
	sp := newSplitter(q)
	loss := func(step int, tp *tensor.Tape) (float64, error) {
		yb, xb := fy, fx
		if step > 1 {
			yb, xb = src.next(rng, o.Batch)
		}
		n := yb.Dim(0)
		return sp.run(tp, n, func() float64 {
			return backward(tp, tensor.Neg(tensor.Mean(q.LogProbGiven(yb, xb))))
		}, func(lo, m int) *tensor.Tensor {
			return tensor.Scale(tensor.Sum(q.LogProbGiven(rows(yb, lo, m), rows(xb, lo, m))), -1/float64(n))
		}), nil
	}
	return rep, train(q, o, loss, rep)
}

// pairSource serves minibatches of (y, x) row pairs: the rows of [y | x]
// through a dataSource, split into their y and x columns.
type pairSource struct {
	rows   *dataSource
	dy, dx int
	by, bx *tensor.Tensor // reused batch buffers
}

// newPairSource checks the pairs for q and returns their source.
func newPairSource(q ConditionalGuide, y, x *tensor.Tensor) (*pairSource, error) {
	k := q.ContextDim()
	if k == 0 {
		return nil, fmt.Errorf("the guide is not conditional: build it with context = k to fit it given contexts")
	}
	if y == nil || y.Rank() != 2 || y.Dim(0) == 0 || y.Dim(1) == 0 {
		return nil, fmt.Errorf("the values must be a non-empty n×d matrix")
	}
	if y.Dim(1) != q.Dim() {
		return nil, fmt.Errorf("the guide has dimension %d but the values have %d columns", q.Dim(), y.Dim(1))
	}
	if x == nil || x.Rank() != 2 || x.Dim(1) != k {
		shape := []int(nil)
		if x != nil {
			shape = x.Shape()
		}
		return nil, fmt.Errorf("the guide is conditional on a context of %d values: the contexts must be an n×%d matrix, got shape %v", k, k, shape)
	}
	if x.Dim(0) != y.Dim(0) {
		return nil, fmt.Errorf("%d values but %d contexts: the rows of the values are paired with the rows of the contexts", y.Dim(0), x.Dim(0))
	}
	if err := checkData(y); err != nil {
		return nil, err
	}
	for i, v := range x.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxDataMagnitude {
			return nil, fmt.Errorf("context row %d column %d is %v; contexts must be finite and of magnitude at most %g", i/k, i%k, v, MaxDataMagnitude)
		}
	}
	n, dy := y.Dim(0), y.Dim(1)
	both := make([]float64, n*(dy+k))
	for i := range n {
		copy(both[i*(dy+k):], y.Data()[i*dy:(i+1)*dy])
		copy(both[i*(dy+k)+dy:], x.Data()[i*k:(i+1)*k])
	}
	return &pairSource{rows: &dataSource{x: tensor.New(both, n, dy+k)}, dy: dy, dx: k}, nil
}

// next returns the next batch of n pairs as untracked [n, dy] and [n, dx]
// tensors, valid until the next call.
func (s *pairSource) next(rng *rand.Rand, n int) (y, x *tensor.Tensor) {
	b := s.rows.Next(rng, n)
	m, w := b.Dim(0), s.dy+s.dx
	if s.by == nil || s.by.Dim(0) != m {
		s.by, s.bx = tensor.Zeros(m, s.dy), tensor.Zeros(m, s.dx)
	}
	bd, yd, xd := b.Data(), s.by.Data(), s.bx.Data()
	for i := range m {
		copy(yd[i*s.dy:(i+1)*s.dy], bd[i*w:i*w+s.dy])
		copy(xd[i*s.dx:(i+1)*s.dx], bd[i*w+s.dy:(i+1)*w])
	}
	return s.by, s.bx
}
