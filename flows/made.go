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
// and the gradient whatever the optimiser does.
type made struct {
	d      int
	hidden []int
	act    string
	order  []int

	ws, bs []*tensor.Tensor // hidden layers: W [h_l, in], b [h_l]
	masks  []*tensor.Tensor // nil where the mask is all ones
	wMu    *tensor.Tensor   // [d, h_last]: shift head
	bMu    *tensor.Tensor   // [d]
	wS     *tensor.Tensor   // [d, h_last]: unconstrained-scale head
	bS     *tensor.Tensor   // [d]
	maskO  *tensor.Tensor   // [d, h_last] output mask

	// A MADE made by newMADEHeads has instead one head of p outputs per
	// variable (wMu, bMu, wS, bS are nil): output j·p+k is output k of
	// variable j.
	p     int
	wP    *tensor.Tensor // [d·p, h_last]
	bP    *tensor.Tensor // [d·p]
	maskP *tensor.Tensor // [d·p, h_last]
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
		return append(ps, m.wP, m.bP)
	}
	return append(ps, m.wMu, m.bMu, m.wS, m.bS)
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
}

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
// the inputs u ([n, d]).
func (m *made) forward(u *tensor.Tensor) (mu, raw *tensor.Tensor) {
	h := m.trunk(u)
	mu = tensor.Linear(h, tensor.Mul(m.wMu, m.maskO), m.bMu)
	raw = tensor.Linear(h, tensor.Mul(m.wS, m.maskO), m.bS)
	return mu, raw
}

// trunk returns the last hidden layer's activations for the inputs u.
func (m *made) trunk(u *tensor.Tensor) *tensor.Tensor {
	h := u
	for l, w := range m.ws {
		if m.masks[l] != nil {
			w = tensor.Mul(w, m.masks[l])
		}
		if m.act == "relu" {
			h = tensor.LinearReLU(h, w, m.bs[l]) // fused: one n×h array less
		} else {
			h = activate(m.act, tensor.Linear(h, w, m.bs[l]))
		}
	}
	return h
}

// forwardP returns the p outputs per variable ([n, d, p]) of a MADE made
// by newMADEHeads.
func (m *made) forwardP(u *tensor.Tensor) *tensor.Tensor {
	out := tensor.Linear(m.trunk(u), tensor.Mul(m.wP, m.maskP), m.bP)
	return tensor.Reshape(out, u.Dim(0), m.d, m.p)
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
