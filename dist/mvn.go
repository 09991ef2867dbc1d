package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// MultivariateNormal is the d-dimensional normal distribution with mean
// vector loc and covariance matrix cov, with density
//
//	exp(-½ (x-loc)ᵀ cov⁻¹ (x-loc)) / √((2π)^d det cov),  x in R^d.
//
// Cov is a constant d×d symmetric positive-definite matrix: LogProb and
// RSample work through its lower Cholesky factor L (cov = L·Lᵀ) and are
// differentiable in the value and in Loc, not in Cov. Loc is a number, a
// vector [d] or, inside models, a batch [B, d].
type MultivariateNormal struct {
	Loc, Cov *tensor.Tensor
	// L is the lower Cholesky factor of Cov. NewMultivariateNormal sets it;
	// when it is nil the methods factor Cov on every call, and a Cov that
	// is not positive definite gives every value log density -Inf.
	L *tensor.Tensor
}

// NewMultivariateNormal returns a validated MultivariateNormal: cov must be
// a symmetric positive-definite d×d matrix and loc a number or a vector of
// length d. It precomputes the Cholesky factor of cov.
func NewMultivariateNormal(loc, cov *tensor.Tensor) (*MultivariateNormal, error) {
	return makeMultivariateNormal(true, loc, cov)
}

func makeMultivariateNormal(validate bool, loc, cov *tensor.Tensor) (*MultivariateNormal, error) {
	const fam = "MultivariateNormal"
	if cov == nil {
		return nil, fmt.Errorf("%s: cov is missing", fam)
	}
	if cov.Rank() != 2 || cov.Dim(0) != cov.Dim(1) || cov.Len() == 0 {
		return nil, fmt.Errorf("%s: cov must be a square matrix, got %s", fam, describe(cov))
	}
	d := cov.Dim(0)
	loc, err := mvnLoc(fam, validate, loc, "cov", d)
	if err != nil {
		return nil, err
	}
	if validate {
		if err := checkValues(fam, param{"cov", cov, anyReal}); err != nil {
			return nil, err
		}
		c := cov.Data()
		for i := 0; i < d; i++ {
			for j := 0; j < i; j++ {
				x, y := c[i*d+j], c[j*d+i]
				if math.Abs(x-y) > 1e-10*(math.Abs(x)+math.Abs(y)) {
					return nil, fmt.Errorf("%s: cov is not symmetric (cov[%d, %d] = %s but cov[%d, %d] = %s)", fam, i, j, tensor.FormatNumber(x), j, i, tensor.FormatNumber(y))
				}
			}
		}
	}
	l, err := tensor.Cholesky(cov.Detach())
	if err != nil {
		if validate {
			return nil, fmt.Errorf("%s: cov is not positive definite", fam)
		}
		l = nil
	}
	return &MultivariateNormal{Loc: loc, Cov: cov, L: l}, nil
}

// chol returns the Cholesky factor of Cov, or false if Cov is not
// symmetric positive definite.
func (d MultivariateNormal) chol() (*tensor.Tensor, bool) {
	if d.L != nil {
		return d.L, true
	}
	l, err := tensor.Cholesky(d.Cov.Detach())
	return l, err == nil
}

// Dim returns d.
func (d MultivariateNormal) Dim() int { return d.Cov.Dim(0) }

// LogProb returns the log density of each row of x ([n, d]).
func (d MultivariateNormal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	m, x := newMasked("MultivariateNormal", func([]float64) bool { return false }, x, d.Loc, tensor.Zeros(d.Dim()))
	l, ok := d.chol()
	if !ok {
		l = eye(d.Dim())
		for i := range m.rows {
			m.rows[i] = true
		}
	}
	diff := m.full(tensor.Sub(m.safe(x, 0), m.safe(d.Loc, 0)))
	if diff.Rank() > 2 {
		panic(fmt.Sprintf("dist.MultivariateNormal: LogProb of a value of shape %v", x.Shape()))
	}
	z := tensor.TriSolve(l, diff)
	c := -float64(d.Dim()) * logSqrt2Pi
	n := l.Dim(0)
	for i := 0; i < n; i++ {
		c -= math.Log(l.Data()[i*n+i])
	}
	return m.finish(tensor.Scale(tensor.Square(z), -0.5), tensor.Scalar(c))
}

// eye returns the n×n identity matrix.
func eye(n int) *tensor.Tensor {
	t := tensor.Zeros(n, n)
	for i := 0; i < n; i++ {
		t.Data()[i*n+i] = 1
	}
	return t
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d MultivariateNormal) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return MultivariateNormal{Loc: d.Loc.Detach(), Cov: d.Cov, L: d.L}.RSample(rng, n)
}

