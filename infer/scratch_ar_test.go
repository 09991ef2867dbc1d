package infer_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// TestEvalChunksDataSideAutoregressive: a data-side AffineAutoregressive
// (fitted by forward KL: sampling takes d passes) pushes a chunk of
// EvalChunks, a scratch tensor of the chunk's tape, to the same values as
// the untracked input, for a conditional flow at a context too. Its d-pass
// solver runs on a private tape and used to panic ("a scratch tensor of
// one tape used with tensors recorded on another"): an amortised
// posterior's guide refined by elbo evaluates it so.
func TestEvalChunksDataSideAutoregressive(t *testing.T) {
	const d, n = 3, 5
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 2} {
		a, err := flows.NewAffineAutoregressive(d, flows.Options{Hidden: []int{6}, Context: k}, rng)
		if err != nil {
			t.Fatal(err)
		}
		base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
		if err != nil {
			t.Fatal(err)
		}
		f, err := flows.New(base, a)
		if err != nil {
			t.Fatal(err)
		}
		f.PrepareFit(false) // data side
		if k > 0 {
			if f, err = f.Given([]float64{0.5, -1}); err != nil {
				t.Fatal(err)
			}
		}
		x := f.Noise(rng, n)
		want, _ := f.Push(x)
		got := make([]float64, 0, n*d)
		err = infer.EvalChunks(nil, n, func(tp *tensor.Tape, lo, m int) error {
			y, _ := f.Push(infer.Scratch(tp, x, lo, m))
			got = append(got, y.Data()...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want.Data() {
			if got[i] != v {
				t.Fatalf("context %d: value %d is %v through EvalChunks, %v untracked", k, i, got[i], v)
			}
		}
	}
}
