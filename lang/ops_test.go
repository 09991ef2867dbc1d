package lang

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

func vec(xs ...float64) *Array { return NewVector(xs) }

func mat(r, c int, xs ...float64) *Array { return NewMatrix(r, c, xs) }

func TestBinary(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		op   string
		x, y Value
		want string
	}{
		{"+", Number(1), Number(2), "3"},
		{"-", Number(1), Number(2), "-1"},
		{"*", Number(3), Number(2), "6"},
		{"/", Number(1), Number(0), "inf"},
		{"/", Number(-1), Number(0), "-inf"},
		{"/", Number(0), Number(0), "nan"},
		{"^", Number(2), Number(10), "1024"},
		{"^", Number(-8), Number(1.0 / 3), "nan"},
		{"+", Number(1), vec(1, 2), "[2, 3]"},
		{"-", vec(1, 2), Number(1), "[0, 1]"},
		{"*", vec(1, 2), vec(3, 4), "[3, 8]"},
		{"/", vec(1, 2), vec(0, 4), "[inf, 0.5]"},
		{"^", vec(2, 3), Number(2), "[4, 9]"},
		{"+", mat(2, 2, 1, 2, 3, 4), vec(10, 20), "[[11, 22],\n [13, 24]]"},
		{"-", vec(10, 20), mat(2, 2, 1, 2, 3, 4), "[[9, 18],\n [7, 16]]"},
		{"*", mat(2, 2, 1, 2, 3, 4), mat(2, 2, 1, 2, 3, 4), "[[1, 4],\n [9, 16]]"},
		{"*", mat(2, 1, 1, 2), vec(1, 2, 3), "[[1, 2, 3],\n [2, 4, 6]]"},
		{"+", String("ab"), String("cd"), "abcd"},
		{"@", vec(1, 2, 3), vec(4, 5, 6), "32"},
		{"@", mat(2, 2, 1, 2, 3, 4), vec(1, 1), "[3, 7]"},
		{"@", vec(1, 1), mat(2, 2, 1, 2, 3, 4), "[4, 6]"},
		{"@", mat(2, 2, 1, 2, 3, 4), mat(2, 2, 0, 1, 1, 0), "[[2, 1],\n [4, 3]]"},
		{"@", mat(1, 3, 1, 2, 3), mat(3, 1, 1, 1, 1), "[[6]]"},
		{"<", Number(1), Number(2), "true"},
		{"<=", Number(2), Number(2), "true"},
		{">", Number(1), Number(2), "false"},
		{">=", Number(math.NaN()), Number(1), "false"},
		{"<", Number(-inf), Number(inf), "true"},
		{"<", String("a"), String("b"), "true"},
		{"==", vec(1, 2), vec(1, 2), "true"},
		{"==", vec(1, 2), mat(1, 2, 1, 2), "false"},
		{"==", vec(1, 2), Number(1), "false"},
		{"!=", Number(1), String("1"), "true"},
		{"==", Number(math.NaN()), Number(math.NaN()), "false"},
		{"==", None, None, "true"},
		{"==", String("a"), String("a"), "true"},
		{"==", Bool(true), Bool(true), "true"},
		{"and", Bool(true), Bool(false), "false"},
		{"or", Bool(true), Bool(false), "true"},
	} {
		got, err := Binary(nil, tt.op, tt.x, tt.y)
		if err != nil {
			t.Errorf("%v %s %v: %v", tt.x, tt.op, tt.y, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("%v %s %v = %v, want %v", tt.x, tt.op, tt.y, got, tt.want)
		}
	}
}

