package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestScalarBRowInvariant: x / s for a [B, 1] tensor x and a number s
// takes the same kernel whatever B, so that row i of a batch gets the
// value and the gradient, bit for bit, of x[i] alone as a [1, 1] tensor
// (a [1, 1] by a number once went through the generic loop, whose
// gradient g·(1/s) can differ from the kernel's g/s in the last bit,
// and an interpreted model's batched rows from its single rows).
func TestScalarBRowInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := func(x *Tensor) *Tensor { return Square(Div(x, Scalar(5))) }
	for range 200 {
		v := make([]float64, 4)
		for i := range v {
			v[i] = rng.NormFloat64() * 3
		}
		tp := NewTape()
		x4 := New(append([]float64(nil), v...), 4, 1)
		tp.Watch(x4)
		y4 := f(x4)
		tp.Backward(Sum(y4))
		for r := range 4 {
			tp1 := NewTape()
			x1 := New([]float64{v[r]}, 1, 1)
			tp1.Watch(x1)
			y1 := f(x1)
			tp1.Backward(Sum(y1))
			if y1.Data()[0] != y4.Data()[r] || x1.Grad()[0] != x4.Grad()[r] {
				t.Fatalf("x = %v: alone %v, gradient %v; as row %d of 4: %v, gradient %v", v[r], y1.Data()[0], x1.Grad()[0], r, y4.Data()[r], x4.Grad()[r])
			}
		}
	}
}
