package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestShortRowBroadcast checks the short-row kernels (vr, bvr) of Add, Sub,
// Mul and Div against the same operation on an explicitly broadcast
// operand (the equal-shape kernels): values and the first operand's
// gradient agree exactly, the broadcast operand's gradient (summed in
// another order by BroadcastTo) to 1e-12.
func TestShortRowBroadcast(t *testing.T) {
	const rows = 7
	for _, n := range []int{1, 2, 5, rowKernelMax - 1} {
		for _, op := range []struct {
			name string
			f    func(a, b *Tensor) *Tensor
		}{{"Add", Add}, {"Sub", Sub}, {"Mul", Mul}, {"Div", Div}} {
			run := func(expand bool) (out, ga, gb []float64) {
				r := rand.New(rand.NewPCG(uint64(n), 9))
				a := Param(make([]float64, rows*n), rows, n)
				b := Param(make([]float64, n), n)
				w := make([]float64, rows*n)
				for i := range a.Data() {
					a.Data()[i] = r.NormFloat64()
					w[i] = r.NormFloat64()
				}
				w[3] = 0 // a zero upstream gradient is skipped
				for i := range b.Data() {
					b.Data()[i] = 1 + r.Float64()
				}
				tp := NewTape()
				tp.Watch(a, b)
				bb := b
				if expand {
					bb = BroadcastTo(b, rows, n)
				}
				z := op.f(a, bb)
				tp.Backward(Sum(Mul(z, New(w, rows, n))))
				return append([]float64(nil), z.Data()...), append([]float64(nil), a.Grad()...), append([]float64(nil), b.Grad()...)
			}
			o1, ga1, gb1 := run(false)
			o2, ga2, gb2 := run(true)
			for i := range o1 {
				if o1[i] != o2[i] {
					t.Fatalf("%s n=%d: value %d = %v, broadcast %v", op.name, n, i, o1[i], o2[i])
				}
			}
			for i := range ga1 {
				if ga1[i] != ga2[i] {
					t.Fatalf("%s n=%d: grad a[%d] = %v, broadcast %v", op.name, n, i, ga1[i], ga2[i])
				}
			}
			for i := range gb1 {
				if math.Abs(gb1[i]-gb2[i]) > 1e-12*max(1, math.Abs(gb2[i])) || gb1[i] == 0 {
					t.Fatalf("%s n=%d: grad b[%d] = %v, broadcast %v", op.name, n, i, gb1[i], gb2[i])
				}
			}
		}
	}
}

// TestSoftplusKeptExp: Softplus's backward, which reuses the forward's
// exponential, gives exactly g·sigmoid(x), also at 0, −0, ±large and NaN.
func TestSoftplusKeptExp(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 0.5413, -3, 3, 40, -40, 800, -800, math.NaN()}
	r := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		xs = append(xs, 20*r.NormFloat64())
	}
	x := Param(append([]float64(nil), xs...), len(xs))
	tp := NewTape()
	tp.Watch(x)
	y := Softplus(x)
	w := make([]float64, len(xs))
	for i := range w {
		w[i] = r.NormFloat64()
	}
	tp.Backward(Sum(Mul(y, Vector(w))))
	for i, v := range xs {
		if got, want := y.Data()[i], softplus(v); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("Softplus(%v) = %v, softplus %v", v, got, want)
		}
		if got, want := x.Grad()[i], w[i]*sigmoid(v); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("gradient at %v = %v, want %v", v, got, want)
		}
	}
}
