package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/mathext"
)

// EventShaper is a distribution whose draws are matrices: a draw is still
// a row of Dim() numbers, the matrix flattened by rows, and EventShape
// gives its shape ([K, K] for LKJCholesky).
type EventShaper interface {
	EventShape() []int
}

// LKJCholesky is the LKJ distribution over correlation matrices Ω, with
// density ∝ det(Ω)^(eta−1), expressed through the Cholesky factor L of Ω
// (Ω = L·Lᵀ), as Stan's lkj_corr_cholesky: with respect to the K(K−1)/2
// strictly lower entries of L,
//
//	p(L) = Π_(i=1…K−1) L_ii^(K−i−1+2(eta−1)) / c_K(eta),
//	log c_K(eta) = Σ_(k=1…K−1) (K−k)·[(2eta−2+K−k)·log 2 + log B(β_k, β_k)],
//	β_k = eta + (K−k−1)/2,
//
// on lower-triangular K×K matrices with positive diagonal and rows of unit
// norm. A draw is a row of K·K numbers (L by rows); EventShape is [K, K].
// Equivalently, the canonical partial correlations t_im (row i, column
// m < i) are independent with (t_im + 1)/2 ~ Beta(β, β), β = eta +
// (K−m−2)/2; for K = 2 the correlation r has density ∝ (1 − r²)^(eta−1).
//
// K is a constant integer ≥ 1; Eta is a number or, inside models, a [B, 1]
// batch (one per draw).
type LKJCholesky struct {
	K   int
	Eta *tensor.Tensor
}

// NewLKJCholesky returns a validated LKJCholesky: k a positive integer, eta
// positive.
func NewLKJCholesky(k, eta *tensor.Tensor) (*LKJCholesky, error) {
	return makeLKJCholesky(true, k, eta)
}

// maxLKJ bounds K (a K×K matrix per draw).
const maxLKJ = 1000

func makeLKJCholesky(validate bool, k, eta *tensor.Tensor) (*LKJCholesky, error) {
	const fam = "LKJCholesky"
	if k == nil || eta == nil {
		return nil, fmt.Errorf("%s: K and eta are required", fam)
	}
	if k.Len() != 1 || k.Rank() > 1 || k.Tracked() {
		return nil, fmt.Errorf("%s: K must be a constant number (the matrix size), got %s", fam, describe(k))
	}
	kv := k.Data()[0]
	if kv != math.Floor(kv) || kv < 1 || kv > maxLKJ {
		return nil, fmt.Errorf("%s: K must be an integer from 1 to %d, got %s", fam, maxLKJ, tensor.FormatNumber(kv))
	}
	if eta.Len() != 1 && !(eta.Rank() == 2 && eta.Dim(1) == 1 && !validate) {
		return nil, fmt.Errorf("%s: eta must be a number, got %s", fam, describe(eta))
	}
	ps, err := prepare(fam, validate, param{"eta", eta, positive})
	if err != nil {
		return nil, err
	}
	e := ps[0]
	if e.Rank() < 2 {
		e = tensor.Reshape(e)
	}
	return &LKJCholesky{K: int(kv), Eta: e}, nil
}

// Dim returns K·K.
func (d LKJCholesky) Dim() int { return d.K * d.K }

// EventShape returns [K, K].
func (d LKJCholesky) EventShape() []int { return []int{d.K, d.K} }

// Support returns the Cholesky factors of correlation matrices.
func (d LKJCholesky) Support() Support { return Support{Kind: CholeskyCorr} }

// String returns e.g. "LKJCholesky(K=3, eta=2)".
func (d LKJCholesky) String() string {
	return familyString("LKJCholesky", tensor.Scalar(float64(d.K)), d.Eta)
}

// cholCorrTol is how far from 0 an upper entry, and from 1 a row's squared
// norm, a valid Cholesky factor of a correlation matrix may be.
const cholCorrTol = 1e-8

// badCholCorr reports whether a row of K·K numbers is not the Cholesky
// factor of a correlation matrix.
func badCholCorr(row []float64, k int) bool {
	for i := range k {
		s := 0.0
		for j := range k {
			v := row[i*k+j]
			if math.IsNaN(v) || (j > i && math.Abs(v) > cholCorrTol) {
				return true
			}
			if j <= i {
				s += v * v
			}
		}
		if !(row[i*k+i] > 0) || math.Abs(s-1) > cholCorrTol {
			return true
		}
	}
	return false
}

