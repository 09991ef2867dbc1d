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
	ps, err := prepare(fam, validate, param{"loc", loc, anyReal})
	if err != nil {
		return nil, err
	}
	loc = ps[0]
	if k := loc.Rank(); k > 0 && loc.Dim(-1) != d && loc.Dim(-1) != 1 {
		return nil, fmt.Errorf("%s: loc has length %d but cov is %d×%d", fam, loc.Dim(-1), d, d)
	}
	if loc.Rank() < 2 {
		loc = broadcast(loc, []int{d})
	} else {
		loc = broadcast(loc, []int{loc.Dim(0), d})
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
	return fmtDist("MultivariateNormal", []string{"loc", "cov"}, d.Loc, d.Cov)
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
