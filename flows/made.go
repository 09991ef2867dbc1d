package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// made is a masked autoencoder for distribution estimation (Germain et al.
// 2015): a fully connected network from R^d to two outputs per dimension,
// shift and unconstrained scale, whose weights are masked so that the
// outputs for variable order[k] depend only on the inputs order[0..k-1].
//
// Degrees: input order[k] has degree k+1; hidden unit j of a layer of width
// h has degree 1 + round((d-2)·j/(h-1)) (evenly spread over 1..d-1; 0 when
// d = 1, so it reads no input); a unit reads the units of the previous layer
// whose degree is at most its own, and the outputs of a variable of degree
// k read the hidden units of degree below k. The masks are applied in the
// forward pass (W ⊙ M), which keeps masked weights out of both the output
// and the gradient whatever the optimiser does. Large layers do it block
// by block (tensor.StaircaseLinear): with the units sorted by degree each
// mask is a staircase, and only its nonzero blocks are multiplied, with
// the same values, gradients and guarantee as the dense masked product.
type made struct {
	d      int
	hidden []int
	act    string
	order  []int
	f32    bool // products in float32 (Options.Precision "float32")

	ws, bs []*tensor.Tensor // hidden layers: W [h_l, in], b [h_l]
	masks  []*tensor.Tensor // nil where the mask is all ones
	wMu    *tensor.Tensor   // [d, h_last]: shift head
	bMu    *tensor.Tensor   // [d]
	wS     *tensor.Tensor   // [d, h_last]: unconstrained-scale head
	bS     *tensor.Tensor   // [d]
	maskO  *tensor.Tensor   // [d, h_last] output mask
	maskO2 *tensor.Tensor   // [2d, h_last]: maskO twice, for both heads in one product

	// A MADE made by newMADEHeads has instead one head of p outputs per
	// variable (wMu, bMu, wS, bS are nil): output j·p+k is output k of
	// variable j.
	p     int
	wP    *tensor.Tensor // [d·p, h_last]
	bP    *tensor.Tensor // [d·p]
	maskP *tensor.Tensor // [d·p, h_last]

	// Block-sparse layers (see stairLayer): a layer whose staircase is not
	// nil is computed by tensor.StaircaseLinear, which multiplies only the
	// blocks of its weights that the mask keeps. Hidden units are sorted
	// by degree already; the input layer's staircase takes the inputs in
	// the variable order, the heads' takes the head rows in the variable
	// order. Parameters are stored as always: the permutations happen
	// inside StaircaseLinear.
	stairs []*tensor.Staircase // per hidden layer
	stairO *tensor.Staircase   // the heads: [wMu; wS] (2d rows) or wP
	stairH *tensor.Staircase   // instead of stairO: wMu and wS apart (d rows)

	// A conditional MADE (setContext) also reads a context vector of ctx
	// values: wc [h_0, ctx] connects every context value to every unit of
	// the first hidden layer, unmasked, so every output may depend on the
	// whole context while the masks of the autoregressive inputs are
	// unchanged (the later layers see the context through the first).
	ctx int
	wc  *tensor.Tensor
}

// setContext makes the MADE read a context of k values (k = 0: none),
// with zero context weights until init draws them.
func (m *made) setContext(k int) {
	m.ctx, m.wc = k, nil
	if k > 0 {
		m.wc = tensor.Param(make([]float64, m.hidden[0]*k), m.hidden[0], k)
	}
}

// newMADEHeads allocates a MADE with p outputs per variable, zero
// parameters and masks for order.
func newMADEHeads(d int, hidden []int, act string, order []int, p int) *made {
	m := &made{d: d, hidden: append([]int(nil), hidden...), act: act, p: p}
	in := d
	for _, h := range hidden {
		m.ws = append(m.ws, tensor.Param(make([]float64, h*in), h, in))
		m.bs = append(m.bs, tensor.Param(make([]float64, h), h))
		in = h
	}
	m.wP = tensor.Param(make([]float64, d*p*in), d*p, in)
	m.bP = tensor.Param(make([]float64, d*p), d*p)
	m.setOrder(order)
	return m
}

