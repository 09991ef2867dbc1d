package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamPaths are the implementations of AdamUpdateSave the machine can run
// (useSIMD, useAVX512), the scalar loop first.
func adamPaths() (names []string, simd, avx512 []bool) {
	names, simd, avx512 = []string{"scalar"}, []bool{false}, []bool{false}
	if hasAVX2FMA() {
		names, simd, avx512 = append(names, "avx2"), append(simd, true), append(avx512, false)
	}
	if hasAVX512() {
		names, simd, avx512 = append(names, "avx512"), append(simd, true), append(avx512, true)
	}
	return names, simd, avx512
}

// adamCase is one input of an update.
type adamCase struct {
	x, g, m, v []float64
	step, eps  float64
}

// adamRunPath runs AdamUpdateSave on copies of c's arrays by the given
// path and returns the new x, m, v, the saved x and the finiteness report.
func adamRunPath(c adamCase, simd, avx512 bool) (x, m, v, save []float64, ok bool) {
	defer func(s, a bool) { useSIMD, useAVX512 = s, a }(useSIMD, useAVX512)
	useSIMD, useAVX512 = simd, avx512
	x, m, v = append([]float64(nil), c.x...), append([]float64(nil), c.m...), append([]float64(nil), c.v...)
	save = make([]float64, len(x))
	for i := range save {
		save[i] = -7
	}
	ok = AdamUpdateSave(x, c.g, m, v, save, 0.9, 0.999, c.step, c.eps)
	return x, m, v, save, ok
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// checkAdamPaths runs c through every path and fails unless all give the
// scalar loop's bits, the saved copy is the old x, and the finiteness
// report is right. It returns the scalar loop's new x.
func checkAdamPaths(t *testing.T, name string, c adamCase) []float64 {
	t.Helper()
	names, simd, avx512 := adamPaths()
	x0, m0, v0, s0, ok0 := adamRunPath(c, false, false)
	finite := true
	for _, xv := range x0 {
		finite = finite && !math.IsNaN(xv) && !math.IsInf(xv, 0)
	}
	if ok0 != finite {
		t.Fatalf("%s: scalar reported finite %v, values finite %v", name, ok0, finite)
	}
	for i := range c.x {
		if !sameBits(s0[i], c.x[i]) {
			t.Fatalf("%s: scalar saved [%d] %v, not the old %v", name, i, s0[i], c.x[i])
		}
	}
	for p := 1; p < len(names); p++ {
		x1, m1, v1, s1, ok1 := adamRunPath(c, simd[p], avx512[p])
		if ok1 != ok0 {
			t.Fatalf("%s %s: finite reported %v, scalar %v", name, names[p], ok1, ok0)
		}
		for i := range c.x {
			if !sameBits(x0[i], x1[i]) || !sameBits(m0[i], m1[i]) || !sameBits(v0[i], v1[i]) || !sameBits(s0[i], s1[i]) {
				t.Fatalf("%s %s [%d] (g %v m %v v %v): x m v save (%v %v %v %v), scalar (%v %v %v %v)",
					name, names[p], i, c.g[i], c.m[i], c.v[i], x1[i], m1[i], v1[i], s1[i], x0[i], m0[i], v0[i], s0[i])
			}
		}
	}
	return x0
}

// randAdamCase returns n random values, gradients and moments.
func randAdamCase(rng *rand.Rand, n int) adamCase {
	c := adamCase{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), 0.01 / 0.1 * math.Sqrt(0.001), 1e-8 * math.Sqrt(0.001)}
	for i := range n {
		c.x[i], c.g[i] = rng.NormFloat64(), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(12)-6))
		c.m[i], c.v[i] = rng.NormFloat64()*0.1, rng.Float64()*0.01
	}
	return c
}

