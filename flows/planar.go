package flows

import (
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// Planar is the planar flow of Rezende & Mohamed 2015,
//
//	y = x + û·tanh(wᵀx + b),  log|det| = log(1 + (1 − tanh²(wᵀx + b))·wᵀû),
//
// with û = u + (m(wᵀu) − wᵀu)·w/‖w‖² and m(a) = −1 + softplus(a), so that
// wᵀû = m(wᵀu) > −1 and the map is invertible (their appendix A). The
// inverse solves the scalar equation α + wᵀû·tanh(α + b) = wᵀy for α = wᵀx
// (strictly increasing: safeguarded Newton within the bracket wᵀy ± |wᵀû|)
// and sets x = y − û·tanh(α + b); one Newton step on the tape from the
// root makes the result differentiable in y and the parameters (the
// implicit-function gradient). Parameters U, W ([d]) and B ([1]).
type Planar struct {
	U, W, B *tensor.Tensor
	d       int
}

// NewPlanar returns a planar layer over R^d with parameters drawn from rng.
func NewPlanar(d int, rng *rand.Rand) *Planar {
	p := &Planar{U: tensor.Param(make([]float64, d), d), W: tensor.Param(make([]float64, d), d),
		B: tensor.Param(make([]float64, 1), 1), d: d}
	p.Initialize(rng)
	return p
}

// Name returns "Planar".
func (p *Planar) Name() string { return "Planar" }

// Dim returns d.
func (p *Planar) Dim() int { return p.d }

// Params returns U, W and B.
func (p *Planar) Params() []*tensor.Tensor { return []*tensor.Tensor{p.U, p.W, p.B} }

// Initialize draws every parameter uniformly on ±1/√d (Pyro's choice).
func (p *Planar) Initialize(rng *rand.Rand) { uniformInit(rng, p.d, p.Params()) }

// uHat returns û and m = wᵀû.
func (p *Planar) uHat() (uh, m *tensor.Tensor) {
	wu := tensor.Sum(tensor.Mul(p.W, p.U))
	m = tensor.AddScalar(tensor.Softplus(wu), -1)
	uh = tensor.Add(p.U, tensor.Mul(tensor.Div(tensor.Sub(m, wu), tensor.Sum(tensor.Square(p.W))), p.W))
	return uh, m
}

// Forward returns y and log|det ∂y/∂x|.
func (p *Planar) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	uh, m := p.uHat()
	a := tensor.Add(tensor.MatMul(x, tensor.Reshape(p.W, p.d, 1)), p.B) // [n, 1]
	h := tensor.Tanh(a)
	y = tensor.Add(x, tensor.Mul(h, uh))
	return y, tensor.SumAxis(p.logDet(h, m), 1)
}

// logDet returns log(1 + (1 − h²)·m) ([n, 1]).
func (p *Planar) logDet(h, m *tensor.Tensor) *tensor.Tensor {
	return tensor.Log1p(tensor.Mul(tensor.AddScalar(tensor.Neg(tensor.Square(h)), 1), m))
}

// Inverse returns x and log|det ∂x/∂y|.
func (p *Planar) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	uh, m := p.uHat()
	n, d := y.Dim(0), p.d
	mv, b, w := m.Item(), p.B.Data()[0], p.W.Data()
	root := make([]float64, n)
	for i := range n {
		t := 0.0
		for j, v := range y.Data()[i*d : (i+1)*d] {
			t += w[j] * v
		}
		root[i] = solveMonotone(func(a float64) (float64, float64) {
			th := math.Tanh(a + b)
			return a + mv*th - t, 1 + mv*(1-th*th)
		}, t-math.Abs(mv), t+math.Abs(mv))
	}
	// One Newton step on the tape from the root: same value, implicit gradient.
	a0 := tensor.New(root, n, 1)
	wy := tensor.MatMul(y, tensor.Reshape(p.W, d, 1))
	th := tensor.Tanh(tensor.Add(a0, p.B))
	g := tensor.Sub(tensor.Add(a0, tensor.Mul(m, th)), wy)
	gp := tensor.AddScalar(tensor.Mul(m, tensor.AddScalar(tensor.Neg(tensor.Square(th)), 1)), 1)
	alpha := tensor.Sub(a0, tensor.Div(g, gp))
	h := tensor.Tanh(tensor.Add(alpha, p.B))
	x = tensor.Sub(y, tensor.Mul(h, uh))
	return x, tensor.Neg(tensor.SumAxis(p.logDet(h, m), 1))
}

// solveMonotone finds the root of a strictly increasing f in [lo, hi]
// (f(lo) ≤ 0 ≤ f(hi)) by Newton steps safeguarded by bisection; fd returns
// f and f′.
func solveMonotone(fd func(float64) (float64, float64), lo, hi float64) float64 {
	x := 0.5 * (lo + hi)
	for range 200 {
		f, df := fd(x)
		if f == 0 {
			return x
		}
		if f > 0 {
			hi = x
		} else {
			lo = x
		}
		nx := x - f/df
		if !(nx > lo && nx < hi) {
			nx = 0.5 * (lo + hi)
		}
		if nx == x || hi-lo <= 1e-300 {
			return nx
		}
		x = nx
	}
	return x
}

