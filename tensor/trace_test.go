package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// traceFn is a function traced in these tests: x is [B, D], the result [B].
type traceFn func(x *Tensor) (*Tensor, error)

// freshRun evaluates f at z on a fresh tape and returns the result's values
// and d sum(out)/dx, as a caller without a trace would.
func freshRun(t *testing.T, f traceFn, z []float64, B, D int) (lp, grad []float64) {
	t.Helper()
	tp := NewTape()
	x := New(append([]float64(nil), z...), B, D)
	tp.Watch(x)
	out, err := f(x)
	if err != nil {
		t.Fatal(err)
	}
	lp = append([]float64(nil), out.data...)
	grad = make([]float64, B*D)
	if out.Tracked() {
		tp.Backward(Sum(out))
		copy(grad, x.grad)
	}
	return lp, grad
}

// bitsEqual reports whether a and b are equal bit for bit (NaN payloads
// included), naming the first difference.
func bitsEqual(a, b []float64) (bool, string) {
	if len(a) != len(b) {
		return false, fmt.Sprintf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false, fmt.Sprintf("element %d: %v and %v", i, a[i], b[i])
		}
	}
	return true, ""
}

// checkReplay records f at a random point and replays it at 20 others:
// each replay must succeed and equal a fresh run bit for bit (value and
// gradient); so must Grad of the recording run, before and after replays.
func checkReplay(t *testing.T, name string, B, D int, f traceFn) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, uint64(B*100+D)))
	point := func() []float64 {
		z := make([]float64, B*D)
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		return z
	}
	z0 := point()
	tr := Record(z0, B, D, f)
	if !tr.Replayable() {
		t.Fatalf("%s: not replayable: %s", name, tr.Why())
	}
	lp0, g0 := freshRun(t, f, z0, B, D)
	if ok, d := bitsEqual(tr.Out().data, lp0); !ok {
		t.Fatalf("%s: recording run's value differs from a fresh run: %s", name, d)
	}
	g := make([]float64, B*D)
	tr.Grad(g)
	if ok, d := bitsEqual(g, g0); !ok {
		t.Fatalf("%s: Grad differs from a fresh run: %s", name, d)
	}
	lp := make([]float64, B)
	floats := tr.Floats() // after a backward pass: replays must not grow it
	for it := range 20 {
		z := point()
		if !tr.Replay(z, lp, g) {
			t.Fatalf("%s: replay %d refused", name, it)
		}
		want, wantG := freshRun(t, f, z, B, D)
		if ok, d := bitsEqual(lp, want); !ok {
			t.Fatalf("%s: replay %d value: %s", name, it, d)
		}
		if ok, d := bitsEqual(g, wantG); !ok {
			t.Fatalf("%s: replay %d gradient: %s", name, it, d)
		}
	}
	if f := tr.Floats(); f != floats {
		t.Fatalf("%s: the trace's buffers grew from %d to %d floats over 20 replays", name, floats, f)
	}
	tr.Grad(g)
	if ok, d := bitsEqual(g, g0); !ok {
		t.Fatalf("%s: Grad after replays differs from the recording run: %s", name, d)
	}
}

// rowSum is SumAxis over the last axis of a [B, ...] tensor flattened to
// [B, rest].
func rowSum(t *Tensor, B int) *Tensor { return SumAxis(Reshape(t, B, -1), 1) }

func TestTraceReplayOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, bd := range [][2]int{{1, 1}, {1, 5}, {3, 4}, {4, 20}} {
		B, D := bd[0], bd[1]
		row := randT(rng, 0.5, 2, D)      // [D]
		col := randT(rng, 0.5, 2, B, 1)   // [B, 1]
		grid := randT(rng, -1, 1, 3, 1)   // [3, 1], generic with [B, 1, D]
		long := randT(rng, 0.5, 2, 2, 40) // [2, 40]: long rows
		cases := []struct {
			name string
			f    traceFn
		}{
			{"Add same", func(x *Tensor) (*Tensor, error) { return rowSum(Add(x, Mul(x, x)), B), nil }},
			{"Mul row", func(x *Tensor) (*Tensor, error) { return rowSum(Mul(x, row), B), nil }},
			{"Div row reversed", func(x *Tensor) (*Tensor, error) { return rowSum(Div(row, Exp(x)), B), nil }},
			{"Sub scalar", func(x *Tensor) (*Tensor, error) { return rowSum(Sub(x, Scalar(0.3)), B), nil }},
			{"Sub scalar first", func(x *Tensor) (*Tensor, error) { return rowSum(Sub(Scalar(0.3), x), B), nil }},
			{"Div col", func(x *Tensor) (*Tensor, error) { return rowSum(Div(x, col), B), nil }},
			{"Pow col of x", func(x *Tensor) (*Tensor, error) {
				return rowSum(Pow(Exp(x), Narrow(x, 1, 0, 1)), B), nil
			}},
			{"generic", func(x *Tensor) (*Tensor, error) {
				return rowSum(Mul(Reshape(x, B, 1, D), grid), B), nil
			}},
			{"long rows", func(x *Tensor) (*Tensor, error) {
				y := Mul(Reshape(Narrow(x, 1, 0, 1), B, 1, 1), long) // [B, 2, 40]
				return rowSum(Add(y, long), B), nil
			}},
			{"unary", func(x *Tensor) (*Tensor, error) {
				y := Add(Log1p(Exp(x)), Tanh(x))
				y = Add(y, Sqrt(Square(AddScalar(Scale(x, 2), 7))))
				y = Add(y, Floor(x)) // a zero derivative
				return rowSum(Add(y, Sigmoid(x)), B), nil
			}},
			{"Sum", func(x *Tensor) (*Tensor, error) { return Add(rowSum(x, B), Sum(Exp(x))), nil }},
			{"SumAxis inner", func(x *Tensor) (*Tensor, error) {
				return SumAxis(SumAxis(Reshape(Mul(x, x), B, D, 1), 1), 1), nil
			}},
			{"Narrow", func(x *Tensor) (*Tensor, error) {
				return rowSum(Mul(Narrow(x, 1, D-1, 1), Narrow(x, 1, 0, 1)), B), nil
			}},
			{"NormalLogPDFRows", func(x *Tensor) (*Tensor, error) {
				scale := Exp(Narrow(x, 1, 0, 1)) // [B, 1]
				return NormalLogPDFRows(row, x, scale), nil
			}},
			{"NormalLogPDFRows general", func(x *Tensor) (*Tensor, error) {
				return NormalLogPDFRows(x, Scale(x, 0.5), Exp(Scale(x, 0.1))), nil
			}},
			{"constant result", func(x *Tensor) (*Tensor, error) { return Full(2, B), nil }},
			{"Softmax and LogSoftmax", func(x *Tensor) (*Tensor, error) {
				y := Mul(Softmax(x, 1), Reshape(LogSoftmax(Reshape(x, B, D, 1), 1), B, D)) // last and inner axes
				return rowSum(Add(y, Softmax(Reshape(x, B, 1, D), 1)), B), nil
			}},
			{"LogSumExp", func(x *Tensor) (*Tensor, error) {
				inner := SumAxis(LogSumExp(Reshape(Scale(x, 3), B, D, 1), 1), 1)
				return Add(LogSumExp(x, 1), inner), nil
			}},
			{"MaxAxis, MinAxis, CumSum", func(x *Tensor) (*Tensor, error) {
				y := Add(MaxAxis(x, 1), MinAxis(Exp(x), -1))
				return Add(y, rowSum(CumSum(Mul(x, row), 1), B)), nil
			}},
			{"Softplus, Where, Fill", func(x *Tensor) (*Tensor, error) {
				cond := make([]bool, B*D)
				for i := range cond {
					cond[i] = i%3 == 0
				}
				w := Where(cond, Exp(x), Reshape(Narrow(x, 0, 0, 1), D)) // a broadcast
				return rowSum(Add(Softplus(Scale(x, 4)), Fill(Mul(w, x), cond, -1)), B), nil
			}},
			{"Transpose", func(x *Tensor) (*Tensor, error) {
				t := Transpose(Mul(x, row)) // [D, B]
				return SumAxis(Mul(t, Transpose(x)), 0), nil
			}},
			{"Transpose 3-D", func(x *Tensor) (*Tensor, error) {
				return rowSum(Mul(Transpose(Reshape(x, B, 1, D)), Reshape(row, 1, D, 1)), B), nil
			}},
			{"Concat and Stack", func(x *Tensor) (*Tensor, error) {
				c := Concat(1, x, Exp(x), col) // [B, 2D+1]
				s := Stack(1, x, Mul(x, x))    // [B, 2, D]
				return Add(rowSum(c, B), rowSum(s, B)), nil
			}},
			{"Take", func(x *Tensor) (*Tensor, error) {
				idx := []int{D - 1, 0, D - 1}
				return Add(rowSum(Take(x, 1, idx), B), rowSum(Take(Reshape(Exp(x), B, D, 1), 1, idx), B)), nil
			}},
			{"Put", func(x *Tensor) (*Tensor, error) {
				v := Narrow(Exp(x), 1, 0, 1)
				return rowSum(Mul(Put(x, 1, []int{D - 1, D - 1}, Concat(1, v, Scale(v, 2))), x), B), nil
			}},
			{"AddAt", func(x *Tensor) (*Tensor, error) {
				v := Narrow(Exp(x), 1, 0, 1)
				return rowSum(Mul(AddAt(x, 1, []int{0, 0}, Concat(1, v, v)), x), B), nil
			}},
			{"BroadcastTo", func(x *Tensor) (*Tensor, error) {
				c := BroadcastTo(Narrow(x, 1, 0, 1), B, D) // a column
				r := BroadcastTo(Reshape(Narrow(x, 0, 0, 1), D), B, D)
				return rowSum(Mul(Add(c, r), x), B), nil
			}},
			{"MatMul", func(x *Tensor) (*Tensor, error) {
				w := randT(rand.New(rand.NewPCG(1, 1)), -1, 1, D, 3)
				y := MatMul(x, w)                               // [B, 3]
				return SumAxis(MatMul(y, Transpose(y)), 1), nil // both operands traced
			}},
			{"Linear", func(x *Tensor) (*Tensor, error) {
				w := randT(rand.New(rand.NewPCG(1, 2)), -1, 1, 3, D)
				bias := randT(rand.New(rand.NewPCG(1, 3)), -1, 1, 3)
				return rowSum(Add(LinearReLU(x, w, bias), Linear(Exp(x), w, nil)), B), nil
			}},
			{"Assign", func(x *Tensor) (*Tensor, error) {
				a := Zeros(B, D)    // a constant that Assign makes a result
				before := Mul(x, a) // a recorded step that reads a's 0s before the Assigns
				for j := range D {
					prev := Narrow(a, 1, max(j-1, 0), 1)
					Assign(a, []Span{{0, B, nil}, {j, j + 1, nil}}, Add(Narrow(x, 1, j, 1), Scale(prev, 0.5)))
				}
				return rowSum(Add(Mul(a, a), before), B), nil
			}},
			{"linear algebra", func(x *Tensor) (*Tensor, error) {
				v := Reshape(Narrow(x, 0, 0, 1), D, 1)
				eye := Zeros(D, D)
				for i := range D {
					eye.data[i*D+i] = 3
				}
				a := Add(Scale(MatMul(v, Transpose(v)), 0.1), eye) // SPD, [D, D]
				l := Chol(a)
				r := Add(SumAxis(TriSolve(l, x), 1), LogAbsDet(a))
				r = Add(r, SumAxis(Transpose(Solve(a, Transpose(x))), 1))
				r = Add(r, SumAxis(MatMul(x, Inverse(a)), 1))
				r = Add(r, SumAxis(Transpose(SolveTriangular(l, Transpose(Exp(x)), false)), 1))
				return Add(r, SumAxis(Transpose(SolveTriangular(Transpose(l), Transpose(x), true)), 1)), nil
			}},
			{"StaircaseLinear", func(x *Tensor) (*Tensor, error) {
				r := rand.New(rand.NewPCG(2, 1))
				prefix := []int{0, 1, D, 1, D - 1}
				w := randT(r, -1, 1, len(prefix), D)
				bias := randT(r, -1, 1, len(prefix))
				plain := StaircaseLinear(x, w, bias, NewStaircase(prefix, D, nil, nil), true)
				ordered := StaircaseLinear(Exp(x), Exp(w), bias, NewStaircase(prefix, D, r.Perm(len(prefix)), r.Perm(D)), false)
				// w traced too: the masked weight copy is refilled.
				wt := Reshape(Narrow(Reshape(x, -1), 0, 0, 1), 1, 1)
				traced := StaircaseLinear(x, Mul(w, wt), bias, NewStaircase(prefix, D, r.Perm(len(prefix)), r.Perm(D)), true)
				return rowSum(Add(Add(plain, ordered), traced), B), nil
			}},
			{"Cholesky", func(x *Tensor) (*Tensor, error) {
				// A = v·vᵀ + I for v = x's first row: positive definite.
				v := Reshape(Narrow(x, 0, 0, 1), D, 1)
				eye := Zeros(D, D)
				for i := range D {
					eye.data[i*D+i] = 1
				}
				l, err := Cholesky(Add(MatMul(v, Transpose(v)), eye))
				if err != nil {
					return nil, err
				}
				return SumAxis(MatMul(x, l), 1), nil
			}},
		}
		for _, c := range cases {
			checkReplay(t, fmt.Sprintf("%s B=%d D=%d", c.name, B, D), B, D, c.f)
		}
	}
}

