package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// cholZ are unconstrained points of Cholesky factors: K = 2, 3, 4 (k = 1,
// 3, 6 coordinates), including large values where tanh saturates.
var cholZ = [][][]float64{
	{{0.3}, {-2.5}, {8}},
	{{0.3, -1.2, 0.8}, {2, -0.1, -3}},
	{{0.3, -1.2, 0.8, 0.1, 1.5, -0.7}, {-2, 0.4, 6, -1, 0, 0.2}},
}

// lowerIdx lists the flat indices of the strictly lower entries of a K×K
// matrix, row by row (the order of the unconstrained coordinates).
func lowerIdx(k int) []int {
	var idx []int
	for i := range k {
		for j := range i {
			idx = append(idx, i*k+j)
		}
	}
	return idx
}

func TestCholeskyCorrTransform(t *testing.T) {
	tr := CholeskyCorrTransform()
	for _, zs := range cholZ {
		z := tensor.Matrix(zs)
		k := z.Dim(1)
		x, lj := tr.Constrain(z)
		K := corrSide(x.Dim(1))
		if K < 0 || tr.UnconstrainedDim(x.Dim(1)) != k || lj.Len() != z.Dim(0) {
			t.Fatalf("shapes: x %v, log|J| %v for z %v", x.Shape(), lj.Shape(), z.Shape())
		}
		// In the support: lower triangular, positive diagonal, unit rows.
		if i := (Support{Kind: CholeskyCorr}).FirstOutside(x); i >= 0 {
			t.Errorf("K=%d: Constrain gives %v, outside the support at %d", K, x.Data(), i)
		}
		// Round trips (1e-9: atanh near ±1 loses digits for z = 8).
		back := tr.Unconstrain(x)
		for i, v := range back.Data() {
			if !near(v, z.Data()[i], 1e-9) {
				t.Errorf("K=%d: Unconstrain(Constrain(z))[%d] = %v, want %v", K, i, v, z.Data()[i])
			}
		}
		again, _ := tr.Constrain(back)
		for i, v := range again.Data() {
			if !near(v, x.Data()[i], 1e-12) {
				t.Errorf("K=%d: Constrain(Unconstrain(x))[%d] = %v, want %v", K, i, v, x.Data()[i])
			}
		}
		// log|J| against the log-determinant of a central-difference
		// Jacobian of the strictly lower entries (1e-6 relative: the
		// difference step is 1e-6, the error O(h²) plus rounding/h).
		idx := lowerIdx(K)
		for r, row := range zs {
			if math.Abs(row[0]) > 5 {
				continue // tanh saturated: the numeric Jacobian is all rounding
			}
			want, sign := numericLogDetJacobian(func(v []float64) []float64 {
				x, _ := tr.Constrain(tensor.Matrix([][]float64{v}))
				lower := make([]float64, len(idx))
				for q, e := range idx {
					lower[q] = x.Data()[e]
				}
				return lower
			}, row, 1e-6)
			if sign == 0 || !near(lj.Data()[r], want, 1e-6) {
				t.Errorf("K=%d row %d: log|J| = %v, numeric %v", K, r, lj.Data()[r], want)
			}
		}
	}
	// K = 1: no coordinates, L = [[1]].
	x, lj := tr.Constrain(tensor.Zeros(2, 0))
	if !tensor.SameShape(x.Shape(), []int{2, 1}) || x.Data()[0] != 1 || lj.Data()[0] != 0 {
		t.Errorf("K=1: x = %v, log|J| = %v", x, lj)
	}
}