// newMADE allocates a MADE with zero parameters and masks for order.
func newMADE(d int, hidden []int, act string, order []int) *made {
	m := &made{d: d, hidden: append([]int(nil), hidden...), act: act}
	in := d
	for _, h := range hidden {
		m.ws = append(m.ws, tensor.Param(make([]float64, h*in), h, in))
		m.bs = append(m.bs, tensor.Param(make([]float64, h), h))
		in = h
	}
	m.wMu = tensor.Param(make([]float64, d*in), d, in)
	m.bMu = tensor.Param(make([]float64, d), d)
	m.wS = tensor.Param(make([]float64, d*in), d, in)
	m.bS = tensor.Param(make([]float64, d), d)
	m.setOrder(order)
	return m
}

// params returns the learnable tensors.
func (m *made) params() []*tensor.Tensor {
	ps := make([]*tensor.Tensor, 0, 2*len(m.ws)+4)
	for l := range m.ws {
		ps = append(ps, m.ws[l], m.bs[l])
	}
	if m.p > 0 {
		ps = append(ps, m.wP, m.bP)
	} else {
		ps = append(ps, m.wMu, m.bMu, m.wS, m.bS)
	}
	if m.wc != nil { // last, so that an unconditional layer's list is unchanged
		ps = append(ps, m.wc)
	}
	return ps
}

// hiddenDegree returns the degree of unit j of a layer of width h.
func hiddenDegree(d, h, j int) int {
	switch {
	case d == 1:
		return 0
	case h == 1:
		return 1
	}
	return 1 + int(math.Round(float64((d-2)*j)/float64(h-1)))
}

// setOrder rebuilds the masks for a new variable order.
func (m *made) setOrder(order []int) {
	d := m.d
	m.order = append(m.order[:0], order...)
	inDeg := make([]int, d)
	for k, v := range order {
		inDeg[v] = k + 1
	}
	prev := inDeg
	m.masks = m.masks[:0]
	for _, h := range m.hidden {
		deg := make([]int, h)
		for j := range deg {
			deg[j] = hiddenDegree(d, h, j)
		}
		mask, full := make([]float64, h*len(prev)), true
		for j := range h {
			for i, p := range prev {
				if deg[j] >= p {
					mask[j*len(prev)+i] = 1
				} else {
					full = false
				}
			}
		}
		if full {
			m.masks = append(m.masks, nil)
		} else {
			m.masks = append(m.masks, tensor.New(mask, h, len(prev)))
		}
		prev = deg
	}
	mask := make([]float64, d*len(prev))
	for i := range d {
		for j, p := range prev {
			if inDeg[i] > p {
				mask[i*len(prev)+j] = 1
			}
		}
	}
	m.maskO = tensor.New(mask, d, len(prev))
	m.maskO2 = tensor.New(append(append([]float64(nil), mask...), mask...), 2*d, len(prev))
	if m.p > 0 {
		h := len(prev)
		mp := make([]float64, d*m.p*h)
		for i := range d {
			for k := range m.p {
				copy(mp[(i*m.p+k)*h:], mask[i*h:(i+1)*h])
			}
		}
		m.maskP = tensor.New(mp, d*m.p, h)
	}
	m.setStairs()
}

// setStairs chooses the layers computed block by block and builds their
// staircases for the current order.
func (m *made) setStairs() {
	d := m.d
	m.stairs = m.stairs[:0]
	var prev []int // degrees of the previous layer's units, non-decreasing
	for l, h := range m.hidden {
		deg := make([]int, h)
		prefix := make([]int, h)
		for j := range deg {
			deg[j] = hiddenDegree(d, h, j)
			if l == 0 {
				prefix[j] = min(deg[j], d) // inputs order[0..deg−1]
			} else {
				prefix[j] = countAtMost(prev, deg[j])
			}
		}
		in := d
		if l > 0 {
			in = len(prev)
		}
		var cols []int
		if l == 0 {
			cols = m.order
		}
		m.stairs = append(m.stairs, stairLayer(prefix, in, nil, cols))
		prev = deg
	}
	// Heads: in variable order, position k (variable order[k], degree
	// k+1) reads the last hidden units of degree at most k; a variable's
	// outputs are adjacent rows of the staircase. The shift and scale
	// heads are two products when each is large enough to be cut into
	// blocks, else one product of both (stacked, then split: two copies
	// of the output that only pay when the heads are small).
	m.stairO, m.stairH = nil, nil
	if m.p == 0 {
		prefix := make([]int, d)
		for k := range d {
			prefix[k] = countAtMost(prev, k)
		}
		if m.stairH = stairLayer(prefix, len(prev), m.order, nil); m.stairH != nil {
			return
		}
	}
	per := m.p
	if per == 0 {
		per = 2 // shift and scale
	}
	prefix := make([]int, 0, d*per)
	rows := make([]int, 0, d*per)
	for k, v := range m.order {
		c := countAtMost(prev, k)
		for q := range per {
			prefix = append(prefix, c)
			if m.p > 0 { // row v·p+q of wP
				rows = append(rows, v*per+q)
			} else { // row v of wMu (q = 0) or of wS (q = 1), stacked
				rows = append(rows, q*d+v)
			}
		}
	}
	m.stairO = stairLayer(prefix, len(prev), rows, nil)
}