// Radial is the radial flow of Rezende & Mohamed 2015,
//
//	y = x + β·h(r)·(x − z₀),  r = ‖x − z₀‖,  h(r) = 1/(α + r),
//
// with α = softplus(α′) > 0 and β = −α + softplus(β′) > −α, which makes it
// invertible; log|det| = (d−1)·log(1 + βh) + log(1 + βαh²). The inverse
// finds r from ‖y − z₀‖ = r(1 + βh(r)), the positive root of a quadratic
// (computed in its cancellation-free form), and sets x − z₀ = (y − z₀)·(α
// + r)/(α + r + β). Parameters Z0 ([d]), RawAlpha and RawBeta ([1]).
type Radial struct {
	Z0, RawAlpha, RawBeta *tensor.Tensor
	d                     int
}

// NewRadial returns a radial layer over R^d with parameters drawn from rng.
func NewRadial(d int, rng *rand.Rand) *Radial {
	r := &Radial{Z0: tensor.Param(make([]float64, d), d), RawAlpha: tensor.Param(make([]float64, 1), 1),
		RawBeta: tensor.Param(make([]float64, 1), 1), d: d}
	r.Initialize(rng)
	return r
}

// Name returns "Radial".
func (r *Radial) Name() string { return "Radial" }

// Dim returns d.
func (r *Radial) Dim() int { return r.d }

// Params returns Z0, RawAlpha and RawBeta.
func (r *Radial) Params() []*tensor.Tensor { return []*tensor.Tensor{r.Z0, r.RawAlpha, r.RawBeta} }

// Initialize draws every parameter uniformly on ±1/√d (Pyro's choice).
func (r *Radial) Initialize(rng *rand.Rand) { uniformInit(rng, r.d, r.Params()) }

func (r *Radial) alphaBeta() (alpha, beta *tensor.Tensor) {
	alpha = tensor.Softplus(r.RawAlpha)
	return alpha, tensor.Sub(tensor.Softplus(r.RawBeta), alpha)
}

// logDet returns (d−1)·log(1 + βh) + log(1 + βαh²) for rd = α + r ([n, 1]).
func (r *Radial) logDet(rd, alpha, beta *tensor.Tensor) *tensor.Tensor {
	h := tensor.Div(tensor.Scalar(1), rd)
	l := tensor.Log1p(tensor.Mul(tensor.Mul(beta, alpha), tensor.Square(h)))
	if r.d > 1 {
		l = tensor.Add(l, tensor.Scale(tensor.Log1p(tensor.Mul(beta, h)), float64(r.d-1)))
	}
	return tensor.SumAxis(l, 1)
}

// Forward returns y and log|det ∂y/∂x|.
func (r *Radial) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	alpha, beta := r.alphaBeta()
	diff := tensor.Sub(x, r.Z0)
	rad := tensor.Sqrt(tensor.SumAxis(tensor.Square(diff), 1))
	rd := tensor.Add(tensor.Reshape(rad, x.Dim(0), 1), alpha) // α + r
	y = tensor.Add(x, tensor.Mul(tensor.Div(beta, rd), diff))
	return y, r.logDet(rd, alpha, beta)
}

// Inverse returns x and log|det ∂x/∂y|.
func (r *Radial) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	alpha, beta := r.alphaBeta()
	n := y.Dim(0)
	dy := tensor.Sub(y, r.Z0)
	ry := tensor.Reshape(tensor.Sqrt(tensor.SumAxis(tensor.Square(dy), 1)), n, 1)
	// r² + B·r − α·ry = 0 with B = α + β − ry.
	bq := tensor.Sub(tensor.Add(alpha, beta), ry)
	sq := tensor.Sqrt(tensor.Add(tensor.Square(bq), tensor.Scale(tensor.Mul(alpha, ry), 4)))
	neg := make([]bool, n)
	for i, v := range bq.Data() {
		neg[i] = v < 0
	}
	big := tensor.Scale(tensor.Sub(sq, bq), 0.5)                                    // B < 0
	small := tensor.Div(tensor.Scale(tensor.Mul(alpha, ry), 2), tensor.Add(bq, sq)) // B ≥ 0
	rad := tensor.Where(neg, big, small)
	rd := tensor.Add(rad, alpha)
	x = tensor.Add(r.Z0, tensor.Mul(dy, tensor.Div(rd, tensor.Add(rd, beta))))
	return x, tensor.Neg(r.logDet(rd, alpha, beta))
}

// uniformInit draws every value of params uniformly on ±1/√d, the start
// Pyro gives Planar's and Radial's parameters.
func uniformInit(rng *rand.Rand, d int, params []*tensor.Tensor) {
	s := 1 / math.Sqrt(float64(d))
	for _, t := range params {
		for i := range t.Data() {
			t.Data()[i] = s * (2*rng.Float64() - 1)
		}
	}
}
