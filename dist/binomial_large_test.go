package dist

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBinomialLargeN checks the standardised mean and variance of
// Binomial draws on every path of binomialDraw: gonum's sampler (n up to
// 1e12), the halving by order statistics (n above 1e12 with a variance
// under 1e24) and the rounded normal (variance above 1e24). With k draws
// the mean of z has standard error 1/√k and its variance √(2/k); the
// tolerances are 4 of them. Before the halving, gonum's sampler gave a
// variance 7 times too high at n = 1e16 and never returned at n = 1e50.
func TestBinomialLargeN(t *testing.T) {
	for _, tt := range []struct {
		n, p float64
		k    int
	}{
		{1e9, 0.3, 20000},
		{1e15, 0.3, 20000},
		{1e16, 0.5, 20000},
		{1e20, 0.3, 20000},
		{1e300, 1e-290, 2000}, // 957 halvings per draw, a mean of 1e10
		{4e26, 0.5, 20000},    // the normal path: sd 1e13, spacing 3e10
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		mean, sd := tt.n*tt.p, math.Sqrt(tt.n*tt.p*(1-tt.p))
		var s, ss float64
		for range tt.k {
			x := binomialDraw(rng, tt.n, tt.p)
			if x < 0 || x > tt.n || x != math.Floor(x) {
				t.Fatalf("Binomial(%g, %g): draw %v is not an integer in [0, n]", tt.n, tt.p, x)
			}
			z := (x - mean) / sd
			s += z
			ss += z * z
		}
		k := float64(tt.k)
		m, v := s/k, ss/k-(s/k)*(s/k)
		if math.Abs(m) > 4/math.Sqrt(k) || math.Abs(v-1) > 4*math.Sqrt(2/k) {
			t.Errorf("Binomial(%g, %g): standardised draws have mean %.4f and variance %.4f, want 0 and 1", tt.n, tt.p, m, v)
		}
	}
}

// TestBinomialHuge: at n = 1e50 (where gonum's sampler never returned)
// and 1e300 the standard deviation is below the spacing of float64 numbers
// near the mean, so every draw is n·p to float64 precision.
func TestBinomialHuge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []float64{1e50, 1e300} {
		for range 100 {
			if x := binomialDraw(rng, n, 0.5); math.Abs(x/(n/2)-1) > 1e-15 {
				t.Fatalf("Binomial(%g, 0.5) drew %v, want %g", n, x, n/2)
			}
		}
	}
}

// TestBinomialDegenerate checks the exact draws at p = 0 and p = 1 and
// n = 0, at small and huge n.
func TestBinomialDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []float64{0, 7, 1e13, 1e300} {
		if x := binomialDraw(rng, n, 0); x != 0 {
			t.Errorf("Binomial(%g, 0) drew %v, want 0", n, x)
		}
		if x := binomialDraw(rng, n, 1); x != n {
			t.Errorf("Binomial(%g, 1) drew %v, want %g", n, x, n)
		}
	}
}

// TestNegativeBinomialExtreme: with mean 1e300 and dispersion 1e-300 the
// rate's gamma has rate parameter phi/mu = 0 in float64, which gonum
// refused ("gamma: beta <= 0", a panic); the draw is now a unit-rate gamma
// scaled by mu/phi. Such a tiny dispersion puts mass
// (phi/(mu+phi))^phi ≈ 1 - 1e-300·log(1e600) on 0, so every draw is 0.
func TestNegativeBinomialExtreme(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := must(NewNegativeBinomial(sc(1e300), sc(1e-300)))
	for i, x := range d.Sample(rng, 3).Data() {
		if x != 0 {
			t.Errorf("draw %d = %v, want 0", i, x)
		}
	}
	// A large dispersion is close to Poisson(mu): mean mu, variance
	// mu + mu²/phi. 20000 draws: 4 standard errors of the mean.
	d = must(NewNegativeBinomial(sc(1e6), sc(1e290)))
	x := d.Sample(rng, 20000).Data()
	var s float64
	for _, v := range x {
		s += v
	}
	if m := s / 20000; math.Abs(m-1e6) > 4*math.Sqrt(1e6/20000) {
		t.Errorf("NegativeBinomial(1e6, 1e290): mean %v, want 1e6", m)
	}
}
