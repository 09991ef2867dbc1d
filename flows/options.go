package flows

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Options configures the bijectors. The zero value means the documented
// defaults; each bijector reads only the options it has (see optionNames).
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
}

// withDefaults fills in the defaults and checks the values that need d.
func (o Options) withDefaults(d int) (Options, error) {
	if o.Hidden == nil {
		o.Hidden = []int{256, 256}
	}
	for _, h := range o.Hidden {
		if h <= 0 {
			return o, fmt.Errorf("hidden must be a list of positive integers, got %s", fmtInts(o.Hidden))
		}
	}
	if len(o.Hidden) == 0 {
		return o, fmt.Errorf("hidden must be a list of positive integers, got []")
	}
	if o.Layers == 0 {
		o.Layers = 1
	}
	if o.Layers < 0 {
		return o, fmt.Errorf("layers must be a positive integer, got %d", o.Layers)
	}
	if o.Activation == "" {
		o.Activation = "relu"
	}
	if !slices.Contains(activations, o.Activation) {
		return o, fmt.Errorf(`activation must be "relu", "tanh" or "elu", got %q`, o.Activation)
	}
	if o.Precision == "" {
		o.Precision = Float64
	}
	if o.Precision != Float64 && o.Precision != Float32 {
		return o, fmt.Errorf(`precision must be "float64" or "float32", got %q`, o.Precision)
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
	if o.Bins < 0 || !(o.Bound > 0) || math.IsInf(o.Bound, 0) || !finite(o.Exponent) {
		return o, fmt.Errorf("bins must be a positive integer and bound a positive number, got %d and %g", o.Bins, o.Bound)
	}
	if o.LogScaleMin == 0 && o.LogScaleMax == 0 {
		o.LogScaleMin, o.LogScaleMax = -5, 3
	}
	if !(o.LogScaleMin < o.LogScaleMax) {
		return o, fmt.Errorf("clip_log_scale must be [lo, hi] with lo < hi, got [%g, %g]", o.LogScaleMin, o.LogScaleMax)
	}
	return o, nil
}

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

// optionNames lists each bijector's options, in the order error messages
// and String show them.
var optionNames = map[string][]string{
	"AffineAutoregressive": {"hidden", "layers", "activation", "permutation", "clip_log_scale", "precision"},
	"Affine":               {"loc", "scale"},
	"AffineFixed":          {"loc", "scale"},
	"Permute":              {"permutation"},
	"Exp":                  {},
	"Spline":               {"bins", "bound"},
	"SplineAutoregressive": {"hidden", "layers", "activation", "permutation", "bins", "bound", "precision"},
	"Coupling":             {"hidden", "layers", "activation", "precision"},
	"Softplus":             {},
	"Sigmoid":              {},
	"Tanh":                 {},
	"ELU":                  {},
	"LeakyReLU":            {},
	"Power":                {"exponent"},
	"Planar":               {"layers"},
	"Radial":               {"layers"},
	"BatchNorm":            {},
}

// parseOptions converts and checks the options given to bijector name.
// Checks that need the dimension happen when the bijector is built.
func parseOptions(name string, opts map[string]OptionValue) (Options, error) {
	var o Options
	allowed := optionNames[name]
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return o, fmt.Errorf("%s has no option %q (it takes none)", name, k)
			}
			return o, fmt.Errorf("%s has no option %q (options: %s)", name, k, strings.Join(allowed, ", "))
		}
		v := opts[k]
		var err error
		switch k {
		case "hidden":
			o.Hidden, err = intList(v)
			if err != nil || len(o.Hidden) == 0 || slices.ContainsFunc(o.Hidden, func(h int) bool { return h <= 0 }) {
				return o, fmt.Errorf("hidden must be a list of positive integers, got %s", fmtValue(v))
			}
		case "layers":
			n, ok := asInt(v)
			if !ok || n <= 0 {
				return o, fmt.Errorf("layers must be a positive integer, got %s", fmtValue(v))
			}
			o.Layers = n
		case "activation":
			s, ok := v.(string)
			if !ok || !slices.Contains(activations, s) {
				return o, fmt.Errorf(`activation must be "relu", "tanh" or "elu", got %s`, fmtValue(v))
			}
			o.Activation = s
		case "precision":
			s, ok := v.(string)
			if !ok || (s != Float64 && s != Float32) {
				return o, fmt.Errorf(`precision must be "float64" or "float32", got %s`, fmtValue(v))
			}
			o.Precision = s
		case "permutation":
			p, err := intList(v)
			if err != nil {
				return o, fmt.Errorf("permutation must be a vector of distinct integers 0..d-1, got %s", fmtValue(v))
			}
			if p == nil {
				p = []int{}
			}
			o.Permutation = p
		case "clip_log_scale":
			switch v := v.(type) {
			case bool:
				o.ClipLogScale = v
			default:
				b, err := floatList(v)
				if err != nil || len(b) != 2 || !(b[0] < b[1]) || math.IsInf(b[0], 0) || math.IsInf(b[1], 0) {
					return o, fmt.Errorf("clip_log_scale must be true, false or [lo, hi] with lo < hi, got %s", fmtValue(v))
				}
				o.ClipLogScale, o.LogScaleMin, o.LogScaleMax = true, b[0], b[1]
			}
		case "bins":
			n, ok := asInt(v)
			if !ok || n <= 0 || n > 1000 {
				return o, fmt.Errorf("bins must be a positive integer (at most 1000), got %s", fmtValue(v))
			}
			o.Bins = n
		case "bound":
			b, ok := asFloat(v)
			if !ok || !(b > 0) || math.IsInf(b, 0) {
				return o, fmt.Errorf("bound must be a positive number, got %s", fmtValue(v))
			}
			o.Bound = b
		case "exponent":
			e, ok := asFloat(v)
			if !ok || e == 0 || math.IsInf(e, 0) || math.IsNaN(e) {
				return o, fmt.Errorf("exponent must be a nonzero number, got %s", fmtValue(v))
			}
			o.Exponent = e
		case "loc", "scale":
			f, err := floatList(v)
			if err != nil || len(f) == 0 {
				return o, fmt.Errorf("%s must be a number or a vector, got %s", k, fmtValue(v))
			}
			if k == "loc" {
				o.Loc = f
			} else {
				o.Scale = f
			}
		}
	}
	return o, nil
}

