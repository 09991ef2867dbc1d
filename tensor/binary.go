package tensor

import (
	"fmt"
	"math"
)

// bcast describes how two operands map onto a broadcast output: its kind
// names the layouts with dedicated kernels; every layout can also be
// walked as runs (loopOf).
type bcast struct {
	shape      []int
	kind       int // bcSame, bcScalarA, ..., bcGeneral
	inner      int // for bcRowA/bcRowB: length of the repeated row; bcColB: run length
	numel      int
	lenA, lenB int
}

const (
	bcSame = iota
	bcScalarA
	bcScalarB
	bcRowB // b's data repeats every inner elements of a (b broadcast over leading axes)
	bcRowA
	bcColB // each element of b repeats over inner consecutive elements of a (b is a's shape with last axis 1)
	bcColA
	bcGeneral
)

func newBcast(a, b *Tensor, op string) bcast {
	var shape []int
	if len(b.shape) <= len(a.shape) && isSuffix(b.shape, a.shape) {
		shape = a.shape // the result has a's shape (shapes are never modified)
	} else {
		var err error
		if shape, err = BroadcastShapes(a.shape, b.shape); err != nil {
			panic(fmt.Sprintf("tensor.%s: %v", op, err))
		}
	}
	bc := bcast{shape: shape, numel: numel(shape), lenA: len(a.data), lenB: len(b.data)}
	switch {
	case bc.numel == 0:
		// An empty result: nothing to compute, and the row kernels
		// would not advance over rows of length 0.
		bc.kind = bcGeneral
	case SameShape(a.shape, b.shape):
		bc.kind = bcSame
	case len(b.data) == 1 && len(a.data) == bc.numel:
		// a [1, 1] by a number is a row of a [B, 1] by it: the same
		// kernel, so that a row's value does not depend on B.
		bc.kind = bcScalarB
	case len(a.data) == 1:
		bc.kind = bcScalarA
	case len(b.data) == 1:
		bc.kind = bcScalarB
	case len(a.data) == bc.numel && isSuffix(b.shape, shape):
		bc.kind, bc.inner = bcRowB, len(b.data)
	case len(b.data) == bc.numel && isSuffix(a.shape, shape):
		bc.kind, bc.inner = bcRowA, len(a.data)
	case len(a.data) == bc.numel && isColumn(b.shape, shape):
		bc.kind, bc.inner = bcColB, shape[len(shape)-1]
	case len(b.data) == bc.numel && isColumn(a.shape, shape):
		bc.kind, bc.inner = bcColA, shape[len(shape)-1]
	default:
		bc.kind = bcGeneral
	}
	return bc
}

// isSuffix reports whether s (ignoring leading 1s) equals the trailing axes of full.
func isSuffix(s, full []int) bool {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > len(full) {
		return false
	}
	return SameShape(s, full[len(full)-len(s):])
}

// isColumn reports whether s is full with its last axis replaced by 1.
func isColumn(s, full []int) bool {
	n := len(full)
	return n > 0 && len(s) == n && s[n-1] == 1 && SameShape(s[:n-1], full[:n-1])
}

// bstrides returns the strides of a tensor of shape s viewed in the
// broadcast shape out (0 on broadcast axes).
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j >= 0 && s[j] != 1 {
			st[i] = acc
			acc *= s[j]
		}
	}
	return st
}

// loop is a broadcast walked as runs: the output, in row-major order, is a
// sequence of runs of n consecutive elements, along which operand a
// advances da (0 or 1) elements per output element and b advances db.
// Adjacent axes along which both operands are contiguous are merged
// (coalesced) first, and axes of size 1 dropped, so a run is as long as
// the layout allows: [B, n] op [n] walks B runs of n, [B, 1] op [n] (an
// outer product) B runs of n with a fixed, and [B, n] op [B, n] one run.
type loop struct {
	n      int   // run length (0 for an empty output)
	da, db int   // 0 or 1
	outer  []int // sizes of the outer (merged) axes, row-major
	oa, ob []int // a's and b's strides along the outer axes
}

