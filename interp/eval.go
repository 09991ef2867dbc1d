package interp

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// evaluator walks the syntax tree of one run on one thread.
type evaluator struct {
	th  *lang.Thread
	run *modelRun // the model run in progress, nil outside model bodies
}

// control says how a statement list ended.
type control int

const (
	next     control = iota // fell off the end
	returned                // a return statement ran
)

// errorf returns an *lang.EvalError at pos with the current call stack.
func (ev *evaluator) errorf(pos ast.Pos, format string, args ...any) error {
	return &lang.EvalError{Msg: fmt.Sprintf(format, args...), Pos: pos, CallStack: ev.th.CallStack()}
}

// wrap turns a plain error of a builtin or value operation into an
// *lang.EvalError at pos; an error that already has a position (from a
// user function called by a builtin) is returned as is.
func (ev *evaluator) wrap(pos ast.Pos, err error) error {
	if err == nil {
		return nil
	}
	var ee *lang.EvalError
	if errors.As(err, &ee) {
		return err
	}
	return &lang.EvalError{Msg: err.Error(), Pos: pos, CallStack: ev.th.CallStack(), Err: err}
}

// InternalError is a Go panic turned into an error: a bug of flowppl, not
// of the script. It is the Err of the *lang.EvalError that reports it.
type InternalError struct {
	Value any    // the value passed to panic
	Stack []byte // the Go stack of the panic
}

