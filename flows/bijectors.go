package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// registration is everything the package knows about one bijector by its
// name: adding a bijector to the language is one entry of bijectors (and
// its type and tests).
type registration struct {
	name string
	// doc is one line for the reference and the REPL's :help.
	doc string
	// options are the FlowOptions it takes, in the order messages and
	// String show them.
	options []string
	// internal bijectors are made by the package (GaussianAffine, from a
	// posterior fit's Laplace start), not written in a script: they are
	// saved and loaded but are not in Names and have no build.
	internal bool
	// build makes the layers of one application over R^d.
	build func(d int, o Options, rng *rand.Rand) ([]Bijector, error)
	// save fills the layer's configuration into lf (type, dim and params
	// are filled by Save); nil when there is none.
	save func(l Bijector, lf *layerFile) error
	// size is the number of parameter values a saved layer must hold, or
	// an error for a configuration out of range. Load checks it against
	// the file before load allocates anything, so a declared shape never
	// allocates more than the file holds.
	size func(lf *layerFile) (int, error)
	// load rebuilds the layer from lf (its parameters are then copied in
	// by Load).
	load func(lf *layerFile, owner *Flow) (Bijector, error)
	// elementwise is the map of a fixed elementwise bijector (Exp,
	// Softplus, ...; an Elementwise of this kind), nil for the others.
	elementwise *elementwiseMap
}

