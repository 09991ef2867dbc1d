package stdlib

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

func newThread() (*lang.Thread, *bytes.Buffer) {
	var out bytes.Buffer
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Stdout: &out}
	th.Init()
	return th, &out
}

// callKw calls the builtin name with positional and keyword arguments.
func callKw(th *lang.Thread, name string, args []lang.Value, kwargs []lang.Kwarg) (lang.Value, error) {
	b, ok := Universe[name]
	if !ok {
		panic("no builtin " + name)
	}
	return b.(*lang.Builtin).CallInternal(th, args, kwargs)
}

// maker returns a function that calls the builtin name on positional
// arguments and stops the test on an error: it builds the distributions
// a test works on.
func maker(t *testing.T, th *lang.Thread) func(name string, args ...lang.Value) lang.Value {
	return func(name string, args ...lang.Value) lang.Value {
		t.Helper()
		v, err := callKw(th, name, args, nil)
		if err != nil {
			t.Fatalf("%s%v: %v", name, args, err)
		}
		return v
	}
}

func call(name string, args ...lang.Value) (lang.Value, error) {
	th, _ := newThread()
	return callKw(th, name, args, nil)
}

func num(x float64) lang.Value { return lang.Number(x) }

func vec(xs ...float64) *lang.Array { return lang.NewVector(xs) }

func mat(r, c int, xs ...float64) *lang.Array { return lang.NewMatrix(r, c, xs) }

// values returns the elements of a number or array.
func values(v lang.Value) []float64 {
	switch v := v.(type) {
	case lang.Number:
		return []float64{float64(v)}
	case *lang.Array:
		return v.Data()
	}
	return nil
}

func close(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.IsNaN(want[i]) || math.IsNaN(got[i]) {
			if math.IsNaN(want[i]) != math.IsNaN(got[i]) {
				return false
			}
			continue
		}
		if got[i] == want[i] {
			continue
		}
		if !(math.Abs(got[i]-want[i]) <= tol*max(1, math.Abs(want[i]))) {
			return false
		}
	}
	return true
}

func TestUniverseDocs(t *testing.T) {
	doc := docText(t)
	for _, c := range Constants {
		if c.Doc == "" || !strings.Contains(doc, "\t"+c.Name+" ") {
			t.Errorf("constant %s: no Doc, or doc.go does not list it", c.Name)
		}
	}
	for _, name := range Names() {
		b, ok := Universe[name].(*lang.Builtin)
		if !ok {
			continue // a constant
		}
		if b.Doc == "" {
			t.Errorf("%s has no Doc", name)
		}
		if isFamily(name) {
			continue
		}
		if !strings.Contains(doc, "\t"+name+"(") {
			t.Errorf("doc.go does not list %s", name)
		}
	}
}

func TestMath(t *testing.T) {
	xs := []float64{-2, -0.5, 0, 0.5, 2.5}
	ps := []float64{0.01, 0.25, 0.5, 0.9}
	for _, tt := range []struct {
		name string
		in   []float64
		f    func(float64) float64
	}{
		{"exp", xs, math.Exp},
		{"log", []float64{0, 0.5, 1, 10, -1}, math.Log},
		{"sqrt", []float64{0, 2, 9, -1}, math.Sqrt},
		{"abs", xs, math.Abs},
		{"sin", xs, math.Sin},
		{"cos", xs, math.Cos},
		{"tanh", xs, math.Tanh},
		{"sigmoid", append(xs, -800, 800), func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"logit", append(ps, 0, 1), func(p float64) float64 { return math.Log(p / (1 - p)) }},
		{"softplus", append(xs, -800, 800), func(x float64) float64 {
			if x > 700 {
				return x
			}
			return math.Log(1 + math.Exp(x))
		}},
		{"floor", xs, math.Floor},
		{"round", []float64{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6}, math.RoundToEven},
	} {
		want := make([]float64, len(tt.in))
		for i, x := range tt.in {
			want[i] = tt.f(x)
			got, err := call(tt.name, num(x))
			if err != nil || !close(values(got), want[i:i+1], 1e-12) {
				t.Errorf("%s(%v) = %v, %v; want %v", tt.name, x, got, err, want[i])
			}
			if _, ok := got.(lang.Number); !ok {
				t.Errorf("%s(%v) is a %s, want number", tt.name, x, got.Type())
			}
		}
		got, err := call(tt.name, vec(tt.in...))
		if err != nil || !close(values(got), want, 1e-12) {
			t.Errorf("%s(%v) = %v, %v; want %v", tt.name, tt.in, got, err, want)
		}
		got, err = call(tt.name, mat(1, len(tt.in), tt.in...))
		if err != nil || !close(values(got), want, 1e-12) || got.Type() != "matrix" {
			t.Errorf("%s(matrix) = %v, %v; want %v", tt.name, got, err, want)
		}
	}
	if _, err := call("exp", lang.String("a")); err == nil || err.Error() != "exp: got string, want number, vector or matrix" {
		t.Errorf("exp(\"a\"): error %v", err)
	}
}