// TestCholeskyCorrGradient checks the tape gradient of Σ w·L + log|J| +
// LKJ log density (at a tracked eta) against central differences in z and
// eta.
func TestCholeskyCorrGradient(t *testing.T) {
	for _, zs := range cholZ[1:] {
		z := tensor.Matrix(zs)
		eta := tensor.New([]float64{1.7, 0.6}, 2, 1)
		f := func(track bool) float64 {
			var tp *tensor.Tape
			if track {
				tp = tensor.NewTape()
				tp.Watch(z, eta)
			}
			x, lj := CholeskyCorrTransform().Constrain(z)
			w := tensor.Zeros(x.Shape()...)
			for i := range w.Data() {
				w.Data()[i] = 0.3 + 0.1*float64(i%7)
			}
			d := must(makeLKJCholesky(false, sc(float64(corrSide(x.Dim(1)))), eta))
			l := tensor.Add(tensor.Sum(tensor.Mul(x, w)), tensor.Sum(tensor.Add(lj, d.LogProb(x))))
			if track {
				tp.Backward(l)
			}
			return l.Item()
		}
		f(true)
		gz, ge := append([]float64(nil), z.Grad()...), append([]float64(nil), eta.Grad()...)
		for _, p := range []struct {
			name string
			v    *tensor.Tensor
			g    []float64
		}{{"z", z, gz}, {"eta", eta, ge}} {
			for i := range p.v.Data() {
				num := centralDiff(func() float64 { return f(false) }, p.v, i, 1e-6)
				// 1e-5: central differences with h = 1e-6 on values of size ~10.
				if !near(p.g[i], num, 1e-5) {
					t.Errorf("K=%d: d/d%s[%d] = %v, numeric %v", corrSide(len(zs[0])*2), p.name, i, p.g[i], num)
				}
			}
		}
	}
}

// TestLKJCholeskyK2 compares the density for K = 2 with the closed form of
// the correlation r = L_10: (1 − r²)^(eta−1) / (2^(2eta−1) B(eta, eta)).
func TestLKJCholeskyK2(t *testing.T) {
	for _, eta := range []float64{0.5, 1, 2, 7.5} {
		d := must(NewLKJCholesky(sc(2), sc(eta)))
		for _, r := range []float64{0, 0.3, -0.95, 0.999} {
			x := rows([]float64{1, 0, r, math.Sqrt(1 - r*r)})
			want := (eta-1)*math.Log1p(-r*r) - (2*eta-1)*math.Ln2 - mathext.Lbeta(eta, eta)
			if got := d.LogProb(x).Data()[0]; !near(got, want, 1e-12) {
				t.Errorf("eta=%v r=%v: LogProb = %v, want %v", eta, r, got, want)
			}
		}
	}
}

// TestLKJCholeskyNormalised integrates the K = 2 density over the
// unconstrained line, exp(LogProb(L(z)) + log|J|(z)), by the trapezoid rule
// on [-40, 40] (the integrand decays like e^(−2eta|z|), so the tails are
// below 1e-15; the rule is spectrally accurate for smooth decaying
// integrands, so 1e-9 is ample).
func TestLKJCholeskyNormalised(t *testing.T) {
	const n = 8001
	zs := make([]float64, n)
	for i := range zs {
		zs[i] = -40 + 80*float64(i)/float64(n-1)
	}
	z := tensor.New(zs, n, 1)
	x, lj := CholeskyCorrTransform().Constrain(z)
	for _, eta := range []float64{0.5, 1, 3} {
		lp := must(NewLKJCholesky(sc(2), sc(eta))).LogProb(x)
		s := 0.0
		for i := range zs {
			w := 1.0
			if i == 0 || i == n-1 {
				w = 0.5
			}
			s += w * math.Exp(lp.Data()[i]+lj.Data()[i])
		}
		s *= 80 / float64(n-1)
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("eta=%v: integral = %v, want 1", eta, s)
		}
	}
}

