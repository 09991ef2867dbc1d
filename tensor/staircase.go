package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Staircase is the pattern of a masked weight matrix W ⊙ M (rows×cols)
// whose mask is one on a prefix of each row, [0, k_r), and zero after,
// once rows and columns are taken in given orders: the masks of MADE,
// whose units are sorted by degree (a unit reads the previous units of
// degree at most its own, a prefix when those are sorted too; the inputs
// are sorted by the variable order, the output heads by the variable
// order of their variables). StaircaseLinear multiplies only the blocks
// of W that hold unmasked weights.
//
// In the orders, the rows are cut into blocks of consecutive rows; block
// [r0, r1) is multiplied as one rectangle of columns [0, k), k at least
// the largest k_r of the block. Cutting at every change of k_r would give
// many narrow products, which run far below the speed of wide ones, so
// the cuts are chosen by dynamic programming over a cost of multiply-adds
// plus an overhead per product and per column read, at multiples of
// stairAlign rows (and k rounded up to a multiple of it), the width of
// the matrix kernels' tiles. A block then contains masked-out entries
// (r, c), k_r ≤ c < k; StaircaseLinear keeps them out of the output and
// of every gradient (see there), so W's values there are never read and
// never change.
//
// A Staircase is immutable and may be shared between goroutines.
type Staircase struct {
	rows, cols int
	prefix     []int        // k_r, row r in the row order
	rowOrder   []int        // row i of the pattern is row rowOrder[i] of W (nil: i)
	colOrder   []int        // column c of the pattern is column colOrder[c] of x and W (nil: c)
	blocks     []stairBlock // row blocks: forward product and dW
	runs       []stairRun   // products of the input gradient
	exact      bool         // no permutation, and no block holds a masked-out entry
	work       int          // Σ rows × k over the blocks
}

// stairBlock is rows [r0, r1) multiplied as one rectangle of k columns.
type stairBlock struct{ r0, r1, k int }

// stairRun is one product of the input gradient: columns [c0, c1) of dx
// get the contributions of rows [r0, r1), all of whose blocks cover them.
type stairRun struct{ c0, c1, r0, r1 int }

// Costs of the block plan, in multiply-adds per row of x: a product also
// streams its k columns of x (stairColCost per column) and costs a fixed
// stairBlockCost to set up and share between the cores. Blocks start at
// multiples of stairAlign rows.
const (
	stairColCost   = 16
	stairBlockCost = 512
	stairAlign     = 16
)

// NewStaircase returns the pattern whose row rowOrder[i] reads the columns
// colOrder[0], …, colOrder[prefix[i]−1] of cols (rowOrder and colOrder are
// permutations of 0..len(prefix)−1 and 0..cols−1; nil means the identity):
// the mask M has M[rowOrder[i]][colOrder[c]] = 1 exactly when c < prefix[i].
// The plan is fastest when prefix does not decrease. It panics if a prefix
// is negative or above cols, or an order is not a permutation.
func NewStaircase(prefix []int, cols int, rowOrder, colOrder []int) *Staircase {
	return newStaircase(prefix, cols, rowOrder, colOrder, stairColCost, stairBlockCost, stairAlign)
}