func TestBinaryErrors(t *testing.T) {
	for _, tt := range []struct {
		op   string
		x, y Value
		want string
	}{
		{"+", vec(1, 2), vec(1, 2, 3), "shapes [2] and [3] do not match for +"},
		{"*", mat(2, 3, 1, 2, 3, 4, 5, 6), vec(1, 2), "shapes [2, 3] and [2] do not match for *"},
		{"-", mat(2, 2, 1, 2, 3, 4), mat(3, 2, 1, 2, 3, 4, 5, 6), "shapes [2, 2] and [3, 2] do not match for -"},
		{"+", String("a"), Number(1), "unsupported operand types for +: string and number"},
		{"-", String("a"), String("b"), "unsupported operand types for -: string and string"},
		{"*", Bool(true), vec(1), "unsupported operand types for *: bool and vector"},
		{"@", vec(1, 2), vec(1, 2, 3), "shapes [2] and [3] do not match for @"},
		{"@", mat(2, 3, 1, 2, 3, 4, 5, 6), vec(1, 2), "shapes [2, 3] and [2] do not match for @"},
		{"@", mat(2, 3, 1, 2, 3, 4, 5, 6), mat(2, 3, 1, 2, 3, 4, 5, 6), "shapes [2, 3] and [2, 3] do not match for @"},
		{"@", Number(2), vec(1), "unsupported operand types for @: number and vector"},
		{"<", vec(1), vec(2), "comparison < is not defined for vector and vector (compare elements, or use == for whole values)"},
		{"<", Number(1), String("a"), "unsupported operand types for <: number and string"},
		{"and", Number(1), Bool(true), "operands of and must be bools, got number and bool"},
	} {
		_, err := Binary(nil, tt.op, tt.x, tt.y)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v %s %v: error %v, want %q", tt.x, tt.op, tt.y, err, tt.want)
		}
	}
}

func TestBinaryDoesNotAlias(t *testing.T) {
	x := vec(1, 2)
	y, _ := Binary(nil, "+", x, Number(0))
	y.(*Array).Data()[0] = 99
	if x.Data()[0] != 1 {
		t.Errorf("x + 0 shares data with x")
	}
}

func TestUnary(t *testing.T) {
	for _, tt := range []struct {
		op      string
		x       Value
		want    string
		wantErr string
	}{
		{op: "-", x: Number(2), want: "-2"},
		{op: "-", x: vec(1, -2), want: "[-1, 2]"},
		{op: "-", x: mat(1, 2, 1, -2), want: "[[-1, 2]]"},
		{op: "not", x: Bool(true), want: "false"},
		{op: "-", x: String("a"), wantErr: "unsupported operand type for unary -: string"},
		{op: "not", x: Number(1), wantErr: "operand of not must be a bool, got number"},
	} {
		got, err := Unary(tt.op, tt.x)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s %v: error %v, want %q", tt.op, tt.x, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s %v = %v, %v; want %v", tt.op, tt.x, got, err, tt.want)
		}
	}
}

func n(x float64) Value { return Number(x) }

// indexCase is x[idx] and what it gives: the result's text, or the error's.
type indexCase struct {
	x    Value
	idx  []IndexArg
	want string
}

// setCase is x[idx] = v and what it gives: the result's text, or the
// error's.
type setCase struct {
	x    Value
	idx  []IndexArg
	v    Value
	want string
}

// checkIndexErrors checks that each x[idx] fails with the error want.
func checkIndexErrors(t *testing.T, cases []indexCase) {
	t.Helper()
	for _, tt := range cases {
		_, err := Index(nil, tt.x, tt.idx)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v%v: error %v, want %q", tt.x, tt.idx, err, tt.want)
		}
	}
}

// checkSetIndex checks that each x[idx] = v gives want.
func checkSetIndex(t *testing.T, cases []setCase) {
	t.Helper()
	for _, tt := range cases {
		got, err := SetIndex(tt.x, tt.idx, tt.v)
		if err != nil || got.String() != tt.want {
			t.Errorf("%v%v = %v: got %v, %v; want %v", tt.x, tt.idx, tt.v, got, err, tt.want)
		}
	}
}

// checkSetIndexErrors checks that each x[idx] = v fails with the error
// want.
func checkSetIndexErrors(t *testing.T, cases []setCase) {
	t.Helper()
	for _, tt := range cases {
		_, err := SetIndex(tt.x, tt.idx, tt.v)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v%v = %v: error %v, want %q", tt.x, tt.idx, tt.v, err, tt.want)
		}
	}
}