// checkPoisoned records f and expects it not replayable, with a reason
// containing want; Replay must refuse.
func checkPoisoned(t *testing.T, name string, f traceFn, want string) {
	t.Helper()
	tr := Record([]float64{0.5, -0.25}, 1, 2, f)
	if tr.Replayable() {
		t.Fatalf("%s: replayable, want not", name)
	}
	if !strings.Contains(tr.Why(), want) {
		t.Fatalf("%s: reason %q, want it to contain %q", name, tr.Why(), want)
	}
	if tr.Replay([]float64{1, 2}, make([]float64, 1), make([]float64, 2)) {
		t.Fatalf("%s: Replay ran on a poisoned trace", name)
	}
}

func TestTracePoison(t *testing.T) {
	checkPoisoned(t, "Data", func(x *Tensor) (*Tensor, error) {
		y := Exp(x)
		if y.Data()[0] > 0 {
			return SumAxis(y, 1), nil
		}
		return SumAxis(x, 1), nil
	}, "a read of a traced tensor's values (in tensor's Data, called at tensor/trace_test.go:")
	checkPoisoned(t, "Item", func(x *Tensor) (*Tensor, error) {
		_ = Sum(x).Item()
		return SumAxis(x, 1), nil
	}, "a read of a traced tensor's values")
	checkPoisoned(t, "At of a view", func(x *Tensor) (*Tensor, error) {
		_ = Reshape(x, 2).At(1)
		return SumAxis(x, 1), nil
	}, "a read of a traced tensor's values")
	checkPoisoned(t, "Clone", func(x *Tensor) (*Tensor, error) {
		_ = x.Clone()
		return SumAxis(x, 1), nil
	}, "a read of a traced tensor's values")
	checkPoisoned(t, "AllFinite", func(x *Tensor) (*Tensor, error) {
		_ = AllFinite(x)
		return SumAxis(x, 1), nil
	}, "a read of a traced tensor's values")
	checkPoisoned(t, "Detach then untracked op", func(x *Tensor) (*Tensor, error) {
		c := Exp(x.Detach()) // untracked, but follows x
		return SumAxis(Mul(x, c), 1), nil
	}, "an untracked result computed from a Detach of a traced tensor")
	checkPoisoned(t, "read of a Detach", func(x *Tensor) (*Tensor, error) {
		_ = x.Detach().Data()
		return SumAxis(x, 1), nil
	}, "a read of the values of a Detach")
	checkPoisoned(t, "unconverted op", func(x *Tensor) (*Tensor, error) {
		return SumAxis(closureOp(x), 1), nil
	}, "an operation without a replayable forward (at tensor/trace_test.go:")
	checkPoisoned(t, "result without a step", func(x *Tensor) (*Tensor, error) {
		return SumAxis(noStepOp(x), 1), nil
	}, "1 recorded results have no replayable step")
	checkPoisoned(t, "error", func(x *Tensor) (*Tensor, error) {
		return nil, fmt.Errorf("no")
	}, "the run failed: no")
	checkPoisoned(t, "wrong length", func(x *Tensor) (*Tensor, error) {
		return x, nil
	}, "the result has 2 values, not 1")
	checkPoisoned(t, "untracked Assign into a constant read", func(x *Tensor) (*Tensor, error) {
		c := Vector([]float64{1, 2})
		y := SumAxis(Add(x, c), 1) // a recorded step reading c
		Assign(c, []Span{{Lo: 0, Hi: 1}}, Vector([]float64{10}))
		return y, nil
	}, "an in-place write (Assign) into a constant an earlier traced operation reads")
	checkPoisoned(t, "dirty guard", func(x *Tensor) (*Tensor, error) {
		Clean(x, func(v float64) bool { return v < 0 })
		return SumAxis(x, 1), nil
	}, "a guard found a value it refuses")
}

