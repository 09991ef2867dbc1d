package tensor

import (
	"fmt"
	"math"
)

// The functions in this file work on the lines of a tensor along one axis:
// with outer, n, inner = splitAxis(shape, axis), line (o, j) has its n
// elements at o*n*inner + j + k*inner for k = 0..n-1.

// removeAxis returns shape without the given axis.
func removeAxis(shape []int, axis int) []int {
	out := make([]int, 0, len(shape)-1)
	return append(append(out, shape[:axis]...), shape[axis+1:]...)
}

// Softmax returns exp(a) normalised to sum to 1 along axis (negative counts
// from the end), computed stably.
func Softmax(a *Tensor, axis int) *Tensor {
	axis = normAxis("Softmax", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	ad, od := a.data, out.data
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			base, end := o*n*inner+j, (o+1)*n*inner
			m := math.Inf(-1)
			for i := base; i < end; i += inner {
				m = max(m, ad[i])
			}
			s := 0.0
			for i := base; i < end; i += inner {
				e := math.Exp(ad[i] - m)
				od[i] = e
				s += e
			}
			for i := base; i < end; i += inner {
				od[i] /= s
			}
		}
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			g := out.grad
			for o := 0; o < outer; o++ {
				for j := 0; j < inner; j++ {
					base, end := o*n*inner+j, (o+1)*n*inner
					dot := 0.0
					for i := base; i < end; i += inner {
						dot += g[i] * od[i]
					}
					for i := base; i < end; i += inner {
						ga[i] += od[i] * (g[i] - dot)
					}
				}
			}
		})
	}
	return out
}

// LogSoftmax returns a - LogSumExp(a, axis) along axis, computed stably.
func LogSoftmax(a *Tensor, axis int) *Tensor {
	axis = normAxis("LogSoftmax", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	ad, od := a.data, out.data
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			base, end := o*n*inner+j, (o+1)*n*inner
			lse := lineLogSumExp(ad, base, end, inner)
			for i := base; i < end; i += inner {
				od[i] = ad[i] - lse
			}
		}
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			g := out.grad
			for o := 0; o < outer; o++ {
				for j := 0; j < inner; j++ {
					base, end := o*n*inner+j, (o+1)*n*inner
					s := 0.0
					for i := base; i < end; i += inner {
						s += g[i]
					}
					for i := base; i < end; i += inner {
						ga[i] += g[i] - math.Exp(od[i])*s
					}
				}
			}
		})
	}
	return out
}

// lineLogSumExp returns log Σ exp(d[i]) over i = base, base+stride, ... < end.
func lineLogSumExp(d []float64, base, end, stride int) float64 {
	m := math.Inf(-1)
	for i := base; i < end; i += stride {
		m = max(m, d[i])
	}
	if math.IsInf(m, 0) {
		return m // all -Inf (empty sum), or some +Inf
	}
	s := 0.0
	for i := base; i < end; i += stride {
		s += math.Exp(d[i] - m)
	}
	return m + math.Log(s)
}