func TestReductions(t *testing.T) {
	m := mat(3, 2, 1, 10, 2, 20, 4, 60)
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		args []lang.Value
		want []float64
	}{
		{"sum", []lang.Value{vec(1, 2, 3.5)}, []float64{6.5}},
		{"sum", []lang.Value{vec()}, []float64{0}},
		{"sum", []lang.Value{num(2)}, []float64{2}},
		{"sum", []lang.Value{m}, []float64{7, 90}},
		{"mean", []lang.Value{vec(1, 2, 3, 4)}, []float64{2.5}},
		{"mean", []lang.Value{m}, []float64{7.0 / 3, 30}},
		// sample variance with divisor n - 1
		{"var", []lang.Value{vec(1, 2, 3, 4)}, []float64{5.0 / 3}},
		{"sd", []lang.Value{vec(1, 2, 3, 4)}, []float64{math.Sqrt(5.0 / 3)}},
		{"sd", []lang.Value{vec(2, 4, 4, 4, 5, 5, 7, 9)}, []float64{math.Sqrt(32.0 / 7)}},
		{"sd", []lang.Value{num(3)}, []float64{nan}},
		{"var", []lang.Value{m}, []float64{7.0 / 3, 700}},
		{"min", []lang.Value{vec(3, -1, 2)}, []float64{-1}},
		{"max", []lang.Value{vec(3, -1, 2)}, []float64{3}},
		{"max", []lang.Value{vec(3, nan, 2)}, []float64{nan}},
		{"min", []lang.Value{m}, []float64{1, 10}},
		{"max", []lang.Value{m}, []float64{4, 60}},
		{"max", []lang.Value{num(1), num(3)}, []float64{3}},
		{"min", []lang.Value{vec(1, 5), num(3)}, []float64{1, 3}},
		{"max", []lang.Value{vec(1, 5), vec(4, 2), num(3)}, []float64{4, 5}},
		{"logsumexp", []lang.Value{vec(0, 0)}, []float64{math.Log(2)}},
		{"logsumexp", []lang.Value{vec(1000, 1000)}, []float64{1000 + math.Log(2)}},
		{"logsumexp", []lang.Value{vec(math.Inf(-1), math.Inf(-1))}, []float64{math.Inf(-1)}},
		{"logsumexp", []lang.Value{m}, []float64{math.Log(math.E + math.Exp(2) + math.Exp(4)), 60 + math.Log(1+math.Exp(-40)+math.Exp(-50))}},
		{"len", []lang.Value{vec(1, 2, 3)}, []float64{3}},
		{"len", []lang.Value{m}, []float64{3}},
		{"len", []lang.Value{lang.String("héllo")}, []float64{5}},
		{"shape", []lang.Value{m}, []float64{3, 2}},
		{"shape", []lang.Value{vec(1, 2)}, []float64{2}},
		{"shape", []lang.Value{num(1)}, []float64{}},
	} {
		got, err := call(tt.name, tt.args...)
		if err != nil || !close(values(got), tt.want, 1e-12) {
			t.Errorf("%s%v = %v, %v; want %v", tt.name, tt.args, got, err, tt.want)
		}
	}
	// A matrix reduces to a vector.
	if got, _ := call("sum", mat(1, 2, 1, 2)); got.Type() != "vector" {
		t.Errorf("sum(matrix) is a %s, want vector", got.Type())
	}
	rec := lang.NewRecord()
	rec.Set("a", num(1))
	rec.Set("b", num(2))
	if got, err := call("len", rec); err != nil || got != num(2) {
		t.Errorf("len(record) = %v, %v; want 2", got, err)
	}
}

