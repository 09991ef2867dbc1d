package stdlib

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// family is what a distribution builtin needs of a family of the dist
// registry: its name, its parameter names in order, a line of help, and a
// constructor; validate asks it to check the parameter values.
type family struct {
	name, doc string
	params    []string
	build     func(params []*tensor.Tensor, validate bool) (dist.Distribution, error)
	fam       *dist.Family // the dist registry's entry, nil for test families
}

// registry lists the families of dist.Families.
func registry() []family {
	fs := make([]family, len(dist.Families))
	for i, f := range dist.Families {
		fs[i] = family{name: f.Name, doc: f.Doc, params: f.Params, build: f.Build, fam: f}
	}
	return fs
}

func familyBuiltins() []*lang.Builtin {
	var bs []*lang.Builtin
	for _, f := range registry() {
		bs = append(bs, familyBuiltin(f))
	}
	return bs
}

// familyBuiltin returns the constructor builtin of a family, such as
// Normal(loc, scale): arguments are numbers or arrays, positional or by
// parameter name. Constant arguments are validated; if any argument is a
// tracked array (a value computed from latents in a model), values are not.
func familyBuiltin(f family) *lang.Builtin {
	doc := fmt.Sprintf("%s(%s): %s", f.name, strings.Join(f.params, ", "), f.doc)
	return def(f.name, doc, func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
		vals, nb, vector, batched, err := familyArgs(f, args, kwargs)
		if err != nil {
			return nil, err
		}
		// Constant parameters are checked (Normal(0, -1) is an error);
		// parameters computed from latents inside a model (tracked
		// tensors) are not: an invalid value gives log density -inf.
		validate := nb == 0
		for _, v := range vals {
			if v.Tracked() {
				validate = false
			}
		}
		d, err := f.build(vals, validate)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, f.name) {
				msg = f.name + ": " + msg
			}
			return nil, fmt.Errorf("%s", msg)
		}
		return &lang.Dist{D: d, Batch: nb, Vector: vector, Family: f.fam, Params: vals, Batched: batched}, nil
	})
}

// familyArgs binds the arguments of a family builtin to its parameters and
// converts them to tensors (arrays are passed on uncopied, so a tracked
// array stays on its tape).
//
// A batch argument (a value computed from latent variables, one per draw)
// becomes a [B, 1] (a number per draw) or [B, d] tensor, or for a matrix
// parameter of the family (dist.Family.MatrixParams) a [B, r, c] tensor;
// nb is B (0 when no argument is a batch), vector reports whether any
// argument is a vector, not counting the family's whole-vector parameters
// (dist.Family.Whole, such as OrderedLogistic's cutpoints: a draw of
// OrderedLogistic(0.5, c) is a number), which must be vectors, and batched
// which arguments are batches (nil when none is).
func familyArgs(f family, args lang.Tuple, kwargs []lang.Kwarg) (out []*tensor.Tensor, nb int, vector bool, batched []bool, err error) {
	n := len(f.params)
	arity := func() error {
		s := "s"
		if n == 1 {
			s = ""
		}
		return fmt.Errorf("%s takes %d argument%s (%s), got %d", f.name, n, s, strings.Join(f.params, ", "), len(args)+len(kwargs))
	}
	if len(args) > n {
		return nil, 0, false, nil, arity()
	}
	given := make([]lang.Value, n)
	copy(given, args)
	for _, kw := range kwargs {
		i := -1
		for j, p := range f.params {
			if p == kw.Name {
				i = j
			}
		}
		if i < 0 {
			return nil, 0, false, nil, fmt.Errorf("%s: unexpected keyword argument %q%s", f.name, kw.Name, spell.Hint(kw.Name, f.params))
		}
		if given[i] != nil {
			return nil, 0, false, nil, fmt.Errorf("%s: got multiple values for parameter %q", f.name, kw.Name)
		}
		given[i] = kw.Value
	}
	out = make([]*tensor.Tensor, n)
	for i, v := range given {
		whole := f.fam != nil && f.fam.IsWhole(f.params[i])
		switch v := v.(type) {
		case nil:
			return nil, 0, false, nil, arity()
		case lang.Number:
			out[i] = tensor.Scalar(float64(v))
		case *lang.Array:
			out[i] = v.T
			vector = vector || !whole
		case *lang.Batch:
			switch {
			case v.Bool:
				return nil, 0, false, nil, fmt.Errorf("%s: parameter %s must be a number or a vector, got bool", f.name, f.params[i])
			case nb != 0 && v.N() != nb:
				return nil, 0, false, nil, fmt.Errorf("internal error: batches of %d and %d draws", nb, v.N())
			case len(v.Event()) == 0 && whole:
				return nil, 0, false, nil, fmt.Errorf("%s: %s must be a vector, got a number", f.name, f.params[i])
			case len(v.Event()) == 0:
				out[i] = v.Column()
			case len(v.Event()) == 1:
				out[i] = v.T
				vector = vector || !whole
			case len(v.Event()) == 2 && f.fam != nil && slices.Contains(f.fam.MatrixParams, f.params[i]):
				out[i] = v.T // [B, r, c]: one matrix per draw
			default:
				return nil, 0, false, nil, fmt.Errorf("%s: parameter %s must be a number or a vector, got a matrix that depends on latent variables", f.name, f.params[i])
			}
			nb = v.N()
			if batched == nil {
				batched = make([]bool, n)
			}
			batched[i] = true
		default:
			return nil, 0, false, nil, fmt.Errorf("%s: parameter %s must be a number or a vector, got %s", f.name, f.params[i], v.Type())
		}
	}
	return out, nb, vector, batched, nil
}
