package flows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// FileFormat and FileVersion identify the JSON written by Save. Load reads
// files of this version and older and rejects newer ones.
const (
	FileFormat  = "flowppl.flow"
	FileVersion = 1
)

// The file layout. Numbers are JSON numbers in Go's shortest round-trip
// form, so every float64 reads back bit for bit.
type (
	flowFile struct {
		Format    string      `json:"format"`
		Version   int         `json:"version"`
		Base      distFile    `json:"base"`
		Stages    []stageFile `json:"stages"`
		Layers    []layerFile `json:"layers"`
		Staged    int         `json:"staged_layers"`
		Std       int         `json:"standardizer"` // index in Layers, or -1
		Direction string      `json:"direction"`
		Fitted    bool        `json:"fitted"`
		// Meta is opaque to flows: the language stores a posterior guide's
		// latent names, shapes and constraints here.
		Meta json.RawMessage `json:"meta,omitempty"`
	}
	distFile struct {
		Family string       `json:"family"`
		Params []tensorFile `json:"params"`
	}
	stageFile struct {
		Name    string `json:"name"`
		Options string `json:"options,omitempty"`
	}
	tensorFile struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	}
	layerFile struct {
		Type      string       `json:"type"`
		Dim       int          `json:"dim"`
		Hidden    []int        `json:"hidden,omitempty"`
		Act       string       `json:"activation,omitempty"`
		Precision string       `json:"precision,omitempty"` // "float32", or "" for float64
		Order     []int        `json:"order,omitempty"`
		UserOrder bool         `json:"user_order,omitempty"`
		Parity    int          `json:"parity,omitempty"`
		Bins      int          `json:"bins,omitempty"`
		Bound     float64      `json:"bound,omitempty"`
		Exponent  float64      `json:"exponent,omitempty"`
		Clip      []float64    `json:"clip_log_scale,omitempty"`
		Loc       []float64    `json:"loc,omitempty"`
		Scale     []float64    `json:"scale,omitempty"`
		Direction string       `json:"direction,omitempty"`
		Locked    bool         `json:"locked,omitempty"`
		RunMean   []float64    `json:"running_mean,omitempty"`
		RunVar    []float64    `json:"running_var,omitempty"`
		Momentum  float64      `json:"momentum,omitempty"`
		Eps       float64      `json:"eps,omitempty"`
		Chol      []float64    `json:"chol,omitempty"`
		Diagonal  bool         `json:"diagonal,omitempty"`
		Params    []tensorFile `json:"params,omitempty"`
	}
)

