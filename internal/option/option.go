// Package option declares the keyword options of the language once: a
// Table of Option, each with its name, kind (which fixes the range and the
// Go type it converts to), default, documentation and the setter that
// stores it in a typed options struct. The fit options (infer.FitOptions)
// and the bijector options (flows.FlowOptions) are such tables; the
// resolver, the evaluator, the error messages with their near names, the
// REPL's help and completion and the option tables of docs/language.md all
// read them.
//
// Values come in as the interpreter passes them: float64 or int for a
// number, string, bool, nil for none, []float64 or []int for a vector, and
// any fmt.Stringer naming the kind of a value no option takes (a
// distribution: "got distribution").
package option

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
)

// Kind is the type and range of an option's value.
type Kind int

// The kinds. Each converts to one Go type, given after the colon.
const (
	PositiveInt      Kind = iota + 1 // a whole number from 1 to Max: int
	NonNegativeInt                   // a whole number from 0 to 2^63 − 1: uint64
	PositiveFloat                    // a finite number > 0: float64
	NonNegativeFloat                 // a finite number ≥ 0: float64
	NonZeroFloat                     // a finite number ≠ 0: float64
	Bool                             // true or false: bool
	Choice                           // one of Choices: string
	PositiveInts                     // a positive integer or a non-empty vector of them: []int
	Ints                             // a vector of integers, possibly empty: []int
	FloatOrVector                    // a finite number or a non-empty vector of them: []float64
	BoolOrInterval                   // true, false or [lo, hi] with lo < hi: bool or []float64
)

// DefaultMax is the largest value of a PositiveInt option whose Max is 0.
const DefaultMax = 1 << 40

// maxWhole bounds the elements of PositiveInts and Ints (int32 range, as
// widths and indices are).
const maxWhole = 1<<31 - 1

// Option is one option of a table, storing its value in a T.
type Option[T any] struct {
	Name string
	Kind Kind
	// Max is the largest value of a PositiveInt (0: DefaultMax).
	Max int
	// Choices are the values of a Choice, in the order messages list them.
	Choices []string
	// Range, when set, replaces the kind's phrase in messages and in the
	// reference ("a non-negative number of nats").
	Range string
	// Note is appended to a range error: "(0 turns the stopping rule off)".
	Note string
	// Default is the default as the reference shows it.
	Default string
	// Doc is one line for the reference, the REPL's :help and completion.
	Doc string
	// Set stores the converted value (of the kind's Go type) in o.
	Set func(o *T, v any)
}

// Table is the options of one statement or family of bijectors. What
// names an option in messages: "fit option".
type Table[T any] struct {
	What    string
	Options []Option[T]
}

// Names returns the options' names in the table's order.
func (t *Table[T]) Names() []string {
	out := make([]string, len(t.Options))
	for i, o := range t.Options {
		out[i] = o.Name
	}
	return out
}

// Lookup returns the option name, or an error with the nearest name and
// the list: `unknown fit option "stpes" (did you mean "steps"?) (options:
// steps, ...)`.
func (t *Table[T]) Lookup(name string) (*Option[T], error) {
	for i := range t.Options {
		if t.Options[i].Name == name {
			return &t.Options[i], nil
		}
	}
	names := t.Names()
	return nil, fmt.Errorf("unknown %s %q%s (options: %s)", t.What, name, spell.Hint(name, names), strings.Join(names, ", "))
}

// Check reports whether value is a valid value of option name.
func (t *Table[T]) Check(name string, value any) error {
	o, err := t.Lookup(name)
	if err != nil {
		return err
	}
	_, err = o.Convert(value)
	return err
}

// Parse converts and checks every option of opts, in name order, into a
// T that starts as zero.
func (t *Table[T]) Parse(opts map[string]any) (T, error) {
	var out T
	return out, t.ParseInto(&out, opts)
}

// ParseInto is Parse into *out.
func (t *Table[T]) ParseInto(out *T, opts map[string]any) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o, err := t.Lookup(k)
		if err != nil {
			return err
		}
		v, err := o.Convert(opts[k])
		if err != nil {
			return err
		}
		o.Set(out, v)
	}
	return nil
}

// RangeText is the phrase that completes "NAME must be ...": the Range if
// set, else the kind's.
func (o *Option[T]) RangeText() string {
	if o.Range != "" {
		return o.Range
	}
	switch o.Kind {
	case PositiveInt:
		if o.Max != 0 {
			return fmt.Sprintf("a positive integer (at most %d)", o.Max)
		}
		return "a positive integer"
	case NonNegativeInt:
		return "a non-negative integer"
	case PositiveFloat:
		return "a positive number"
	case NonNegativeFloat:
		return "a non-negative number"
	case NonZeroFloat:
		return "a nonzero number"
	case Bool:
		return "true or false"
	case Choice:
		return Quoted(o.Choices)
	case PositiveInts:
		return "a list of positive integers"
	case Ints:
		return "a vector of integers"
	case FloatOrVector:
		return "a number or a vector"
	case BoolOrInterval:
		return "true, false or [lo, hi] with lo < hi"
	}
	return "valid"
}

