package tensor

import (
	"math/rand/v2"
	"testing"
	"time"
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

// TestEmptyBroadcast: an operation whose broadcast result is empty (a [0]
// row against a [1, 0] or [2, 0] one: the row layout with rows of length 0)
// returns the empty result, with its gradient, instead of looping forever
// in a row kernel that does not advance (a fuzzing finding: `[] - [[]]`).
func TestEmptyBroadcast(t *testing.T) {
	ops := map[string]func(a, b *Tensor) *Tensor{"Add": Add, "Sub": Sub, "Mul": Mul, "Div": Div, "Pow": Pow}
	for name, op := range ops {
		for _, shapes := range [][2][]int{{{0}, {1, 0}}, {{1, 0}, {0}}, {{2, 0}, {0}}, {{0}, {2, 0}}, {{3, 0}, {1}}} {
			tp := NewTape()
			a, b := Zeros(shapes[0]...), Zeros(shapes[1]...)
			tp.Watch(a)
			tp.Watch(b)
			done := make(chan *Tensor, 1)
			go func() { done <- op(a, b) }()
			select {
			case out := <-done:
				if out.Len() != 0 {
					t.Errorf("%s%v: %d values, want none", name, shapes, out.Len())
				}
				tp.Backward(Sum(out))
				if len(a.Grad()) != 0 || len(b.Grad()) != len(b.Data()) {
					t.Errorf("%s%v: gradients of lengths %d and %d", name, shapes, len(a.Grad()), len(b.Grad()))
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s%v does not return", name, shapes)
			}
		}
	}
}
