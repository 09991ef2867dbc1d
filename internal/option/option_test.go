package option

import (
	"strings"
	"testing"
)

type opts struct {
	N    int
	Seed uint64
	X    float64
	S    string
	B    bool
	L    []int
	V    []float64
	Clip any
}

var table = &Table[opts]{What: "test option", Options: []Option[opts]{
	{Name: "n", Kind: PositiveInt, Max: 10, Default: "1", Doc: "a count", Set: func(o *opts, v any) { o.N = v.(int) }},
	{Name: "seed", Kind: NonNegativeInt, Set: func(o *opts, v any) { o.Seed = v.(uint64) }},
	{Name: "x", Kind: PositiveFloat, Set: func(o *opts, v any) { o.X = v.(float64) }},
	{Name: "tol", Kind: NonNegativeFloat, Range: "a non-negative number of nats", Note: "(0: off)", Set: func(o *opts, v any) { o.X = v.(float64) }},
	{Name: "e", Kind: NonZeroFloat, Set: func(o *opts, v any) { o.X = v.(float64) }},
	{Name: "s", Kind: Choice, Choices: []string{"a", "b", "c"}, Set: func(o *opts, v any) { o.S = v.(string) }},
	{Name: "b", Kind: Bool, Set: func(o *opts, v any) { o.B = v.(bool) }},
	{Name: "widths", Kind: PositiveInts, Set: func(o *opts, v any) { o.L = v.([]int) }},
	{Name: "perm", Kind: Ints, Set: func(o *opts, v any) { o.L = v.([]int) }},
	{Name: "loc", Kind: FloatOrVector, Set: func(o *opts, v any) { o.V = v.([]float64) }},
	{Name: "clip", Kind: BoolOrInterval, Set: func(o *opts, v any) { o.Clip = v }},
}}

type kind string

func (k kind) String() string { return string(k) }

// TestConvert: every kind accepts its values, converted to its Go type,
// and rejects the others with "NAME must be RANGE, got VALUE".
func TestConvert(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    any
		want string // the error, or "" for a valid value
	}{
		{"n", 3.0, ""},
		{"n", 3, ""},
		{"n", 0.0, "n must be a positive integer (at most 10), got 0"},
		{"n", 11.0, "n must be a positive integer (at most 10), got 11"},
		{"n", 2.5, "n must be a positive integer (at most 10), got 2.5"},
		{"n", "3", `n must be a positive integer (at most 10), got "3"`},
		{"n", kind("vector"), "n must be a positive integer (at most 10), got vector"},
		{"seed", 0.0, ""},
		{"seed", -1.0, "seed must be a non-negative integer, got -1"},
		{"seed", 1e19, "seed must be a non-negative integer, got 1e+19"},
		{"x", 1e-300, ""},
		{"x", 0.0, "x must be a positive number, got 0"},
		{"tol", 0.0, ""},
		{"tol", -0.5, "tol must be a non-negative number of nats, got -0.5 (0: off)"},
		{"e", -2.0, ""},
		{"e", 0.0, "e must be a nonzero number, got 0"},
		{"s", "b", ""},
		{"s", "d", `s must be "a", "b" or "c", got "d"`},
		{"b", true, ""},
		{"b", 1.0, "b must be true or false, got 1"},
		{"b", nil, "b must be true or false, got none"},
		{"widths", []float64{32, 32}, ""},
		{"widths", 8.0, ""},
		{"widths", []float64{}, "widths must be a list of positive integers, got []"},
		{"widths", []float64{0}, "widths must be a list of positive integers, got [0]"},
		{"widths", []float64{1e10}, "widths must be a list of positive integers, got [1e+10]"},
		{"perm", []float64{}, ""},
		{"perm", []float64{0.5}, "perm must be a vector of integers, got [0.5]"},
		{"loc", 1.0, ""},
		{"loc", []float64{}, "loc must be a number or a vector, got []"},
		{"clip", false, ""},
		{"clip", []float64{-5, 3}, ""},
		{"clip", []float64{3, -5}, "clip must be true, false or [lo, hi] with lo < hi, got [3, -5]"},
	} {
		err := table.Check(tt.name, tt.v)
		if (err == nil) != (tt.want == "") || err != nil && err.Error() != tt.want {
			t.Errorf("Check(%s, %v) = %v, want %q", tt.name, tt.v, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	o, err := table.Parse(map[string]any{"n": 4.0, "s": "c", "widths": []float64{8, 4}, "clip": true, "seed": 7.0})
	if err != nil || o.N != 4 || o.S != "c" || len(o.L) != 2 || o.L[0] != 8 || o.Clip != true || o.Seed != 7 {
		t.Errorf("Parse = %+v, %v", o, err)
	}
	_, err = table.Parse(map[string]any{"sed": 1.0})
	want := `unknown test option "sed" (did you mean "seed"?) (options: n, seed, x, tol, e, s, b, widths, perm, loc, clip)`
	if err == nil || err.Error() != want {
		t.Errorf("Parse(sed) = %v, want %q", err, want)
	}
}

func TestMarkdown(t *testing.T) {
	md := table.Markdown()
	if !strings.HasPrefix(md, "| option | value | default | meaning |\n|---|---|---|---|\n| `n` | a positive integer (at most 10) | 1 | a count |\n") {
		t.Errorf("Markdown:\n%s", md)
	}
	if n := strings.Count(md, "\n"); n != 2+len(table.Options) {
		t.Errorf("Markdown has %d lines, want %d", n, 2+len(table.Options))
	}
}
