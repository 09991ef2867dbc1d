package dist

import (
	"fmt"
	"math"

	"github.com/flowppl/flowppl/tensor"
)

// Transform maps the unconstrained space R^k onto a support, as Stan's
// constraining transforms do, so that inference can work on R^k: a latent
// x = Constrain(z) has density p(x)·|det ∂x/∂z| in z.
//
// Values are batches: z is [B, k] and x is [B, d], one draw per row.
type Transform interface {
	// Constrain maps unconstrained z [B, k] to the support [B, d] and
	// returns log|det J| [B]. It is differentiable in z (and in bound
	// tensors, for dependent bounds).
	Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor)
	// Unconstrain maps x [B, d] back to [B, k] (untracked); it is meant
	// for initial points. Points on or outside the boundary give ±Inf or
	// NaN.
	Unconstrain(x *tensor.Tensor) *tensor.Tensor
	// UnconstrainedDim returns k for a constrained size d (simplex: d−1).
	UnconstrainedDim(d int) int
}

// TransformFor returns the transform of a support: the identity for the
// reals, exp for the positive reals, the logistic function for the unit
// interval, a scaled logistic for an interval (exp from a finite lower
// bound when the upper one is +Inf, and the mirror image), Stan's
// stick-breaking transform for the simplex and Stan's Cholesky-correlation
// transform (CholeskyCorrTransform) for CholeskyCorr. Discrete supports are an error.
func TransformFor(s Support) (Transform, error) {
	switch s.Kind {
	case Real:
		return identity{}, nil
	case Positive:
		return expTransform{}, nil
	case UnitInterval:
		return logistic{}, nil
	case Interval:
		n := max(len(s.Low), len(s.High))
		if (len(s.Low) != 1 && len(s.Low) != n) || (len(s.High) != 1 && len(s.High) != n) {
			return nil, fmt.Errorf("interval support with %d lower and %d upper bounds", len(s.Low), len(s.High))
		}
		row := func(b []float64) *tensor.Tensor {
			if len(b) == 1 {
				return tensor.Scalar(b[0])
			}
			return tensor.New(append([]float64(nil), b...), 1, n)
		}
		for i := range n {
			lo, hi := s.Low[i%len(s.Low)], s.High[i%len(s.High)]
			if math.IsNaN(lo) || math.IsNaN(hi) || !(lo < hi) {
				return nil, fmt.Errorf("interval support [%g, %g] is empty", lo, hi)
			}
		}
		return IntervalTransform(row(s.Low), row(s.High)), nil
	case Simplex:
		return stickBreaking{}, nil
	case CholeskyCorr:
		return choleskyCorr{}, nil
	case PositiveDefinite:
		return nil, fmt.Errorf("cannot infer a latent with positive definite matrix support (no transform for it yet)")
	}
	if s.Kind.Discrete() {
		return nil, fmt.Errorf("cannot infer a discrete latent (its support is %s); sum it out or make it data", s.Kind)
	}
	return nil, fmt.Errorf("cannot infer a latent with %s support", s.Kind)
}

// identity is the transform of the reals.
type identity struct{}

func (identity) Constrain(z *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	return z, tensor.Zeros(z.Dim(0))
}
func (identity) Unconstrain(x *tensor.Tensor) *tensor.Tensor { return x.Clone() }
func (identity) UnconstrainedDim(d int) int                  { return d }

// expTransform maps R onto the positive reals: x = e^z, log|J| = Σ z.
type expTransform struct{}

func (expTransform) Constrain(z *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	return tensor.Exp(z), tensor.SumAxis(z, 1)
}
func (expTransform) Unconstrain(x *tensor.Tensor) *tensor.Tensor { return mapData(x, math.Log) }
func (expTransform) UnconstrainedDim(d int) int                  { return d }

// logistic maps R onto (0, 1): x = σ(z), log|J| = Σ log σ(z) + log σ(−z).
type logistic struct{}

func (logistic) Constrain(z *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	return tensor.Sigmoid(z), tensor.SumAxis(logSigmoidDeriv(z), 1)
}
func (logistic) Unconstrain(x *tensor.Tensor) *tensor.Tensor { return mapData(x, logit) }
func (logistic) UnconstrainedDim(d int) int                  { return d }