// TestTraceConcatOwnsItsSlice: Concat's step keeps its own copy of the
// operand list, so a caller that reuses its slice after the call changes
// neither the backward pass (traced or not) nor what the replays read.
func TestTraceConcatOwnsItsSlice(t *testing.T) {
	checkReplay(t, "Concat of a reused slice", 1, 1, func(x *Tensor) (*Tensor, error) {
		parts := []*Tensor{x, Matrix([][]float64{{1}})}
		y := Concat(1, parts...)
		parts[0] = Matrix([][]float64{{100}})
		return SumAxis(y, 1), nil
	})
}

// TestTraceCholeskyFails: a Cholesky factorisation that fails at
// recording poisons the trace; one that fails at replay refuses it.
func TestTraceCholeskyFails(t *testing.T) {
	f := func(x *Tensor) (*Tensor, error) {
		// [[1, x0], [x0, 1]]: positive definite iff |x0| < 1.
		off := Narrow(x, 1, 0, 1)
		m := Concat(1, Full(1, 1, 1), off, off, Full(1, 1, 1))
		l, err := Cholesky(Reshape(m, 2, 2))
		if err != nil {
			return nil, err
		}
		return SumAxis(MatMul(x, l), 1), nil
	}
	if tr := Record([]float64{2, 0}, 1, 2, f); tr.Replayable() || !strings.Contains(tr.Why(), "a Cholesky factorisation failed") {
		t.Fatalf("a failed factorisation at recording: why %q", tr.Why())
	}
	tr := Record([]float64{0.5, 0}, 1, 2, f)
	if !tr.Replayable() {
		t.Fatal(tr.Why())
	}
	checkGuarded(t, tr, f, 0.25, []float64{0.9, -0.3, 1.5, -1, math.NaN()}, func(x0 float64) bool { return math.Abs(x0) < 1 })
}