// newStaircase is NewStaircase with the costs of the block plan as
// arguments (tests use 0, 0, 1: one block per group of equal k).
func newStaircase(prefix []int, cols int, rowOrder, colOrder []int, colCost, blockCost, align int) *Staircase {
	s := &Staircase{rows: len(prefix), cols: cols, prefix: append([]int(nil), prefix...)}
	for r, k := range prefix {
		if k < 0 || k > cols {
			panic(fmt.Sprintf("tensor.NewStaircase: row %d reads %d of %d columns", r, k, cols))
		}
	}
	s.rowOrder = checkPerm(rowOrder, s.rows)
	s.colOrder = checkPerm(colOrder, cols)
	// Candidate cuts: where k changes and, when align > 1, instead the
	// multiples of align.
	var cut []int
	for r := range prefix {
		if (align > 1 && r%align == 0) || (align <= 1 && (r == 0 || prefix[r] != prefix[r-1])) {
			cut = append(cut, r)
		}
	}
	nc := len(cut)
	cut = append(cut, len(prefix))
	width := func(k int) int { // k rounded up to a multiple of align, at most cols
		if align > 1 && k > 0 {
			k = min(cols, (k+align-1)/align*align)
		}
		return k
	}
	// best[i] is the cheapest plan of rows [0, cut[i]); from[i] the first
	// cut of its last block.
	best, from := make([]int, nc+1), make([]int, nc+1)
	for i := 1; i <= nc; i++ {
		best[i] = math.MaxInt
		k := 0
		for j := i - 1; j >= 0; j-- {
			for r := cut[j]; r < cut[j+1]; r++ {
				k = max(k, prefix[r])
			}
			c := best[j]
			if w := width(k); w > 0 {
				c += w*(cut[i]-cut[j]+colCost) + blockCost
			}
			if c < best[i] {
				best[i], from[i] = c, j
			}
		}
	}
	s.exact = s.rowOrder == nil && s.colOrder == nil
	for i := nc; i > 0; i = from[i] {
		b := stairBlock{r0: cut[from[i]], r1: cut[i]}
		for r := b.r0; r < b.r1; r++ {
			b.k = max(b.k, prefix[r])
		}
		b.k = width(b.k)
		for r := b.r0; r < b.r1; r++ {
			s.exact = s.exact && prefix[r] == b.k
		}
		s.work += (b.r1 - b.r0) * b.k
		s.blocks = append(s.blocks, b)
	}
	for i, j := 0, len(s.blocks)-1; i < j; i, j = i+1, j-1 {
		s.blocks[i], s.blocks[j] = s.blocks[j], s.blocks[i]
	}
	// Input-gradient products: the columns are cut at every block width;
	// columns [c0, c1) are read by the blocks at least c1 wide, one product
	// per run of consecutive such blocks (one run when k grows with r).
	var cuts []int
	for _, b := range s.blocks {
		cuts = append(cuts, b.k)
	}
	cuts = sortedUnique(cuts)
	c0 := 0
	for _, c1 := range cuts {
		if c1 == 0 {
			continue
		}
		for i := 0; i < len(s.blocks); {
			if s.blocks[i].k < c1 {
				i++
				continue
			}
			j := i
			for j < len(s.blocks) && s.blocks[j].k >= c1 {
				j++
			}
			s.runs = append(s.runs, stairRun{c0, c1, s.blocks[i].r0, s.blocks[j-1].r1})
			i = j
		}
		c0 = c1
	}
	return s
}

// checkPerm returns a copy of p, or nil if p is nil or the identity; it
// panics if p is not a permutation of 0..n−1.
func checkPerm(p []int, n int) []int {
	if p == nil {
		return nil
	}
	if len(p) != n {
		panic(fmt.Sprintf("tensor.NewStaircase: order of length %d for %d", len(p), n))
	}
	seen := make([]bool, n)
	id := true
	for i, v := range p {
		if v < 0 || v >= n || seen[v] {
			panic(fmt.Sprintf("tensor.NewStaircase: order %v is not a permutation of 0..%d", p, n-1))
		}
		seen[v] = true
		id = id && v == i
	}
	if id {
		return nil
	}
	return append([]int(nil), p...)
}