// TestLKJCholeskyPartialCorrelations checks the density for K = 3, 4, 5
// against its closed form in the unconstrained coordinates: the canonical
// partial correlations t_im = tanh(z) are independent with (t+1)/2 ~
// Beta(β, β), β = eta + (K−m−2)/2, so log p(L(z)) + log|J| = Σ [log
// Beta_pdf((t+1)/2) − log 2 + log(1 − t²)]. This checks the normalising
// constant for every K (each Beta is normalised).
func TestLKJCholeskyPartialCorrelations(t *testing.T) {
	for _, k := range []int{3, 4, 5} {
		nz := k * (k - 1) / 2
		z := tensor.Zeros(2, nz)
		for i := range z.Data() {
			z.Data()[i] = math.Sin(float64(3*i+k)) * 1.5
		}
		x, lj := CholeskyCorrTransform().Constrain(z)
		for _, eta := range []float64{0.8, 1, 2.5} {
			lp := must(NewLKJCholesky(sc(float64(k)), sc(eta))).LogProb(x)
			for r := range 2 {
				want, pos := 0.0, 0
				for i := 1; i < k; i++ {
					for m := range i {
						tv := math.Tanh(z.Data()[r*nz+pos])
						b := eta + float64(k-m-2)/2
						want += distuv.Beta{Alpha: b, Beta: b}.LogProb((tv+1)/2) - math.Ln2 + math.Log1p(-tv*tv)
						pos++
					}
				}
				if got := lp.Data()[r] + lj.Data()[r]; !near(got, want, 1e-10) {
					t.Errorf("K=%d eta=%v row %d: log p + log|J| = %v, want %v", k, eta, r, got, want)
				}
			}
		}
	}
}

// TestLKJCholeskySample checks draws: in the support; for K = 2 the
// correlation has mean 0 and variance 1/(2eta+1); for K = 3 every entry's
// mean and sd match Mean and StdDev (and for K = 3 the correlations
// Ω_ij = (L·Lᵀ)_ij have variance 1/(2eta+2), the marginal Beta(eta−1+K/2)
// on (−1, 1)). 4 standard errors; fixed seed.
func TestLKJCholeskySample(t *testing.T) {
	const n = 20000
	for _, eta := range []float64{0.7, 2} {
		x := must(NewLKJCholesky(sc(2), sc(eta))).Sample(newRNG(), n)
		if i := (Support{Kind: CholeskyCorr}).FirstOutside(x); i >= 0 {
			t.Fatalf("draw outside the support at %d", i)
		}
		m, sd, seM, seSD := columnStats(x, 2)
		if math.Abs(m) > 4*seM {
			t.Errorf("eta=%v: mean r = %v ± %v, want 0", eta, m, seM)
		}
		if want := math.Sqrt(1 / (2*eta + 1)); math.Abs(sd-want) > 4*seSD {
			t.Errorf("eta=%v: sd r = %v ± %v, want %v", eta, sd, seSD, want)
		}
	}
	for _, eta := range []float64{0.7, 3} {
		d := must(NewLKJCholesky(sc(3), sc(eta)))
		x := d.Sample(newRNG(), n)
		mean, _ := d.Mean()
		sds, _ := d.StdDev()
		for j := range 9 {
			m, sd, seM, seSD := columnStats(x, j)
			if sds[j] == 0 {
				if m != mean[j] || sd != 0 {
					t.Errorf("eta=%v entry %d: draws vary (mean %v sd %v), want the constant %v", eta, j, m, sd, mean[j])
				}
				continue
			}
			if math.Abs(m-mean[j]) > 4*seM || math.Abs(sd-sds[j]) > 4*seSD {
				t.Errorf("eta=%v entry %d: mean %v ± %v sd %v ± %v, want %v and %v", eta, j, m, seM, sd, seSD, mean[j], sds[j])
			}
		}
		// Ω_21 = L_20 L_10 + L_21 L_11.
		xd := x.Data()
		omega := tensor.Zeros(n, 1)
		for i := range n {
			L := xd[i*9 : i*9+9]
			omega.Data()[i] = L[6]*L[3] + L[7]*L[4]
		}
		_, sd, _, seSD := columnStats(omega, 0)
		if want := math.Sqrt(1 / (2*eta + 2)); math.Abs(sd-want) > 4*seSD {
			t.Errorf("eta=%v: sd Ω_21 = %v ± %v, want %v", eta, sd, seSD, want)
		}
	}
}

