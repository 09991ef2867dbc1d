package stdlib

import (
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// TestWholeVectorParams: a vector given for a whole-vector parameter
// (Categorical's probs, OrderedLogistic's cutpoints) does not make a draw a
// vector, with constant or latent-dependent (batched) parameters, while
// Multinomial's draws are count vectors; a number for a whole-vector
// parameter is an error.
func TestWholeVectorParams(t *testing.T) {
	th, _ := newThread()
	cuts := lang.NewBatch(tensor.New([]float64{-1, 0, 1, -2, 0, 2}, 2, 3))
	probs := lang.NewBatch(tensor.New([]float64{0.2, 0.8, 0.5, 0.5}, 2, 2))
	eta := lang.NewBatch(tensor.New([]float64{0.5, -0.5}, 2))
	for _, tt := range []struct {
		name  string
		args  []lang.Value
		event []int
	}{
		{"OrderedLogistic", []lang.Value{lang.Number(0.5), lang.NewVector([]float64{-1, 0, 1})}, []int{}},
		{"OrderedLogistic", []lang.Value{lang.Number(0.5), cuts}, []int{}},
		{"OrderedLogistic", []lang.Value{eta, cuts}, []int{}},
		{"OrderedLogistic", []lang.Value{lang.NewVector([]float64{0.5, 1}), cuts}, []int{2}},
		{"Categorical", []lang.Value{lang.NewVector([]float64{0.2, 0.8})}, []int{}},
		{"Categorical", []lang.Value{probs}, []int{}},
		{"Multinomial", []lang.Value{lang.Number(3), lang.NewVector([]float64{0.2, 0.8})}, []int{2}},
		{"Multinomial", []lang.Value{lang.Number(3), probs}, []int{2}},
	} {
		v, err := callKw(th, tt.name, tt.args, nil)
		if err != nil {
			t.Errorf("%s%v: %v", tt.name, tt.args, err)
			continue
		}
		d := v.(*lang.Dist)
		if !tensor.SameShape(d.Event(), tt.event) {
			t.Errorf("%s: draws of shape %v, want %v", d, d.Event(), tt.event)
		}
		s, err := callKw(th, "sample", []lang.Value{d}, nil)
		if err != nil {
			t.Errorf("sample(%s): %v", d, err)
			continue
		}
		st, n, _ := lang.EventTensor(s)
		if got := st.Shape()[min(n, 1):]; d.Batch > 0 && !tensor.SameShape(got, tt.event) {
			t.Errorf("sample(%s): draws of shape %v, want %v", d, got, tt.event)
		}
	}
	num := lang.NewBatch(tensor.New([]float64{1, 2}, 2))
	if _, err := callKw(th, "OrderedLogistic", []lang.Value{lang.Number(0), num}, nil); err == nil ||
		err.Error() != "OrderedLogistic: cutpoints must be a vector, got a number" {
		t.Errorf("OrderedLogistic with a batch of numbers for cutpoints: %v", err)
	}
}
