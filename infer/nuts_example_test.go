package infer_test

import (
	"fmt"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// normal3 is N(3, 2²) on R: log p = −(z − 3)²/8.
type normal3 struct{}

func (normal3) Dim() int { return 1 }

func (normal3) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	return tensor.Scale(tensor.SumAxis(tensor.Square(tensor.AddScalar(z, -3)), 1), -1.0/8), nil
}

func ExampleNUTS() {
	res, err := infer.NUTS(normal3{}, infer.NUTSOptions{Chains: 4, Seed: 1})
	if err != nil {
		panic(err)
	}
	var x [][]float64
	div := 0
	for _, c := range res.Chains {
		x = append(x, c.Draws) // one value a draw: D = 1
		div += c.Divergences()
	}
	mean, sd := meanSD(x)
	fmt.Printf("%d chains of %d draws: mean %.1f, sd %.1f, %d divergent\n", len(res.Chains), res.Chains[0].Len(), mean, sd, div)
	// Output: 4 chains of 1000 draws: mean 3.0, sd 2.0, 0 divergent
}
