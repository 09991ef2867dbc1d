package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// normalChain is NormalLogPDFRows as the operations it fuses.
func normalChain(x, loc, scale *Tensor) *Tensor {
	z := Div(Sub(x, loc), scale)
	return SumAxis(Sub(AddScalar(Scale(Square(z), -0.5), -logSqrt2Pi), Log(scale)), 1)
}

// TestNormalLogPDFRows checks the fused normal log density against the
// unfused operations on every layout of the operands (a [B, n] batch, a
// row [n] or [1, n], a column [B, 1], a number; n = 1 and B = 1 included):
// values bit for bit; gradients of Σ w·out to 1e-12 relative (1e-9 on the long
// rows: the broadcast operands' gradients are summed in another order) and against
// central differences; a zero upstream gradient on a row with NaN
// contributes nothing. The rows are long enough for the worker split.
func TestNormalLogPDFRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, bn := range [][2]int{{5, 4}, {1, 3}, {4, 1}, {2, 9000}} {
		B, n := bn[0], bn[1]
		layouts := [][]int{{B, n}, {n}, {1, n}, {B, 1}, {}, {1}}
		for _, xs := range layouts {
			for _, ls := range layouts {
				for _, ss := range layouts {
					if s, _ := BroadcastShapes(xs, ls); s != nil {
						if s, _ = BroadcastShapes(s, ss); !SameShape(s, []int{B, n}) {
							continue
						}
					} else {
						continue
					}
					name := fmt.Sprintf("NormalLogPDFRows(%v, %v, %v)", xs, ls, ss)
					x, loc, scale := randT(rng, -2, 2, xs...), randT(rng, -2, 2, ls...), randT(rng, 0.3, 2, ss...)
					w := randT(rng, 0.5, 1.5, B)
					// x data (untracked: the likelihood's own backward
					// loop), then tracked.
					for _, trackX := range []bool{false, true} {
						run := func(f func(x, loc, scale *Tensor) *Tensor) (out, gx, gl, gs []float64) {
							px, pl, ps := New(slices.Clone(x.data), xs...), Param(slices.Clone(loc.data), ls...), Param(slices.Clone(scale.data), ss...)
							tp := NewTape()
							if trackX {
								px = Param(px.data, xs...)
								tp.Watch(px)
							}
							tp.Watch(pl, ps)
							o := f(px, pl, ps)
							tp.Backward(Sum(Mul(o, w)))
							return slices.Clone(o.data), px.grad, pl.grad, ps.grad
						}
						o1, gx1, gl1, gs1 := run(NormalLogPDFRows)
						o2, gx2, gl2, gs2 := run(normalChain)
						if !slices.Equal(o1, o2) {
							t.Fatalf("%s = %v, unfused %v", name, o1[:min(3, B)], o2[:min(3, B)])
						}
						// A gradient summed over up to B·n = 18,000 terms of size
						// up to ~50 in another order: each rounding ~1e-16
						// relative, so up to ~1e-10 absolute; 1e-12 relative on
						// the small layouts.
						tol := 1e-12
						if n > 100 {
							tol = 1e-9
						}
						for k, g := range [][2][]float64{{gx1, gx2}, {gl1, gl2}, {gs1, gs2}} {
							for i, v := range g[1] {
								if math.Abs(g[0][i]-v) > tol*(1+math.Abs(v)) {
									t.Fatalf("%s: grad of operand %d [%d] = %v, unfused %v", name, k, i, g[0][i], v)
								}
							}
						}
					}
					if n < 100 {
						checkGrad(t, name, func(xs ...*Tensor) *Tensor { return NormalLogPDFRows(xs[0], xs[1], xs[2]) }, x, loc, scale)
					}
				}
			}
		}
	}
	// A row whose upstream gradient is 0 (a masked draw) and whose
	// location is NaN leaves the gradients finite.
	x, loc, scale := New([]float64{1, 2}, 1, 2), Param([]float64{0, math.NaN(), 0, 1}, 2, 2), Param([]float64{1, 2}, 2, 1)
	tp := NewTape()
	tp.Watch(loc, scale)
	out := NormalLogPDFRows(x, loc, scale)
	tp.Backward(Sum(Mul(out, New([]float64{0, 1}, 2))))
	for _, g := range [][]float64{loc.grad, scale.grad} {
		for _, v := range g {
			if math.IsNaN(v) {
				t.Fatalf("NaN gradient %v %v", loc.grad, scale.grad)
			}
		}
	}
}
