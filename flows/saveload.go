package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"

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
		Std       *int        `json:"standardizer"` // index in Layers, or -1 (missing: none)
		Direction string      `json:"direction"`
		Fitted    bool        `json:"fitted"`
		// Meta is opaque to flows: the language stores a posterior guide's
		// latent names, shapes and constraints here.
		Meta json.RawMessage `json:"meta,omitempty"`
		// A conditional flow's context standardisation (StandardizeContext;
		// files before it, and flows without it: none).
		ContextLoc   []float64 `json:"context_loc,omitempty"`
		ContextScale []float64 `json:"context_scale,omitempty"`
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
		Context   int          `json:"context,omitempty"` // a conditional layer's context size (files before it: 0)
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
	if q.view {
		return fmt.Errorf("flows.Save: a conditional flow at a fixed context (Given) cannot be saved: save the conditional flow")
	}
	std := -1
	ff := flowFile{Format: FileFormat, Version: FileVersion, Staged: q.nStaged, Std: &std,
		Direction: dirName(q.dir), Fitted: q.fitted, Meta: q.Meta,
		ContextLoc: q.ctxLoc, ContextScale: q.ctxScale}
	var err error
	if ff.Base, err = saveBase(q.Base); err != nil {
		return err
	}
	for _, s := range q.stages {
		ff.Stages = append(ff.Stages, stageFile{Name: s.name, Options: s.opts})
	}
	for i, l := range q.Layers {
		if l == Bijector(q.std) {
			std = i
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
	r := lookup(l.Name())
	if r == nil || r.save == nil && r.load == nil {
		return lf, fmt.Errorf("bijector type %T cannot be saved", l)
	}
	if r.save != nil {
		if err := r.save(l, &lf); err != nil {
			return lf, err
		}
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
	if err := checkHead(data); err != nil {
		return nil, fmt.Errorf("flows.Load: %w", err)
	}
	if err := checkJSON(data, reflect.TypeFor[flowFile]()); err != nil {
		return nil, fmt.Errorf("flows.Load: malformed flow file: %w", err)
	}
	var ff flowFile
	if err := json.Unmarshal(data, &ff); err != nil {
		return nil, fmt.Errorf("flows.Load: malformed flow file: %v", err)
	}
	f, err := loadFlow(ff)
	if err != nil {
		return nil, fmt.Errorf("flows.Load: %w", err)
	}
	return f, nil
}

// checkHead checks that data is a JSON object whose format is FileFormat
// and whose version this package reads.
func checkHead(data []byte) error {
	var head struct{ Format, Version json.RawMessage } // other members are skipped, not copied
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("not a flow file (%s)", jsonError(err))
	}
	var format string
	if err := json.Unmarshal(head.Format, &format); err != nil || format != FileFormat {
		return fmt.Errorf("not a flow file (format %s, want %q)", showRaw(head.Format), FileFormat)
	}
	var version float64
	if err := json.Unmarshal(head.Version, &version); err != nil || version != math.Trunc(version) {
		return fmt.Errorf("version must be a whole number, got %s", showRaw(head.Version))
	}
	if version > FileVersion || version < 1 {
		return fmt.Errorf("flow file format version %s is not supported (this flowppl reads versions 1 to %d)", showRaw(head.Version), FileVersion)
	}
	return nil
}

// showRaw shows a JSON value in a message: "missing", or its text cut to
// 40 bytes.
func showRaw(raw json.RawMessage) string {
	if raw == nil {
		return "missing"
	}
	if len(raw) > 40 {
		return string(raw[:40]) + "..."
	}
	return string(raw)
}

// jsonError words a JSON syntax error without Go's type names.
func jsonError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "the file holds a JSON " + te.Value + ", want an object"
	}
	return "invalid JSON: " + err.Error()
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
	for i := range ff.Layers {
		lf := &ff.Layers[i]
		if lf.Dim != d {
			return nil, fmt.Errorf("layer %d (%s) has dimension %d but the base has dimension %d", i, lf.Type, lf.Dim, d)
		}
		l, err := loadLayer(lf, f)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, lf.Type, err)
		}
		if err := checkContext(f.Layers, l); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		f.Layers = append(f.Layers, l)
	}
	if ff.Staged < 0 || ff.Staged > len(f.Layers) {
		return nil, fmt.Errorf("staged_layers %d out of range (0 to %d, the number of layers)", ff.Staged, len(f.Layers))
	}
	if ff.Std != nil && *ff.Std >= 0 {
		i := *ff.Std
		if i >= len(f.Layers) {
			return nil, fmt.Errorf("standardizer %d is not a layer (the flow has %d)", i, len(f.Layers))
		}
		a, ok := f.Layers[i].(*AffineFixed)
		if !ok {
			return nil, fmt.Errorf("standardizer %d is not an AffineFixed layer", i)
		}
		f.std = a
	}
	for i, s := range ff.Stages {
		if err := checkStage(s); err != nil {
			return nil, fmt.Errorf("stage %d: %w", i, err)
		}
		f.stages = append(f.stages, stage{name: s.Name, opts: s.Options})
	}
	if _, err := f.support(); err != nil {
		return nil, err
	}
	if ff.ContextLoc != nil || ff.ContextScale != nil {
		if !f.StandardizeContext(ff.ContextLoc, ff.ContextScale) {
			return nil, fmt.Errorf("context_loc and context_scale must be %d finite values each, the scales positive", f.ContextDim())
		}
	}
	if err := probe(f); err != nil {
		return nil, err
	}
	return f, nil
}