func TestQuantile(t *testing.T) {
	// R: quantile(c(1, 2, 3, 4, 10), c(0, 0.1, 0.25, 0.5, 0.9, 1)) (type 7)
	x := vec(10, 2, 4, 1, 3)
	for _, tt := range []struct{ p, want float64 }{
		{0, 1}, {0.1, 1.4}, {0.25, 2}, {0.5, 3}, {0.9, 7.6}, {1, 10}, {0.33, 2.32},
	} {
		got, err := call("quantile", x, num(tt.p))
		if err != nil || !close(values(got), []float64{tt.want}, 1e-12) {
			t.Errorf("quantile(x, %v) = %v, %v; want %v", tt.p, got, err, tt.want)
		}
	}
	got, err := call("quantile", x, vec(0.1, 0.9))
	if err != nil || !close(values(got), []float64{1.4, 7.6}, 1e-12) || got.Type() != "vector" {
		t.Errorf("quantile(x, [0.1, 0.9]) = %v, %v", got, err)
	}
	m := mat(3, 2, 1, 10, 2, 30, 3, 20)
	got, err = call("quantile", m, num(0.5))
	if err != nil || !close(values(got), []float64{2, 20}, 1e-12) {
		t.Errorf("quantile(m, 0.5) = %v, %v", got, err)
	}
	got, err = call("quantile", m, vec(0, 0.75, 1))
	if err != nil || !close(values(got), []float64{1, 10, 2.5, 25, 3, 30}, 1e-12) || lang.ShapeString(got.(*lang.Array).Shape()) != "[3, 2]" {
		t.Errorf("quantile(m, [0, 0.75, 1]) = %v, %v", got, err)
	}
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{x, num(1.5)}, "quantile: p must be in [0, 1], got 1.5"},
		{[]lang.Value{vec(), num(0.5)}, "quantile: empty sequence has no quantiles"},
		{[]lang.Value{x}, "quantile: missing argument p"},
	} {
		if _, err := call("quantile", tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("quantile%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestConstruct(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []lang.Value
		want string
	}{
		{"zeros", []lang.Value{num(3)}, "[0, 0, 0]"},
		{"zeros", []lang.Value{num(0)}, "[]"},
		{"ones", []lang.Value{num(2)}, "[1, 1]"},
		{"zeros", []lang.Value{num(2), num(3)}, "[[0, 0, 0],\n [0, 0, 0]]"},
		{"ones", []lang.Value{num(1), num(2)}, "[[1, 1]]"},
		{"eye", []lang.Value{num(2)}, "[[1, 0],\n [0, 1]]"},
		{"range", []lang.Value{num(4)}, "[0, 1, 2, 3]"},
		{"range", []lang.Value{num(0)}, "[]"},
		{"range", []lang.Value{num(-2)}, "[]"},
		{"range", []lang.Value{num(2), num(5)}, "[2, 3, 4]"},
		{"range", []lang.Value{num(5), num(2)}, "[]"},
		{"range", []lang.Value{num(0), num(10), num(3)}, "[0, 3, 6, 9]"},
		{"range", []lang.Value{num(5), num(0), num(-2)}, "[5, 3, 1]"},
		{"linspace", []lang.Value{num(0), num(1), num(5)}, "[0, 0.25, 0.5, 0.75, 1]"},
		{"linspace", []lang.Value{num(2), num(3), num(1)}, "[2]"},
		{"linspace", []lang.Value{num(0), num(1), num(0)}, "[]"},
		{"concat", []lang.Value{vec(1, 2), num(3), vec(4)}, "[1, 2, 3, 4]"},
		{"concat", []lang.Value{mat(1, 2, 1, 2), mat(2, 2, 3, 4, 5, 6)}, "[[1, 2],\n [3, 4],\n [5, 6]]"},
		{"concat", nil, "[]"},
		{"transpose", []lang.Value{mat(2, 3, 1, 2, 3, 4, 5, 6)}, "[[1, 4],\n [2, 5],\n [3, 6]]"},
		{"transpose", []lang.Value{vec(1, 2)}, "[1, 2]"},
	} {
		got, err := call(tt.name, tt.args...)
		if err != nil || got.String() != tt.want {
			t.Errorf("%s%v = %v, %v; want %v", tt.name, tt.args, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		args []lang.Value
		want string
	}{
		{"zeros", []lang.Value{num(2.5)}, "zeros: n must be an integer, got 2.5"},
		{"ones", []lang.Value{num(-1)}, "ones: n must be non-negative, got -1"},
		{"zeros", []lang.Value{num(2), num(0.5)}, "zeros: columns must be an integer, got 0.5"},
		{"zeros", []lang.Value{lang.String("a")}, "zeros: n must be an integer, got string"},
		{"zeros", nil, "zeros takes 1 or 2 arguments (n, or rows and columns), got 0"},
		{"zeros", []lang.Value{num(1e6), num(1e6)}, "zeros: an array of 1000000000000 elements is over the limit of 1000000000"},
		{"eye", []lang.Value{num(1.5)}, "eye: n must be an integer, got 1.5"},
		{"range", []lang.Value{num(0.5)}, "range: n must be an integer, got 0.5"},
		{"range", []lang.Value{num(0), num(3), num(0)}, "range: step must not be 0"},
		{"linspace", []lang.Value{num(0), num(1), num(2.5)}, "linspace: n must be an integer, got 2.5"},
		{"concat", []lang.Value{mat(1, 2, 1, 2), mat(1, 3, 1, 2, 3)}, "concat: argument 2 has 3 columns but the first matrix has 2"},
		{"concat", []lang.Value{mat(1, 2, 1, 2), vec(1, 2)}, "concat: cannot mix matrices with numbers or vectors (make rows with [v] first)"},
		{"concat", []lang.Value{lang.String("a")}, "concat: argument 1 is a string, want number, vector or matrix"},
		{"transpose", []lang.Value{num(1)}, "transpose: for parameter m: got number, want vector or matrix"},
	} {
		if _, err := call(tt.name, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%s%v: error %v, want %q", tt.name, tt.args, err, tt.want)
		}
	}
}

func TestPrint(t *testing.T) {
	for _, tt := range []struct {
		args []lang.Value
		want string
	}{
		{[]lang.Value{num(4), num(0.5), num(1e-6), num(1.0 / 3)}, "4 0.5 1e-06 0.3333333333333333\n"},
		{[]lang.Value{num(math.Inf(1)), num(math.NaN())}, "inf nan\n"},
		{[]lang.Value{vec(1, 2.5)}, "[1, 2.5]\n"},
		{[]lang.Value{mat(2, 2, 1, 2, 3, 4)}, "[[1, 2],\n [3, 4]]\n"},
		{[]lang.Value{lang.String("mean ="), num(2), lang.Bool(true), lang.None}, "mean = 2 true none\n"},
		{nil, "\n"},
	} {
		th, out := newThread()
		v, err := callKw(th, "print", tt.args, nil)
		if err != nil || v != lang.None || out.String() != tt.want {
			t.Errorf("print%v wrote %q (%v, %v), want %q", tt.args, out.String(), v, err, tt.want)
		}
	}
}

func isFamily(name string) bool { return name[0] >= 'A' && name[0] <= 'Z' }

func TestType(t *testing.T) {
	for _, tt := range []struct {
		x    lang.Value
		want string
	}{
		{num(1), "number"}, {vec(1), "vector"}, {mat(1, 1, 1), "matrix"},
		{lang.String("a"), "string"}, {lang.None, "none"}, {lang.NewRecord(), "record"},
		{Universe["exp"], "function"},
	} {
		if got, err := call("type", tt.x); err != nil || got != lang.String(tt.want) {
			t.Errorf("type(%v) = %v, %v; want %q", tt.x, got, err, tt.want)
		}
	}
}

// TestSortFloats compares the chunked merge sort with slices.Sort on
// lengths around the chunk size and its multiples, with NaNs, infinities
// and repeated values.
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, chunkSize, chunkSize + 1, 3*chunkSize - 7, 4 * chunkSize} {
		xs := make([]float64, n)
		for i := range xs {
			switch rng.IntN(50) {
			case 0:
				xs[i] = math.NaN()
			case 1:
				xs[i] = math.Inf(-1)
			case 2:
				xs[i] = 7
			default:
				xs[i] = rng.NormFloat64()
			}
		}
		want := slices.Clone(xs)
		slices.Sort(want)
		if err := sortFloats(nil, xs); err != nil {
			t.Fatal(err)
		}
		for i := range xs {
			if !(xs[i] == want[i] || math.IsNaN(xs[i]) && math.IsNaN(want[i])) {
				t.Fatalf("n = %d: element %d is %v, want %v", n, i, xs[i], want[i])
			}
		}
	}
}
