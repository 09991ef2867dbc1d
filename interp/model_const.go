package interp

import (
	"slices"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
)

// A model body runs at every step of a fit and every gradient of NUTS,
// and most of its expressions that do not involve latents compute the
// same value each time: the priors `Normal(zeros(J), 1)`,
// `HalfCauchy(5)`, `Flat(2)`, a `range(N)` to loop over. Building them
// (argument binding, parameter checks, distribution objects) cost about
// a third of a run of a small model. So a run keeps the values of such
// expressions in the posterior's cache and reuses them in later runs.
//
// An expression of the body is constant when it is built from literals,
// names the body never binds (the model's parameters, the names of the
// scope the model was defined in, the builtins), operators, indexing,
// fields, lists, and calls of pure builtins (the distribution families,
// the latent priors Ordered, Flat and HalfFlat, and the numeric builtins
// of pureBuiltins: no sample, print or file access). The cache holds the
// maximal constant expressions that are calls, operators, indexing,
// fields or lists. A cached value is reused only when every name the
// expression reads still has the value (the same number, the same array
// or builtin object) it had when the value was computed, and every
// called name is still the pure builtin: a script that rebinds a global
// between fits, or a subsampled run's slices of the data, recompute it.
// An expression whose evaluation fails is not cached (the error recurs
// at every run, as before). Values are immutable (an assignment x[i] = v
// copies an array), so sharing one between runs is safe; each fork of a
// posterior has its own cache.

// pureBuiltins are the builtins of package stdlib that a constant
// expression may call besides the distribution families: they compute
// their value from their arguments only.
var pureBuiltins = map[string]bool{
	"Truncated": true, "abs": true, "cdf": true, "cholesky": true, "concat": true, "cos": true,
	"cumsum": true, "diag": true, "dot": true, "equal": true, "exp": true, "expm1": true,
	"eye": true, "floor": true, "gp_exp_quad_cov": true, "greater": true, "greater_equal": true,
	"inverse": true, "lbeta": true, "lccdf": true, "lcdf": true, "len": true, "less": true,
	"less_equal": true, "lgamma": true, "linspace": true, "log": true, "log1p": true,
	"log_add_exp": true, "log_det": true, "log_mix": true, "log_prob": true, "log_softmax": true,
	"logit": true, "logsumexp": true, "max": true, "mean": true, "min": true, "not_equal": true,
	"ones": true, "outer": true, "range": true, "round": true, "sd": true, "shape": true,
	"sigmoid": true, "sin": true, "softmax": true, "softplus": true, "solve": true, "sort": true,
	"sqrt": true, "sum": true, "tanh": true, "transpose": true, "var": true, "where": true,
	"zeros": true,
}

// pureModelBuiltins are the model-only builtins a constant expression may
// call (not factor, which adds a term).
var pureModelBuiltins = map[string]bool{"Ordered": true, "Flat": true, "HalfFlat": true}

// constExpr is a maximal constant expression of a model body: the names
// it reads (free) and, of those, the ones it calls (callees).
type constExpr struct {
	free    []string
	callees []string
}

// constInfo is the constant expressions of a model body.
type constInfo struct {
	exprs map[ast.Expr]*constExpr
}

// constEntry is a cached value and the values of the names it was
// computed from.
type constEntry struct {
	snap []lang.Value
	v    lang.Value
}

// constCache is a posterior's cache of constant values.
type constCache struct {
	info    *constInfo
	entries map[ast.Expr]*constEntry
}

// constants returns the constant expressions of m's body (found once).
func (m *Model) constants() *constInfo {
	m.constOnce.Do(func() { m.consts = findConstants(m) })
	return m.consts
}