func TestIndex(t *testing.T) {
	x := vec(10, 11, 12)
	m := mat(3, 2, 1, 2, 3, 4, 5, 6)
	all := Slice(nil, nil)
	for _, tt := range []indexCase{
		{x, []IndexArg{At(n(0))}, "10"},
		{x, []IndexArg{At(n(-1))}, "12"},
		{x, []IndexArg{At(n(-3))}, "10"},
		{x, []IndexArg{Slice(n(1), n(3))}, "[11, 12]"},
		{x, []IndexArg{Slice(n(1), nil)}, "[11, 12]"},
		{x, []IndexArg{Slice(nil, n(-1))}, "[10, 11]"},
		{x, []IndexArg{Slice(n(-10), n(10))}, "[10, 11, 12]"},
		{x, []IndexArg{Slice(n(2), n(1))}, "[]"},
		{x, []IndexArg{Slice(n(5), nil)}, "[]"},
		{m, []IndexArg{At(n(2)), At(n(1))}, "6"},
		{m, []IndexArg{At(n(-1)), At(n(-2))}, "5"},
		{m, []IndexArg{At(n(1))}, "[3, 4]"},
		{m, []IndexArg{all, At(n(0))}, "[1, 3, 5]"},
		{m, []IndexArg{At(n(0)), all}, "[1, 2]"},
		{m, []IndexArg{Slice(n(1), n(3))}, "[[3, 4],\n [5, 6]]"},
		{m, []IndexArg{Slice(n(1), nil), Slice(nil, n(1))}, "[[3],\n [5]]"},
		{m, []IndexArg{Slice(n(0), n(2)), At(n(1))}, "[2, 4]"},
		{String("héllo"), []IndexArg{At(n(1))}, "é"},
		{String("héllo"), []IndexArg{Slice(n(1), n(3))}, "él"},
	} {
		got, err := Index(nil, tt.x, tt.idx)
		if err != nil || got.String() != tt.want {
			t.Errorf("%v%v = %v, %v; want %v", tt.x, tt.idx, got, err, tt.want)
		}
	}
	// An empty slice of rows keeps the column count.
	got, err := Index(nil, m, []IndexArg{Slice(n(3), nil)})
	if err != nil || ShapeString(got.(*Array).Shape()) != "[0, 2]" {
		t.Errorf("m[3:] = %v, %v; want shape [0, 2]", got, err)
	}
	// The result does not share data with x.
	got, _ = Index(nil, x, []IndexArg{all})
	got.(*Array).Data()[0] = 99
	if x.Data()[0] != 10 {
		t.Errorf("x[:] shares data with x")
	}
}

func TestIndexErrors(t *testing.T) {
	x := vec(10, 11, 12)
	m := mat(3, 2, 1, 2, 3, 4, 5, 6)
	checkIndexErrors(t, []indexCase{
		{x, []IndexArg{At(n(5))}, "index 5 out of range for vector of length 3"},
		{x, []IndexArg{At(n(-4))}, "index -4 out of range for vector of length 3"},
		{x, []IndexArg{At(n(1.5))}, "index 1.5 is not an integer"},
		{x, []IndexArg{At(String("a"))}, "index must be a number or a vector of integers, got string"},
		{x, []IndexArg{Slice(n(0.5), nil)}, "slice bound 0.5 is not an integer"},
		{x, []IndexArg{At(n(0)), At(n(0))}, "too many subscripts for vector: got 2, want at most 1"},
		{m, []IndexArg{At(n(3))}, "index 3 out of range for matrix with 3 rows"},
		{m, []IndexArg{At(n(0)), At(n(2))}, "index 2 out of range for matrix with 2 columns"},
		{m, []IndexArg{At(n(0)), At(n(0)), At(n(0))}, "too many subscripts for matrix: got 3, want at most 2"},
		{Number(1), []IndexArg{At(n(0))}, "number cannot be indexed"},
		{String("ab"), []IndexArg{At(n(2))}, "index 2 out of range for string of length 2"},
	})
}