// sortedUnique sorts xs in place (insertion sort: the lists are short)
// and drops repeats.
func sortedUnique(xs []int) []int {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// Rows returns the number of rows of the pattern (outputs of the layer).
func (s *Staircase) Rows() int { return s.rows }

// Cols returns the number of columns of the pattern (inputs of the layer).
func (s *Staircase) Cols() int { return s.cols }

// Work returns the number of weights the blocks span, Σ (r1−r0)·k: the
// multiply-adds per row of x of each of StaircaseLinear's three products,
// against Rows()·Cols() for a dense layer.
func (s *Staircase) Work() int { return s.work }

// Blocks returns the number of row blocks (products per pass).
func (s *Staircase) Blocks() int { return len(s.blocks) }

// Mask returns the 0/1 mask M of the pattern as a rows×cols tensor (in
// the natural order of W's rows and columns).
func (s *Staircase) Mask() *Tensor {
	m := Zeros(s.rows, s.cols)
	for i, k := range s.prefix {
		r := s.row(i)
		for c := range k {
			m.data[r*s.cols+s.col(c)] = 1
		}
	}
	return m
}

// row returns the row of W of the pattern's row i.
func (s *Staircase) row(i int) int {
	if s.rowOrder == nil {
		return i
	}
	return s.rowOrder[i]
}

// col returns the column of W and x of the pattern's column c.
func (s *Staircase) col(c int) int {
	if s.colOrder == nil {
		return c
	}
	return s.colOrder[c]
}

// stairDepth is the depth in which the weight-gradient products, as deep
// as the batch, are computed, as gemm does (a packed block that stays in
// cache).
const stairDepth = 256

// StaircaseLinear returns x·(W ⊙ M)ᵀ + bias, through ReLU when relu is
// set, for x of shape n×cols, W of shape rows×cols, bias of shape [rows]
// (or nil) and the mask M of s: the same values and gradients as
// Linear(x, Mul(W, s.Mask()), bias) (or LinearReLU), up to rounding, with
// about s.Work()/(rows·cols) of the arithmetic. It is the masked layer of
// MADE.
//
// In the pattern's orders (x's columns and W's gathered into them when
// s has a column order, W's rows and the output's columns when it has a
// row order), each row block [r0, r1) of width k is one product written
// directly into columns [r0, r1) of the output; a block of width 0 is the
// bias. Backward, dx gets one product per column range (only the columns
// its rows read), dW one product per block into the block's rectangle,
// and dbias the column sums of the output gradient.
//
// Masked-out entries of W are neither read nor updated: the products read
// W itself only when s has no orders and no block holds a masked-out
// entry, and otherwise a copy of W ⊙ M in the pattern's orders; the dW
// products then go to a scratch array whose unmasked entries are added to
// W's gradient. The masked-out entries' gradient therefore stays exactly
// what it was, as with the dense masked layer, so any optimiser treats
// them as before: SGD, RMSProp and Adam leave an entry with zero gradient
// and zero state where it is, and AdamW's decoupled weight decay shrinks
// it as it always did. Nothing depends on their values, which may be
// anything (MADE draws them at initialisation and saves them).
func StaircaseLinear(x, w, bias *Tensor, s *Staircase, relu bool) *Tensor {
	return StaircaseLinearWith(x, w, bias, s, LinearOptions{ReLU: relu})
}

// StaircaseLinearWith is StaircaseLinear with the options of LinearWith:
// ReLU, and Float32 products.
func StaircaseLinearWith(x, w, bias *Tensor, s *Staircase, lo LinearOptions) *Tensor {
	relu, mm := lo.ReLU, layerGemm(lo)
	if x.Rank() != 2 || w.Rank() != 2 || x.shape[1] != w.shape[1] ||
		w.shape[0] != s.rows || w.shape[1] != s.cols ||
		(bias != nil && (bias.Rank() != 1 || bias.shape[0] != w.shape[0])) {
		var bs []int
		if bias != nil {
			bs = bias.shape
		}
		panic(fmt.Sprintf("tensor.StaircaseLinear: shapes x %v, W %v, bias %v for a %d×%d staircase",
			x.shape, w.shape, bs, s.rows, s.cols))
	}
	n, in, o := x.shape[0], s.cols, s.rows
	tp := tapeOf(x, w, bias)
	out := newOut(tp, []int{n, o})
	gx, gw, gb := gradOn(x, tp), gradOn(w, tp), gradOn(bias, tp)
	tracked := gx != nil || gw != nil || gb != nil

	// Scratch arrays: from the tape's arena when the backward needs them,
	// else from a pool.
	var pooled []*[]float64
	scratch := func(size int) []float64 {
		if tracked {
			return tp.arena.alloc(size)
		}
		p := stairPool.Get().(*[]float64)
		if cap(*p) < size {
			*p = make([]float64, size)
		}
		pooled = append(pooled, p)
		return (*p)[:size]
	}
	l := &stairPass{s: s, n: n, in: in, o: o, mm: mm, tp: tp}
	l.gather(x, w, bias, out, scratch)
	// The blocks' products are each too small to share between the cores
	// (below gemmParFlops), so the cores share the layer instead: each
	// takes rows of the batch through every block (stairSplit).
	_, par := stairSplit(n, s.work, gemmPool.start())
	l.forward(par, relu)
	if s.rowOrder != nil {
		scatterCols(out.data, l.y, n, o, s.rowOrder)
	}
	for _, p := range pooled {
		stairPool.Put(p)
	}
	if !tracked {
		return out
	}
	tp.push(&stairStep{l: l, x: x.data, w: w.data, bias: bias, out: out.data, par: par, relu: relu,
		gx: gx, gw: gw, gb: gb, g: out.grad})
	return out
}

// stairStep is StaircaseLinear's recorded step: l's arrays (from the
// tape's arena) are refilled from x, w and bias by each forward; g2 and
// gbs are the backward pass's arrays, allocated by the first.
type stairStep struct {
	l             *stairPass
	x, w, out     []float64
	bias          *Tensor
	par           func(func(t, i0, i1 int, serial bool))
	relu          bool
	gx, gw, gb, g []float64
	g2, gbs       []float64
}

func (st *stairStep) forward() bool {
	l := st.l
	var bd []float64
	if st.bias != nil {
		bd = st.bias.data
	}
	l.fill(st.x, st.w, bd)
	l.forward(st.par, st.relu)
	if l.s.rowOrder != nil {
		scatterCols(st.out, l.y, l.n, l.o, l.s.rowOrder)
	}
	return true
}

func (st *stairStep) backward() {
	// g: the output gradient with its columns in the pattern's row
	// order, through the ReLU's derivative; dbias in the same order.
	l, tp := st.l, st.l.tp
	s, n, o := l.s, l.n, l.o
	g, gb := st.g, st.gb
	gbs := gb
	if s.rowOrder != nil {
		if st.g2 == nil {
			st.g2 = tp.arena.alloc(n * o)
		}
		g = st.g2
		gatherCols(g, st.g, n, o, s.rowOrder)
		if gb != nil {
			if st.gbs == nil {
				st.gbs = tp.arena.alloc(o)
			}
			gbs = st.gbs
			clear(gbs)
		}
	}
	reluGradBias(g, l.y, gbs, n, o, st.relu) // as Linear's backward does
	if gb != nil && s.rowOrder != nil {
		for i, j := range s.rowOrder {
			gb[j] += gbs[i]
		}
	}
	if st.gx != nil {
		l.backwardX(st.par, g, st.gx)
	}
	if st.gw != nil {
		l.backwardW(g, st.gw)
	}
}

// gemmFunc is a matrix product with an epilogue, gemmLdEpi's signature
// (layerGemm picks one).
type gemmFunc = func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, epi gemmEpi)

