package interp

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// TestReportFields: the resolver's list of fit-report fields names every
// field of the records a fit returns (of a distribution and of a
// posterior), so that r.loss() is never taken for a typo of a function.
func TestReportFields(t *testing.T) {
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Quiet: true}
	g, err := ExecFile(th, "fields.flow", `
q = flow Affine(Normal(0, 1))
r1 = fit q to Normal(0, 1) { steps = 2, batch = 4 }
model m() {
    x ~ Normal(0, 1)
}
p = flow Affine(Normal(0, 1))
r2 = fit p to m() { steps = 2, batch = 4 }
`, nil)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	for _, name := range []string{"r1", "r2"} {
		for _, f := range g[name].(*lang.Record).Names {
			if !slices.Contains(reportFields, f) {
				t.Errorf("%s has field %q, not in reportFields", name, f)
			}
		}
	}
}
