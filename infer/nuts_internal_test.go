package infer

import (
	"context"
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// stdNormal is N(0, I) in d dimensions: log p = −|z|²/2.
type stdNormal struct{ d int }

func (s stdNormal) Dim() int { return s.d }

func (s stdNormal) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	return tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5), nil
}

// banana is a twisted Gaussian: z0 ~ N(0, 1), z1 ~ N(z0², 0.5).
type banana struct{}

func (banana) Dim() int { return 2 }

func (banana) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	a := tensor.Narrow(z, 1, 0, 1)
	b := tensor.Narrow(z, 1, 1, 1)
	r := tensor.Sub(b, tensor.Square(a))
	lp := tensor.Add(tensor.Scale(tensor.Square(a), -0.5), tensor.Scale(tensor.Square(r), -2))
	return tensor.Reshape(lp, z.Dim(0)), nil
}

func testChain(t *testing.T, p Posterior, metric string) *nutsChain {
	t.Helper()
	o, err := NUTSOptions{Metric: metric}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return newNUTSChain(p, nil, &o, 0, context.Background())
}

// TestLeapfrogShadowEnergy: for H = (p² + q²)/2 the leapfrog map with step
// ε conserves p² + (1 − ε²/4)q² exactly (a closed form), so the energy
// error stays within ε²q²/8 over any number of steps instead of drifting;
// and the gradient from the tape is −q.
func TestLeapfrogShadowEnergy(t *testing.T) {
	c := testChain(t, stdNormal{3}, "unit")
	q0, p0 := []float64{1, -0.5, 2}, []float64{0.3, 1.2, -0.7}
	for _, eps := range []float64{0.5, 0.1, 0.01} {
		copy(c.z.q, q0)
		copy(c.z.p, p0)
		c.z.lp = c.ev.eval(c.z.q, c.z.g)
		for i, g := range c.z.g {
			if g != -q0[i] {
				t.Fatalf("gradient %v at %v, want %v", c.z.g, q0, []float64{-1, 0.5, -2})
			}
		}
		shadow := func(i int) float64 { return c.z.p[i]*c.z.p[i] + (1-eps*eps/4)*c.z.q[i]*c.z.q[i] }
		s0 := []float64{shadow(0), shadow(1), shadow(2)}
		h0 := c.hamiltonian(&c.z)
		maxErr := 0.0
		for range 1000 {
			c.leapfrog(&c.z, eps)
			for i := range s0 {
				if d := math.Abs(shadow(i) - s0[i]); d > 1e-12*(1+s0[i]) {
					t.Fatalf("ε = %v: shadow energy of coordinate %d moved by %g", eps, i, d)
				}
			}
			maxErr = max(maxErr, math.Abs(c.hamiltonian(&c.z)-h0))
		}
		// |H − H̃/2| = ε²|q|²/8 ≤ ε²·Σ s_i/(1 − ε²/4)/8.
		bound := eps * eps / 8 * (s0[0] + s0[1] + s0[2]) / (1 - eps*eps/4)
		if maxErr > bound*(1+1e-9) {
			t.Errorf("ε = %v: energy error %g above the closed-form bound %g", eps, maxErr, bound)
		}
	}
}

// TestLeapfrogReversible: n steps forward, negate the momentum, n steps
// back, negate again: the start is recovered to rounding (on the banana,
// a non-linear gradient, with a diagonal and a dense metric).
func TestLeapfrogReversible(t *testing.T) {
	for _, metric := range []string{"diag", "dense"} {
		c := testChain(t, banana{}, metric)
		if metric == "dense" {
			if err := c.m.set([]float64{2, 0.5, 0.5, 1}); err != nil {
				t.Fatal(err)
			}
		} else {
			c.m.set([]float64{2, 0.5})
		}
		q0, p0 := []float64{0.4, -0.3}, []float64{1, 0.5}
		copy(c.z.q, q0)
		copy(c.z.p, p0)
		c.z.lp = c.ev.eval(c.z.q, c.z.g)
		for range 50 {
			c.leapfrog(&c.z, 0.05)
		}
		moved := math.Abs(c.z.q[0]-q0[0]) + math.Abs(c.z.q[1]-q0[1])
		for i := range c.z.p {
			c.z.p[i] = -c.z.p[i]
		}
		for range 50 {
			c.leapfrog(&c.z, 0.05)
		}
		for i := range q0 {
			if math.Abs(c.z.q[i]-q0[i]) > 1e-10 || math.Abs(-c.z.p[i]-p0[i]) > 1e-10 {
				t.Errorf("%s: back at q %v p %v, want %v %v", metric, c.z.q, c.z.p, q0, p0)
			}
		}
		if moved < 0.1 {
			t.Errorf("%s: the trajectory moved only %g", metric, moved)
		}
	}
}

