package flows

import (
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// The rational-quadratic splines of Durkan et al. 2019 ("Neural spline
// flows"), with nflows' conventions: K bins on the box [-B, B] in both x
// and y, bin widths and heights from a softmax of unconstrained values
// (each at least minBin·2B), interior knot derivatives minDeriv +
// softplus(raw) and derivative 1 at the two ends, and the identity outside
// the box (linear tails), so the map is a continuously differentiable
// bijection of the real line.
const (
	minBinWidth  = 1e-3
	minBinHeight = 1e-3
	minDeriv     = 1e-3
)

// rawDerivIdentity is the unconstrained knot derivative that gives
// derivative 1: minDeriv + softplus(raw) = 1.
var rawDerivIdentity = softplusInv(1 - minDeriv)

// rqsKnots are the per-bin quantities of a spline ([..., K] each): left
// knots and sizes in x and y and the derivatives at the left and right
// knots.
type rqsKnots struct {
	xl, w, yl, h, dl, dr *tensor.Tensor
	k                    int
}

// makeKnots turns unconstrained widths, heights ([..., K]) and interior
// derivatives ([..., K-1]) into knots on [-bound, bound].
func makeKnots(rawW, rawH, rawD *tensor.Tensor, bound float64) rqsKnots {
	ax := rawW.Rank() - 1
	k := rawW.Dim(ax)
	pos := func(raw *tensor.Tensor, minSize float64) (left, size *tensor.Tensor) {
		s := tensor.AddScalar(tensor.Scale(tensor.Softmax(raw, ax), 1-minSize*float64(k)), minSize)
		size = tensor.Scale(s, 2*bound)
		left = tensor.AddScalar(tensor.Sub(tensor.Scale(tensor.CumSum(s, ax), 2*bound), size), -bound)
		return left, size
	}
	var kn rqsKnots
	kn.k = k
	kn.xl, kn.w = pos(rawW, minBinWidth)
	kn.yl, kn.h = pos(rawH, minBinHeight)
	shape := append([]int(nil), rawW.Shape()...)
	shape[ax] = 1
	one := tensor.Full(1, shape...)
	if k == 1 {
		kn.dl, kn.dr = one, one
		return kn
	}
	inner := tensor.AddScalar(tensor.Softplus(rawD), minDeriv)
	full := tensor.Concat(ax, one, inner, one)
	kn.dl = tensor.Narrow(full, ax, 0, k)
	kn.dr = tensor.Narrow(full, ax, 1, k)
	return kn
}

// rqs applies the spline elementwise to v ([n, d]) — forward (v = x) or
// inverse (v = y) — and returns the result and the log|det| of the map
// applied, summed over each row ([n]). The knots are [d, K] (one spline
// per dimension) or [n, d, K] (one per element, from a conditioner).
// Outside [-bound, bound] the map is the identity with log-det 0. The
// inverse solves the bin's quadratic in its stable form, so it is exact
// and finite everywhere.
func rqs(v *tensor.Tensor, kn rqsKnots, bound float64, inverse bool) (out, logDet *tensor.Tensor) {
	n, d, k := v.Dim(0), v.Dim(1), kn.k
	left := kn.xl
	if inverse {
		left = kn.yl
	}
	ld, vd := left.Data(), v.Data()
	perRow := left.Rank() == 3
	inside := make([]bool, n*d)
	oh := make([]float64, n*d*k)
	anyInside := false
	for i := range n {
		for j := range d {
			e := i*d + j
			x := vd[e]
			if !(x >= -bound && x <= bound) {
				continue
			}
			inside[e], anyInside = true, true
			base := j * k
			if perRow {
				base = e * k
			}
			b := 0
			for b+1 < k && ld[base+b+1] <= x {
				b++
			}
			oh[e*k+b] = 1
		}
	}
	if !anyInside {
		return v, tensor.Zeros(n)
	}
	onehot := tensor.New(oh, n, d, k)
	sel := func(t *tensor.Tensor) *tensor.Tensor { return tensor.SumAxis(tensor.Mul(onehot, t), 2) }
	vin := tensor.Where(inside, v, zeroScalar)
	xk, wk, yk, hk, dk, dk1 := sel(kn.xl), sel(kn.w), sel(kn.yl), sel(kn.h), sel(kn.dl), sel(kn.dr)
	sk := tensor.Div(hk, wk)
	c0 := tensor.Sub(tensor.Add(dk1, dk), tensor.Scale(sk, 2))
	var xi *tensor.Tensor
	if inverse {
		dy := tensor.Sub(vin, yk)
		dyc := tensor.Mul(dy, c0)
		a := tensor.Add(tensor.Mul(hk, tensor.Sub(sk, dk)), dyc)
		b := tensor.Sub(tensor.Mul(hk, dk), dyc)
		c := tensor.Neg(tensor.Mul(sk, dy))
		disc := tensor.Maximum(tensor.Sub(tensor.Square(b), tensor.Scale(tensor.Mul(a, c), 4)), zeroScalar)
		xi = tensor.Div(tensor.Scale(c, 2), tensor.Neg(tensor.Add(b, tensor.Sqrt(disc))))
		out = tensor.Add(tensor.Mul(xi, wk), xk)
	} else {
		xi = tensor.Div(tensor.Sub(vin, xk), wk)
	}
	t := tensor.Mul(xi, tensor.AddScalar(tensor.Neg(xi), 1))
	den := tensor.Add(sk, tensor.Mul(c0, t))
	if !inverse {
		num := tensor.Mul(hk, tensor.Add(tensor.Mul(sk, tensor.Square(xi)), tensor.Mul(dk, t)))
		out = tensor.Add(yk, tensor.Div(num, den))
	}
	omx := tensor.AddScalar(tensor.Neg(xi), 1)
	inner := tensor.Add(tensor.Add(tensor.Mul(dk1, tensor.Square(xi)), tensor.Scale(tensor.Mul(sk, t), 2)),
		tensor.Mul(dk, tensor.Square(omx)))
	l := tensor.Sub(tensor.Add(tensor.Scale(tensor.Log(sk), 2), tensor.Log(inner)), tensor.Scale(tensor.Log(den), 2))
	if inverse {
		l = tensor.Neg(l)
	}
	out = tensor.Where(inside, out, v)
	l = tensor.Where(inside, l, zeroScalar)
	return out, tensor.SumAxis(l, 1)
}

// Spline is the elementwise rational-quadratic spline of Durkan et al.
// 2019: each coordinate has its own monotone spline with Bins bins on
// [-Bound, Bound] (defaults 8 and 3) and is the identity outside the box.
// Its parameters are the unconstrained bin widths, heights ([d, K] each)
// and interior knot derivatives ([d, K-1]); a fresh Spline is the
// identity (equal bins, derivatives 1).
type Spline struct {
	RawW, RawH, RawD *tensor.Tensor
	d, bins          int
	bound            float64
}

// NewSpline returns an identity-initialised Spline over R^d with o.Bins
// and o.Bound.
func NewSpline(d int, o Options) (*Spline, error) {
	o, err := o.withDefaults(d)
	if err != nil {
		return nil, err
	}
	k := o.Bins
	s := &Spline{
		RawW: tensor.Param(make([]float64, d*k), d, k),
		RawH: tensor.Param(make([]float64, d*k), d, k),
		RawD: tensor.Param(make([]float64, d*(k-1)), d, k-1),
		d:    d, bins: k, bound: o.Bound,
	}
	s.Initialize(nil)
	return s, nil
}

// Name returns "Spline".
func (s *Spline) Name() string { return "Spline" }

// Dim returns d.
func (s *Spline) Dim() int { return s.d }

// Bins returns the number of bins.
func (s *Spline) Bins() int { return s.bins }

// Bound returns the half-width of the box.
func (s *Spline) Bound() float64 { return s.bound }

// Params returns the raw widths, heights and derivatives.
func (s *Spline) Params() []*tensor.Tensor { return []*tensor.Tensor{s.RawW, s.RawH, s.RawD} }

// Initialize resets the spline to the identity (rng is unused).
func (s *Spline) Initialize(*rand.Rand) {
	clear(s.RawW.Data())
	clear(s.RawH.Data())
	for i := range s.RawD.Data() {
		s.RawD.Data()[i] = rawDerivIdentity
	}
}

func (s *Spline) knots() rqsKnots { return makeKnots(s.RawW, s.RawH, s.RawD, s.bound) }

// Forward applies the splines.
func (s *Spline) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return rqs(x, s.knots(), s.bound, false)
}

