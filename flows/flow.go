package flows

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// Flow is a normalizing-flow distribution: draws of Base pushed through
// Layers in order (base → Layers[0] → Layers[1] → … → output). Its log
// density inverts the chain and adds the base log density to the inverse
// log-determinants. The base is fixed; the layers hold the parameters.
//
// A Flow implements dist.Distribution, dist.Reparameterized and
// dist.SampleLogProber.
type Flow struct {
	// Base is the distribution the layers transform.
	Base dist.Distribution
	// Layers are the bijectors, base side first. After InitFromMoments the
	// last layer is the fixed standardising AffineFixed it added.
	Layers []Bijector
	// Meta is saved and loaded with the flow and otherwise unused by this
	// package: the language records a posterior guide's latent names,
	// shapes and constraints here.
	Meta json.RawMessage

	stages  []stage      // what String shows
	nStaged int          // Layers[:nStaged] are the stages' layers
	std     *AffineFixed // the data-end standardiser, or nil
	dir     Direction    // the direction last set
	fitted  bool         // the direction has been fixed by a fit
	view    bool         // a conditional flow at fixed contexts (Given)

	ctxLoc, ctxScale []float64 // contexts are read as (c − ctxLoc)/ctxScale (nil: as given)

	gen    uint64         // bumped by every change of the layer list or the context scaling
	parent *Flow          // a view's conditional flow
	pgen   uint64         // the parent's gen when the view was made
	rawCtx *tensor.Tensor // a view's contexts as given
}

// stage is one bijector application as written: its name and options.
type stage struct{ name, opts string }

var (
	_ dist.Distribution    = (*Flow)(nil)
	_ dist.Reparameterized = (*Flow)(nil)
	_ dist.SampleLogProber = (*Flow)(nil)
)

