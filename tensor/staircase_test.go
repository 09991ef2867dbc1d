package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
)

// staircaseCases are prefix patterns (k_r for each row) and column counts:
// one group, groups of one row, rows that read nothing, a dense pattern, a
// pattern that does not grow with r, and MADE-like staircases large
// enough to be cut into several blocks.
func staircaseCases(rng *rand.Rand) []struct {
	name   string
	prefix []int
	cols   int
} {
	ramp := func(rows, cols, lo int) []int { // MADE-like: k grows with r
		p := make([]int, rows)
		for r := range p {
			p[r] = lo + (cols-lo)*r/rows
		}
		return p
	}
	random := make([]int, 37)
	for r := range random {
		random[r] = rng.IntN(20)
	}
	return []struct {
		name   string
		prefix []int
		cols   int
	}{
		{"one group", []int{3, 3, 3, 3}, 5},
		{"one row each", []int{1, 2, 3, 4, 5}, 5},
		{"dense", []int{4, 4, 4}, 4},
		{"k=0 rows", []int{0, 0, 2, 2, 5}, 5},
		{"all k=0", []int{0, 0, 0}, 3},
		{"one row", []int{2}, 3},
		{"decreasing", []int{5, 5, 3, 1, 0, 4}, 6},
		{"random", random, 19},
		{"ramp 256×256", ramp(256, 256, 0), 256},
		{"ramp 64×128", ramp(64, 128, 3), 128},
		{"ramp 200×40", ramp(200, 40, 1), 40},
		{"steep 8×300", ramp(8, 300, 0), 300},
	}
}

// TestStaircaseLinear compares StaircaseLinear with the dense masked layer
// Linear(x, Mul(W, M), b) and LinearReLU: outputs and the gradients of x,
// W and b (added to nonzero starting gradients) agree to 1e-12 relative,
// with and without bias, with and without row and column orders, for the
// plan of NewStaircase and the plan of one block per group, on every case
// of staircaseCases.
func TestStaircaseLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, c := range staircaseCases(rng) {
		for _, s := range stairPlans(rng, c.prefix, c.cols) {
			for _, relu := range []bool{false, true} {
				for _, withBias := range []bool{true, false} {
					name := fmt.Sprintf("%s (%d blocks, %d runs, orders %v %v) relu=%v bias=%v",
						c.name, s.Blocks(), len(s.runs), s.rowOrder != nil, s.colOrder != nil, relu, withBias)
					testStaircaseLinear(t, rng, name, s, 1+rng.IntN(70), relu, withBias)
				}
			}
		}
	}
	// A batch large enough for the passes that gather and scatter rows to
	// be split between the cores.
	for _, c := range staircaseCases(rng)[8:] {
		for _, s := range stairPlans(rng, c.prefix, c.cols) {
			testStaircaseLinear(t, rng, c.name+" n=700", s, 700, true, true)
		}
	}
}

// stairPlans returns, for the pattern, the plan of NewStaircase and the
// one with a block per group of equal k (one input-gradient product per
// group and column range), each without and with random row and column
// orders.
func stairPlans(rng *rand.Rand, prefix []int, cols int) []*Staircase {
	ro, co := rng.Perm(len(prefix)), rng.Perm(cols)
	return []*Staircase{
		NewStaircase(prefix, cols, nil, nil),
		newStaircase(prefix, cols, nil, nil, 0, 0, 1),
		NewStaircase(prefix, cols, ro, co),
		newStaircase(prefix, cols, ro, nil, 0, 0, 1),
		newStaircase(prefix, cols, nil, co, 0, 0, 1),
	}
}