// LogSumExp returns log Σ exp(a) along axis, removing it, computed stably
// (the maximum is subtracted first). A line of all -Inf gives -Inf and no
// gradient. The exponentials of all lines are taken in one vectorised pass
// (vexp) and kept for the backward pass, which needs no more of them: the
// gradient is exp(a - result) = exp(a - max) / Σ exp(a - max).
func LogSumExp(a *Tensor, axis int) *Tensor {
	axis = normAxis("LogSumExp", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	tp := tapeOf(a)
	out := newOut(tp, removeAxis(a.shape, axis))
	ad, od := a.data, out.data
	lines := len(od)
	buf := func(k int) []float64 {
		if tp == nil {
			return make([]float64, k)
		}
		return tp.Zeros(k).Data()
	}
	// m: each line's maximum (NaN if the line has one); shift: the
	// maximum where it is finite, else 0 (such lines are set apart below).
	m, e, s := buf(lines), buf(len(ad)), buf(lines)
	for i := range m {
		m[i] = math.Inf(-1)
	}
	for o := 0; o < outer; o++ {
		mo := m[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			row := ad[(o*n+k)*inner : (o*n+k+1)*inner]
			for j, v := range row {
				mo[j] = max(mo[j], v)
			}
		}
	}
	for o := 0; o < outer; o++ {
		mo := m[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			r := (o*n + k) * inner
			row, er := ad[r:r+inner], e[r:r+inner]
			for j, v := range row {
				if sh := mo[j]; !math.IsInf(sh, 0) {
					er[j] = v - sh
				} else {
					er[j] = v
				}
			}
		}
	}
	vexp(e, e)
	for o := 0; o < outer; o++ {
		so := s[o*inner : (o+1)*inner]
		for k := 0; k < n; k++ {
			er := e[(o*n+k)*inner : (o*n+k+1)*inner]
			for j, v := range er {
				so[j] += v
			}
		}
	}
	vlog(od, s)
	for i, mi := range m {
		if math.IsInf(mi, 0) {
			od[i] = mi // all -Inf (empty sum), or some +Inf
		} else {
			od[i] += mi
		}
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			g := out.grad
			for o := 0; o < outer; o++ {
				for k := 0; k < n; k++ {
					r := (o*n + k) * inner
					for j := 0; j < inner; j++ {
						l := o*inner + j
						if gi := g[l]; gi != 0 && !math.IsInf(od[l], 0) {
							ga[r+j] += gi * (e[r+j] / s[l])
						}
					}
				}
			}
		})
	}
	return out
}

// MaxAxis returns the maximum along axis, removing it. The gradient goes to
// the first maximal element of each line.
func MaxAxis(a *Tensor, axis int) *Tensor {
	return extremeAxis("MaxAxis", a, axis, func(x, best float64) bool { return x > best })
}

// MinAxis returns the minimum along axis, removing it. The gradient goes to
// the first minimal element of each line.
func MinAxis(a *Tensor, axis int) *Tensor {
	return extremeAxis("MinAxis", a, axis, func(x, best float64) bool { return x < best })
}

func extremeAxis(op string, a *Tensor, axis int, better func(x, best float64) bool) *Tensor {
	axis = normAxis(op, axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	if n == 0 {
		panic(fmt.Sprintf("tensor.%s: empty axis in shape %v", op, a.shape))
	}
	tp := tapeOf(a)
	out := newOut(tp, removeAxis(a.shape, axis))
	ad, od := a.data, out.data
	// arg finds the index of the first extreme element of line (o, j);
	// NaN is extreme.
	arg := func(o, j int) int {
		best := o*n*inner + j
		if math.IsNaN(ad[best]) {
			return best
		}
		for i := best + inner; i < (o+1)*n*inner; i += inner {
			if math.IsNaN(ad[i]) {
				return i
			}
			if better(ad[i], ad[best]) {
				best = i
			}
		}
		return best
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			od[o*inner+j] = ad[arg(o, j)]
		}
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			g := out.grad
			for o := 0; o < outer; o++ {
				for j := 0; j < inner; j++ {
					if gi := g[o*inner+j]; gi != 0 {
						ga[arg(o, j)] += gi
					}
				}
			}
		})
	}
	return out
}

// CumSum returns the cumulative sums along axis (same shape as a).
func CumSum(a *Tensor, axis int) *Tensor {
	axis = normAxis("CumSum", axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	ad, od := a.data, out.data
	for o := 0; o < outer; o++ {
		blk := o * n * inner
		if n > 0 {
			copy(od[blk:blk+inner], ad[blk:blk+inner])
		}
		for i := blk + inner; i < blk+n*inner; i++ {
			od[i] = od[i-inner] + ad[i]
		}
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			// ga[k] += Σ_{k' ≥ k} g[k'] along each line: a reverse running sum.
			g := out.grad
			for o := 0; o < outer; o++ {
				for j := 0; j < inner; j++ {
					s := 0.0
					for i := o*n*inner + (n-1)*inner + j; i >= o*n*inner; i -= inner {
						s += g[i]
						ga[i] += s
					}
				}
			}
		})
	}
	return out
}
