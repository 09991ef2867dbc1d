package interp_test

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/tensor"
)

// The checks of a posterior's log density at unconstrained points that
// the model tests share: a batch against its rows alone, and the tape's
// gradient against central differences.

// logDensityAndGrad returns the log density of the rows of z and the
// gradient of their sum.
func logDensityAndGrad(t *testing.T, p *interp.Posterior, z0 *tensor.Tensor) (lp, grad []float64) {
	t.Helper()
	tp := tensor.NewTape()
	z := tensor.Param(append([]float64(nil), z0.Data()...), z0.Shape()...)
	tp.Watch(z)
	l, err := p.LogDensity(z)
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	tp.Backward(tensor.Sum(l))
	return append([]float64(nil), l.Data()...), append([]float64(nil), z.Grad()...)
}

// tol bounds |got − want| by Abs + Rel·max(1, |want|); a NaN on either
// side is outside every bound.
type tol struct{ Abs, Rel float64 }

func (b tol) holds(got, want float64) bool {
	return math.Abs(got-want) <= b.Abs+b.Rel*max(1, math.Abs(want))
}

// logDensityAt is p's log density at the one unconstrained point x.
func logDensityAt(t *testing.T, p *interp.Posterior, x []float64) float64 {
	t.Helper()
	v, err := p.LogDensity(tensor.New(append([]float64(nil), x...), 1, len(x)))
	if err != nil {
		t.Fatal(interp.FormatError(err))
	}
	return v.Data()[0]
}

// gradStep is the step of the central differences of checkGradient: their
// error is of order h² times the third derivatives (a few units in these
// models) plus rounding of order 1e-16/h, both far below the tolerances of
// 1e-5 and 1e-6 relative the tests use.
const gradStep = 1e-5

// checkGradient checks grad, the gradient of the summed log density at the
// rows of z ([n, D]) laid out as z, against central differences of one row
// at a time, within b of the numeric derivative. what, if not empty,
// starts the messages.
func checkGradient(t *testing.T, what string, p *interp.Posterior, z *tensor.Tensor, grad []float64, b tol) {
	t.Helper()
	if what != "" {
		what += ": "
	}
	D := z.Shape()[1]
	for i := range z.Shape()[0] {
		at := func(j int, d float64) float64 {
			x := append([]float64(nil), z.Data()[i*D:(i+1)*D]...)
			x[j] += d
			return logDensityAt(t, p, x)
		}
		for j := range D {
			num := (at(j, gradStep) - at(j, -gradStep)) / (2 * gradStep)
			if g := grad[i*D+j]; !b.holds(g, num) {
				t.Errorf("%sd/dz[%d, %d] = %v, numerically %v", what, i, j, g, num)
			}
		}
	}
}

// checkLogDensity evaluates p's log density at the rows of z ([n, D]) as
// one batch, and checks each row alone against it (within rows) and its
// gradient against central differences (within grad).
func checkLogDensity(t *testing.T, p *interp.Posterior, z *tensor.Tensor, rows, grad tol) {
	t.Helper()
	lp, g := logDensityAndGrad(t, p, z)
	D := z.Shape()[1]
	for i := range z.Shape()[0] {
		if one := logDensityAt(t, p, z.Data()[i*D:(i+1)*D]); !rows.holds(lp[i], one) {
			t.Errorf("row %d: %v alone, %v in a batch", i, one, lp[i])
		}
	}
	checkGradient(t, "", p, z, g, grad)
}
