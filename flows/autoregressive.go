package flows

import (
	"math/rand/v2"
	"sync"

	"github.com/flowppl/flowppl/tensor"
)

// AffineAutoregressive is FlowTorch's affine autoregressive bijector: an
// elementwise affine map whose shift μ and scale σ for each variable are
// computed by a MADE conditioner from the variables before it in a
// (random) order,
//
//	y = μ(u) + σ(u) ⊙ x,  σ = softplus(raw),  log|det| = Σ log σ,
//
// where u is x (BaseSide, IAF) or y (DataSide, MAF); see Direction.
//
// The conditioner is a MADE with hidden widths Options.Hidden (FlowTorch's
// default [256, 256]) and the activation Options.Activation (relu). Its
// output heads start at zero weights, zero shift bias and scale bias
// softplus⁻¹(1) = log(e−1) ≈ 0.5413, so a fresh layer is exactly the
// identity; FlowTorch instead starts from PyTorch's random initialisation
// of the last layer, whose σ = softplus(raw) ≈ 0.69 on average. With
// Options.ClipLogScale, log σ is clamped to [LogScaleMin, LogScaleMax]
// (default [-5, 3]) with the gradient passed through unchanged, as
// FlowTorch's clamp_values does (FlowTorch clamps the unconstrained value
// before softplus; here the clamp is on log σ itself, as its option names
// say).
type AffineAutoregressive struct {
	made      *made
	dir       Direction
	clip      bool
	lo, hi    float64
	userOrder bool
	locked    bool // direction fixed by a fit
}

// NewAffineAutoregressive returns one layer over R^d with parameters drawn
// from rng. It uses o.Hidden, o.Activation, o.Permutation (the variable
// order; random when nil) and the log-scale clip options; o.Layers is the
// business of Apply.
func NewAffineAutoregressive(d int, o Options, rng *rand.Rand) (*AffineAutoregressive, error) {
	o, err := o.withDefaults(d)
	if err != nil {
		return nil, err
	}
	a := &AffineAutoregressive{clip: o.ClipLogScale, lo: o.LogScaleMin, hi: o.LogScaleMax}
	order := o.Permutation
	if order != nil {
		a.userOrder = true
	} else {
		order = rng.Perm(d)
	}
	a.made = newMADE(d, o.Hidden, o.Activation, order)
	a.made.f32 = o.Precision == Float32
	a.made.setContext(o.Context)
	a.made.init(rng)
	return a, nil
}

// Name returns "AffineAutoregressive".
func (a *AffineAutoregressive) Name() string { return "AffineAutoregressive" }

// Dim returns d.
func (a *AffineAutoregressive) Dim() int { return a.made.d }

// Params returns the MADE's weights and biases.
func (a *AffineAutoregressive) Params() []*tensor.Tensor { return a.made.params() }

// Order returns the variable order: the conditioner of variable Order()[k]
// reads the variables Order()[0..k-1]. The caller must not modify it.
func (a *AffineAutoregressive) Order() []int { return a.made.order }

// Hidden returns the conditioner's hidden widths.
func (a *AffineAutoregressive) Hidden() []int { return a.made.hidden }

// Options returns options that rebuild this layer with
// NewAffineAutoregressive (its order as Permutation), for saving a flow:
// copy Params' data into the rebuilt layer's.
func (a *AffineAutoregressive) Options() Options {
	return Options{
		Hidden: append([]int(nil), a.made.hidden...), Activation: a.made.act,
		Precision:    precisionName(a.made.f32),
		Permutation:  append([]int(nil), a.made.order...),
		ClipLogScale: a.clip, LogScaleMin: a.lo, LogScaleMax: a.hi,
		Context: a.made.ctx,
	}
}

// ContextDim returns the size of the context the conditioner reads (0:
// none; see Conditional).
func (a *AffineAutoregressive) ContextDim() int { return a.made.ctx }

// Direction returns the side the conditioner reads.
func (a *AffineAutoregressive) Direction() Direction { return a.dir }