// Inverse inverts the splines exactly (closed form in each bin).
func (s *Spline) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return rqs(y, s.knots(), s.bound, true)
}

func (s *Spline) mapMoments(mean, sd []float64) bool { return s.identity() }

// identity reports whether the spline is still at its identity start.
func (s *Spline) identity() bool {
	for _, v := range s.RawW.Data() {
		if v != s.RawW.Data()[0] {
			return false
		}
	}
	for _, v := range s.RawH.Data() {
		if v != s.RawH.Data()[0] {
			return false
		}
	}
	for _, v := range s.RawD.Data() {
		if v != rawDerivIdentity {
			return false
		}
	}
	return true
}

// SplineAutoregressive is the autoregressive rational-quadratic spline
// flow (Durkan et al. 2019; FlowTorch's SplineAutoregressive, nflows'
// MaskedPiecewiseRationalQuadraticAutoregressiveTransform): each variable
// goes through its own spline (as in Spline) whose 3K−1 parameters a MADE
// conditioner computes from the variables before it in a (random) order.
// The conditioner reads the base side or the data side exactly as
// AffineAutoregressive's does (see Direction): on the side it reads, the
// map is one conditioner pass; the other way takes d passes. A fresh layer
// is the identity (output heads at zero weights and identity biases).
type SplineAutoregressive struct {
	made      *made
	bins      int
	bound     float64
	dir       Direction
	userOrder bool
	locked    bool
}