// TestWindows: Stan's schedule for 1000 warm-up iterations with buffers
// 75 and 50 and a first window of 25 ends its slow windows at iterations
// 99, 149, 249, 449 and 949 (0-based: 25, 50, 100, 200, 500 draws), and
// a warm-up of 100 becomes 15 / 75 / 10.
func TestWindows(t *testing.T) {
	for _, tt := range []struct {
		warmup int
		ends   []int
		first  int
	}{
		{1000, []int{99, 149, 249, 449, 949}, 75},
		{100, []int{89}, 15},
		{19, nil, -1},
	} {
		w := newWindows(tt.warmup, 75, 50, 25)
		var ends []int
		first := -1
		for it := range tt.warmup {
			if w.inWindow() && first < 0 {
				first = it
			}
			if w.endWindow() {
				ends = append(ends, it)
				w.advance()
			}
			w.counter++
		}
		if first != tt.first || len(ends) != len(tt.ends) {
			t.Errorf("warmup %d: first window draw %d, ends %v; want %d, %v", tt.warmup, first, ends, tt.first, tt.ends)
			continue
		}
		for i := range ends {
			if ends[i] != tt.ends[i] {
				t.Errorf("warmup %d: ends %v, want %v", tt.warmup, ends, tt.ends)
				break
			}
		}
	}
}

// TestWelfordRegularised: the regularised variance and covariance of four
// points against the closed form (n/(n+5))·S + 1e-3·(5/(n+5))·I.
func TestWelfordRegularised(t *testing.T) {
	pts := [][]float64{{1, 2}, {3, 1}, {0, 0}, {4, 5}}
	// means (2, 2); S = [[10/3, 3], [3, 14/3]] (sums of products / 3)
	S := []float64{10.0 / 3, 3, 3, 14.0 / 3}
	for _, dense := range []bool{false, true} {
		w := newWelford(2, dense)
		for _, p := range pts {
			w.add(p)
		}
		out := make([]float64, len(w.m2))
		if err := w.regularised(out); err != nil {
			t.Fatal(err)
		}
		for i, v := range out {
			var want float64
			if dense {
				want = 4.0 / 9 * S[i]
				if i == 0 || i == 3 {
					want += 1e-3 * 5.0 / 9
				}
			} else {
				want = 4.0/9*S[3*i] + 1e-3*5.0/9
			}
			if math.Abs(v-want) > 1e-12 {
				t.Errorf("dense %v: entry %d = %v, want %v", dense, i, v, want)
			}
		}
	}
}

// TestDualAveraging: fed a constant acceptance above the target, the step
// size grows; below, it shrinks; its first update is exactly Stan's
// closed form x = μ − (δ − a)/(1 + t0) · 1/γ.
func TestDualAveraging(t *testing.T) {
	da := &dualAveraging{mu: math.Log(10), delta: 0.8, gamma: 0.05, kappa: 0.75, t0: 10}
	eps := 1.0
	da.learn(&eps, 0.9)
	if want := math.Exp(math.Log(10) - (0.8-0.9)/11/0.05); math.Abs(eps-want) > 1e-12 {
		t.Errorf("first step size %v, want %v", eps, want)
	}
	// A target whose acceptance is exp(−eps): the fixed point is
	// eps = −log 0.8 ≈ 0.223.
	da.restart()
	for range 2000 {
		da.learn(&eps, math.Exp(-eps))
	}
	if got := math.Exp(da.xBar); math.Abs(got+math.Log(0.8)) > 0.01 {
		t.Errorf("dual averaging settled at %v, want %v", got, -math.Log(0.8))
	}
}