// TestAdamUpdate checks the vector Adam updates against the scalar loop
// bit for bit, for lengths with every tail, with and without a poisoned
// gradient (which must be reported), and the saved copy.
func TestAdamUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 13, 16, 37, 70001} {
		for _, poison := range []float64{0, math.Inf(1), math.Inf(-1), math.NaN()} {
			c := randAdamCase(rng, n)
			if poison != 0 && n > 0 {
				c.g[rng.IntN(n)] = poison
			}
			checkAdamPaths(t, "random", c)
			_, _, _, _, ok := adamRunPath(c, useSIMD, useAVX512)
			if ok != (poison == 0 || n == 0) {
				t.Fatalf("n %d poison %v: finite reported %v", n, poison, ok)
			}
		}
	}
}

// TestAdamUpdateSpecial checks the paths bit for bit on values at and
// beyond float32's range and the bounds of the float32 quotient, zero
// gradients and moments, eps 0 and tiny, huge or non-finite eps, scattered
// through blocks so that the kernels stop and resume.
func TestAdamUpdateSpecial(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	special := []float64{0, math.Copysign(0, -1), 1e-300, 1e-200, 1e-50, 0x1p-81, 0x1p-80, 0x1p-79, 1e-30, 1e-20,
		1e-10, 1, 1e10, 1e20, 0x1p79, 0x1p80, 0x1p81, 1e30, 3.5e38, 1e40, 1e100, 1e200, math.MaxFloat64}
	pick := func() float64 {
		s := special[rng.IntN(len(special))]
		if rng.IntN(2) == 0 {
			s = -s
		}
		return s
	}
	for _, eps := range []float64{1e-8 * math.Sqrt(0.001), 1e-8, 0, 1e-45, 1e-20, 0x1p-40, 0x1p40, 1e20, 1e39, math.Inf(1), -1e-8, math.NaN()} {
		for _, step := range []float64{1e-3, 1e-40, 1e30, 0} {
			for range 20 {
				n := 1 + rng.IntN(70)
				c := randAdamCase(rng, n)
				c.step, c.eps = step, eps
				for i := range n {
					switch rng.IntN(24) {
					case 0:
						c.g[i] = pick()
					case 1:
						c.m[i] = pick()
					case 2:
						c.v[i] = math.Abs(pick())
						if rng.IntN(2) == 0 {
							c.g[i] = 0
						}
					case 3:
						c.g[i], c.m[i], c.v[i] = 0, 0, 0
					}
				}
				checkAdamPaths(t, "special", c)
			}
		}
	}
}

// TestAdamUpdateRange checks that float32's range never turns a finite
// float64 update infinite or zero: for moments and gradients across the
// float64 range, the update (the change of x from 0) agrees with the
// float64 formula to float32 precision, on every path.
func TestAdamUpdateRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// one (step, eps) per call; each probe value at a random place of its
	// own block of 8, among ordinary ones, so that only it decides whether
	// the block needs the float64 quotient
	type key struct{ s, e float64 }
	type group struct {
		c     adamCase
		probe []int
	}
	groups := map[key]*group{}
	for _, g := range []float64{0, 1e-300, 1e-100, 1e-46, 1e-40, 1e-30, 1e-10, 1, 1e10, 1e30, 1e40, 1e100, 1e150} {
		for _, m := range []float64{0, 1e-300, 1e-60, 1e-40, 1e-20, 1, 1e20, 1e40, 1e60, 1e300} {
			for _, v := range []float64{0, 1e-300, 1e-100, 1e-40, 1e-20, 1, 1e20, 1e40, 1e100, 1e300} {
				for _, s := range []float64{1e-3, 1e-30, 1e30} {
					for _, eps := range []float64{0, 1e-45, 1e-8, 1e10} {
						gr := groups[key{s, eps}]
						if gr == nil {
							gr = &group{c: adamCase{step: s, eps: eps}}
							groups[key{s, eps}] = gr
						}
						c := &gr.c
						at := len(c.x) + rng.IntN(8)
						for range 8 {
							if len(c.x) == at {
								gr.probe = append(gr.probe, at)
								c.x, c.g, c.m, c.v = append(c.x, 0), append(c.g, g), append(c.m, m), append(c.v, v)
								continue
							}
							c.x, c.g = append(c.x, rng.NormFloat64()), append(c.g, rng.NormFloat64())
							c.m, c.v = append(c.m, rng.NormFloat64()*0.1), append(c.v, rng.Float64()*0.01)
						}
					}
				}
			}
		}
	}
	for k, gr := range groups {
		gc := &gr.c
		x := checkAdamPaths(t, "range", *gc)
		for _, j := range gr.probe {
			mj := 0.9*gc.m[j] + 0.1*gc.g[j]
			vj := 0.999*gc.v[j] + 0.001*gc.g[j]*gc.g[j]
			want := -(k.s * mj / (math.Sqrt(vj) + k.e))
			got := x[j]
			if math.IsNaN(want) {
				if !math.IsNaN(got) {
					t.Fatalf("step %v eps %v g %v m %v v %v: update %v, want NaN", k.s, k.e, gc.g[j], gc.m[j], gc.v[j], got)
				}
				continue
			}
			if math.IsInf(want, 0) || want == 0 {
				if got != want {
					t.Fatalf("step %v eps %v g %v m %v v %v: update %v, want %v", k.s, k.e, gc.g[j], gc.m[j], gc.v[j], got, want)
				}
				continue
			}
			if math.IsInf(got, 0) || got == 0 || math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Fatalf("step %v eps %v g %v m %v v %v: update %v, want %v", k.s, k.e, gc.g[j], gc.m[j], gc.v[j], got, want)
			}
		}
	}
}

