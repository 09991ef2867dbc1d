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

// lines is the layout of an operation on the lines of a along one axis,
// with the buffers of its recorded step: a's values and its result's (out),
// and their gradients (ga, g) when recorded.
type lines struct {
	outer, n, inner int
	io1
}

// lineStep is the recorded step of an operation on lines whose passes are
// plain functions of the layout.
type lineStep struct {
	lines
	fwd, bwd func(l lines)
}

func (s *lineStep) forward() bool {
	s.fwd(s.lines)
	return true
}

func (s *lineStep) backward() { s.bwd(s.lines) }

// onLines returns the result (of the given shape) of fwd on the lines of a
// along axis, recording bwd as its backward pass when a is tracked.
func onLines(op string, a *Tensor, axis int, shape func(a []int, axis int) []int, fwd, bwd func(l lines)) *Tensor {
	axis = normAxis(op, axis, a.Rank())
	outer, n, inner := splitAxis(a.shape, axis)
	tp := tapeOf(a)
	out := newOut(tp, shape(a.shape, axis))
	s := lineStep{lines: lines{outer: outer, n: n, inner: inner, io1: io1{a: a.data, out: out.data}}, fwd: fwd, bwd: bwd}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// sameShape is onLines's shape for a result of a's shape.
func sameShape(a []int, _ int) []int { return a }

// Softmax returns exp(a) normalised to sum to 1 along axis (negative counts
// from the end), computed stably.
func Softmax(a *Tensor, axis int) *Tensor {
	return onLines("Softmax", a, axis, sameShape, softmaxFwd, softmaxBwd)
}

func softmaxFwd(l lines) {
	ad, od, n, inner := l.a, l.out, l.n, l.inner
	for o := 0; o < l.outer; o++ {
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
}

func softmaxBwd(l lines) {
	od, g, ga, n, inner := l.out, l.g, l.ga, l.n, l.inner
	for o := 0; o < l.outer; o++ {
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
}

// LogSoftmax returns a - LogSumExp(a, axis) along axis, computed stably.
func LogSoftmax(a *Tensor, axis int) *Tensor {
	return onLines("LogSoftmax", a, axis, sameShape, logSoftmaxFwd, logSoftmaxBwd)
}

func logSoftmaxFwd(l lines) {
	ad, od, n, inner := l.a, l.out, l.n, l.inner
	for o := 0; o < l.outer; o++ {
		for j := 0; j < inner; j++ {
			base, end := o*n*inner+j, (o+1)*n*inner
			lse := lineLogSumExp(ad, base, end, inner)
			for i := base; i < end; i += inner {
				od[i] = ad[i] - lse
			}
		}
	}
}

func logSoftmaxBwd(l lines) {
	od, g, ga, n, inner := l.out, l.g, l.ga, l.n, l.inner
	for o := 0; o < l.outer; o++ {
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
	buf := func(k int) []float64 {
		if tp == nil {
			return make([]float64, k)
		}
		return tp.Zeros(k).data
	}
	s := lseStep{lines: lines{outer: outer, n: n, inner: inner, io1: io1{a: a.data, out: out.data}}}
	s.m, s.e, s.s = buf(len(out.data)), buf(len(a.data)), buf(len(out.data))
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// lseStep is LogSumExp's recorded step: m holds each line's maximum (NaN
// if the line has one), e the exponentials, s their sums.
type lseStep struct {
	lines
	m, e, s []float64
}

func (st *lseStep) forward() bool {
	ad, od, m, e, s, outer, n, inner := st.a, st.out, st.m, st.e, st.s, st.outer, st.n, st.inner
	// shift: the maximum where it is finite, else 0 (such lines are set
	// apart below).
	for i := range m {
		m[i] = math.Inf(-1)
	}
	clear(s)
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
	return true
}

func (st *lseStep) backward() {
	g, ga, od, e, s, n, inner := st.g, st.ga, st.out, st.e, st.s, st.n, st.inner
	for o := 0; o < st.outer; o++ {
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
}

// MaxAxis returns the maximum along axis, removing it. The gradient goes to
// the first maximal element of each line.
func MaxAxis(a *Tensor, axis int) *Tensor {
	checkExtreme("MaxAxis", a, axis)
	return onLines("MaxAxis", a, axis, removeAxis,
		func(l lines) { extremeFwd(l, false) }, func(l lines) { extremeBwd(l, false) })
}

// MinAxis returns the minimum along axis, removing it. The gradient goes to
// the first minimal element of each line.
func MinAxis(a *Tensor, axis int) *Tensor {
	checkExtreme("MinAxis", a, axis)
	return onLines("MinAxis", a, axis, removeAxis,
		func(l lines) { extremeFwd(l, true) }, func(l lines) { extremeBwd(l, true) })
}

// checkExtreme panics for an empty axis.
func checkExtreme(op string, a *Tensor, axis int) {
	if axis = normAxis(op, axis, a.Rank()); a.shape[axis] == 0 {
		panic(fmt.Sprintf("tensor.%s: empty axis in shape %v", op, a.shape))
	}
}

// extremeArg returns the index of the first extreme (largest, or smallest
// when min) element of line (o, j); NaN is extreme.
func extremeArg(l lines, o, j int, min bool) int {
	ad, n, inner := l.a, l.n, l.inner
	best := o*n*inner + j
	if math.IsNaN(ad[best]) {
		return best
	}
	for i := best + inner; i < (o+1)*n*inner; i += inner {
		if math.IsNaN(ad[i]) {
			return i
		}
		if (!min && ad[i] > ad[best]) || (min && ad[i] < ad[best]) {
			best = i
		}
	}
	return best
}

func extremeFwd(l lines, min bool) {
	for o := 0; o < l.outer; o++ {
		for j := 0; j < l.inner; j++ {
			l.out[o*l.inner+j] = l.a[extremeArg(l, o, j, min)]
		}
	}
}

func extremeBwd(l lines, min bool) {
	for o := 0; o < l.outer; o++ {
		for j := 0; j < l.inner; j++ {
			if gi := l.g[o*l.inner+j]; gi != 0 {
				l.ga[extremeArg(l, o, j, min)] += gi
			}
		}
	}
}

// CumSum returns the cumulative sums along axis (same shape as a).
func CumSum(a *Tensor, axis int) *Tensor {
	return onLines("CumSum", a, axis, sameShape, cumSumFwd, cumSumBwd)
}

func cumSumFwd(l lines) {
	ad, od, n, inner := l.a, l.out, l.n, l.inner
	for o := 0; o < l.outer; o++ {
		blk := o * n * inner
		if n > 0 {
			copy(od[blk:blk+inner], ad[blk:blk+inner])
		}
		for i := blk + inner; i < blk+n*inner; i++ {
			od[i] = od[i-inner] + ad[i]
		}
	}
}

// cumSumBwd adds ga[k] += Σ_{k' ≥ k} g[k'] along each line: a reverse
// running sum.
func cumSumBwd(l lines) {
	g, ga, n, inner := l.g, l.ga, l.n, l.inner
	for o := 0; o < l.outer; o++ {
		for j := 0; j < inner; j++ {
			s := 0.0
			for i := o*n*inner + (n-1)*inner + j; i >= o*n*inner; i -= inner {
				s += g[i]
				ga[i] += s
			}
		}
	}
}