// RSample returns n draws loc + L·z with z standard normal noise, tracked
// when Loc is. If Cov is not positive definite the draws are NaN.
func (d MultivariateNormal) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	k := d.Dim()
	z := draws("MultivariateNormal", n, func([]float64) float64 { return rng.NormFloat64() }, d.Loc, tensor.Zeros(k))
	l, ok := d.chol()
	if !ok {
		return tensor.Full(math.NaN(), n, k)
	}
	return tensor.Add(d.Loc, tensor.MatMul(z, tensor.Transpose(l)))
}

// Support returns R^d.
func (d MultivariateNormal) Support() Support { return Support{Kind: Real} }

// String returns e.g. "MultivariateNormal(loc=[0, 0], cov=[[1, 0], [0, 1]])".
func (d MultivariateNormal) String() string {
	return familyString("MultivariateNormal", d.Loc, d.Cov)
}

// Mean returns loc.
func (d MultivariateNormal) Mean() ([]float64, bool) {
	return perParam("MultivariateNormal", func(v []float64) (float64, bool) { return v[0], true }, d.Loc, tensor.Zeros(d.Dim()))
}

// StdDev returns the square roots of the diagonal of cov.
func (d MultivariateNormal) StdDev() ([]float64, bool) {
	k := d.Dim()
	out := make([]float64, k)
	for i := range out {
		out[i] = math.Sqrt(d.Cov.Data()[i*k+i])
	}
	return out, true
}

// Entropy returns d/2 (1 + log 2π) + ½ log det cov.
func (d MultivariateNormal) Entropy() (float64, bool) {
	l, ok := d.chol()
	if !ok || d.Loc.Rank() == 2 {
		return 0, false
	}
	k := d.Dim()
	h := float64(k) * (0.5 + logSqrt2Pi)
	for i := 0; i < k; i++ {
		h += math.Log(l.Data()[i*k+i])
	}
	return h, true
}

// MultivariateNormalCholesky is the d-dimensional normal distribution with
// mean loc and covariance L·Lᵀ, given by its lower-triangular factor L
// with positive diagonal (Stan's multi_normal_cholesky):
//
//	exp(-½ |L⁻¹(x-loc)|²) / ((2π)^(d/2) Π L_ii),  x in R^d.
//
// L is a d×d matrix or, inside models, a [B, d, d] batch (one factor per
// draw, e.g. diag(tau) @ Lcorr); Loc is a number, a vector [d] or a [B, d]
// (or [B, 1]) batch. LogProb and RSample are differentiable in the value,
// Loc and L. A factor with a non-positive (or NaN) diagonal entry or a
// non-zero entry above the diagonal gives log density -Inf.
type MultivariateNormalCholesky struct {
	Loc, L *tensor.Tensor
}

// mvnLoc checks the loc of a multivariate normal whose matrix (named
// matrix) is d×d: a number, a vector of d, or inside models a batch [B, d]
// (or [B, 1]); it returns loc broadcast to [d] or [B, d].
func mvnLoc(fam string, validate bool, loc *tensor.Tensor, matrix string, d int) (*tensor.Tensor, error) {
	ps, err := prepare(fam, validate, param{"loc", loc, anyReal})
	if err != nil {
		return nil, err
	}
	loc = ps[0]
	if loc.Rank() > 0 && loc.Dim(-1) != d && loc.Dim(-1) != 1 {
		return nil, fmt.Errorf("%s: loc has length %d but %s is %d×%d", fam, loc.Dim(-1), matrix, d, d)
	}
	if loc.Rank() < 2 {
		return broadcast(loc, []int{d}), nil
	}
	return broadcast(loc, []int{loc.Dim(0), d}), nil
}

// NewMultivariateNormalCholesky returns a validated
// MultivariateNormalCholesky: L a d×d lower-triangular matrix with positive
// diagonal, loc a number or a vector of length d.
func NewMultivariateNormalCholesky(loc, l *tensor.Tensor) (*MultivariateNormalCholesky, error) {
	return makeMultivariateNormalCholesky(true, loc, l)
}