// stairPass is one application of a staircase layer to a batch: the
// layer's shapes and the arrays its products read, in the pattern's
// orders.
type stairPass struct {
	s         *Staircase
	n, in, o  int // batch rows, layer inputs and outputs
	mm        gemmFunc
	tp        *Tape
	wm, xs, y []float64 // weights, input and output in the pattern's orders
	bs        []float64 // the bias in the pattern's row order (nil: none)
	// The backward passes' scratch arrays, from the tape's arena on the
	// first pass and kept for the next (a Trace's replays).
	gxs, gws []float64
	acc      [][]float64
}

// gather sets the arrays the products read: W ⊙ M and x with their
// columns in the pattern's orders (W and x themselves when no order or
// mask needs a copy), the output (out's data unless rows are reordered)
// and the bias, copies taken from scratch.
func (l *stairPass) gather(x, w, bias, out *Tensor, scratch func(int) []float64) {
	s, n, in, o := l.s, l.n, l.in, l.o
	// wm: the weights the products read, in the pattern's orders.
	l.wm = w.data
	if !s.exact {
		l.wm = scratch(o * in)
	}
	// xs: x with its columns in the pattern's order.
	l.xs = x.data
	if s.colOrder != nil {
		l.xs = scratch(n * in)
	}
	// y: the output, its columns in the pattern's row order.
	l.y = out.data
	if s.rowOrder != nil {
		l.y = scratch(n * o)
	}
	var bd []float64
	if bias != nil {
		bd, l.bs = bias.data, bias.data
		if s.rowOrder != nil {
			l.bs = scratch(o)
		}
	}
	l.fill(x.data, w.data, bd)
}