func testStaircaseLinear(t *testing.T, rng *rand.Rand, name string, s *Staircase, n int, relu, withBias bool) {
	rows, cols := s.Rows(), s.Cols()
	xv := randT(rng, -1, 1, n, cols)
	wv := randT(rng, -1, 1, rows, cols)
	bv := randT(rng, -1, 1, rows)
	gv := randT(rng, -1, 1, n, rows)
	init := []*Tensor{randT(rng, -1, 1, n, cols), randT(rng, -1, 1, rows, cols), randT(rng, -1, 1, rows)}
	run := func(stair bool) (out *Tensor, grads [][]float64) {
		ps := []*Tensor{
			Param(append([]float64(nil), xv.data...), xv.shape...),
			Param(append([]float64(nil), wv.data...), wv.shape...),
			Param(append([]float64(nil), bv.data...), bv.shape...),
		}
		for i, p := range ps {
			copy(p.Grad(), init[i].data)
		}
		var tp Tape
		tp.Watch(ps...)
		b := ps[2]
		if !withBias {
			b = nil
		}
		switch {
		case stair:
			out = StaircaseLinear(ps[0], ps[1], b, s, relu)
		case relu:
			out = LinearReLU(ps[0], Mul(ps[1], s.Mask()), b)
		default:
			out = Linear(ps[0], Mul(ps[1], s.Mask()), b)
		}
		tp.Backward(Sum(Mul(out, gv)))
		for _, p := range ps {
			grads = append(grads, append([]float64(nil), p.Grad()...))
		}
		return out, grads
	}
	got, gg := run(true)
	want, wg := run(false)
	if e := testutil.RelErr(got.data, want.data); e > 1e-12 {
		t.Errorf("%s: output differs by %g", name, e)
	}
	for i, what := range []string{"dx", "dW", "dbias"} {
		if e := testutil.RelErr(gg[i], wg[i]); e > 1e-12 {
			t.Errorf("%s: %s differs by %g", name, what, e)
		}
	}
	var b *Tensor
	if withBias {
		b = bv
	}
	if e := testutil.RelErr(StaircaseLinear(xv, wv, b, s, relu).data, want.data); e > 1e-12 {
		t.Errorf("%s: untracked output differs by %g", name, e)
	}
}

// TestStaircaseMaskedIgnored puts NaN in every masked-out weight: the
// output and the gradients stay those of the layer with zeros there, and
// the masked-out entries of dW keep their starting values.
func TestStaircaseMaskedIgnored(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for _, c := range staircaseCases(rng) {
		for _, s := range stairPlans(rng, c.prefix, c.cols) {
			rows, n := s.Rows(), 9
			m := s.Mask()
			x := randT(rng, -1, 1, n, c.cols)
			w := Param(randT(rng, -1, 1, rows, c.cols).data, rows, c.cols)
			wz := w.Clone()
			for i, v := range m.data {
				if v == 0 {
					w.data[i], wz.data[i] = math.NaN(), 0
				}
			}
			g0 := randT(rng, -1, 1, rows, c.cols).data
			copy(w.Grad(), g0)
			var tp Tape
			tp.Watch(w)
			out := StaircaseLinear(x, w, nil, s, true)
			want := LinearReLU(x, wz, nil)
			if e := testutil.RelErr(out.data, want.data); e > 1e-12 {
				t.Errorf("%s: output with NaN masked weights differs by %g", c.name, e)
			}
			tp.Backward(Sum(out))
			for i, v := range m.data {
				if gw := w.Grad()[i]; (v == 0 && gw != g0[i]) || math.IsNaN(gw) {
					t.Errorf("%s: dW[%d] = %v, started at %v (mask %v)", c.name, i, gw, g0[i], v)
					break
				}
			}
		}
	}
}