// lkjLogC returns log c_K(eta) for eta of any shape (elementwise).
func lkjLogC(k int, eta *tensor.Tensor) *tensor.Tensor {
	out := tensor.Scale(eta, 0)
	for j := 1; j < k; j++ {
		w := float64(k - j)
		b := tensor.AddScalar(eta, float64(k-j-1)/2)
		lb := tensor.Sub(tensor.Scale(tensor.LGamma(b), 2), tensor.LGamma(tensor.Scale(b, 2)))
		pow := tensor.Scale(tensor.AddScalar(tensor.Scale(eta, 2), float64(k-j-2)), w*math.Ln2)
		out = tensor.Add(out, tensor.Add(tensor.Scale(lb, w), pow))
	}
	return out
}

// LogProb returns the log density of each row of x ([n, K·K], L by rows);
// a row that is not the Cholesky factor of a correlation matrix (within
// 1e-8) has log density −Inf, as has a draw whose eta is not positive.
func (d LKJCholesky) LogProb(x *tensor.Tensor) *tensor.Tensor {
	k := d.K
	if x.Rank() != 2 || x.Dim(1) != k*k {
		panic(fmt.Sprintf("dist.LKJCholesky: LogProb of shape %v for K = %d", x.Shape(), k))
	}
	n, nb := x.Dim(0), 1
	if d.Eta.Rank() == 2 {
		nb = d.Eta.Dim(0)
	}
	rows := max(n, nb)
	if (n != 1 && n != rows) || (nb != 1 && nb != rows) {
		panic(fmt.Sprintf("dist.LKJCholesky: %d values for a batch of %d", n, nb))
	}
	if n != rows {
		x = tensor.BroadcastTo(x, rows, k*k)
	}
	eta := tensor.BroadcastTo(tensor.Reshape(d.Eta, d.Eta.Len(), 1), rows, 1)
	bad := make([]bool, rows)
	mask := make([]bool, rows*k*k)
	any := false
	xd, ed := x.Data(), eta.Data()
	for r := range rows {
		if badCholCorr(xd[r*k*k:(r+1)*k*k], k) || !(ed[r] > 0) || math.IsInf(ed[r], 1) {
			bad[r], any = true, true
			for j := range k * k {
				mask[r*k*k+j] = true
			}
		}
	}
	if any {
		x = tensor.Where(mask, tensor.BroadcastTo(tensor.Reshape(eye(k), 1, k*k), rows, k*k), x)
		eta = tensor.Where(bad, tensor.Full(1, rows, 1), eta)
	}
	lp := tensor.Neg(tensor.Reshape(lkjLogC(k, eta), rows))
	if k > 1 {
		diag := make([]int, k-1)
		coef := make([]float64, k-1)
		for i := 1; i < k; i++ {
			diag[i-1], coef[i-1] = i*k+i, float64(k-i-1)
		}
		g := tensor.Log(tensor.Take(x, 1, diag)) // [rows, K−1]
		fixed := tensor.SumAxis(tensor.Mul(g, tensor.New(coef, 1, k-1)), 1)
		varying := tensor.Mul(tensor.Reshape(tensor.Scale(tensor.AddScalar(eta, -1), 2), rows), tensor.SumAxis(g, 1))
		lp = tensor.Add(lp, tensor.Add(fixed, varying))
	}
	if any {
		lp = tensor.Fill(lp, bad, math.Inf(-1))
	}
	return lp
}

// etaAt returns the eta of draw i.
func (d LKJCholesky) etaAt(i int) float64 {
	e := d.Eta.Data()
	return e[i%len(e)]
}