// logSigmoidDeriv returns log σ'(z) = log σ(z) + log σ(−z), elementwise.
func logSigmoidDeriv(z *tensor.Tensor) *tensor.Tensor {
	return tensor.Add(tensor.LogSigmoid(z), tensor.LogSigmoid(tensor.Neg(z)))
}

func logit(p float64) float64 { return math.Log(p) - math.Log1p(-p) }

func mapData(x *tensor.Tensor, f func(float64) float64) *tensor.Tensor {
	out := x.Clone()
	for i, v := range out.Data() {
		out.Data()[i] = f(v)
	}
	return out
}

// IntervalTransform returns the transform onto the interval (low, high),
// elementwise: x = low + (high − low)·σ(z) with log|J| = Σ log(high − low) +
// log σ(z) + log σ(−z). A bound may be −Inf or +Inf: with only a lower bound
// x = low + e^z, with only an upper bound x = high − e^z (log|J| = Σ z
// for both), with neither x = z.
//
// The bounds may be scalars, [d] vectors (one per component, as a
// distribution's parameters), [B] vectors (one per draw, for all
// components; a length that equals both B and d means [d], so pass per-draw
// bounds as [B, 1] to be unambiguous), or [B, d], [B, 1] or [1, d]
// matrices. They may be computed from other latents, in which case
// Constrain is differentiable in them too (Stan's dependent bounds, e.g.
// beta ~ Uniform(0, 1 − alpha)). A draw whose bounds are empty
// (high ≤ low) gets a non-finite log|J|, so a fit drops it.
func IntervalTransform(low, high *tensor.Tensor) Transform { return interval{low, high} }

type interval struct{ low, high *tensor.Tensor }

func (interval) UnconstrainedDim(d int) int { return d }

// bound shapes a bound tensor so that it broadcasts against [B, d].
func bound(b *tensor.Tensor, rows, d int) *tensor.Tensor {
	switch {
	case b.Rank() == 0 || b.Len() == 1:
		return tensor.Reshape(b)
	case b.Rank() == 1 && b.Len() == d:
		return tensor.Reshape(b, 1, d)
	case b.Rank() == 1 && b.Len() == rows:
		return tensor.Reshape(b, rows, 1)
	case b.Rank() == 2 && (b.Dim(0) == rows || b.Dim(0) == 1) && (b.Dim(1) == d || b.Dim(1) == 1):
		return b
	}
	panic(fmt.Sprintf("dist: interval bound of shape %v for draws of shape [%d, %d]", b.Shape(), rows, d))
}

// boundAt returns element (i, j) of a bound shaped by bound.
func boundAt(b *tensor.Tensor, i, j int) float64 {
	if b.Rank() == 0 {
		return b.Data()[0]
	}
	r, c := b.Dim(0), b.Dim(1)
	return b.Data()[(i%r)*c+j%c]
}

// interval cases, per element.
const (
	bothBounds = iota
	lowerOnly
	upperOnly
	noBounds
)

// cases returns the case of every element of [rows, d] and the case shared
// by all of them (-1 when they differ).
func (t interval) cases(lo, hi *tensor.Tensor, rows, d int) ([]int, int) {
	cs := make([]int, rows*d)
	common := -2
	for i := range rows {
		for j := range d {
			l, h := !math.IsInf(boundAt(lo, i, j), -1), !math.IsInf(boundAt(hi, i, j), 1)
			c := noBounds
			switch {
			case l && h:
				c = bothBounds
			case l:
				c = lowerOnly
			case h:
				c = upperOnly
			}
			cs[i*d+j] = c
			if common == -2 {
				common = c
			} else if common != c {
				common = -1
			}
		}
	}
	return cs, common
}

