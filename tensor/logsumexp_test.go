package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refLogSumExp is log Σ exp along axis by its definition (stable, with
// math.Exp and math.Log), line by line.
func refLogSumExp(a *Tensor, axis int) []float64 {
	outer, n, inner := splitAxis(a.shape, axis)
	out := make([]float64, outer*inner)
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			out[o*inner+j] = lineLogSumExp(a.data, o*n*inner+j, (o+1)*n*inner, inner)
		}
	}
	return out
}

// TestLogSumExpLines checks LogSumExp (vectorised exponentials, kept for
// the backward pass) against the definition on every axis of small and
// larger shapes, with lines of all -Inf, a +Inf and a NaN: values within
// 4e-16 relative (vexp and vlog are within 2 ulp of math.Exp and math.Log),
// the special lines exactly; gradients against central differences; and a
// batch's lines equal, bit for bit, those of each of its rows alone (so a
// draw's value does not depend on the batch around it).
func TestLogSumExpLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, shape := range [][]int{{5, 2, 2}, {3, 1, 4}, {2, 3}, {7}, {4, 9, 3}} {
		for axis := range shape {
			name := fmt.Sprintf("LogSumExp(%v, %d)", shape, axis)
			a := randT(rng, -3, 3, shape...)
			if len(a.data) >= 8 {
				a.data[1] = math.Inf(1)
				a.data[len(a.data)-1] = math.NaN()
			}
			got, want := LogSumExp(a, axis).data, refLogSumExp(a, axis)
			for i := range want {
				switch w := want[i]; {
				case math.IsNaN(w) || math.IsInf(w, 0):
					if got[i] != w && !(math.IsNaN(w) && math.IsNaN(got[i])) {
						t.Errorf("%s[%d] = %v, want %v", name, i, got[i], w)
					}
				case math.Abs(got[i]-w) > 4e-16*math.Max(1, math.Abs(w)):
					t.Errorf("%s[%d] = %v, want %v", name, i, got[i], w)
				}
			}
			checkGrad(t, name, func(xs ...*Tensor) *Tensor { return LogSumExp(xs[0], axis) }, randT(rng, -3, 3, shape...))
		}
	}
	// Lines of all -Inf give -Inf and no gradient (not NaN).
	x := Param([]float64{math.Inf(-1), math.Inf(-1), 1, 2}, 2, 2)
	tp := NewTape()
	tp.Watch(x)
	l := LogSumExp(x, 1)
	if !math.IsInf(l.data[0], -1) || math.Abs(l.data[1]-(2+math.Log1p(math.Exp(-1)))) > 4e-16*3 {
		t.Errorf("LogSumExp([[-Inf, -Inf], [1, 2]], 1) = %v", l.data)
	}
	tp.Backward(Sum(l))
	if x.grad[0] != 0 || x.grad[1] != 0 || math.Abs(x.grad[2]+x.grad[3]-1) > 1e-15 {
		t.Errorf("gradient %v, want [0 0 p 1-p]", x.grad)
	}
	// A batch's lines are those of each row alone.
	b := randT(rng, -3, 3, 9, 2, 3)
	for _, axis := range []int{1, 2} {
		all := LogSumExp(b, axis)
		for r := 0; r < 9; r++ {
			one := LogSumExp(Narrow(b, 0, r, 1), axis)
			for i, v := range one.data {
				if all.data[r*len(one.data)+i] != v {
					t.Fatalf("axis %d: row %d line %d = %v in the batch, %v alone", axis, r, i, all.data[r*len(one.data)+i], v)
				}
			}
		}
	}
}