// Sample returns n draws as an untracked [n, K·K] tensor, from
// independent canonical partial correlations (t + 1)/2 ~ Beta(β, β)
// mapped to L as CholeskyCorrTransform does.
func (d LKJCholesky) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	k := d.K
	if d.Eta.Rank() == 2 && d.Eta.Dim(0) != 1 && d.Eta.Dim(0) != n {
		panic(fmt.Sprintf("dist.LKJCholesky: parameters have a batch of %d rows, so a sample needs %d draws, not %d", d.Eta.Dim(0), d.Eta.Dim(0), n))
	}
	out := tensor.Zeros(n, k*k)
	for r := range n {
		eta := d.etaAt(r)
		row := out.Data()[r*k*k : (r+1)*k*k]
		row[0] = 1
		for i := 1; i < k; i++ {
			rem := 1.0
			for m := 0; m < i; m++ {
				b := eta + float64(k-m-2)/2
				la, lb := logGammaDraw(rng, b), logGammaDraw(rng, b)
				// t = 2u − 1 = (ga − gb)/(ga + gb) = tanh((la − lb)/2).
				t := math.Tanh((la - lb) / 2)
				row[i*k+m] = t * math.Sqrt(rem)
				rem *= 1 - t*t
			}
			row[i*k+i] = math.Sqrt(rem)
		}
	}
	return out
}

// lkjMoments returns E[L] and E[L²] elementwise for one eta: with the
// partial correlations t_im independent, E[t] = 0, E[t²] = 1/(2β+1),
// E[1 − t²] = 2β/(2β+1) and E[√(1 − t²)] = 2·B(β+½, β+½)/B(β, β).
func lkjMoments(k int, eta float64) (m1, m2 []float64) {
	m1, m2 = make([]float64, k*k), make([]float64, k*k)
	m1[0], m2[0] = 1, 1
	for i := 1; i < k; i++ {
		s1, s2 := 1.0, 1.0 // E √rem, E rem over the columns so far
		for m := 0; m < i; m++ {
			b := eta + float64(k-m-2)/2
			m2[i*k+m] = s2 / (2*b + 1)
			s2 *= 2 * b / (2*b + 1)
			s1 *= 2 * math.Exp(mathext.Lbeta(b+0.5, b+0.5)-mathext.Lbeta(b, b))
		}
		m1[i*k+i], m2[i*k+i] = s1, s2
	}
	return m1, m2
}

// moments returns f(m1, m2) for every element of every eta.
func (d LKJCholesky) moments(f func(m1, m2 float64) float64) ([]float64, bool) {
	var out []float64
	for _, eta := range d.Eta.Data() {
		if !(eta > 0) {
			return nil, false
		}
		m1, m2 := lkjMoments(d.K, eta)
		for j := range m1 {
			out = append(out, f(m1[j], m2[j]))
		}
	}
	return out, true
}

// Mean returns E[L] by rows (one K·K block per eta of a batch): 0 off the
// diagonal, E[L_00] = 1 and E[L_ii] = Π_(m<i) 2·B(β_m+½, β_m+½)/B(β_m, β_m).
func (d LKJCholesky) Mean() ([]float64, bool) {
	return d.moments(func(m1, _ float64) float64 { return m1 })
}

// StdDev returns the standard deviation of each entry of L (see Mean).
func (d LKJCholesky) StdDev() ([]float64, bool) {
	return d.moments(func(m1, m2 float64) float64 { return math.Sqrt(max(m2-m1*m1, 0)) })
}

// Entropy returns the differential entropy with respect to the strictly
// lower entries of L: log c_K(eta) − Σ_i (K−i−1+2(eta−1))·E[log L_ii],
// with E[log L_ii] = ½ Σ_(m<i) (log 4 + 2ψ(β_m) − 2ψ(2β_m)). A batch of
// etas has no single entropy.
func (d LKJCholesky) Entropy() (float64, bool) {
	if d.Eta.Len() != 1 {
		return 0, false
	}
	k, eta := d.K, d.Eta.Data()[0]
	if !(eta > 0) {
		return 0, false
	}
	h := lkjLogC(k, tensor.Scalar(eta)).Item()
	for i := 1; i < k; i++ {
		el := 0.0
		for m := range i {
			b := eta + float64(k-m-2)/2
			el += 0.5 * (2*math.Ln2 + 2*digamma(b) - 2*digamma(2*b))
		}
		h -= (float64(k-i-1) + 2*(eta-1)) * el
	}
	return h, true
}
