package tensor

import (
	"fmt"
	"math"
)

// logSqrt2Pi is ½ log 2π.
var logSqrt2Pi = 0.5 * math.Log(2*math.Pi)

// NormalLogPDFRows returns the log density of each row of x under
// independent normals: for the broadcast [B, n] of x, loc and scale (each
// of rank at most 2),
//
//	out[i] = Σ_j (−½ z_ij² − ½ log 2π) − log scale_ij,  z = (x − loc)/scale,
//
// a [B] tensor. It is the fused form of
// SumAxis(Sub(AddScalar(Scale(Square(Div(Sub(x, loc), scale)), −½), −½ log 2π), Log(scale)), 1)
// and gives the same values bit for bit, without the five [B, n]
// intermediate tensors and their gradients (a [B, 1] scale's logarithm is
// taken once per row). It does not check the support: a caller masks
// invalid scales first. In the backward pass, rows whose upstream gradient
// is 0 contribute nothing.
func NormalLogPDFRows(x, loc, scale *Tensor) *Tensor {
	// The broadcast shape [B, n] and the operands' strides in it, on the
	// stack (a model run scores a likelihood with this at every call).
	var shape [2]int
	rank := 0
	for _, t := range [...]*Tensor{x, loc, scale} {
		if t.Rank() > 2 {
			panic(fmt.Sprintf("tensor.NormalLogPDFRows: shapes %v, %v and %v", x.shape, loc.shape, scale.shape))
		}
		rank = max(rank, t.Rank())
	}
	if rank != 2 {
		panic(fmt.Sprintf("tensor.NormalLogPDFRows: shapes %v, %v and %v do not broadcast to a matrix", x.shape, loc.shape, scale.shape))
	}
	shape = [2]int{1, 1}
	for _, t := range [...]*Tensor{x, loc, scale} {
		for i, d := range t.shape {
			j := 2 - len(t.shape) + i
			switch {
			case d == shape[j] || d == 1:
			case shape[j] == 1:
				shape[j] = d
			default:
				panic(fmt.Sprintf("tensor.NormalLogPDFRows: shapes %v, %v and %v", x.shape, loc.shape, scale.shape))
			}
		}
	}
	B, n := shape[0], shape[1]
	tp := tapeOf(x, loc, scale)
	out := newOut(tp, []int{B})
	st := normalRowsStep{B: B, n: n, sx: bstrides2(x.shape), sl: bstrides2(loc.shape), ss: bstrides2(scale.shape),
		xd: x.data, ld: loc.data, sd: scale.data, od: out.data}
	// log scale, as Log computes it (vlog), once for each value of scale
	// (a [B, 1] scale: once per row).
	if tp != nil {
		st.ls = tp.Zeros(len(st.sd)).data
	} else {
		st.ls = make([]float64, len(st.sd))
	}
	st.forward()
	gx, gl, gs := gradOn(x, tp), gradOn(loc, tp), gradOn(scale, tp)
	if gx == nil && gl == nil && gs == nil {
		return out
	}
	st.gx, st.gl, st.gs, st.g = gx, gl, gs, out.grad
	// Rows may be shared between goroutines only when every gradient
	// written has a row of its own (no operand broadcast over rows).
	st.shared = (gx != nil && st.sx[0] == 0) || (gl != nil && st.sl[0] == 0) || (gs != nil && st.ss[0] == 0)
	pushCopy(tp, st)
	return out
}

// normalRowsStep is NormalLogPDFRows's recorded step: sx, sl and ss are
// the operands' strides in the broadcast [B, n], ls the log scales.
type normalRowsStep struct {
	B, n               int
	sx, sl, ss         [2]int
	xd, ld, sd, ls, od []float64
	gx, gl, gs, g      []float64
	shared             bool
}

func (st *normalRowsStep) forward() bool {
	vlog(st.ls, st.sd)
	if st.B*st.n < parElems || st.B < 2 {
		st.fwdRows(0, st.B) // splitRows's one call, without a closure
	} else {
		c := *st // (a method value of st would make every step escape)
		splitRows(c.B, c.n, c.fwdRows)
	}
	return true
}

