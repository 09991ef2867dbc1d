package interp_test

import (
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// BenchmarkAmortisedTrain: the training of examples/amortised.flow's
// amortised posterior (the conjugate model; 100,000 simulated pairs, a
// conditional AffineAutoregressive of one hidden layer of 8 units, batch
// 1,024, to the stopping rule at tol = 0.003), and of the eight-schools
// one of examples/sbc_amortised.flow at its smoke-test size (5,000
// pairs, 500 steps): cpu-s/op is the process's CPU time per training.
func BenchmarkAmortisedTrain(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"conjugate", `
model normal_mean(y) {
    mu ~ Normal(0, 2)
    y ~ Normal(mu, 1)
}
q = flow AffineAutoregressive(hidden = [8])
r = fit q to normal_mean(zeros(10)) by simulation { simulations = 100000, steps = 20000, batch = 1024, lr = 0.01, tol = 0.003, seed = 1, quiet = true }
`},
		{"eight_schools", `
J = 8
sigma = [15, 10, 16, 11, 9, 11, 10, 18]` + eightSchoolsModel + `q = flow AffineAutoregressive(layers = 2, hidden = [64, 64])
r = fit q to eight_schools(J, zeros(J), sigma) by simulation { simulations = 5000, steps = 500, batch = 512, lr = 0.003, clip = 10, tol = 0.01, seed = 1, quiet = true }
`},
	} {
		b.Run(c.name, func(b *testing.B) {
			var steps float64
			cpu0 := cpuTime()
			for b.Loop() {
				th, _, _ := newThread()
				g := mustRun(b, th, "bench.flow", c.src)
				s, _ := g["r"].(*lang.Record).Attr("steps")
				steps = float64(s.(lang.Number))
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/1e9/float64(b.N), "cpu-s/op")
			b.ReportMetric(steps, "steps")
		})
	}
}

// BenchmarkAmortisedGiven: after training, the posterior of one data set
// from the amortised posterior of the conjugate model: the call m(y)
// (its prototype run), q.given (a view of the conditional flow at y) and
// 4,000 draws of the guide by the model's names (SampleNamed, as sample
// and summary draw them). ns/op is the time per data set that the issue
// asks to be under 10 ms.
func BenchmarkAmortisedGiven(b *testing.B) {
	th, _, _ := newThread()
	g := mustRun(b, th, "bench.flow", `
model normal_mean(y) {
    mu ~ Normal(0, 2)
    y ~ Normal(mu, 1)
}
q = flow AffineAutoregressive(hidden = [8])
r = fit q to normal_mean(zeros(10)) by simulation { simulations = 20000, steps = 1500, batch = 512, lr = 0.01, seed = 1, quiet = true }
y = ones(10)
`)
	q := g["q"].(*interp.Amortised)
	m := g["normal_mean"].(*interp.Model)
	y := g["y"]
	cpu0 := cpuTime()
	for b.Loop() {
		pv, err := m.CallInternal(th, lang.Tuple{y}, nil)
		if err != nil {
			b.Fatal(err)
		}
		p, err := q.Given(pv.(*interp.Posterior))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.SampleNamed(th, 4000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}
