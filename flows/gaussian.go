package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// GaussianAffine is the full-rank affine layer that InitFromGaussian puts at
// the data end of a flow:
//
//	y = Loc + Chol·(b + M·x),  M = strictly-lower(Lower) + diag(exp(LogDiag)),
//
// with Loc and Chol (lower triangular, positive diagonal) fixed at the
// Gaussian approximation it was set from, and b (Shift), the strict lower
// triangle of Lower and LogDiag learnable, starting at 0 (M = I). The map is
// y = c + W·x with W = Chol·M lower triangular, so log|det| = Σ log Chol_jj
// + Σ LogDiag.
//
// The learnable part acts in the whitened units of the approximation: an
// optimiser step of size lr moves the layer by about lr posterior standard
// deviations along every axis, whether the posterior's scale is 1e-3 or
// 1e3, and correlations are carried by the fixed Chol.
//
// With Diagonal set, M is diag(exp(LogDiag)) and Lower is not used (nor
// returned by Params): the layer keeps a mean-field guide mean-field.
type GaussianAffine struct {
	Shift, Lower, LogDiag *tensor.Tensor // [d], [d, d], [d] parameters
	Loc, Chol             []float64      // fixed: [d] and [d·d] row-major lower triangular
	Diagonal              bool

	loc, cholT, strict, eye *tensor.Tensor
	logDetChol              float64
	owner                   *Flow // the flow it was added to
}

// NewGaussianAffine returns the layer y = mean + L·x (with the learnable
// part at identity) for a lower-triangular L with positive diagonal.
func NewGaussianAffine(mean []float64, L [][]float64) (*GaussianAffine, error) {
	d := len(mean)
	if d == 0 || len(L) != d {
		return nil, fmt.Errorf("GaussianAffine: mean of length %d and a factor with %d rows", d, len(L))
	}
	chol := make([]float64, d*d)
	for i, row := range L {
		if len(row) != d {
			return nil, fmt.Errorf("GaussianAffine: factor row %d has length %d, want %d", i, len(row), d)
		}
		for j := 0; j <= i; j++ {
			if !finite(row[j]) {
				return nil, fmt.Errorf("GaussianAffine: factor element [%d, %d] is %v", i, j, row[j])
			}
			chol[i*d+j] = row[j]
		}
		if !(row[i] > 0) {
			return nil, fmt.Errorf("GaussianAffine: factor diagonal [%d] is %v, want positive", i, row[i])
		}
		if !finite(mean[i]) {
			return nil, fmt.Errorf("GaussianAffine: mean[%d] is %v", i, mean[i])
		}
	}
	g := &GaussianAffine{
		Shift: tensor.Param(make([]float64, d), d), Lower: tensor.Param(make([]float64, d*d), d, d),
		LogDiag: tensor.Param(make([]float64, d), d),
		Loc:     append([]float64(nil), mean...), Chol: chol,
	}
	g.setup()
	return g, nil
}

func (g *GaussianAffine) setup() {
	d := len(g.Loc)
	g.loc = tensor.Vector(g.Loc)
	g.cholT = tensor.Zeros(d, d)
	g.strict = tensor.Zeros(d, d)
	g.eye = tensor.Zeros(d, d)
	g.logDetChol = 0
	for i := range d {
		for j := 0; j <= i; j++ {
			g.cholT.Data()[j*d+i] = g.Chol[i*d+j]
			if j < i {
				g.strict.Data()[i*d+j] = 1
			}
		}
		g.eye.Data()[i*d+i] = 1
		g.logDetChol += math.Log(g.Chol[i*d+i])
	}
}

// Name returns "GaussianAffine".
func (g *GaussianAffine) Name() string { return "GaussianAffine" }

// Dim returns d.
func (g *GaussianAffine) Dim() int { return len(g.Loc) }

// Params returns Shift, Lower and LogDiag (Shift and LogDiag when
// Diagonal).
func (g *GaussianAffine) Params() []*tensor.Tensor {
	if g.Diagonal {
		return []*tensor.Tensor{g.Shift, g.LogDiag}
	}
	return []*tensor.Tensor{g.Shift, g.Lower, g.LogDiag}
}

// Initialize resets the learnable part and the fixed approximation to the
// identity (rng is unused), and removes the layer from the flow it was
// added to when it is that flow's last layer, as Flow.Initialize removes
// InitFromMoments' standardiser.
func (g *GaussianAffine) Initialize(*rand.Rand) {
	clear(g.Shift.Data())
	clear(g.Lower.Data())
	clear(g.LogDiag.Data())
	d := len(g.Loc)
	clear(g.Loc)
	clear(g.Chol)
	for i := range d {
		g.Chol[i*d+i] = 1
	}
	g.setup()
	if f := g.owner; f != nil {
		if n := len(f.Layers); n > 0 && f.Layers[n-1] == Bijector(g) {
			f.Layers = f.Layers[: n-1 : n-1]
		}
		g.owner = nil
	}
}