// NewSplineAutoregressive returns one layer over R^d with hidden layers
// drawn from rng; it uses o.Hidden, o.Activation, o.Permutation, o.Bins
// and o.Bound.
func NewSplineAutoregressive(d int, o Options, rng *rand.Rand) (*SplineAutoregressive, error) {
	o, err := o.withDefaults(d)
	if err != nil {
		return nil, err
	}
	a := &SplineAutoregressive{bins: o.Bins, bound: o.Bound}
	order := o.Permutation
	if order != nil {
		a.userOrder = true
	} else {
		order = rng.Perm(d)
	}
	a.made = newMADEHeads(d, o.Hidden, o.Activation, order, 3*o.Bins-1)
	a.made.f32 = o.Precision == Float32
	a.made.setContext(o.Context)
	a.init(rng)
	return a, nil
}

func (a *SplineAutoregressive) init(rng *rand.Rand) {
	a.made.init(rng)
	k, p := a.bins, a.made.p
	for j := range a.made.d {
		for i := 2 * k; i < p; i++ {
			a.made.bP.Data()[j*p+i] = rawDerivIdentity
		}
	}
}

// Name returns "SplineAutoregressive".
func (a *SplineAutoregressive) Name() string { return "SplineAutoregressive" }

// Dim returns d.
func (a *SplineAutoregressive) Dim() int { return a.made.d }

// Params returns the MADE's weights and biases.
func (a *SplineAutoregressive) Params() []*tensor.Tensor { return a.made.params() }

// Order returns the variable order. The caller must not modify it.
func (a *SplineAutoregressive) Order() []int { return a.made.order }