func asInt(v OptionValue) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<31 {
			return int(v), true
		}
	}
	return 0, false
}

func asFloat(v OptionValue) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func intList(v OptionValue) ([]int, error) {
	switch v := v.(type) {
	case []int:
		return append([]int(nil), v...), nil
	case int, float64:
		n, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("not an integer")
		}
		return []int{n}, nil
	case []float64:
		out := make([]int, len(v))
		for i, x := range v {
			n, ok := asInt(x)
			if !ok {
				return nil, fmt.Errorf("not an integer")
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("not a list")
}

func floatList(v OptionValue) ([]float64, error) {
	switch v := v.(type) {
	case float64:
		return []float64{v}, nil
	case int:
		return []float64{float64(v)}, nil
	case []float64:
		return append([]float64(nil), v...), nil
	case []int:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("not a number or vector")
}

// fmtValue writes an option value as the language would.
func fmtValue(v OptionValue) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []int:
		return fmtInts(v)
	case []float64:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%v", v)
}

// fmtOptions renders options in the bijector's canonical order, e.g.
// "hidden = [32, 32], layers = 2".
func fmtOptions(name string, opts map[string]OptionValue) string {
	return fmtOptionsSep(name, opts, " = ")
}

// fmtOptionsSep is fmtOptions with sep between name and value.
func fmtOptionsSep(name string, opts map[string]OptionValue, sep string) string {
	var parts []string
	for _, k := range optionNames[name] {
		if v, ok := opts[k]; ok {
			parts = append(parts, k+sep+fmtValue(v))
		}
	}
	return strings.Join(parts, ", ")
}
