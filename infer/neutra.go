package infer

import (
	"fmt"

	"github.com/flowppl/flowppl/tensor"
)

// Pushforward is a guide that is the image of a base distribution under a
// differentiable bijection T, as a flow is (*flows.Flow): Forward maps
// base points ε ([n, D]) to x = T(ε) with log|det ∂T/∂ε| per row ([n]),
// differentiable in ε.
type Pushforward interface {
	Forward(eps *tensor.Tensor) (x, logDet *tensor.Tensor)
}

// NeuTra is the pullback of a posterior through a fitted flow guide
// (Hoffman et al. 2019, "NeuTra-lizing bad geometry"): a Posterior on the
// guide's base space with log density
//
//	log p(T(ε)) + log|det ∂T/∂ε|,
//
// T the guide's forward map. The base density is not added: samples ε of
// this density are mapped by T to exact samples of p, however good the
// guide; a good guide makes the pullback close to its base (near a
// standard normal), which NUTS samples easily. The guide's parameters are
// only read (not watched), so several chains can share it; NeuTraNUTS
// forks P for each chain when P is a Forker (for each batch of chains
// when P is a BatchForker).
type NeuTra struct {
	P Posterior
	T Pushforward
}

var _ Posterior = (*NeuTra)(nil)

// NewNeuTra returns the pullback of p through the guide q, which must be a
// Pushforward of p's dimension.
func NewNeuTra(p Posterior, q Guide) (*NeuTra, error) {
	t, ok := q.(Pushforward)
	if !ok {
		return nil, fmt.Errorf("neutra needs a flow guide (a map from its base space), got %s", q)
	}
	if p.Dim() != q.Dim() {
		return nil, fmt.Errorf("the guide has dimension %d but the posterior has %d unconstrained dimensions", q.Dim(), p.Dim())
	}
	return &NeuTra{P: p, T: t}, nil
}

// Dim returns D.
func (n *NeuTra) Dim() int { return n.P.Dim() }

// LogDensity returns log p(T(ε)) + log|det ∂T/∂ε| for each row of ε.
func (n *NeuTra) LogDensity(eps *tensor.Tensor) (*tensor.Tensor, error) {
	x, ld := n.T.Forward(eps)
	lp, err := n.P.LogDensity(x)
	if err != nil {
		return nil, err
	}
	if err := checkDensityShape(lp, eps.Dim(0)); err != nil {
		return nil, err
	}
	return tensor.Add(lp, ld), nil
}

// forkable returns n as NUTS should sample it: a BatchForker or Forker
// over forks of P when P is one (the guide is shared: it is only read),
// else n itself, whose chains are batched.
func (n *NeuTra) forkable() Posterior {
	if _, ok := n.P.(BatchForker); ok {
		return neutraBatchForker{n}
	}
	if _, ok := n.P.(Forker); ok {
		return neutraForker{n}
	}
	return n
}

type neutraForker struct{ *NeuTra }

func (f neutraForker) Fork() Posterior {
	return &NeuTra{P: f.P.(Forker).Fork(), T: f.T}
}

// neutraBatchForker is the pullback of a BatchForker: its forks pull back
// forks of P (through the shared guide).
type neutraBatchForker struct{ *NeuTra }

func (f neutraBatchForker) BatchFork() Posterior {
	return &NeuTra{P: f.P.(BatchForker).BatchFork(), T: f.T}
}

// Explain explains a base point through T and P's Explainer.
func (n *NeuTra) Explain(eps []float64) string {
	e, ok := n.P.(Explainer)
	if !ok {
		return ""
	}
	x, _ := n.T.Forward(tensor.New(append([]float64(nil), eps...), 1, len(eps)))
	return e.Explain(append([]float64(nil), x.Data()...))
}

// Push maps base points eps (n×D row-major) to x = T(ε) and returns x
// with log p(x), the posterior's log density there (no gradients, in
// chunks of rows).
func (n *NeuTra) Push(eps []float64) (x, lp []float64, err error) {
	d := n.Dim()
	rowsN := len(eps) / d
	x, lp = make([]float64, len(eps)), make([]float64, rowsN)
	if rowsN == 0 {
		return x, lp, nil
	}
	src := tensor.New(eps, rowsN, d)
	err = EvalChunks(nil, rowsN, func(tp *tensor.Tape, lo, m int) error {
		xc, _ := n.T.Forward(Scratch(tp, src, lo, m))
		copy(x[lo*d:(lo+m)*d], xc.Data())
		l, err := checkedDensity(n.P, xc, m)
		if err != nil {
			return err
		}
		copy(lp[lo:lo+m], l.Data())
		return nil
	})
	return x, lp, err
}

// NeuTraNUTS runs NUTS on the pullback of p through the fitted flow guide q
// (NewNeuTra) and maps the chains back: each Chain's Base holds the
// states ε, Draws their images T(ε) on p's unconstrained space and LP
// log p there; the sampler columns (energy__ included) are the base
// space's.
func NeuTraNUTS(p Posterior, q Guide, opts NUTSOptions) (*NUTSResult, error) {
	nt, err := NewNeuTra(p, q)
	if err != nil {
		return nil, err
	}
	res, err := NUTS(nt.forkable(), opts)
	if res == nil {
		return nil, err
	}
	for _, c := range res.Chains {
		if c == nil {
			continue
		}
		c.Base = c.Draws
		x, lp, perr := nt.Push(c.Base)
		if perr != nil && err == nil {
			err = perr
		}
		c.Draws, c.LP = x, lp
	}
	return res, err
}