// Options returns options that rebuild this layer (its order as
// Permutation).
func (a *SplineAutoregressive) Options() Options {
	return Options{
		Hidden: append([]int(nil), a.made.hidden...), Activation: a.made.act,
		Precision:   precisionName(a.made.f32),
		Permutation: append([]int(nil), a.made.order...), Bins: a.bins, Bound: a.bound,
		Context: a.made.ctx,
	}
}

// ContextDim returns the size of the context the conditioner reads (0:
// none; see Conditional).
func (a *SplineAutoregressive) ContextDim() int { return a.made.ctx }

// Direction returns the side the conditioner reads.
func (a *SplineAutoregressive) Direction() Direction { return a.dir }

// SetDirection sets the side the conditioner reads.
func (a *SplineAutoregressive) SetDirection(d Direction) { a.dir = d }

func (a *SplineAutoregressive) lock()          { a.locked = true }
func (a *SplineAutoregressive) isLocked() bool { return a.locked }

// Initialize redraws the weights (identity start) and, unless the order
// was given, the variable order.
func (a *SplineAutoregressive) Initialize(rng *rand.Rand) {
	if !a.userOrder {
		a.made.setOrder(rng.Perm(a.made.d))
	}
	a.init(rng)
}

// knots runs the conditioner on u and the context c (nil: none).
func (a *SplineAutoregressive) knots(u, c *tensor.Tensor) rqsKnots {
	out := a.made.forwardPC(u, c)
	k := a.bins
	return makeKnots(tensor.Narrow(out, 2, 0, k), tensor.Narrow(out, 2, k, k), tensor.Narrow(out, 2, 2*k, k-1), a.bound)
}

// Forward applies the splines: one conditioner pass on the base side, d
// passes on the data side.
func (a *SplineAutoregressive) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return a.ForwardGiven(x, nil)
}

// ForwardGiven is Forward with the conditioner also reading the context c
// (see Conditional).
func (a *SplineAutoregressive) ForwardGiven(x, c *tensor.Tensor) (y, logDet *tensor.Tensor) {
	if a.dir == BaseSide {
		return rqs(x, a.knots(x, c), a.bound, false)
	}
	return solveAR(a.made.order, x.Dim(0), func(cur *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		return rqs(x, a.knots(cur, c), a.bound, false)
	})
}

// Inverse inverts the splines: one conditioner pass on the data side, d
// passes on the base side.
func (a *SplineAutoregressive) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return a.InverseGiven(y, nil)
}

// InverseGiven is Inverse with the conditioner also reading the context c
// (see Conditional).
func (a *SplineAutoregressive) InverseGiven(y, c *tensor.Tensor) (x, logDet *tensor.Tensor) {
	if a.dir == DataSide {
		return rqs(y, a.knots(y, c), a.bound, true)
	}
	return solveAR(a.made.order, y.Dim(0), func(cur *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		return rqs(y, a.knots(cur, c), a.bound, true)
	})
}

func (a *SplineAutoregressive) mapMoments(mean, sd []float64) bool { return a.made.pristine() }

// solveAR computes the side an autoregressive conditioner reads from the
// other side by d passes (see AffineAutoregressive.solve): pass k
// determines variable order[k] exactly; the others are reset to 0 between
// passes. It returns the last pass's outputs.
func solveAR(order []int, n int, step func(cur *tensor.Tensor) (next, extra *tensor.Tensor)) (out, extra *tensor.Tensor) {
	d := len(order)
	pos := make([]int, d)
	for k, v := range order {
		pos[v] = k
	}
	cur := tensor.Zeros(n, d)
	for k := range d {
		next, ex := step(cur)
		if k == d-1 {
			return next, ex
		}
		keep := make([]bool, n*d)
		for j := range d {
			if pos[j] <= k {
				for i := j; i < n*d; i += d {
					keep[i] = true
				}
			}
		}
		cur = tensor.Where(keep, next, zeroScalar)
	}
	panic("unreachable")
}