// Save writes q as JSON: the format version, the base distribution (family
// and parameters), the bijector applications as written (for String), and
// every layer's type, options, variable order or permutation, direction,
// parameters and state (BatchNorm's running statistics), and q.Meta. Load
// reads it back. Only bases that are plain families of dist.Families can
// be saved.
func Save(w io.Writer, q *Flow) error {
	ff := flowFile{Format: FileFormat, Version: FileVersion, Staged: q.nStaged, Std: -1,
		Direction: dirName(q.dir), Fitted: q.fitted, Meta: q.Meta}
	var err error
	if ff.Base, err = saveBase(q.Base); err != nil {
		return err
	}
	for _, s := range q.stages {
		ff.Stages = append(ff.Stages, stageFile{Name: s.name, Options: s.opts})
	}
	for i, l := range q.Layers {
		if l == Bijector(q.std) {
			ff.Std = i
		}
		lf, err := saveLayer(l)
		if err != nil {
			return fmt.Errorf("flows.Save: layer %d (%s): %w", i, l.Name(), err)
		}
		ff.Layers = append(ff.Layers, lf)
	}
	data, err := json.MarshalIndent(ff, "", " ")
	if err != nil {
		return fmt.Errorf("flows.Save: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

func dirName(d Direction) string {
	if d == DataSide {
		return "data"
	}
	return "base"
}

func tensorsOf(ts []*tensor.Tensor) ([]tensorFile, error) {
	out := make([]tensorFile, len(ts))
	for i, t := range ts {
		for _, v := range t.Data() {
			if !finite(v) {
				return nil, fmt.Errorf("parameter %d has a non-finite value %v", i, v)
			}
		}
		out[i] = tensorFile{Shape: slices.Clone(t.Shape()), Data: slices.Clone(t.Data())}
		if out[i].Shape == nil {
			out[i].Shape = []int{}
		}
	}
	return out, nil
}

var tensorType = reflect.TypeOf((*tensor.Tensor)(nil))

// saveBase records a family distribution by name and its parameter
// tensors (its exported *tensor.Tensor fields, in the family's order).
func saveBase(base dist.Distribution) (distFile, error) {
	v := reflect.Indirect(reflect.ValueOf(base))
	fail := fmt.Errorf("flows.Save: cannot save a flow over %s (the base must be a distribution family such as Normal)", base)
	if v.Kind() != reflect.Struct {
		return distFile{}, fail
	}
	fam, err := dist.LookupFamily(v.Type().Name())
	if err != nil || fam.Discrete {
		return distFile{}, fail
	}
	var ts []*tensor.Tensor
	for i := range v.NumField() {
		if f := v.Field(i); v.Type().Field(i).IsExported() && f.Type() == tensorType {
			ts = append(ts, f.Interface().(*tensor.Tensor))
		}
	}
	if len(ts) != len(fam.Params) || slices.Contains(ts, nil) {
		return distFile{}, fail
	}
	ps, err := tensorsOf(ts)
	if err != nil {
		return distFile{}, fmt.Errorf("flows.Save: base: %w", err)
	}
	return distFile{Family: fam.Name, Params: ps}, nil
}

// savedPrecision is the precision field of a saved layer: empty for the
// default, so files of float64 flows are as before.
func savedPrecision(p string) string {
	if p == Float64 {
		return ""
	}
	return p
}

func saveLayer(l Bijector) (layerFile, error) {
	lf := layerFile{Type: l.Name(), Dim: l.Dim()}
	switch l := l.(type) {
	case *AffineAutoregressive:
		o := l.Options()
		lf.Hidden, lf.Act, lf.Order, lf.UserOrder = o.Hidden, o.Activation, o.Permutation, l.userOrder
		lf.Precision = savedPrecision(o.Precision)
		if o.ClipLogScale {
			lf.Clip = []float64{o.LogScaleMin, o.LogScaleMax}
		}
		lf.Direction, lf.Locked = dirName(l.dir), l.locked
	case *SplineAutoregressive:
		o := l.Options()
		lf.Hidden, lf.Act, lf.Order, lf.UserOrder = o.Hidden, o.Activation, o.Permutation, l.userOrder
		lf.Precision = savedPrecision(o.Precision)
		lf.Bins, lf.Bound = o.Bins, o.Bound
		lf.Direction, lf.Locked = dirName(l.dir), l.locked
	case *Coupling:
		lf.Hidden, lf.Act, lf.Parity = slices.Clone(l.hidden), l.act, l.parity
		lf.Precision = savedPrecision(precisionName(l.f32))
	case *Affine:
		lf.Loc, lf.Scale = slices.Clone(l.loc0), slices.Clone(l.scale0)
	case *AffineFixed:
		lf.Loc, lf.Scale = slices.Clone(l.Loc), slices.Clone(l.Scale)
	case *Permute:
		lf.Order, lf.UserOrder = slices.Clone(l.perm), l.user
	case *Exp, *Planar, *Radial:
	case *Spline:
		lf.Bins, lf.Bound = l.bins, l.bound
	case *Elementwise:
		lf.Exponent = l.Exponent
	case *BatchNorm:
		lf.RunMean, lf.RunVar = slices.Clone(l.RunMean), slices.Clone(l.RunVar)
		lf.Momentum, lf.Eps = l.Momentum, l.Eps
		for _, v := range append(slices.Clone(l.RunMean), l.RunVar...) {
			if !finite(v) {
				return lf, fmt.Errorf("running statistic %v is not finite", v)
			}
		}
	case *GaussianAffine:
		lf.Loc, lf.Chol, lf.Diagonal = slices.Clone(l.Loc), slices.Clone(l.Chol), l.Diagonal
	default:
		return lf, fmt.Errorf("bijector type %T cannot be saved", l)
	}
	ps, err := tensorsOf(l.Params())
	lf.Params = ps
	return lf, err
}

// Load reads a flow written by Save. The result samples and scores
// exactly as the saved flow did: the same draws for the same seed, the
// same log densities. A file that is not valid JSON, not a flow file, of
// a newer format version, or inconsistent (unknown bijector, wrong
// parameter shapes, non-finite values, an invalid base) is an error;
// nothing in the file is executed.
func Load(r io.Reader) (*Flow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("flows.Load: %w", err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("flows.Load: not a flow file (invalid JSON: %v)", err)
	}
	if head.Format != FileFormat {
		return nil, fmt.Errorf("flows.Load: not a flow file (format %q, want %q)", head.Format, FileFormat)
	}
	if head.Version > FileVersion || head.Version < 1 {
		return nil, fmt.Errorf("flows.Load: flow file format version %d is not supported (this flowppl reads versions 1 to %d)", head.Version, FileVersion)
	}
	var ff flowFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ff); err != nil {
		return nil, fmt.Errorf("flows.Load: malformed flow file: %v", err)
	}
	f, err := loadFlow(ff)
	if err != nil {
		return nil, fmt.Errorf("flows.Load: %w", err)
	}
	return f, nil
}

func loadFlow(ff flowFile) (*Flow, error) {
	base, err := loadBase(ff.Base)
	if err != nil {
		return nil, err
	}
	f := &Flow{Base: base, nStaged: ff.Staged, fitted: ff.Fitted}
	if len(ff.Meta) > 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, ff.Meta); err != nil {
			return nil, fmt.Errorf("meta: %w", err)
		}
		f.Meta = b.Bytes()
	}
	if err := checkBase(base); err != nil {
		return nil, err
	}
	if f.dir, err = parseDir(ff.Direction); err != nil {
		return nil, err
	}
	d := base.Dim()
	for i, lf := range ff.Layers {
		if lf.Dim != d {
			return nil, fmt.Errorf("layer %d (%s) has dimension %d but the base has dimension %d", i, lf.Type, lf.Dim, d)
		}
		l, err := loadLayer(lf, f)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, lf.Type, err)
		}
		f.Layers = append(f.Layers, l)
	}
	if ff.Staged < 0 || ff.Staged > len(f.Layers) {
		return nil, fmt.Errorf("staged_layers %d out of range", ff.Staged)
	}
	if ff.Std >= 0 {
		a, ok := f.Layers[min(ff.Std, len(f.Layers)-1)].(*AffineFixed)
		if ff.Std >= len(f.Layers) || !ok {
			return nil, fmt.Errorf("standardizer %d is not an AffineFixed layer", ff.Std)
		}
		f.std = a
	}
	for _, s := range ff.Stages {
		if !slices.Contains(names, s.Name) {
			return nil, fmt.Errorf("unknown bijector %q in stages", s.Name)
		}
		f.stages = append(f.stages, stage{name: s.Name, opts: s.Options})
	}
	if _, err := f.support(); err != nil {
		return nil, err
	}
	return f, nil
}