func makeMultivariateNormalCholesky(validate bool, loc, l *tensor.Tensor) (*MultivariateNormalCholesky, error) {
	const fam = "MultivariateNormalCholesky"
	if l == nil || loc == nil {
		return nil, fmt.Errorf("%s: loc and L are required", fam)
	}
	square := (l.Rank() == 2 || (l.Rank() == 3 && !validate)) && l.Dim(-1) == l.Dim(-2) && l.Len() > 0
	if !square {
		return nil, fmt.Errorf("%s: L must be a square matrix, got %s", fam, describe(l))
	}
	d := l.Dim(-1)
	loc, err := mvnLoc(fam, validate, loc, "L", d)
	if err != nil {
		return nil, err
	}
	if l.Rank() == 3 && loc.Rank() == 2 && loc.Dim(0) != l.Dim(0) && loc.Dim(0) != 1 && l.Dim(0) != 1 {
		return nil, fmt.Errorf("%s: loc has %d draws but L has %d", fam, loc.Dim(0), l.Dim(0))
	}
	if validate {
		if err := checkValues(fam, param{"L", l, anyReal}); err != nil {
			return nil, err
		}
		ld := l.Data()
		for i := range d {
			for j := i + 1; j < d; j++ {
				if ld[i*d+j] != 0 {
					return nil, fmt.Errorf("%s: L must be lower triangular, got L[%d, %d] = %s", fam, i, j, tensor.FormatNumber(ld[i*d+j]))
				}
			}
			if !(ld[i*d+i] > 0) {
				return nil, fmt.Errorf("%s: L must have a positive diagonal, got L[%d, %d] = %s", fam, i, i, tensor.FormatNumber(ld[i*d+i]))
			}
		}
	}
	return &MultivariateNormalCholesky{Loc: loc, L: l}, nil
}

// Dim returns d.
func (d MultivariateNormalCholesky) Dim() int { return d.L.Dim(-1) }

// factors returns L as [nl, d·d] (nl = 1 for one matrix) and, per factor,
// whether it is invalid (upper entry non-zero or diagonal not positive).
func (d MultivariateNormalCholesky) factors() (*tensor.Tensor, []bool) {
	k := d.Dim()
	nl := d.L.Len() / (k * k)
	flat := tensor.Reshape(d.L, nl, k*k)
	bad := make([]bool, nl)
	ld := flat.Data()
	for r := range nl {
		for i := range k {
			for j := range k {
				v := ld[r*k*k+i*k+j]
				if math.IsNaN(v) || (j > i && v != 0) || (j == i && !(v > 0)) || math.IsInf(v, 0) {
					bad[r] = true
				}
			}
		}
	}
	return flat, bad
}

// locRows is the number of locations: 1, or B for a [B, d] batch.
func (d MultivariateNormalCholesky) locRows() int {
	if d.Loc.Rank() == 2 {
		return d.Loc.Dim(0)
	}
	return 1
}

// badRows returns which of rows draws have a bad factor, for bad the flags
// of one factor or of one per draw, and whether any has.
func badRows(bad []bool, rows int) ([]bool, bool) {
	out := make([]bool, rows)
	anyBad := false
	for r := range rows {
		out[r] = bad[r%len(bad)]
		anyBad = anyBad || out[r]
	}
	return out, anyBad
}

// repeatEach returns flags with each element repeated w times: a mask
// over rows of width w from one flag per row.
func repeatEach(flags []bool, w int) []bool {
	out := make([]bool, len(flags)*w)
	for r, f := range flags {
		for j := range w {
			out[r*w+j] = f
		}
	}
	return out
}

// LogProb returns the log density of each row of x ([n, d]); with a batch
// of B factors or locations, n is 1 or B.
func (d MultivariateNormalCholesky) LogProb(x *tensor.Tensor) *tensor.Tensor {
	k := d.Dim()
	if x.Rank() != 2 || x.Dim(1) != k {
		panic(fmt.Sprintf("dist.MultivariateNormalCholesky: LogProb of shape %v for d = %d", x.Shape(), k))
	}
	flat, bad := d.factors()
	nl := flat.Dim(0)
	nloc := d.locRows()
	rows := max(x.Dim(0), nl, nloc)
	for _, m := range []int{x.Dim(0), nl, nloc} {
		if m != 1 && m != rows {
			panic(fmt.Sprintf("dist.MultivariateNormalCholesky: batches of %d values, %d factors and %d locations", x.Dim(0), nl, nloc))
		}
	}
	// Invalid factors become the identity (so that nothing is NaN) and
	// their rows -Inf; so do rows with a NaN value or location.
	badRow, anyBad := badRows(bad, rows)
	if anyBad {
		flat = tensor.Where(repeatEach(bad, k*k), tensor.BroadcastTo(tensor.Reshape(eye(k), 1, k*k), nl, k*k), flat)
	}
	diff := tensor.BroadcastTo(tensor.Sub(x, d.Loc), rows, k)
	diag := make([]int, k)
	for i := range diag {
		diag[i] = i*k + i
	}
	logDet := tensor.SumAxis(tensor.Log(tensor.Take(flat, 1, diag)), 1) // [nl]
	var sq *tensor.Tensor
	if nl == 1 {
		z := tensor.TriSolve(tensor.Reshape(flat, k, k), diff)
		sq = tensor.SumAxis(tensor.Square(z), 1)
	} else {
		// Forward substitution, one column of draws at a time.
		at := func(i, j int) *tensor.Tensor { return tensor.Narrow(flat, 1, i*k+j, 1) }
		zs := make([]*tensor.Tensor, k)
		for i := range k {
			s := tensor.Narrow(diff, 1, i, 1)
			for j := range i {
				s = tensor.Sub(s, tensor.Mul(at(i, j), zs[j]))
			}
			zs[i] = tensor.Div(s, at(i, i))
			if sq == nil {
				sq = tensor.Square(zs[i])
			} else {
				sq = tensor.Add(sq, tensor.Square(zs[i]))
			}
		}
		sq = tensor.Reshape(sq, rows)
	}
	lp := tensor.Sub(tensor.AddScalar(tensor.Scale(sq, -0.5), -float64(k)*logSqrt2Pi), logDet)
	nanRow := false
	for r, v := range lp.Data() {
		if math.IsNaN(v) {
			badRow[r], nanRow = true, true
		}
	}
	if anyBad || nanRow {
		lp = tensor.Fill(lp, badRow, math.Inf(-1))
	}
	return lp
}

