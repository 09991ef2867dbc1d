package interp_test

import (
	"context"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/parser"
)

// TestApplySets runs a script whose top-level assignments --set-style
// bindings replaced, through Interpreter.Exec of the changed *ast.File:
// only the first top-level assignment changes, later updates still run.
func TestApplySets(t *testing.T) {
	src := "n = 3\nlr = 0.1\nn = n + 1\nfn f() {\n lr = 7\n return lr\n}\nout = [n, lr, f()]\n"
	for _, tt := range []struct {
		sets []string
		want []float64
	}{
		{nil, []float64{4, 0.1, 7}},
		{[]string{"n=10"}, []float64{11, 0.1, 7}},
		{[]string{"n = 10", "lr=2 * 0.5"}, []float64{11, 1, 7}},
	} {
		file, err := parser.ParseFile("s.flow", src)
		if err != nil {
			t.Fatal(err)
		}
		var sets []interp.Set
		for _, a := range tt.sets {
			s, err := interp.ParseSet(a)
			if err != nil {
				t.Fatalf("%q: %v", a, err)
			}
			sets = append(sets, s)
		}
		if err := interp.ApplySets(file, sets); err != nil {
			t.Fatalf("%q: %v", tt.sets, err)
		}
		in := interp.New(interp.Options{})
		if err := in.Exec(context.Background(), "s.flow", file); err != nil {
			t.Fatalf("%q: %v", tt.sets, err)
		}
		got, err := in.Get("out")
		if err != nil {
			t.Fatal(err)
		}
		g := got.([]float64)
		for i := range tt.want {
			if g[i] != tt.want[i] {
				t.Errorf("%q: out = %v, want %v", tt.sets, g, tt.want)
				break
			}
		}
	}
}

// TestApplySetsErrors checks the messages of bad bindings, golden.
func TestApplySetsErrors(t *testing.T) {
	for _, tt := range []struct{ arg, want string }{
		{"x", `want name=value, got "x"`},
		{"x=", `want name=value, got "x="`},
		{"lrr=1", `--set lrr: the script has no top-level assignment lrr = ... to override (did you mean "lr"?)`},
		{"lr=(1", `lr: --set lr:1:1: "(" is never closed`},
	} {
		s, err := interp.ParseSet(tt.arg)
		if err == nil {
			file, perr := parser.ParseFile("s.flow", "lr = 0.1\nn = 3\n")
			if perr != nil {
				t.Fatal(perr)
			}
			err = interp.ApplySets(file, []interp.Set{s})
		}
		if err == nil || len(err.Error()) < len(tt.want) || err.Error()[:len(tt.want)] != tt.want {
			t.Errorf("%q: error %v, want prefix %q", tt.arg, err, tt.want)
		}
	}
}