func parseDir(s string) (Direction, error) {
	switch s {
	case "base", "":
		return BaseSide, nil
	case "data":
		return DataSide, nil
	}
	return 0, fmt.Errorf("direction must be \"base\" or \"data\", got %q", s)
}

func tensorOf(tf tensorFile) (*tensor.Tensor, error) {
	n := 1
	for _, s := range tf.Shape {
		if s < 0 || s > 1<<24 {
			return nil, fmt.Errorf("invalid shape %v", tf.Shape)
		}
		n *= s
	}
	if n != len(tf.Data) {
		return nil, fmt.Errorf("shape %v does not match %d values", tf.Shape, len(tf.Data))
	}
	for _, v := range tf.Data {
		if !finite(v) {
			return nil, fmt.Errorf("non-finite value %v", v)
		}
	}
	return tensor.New(slices.Clone(tf.Data), tf.Shape...), nil
}

func loadBase(df distFile) (dist.Distribution, error) {
	fam, err := dist.LookupFamily(df.Family)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	args := make([]*tensor.Tensor, len(df.Params))
	for i, p := range df.Params {
		if args[i], err = tensorOf(p); err != nil {
			return nil, fmt.Errorf("base parameter %d: %w", i, err)
		}
	}
	b, err := fam.Build(args, true)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	return b, nil
}

// conditionerSize returns the number of parameters of a network from in
// inputs through hidden to out outputs, or −1 if it is absurdly large.
func conditionerSize(in int, hidden []int, out int) int {
	n := 0
	for _, h := range append(slices.Clone(hidden), out) {
		if h <= 0 || h > 1<<20 {
			return -1
		}
		n += h*in + h
		if n > 1<<31 {
			return -1
		}
		in = h
	}
	return n
}

