package stdlib

import (
	"fmt"
	"maps"
	"slices"

	"sort"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Universe maps the name of every builtin of this package, and of every
// constant of Constants, to its value.
// Do not modify it; use Builtins for a copy.
var Universe = universe()

// Builtins returns a new copy of Universe, for an interpreter's
// predeclared names.
func Builtins() lang.StringDict { return maps.Clone(Universe) }

// Names returns the builtin names in sorted order.
func Names() []string {
	names := make([]string, 0, len(Universe))
	for n := range Universe {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func universe() lang.StringDict {
	u := lang.StringDict{}
	for _, group := range [][]*lang.Builtin{
		mathBuiltins(), reduceBuiltins(), constructBuiltins(),
		distributionBuiltins(), familyBuiltins(), summaryBuiltins(),
		ioBuiltins(), printBuiltins(), cdfBuiltins(),
		specialBuiltins(), vectorBuiltins(), compareBuiltins(), linalgBuiltins(),
		drawsBuiltins(),
		calibrationBuiltins(),
		recordBuiltins(),
	} {
		for _, b := range group {
			if _, dup := u[b.Name()]; dup {
				panic("stdlib: builtin " + b.Name() + " defined twice")
			}
			u[b.Name()] = b
		}
	}
	for _, c := range Constants {
		if _, dup := u[c.Name]; dup {
			panic("stdlib: name " + c.Name + " defined twice")
		}
		u[c.Name] = c.Value
	}
	return u
}

// def returns a builtin with a one-line doc.
func def(name, doc string, fn lang.BuiltinFunc) *lang.Builtin {
	b := lang.NewBuiltin(name, fn)
	b.Doc = doc
	return b
}

// argX unpacks the one argument x of the builtin fn.
func argX(fn string, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var x lang.Value
	err := lang.UnpackArgs(fn, args, kwargs, "x", &x)
	return x, err
}

// noKwargs returns an error if a builtin without named parameters got any.
func noKwargs(fn string, kwargs []lang.Kwarg) error {
	if len(kwargs) > 0 {
		return fmt.Errorf("%s: unexpected keyword argument %q", fn, kwargs[0].Name)
	}
	return nil
}

// numeric returns the tensor of a number (rank 0) or an array, or an error
// naming fn and the value's kind.
func numeric(fn string, v lang.Value) (*tensor.Tensor, error) {
	switch v := v.(type) {
	case lang.Number:
		return tensor.Scalar(float64(v)), nil
	case *lang.Array:
		return v.T, nil
	}
	return nil, fmt.Errorf("%s: got %s, want number, vector or matrix", fn, v.Type())
}

// sizeArg converts v to a non-negative integer size for fn's parameter
// name: `zeros: n must be an integer, got 2.5`.
func sizeArg(fn, name string, v lang.Value) (int, error) {
	k, err := intArg(fn, name, v)
	if err != nil {
		return 0, err
	}
	if k < 0 {
		return 0, fmt.Errorf("%s: %s must be non-negative, got %d", fn, name, k)
	}
	return k, nil
}

// checkResultSize returns fn's error when a result with the given
// dimensions (a dimension <= 0 counts as 1) would pass th's limits
// (lang.Thread.Alloc), before anything of that size is allocated.
func checkResultSize(th *lang.Thread, fn string, dims ...int) error {
	ds := make([]int, len(dims))
	for i, d := range dims {
		ds[i] = max(d, 1)
	}
	return alloc(th, fn, ds...)
}

// alloc is th.Alloc(dims...) with fn's name on the error.
func alloc(th *lang.Thread, fn string, dims ...int) error {
	if err := th.Alloc(dims...); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return nil
}

// chunkSize is the number of elements a long builtin loop handles between
// checks of the thread's context.
const chunkSize = 1 << 18

// chunks calls f on [0, n) in pieces of chunkSize, and stops with the
// context's error when th's context is done (a time limit).
func chunks(th *lang.Thread, n int, f func(from, to int)) error {
	for i := 0; i < n; i += chunkSize {
		if err := th.Cancelled(); err != nil {
			return err
		}
		f(i, min(i+chunkSize, n))
	}
	return nil
}

// cloneFloats returns a copy of xs, made in chunks with th's context
// checked between them: the first touch of a large new array's pages is
// itself slow (0.5 s for 80 MB on a virtual machine measured here), so a
// time limit must be able to stop the copy too.
func cloneFloats(th *lang.Thread, xs []float64) ([]float64, error) {
	out := make([]float64, len(xs))
	if err := chunks(th, len(xs), func(from, to int) { copy(out[from:to], xs[from:to]) }); err != nil {
		return nil, err
	}
	return out, nil
}

// sortFloats sorts xs as slices.Sort does (NaNs first): runs of
// chunkSize sorted one by one, then merged pairwise, with th's context
// checked between runs and every chunkSize merged values, so that a time
// limit stops a long sort (xs is then left partly sorted). The merges
// take a buffer as long as xs, checked against th's limits.
func sortFloats(th *lang.Thread, xs []float64) error {
	n := len(xs)
	if n <= chunkSize {
		slices.Sort(xs)
		return nil
	}
	if err := th.Alloc(n); err != nil {
		return err
	}
	if err := chunks(th, n, func(from, to int) { slices.Sort(xs[from:to]) }); err != nil {
		return err
	}
	src, dst := xs, make([]float64, n)
	for w := chunkSize; w < n; w *= 2 {
		for lo := 0; lo < n; lo += 2 * w {
			mid, hi := min(lo+w, n), min(lo+2*w, n)
			if err := mergeFloats(th, dst[lo:hi], src[lo:mid], src[mid:hi]); err != nil {
				return err
			}
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] {
		copy(xs, src)
	}
	return nil
}

// mergeFloats merges the sorted a and b into dst (stable: a first among
// equals), checking th's context every chunkSize values.
func mergeFloats(th *lang.Thread, dst, a, b []float64) error {
	i, j := 0, 0
	for k := range dst {
		if k%chunkSize == chunkSize-1 {
			if err := th.Cancelled(); err != nil {
				return err
			}
		}
		if j == len(b) || (i < len(a) && cmpFloat(b[j], a[i]) >= 0) {
			dst[k] = a[i]
			i++
		} else {
			dst[k] = b[j]
			j++
		}
	}
	return nil
}

// intArg converts v to an integer (possibly negative).
func intArg(fn, name string, v lang.Value) (int, error) {
	x, ok := v.(lang.Number)
	if !ok {
		return 0, fmt.Errorf("%s: %s must be an integer, got %s", fn, name, lang.Describe(v))
	}
	k, err := lang.AsInt(float64(x))
	if err != nil {
		return 0, fmt.Errorf("%s: %s must be an integer, got %s", fn, name, x)
	}
	return k, nil
}

// arrayOf wraps data in a vector or matrix of the given shape (rank 0 gives
// a number).
func arrayOf(data []float64, shape ...int) lang.Value {
	if len(shape) == 0 {
		return lang.Number(data[0])
	}
	return lang.NewArray(tensor.New(data, shape...))
}