// TestLKJCholeskyInvalid: values outside the support and bad eta give
// −Inf; the constructor's errors name the problem.
func TestLKJCholeskyInvalid(t *testing.T) {
	d := must(NewLKJCholesky(sc(2), sc(2)))
	for _, x := range [][]float64{
		{1, 0.1, 0, 1},          // upper entry
		{1, 0, 0.6, -0.8},       // negative diagonal
		{1, 0, 0.6, 0.9},        // row norm ≠ 1
		{1, 0, math.NaN(), 0.8}, // NaN
	} {
		if lp := d.LogProb(rows(x)).Data()[0]; !math.IsInf(lp, -1) {
			t.Errorf("LogProb(%v) = %v, want -Inf", x, lp)
		}
	}
	bad, err := makeLKJCholesky(false, sc(2), tensor.New([]float64{2, -1}, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	lp := bad.LogProb(rows([]float64{1, 0, 0.6, 0.8})).Data()
	if math.IsInf(lp[0], 0) || !math.IsInf(lp[1], -1) {
		t.Errorf("batched eta [2, -1]: LogProb = %v, want finite then -Inf", lp)
	}
	for _, tt := range []struct {
		k, eta *tensor.Tensor
		want   string
	}{
		{sc(2.5), sc(1), "K must be an integer"},
		{sc(0), sc(1), "K must be an integer"},
		{vec(2, 3), sc(1), "K must be a constant number"},
		{sc(2), sc(0), "eta must be positive"},
		{sc(2), vec(1, 2), "eta must be a number"},
	} {
		if _, err := NewLKJCholesky(tt.k, tt.eta); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewLKJCholesky(%v, %v): error %v, want %q", tt.k, tt.eta, err, tt.want)
		}
	}
}

// TestLKJCholeskyEntropy compares Entropy with a Monte Carlo estimate
// −mean(log p) from 20000 draws (4 standard errors).
func TestLKJCholeskyEntropy(t *testing.T) {
	for _, eta := range []float64{0.8, 2} {
		d := must(NewLKJCholesky(sc(3), sc(eta)))
		h, ok := d.Entropy()
		lp := d.LogProb(d.Sample(newRNG(), 20000))
		m, _, se, _ := columnStats(tensor.Reshape(tensor.Neg(lp), lp.Len(), 1), 0)
		if !ok || math.Abs(h-m) > 4*se {
			t.Errorf("eta=%v: Entropy = %v, Monte Carlo %v ± %v", eta, h, m, se)
		}
	}
}

// mvnChol builds a MultivariateNormalCholesky from constants.
func mvnChol(loc []float64, l [][]float64) *MultivariateNormalCholesky {
	return must(NewMultivariateNormalCholesky(tensor.Vector(loc), tensor.Matrix(l)))
}

// TestMultivariateNormalCholesky compares LogProb with MultivariateNormal
// at cov = L·Lᵀ, and a batch of factors with each factor alone.
func TestMultivariateNormalCholesky(t *testing.T) {
	ls := [][][]float64{
		{{1.5, 0, 0}, {0.3, 0.8, 0}, {-0.4, 0.2, 2}},
		{{0.5, 0, 0}, {-0.9, 1.1, 0}, {0.1, 0.7, 0.3}},
	}
	loc := []float64{0.2, -1, 3}
	x := rows([]float64{0, 0, 0}, []float64{1, -2, 2.5})
	for _, l := range ls {
		L := tensor.Matrix(l)
		cov := tensor.MatMul(L, tensor.Transpose(L))
		ref := must(NewMultivariateNormal(tensor.Vector(loc), cov))
		got, want := mvnChol(loc, l).LogProb(x).Data(), ref.LogProb(x).Data()
		for i := range want {
			if !near(got[i], want[i], 1e-12) {
				t.Errorf("L=%v row %d: LogProb = %v, MultivariateNormal %v", l, i, got[i], want[i])
			}
		}
	}
	// A batch [2, 3, 3] of factors, with one value per draw.
	var flat []float64
	for _, l := range ls {
		for _, r := range l {
			flat = append(flat, r...)
		}
	}
	b := must(makeMultivariateNormalCholesky(false, tensor.Vector(loc), tensor.New(flat, 2, 3, 3)))
	got := b.LogProb(x).Data()
	for i, l := range ls {
		want := mvnChol(loc, l).LogProb(tensor.Narrow(x, 0, i, 1)).Data()[0]
		if !near(got[i], want, 1e-12) {
			t.Errorf("batched factor %d: LogProb = %v, want %v", i, got[i], want)
		}
	}
	// An invalid factor in the batch gives -Inf for its draw only.
	bad := append([]float64(nil), flat...)
	bad[9+4] = -1.1
	lp := must(makeMultivariateNormalCholesky(false, tensor.Vector(loc), tensor.New(bad, 2, 3, 3))).LogProb(x).Data()
	if !near(lp[0], got[0], 1e-12) || !math.IsInf(lp[1], -1) {
		t.Errorf("invalid second factor: LogProb = %v, want [%v, -Inf]", lp, got[0])
	}
	for _, tt := range []struct {
		l    *tensor.Tensor
		want string
	}{
		{tensor.Matrix([][]float64{{1, 0.5}, {0, 1}}), "L must be lower triangular, got L[0, 1] = 0.5"},
		{tensor.Matrix([][]float64{{1, 0}, {0.5, 0}}), "L must have a positive diagonal, got L[1, 1] = 0"},
		{tensor.Vector([]float64{1, 1}), "L must be a square matrix"},
	} {
		if _, err := NewMultivariateNormalCholesky(vec(0, 0), tt.l); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("L = %v: error %v, want %q", tt.l, err, tt.want)
		}
	}
}