// TestStaircaseGrad checks StaircaseLinear's gradients against central
// differences (checkGrad), with and without ReLU, with and without row and
// column orders, for patterns with merged blocks, rows that read nothing
// and a dense one.
func TestStaircaseGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, c := range []struct {
		prefix []int
		cols   int
	}{{[]int{0, 1, 1, 2, 4, 4}, 4}, {[]int{2, 2}, 2}, {[]int{3, 0, 2}, 3}} {
		rows := len(c.prefix)
		for i, s := range []*Staircase{
			NewStaircase(c.prefix, c.cols, nil, nil),
			NewStaircase(c.prefix, c.cols, rng.Perm(rows), rng.Perm(c.cols)),
			newStaircase(c.prefix, c.cols, nil, nil, 0, 0, 1),
		} {
			for _, relu := range []bool{false, true} {
				x := randT(rng, -1, 1, 5, c.cols)
				w := randT(rng, -1, 1, rows, c.cols)
				b := randT(rng, 0.1, 1, rows) // away from the ReLU's kink
				checkGrad(t, fmt.Sprintf("StaircaseLinear%v plan %d relu=%v", c.prefix, i, relu), func(xs ...*Tensor) *Tensor {
					return StaircaseLinear(xs[0], xs[1], xs[2], s, relu)
				}, x, w, b)
			}
		}
	}
}

// TestStaircasePanics checks that bad patterns and shapes panic.
func TestStaircasePanics(t *testing.T) {
	s := NewStaircase([]int{1, 2}, 2, nil, nil)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"prefix above cols", func() { NewStaircase([]int{3}, 2, nil, nil) }},
		{"negative prefix", func() { NewStaircase([]int{-1}, 2, nil, nil) }},
		{"row order not a permutation", func() { NewStaircase([]int{1, 1}, 2, []int{0, 0}, nil) }},
		{"column order too short", func() { NewStaircase([]int{1, 1}, 2, nil, []int{0}) }},
		{"empty row order", func() { NewStaircase([]int{1, 1}, 2, []int{}, nil) }},
		{"W shape", func() { StaircaseLinear(Zeros(3, 2), Zeros(3, 2), nil, s, false) }},
		{"x shape", func() { StaircaseLinear(Zeros(3, 3), Zeros(2, 2), nil, s, false) }},
		{"bias shape", func() { StaircaseLinear(Zeros(3, 2), Zeros(2, 2), Zeros(3), s, false) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.f()
		}()
	}
}

// TestStaircasePlan checks the block plan: blocks tile the rows in order,
// each is at least as wide as its widest row, a long ramp is cut into
// several blocks with less work than the dense layer, and every (row,
// column) the mask keeps is in exactly one input-gradient product.
func TestStaircasePlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 4))
	for _, c := range staircaseCases(rng) {
		for _, s := range stairPlans(rng, c.prefix, c.cols) {
			checkStairPlan(t, c.name, s)
		}
	}
	s := NewStaircase(staircaseCases(rng)[8].prefix, 256, nil, nil)
	if s.Blocks() < 3 || s.Work() > 256*256*3/4 {
		t.Errorf("256×256 ramp: %d blocks, work %d of %d", s.Blocks(), s.Work(), 256*256)
	}
}

func checkStairPlan(t *testing.T, name string, s *Staircase) {
	r := 0
	for _, b := range s.blocks {
		if b.r0 != r || b.r1 <= b.r0 {
			t.Fatalf("%s: blocks %+v do not tile the rows", name, s.blocks)
		}
		k := 0
		for _, p := range s.prefix[b.r0:b.r1] {
			k = max(k, p)
		}
		if b.k < k || b.k > s.cols {
			t.Errorf("%s: block %+v, widest row %d", name, b, k)
		}
		r = b.r1
	}
	if r != s.rows {
		t.Fatalf("%s: blocks %+v end at row %d of %d", name, s.blocks, r, s.rows)
	}
	seen := make([]int, s.rows*s.cols)
	for _, u := range s.runs {
		for r := u.r0; r < u.r1; r++ {
			for col := u.c0; col < u.c1; col++ {
				seen[r*s.cols+col]++
			}
		}
	}
	for r, k := range s.prefix {
		for col := range k {
			if seen[r*s.cols+col] != 1 {
				t.Errorf("%s: entry (%d, %d) in %d input-gradient products", name, r, col, seen[r*s.cols+col])
			}
		}
	}
}

