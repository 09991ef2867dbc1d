package tensor

import (
	"math"
	"sync/atomic"
)

// AdamUpdate applies one Adam step to the values x with gradient grad and
// moment estimates m and v (all of x's length), as infer's Adam computes
// it: m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², x ← x − step·m/(√v + eps),
// where step and eps already carry the bias corrections. Every operation is
// rounded as in the scalar Go expression, so the vector path (AVX2, and
// both cores for long x) gives the same bits as the plain loop. It reports
// whether every new x is finite.
func AdamUpdate(x, grad, m, v []float64, b1, b2, step, eps float64) bool {
	n := len(x)
	grad, m, v = grad[:n], m[:n], v[:n]
	c := [6]float64{b1, 1 - b1, b2, 1 - b2, step, eps}
	var bad atomic.Bool
	splitElems(n, func(lo, hi int) {
		if !adamPart(x[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], &c) {
			bad.Store(true)
		}
	})
	return !bad.Load()
}

// adamPart is AdamUpdate on one part, on the calling goroutine.
func adamPart(x, grad, m, v []float64, c *[6]float64) bool {
	sum := 0.0
	if n4 := len(x) &^ 3; useSIMD && n4 > 0 {
		var lanes [4]float64
		adamAVX2(&x[0], &grad[0], &m[0], &v[0], n4, c, &lanes)
		sum = lanes[0] + lanes[1] + lanes[2] + lanes[3]
		x, grad, m, v = x[n4:], grad[n4:], m[n4:], v[n4:]
	}
	b1, ob1, b2, ob2, step, eps := c[0], c[1], c[2], c[3], c[4], c[5]
	for j, xj := range x {
		gj := grad[j]
		mj := b1*m[j] + ob1*gj
		vj := b2*v[j] + ob2*gj*gj
		m[j], v[j] = mj, vj
		xj -= step * mj / (math.Sqrt(vj) + eps)
		x[j] = xj
		sum += xj - xj // NaN once any value is ±Inf or NaN
	}
	return sum == 0
}
