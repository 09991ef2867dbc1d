package infer_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
)

func ExampleFitForward() {
	base := newNormal([]float64{0, 0}, []float64{1, 1})
	target := newNormal([]float64{5, 5}, []float64{0.5, 0.5})
	q, _ := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{"hidden": []float64{32, 32}}, rand.New(rand.NewPCG(1, 2)))
	rep, err := infer.FitForward(q, infer.DistSource(target), infer.Options{
		Steps: 200, Batch: 500, LR: 0.05, Seed: 1, HasSeed: true, Quiet: true,
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The ideal loss is the target's entropy, 1.4516.
	fmt.Printf("loss near 1.45: %v after %d steps (init %s, direction %s)\n",
		math.Abs(rep.Loss-1.4516) < 0.05, rep.Steps, rep.Init, q.Direction())
	// Output:
	// loss near 1.45: true after 200 steps (init moments, direction data side)
}