// checkGuarded replays tr (of a [1, 2] input) at (x0, x1) for each x0 of
// xs: it must succeed exactly where accept(x0), and there equal a fresh
// run of f bit for bit.
func checkGuarded(t *testing.T, tr *Trace, f traceFn, x1 float64, xs []float64, accept func(float64) bool) {
	t.Helper()
	lp, g := make([]float64, 1), make([]float64, 2)
	for _, x0 := range xs {
		z := []float64{x0, x1}
		ok := tr.Replay(z, lp, g)
		if want := accept(x0); ok != want {
			t.Fatalf("x0 = %v: replay %v, want %v", x0, ok, want)
		}
		if !ok {
			continue
		}
		want, wantG := freshRun(t, f, z, 1, 2)
		if same, d := bitsEqual(lp, want); !same {
			t.Fatalf("x0 = %v: %s", x0, d)
		}
		if same, d := bitsEqual(g, wantG); !same {
			t.Fatalf("x0 = %v gradient: %s", x0, d)
		}
	}
}

// A Detach used with a tracked tensor is a constant view of replayed
// values (special.go's Sub(in, in.Detach())): it replays.
func TestTraceDetachWithTracked(t *testing.T) {
	checkReplay(t, "Sub(y, y.Detach())", 2, 3, func(x *Tensor) (*Tensor, error) {
		y := Exp(x)
		return rowSum(Add(x, Sub(y, y.Detach())), 2), nil
	})
}