func (t interval) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	rows, d := z.Dim(0), z.Dim(1)
	lo, hi := bound(t.low, rows, d), bound(t.high, rows, d)
	cs, common := t.cases(lo, hi, rows, d)
	if common >= 0 {
		x, lj := intervalCase(common, z, lo, hi)
		return x, tensor.SumAxis(lj, 1)
	}
	// Mixed: every case on safe bounds (0 for an infinite one, so that no
	// branch makes NaN), then the right one per element.
	mask := func(c int) []bool {
		m := make([]bool, len(cs))
		for i, v := range cs {
			m[i] = v == c
		}
		return m
	}
	finiteLo := make([]bool, len(cs))
	finiteHi := make([]bool, len(cs))
	for i, c := range cs {
		finiteLo[i] = c == bothBounds || c == lowerOnly
		finiteHi[i] = c == bothBounds || c == upperOnly
	}
	zero := tensor.Scalar(0)
	safeLo := tensor.Where(finiteLo, tensor.BroadcastTo(lo, rows, d), zero)
	safeHi := tensor.Where(finiteHi, tensor.BroadcastTo(hi, rows, d), tensor.Scalar(1))
	for c := bothBounds; c <= noBounds; c++ {
		m := mask(c)
		xc, ljc := intervalCase(c, z, safeLo, safeHi)
		if x == nil {
			x, logJac = tensor.BroadcastTo(xc, rows, d), tensor.BroadcastTo(ljc, rows, d)
			continue
		}
		x, logJac = tensor.Where(m, xc, x), tensor.Where(m, ljc, logJac)
	}
	return x, tensor.SumAxis(logJac, 1)
}

// intervalCase returns x and the elementwise log|J| of one case.
func intervalCase(c int, z, lo, hi *tensor.Tensor) (x, lj *tensor.Tensor) {
	switch c {
	case bothBounds:
		w := tensor.Sub(hi, lo)
		x = tensor.Add(lo, tensor.Mul(w, tensor.Sigmoid(z)))
		return x, tensor.Add(tensor.Log(w), logSigmoidDeriv(z))
	case lowerOnly:
		return tensor.Add(lo, tensor.Exp(z)), z
	case upperOnly:
		return tensor.Sub(hi, tensor.Exp(z)), z
	}
	return z, tensor.Scale(z, 0)
}

func (t interval) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	lo, hi := bound(t.low, rows, d), bound(t.high, rows, d)
	out := tensor.Zeros(rows, d)
	for i := range rows {
		for j := range d {
			v, l, h := x.Data()[i*d+j], boundAt(lo, i, j), boundAt(hi, i, j)
			var z float64
			switch li, hi := math.IsInf(l, -1), math.IsInf(h, 1); {
			case !li && !hi:
				z = logit((v - l) / (h - l))
			case !li:
				z = math.Log(v - l)
			case !hi:
				z = math.Log(h - v)
			default:
				z = v
			}
			out.Data()[i*d+j] = z
		}
	}
	return out
}

// stickBreaking is Stan's simplex transform: for a K-simplex and
// z ∈ R^(K−1), with u_k = z_k − log(K−1−k) (k = 0, …, K−2; the offset makes
// z = 0 the centre of the simplex),
//
//	x_k = r_k σ(u_k),  r_0 = 1,  r_(k+1) = r_k σ(−u_k),  x_(K−1) = r_(K−1),
//
// with log|J| = Σ_k log σ(u_k) + log σ(−u_k) + log r_k, the Jacobian of
// the K−1 free coordinates x_0, …, x_(K−2). The remainders r_k are kept
// in log space, so small components do not lose precision.
type stickBreaking struct{}

func (stickBreaking) UnconstrainedDim(d int) int { return d - 1 }

func (stickBreaking) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	rows, k := z.Dim(0), z.Dim(1)
	cols := make([]*tensor.Tensor, 0, k+1)
	logR := tensor.Zeros(rows, 1)
	logJac = tensor.Zeros(rows, 1)
	for j := range k {
		u := tensor.AddScalar(tensor.Narrow(z, 1, j, 1), -math.Log(float64(k-j)))
		ls, lc := tensor.LogSigmoid(u), tensor.LogSigmoid(tensor.Neg(u))
		cols = append(cols, tensor.Exp(tensor.Add(logR, ls)))
		logJac = tensor.Add(logJac, tensor.Add(tensor.Add(ls, lc), logR))
		logR = tensor.Add(logR, lc)
	}
	cols = append(cols, tensor.Exp(logR))
	return tensor.Concat(1, cols...), tensor.Reshape(logJac, rows)
}

