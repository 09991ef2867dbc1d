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
	k    adamConsts // of the step being taken
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
func (a *Adam) Step(params []*tensor.Tensor) { a.stepSave(params, nil) }

// stepSave is Step that also copies the parameters' values before the
// update into save (concatenated in order; nil: no copy) and reports
// whether every updated value is finite; see fusedStepper.
func (a *Adam) stepSave(params []*tensor.Tensor, save []float64) bool {
	if m, fresh := state(a.m, params); fresh {
		a.m, a.t = m, 0
		a.v, _ = state(nil, params)
	}
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := math.Sqrt(1 - math.Pow(a.Beta2, float64(a.t)))
	a.k = adamConsts{
		b1: a.Beta1, b2: a.Beta2,
		step: a.LR / c1 * c2, eps: a.Eps * c2,
		decay: 1 - a.LR*a.WeightDecay, wd: a.WeightDecay != 0,
	}
	return eachParam(params, save, a)
}

func (a *Adam) update(p *tensor.Tensor, i int, save []float64) bool {
	return a.k.apply(p.Data(), p.Grad(), a.m[i], a.v[i], save)
}

// adamConsts are the constants of one Adam step (step and eps scaled by
// the bias correction c2; see apply), held in locals so that the update
// loop does not reload them through the optimiser.
type adamConsts struct {
	b1, b2, step, eps, decay float64
	wd                       bool
}

// apply applies the step to x with gradient g and moments m, v (equal
// lengths), first copying x into save when save is non-nil; it reports
// whether the new values are all finite. PyTorch's update
// lr/c1 · m / (√v/c2 + eps), with c1 and c2 the bias corrections, is
// computed as (lr/c1·c2) · m / (√v + eps·c2): equal but for rounding, with
// one division per value instead of two. tensor.AdamUpdateSave does the
// arithmetic (vectorised; float32 seeds refined in float64, see there)
// and the copy in the same pass: a separate copy (memmove) cost 24 µs of a
// 1 ms step on 67,000 parameters.
func (k *adamConsts) apply(x, g, m, v, save []float64) bool {
	n := len(x)
	g, m, v = g[:n], m[:n], v[:n]
	if k.wd { // AdamW's decay first, as PyTorch: x·(1 − lr·λ), then the step
		if save != nil {
			save = save[:n]
			for j, xj := range x {
				save[j] = xj
				x[j] = xj * k.decay
			}
			save = nil
		} else {
			for j := range x {
				x[j] *= k.decay
			}
		}
	}
	return tensor.AdamUpdateSave(x, g, m, v, save, k.b1, k.b2, k.step, k.eps)
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
func (s *SGD) Step(params []*tensor.Tensor) { s.stepSave(params, nil) }

func (s *SGD) stepSave(params []*tensor.Tensor, save []float64) bool {
	if s.Momentum != 0 {
		var fresh bool
		if s.buf, fresh = state(s.buf, params); fresh {
			s.started = false
		}
	}
	ok := eachParam(params, save, s)
	s.started = true
	return ok
}

func (s *SGD) update(p *tensor.Tensor, i int, save []float64) bool {
	x, g := p.Data(), p.Grad()
	if save != nil {
		copy(save, x)
	}
	g = g[:len(x)]
	lr, mom := s.LR, s.Momentum
	bad := 0.0
	if mom == 0 {
		for j := range x {
			x[j] -= lr * g[j]
			bad += x[j] - x[j]
		}
		return bad == 0
	}
	b := s.buf[i]
	b = b[:len(x)]
	started := s.started
	for j := range x {
		if started {
			b[j] = mom*b[j] + g[j]
		} else {
			b[j] = g[j]
		}
		x[j] -= lr * b[j]
		bad += x[j] - x[j]
	}
	return bad == 0
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
func (r *RMSProp) Step(params []*tensor.Tensor) { r.stepSave(params, nil) }

func (r *RMSProp) stepSave(params []*tensor.Tensor, save []float64) bool {
	r.sq, _ = state(r.sq, params)
	return eachParam(params, save, r)
}

func (r *RMSProp) update(p *tensor.Tensor, i int, save []float64) bool {
	x, g, s := p.Data(), p.Grad(), r.sq[i]
	if save != nil {
		copy(save, x)
	}
	g, s = g[:len(x)], s[:len(x)]
	lr, alpha, oa, eps := r.LR, r.Alpha, 1-r.Alpha, r.Eps
	bad := 0.0
	for j := range x {
		s[j] = alpha*s[j] + oa*g[j]*g[j]
		x[j] -= lr * g[j] / (math.Sqrt(s[j]) + eps)
		bad += x[j] - x[j]
	}
	return bad == 0
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

// fusedStepper is an optimiser of this package: stepSave is Step that
// also copies the values before the update into save (the parameters
// concatenated in order, nil for no copy) and reports whether all the
// updated values are finite, in the same pass over the parameters, which
// train would otherwise make three times (snapshot, update, check).
type fusedStepper interface {
	stepSave(params []*tensor.Tensor, save []float64) bool
}

var (
	_ fusedStepper = (*Adam)(nil)
	_ fusedStepper = (*SGD)(nil)
	_ fusedStepper = (*RMSProp)(nil)
)

// paramUpdater updates parameter i, p, first copying its values into save
// when save is non-nil, and reports whether the new values are all finite.
type paramUpdater interface {
	update(p *tensor.Tensor, i int, save []float64) bool
}

// eachParam calls f.update on every parameter with its piece
// of the concatenated snapshot save (nil when save is nil), and reports
// whether every call returned true. (Splitting the values between two
// goroutines gained nothing on the 2-core machine of the benchmarks: the
// update is bound by memory traffic and the divider.)
func eachParam(params []*tensor.Tensor, save []float64, f paramUpdater) bool {
	ok, off := true, 0
	for i, p := range params {
		n := p.Len()
		var sv []float64
		if save != nil {
			sv = save[off : off+n]
		}
		if !f.update(p, i, sv) {
			ok = false
		}
		off += n
	}
	return ok
}

// gradSumSquares returns the sum of the squared gradient values: NaN or
// +Inf exactly when GradNorm is, but with several independent sums
// (tensor.SumSquares, vectorised: 36 µs of a 1 ms step as a scalar loop of
// four sums, 4–6 µs vectorised), so its rounding differs from GradNorm's,
// which is why the clip uses GradNorm.
func gradSumSquares(params []*tensor.Tensor) float64 {
	s := 0.0
	for _, p := range params {
		s += tensor.SumSquares(p.Grad())
	}
	return s
}
