package infer_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// fitBytes returns the bytes a fit of the given steps allocates on the
// heap, with a fresh guide from the same seed every time.
func fitBytes(t *testing.T, reverse bool, d, batch, steps int) uint64 {
	t.Helper()
	zeros, ones, loc, scale := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	for j := range d {
		ones[j], loc[j], scale[j] = 1, 5, 0.5
	}
	q, err := flows.Apply("AffineAutoregressive", newNormal(zeros, ones),
		map[string]flows.OptionValue{"hidden": []float64{32}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	target := newNormal(loc, scale)
	opts := infer.Options{Steps: steps, Batch: batch, LR: 0.01, Quiet: true, Seed: 1, HasSeed: true}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	if reverse {
		_, err = infer.FitReverse(q, target, opts, nil)
	} else {
		_, err = infer.FitForward(q, infer.DistSource(target), opts, nil)
	}
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestStepAllocation checks that a training step after the first allocates
// nothing proportional to batch × width on the heap: the batch's noise,
// draws and untracked intermediates are scratch tensors of the step's tape.
// The heap bytes of a step (after the first) may grow with the batch by
// less than half of one [batch, d] array (4·d bytes a row; what remains
// are [batch] arrays: per-row flags, constant log-determinants).
func TestStepAllocation(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fits; allocation figures (not under the race detector)")
	}
	const d, few, many = 16, 3, 13
	for _, reverse := range []bool{true, false} {
		perStep := func(batch int) float64 {
			// The median of three measurements, against noise from the
			// runtime and other goroutines.
			var v [3]float64
			for i := range v {
				a, b := fitBytes(t, reverse, d, batch, few), fitBytes(t, reverse, d, batch, many)
				v[i] = (float64(b) - float64(a)) / (many - few)
			}
			return max(min(v[0], v[1]), min(max(v[0], v[1]), v[2]))
		}
		small, large := perStep(1000), perStep(4000)
		t.Logf("reverse=%v: %.0f bytes per step at batch 1000, %.0f at 4000", reverse, small, large)
		if large-small > 4*d*3000 {
			t.Errorf("reverse=%v: a step allocates %.0f bytes at batch 1000 but %.0f at batch 4000", reverse, small, large)
		}
	}
}

// TestScratchNoise checks that a flow's noise drawn onto a tape, and what
// Push computes from it, equal the heap versions bit for bit.
func TestScratchNoise(t *testing.T) {
	q, err := flows.Apply("AffineAutoregressive", newNormal([]float64{0, 0, 0}, []float64{1, 1, 1}),
		map[string]flows.OptionValue{"hidden": []float64{8}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	q.PrepareFit(true)
	tp := tensor.NewTape()
	heap := q.Noise(rand.New(rand.NewPCG(5, 6)), 50)
	scr := q.NoiseOn(tp, rand.New(rand.NewPCG(5, 6)), 50)
	hx, hl := q.Push(heap)
	sx, sl := q.Push(scr)
	for _, c := range []struct {
		name      string
		want, got *tensor.Tensor
	}{{"noise", heap, scr}, {"x", hx, sx}, {"log q", hl, sl}} {
		for i, v := range c.want.Data() {
			if c.got.Data()[i] != v {
				t.Fatalf("%s[%d] = %v on the tape, %v on the heap", c.name, i, c.got.Data()[i], v)
			}
		}
	}
	tp.Reset()
}