// SetDirection sets the side the conditioner reads.
func (a *AffineAutoregressive) SetDirection(d Direction) { a.dir = d }

// Initialize redraws the weights and, unless the order was given, the
// variable order.
func (a *AffineAutoregressive) Initialize(rng *rand.Rand) {
	if !a.userOrder {
		a.made.setOrder(rng.Perm(a.made.d))
	}
	a.made.init(rng)
}

// shiftScale runs the conditioner on u and returns μ, σ and log σ.
func (a *AffineAutoregressive) shiftScale(u *tensor.Tensor) (mu, s, logS *tensor.Tensor) {
	return a.shiftScaleC(u, nil)
}

// shiftScaleC is shiftScale given the context c (see Conditional).
func (a *AffineAutoregressive) shiftScaleC(u, c *tensor.Tensor) (mu, s, logS *tensor.Tensor) {
	mu, raw := a.made.forwardC(u, c)
	s = tensor.Softplus(raw)
	logS = tensor.Log(s)
	if a.clip {
		logS = clampPreserveGrad(logS, a.lo, a.hi)
		s = tensor.Exp(logS)
	}
	return mu, s, logS
}

// clampPreserveGrad clamps x to [lo, hi] in value while its gradient is
// that of the identity: x + (clamp(x) − x) with the difference constant.
func clampPreserveGrad(x *tensor.Tensor, lo, hi float64) *tensor.Tensor {
	xd := x.Detach()
	return tensor.Add(x, tensor.Sub(tensor.Clamp(xd, lo, hi), xd))
}

// Forward returns y = μ + σ ⊙ x and Σ log σ: one conditioner pass on the
// base side, d passes on the data side.
func (a *AffineAutoregressive) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return a.ForwardGiven(x, nil)
}

// ForwardGiven is Forward with the conditioner also reading the context c
// (see Conditional).
func (a *AffineAutoregressive) ForwardGiven(x, c *tensor.Tensor) (y, logDet *tensor.Tensor) {
	if a.dir == BaseSide {
		mu, s, logS := a.shiftScaleC(x, c)
		return tensor.Add(tensor.Mul(x, s), mu), tensor.SumAxis(logS, 1)
	}
	solve, x, c := a.solverFor(x, c)
	step := func(cur *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		mu, s, logS := a.shiftScaleC(cur, c)
		return tensor.Add(tensor.Mul(x, s), mu), logS
	}
	y, logS := solve(x.Dim(0), step)
	return y, tensor.SumAxis(logS, 1)
}

// tracked reports whether any parameter is being recorded on a tape.
func (a *AffineAutoregressive) tracked() bool {
	for _, p := range a.made.params() {
		if p.Tracked() {
			return true
		}
	}
	return false
}

// scratchTapes holds private tapes for solveARScratch: their arenas are
// reused across passes and calls, so an untracked data-side Forward (as in
// Sample) does not allocate its n × width activations once per pass.
var scratchTapes = sync.Pool{New: func() any { return tensor.NewTape() }}

// solveARScratch is solveAR for untracked inputs and parameters, with the
// same results bit for bit: each pass runs on a private tape (only the
// current iterate is watched, so the parameters' gradients are untouched)
// that is Reset after the pass, the kept variables are copied into one
// reused [n, d] buffer, and the last pass's outputs are copied out.
func solveARScratch(order []int, n int, step func(cur *tensor.Tensor) (next, extra *tensor.Tensor)) (out, extra *tensor.Tensor) {
	d := len(order)
	pos := make([]int, d)
	for k, v := range order {
		pos[v] = k
	}
	tp := scratchTapes.Get().(*tensor.Tape)
	defer func() { tp.Reset(); scratchTapes.Put(tp) }()
	cur := tensor.Zeros(n, d)
	cd := cur.Data()
	for k := range d {
		tp.Watch(cur)
		next, ex := step(cur)
		if k == d-1 {
			return next.Clone(), ex.Clone()
		}
		nd := next.Data()
		for i := range n {
			for j := range d {
				if pos[j] <= k {
					cd[i*d+j] = nd[i*d+j]
				} else {
					cd[i*d+j] = 0
				}
			}
		}
		tp.Reset()
	}
	panic("unreachable")
}

