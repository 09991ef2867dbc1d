package interp

import (
	"fmt"
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang/ast"
)

// reportFields are the fields of the records a fit returns (reportRecord,
// and for a posterior also elbo, pareto_k, dropped): r.loss() is possibly a field, not a near miss of the
// function less, so it is left to run (and fail as "loss is a number").
var reportFields = []string{"loss", "losses", "steps", "seconds", "converged", "stopped", "reason", "init", "elbo", "pareto_k", "dropped", "warnings"}

// modelOnly are names that only exist inside a model body.
var modelOnly = []string{"factor", "Ordered", "Flat", "HalfFlat"}

// rscope is a scope of the resolve pass: the names it binds.
type rscope struct {
	names  map[string]bool
	parent *rscope
}

func (s *rscope) defined(name string) bool {
	for ; s != nil; s = s.parent {
		if s.names[name] {
			return true
		}
	}
	return false
}

func (s *rscope) all() []string {
	var out []string
	for ; s != nil; s = s.parent {
		for n := range s.names {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// resolver is the static pass run before a script: it checks that every
// name is defined in its scope and that statements are where they may be.
type resolver struct {
	errs    ast.ErrorList
	inFn    bool
	inModel bool
}

// resolve checks file against the names known before it runs (builtins,
// predeclared names and, in a session, earlier globals). It returns an
// ast.ErrorList sorted by position, or nil.
func resolve(file *ast.File, known map[string]bool) error {
	// The parser checks the depth too; a tree built by a Go caller is
	// checked here, before any recursive pass runs on it.
	if e := ast.CheckDepth(file, ast.MaxDepth); e != nil {
		return ast.ErrorList{e}
	}
	universe := &rscope{names: known}
	top := &rscope{names: map[string]bool{}, parent: universe}
	collect(file.Stmts, top.names, false, nil)
	r := &resolver{}
	r.stmts(file.Stmts, top)
	r.errs.Sort()
	return r.errs.Err()
}

// collect adds the names a statement list binds in its own scope: the
// targets of assignments (with indexed, also x of x[i] = v), fn and model
// names, for variables, and the names n of n ~ d for which latent(n) holds
// (a nil latent: none). It looks into for and if blocks but not into the
// bodies of fn and model, which are scopes of their own.
func collect(stmts []ast.Stmt, names map[string]bool, indexed bool, latent func(name string) bool) {
	eachStmt(stmts, func(s ast.Stmt) bool {
		switch s := s.(type) {
		case *ast.Assign:
			target := s.Target
			if indexed {
				target = baseOf(target)
			}
			if id, ok := target.(*ast.Ident); ok {
				names[id.Name] = true
			}
		case *ast.FnDef:
			names[s.Name.Name] = true
		case *ast.ModelDef:
			names[s.Name.Name] = true
		case *ast.For:
			names[s.Var.Name] = true
		case *ast.Tilde:
			if id, ok := s.LHS.(*ast.Ident); ok && latent != nil && latent(id.Name) {
				names[id.Name] = true
			}
		}
		return true
	})
}

// eachStmt calls f for each statement of list in source order and, before
// moving on, for the statements nested in it when it is a for, if or
// block statement (not in fn and model bodies, which are scopes of their
// own). It stops, returning false, as soon as f returns false. Its
// recursion is bounded by the tree's depth, which ast.CheckDepth bounds.
func eachStmt(list []ast.Stmt, f func(ast.Stmt) bool) bool {
	for _, s := range list {
		if !f(s) {
			return false
		}
		ok := true
		switch s := s.(type) {
		case *ast.For:
			ok = eachStmt(s.Body.Stmts, f)
		case *ast.If:
			ok = eachStmt(s.Then.Stmts, f) && (s.Else == nil || eachStmt([]ast.Stmt{s.Else}, f))
		case *ast.Block:
			ok = eachStmt(s.Stmts, f)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (r *resolver) errorf(pos ast.Pos, format string, args ...any) {
	r.errs = append(r.errs, ast.Errorf(pos, format, args...))
}

func (r *resolver) stmts(list []ast.Stmt, sc *rscope) {
	for _, s := range list {
		r.stmt(s, sc)
	}
}

func (r *resolver) stmt(s ast.Stmt, sc *rscope) {
	switch s := s.(type) {
	case *ast.Assign:
		r.expr(s.Value, sc)
		if ix, ok := s.Target.(*ast.Index); ok {
			r.expr(ix, sc)
		}
	case *ast.ExprStmt:
		r.expr(s.X, sc)
	case *ast.FnDef:
		inner := &rscope{names: map[string]bool{}, parent: sc}
		r.params(s.Params, inner)
		saveFn, saveModel := r.inFn, r.inModel
		r.inFn, r.inModel = true, false
		if s.Body != nil {
			collect(s.Body.Stmts, inner.names, false, nil)
			r.stmts(s.Body.Stmts, inner)
		} else if s.Expr != nil {
			r.expr(s.Expr, inner)
		}
		r.inFn, r.inModel = saveFn, saveModel
	case *ast.ModelDef:
		inner := &rscope{names: map[string]bool{}, parent: sc}
		r.params(s.Params, inner)
		for _, n := range modelOnly {
			inner.names[n] = true
		}
		collect(s.Body.Stmts, inner.names, false, func(string) bool { return true }) // a ~ declares a latent
		saveFn, saveModel := r.inFn, r.inModel
		r.inFn, r.inModel = false, true
		r.stmts(s.Body.Stmts, inner)
		r.inFn, r.inModel = saveFn, saveModel
	case *ast.Return:
		if !r.inFn {
			if r.inModel {
				r.errorf(s.ReturnPos, "return is not allowed in a model body")
			} else {
				r.errorf(s.ReturnPos, "return is only allowed inside a function")
			}
		}
		if s.Value != nil {
			r.expr(s.Value, sc)
		}
	case *ast.For:
		r.expr(s.Iter, sc)
		r.stmts(s.Body.Stmts, sc)
	case *ast.If:
		r.expr(s.Cond, sc)
		r.stmts(s.Then.Stmts, sc)
		if s.Else != nil {
			r.stmt(s.Else, sc)
		}
	case *ast.Block:
		r.stmts(s.Stmts, sc)
	case *ast.Tilde:
		if !r.inModel {
			r.errorf(s.TildePos, "~ is only allowed inside a model")
		}
		if ix, ok := s.LHS.(*ast.Index); ok {
			r.expr(ix, sc)
		}
		r.expr(s.Dist, sc)
	default:
		r.errorf(s.Pos(), "unexpected statement %T", s)
	}
}

func (r *resolver) params(params []*ast.Ident, sc *rscope) {
	for _, p := range params {
		if sc.names[p.Name] {
			r.errorf(p.NamePos, "duplicate parameter %q", p.Name)
		}
		sc.names[p.Name] = true
	}
}

func (r *resolver) exprs(list []ast.Expr, sc *rscope) {
	for _, x := range list {
		r.expr(x, sc)
	}
}

func (r *resolver) kwargs(list []*ast.Kwarg, sc *rscope, what string) {
	seen := map[string]bool{}
	for _, kw := range list {
		if seen[kw.Name] {
			r.errorf(kw.NamePos, "%s %q given twice", what, kw.Name)
		}
		seen[kw.Name] = true
		r.expr(kw.Value, sc)
	}
}

func (r *resolver) expr(x ast.Expr, sc *rscope) {
	switch x := x.(type) {
	case nil, *ast.Number, *ast.String, *ast.Bool, *ast.None:
	case *ast.Ident:
		if !sc.defined(x.Name) {
			r.unknown(x.Name, x.NamePos, sc, "name")
		}
	case *ast.Unary:
		r.expr(x.X, sc)
	case *ast.Binary:
		r.expr(x.X, sc)
		r.expr(x.Y, sc)
	case *ast.Call:
		if f, ok := x.Fn.(*ast.Field); ok {
			// x.f(args) is f(x, args) unless x has a field f, which only
			// running can tell; a name that is neither in scope nor
			// possibly a field is reported now when it is a near miss of
			// a function in scope (q.smaple(10)), else when it runs.
			r.expr(f.X, sc)
			if !sc.defined(f.Name) && !slices.Contains(reportFields, f.Name) && spell.Hint(f.Name, sc.all()) != "" {
				r.unknown(f.Name, f.NamePos, sc, "function")
			}
		} else {
			r.expr(x.Fn, sc)
		}
		r.exprs(x.Args, sc)
		r.kwargs(x.Kwargs, sc, "keyword argument")
	case *ast.Index:
		r.expr(x.X, sc)
		r.exprs(x.Indices, sc)
	case *ast.Slice:
		r.expr(x.Lo, sc)
		r.expr(x.Hi, sc)
	case *ast.Field:
		r.expr(x.X, sc)
	case *ast.List:
		r.exprs(x.Elems, sc)
	case *ast.FlowExpr:
		r.flow(x, sc)
	case *ast.Fit:
		r.expr(x.Q, sc)
		r.expr(x.Target, sc)
		if x.Given != nil {
			r.expr(x.Given, sc)
		}
		for _, kw := range x.Options { // the parser rejects a repeated option
			if _, err := infer.FitOptions.Lookup(kw.Name); err != nil {
				r.errorf(kw.NamePos, "%v", err)
			}
			r.expr(kw.Value, sc)
		}
	default:
		r.errorf(x.Pos(), "unexpected expression %T", x)
	}
}

// flow checks a flow expression: the bijector names of its chain of
// applications, their options, and the base.
func (r *resolver) flow(x *ast.FlowExpr, sc *rscope) {
	layers, base, err := flowChain(x, func(name string) bool {
		return isBijector(name) || (!sc.defined(name) && spell.Nearest(name, flows.Names()) != "")
	})
	if err != nil {
		r.errs = append(r.errs, err)
	}
	for _, l := range layers {
		if !isBijector(l.name) {
			r.errorf(l.pos, "unknown bijector %q%s", l.name, spell.Hint(l.name, flows.Names()))
		} else {
			for _, kw := range l.kwargs {
				if err := flows.CheckOptionName(l.name, kw.Name); err != nil {
					r.errorf(kw.NamePos, "%v", err)
				}
			}
		}
		r.kwargs(l.kwargs, sc, "option")
	}
	if base != nil {
		r.expr(base, sc)
	}
}

// unknown reports an undefined name with the most helpful message: a
// bijector used as a value, a model-only name outside a model, a
// misspelt distribution family, or a hint to the nearest visible name.
// what is "name" or "function" (for the f of x.f(...)).
func (r *resolver) unknown(name string, pos ast.Pos, sc *rscope, what string) {
	switch {
	case isBijector(name):
		r.errorf(pos, "%s is a bijector, not a value: write flow %s(base)", name, name)
		return
	case slices.Contains(modelOnly, name):
		r.errorf(pos, "%s is only allowed inside a model", name)
		return
	}
	if h := stanHint(name); h != "" {
		r.errorf(pos, "unknown %s %q%s", what, name, h)
		return
	}
	candidates := sc.all()
	if first, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(first) {
		var fams []string
		for _, c := range candidates {
			if _, err := dist.LookupFamily(c); err == nil {
				fams = append(fams, c)
			}
		}
		if n := spell.Nearest(name, fams); n != "" {
			r.errorf(pos, "unknown distribution %q (did you mean %q?)", name, n)
			return
		}
	}
	hint := spell.Hint(name, candidates)
	if hint == "" {
		if n := spell.Nearest(name, flows.Names()); n != "" {
			hint = fmt.Sprintf(" (did you mean the bijector %q? write flow %s(base))", n, n)
		}
	}
	r.errorf(pos, "unknown %s %q%s", what, name, hint)
}

func isBijector(name string) bool { return flows.Implemented(name) }

// flowLayer is one bijector application of a flow expression.
type flowLayer struct {
	name   string
	pos    ast.Pos
	kwargs []*ast.Kwarg
}

// flowChain takes a flow expression apart: its bijector applications,
// outermost first, and the base expression (nil for a plan). Inside the
// first positional argument, a call (or bare name) whose name is a
// bijector by isLayer is another application; anything else is the base.
func flowChain(x *ast.FlowExpr, isLayer func(string) bool) ([]flowLayer, ast.Expr, *ast.Error) {
	layers := []flowLayer{{x.Bijector, x.BijectorPos, x.Kwargs}}
	args, name := x.Args, x.Bijector
	for {
		if len(args) == 0 {
			return layers, nil, nil
		}
		if len(args) > 1 {
			return layers, args[0], ast.Errorf(args[1].Pos(),
				"%s takes one positional argument, the distribution it transforms; give options by keyword (hidden = [32, 32])", name)
		}
		switch a := args[0].(type) {
		case *ast.Ident:
			if isBijector(a.Name) {
				return append(layers, flowLayer{a.Name, a.NamePos, nil}), nil, nil
			}
		case *ast.Call:
			if id, ok := a.Fn.(*ast.Ident); ok && isLayer(id.Name) {
				layers = append(layers, flowLayer{id.Name, id.NamePos, a.Kwargs})
				args, name = a.Args, id.Name
				continue
			}
		}
		return layers, args[0], nil
	}
}
