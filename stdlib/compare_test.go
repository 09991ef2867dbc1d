package stdlib

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

func TestComparisons(t *testing.T) {
	nan := math.NaN()
	a, b := vec(1, 2, nan, 4), num(2)
	for _, tt := range []struct {
		name string
		want []float64
	}{
		{"equal", []float64{0, 1, 0, 0}},
		{"not_equal", []float64{1, 0, 1, 1}},
		{"less", []float64{1, 0, 0, 0}},
		{"less_equal", []float64{1, 1, 0, 0}},
		{"greater", []float64{0, 0, 0, 1}},
		{"greater_equal", []float64{0, 1, 0, 1}},
	} {
		got, err := call(tt.name, a, b)
		if err != nil || got.Type() != "vector" || !close(values(got), tt.want, 0) {
			t.Errorf("%s(%v, %v) = %v, %v; want %v", tt.name, a, b, got, err, tt.want)
		}
	}
	// Stan's transformed-data idiom, age30_44[n] = age_discrete[n] == 2.
	got, err := call("equal", mat(2, 2, 1, 2, 2, 3), vec(2, 3))
	if err != nil || got.Type() != "matrix" || !close(values(got), []float64{0, 0, 1, 1}, 0) {
		t.Errorf("equal(matrix, vector) = %v, %v", got, err)
	}
	if got, err := call("less", num(1), num(2)); err != nil || got != lang.Number(1) {
		t.Errorf("less(1, 2) = %v, %v; want the number 1", got, err)
	}
	if _, err := call("equal", vec(1, 2), vec(1, 2, 3)); err == nil || !strings.Contains(err.Error(), "equal: shapes [2] and [3] do not match") {
		t.Errorf("equal of [2] and [3]: %v", err)
	}
}

func TestWhere(t *testing.T) {
	for _, tt := range []struct {
		cond, a, b lang.Value
		want       lang.Value
	}{
		{lang.Bool(true), vec(1, 2), num(0), vec(1, 2)},
		{lang.Bool(false), vec(1, 2), num(0), vec(0, 0)},
		{vec(1, 0, -2, math.NaN()), num(1), vec(5, 6, 7, 8), vec(1, 6, 1, 1)}, // non-zero (nan too) is true
		{vec(1, 0), mat(2, 2, 1, 2, 3, 4), num(-1), mat(2, 2, 1, -1, 3, -1)},
		{num(0), num(1), num(2), num(2)},
	} {
		got, err := call("where", tt.cond, tt.a, tt.b)
		if err != nil || got.Type() != tt.want.Type() || !close(values(got), values(tt.want), 0) {
			t.Errorf("where(%v, %v, %v) = %v, %v; want %v", tt.cond, tt.a, tt.b, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{lang.String("x"), num(1), num(2)}, "where: cond must be a bool, number, vector or matrix, got string"},
		{[]lang.Value{vec(1, 0, 1), vec(1, 2), num(0)}, "where: shapes [3] and [2] do not match"},
		{[]lang.Value{num(1), lang.Bool(true), num(0)}, "where: a must be a number, vector or matrix, got bool"},
	} {
		if _, err := call("where", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("where%v: %v, want %q", tt.args, err, tt.want)
		}
	}
}
