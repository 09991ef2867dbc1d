package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// couplingLogScaleMax bounds a coupling layer's |log σ|: log σ =
// c·tanh(raw/c), a soft clamp that keeps one layer from scaling by more
// than e^c ≈ 20 (RealNVP's tanh-scaled log-scale; nflows bounds its
// scale with a sigmoid for the same reason).
const couplingLogScaleMax = 3.0

// Coupling is the affine coupling layer of RealNVP (Dinh et al. 2017): the
// variables are split into a conditioning half a and a transformed half b,
// and
//
//	y_a = x_a,  y_b = μ(x_a) + σ(x_a) ⊙ x_b,  log σ = 3·tanh(raw/3),
//
// with μ and raw computed by a fully connected network (widths
// Options.Hidden, activation Options.Activation) from x_a. Since y_a = x_a
// the conditioner reads the same values in both directions, so forward and
// inverse are each one network pass: Coupling has no Direction, and a
// coupling flow trained by either KL samples and scores at the same cost.
// With layers = n the halves alternate (layer k conditions on the first
// ⌈d/2⌉ variables for even k, on the others for odd k). The output heads
// start at zero weights, so a fresh layer is the identity. It needs d ≥ 2,
// or d = 1 with a context (Options.Context): the one variable is then
// shifted and scaled given the context alone.
type Coupling struct {
	d, parity   int
	cond, trans []int // conditioning and transformed variables
	back        []int // column j of the output is column back[j] of [y_a, y_b]
	hidden      []int
	act         string
	f32         bool // products in float32 (Options.Precision)

	ws, bs           []*tensor.Tensor
	wMu, bMu, wS, bS *tensor.Tensor

	// A conditional layer (Options.Context) reads a context of ctx values
	// too: wc [h_0, ctx] connects it to every unit of the first hidden
	// layer (see Conditional).
	ctx int
	wc  *tensor.Tensor
}

// NewCoupling returns one coupling layer over R^d conditioning on the
// first ⌈d/2⌉ variables (parity 0) or on the others (parity 1), with
// hidden layers drawn from rng.
func NewCoupling(d, parity int, o Options, rng *rand.Rand) (*Coupling, error) {
	if d < 2 && !(d == 1 && o.Context > 0) {
		return nil, fmt.Errorf("the dimension must be at least 2 (a coupling layer transforms half of the variables given the other half), got %d", d)
	}
	o, err := o.withDefaults(d)
	if err != nil {
		return nil, err
	}
	c := &Coupling{d: d, parity: parity & 1, hidden: append([]int(nil), o.Hidden...), act: o.Activation, f32: o.Precision == Float32}
	m := (d + 1) / 2
	for j := range d {
		if d == 1 { // conditional: the one variable given the context only
			c.trans = append(c.trans, j)
		} else if (j < m) == (c.parity == 0) {
			c.cond = append(c.cond, j)
		} else {
			c.trans = append(c.trans, j)
		}
	}
	c.back = make([]int, d)
	for k, j := range append(append([]int(nil), c.cond...), c.trans...) {
		c.back[j] = k
	}
	in := len(c.cond)
	for _, h := range c.hidden {
		c.ws = append(c.ws, tensor.Param(make([]float64, h*in), h, in))
		c.bs = append(c.bs, tensor.Param(make([]float64, h), h))
		in = h
	}
	nb := len(c.trans)
	c.wMu = tensor.Param(make([]float64, nb*in), nb, in)
	c.bMu = tensor.Param(make([]float64, nb), nb)
	c.wS = tensor.Param(make([]float64, nb*in), nb, in)
	c.bS = tensor.Param(make([]float64, nb), nb)
	if o.Context > 0 {
		c.ctx = o.Context
		c.wc = tensor.Param(make([]float64, c.hidden[0]*o.Context), c.hidden[0], o.Context)
	}
	c.Initialize(rng)
	return c, nil
}

// Name returns "Coupling".
func (c *Coupling) Name() string { return "Coupling" }

// Dim returns d.
func (c *Coupling) Dim() int { return c.d }

// Parity returns 0 when the layer conditions on the first ⌈d/2⌉
// variables, 1 when on the others.
func (c *Coupling) Parity() int { return c.parity }

// Options returns the options that rebuild the layer with NewCoupling.
func (c *Coupling) Options() Options {
	return Options{Hidden: append([]int(nil), c.hidden...), Activation: c.act, Precision: precisionName(c.f32), Context: c.ctx}
}

// ContextDim returns the size of the context the conditioner reads (0:
// none; see Conditional).
func (c *Coupling) ContextDim() int { return c.ctx }

// Params returns the conditioner's weights and biases.
func (c *Coupling) Params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for l := range c.ws {
		ps = append(ps, c.ws[l], c.bs[l])
	}
	ps = append(ps, c.wMu, c.bMu, c.wS, c.bS)
	if c.wc != nil {
		ps = append(ps, c.wc)
	}
	return ps
}