// Error returns "internal error: " and the panic's value.
func (e *InternalError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// guard runs f and turns a panic into an error at pos.
func (ev *evaluator) guard(pos ast.Pos, f func() (lang.Value, error)) (v lang.Value, err error) {
	nesting := ev.th.Nesting()
	defer func() {
		if p := recover(); p != nil {
			ev.th.RestoreNesting(nesting)
			ie := &InternalError{Value: p, Stack: debug.Stack()}
			v, err = nil, &lang.EvalError{Msg: ie.Error(), Pos: pos, CallStack: ev.th.CallStack(), Err: ie}
		}
	}()
	v, err = f()
	if err == nil && ev.run == nil {
		// Arrays a script holds count against the memory limit; the
		// transient values of a model run (a fit's step) do not.
		ev.th.Track(v)
	}
	return v, err
}

// allocLike checks the thread's limits for a copy of v (an array the
// size of v), as unary minus and x[i] = v make.
func (ev *evaluator) allocLike(v lang.Value) error {
	if a, ok := v.(*lang.Array); ok {
		return ev.th.Alloc(a.Len())
	}
	return nil
}

// ---- statements ----

func (ev *evaluator) stmts(list []ast.Stmt, e *env) (control, lang.Value, error) {
	for _, s := range list {
		c, v, err := ev.stmt(s, e)
		if err != nil || c == returned {
			return c, v, err
		}
	}
	return next, nil, nil
}

func (ev *evaluator) stmt(s ast.Stmt, e *env) (control, lang.Value, error) {
	// A model run is one evaluation of a fit's objective: the fit checks
	// the context between steps, and stops keeping its state.
	if ev.run == nil {
		if err := ev.th.Context.Err(); err != nil {
			return next, nil, &lang.EvalError{Msg: "interrupted", Pos: s.Pos(), CallStack: ev.th.CallStack(), Err: err}
		}
	}
	switch s := s.(type) {
	case *ast.ExprStmt:
		if ev.skipsFactor(s.X, e) {
			return next, nil, nil
		}
		_, err := ev.eval(s.X, e)
		return next, nil, err
	case *ast.Assign:
		var v lang.Value
		var err error
		if f, ok := s.Value.(*ast.Fit); ok {
			name := ""
			if id, ok := s.Target.(*ast.Ident); ok {
				name = id.Name
			}
			v, err = ev.fitNamed(f, e, name)
		} else {
			v, err = ev.eval(s.Value, e)
		}
		if err != nil {
			return next, nil, err
		}
		return next, nil, ev.assign(s.Target, v, e)
	case *ast.FnDef:
		e.vars[s.Name.Name] = &Function{name: s.Name.Name, params: s.Params, expr: s.Expr, body: s.Body, env: e, pos: s.FnPos}
		return next, nil, nil
	case *ast.ModelDef:
		e.vars[s.Name.Name] = &Model{name: s.Name.Name, params: s.Params, body: s.Body, env: e, pos: s.ModelPos}
		return next, nil, nil
	case *ast.Return:
		var v lang.Value = lang.None
		if s.Value != nil {
			var err error
			if v, err = ev.eval(s.Value, e); err != nil {
				return next, nil, err
			}
		}
		return returned, v, nil
	case *ast.If:
		c, err := ev.eval(s.Cond, e)
		if err != nil {
			return next, nil, err
		}
		b, err := lang.Truth(c)
		if errors.Is(err, lang.ErrVaries) {
			if name := declaredIn(s, e, ev.run); name != "" {
				return next, nil, ev.errorf(s.Cond.Pos(), "the latent variables change between runs: %s is declared inside an if whose condition depends on latent values", name)
			}
			return next, nil, ev.wrap(s.Cond.Pos(), err)
		}
		if err != nil {
			return next, nil, ev.errorf(s.Cond.Pos(), "if condition must be a bool, got %s", c.Type())
		}
		if b {
			return ev.stmts(s.Then.Stmts, e)
		}
		if s.Else != nil {
			return ev.stmt(s.Else, e)
		}
		return next, nil, nil
	case *ast.Block:
		return ev.stmts(s.Stmts, e)
	case *ast.For:
		return ev.forStmt(s, e)
	case *ast.Tilde:
		// The resolve pass rejects ~ outside a model.
		if ev.run == nil {
			return next, nil, ev.errorf(s.TildePos, "~ is only allowed inside a model")
		}
		return next, nil, ev.tilde(s, e)
	}
	return next, nil, ev.errorf(s.Pos(), "internal error: unexpected statement %T", s)
}

func (ev *evaluator) forStmt(s *ast.For, e *env) (control, lang.Value, error) {
	it, err := ev.eval(s.Iter, e)
	if err != nil {
		return next, nil, err
	}
	n, item, ok := loopItems(ev.th, it)
	if !ok {
		return next, nil, ev.errorf(s.Iter.Pos(), "cannot loop over a %s: for needs a vector (for x in range(n)) or a matrix (rows)", it.Type())
	}
	for i := range n {
		v, err := item(i)
		if err != nil {
			return next, nil, ev.wrap(s.Iter.Pos(), err)
		}
		e.vars[s.Var.Name] = v
		c, rv, err := ev.stmts(s.Body.Stmts, e)
		if err != nil || c == returned {
			return c, rv, err
		}
	}
	return next, nil, nil
}

// loopItems returns how many items a for loop over it takes and item i:
// the numbers of a vector, the rows of a matrix, and the items of each
// draw of a batch of vectors or matrices (a batch of items). ok is false
// for a value a for cannot loop over.
func loopItems(th *lang.Thread, it lang.Value) (n int, item func(i int) (lang.Value, error), ok bool) {
	if b, ok := it.(*lang.Batch); ok && len(b.Event()) > 0 && !b.Bool {
		return b.Len(), func(i int) (lang.Value, error) {
			return lang.Index(th, b, []lang.IndexArg{lang.At(lang.Number(i))})
		}, true
	}
	a, ok := it.(*lang.Array)
	if !ok {
		return 0, nil, false
	}
	if a.IsVector() {
		return a.Len(), func(i int) (lang.Value, error) { return lang.Number(a.Data()[i]), nil }, true
	}
	c := a.Shape()[1]
	return a.Len(), func(i int) (lang.Value, error) { return lang.NewVector(a.Data()[i*c : (i+1)*c]), nil }, true
}

// assign binds v to an assignment target: a name (in the current scope)
// or an element x[i] (x[i][j], ...) of an array bound to a name, which is
// rebound to the updated copy.
func (ev *evaluator) assign(target ast.Expr, v lang.Value, e *env) error {
	switch t := target.(type) {
	case *ast.Ident:
		e.vars[t.Name] = v
		return nil
	case *ast.Index:
		// x[i] = v on a variable x of this scope replaces x's only
		// reference, so a batch that no read has shared (see read) is
		// written in place: a loop filling a batch costs O(one element)
		// per assignment, not O(len(x)).
		set := lang.SetIndex
		old, s, err := ev.read(t.X, e)
		if err != nil {
			return err
		}
		if s == e {
			set = lang.SetIndexInPlace
		}
		idx, err := ev.indices(t.Indices, e)
		if err != nil {
			return err
		}
		nv, err := ev.guard(t.Lbrack, func() (lang.Value, error) {
			if err := ev.allocLike(old); err != nil {
				return nil, err
			}
			return set(old, idx, v)
		})
		if err != nil {
			return ev.wrap(t.Lbrack, err)
		}
		return ev.assign(t.X, nv, e)
	}
	return ev.errorf(target.Pos(), "cannot assign to %s", ast.FormatExpr(target))
}

// ---- expressions ----

// read evaluates the base x of an indexing x[...] or of an assignment
// x[...] = v. A name is looked up without lang.Share, since Index copies
// what it selects and SetIndexInPlace replaces the name's value; s is the
// scope that holds the name (nil for other expressions).
func (ev *evaluator) read(x ast.Expr, e *env) (v lang.Value, s *env, err error) {
	id, ok := x.(*ast.Ident)
	if !ok {
		v, err = ev.eval(x, e)
		return v, nil, err
	}
	v, s, ok = e.lookup(id.Name)
	if !ok {
		return nil, nil, ev.errorf(id.NamePos, "%s is used before it is assigned", id.Name)
	}
	return v, s, nil
}

// eval evaluates x, counting it on the thread (lang.Thread.Nest) so that
// deep expressions in deep recursion end in an error, not a Go stack
// overflow. A panic skips the Unnest: guard and Session.Exec, which recover
// panics, restore the count.
func (ev *evaluator) eval(x ast.Expr, e *env) (lang.Value, error) {
	if !ev.th.Nest() {
		return nil, ev.errorf(x.Pos(), "expressions nested deeper than %d levels, counted across function calls (deep recursion through deep expressions)", lang.MaxNesting)
	}
	v, err := ev.eval1(x, e)
	ev.th.Unnest()
	return v, err
}

func (ev *evaluator) eval1(x ast.Expr, e *env) (lang.Value, error) {
	if r := ev.run; r != nil && r.consts != nil {
		switch x.(type) {
		case *ast.Call, *ast.Binary, *ast.Unary, *ast.Index, *ast.Field, *ast.List:
			if ce := r.consts.info.exprs[x]; ce != nil {
				return ev.cachedEval(r.consts, ce, x, e)
			}
		}
	}
	return ev.evalExpr(x, e)
}

// evalExpr is eval1 without the cache of constant values.
func (ev *evaluator) evalExpr(x ast.Expr, e *env) (lang.Value, error) {
	switch x := x.(type) {
	case *ast.Number:
		return lang.Number(x.Value), nil
	case *ast.String:
		return lang.String(x.Value), nil
	case *ast.Bool:
		return lang.Bool(x.Value), nil
	case *ast.None:
		return lang.None, nil
	case *ast.Ident:
		v, _, ok := e.lookup(x.Name)
		if !ok {
			return nil, ev.errorf(x.NamePos, "%s is used before it is assigned", x.Name)
		}
		lang.Share(v) // the value may now be referred to from elsewhere
		return v, nil
	case *ast.Unary:
		v, err := ev.eval(x.X, e)
		if err != nil {
			return nil, err
		}
		r, err := ev.guard(x.OpPos, func() (lang.Value, error) {
			if err := ev.allocLike(v); err != nil {
				return nil, err
			}
			return lang.Unary(x.Op.String(), v)
		})
		return r, ev.wrap(x.OpPos, err)
	case *ast.Binary:
		return ev.binary(x, e)
	case *ast.Call:
		return ev.call(x, e)
	case *ast.Index:
		v, _, err := ev.read(x.X, e)
		if err != nil {
			return nil, err
		}
		idx, err := ev.indices(x.Indices, e)
		if err != nil {
			return nil, err
		}
		r, err := ev.guard(x.Lbrack, func() (lang.Value, error) { return lang.Index(ev.th, v, idx) })
		return r, ev.wrap(x.Lbrack, err)
	case *ast.Field:
		v, err := ev.eval(x.X, e)
		if err != nil {
			return nil, err
		}
		return ev.field(v, x)
	case *ast.List:
		return ev.list(x, e)
	case *ast.FlowExpr:
		return ev.flow(x, e)
	case *ast.Fit:
		return ev.fit(x, e)
	case *ast.Slice:
		return nil, ev.errorf(x.Colon, "a slice lo:hi is only allowed inside [...]")
	}
	return nil, ev.errorf(x.Pos(), "internal error: unexpected expression %T", x)
}

func (ev *evaluator) binary(x *ast.Binary, e *env) (lang.Value, error) {
	a, err := ev.eval(x.X, e)
	if err != nil {
		return nil, err
	}
	if _, batched := a.(*lang.Batch); batched && (x.Op == ast.And || x.Op == ast.Or) {
		b, err := ev.eval(x.Y, e)
		if err != nil {
			return nil, err
		}
		r, err := ev.guard(x.OpPos, func() (lang.Value, error) { return lang.Binary(ev.th, x.Op.String(), a, b) })
		return r, ev.wrap(x.OpPos, err)
	}
	if x.Op == ast.And || x.Op == ast.Or {
		ab, ok := a.(lang.Bool)
		if !ok {
			return nil, ev.errorf(x.OpPos, "operands of %s must be bools, got %s", x.Op, a.Type())
		}
		if (x.Op == ast.And && !bool(ab)) || (x.Op == ast.Or && bool(ab)) {
			return ab, nil
		}
		b, err := ev.eval(x.Y, e)
		if err != nil {
			return nil, err
		}
		if bb, ok := b.(*lang.Batch); ok && bb.Bool {
			return b, nil
		}
		if _, ok := b.(lang.Bool); !ok {
			return nil, ev.errorf(x.OpPos, "operands of %s must be bools, got %s", x.Op, b.Type())
		}
		return b, nil
	}
	b, err := ev.eval(x.Y, e)
	if err != nil {
		return nil, err
	}
	r, err := ev.guard(x.OpPos, func() (lang.Value, error) { return lang.Binary(ev.th, x.Op.String(), a, b) })
	return r, ev.wrap(x.OpPos, err)
}

func (ev *evaluator) indices(list []ast.Expr, e *env) ([]lang.IndexArg, error) {
	out := make([]lang.IndexArg, len(list))
	for i, ix := range list {
		if s, ok := ix.(*ast.Slice); ok {
			var lo, hi lang.Value
			var err error
			if s.Lo != nil {
				if lo, err = ev.eval(s.Lo, e); err != nil {
					return nil, err
				}
			}
			if s.Hi != nil {
				if hi, err = ev.eval(s.Hi, e); err != nil {
					return nil, err
				}
			}
			out[i] = lang.Slice(lo, hi)
			continue
		}
		v, err := ev.eval(ix, e)
		if err != nil {
			return nil, err
		}
		out[i] = lang.At(v)
	}
	return out, nil
}

// field reads x.name from a value with fields.
func (ev *evaluator) field(v lang.Value, x *ast.Field) (lang.Value, error) {
	h, ok := v.(lang.HasAttrs)
	if !ok {
		return nil, ev.errorf(x.NamePos, "%s has no field %q (to call %s on it, write %s(...))", v.Type(), x.Name, x.Name, ast.FormatExpr(x))
	}
	if f, ok := h.Attr(x.Name); ok {
		return f, nil
	}
	return nil, ev.errorf(x.NamePos, "%s has no field %q%s", v.Type(), x.Name, spell.Hint(x.Name, h.AttrNames()))
}

// list builds a vector from numbers or a matrix from equal-length vectors.
func (ev *evaluator) list(x *ast.List, e *env) (lang.Value, error) {
	vals := make([]lang.Value, len(x.Elems))
	for i, el := range x.Elems {
		v, err := ev.eval(el, e)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if len(vals) == 0 {
		return lang.NewVector(nil), nil
	}
	for _, v := range vals {
		if b, ok := v.(*lang.Batch); ok {
			return ev.batchList(x, vals, b.N())
		}
	}
	switch first := vals[0].(type) {
	case lang.Number:
		data := make([]float64, len(vals))
		for i, v := range vals {
			n, ok := v.(lang.Number)
			if !ok {
				return nil, ev.errorf(x.Elems[i].Pos(), "list elements must all be numbers or all be vectors: element 0 is a number, element %d is a %s", i, v.Type())
			}
			data[i] = float64(n)
		}
		return lang.NewVector(data), nil
	case *lang.Array:
		if !first.IsVector() {
			return nil, ev.errorf(x.Elems[0].Pos(), "list elements must be numbers or vectors (rows of a matrix), got matrix")
		}
		c := first.Len()
		if err := ev.th.Alloc(c, len(vals)); err != nil {
			return nil, ev.wrap(x.Lbrack, err)
		}
		data := make([]float64, 0, c*len(vals))
		for i, v := range vals {
			a, ok := v.(*lang.Array)
			switch {
			case !ok:
				return nil, ev.errorf(x.Elems[i].Pos(), "list elements must all be numbers or all be vectors: element 0 is a vector, element %d is a %s", i, v.Type())
			case !a.IsVector():
				return nil, ev.errorf(x.Elems[i].Pos(), "list elements must be numbers or vectors (rows of a matrix), got matrix")
			case a.Len() != c:
				return nil, ev.errorf(x.Elems[i].Pos(), "rows of a matrix must have the same length: row 0 has %d elements, row %d has %d", c, i, a.Len())
			}
			data = append(data, a.Data()...)
		}
		return lang.NewMatrix(len(vals), c, data), nil
	}
	return nil, ev.errorf(x.Elems[0].Pos(), "list elements must be numbers or vectors, got %s", vals[0].Type())
}

// ---- calls ----

func (ev *evaluator) call(x *ast.Call, e *env) (lang.Value, error) {
	var (
		fn   lang.Value
		args lang.Tuple
		pos  ast.Pos
		name string
	)
	switch f := x.Fn.(type) {
	case *ast.Field:
		// x.f(a) is f(x, a), unless x has a field f.
		recv, err := ev.eval(f.X, e)
		if err != nil {
			return nil, err
		}
		pos, name = f.NamePos, f.Name
		if h, ok := recv.(lang.HasAttrs); ok {
			if v, ok := h.Attr(f.Name); ok {
				fn = v
			}
		}
		if fn == nil {
			v, _, ok := e.lookup(f.Name)
			if !ok {
				if h, ok := recv.(lang.HasAttrs); ok {
					return nil, ev.errorf(f.NamePos, "%s has no field %q and there is no function %q%s",
						recv.Type(), f.Name, f.Name, spell.Hint(f.Name, append(h.AttrNames(), knownNames(e)...)))
				}
				return nil, ev.errorf(f.NamePos, "unknown function %q%s", f.Name, spell.Hint(f.Name, knownNames(e)))
			}
			fn = v
			args = append(args, recv)
		}
	default:
		v, err := ev.eval(x.Fn, e)
		if err != nil {
			return nil, err
		}
		fn, pos = v, x.Fn.Pos()
		if id, ok := x.Fn.(*ast.Ident); ok {
			name = id.Name
		}
	}
	args, kwargs, err := ev.evalArgs(fn, args, x, e)
	if err != nil {
		return nil, err
	}
	c, ok := fn.(lang.Callable)
	if !ok {
		if name != "" {
			return nil, ev.errorf(pos, "%s is a %s, not a function", name, fn.Type())
		}
		return nil, ev.errorf(pos, "a %s is not a function", fn.Type())
	}
	if f, ok := c.(*Function); ok {
		return ev.callFunction(f, args, kwargs, pos)
	}
	if m, ok := c.(*Model); ok {
		return ev.callModel(m, args, kwargs, pos)
	}
	if ev.run != nil {
		ev.run.callAt = pos // factor keys its term by its call (subsample.go)
		ev.noteCall(c)      // a replayed trace would not repeat an impure call (model_trace.go)
	}
	saved := ev.th.SetCallPos(pos) // a builtin's warnings name its call
	r, err := ev.guard(pos, func() (lang.Value, error) { return c.CallInternal(ev.th, args, kwargs) })
	ev.th.SetCallPos(saved)
	if err != nil {
		return nil, ev.wrap(pos, err)
	}
	if r == nil {
		r = lang.None
	}
	return r, nil
}

// evalArgs appends the values of the call's positional arguments to args
// (evaluated by evalArg for the callee fn: simulate's m(data) is not
// prepared, simulate.go; a nil fn evaluates them plainly) and evaluates its
// keyword arguments.
func (ev *evaluator) evalArgs(fn lang.Value, args lang.Tuple, x *ast.Call, e *env) (lang.Tuple, []lang.Kwarg, error) {
	for _, a := range x.Args {
		v, err := ev.evalArg(fn, a, e)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	var kwargs []lang.Kwarg
	for _, kw := range x.Kwargs {
		v, err := ev.eval(kw.Value, e)
		if err != nil {
			return nil, nil, err
		}
		kwargs = append(kwargs, lang.Kwarg{Name: kw.Name, Value: v})
	}
	return args, kwargs, nil
}

// callFunction calls a user function from a call at pos: it binds the
// arguments, pushes a frame (enforcing the call depth limit) and runs the
// body in a new scope enclosed by the function's defining scope.
func (ev *evaluator) callFunction(f *Function, args lang.Tuple, kwargs []lang.Kwarg, pos ast.Pos) (lang.Value, error) {
	vals, err := bindParams(f.name, f.params, args, kwargs)
	if err != nil {
		return nil, ev.wrap(pos, err)
	}
	if !ev.th.Push(f.name, pos) {
		return nil, ev.errorf(pos, "call depth limit %s reached in %s", ev.th.DepthLimit(), f.name)
	}
	defer ev.th.Pop()
	local := &env{vars: vals, parent: f.env}
	if f.expr != nil {
		return ev.eval(f.expr, local)
	}
	_, v, err := ev.stmts(f.body.Stmts, local)
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = lang.None
	}
	return v, nil
}

// knownNames lists the names visible from e, for hints.
func knownNames(e *env) []string {
	var out []string
	for s := e; s != nil; s = s.parent {
		for n := range s.vars {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// batchList builds a list whose elements depend on latent variables: a
// vector (numbers) or matrix (vectors) per draw.
func (ev *evaluator) batchList(x *ast.List, vals []lang.Value, n int) (lang.Value, error) {
	ts := make([]*tensor.Tensor, len(vals))
	var event []int
	for i, v := range vals {
		b, err := lang.ToBatch(v, n)
		if err != nil || b.Bool {
			return nil, ev.errorf(x.Elems[i].Pos(), "list elements must be numbers or vectors, got %s", v.Type())
		}
		e := b.Event()
		switch {
		case len(e) > 1:
			return nil, ev.errorf(x.Elems[i].Pos(), "list elements must be numbers or vectors (rows of a matrix), got matrix")
		case i == 0:
			event = e
		case !tensor.SameShape(e, event):
			return nil, ev.errorf(x.Elems[i].Pos(), "list elements must all be numbers or all be vectors of the same length: element 0 has shape %s, element %d has shape %s", lang.ShapeString(event), i, lang.ShapeString(e))
		}
		ts[i] = b.T
	}
	return lang.NewBatch(tensor.Stack(1, ts...)), nil
}

// declaredIn returns the name of a latent that an if statement's branches
// would declare (a ~ on a name not yet bound as data), or "".
func declaredIn(s *ast.If, e *env, r *modelRun) string {
	if r == nil {
		return ""
	}
	var found string
	eachStmt([]ast.Stmt{s}, func(st ast.Stmt) bool {
		if st, ok := st.(*ast.Tilde); ok {
			if id, ok := st.LHS.(*ast.Ident); ok {
				v, _, ok := e.lookup(id.Name)
				if _, latent := r.first[id.Name]; latent || !ok || !isData(v) {
					found = id.Name
				}
			}
		}
		return found == ""
	})
	return found
}