// Sample returns n draws as an untracked [n, d] tensor.
func (d MultivariateNormalCholesky) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	return MultivariateNormalCholesky{Loc: d.Loc.Detach(), L: d.L.Detach()}.RSample(rng, n)
}

// RSample returns n draws loc + L·z with z standard normal noise, tracked
// when Loc or L is. With a batch of B factors or locations n must be B.
// Draws of an invalid factor are NaN.
func (d MultivariateNormalCholesky) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	k := d.Dim()
	flat, bad := d.factors()
	nl := flat.Dim(0)
	nloc := d.locRows()
	for _, m := range []int{nl, nloc} {
		if m != 1 && m != n {
			panic(fmt.Sprintf("dist.MultivariateNormalCholesky: parameters have a batch of %d rows, so a sample needs %d draws, not %d", m, m, n))
		}
	}
	z := tensor.RandN(rng, n, k)
	var x *tensor.Tensor
	if nl == 1 {
		x = tensor.MatMul(z, tensor.Transpose(tensor.Reshape(flat, k, k)))
	} else {
		cols := make([]*tensor.Tensor, k)
		for i := range k {
			for j := 0; j <= i; j++ {
				t := tensor.Mul(tensor.Narrow(flat, 1, i*k+j, 1), tensor.Narrow(z, 1, j, 1))
				if cols[i] == nil {
					cols[i] = t
				} else {
					cols[i] = tensor.Add(cols[i], t)
				}
			}
		}
		x = tensor.Concat(1, cols...)
	}
	x = tensor.Add(x, d.Loc)
	if badRow, anyBad := badRows(bad, n); anyBad {
		x = tensor.Fill(x, repeatEach(badRow, k), math.NaN())
	}
	return x
}

// Support returns R^d.
func (d MultivariateNormalCholesky) Support() Support { return Support{Kind: Real} }

// String returns e.g. "MultivariateNormalCholesky(loc=[0, 0], L=[[1, 0], [0.5, 1]])".
func (d MultivariateNormalCholesky) String() string {
	return familyString("MultivariateNormalCholesky", d.Loc, d.L)
}

// Mean returns loc (one d-vector per draw of a batch).
func (d MultivariateNormalCholesky) Mean() ([]float64, bool) {
	k := d.Dim()
	nl := d.L.Len() / (k * k)
	loc := d.Loc
	if nl > 1 && loc.Rank() < 2 {
		loc = tensor.BroadcastTo(tensor.Reshape(loc, 1, k), nl, k)
	}
	return append([]float64(nil), loc.Detach().Data()...), true
}

// StdDev returns √(Σ_j L_ij²) for each component i (one d-vector per
// draw of a batch).
func (d MultivariateNormalCholesky) StdDev() ([]float64, bool) {
	k := d.Dim()
	nl := d.L.Len() / (k * k)
	reps := nl
	if d.Loc.Rank() == 2 {
		reps = max(reps, d.Loc.Dim(0))
	}
	flat, bad := d.factors()
	out := make([]float64, 0, reps*k)
	for r := range reps {
		row := flat.Data()[(r%nl)*k*k : (r%nl+1)*k*k]
		for i := range k {
			s := 0.0
			for j := 0; j <= i; j++ {
				s += row[i*k+j] * row[i*k+j]
			}
			if bad[r%nl] {
				s = math.NaN()
			}
			out = append(out, math.Sqrt(s))
		}
	}
	return out, true
}

// Entropy returns d/2 (1 + log 2π) + Σ log L_ii.
func (d MultivariateNormalCholesky) Entropy() (float64, bool) {
	k := d.Dim()
	if d.L.Rank() != 2 || d.Loc.Rank() == 2 {
		return 0, false
	}
	_, bad := d.factors()
	if bad[0] {
		return 0, false
	}
	h := float64(k) * (0.5 + logSqrt2Pi)
	for i := range k {
		h += math.Log(d.L.Data()[i*k+i])
	}
	return h, true
}