// countAtMost returns the number of leading elements of the non-decreasing
// xs that are at most v.
func countAtMost(xs []int, v int) int {
	n := 0
	for n < len(xs) && xs[n] <= v {
		n++
	}
	return n
}

// stairLayer returns the staircase of a masked layer whose row rows[i]
// reads the inputs cols[0..prefix[i]−1] of in (nil orders: the identity),
// or nil when the dense masked product is as good: when the blocks would
// skip less than a quarter of the weights, or fewer than stairMinSaved of
// them (per row of the batch, too little arithmetic to pay for the
// permutations and the extra products).
func stairLayer(prefix []int, in int, rows, cols []int) *tensor.Staircase {
	dense := len(prefix) * in
	s := tensor.NewStaircase(prefix, in, rows, cols)
	if saved := dense - s.Work(); 4*saved < dense || saved < stairMinSaved {
		return nil
	}
	return s
}

// stairMinSaved is the number of weights per batch row a block-sparse
// layer must skip to be used.
const stairMinSaved = 2048

// init draws the hidden layers as PyTorch's nn.Linear does (weights and
// biases uniform on ±1/√fan_in) and sets the output heads to zero weights,
// zero shift bias and unconstrained-scale bias softplus⁻¹(1) = log(e−1), so
// that a fresh layer is exactly the identity map.
func (m *made) init(rng *rand.Rand) {
	in := m.d
	for l, h := range m.hidden {
		bound := 1 / math.Sqrt(float64(in))
		for i := range m.ws[l].Data() {
			m.ws[l].Data()[i] = bound * (2*rng.Float64() - 1)
		}
		for i := range m.bs[l].Data() {
			m.bs[l].Data()[i] = bound * (2*rng.Float64() - 1)
		}
		in = h
	}
	if m.wc != nil { // drawn after the rest: an unconditional layer's draws are unchanged
		bound := 1 / math.Sqrt(float64(m.d+m.ctx))
		for i := range m.wc.Data() {
			m.wc.Data()[i] = bound * (2*rng.Float64() - 1)
		}
	}
	if m.p > 0 {
		clear(m.wP.Data())
		clear(m.bP.Data())
		return
	}
	clear(m.wMu.Data())
	clear(m.wS.Data())
	clear(m.bMu.Data())
	for i := range m.bS.Data() {
		m.bS.Data()[i] = softplusInv1
	}
}

// softplusInv1 is softplus⁻¹(1) = log(e − 1).
var softplusInv1 = math.Log(math.E - 1)

