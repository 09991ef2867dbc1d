package tensor

import (
	"fmt"
	"math"
)

// Sum returns the sum of all elements as a rank-0 tensor.
func Sum(a *Tensor) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, []int{})
	s := sumStep{io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// sumStep is Sum's recorded step.
type sumStep struct{ io1 }

func (s *sumStep) forward() bool {
	s.out[0] = sum(s.a)
	return true
}

func (s *sumStep) backward() {
	g := s.g[0]
	for i := range s.ga {
		s.ga[i] += g
	}
}

// Mean returns the mean of all elements as a rank-0 tensor.
func Mean(a *Tensor) *Tensor { return Scale(Sum(a), 1/float64(len(a.data))) }

// SumAxis sums over one axis (negative counts from the end), removing it.
func SumAxis(a *Tensor, axis int) *Tensor {
	return onLines("SumAxis", a, axis, removeAxis, sumAxisFwd, sumAxisBwd)
}

func sumAxisFwd(l lines) {
	od, ad, outer, n, inner := l.out, l.a, l.outer, l.n, l.inner
	if inner == 1 { // the last axis (as log-densities of rows): no slicing per element
		ad = ad[:outer*n]
		for o := range od[:outer] {
			s := 0.0
			for _, v := range ad[o*n : (o+1)*n] {
				s += v
			}
			od[o] = s
		}
		return
	}
	clear(od)
	for o := 0; o < outer; o++ {
		dst := od[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			src := ad[(o*n+k)*inner : (o*n+k+1)*inner]
			for j, v := range src {
				dst[j] += v
			}
		}
	}
}

func sumAxisBwd(l lines) {
	g, ga, outer, n, inner := l.g, l.ga, l.outer, l.n, l.inner
	if inner == 1 {
		for o, v := range g[:outer] {
			row := ga[o*n : (o+1)*n]
			for k := range row {
				row[k] += v
			}
		}
		return
	}
	for o := 0; o < outer; o++ {
		src := g[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			dst := ga[(o*n+k)*inner : (o*n+k+1)*inner]
			for j, v := range src {
				dst[j] += v
			}
		}
	}
}

// MeanAxis averages over one axis, removing it.
func MeanAxis(a *Tensor, axis int) *Tensor {
	return Scale(SumAxis(a, axis), 1/float64(a.Dim(axis)))
}

// ColumnMoments returns the mean and the standard deviation (with the n−1
// divisor; 0 for a single row) of each column of the 2-D tensor y ([n, d]).
// It reads y's values only (a read, for a Trace): nothing is recorded on
// a tape.
func ColumnMoments(y *Tensor) (mean, sd []float64) {
	if y.Rank() != 2 {
		panic(fmt.Sprintf("tensor.ColumnMoments: shape %v is not 2-D", y.shape))
	}
	y.read()
	n, d := y.shape[0], y.shape[1]
	mean, sd = make([]float64, d), make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += y.data[i*d+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range d {
			e := y.data[i*d+j] - mean[j]
			sd[j] += e * e
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(max(n-1, 1)))
	}
	return mean, sd
}

// splitAxis returns the product of the axes before axis, its size, and the
// product of the axes after it.
func splitAxis(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// Reshape returns a view of a with a new shape of the same size: it shares
// a's data and gradient, and it is tracked whenever a is. One dimension may
// be -1 and is inferred.
func Reshape(a *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			infer = i
		} else {
			known *= d
		}
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(a.data) / known
	}
	if numel(shape) != len(a.data) {
		panic(fmt.Sprintf("tensor.Reshape: %v to %v", a.shape, shape))
	}
	// A view: data and gradient are a's, and it is tracked whenever a is
	// (also when a is watched after the view was made).
	return &Tensor{shape: shape, data: a.data, base: a.root()}
}