// Initialize draws the hidden layers as PyTorch's nn.Linear does and sets
// the output heads to the identity.
func (c *Coupling) Initialize(rng *rand.Rand) {
	in := len(c.cond)
	for l := range c.hidden {
		bound := 1 / math.Sqrt(float64(in))
		if in == 0 { // d = 1 with a context: the context is the first layer's only input
			bound = 1 / math.Sqrt(float64(c.ctx))
		}
		for i := range c.ws[l].Data() {
			c.ws[l].Data()[i] = bound * (2*rng.Float64() - 1)
		}
		for i := range c.bs[l].Data() {
			c.bs[l].Data()[i] = bound * (2*rng.Float64() - 1)
		}
		in = c.hidden[l]
	}
	if c.wc != nil { // drawn after the rest: an unconditional layer's draws are unchanged
		bound := 1 / math.Sqrt(float64(len(c.cond)+c.ctx))
		for i := range c.wc.Data() {
			c.wc.Data()[i] = bound * (2*rng.Float64() - 1)
		}
	}
	clear(c.wMu.Data())
	clear(c.wS.Data())
	clear(c.bMu.Data())
	clear(c.bS.Data())
}

// shiftScale returns μ, σ and log σ for the conditioning half xa and the
// context ctx (nil: none).
func (c *Coupling) shiftScale(xa, ctx *tensor.Tensor) (mu, s, logS *tensor.Tensor) {
	if (ctx == nil) != (c.wc == nil) {
		panic(fmt.Sprintf("flows: Coupling with context size %d evaluated with context %v", c.ctx, ctx != nil))
	}
	h := xa
	relu := c.act == "relu"
	for l, w := range c.ws {
		in := h
		switch {
		case l == 0 && len(c.cond) == 0: // d = 1: the context alone
			in, w = ctx, c.wc
		case l == 0 && c.wc != nil: // one product of [x_a, c] with [W, Wc]
			in, w = tensor.Concat(1, h, ctx), tensor.Concat(1, w, c.wc)
		}
		h = tensor.LinearWith(in, w, c.bs[l], tensor.LinearOptions{Float32: c.f32, ReLU: relu}) // ReLU fused
		if !relu {
			h = activate(c.act, h)
		}
	}
	lo := tensor.LinearOptions{Float32: c.f32}
	mu = tensor.LinearWith(h, c.wMu, c.bMu, lo)
	logS = tensor.Scale(tensor.Tanh(tensor.Scale(tensor.LinearWith(h, c.wS, c.bS, lo), 1/couplingLogScaleMax)), couplingLogScaleMax)
	return mu, tensor.Exp(logS), logS
}

// Forward returns y and Σ log σ (one conditioner pass).
func (c *Coupling) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return c.ForwardGiven(x, nil)
}

// ForwardGiven is Forward with the conditioner also reading the context
// ctx (see Conditional).
func (c *Coupling) ForwardGiven(x, ctx *tensor.Tensor) (y, logDet *tensor.Tensor) {
	xa, xb := tensor.Take(x, 1, c.cond), tensor.Take(x, 1, c.trans)
	mu, s, logS := c.shiftScale(xa, ctx)
	yb := tensor.Add(tensor.Mul(xb, s), mu)
	return tensor.Take(tensor.Concat(1, xa, yb), 1, c.back), tensor.SumAxis(logS, 1)
}

// Inverse returns x and −Σ log σ (one conditioner pass).
func (c *Coupling) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return c.InverseGiven(y, nil)
}

// InverseGiven is Inverse with the conditioner also reading the context
// ctx (see Conditional).
func (c *Coupling) InverseGiven(y, ctx *tensor.Tensor) (x, logDet *tensor.Tensor) {
	ya, yb := tensor.Take(y, 1, c.cond), tensor.Take(y, 1, c.trans)
	mu, s, logS := c.shiftScale(ya, ctx)
	xb := tensor.Div(tensor.Sub(yb, mu), s)
	return tensor.Take(tensor.Concat(1, ya, xb), 1, c.back), tensor.Neg(tensor.SumAxis(logS, 1))
}

// mapMoments pushes moments through a fresh layer (y_b = bμ + σ(bσ) x_b).
func (c *Coupling) mapMoments(mean, sd []float64) bool {
	for _, w := range [...]*tensor.Tensor{c.wMu, c.wS} {
		for _, v := range w.Data() {
			if v != 0 {
				return false
			}
		}
	}
	for k, j := range c.trans {
		s := math.Exp(couplingLogScaleMax * math.Tanh(c.bS.Data()[k]/couplingLogScaleMax))
		mean[j] = c.bMu.Data()[k] + s*mean[j]
		sd[j] *= s
	}
	return true
}
