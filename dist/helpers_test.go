package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowppl/flowppl/tensor"
)

// sc and vec build constant parameters.
func sc(v float64) *tensor.Tensor     { return tensor.Scalar(v) }
func vec(v ...float64) *tensor.Tensor { return tensor.Vector(v) }

// rows builds an [n, d] value from rows.
func rows(r ...[]float64) *tensor.Tensor { return tensor.Matrix(r) }

// col builds an [n, 1] value from scalars.
func col(v ...float64) *tensor.Tensor { return tensor.New(append([]float64(nil), v...), len(v), 1) }

func newRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// must unwraps a constructor result.
func must[D any](d D, err error) D {
	if err != nil {
		panic(err)
	}
	return d
}

// near reports whether got is within tol of want, relative to max(1, |want|);
// equal infinities are close.
func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// logProbs returns the log densities of the rows of x under d.
func logProbs(d Distribution, x *tensor.Tensor) []float64 {
	return d.LogProb(x).Data()
}

// columnStats returns the mean, standard deviation, and standard errors of
// both (the latter from the sample's fourth central moment) of column j of
// an [n, d] sample.
func columnStats(x *tensor.Tensor, j int) (mean, sd, seMean, seSD float64) {
	n, d := x.Dim(0), x.Dim(1)
	data := x.Data()
	for i := 0; i < n; i++ {
		mean += data[i*d+j]
	}
	mean /= float64(n)
	var m2, m4 float64
	for i := 0; i < n; i++ {
		u := data[i*d+j] - mean
		m2 += u * u
		m4 += u * u * u * u
	}
	m2 /= float64(n)
	m4 /= float64(n)
	sd = math.Sqrt(m2)
	seMean = sd / math.Sqrt(float64(n))
	seSD = math.Sqrt(math.Max(m4-m2*m2, 0)/float64(n)) / (2 * sd)
	return
}

// checkNoNaN fails the test if any element of s is NaN.
func checkNoNaN(t *testing.T, what string, s []float64) {
	t.Helper()
	for i, v := range s {
		if math.IsNaN(v) {
			t.Errorf("%s: element %d is NaN (%v)", what, i, s)
			return
		}
	}
}

// args lists the parameters of a buildCase.
func args(ts ...*tensor.Tensor) []*tensor.Tensor { return ts }

// buildCase is a family built from args with validation, and the error
// that must give.
type buildCase struct {
	family string
	args   []*tensor.Tensor
	want   string
}

// checkBuildErrors checks that each case fails with its error.
func checkBuildErrors(t *testing.T, cases []buildCase) {
	t.Helper()
	for _, tt := range cases {
		f, err := LookupFamily(tt.family)
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.Build(tt.args, true)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s%v: error %v (distribution %v), want %q", tt.family, tt.args, err, d, tt.want)
		}
	}
}

// centralDiff is (f(x + h) − f(x − h)) / 2h for x element i of v, which it
// changes in place and restores.
func centralDiff(f func() float64, v *tensor.Tensor, i int, h float64) float64 {
	old := v.Data()[i]
	v.Data()[i] = old + h
	up := f()
	v.Data()[i] = old - h
	down := f()
	v.Data()[i] = old
	return (up - down) / (2 * h)
}

// numericLogDetJacobian is log|det J| and the sign of det J, for J the
// Jacobian of f (len(x) values to as many) at x by central differences
// of step h.
func numericLogDetJacobian(f func([]float64) []float64, x []float64, h float64) (float64, float64) {
	k := len(x)
	jac := mat.NewDense(k, k, nil)
	for c := range k {
		up, dn := append([]float64(nil), x...), append([]float64(nil), x...)
		up[c] += h
		dn[c] -= h
		fu, fd := f(up), f(dn)
		for r := range k {
			jac.Set(r, c, (fu[r]-fd[r])/(2*h))
		}
	}
	return mat.LogDet(jac)
}