// Errorf returns the option's range error for got: "steps must be a
// positive integer, got 0", with the Note.
func (o *Option[T]) Errorf(got any) error {
	msg := fmt.Sprintf("%s must be %s, got %s", o.Name, o.RangeText(), Show(got))
	if o.Note != "" {
		msg += " " + o.Note
	}
	return fmt.Errorf("%s", msg)
}

// Convert checks v against the option's kind and returns it as the kind's
// Go type; an error is Errorf(v).
func (o *Option[T]) Convert(v any) (any, error) {
	out, ok := convert(o.Kind, o.Max, o.Choices, v)
	if !ok {
		return nil, o.Errorf(v)
	}
	return out, nil
}

func convert(k Kind, maxInt int, choices []string, v any) (any, bool) {
	num, isNum := number(v)
	whole := isNum && num == math.Trunc(num) && !math.IsInf(num, 0)
	switch k {
	case PositiveInt:
		if maxInt == 0 {
			maxInt = DefaultMax
		}
		if whole && num >= 1 && num <= float64(maxInt) {
			return int(num), true
		}
	case NonNegativeInt:
		if whole && num >= 0 && num < 1<<63 {
			return uint64(num), true
		}
	case PositiveFloat:
		if isNum && num > 0 && !math.IsInf(num, 0) {
			return num, true
		}
	case NonNegativeFloat:
		if isNum && num >= 0 && !math.IsInf(num, 0) {
			return num, true
		}
	case NonZeroFloat:
		if isNum && num != 0 && finite(num) {
			return num, true
		}
	case Bool:
		b, ok := v.(bool)
		return b, ok
	case Choice:
		s, ok := v.(string)
		return s, ok && slices.Contains(choices, s)
	case PositiveInts, Ints:
		xs, ok := ints(v)
		if !ok {
			return nil, false
		}
		if k == Ints {
			return xs, true
		}
		return xs, len(xs) > 0 && !slices.ContainsFunc(xs, func(x int) bool { return x <= 0 })
	case FloatOrVector:
		xs, ok := floats(v)
		return xs, ok && len(xs) > 0 && !slices.ContainsFunc(xs, func(x float64) bool { return !finite(x) })
	case BoolOrInterval:
		if b, ok := v.(bool); ok {
			return b, true
		}
		xs, ok := floats(v)
		return xs, ok && len(xs) == 2 && xs[0] < xs[1] && finite(xs[0]) && finite(xs[1])
	}
	return nil, false
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, !math.IsNaN(v)
	case int:
		return float64(v), true
	}
	return 0, false
}

// ints converts a number or a vector of whole numbers (each within the
// int32 range) to []int; an empty vector gives an empty, non-nil slice.
func ints(v any) ([]int, bool) {
	var xs []float64
	switch v := v.(type) {
	case []int:
		xs = make([]float64, len(v))
		for i, x := range v {
			xs[i] = float64(x)
		}
	case float64, int:
		n, _ := number(v)
		xs = []float64{n}
	case []float64:
		xs = v
	default:
		return nil, false
	}
	out := make([]int, len(xs))
	for i, x := range xs {
		if x != math.Trunc(x) || math.Abs(x) > maxWhole {
			return nil, false
		}
		out[i] = int(x)
	}
	return out, true
}

// floats converts a number or a vector to a fresh []float64.
func floats(v any) ([]float64, bool) {
	switch v := v.(type) {
	case float64:
		return []float64{v}, true
	case int:
		return []float64{float64(v)}, true
	case []float64:
		return slices.Clone(v), true
	case []int:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, true
	}
	return nil, false
}

// Show writes an option value as the language would: "none", a quoted
// string, 2.5, [1, 2], or the kind a Stringer names.
func Show(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int:
		return strconv.Itoa(v)
	case uint64:
		return strconv.FormatUint(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case []int:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.Itoa(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []float64:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Quoted lists choices as `"a", "b" or "c"`.
func Quoted(choices []string) string {
	q := make([]string, len(choices))
	for i, c := range choices {
		q[i] = strconv.Quote(c)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Markdown returns the table as a Markdown table for the reference: one
// row an option with its value range, default and doc.
func (t *Table[T]) Markdown() string {
	var b strings.Builder
	b.WriteString("| option | value | default | meaning |\n|---|---|---|---|\n")
	for i := range t.Options {
		o := &t.Options[i]
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.Name, mdEscape(o.RangeText()), mdEscape(o.Default), mdEscape(o.Doc))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