// BenchmarkAdamUpdate times one update of 67,000 values (the parameters of
// a MADE with hidden [256, 256] on 2 dimensions) by each path: alone,
// with the copy of the old values fused (+save), and with a separate copy
// before it (+copy).
func BenchmarkAdamUpdate(b *testing.B) {
	defer func(s, a bool) { useSIMD, useAVX512 = s, a }(useSIMD, useAVX512)
	n := 67000
	rng := rand.New(rand.NewPCG(1, 1))
	x, g, m, v := RandN(rng, n).data, RandN(rng, n).data, make([]float64, n), make([]float64, n)
	save := make([]float64, n)
	names, simd, avx512 := adamPaths()
	for p, name := range names {
		for _, sv := range []string{"", "+save", "+copy"} {
			b.Run(name+sv, func(b *testing.B) {
				useSIMD, useAVX512 = simd[p], avx512[p]
				var s []float64
				if sv == "+save" {
					s = save
				}
				for b.Loop() {
					if sv == "+copy" { // the separate copy that +save replaces
						copy(save, x)
					}
					AdamUpdateSave(x, g, m, v, s, 0.9, 0.999, 1e-3, 1e-8)
				}
			})
		}
	}
}

// TestAdamKernelsComplete checks that the kernels do ordinary values
// themselves (they stop only for a value that needs the float64
// quotient), including zero gradients and moments.
func TestAdamKernelsComplete(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	c := randAdamCase(rng, 4096)
	for i := 0; i < len(c.g); i += 3 {
		c.g[i], c.m[i], c.v[i] = 0, 0, 0
	}
	var k adamK
	k.set(0.9, 0.999, c.step, c.eps)
	var lanes [8]float64
	if hasAVX2FMA() {
		x, m, v := append([]float64(nil), c.x...), append([]float64(nil), c.m...), append([]float64(nil), c.v...)
		if done := adamAVX2(&x[0], &c.g[0], &m[0], &v[0], nil, len(x), &k, &lanes); done != len(x) {
			t.Errorf("adamAVX2 stopped at %d of %d (g %v m %v v %v)", done, len(x), c.g[done], c.m[done], c.v[done])
		}
	}
	if hasAVX512() {
		x, m, v := append([]float64(nil), c.x...), append([]float64(nil), c.m...), append([]float64(nil), c.v...)
		if done := adamAVX512(&x[0], &c.g[0], &m[0], &v[0], nil, len(x), &k, &lanes); done != len(x) {
			t.Errorf("adamAVX512 stopped at %d of %d (g %v m %v v %v)", done, len(x), c.g[done], c.m[done], c.v[done])
		}
	}
}
