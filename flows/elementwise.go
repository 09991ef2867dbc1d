package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// Affine is the elementwise learnable affine map y = loc + scale ⊙ x with
// scale = softplus(RawScale) (FlowTorch's scale function). Over a standard
// normal base it is a mean-field normal guide. Loc starts at Options.Loc
// (default 0) and scale at Options.Scale (default 1); FlowTorch starts both
// near 0 (scale ≈ 0.69).
type Affine struct {
	Loc, RawScale *tensor.Tensor // [d] parameters
	loc0, scale0  []float64
}

// NewAffine returns an Affine layer over R^d starting at o.Loc and o.Scale.
func NewAffine(d int, o Options) (*Affine, error) {
	loc, scale, err := locScale(d, o, true)
	if err != nil {
		return nil, err
	}
	a := &Affine{
		Loc: tensor.Param(make([]float64, d), d), RawScale: tensor.Param(make([]float64, d), d),
		loc0: loc, scale0: scale,
	}
	a.Initialize(nil)
	return a, nil
}

// Name returns "Affine".
func (a *Affine) Name() string { return "Affine" }

// Dim returns d.
func (a *Affine) Dim() int { return a.Loc.Len() }

// Params returns Loc and RawScale.
func (a *Affine) Params() []*tensor.Tensor { return []*tensor.Tensor{a.Loc, a.RawScale} }

// Initialize resets loc and scale to their starting values (rng is unused).
func (a *Affine) Initialize(*rand.Rand) {
	copy(a.Loc.Data(), a.loc0)
	for j, s := range a.scale0 {
		a.RawScale.Data()[j] = softplusInv(s)
	}
}

// Forward returns loc + scale ⊙ x and Σ log scale.
func (a *Affine) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	s := tensor.Softplus(a.RawScale)
	return tensor.Add(tensor.Mul(x, s), a.Loc), tensor.BroadcastTo(tensor.Sum(tensor.Log(s)), x.Dim(0))
}

// Inverse returns (y − loc) / scale and −Σ log scale.
func (a *Affine) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	s := tensor.Softplus(a.RawScale)
	return tensor.Div(tensor.Sub(y, a.Loc), s), tensor.BroadcastTo(tensor.Neg(tensor.Sum(tensor.Log(s))), y.Dim(0))
}

func (a *Affine) mapMoments(mean, sd []float64) bool {
	for j := range mean {
		s := softplus(a.RawScale.Data()[j])
		mean[j] = a.Loc.Data()[j] + s*mean[j]
		sd[j] *= s
	}
	return true
}

// AffineFixed is the elementwise affine map y = Loc + Scale ⊙ x with
// constant Loc and Scale (no parameters). Scale may be negative but not 0.
type AffineFixed struct {
	Loc, Scale []float64
	loc, scale *tensor.Tensor
	logDet     float64
}

// NewAffineFixed returns the map over R^d with o.Loc (default 0) and
// o.Scale (default 1), each a single value or one per dimension.
func NewAffineFixed(d int, o Options) (*AffineFixed, error) {
	loc, scale, err := locScale(d, o, false)
	if err != nil {
		return nil, err
	}
	return newAffineFixed(loc, scale), nil
}

// locScale returns o.Loc and o.Scale expanded to d values (defaults 0 and
// 1), checking that they are finite and the scales positive (positive
// set: Affine's) or nonzero (AffineFixed's).
func locScale(d int, o Options, positive bool) (loc, scale []float64, err error) {
	if loc, err = expand("loc", o.Loc, d, 0, false); err != nil {
		return nil, nil, err
	}
	if scale, err = expand("scale", o.Scale, d, 1, positive); err != nil {
		return nil, nil, err
	}
	if slices.Contains(scale, 0) {
		return nil, nil, fmt.Errorf("scale must be nonzero")
	}
	return loc, scale, nil
}

func newAffineFixed(loc, scale []float64) *AffineFixed {
	a := &AffineFixed{Loc: loc, Scale: scale, loc: tensor.Vector(loc), scale: tensor.Vector(scale)}
	for _, s := range scale {
		a.logDet += math.Log(math.Abs(s))
	}
	return a
}

