package lang

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/tensor"
)

// Value is a value of the language.
type Value interface {
	// String returns the value as print shows it.
	String() string
	// Type returns the name of the value's kind, as error messages use it.
	Type() string
}

// HasAttrs is a value with named fields, read by x.name.
type HasAttrs interface {
	Value
	// Attr returns the named field, or (nil, false) if there is none.
	Attr(name string) (Value, bool)
	// AttrNames lists the fields, for "did you mean" hints.
	AttrNames() []string
}

// Indexable is a value that supports x[i].
type Indexable interface {
	Value
	// Len returns the number of elements along the first axis.
	Len() int
}

// Callable is a value that can be called: builtins, user functions, models.
type Callable interface {
	Value
	// Name returns the function's name for messages and backtraces.
	Name() string
	// CallInternal calls the function. Errors are plain; the interpreter
	// adds the position and call stack.
	CallInternal(th *Thread, args Tuple, kwargs []Kwarg) (Value, error)
}

// Tuple is a list of positional arguments.
type Tuple []Value

// Kwarg is a keyword argument name = value.
type Kwarg struct {
	Name  string
	Value Value
}

// StringDict maps names to values: a module's globals, or predeclared
// values given to ExecFile.
type StringDict map[string]Value

// Number is a float64 value. All numbers of the language are float64.
type Number float64

// String formats the number in the shortest form that reads back exactly.
func (n Number) String() string { return tensor.FormatNumber(float64(n)) }

// Type returns "number".
func (Number) Type() string { return "number" }

// String is a text value.
type String string

// String returns the text itself (print writes strings without quotes).
func (s String) String() string { return string(s) }

// Type returns "string".
func (String) Type() string { return "string" }

// Bool is a truth value.
type Bool bool

// String returns "true" or "false".
func (b Bool) String() string { return strconv.FormatBool(bool(b)) }

// Type returns "bool".
func (Bool) Type() string { return "bool" }

// NoneType is the type of None.
type NoneType struct{}

// None is the value of `none` and of statements that produce nothing.
var None Value = NoneType{}

// String returns "none".
func (NoneType) String() string { return "none" }

// Type returns "none".
func (NoneType) Type() string { return "none" }

// Array is a vector (rank 1) or a matrix (rank 2) of numbers.
type Array struct {
	T *tensor.Tensor
}

var _ Indexable = (*Array)(nil)

// NewVector returns a vector holding a copy of v.
func NewVector(v []float64) *Array { return &Array{T: tensor.Vector(v)} }

// NewMatrix returns an r×c matrix that takes ownership of row-major data.
func NewMatrix(r, c int, data []float64) *Array { return &Array{T: tensor.New(data, r, c)} }

// NewArray wraps a rank-1 or rank-2 tensor (not copied).
func NewArray(t *tensor.Tensor) *Array { return &Array{T: t} }

// IsVector reports whether the array has rank 1.
func (a *Array) IsVector() bool { return a.T.Rank() == 1 }

// Len returns the number of elements of a vector or rows of a matrix.
func (a *Array) Len() int { return a.T.Dim(0) }

// Data returns the row-major elements.
func (a *Array) Data() []float64 { return a.T.Data() }

// Shape returns the array's shape.
func (a *Array) Shape() []int { return a.T.Shape() }

// Type returns "vector" or "matrix".
func (a *Array) Type() string {
	if a.T.Rank() == 1 {
		return "vector"
	}
	return "matrix"
}

// String formats a vector as [1, 2.5] and a matrix one row per line.
func (a *Array) String() string {
	var b strings.Builder
	a.WriteText(nil, &b)
	return b.String()
}

// WriteText writes the array to w as String formats it, checking th's
// context (th may be nil) every 4096 numbers, so that a time limit stops
// the printing of a long array (what was written stays written).
func (a *Array) WriteText(th *Thread, w io.Writer) error {
	bw := bufio.NewWriter(w)
	d := a.T.Data()
	k := 0
	row := func(xs []float64) error {
		bw.WriteByte('[')
		for i, v := range xs {
			if i > 0 {
				bw.WriteString(", ")
			}
			bw.WriteString(tensor.FormatNumber(v))
			if k++; k%4096 == 0 {
				if err := th.Cancelled(); err != nil {
					return err
				}
			}
		}
		bw.WriteByte(']')
		return nil
	}
	if a.T.Rank() == 1 {
		if err := row(d); err != nil {
			return err
		}
		return bw.Flush()
	}
	r, c := a.T.Dim(0), a.T.Dim(1)
	bw.WriteByte('[')
	for i := 0; i < r; i++ {
		if i > 0 {
			bw.WriteString(",\n ")
		}
		if err := row(d[i*c : (i+1)*c]); err != nil {
			return err
		}
	}
	bw.WriteByte(']')
	return bw.Flush()
}

