package flows

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/internal/option"
	"github.com/flowppl/flowppl/internal/spell"
)

// Options configures the bijectors. The zero value means the documented
// defaults; each bijector reads only the options it has (see FlowOptions and
// its registration in bijectors).
type Options struct {
	// Hidden are the conditioner's hidden widths (AffineAutoregressive,
	// SplineAutoregressive, Coupling); nil means FlowTorch's [256, 256]. Widths below d are allowed: some
	// hidden degrees then have no unit and the conditioner is less flexible.
	Hidden []int
	// Layers is the number of stacked layers of one application:
	// autoregressive ones each with its own random variable order,
	// Coupling with alternating halves, Planar and Radial; 0 means 1.
	Layers int
	// Activation is the conditioner's nonlinearity: "relu" (default),
	// "tanh" or "elu".
	Activation string
	// Precision is the arithmetic of the conditioner's matrix products
	// (AffineAutoregressive, SplineAutoregressive, Coupling): Float64
	// (the default, also "") or Float32, which rounds the products'
	// operands to float32 and sums in float32 on CPUs with AVX-512 (about
	// twice as fast; elsewhere it computes as Float64). Parameters,
	// gradients, the optimiser and every other operation stay float64;
	// see tensor.LinearOptions for the error.
	Precision string
	// Permutation is a fixed variable order for AffineAutoregressive (its
	// first layer; later layers draw theirs) or the permutation of Permute;
	// nil means drawn at random.
	Permutation []int
	// ClipLogScale clamps AffineAutoregressive's log σ to
	// [LogScaleMin, LogScaleMax]; off by default, as in FlowTorch.
	ClipLogScale bool
	// LogScaleMin and LogScaleMax bound the clamp; both 0 means [-5, 3]
	// (FlowTorch's log_scale_min_clip and log_scale_max_clip).
	LogScaleMin, LogScaleMax float64
	// Loc and Scale are AffineFixed's constants and Affine's starting
	// values: one value for all dimensions or one per dimension; nil means
	// 0 and 1.
	Loc, Scale []float64
	// Bins is the number of spline bins (Spline, SplineAutoregressive); 0
	// means 8.
	Bins int
	// Bound is the half-width B of the spline box [-B, B], outside which a
	// spline is the identity; 0 means 3.
	Bound float64
	// Exponent is Power's exponent; 0 means 2 (it cannot be 0).
	Exponent float64
	// Context is the size of the context vector the conditioner reads
	// besides its inputs (AffineAutoregressive, SplineAutoregressive,
	// Coupling); 0 means none. See Conditional.
	Context int
}

// Validate checks the options' ranges as far as they do not depend on the
// dimension, in the words of FlowOptions: zero values are the defaults;
// a non-positive width, a negative count, an unknown activation or
// precision, bins above 1000, a non-positive or infinite bound, a
// non-finite exponent or an empty clamp are errors naming the option.
func (o Options) Validate() error {
	bad := func(name string, got any) error {
		opt, _ := FlowOptions.Lookup(name)
		return opt.Errorf(got)
	}
	switch {
	case o.Hidden != nil && (len(o.Hidden) == 0 || slices.ContainsFunc(o.Hidden, func(h int) bool { return h <= 0 })):
		return bad("hidden", o.Hidden)
	case o.Layers < 0:
		return bad("layers", o.Layers)
	case o.Context < 0 || o.Context > maxContext:
		return bad("context", o.Context)
	case o.Activation != "" && !slices.Contains(activations, o.Activation):
		return bad("activation", o.Activation)
	case o.Precision != "" && o.Precision != Float64 && o.Precision != Float32:
		return bad("precision", o.Precision)
	case o.Bins < 0 || o.Bins > 1000:
		return bad("bins", o.Bins)
	case o.Bound < 0 || math.IsInf(o.Bound, 0) || math.IsNaN(o.Bound):
		return bad("bound", o.Bound)
	case !finite(o.Exponent):
		return bad("exponent", o.Exponent)
	case (o.LogScaleMin != 0 || o.LogScaleMax != 0) && !(o.LogScaleMin < o.LogScaleMax):
		return bad("clip_log_scale", []float64{o.LogScaleMin, o.LogScaleMax})
	}
	return nil
}

// withDefaults validates o, fills in the defaults and checks the values
// that need d.
func (o Options) withDefaults(d int) (Options, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	if o.Hidden == nil {
		o.Hidden = []int{256, 256}
	}
	if o.Layers == 0 {
		o.Layers = 1
	}
	if o.Activation == "" {
		o.Activation = "relu"
	}
	if o.Precision == "" {
		o.Precision = Float64
	}
	if o.Permutation != nil {
		if err := checkPermutation(o.Permutation, d); err != nil {
			return o, err
		}
	}
	if o.Bins == 0 {
		o.Bins = 8
	}
	if o.Bound == 0 {
		o.Bound = 3
	}
	if o.Exponent == 0 {
		o.Exponent = 2
	}
	if o.LogScaleMin == 0 && o.LogScaleMax == 0 {
		o.LogScaleMin, o.LogScaleMax = -5, 3
	}
	return o, nil
}

// maxContext is the largest context a conditional bijector takes.
const maxContext = 1 << 16

// The values of Options.Precision.
const (
	Float64 = "float64"
	Float32 = "float32"
)

// precisionName is the Precision of a conditioner whose products are
// float32 when f32 is set.
func precisionName(f32 bool) string {
	if f32 {
		return Float32
	}
	return Float64
}

