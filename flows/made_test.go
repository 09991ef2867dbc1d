package flows

import (
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/tensor"
)

// denseMADE is the conditioner computed as before block-sparse layers:
// every layer a dense product with W ⊙ M. It returns the outputs of m
// (shift and scale, or the p outputs per variable flattened to [n, d·p]).
func denseMADE(m *made, u *tensor.Tensor) []*tensor.Tensor {
	h := u
	for l, w := range m.ws {
		if m.masks[l] != nil {
			w = tensor.Mul(w, m.masks[l])
		}
		h = activate(m.act, tensor.Linear(h, w, m.bs[l]))
	}
	if m.p > 0 {
		return []*tensor.Tensor{tensor.Linear(h, tensor.Mul(m.wP, m.maskP), m.bP)}
	}
	return []*tensor.Tensor{
		tensor.Linear(h, tensor.Mul(m.wMu, m.maskO), m.bMu),
		tensor.Linear(h, tensor.Mul(m.wS, m.maskO), m.bS),
	}
}

// TestMADEStaircase compares the conditioner with denseMADE for widths
// where the layers are block-sparse (d = 32, 128, hidden widths below and
// above d) and where they are not (d = 1, 2), every activation, both
// kinds of heads and a random order: outputs, the gradients of every
// parameter and of the input agree to 1e-12 relative.
func TestMADEStaircase(t *testing.T) {
	rng := newRNG(5)
	for _, c := range []struct {
		d      int
		hidden []int
		act    string
		p      int
		stairs bool // some layer is block-sparse
	}{
		{1, []int{16}, "relu", 0, false},
		{2, []int{256, 256}, "relu", 0, false},
		{2, []int{64}, "tanh", 5, false},
		{32, []int{256, 256}, "relu", 0, true},
		{32, []int{256, 256}, "elu", 0, true},
		{32, []int{128, 100}, "tanh", 8, true},
		{128, []int{256, 256}, "relu", 0, true},
		{128, []int{96}, "relu", 3, true},
		{50, []int{20, 300}, "relu", 0, true},
	} {
		name := fmt.Sprintf("d=%d hidden=%v %s p=%d", c.d, c.hidden, c.act, c.p)
		var m *made
		if c.p > 0 {
			m = newMADEHeads(c.d, c.hidden, c.act, rng.Perm(c.d), c.p)
		} else {
			m = newMADE(c.d, c.hidden, c.act, rng.Perm(c.d))
		}
		m.init(rng)
		perturb(rng, m.params(), 0.1)
		used := m.stairO != nil || m.stairH != nil
		for _, s := range m.stairs {
			used = used || s != nil
		}
		if used != c.stairs {
			t.Errorf("%s: block-sparse layers used: %v, want %v", name, used, c.stairs)
		}
		u := randn(rng, 37, c.d)
		run := func(dense bool) (outs []*tensor.Tensor, grads [][]float64) {
			for _, p := range m.params() {
				p.ZeroGrad()
			}
			x := tensor.Param(append([]float64(nil), u.Data()...), u.Shape()...)
			tp := tensor.NewTape()
			tp.Watch(append(m.params(), x)...)
			switch {
			case dense:
				outs = denseMADE(m, x)
			case c.p > 0:
				outs = []*tensor.Tensor{tensor.Reshape(m.forwardP(x), 37, c.d*c.p)}
			default:
				mu, raw := m.forward(x)
				outs = []*tensor.Tensor{mu, raw}
			}
			loss := tensor.Scalar(0)
			for i, o := range outs {
				w := tensor.RandU(newRNG(uint64(i)), o.Shape()...)
				loss = tensor.Add(loss, tensor.Sum(tensor.Mul(o, w)))
			}
			tp.Backward(loss)
			for _, p := range append(m.params(), x) {
				grads = append(grads, append([]float64(nil), p.Grad()...))
			}
			for i, o := range outs {
				outs[i] = o.Clone()
			}
			tp.Reset()
			return outs, grads
		}
		got, gg := run(false)
		want, wg := run(true)
		for i := range want {
			if e := testutil.RelErr(got[i].Data(), want[i].Data()); e > 1e-12 {
				t.Errorf("%s: output %d differs by %g", name, i, e)
			}
		}
		for i := range wg {
			if e := testutil.RelErr(gg[i], wg[i]); e > 1e-12 {
				t.Errorf("%s: gradient of parameter %d (last: input) differs by %g", name, i, e)
			}
		}
		// Untracked passes give the same values.
		var plain []*tensor.Tensor
		if c.p > 0 {
			plain = []*tensor.Tensor{tensor.Reshape(m.forwardP(u), 37, c.d*c.p)}
		} else {
			mu, raw := m.forward(u)
			plain = []*tensor.Tensor{mu, raw}
		}
		for i := range plain {
			if e := testutil.RelErr(plain[i].Data(), want[i].Data()); e > 1e-12 {
				t.Errorf("%s: untracked output %d differs by %g", name, i, e)
			}
		}
	}
}

// TestMADEStaircaseSaveLoad saves and loads a flow of block-sparse
// autoregressive layers (d = 32) whose masked-out weights are nonzero:
// the parameters are stored as always, so the loaded flow has the same
// parameters and log densities, and a layer with the masked-out weights
// set to zero has the same log densities too.
func TestMADEStaircaseSaveLoad(t *testing.T) {
	const d = 32
	rng := newRNG(6)
	f := mustApply(t, "AffineAutoregressive", stdNormal(d), nil, 3)
	f = mustApply(t, "SplineAutoregressive", f, map[string]OptionValue{"hidden": []float64{64, 64}}, 4)
	for _, l := range f.Layers {
		perturb(rng, l.Params(), 0.05)
	}
	x := randn(rng, 20, d)
	want := f.LogProb(x).Data()
	g := roundTrip(t, f)
	for i, l := range g.Layers {
		for j, p := range l.Params() {
			if e := maxAbsDiff(p.Data(), f.Layers[i].Params()[j].Data()); e != 0 {
				t.Errorf("layer %d parameter %d differs by %g after loading", i, j, e)
			}
		}
	}
	if e := testutil.RelErr(g.LogProb(x).Data(), want); e > 1e-12 {
		t.Errorf("loaded flow: log densities differ by %g", e)
	}
	for _, l := range f.Layers {
		var m *made
		switch a := l.(type) {
		case *AffineAutoregressive:
			m = a.made
		case *SplineAutoregressive:
			m = a.made
		default:
			continue
		}
		masks := append(append([]*tensor.Tensor(nil), m.masks...), m.maskO, m.maskO, m.maskP)
		ws := append(append([]*tensor.Tensor(nil), m.ws...), m.wMu, m.wS, m.wP)
		for i, w := range ws {
			if w == nil || masks[i] == nil {
				continue
			}
			for j, v := range masks[i].Data() {
				if v == 0 {
					w.Data()[j] = 0
				}
			}
		}
	}
	if e := testutil.RelErr(f.LogProb(x).Data(), want); e > 1e-12 {
		t.Errorf("masked-out weights set to 0: log densities differ by %g", e)
	}
}
