package tensor

import "math"

// AdamUpdate applies one Adam step to the values x with gradient grad and
// moment estimates m and v (all of x's length), as infer's Adam computes
// it: m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², x ← x − step·m/(√v + eps),
// where step and eps already carry the bias corrections. Every operation is
// rounded as in the scalar Go expression, so the vector path (AVX2) gives
// the same bits as the plain loop. It reports whether every new x is
// finite, and allocates nothing. (Splitting it over both cores gained
// nothing measurable: the update is bound by the divider and memory.)
func AdamUpdate(x, grad, m, v []float64, b1, b2, step, eps float64) bool {
	n := len(x)
	c := [6]float64{b1, 1 - b1, b2, 1 - b2, step, eps}
	return adamPart(x, grad[:n], m[:n], v[:n], &c)
}

// adamPart is AdamUpdate with its constants in c.
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