// OptionValue is the Go value of a bijector option as the interpreter
// passes it: float64 (or int), []float64 (or []int), string or bool.
type OptionValue = any

// FlowOptions declares every bijector option of the language once: its
// name, range, default, doc and where it goes in Options. A bijector's
// registration lists which of them it takes; the interpreter, the REPL's
// help and completion and docs/language.md read this table. Checks that
// need the dimension (a permutation of 0..d-1, a loc of length d) happen
// when the bijector is built.
var FlowOptions = &option.Table[Options]{What: "bijector option", Options: []option.Option[Options]{
	{Name: "hidden", Kind: option.PositiveInts, Default: "[256, 256] (posterior plans: [w, w], w = min(256, max(128, 8·D)))",
		Doc: "the conditioner's hidden widths (AffineAutoregressive, SplineAutoregressive, Coupling)",
		Set: func(o *Options, v any) { o.Hidden = v.([]int) }},
	{Name: "layers", Kind: option.PositiveInt, Default: "1",
		Doc: "stacked layers of one application, each autoregressive one with its own variable order, Coupling's with alternating halves",
		Set: func(o *Options, v any) { o.Layers = v.(int) }},
	{Name: "activation", Kind: option.Choice, Choices: activations, Default: `"relu"`,
		Doc: "the conditioner's nonlinearity",
		Set: func(o *Options, v any) { o.Activation = v.(string) }},
	{Name: "permutation", Kind: option.Ints, Range: "a vector of distinct integers 0..d-1", Default: "drawn at random",
		Doc: "a fixed variable order (AffineAutoregressive, SplineAutoregressive: the first layer's) or Permute's permutation",
		Set: func(o *Options, v any) { o.Permutation = v.([]int) }},
	{Name: "clip_log_scale", Kind: option.BoolOrInterval, Default: "false ([-5, 3] when true)",
		Doc: "clamps AffineAutoregressive's log σ to [lo, hi]",
		Set: func(o *Options, v any) {
			if b, ok := v.(bool); ok {
				o.ClipLogScale = b
				return
			}
			b := v.([]float64)
			o.ClipLogScale, o.LogScaleMin, o.LogScaleMax = true, b[0], b[1]
		}},
	{Name: "precision", Kind: option.Choice, Choices: []string{Float64, Float32}, Default: `"float64"`,
		Doc: "arithmetic of the conditioner's matrix products; float32 is about twice as fast on CPUs with AVX-512",
		Set: func(o *Options, v any) { o.Precision = v.(string) }},
	{Name: "bins", Kind: option.PositiveInt, Max: 1000, Default: "8",
		Doc: "spline bins (Spline, SplineAutoregressive)",
		Set: func(o *Options, v any) { o.Bins = v.(int) }},
	{Name: "bound", Kind: option.PositiveFloat, Default: "3",
		Doc: "half-width B of the spline box [-B, B]; outside it a spline is the identity",
		Set: func(o *Options, v any) { o.Bound = v.(float64) }},
	{Name: "loc", Kind: option.FloatOrVector, Default: "0",
		Doc: "AffineFixed's shift or Affine's starting shift: one value or one per dimension",
		Set: func(o *Options, v any) { o.Loc = v.([]float64) }},
	{Name: "scale", Kind: option.FloatOrVector, Default: "1",
		Doc: "AffineFixed's scale (nonzero) or Affine's starting scale (positive): one value or one per dimension",
		Set: func(o *Options, v any) { o.Scale = v.([]float64) }},
	{Name: "context", Kind: option.PositiveInt, Max: maxContext, Default: "none",
		Doc: "size of the context vector the conditioner also reads: a conditional flow q(y | x) (AffineAutoregressive, SplineAutoregressive, Coupling)",
		Set: func(o *Options, v any) { o.Context = v.(int) }},
	{Name: "exponent", Kind: option.NonZeroFloat, Default: "2",
		Doc: "Power's exponent",
		Set: func(o *Options, v any) { o.Exponent = v.(float64) }},
}}

// parseOptions converts and checks the options given to bijector name:
// each must be one the bijector takes (its registration's options) with a
// value in FlowOptions' range. Checks that need the dimension happen when
// the bijector is built.
func parseOptions(name string, opts map[string]OptionValue) (Options, error) {
	var o Options
	for k := range opts {
		if err := CheckOptionName(name, k); err != nil {
			return o, err
		}
	}
	return o, FlowOptions.ParseInto(&o, opts)
}

// CheckOptionName reports whether bijector name takes the option opt:
// `Spline has no option "bnis" (did you mean "bins"?) (options: bins,
// bound)`, or `Exp has no option "bins" (it takes none)`.
func CheckOptionName(name, opt string) error {
	r := lookup(name)
	if r == nil || r.internal {
		return checkName(name)
	}
	if slices.Contains(r.options, opt) {
		return nil
	}
	if len(r.options) == 0 {
		return fmt.Errorf("%s has no option %q (it takes none)", name, opt)
	}
	return fmt.Errorf("%s has no option %q%s (options: %s)", name, opt, spell.Hint(opt, r.options), strings.Join(r.options, ", "))
}

// fmtOptionsSep renders options in the bijector's canonical order with sep
// between name and value, e.g. "hidden=[32, 32], layers=2".
func fmtOptionsSep(name string, opts map[string]OptionValue, sep string) string {
	var parts []string
	for _, k := range lookup(name).options {
		if v, ok := opts[k]; ok {
			parts = append(parts, k+sep+option.Show(v))
		}
	}
	return strings.Join(parts, ", ")
}