// BenchmarkStaircaseLinear times a forward and backward pass of a 256×256
// MADE-like staircase layer (k_r = r) at batch 1000 against the dense
// masked layer LinearReLU(x, Mul(W, M), b).
func BenchmarkStaircaseLinear(b *testing.B) {
	const n, rows, cols = 1000, 256, 256
	rng := rand.New(rand.NewPCG(1, 1))
	prefix := make([]int, rows)
	for r := range prefix {
		prefix[r] = 1 + r*(cols-1)/rows
	}
	s := NewStaircase(prefix, cols, nil, nil)
	mask := s.Mask()
	x := randT(rng, -1, 1, n, cols)
	w := Param(randT(rng, -1, 1, rows, cols).data, rows, cols)
	bias := Param(randT(rng, -1, 1, rows).data, rows)
	var tp Tape
	for _, stair := range []bool{true, false} {
		b.Run(fmt.Sprintf("stair=%v", stair), func(b *testing.B) {
			defer tp.Reset()
			for b.Loop() {
				tp.Reset()
				tp.Watch(x, w, bias)
				var y *Tensor
				if stair {
					y = StaircaseLinear(x, w, bias, s, true)
				} else {
					y = LinearReLU(x, Mul(w, mask), bias)
				}
				tp.Backward(Sum(y))
			}
		})
	}
}

// TestStaircaseLinearFloat32 compares StaircaseLinearWith in float32 with
// the float64 dense masked layer: outputs and gradients agree within the
// float32 bound, on the serial path and on a batch whose layer is shared
// between the cores (stairSplit), and differ from float64 where float32
// products run. The error of an output is at most ~(k+2)·2⁻²³·Σ|x||W|
// (≤ 3e-5·64 for these uniform values, k ≤ 256), typically ~1e-6
// relative; 2e-4 of relDiff holds with room and a wrong block or part
// misses it by orders of magnitude.
func TestStaircaseLinearFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 5))
	cases := staircaseCases(rng)
	for _, c := range cases[8:] {
		for _, s := range stairPlans(rng, c.prefix, c.cols) {
			for _, n := range []int{37, 700} {
				rows, cols := s.Rows(), s.Cols()
				xv, wv, bv := randT(rng, -1, 1, n, cols), randT(rng, -1, 1, rows, cols), randT(rng, -1, 1, rows)
				gv := randT(rng, -1, 1, n, rows)
				run := func(f32 bool) (out []float64, grads [][]float64) {
					ps := []*Tensor{
						Param(append([]float64(nil), xv.data...), xv.shape...),
						Param(append([]float64(nil), wv.data...), wv.shape...),
						Param(append([]float64(nil), bv.data...), bv.shape...),
					}
					var tp Tape
					tp.Watch(ps...)
					var o *Tensor
					if f32 {
						o = StaircaseLinearWith(ps[0], ps[1], ps[2], s, LinearOptions{ReLU: true, Float32: true})
					} else {
						o = LinearReLU(ps[0], Mul(ps[1], s.Mask()), ps[2])
					}
					tp.Backward(Sum(Mul(o, gv)))
					for _, p := range ps {
						grads = append(grads, append([]float64(nil), p.Grad()...))
					}
					return append([]float64(nil), o.data...), grads
				}
				got, gg := run(true)
				want, wg := run(false)
				name := fmt.Sprintf("%s n=%d (%d blocks, orders %v %v)", c.name, n, s.Blocks(), s.rowOrder != nil, s.colOrder != nil)
				e := testutil.RelErr(got, want)
				if e > 2e-4 {
					t.Errorf("%s: output differs by %g", name, e)
				}
				for i, what := range []string{"dx", "dW", "dbias"} {
					if ei := testutil.RelErr(gg[i], wg[i]); ei > 2e-4 {
						t.Errorf("%s: %s differs by %g", name, what, ei)
					}
				}
				if useAVX512 && e < 1e-12 {
					t.Errorf("%s: float32 output equals float64 to %g: the float32 products did not run", name, e)
				}
			}
		}
	}
}