// TestMultivariateNormalCholeskyGradient checks the gradient of Σ LogProb
// in the value, loc and L (one factor and a batch) against central
// differences.
func TestMultivariateNormalCholeskyGradient(t *testing.T) {
	for _, shape := range [][]int{{2, 2}, {2, 2, 2}} {
		lData := []float64{1.5, 0, 0.3, 0.8, 0.6, 0, -0.4, 1.2}
		if len(shape) == 2 {
			lData = lData[:4]
		}
		L := tensor.New(append([]float64(nil), lData...), shape...)
		loc := tensor.New([]float64{0.2, -1}, 2)
		x := rows([]float64{0.5, 0.1}, []float64{-1, 2})
		f := func(track bool) float64 {
			var tp *tensor.Tape
			if track {
				tp = tensor.NewTape()
				tp.Watch(L, loc, x)
			}
			d := must(makeMultivariateNormalCholesky(false, loc, L))
			l := tensor.Sum(d.LogProb(x))
			if track {
				tp.Backward(l)
			}
			return l.Item()
		}
		f(true)
		grads := [][]float64{append([]float64(nil), L.Grad()...), append([]float64(nil), loc.Grad()...), append([]float64(nil), x.Grad()...)}
		for k, v := range []*tensor.Tensor{L, loc, x} {
			for i := range v.Data() {
				if v.Data()[i] == 0 && v == L {
					continue // the upper triangle is not a coordinate
				}
				num := centralDiff(func() float64 { return f(false) }, v, i, 1e-6)
				// 1e-6: central differences, h = 1e-6, smooth log density.
				if !near(grads[k][i], num, 1e-6) {
					t.Errorf("L shape %v: gradient %d[%d] = %v, numeric %v", shape, k, i, grads[k][i], num)
				}
			}
		}
	}
}

