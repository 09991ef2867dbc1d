package flows

import (
	"bytes"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestSaveLoadOneDimConditionalCoupling: a conditional Coupling over one
// dimension has a first weight of shape [h, 0] (no conditioned inputs,
// only the context); it saves and loads, and the loaded flow scores bit
// for bit as the saved one. Load used to refuse the empty weight ("shape
// [8, 0] does not match 0 values").
func TestSaveLoadOneDimConditionalCoupling(t *testing.T) {
	c, err := NewCoupling(1, 0, Options{Hidden: []int{8}, Context: 2}, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(stdNormal(1), c)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Save(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	y := tensor.New([]float64{0.3, -1.2}, 2, 1)
	x := tensor.New([]float64{1, 2, -0.5, 0.25}, 2, 2)
	a, b := f.LogProbGiven(y, x).Data(), g.LogProbGiven(y, x).Data()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("row %d: log q %v before saving, %v after loading", i, a[i], b[i])
		}
	}
}
