package stdlib

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// batchOf returns a batch of draws of the given event shape.
func batchOf(data []float64, shape ...int) *lang.Batch {
	return lang.NewBatch(tensor.New(data, shape...))
}

func TestVectorBuiltins(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		x    lang.Value
		want lang.Value
	}{
		{"cumsum", vec(1, 2, 3.5), vec(1, 3, 6.5)},
		{"cumsum", mat(2, 2, 1, 2, 3, 4), mat(2, 2, 1, 2, 4, 6)}, // down each column
		{"cumsum", num(4), num(4)},
		{"sort", vec(3, -1, nan, 2, -1), vec(-1, -1, 2, 3, nan)},
		{"sort", vec(), vec()},
		{"softmax", vec(0, math.Log(3)), vec(0.25, 0.75)},
		{"softmax", vec(1000, 1000), vec(0.5, 0.5)},
		{"log_softmax", vec(0, math.Log(3)), vec(math.Log(0.25), math.Log(0.75))},
	} {
		got, err := call(tt.name, tt.x)
		if err != nil || got.Type() != tt.want.Type() || !close(values(got), values(tt.want), 1e-15) {
			t.Errorf("%s(%v) = %v, %v; want %v", tt.name, tt.x, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		x    lang.Value
		want string
	}{
		{"sort", mat(1, 1, 0), "sort: got matrix, want vector"},
		{"softmax", num(1), "softmax: got number, want vector"},
		{"log_softmax", vec(), "log_softmax: empty vector"},
		{"cumsum", lang.String("s"), "cumsum: got string, want number, vector or matrix"},
	} {
		if _, err := call(tt.name, tt.x); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s(%v): %v, want %q", tt.name, tt.x, err, tt.want)
		}
	}
}

// sort of a batch sorts each draw by its own permutation, and the
// gradient of each sorted element goes back to where it came from.
func TestSortBatchGradient(t *testing.T) {
	x := tensor.Param([]float64{3, 1, 2, -1, 5, 0}, 2, 3)
	var tp tensor.Tape
	tp.Watch(x)
	got, err := call("sort", lang.NewBatch(x))
	if err != nil {
		t.Fatal(err)
	}
	out := got.(*lang.Batch).T
	if !close(out.Data(), []float64{1, 2, 3, -1, 0, 5}, 0) {
		t.Fatalf("sort = %v", out.Data())
	}
	// Weights 1, 2, 3 on the sorted positions.
	tp.Backward(tensor.Sum(tensor.Mul(out, tensor.Vector([]float64{1, 2, 3}))))
	if want := []float64{3, 1, 2, 1, 3, 2}; !close(x.Grad(), want, 0) {
		t.Errorf("gradient %v, want %v", x.Grad(), want)
	}
}
