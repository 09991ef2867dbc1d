package stdlib

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// fakeNormal is a family built on the test distribution normal.
var fakeNormal = familyBuiltin(family{
	name:   "Normal",
	params: []string{"loc", "scale"},
	doc:    "test normal",
	build: func(p []*tensor.Tensor, validate bool) (dist.Distribution, error) {
		loc, scale := p[0].Data(), p[1].Data()
		if len(loc) != len(scale) {
			return nil, fmt.Errorf("loc has %d elements but scale has %d", len(loc), len(scale))
		}
		for _, s := range scale {
			if !(s > 0) {
				return nil, fmt.Errorf("scale must be positive, got %v", tensor.FormatNumber(s))
			}
		}
		return closedNormal{normal{loc, scale}}, nil
	},
})

func TestFamilyBuiltin(t *testing.T) {
	th, _ := newThread()
	for _, tt := range []struct {
		args    []lang.Value
		kwargs  []lang.Kwarg
		wantDim int
		wantErr string
	}{
		{args: []lang.Value{num(0), num(1)}, wantDim: 1},
		{args: []lang.Value{vec(0, 1), vec(1, 2)}, wantDim: 2},
		{kwargs: []lang.Kwarg{{Name: "scale", Value: num(1)}, {Name: "loc", Value: num(0)}}, wantDim: 1},
		{args: []lang.Value{num(0)}, kwargs: []lang.Kwarg{{Name: "scale", Value: num(2)}}, wantDim: 1},
		{args: []lang.Value{num(0)}, wantErr: "Normal takes 2 arguments (loc, scale), got 1"},
		{args: []lang.Value{num(0), num(1), num(2)}, wantErr: "Normal takes 2 arguments (loc, scale), got 3"},
		{kwargs: []lang.Kwarg{{Name: "loc", Value: num(0)}}, wantErr: "Normal takes 2 arguments (loc, scale), got 1"},
		{args: []lang.Value{num(0)}, kwargs: []lang.Kwarg{{Name: "scal", Value: num(1)}}, wantErr: `Normal: unexpected keyword argument "scal" (did you mean "scale"?)`},
		{args: []lang.Value{num(0), num(1)}, kwargs: []lang.Kwarg{{Name: "loc", Value: num(1)}}, wantErr: `Normal: got multiple values for parameter "loc"`},
		{args: []lang.Value{lang.String("a"), num(1)}, wantErr: "Normal: parameter loc must be a number or a vector, got string"},
		{args: []lang.Value{num(0), num(-1)}, wantErr: "Normal: scale must be positive, got -1"},
	} {
		got, err := fakeNormal.CallInternal(th, tt.args, tt.kwargs)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Normal%v%v: error %v, want %q", tt.args, tt.kwargs, err, tt.wantErr)
			}
			continue
		}
		d, ok := got.(*lang.Dist)
		if err != nil || !ok || d.D.Dim() != tt.wantDim {
			t.Errorf("Normal%v%v = %v, %v; want dimension %d", tt.args, tt.kwargs, got, err, tt.wantDim)
		}
	}
}

func TestRegistryFamilies(t *testing.T) {
	for _, f := range dist.Families {
		b, ok := Universe[f.Name].(*lang.Builtin)
		if !ok {
			t.Errorf("no builtin for family %s", f.Name)
			continue
		}
		if b.Doc == "" {
			t.Errorf("%s has no doc", f.Name)
		}
	}
}

func TestFamilyErrors(t *testing.T) {
	th, _ := newThread()
	for _, tt := range []struct {
		name   string
		args   []lang.Value
		kwargs []lang.Kwarg
		want   string
	}{
		{"Normal", []lang.Value{num(0)}, nil, "Normal takes 2 arguments (loc, scale), got 1"},
		{"Normal", nil, nil, "Normal takes 2 arguments (loc, scale), got 0"},
		{"Poisson", []lang.Value{num(1), num(2)}, nil, "Poisson takes 1 argument (rate), got 2"},
		{"StudentT", []lang.Value{num(3), num(0)}, nil, "StudentT takes 3 arguments (df, loc, scale), got 2"},
		{"Normal", []lang.Value{num(0)}, []lang.Kwarg{{Name: "sd", Value: num(1)}}, `Normal: unexpected keyword argument "sd"`},
		{"Normal", []lang.Value{lang.String("0"), num(1)}, nil, "Normal: parameter loc must be a number or a vector, got string"},
		{"Normal", []lang.Value{num(0), num(-1)}, nil, "Normal: scale must be positive, got -1"},
		{"Normal", []lang.Value{vec(0, 0), vec(1, 1, 1)}, nil, "Normal: loc has length 2 but scale has length 3"},
	} {
		_, err := callKw(th, tt.name, tt.args, tt.kwargs)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s%v%v: error %v, want %q", tt.name, tt.args, tt.kwargs, err, tt.want)
		}
	}
}

