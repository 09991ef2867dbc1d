// Package mathx holds the scalar functions several numeric packages need
// (tensor, dist, infer), written once. It imports only the standard
// library, so every package may use it.
package mathx

import "math"

// LogAddExp returns log(e^a + e^b) without overflow or underflow:
// max(a, b) + log1p(e^−|a−b|). −Inf is a zero weight (LogAddExp(−Inf, b)
// is b exactly, and two −Inf give −Inf); +Inf gives +Inf; NaN gives NaN.
func LogAddExp(a, b float64) float64 {
	m := max(a, b)
	if math.IsInf(m, 0) || math.IsNaN(m) {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN()
		}
		return m
	}
	return m + math.Log1p(math.Exp(-math.Abs(a-b)))
}