// parts returns Wᵀ = (Chol·M)ᵀ, the shift c = Loc + Chol·b, and log|det W|.
func (g *GaussianAffine) parts() (wT, c, logDet *tensor.Tensor) {
	d := len(g.Loc)
	m := tensor.Mul(g.eye, tensor.Reshape(tensor.Exp(g.LogDiag), 1, d))
	if !g.Diagonal {
		m = tensor.Add(tensor.Mul(g.Lower, g.strict), m)
	}
	wT = tensor.MatMul(tensor.Transpose(m), g.cholT)
	c = tensor.Add(g.loc, tensor.Reshape(tensor.MatMul(tensor.Reshape(g.Shift, 1, d), g.cholT), d))
	logDet = tensor.AddScalar(tensor.Sum(g.LogDiag), g.logDetChol)
	return wT, c, logDet
}

// Forward returns c + W·x for each row x and log|det W|.
func (g *GaussianAffine) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	wT, c, ld := g.parts()
	return tensor.Add(tensor.MatMul(x, wT), c), tensor.BroadcastTo(ld, x.Dim(0))
}

// Inverse returns W⁻¹(y − c) for each row y and −log|det W|.
func (g *GaussianAffine) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	wT, c, ld := g.parts()
	return tensor.TriSolve(tensor.Transpose(wT), tensor.Sub(y, c)), tensor.BroadcastTo(tensor.Neg(ld), y.Dim(0))
}

// InitFromGaussian starts the flow at the Gaussian N(mean, L·Lᵀ) (L lower
// triangular with a positive diagonal: a Cholesky factor), for a posterior
// fit that begins at a Laplace or Pathfinder approximation. It appends a
// GaussianAffine layer at the data end that maps the flow's current output,
// standardised by its per-dimension moments m and s, onto the Gaussian:
// y = mean + L·((x − m)/s), and then trains with the rest of the flow (see
// GaussianAffine). With a standard normal base and fresh layers the flow
// is then exactly N(mean, L·Lᵀ).
//
// A mean-field guide (a flow whose layers are all Affine, AffineFixed or
// Permute) stays mean-field: its layer is Diagonal, with the standard
// deviations 1/√Λ_jj from the diagonal of the precision Λ = (L·Lᵀ)⁻¹, the
// reverse-KL optimum of a diagonal Gaussian for a Gaussian target.
//
// The layer follows InitFromMoments' rules: String does not show it, a
// second call replaces it (and the standardiser of InitFromMoments), and
// Initialize removes it. It does nothing and returns false when the flow's
// output is not the real vectors, the sizes do not match, or mean or L is
// not finite with a positive diagonal.
func (f *Flow) InitFromGaussian(mean []float64, L [][]float64) bool {
	d := f.Dim()
	if len(mean) != d || len(L) != d {
		return false
	}
	if _, err := NewGaussianAffine(mean, L); err != nil {
		return false
	}
	f.dropStd()
	f.dropGaussian()
	if f.boundedSomewhere() {
		return false
	}
	diagonal := true
	for _, l := range f.Layers {
		switch l.(type) {
		case *Affine, *AffineFixed, *Permute:
		default:
			diagonal = false
		}
	}
	if diagonal {
		L = precisionDiagonal(L)
		if L == nil {
			return false
		}
	}
	m, s, ok := f.outputMoments()
	if !ok {
		return false
	}
	for j := range d {
		if !finite(m[j]) || !(s[j] > 0) || !finite(s[j]) {
			return false
		}
	}
	// mean + L·((x − m)/s) = (mean − L·(m/s)) + (L·diag(1/s))·x.
	loc := append([]float64(nil), mean...)
	l2 := make([][]float64, d)
	for i := range d {
		l2[i] = make([]float64, d)
		for j := 0; j <= i; j++ {
			l2[i][j] = L[i][j] / s[j]
			loc[i] -= L[i][j] * m[j] / s[j]
		}
	}
	g, err := NewGaussianAffine(loc, l2)
	if err != nil {
		return false
	}
	g.owner = f
	g.Diagonal = diagonal
	f.Layers = append(f.Layers[:len(f.Layers):len(f.Layers)], g)
	return true
}

// dropGaussian removes a GaussianAffine that InitFromGaussian appended.
func (f *Flow) dropGaussian() {
	if n := len(f.Layers); n > 0 {
		if g, ok := f.Layers[n-1].(*GaussianAffine); ok && g.owner == f {
			f.Layers = f.Layers[: n-1 : n-1]
			g.owner = nil
		}
	}
}

// precisionDiagonal returns diag(1/√Λ_jj) for the precision Λ = (L·Lᵀ)⁻¹
// of a lower-triangular L: Λ_jj = Σ_i (L⁻¹)_ij², with L⁻¹ by forward
// substitution. It returns nil if L is singular.
func precisionDiagonal(L [][]float64) [][]float64 {
	d := len(L)
	inv := make([][]float64, d) // L⁻¹, lower triangular
	for i := range d {
		inv[i] = make([]float64, d)
	}
	for c := range d {
		for i := c; i < d; i++ {
			v := 0.0
			if i == c {
				v = 1
			}
			for k := c; k < i; k++ {
				v -= L[i][k] * inv[k][c]
			}
			inv[i][c] = v / L[i][i]
		}
	}
	out := make([][]float64, d)
	for j := range d {
		lam := 0.0
		for i := j; i < d; i++ {
			lam += inv[i][j] * inv[i][j]
		}
		out[j] = make([]float64, d)
		out[j][j] = 1 / math.Sqrt(lam)
		if !(out[j][j] > 0) || math.IsInf(out[j][j], 0) {
			return nil
		}
	}
	return out
}
