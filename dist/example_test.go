package dist_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

func ExampleNewNormal() {
	d, err := dist.NewNormal(tensor.Vector([]float64{0, 1}), tensor.Scalar(2))
	if err != nil {
		panic(err)
	}
	x := tensor.Matrix([][]float64{{0, 1}, {2, 3}})
	fmt.Println(d, d.Dim())
	fmt.Printf("%.4f\n", d.LogProb(x).Data())
	_, err = dist.NewNormal(tensor.Scalar(0), tensor.Scalar(-1))
	fmt.Println(err)
	// Output:
	// Normal(loc=[0, 1], scale=[2, 2]) 2
	// [-3.2242 -4.2242]
	// Normal: scale must be positive, got -1
}

func ExampleFamily_Build() {
	f, err := dist.LookupFamily("Gamma")
	if err != nil {
		panic(err)
	}
	d, _ := f.Build([]*tensor.Tensor{tensor.Scalar(2), tensor.Scalar(4)}, true)
	mean, _ := d.(dist.Moments).Mean()
	fmt.Println(f.Signature(), d, mean)
	x := d.Sample(rand.New(rand.NewPCG(1, 2)), 3)
	fmt.Println(x.Shape())
	_, err = f.Build([]*tensor.Tensor{tensor.Scalar(2)}, true)
	fmt.Println(err)
	_, err = dist.LookupFamily("Gama")
	fmt.Println(err)
	// Output:
	// Gamma(shape, rate) Gamma(shape=2, rate=4) [0.5]
	// [3 1]
	// Gamma takes 2 arguments (shape, rate), got 1
	// unknown distribution "Gama" (did you mean "Gamma"?)
}

// A model's parameters come from a batch of latent draws: the struct
// literal does not validate, and an invalid row gets log density -Inf.
func ExampleNormal_batch() {
	scale := tensor.New([]float64{1, -1, 2}, 3, 1) // one scale per draw
	d := dist.Normal{Loc: tensor.Scalar(0), Scale: scale}
	y := tensor.New([]float64{0, 0, 0}, 3, 1)
	fmt.Printf("%.4f\n", d.LogProb(y).Data())
	// Output:
	// [-0.9189 -Inf -1.6121]
}
