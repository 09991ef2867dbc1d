package tensor

import "math"

// unary applies f elementwise; df(x, y) is f'(x) given y = f(x).
func unary(a *Tensor, f func(float64) float64, df func(x, y float64) float64) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	ad, od := a.data, out.data
	for i, x := range ad {
		od[i] = f(x)
	}
	if tp != nil && df != nil {
		tp.record(func() {
			ga, g := a.grad, out.grad
			for i, gi := range g {
				if gi != 0 {
					ga[i] += gi * df(ad[i], od[i])
				}
			}
		})
	}
	return out
}

// Neg returns -a.
func Neg(a *Tensor) *Tensor {
	return unary(a, func(x float64) float64 { return -x }, func(x, y float64) float64 { return -1 })
}

// Exp returns e^a elementwise.
func Exp(a *Tensor) *Tensor {
	return unary(a, math.Exp, func(x, y float64) float64 { return y })
}

// Log returns the natural logarithm elementwise.
func Log(a *Tensor) *Tensor {
	return unary(a, math.Log, func(x, y float64) float64 { return 1 / x })
}

// Log1p returns log(1 + a) elementwise.
func Log1p(a *Tensor) *Tensor {
	return unary(a, math.Log1p, func(x, y float64) float64 { return 1 / (1 + x) })
}

// Sqrt returns the square root elementwise.
func Sqrt(a *Tensor) *Tensor {
	return unary(a, math.Sqrt, func(x, y float64) float64 { return 0.5 / y })
}

// Square returns a² elementwise.
func Square(a *Tensor) *Tensor {
	return unary(a, func(x float64) float64 { return x * x }, func(x, y float64) float64 { return 2 * x })
}

// Tanh returns the hyperbolic tangent elementwise.
func Tanh(a *Tensor) *Tensor {
	return unary(a, math.Tanh, func(x, y float64) float64 { return 1 - y*y })
}

// Sigmoid returns 1/(1+e^-a) elementwise, computed stably.
func Sigmoid(a *Tensor) *Tensor {
	return unary(a, sigmoid, func(x, y float64) float64 { return y * (1 - y) })
}

// Softplus returns log(1+e^a) elementwise, computed stably.
func Softplus(a *Tensor) *Tensor {
	return unary(a, softplus, func(x, y float64) float64 { return sigmoid(x) })
}

// LogSigmoid returns log(sigmoid(a)) = -softplus(-a) elementwise.
func LogSigmoid(a *Tensor) *Tensor {
	return unary(a, func(x float64) float64 { return -softplus(-x) },
		func(x, y float64) float64 { return sigmoid(-x) })
}

// ReLU returns max(a, 0) elementwise (gradient 0 at 0).
func ReLU(a *Tensor) *Tensor {
	return unary(a, func(x float64) float64 { return max(x, 0) },
		func(x, y float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		})
}

// Scale returns c·a.
func Scale(a *Tensor, c float64) *Tensor {
	return unary(a, func(x float64) float64 { return c * x }, func(x, y float64) float64 { return c })
}

// AddScalar returns a + c.
func AddScalar(a *Tensor, c float64) *Tensor {
	return unary(a, func(x float64) float64 { return x + c }, func(x, y float64) float64 { return 1 })
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

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
