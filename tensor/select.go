package tensor

import "fmt"

// Where selects elementwise: out[i] = a[i] where cond[i], b[i] elsewhere,
// with a and b broadcast together; cond has one entry per element of the
// broadcast result (row-major). The gradient flows only to the chosen side,
// so a NaN or Inf on the other side does not leak into it. cond must not be
// modified before Backward.
func Where(cond []bool, a, b *Tensor) *Tensor {
	bc := newBcast(a, b, "Where")
	if len(cond) != bc.numel {
		panic(fmt.Sprintf("tensor.Where: %d conditions for shape %v", len(cond), bc.shape))
	}
	tp := tapeOf(a, b)
	out := newOut(tp, bc.shape)
	ad, bd, od := a.data, b.data, out.data
	bc.offsets(func(i, ia, ib int) {
		if cond[i] {
			od[i] = ad[ia]
		} else {
			od[i] = bd[ib]
		}
	})
	if tp != nil {
		ga, gb := gradOn(a, tp), gradOn(b, tp)
		if ga == nil && gb == nil {
			return out
		}
		tp.record(func() {
			g := out.grad
			bc.offsets(func(i, ia, ib int) {
				if cond[i] {
					if ga != nil {
						ga[ia] += g[i]
					}
				} else if gb != nil {
					gb[ib] += g[i]
				}
			})
		})
	}
	return out
}

// Fill returns a copy of a with the elements where mask is true set to v
// (for example -Inf for a log density outside the support). mask has one
// entry per element of a; the gradient is 0 at the filled elements. mask
// must not be modified before Backward.
func Fill(a *Tensor, mask []bool, v float64) *Tensor {
	if len(mask) != len(a.data) {
		panic(fmt.Sprintf("tensor.Fill: %d mask entries for shape %v", len(mask), a.shape))
	}
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	for i, x := range a.data {
		if mask[i] {
			x = v
		}
		out.data[i] = x
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			for i, g := range out.grad {
				if !mask[i] {
					ga[i] += g
				}
			}
		})
	}
	return out
}
