package interp

import (
	"fmt"
	"math"
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

// flow evaluates `flow B(base, options)`, nested applications
// `flow B2(B1(base))` (innermost first) and plans `flow B`,
// `flow B(options)`, `flow B2(B1)`. A base that is itself a plan extends
// it: `g = flow AffineAutoregressive; h = flow Permute(g)` is a plan.
//
// Errors: an option that the bijector does not have or whose value is out
// of range is reported at the option's name; an unimplemented bijector at
// its name; a base that is not a distribution at the base; errors of
// building the flow (domains, dimensions) at the flow keyword.
func (ev *evaluator) flow(x *ast.FlowExpr, e *env) (lang.Value, error) {
	layers, baseExpr, perr := flowChain(x, isBijector)
	if perr != nil {
		return nil, ev.errorf(perr.Pos, "%s", perr.Msg)
	}
	slices.Reverse(layers) // innermost first
	steps := make([]flows.PlanStep, len(layers))
	for i, l := range layers {
		if err := flows.CheckOptions(l.name, nil); err != nil {
			return nil, ev.wrap(l.pos, err)
		}
		opts := map[string]flows.OptionValue{}
		for _, kw := range l.kwargs {
			v, err := ev.eval(kw.Value, e)
			if err != nil {
				return nil, err
			}
			ov, err := optionValue(v)
			if err != nil {
				return nil, ev.errorf(kw.Value.Pos(), "%s option %s: %v", l.name, kw.Name, err)
			}
			if err := flows.CheckOptions(l.name, map[string]flows.OptionValue{kw.Name: ov}); err != nil {
				return nil, ev.wrap(kw.NamePos, err)
			}
			opts[kw.Name] = ov
		}
		steps[i] = flows.PlanStep{Name: l.name, Options: opts}
	}
	if baseExpr == nil {
		return ev.plan(x.FlowPos, steps)
	}
	bv, err := ev.eval(baseExpr, e)
	if err != nil {
		return nil, err
	}
	var inner dist.Distribution
	switch b := bv.(type) {
	case *lang.FlowPlan:
		return ev.plan(x.FlowPos, append(slices.Clone(b.P.Layers), steps...))
	case lang.Distribution:
		inner = b.Dist()
	case *lang.ConditionalFlow: // more layers on a conditional flow
		inner = b.F
	default:
		return nil, ev.errorf(baseExpr.Pos(), "the base of a flow must be a distribution, got %s", bv.Type())
	}
	var f *flows.Flow
	for _, s := range steps {
		if err := ev.th.Alloc(flowParams(inner.Dim(), s.Options), 2); err != nil {
			return nil, ev.wrap(x.FlowPos, fmt.Errorf("%s: %w", s.Name, err))
		}
		_, err := ev.guard(x.FlowPos, func() (lang.Value, error) {
			var err error
			f, err = flows.Apply(s.Name, inner, s.Options, ev.th.Rand)
			return nil, err
		})
		if err != nil {
			return nil, ev.wrap(x.FlowPos, err)
		}
		inner = f
	}
	v := &lang.Flow{F: f}
	if ev.run == nil {
		ev.th.Track(v)
	}
	return flowValue(f), nil
}

// flowValue is the language's value of the flow f: a *lang.Flow, or a
// *lang.ConditionalFlow when it reads a context (context = k).
func flowValue(f *flows.Flow) lang.Value {
	if f.ContextDim() > 0 {
		return &lang.ConditionalFlow{F: f}
	}
	return &lang.Flow{F: f}
}

// flowParams estimates (from above) the number of parameters one bijector
// application with these options has over R^dim, from its size options:
// layers × the weights of a MADE with the hidden widths (default [256,
// 256]) and 3·bins+1 outputs per dimension (and the context's weights),
// or 2·dim+1 per layer without hidden layers. It saturates at
// math.MaxInt / 4, which every element limit refuses, and lets Alloc
// refuse a flow too large for the interpreter before anything is
// allocated.
func flowParams(dim int, opts map[string]flows.OptionValue) int {
	num := func(name string, def float64) float64 {
		if v, ok := opts[name].(float64); ok && v >= 1 {
			return v
		}
		return def
	}
	hidden := []float64{256, 256}
	if h, ok := opts["hidden"].([]float64); ok && len(h) > 0 {
		hidden = h
	}
	d := float64(max(dim, 1))
	out := max(2, 3*num("bins", 8)+1)
	w, prev := 0.0, d
	for _, h := range hidden {
		w += (prev + 1) * h
		prev = h
	}
	w += (prev + 1) * d * out
	if k, ok := opts["context"].(float64); ok && k >= 1 { // the context weights, [hidden[0], k]
		w += k * hidden[0]
	}
	total := num("layers", 1) * (w + 2*d + 1)
	if !(total < math.MaxInt/4) {
		return math.MaxInt / 4
	}
	return int(total)
}

func (ev *evaluator) plan(pos ast.Pos, steps []flows.PlanStep) (lang.Value, error) {
	p := &flows.Plan{Layers: steps}
	if err := p.Check(); err != nil {
		return nil, ev.wrap(pos, err)
	}
	return &lang.FlowPlan{P: p}, nil
}

// optionValue converts a language value to a bijector option: a number
// (float64), a vector ([]float64), a string or a bool.
func optionValue(v lang.Value) (flows.OptionValue, error) {
	switch v := v.(type) {
	case lang.Number:
		return float64(v), nil
	case *lang.Array:
		if !v.IsVector() {
			return nil, fmt.Errorf("got matrix, want a number, vector, string or bool")
		}
		return slices.Clone(v.Data()), nil
	case lang.String:
		return string(v), nil
	case lang.Bool:
		return bool(v), nil
	}
	return nil, fmt.Errorf("got %s, want a number, vector, string or bool", v.Type())
}
