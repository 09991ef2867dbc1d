package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAssignGrad checks Assign's gradients against central differences on
// small programs that write into a tensor and read from it again. Each
// program writes into a copy (Narrow) or a fresh constant, never into an
// input.
func TestAssignGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	col := func(t int) []Span { return []Span{{Hi: 3}, {Lo: t, Hi: t + 1}} }
	for _, tt := range []struct {
		name   string
		f      func(xs ...*Tensor) *Tensor
		inputs []*Tensor
	}{
		// err[t] = x[t] - theta * err[t-1] into a constant that Assign
		// puts on the tape: a loop that writes then reads.
		{"recurrence", func(xs ...*Tensor) *Tensor {
			x, th := xs[0], xs[1]
			a := Zeros(3, 6)
			a = Assign(a, col(0), Narrow(x, 1, 0, 1))
			for t := 1; t < 6; t++ {
				v := Sub(Narrow(x, 1, t, 1), Mul(th, Narrow(a, 1, t-1, 1)))
				a = Assign(a, col(t), v)
			}
			return Mul(a, a)
		}, []*Tensor{randT(rng, -1, 1, 3, 6), randT(rng, -1, 1, 3, 1)}},
		// Rows 2, 0, 2 (the last write to row 2 wins), a nonlinear read
		// of row 2, then a second write to part of row 2.
		{"overwrite", func(xs ...*Tensor) *Tensor {
			a := Narrow(xs[0], 0, 0, 4)
			a = Assign(a, []Span{{Idx: []int{2, 0, 2}}, {Hi: 3}}, xs[1])
			r := Exp(Narrow(a, 0, 2, 1))
			a = Assign(a, []Span{{Lo: 2, Hi: 3}, {Lo: 1, Hi: 3}}, Mul(xs[2], Narrow(r, 1, 0, 2)))
			return Concat(0, Square(a), r)
		}, []*Tensor{randT(rng, -1, 1, 4, 3), randT(rng, -1, 1, 3, 3), randT(rng, -1, 1, 1, 2)}},
		// A constant written into a tracked tensor: the replaced part
		// gets no gradient.
		{"constant", func(xs ...*Tensor) *Tensor {
			a := Narrow(xs[0], 0, 0, 3)
			a = Assign(a, []Span{{Lo: 1, Hi: 3}, {Idx: []int{3, 0}}}, Full(2, 2, 2))
			return Square(a)
		}, []*Tensor{randT(rng, -1, 1, 3, 4)}},
		// Index positions on the last axis of a rank-3 tensor, repeated.
		{"rank3", func(xs ...*Tensor) *Tensor {
			a := Narrow(xs[0], 0, 0, 2)
			a = Assign(a, []Span{{Hi: 2}, {Lo: 1, Hi: 3}, {Idx: []int{3, 3, 1}}}, xs[1])
			return Square(a)
		}, []*Tensor{randT(rng, -1, 1, 2, 3, 4), randT(rng, -1, 1, 2, 2, 3)}},
		{"empty", func(xs ...*Tensor) *Tensor {
			a := Narrow(xs[0], 0, 0, 2)
			return Square(Assign(a, []Span{{Hi: 2}, {Idx: []int{}}}, Zeros(2, 0)))
		}, []*Tensor{randT(rng, -1, 1, 2, 3)}},
	} {
		checkGrad(t, tt.name, tt.f, tt.inputs...)
	}
}