func loadLayer(lf layerFile, owner *Flow) (Bijector, error) {
	d := lf.Dim
	provided := 0
	for _, p := range lf.Params {
		provided += len(p.Data)
	}
	net := func(in, out int) error {
		if n := conditionerSize(in, lf.Hidden, out); n != provided {
			return fmt.Errorf("hidden %v and dimension %d need %d parameters, the file has %d", lf.Hidden, d, n, provided)
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(0, 0)) // for constructors; every value is then overwritten
	var l Bijector
	var err error
	switch lf.Type {
	case "AffineAutoregressive", "SplineAutoregressive":
		o := Options{Hidden: lf.Hidden, Activation: lf.Act, Precision: lf.Precision, Permutation: lf.Order, Bins: lf.Bins, Bound: lf.Bound}
		if lf.Type == "AffineAutoregressive" {
			err = net(d, 2*d)
		} else {
			if lf.Bins <= 0 || lf.Bins > 1000 {
				return nil, fmt.Errorf("bins %d out of range", lf.Bins)
			}
			err = net(d, d*(3*lf.Bins-1))
		}
		if err != nil {
			return nil, err
		}
		if len(lf.Clip) == 2 {
			o.ClipLogScale, o.LogScaleMin, o.LogScaleMax = true, lf.Clip[0], lf.Clip[1]
		} else if len(lf.Clip) != 0 {
			return nil, fmt.Errorf("clip_log_scale must be [lo, hi]")
		}
		dir, err := parseDir(lf.Direction)
		if err != nil {
			return nil, err
		}
		if lf.Type == "AffineAutoregressive" {
			a, err := NewAffineAutoregressive(d, o, rng)
			if err != nil {
				return nil, err
			}
			a.userOrder, a.dir, a.locked = lf.UserOrder, dir, lf.Locked
			l = a
		} else {
			a, err := NewSplineAutoregressive(d, o, rng)
			if err != nil {
				return nil, err
			}
			a.userOrder, a.dir, a.locked = lf.UserOrder, dir, lf.Locked
			l = a
		}
	case "Coupling":
		if d < 2 {
			return nil, fmt.Errorf("Coupling needs dimension at least 2")
		}
		if lf.Parity != 0 && lf.Parity != 1 {
			return nil, fmt.Errorf("parity must be 0 or 1, got %d", lf.Parity)
		}
		nc := (d + 1) / 2
		if lf.Parity == 1 {
			nc = d - nc
		}
		if err := net(nc, 2*(d-nc)); err != nil {
			return nil, err
		}
		l, err = NewCoupling(d, lf.Parity, Options{Hidden: lf.Hidden, Activation: lf.Act, Precision: lf.Precision}, rng)
	case "Affine":
		l, err = NewAffine(d, Options{Loc: lf.Loc, Scale: lf.Scale})
	case "AffineFixed":
		l, err = NewAffineFixed(d, Options{Loc: lf.Loc, Scale: lf.Scale})
	case "Permute":
		p, e := NewPermute(d, Options{Permutation: lf.Order}, rng)
		if e == nil {
			p.user = lf.UserOrder
		}
		l, err = p, e
	case "Exp":
		l = &Exp{d: d}
	case "Spline":
		if lf.Bins <= 0 || lf.Bins > 1000 {
			return nil, fmt.Errorf("bins %d out of range", lf.Bins)
		}
		l, err = NewSpline(d, Options{Bins: lf.Bins, Bound: lf.Bound})
	case "Softplus", "Sigmoid", "Tanh", "ELU", "LeakyReLU", "Power":
		l, err = NewElementwise(lf.Type, d, Options{Exponent: lf.Exponent})
	case "Planar":
		l = NewPlanar(d, rng)
	case "Radial":
		l = NewRadial(d, rng)
	case "BatchNorm":
		b := NewBatchNorm(d)
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
		b.RunMean, b.RunVar, b.Momentum, b.Eps = lf.RunMean, lf.RunVar, lf.Momentum, lf.Eps
		l = b
	case "GaussianAffine":
		if len(lf.Loc) != d || len(lf.Chol) != d*d {
			return nil, fmt.Errorf("loc and chol must have %d and %d values", d, d*d)
		}
		L := make([][]float64, d)
		for i := range d {
			L[i] = lf.Chol[i*d : (i+1)*d]
		}
		g, e := NewGaussianAffine(lf.Loc, L)
		if e == nil {
			g.owner, g.Diagonal = owner, lf.Diagonal
		}
		l, err = g, e
	default:
		return nil, fmt.Errorf("unknown bijector type %q", lf.Type)
	}
	if err != nil {
		return nil, err
	}
	ps := l.Params()
	if len(ps) != len(lf.Params) {
		return nil, fmt.Errorf("%d parameters, want %d", len(lf.Params), len(ps))
	}
	for i, p := range ps {
		t, err := tensorOf(lf.Params[i])
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i, err)
		}
		if !slices.Equal(t.Shape(), p.Shape()) {
			return nil, fmt.Errorf("parameter %d has shape %s, want %s", i, fmtInts(t.Shape()), fmtInts(p.Shape()))
		}
		copy(p.Data(), t.Data())
	}
	return l, nil
}