// fill copies x, w and the bias (nil: none) into the arrays gather chose.
func (l *stairPass) fill(x, w, bias []float64) {
	s, n, in := l.s, l.n, l.in
	if !s.exact {
		for i, k := range s.prefix {
			src, dst := w[s.row(i)*in:], l.wm[i*in:(i+1)*in]
			if s.colOrder == nil {
				copy(dst[:k], src)
			} else {
				for c, j := range s.colOrder[:k] {
					dst[c] = src[j]
				}
			}
			clear(dst[k:])
		}
	}
	if s.colOrder != nil {
		gatherCols(l.xs, x, n, in, s.colOrder)
	}
	if bias != nil && s.rowOrder != nil {
		for i, r := range s.rowOrder {
			l.bs[i] = bias[r]
		}
	}
}

// gatherCols sets dst[r, c] = src[r, order[c]] for the n rows of width
// width (rows shared between the cores).
func gatherCols(dst, src []float64, n, width int, order []int) {
	rowsPar(n, width, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			s, d := src[r*width:(r+1)*width], dst[r*width:(r+1)*width]
			for c, j := range order {
				d[c] = s[j]
			}
		}
	})
}

// scatterCols sets dst[r, order[c]] = src[r, c], the inverse of
// gatherCols.
func scatterCols(dst, src []float64, n, width int, order []int) {
	rowsPar(n, width, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			s, d := src[r*width:(r+1)*width], dst[r*width:(r+1)*width]
			for i, j := range order {
				d[j] = s[i]
			}
		}
	})
}

// forward runs the blocks' products into y, with the bias and the ReLU.
func (l *stairPass) forward(par func(func(t, i0, i1 int, serial bool)), relu bool) {
	s, in, o := l.s, l.in, l.o
	par(func(_, i0, i1 int, serial bool) {
		for _, b := range s.blocks {
			// The bias and the ReLU are applied by the product's tasks to
			// their own part of the output while it is in cache (gemmLd's
			// epilogue, as in Linear: a separate pass over the output cost
			// more than the products saved).
			epi := gemmEpi{relu: relu, serial: serial}
			if l.bs != nil {
				epi.bias = l.bs[b.r0:b.r1]
			}
			l.mm(false, true, i1-i0, b.r1-b.r0, b.k, 1, l.xs[i0*in:], in, l.wm[b.r0*in:], in, 0, l.y[i0*o+b.r0:], o, epi)
		}
	})
}

// backwardX adds to gx the input gradient of the output gradient g (in
// the pattern's row order): dx[:, c0:c1] += g[:, r0:r1] · W[r0:r1, c0:c1].
func (l *stairPass) backwardX(par func(func(t, i0, i1 int, serial bool)), g, gx []float64) {
	s, n, in, o := l.s, l.n, l.in, l.o
	// With a column order, the products go to a scratch array (each
	// column range set by its first run, columns past the widest block
	// never written) and are then added to gx.
	gxs, beta := gx, 1.0
	if s.colOrder != nil {
		if l.gxs == nil {
			l.gxs = l.tp.arena.alloc(n * in)
		}
		gxs = l.gxs
	}
	par(func(_, i0, i1 int, serial bool) {
		beta := beta
		for i, u := range s.runs {
			if s.colOrder != nil {
				beta = 1
				if i == 0 || s.runs[i-1].c0 != u.c0 {
					beta = 0
				}
			}
			l.mm(false, false, i1-i0, u.c1-u.c0, u.r1-u.r0, 1, g[i0*o+u.r0:], o, l.wm[u.r0*in+u.c0:], in, beta,
				gxs[i0*in+u.c0:], in, gemmEpi{serial: serial})
		}
	})
	if s.colOrder != nil && len(s.runs) > 0 {
		kmax := s.runs[len(s.runs)-1].c1
		rowsPar(n, kmax, func(r0, r1 int) {
			for r := r0; r < r1; r++ {
				src, dst := gxs[r*in:r*in+kmax], gx[r*in:(r+1)*in]
				for c, j := range s.colOrder[:kmax] {
					dst[j] += src[c]
				}
			}
		})
	}
}

