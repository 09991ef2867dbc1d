package lang

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// oldScatter is scatter as it was before tensor.Assign: a copy of t built
// from Narrow and Concat for slices and Take and Put for index vectors. It
// is the reference the in-place path is compared with.
func oldScatter(t *tensor.Tensor, sels []axisSel, off int, v *tensor.Tensor) *tensor.Tensor {
	var set func(t *tensor.Tensor, ax int) *tensor.Tensor
	set = func(t *tensor.Tensor, ax int) *tensor.Tensor {
		if ax == len(sels) {
			return v
		}
		rest := true
		for bx := ax + 1; bx < len(sels); bx++ {
			rest = rest && sels[bx].full(t.Dim(off+bx))
		}
		s, a := sels[ax], off+ax
		if s.vec {
			mid := v
			if !rest {
				mid = set(tensor.Take(t, a, s.list), ax+1)
			}
			return tensor.Put(t, a, s.list, mid)
		}
		n, lo, hi := t.Dim(a), s.lo, s.hi
		mid := v
		if !rest {
			mid = set(tensor.Narrow(t, a, lo, hi-lo), ax+1)
		}
		return tensor.Concat(a, tensor.Narrow(t, a, 0, lo), mid, tensor.Narrow(t, a, hi, n-hi))
	}
	return set(t, 0)
}

// oldSetIndexBatch is setIndexBatch with oldScatter (for batches only).
func oldSetIndexBatch(t *testing.T, x Value, idx []IndexArg, v Value) Value {
	n, _ := checkBatches(x, v)
	xo, _ := operandOf(x)
	vo, _ := operandOf(v)
	sels, err := selectionOf(xo.event, x.Type(), idx)
	if err != nil {
		t.Fatal(err)
	}
	kept := keptShape(sels)
	xb, _ := ToBatch(x, n)
	vt := vo.t
	if vo.batch {
		vt = vo.aligned(len(kept))
	}
	full := append([]int{n}, fullShape(sels)...)
	vt = tensor.Reshape(tensor.BroadcastTo(vt, append([]int{n}, kept...)...), full...)
	return &Batch{T: oldScatter(xb.T, sels, 1, vt)}
}

