package tensor_test

import (
	"fmt"

	"github.com/flowppl/flowppl/tensor"
)

// A training step: reset the tape, watch the parameters, compute the loss,
// backpropagate, update. Here gradient descent fits y = w·x + b to data
// from y = 2x + 1.
func Example() {
	x := tensor.New([]float64{0, 1, 2, 3}, 4, 1)
	y := tensor.New([]float64{1, 3, 5, 7}, 4, 1)
	w := tensor.Param([]float64{0}, 1, 1)
	b := tensor.Param([]float64{0}, 1)
	params := []*tensor.Tensor{w, b}

	var tp tensor.Tape
	for range 2000 {
		tp.Reset()
		tp.Watch(params...)
		loss := tensor.Mean(tensor.Square(tensor.Sub(tensor.Linear(x, w, b), y)))
		tp.Backward(loss)
		for _, p := range params {
			for i, g := range p.Grad() {
				p.Data()[i] -= 0.05 * g
			}
			p.ZeroGrad()
		}
	}
	fmt.Printf("w = %.4f, b = %.4f\n", w.Item(), b.Item())
	// Output: w = 2.0000, b = 1.0000
}

func ExampleLogSumExp() {
	m := tensor.Matrix([][]float64{{1000, 1000}, {0, 0}})
	fmt.Printf("%.4f\n", tensor.LogSumExp(m, 1).Data())
	// Output: [1000.6931 0.6931]
}

func ExampleTake() {
	m := tensor.Matrix([][]float64{{1, 2, 3}, {4, 5, 6}})
	fmt.Println(tensor.Take(m, 1, []int{2, 0, 0}))
	// Output: tensor[2 3]{3, 1, 1, 6, 4, 4}
}

func ExamplePut() {
	m := tensor.Matrix([][]float64{{1, 2, 3}, {4, 5, 6}})
	v := tensor.Matrix([][]float64{{7, 8}, {9, 10}})
	// Column 0 is written twice: the last write wins.
	fmt.Println(tensor.Put(m, 1, []int{0, 0}, v))
	// Output: tensor[2 3]{8, 2, 3, 10, 5, 6}
}