// Distribution is a value that is a probability distribution: plain
// families (*Dist) and flows (*Flow).
type Distribution interface {
	Value
	// Dist returns the underlying distribution.
	Dist() dist.Distribution
	// Sample returns n draws as the language shapes them: a number for one
	// draw of a 1-D distribution, a vector for one draw of a d-dimensional
	// one or n draws of a 1-D one, an n×d matrix otherwise.
	// It checks th's limits and draws from th.Rand (see Draws).
	Sample(th *Thread, n int) (Value, error)
}

// Dist is a distribution value of a family such as Normal.
type Dist struct {
	D dist.Distribution
	// Batch is the number of draws when the parameters depend on latent
	// variables inside a model (their tensors have a leading draw axis),
	// else 0.
	Batch int
	// Vector reports that one draw is a vector even when its dimension is
	// 1 (a parameter was given as a vector). Otherwise a 1-dimensional
	// distribution's draws are numbers.
	Vector bool
	// Family and Params are the constructor and the parameter tensors D
	// was built from (a family builtin such as Normal sets them; nil
	// otherwise): a model run uses them to score the observations of a ~
	// in a loop under one distribution built from all their parameters.
	Family *dist.Family
	Params []*tensor.Tensor
	// Batched reports, per parameter, that Params[i] has a leading draw
	// axis ([B, 1] or [B, d]); nil when Batch is 0.
	Batched []bool
}

// Event returns the shape of one draw as the language shapes it: [] for
// a number, [d] for a vector, [r, c] for a matrix (a distribution that is
// a dist.EventShaper, such as LKJCholesky).
func (d *Dist) Event() []int {
	if s, ok := d.D.(dist.EventShaper); ok {
		return s.EventShape()
	}
	if n := d.D.Dim(); n != 1 || d.Vector {
		return []int{n}
	}
	return []int{}
}

var _ Distribution = (*Dist)(nil)

// Dist returns the underlying distribution.
func (d *Dist) Dist() dist.Distribution { return d.D }

// String describes the distribution, e.g. Normal(loc=0, scale=1).
func (d *Dist) String() string { return d.D.String() }

// Type returns "distribution".
func (*Dist) Type() string { return "distribution" }

// Sample draws n values; see Distribution.
func (d *Dist) Sample(th *Thread, n int) (Value, error) { return SampleValue(th, d.D, n, false) }

// Flow is a normalizing-flow distribution with learnable parameters.
type Flow struct {
	F *flows.Flow
}

var _ Distribution = (*Flow)(nil)

// Dist returns the flow as a distribution (a conditional flow at a fixed
// context, q.given(x), made again if q has since changed its layers: see
// flows.Flow.Current).
func (f *Flow) Dist() dist.Distribution {
	f.F = f.F.Current()
	return f.F
}

// String describes the flow, e.g. flow AffineAutoregressive(Normal(...)).
func (f *Flow) String() string { return f.F.String() }

// Type returns "flow".
func (*Flow) Type() string { return "flow" }

// Sample draws n values; see Distribution.
func (f *Flow) Sample(th *Thread, n int) (Value, error) { return SampleValue(th, f.Dist(), n, false) }

// SampleValue draws n values of d with Draws and shapes them as the
// language does (see Distribution.Sample). With one = true a single draw
// is returned (a number, a d-vector, or a matrix for a dist.EventShaper);
// n draws of a matrix-valued distribution are the rows of an n×(r·c)
// matrix, each matrix flattened by rows.
func SampleValue(th *Thread, d dist.Distribution, n int, one bool) (Value, error) {
	if n < 0 {
		return nil, fmt.Errorf("number of draws must be non-negative, got %d", n)
	}
	x, err := Draws(th, d, n)
	if err != nil {
		return nil, err
	}
	dim := d.Dim()
	if s, ok := d.(dist.EventShaper); ok && one && len(s.EventShape()) == 2 {
		e := s.EventShape()
		return &Array{T: tensor.New(x.Data()[:dim], e[0], e[1])}, nil
	}
	switch {
	case one && dim == 1:
		return Number(x.Data()[0]), nil
	case one:
		return NewVector(x.Data()[:dim]), nil
	case dim == 1:
		return &Array{T: tensor.New(x.Data(), n)}, nil
	}
	return &Array{T: tensor.New(x.Data(), n, dim)}, nil
}

