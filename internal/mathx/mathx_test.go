package mathx

import (
	"math"
	"testing"
)

// TestLogAddExp checks LogAddExp against log(e^a + e^b) where that does
// not overflow (1e-15 relative: a few roundings), and its limits: far
// apart arguments, ±Inf and NaN, and symmetry bit for bit.
func TestLogAddExp(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, tt := range []struct{ a, b, want float64 }{
		{0, 0, math.Ln2},
		{1, 2, math.Log(math.E + math.E*math.E)},
		{-3, 0.5, math.Log(math.Exp(-3) + math.Exp(0.5))},
		{1000, 1000, 1000 + math.Ln2},
		{-1000, -1001, -1000 + math.Log1p(math.Exp(-1))},
		{700, -700, 700},
		{-inf, 2.5, 2.5},
		{-inf, -inf, -inf},
		{inf, 3, inf},
		{inf, -inf, inf},
		{inf, inf, inf},
		{nan, 1, nan},
		{-inf, nan, nan},
	} {
		for _, args := range [][2]float64{{tt.a, tt.b}, {tt.b, tt.a}} {
			got := LogAddExp(args[0], args[1])
			switch {
			case math.IsNaN(tt.want):
				if !math.IsNaN(got) {
					t.Errorf("LogAddExp(%v, %v) = %v, want NaN", args[0], args[1], got)
				}
			case math.IsInf(tt.want, 0):
				if got != tt.want {
					t.Errorf("LogAddExp(%v, %v) = %v, want %v", args[0], args[1], got, tt.want)
				}
			case math.Abs(got-tt.want) > 1e-15*math.Abs(tt.want):
				t.Errorf("LogAddExp(%v, %v) = %v, want %v", args[0], args[1], got, tt.want)
			}
		}
		if g1, g2 := LogAddExp(tt.a, tt.b), LogAddExp(tt.b, tt.a); math.Float64bits(g1) != math.Float64bits(g2) && !math.IsNaN(g1) {
			t.Errorf("LogAddExp(%v, %v) = %v but LogAddExp(%v, %v) = %v", tt.a, tt.b, g1, tt.b, tt.a, g2)
		}
	}
}