// newLoop returns the loop over shape for operands with strides sa and sb
// in output coordinates (see bstrides: operands are contiguous, with
// stride 0 on broadcast axes).
func newLoop(shape, sa, sb []int) loop {
	numel := 1
	for _, d := range shape {
		numel *= d
	}
	if numel == 0 {
		return loop{}
	}
	// Merged axes from the innermost outward: size, stride of a, of b (on
	// the stack up to rank 8).
	var sizeBuf, aBuf, bBuf [8]int
	size, stA, stB := sizeBuf[:0], aBuf[:0], bBuf[:0]
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] == 1 {
			continue
		}
		if m := len(size) - 1; m >= 0 && sa[k] == stA[m]*size[m] && sb[k] == stB[m]*size[m] {
			size[m] *= shape[k]
			continue
		}
		size, stA, stB = append(size, shape[k]), append(stA, sa[k]), append(stB, sb[k])
	}
	if len(size) == 0 {
		return loop{n: 1} // one element
	}
	l := loop{n: size[0], da: stA[0], db: stB[0]}
	if l.da > 1 || l.db > 1 {
		panic("tensor: broadcast run with a stride above 1")
	}
	if k := len(size) - 1; k > 0 {
		all := make([]int, 3*k) // one allocation for the three
		l.outer, l.oa, l.ob = all[:k:k], all[k:2*k:2*k], all[2*k:]
		for m := 1; m <= k; m++ {
			l.outer[k-m], l.oa[k-m], l.ob[k-m] = size[m], stA[m], stB[m]
		}
	}
	return l
}

// loopOf returns the loop of the broadcast of a and b to bc.shape.
func (bc *bcast) loopOf(a, b *Tensor) loop {
	return newLoop(bc.shape, bstrides(a.shape, bc.shape), bstrides(b.shape, bc.shape))
}