// bijectors registers every bijector, in the order of the reference.
var bijectors = []*registration{
	autoregressiveReg("AffineAutoregressive", "IAF/MAF affine autoregressive layer with a MADE conditioner (FlowTorch's)",
		[]string{"hidden", "layers", "activation", "permutation", "clip_log_scale", "precision", "context"},
		NewAffineAutoregressive,
		func(o Options, lf *layerFile) {
			if o.ClipLogScale {
				lf.Clip = []float64{o.LogScaleMin, o.LogScaleMax}
			}
		},
		func(*layerFile) (int, error) { return 2, nil }), // loadLayer adds the context weights
	affine("Affine", "elementwise y = loc + scale·x with learnable loc and scale (a mean-field normal guide)",
		NewAffine, func(a *Affine) ([]float64, []float64) { return a.loc0, a.scale0 }, 2),
	affine("AffineFixed", "elementwise y = loc + scale·x with fixed loc and scale",
		NewAffineFixed, func(a *AffineFixed) ([]float64, []float64) { return a.Loc, a.Scale }, 0),
	{name: "Spline",
		doc:     "elementwise rational-quadratic spline on [-bound, bound], the identity outside (Durkan et al. 2019)",
		options: []string{"bins", "bound"},
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(NewSpline(d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			s := l.(*Spline)
			lf.Bins, lf.Bound = s.bins, s.bound
			return nil
		},
		size: func(lf *layerFile) (int, error) {
			if err := checkBins(lf); err != nil {
				return 0, err
			}
			return lf.Dim * (3*lf.Bins - 1), nil
		},
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return NewSpline(lf.Dim, Options{Bins: lf.Bins, Bound: lf.Bound})
		}},
	autoregressiveReg("SplineAutoregressive", "autoregressive rational-quadratic spline layer with a MADE conditioner",
		[]string{"hidden", "layers", "activation", "permutation", "bins", "bound", "precision", "context"},
		NewSplineAutoregressive,
		func(o Options, lf *layerFile) { lf.Bins, lf.Bound = o.Bins, o.Bound },
		func(lf *layerFile) (int, error) {
			if err := checkBins(lf); err != nil {
				return 0, err
			}
			return 3*lf.Bins - 1, nil
		}),
	{name: "Coupling",
		doc:     "RealNVP affine coupling: one half of the variables shifts and scales the other",
		options: []string{"hidden", "layers", "activation", "precision", "context"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(k int, o Options) (Bijector, error) {
				return NewCoupling(d, k, o, rng)
			})
		},
		save: func(l Bijector, lf *layerFile) error {
			c := l.(*Coupling)
			lf.Hidden, lf.Act, lf.Parity = slices.Clone(c.hidden), c.act, c.parity
			lf.Precision = savedPrecision(precisionName(c.f32))
			lf.Context = c.ctx
			return nil
		},
		size: func(lf *layerFile) (int, error) {
			d := lf.Dim
			if d < 2 && !(d == 1 && lf.Context > 0) {
				return 0, fmt.Errorf("Coupling needs dimension at least 2 (1 with a context)")
			}
			if lf.Parity != 0 && lf.Parity != 1 {
				return 0, fmt.Errorf("parity must be 0 or 1, got %d", lf.Parity)
			}
			nc := (d + 1) / 2
			if lf.Parity == 1 {
				nc = d - nc
			}
			if d == 1 {
				nc = 0
			}
			return conditionerSize(nc, lf.Hidden, 2*(d-nc))
		},
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return NewCoupling(lf.Dim, lf.Parity, Options{Hidden: lf.Hidden, Activation: lf.Act, Precision: lf.Precision, Context: lf.Context}, loadRNG())
		}},
	{name: "Permute",
		doc:     "a fixed permutation of the variables",
		options: []string{"permutation"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return one(NewPermute(d, o, rng))
		},
		save: func(l Bijector, lf *layerFile) error {
			p := l.(*Permute)
			lf.Order, lf.UserOrder = slices.Clone(p.perm), p.user
			return nil
		},
		size: func(*layerFile) (int, error) { return 0, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			if lf.Order == nil {
				return nil, fmt.Errorf("the permutation is missing")
			}
			p, err := NewPermute(lf.Dim, Options{Permutation: lf.Order}, nil)
			if err != nil {
				return nil, err
			}
			p.user = lf.UserOrder
			return p, nil
		}},
	elementwise("Exp", "elementwise y = exp(x), onto the positive reals", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) { return tensor.Exp(x), x },
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			x = tensor.Log(y)
			return x, x
		},
		inRange: func(v float64) bool { return v > 0 }, inside: 1,
		support: expSupport}),
	elementwise("Softplus", "elementwise y = log(1 + exp(x)), onto the positive reals", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			return tensor.Softplus(x), tensor.LogSigmoid(x)
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			x = tensor.Add(y, tensor.Log(tensor.Neg(tensor.Expm1(tensor.Neg(y))))) // y + log(1 − e^−y)
			return x, tensor.LogSigmoid(x)
		},
		inRange: func(v float64) bool { return v > 0 }, inside: 0.5,
		support: onto(dist.Support{Kind: dist.Positive})}),
	elementwise("Sigmoid", "elementwise y = 1/(1 + exp(-x)), onto (0, 1)", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			return tensor.Sigmoid(x), tensor.Add(tensor.LogSigmoid(x), tensor.LogSigmoid(tensor.Neg(x)))
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			ly, l1y := tensor.Log(y), tensor.Log1p(tensor.Neg(y))
			return tensor.Sub(ly, l1y), tensor.Add(ly, l1y)
		},
		inRange: between(0, 1), inside: 0.5,
		support: onto(dist.Support{Kind: dist.UnitInterval})}),
	elementwise("Tanh", "elementwise y = tanh(x), onto (-1, 1)", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			// log(1 − tanh²x) = 2(log 2 − x − softplus(−2x))
			l = tensor.Scale(tensor.Sub(tensor.AddScalar(tensor.Neg(x), math.Ln2), tensor.Softplus(tensor.Scale(x, -2))), 2)
			return tensor.Tanh(x), l
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			lp, lm := tensor.Log1p(y), tensor.Log1p(tensor.Neg(y))
			return tensor.Scale(tensor.Sub(lp, lm), 0.5), tensor.Add(lp, lm)
		},
		inRange: between(-1, 1),
		support: onto(interval(-1, 1))}),
	elementwise("Softsign", "elementwise y = x/(1 + |x|), onto (-1, 1); over a Student-t base of ν degrees of freedom the density near ±1 goes as (1 - |y|)^(ν-1), like a Beta's", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			a := tensor.AddScalar(tensor.Abs(x), 1) // f′(x) = 1/(1 + |x|)²
			return tensor.Div(x, a), tensor.Scale(tensor.Log(a), -2)
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			b := tensor.AddScalar(tensor.Neg(tensor.Abs(y)), 1) // 1 − |y| = 1/(1 + |x|)
			return tensor.Div(y, b), tensor.Scale(tensor.Log(b), 2)
		},
		inRange: between(-1, 1),
		support: onto(interval(-1, 1))}),
	elementwise("ELU", "elementwise y = x for x > 0, exp(x) - 1 otherwise, onto (-1, ∞)", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			m := tensor.Minimum(x, zeroScalar)
			return tensor.Add(tensor.ReLU(x), tensor.Expm1(m)), m
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			l = tensor.Log1p(tensor.Minimum(y, zeroScalar))
			return tensor.Add(tensor.ReLU(y), l), l
		},
		inRange: func(v float64) bool { return v > -1 },
		support: onto(interval(-1, math.Inf(1)))}),
	elementwise("LeakyReLU", "elementwise y = x for x ≥ 0, 0.01·x otherwise", elementwiseMap{
		forward: func(_ *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			return tensor.Add(tensor.ReLU(x), tensor.Scale(tensor.Minimum(x, zeroScalar), leakySlope)), leakyLogDeriv(x)
		},
		inverse: func(_ *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			return tensor.Add(tensor.ReLU(y), tensor.Scale(tensor.Minimum(y, zeroScalar), 1/leakySlope)), leakyLogDeriv(y)
		}}),
	elementwise("Power", "elementwise y = x^exponent on the positive reals (put Exp or Softplus before it)", elementwiseMap{
		forward: func(e *Elementwise, x *tensor.Tensor) (y, l *tensor.Tensor) {
			return tensor.PowScalar(x, e.Exponent), powerLogDeriv(x, e.Exponent)
		},
		inverse: func(e *Elementwise, y *tensor.Tensor) (x, l *tensor.Tensor) {
			x = tensor.PowScalar(y, 1/e.Exponent)
			return x, powerLogDeriv(x, e.Exponent)
		},
		inRange: func(v float64) bool { return v > 0 }, inside: 0.5,
		support: powerSupport, configure: configurePower}, "exponent"),
	{name: "Planar",
		doc:     "planar flow y = x + u·tanh(wᵀx + b) (Rezende & Mohamed 2015)",
		options: []string{"layers"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(int, Options) (Bijector, error) { return NewPlanar(d, rng), nil })
		},
		size: func(lf *layerFile) (int, error) { return 2*lf.Dim + 1, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) { return NewPlanar(lf.Dim, loadRNG()), nil }},
	{name: "Radial",
		doc:     "radial flow around a learnable centre (Rezende & Mohamed 2015)",
		options: []string{"layers"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(int, Options) (Bijector, error) { return NewRadial(d, rng), nil })
		},
		size: func(lf *layerFile) (int, error) { return lf.Dim + 2, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) { return NewRadial(lf.Dim, loadRNG()), nil }},
	{name: "BatchNorm",
		doc:     "batch normalisation with learnable scale and shift; running statistics outside training",
		options: []string{},
		build: func(d int, _ Options, _ *rand.Rand) ([]Bijector, error) {
			return []Bijector{NewBatchNorm(d)}, nil
		},
		save: func(l Bijector, lf *layerFile) error {
			b := l.(*BatchNorm)
			lf.RunMean, lf.RunVar = slices.Clone(b.RunMean), slices.Clone(b.RunVar)
			lf.Momentum, lf.Eps = b.Momentum, b.Eps
			for _, v := range append(slices.Clone(b.RunMean), b.RunVar...) {
				if !finite(v) {
					return fmt.Errorf("running statistic %v is not finite", v)
				}
			}
			return nil
		},
		size: func(lf *layerFile) (int, error) { return 2 * lf.Dim, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			d := lf.Dim
			if len(lf.RunMean) != d || len(lf.RunVar) != d {
				return nil, fmt.Errorf("running statistics must have length %d", d)
			}
			for j := range d {
				if !finite(lf.RunMean[j]) || !(lf.RunVar[j] >= 0) || math.IsInf(lf.RunVar[j], 0) {
					return nil, fmt.Errorf("invalid running statistics")
				}
			}
			if !(lf.Eps > 0) || !(lf.Momentum >= 0 && lf.Momentum <= 1) {
				return nil, fmt.Errorf("invalid eps %v or momentum %v", lf.Eps, lf.Momentum)
			}
			b := NewBatchNorm(d)
			b.RunMean, b.RunVar, b.Momentum, b.Eps = lf.RunMean, lf.RunVar, lf.Momentum, lf.Eps
			return b, nil
		}},
	{name: "GaussianAffine", internal: true,
		doc: "y = loc + L·x with a learnable correction: a posterior fit's Gaussian start",
		save: func(l Bijector, lf *layerFile) error {
			g := l.(*GaussianAffine)
			lf.Loc, lf.Chol, lf.Diagonal = slices.Clone(g.Loc), slices.Clone(g.Chol), g.Diagonal
			return nil
		},
		size: func(lf *layerFile) (int, error) {
			d := lf.Dim
			if len(lf.Loc) != d || len(lf.Chol) != d*d {
				return 0, fmt.Errorf("loc and chol must have %d and %d values", d, d*d)
			}
			if lf.Diagonal {
				return 2 * d, nil
			}
			return d*d + 2*d, nil
		},
		load: func(lf *layerFile, owner *Flow) (Bijector, error) {
			d := lf.Dim
			L := make([][]float64, d)
			for i := range d {
				L[i] = lf.Chol[i*d : (i+1)*d]
			}
			g, err := NewGaussianAffine(lf.Loc, L)
			if err != nil {
				return nil, err
			}
			g.owner, g.Diagonal = owner, lf.Diagonal
			return g, nil
		}},
}

