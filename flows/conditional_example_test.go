package flows_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/tensor"
)

// A conditional flow q(y | x) over R^2 with contexts in R^3, scored row
// by row and fixed at one context. A fresh flow is the identity at every
// context, so both log densities are the base's.
func ExampleFlow_Given() {
	rng := rand.New(rand.NewPCG(1, 2))
	base, _ := dist.NewNormal(tensor.Zeros(2), tensor.Full(1, 2))
	q, _ := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{
		"hidden": []float64{16}, "context": 3.0,
	}, rng)
	y := tensor.Matrix([][]float64{{0, 0}, {1, 0}})
	x := tensor.Matrix([][]float64{{1, 2, 3}, {-1, 0, 5}})
	fmt.Printf("%.4f\n", q.LogProbGiven(y, x).Data())
	p, _ := q.Given([]float64{1, 2, 3})
	fmt.Printf("%d %.4f\n", p.ContextDim(), p.LogProb(tensor.Matrix([][]float64{{0, 0}})).Data())
	_, err := q.Given([]float64{1})
	fmt.Println(err)
	// Output:
	// [-1.8379 -2.3379]
	// 0 [-1.8379]
	// the flow is conditional on a context of 3 values, got 1
}