func TestSetIndex(t *testing.T) {
	x := vec(10, 11, 12)
	m := mat(2, 3, 1, 2, 3, 4, 5, 6)
	checkSetIndex(t, []setCase{
		{x, []IndexArg{At(n(1))}, n(0), "[10, 0, 12]"},
		{x, []IndexArg{At(n(-1))}, n(0), "[10, 11, 0]"},
		{x, []IndexArg{Slice(n(1), nil)}, vec(7, 8), "[10, 7, 8]"},
		{x, []IndexArg{Slice(nil, nil)}, n(1), "[1, 1, 1]"},
		{m, []IndexArg{At(n(1)), At(n(2))}, n(0), "[[1, 2, 3],\n [4, 5, 0]]"},
		{m, []IndexArg{At(n(0))}, vec(7, 8, 9), "[[7, 8, 9],\n [4, 5, 6]]"},
		{m, []IndexArg{Slice(nil, nil), At(n(1))}, vec(7, 8), "[[1, 7, 3],\n [4, 8, 6]]"},
		{m, []IndexArg{Slice(nil, nil), Slice(n(1), nil)}, vec(7, 8), "[[1, 7, 8],\n [4, 7, 8]]"},
	})
	if x.String() != "[10, 11, 12]" || m.String() != "[[1, 2, 3],\n [4, 5, 6]]" {
		t.Errorf("SetIndex modified its operand: %v %v", x, m)
	}
	checkSetIndexErrors(t, []setCase{
		{x, []IndexArg{At(n(3))}, n(0), "index 3 out of range for vector of length 3"},
		{x, []IndexArg{Slice(n(1), nil)}, vec(1, 2, 3), "cannot assign shape [3] to a selection of shape [2]"},
		{x, []IndexArg{At(n(0))}, vec(1, 2), "cannot assign shape [2] to a selection of shape []"},
		{x, []IndexArg{At(n(0))}, String("a"), "cannot assign string to an element of a vector"},
		{String("ab"), []IndexArg{At(n(0))}, n(1), "string does not support item assignment"},
	})
}

// TestTracked checks that operators, indexing and item assignment keep a
// tracked array on its tape (the interpreter evaluates model bodies so).
func TestTracked(t *testing.T) {
	p := tensor.Param([]float64{1, 2, 3}, 3)
	tp := tensor.NewTape()
	tp.Watch(p)
	x := NewArray(p)
	// y = x * x; z = y[1:]; w = zeros(3) with w[0] = z[1] and w[1:] = x[:2]
	y, _ := Binary(nil, "*", x, x)
	z, _ := Index(nil, y, []IndexArg{Slice(n(1), nil)})
	w, err := SetIndex(NewVector([]float64{0, 0, 0}), []IndexArg{Slice(nil, n(1))}, mustIndex(t, z, Slice(n(1), nil)))
	if err != nil {
		t.Fatal(err)
	}
	w, _ = SetIndex(w, []IndexArg{Slice(n(1), nil)}, mustIndex(t, x, Slice(nil, n(2))))
	// w = [x2², x0, x1]; loss = w @ [1, 10, 100] = x2² + 10 x0 + 100 x1
	m, _ := Binary(nil, "@", NewMatrix(1, 3, []float64{1, 10, 100}), w)
	tp.Backward(m.(*Array).T)
	if g := p.Grad(); g[0] != 10 || g[1] != 100 || g[2] != 6 {
		t.Errorf("gradient %v, want [10 100 6]", g)
	}
}

func mustIndex(t *testing.T, x Value, idx ...IndexArg) Value {
	t.Helper()
	v, err := Index(nil, x, idx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(Number); ok { // keep it a tensor: index with a slice instead
		t.Fatalf("mustIndex gave a number")
	}
	return v
}

// TestShapeStrings: a shape as a vector prints and as a matrix's size in
// error messages (lang/condflow.go, stdlib/distributions.go), from the
// one formatter both use.
func TestShapeStrings(t *testing.T) {
	for _, tt := range []struct {
		shape          []int
		vector, matrix string
	}{
		{nil, "[]", ""},
		{[]int{4}, "[4]", "4"},
		{[]int{2, 3}, "[2, 3]", "2×3"},
		{[]int{10000, 2}, "[10000, 2]", "10000×2"},
	} {
		if got := ShapeString(tt.shape); got != tt.vector {
			t.Errorf("ShapeString(%v) = %q, want %q", tt.shape, got, tt.vector)
		}
		if got := MatrixShape(tt.shape); got != tt.matrix {
			t.Errorf("MatrixShape(%v) = %q, want %q", tt.shape, got, tt.matrix)
		}
	}
}