// elementwise registers the Elementwise bijector kind with the map m.
func elementwise(kind, doc string, m elementwiseMap, options ...string) *registration {
	return &registration{name: kind, doc: doc, options: append([]string{}, options...), elementwise: &m,
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(newElementwise(kind, &m, d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			lf.Exponent = l.(*Elementwise).Exponent
			return nil
		},
		size: func(*layerFile) (int, error) { return 0, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			e, err := newElementwise(kind, &m, lf.Dim, Options{Exponent: lf.Exponent})
			if err != nil {
				return nil, err
			}
			return e, nil
		}}
}

// affine registers Affine or AffineFixed: built by mk from the options loc
// and scale, which are what a saved layer keeps (locScale returns them),
// with perDim parameter values per dimension.
func affine[B Bijector](name, doc string, mk func(int, Options) (B, error), locScale func(B) (loc, scale []float64), perDim int) *registration {
	return &registration{name: name, doc: doc, options: []string{"loc", "scale"},
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(mk(d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			loc, scale := locScale(l.(B))
			lf.Loc, lf.Scale = slices.Clone(loc), slices.Clone(scale)
			return nil
		},
		size: func(lf *layerFile) (int, error) { return perDim * lf.Dim, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			b, err := mk(lf.Dim, Options{Loc: lf.Loc, Scale: lf.Scale})
			if err != nil {
				return nil, err
			}
			return b, nil
		}}
}

// one wraps a constructor's single layer.
func one[B Bijector](b B, err error) ([]Bijector, error) {
	if err != nil {
		return nil, err
	}
	return []Bijector{b}, nil
}

// stack builds o.Layers layers (default 1) with layer(k, o) after filling
// in the defaults.
func stack(d int, o Options, layer func(k int, o Options) (Bijector, error)) ([]Bijector, error) {
	o, err := o.withDefaults(d)
	if err != nil {
		return nil, err
	}
	var out []Bijector
	for k := range o.Layers {
		b, err := layer(k, o)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// firstOrder keeps a user's permutation for the first of stacked
// autoregressive layers; later ones draw theirs.
func firstOrder(k int, o Options) Options {
	if k > 0 {
		o.Permutation = nil
	}
	return o
}

// saveAutoregressive fills the fields AffineAutoregressive and
// SplineAutoregressive share.
func saveAutoregressive(lf *layerFile, o Options, userOrder bool, dir Direction, locked bool) {
	lf.Hidden, lf.Act, lf.Order, lf.UserOrder = o.Hidden, o.Activation, o.Permutation, userOrder
	lf.Precision = savedPrecision(o.Precision)
	lf.Direction, lf.Locked = dirName(dir), locked
	lf.Context = o.Context
}

// autoregressive is a layer with a MADE conditioner and a direction.
type autoregressive interface {
	Bijector
	Options() Options
	saved() (userOrder bool, dir Direction, locked bool)
	setSaved(userOrder bool, dir Direction, locked bool)
}

func (a *AffineAutoregressive) saved() (bool, Direction, bool) { return a.userOrder, a.dir, a.locked }

func (a *SplineAutoregressive) saved() (bool, Direction, bool) { return a.userOrder, a.dir, a.locked }

// autoregressiveReg registers an autoregressive bijector (AffineAutoregressive,
// SplineAutoregressive) built by mk: a stack of layers alternating their
// order, saved with the MADE's options plus what extra saves of the
// kind's own, and heads conditioner outputs per dimension (checking the
// saved options it reads).
func autoregressiveReg[B autoregressive](name, doc string, options []string, mk func(int, Options, *rand.Rand) (B, error),
	extra func(o Options, lf *layerFile), heads func(lf *layerFile) (int, error)) *registration {
	return &registration{name: name, doc: doc, options: options,
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(k int, o Options) (Bijector, error) {
				return mk(d, firstOrder(k, o), rng)
			})
		},
		save: func(l Bijector, lf *layerFile) error {
			a := l.(B)
			o := a.Options()
			user, dir, locked := a.saved()
			saveAutoregressive(lf, o, user, dir, locked)
			extra(o, lf)
			return nil
		},
		size: func(lf *layerFile) (int, error) {
			h, err := heads(lf)
			if err != nil {
				return 0, err
			}
			return madeSize(lf, h)
		},
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return loadAutoregressive(lf, mk)
		}}
}

func (a *AffineAutoregressive) setSaved(user bool, dir Direction, locked bool) {
	a.userOrder, a.dir, a.locked = user, dir, locked
}

func (a *SplineAutoregressive) setSaved(user bool, dir Direction, locked bool) {
	a.userOrder, a.dir, a.locked = user, dir, locked
}

// loadAutoregressive rebuilds a saved AffineAutoregressive or
// SplineAutoregressive with its constructor mk: the options it was built
// with (its variable order must be there: Save writes it), its direction
// and whether that is locked.
func loadAutoregressive[B autoregressive](lf *layerFile, mk func(int, Options, *rand.Rand) (B, error)) (Bijector, error) {
	if lf.Order == nil {
		return nil, fmt.Errorf("the variable order is missing")
	}
	o := Options{Hidden: lf.Hidden, Activation: lf.Act, Precision: lf.Precision,
		Permutation: lf.Order, Bins: lf.Bins, Bound: lf.Bound, Context: lf.Context}
	if len(lf.Clip) == 2 {
		o.ClipLogScale, o.LogScaleMin, o.LogScaleMax = true, lf.Clip[0], lf.Clip[1]
	} else if len(lf.Clip) != 0 {
		return nil, fmt.Errorf("clip_log_scale must be [lo, hi]")
	}
	dir, err := parseDir(lf.Direction)
	if err != nil {
		return nil, err
	}
	a, err := mk(lf.Dim, o, loadRNG())
	if err != nil {
		return nil, err
	}
	a.setSaved(lf.UserOrder, dir, lf.Locked)
	return a, nil
}

// madeSize is the parameter count of a saved MADE conditioner with p
// outputs per variable.
func madeSize(lf *layerFile, p int) (int, error) {
	return conditionerSize(lf.Dim, lf.Hidden, p*lf.Dim)
}

func checkBins(lf *layerFile) error {
	if lf.Bins <= 0 || lf.Bins > 1000 {
		return fmt.Errorf("bins %d out of range (1 to 1000)", lf.Bins)
	}
	return nil
}

// loadRNG seeds the constructors Load calls; every value they draw is
// then overwritten from the file.
func loadRNG() *rand.Rand { return rand.New(rand.NewPCG(0, 0)) }
