package interp_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// BenchmarkSimulate: prior predictive draws of the regression (40 data
// values) and of a loop that observes y[i] one element at a time, per
// draw (ns/draw): n draws cost a few vectorised runs of the body, so the
// cost per draw falls with n.
func BenchmarkSimulate(b *testing.B) {
	loopSrc := `
x = linspace(-2, 2, 40)` + loopRegressionModel + `post = regression(x, zeros(40))
`
	for _, c := range []struct{ name, src string }{{"regression", regressionSrc}, {"loop", loopSrc}} {
		p := posteriorOf(b, c.src)
		for _, n := range []int{1, 100, 10000} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				th := &lang.Thread{}
				rng := rand.New(rand.NewPCG(1, 2))
				for b.Loop() {
					if _, err := p.Simulate(th, nil, n, rng); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/draw")
			})
		}
	}
}

// A Go program turns a simulation into training pairs: row i of Z (the
// latents in the guide's unconstrained space) with row i of the data
// matrix.
func ExamplePosterior_Simulate() {
	th := &lang.Thread{}
	g, err := interp.ExecFile(th, "sim.flow", `
model normal(y) {
    mu ~ Normal(0, 1)
    sigma ~ HalfNormal(1)
    y ~ Normal(mu, sigma)
}
post = normal(zeros(10))
`, nil)
	if err != nil {
		fmt.Println(interp.FormatError(err))
		return
	}
	p := g["post"].(*interp.Posterior)
	sim, err := p.Simulate(th, nil, 1000, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	theta, y := sim.Z, sim.Matrix(sim.Data)
	fmt.Println("latents", theta.Shape(), "data", y.Shape(), "names", sim.Latents[0].Name, sim.Latents[1].Name, sim.Data[0].Name)
	// Output: latents [1000 2] data [1000 10] names mu sigma y
}
