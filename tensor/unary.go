package tensor

import "math"

// unaryOp applies fwd(y, x) to compute y = f(x) and, if a is tracked,
// records bwd(ga, g, x, y), which adds g·f'(x) into ga (all of equal length).
// bwd nil means a zero derivative.
func unaryOp(a *Tensor, fwd func(y, x []float64), bwd func(ga, g, x, y []float64)) *Tensor {
	return unaryRec(a, fwd, bwd, false)
}

// unaryOpHeavy is unaryOp for elementwise passes costly enough to share
// between the cores (splitElems): fwd and bwd must treat every index on
// its own.
func unaryOpHeavy(a *Tensor, fwd func(y, x []float64), bwd func(ga, g, x, y []float64)) *Tensor {
	return unaryRec(a, fwd, bwd, true)
}

// unaryRec is unaryOp, its passes shared between the cores when heavy.
func unaryRec(a *Tensor, fwd func(y, x []float64), bwd func(ga, g, x, y []float64), heavy bool) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	s := unaryStep{fwd: fwd, x: a.data, y: out.data, heavy: heavy}
	s.forward()
	ga := gradOn(a, tp)
	if ga != nil && bwd != nil {
		s.bwd, s.ga, s.g = bwd, ga, out.grad
	} else if tp == nil || tp.rec == nil || !out.Tracked() {
		return out
	}
	// (A tracked result with a zero derivative is recorded only on a
	// trace, for its forward.)
	pushCopy(tp, s)
	return out
}

// unaryStep is the recorded step of unaryOp and unaryOpHeavy; bwd nil is
// a zero derivative.
type unaryStep struct {
	fwd   func(y, x []float64)
	bwd   func(ga, g, x, y []float64)
	x, y  []float64
	ga, g []float64
	heavy bool
}

func (s *unaryStep) forward() bool {
	if s.heavy && len(s.x) >= parElems {
		fwd, y, x := s.fwd, s.y, s.x // (the closure must not hold s: it escapes)
		splitElems(len(x), func(lo, hi int) { fwd(y[lo:hi], x[lo:hi]) })
	} else {
		s.fwd(s.y, s.x)
	}
	return true
}

func (s *unaryStep) backward() {
	switch {
	case s.bwd == nil:
	case s.heavy && len(s.g) >= parElems:
		bwd, ga, g, x, y := s.bwd, s.ga, s.g, s.x, s.y
		splitElems(len(g), func(lo, hi int) { bwd(ga[lo:hi], g[lo:hi], x[lo:hi], y[lo:hi]) })
	default:
		s.bwd(s.ga, s.g, s.x, s.y)
	}
}

// The most used operations (Exp, Log, Log1p, Square, Softplus) have their
// own loops rather than going through unary: the same arithmetic, without
// an indirect call per element. Exp, Log and Log1p (and Softplus through
// them) use the vector kernels vexp, vlog and vlog1p (vmath_*.go), within
// 2 ulp of package math.

// unary applies f elementwise; df(x, y) is f'(x) given y = f(x), nil for a
// zero derivative. Elements with a zero upstream gradient are skipped.
func unary(a *Tensor, f func(float64) float64, df func(x, y float64) float64) *Tensor {
	fwd := func(y, x []float64) {
		y = y[:len(x)]
		for i, v := range x {
			y[i] = f(v)
		}
	}
	var bwd func(ga, g, x, y []float64)
	if df != nil {
		bwd = func(ga, g, x, y []float64) {
			ga, x, y = ga[:len(g)], x[:len(g)], y[:len(g)]
			for i, gi := range g {
				if gi != 0 {
					ga[i] += gi * df(x[i], y[i])
				}
			}
		}
	}
	return unaryOpHeavy(a, fwd, bwd)
}

// Neg returns -a.
func Neg(a *Tensor) *Tensor { return Scale(a, -1) }

// Exp returns e^a elementwise.
func Exp(a *Tensor) *Tensor {
	return unaryOpHeavy(a, vexp, func(ga, g, x, y []float64) {
		ga, y = ga[:len(g)], y[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * y[i]
			}
		}
	})
}

// Log returns the natural logarithm elementwise.
func Log(a *Tensor) *Tensor {
	return unaryOpHeavy(a, vlog, func(ga, g, x, y []float64) {
		ga, x = ga[:len(g)], x[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * (1 / x[i])
			}
		}
	})
}

// Log1p returns log(1 + a) elementwise.
func Log1p(a *Tensor) *Tensor {
	return unaryOpHeavy(a, vlog1p, func(ga, g, x, y []float64) {
		ga, x = ga[:len(g)], x[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * (1 / (1 + x[i]))
			}
		}
	})
}

// Sqrt returns the square root elementwise.
func Sqrt(a *Tensor) *Tensor {
	return unary(a, math.Sqrt, func(x, y float64) float64 { return 0.5 / y })
}

