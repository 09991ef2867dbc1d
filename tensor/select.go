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
	l := bc.loopOf(a, b)
	n, da, db := l.n, l.da, l.db
	l.each(func(o, ia, ib int) {
		c, z := cond[o:o+n], od[o:o+n]
		x, y := run(ad, ia, da, n), run(bd, ib, db, n)
		for i, ci := range c {
			if ci {
				z[i] = x[i*da]
			} else {
				z[i] = y[i*db]
			}
		}
	})
	if tp != nil {
		ga, gb := gradOn(a, tp), gradOn(b, tp)
		if ga == nil && gb == nil {
			return out
		}
		tp.record(func() {
			g := out.grad
			l.each(func(o, ia, ib int) {
				c, gr := cond[o:o+n], g[o:o+n]
				if ga != nil {
					gx := run(ga, ia, da, n)
					for i, ci := range c {
						if ci {
							gx[i*da] += gr[i]
						}
					}
				}
				if gb != nil {
					gy := run(gb, ib, db, n)
					for i, ci := range c {
						if !ci {
							gy[i*db] += gr[i]
						}
					}
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
