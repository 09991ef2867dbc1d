package tensor

import (
	"fmt"
	"math"
)

// bcast describes how two operands map onto a broadcast output: for output
// element i (row-major over shape), the operands' offsets are found by an
// odometer over strides in which broadcast axes have stride 0.
type bcast struct {
	shape      []int
	sa, sb     []int // strides of a and b in output coordinates
	kind       int   // bcSame, bcScalarA, bcScalarB, bcRowB, bcRowA, bcGeneral
	inner      int   // for bcRowA/bcRowB: length of the repeated row
	numel      int
	lenA, lenB int
}

const (
	bcSame = iota
	bcScalarA
	bcScalarB
	bcRowB // b's data repeats every inner elements of a (b broadcast over leading axes)
	bcRowA
	bcGeneral
)

func newBcast(a, b *Tensor, op string) bcast {
	shape, err := BroadcastShapes(a.shape, b.shape)
	if err != nil {
		panic(fmt.Sprintf("tensor.%s: %v", op, err))
	}
	bc := bcast{shape: shape, numel: numel(shape), lenA: len(a.data), lenB: len(b.data)}
	switch {
	case SameShape(a.shape, b.shape):
		bc.kind = bcSame
	case len(a.data) == 1:
		bc.kind = bcScalarA
	case len(b.data) == 1:
		bc.kind = bcScalarB
	case len(a.data) == bc.numel && isSuffix(b.shape, shape):
		bc.kind, bc.inner = bcRowB, len(b.data)
	case len(b.data) == bc.numel && isSuffix(a.shape, shape):
		bc.kind, bc.inner = bcRowA, len(a.data)
	default:
		bc.kind = bcGeneral
		bc.sa = bstrides(a.shape, shape)
		bc.sb = bstrides(b.shape, shape)
	}
	return bc
}

// isSuffix reports whether s (ignoring leading 1s) equals the trailing axes of full.
func isSuffix(s, full []int) bool {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > len(full) {
		return false
	}
	return SameShape(s, full[len(full)-len(s):])
}

// bstrides returns the strides of a tensor of shape s viewed in the
// broadcast shape out (0 on broadcast axes).
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j >= 0 && s[j] != 1 {
			st[i] = acc
			acc *= s[j]
		}
	}
	return st
}

// offsets calls f(i, ia, ib) for every output element in order.
func (bc *bcast) offsets(f func(i, ia, ib int)) {
	switch bc.kind {
	case bcSame:
		for i := 0; i < bc.numel; i++ {
			f(i, i, i)
		}
	case bcScalarA:
		for i := 0; i < bc.numel; i++ {
			f(i, 0, i)
		}
	case bcScalarB:
		for i := 0; i < bc.numel; i++ {
			f(i, i, 0)
		}
	case bcRowB:
		for i := 0; i < bc.numel; i++ {
			f(i, i, i%bc.inner)
		}
	case bcRowA:
		for i := 0; i < bc.numel; i++ {
			f(i, i%bc.inner, i)
		}
	default:
		n := len(bc.shape)
		idx := make([]int, n)
		ia, ib := 0, 0
		for i := 0; i < bc.numel; i++ {
			f(i, ia, ib)
			for k := n - 1; k >= 0; k-- {
				idx[k]++
				ia += bc.sa[k]
				ib += bc.sb[k]
				if idx[k] < bc.shape[k] {
					break
				}
				ia -= bc.sa[k] * bc.shape[k]
				ib -= bc.sb[k] * bc.shape[k]
				idx[k] = 0
			}
		}
	}
}

// binary applies f elementwise with broadcasting. df returns the partial
// derivatives of f at (x, y) given output z.
func binary(op string, a, b *Tensor, f func(x, y float64) float64, df func(x, y, z float64) (float64, float64)) *Tensor {
	bc := newBcast(a, b, op)
	tp := tapeOf(a, b)
	out := newOut(tp, bc.shape)
	ad, bd, od := a.data, b.data, out.data
	switch bc.kind {
	case bcSame:
		for i := range od {
			od[i] = f(ad[i], bd[i])
		}
	case bcScalarB:
		y := bd[0]
		for i := range od {
			od[i] = f(ad[i], y)
		}
	case bcRowB:
		n := bc.inner
		for r := 0; r < len(od); r += n {
			row, ar := od[r:r+n], ad[r:r+n]
			for j := range row {
				row[j] = f(ar[j], bd[j])
			}
		}
	default:
		bc.offsets(func(i, ia, ib int) { od[i] = f(ad[ia], bd[ib]) })
	}
	if tp != nil {
		tp.record(func() {
			ga, gb := a.grad, b.grad
			if ga == nil && gb == nil {
				return
			}
			g := out.grad
			bc.offsets(func(i, ia, ib int) {
				if g[i] == 0 {
					return
				}
				da, db := df(ad[ia], bd[ib], od[i])
				if ga != nil {
					ga[ia] += g[i] * da
				}
				if gb != nil {
					gb[ib] += g[i] * db
				}
			})
		})
	}
	return out
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	return binary("Add", a, b, func(x, y float64) float64 { return x + y },
		func(x, y, z float64) (float64, float64) { return 1, 1 })
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	return binary("Sub", a, b, func(x, y float64) float64 { return x - y },
		func(x, y, z float64) (float64, float64) { return 1, -1 })
}

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	return binary("Mul", a, b, func(x, y float64) float64 { return x * y },
		func(x, y, z float64) (float64, float64) { return y, x })
}

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor {
	return binary("Div", a, b, func(x, y float64) float64 { return x / y },
		func(x, y, z float64) (float64, float64) { return 1 / y, -z / y })
}

// Pow returns a ^ b elementwise with broadcasting. The derivative with
// respect to b uses log(a) and is taken as 0 where a = 0.
func Pow(a, b *Tensor) *Tensor {
	return binary("Pow", a, b, math.Pow,
		func(x, y, z float64) (float64, float64) {
			var dx float64
			if y == 2 {
				dx = 2 * x
			} else if y != 0 {
				dx = y * math.Pow(x, y-1)
			}
			var dy float64
			if x > 0 {
				dy = z * math.Log(x)
			}
			return dx, dy
		})
}

// Maximum returns the elementwise maximum; the gradient goes to the larger
// operand (to a on ties).
func Maximum(a, b *Tensor) *Tensor {
	return binary("Maximum", a, b, math.Max,
		func(x, y, z float64) (float64, float64) {
			if x >= y {
				return 1, 0
			}
			return 0, 1
		})
}

// Minimum returns the elementwise minimum; the gradient goes to the smaller
// operand (to a on ties).
func Minimum(a, b *Tensor) *Tensor {
	return binary("Minimum", a, b, math.Min,
		func(x, y, z float64) (float64, float64) {
			if x <= y {
				return 1, 0
			}
			return 0, 1
		})
}
