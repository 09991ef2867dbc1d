package interp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

// Options configures an Interpreter. The zero value is a sandboxed
// interpreter: output discarded, seed 1, no file access, the default call
// depth limit and no time limit. Options become the interpreter's Thread
// in one place (newThread), which gives what they leave unset the
// sandbox's defaults and then lang.Thread.Init's.
type Options struct {
	// Stdout receives print; Stderr the progress lines of fits. nil
	// discards the output.
	Stdout, Stderr io.Writer
	// Seed seeds the random source: PCG with (Seed, 2), the stream of
	// `flowppl run --seed`. 0 means 1.
	Seed uint64
	// Dir is the directory the file builtins (read_csv, write_csv,
	// read_json, plot, save, load, and any other: they all go through the
	// Thread's lang.FS) may use, through an os.Root opened on it
	// (lang.DirFS): paths are relative to Dir, and no absolute path, ".."
	// or link leads out of it. Empty means no file access
	// (lang.NoFiles): those builtins fail with an error that says so.
	// Errors name a path as the script wrote it, never Dir.
	Dir string
	// FS, when set, is the file access of scripts instead of the one Dir
	// gives: lang.HostFS{} for a trusted script (the process's files, as
	// `flowppl run` has them), or the host's own lang.FS.
	FS lang.FS
	// Quiet silences the progress lines of fits (and the warnings on
	// Stderr).
	Quiet bool
	// Warn, when set, receives the warnings of scripts (see Warnings and
	// lang.Thread.Warn) instead of Stderr, also when Quiet.
	Warn func(pos ast.Pos, msg string)
	// MaxDepth limits the call depth of scripts (0: 1000); a value over
	// lang.MaxDepthLimit (20,000, what the Go stack safely holds) is
	// clamped to it.
	MaxDepth int
	// MaxMemory limits the bytes of the arrays (and long strings) the
	// interpreter's scripts hold at once, across Exec and Eval calls (0:
	// DefaultMaxMemory, 1 GiB; negative: no limit). An operator or builtin
	// whose result would pass it fails with an error that says "memory
	// limit" (errors.Is lang.ErrMemoryLimit) before allocating; see
	// lang.Memory for what is counted.
	MaxMemory int64
	// MaxElements limits the elements of one array (0:
	// lang.DefaultMaxElements, 1e9); errors.Is lang.ErrElementLimit.
	MaxElements int
	// Timeout limits the running time of each Exec and Eval (0: none); a
	// fit running when it expires stops and keeps its parameters, and the
	// error says "time limit ... reached".
	Timeout time.Duration
	// MaxSteps limits the work of each Exec and Eval (0: none): the
	// statements executed plus the steps of fits. It is counted where the
	// interpreter checks for cancellation (each statement, each fit step),
	// so a long computation inside one builtin call counts as one step; the
	// error says "step limit ... reached" (errors.Is ErrStepLimit).
	MaxSteps int64
	// Predeclared names are visible to scripts beside the builtins.
	Predeclared lang.StringDict
	// MaxSource limits the bytes of script text of each Exec and Eval (0:
	// DefaultMaxSource, 1 MiB; negative: no limit). Parsing allocates a
	// few hundred bytes per byte of text, outside MaxMemory, so a longer
	// script is refused before it is parsed, with an error wrapping
	// ErrSourceLimit. Parsing also stops at the time limit.
	MaxSource int
}

// DefaultMaxSource is the source size limit of an Interpreter whose
// Options.MaxSource is 0: 1 MiB, some 30,000 lines.
const DefaultMaxSource = 1 << 20

// Interpreter is an embedded flowppl interpreter: a session whose globals
// persist from one Exec or Eval to the next, its own random source and
// builtins. Interpreters share no state, so several may run at once; the
// methods of one Interpreter are safe for concurrent use (calls run one at
// a time). No panic escapes its methods: one becomes an error.
type Interpreter struct {
	mu   sync.Mutex
	opts Options
	sess *Session
	// base is the thread every call starts from (its random source, file
	// access and memory limit persist across calls); see newThread.
	base lang.Thread
}