// Square returns a² elementwise.
func Square(a *Tensor) *Tensor {
	return unaryOp(a, func(y, x []float64) {
		y = y[:len(x)]
		for i, v := range x {
			y[i] = v * v
		}
	}, func(ga, g, x, y []float64) {
		ga, x = ga[:len(g)], x[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * (2 * x[i])
			}
		}
	})
}

// Tanh returns the hyperbolic tangent elementwise.
func Tanh(a *Tensor) *Tensor {
	return unary(a, math.Tanh, func(x, y float64) float64 { return 1 - y*y })
}

// Sigmoid returns 1/(1+e^-a) elementwise, computed stably.
func Sigmoid(a *Tensor) *Tensor {
	return unaryOpHeavy(a, func(y, x []float64) {
		var buf [softplusBlock]float64
		for len(x) > 0 {
			n := min(len(x), softplusBlock)
			sigmoidFwd(y[:n], x[:n], buf[:n])
			x, y = x[n:], y[n:]
		}
	}, func(ga, g, x, y []float64) {
		ga, y = ga[:len(g)], y[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * (y[i] * (1 - y[i]))
			}
		}
	})
}

// Softplus returns log(1+e^a) elementwise, computed stably.
func Softplus(a *Tensor) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	ga := gradOn(a, tp)
	s := softplusStep{x: a.data, y: out.data[:len(a.data)]}
	if ga != nil {
		s.es = tp.arena.alloc(len(a.data)) // e^-|x|, kept for the backward pass
	}
	s.forward()
	if ga != nil {
		s.ga, s.g = ga, out.grad
		pushCopy(tp, s)
	}
	return out
}

// softplusStep is Softplus's recorded step; es holds e^-|x| when the
// result is recorded (nil otherwise).
type softplusStep struct {
	x, y, es, ga, g []float64
}

func (s *softplusStep) forward() bool {
	x, y, es := s.x, s.y, s.es
	if len(y) < parElems {
		softplusRange(y, x, es) // splitElems's one call, without a closure
		return true
	}
	splitElems(len(y), func(lo, hi int) {
		var esr []float64
		if es != nil {
			esr = es[lo:hi]
		}
		softplusRange(y[lo:hi], x[lo:hi], esr)
	})
	return true
}

// softplusRange sets y = softplus(x) block by block, and es = e^-|x| when
// es is not nil.
func softplusRange(y, x, es []float64) {
	var buf [softplusBlock]float64
	for lo := 0; lo < len(y); {
		n := min(len(y)-lo, softplusBlock)
		softplusFwd(y[lo:lo+n], x[lo:lo+n], buf[:n])
		if es != nil {
			copy(es[lo:lo+n], buf[:n])
		}
		lo += n
	}
}

func (s *softplusStep) backward() {
	g := s.g
	ga, x, es := s.ga[:len(g)], s.x[:len(g)], s.es[:len(g)]
	for i, gi := range g {
		if gi != 0 {
			var sg float64
			if e := es[i]; x[i] > 0 {
				sg = 1 / (1 + e)
			} else {
				sg = e / (1 + e)
			}
			ga[i] += gi * sg
		}
	}
}

// LogSigmoid returns log(sigmoid(a)) = -softplus(-a) elementwise.
func LogSigmoid(a *Tensor) *Tensor {
	return unaryOpHeavy(a, func(y, x []float64) {
		var nx, buf [softplusBlock]float64
		for len(x) > 0 {
			n := min(len(x), softplusBlock)
			for i, v := range x[:n] {
				nx[i] = -v
			}
			softplusFwd(y[:n], nx[:n], buf[:n])
			for i := range y[:n] {
				y[i] = -y[i]
			}
			x, y = x[n:], y[n:]
		}
	}, func(ga, g, x, y []float64) {
		ga, x = ga[:len(g)], x[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += gi * sigmoid(-x[i])
			}
		}
	})
}

// ReLU returns max(a, 0) elementwise (gradient 0 at 0; NaN propagates).
func ReLU(a *Tensor) *Tensor {
	return unaryOp(a, reluFwd, func(ga, g, x, y []float64) {
		ga, y = ga[:len(g)], y[:len(g)]
		for i, gi := range g {
			ga[i] += math.Float64frombits(math.Float64bits(gi) & reluOn(y[i]))
		}
	})
}

// Both ReLU loops are branch-free: with inputs of random sign, a branch per
// element mispredicts half the time and costs several times more.

