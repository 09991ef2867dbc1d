package stdlib

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/lang"
)

// The save and load builtins are registered here rather than in universe()
// so that flow files stay in one file.
func init() {
	for _, b := range []*lang.Builtin{
		def("save", "save(q, path): write flow q (structure, options, permutations, parameters, base) to a JSON file that load reads back", builtinSave),
		def("load", "load(path, target): the flow saved by save(q, path); it samples and scores exactly as q did. With target, a posterior m(data), a saved guide comes back as a guide of it (sample gives the latents by name)", builtinLoad),
	} {
		if _, dup := Universe[b.Name()]; dup {
			panic("stdlib: builtin " + b.Name() + " defined twice")
		}
		Universe[b.Name()] = b
	}
}

// FlowSaver is a value other than a flow that save can write: the
// interpreter's posterior guides implement it, returning their flow (over
// the unconstrained latent space) with Meta set to the latents' names,
// shapes and constraints, which flows.Save stores and flows.Load returns
// in the loaded flow's Meta.
type FlowSaver interface {
	lang.Value
	SavedFlow() (*flows.Flow, error)
}

// GuideTarget is a value that load(path, target) attaches a loaded flow
// to: the interpreter's posteriors m(data) implement it, checking the
// flow's Meta (the latent layout save recorded) against their own layout
// and returning a guide, whose sample and summary give the latents by name
// as the saved guide's did. load(path) alone returns the bare flow over
// the unconstrained space (with Meta): a guide's constrained latents and
// derived quantities need the model and its data, which the file does not
// hold.
type GuideTarget interface {
	lang.Value
	GuideFor(f *flows.Flow) (lang.Value, error)
}

// builtinSave implements save(q, path).
func builtinSave(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var q lang.Value
	var path string
	if err := lang.UnpackArgs("save", args, kwargs, "q", &q, "path", &path); err != nil {
		return nil, err
	}
	var f *flows.Flow
	switch q := q.(type) {
	case *lang.Flow:
		f = q.F
	case *lang.ConditionalFlow:
		f = q.F
	case FlowSaver:
		var err error
		if f, err = q.SavedFlow(); err != nil {
			return nil, fmt.Errorf("save: %v", err)
		}
	default:
		return nil, fmt.Errorf("save: got %s, want a flow", lang.Describe(q))
	}
	var buf bytes.Buffer
	if err := flows.Save(&buf, f); err != nil {
		return nil, fmt.Errorf("save: %s", strings.TrimPrefix(err.Error(), "flows.Save: "))
	}
	if err := th.WriteFile(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("save: %w", err)
	}
	return lang.None, nil
}

// builtinLoad implements load(path).
func builtinLoad(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var path string
	var target lang.Value
	if err := lang.UnpackArgs("load", args, kwargs, "path", &path, "target?", &target); err != nil {
		return nil, err
	}
	var gt GuideTarget
	if target != nil && target != lang.None {
		var ok bool
		if gt, ok = target.(GuideTarget); !ok {
			return nil, fmt.Errorf("load: target must be a posterior m(data), got %s", lang.Describe(target))
		}
	}
	data, err := th.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	f, err := flows.Load(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("load: %s: %s", path, strings.TrimPrefix(err.Error(), "flows.Load: "))
	}
	if gt != nil {
		g, err := gt.GuideFor(f)
		if err != nil {
			return nil, fmt.Errorf("load: %s: %v", path, err)
		}
		return g, nil
	}
	if f.ContextDim() > 0 {
		return &lang.ConditionalFlow{F: f}, nil
	}
	return &lang.Flow{F: f}, nil
}