// DefaultMaxMemory is the memory limit of an Interpreter whose
// Options.MaxMemory is 0.
const DefaultMaxMemory = 1 << 30

// New returns an interpreter configured by opts.
func New(opts Options) *Interpreter {
	in := &Interpreter{opts: opts, base: newThread(opts)}
	in.sess = NewSession(opts.Predeclared)
	in.sess.stopAtCancel = true
	return in
}

// newThread is the one place Options become a Thread, with the sandbox's
// defaults for what they leave unset: output discarded, seed
// lang.DefaultSeed, no file access (lang.NoFiles) without Dir or FS, a
// memory limit of DefaultMaxMemory; lang.Thread.Init then fills in the
// rest as for any thread (context, call depth, element limit). ExecFile
// and Session take the caller's Thread instead, whose unset fields get
// Init's host defaults (os.Stdout, the process's files, no memory limit).
func newThread(opts Options) lang.Thread {
	th := lang.Thread{
		Name:        "main",
		Rand:        lang.NewRand(cmp.Or(opts.Seed, lang.DefaultSeed)),
		Stdout:      opts.Stdout,
		Stderr:      opts.Stderr,
		Quiet:       opts.Quiet,
		Warn:        opts.Warn,
		MaxDepth:    opts.MaxDepth,
		FS:          opts.FS,
		MaxElements: opts.MaxElements,
	}
	if th.Stdout == nil {
		th.Stdout = io.Discard
	}
	if th.Stderr == nil {
		th.Stderr = io.Discard
	}
	switch {
	case th.FS != nil:
	case opts.Dir != "":
		th.FS = lang.DirFS(opts.Dir)
	default:
		th.FS = lang.NoFiles
	}
	switch {
	case opts.MaxMemory == 0:
		th.Memory = lang.NewMemory(DefaultMaxMemory)
	case opts.MaxMemory > 0:
		th.Memory = lang.NewMemory(opts.MaxMemory)
	}
	th.Init()
	return th
}

// ErrStepLimit is the cause of an interruption by Options.MaxSteps.
var ErrStepLimit = errors.New("step limit reached")

// errTimeLimit is the cause of an interruption by Options.Timeout.
var errTimeLimit = errors.New("time limit reached")

// stepContext is a context that is cancelled with ErrStepLimit after its
// Err method has been called more than a given number of times: the
// interpreter calls it once per statement and once per fit step.
type stepContext struct {
	context.Context
	left   atomic.Int64
	cancel context.CancelCauseFunc
}

func (c *stepContext) Err() error {
	if c.left.Add(-1) < 0 {
		c.cancel(ErrStepLimit)
	}
	return c.Context.Err()
}

// thread returns the thread of one call: the interpreter's base thread
// (newThread) with a context limited by the timeout and step limit; stop
// releases it.
func (in *Interpreter) thread(ctx context.Context) (th *lang.Thread, stop func()) {
	if ctx == nil {
		ctx = context.Background()
	}
	stop = func() {}
	if in.opts.Timeout > 0 {
		ctx, stop = context.WithTimeoutCause(ctx, in.opts.Timeout, errTimeLimit)
	}
	if in.opts.MaxSteps > 0 {
		inner, cancel := context.WithCancelCause(ctx)
		sc := &stepContext{Context: inner, cancel: cancel}
		sc.left.Store(in.opts.MaxSteps)
		ctx = sc
		prev := stop
		stop = func() { cancel(nil); prev() }
	}
	th = new(lang.Thread)
	*th = in.base
	th.Context = ctx
	return th, stop
}

// Exec parses and runs a script (src is a string, []byte or io.Reader;
// nil reads the file filename through the interpreter's file access:
// relative to Options.Dir, an error without it; a parsed *ast.File, maybe
// changed by ApplySets, runs as it is) in the interpreter's
// session: the names it binds stay bound for later calls, also when it
// fails. Errors are those of ExecFile (ast.ErrorList, *lang.EvalError with
// position and backtrace); when ctx is cancelled or a limit is reached, a
// running fit stops and keeps its parameters, and Exec returns an error
// at the top-level statement that was running, which wraps ctx.Err().
func (in *Interpreter) Exec(ctx context.Context, filename string, src any) (err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	defer recoverTo(&err)
	th, stop := in.thread(ctx)
	defer stop()
	file, err := parseSource(th, filename, src, in.maxSource())
	if err != nil {
		return in.parseStopped(th, err)
	}
	_, err = in.sess.Exec(th, file)
	return in.finish(th, err)
}