// each calls f(o, ia, ib) for every run in order, with o the output offset
// of its first element and ia, ib the operands' offsets there.
func (l loop) each(f func(o, ia, ib int)) {
	if l.n == 0 {
		return
	}
	switch len(l.outer) {
	case 0:
		f(0, 0, 0)
		return
	case 1:
		ia, ib := 0, 0
		for r := 0; r < l.outer[0]; r++ {
			f(r*l.n, ia, ib)
			ia += l.oa[0]
			ib += l.ob[0]
		}
		return
	}
	idx := make([]int, len(l.outer))
	ia, ib := 0, 0
	for o := 0; ; o += l.n {
		f(o, ia, ib)
		k := len(l.outer) - 1
		for ; k >= 0; k-- {
			idx[k]++
			ia += l.oa[k]
			ib += l.ob[k]
			if idx[k] < l.outer[k] {
				break
			}
			ia -= l.oa[k] * l.outer[k]
			ib -= l.ob[k] * l.outer[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// run returns the slice of an operand's data d read by a run of n elements
// starting at offset i with step st (0: the single element d[i]).
func run(d []float64, i, st, n int) []float64 {
	if st == 0 {
		return d[i : i+1]
	}
	return d[i : i+n]
}

// binKernel describes a binary operation. f and df define it elementwise
// and serve every broadcasting pattern; the optional slice kernels are fast
// paths for the common patterns (equal shapes, a row broadcast over the
// leading axes, a scalar or a column [..., 1] second operand).
type binKernel struct {
	f  func(x, y float64) float64
	df func(x, y, z float64) (dx, dy float64) // partials at z = f(x, y)

	commutative bool // a scalar or row first operand may be swapped to second

	vv func(z, x, y []float64)         // z = f(x, y), equal lengths
	vs func(z, x []float64, y float64) // z = f(x, y) for scalar y
	// bvv adds g·∂f/∂x into gx and g·∂f/∂y into gy (either may be nil),
	// equal lengths.
	bvv func(gx, gy, g, x, y, z []float64)
	// bvs adds g·∂f/∂x into gx (if non-nil) for scalar y and returns
	// Σ g·∂f/∂y.
	bvs func(gx, g, x []float64, y float64, z []float64) float64

	// vr and bvr are vv and bvv for a y that repeats along x (x, z and g
	// hold whole rows of len(y)), with the rows taken in order, so the
	// results are those of vv and bvv row by row; they serve short rows
	// (below rowKernelMax), where a call per row would dominate.
	vr  func(z, x, y []float64)
	bvr func(gx, gy, g, x, y, z []float64)

	// sv and bsv are vs and bvs with the scalar first: z = f(x, y) for
	// scalar x; bsv adds g·∂f/∂y into gy (if non-nil) and returns
	// Σ g·∂f/∂x. A commutative kernel does without them (vs and bvs with
	// the operands swapped serve).
	sv  func(z []float64, x float64, y []float64)
	bsv func(gy, g []float64, x float64, y, z []float64) float64
}

// fwdRun computes one run of n = len(z) outputs: x and y are the operands'
// runs (see run), of one element where dx or dy is 0. It uses the slice
// kernels where there is one and f elsewhere; either way each output is
// f(x, y) exactly (commutative kernels are commutative in IEEE arithmetic).
func (k *binKernel) fwdRun(z, x, y []float64, dx, dy int) {
	switch {
	case dx == 1 && dy == 1 && k.vv != nil:
		k.vv(z, x, y)
	case dx == 1 && dy == 0 && k.vs != nil:
		k.vs(z, x, y[0])
	case dx == 0 && dy == 1 && k.sv != nil:
		k.sv(z, x[0], y)
	case dx == 0 && dy == 1 && k.commutative && k.vs != nil:
		k.vs(z, y, x[0])
	default:
		f := k.f
		for i := range z {
			z[i] = f(x[i*dx], y[i*dy])
		}
	}
}

// bwdRun is fwdRun's backward: it adds g·∂f/∂x into gx and g·∂f/∂y into
// gy (runs as x and y, or nil when not wanted), skipping the elements
// where g is 0.
func (k *binKernel) bwdRun(gx, gy, g, x, y, z []float64, dx, dy int) {
	switch {
	case dx == 1 && dy == 1 && k.bvv != nil:
		k.bvv(gx, gy, g, x, y, z)
	case dx == 1 && dy == 0 && k.bvs != nil:
		s := k.bvs(gx, g, x, y[0], z)
		if gy != nil {
			gy[0] += s
		}
	case dx == 0 && dy == 1 && k.bsv != nil:
		s := k.bsv(gy, g, x[0], y, z)
		if gx != nil {
			gx[0] += s
		}
	case dx == 0 && dy == 1 && k.commutative && k.bvs != nil:
		s := k.bvs(gy, g, y, x[0], z)
		if gx != nil {
			gx[0] += s
		}
	default:
		df := k.df
		for i, gi := range g {
			if gi == 0 {
				continue
			}
			da, db := df(x[i*dx], y[i*dy], z[i])
			if gx != nil {
				gx[i*dx] += gi * da
			}
			if gy != nil {
				gy[i*dy] += gi * db
			}
		}
	}
}

// rowKernelMax is the row length below which a row broadcast uses the
// kernel's vr and bvr (one call for all rows) instead of vv and bvv per
// row.
const rowKernelMax = 16

// binary applies k elementwise to a and b with broadcasting. In backward
// passes, elements whose upstream gradient is 0 contribute nothing (so a NaN
// in a branch that Where or Fill discarded does not reach the inputs).
func binary(op string, k *binKernel, a, b *Tensor) *Tensor {
	bc := newBcast(a, b, op)
	if k.commutative && (bc.kind == bcScalarA || bc.kind == bcRowA || bc.kind == bcColA) {
		a, b = b, a
		bc = newBcast(a, b, op)
	}
	tp := tapeOf(a, b)
	out := newOut(tp, bc.shape)
	s := binStep{k: k, bc: bc, ad: a.data, bd: b.data, od: out.data}
	generic := !fwdKernel(k, bc)
	if generic {
		s.l = bc.loopOf(a, b) // the runs of the other layouts
	}
	s.forward()
	ga, gb := gradOn(a, tp), gradOn(b, tp)
	if ga == nil && gb == nil {
		return out
	}
	if !generic && needsLoop(k, bc) {
		s.l = bc.loopOf(a, b)
	}
	s.ga, s.gb, s.og = ga, gb, out.grad
	pushCopy(tp, s)
	return out
}

// binStep is binary's recorded step.
type binStep struct {
	k          *binKernel
	bc         bcast
	l          loop // the runs, for the layouts without a slice kernel
	ad, bd, od []float64
	ga, gb, og []float64
}

// fwdKernel reports whether binary's forward pass for kernel k on the
// layout bc has a dedicated slice kernel (else it takes a loop's runs).
func fwdKernel(k *binKernel, bc bcast) bool {
	switch {
	case bc.kind == bcSame && k.vv != nil:
	case bc.kind == bcRowB && k.vr != nil && bc.inner < rowKernelMax:
	case bc.kind == bcRowB && k.vv != nil:
	case bc.kind == bcScalarB && k.vs != nil:
	case bc.kind == bcColB && k.vs != nil:
	default:
		return false
	}
	return true
}

func (s *binStep) forward() bool {
	k, ad, bd, od := s.k, s.ad, s.bd, s.od
	switch bc := &s.bc; {
	case bc.kind == bcSame && k.vv != nil:
		k.vv(od, ad, bd)
	case bc.kind == bcRowB && k.vr != nil && bc.inner < rowKernelMax:
		k.vr(od, ad, bd)
	case bc.kind == bcRowB && k.vv != nil:
		n := bc.inner
		for r := 0; r < len(od); r += n {
			k.vv(od[r:r+n], ad[r:r+n], bd)
		}
	case bc.kind == bcScalarB && k.vs != nil:
		k.vs(od, ad, bd[0])
	case bc.kind == bcColB && k.vs != nil:
		n := bc.inner
		for r := range bd {
			k.vs(od[r*n:(r+1)*n], ad[r*n:(r+1)*n], bd[r])
		}
	default:
		n, da, db := s.l.n, s.l.da, s.l.db
		s.l.each(func(o, ia, ib int) {
			k.fwdRun(od[o:o+n], run(ad, ia, da, n), run(bd, ib, db, n), da, db)
		})
	}
	return true
}

func (s *binStep) backward() {
	k, ad, bd, od, ga, gb, g := s.k, s.ad, s.bd, s.od, s.ga, s.gb, s.og
	switch bcv := &s.bc; {
	case bcv.kind == bcSame && k.bvv != nil:
		k.bvv(ga, gb, g, ad, bd, od)
	case bcv.kind == bcRowB && k.bvr != nil && bcv.inner < rowKernelMax:
		k.bvr(ga, gb, g, ad, bd, od)
	case bcv.kind == bcRowB && k.bvv != nil:
		n := bcv.inner
		for r := 0; r < len(od); r += n {
			var gar []float64
			if ga != nil {
				gar = ga[r : r+n]
			}
			k.bvv(gar, gb, g[r:r+n], ad[r:r+n], bd, od[r:r+n])
		}
	case bcv.kind == bcScalarB && k.bvs != nil:
		s := k.bvs(ga, g, ad, bd[0], od)
		if gb != nil {
			gb[0] += s
		}
	case bcv.kind == bcColB && k.bvs != nil:
		n := bcv.inner
		for r := range bd {
			var gar []float64
			if ga != nil {
				gar = ga[r*n : (r+1)*n]
			}
			s := k.bvs(gar, g[r*n:(r+1)*n], ad[r*n:(r+1)*n], bd[r], od[r*n:(r+1)*n])
			if gb != nil {
				gb[r] += s
			}
		}
	default:
		n, da, db := s.l.n, s.l.da, s.l.db
		s.l.each(func(o, ia, ib int) {
			var gar, gbr []float64
			if ga != nil {
				gar = run(ga, ia, da, n)
			}
			if gb != nil {
				gbr = run(gb, ib, db, n)
			}
			k.bwdRun(gar, gbr, g[o:o+n], run(ad, ia, da, n), run(bd, ib, db, n), od[o:o+n], da, db)
		})
	}
}

// needsLoop reports whether binary's backward pass for kernel k on the
// layout bc takes the runs of a loop (no dedicated slice kernel).
func needsLoop(k *binKernel, bc bcast) bool {
	switch {
	case bc.kind == bcSame && k.bvv != nil:
	case bc.kind == bcRowB && k.bvr != nil && bc.inner < rowKernelMax:
	case bc.kind == bcRowB && k.bvv != nil:
	case bc.kind == bcScalarB && k.bvs != nil:
	case bc.kind == bcColB && k.bvs != nil:
	default:
		return true
	}
	return false
}

var addKernel = binKernel{
	f:           func(x, y float64) float64 { return x + y },
	df:          func(x, y, z float64) (float64, float64) { return 1, 1 },
	commutative: true,
	vv: func(z, x, y []float64) {
		x, y = x[:len(z)], y[:len(z)]
		for i := range z {
			z[i] = x[i] + y[i]
		}
	},
	vs: func(z, x []float64, y float64) {
		x = x[:len(z)]
		for i := range z {
			z[i] = x[i] + y
		}
	},
	bvv: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			addTo(gx, g)
		}
		if gy != nil {
			addTo(gy, g)
		}
	},
	bvs: func(gx, g, x []float64, y float64, z []float64) float64 {
		if gx != nil {
			addTo(gx, g)
		}
		return sum(g)
	},
	vr: func(z, x, y []float64) {
		n := len(y)
		x = x[:len(z)]
		for r := 0; r+n <= len(z); r += n {
			zr, xr := z[r:r+n], x[r:r+n]
			for j, v := range y {
				zr[j] = xr[j] + v
			}
		}
	},
	bvr: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			addTo(gx, g)
		}
		if gy != nil {
			n := len(gy)
			for r := 0; r+n <= len(g); r += n {
				addTo(gy, g[r:r+n])
			}
		}
	},
}

