package stdlib

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// TestBatchReductions: reductions of a batch reduce each draw's event
// axes, keep the draw axis and stay on the tape.
func TestBatchReductions(t *testing.T) {
	tp := tensor.NewTape()
	x := tensor.Param([]float64{1, 2, 3, 4, 6, 8}, 2, 3)
	tp.Watch(x)
	b := lang.NewBatch(x)
	for _, tt := range []struct {
		fn   string
		want []float64
	}{
		{"sum", []float64{6, 18}},
		{"mean", []float64{2, 6}},
		{"sd", []float64{1, 2}},
		{"var", []float64{1, 4}},
		{"max", []float64{3, 8}},
		{"min", []float64{1, 4}},
		{"logsumexp", []float64{math.Log(math.Exp(1) + math.Exp(2) + math.Exp(3)), math.Log(math.Exp(4) + math.Exp(6) + math.Exp(8))}},
	} {
		v, err := call(tt.fn, b)
		if err != nil {
			t.Fatalf("%s: %v", tt.fn, err)
		}
		r, ok := v.(*lang.Batch)
		if !ok || !r.T.Tracked() {
			t.Fatalf("%s: got %v, want a tracked batch", tt.fn, v)
		}
		for i, w := range tt.want {
			if math.Abs(r.T.Data()[i]-w) > 1e-12 {
				t.Errorf("%s draw %d: %v, want %v", tt.fn, i, r.T.Data()[i], w)
			}
		}
	}
	s, _ := call("sum", b)
	tp.Backward(tensor.Sum(s.(*lang.Batch).T))
	for _, g := range x.Grad() {
		if g != 1 {
			t.Fatalf("gradient of sum: %v", x.Grad())
		}
	}
}

// TestBatchFamily: a distribution whose parameters depend on latents is
// not validated; an invalid draw's parameter gives that draw -inf.
func TestBatchFamily(t *testing.T) {
	scale := lang.NewBatch(tensor.New([]float64{1, -1}, 2))
	d, err := call("Normal", lang.Number(0), scale)
	if err != nil {
		t.Fatal(err)
	}
	ld := d.(*lang.Dist)
	if ld.Batch != 2 || len(ld.Event()) != 0 {
		t.Fatalf("Normal(0, batch): Batch %d, event %v", ld.Batch, ld.Event())
	}
	lp, err := call("log_prob", d, lang.Number(0.5))
	if err != nil {
		t.Fatal(err)
	}
	got := lp.(*lang.Batch).T.Data()
	want := -0.5*math.Log(2*math.Pi) - 0.125
	if math.Abs(got[0]-want) > 1e-12 || !math.IsInf(got[1], -1) {
		t.Errorf("log_prob = %v, want [%v, -Inf]", got, want)
	}
}

// TestBatchExtreme: max(a, b) of a batch and a plain vector, per draw.
func TestBatchExtreme(t *testing.T) {
	b := lang.NewBatch(tensor.New([]float64{1, 5}, 2))
	v, err := call("max", b, lang.NewVector([]float64{2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*lang.Batch)
	want := []float64{2, 3, 5, 5}
	if !tensor.SameShape(got.T.Shape(), []int{2, 2}) {
		t.Fatalf("shape %v", got.T.Shape())
	}
	for i, w := range want {
		if got.T.Data()[i] != w {
			t.Fatalf("max = %v, want %v", got.T.Data(), want)
		}
	}
}

// TestBatchConcat: concat of a batch of numbers and a plain vector.
func TestBatchConcat(t *testing.T) {
	b := lang.NewBatch(tensor.New([]float64{1, 5}, 2))
	v, err := call("concat", b, lang.NewVector([]float64{2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*lang.Batch).T
	want := []float64{1, 2, 3, 5, 2, 3}
	for i, w := range want {
		if got.Data()[i] != w {
			t.Fatalf("concat = %v, want %v", got, want)
		}
	}
}