// TestAssignMatchesPut runs random programs of writes (ranges and index
// lists with repeats) and reads on a [B, n] state twice, once with Assign
// in place and once with Put, which copies, and compares the values and
// the gradients of the parameters. Both compute the same sums in the same
// order, so they must agree exactly.
func TestAssignMatchesPut(t *testing.T) {
	const b, n = 3, 6
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 11))
		type op struct {
			write      bool
			idx        []int // write: the positions on axis 1
			rng        bool  // write: idx is a range
			read, from int   // the column read; the parameter column used
		}
		var prog []op
		for range 4 + rng.IntN(12) {
			o := op{write: rng.IntN(3) > 0, read: rng.IntN(n)}
			if o.write {
				if o.rng = rng.IntN(2) == 0; o.rng {
					lo := rng.IntN(n)
					for k := lo; k < lo+1+rng.IntN(n-lo); k++ {
						o.idx = append(o.idx, k)
					}
				} else {
					for range 1 + rng.IntN(4) {
						o.idx = append(o.idx, rng.IntN(n))
					}
				}
				o.from = rng.IntN(n - len(o.idx) + 1)
			}
			prog = append(prog, o)
		}
		p0, p1 := randT(rng, -1, 1, b, n), randT(rng, -1, 1, b, n)
		run := func(inPlace bool) (float64, []float64, []float64) {
			var tp Tape
			x0 := Param(append([]float64(nil), p0.data...), b, n)
			x1 := Param(append([]float64(nil), p1.data...), b, n)
			tp.Watch(x0, x1)
			s := Narrow(x0, 0, 0, b)
			var outs []*Tensor
			for _, o := range prog {
				c := Narrow(s, 1, o.read, 1)
				if !o.write {
					outs = append(outs, Sum(Sin(c)))
					continue
				}
				v := Mul(Tanh(c), Narrow(x1, 1, o.from, len(o.idx)))
				switch {
				case !inPlace:
					s = Put(s, 1, o.idx, v)
				case o.rng:
					s = Assign(s, []Span{{Hi: b}, {Lo: o.idx[0], Hi: o.idx[len(o.idx)-1] + 1}}, v)
				default:
					s = Assign(s, []Span{{Hi: b}, {Idx: o.idx}}, v)
				}
			}
			loss := Sum(Square(s))
			for _, o := range outs {
				loss = Add(loss, o)
			}
			tp.Backward(loss)
			return loss.Item(), x0.grad, x1.grad
		}
		l1, g10, g11 := run(true)
		l2, g20, g21 := run(false)
		if l1 != l2 {
			t.Errorf("seed %d: loss %v with Assign, %v with Put", seed, l1, l2)
		}
		for i := range g10 {
			if math.Abs(g10[i]-g20[i]) > 1e-12 || math.Abs(g11[i]-g21[i]) > 1e-12 {
				t.Errorf("seed %d: gradient %d: (%v, %v) with Assign, (%v, %v) with Put", seed, i, g10[i], g11[i], g20[i], g21[i])
				break
			}
		}
	}
}

// TestAssignTracking checks what Assign records: a constant written with
// a tracked value joins the tape; a constant written with a constant stays
// untracked; a parameter cannot be written into.
func TestAssignTracking(t *testing.T) {
	var tp Tape
	p := Param([]float64{1, 2}, 2)
	tp.Watch(p)
	a := Zeros(3)
	if Assign(a, []Span{{Lo: 0, Hi: 2}}, Mul(p, p)) != a || !a.Tracked() {
		t.Fatalf("Assign of a tracked value into a constant: want a itself, tracked")
	}
	tp.Backward(Sum(Mul(a, Vector([]float64{1, 10, 100}))))
	if g := p.Grad(); g[0] != 2 || g[1] != 40 {
		t.Errorf("gradient %v, want [2 40]", g)
	}
	c := Zeros(2)
	Assign(c, []Span{{Idx: []int{1}}}, Vector([]float64{5}))
	if c.Tracked() || c.At(1) != 5 {
		t.Errorf("constant into constant: tracked %v, value %v", c.Tracked(), c)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Assign into a parameter did not panic")
		}
	}()
	Assign(p, []Span{{Lo: 0, Hi: 1}}, Vector([]float64{0}))
}

// BenchmarkRecurrence is the loop err[t] = x[t] - theta * err[t-1] over
// T = 200 columns of a [256, T] tensor, forward and backward: with Assign
// (in place, O(256) per step of the loop) and with Put (a copy of the
// whole tensor per step, as x[i] = v on batches did before Assign).
func BenchmarkRecurrence(b *testing.B) {
	const n, T = 256, 200
	rng := rand.New(rand.NewPCG(1, 1))
	x := RandN(rng, n, T)
	for _, inPlace := range []bool{true, false} {
		th := Param(RandN(rng, n, 1).data, n, 1) // one per tape
		name := "Assign"
		if !inPlace {
			name = "Put"
		}
		b.Run(name, func(b *testing.B) {
			benchBackward(b, func() *Tensor {
				a := Zeros(n, T)
				for t := 1; t < T; t++ {
					v := Sub(Narrow(x, 1, t, 1), Mul(th, Narrow(a, 1, t-1, 1)))
					if inPlace {
						a = Assign(a, []Span{{Hi: n}, {Lo: t, Hi: t + 1}}, v)
					} else {
						a = Put(a, 1, []int{t}, v)
					}
				}
				return Square(a)
			}, th)
		})
	}
}
