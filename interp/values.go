package interp

import (
	"fmt"
	"strings"
	"sync"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
)

// env is one scope of variables at run time: the predeclared names (the
// root), the globals of a file, or the locals of one call of a function or
// model. Blocks of for and if do not open a scope.
type env struct {
	vars   map[string]lang.Value
	parent *env
}

func newEnv(parent *env) *env { return &env{vars: map[string]lang.Value{}, parent: parent} }

// lookup finds name in e or an enclosing scope.
func (e *env) lookup(name string) (lang.Value, *env, bool) {
	for s := e; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, s, true
		}
	}
	return nil, nil, false
}

// Function is a user function, `fn f(a, b) = expr` or
// `fn f(a, b) { ... }`. It closes over the scope it was defined in.
type Function struct {
	name   string
	params []*ast.Ident
	expr   ast.Expr   // one-line form
	body   *ast.Block // block form
	env    *env
	pos    ast.Pos
}

var _ lang.Callable = (*Function)(nil)

// Name returns the function's name.
func (f *Function) Name() string { return f.name }

// Pos returns the position of the function's definition.
func (f *Function) Pos() ast.Pos { return f.pos }

// String returns "<fn name(a, b)>".
func (f *Function) String() string { return "<fn " + f.name + "(" + paramList(f.params) + ")>" }

// Type returns "function".
func (*Function) Type() string { return "function" }

// CallInternal calls the function from Go (for example from a builtin that
// takes a function). The call has no position in the script; calls written
// in the script record theirs.
func (f *Function) CallInternal(th *lang.Thread, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	th.Init()
	ev := &evaluator{th: th}
	return ev.callFunction(f, args, kwargs, ast.Pos{})
}

// Model is the value of a `model name(params) { ... }` definition. Calling
// it with data gives a *Posterior.
type Model struct {
	name   string
	params []*ast.Ident
	body   *ast.Block
	env    *env
	pos    ast.Pos

	constOnce sync.Once  // finds consts (model_const.go)
	consts    *constInfo // the body's constant expressions
}

var _ lang.Callable = (*Model)(nil)

// Name returns the model's name.
func (m *Model) Name() string { return m.name }

// Params returns the names of the model's parameters.
func (m *Model) Params() []string {
	out := make([]string, len(m.params))
	for i, p := range m.params {
		out[i] = p.Name
	}
	return out
}

// Body returns the model's body.
func (m *Model) Body() *ast.Block { return m.body }

// String returns "<model name(params)>".
func (m *Model) String() string { return "<model " + m.signature() + ">" }

// signature returns "name(params)", as the model, its posteriors, guides
// and amortised posteriors show it.
func (m *Model) signature() string { return m.name + "(" + paramList(m.params) + ")" }

// Type returns "model".
func (*Model) Type() string { return "model" }

// CallInternal binds data to the model's parameters and returns the
// posterior target.
func (m *Model) CallInternal(th *lang.Thread, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	th.Init()
	ev := &evaluator{th: th}
	return ev.callModel(m, args, kwargs, ast.Pos{})
}

// callModel calls a model from a call at pos: it binds the data and runs
// the body once (the prototype) to find the latent variables, so that an
// error in the model or its data is reported at the call.
func (ev *evaluator) callModel(m *Model, args lang.Tuple, kwargs []lang.Kwarg, pos ast.Pos) (lang.Value, error) {
	vals, err := bindParams(m.name, m.params, args, kwargs)
	if err != nil {
		return nil, ev.wrap(pos, err)
	}
	p := &Posterior{Model: m, Args: vals, th: ev.th, callPos: pos}
	if err := p.prepare(ev.th); err != nil {
		return nil, err
	}
	return p, nil
}

// Posterior is a model called with data, m(data): an unnormalised density
// over the model's latent variables, a target of fit.
type Posterior struct {
	Model *Model
	// Args holds the data bound to each parameter of the model.
	Args map[string]lang.Value

	lay     *layout      // found by the prototype run
	th      *lang.Thread // runs the model body
	callPos ast.Pos      // the call (or fit) that runs it, for backtraces
	rows    *rowState    // subsampling of data rows (subsample.go), nil until checked

	// The model-only builtins (made once; factor adds to cur, the run in
	// progress) and the cache of constant values (model_const.go).
	menv   *env
	cur    *modelRun
	consts constCache

	// Whether a run of the model body called an impure builtin, and the
	// builtins known pure or not (model_trace.go).
	impure bool
	purity map[*lang.Builtin]bool
}

// String returns "<posterior of name(params)>".
func (p *Posterior) String() string {
	return "<posterior of " + p.Model.signature() + ">"
}

// Type returns "posterior".
func (*Posterior) Type() string { return "posterior" }

func paramList(params []*ast.Ident) string {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// bindParams binds the arguments of a call to a user function or model to
// its parameters, by position and then by keyword.
func bindParams(name string, params []*ast.Ident, args lang.Tuple, kwargs []lang.Kwarg) (map[string]lang.Value, error) {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	if len(args) > len(params) {
		return nil, fmt.Errorf("%s takes %s, got %d", name, countArgs(names), len(args))
	}
	vals := make(map[string]lang.Value, len(params))
	for i, a := range args {
		vals[names[i]] = a
	}
	for _, kw := range kwargs {
		found := false
		for _, n := range names {
			if n == kw.Name {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%s: unexpected keyword argument %q%s", name, kw.Name, spell.Hint(kw.Name, names))
		}
		if _, dup := vals[kw.Name]; dup {
			return nil, fmt.Errorf("%s: got multiple values for parameter %q", name, kw.Name)
		}
		vals[kw.Name] = kw.Value
	}
	var missing []string
	for _, n := range names {
		if _, ok := vals[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		s := ""
		if len(missing) > 1 {
			s = "s"
		}
		return nil, fmt.Errorf("%s: missing argument%s %s (it takes %s)", name, s, strings.Join(missing, ", "), countArgs(names))
	}
	return vals, nil
}

// countArgs describes a parameter list: "no arguments", "1 argument (x)",
// "2 arguments (a, b)".
func countArgs(names []string) string {
	switch len(names) {
	case 0:
		return "no arguments"
	case 1:
		return "1 argument (" + names[0] + ")"
	}
	return fmt.Sprintf("%d arguments (%s)", len(names), strings.Join(names, ", "))
}