var subKernel = binKernel{
	f:  func(x, y float64) float64 { return x - y },
	df: func(x, y, z float64) (float64, float64) { return 1, -1 },
	vv: func(z, x, y []float64) {
		x, y = x[:len(z)], y[:len(z)]
		for i := range z {
			z[i] = x[i] - y[i]
		}
	},
	vs: func(z, x []float64, y float64) {
		x = x[:len(z)]
		for i := range z {
			z[i] = x[i] - y
		}
	},
	bvv: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			addTo(gx, g)
		}
		if gy != nil {
			g = g[:len(gy)]
			for i, v := range g {
				gy[i] -= v
			}
		}
	},
	bvs: func(gx, g, x []float64, y float64, z []float64) float64 {
		if gx != nil {
			addTo(gx, g)
		}
		return -sum(g)
	},
	vr: func(z, x, y []float64) {
		n := len(y)
		x = x[:len(z)]
		for r := 0; r+n <= len(z); r += n {
			zr, xr := z[r:r+n], x[r:r+n]
			for j, v := range y {
				zr[j] = xr[j] - v
			}
		}
	},
	bvr: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			addTo(gx, g)
		}
		if gy != nil {
			n := len(gy)
			for r := 0; r+n <= len(g); r += n {
				gr := g[r : r+n]
				for i, v := range gr {
					gy[i] -= v
				}
			}
		}
	},
	sv: func(z []float64, x float64, y []float64) {
		y = y[:len(z)]
		for i := range z {
			z[i] = x - y[i]
		}
	},
	bsv: func(gy, g []float64, x float64, y, z []float64) float64 {
		if gy != nil {
			g = g[:len(gy)]
			for i, v := range g {
				gy[i] -= v
			}
		}
		return sum(g)
	},
}

