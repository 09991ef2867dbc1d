package infer

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// Optimizer updates parameters in place from the gradients that
// Tape.Backward accumulated into them (Data and Grad). It does not clear
// the gradients. Its state is allocated on the first Step; later steps
// with the same parameters do not allocate.
type Optimizer interface {
	// Step applies one update to params.
	Step(params []*tensor.Tensor)
	// SetLR changes the learning rate (for schedules such as warm-up).
	SetLR(lr float64)
}

// state returns per-parameter buffers matching params, reallocating them
// (zeroed) when the parameters changed.
func state(bufs [][]float64, params []*tensor.Tensor) ([][]float64, bool) {
	ok := len(bufs) == len(params)
	for i := 0; ok && i < len(params); i++ {
		ok = len(bufs[i]) == params[i].Len()
	}
	if ok {
		return bufs, false
	}
	bufs = make([][]float64, len(params))
	for i, p := range params {
		bufs[i] = make([]float64, p.Len())
	}
	return bufs, true
}

// Adam is the Adam optimiser (Kingma and Ba 2015) with PyTorch's defaults
// (NewAdam): betas 0.9 and 0.999, eps 1e-8, bias correction. With
// WeightDecay > 0 it is AdamW (Loshchilov and Hutter 2019): parameters
// shrink by lr·WeightDecay before each update, decoupled from the moments.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64

	t    int
	m, v [][]float64
}

// NewAdam returns Adam with PyTorch's defaults and learning rate lr.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// NewAdamW returns AdamW with PyTorch's defaults (weight decay 0.01).
func NewAdamW(lr float64) *Adam {
	a := NewAdam(lr)
	a.WeightDecay = 0.01
	return a
}

// SetLR sets the learning rate.
func (a *Adam) SetLR(lr float64) { a.LR = lr }

// Step applies one Adam update.
func (a *Adam) Step(params []*tensor.Tensor) {
	if m, fresh := state(a.m, params); fresh {
		a.m, a.t = m, 0
		a.v, _ = state(nil, params)
	}
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := math.Sqrt(1 - math.Pow(a.Beta2, float64(a.t)))
	step := a.LR / c1
	decay := 1 - a.LR*a.WeightDecay
	for i, p := range params {
		x, g, m, v := p.Data(), p.Grad(), a.m[i], a.v[i]
		for j := range x {
			if a.WeightDecay != 0 {
				x[j] *= decay
			}
			m[j] = a.Beta1*m[j] + (1-a.Beta1)*g[j]
			v[j] = a.Beta2*v[j] + (1-a.Beta2)*g[j]*g[j]
			x[j] -= step * m[j] / (math.Sqrt(v[j])/c2 + a.Eps)
		}
	}
}

// SGD is stochastic gradient descent with optional momentum, as PyTorch's
// (buf ← Momentum·buf + g, the first buf = g; x ← x − LR·buf; no
// dampening). PyTorch's default momentum is 0; the language's "sgd" uses
// 0.9.
type SGD struct {
	LR, Momentum float64

	buf     [][]float64
	started bool
}

// SetLR sets the learning rate.
func (s *SGD) SetLR(lr float64) { s.LR = lr }

// Step applies one update.
func (s *SGD) Step(params []*tensor.Tensor) {
	if s.Momentum == 0 {
		for _, p := range params {
			x, g := p.Data(), p.Grad()
			for j := range x {
				x[j] -= s.LR * g[j]
			}
		}
		return
	}
	var fresh bool
	if s.buf, fresh = state(s.buf, params); fresh {
		s.started = false
	}
	for i, p := range params {
		x, g, b := p.Data(), p.Grad(), s.buf[i]
		for j := range x {
			if s.started {
				b[j] = s.Momentum*b[j] + g[j]
			} else {
				b[j] = g[j]
			}
			x[j] -= s.LR * b[j]
		}
	}
	s.started = true
}

// RMSProp is PyTorch's RMSprop with its defaults (NewRMSProp): smoothing
// Alpha 0.99, Eps 1e-8, no momentum, not centred.
type RMSProp struct {
	LR, Alpha, Eps float64

	sq [][]float64
}

// NewRMSProp returns RMSProp with PyTorch's defaults and learning rate lr.
func NewRMSProp(lr float64) *RMSProp { return &RMSProp{LR: lr, Alpha: 0.99, Eps: 1e-8} }

// SetLR sets the learning rate.
func (r *RMSProp) SetLR(lr float64) { r.LR = lr }

// Step applies one update.
func (r *RMSProp) Step(params []*tensor.Tensor) {
	r.sq, _ = state(r.sq, params)
	for i, p := range params {
		x, g, s := p.Data(), p.Grad(), r.sq[i]
		for j := range x {
			s[j] = r.Alpha*s[j] + (1-r.Alpha)*g[j]*g[j]
			x[j] -= r.LR * g[j] / (math.Sqrt(s[j]) + r.Eps)
		}
	}
}

// Optimizers lists the names NewOptimizer accepts.
var Optimizers = []string{"adam", "adamw", "sgd", "rmsprop"}

// NewOptimizer returns the named optimiser ("adam", "adamw", "sgd" with
// momentum 0.9, "rmsprop") with learning rate lr and PyTorch's defaults.
func NewOptimizer(name string, lr float64) (Optimizer, error) {
	switch name {
	case "", "adam":
		return NewAdam(lr), nil
	case "adamw":
		return NewAdamW(lr), nil
	case "sgd":
		return &SGD{LR: lr, Momentum: 0.9}, nil
	case "rmsprop":
		return NewRMSProp(lr), nil
	}
	return nil, fmt.Errorf(`optimizer must be "adam", "adamw", "sgd" or "rmsprop", got %q`, name)
}

// GradNorm returns the Euclidean norm of all the parameters' gradients
// together (NaN or Inf if any gradient is).
func GradNorm(params []*tensor.Tensor) float64 {
	s := 0.0
	for _, p := range params {
		for _, g := range p.Grad() {
			s += g * g
		}
	}
	return math.Sqrt(s)
}

// ClipGradNorm scales all gradients by one factor so that their joint
// norm is at most maxNorm, and returns the norm before clipping.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	n := GradNorm(params)
	if n > maxNorm && !math.IsInf(n, 0) {
		c := maxNorm / n
		for _, p := range params {
			g := p.Grad()
			for j := range g {
				g[j] *= c
			}
		}
	}
	return n
}
