// Command embed shows flowppl embedded in a Go program: the program holds
// data (a noisy ring), hands it to a script that fits a normalizing flow,
// and then uses the trained flow from Go: its log density at a few points
// and draws from it.
//
//	go run ./examples/embed
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/flowppl/flowppl/interp"
)

const script = `
q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [32, 32], layers = 2)
report = fit q to ring { steps = steps, batch = 256, lr = 0.01, quiet = true }
print("final loss", report.loss)
`

func main() {
	if err := run(os.Stdout, 1500); err != nil {
		log.Fatal(err)
	}
}

// ring returns n points near the circle of radius 2.
func ring(n int, rng *rand.Rand) *mat.Dense {
	y := mat.NewDense(n, 2, nil)
	for i := range n {
		a := 2 * math.Pi * rng.Float64()
		r := 2 + 0.2*rng.NormFloat64()
		y.Set(i, 0, r*math.Cos(a))
		y.Set(i, 1, r*math.Sin(a))
	}
	return y
}

func run(w io.Writer, steps int) error {
	in := interp.New(interp.Options{Stdout: w, Seed: 1})
	if err := in.Set("ring", ring(4000, rand.New(rand.NewPCG(3, 4)))); err != nil {
		return err
	}
	if err := in.Set("steps", float64(steps)); err != nil {
		return err
	}
	if err := in.Exec(context.Background(), "ring.flow", script); err != nil {
		return fmt.Errorf("%s", interp.FormatError(err))
	}

	q, err := in.Density("q")
	if err != nil {
		return err
	}
	pts := mat.NewDense(3, 2, []float64{2, 0, 0, -2, 0, 0})
	lp, err := q.LogProb(pts)
	if err != nil {
		return err
	}
	for i, l := range lp {
		fmt.Fprintf(w, "log q(%g, %g) = %.2f\n", pts.At(i, 0), pts.At(i, 1), l)
	}
	draws, err := q.Sample(10000)
	if err != nil {
		return err
	}
	var radius float64
	for i := range 10000 {
		radius += math.Hypot(draws.At(i, 0), draws.At(i, 1)) / 10000
	}
	fmt.Fprintf(w, "mean radius of 10000 draws: %.2f\n", radius)
	return nil
}