// Inverse returns x = (y − μ) / σ and −Σ log σ: one conditioner pass on the
// data side, d passes on the base side.
func (a *AffineAutoregressive) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return a.InverseGiven(y, nil)
}

// InverseGiven is Inverse with the conditioner also reading the context c
// (see Conditional).
func (a *AffineAutoregressive) InverseGiven(y, c *tensor.Tensor) (x, logDet *tensor.Tensor) {
	if a.dir == DataSide {
		mu, s, logS := a.shiftScaleC(y, c)
		return tensor.Div(tensor.Sub(y, mu), s), tensor.Neg(tensor.SumAxis(logS, 1))
	}
	solve, y, c := a.solverFor(y, c)
	step := func(cur *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		mu, s, logS := a.shiftScaleC(cur, c)
		return tensor.Div(tensor.Sub(y, mu), s), logS
	}
	x, logS := solve(y.Dim(0), step)
	return x, tensor.Neg(tensor.SumAxis(logS, 1))
}

// solverFor picks the d-pass solver for input in and context c (nil:
// none): the pooled-scratch one when nothing is being recorded (sampling,
// evaluation), else the taped one; with the inputs the steps must read.
// The scratch solver's passes run on a private tape, so it reads copies
// of in and c off any tape: an untracked input can be a scratch tensor of
// another tape (a chunk of infer.EvalChunks), which the private tape's
// operations cannot mix with.
func (a *AffineAutoregressive) solverFor(in, c *tensor.Tensor) (solve func(int, func(*tensor.Tensor) (*tensor.Tensor, *tensor.Tensor)) (*tensor.Tensor, *tensor.Tensor), in2, c2 *tensor.Tensor) {
	if !in.Tracked() && (c == nil || !c.Tracked()) && !a.tracked() {
		if c != nil {
			c = c.Clone()
		}
		return a.solveScratch, in.Clone(), c
	}
	return a.solve, in, c
}

// solve computes the side the conditioner reads from the other side by d
// passes (solveAR): starting from zeros, pass k applies step and keeps the
// variables order[0..k] (the others are reset to 0 so that an overflow in
// a not yet determined variable cannot reach a determined one through a
// masked, zero weight). Pass k determines variable order[k] exactly,
// because its conditioner reads only order[0..k-1]; after d passes all are
// exact, and so is the log-scale of the last pass. The result is
// differentiable through all passes.
func (a *AffineAutoregressive) solve(n int, step func(cur *tensor.Tensor) (next, logS *tensor.Tensor)) (out, logS *tensor.Tensor) {
	return solveAR(a.made.order, n, step)
}

// solveScratch is solve for untracked inputs and parameters.
func (a *AffineAutoregressive) solveScratch(n int, step func(cur *tensor.Tensor) (next, logS *tensor.Tensor)) (out, logS *tensor.Tensor) {
	return solveARScratch(a.made.order, n, step)
}

func (a *AffineAutoregressive) lock()          { a.locked = true }
func (a *AffineAutoregressive) isLocked() bool { return a.locked }

// mapMoments pushes moments through a fresh layer, which is the elementwise
// map y = bμ + softplus(bσ) ⊙ x.
func (a *AffineAutoregressive) mapMoments(mean, sd []float64) bool {
	if !a.made.pristine() {
		return false
	}
	mu, raw := a.made.bMu.Data(), a.made.bS.Data()
	for j := range mean {
		s := softplus(raw[j])
		if a.clip {
			s = clampScale(s, a.lo, a.hi)
		}
		mean[j] = mu[j] + s*mean[j]
		sd[j] *= s
	}
	return true
}