// fwdRows computes the rows lo..hi-1 of the result.
func (st *normalRowsStep) fwdRows(lo, hi int) {
	sx, sl, ss, n := st.sx, st.sl, st.ss, st.n
	xd, ld, sd, ls, od := st.xd, st.ld, st.sd, st.ls, st.od
	for i := lo; i < hi; i++ {
		xo, lo2, so := i*sx[0], i*sl[0], i*ss[0]
		s := 0.0
		if sx[1] == 1 && sl[1] == 1 && ss[1] == 0 {
			// Data and locations along the row, one scale per row (the
			// usual likelihood): the same arithmetic, contiguous.
			xr, lr, sv, lv := xd[xo:xo+n], ld[lo2:lo2+n], sd[so], ls[so]
			for j, v := range xr {
				z := (v - lr[j]) / sv
				s += float64(float64(z*z)*-0.5) + -logSqrt2Pi - lv
			}
			od[i] = s
			continue
		}
		for j := 0; j < n; j++ {
			z := (xd[xo+j*sx[1]] - ld[lo2+j*sl[1]]) / sd[so+j*ss[1]]
			// Rounded step by step as the unfused operations (no FMA).
			s += float64(float64(z*z)*-0.5) + -logSqrt2Pi - ls[so+j*ss[1]]
		}
		od[i] = s
	}
}

func (st *normalRowsStep) backward() {
	if st.shared || st.B*st.n < parElems || st.B < 2 {
		st.bwdRows(0, st.B)
	} else {
		c := *st
		splitRows(c.B, c.n, c.bwdRows)
	}
}

// bwdRows is the backward pass of the rows lo..hi-1.
func (st *normalRowsStep) bwdRows(lo, hi int) {
	sx, sl, ss, n := st.sx, st.sl, st.ss, st.n
	xd, ld, sd := st.xd, st.ld, st.sd
	gx, gl, gs, g := st.gx, st.gl, st.gs, st.g
	for i := lo; i < hi; i++ {
		gi := g[i]
		if gi == 0 {
			continue
		}
		xo, lo2, so := i*sx[0], i*sl[0], i*ss[0]
		if sx[1] == 1 && sl[1] == 1 && ss[1] == 0 && gx == nil {
			// The usual likelihood (see the forward pass), data
			// untracked.
			xr, lr, sv := xd[xo:xo+n], ld[lo2:lo2+n], sd[so]
			var glr []float64
			if gl != nil {
				glr = gl[lo2 : lo2+n]
			}
			acc := 0.0
			for j, v := range xr {
				z := (v - lr[j]) / sv
				if glr != nil {
					glr[j] += gi * z / sv
				}
				acc += gi * (z*z - 1) / sv
			}
			if gs != nil {
				gs[so] += acc
			}
			continue
		}
		for j := 0; j < n; j++ {
			s := sd[so+j*ss[1]]
			z := (xd[xo+j*sx[1]] - ld[lo2+j*sl[1]]) / s
			dz := gi * z / s // ∂/∂loc; −∂/∂x
			if gx != nil {
				gx[xo+j*sx[1]] -= dz
			}
			if gl != nil {
				gl[lo2+j*sl[1]] += dz
			}
			if gs != nil {
				gs[so+j*ss[1]] += gi * (z*z - 1) / s
			}
		}
	}
}

// splitRows runs f(lo, hi) over the rows [0, rows) of a pass that does
// about perRow values' work per row: in one call when the pass is small
// (below parElems values), else in contiguous parts on the calling
// goroutine and the workers.
func splitRows(rows, perRow int, f func(lo, hi int)) {
	tasks := gemmPool.start()
	if rows*perRow < parElems || tasks < 2 || rows < 2 {
		f(0, rows)
		return
	}
	tasks = min(tasks, rows)
	parallel(tasks, func(t int) { f(t*rows/tasks, (t+1)*rows/tasks) })
}

// bstrides2 is bstrides for a broadcast shape of rank 2, as an array.
func bstrides2(s []int) [2]int {
	var st [2]int
	acc := 1
	for i := 1; i >= 0; i-- {
		j := len(s) - 2 + i
		if j >= 0 && s[j] != 1 {
			st[i] = acc
			acc *= s[j]
		}
	}
	return st
}