var mulKernel = binKernel{
	f:           func(x, y float64) float64 { return x * y },
	df:          func(x, y, z float64) (float64, float64) { return y, x },
	commutative: true,
	vv: func(z, x, y []float64) {
		x, y = x[:len(z)], y[:len(z)]
		for i := range z {
			z[i] = x[i] * y[i]
		}
	},
	vs: func(z, x []float64, y float64) {
		x = x[:len(z)]
		for i := range z {
			z[i] = x[i] * y
		}
	},
	bvv: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			g, y := g[:len(gx)], y[:len(gx)]
			for i := range gx {
				if g[i] != 0 {
					gx[i] += g[i] * y[i]
				}
			}
		}
		if gy != nil {
			g, x := g[:len(gy)], x[:len(gy)]
			for i := range gy {
				if g[i] != 0 {
					gy[i] += g[i] * x[i]
				}
			}
		}
	},
	bvs: func(gx, g, x []float64, y float64, z []float64) float64 {
		x = x[:len(g)]
		s := 0.0
		for i, v := range g {
			if v != 0 {
				s += v * x[i]
			}
		}
		if gx != nil {
			gx = gx[:len(g)]
			for i, v := range g {
				if v != 0 {
					gx[i] += v * y
				}
			}
		}
		return s
	},
	vr: func(z, x, y []float64) {
		n := len(y)
		x = x[:len(z)]
		for r := 0; r+n <= len(z); r += n {
			zr, xr := z[r:r+n], x[r:r+n]
			for j, v := range y {
				zr[j] = xr[j] * v
			}
		}
	},
	bvr: func(gx, gy, g, x, y, z []float64) {
		n := len(y)
		for r := 0; r+n <= len(g); r += n {
			gr, xr := g[r:r+n], x[r:r+n]
			if gx != nil {
				gxr := gx[r : r+n]
				for i, gi := range gr {
					if gi != 0 {
						gxr[i] += gi * y[i]
					}
				}
			}
			if gy != nil {
				for i, gi := range gr {
					if gi != 0 {
						gy[i] += gi * xr[i]
					}
				}
			}
		}
	},
}