// reluFwd sets y = max(x, 0) (y may be x).
func reluFwd(y, x []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// reluOn is all ones when the ReLU output y is nonzero (the input was
// positive or NaN) and zero when y is +0.
func reluOn(y float64) uint64 {
	b := math.Float64bits(y)
	return uint64(int64(b|-b) >> 63)
}

// Scale returns c·a.
func Scale(a *Tensor, c float64) *Tensor {
	return unaryOp(a, func(y, x []float64) {
		y = y[:len(x)]
		for i, v := range x {
			y[i] = c * v
		}
	}, func(ga, g, x, y []float64) {
		ga = ga[:len(g)]
		for i, gi := range g {
			if gi != 0 {
				ga[i] += c * gi
			}
		}
	})
}

// AddScalar returns a + c.
func AddScalar(a *Tensor, c float64) *Tensor {
	return unaryOp(a, func(y, x []float64) {
		y = y[:len(x)]
		for i, v := range x {
			y[i] = v + c
		}
	}, func(ga, g, x, y []float64) { addTo(ga, g) })
}

// Clamp limits a to [lo, hi] elementwise; the gradient is 1 inside the
// interval and 0 where the value was clipped.
func Clamp(a *Tensor, lo, hi float64) *Tensor {
	return unary(a, func(x float64) float64 { return min(max(x, lo), hi) },
		func(x, y float64) float64 {
			if x < lo || x > hi {
				return 0
			}
			return 1
		})
}

// softplusBlock is the number of values Softplus passes to softplusFwd at
// a time (its scratch array lives on the stack).
const softplusBlock = 256

// softplusFwd sets y = softplus(x) and e = e^-|x| (all of one length), as
// softplus computes them but with the vector kernels: softplus(v) is
// v + log1p(e) for v > 0 and log1p(e) otherwise. sigmoid(v) is then 1/(1+e)
// for v > 0 and e/(1+e) otherwise, exactly as sigmoid computes it (both
// give 1/2 at 0), without a second exp.
func softplusFwd(y, x, e []float64) {
	y, e = y[:len(x)], e[:len(x)]
	for i, v := range x {
		e[i] = -math.Abs(v)
	}
	vexp(e, e)
	vlog1p(y, e)
	for i, v := range x {
		if v > 0 {
			y[i] += v
		}
	}
}

// sigmoid and softplus use exp1 and log1p1, so that they give the values
// of Softplus's vector pass (and of its backward, which reuses the kept
// exponential).

// sigmoidFwd sets y = sigmoid(x), as sigmoid computes it, with the vector
// exp; e is scratch of the same length.
func sigmoidFwd(y, x, e []float64) {
	y, e = y[:len(x)], e[:len(x)]
	for i, v := range x {
		e[i] = -math.Abs(v)
	}
	vexp(e, e)
	for i, v := range x {
		if v >= 0 {
			y[i] = 1 / (1 + e[i])
		} else {
			y[i] = e[i] / (1 + e[i])
		}
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + exp1(-x))
	}
	e := exp1(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + log1p1(exp1(-x))
	}
	return log1p1(exp1(x))
}

// Abs returns |a| elementwise (gradient 0 at 0).
func Abs(a *Tensor) *Tensor {
	return unary(a, math.Abs, func(x, y float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
}

// Sin returns the sine elementwise.
func Sin(a *Tensor) *Tensor {
	return unary(a, math.Sin, func(x, y float64) float64 { return math.Cos(x) })
}

// Cos returns the cosine elementwise.
func Cos(a *Tensor) *Tensor {
	return unary(a, math.Cos, func(x, y float64) float64 { return -math.Sin(x) })
}

// Expm1 returns e^a - 1 elementwise, accurate near 0.
func Expm1(a *Tensor) *Tensor {
	return unary(a, math.Expm1, func(x, y float64) float64 { return y + 1 })
}

// Floor returns the largest integer ≤ a elementwise; its gradient is 0.
func Floor(a *Tensor) *Tensor { return unary(a, math.Floor, nil) }

// Round rounds a to the nearest integer elementwise, halves to even as in
// NumPy and PyTorch; its gradient is 0.
func Round(a *Tensor) *Tensor { return unary(a, math.RoundToEven, nil) }

// LGamma returns log|Γ(a)| elementwise; its derivative is the digamma
// function.
func LGamma(a *Tensor) *Tensor {
	return unary(a, lgamma, func(x, y float64) float64 { return digamma(x) })
}

// Digamma returns ψ(a) = d/da log Γ(a) elementwise; its derivative is the
// trigamma function.
func Digamma(a *Tensor) *Tensor {
	return unary(a, digamma, func(x, y float64) float64 { return trigamma(x) })
}

// PowScalar returns a^p elementwise for a constant exponent p (use Pow when
// the exponent is a tensor). The derivative p·a^(p-1) is taken as 0 when
// p = 0.
func PowScalar(a *Tensor, p float64) *Tensor {
	switch p {
	case 1:
		return unary(a, func(x float64) float64 { return x }, func(x, y float64) float64 { return 1 })
	case 2:
		return Square(a)
	case 0.5:
		return Sqrt(a)
	case 0:
		return unary(a, func(x float64) float64 { return 1 }, nil)
	}
	return unary(a, func(x float64) float64 { return math.Pow(x, p) },
		func(x, y float64) float64 { return p * math.Pow(x, p-1) })
}