// TestTraceGuard: a Clean guard replays at clean points and refuses
// exactly where the predicate holds.
func TestTraceGuard(t *testing.T) {
	f := func(x *Tensor) (*Tensor, error) {
		s := Narrow(x, 1, 0, 1)
		if !Clean(s, func(v float64) bool { return v <= 0 }) {
			return Full(math.Inf(-1), 1), nil
		}
		return NormalLogPDFRows(Narrow(x, 1, 1, 1), Scalar(0), s), nil
	}
	tr := Record([]float64{1, 0.5}, 1, 2, f)
	if !tr.Replayable() {
		t.Fatal(tr.Why())
	}
	scales := []float64{2, 1e-300, 0, -1, math.NaN(), math.Inf(1), math.Copysign(0, -1)}
	checkGuarded(t, tr, f, 0.5, scales, func(s float64) bool { return !(s <= 0) })
}

// TestTraceUntracedUnchanged: a tape that is not recording a trace gives
// no reasons and reads freely (the accessors do not panic or poison).
func TestTraceUntracedUnchanged(t *testing.T) {
	tp := NewTape()
	x := New([]float64{1, 2}, 1, 2)
	tp.Watch(x)
	y := Exp(x)
	_ = y.Data()
	if !Clean(y, math.IsNaN) {
		t.Fatal("Clean of finite values")
	}
	if tp.rec != nil || tp.Len() != 1 {
		t.Fatalf("untraced tape: rec %v, %d steps (want 1: Exp; no guard)", tp.rec, tp.Len())
	}
}

// closureOp is an operation recorded the old way, as a backward closure
// only (Tape.record): y = 2x.
func closureOp(a *Tensor) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	for i, v := range a.data {
		out.data[i] = 2 * v
	}
	if ga := gradOn(a, tp); ga != nil {
		tp.record(func() {
			for i, g := range out.grad {
				ga[i] += 2 * g
			}
		})
	}
	return out
}

// noStepOp makes a tracked result and records no step at all (as an
// operation with a zero derivative did before traces).
func noStepOp(a *Tensor) *Tensor {
	tp := tapeOf(a)
	out := newOut(tp, a.shape)
	copy(out.data, a.data)
	return out
}

// TestTraceEveryOpReplays: every operation of the package records a step
// with a forward (push), none a backward closure only (record), which
// would make any trace that uses it not replayable. An operation added the
// old way fails here, naming its file and line.
func TestTraceEveryOpReplays(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	pushes := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, ".record(") {
				t.Errorf("%s:%d records a backward closure: %s", f, i+1, strings.TrimSpace(line))
			}
			for _, p := range []string{"push(", "pushCopy(", "pushInPlaceCopy("} {
				if strings.Contains(line, p) && !strings.Contains(line, "func ") {
					pushes++
				}
			}
		}
	}
	if pushes < 25 {
		t.Errorf("%d push sites found: the search no longer sees them", pushes)
	}
}