// Name returns "AffineFixed".
func (a *AffineFixed) Name() string { return "AffineFixed" }

// Dim returns d.
func (a *AffineFixed) Dim() int { return len(a.Loc) }

// Params returns nil.
func (a *AffineFixed) Params() []*tensor.Tensor { return nil }

// Initialize does nothing.
func (a *AffineFixed) Initialize(*rand.Rand) {}

// Forward returns Loc + Scale ⊙ x and Σ log|Scale|.
func (a *AffineFixed) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	if !x.Tracked() && x.Rank() == 2 && x.Dim(1) == len(a.Loc) {
		return a.untracked(x, func(v, l, s float64) float64 { return float64(v*s) + l }), rowsConst(x.Dim(0), a.logDet)
	}
	return tensor.Add(tensor.Mul(x, a.scale), a.loc), rowsConst(x.Dim(0), a.logDet)
}

// untracked applies f(value, loc, scale) to every element of the
// untracked [n, d] tensor t in one pass, into a new tensor: the values of
// the tensor operations of Forward and Inverse (f rounds as they do)
// without their intermediate array. The result is a scratch tensor of t's
// tape when t is one (see tensor.Tape), as the operations' would be.
func (a *AffineFixed) untracked(t *tensor.Tensor, f func(v, l, s float64) float64) *tensor.Tensor {
	d := len(a.Loc)
	out := tensor.ZerosFor(t, t.Dim(0), d)
	loc, scale := a.loc.Data()[:d], a.scale.Data()[:d]
	od, td := out.Data(), t.Data()[:len(out.Data())]
	for r := 0; r < len(od); r += d {
		or, tr := od[r:r+d], td[r:r+d]
		for j := range or {
			or[j] = f(tr[j], loc[j], scale[j])
		}
	}
	return out
}

// Inverse returns (y − Loc) / Scale and −Σ log|Scale|.
func (a *AffineFixed) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	if !y.Tracked() && y.Rank() == 2 && y.Dim(1) == len(a.Loc) {
		return a.untracked(y, func(v, l, s float64) float64 { return (v - l) / s }), rowsConst(y.Dim(0), -a.logDet)
	}
	return tensor.Div(tensor.Sub(y, a.loc), a.scale), rowsConst(y.Dim(0), -a.logDet)
}

// mapSupport maps a bounded or half-bounded input onto Loc + Scale ⊙ it
// (ends swapped where Scale < 0); the real vectors stay real.
func (a *AffineFixed) mapSupport(in dist.Support, _ string) (dist.Support, error) {
	var low, high []float64
	switch in.Kind {
	case dist.Positive:
		low, high = []float64{0}, []float64{math.Inf(1)}
	case dist.UnitInterval:
		low, high = []float64{0}, []float64{1}
	case dist.Interval:
		low, high = in.Low, in.High
	default:
		return dist.Support{Kind: dist.Real}, nil
	}
	if len(low) == 0 || len(high) == 0 {
		return dist.Support{Kind: dist.Real}, nil
	}
	d := len(a.Loc)
	out := dist.Support{Kind: dist.Interval, Low: make([]float64, d), High: make([]float64, d)}
	same := true
	for j := range d {
		l := a.Loc[j] + a.Scale[j]*low[min(j, len(low)-1)]
		h := a.Loc[j] + a.Scale[j]*high[min(j, len(high)-1)]
		if a.Scale[j] < 0 {
			l, h = h, l
		}
		out.Low[j], out.High[j] = l, h
		same = same && l == out.Low[0] && h == out.High[0]
	}
	if same { // one interval for every dimension
		out.Low, out.High = out.Low[:1], out.High[:1]
	}
	return out, nil
}

func (a *AffineFixed) mapMoments(mean, sd []float64) bool {
	for j := range mean {
		mean[j] = a.Loc[j] + a.Scale[j]*mean[j]
		sd[j] *= math.Abs(a.Scale[j])
	}
	return true
}

// Permute reorders the coordinates: y[:, j] = x[:, Perm[j]]. It has no
// parameters and log-determinant 0.
type Permute struct {
	perm, inv []int
	user      bool
}

