package draws_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/flowppl/flowppl/draws"
)

// Two chains of a quantity: R-hat, bulk and tail ESS as posterior computes them.
func ExampleRhat() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([][]float64, 2)
	for c := range x {
		for range 1000 {
			x[c] = append(x[c], rng.NormFloat64())
		}
	}
	r, _ := draws.Rhat(x)
	bulk, _ := draws.ESSBulk(x)
	tail, _ := draws.ESSTail(x)
	fmt.Printf("R-hat %.2f, ESS bulk > 1500: %v, ESS tail > 1500: %v\n", r, bulk > 1500, tail > 1500)
	// Output: R-hat 1.00, ESS bulk > 1500: true, ESS tail > 1500: true
}

// Guide draws of a scalar and a 2×2 matrix, written in CmdStan's layout:
// the matrix's columns are named and ordered column-major, 1-based.
func ExampleWriteCmdStan() {
	s := &draws.Set{
		Model:      "example",
		Method:     draws.Guide,
		Params:     []draws.Param{{Name: "mu"}, {Name: "Sigma", Shape: []int{2, 2}}},
		Draws:      [][][]float64{{{0.5, 1, 2, 3, 4}}}, // Sigma = [[1, 2], [3, 4]]
		LogDensity: [][]float64{{-3.25}},
		LogApprox:  [][]float64{{-2.5}},
	}
	var b strings.Builder
	draws.WriteCmdStan(&b, s, 0)
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		fmt.Println(strings.TrimRight(line, " ")) // CmdStan's blank comments are "# "
	}
	// Output:
	// # model = example
	// # method = guide
	// #   guide
	// #     num_samples = 1
	// #     num_warmup = 0
	// #     save_warmup = 0
	// #     thin = 1
	// # id = 1
	// # random
	// #   seed = 0
	// # generator = flowppl
	// lp_approx__,lp__,mu,Sigma.1.1,Sigma.2.1,Sigma.1.2,Sigma.2.2
	// -2.5,-3.25,0.5,1,3,2,4
	// #
	// #  Elapsed Time: 0 seconds (Warm-up)
	// #                0 seconds (Sampling)
	// #                0 seconds (Total)
	// #
}