func (stickBreaking) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	k := d - 1
	out := tensor.Zeros(rows, max(k, 0))
	for i := range rows {
		row := x.Data()[i*d : (i+1)*d]
		// r_j = Σ_{m ≥ j} x_m, summed from the end for precision.
		r := make([]float64, d+1)
		for m := d - 1; m >= 0; m-- {
			r[m] = r[m+1] + row[m]
		}
		for j := range k {
			// σ(u_j) = x_j / r_j, σ(−u_j) = r_(j+1) / r_j.
			out.Data()[i*k+j] = math.Log(row[j]) - math.Log(r[j+1]) + math.Log(float64(k-j))
		}
	}
	return out
}

// OrderedTransform returns Stan's transform onto increasing vectors:
// x_0 = z_0, x_k = x_(k−1) + e^(z_k), with log|J| = Σ_(k≥1) z_k.
func OrderedTransform() Transform { return ordered{} }

type ordered struct{}

func (ordered) UnconstrainedDim(d int) int { return d }

func (ordered) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	rows, d := z.Dim(0), z.Dim(1)
	if d == 1 {
		return z, tensor.Zeros(rows)
	}
	rest := tensor.Narrow(z, 1, 1, d-1)
	steps := tensor.Concat(1, tensor.Narrow(z, 1, 0, 1), tensor.Exp(rest))
	return tensor.CumSum(steps, 1), tensor.SumAxis(rest, 1)
}

func (ordered) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	out := tensor.Zeros(rows, d)
	for i := range rows {
		row := x.Data()[i*d : (i+1)*d]
		for j := range d {
			if j == 0 {
				out.Data()[i*d] = row[0]
			} else {
				out.Data()[i*d+j] = math.Log(row[j] - row[j-1])
			}
		}
	}
	return out
}

// OrderedTransformFor returns the transform onto increasing vectors whose
// components lie in the support s (the support of the distribution that
// Ordered wraps), for z ∈ R^d:
//
//   - the reals: OrderedTransform (Stan's ordered);
//   - the positive reals: Stan's positive_ordered, x_0 = e^(z_0),
//     x_k = x_(k−1) + e^(z_k), with log|J| = Σ_k z_k;
//   - an interval with only a finite lower bound a: a + positive_ordered;
//     with only a finite upper bound b: x_k = b − y_(d−1−k) for y
//     positive_ordered (log|J| = Σ z_k for both);
//   - an interval (a, b) with both bounds finite (the unit interval too):
//     the increments of x are a point of the (d+1)-simplex scaled to the
//     interval, x_k = a + (b − a)·(w_0 + … + w_k) with w the stick-breaking
//     transform of z, with log|J| = d·log(b − a) + the stick-breaking
//     log|J| (the cumulative sum has determinant 1). z = 0 gives equally
//     spaced points.
//
// The interval's bounds must be the same for every component (an ordered
// vector with one interval per component is not a product of intervals
// any transform here covers). Other supports are an error.
func OrderedTransformFor(s Support) (Transform, error) {
	switch s.Kind {
	case Real:
		return ordered{}, nil
	case Positive:
		return positiveOrdered{}, nil
	case UnitInterval:
		return orderedInterval{0, 1}, nil
	case Interval:
		lo, err := commonBound(s.Low)
		if err != nil {
			return nil, err
		}
		hi, err := commonBound(s.High)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(lo) || math.IsNaN(hi) || !(lo < hi) {
			return nil, fmt.Errorf("interval support [%g, %g] is empty", lo, hi)
		}
		switch li, hi2 := math.IsInf(lo, -1), math.IsInf(hi, 1); {
		case li && hi2:
			return ordered{}, nil
		case hi2:
			return shiftedOrdered{lo, 1}, nil
		case li:
			return shiftedOrdered{hi, -1}, nil
		}
		return orderedInterval{lo, hi}, nil
	}
	if s.Kind.Discrete() {
		return nil, fmt.Errorf("an ordered vector of integers (support %s) cannot be inferred", s.Kind)
	}
	return nil, fmt.Errorf("no ordered transform for %s support (an ordered vector has real, positive or interval components)", s.Kind)
}