// maxSource returns the source size limit (negative: none).
func (in *Interpreter) maxSource() int {
	if in.opts.MaxSource == 0 {
		return DefaultMaxSource
	}
	return in.opts.MaxSource
}

// parseStopped names the limit that stopped parsing (a *parser.
// InterruptedError) as finish does for a run: "file:line:col: parsing
// stopped: time limit of 1s reached: context deadline exceeded". Other
// errors are returned as they are.
func (in *Interpreter) parseStopped(th *lang.Thread, err error) error {
	var ie *parser.InterruptedError
	if !errors.As(err, &ie) {
		return err
	}
	if fe := in.finish(th, nil); fe != nil {
		return fmt.Errorf("%v: parsing stopped: %w", ie.Pos, fe)
	}
	return err
}

// Eval evaluates one expression in the interpreter's session and returns
// its value. Errors are as for Exec.
func (in *Interpreter) Eval(ctx context.Context, expr string) (v lang.Value, err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	defer recoverTo(&err)
	th, stop := in.thread(ctx)
	defer stop()
	if _, err := readSource(nil, "<eval>", expr, in.maxSource()); err != nil {
		return nil, err
	}
	x, err := parser.ParseExprContext(th.Context, "<eval>", expr)
	if err != nil {
		return nil, in.parseStopped(th, err)
	}
	file := &ast.File{Name: "<eval>", Stmts: []ast.Stmt{&ast.ExprStmt{X: x}}}
	v, err = in.sess.Exec(th, file)
	if err = in.finish(th, err); err != nil {
		return nil, err
	}
	return v, nil
}

// finish turns a cancellation that ended a run without an error (a fit
// that was the last statement) into one, and names the limit that
// interrupted a run.
func (in *Interpreter) finish(th *lang.Thread, err error) error {
	ctx := th.Context
	if ctx.Err() == nil {
		return err
	}
	var msg string
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrStepLimit):
		msg = fmt.Sprintf("step limit of %d reached", in.opts.MaxSteps)
	case errors.Is(cause, errTimeLimit):
		msg = fmt.Sprintf("time limit of %v reached", in.opts.Timeout)
		cause = context.DeadlineExceeded
	default:
		msg, cause = "interrupted", ctx.Err()
	}
	var ee *lang.EvalError
	if errors.As(err, &ee) {
		// "interrupted" between statements, or the context's error from
		// inside a builtin or operator that checked it (th.Cancelled).
		if ee.Msg == "interrupted" || errors.Is(ee.Err, ctx.Err()) || strings.HasSuffix(ee.Msg, ctx.Err().Error()) {
			ee.Msg, ee.Err = msg, cause
		}
		return err
	}
	if err == nil {
		return fmt.Errorf("%s: %w", msg, cause)
	}
	return err
}

// recoverTo turns a panic into an error (for the parts of a call that run
// outside the evaluator's own recovery).
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = &InternalError{Value: p, Stack: debug.Stack()}
	}
}