// TestMultivariateNormalCholeskySample checks the sample mean and
// covariance against loc and L·Lᵀ (4 standard errors), for one factor and
// for a batch (one draw per factor, all factors equal).
func TestMultivariateNormalCholeskySample(t *testing.T) {
	const n = 20000
	l := [][]float64{{1.5, 0}, {-0.6, 0.8}}
	loc := []float64{1, -2}
	d := mvnChol(loc, l)
	var flat []float64
	for range n {
		flat = append(flat, 1.5, 0, -0.6, 0.8)
	}
	batch := must(makeMultivariateNormalCholesky(false, tensor.Vector(loc), tensor.New(flat, n, 2, 2)))
	for name, x := range map[string]*tensor.Tensor{"one": d.Sample(newRNG(), n), "batch": batch.Sample(newRNG(), n)} {
		cov := [2][2]float64{{2.25, -0.9}, {-0.9, 0.36 + 0.64}}
		for j := range 2 {
			m, sd, seM, seSD := columnStats(x, j)
			if math.Abs(m-loc[j]) > 4*seM || math.Abs(sd-math.Sqrt(cov[j][j])) > 4*seSD {
				t.Errorf("%s: column %d mean %v ± %v, sd %v ± %v; want %v, %v", name, j, m, seM, sd, seSD, loc[j], math.Sqrt(cov[j][j]))
			}
		}
		// Correlation: se ≈ (1 − ρ²)/√n.
		xd := x.Data()
		c := 0.0
		for i := range n {
			c += (xd[2*i] - loc[0]) * (xd[2*i+1] - loc[1])
		}
		rho := c / float64(n) / math.Sqrt(cov[0][0]*cov[1][1])
		want := cov[0][1] / math.Sqrt(cov[0][0]*cov[1][1])
		if math.Abs(rho-want) > 4*(1-want*want)/math.Sqrt(n) {
			t.Errorf("%s: correlation %v, want %v", name, rho, want)
		}
	}
}

// TestOrderedTransformForErrors: supports without an ordered transform.
func TestOrderedTransformForErrors(t *testing.T) {
	checkTransformForErrors(t, "OrderedTransformFor", OrderedTransformFor, []supportCase{
		{Support{Kind: Simplex}, "no ordered transform for simplex"},
		{Support{Kind: CholeskyCorr}, "no ordered transform"},
		{Support{Kind: NonNegIntegers}, "integers"},
		{Support{Kind: Interval, Low: []float64{0, 1}, High: []float64{2}}, "the same interval for every component"},
		{Support{Kind: Interval, Low: []float64{2}, High: []float64{1}}, "empty"},
	})
}

// TestMultivariateNormalCholeskyRSampleGradient checks the gradient of
// Σ w·RSample in L and loc (one factor, and a batch of one factor per
// draw) against central differences with the same noise (the draws are
// linear in L and loc, so 1e-8 is ample).
func TestMultivariateNormalCholeskyRSampleGradient(t *testing.T) {
	for _, shape := range [][]int{{2, 2}, {3, 2, 2}} {
		data := []float64{1.5, 0, 0.3, 0.8}
		if len(shape) == 3 {
			data = []float64{1.5, 0, 0.3, 0.8, 0.6, 0, -0.4, 1.2, 2, 0, 0.1, 0.3}
		}
		L := tensor.New(data, shape...)
		loc := vec(0.2, -1)
		f := func(track bool) float64 {
			var tp *tensor.Tape
			if track {
				tp = tensor.NewTape()
				tp.Watch(L, loc)
			}
			d := must(makeMultivariateNormalCholesky(false, loc, L))
			x := d.RSample(newRNG(), 3)
			w := tensor.Zeros(x.Shape()...)
			for i := range w.Data() {
				w.Data()[i] = 0.3 + 0.1*float64(i)
			}
			l := tensor.Sum(tensor.Mul(x, w))
			if track {
				tp.Backward(l)
			}
			return l.Item()
		}
		f(true)
		grads := [][]float64{append([]float64(nil), L.Grad()...), append([]float64(nil), loc.Grad()...)}
		for k, v := range []*tensor.Tensor{L, loc} {
			for i := range v.Data() {
				if v.Data()[i] == 0 && k == 0 {
					continue // above the diagonal
				}
				if num := centralDiff(func() float64 { return f(false) }, v, i, 1e-6); !near(grads[k][i], num, 1e-8) {
					t.Errorf("L shape %v: gradient %d[%d] = %v, numeric %v", shape, k, i, grads[k][i], num)
				}
			}
		}
	}
}
