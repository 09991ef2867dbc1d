package lang

import (
	"fmt"
	"math"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/tensor"
)

// UnpackArgs binds positional and keyword arguments of a call to fn to
// variables. pairs alternates parameter names and pointers; a name ending in
// "?" is optional (its variable keeps its value when the argument is
// missing). Supported pointers and the values they accept:
//
//	*Value        anything
//	*float64      a number
//	*int          a number with an integer value
//	*string       a string
//	*bool         a bool
//	*Distribution a distribution or flow
//	**Array       a vector or matrix
//	*[]float64    a number (one element) or a vector
//	*Callable     a function
//	**Record      a record
//
// Errors name the function and parameter: `sample: for parameter n: got
// string, want number`.
func UnpackArgs(fn string, args Tuple, kwargs []Kwarg, pairs ...any) error {
	if len(pairs)%2 != 0 {
		panic("UnpackArgs: odd number of pairs")
	}
	n := len(pairs) / 2
	names := make([]string, n)
	optional := make([]bool, n)
	set := make([]bool, n)
	for i := 0; i < n; i++ {
		name := pairs[2*i].(string)
		if strings.HasSuffix(name, "?") {
			name, optional[i] = name[:len(name)-1], true
		}
		names[i] = name
	}
	if len(args) > n {
		return fmt.Errorf("%s: got %d arguments, want at most %d (%s)", fn, len(args), n, strings.Join(names, ", "))
	}
	for i, a := range args {
		if err := unpackOne(fn, names[i], a, pairs[2*i+1]); err != nil {
			return err
		}
		set[i] = true
	}
	for _, kw := range kwargs {
		i := index(names, kw.Name)
		if i < 0 {
			return fmt.Errorf("%s: unexpected keyword argument %q%s", fn, kw.Name, spell.Hint(kw.Name, names))
		}
		if set[i] {
			return fmt.Errorf("%s: got multiple values for parameter %q", fn, kw.Name)
		}
		if err := unpackOne(fn, names[i], kw.Value, pairs[2*i+1]); err != nil {
			return err
		}
		set[i] = true
	}
	for i := range names {
		if !set[i] && !optional[i] {
			return fmt.Errorf("%s: missing argument %s", fn, names[i])
		}
	}
	return nil
}

func index(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

func unpackOne(fn, name string, v Value, ptr any) error {
	bad := func(want string) error {
		if b, ok := v.(*Batch); ok {
			switch want {
			case "number", "integer", "string", "bool", "vector", "vector or matrix", "number or vector":
				want = "a constant " + want
			}
			return fmt.Errorf("%s: for parameter %s: got a %s that depends on latent variables, want %s", fn, name, b.Type(), want)
		}
		return fmt.Errorf("%s: for parameter %s: got %s, want %s", fn, name, Describe(v), want)
	}
	switch p := ptr.(type) {
	case *Value:
		*p = v
	case *float64:
		x, ok := v.(Number)
		if !ok {
			return bad("number")
		}
		*p = float64(x)
	case *int:
		x, ok := v.(Number)
		if !ok {
			return bad("integer")
		}
		k, err := AsInt(float64(x))
		if err != nil {
			return fmt.Errorf("%s: for parameter %s: %v", fn, name, err)
		}
		*p = k
	case *string:
		x, ok := v.(String)
		if !ok {
			return bad("string")
		}
		*p = string(x)
	case *bool:
		x, ok := v.(Bool)
		if !ok {
			return bad("bool")
		}
		*p = bool(x)
	case *Distribution:
		return unpackAs(v, p, bad, "distribution")
	case **Array:
		return unpackAs(v, p, bad, "vector or matrix")
	case *[]float64:
		switch x := v.(type) {
		case Number:
			*p = []float64{float64(x)}
		case *Array:
			if !x.IsVector() {
				return bad("vector")
			}
			*p = x.Data()
		default:
			return bad("number or vector")
		}
	case *Callable:
		return unpackAs(v, p, bad, "function")
	case **Record:
		return unpackAs(v, p, bad, "record")
	default:
		panic(fmt.Sprintf("UnpackArgs: unsupported pointer type %T", ptr))
	}
	return nil
}

// unpackAs stores v in *p when v is a T, and otherwise returns bad(want).
func unpackAs[T any](v Value, p *T, bad func(want string) error, want string) error {
	x, ok := v.(T)
	if !ok {
		return bad(want)
	}
	*p = x
	return nil
}

// Describe names what a value is for an error message about an argument
// of the wrong kind: its type for data (number, string, bool, arrays), and
// for other values the value and its type, "Flat(2), a latent prior", so
// that two kinds of value with the same type name (a distribution and a
// model-only prior) are told apart; a long description gives only the type.
func Describe(v Value) string {
	switch v.(type) {
	case *Batch:
		return v.Type() + " that depends on latent variables"
	case Number, String, Bool, *Array, NoneType:
		return v.Type()
	}
	t := v.Type()
	article := "a "
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		article = "an "
	}
	s := v.String()
	if len(s) > 60 || strings.ContainsRune(s, '\n') || s == "" {
		return article + t
	}
	return s + ", " + article + t
}

// AsInt converts a number that must be an integer (an index, a size, a
// count) to int, or returns an error saying it is not one.
func AsInt(x float64) (int, error) {
	if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("%s is not an integer", tensor.FormatNumber(x))
	}
	if math.Abs(x) > 1<<53 {
		return 0, fmt.Errorf("%s is too large", tensor.FormatNumber(x))
	}
	return int(x), nil
}