// drawChunk is the number of values Draws draws at a time between checks
// of the thread's context.
const drawChunk = 1 << 16

// Draws returns n draws of d from th.Rand, as d.Sample does (an n×Dim
// tensor), after checking th's limits (Thread.Alloc). A large request is
// drawn in chunks of rows, in the same order, and stops with the
// context's error when th's context is done (a time limit).
func Draws(th *Thread, d dist.Distribution, n int) (*tensor.Tensor, error) {
	dim := max(d.Dim(), 1)
	if err := th.Alloc(n, dim); err != nil {
		return nil, err
	}
	rows := max(1, drawChunk/dim)
	if _, ok := d.(*flows.Flow); ok {
		// A flow's draw costs a pass through its networks: 1/64 as many
		// at a time (a MADE of [512, 512] takes about 1 ms per 100 rows).
		rows = max(1, rows/64)
	}
	if n <= rows {
		return d.Sample(th.Rand, n), nil
	}
	out := make([]float64, n*dim)
	for i := 0; i < n; i += rows {
		if err := th.Cancelled(); err != nil {
			return nil, err
		}
		m := min(rows, n-i)
		copy(out[i*dim:(i+m)*dim], d.Sample(th.Rand, m).Data())
	}
	return tensor.New(out, n, dim), nil
}

// FlowPlan is `flow B` or `flow B(options)` without a base: fit
// instantiates it over a standard normal base of the target's dimension.
type FlowPlan struct {
	P *flows.Plan
}

// String describes the plan.
func (p *FlowPlan) String() string { return p.P.String() }

// Type returns "flow plan".
func (*FlowPlan) Type() string { return "flow plan" }

// Record is a value with named fields in a fixed order: a fit report, a
// table read from CSV, samples of a posterior.
type Record struct {
	Names  []string
	Fields map[string]Value
}

var _ HasAttrs = (*Record)(nil)

// NewRecord returns an empty record.
func NewRecord() *Record { return &Record{Fields: map[string]Value{}} }

// Set adds or replaces a field, keeping the order of first insertion.
func (r *Record) Set(name string, v Value) {
	if _, ok := r.Fields[name]; !ok {
		r.Names = append(r.Names, name)
	}
	r.Fields[name] = v
}

// Attr returns a field.
func (r *Record) Attr(name string) (Value, bool) {
	v, ok := r.Fields[name]
	return v, ok
}

// AttrNames returns the field names in order.
func (r *Record) AttrNames() []string { return r.Names }

// Type returns "record".
func (*Record) Type() string { return "record" }

// String formats the record as {name: value, ...}.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range r.Names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
		b.WriteString(": ")
		v := r.Fields[n]
		if s, ok := v.(String); ok {
			b.WriteString(strconv.Quote(string(s)))
		} else if a, ok := v.(*Array); ok && a.Len() > 8 {
			fmt.Fprintf(&b, "<%s of %v>", a.Type(), a.Shape())
		} else {
			b.WriteString(v.String())
		}
	}
	b.WriteByte('}')
	return b.String()
}

// Truth returns the boolean value of v, or an error if v is not a bool
// (`if 1` is an error).
func Truth(v Value) (bool, error) {
	if b, ok := v.(*Batch); ok {
		return batchTruth(b)
	}
	b, ok := v.(Bool)
	if !ok {
		return false, fmt.Errorf("condition must be a bool, got %s", v.Type())
	}
	return bool(b), nil
}

// NamedSampler is a value whose draws are named quantities: a guide fitted
// to a model's posterior, whose draws are the model's latent variables and
// derived quantities in the constrained space, with the model's names.
// sample, summary, mean and sd accept it.
type NamedSampler interface {
	Value
	// SampleNamed returns n joint draws as a record: each field is an
	// n-vector (a number per draw) or an n×k matrix (a k-vector per draw).
	SampleNamed(th *Thread, n int) (*Record, error)
}