// Set binds name in the session's globals to the flowppl value of v (see
// ToValue).
func (in *Interpreter) Set(name string, v any) error {
	if !isName(name) {
		return fmt.Errorf("interp: Set: %q is not a name", name)
	}
	val, err := ToValue(v)
	if err != nil {
		return fmt.Errorf("interp: Set %s: %w", name, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.sess.globals.vars[name] = val
	return nil
}

// Get returns the Go value of a global, a predeclared name or a builtin
// (see FromValue).
func (in *Interpreter) Get(name string) (any, error) {
	v, err := in.Value(name)
	if err != nil {
		return nil, err
	}
	return FromValue(v), nil
}

// Value returns the flowppl value bound to name.
func (in *Interpreter) Value(name string) (lang.Value, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	v, _, ok := in.sess.globals.lookup(name)
	if !ok {
		return nil, fmt.Errorf("interp: %s is not defined", name)
	}
	if v == nil {
		return nil, fmt.Errorf("interp: %s is not assigned yet", name)
	}
	return v, nil
}

// Globals returns a copy of the names bound at the top level so far.
func (in *Interpreter) Globals() lang.StringDict {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sess.Globals()
}

// RegisterBuiltin makes fn callable from scripts as name (shadowing a
// builtin of the same name). fn is a lang.Callable, a lang.BuiltinFunc, or
// any Go function whose parameters and results ToValue and FromValue
// convert (float64, int, bool, string, []float64, [][]float64, *mat.Dense,
// map[string]any, lang.Value, any), optionally returning an error last:
//
//	in.RegisterBuiltin("scale", func(x []float64, k float64) []float64 { ... })
//
// A panic of fn is reported as an error of the call.
func (in *Interpreter) RegisterBuiltin(name string, fn any) error {
	if !isName(name) {
		return fmt.Errorf("interp: RegisterBuiltin: %q is not a name", name)
	}
	var v lang.Value
	switch f := fn.(type) {
	case lang.Callable:
		v = f
	case lang.BuiltinFunc:
		v = lang.NewBuiltin(name, f)
	case func(*lang.Thread, *lang.Builtin, lang.Tuple, []lang.Kwarg) (lang.Value, error):
		v = lang.NewBuiltin(name, f)
	default:
		b, err := goBuiltin(name, fn)
		if err != nil {
			return err
		}
		v = b
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.sess.universe.vars[name] = v
	return nil
}

var (
	errorType = reflect.TypeFor[error]()
	valueType = reflect.TypeFor[lang.Value]()
)

// goBuiltin wraps a Go function as a builtin with positional arguments.
func goBuiltin(name string, fn any) (*lang.Builtin, error) {
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	if fv.Kind() != reflect.Func || fv.IsNil() {
		return nil, fmt.Errorf("interp: RegisterBuiltin %s: got %T, want a function", name, fn)
	}
	if ft.IsVariadic() {
		return nil, fmt.Errorf("interp: RegisterBuiltin %s: variadic functions are not supported", name)
	}
	nout := ft.NumOut()
	withErr := nout > 0 && ft.Out(nout-1) == errorType
	if withErr {
		nout--
	}
	if nout > 1 {
		return nil, fmt.Errorf("interp: RegisterBuiltin %s: a function returns at most one value and an error", name)
	}
	for i := range ft.NumIn() {
		if !convertible(ft.In(i)) {
			return nil, fmt.Errorf("interp: RegisterBuiltin %s: cannot convert to parameter %d of type %s", name, i+1, ft.In(i))
		}
	}
	call := func(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (res lang.Value, err error) {
		if len(kwargs) > 0 {
			return nil, fmt.Errorf("%s: unexpected keyword argument %q", name, kwargs[0].Name)
		}
		if len(args) != ft.NumIn() {
			return nil, fmt.Errorf("%s takes %d arguments, got %d", name, ft.NumIn(), len(args))
		}
		in := make([]reflect.Value, len(args))
		for i, a := range args {
			x, err := fromValueAs(a, ft.In(i))
			if err != nil {
				return nil, fmt.Errorf("%s: argument %d: %v", name, i+1, err)
			}
			in[i] = x
		}
		defer func() {
			if p := recover(); p != nil {
				res, err = nil, fmt.Errorf("%s: %v", name, p)
			}
		}()
		out := fv.Call(in)
		if withErr {
			if e := out[len(out)-1]; !e.IsNil() {
				return nil, e.Interface().(error)
			}
		}
		if nout == 0 {
			return lang.None, nil
		}
		v, err := ToValue(out[0].Interface())
		if err != nil {
			return nil, fmt.Errorf("%s: result: %v", name, err)
		}
		return v, nil
	}
	return lang.NewBuiltin(name, call), nil
}

func convertible(t reflect.Type) bool {
	switch t {
	case valueType, reflect.TypeFor[any](), reflect.TypeFor[[]float64](), reflect.TypeFor[[][]float64](),
		reflect.TypeFor[*mat.Dense](), reflect.TypeFor[map[string]any](), reflect.TypeFor[string]():
		return true
	}
	if t.Implements(valueType) {
		return true
	}
	switch t.Kind() {
	case reflect.Float64, reflect.Float32, reflect.Int, reflect.Int64, reflect.Bool:
		return true
	}
	return false
}

// fromValueAs converts a flowppl value to a Go value of type t.
func fromValueAs(v lang.Value, t reflect.Type) (reflect.Value, error) {
	if t == valueType || (t.Kind() != reflect.Interface && t.Implements(valueType)) {
		if reflect.TypeOf(v).AssignableTo(t) {
			return reflect.ValueOf(v).Convert(t), nil
		}
		return reflect.Value{}, fmt.Errorf("got %s", v.Type())
	}
	g := FromValue(v)
	switch t.Kind() {
	case reflect.Float64, reflect.Float32:
		if x, ok := g.(float64); ok {
			return reflect.ValueOf(x).Convert(t), nil
		}
	case reflect.Int, reflect.Int64:
		if x, ok := g.(float64); ok {
			k, err := lang.AsInt(x)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("want an integer, got %v", x)
			}
			return reflect.ValueOf(k).Convert(t), nil
		}
	case reflect.Bool:
		if x, ok := g.(bool); ok {
			return reflect.ValueOf(x), nil
		}
	case reflect.String:
		if x, ok := g.(string); ok {
			return reflect.ValueOf(x), nil
		}
	case reflect.Interface:
		if g == nil {
			return reflect.Zero(t), nil
		}
		return reflect.ValueOf(g), nil
	}
	switch t {
	case reflect.TypeFor[[]float64]():
		switch x := g.(type) {
		case []float64:
			return reflect.ValueOf(x), nil
		case float64:
			return reflect.ValueOf([]float64{x}), nil
		}
	case reflect.TypeFor[[][]float64](), reflect.TypeFor[*mat.Dense]():
		var m *mat.Dense
		switch x := g.(type) {
		case *mat.Dense:
			m = x
		case []float64:
			if len(x) > 0 {
				m = mat.NewDense(len(x), 1, x)
			}
		}
		if m != nil {
			if t == reflect.TypeFor[*mat.Dense]() {
				return reflect.ValueOf(m), nil
			}
			r, _ := m.Dims()
			rows := make([][]float64, r)
			for i := range rows {
				rows[i] = mat.Row(nil, i, m)
			}
			return reflect.ValueOf(rows), nil
		}
	case reflect.TypeFor[map[string]any]():
		if x, ok := g.(map[string]any); ok {
			return reflect.ValueOf(x), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("cannot use a %s as %s", v.Type(), t)
}

// ToValue converts a Go value to a flowppl value: float64 and the other
// numeric kinds to a number, bool, string, nil to none, []float64 to a
// vector, [][]float64 (rectangular) and mat.Matrix (*mat.Dense) to a
// matrix, map[string]any and map[string]float64 to a record (fields in
// sorted order, values converted recursively); a lang.Value is returned
// as it is. Slices and matrices are copied.
func ToValue(v any) (lang.Value, error) {
	switch x := v.(type) {
	case nil:
		return lang.None, nil
	case lang.Value:
		return x, nil
	case float64, float32, int, int64, int32:
		return lang.Number(reflect.ValueOf(x).Convert(reflect.TypeFor[float64]()).Float()), nil
	case bool:
		return lang.Bool(x), nil
	case string:
		return lang.String(x), nil
	case []float64:
		if err := lang.CheckSize(len(x)); err != nil {
			return nil, err
		}
		return lang.NewVector(x), nil
	case [][]float64:
		if len(x) == 0 {
			return nil, errors.New("an empty [][]float64 has no number of columns")
		}
		c := len(x[0])
		if err := lang.CheckSize(len(x) * c); err != nil {
			return nil, err
		}
		data := make([]float64, 0, len(x)*c)
		for i, row := range x {
			if len(row) != c {
				return nil, fmt.Errorf("row %d has %d elements, row 0 has %d", i, len(row), c)
			}
			data = append(data, row...)
		}
		return lang.NewMatrix(len(x), c, data), nil
	case mat.Matrix:
		r, c := x.Dims()
		if err := lang.CheckSize(r * c); err != nil {
			return nil, err
		}
		data := make([]float64, 0, r*c)
		for i := range r {
			for j := range c {
				data = append(data, x.At(i, j))
			}
		}
		return lang.NewMatrix(r, c, data), nil
	case map[string]float64:
		m := make(map[string]any, len(x))
		for k, f := range x {
			m[k] = f
		}
		return ToValue(m)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rec := lang.NewRecord()
		for _, k := range keys {
			fv, err := ToValue(x[k])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", k, err)
			}
			rec.Set(k, fv)
		}
		return rec, nil
	}
	return nil, fmt.Errorf("cannot convert a Go %T to a flowppl value", v)
}

// FromValue converts a flowppl value to Go: a number to float64, a string
// to string, a bool to bool, none to nil, a vector to []float64, a matrix
// to *mat.Dense, a record to map[string]any (recursively); other values
// (distributions, flows, functions, models) are returned as they are
// (use Interpreter.Density for a distribution). Arrays are copied.
func FromValue(v lang.Value) any {
	switch x := v.(type) {
	case nil:
		return nil
	case lang.NoneType, lang.Number, lang.String, lang.Bool:
		return stdlib.OptionArg(x) // the same conversion as an option's value
	case *lang.Array:
		d := append([]float64(nil), x.Data()...)
		if x.IsVector() {
			return d
		}
		return mat.NewDense(x.T.Dim(0), x.T.Dim(1), d)
	case *lang.Record:
		m := make(map[string]any, len(x.Names))
		for _, n := range x.Names {
			m[n] = FromValue(x.Fields[n])
		}
		return m
	}
	return v
}

// Density is a distribution or trained flow of a script, for use from Go.
// Its methods are safe for concurrent use (they take the interpreter's
// lock) and return errors rather than panic.
type Density struct {
	in *Interpreter
	d  dist.Distribution
}

// Density returns the distribution or flow bound to name.
func (in *Interpreter) Density(name string) (*Density, error) {
	v, err := in.Value(name)
	if err != nil {
		return nil, err
	}
	d, ok := v.(lang.Distribution)
	if !ok {
		return nil, fmt.Errorf("interp: %s is a %s, not a distribution", name, v.Type())
	}
	return &Density{in: in, d: d.Dist()}, nil
}

// Dim returns the dimension of one draw.
func (d *Density) Dim() int { return d.d.Dim() }

// String describes the distribution.
func (d *Density) String() string { return d.d.String() }

// LogProb returns the log density of each row of x (n×Dim).
func (d *Density) LogProb(x mat.Matrix) (lp []float64, err error) {
	r, c := x.Dims()
	if c != d.d.Dim() {
		return nil, fmt.Errorf("interp: LogProb: x has %d columns, the distribution has dimension %d", c, d.d.Dim())
	}
	data := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			data = append(data, x.At(i, j))
		}
	}
	d.in.mu.Lock()
	defer d.in.mu.Unlock()
	defer recoverTo(&err)
	out := d.d.LogProb(tensor.New(data, r, c))
	return append([]float64(nil), out.Data()...), nil
}

// Sample returns n draws as an n×Dim matrix, from the interpreter's
// random source.
func (d *Density) Sample(n int) (m *mat.Dense, err error) {
	if n <= 0 {
		return nil, fmt.Errorf("interp: Sample: n must be positive, got %d", n)
	}
	if err := lang.CheckSize(n * d.d.Dim()); err != nil {
		return nil, err
	}
	d.in.mu.Lock()
	defer d.in.mu.Unlock()
	defer recoverTo(&err)
	x := d.d.Sample(d.in.base.Rand, n)
	return mat.NewDense(n, d.d.Dim(), append([]float64(nil), x.Data()...)), nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