// probe pushes a few base draws (from a fixed seed) through the loaded
// flow the cheap way for its direction (forward for BaseSide, the
// density of the draws as points for DataSide: one conditioner pass
// either way; a conditional flow at a zero context) and rejects parameters that give NaN, or infinite draws:
// finite but absurd weights (1e308) or scales (e^-800) would otherwise
// give NaN log densities silently.
func probe(f *Flow) error {
	if k := f.ContextDim(); k > 0 { // at a zero context
		f = f.bind(tensor.Zeros(1, k))
	}
	x0 := f.Base.Sample(loadRNG(), 8)
	var x, lp *tensor.Tensor
	if f.dir == DataSide {
		x, lp = x0, f.LogProb(x0)
	} else {
		x, lp = f.Push(x0)
	}
	for _, v := range x.Data() {
		if !finite(v) {
			return fmt.Errorf("the parameters give a draw of %v: the file is damaged or its values are out of range", v)
		}
	}
	for _, v := range lp.Data() {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return fmt.Errorf("the parameters give a log density of %v: the file is damaged or its values are out of range", v)
		}
	}
	return nil
}

// checkStage checks a stage as Save writes it: a bijector of the language
// and its options as `name=value, ...` (what String shows), each an option
// it takes with a value written as a number, string, bool or list.
func checkStage(s stageFile) error {
	if err := checkName(s.Name); err != nil {
		return err
	}
	if s.Options == "" {
		return nil
	}
	for _, kv := range splitTop(s.Options) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !slices.Contains(lookup(s.Name).options, k) || !stageValue.MatchString(v) {
			return fmt.Errorf("invalid options %q of %s", s.Options, s.Name)
		}
	}
	return nil
}

// stageValue is an option value as fmtOptionsSep writes it.
var stageValue = regexp.MustCompile(`^(-?[0-9.e+-]+|true|false|"[a-z0-9]*"|\[(-?[0-9.e+-]+(, -?[0-9.e+-]+)*)?\])$`)

// splitTop splits s at the ", " outside brackets.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
				for start < len(s) && s[start] == ' ' {
					start++
				}
			}
		}
	}
	return append(out, s[start:])
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
	empty := slices.Contains(tf.Shape, 0) // [64, 0]: a 1-D conditional Coupling's first weight
	for _, s := range tf.Shape {
		if s < 0 || s > 1<<24 {
			return nil, fmt.Errorf("invalid shape %s", fmtInts(tf.Shape))
		}
		if n *= s; n > len(tf.Data) && !empty { // also keeps the product from overflowing
			return nil, fmt.Errorf("shape %s does not match %d values", fmtInts(tf.Shape), len(tf.Data))
		}
	}
	if n != len(tf.Data) {
		return nil, fmt.Errorf("shape %s does not match %d values", fmtInts(tf.Shape), len(tf.Data))
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
// inputs through hidden to out outputs, or an error for widths that are
// not positive or absurdly large.
func conditionerSize(in int, hidden []int, out int) (int, error) {
	if len(hidden) == 0 {
		return 0, fmt.Errorf("hidden widths are missing")
	}
	n := 0
	for _, h := range append(slices.Clone(hidden), out) {
		if h <= 0 || h > 1<<20 {
			return 0, fmt.Errorf("hidden must be a list of positive integers (at most %d), got %s", 1<<20, fmtInts(hidden))
		}
		n += h*in + h
		if n > 1<<31 {
			return 0, fmt.Errorf("hidden %s and dimension %d make a conditioner of more than 2^31 parameters", fmtInts(hidden), in)
		}
		in = h
	}
	return n, nil
}

// loadLayer rebuilds one saved layer through its registration: the
// declared configuration must need exactly the parameter values the file
// holds (checked before anything is allocated), then the parameters are
// copied in, shape by shape.
func loadLayer(lf *layerFile, owner *Flow) (Bijector, error) {
	r := lookup(lf.Type)
	if r == nil || r.load == nil {
		return nil, fmt.Errorf("unknown bijector type %q", lf.Type)
	}
	provided := 0
	for _, p := range lf.Params {
		provided += len(p.Data)
	}
	want, err := r.size(lf)
	if err != nil {
		return nil, err
	}
	if lf.Context != 0 { // a conditional layer's context weights, [hidden[0], context]
		if !slices.Contains(r.options, "context") {
			return nil, fmt.Errorf("%s takes no context, the file gives context %d", lf.Type, lf.Context)
		}
		if lf.Context < 0 || lf.Context > maxContext {
			return nil, fmt.Errorf("context %d out of range (1 to %d)", lf.Context, maxContext)
		}
		want += lf.Hidden[0] * lf.Context
	}
	if want != provided {
		return nil, fmt.Errorf("its configuration needs %d parameter values, the file has %d", want, provided)
	}
	l, err := r.load(lf, owner)
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