// NewPermute returns a permutation of R^d: o.Permutation, or a random one
// drawn from rng.
func NewPermute(d int, o Options, rng *rand.Rand) (*Permute, error) {
	p := &Permute{}
	if o.Permutation != nil {
		if err := checkPermutation(o.Permutation, d); err != nil {
			return nil, err
		}
		p.user = true
		p.set(append([]int(nil), o.Permutation...))
	} else {
		p.set(rng.Perm(d))
	}
	return p, nil
}

func (p *Permute) set(perm []int) {
	p.perm = perm
	p.inv = make([]int, len(perm))
	for j, v := range perm {
		p.inv[v] = j
	}
}

// Perm returns the permutation. The caller must not modify it.
func (p *Permute) Perm() []int { return p.perm }

// Name returns "Permute".
func (p *Permute) Name() string { return "Permute" }

// Dim returns d.
func (p *Permute) Dim() int { return len(p.perm) }

// Params returns nil.
func (p *Permute) Params() []*tensor.Tensor { return nil }

// Initialize draws a new random permutation unless one was given.
func (p *Permute) Initialize(rng *rand.Rand) {
	if !p.user {
		p.set(rng.Perm(len(p.perm)))
	}
}

// Forward returns the permuted columns and zeros.
func (p *Permute) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	return tensor.Take(x, 1, p.perm), rowsConst(x.Dim(0), 0)
}

// Inverse undoes the permutation.
func (p *Permute) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	return tensor.Take(y, 1, p.inv), rowsConst(y.Dim(0), 0)
}

func (p *Permute) mapSupport(in dist.Support, _ string) (dist.Support, error) {
	if len(in.Low) > 1 || len(in.High) > 1 {
		out := dist.Support{Kind: in.Kind}
		if len(in.Low) > 1 {
			out.Low = make([]float64, len(p.perm))
			for j, v := range p.perm {
				out.Low[j] = in.Low[v]
			}
		}
		if len(in.High) > 1 {
			out.High = make([]float64, len(p.perm))
			for j, v := range p.perm {
				out.High[j] = in.High[v]
			}
		}
		return out, nil
	}
	return in, nil
}

func (p *Permute) mapMoments(mean, sd []float64) bool {
	m, s := append([]float64(nil), mean...), append([]float64(nil), sd...)
	for j, v := range p.perm {
		mean[j], sd[j] = m[v], s[v]
	}
	return true
}

// softplus returns log(1 + e^x), computed stably.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// softplusInv returns the x with softplus(x) = y > 0.
func softplusInv(y float64) float64 {
	if y > 30 {
		return y + math.Log(-math.Expm1(-y))
	}
	return math.Log(math.Expm1(y))
}

// clampScale clamps a scale so that its log lies in [lo, hi].
func clampScale(s, lo, hi float64) float64 {
	return math.Exp(min(max(math.Log(s), lo), hi))
}

// expand turns an option value (nil, one value, or d values) into d values.
func expand(name string, v []float64, d int, def float64, positive bool) ([]float64, error) {
	out := make([]float64, d)
	switch len(v) {
	case 0:
		for j := range out {
			out[j] = def
		}
	case 1:
		for j := range out {
			out[j] = v[0]
		}
	case d:
		copy(out, v)
	default:
		return nil, fmt.Errorf("%s must be a number or a vector of length %d, got length %d", name, d, len(v))
	}
	for _, x := range out {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s must be finite", name)
		}
		if positive && x <= 0 {
			return nil, fmt.Errorf("%s must be positive", name)
		}
	}
	return out, nil
}

// checkPermutation checks that p is a permutation of 0..d-1.
func checkPermutation(p []int, d int) error {
	seen := make([]bool, d)
	ok := len(p) == d
	for _, v := range p {
		if !ok || v < 0 || v >= d || seen[v] {
			ok = false
			break
		}
		seen[v] = true
	}
	if !ok {
		return fmt.Errorf("permutation must be a permutation of 0..%d (a vector of %d distinct integers), got %v", d-1, d, fmtInts(p))
	}
	return nil
}

func fmtInts(p []int) string {
	s := "["
	for i, v := range p {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(v)
	}
	return s + "]"
}
