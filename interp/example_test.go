package interp_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/flowppl/flowppl/interp"
)

// An embedding program hands its data to a script, fits a flow to it, and
// uses the trained flow from Go.
func ExampleInterpreter() {
	// data the Go program holds: 2000 draws around (3, -1)
	rng := rand.New(rand.NewPCG(7, 7))
	data := mat.NewDense(2000, 2, nil)
	for i := range 2000 {
		data.Set(i, 0, 3+rng.NormFloat64())
		data.Set(i, 1, -1+0.5*rng.NormFloat64())
	}

	in := interp.New(interp.Options{Seed: 1})
	if err := in.Set("y", data); err != nil {
		panic(err)
	}
	err := in.Exec(context.Background(), "fit.flow", `
q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [8])
r = fit q to y { steps = 400, batch = 128, lr = 0.05, quiet = true }
`)
	if err != nil {
		fmt.Println(interp.FormatError(err))
		return
	}
	q, _ := in.Density("q")
	lp, _ := q.LogProb(mat.NewDense(2, 2, []float64{3, -1, -3, 1}))
	fmt.Printf("log q at the mode is higher than far away: %v\n", lp[0] > lp[1]+5)
	draws, _ := q.Sample(5000)
	fmt.Printf("mean of draws: (%.0f, %.0f)\n", mat.Sum(draws.ColView(0))/5000, mat.Sum(draws.ColView(1))/5000)
	// Output:
	// log q at the mode is higher than far away: true
	// mean of draws: (3, -1)
}

// Go functions become builtins; their arguments and results are converted.
func ExampleInterpreter_RegisterBuiltin() {
	var out strings.Builder
	in := interp.New(interp.Options{Stdout: &out})
	in.RegisterBuiltin("clip", func(x []float64, hi float64) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = min(v, hi)
		}
		return y
	})
	if err := in.Exec(context.Background(), "clip.flow", "print(clip([1, 5, 9], 4))"); err != nil {
		fmt.Println(err)
	}
	v, _ := in.Eval(context.Background(), "sum(clip([1, 5, 9], 4))")
	fmt.Print(out.String(), v, "\n")
	// Output:
	// [1, 4, 4]
	// 9
}

// Errors of a script carry the position and the calls that led to them;
// the interpreter stays usable.
func ExampleInterpreter_Exec_error() {
	in := interp.New(interp.Options{})
	err := in.Exec(context.Background(), "bad.flow", "fn first(x) = x[10]\nfirst([1, 2, 3])\n")
	fmt.Println(interp.FormatError(err))
	// Output:
	// bad.flow:1:16: index 10 out of range for vector of length 3
	//   in first called at bad.flow:2:1
}