// pristine reports whether the output heads still have all-zero weights, so
// the layer's shift and scale are the constants bMu and softplus(bS).
func (m *made) pristine() bool {
	for _, w := range [...]*tensor.Tensor{m.wMu, m.wS, m.wP} {
		if w == nil {
			continue
		}
		for _, v := range w.Data() {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

// forward returns the shift and the unconstrained scale ([n, d] each) for
// the inputs u ([n, d]) of an unconditional MADE.
func (m *made) forward(u *tensor.Tensor) (mu, raw *tensor.Tensor) { return m.forwardC(u, nil) }

// forwardC is forward given the context c: [n, ctx], one row per input
// row (nil for an unconditional MADE).
func (m *made) forwardC(u, c *tensor.Tensor) (mu, raw *tensor.Tensor) {
	h := m.trunk(u, c)
	if m.stairH != nil { // the heads apart, rows in variable order
		mu = tensor.StaircaseLinearWith(h, m.wMu, m.bMu, m.stairH, m.lin(false))
		raw = tensor.StaircaseLinearWith(h, m.wS, m.bS, m.stairH, m.lin(false))
		return mu, raw
	}
	if m.stairO != nil { // both heads in one product
		w := tensor.Concat(0, m.wMu, m.wS)
		b := tensor.Concat(0, m.bMu, m.bS)
		out := tensor.StaircaseLinearWith(h, w, b, m.stairO, m.lin(false))
		return tensor.Narrow(out, 1, 0, m.d), tensor.Narrow(out, 1, m.d, m.d)
	}
	// Both heads in one product (one n×2d output, then split): at small
	// widths the cost of a product is mostly per call.
	w := tensor.Mul(tensor.Concat(0, m.wMu, m.wS), m.maskO2)
	out := tensor.LinearWith(h, w, tensor.Concat(0, m.bMu, m.bS), m.lin(false))
	return tensor.Narrow(out, 1, 0, m.d), tensor.Narrow(out, 1, m.d, m.d)
}

// lin returns the options of the MADE's layers: its precision, and ReLU
// fused when relu is set.
func (m *made) lin(relu bool) tensor.LinearOptions {
	return tensor.LinearOptions{ReLU: relu, Float32: m.f32}
}

// trunk returns the last hidden layer's activations for the inputs u and
// the context c (nil: none).
func (m *made) trunk(u, c *tensor.Tensor) *tensor.Tensor {
	h := u
	relu := m.act == "relu"
	for l, w := range m.ws {
		if l == 0 && m.wc != nil {
			h = m.firstWithContext(u, c)
			continue
		}
		if s := m.stairs[l]; s != nil {
			h = tensor.StaircaseLinearWith(h, w, m.bs[l], s, m.lin(relu))
			if !relu {
				h = activate(m.act, h)
			}
			continue
		}
		if m.masks[l] != nil {
			w = tensor.Mul(w, m.masks[l])
		}
		if relu {
			h = tensor.LinearWith(h, w, m.bs[l], m.lin(true)) // ReLU fused: one n×h array less
		} else {
			h = activate(m.act, tensor.LinearWith(h, w, m.bs[l], m.lin(false)))
		}
	}
	return h
}

// firstWithContext returns the first hidden layer's activations of a
// conditional MADE: act(masked W u + b + Wc c).
func (m *made) firstWithContext(u, c *tensor.Tensor) *tensor.Tensor {
	if c == nil {
		panic("flows: a conditional MADE evaluated without its context")
	}
	w := m.ws[0]
	if s := m.stairs[0]; s != nil {
		pre := tensor.StaircaseLinearWith(u, w, m.bs[0], s, m.lin(false))
		return activate(m.act, tensor.Add(pre, tensor.LinearWith(c, m.wc, nil, m.lin(false))))
	}
	// One product of [u, c] with [W ⊙ M, Wc] (ReLU fused): the inputs and
	// weights are narrow, the n × h output is made once.
	if m.masks[0] != nil {
		w = tensor.Mul(w, m.masks[0])
	}
	uc, wc := tensor.Concat(1, u, c), tensor.Concat(1, w, m.wc)
	if m.act == "relu" {
		return tensor.LinearWith(uc, wc, m.bs[0], m.lin(true))
	}
	return activate(m.act, tensor.LinearWith(uc, wc, m.bs[0], m.lin(false)))
}

// forwardP returns the p outputs per variable ([n, d, p]) of a MADE made
// by newMADEHeads.
func (m *made) forwardP(u *tensor.Tensor) *tensor.Tensor { return m.forwardPC(u, nil) }

// forwardPC is forwardP given the context c (see forwardC).
func (m *made) forwardPC(u, c *tensor.Tensor) *tensor.Tensor {
	h, n := m.trunk(u, c), u.Dim(0)
	var out *tensor.Tensor
	if m.stairO != nil {
		out = tensor.StaircaseLinearWith(h, m.wP, m.bP, m.stairO, m.lin(false))
	} else {
		out = tensor.LinearWith(h, tensor.Mul(m.wP, m.maskP), m.bP, m.lin(false))
	}
	return tensor.Reshape(out, n, m.d, m.p)
}

var zeroScalar = tensor.Scalar(0)

// activate applies the named nonlinearity.
func activate(name string, x *tensor.Tensor) *tensor.Tensor {
	switch name {
	case "relu":
		return tensor.ReLU(x)
	case "tanh":
		return tensor.Tanh(x)
	case "elu": // x for x > 0, e^x − 1 otherwise
		return tensor.Add(tensor.ReLU(x), tensor.Expm1(tensor.Minimum(x, zeroScalar)))
	}
	panic(fmt.Sprintf("flows: unknown activation %q", name))
}

// activations lists the supported nonlinearities.
var activations = []string{"relu", "tanh", "elu"}