func TestRegistryDistributions(t *testing.T) {
	th, _ := newThread()
	mk := maker(t, th)
	n01, n11 := mk("Normal", num(0), num(1)), mk("Normal", num(1), num(1))
	n2 := mk("Normal", vec(0, 1), vec(1, 2))

	// kl(Normal(0, 1), Normal(1, 1), 20000) = 0.5; log p - log q = 1/2 - x has sd 1.
	got, err := callKw(th, "kl", []lang.Value{n01, n11, num(20000)}, nil)
	if err != nil || math.Abs(float64(got.(lang.Number))-0.5) > 4/math.Sqrt(20000) {
		t.Errorf("kl(Normal(0, 1), Normal(1, 1), 20000) = %v, %v; want 0.5 within 4 SE", got, err)
	}
	// Keyword arguments.
	kw, err := callKw(th, "Normal", nil, []lang.Kwarg{{Name: "scale", Value: num(2)}, {Name: "loc", Value: num(3)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		fn   string
		args []lang.Value
		want []float64
		kind string
	}{
		{"mean", []lang.Value{kw}, []float64{3}, "number"},
		{"sd", []lang.Value{kw}, []float64{2}, "number"},
		{"mean", []lang.Value{n2}, []float64{0, 1}, "vector"},
		{"sd", []lang.Value{n2}, []float64{1, 2}, "vector"},
		{"mean", []lang.Value{mk("Cauchy", num(0), num(1))}, []float64{math.NaN()}, "number"},
		{"mean", []lang.Value{mk("Exponential", num(2))}, []float64{0.5}, "number"},
		{"entropy", []lang.Value{n01}, []float64{0.5 * math.Log(2*math.Pi*math.E)}, "number"},
		{"log_prob", []lang.Value{n01, num(0)}, []float64{-0.5 * math.Log(2*math.Pi)}, "number"},
		{"log_prob", []lang.Value{n01, vec(0, 1)}, []float64{-0.5 * math.Log(2*math.Pi), -0.5*math.Log(2*math.Pi) - 0.5}, "vector"},
		{"log_prob", []lang.Value{n2, vec(0, 1)}, []float64{-math.Log(2*math.Pi) - math.Log(2)}, "number"},
		{"log_prob", []lang.Value{n2, mat(2, 2, 0, 1, 1, 1)}, []float64{-math.Log(2*math.Pi) - math.Log(2), -math.Log(2*math.Pi) - math.Log(2) - 0.5}, "vector"},
		{"log_prob", []lang.Value{mk("HalfNormal", num(1)), num(-1)}, []float64{math.Inf(-1)}, "number"},
	} {
		got, err := callKw(th, tt.fn, tt.args, nil)
		if err != nil || got.Type() != tt.kind || !close(values(got), tt.want, 1e-12) {
			t.Errorf("%s%v = %v, %v; want %s %v", tt.fn, tt.args, got, err, tt.kind, tt.want)
		}
	}
	checkSampleShapes(t, []sampleShape{
		{[]lang.Value{n01}, "number", 1},
		{[]lang.Value{n2}, "vector", 2},
		{[]lang.Value{n01, num(7)}, "vector", 7},
		{[]lang.Value{n2, num(7)}, "matrix", 14},
		{[]lang.Value{mk("Dirichlet", vec(1, 1, 1)), num(4)}, "matrix", 12},
		{[]lang.Value{mk("Poisson", num(3)), num(4)}, "vector", 4},
	})
	if _, err := callKw(th, "log_prob", []lang.Value{n2, mat(1, 3, 1, 2, 3)}, nil); err == nil || err.Error() != "log_prob: x has 3 columns but the distribution has dimension 2" {
		t.Errorf("log_prob with 3 columns: error %v", err)
	}
}