// New returns the flow of layers over base. The base must be continuous and
// every layer must have the base's dimension.
func New(base dist.Distribution, layers ...Bijector) (*Flow, error) {
	if err := checkBase(base); err != nil {
		return nil, err
	}
	f := &Flow{Base: base}
	if _, err := f.support(); err != nil {
		return nil, err
	}
	for _, l := range layers {
		if err := f.push(stage{name: l.Name()}, l); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func checkBase(base dist.Distribution) error {
	if base == nil {
		return fmt.Errorf("a flow needs a base distribution")
	}
	if k := base.Support().Kind; k.Discrete() {
		return fmt.Errorf("a flow needs a continuous base distribution, got %s with %s support", base, k)
	}
	if base.Dim() < 1 {
		return fmt.Errorf("a flow needs a base of dimension at least 1, got %d", base.Dim())
	}
	return nil
}

// push appends the layers of one stage after checking dimensions and
// domains.
func (f *Flow) push(s stage, layers ...Bijector) error {
	d := f.Dim()
	for _, l := range layers {
		if l.Dim() != d {
			return fmt.Errorf("%s has dimension %d but its input has dimension %d", l.Name(), l.Dim(), d)
		}
		if err := checkContext(slices.Concat(f.Layers, layers), l); err != nil {
			return err
		}
	}
	old := f.Layers
	f.Layers = append(f.Layers[:len(f.Layers):len(f.Layers)], layers...)
	if _, err := f.support(); err != nil {
		f.Layers = old
		return err
	}
	f.stages = append(f.stages, s)
	f.nStaged = len(f.Layers)
	for _, l := range layers {
		if a, ok := l.(Directional); ok {
			a.SetDirection(f.dir)
		}
	}
	return nil
}

// Dim returns the dimension of a draw.
func (f *Flow) Dim() int { return f.Base.Dim() }

// Support returns the support of the output: the base's, carried through
// the layers (Exp makes it positive, Permute keeps it, the others map onto
// the real vectors).
func (f *Flow) Support() dist.Support {
	s, err := f.support()
	if err != nil {
		return dist.Support{Kind: dist.Real}
	}
	return s
}

func (f *Flow) support() (dist.Support, error) {
	return supportOf(f.Base.Support(), f.Layers, f.Base)
}

// boundedSomewhere reports whether the base or the output of some layer
// is not all of R^d (a Tanh, Sigmoid, Softplus, ELU or Exp layer, or a
// bounded base). Every later layer maps that set onto the flow's output, so
// its support has a boundary (one that learnable layers after it may move,
// but only as training does), and a fixed layer appended at the data end
// to match moments would move it: a target inside the support at the
// prior start could fall outside at the moment-matched one (a loss of
// +Inf at step 1). Such flows start from the prior.
func (f *Flow) boundedSomewhere() bool {
	s := f.Base.Support()
	if s.Kind != dist.Real {
		return true
	}
	for i := range f.Layers {
		if t, err := supportOf(s, f.Layers[i:i+1], f.Base); err != nil || t.Kind != dist.Real {
			return true
		}
	}
	return false
}

func supportOf(s dist.Support, layers []Bijector, base dist.Distribution) (dist.Support, error) {
	from := baseName(base)
	for _, l := range layers {
		if m, ok := l.(supportMapper); ok {
			var err error
			if s, err = m.mapSupport(s, from); err != nil {
				return s, err
			}
		} else {
			s = dist.Support{Kind: dist.Real}
		}
		from = l.Name()
	}
	return s, nil
}

// baseName abbreviates a base for messages: "Normal(...)".
func baseName(base dist.Distribution) string {
	if base == nil {
		return "the base"
	}
	s := base.String()
	if i := strings.IndexByte(s, '('); i > 0 {
		return s[:i] + "(...)"
	}
	return s
}

// String describes the flow's structure, outermost bijector first, with
// its base and its number of learnable parameters, e.g.
//
//	flow AffineAutoregressive(hidden=[32, 32]) ∘ Permute over Normal(loc=[0, 0], scale=[1, 1]) — 2,340 params
//
// Layers added at the data end by a fit's initialisation (InitFromMoments,
// InitFromGaussian) are not shown or counted.
func (f *Flow) String() string {
	var b strings.Builder
	b.WriteString("flow ")
	for i := len(f.stages) - 1; i >= 0; i-- {
		st := f.stages[i]
		b.WriteString(st.name)
		if st.opts != "" {
			b.WriteString("(" + st.opts + ")")
		}
		if i > 0 {
			b.WriteString(" ∘ ")
		}
	}
	n := 0
	for _, l := range f.Layers[:min(f.nStaged, len(f.Layers))] {
		for _, p := range l.Params() {
			n += p.Len()
		}
	}
	unit := " params"
	if n == 1 {
		unit = " param"
	}
	b.WriteString(" over " + baseString(f.Base) + " — " + groupDigits(n) + unit)
	return b.String()
}

// baseString writes a standard-normal-like base of dimension d ≥ 2
// compactly, e.g. Normal(0, I₂) for Normal(loc=[0, 0], scale=[1, 1]), and
// any other base as its String.
func baseString(base dist.Distribution) string {
	var nb dist.Normal
	switch b := base.(type) {
	case *dist.Normal:
		nb = *b
	case dist.Normal:
		nb = b
	default:
		return base.String()
	}
	d := base.Dim()
	if d < 2 || nb.Loc == nil || nb.Scale == nil || nb.Loc.Rank() != 1 || nb.Scale.Rank() != 1 {
		return base.String()
	}
	l := nb.Loc.Data()
	for j := range d {
		if l[j] != l[0] || nb.Scale.Data()[j] != 1 {
			return base.String()
		}
	}
	sub := ""
	for _, r := range strconv.Itoa(d) {
		sub += string(rune('₀' + (r - '0')))
	}
	return "Normal(" + tensor.FormatNumber(l[0]) + ", I" + sub + ")"
}

// groupDigits writes n with thousands separators: 68,612.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Params returns the learnable parameters of all layers.
func (f *Flow) Params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, l := range f.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Initialize draws fresh parameters (and the random permutations the user
// did not fix) for every layer from rng, and removes the standardising
// layer of a previous InitFromMoments. The direction and the fitted state
// are kept.
func (f *Flow) Initialize(rng *rand.Rand) {
	f.dropStd()
	for _, l := range f.Layers {
		l.Initialize(rng)
	}
}

func (f *Flow) dropStd() {
	f.gen++
	if f.std != nil && len(f.Layers) > 0 && f.Layers[len(f.Layers)-1] == Bijector(f.std) {
		f.Layers = f.Layers[:len(f.Layers)-1]
	}
	f.std = nil
}

// Direction returns the direction last set with SetDirection or by a fit
// (BaseSide, FlowTorch's, for a flow never fitted).
func (f *Flow) Direction() Direction { return f.dir }

// SetDirection sets the direction of every autoregressive layer.
func (f *Flow) SetDirection(d Direction) {
	f.dir = d
	for _, l := range f.Layers {
		if a, ok := l.(Directional); ok {
			a.SetDirection(d)
		}
	}
}

// Fitted reports whether a fit has fixed the flow's direction.
func (f *Flow) Fitted() bool { return f.fitted }

// PrepareFit is called by a fit before it trains the flow. On the first fit
// it fixes the direction: DataSide (one-pass log density) for forward KL,
// BaseSide (one-pass sampling with log density) for reverse KL. Layers
// whose direction an earlier fit fixed (layers shared with an inner flow
// that was trained) keep theirs. Later fits change nothing.
func (f *Flow) PrepareFit(reverse bool) {
	if f.fitted {
		return
	}
	d := DataSide
	if reverse {
		d = BaseSide
	}
	f.dir = d
	for _, l := range f.Layers {
		if a, ok := l.(lockable); ok {
			if !a.isLocked() {
				a.SetDirection(d)
				a.lock()
			}
		} else if a, ok := l.(Directional); ok {
			a.SetDirection(d)
		}
	}
	f.fitted = true
}

// lockable is an autoregressive layer whose direction the first fit fixes
// for good.
type lockable interface {
	Directional
	lock()
	isLocked() bool
}

// sampleChunk bounds the rows pushed through the layers at once by the
// untracked Sample and LogProb, so memory stays bounded for large n.
const sampleChunk = 4096

func (f *Flow) tracked(ts ...*tensor.Tensor) bool {
	for _, t := range ts {
		if t.Tracked() {
			return true
		}
	}
	for _, p := range f.Params() {
		if p.Tracked() {
			return true
		}
	}
	return false
}

func (f *Flow) checkValue(y *tensor.Tensor) {
	if y.Rank() != 2 || y.Dim(1) != f.Dim() {
		panic(fmt.Sprintf("flows: LogProb of shape %v for a flow of dimension %d", y.Shape(), f.Dim()))
	}
}

// LogProb returns the log density of each row of y ([n, d] → [n]).
// Points outside the flow's image have log density −Inf.
func (f *Flow) LogProb(y *tensor.Tensor) *tensor.Tensor {
	f.checkValue(y)
	n := y.Dim(0)
	if n <= sampleChunk || f.tracked(y) {
		return f.logProb(y)
	}
	out := tensor.Zeros(n)
	for i := 0; i < n; i += sampleChunk {
		m := min(sampleChunk, n-i)
		copy(out.Data()[i:i+m], f.logProb(tensor.Narrow(y, 0, i, m)).Data())
	}
	return out
}

func (f *Flow) logProb(y *tensor.Tensor) *tensor.Tensor {
	var acc *tensor.Tensor
	for i := len(f.Layers) - 1; i >= 0; i-- {
		x, ld := f.Layers[i].Inverse(y)
		if acc == nil {
			acc = ld
		} else {
			acc = tensor.Add(acc, ld)
		}
		y = x
	}
	lp := f.Base.LogProb(y)
	if acc != nil {
		lp = tensor.Add(lp, acc)
	}
	return lp
}

// Sample returns n draws ([n, d]), computed in chunks and not tracked.
func (f *Flow) Sample(rng *rand.Rand, n int) *tensor.Tensor {
	out := tensor.Zeros(n, f.Dim())
	for i := 0; i < n; i += sampleChunk {
		m := min(sampleChunk, n-i)
		x := f.Base.Sample(rng, m)
		for _, l := range f.Layers {
			x, _ = l.Forward(x)
		}
		copy(out.Data()[i*f.Dim():], x.Data())
	}
	return out
}

// baseDraw returns n reparameterised base draws when the base supports it.
func (f *Flow) baseDraw(rng *rand.Rand, n int) *tensor.Tensor {
	if r, ok := f.Base.(dist.Reparameterized); ok {
		return r.RSample(rng, n)
	}
	return f.Base.Sample(rng, n)
}

// rowCoupler is a layer whose result for a row can depend on the other
// rows of its batch (BatchNorm).
type rowCoupler interface{ CouplesRows() bool }

// CouplesRows reports whether a layer couples the rows of a batch
// (BatchNorm, which in training normalises by the batch's statistics): a
// fit then keeps every batch whole instead of summing gradients over
// pieces of it.
func (f *Flow) CouplesRows() bool {
	for _, l := range f.Layers {
		if c, ok := l.(rowCoupler); ok && c.CouplesRows() {
			return true
		}
	}
	return false
}

// Noise returns the randomness of n draws: n untracked base draws ([n, d]).
// Push(Noise(rng, n)) equals SampleAndLogProb(rng, n), and pushing the
// rows of one Noise in pieces gives the pieces of that result.
func (f *Flow) Noise(rng *rand.Rand, n int) *tensor.Tensor { return f.NoiseOn(nil, rng, n) }

// NoiseOn is Noise with the draws a scratch tensor of tp (see tensor.Tape:
// valid until tp's Reset) when the base is a dist.ScratchSampler, so that a
// training step does not allocate them on the heap; the same values as
// Noise, from the same random numbers. A nil tp gives Noise.
func (f *Flow) NoiseOn(tp *tensor.Tape, rng *rand.Rand, n int) *tensor.Tensor {
	var x *tensor.Tensor
	if s, ok := f.Base.(dist.ScratchSampler); ok && tp != nil {
		x = s.RSampleOn(tp, rng, n)
	} else {
		x = f.baseDraw(rng, n)
	}
	if x.Tracked() { // a base with parameters on a tape: keep the values only
		x = x.Clone()
	}
	return x
}

// Push maps base draws x0 ([n, d], from Noise) through the layers and
// returns the draws and their log densities, differentiable in the
// parameters (SampleAndLogProb from given noise).
func (f *Flow) Push(x0 *tensor.Tensor) (x, logp *tensor.Tensor) {
	x = x0
	logp = f.Base.LogProb(x)
	for _, l := range f.Layers {
		var ld *tensor.Tensor
		x, ld = l.Forward(x)
		logp = tensor.Sub(logp, ld)
	}
	return x, logp
}

// RSample returns n draws that are differentiable in the parameters.
func (f *Flow) RSample(rng *rand.Rand, n int) *tensor.Tensor {
	x := f.baseDraw(rng, n)
	for _, l := range f.Layers {
		x, _ = l.Forward(x)
	}
	return x
}

// SampleAndLogProb returns n reparameterised draws and their log
// densities, from one forward pass through the layers (one conditioner
// pass per autoregressive layer in the BaseSide direction).
func (f *Flow) SampleAndLogProb(rng *rand.Rand, n int) (x, logp *tensor.Tensor) {
	return f.Push(f.baseDraw(rng, n))
}

// InitFromData moment-matches the flow to the rows of y ([n, d]) with
// InitFromMoments, using their per-column mean and standard deviation.
func (f *Flow) InitFromData(y *tensor.Tensor) bool {
	f.checkValue(y)
	mean, sd := tensor.ColumnMoments(y)
	return f.InitFromMoments(mean, sd)
}

// InitFromMoments makes the flow's output have the given per-dimension
// mean and standard deviation, so that training starts from a
// moment-matched approximation of the target (the data-dependent
// initialisation of Flow++, as a fixed standardising layer). It appends a
// fixed AffineFixed layer at the data end (or replaces the one a previous
// call added) that maps the current output moments m, s onto mean, sd:
// y ← mean + sd/s ⊙ (y − m). The layer is constant, so the layers before it
// learn in standardised units whatever the data's scale.
//
// The current output moments are pushed through the layers exactly where
// every layer allows (the base has closed-form moments; affine maps,
// permutations and autoregressive layers at their identity start), and
// otherwise estimated from 4096 draws. It does nothing and returns false
// when the flow's output is not the real vectors or some layer's output is
// bounded (boundedSomewhere: a Tanh, Sigmoid, Exp, ... anywhere, whose
// support the appended layer would move), or the moments are not finite
// and positive; sd values of 0 are raised to 1e-6 (a constant column).
func (f *Flow) InitFromMoments(mean, sd []float64) bool {
	d := f.Dim()
	if len(mean) != d || len(sd) != d {
		return false
	}
	f.dropStd()
	if f.boundedSomewhere() {
		return false
	}
	m, s, ok := f.outputMoments()
	if !ok {
		return false
	}
	loc, scale := make([]float64, d), make([]float64, d)
	for j := range d {
		if !finite(mean[j]) || !finite(sd[j]) || sd[j] < 0 || !finite(m[j]) || !(s[j] > 0) || !finite(s[j]) {
			return false
		}
		scale[j] = max(sd[j], 1e-6) / s[j]
		loc[j] = mean[j] - scale[j]*m[j]
	}
	f.std = newAffineFixed(loc, scale)
	f.Layers = append(f.Layers[:len(f.Layers):len(f.Layers)], f.std)
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// outputMoments returns the per-dimension mean and sd of the flow's output.
func (f *Flow) outputMoments() (mean, sd []float64, ok bool) {
	if bm, isM := f.Base.(dist.Moments); isM {
		m, ok1 := bm.Mean()
		s, ok2 := bm.StdDev()
		if ok1 && ok2 && len(m) == f.Dim() && len(s) == f.Dim() {
			mean, sd = append([]float64(nil), m...), append([]float64(nil), s...)
			exact := true
			for _, l := range f.Layers {
				mm, isMM := l.(momentMapper)
				if !isMM || !mm.mapMoments(mean, sd) {
					exact = false
					break
				}
			}
			if exact {
				return mean, sd, true
			}
		}
	}
	if f.ContextDim() > 0 { // no draws without a context
		return nil, nil, false
	}
	rng := rand.New(rand.NewPCG(0x5eed, 0xf10))
	mean, sd = tensor.ColumnMoments(f.Sample(rng, 4096))
	return mean, sd, true
}
