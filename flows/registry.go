package flows

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/internal/spell"
)

// Names returns the names of the bijectors of the language, in the order
// of the reference.
func Names() []string {
	var out []string
	for _, r := range bijectors {
		if !r.internal {
			out = append(out, r.name)
		}
	}
	return out
}

// Implemented reports whether name is a bijector of the language (all of
// them can be built).
func Implemented(name string) bool {
	r := lookup(name)
	return r != nil && !r.internal
}

// Doc returns the one-line description of bijector name and the options
// it takes, for the reference and the REPL's :help; ok is false for a
// name that is not a bijector of the language.
func Doc(name string) (doc string, options []string, ok bool) {
	if !Implemented(name) {
		return "", nil, false
	}
	r := lookup(name)
	return r.doc, slices.Clone(r.options), true
}

// lookup returns the registration of name, or nil.
func lookup(name string) *registration {
	for _, r := range bijectors {
		if r.name == name {
			return r
		}
	}
	return nil
}

// checkName returns an error for a name that is not a bijector of the
// language.
func checkName(name string) error {
	if !Implemented(name) {
		return fmt.Errorf("unknown bijector %q%s", name, spell.Hint(name, Names()))
	}
	return nil
}

// CheckOptions reports whether name is an implemented bijector and opts are
// options it has with valid values, as far as that can be told without the
// dimension (for a plan, before it has a base).
func CheckOptions(name string, opts map[string]OptionValue) error {
	if err := checkName(name); err != nil {
		return err
	}
	_, err := parseOptions(name, opts)
	return err
}

// Apply applies bijector name with options opts to inner and returns the
// new flow. When inner is a *Flow the new layers are appended after its
// layers and share their parameters (flow Spline(AffineAutoregressive(base))
// is base → AffineAutoregressive → Spline); otherwise inner is the base.
// Fresh parameters and random permutations are drawn from rng.
//
// Errors name the problem: `unknown bijector "Splin" (did you mean
// "Spline"?)`, `AffineAutoregressive has no option "bins" (options: hidden, ...)`,
// `hidden must be a list of positive integers, got [0]`, or a domain error.
func Apply(name string, inner dist.Distribution, opts map[string]OptionValue, rng *rand.Rand) (*Flow, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	o, err := parseOptions(name, opts)
	if err != nil {
		return nil, err
	}
	var f *Flow
	if in, ok := inner.(*Flow); ok {
		f = &Flow{
			Base:    in.Base,
			Layers:  slices.Clone(in.Layers),
			stages:  slices.Clone(in.stages),
			nStaged: in.nStaged,
			dir:     in.dir,
		}
	} else {
		if err := checkBase(inner); err != nil {
			return nil, err
		}
		f = &Flow{Base: inner}
		if _, err := f.support(); err != nil {
			return nil, err
		}
	}
	layers, err := lookup(name).build(f.Dim(), o, rng)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := f.push(stage{name: name, opts: fmtOptionsSep(name, opts, "=")}, layers...); err != nil {
		return nil, err
	}
	return f, nil
}

// PlanStep is one bijector application of a plan.
type PlanStep struct {
	Name    string
	Options map[string]OptionValue
}

// Plan is a flow without a base (`flow AffineAutoregressive` in the
// language): its bijector applications, innermost first. A fit
// instantiates it over a standard normal base of the target's dimension.
type Plan struct {
	Layers []PlanStep
}

// Check validates the names and the options that do not depend on the
// dimension, so a plan can be rejected where it is written.
func (p Plan) Check() error {
	if len(p.Layers) == 0 {
		return fmt.Errorf("a flow plan needs at least one bijector")
	}
	for _, s := range p.Layers {
		if err := CheckOptions(s.Name, s.Options); err != nil {
			return err
		}
	}
	return nil
}

// Instantiate builds the flow of the plan over base with fresh parameters
// drawn from rng.
func (p Plan) Instantiate(base dist.Distribution, rng *rand.Rand) (*Flow, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	var d dist.Distribution = base
	var f *Flow
	for _, s := range p.Layers {
		var err error
		if f, err = Apply(s.Name, d, s.Options, rng); err != nil {
			return nil, err
		}
		d = f
	}
	return f, nil
}

// String returns the plan as written, e.g. "flow Spline(AffineAutoregressive)"
// or "flow AffineAutoregressive(hidden = [32, 32])".
func (p Plan) String() string {
	s := ""
	for i, st := range p.Layers {
		o := fmtOptionsSep(st.Name, st.Options, " = ")
		switch {
		case i == 0 && o == "":
			s = st.Name
		case i == 0:
			s = st.Name + "(" + o + ")"
		case o == "":
			s = st.Name + "(" + s + ")"
		default:
			s = st.Name + "(" + s + ", " + o + ")"
		}
	}
	return "flow " + s
}