// backwardW adds to gw the weight gradient of the output gradient g (in
// the pattern's row order): dW[r0:r1, :k] += g[:, r0:r1]ᵀ · x[:, :k], the
// masked-out entries kept.
func (l *stairPass) backwardW(g, gw []float64) {
	s, n, in, o := l.s, l.n, l.in, l.o
	gws := gw
	if !s.exact {
		if l.gws == nil {
			l.gws = l.tp.arena.alloc(o * in)
		}
		gws = l.gws
	}
	// The batch is the depth of these products: the cores take parts of
	// it (each then packs only its own rows of g and x), the first part
	// into gws, the others into scratch copies of the blocks, added
	// after. The parts are stairDWParts whatever the number of cores, so
	// that the sums, and every result, are the same on any machine with
	// the same kernels.
	parts, par := stairSplit(n, s.work, stairDWParts)
	if l.acc == nil {
		for range parts - 1 {
			l.acc = append(l.acc, l.tp.arena.alloc(o*in))
		}
	}
	acc := append([][]float64{gws}, l.acc...)
	par(func(t, i0, i1 int, serial bool) {
		for _, b := range s.blocks {
			if b.k == 0 {
				continue
			}
			beta := 0.0
			if s.exact && t == 0 {
				beta = 1
			}
			for p0 := i0; p0 < i1; p0 += stairDepth {
				l.mm(true, false, b.r1-b.r0, b.k, min(stairDepth, i1-p0), 1,
					g[p0*o+b.r0:], o, l.xs[p0*in:], in, beta, acc[t][b.r0*in:], in, gemmEpi{serial: serial})
				beta = 1
			}
		}
	})
	for _, a := range acc[1:] {
		for _, b := range s.blocks {
			for r := b.r0; r < b.r1; r++ {
				addTo(gws[r*in:r*in+b.k], a[r*in:r*in+b.k])
			}
		}
	}
	if !s.exact {
		for i, k := range s.prefix {
			src, dst := gws[i*in:i*in+k], gw[s.row(i)*in:(s.row(i)+1)*in]
			if s.colOrder == nil {
				addTo(dst[:k], src)
			} else {
				for c, j := range s.colOrder[:k] {
					dst[j] += src[c]
				}
			}
		}
	}
}

// stairSplit returns how a staircase layer over n batch rows with work
// multiply-adds per row runs its products: par(f) calls f(t, i0, i1,
// serial) for the parts t < parts, [i0, i1) of [0, n). A layer of at
// least gemmParFlops multiply-adds is cut into at most maxParts parts of
// at least stairMinRows rows, shared between the caller and the workers
// (parallel), whose products must then stay on their goroutine (serial);
// a smaller one is one part whose products decide for themselves. (Each
// part packs the weights of every block again, so more parts than cores
// cost more than they balanced.)
func stairSplit(n, work, maxParts int) (parts int, par func(f func(t, i0, i1 int, serial bool))) {
	parts = min(maxParts, n/stairMinRows)
	if parts < 2 || n*work < gemmParFlops {
		return 1, func(f func(t, i0, i1 int, serial bool)) { f(0, 0, n, false) }
	}
	return parts, func(f func(t, i0, i1 int, serial bool)) {
		parallel(parts, func(t int) { f(t, t*n/parts, (t+1)*n/parts, true) })
	}
}

// stairDWParts is the number of parts of the batch over which the weight
// gradient of a large staircase layer is summed.
const stairDWParts = 2

// stairMinRows is the fewest batch rows of a part of a staircase layer
// shared between the cores.
const stairMinRows = 96

// stairPool holds the masked weight copies of untracked calls.
var stairPool = sync.Pool{New: func() any { return new([]float64) }}

// rowsPar calls f on ranges of the n rows of a pass over n×w elements,
// split between the cores (parallel) when the pass is large.
func rowsPar(n, w int, f func(r0, r1 int)) {
	const minPar, minRows = 1 << 15, 64 // elements, rows per task
	if tasks := min(gemmPool.start(), n/minRows); n*w >= minPar && tasks > 1 {
		parallel(tasks, func(t int) { f(t*n/tasks, (t+1)*n/tasks) })
		return
	}
	f(0, n)
}
