package flows

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mat"
)

// gaussL is the Cholesky factor of a 3-D covariance with sds (1e-3, 10, 1)
// and correlation −0.998 between the first two components.
func gaussL() (mean []float64, L [][]float64, cov *mat.SymDense) {
	sd := []float64{1e-3, 10, 1}
	corr := [][]float64{{1, -0.998, 0.05}, {-0.998, 1, -0.05}, {0.05, -0.05, 1}}
	cov = mat.NewSymDense(3, nil)
	for i := range 3 {
		for j := range 3 {
			cov.SetSym(i, j, corr[i][j]*sd[i]*sd[j])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		panic("not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	L = make([][]float64, 3)
	for i := range 3 {
		L[i] = make([]float64, 3)
		for j := 0; j <= i; j++ {
			L[i][j] = l.At(i, j)
		}
	}
	return []float64{0.5, -20, 3}, L, cov
}

func TestInitFromGaussian(t *testing.T) {
	mean, L, cov := gaussL()
	f := mustApply(t, "AffineAutoregressive", stdNormal(3), map[string]OptionValue{"hidden": []float64{8}}, 1)
	want := f.String()
	k := len(f.Layers)
	if !f.InitFromGaussian(mean, L) {
		t.Fatal("InitFromGaussian failed")
	}
	if f.String() != want || len(f.Layers) != k+1 {
		t.Errorf("after InitFromGaussian: String %q, %d layers", f.String(), len(f.Layers))
	}
	// A fresh flow is then exactly N(mean, cov): compare log densities.
	var ch mat.Cholesky
	ch.Factorize(cov)
	y := f.Sample(newRNG(3), 5)
	lp := f.LogProb(y).Data()
	for i := range 5 {
		r := mat.NewVecDense(3, nil)
		for j := range 3 {
			r.SetVec(j, y.At(i, j)-mean[j])
		}
		var s mat.VecDense
		if err := ch.SolveVecTo(&s, r); err != nil {
			t.Fatal(err)
		}
		w := -0.5*mat.Dot(r, &s) - 0.5*ch.LogDet() - 1.5*math.Log(2*math.Pi)
		if math.Abs(lp[i]-w) > 1e-8*max(1, math.Abs(w)) {
			t.Errorf("log density %v, want the Gaussian's %v", lp[i], w)
		}
	}
	// Moments of draws: means within 4 standard errors, correlation close.
	n := 20000
	x := f.Sample(newRNG(4), n)
	m, s := tensor.ColumnMoments(x)
	for j := range 3 {
		sd := math.Sqrt(cov.At(j, j))
		if math.Abs(m[j]-mean[j]) > 4*sd/math.Sqrt(float64(n)) || math.Abs(s[j]/sd-1) > 4/math.Sqrt(2*float64(n)) {
			t.Errorf("column %d: mean %v sd %v, want %v and %v", j, m[j], s[j], mean[j], sd)
		}
	}
	// A second call replaces the layer; InitFromMoments replaces it too.
	if !f.InitFromGaussian([]float64{0, 0, 0}, [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}) || len(f.Layers) != k+1 {
		t.Errorf("second InitFromGaussian: %d layers, want %d", len(f.Layers), k+1)
	}
	f.InitFromMoments([]float64{1, 2, 3}, []float64{1, 1, 1})
	if !f.InitFromGaussian(mean, L) || len(f.Layers) != k+1 {
		t.Errorf("InitFromGaussian after InitFromMoments: %d layers, want %d", len(f.Layers), k+1)
	}
	// Initialize removes it.
	f.Initialize(newRNG(5))
	if len(f.Layers) != k {
		t.Errorf("Initialize kept the Gaussian layer: %d layers", len(f.Layers))
	}
	// A flow onto the positive reals declines; so does a bad factor.
	g := mustApply(t, "Exp", stdNormal(1), nil, 1)
	if g.InitFromGaussian([]float64{1}, [][]float64{{1}}) {
		t.Errorf("InitFromGaussian on a positive flow should decline")
	}
	h := mustApply(t, "Affine", stdNormal(2), nil, 1)
	if h.InitFromGaussian([]float64{0, 0}, [][]float64{{1, 0}, {0, -1}}) || len(h.Layers) != 1 {
		t.Errorf("InitFromGaussian accepted a negative diagonal")
	}
}

// TestInitFromGaussianStandardises: over a base that is not standard, the
// flow's output still starts at the Gaussian; a mean-field flow starts at
// the diagonal Gaussian with the precision's diagonal.
func TestInitFromGaussianStandardises(t *testing.T) {
	L := [][]float64{{0.5, 0}, {0.2, 0.1}} // Σ = [[0.25, 0.1], [0.1, 0.05]], Λ = [[20, −40], [−40, 100]]
	for _, tt := range []struct {
		name     string
		sd       []float64
		corr     float64
		diagonal bool
	}{
		{"AffineAutoregressive", []float64{0.5, math.Sqrt(0.05)}, 0.1 / (0.5 * math.Sqrt(0.05)), false},
		{"Affine", []float64{1 / math.Sqrt(20), 0.1}, 0, true},
	} {
		f := mustApply(t, tt.name, newNormal([]float64{3, -1}, []float64{2, 0.5}), map[string]OptionValue{}, 1)
		if !f.InitFromGaussian([]float64{1, 2}, L) {
			t.Fatal("InitFromGaussian failed")
		}
		if g := f.Layers[len(f.Layers)-1].(*GaussianAffine); g.Diagonal != tt.diagonal || len(g.Params()) != map[bool]int{true: 2, false: 3}[tt.diagonal] {
			t.Errorf("%s: Diagonal = %v with %d parameters", tt.name, g.Diagonal, len(g.Params()))
		}
		const n = 40000
		x := f.Sample(newRNG(2), n)
		m, s := tensor.ColumnMoments(x)
		for j, w := range []float64{1, 2} {
			if math.Abs(m[j]-w) > 4*tt.sd[j]/200 || math.Abs(s[j]/tt.sd[j]-1) > 4/math.Sqrt(2*n) {
				t.Errorf("%s column %d: mean %v sd %v, want %v and %v", tt.name, j, m[j], s[j], w, tt.sd[j])
			}
		}
		c := 0.0
		for i := range n {
			c += (x.At(i, 0) - m[0]) * (x.At(i, 1) - m[1])
		}
		if r := c / float64(n-1) / (s[0] * s[1]); math.Abs(r-tt.corr) > 0.02 {
			t.Errorf("%s: correlation %v, want %v", tt.name, r, tt.corr)
		}
	}
}

// TestGaussianAffineBijector: round trip, log-determinant against a
// numeric Jacobian, and parameter gradients of LogProb.
func TestGaussianAffineBijector(t *testing.T) {
	mean, L, _ := gaussL()
	g, err := NewGaussianAffine(mean, L)
	if err != nil {
		t.Fatal(err)
	}
	perturb(newRNG(1), g.Params(), 0.3)
	x := randn(newRNG(2), 10, 3)
	y, ldf := g.Forward(x)
	x2, ldi := g.Inverse(y)
	if e := maxAbsDiff(x.Data(), x2.Data()); e > 1e-8 {
		t.Errorf("|Inverse(Forward(x)) − x| = %g", e)
	}
	fwd := func(u *tensor.Tensor) *tensor.Tensor { y, _ := g.Forward(u); return y }
	want := math.Log(math.Abs(mat.Det(jacobianCentral(fwd, x.Data()[:3]))))
	if math.Abs(ldf.Data()[0]-want) > 1e-6*max(1, math.Abs(want)) || math.Abs(ldf.Data()[0]+ldi.Data()[0]) > 1e-9 {
		t.Errorf("log|det| = %v (inverse %v), numeric %v", ldf.Data()[0], ldi.Data()[0], want)
	}

	f := mustApply(t, "AffineAutoregressive", stdNormal(3), map[string]OptionValue{"hidden": []float64{6}}, 2)
	f.InitFromGaussian([]float64{0.1, 0.2, 0.3}, [][]float64{{1, 0, 0}, {0.5, 2, 0}, {-0.3, 0.1, 0.7}})
	perturb(newRNG(6), f.Params(), 0.2)
	for _, dir := range []Direction{BaseSide, DataSide} {
		f.SetDirection(dir)
		pts := randn(newRNG(8), 20, 3)
		loss := func() float64 { return meanOf(f.LogProb(pts).Data()) }
		ps := meanLogProbGrads(f, pts)
		for pi, p := range ps[len(ps)-3:] {
			for i := range p.Data() {
				checkCentralDiff(t, fmt.Sprintf("%s: Gaussian param %d[%d]", dir, pi, i), p, i, loss)
			}
		}
	}
}
