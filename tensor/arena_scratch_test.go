package tensor_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// mustPanic runs f and fails unless it panics with a message containing
// want.
func mustPanic(t *testing.T, what, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", what)
			return
		}
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("%s: panic %v, want one containing %q", what, r, want)
		}
	}()
	f()
}

// scratchPipeline is the untracked part of a reverse-KL step: noise, its
// draws loc + scale·z and their standard-normal log density.
func scratchPipeline(tp *tensor.Tape, rng *rand.Rand, n, d int) *tensor.Tensor {
	z := tp.Zeros(n, d)
	for i, zd := 0, z.Data(); i < len(zd); i++ {
		zd[i] = rng.NormFloat64()
	}
	x := tensor.Add(tensor.Full(0.5, d), tensor.Mul(tensor.Full(2, d), z))
	return tensor.SumAxis(tensor.AddScalar(tensor.Scale(tensor.Square(x), -0.5), -0.9189385332046727), 1)
}

func TestScratchValuesAndTracking(t *testing.T) {
	const n, d = 50, 3
	tp := tensor.NewTape()
	got := scratchPipeline(tp, rand.New(rand.NewPCG(3, 4)), n, d)
	want := scratchPipeline(nil, rand.New(rand.NewPCG(3, 4)), n, d)
	if got.Tracked() || got.Grad() != nil {
		t.Errorf("scratch result: Tracked %v, Grad %v; want untracked, no gradient", got.Tracked(), got.Grad())
	}
	for i, v := range want.Data() {
		if got.Data()[i] != v { // bit for bit
			t.Fatalf("element %d: scratch %v, heap %v", i, got.Data()[i], v)
		}
	}
	if tp.Len() != 0 || tp.Floats() != 0 {
		t.Errorf("scratch operations recorded %d operations, %d tape floats; want none", tp.Len(), tp.Floats())
	}

	// With a parameter on the tape: a tracked result, the right gradient,
	// none for the scratch operand.
	w := tensor.Param([]float64{1, 2, 3}, d)
	tp.Watch(w)
	s := tp.Zeros(n, d)
	for i := range s.Data() {
		s.Data()[i] = float64(i % 7)
	}
	loss := tensor.Sum(tensor.Mul(tensor.Concat(0, s, s.Detach()), w))
	if !loss.Tracked() {
		t.Fatal("loss of a scratch tensor and a watched parameter is not tracked")
	}
	tp.Backward(loss)
	for j := range d {
		want := 0.0
		for i := range n {
			want += 2 * s.At(i, j)
		}
		if g := w.Grad()[j]; g != want {
			t.Errorf("dloss/dw[%d] = %v, want %v", j, g, want)
		}
	}
	if s.Grad() != nil {
		t.Errorf("the scratch operand got a gradient")
	}
}

func TestScratchLifetime(t *testing.T) {
	tp := tensor.NewTape()
	w := tensor.Param([]float64{1, 2}, 2)
	tp.Watch(w)
	s := tp.Zeros(4, 2)
	rows := tensor.Rows(s, 1, 2)
	det := s.Detach()
	view := tensor.Reshape(s, 8)
	like := tensor.ZerosFor(s, 3)
	heapLike := tensor.ZerosFor(tensor.Zeros(2), 3)
	tr := tensor.Mul(s, w)
	one := tp.Zeros(1)
	for name, x := range map[string]*tensor.Tensor{"Rows": rows, "Detach": det, "Reshape": view, "ZerosFor": like} {
		if x.Tracked() {
			t.Errorf("%s of a scratch tensor is tracked", name)
		}
	}

	// ResetRecording keeps the scratch tensors, not the tracked ones.
	tp.ResetRecording()
	_ = tensor.Exp(s)
	_ = tensor.Add(rows, tensor.Rows(det, 0, 2))
	mustPanic(t, "tracked tensor after ResetRecording", "before its Reset", func() { tensor.Exp(tr) })

	tp.Reset()
	for name, x := range map[string]*tensor.Tensor{"scratch": s, "Rows": rows, "Detach": det, "Reshape": view, "ZerosFor": like} {
		mustPanic(t, name+" in an operation after Reset", "Reset", func() { tensor.Exp(x) })
		mustPanic(t, name+" Data after Reset", "after its tape's Reset", func() { x.Data() })
		mustPanic(t, name+" Clone after Reset", "after its tape's Reset", func() { x.Clone() })
		mustPanic(t, name+" Rows after Reset", "after its tape's Reset", func() { tensor.Rows(x, 0, 1) })
	}
	mustPanic(t, "Item after Reset", "after its tape's Reset", func() { one.Item() })
	_ = heapLike.Data() // a heap tensor stays valid

	// Scratch tensors of one tape do not mix with another tape.
	other := tensor.NewTape()
	other.Watch(w)
	s2 := tp.Zeros(2)
	mustPanic(t, "scratch with another tape's tensor", "another", func() { tensor.Mul(s2, w) })
	mustPanic(t, "scratch of two tapes", "different tapes", func() { tensor.Add(s2, other.Zeros(2)) })
	mustPanic(t, "Watch of another tape's scratch", "another tape", func() { other.Watch(s2) })
	other.Reset()

	// Watching its own scratch tensor makes it tracked until Reset.
	tp.Watch(s2)
	if !s2.Tracked() {
		t.Error("a watched scratch tensor is not tracked")
	}
	l := tensor.Sum(tensor.Square(s2))
	tp.Backward(l)
	if g := s2.Grad(); len(g) != 2 || g[0] != 0 || g[1] != 0 {
		t.Errorf("gradient of Σ s² at s = 0: %v, want [0 0]", g)
	}
	// ... and scratch again after ResetRecording, until Reset.
	tp.ResetRecording()
	if s2.Tracked() || s2.Grad() != nil {
		t.Error("a watched scratch tensor is still tracked after ResetRecording")
	}
	_ = tensor.Exp(s2)
	tp.Reset()
	mustPanic(t, "watched scratch tensor after Reset", "Reset", func() { tensor.Exp(s2) })
}

// TestScratchSteadyState checks that after the first step the scratch
// arena is reused: a step allocates no [n, d] data on the heap.
func TestScratchSteadyState(t *testing.T) {
	const n, d = 4000, 8
	tp := tensor.NewTape()
	rng := rand.New(rand.NewPCG(1, 2))
	step := func() {
		tp.Reset()
		if v := tensor.Sum(scratchPipeline(tp, rng, n, d)).Item(); math.IsNaN(v) {
			t.Fatal("NaN")
		}
	}
	step()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const steps = 20
	for range steps {
		step()
	}
	runtime.ReadMemStats(&m1)
	if per := float64(m1.TotalAlloc-m0.TotalAlloc) / steps; per > 8*n*d/4 {
		t.Errorf("a step allocates %.0f bytes on the heap; one [n, d] array is %d", per, 8*n*d)
	}
}