// findConstants finds the maximal constant expressions of m's body.
func findConstants(m *Model) *constInfo {
	bound := map[string]bool{}
	params := map[string]bool{}
	for _, p := range m.params {
		params[p.Name] = true
	}
	// A ~ on a name declares a latent, unless the name is a parameter
	// (data, observed); a parameter that is not data is a batch at run
	// time, which is never cached.
	collect(m.body.Stmts, bound, true, func(name string) bool { return !params[name] })
	bound["factor"] = true // adds a term: never constant

	info := &constInfo{exprs: map[ast.Expr]*constExpr{}}
	// walk reports whether x is constant, adding the names it reads to ce;
	// it records the maximal constant expressions below a non-constant x.
	var walk func(x ast.Expr, ce *constExpr) bool
	var root func(x ast.Expr)
	root = func(x ast.Expr) {
		if x == nil {
			return
		}
		ce := &constExpr{}
		if walk(x, ce) {
			switch x.(type) {
			case *ast.Call, *ast.Binary, *ast.Unary, *ast.Index, *ast.Field, *ast.List:
				info.exprs[x] = ce
			}
		}
	}
	walk = func(x ast.Expr, ce *constExpr) bool {
		switch x := x.(type) {
		case *ast.Number, *ast.String, *ast.Bool, *ast.None:
			return true
		case *ast.Ident:
			if bound[x.Name] {
				return false
			}
			ce.free = append(ce.free, x.Name)
			return true
		case *ast.Unary:
			return walk(x.X, ce)
		case *ast.Binary:
			return all(ce, walk, root, x.X, x.Y)
		case *ast.Field:
			return walk(x.X, ce)
		case *ast.List:
			return all(ce, walk, root, x.Elems...)
		case *ast.Index:
			parts := []ast.Expr{x.X}
			for _, ix := range x.Indices {
				if s, ok := ix.(*ast.Slice); ok {
					if s.Lo != nil {
						parts = append(parts, s.Lo)
					}
					if s.Hi != nil {
						parts = append(parts, s.Hi)
					}
					continue
				}
				parts = append(parts, ix)
			}
			return all(ce, walk, root, parts...)
		case *ast.Call:
			args := append([]ast.Expr(nil), x.Args...)
			for _, kw := range x.Kwargs {
				args = append(args, kw.Value)
			}
			id, ok := x.Fn.(*ast.Ident)
			if !ok || bound[id.Name] {
				if !ok {
					root(x.Fn)
				}
				for _, a := range args {
					root(a)
				}
				return false
			}
			if !all(ce, walk, root, args...) {
				return false
			}
			ce.free = append(ce.free, id.Name)
			ce.callees = append(ce.callees, id.Name)
			return true
		case *ast.FlowExpr:
			for _, a := range x.Args {
				root(a)
			}
			for _, kw := range x.Kwargs {
				root(kw.Value)
			}
			return false
		case *ast.Fit:
			return false
		}
		return false
	}
	eachStmt(m.body.Stmts, func(s ast.Stmt) bool {
		switch s := s.(type) {
		case *ast.Assign:
			root(s.Value)
			if ix, ok := s.Target.(*ast.Index); ok {
				for _, i := range ix.Indices {
					root(i)
				}
			}
		case *ast.ExprStmt:
			root(s.X)
		case *ast.Return:
			root(s.Value)
		case *ast.For:
			root(s.Iter)
		case *ast.If:
			root(s.Cond)
		case *ast.Tilde:
			root(s.Dist)
			if ix, ok := s.LHS.(*ast.Index); ok {
				for _, i := range ix.Indices {
					root(i)
				}
			}
		}
		return true
	})
	return info
}

// all walks xs (all of them, so that the constant parts of a
// non-constant expression are recorded) and reports whether each is
// constant; when not, the constant ones are roots of their own.
func all(ce *constExpr, walk func(ast.Expr, *constExpr) bool, root func(ast.Expr), xs ...ast.Expr) bool {
	ok := make([]bool, len(xs))
	sub := make([]*constExpr, len(xs))
	every := true
	for i, x := range xs {
		sub[i] = &constExpr{}
		ok[i] = walk(x, sub[i])
		every = every && ok[i]
	}
	if every {
		for _, s := range sub {
			ce.free = append(ce.free, s.free...)
			ce.callees = append(ce.callees, s.callees...)
		}
		return true
	}
	for i, x := range xs {
		if ok[i] {
			root(x)
		}
	}
	return false
}

// cachedEval evaluates x in e through the run's cache of constant values.
func (ev *evaluator) cachedEval(c *constCache, ce *constExpr, x ast.Expr, e *env) (lang.Value, error) {
	var buf [8]lang.Value
	vals := buf[:0]
	for _, name := range ce.free {
		v, _, ok := e.lookup(name)
		if !ok || !snapshotable(v) {
			return ev.evalExpr(x, e)
		}
		vals = append(vals, v)
	}
	for _, name := range ce.callees {
		v, _, _ := e.lookup(name)
		if !ev.pureCallee(name, v) {
			return ev.evalExpr(x, e)
		}
	}
	if ent := c.entries[x]; ent != nil && slices.Equal(ent.snap, vals) {
		return ent.v, nil
	}
	v, err := ev.evalExpr(x, e)
	if err != nil {
		return v, err
	}
	if _, batch := v.(*lang.Batch); batch {
		return v, nil
	}
	if c.entries == nil {
		c.entries = map[ast.Expr]*constEntry{}
	}
	c.entries[x] = &constEntry{snap: append([]lang.Value(nil), vals...), v: v}
	return v, nil
}

// pureCallee reports whether v, the value of the called name, is a pure
// builtin: a family or pure builtin of package stdlib, or a pure model
// builtin of the running posterior.
func (ev *evaluator) pureCallee(name string, v lang.Value) bool {
	b, ok := v.(*lang.Builtin)
	if !ok {
		return false
	}
	if pureModelBuiltins[name] {
		return ev.run.menv != nil && ev.run.menv.vars[name] == lang.Value(b)
	}
	if u, ok := stdlib.Universe[name].(*lang.Builtin); !ok || u != b {
		return false
	}
	if pureBuiltins[name] {
		return true
	}
	_, err := dist.LookupFamily(name)
	return err == nil
}

// snapshotable reports whether v can be compared with == for identity:
// a number, bool or string, or a pointer to an immutable value. A record
// is immutable only when its fields are: a record may hold a flow or a
// guide, which a fit trains in place (record(q = q) read as mean(r.q)),
// so its fields are checked too, to a bounded depth.
func snapshotable(v lang.Value) bool { return snapshotableDepth(v, 0) }

func snapshotableDepth(v lang.Value, depth int) bool {
	switch v := v.(type) {
	case lang.Number, lang.Bool, lang.String, *lang.Array, *lang.Builtin, *lang.Dist, lang.NoneType:
		return true
	case *lang.Record:
		if depth >= 8 {
			return false
		}
		for _, f := range v.Fields {
			if !snapshotableDepth(f, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
