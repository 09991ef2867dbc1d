package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
}

// bijectors registers every bijector, in the order of the reference.
var bijectors = []*registration{
	{name: "AffineAutoregressive",
		doc:     "IAF/MAF affine autoregressive layer with a MADE conditioner (FlowTorch's)",
		options: []string{"hidden", "layers", "activation", "permutation", "clip_log_scale", "precision", "context"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(k int, o Options) (Bijector, error) {
				return NewAffineAutoregressive(d, firstOrder(k, o), rng)
			})
		},
		save: func(l Bijector, lf *layerFile) error {
			a := l.(*AffineAutoregressive)
			o := a.Options()
			saveAutoregressive(lf, o, a.userOrder, a.dir, a.locked)
			if o.ClipLogScale {
				lf.Clip = []float64{o.LogScaleMin, o.LogScaleMax}
			}
			return nil
		},
		size: func(lf *layerFile) (int, error) { return madeSize(lf, 2) }, // loadLayer adds the context weights
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return loadAutoregressive(lf, NewAffineAutoregressive)
		}},
	{name: "Affine",
		doc:     "elementwise y = loc + scale·x with learnable loc and scale (a mean-field normal guide)",
		options: []string{"loc", "scale"},
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(NewAffine(d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			a := l.(*Affine)
			lf.Loc, lf.Scale = slices.Clone(a.loc0), slices.Clone(a.scale0)
			return nil
		},
		size: func(lf *layerFile) (int, error) { return 2 * lf.Dim, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return NewAffine(lf.Dim, Options{Loc: lf.Loc, Scale: lf.Scale})
		}},
	{name: "AffineFixed",
		doc:     "elementwise y = loc + scale·x with fixed loc and scale",
		options: []string{"loc", "scale"},
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(NewAffineFixed(d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			a := l.(*AffineFixed)
			lf.Loc, lf.Scale = slices.Clone(a.Loc), slices.Clone(a.Scale)
			return nil
		},
		size: func(*layerFile) (int, error) { return 0, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return NewAffineFixed(lf.Dim, Options{Loc: lf.Loc, Scale: lf.Scale})
		}},
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
	{name: "SplineAutoregressive",
		doc:     "autoregressive rational-quadratic spline layer with a MADE conditioner",
		options: []string{"hidden", "layers", "activation", "permutation", "bins", "bound", "precision", "context"},
		build: func(d int, o Options, rng *rand.Rand) ([]Bijector, error) {
			return stack(d, o, func(k int, o Options) (Bijector, error) {
				return NewSplineAutoregressive(d, firstOrder(k, o), rng)
			})
		},
		save: func(l Bijector, lf *layerFile) error {
			a := l.(*SplineAutoregressive)
			o := a.Options()
			saveAutoregressive(lf, o, a.userOrder, a.dir, a.locked)
			lf.Bins, lf.Bound = o.Bins, o.Bound
			return nil
		},
		size: func(lf *layerFile) (int, error) {
			if err := checkBins(lf); err != nil {
				return 0, err
			}
			return madeSize(lf, 3*lf.Bins-1)
		},
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return loadAutoregressive(lf, NewSplineAutoregressive)
		}},
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
	{name: "Exp",
		doc:     "elementwise y = exp(x), onto the positive reals",
		options: []string{},
		build: func(d int, _ Options, _ *rand.Rand) ([]Bijector, error) {
			return []Bijector{&Exp{d: d}}, nil
		},
		size: func(*layerFile) (int, error) { return 0, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) { return &Exp{d: lf.Dim}, nil }},
	elementwise("Softplus", "elementwise y = log(1 + exp(x)), onto the positive reals"),
	elementwise("Sigmoid", "elementwise y = 1/(1 + exp(-x)), onto (0, 1)"),
	elementwise("Tanh", "elementwise y = tanh(x), onto (-1, 1)"),
	elementwise("ELU", "elementwise y = x for x > 0, exp(x) - 1 otherwise, onto (-1, ∞)"),
	elementwise("LeakyReLU", "elementwise y = x for x ≥ 0, 0.01·x otherwise"),
	elementwise("Power", "elementwise y = x^exponent on the positive reals (put Exp or Softplus before it)", "exponent"),
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

// elementwise registers the Elementwise bijector kind.
func elementwise(kind, doc string, options ...string) *registration {
	return &registration{name: kind, doc: doc, options: append([]string{}, options...),
		build: func(d int, o Options, _ *rand.Rand) ([]Bijector, error) {
			return one(NewElementwise(kind, d, o))
		},
		save: func(l Bijector, lf *layerFile) error {
			lf.Exponent = l.(*Elementwise).Exponent
			return nil
		},
		size: func(*layerFile) (int, error) { return 0, nil },
		load: func(lf *layerFile, _ *Flow) (Bijector, error) {
			return NewElementwise(kind, lf.Dim, Options{Exponent: lf.Exponent})
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
	setSaved(userOrder bool, dir Direction, locked bool)
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