// TestSetIndexInPlaceMatchesCopies runs random programs of element
// assignments and reads on a batch vector or matrix twice: with
// SetIndexInPlace, as the interpreter runs x[i] = v, and with the old
// copying scatter, and compares the values read, the final value and the
// gradients of the inputs. The programs write numbers, slices, index
// vectors with repeats and matrix elements, rows and columns; the values
// written are batches computed from earlier reads, plain numbers, and
// plain vectors; the start value is a plain array (which the first batch
// write turns into a batch) or a tracked batch; some reads take the value
// whole (Share) before it is written again. The old and new paths add the
// same gradient terms in possibly different orders: tolerance 1e-12
// relative.
func TestSetIndexInPlaceMatchesCopies(t *testing.T) {
	const draws = 3
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 5))
		matrix := seed%2 == 1
		shape := []int{5}
		if matrix {
			shape = []int{3, 4}
		}
		// A subscript for axis ax: a number, a slice or an index vector.
		sub := func(ax int, noVec bool) IndexArg {
			d := shape[ax]
			k := rng.IntN(3)
			if noVec {
				k = rng.IntN(2)
			}
			switch k {
			case 0:
				return At(Number(rng.IntN(d) - rng.IntN(2)*d)) // negative too
			case 1:
				lo := rng.IntN(d)
				return Slice(Number(lo), Number(lo+1+rng.IntN(d-lo)))
			}
			var l []float64
			for range 1 + rng.IntN(4) {
				l = append(l, float64(rng.IntN(d)))
			}
			return At(NewVector(l))
		}
		type step struct {
			idx   []IndexArg
			read  []IndexArg // the element read, written back scaled
			kind  int        // 0 batch, 1 plain number, 2 share then batch
			scale int        // which input scales the value written
		}
		var prog []step
		for range 3 + rng.IntN(10) {
			s := step{kind: rng.IntN(3), scale: rng.IntN(2)}
			s.idx = []IndexArg{sub(0, false)}
			s.read = []IndexArg{At(Number(rng.IntN(shape[0])))}
			if matrix {
				_, vec := s.idx[0].Index.(*Array)
				s.idx = append(s.idx, sub(1, vec))
				s.read = append(s.read, At(Number(rng.IntN(shape[1]))))
			}
			prog = append(prog, s)
		}
		startPlain := rng.IntN(2) == 0
		size := shape[0]
		if matrix {
			size *= shape[1]
		}
		inputs := [][]float64{make([]float64, draws*size), make([]float64, draws), make([]float64, draws)}
		for _, in := range inputs {
			for i := range in {
				in[i] = rng.Float64()*2 - 1
			}
		}
		run := func(inPlace bool) (vals []float64, grads [][]float64) {
			tp := tensor.NewTape()
			ps := make([]*tensor.Tensor, len(inputs))
			for k, in := range inputs {
				sh := []int{draws}
				if k == 0 {
					sh = append(sh, shape...)
				}
				ps[k] = tensor.Param(append([]float64(nil), in...), sh...)
			}
			tp.Watch(ps...)
			var x Value = NewBatch(tensor.Scale(ps[0], 1))
			if startPlain {
				x = &Array{T: tensor.Zeros(shape...)}
			}
			loss := tensor.Scalar(0)
			for _, s := range prog {
				r, err := Index(nil, x, s.read)
				if err != nil {
					t.Fatal(err)
				}
				var v Value = Number(1.5)
				if s.kind != 1 {
					if v, err = Binary(nil, "*", r, NewBatch(ps[1+s.scale])); err != nil {
						t.Fatal(err)
					}
					if v, err = Unary("-", v); err != nil {
						t.Fatal(err)
					}
				}
				if s.kind == 2 {
					Share(x)
					if b, ok := x.(*Batch); ok {
						loss = tensor.Add(loss, tensor.Sum(tensor.Sin(b.T)))
					}
				}
				if b, ok := r.(*Batch); ok {
					loss = tensor.Add(loss, tensor.Sum(tensor.Square(b.T)))
					vals = append(vals, b.T.Data()...)
				}
				// The value written must broadcast to the selection: a
				// number always does.
				if inPlace {
					x, err = SetIndexInPlace(x, s.idx, v)
				} else if batchOf(x) > 0 || batchOf(v) > 0 {
					x = oldSetIndexBatch(t, x, s.idx, v)
				} else {
					x, err = SetIndex(x, s.idx, v)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if b, ok := x.(*Batch); ok {
				vals = append(vals, b.T.Data()...)
				loss = tensor.Add(loss, tensor.Sum(tensor.Mul(b.T, b.T)))
			}
			if loss.Tracked() {
				tp.Backward(loss)
			}
			for _, p := range ps {
				grads = append(grads, append([]float64(nil), p.Grad()...))
			}
			return vals, grads
		}
		v1, g1 := run(true)
		v2, g2 := run(false)
		if len(v1) != len(v2) {
			t.Fatalf("seed %d: %d values in place, %d copying", seed, len(v1), len(v2))
		}
		for i := range v1 {
			if v1[i] != v2[i] {
				t.Fatalf("seed %d: value %d is %v in place, %v copying", seed, i, v1[i], v2[i])
			}
		}
		for k := range g1 {
			for i := range g1[k] {
				if math.Abs(g1[k][i]-g2[k][i]) > 1e-12*max(1, math.Abs(g2[k][i])) {
					t.Fatalf("seed %d: gradient of input %d [%d] is %v in place, %v copying", seed, k, i, g1[k][i], g2[k][i])
				}
			}
		}
	}
}

// TestSetIndexInPlaceSharing checks when SetIndexInPlace writes in place:
// into a batch that SetIndex made, not into one shared since, nor into a
// batch it did not make.
func TestSetIndexInPlaceSharing(t *testing.T) {
	b := NewBatch(tensor.New([]float64{1, 2, 3, 4}, 2, 2))
	at0 := []IndexArg{At(Number(0))}
	x, err := SetIndexInPlace(b, at0, Number(9))
	if err != nil || x == Value(b) || b.T.At(0, 0) != 1 {
		t.Fatalf("a batch SetIndex did not make was written into (%v, %v)", b, err)
	}
	y, err := SetIndexInPlace(x, []IndexArg{At(Number(1))}, Number(8))
	if err != nil || y != x || x.(*Batch).T.At(1, 1) != 8 {
		t.Fatalf("a sole batch was not written in place: %v, %v", y, err)
	}
	Share(y)
	z, err := SetIndexInPlace(y, at0, Number(7))
	if err != nil || z == y || y.(*Batch).T.At(0, 0) != 9 || z.(*Batch).T.At(0, 0) != 7 {
		t.Fatalf("a shared batch was written into: %v, %v", y, err)
	}
}