var divKernel = binKernel{
	f:  func(x, y float64) float64 { return x / y },
	df: func(x, y, z float64) (float64, float64) { return 1 / y, -z / y },
	vv: func(z, x, y []float64) {
		x, y = x[:len(z)], y[:len(z)]
		for i := range z {
			z[i] = x[i] / y[i]
		}
	},
	vs: func(z, x []float64, y float64) {
		x = x[:len(z)]
		for i := range z {
			z[i] = x[i] / y
		}
	},
	bvv: func(gx, gy, g, x, y, z []float64) {
		if gx != nil {
			g, y := g[:len(gx)], y[:len(gx)]
			for i := range gx {
				if g[i] != 0 {
					gx[i] += g[i] / y[i]
				}
			}
		}
		if gy != nil {
			g, y, z := g[:len(gy)], y[:len(gy)], z[:len(gy)]
			for i := range gy {
				if g[i] != 0 {
					gy[i] -= g[i] * z[i] / y[i]
				}
			}
		}
	},
	bvs: func(gx, g, x []float64, y float64, z []float64) float64 {
		z = z[:len(g)]
		s := 0.0
		for i, v := range g {
			if v != 0 {
				s -= v * z[i] / y
			}
		}
		if gx != nil {
			gx = gx[:len(g)]
			for i, v := range g {
				if v != 0 {
					gx[i] += v / y
				}
			}
		}
		return s
	},
	vr: func(z, x, y []float64) {
		n := len(y)
		x = x[:len(z)]
		for r := 0; r+n <= len(z); r += n {
			zr, xr := z[r:r+n], x[r:r+n]
			for j, v := range y {
				zr[j] = xr[j] / v
			}
		}
	},
	bvr: func(gx, gy, g, x, y, z []float64) {
		n := len(y)
		for r := 0; r+n <= len(g); r += n {
			gr, zr := g[r:r+n], z[r:r+n]
			if gx != nil {
				gxr := gx[r : r+n]
				for i, gi := range gr {
					if gi != 0 {
						gxr[i] += gi / y[i]
					}
				}
			}
			if gy != nil {
				for i, gi := range gr {
					if gi != 0 {
						gy[i] -= gi * zr[i] / y[i]
					}
				}
			}
		}
	},
	sv: func(z []float64, x float64, y []float64) {
		y = y[:len(z)]
		for i := range z {
			z[i] = x / y[i]
		}
	},
	bsv: func(gy, g []float64, x float64, y, z []float64) float64 {
		y, z = y[:len(g)], z[:len(g)]
		s := 0.0
		for i, v := range g {
			if v != 0 {
				s += v / y[i]
			}
		}
		if gy != nil {
			gy = gy[:len(g)]
			for i, v := range g {
				if v != 0 {
					gy[i] -= v * z[i] / y[i]
				}
			}
		}
		return s
	},
}

var powKernel = binKernel{
	f: math.Pow,
	df: func(x, y, z float64) (float64, float64) {
		var dx float64
		if y == 2 {
			dx = 2 * x
		} else if y != 0 {
			dx = y * math.Pow(x, y-1)
		}
		var dy float64
		if x > 0 {
			dy = z * math.Log(x)
		}
		return dx, dy
	},
}

var maximumKernel = binKernel{
	f: math.Max,
	df: func(x, y, z float64) (float64, float64) {
		if x >= y {
			return 1, 0
		}
		return 0, 1
	},
}

var minimumKernel = binKernel{
	f: math.Min,
	df: func(x, y, z float64) (float64, float64) {
		if x <= y {
			return 1, 0
		}
		return 0, 1
	},
}

// sum returns the sum of s.
func sum(s []float64) float64 {
	t := 0.0
	for _, v := range s {
		t += v
	}
	return t
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor { return binary("Add", &addKernel, a, b) }

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor { return binary("Sub", &subKernel, a, b) }

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor { return binary("Mul", &mulKernel, a, b) }

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor { return binary("Div", &divKernel, a, b) }

// Pow returns a ^ b elementwise with broadcasting. The derivative with
// respect to b uses log(a) and is taken as 0 where a ≤ 0; see PowScalar for
// a constant exponent.
func Pow(a, b *Tensor) *Tensor { return binary("Pow", &powKernel, a, b) }

// Maximum returns the elementwise maximum; the gradient goes to the larger
// operand (to a on ties).
func Maximum(a, b *Tensor) *Tensor { return binary("Maximum", &maximumKernel, a, b) }

// Minimum returns the elementwise minimum; the gradient goes to the smaller
// operand (to a on ties).
func Minimum(a, b *Tensor) *Tensor { return binary("Minimum", &minimumKernel, a, b) }