// commonBound returns the one value of an interval bound, or an error if
// the components have different bounds.
func commonBound(b []float64) (float64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("interval support without bounds")
	}
	for _, v := range b[1:] {
		if v != b[0] {
			return 0, fmt.Errorf("an ordered vector needs the same interval for every component, got bounds %s", fmtTensor(tensor.Vector(b)))
		}
	}
	return b[0], nil
}

// positiveOrdered is Stan's positive_ordered transform: x = cumsum(e^z),
// log|J| = Σ z.
type positiveOrdered struct{}

func (positiveOrdered) UnconstrainedDim(d int) int { return d }

func (positiveOrdered) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	return tensor.CumSum(tensor.Exp(z), 1), tensor.SumAxis(z, 1)
}

func (positiveOrdered) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	out := tensor.Zeros(rows, d)
	for i := range rows {
		row := x.Data()[i*d : (i+1)*d]
		prev := 0.0
		for j, v := range row {
			out.Data()[i*d+j] = math.Log(v - prev)
			prev = v
		}
	}
	return out
}

// shiftedOrdered is the ordered transform onto (b, ∞) (sign +1: x = b + y)
// or (−∞, b) (sign −1: x_k = b − y_(d−1−k)), y positive_ordered.
type shiftedOrdered struct {
	b    float64
	sign float64
}

func (shiftedOrdered) UnconstrainedDim(d int) int { return d }

func (t shiftedOrdered) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	y, lj := positiveOrdered{}.Constrain(z)
	if t.sign > 0 {
		return tensor.AddScalar(y, t.b), lj
	}
	d := y.Dim(1)
	rev := make([]int, d)
	for i := range rev {
		rev[i] = d - 1 - i
	}
	return tensor.AddScalar(tensor.Neg(tensor.Take(y, 1, rev)), t.b), lj
}

func (t shiftedOrdered) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	y := tensor.Zeros(rows, d)
	for i := range rows {
		for j := range d {
			if t.sign > 0 {
				y.Data()[i*d+j] = x.Data()[i*d+j] - t.b
			} else {
				y.Data()[i*d+d-1-j] = t.b - x.Data()[i*d+j]
			}
		}
	}
	return positiveOrdered{}.Unconstrain(y)
}

// orderedInterval is the ordered transform onto lo < x_0 < … < x_(d−1) <
// hi: the increments (x_0 − lo, x_1 − x_0, …, hi − x_(d−1)), divided by
// hi − lo, are the stick-breaking transform of z.
type orderedInterval struct{ lo, hi float64 }

func (orderedInterval) UnconstrainedDim(d int) int { return d }

func (t orderedInterval) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	d := z.Dim(1)
	w, lj := stickBreaking{}.Constrain(z)
	x = tensor.AddScalar(tensor.Scale(tensor.CumSum(tensor.Narrow(w, 1, 0, d), 1), t.hi-t.lo), t.lo)
	return x, tensor.AddScalar(lj, float64(d)*math.Log(t.hi-t.lo))
}

func (t orderedInterval) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	w := tensor.Zeros(rows, d+1)
	for i := range rows {
		prev := t.lo
		for j := range d {
			v := x.Data()[i*d+j]
			w.Data()[i*(d+1)+j] = (v - prev) / (t.hi - t.lo)
			prev = v
		}
		w.Data()[i*(d+1)+d] = (t.hi - prev) / (t.hi - t.lo)
	}
	return stickBreaking{}.Unconstrain(w)
}

