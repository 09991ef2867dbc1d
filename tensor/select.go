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
	s := whereStep{cond: traceOwn(tp, cond), l: bc.loopOf(a, b), a: a.data, b: b.data, out: out.data}
	s.forward()
	if s.track(tp, a, b, out) {
		pushCopy(tp, s)
	}
	return out
}

// whereStep is Where's recorded step.
type whereStep struct {
	cond      []bool
	l         loop
	a, b, out []float64
	grads2
}

func (s *whereStep) forward() bool {
	cond, ad, bd, od := s.cond, s.a, s.b, s.out
	n, da, db := s.l.n, s.l.da, s.l.db
	s.l.each(func(o, ia, ib int) {
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
	return true
}

func (s *whereStep) backward() {
	cond, ga, gb, g := s.cond, s.ga, s.gb, s.g
	n, da, db := s.l.n, s.l.da, s.l.db
	s.l.each(func(o, ia, ib int) {
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
	s := fillStep{mask: traceOwn(tp, mask), v: v, io1: io1{a: a.data, out: out.data}}
	s.forward()
	if s.track(tp, a, out) {
		pushCopy(tp, s)
	}
	return out
}

// fillStep is Fill's recorded step.
type fillStep struct {
	mask []bool
	v    float64
	io1
}

func (s *fillStep) forward() bool {
	for i, x := range s.a {
		if s.mask[i] {
			x = s.v
		}
		s.out[i] = x
	}
	return true
}

func (s *fillStep) backward() {
	for i, g := range s.g {
		if !s.mask[i] {
			s.ga[i] += g
		}
	}
}