// CholeskyCorrTransform returns Stan's transform onto Cholesky factors of
// K×K correlation matrices (lower triangular, positive diagonal, rows of
// unit norm), stored flat by rows as [B, K·K], from z ∈ R^(K(K−1)/2).
// The canonical partial correlations t = tanh(z), taken row by row
// (t_(1,0); t_(2,0), t_(2,1); …), give
//
//	L_00 = 1,  L_i0 = t_i0,  L_ij = t_ij·√(1 − Σ_(m<j) L_im²) (0 < j < i),
//	L_ii = √(1 − Σ_(m<i) L_im²),
//
// with log|J| = Σ log(1 − t²) + Σ_(i, 0<j<i) ½·log(1 − Σ_(m<j) L_im²),
// the Jacobian of the K(K−1)/2 strictly lower entries of L. The remainders
// 1 − Σ L_im² = Π (1 − t_im²) are kept in log space.
func CholeskyCorrTransform() Transform { return choleskyCorr{} }

type choleskyCorr struct{}

// corrSide returns K for a flat size K·K (or −1).
func corrSide(d int) int {
	k := int(math.Round(math.Sqrt(float64(d))))
	if k*k != d {
		return -1
	}
	return k
}

func (choleskyCorr) UnconstrainedDim(d int) int {
	k := corrSide(d)
	if k < 0 {
		panic(fmt.Sprintf("dist: Cholesky correlation factor of size %d is not square", d))
	}
	return k * (k - 1) / 2
}

// log1mTanhSq returns log(1 − tanh²(z)) = 2(log 2 − z − softplus(−2z)),
// elementwise, without cancellation for large |z|.
func log1mTanhSq(z *tensor.Tensor) *tensor.Tensor {
	return tensor.Scale(tensor.AddScalar(tensor.Neg(tensor.Add(z, tensor.Softplus(tensor.Scale(z, -2)))), math.Ln2), 2)
}

func (choleskyCorr) Constrain(z *tensor.Tensor) (x, logJac *tensor.Tensor) {
	rows, k := z.Dim(0), z.Dim(1)
	// K(K−1)/2 = k.
	K := int(math.Round((1 + math.Sqrt(1+8*float64(k))) / 2))
	if K*(K-1)/2 != k {
		panic(fmt.Sprintf("dist: %d is not the unconstrained size of a Cholesky correlation factor", k))
	}
	t := tensor.Tanh(z)
	a := log1mTanhSq(z)
	logJac = tensor.SumAxis(a, 1)
	zero, one := tensor.Zeros(rows, 1), tensor.Full(1, rows, 1)
	cols := make([]*tensor.Tensor, K*K)
	for i := range cols {
		cols[i] = zero
	}
	cols[0] = one
	pos := 0
	for i := 1; i < K; i++ {
		var logRem *tensor.Tensor // log(1 − Σ_(m<j) L_im²), nil for 0
		for j := 0; j < i; j++ {
			tij := tensor.Narrow(t, 1, pos, 1)
			if logRem == nil {
				cols[i*K+j] = tij
			} else {
				cols[i*K+j] = tensor.Mul(tij, tensor.Exp(tensor.Scale(logRem, 0.5)))
				logJac = tensor.Add(logJac, tensor.Reshape(tensor.Scale(logRem, 0.5), rows))
			}
			aij := tensor.Narrow(a, 1, pos, 1)
			if logRem == nil {
				logRem = aij
			} else {
				logRem = tensor.Add(logRem, aij)
			}
			pos++
		}
		cols[i*K+i] = tensor.Exp(tensor.Scale(logRem, 0.5))
	}
	return tensor.Concat(1, cols...), logJac
}

func (choleskyCorr) Unconstrain(x *tensor.Tensor) *tensor.Tensor {
	rows, d := x.Dim(0), x.Dim(1)
	K := corrSide(d)
	k := K * (K - 1) / 2
	out := tensor.Zeros(rows, k)
	for r := range rows {
		row := x.Data()[r*d : (r+1)*d]
		pos := 0
		for i := 1; i < K; i++ {
			rem := 1.0
			for j := 0; j < i; j++ {
				v := row[i*K+j]
				out.Data()[r*k+pos] = math.Atanh(v / math.Sqrt(rem))
				rem -= v * v
				pos++
			}
		}
	}
	return out
}
