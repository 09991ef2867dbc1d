package tensor

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// vmFuncs are the vector functions with their references: the function of
// package math, and a reference that is package math where that is
// accurate. On amd64, math.Exp and math.Log are assembly that is wrong in
// places: math.Exp(x) is +Inf already from x ≈ 709.44 (exp(709.78) is
// MaxFloat64), and math.Log mishandles subnormal inputs (math.Log(5e-324)
// = −709.09, not −744.44); expRef and logRef compute those regions from
// identities in extended precision.
var vmFuncs = []struct {
	name      string
	vec       func(dst, src []float64)
	ref, pure func(float64) float64
}{
	{"exp", vexp, math.Exp, expRef},
	{"log", vlog, math.Log, logRef},
	{"log1p", vlog1p, math.Log1p, math.Log1p},
}

// expRef is math.Exp, except above 700, where package math's assembly
// loses accuracy and then overflows early: there e^x = 2^k·e^r with
// r = x − k·ln 2 and e^r's Taylor series, in 128-bit arithmetic, rounded
// once (correctly rounded but in rare ties).
func expRef(x float64) float64 {
	switch {
	case !(x > 700):
		return math.Exp(x)
	case x > 710: // e^709.79 already exceeds MaxFloat64
		return math.Inf(1)
	}
	const prec = 128
	ln2 := bigConst("0.693147180559945309417232121458176568075500134360255254120680009493393621969694715605863326996418687542")
	k := math.Round(x / math.Ln2)
	r := new(big.Float).SetPrec(prec).SetFloat64(x)
	r.Sub(r, new(big.Float).SetPrec(prec).Mul(ln2, big.NewFloat(k)))
	sum, term := new(big.Float).SetPrec(prec).SetInt64(1), new(big.Float).SetPrec(prec).SetInt64(1)
	for n := int64(1); n < 32; n++ { // |r| ≤ 0.35: the last term is below 2⁻¹⁶⁰
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		sum.Add(sum, term)
	}
	y, _ := sum.SetMantExp(sum, int(k)).Float64()
	return y
}

// bigConst parses a decimal constant to 160 bits.
func bigConst(s string) *big.Float {
	f, _ := new(big.Float).SetPrec(160).SetString(s)
	return f
}

// logRef is math.Log, except for subnormal x, where log x = log(x·2⁵⁴) −
// 54·ln 2, the difference taken in 106 bits and rounded once: within 1 ulp
// of log x (log(x·2⁵⁴) and log x share a binade).
func logRef(x float64) float64 {
	if !(x > 0 && x < 0x1p-1022) {
		return math.Log(x)
	}
	l := new(big.Float).SetPrec(106).SetFloat64(math.Log(x * 0x1p54))
	ln2 := bigConst("0.693147180559945309417232121458176568075500134360255")
	y, _ := l.Sub(l, ln2.Mul(ln2, big.NewFloat(54))).Float64()
	return y
}

// ulpDiff is the distance between a and b in units in the last place
// (the number of float64 values between them), 0 when both are NaN and
// MaxInt64 when only one is.
func ulpDiff(a, b float64) int64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		if math.IsNaN(a) && math.IsNaN(b) {
			return 0
		}
		return math.MaxInt64
	}
	// Map the bits onto a line that is monotone in the value.
	ord := func(x float64) int64 {
		b := int64(math.Float64bits(x))
		if b < 0 {
			b = math.MinInt64 - b
		}
		return b
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// vmInputs returns test inputs for function name: magnitudes log-uniform
// over the whole float64 range with both signs, and values near the
// critical points.
func vmInputs(name string, r *rand.Rand) []float64 {
	var xs []float64
	for range 200000 {
		// 2^e·m with e over the whole exponent range, subnormals included.
		x := math.Ldexp(1+r.Float64(), r.IntN(2100)-1075)
		if r.IntN(2) == 0 {
			x = -x
		}
		xs = append(xs, x)
	}
	near := func(c, w float64, n int) {
		for range n {
			xs = append(xs, c+w*(2*r.Float64()-1))
		}
		for i := -20; i <= 20; i++ { // c and its neighbours
			xs = append(xs, c+float64(i)*(math.Nextafter(c, math.Inf(1))-c))
		}
	}
	for range 100000 { // |x| tiny
		xs = append(xs, math.Ldexp(2*r.Float64()-1, -r.IntN(80)))
	}
	switch name {
	case "exp":
		for _, c := range []float64{708, 709, 709.782712893384, 745, 745.1332191019411, 700, 1, 0.5 * math.Ln2, 1024 * math.Ln2, 1022 * math.Ln2, 1074 * math.Ln2} {
			near(c, 1, 20000)
			near(-c, 1, 20000)
		}
		for range 100000 {
			xs = append(xs, 1500*(2*r.Float64()-1))
		}
	case "log":
		near(1, 1e-3, 50000)
		near(1, 0.5, 50000)
		near(math.Sqrt2, 1e-3, 20000)
		near(math.Sqrt2/2, 1e-3, 20000)
		near(math.SmallestNonzeroFloat64*(1<<52), 1e-308, 20000)
		for range 50000 {
			xs = append(xs, 10*r.Float64())
		}
	case "log1p":
		near(-1, 1e-3, 50000)
		near(-1, 1e-12, 20000)
		near(0, 1e-8, 20000)
		near(math.Sqrt2-1, 1e-3, 20000)
		near(math.Sqrt2/2-1, 1e-3, 20000)
		near(1, 1, 50000)
		near(math.Ldexp(1, 53), 1e3, 20000)
		for range 50000 {
			xs = append(xs, 10*r.Float64()-1)
		}
	}
	return xs
}

var vmSpecials = []float64{
	0, math.Copysign(0, -1), 1, -1, 2, -2, 0.5, math.Inf(1), math.Inf(-1),
	math.NaN(), -math.NaN(), math.Float64frombits(0x7ff0000000000123),
	math.Float64frombits(0xfff8000000000000), math.MaxFloat64, -math.MaxFloat64,
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022,
	0x1p-1023, 709.782712893384, 709.7827128933841, 710, 1000, -708.4, -745.1332191019411,
	-745.1332191019412, -745.2, -746, -1000, 1e-300, -1e-300, 0x1p-54, -0x1p-54,
	-1 + 0x1p-53, -1 - 0x1p-52, math.Nextafter(-1, 0), 0x1p53, 0x1p1023,
}

// vmWidths runs f with the AVX2 kernels only and, when the CPU has
// AVX-512, with the AVX-512 ones.
func vmWidths(t *testing.T, f func(t *testing.T)) {
	defer func(v bool) { useAVX512 = v }(useAVX512)
	for _, wide := range []bool{false, true} {
		if wide && !(useSIMD && hasAVX512()) {
			continue
		}
		useAVX512 = wide
		t.Run(fmt.Sprintf("avx512=%v", wide), f)
	}
}

// TestVMathWidths checks that the AVX-512 kernels give the AVX2 kernels'
// values bit for bit (NaN payloads included).
func TestVMathWidths(t *testing.T) {
	if !useSIMD || !hasAVX512() {
		t.Skip("no AVX-512")
	}
	defer func(v bool) { useAVX512 = v }(useAVX512)
	r := rand.New(rand.NewPCG(5, 9))
	for _, f := range vmFuncs {
		xs := append(vmInputs(f.name, r), vmSpecials...)
		narrow, wide := make([]float64, len(xs)), make([]float64, len(xs))
		useAVX512 = false
		f.vec(narrow, xs)
		useAVX512 = true
		f.vec(wide, xs)
		for i, x := range xs {
			if math.Float64bits(narrow[i]) != math.Float64bits(wide[i]) {
				t.Errorf("%s(%v): AVX2 %v [%#x], AVX-512 %v [%#x]", f.name, x, narrow[i], math.Float64bits(narrow[i]), wide[i], math.Float64bits(wide[i]))
				break
			}
		}
	}
}

// TestVMathULP compares the vector functions with package math: within 2
// ulp everywhere, exactly on special values.
func TestVMathULP(t *testing.T) {
	if !useSIMD {
		t.Skip("without SIMD the functions are package math's (TestVMathNoSIMD)")
	}
	vmWidths(t, testVMathULP)
}

func testVMathULP(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, f := range vmFuncs {
		xs := vmInputs(f.name, r)
		ys := make([]float64, len(xs))
		f.vec(ys, xs)
		var worst, worstRef int64
		var at, atRef float64
		hist, histRef := map[int64]int{}, map[int64]int{}
		skipped := 0
		for i, x := range xs {
			p := f.pure(x)
			d := ulpDiff(ys[i], p)
			hist[min(d, 3)]++
			if d > worst {
				worst, at = d, x
			}
			m := f.ref(x)
			if ulpDiff(m, p) > 2 {
				skipped++
				continue
			}
			d = ulpDiff(ys[i], m)
			histRef[min(d, 3)]++
			if d > worstRef {
				worstRef, atRef = d, x
			}
		}
		t.Logf("%s: %d inputs; vs the reference: max %d ulp (at %v), histogram %v", f.name, len(xs), worst, at, hist)
		t.Logf("%s: vs package math: max %d ulp (at %v), histogram %v; %d inputs where math is > 2 ulp from the reference", f.name, worstRef, atRef, histRef, skipped)
		if worst > 2 {
			t.Errorf("%s(%v) = %v, want %v (%d ulp)", f.name, at, ys[slicesIndex(xs, at)], f.pure(at), worst)
		}
		if worstRef > 2 {
			t.Errorf("%s(%v) = %v, math gives %v (%d ulp)", f.name, atRef, ys[slicesIndex(xs, atRef)], f.ref(atRef), worstRef)
		}
	}
}

func slicesIndex(xs []float64, x float64) int {
	for i, v := range xs {
		if math.Float64bits(v) == math.Float64bits(x) {
			return i
		}
	}
	return -1
}

// TestVMathSpecial checks special values bit for bit against package math
// (NaN payloads included), in every lane.
func TestVMathSpecial(t *testing.T) {
	if !useSIMD {
		t.Skip("without SIMD the functions are package math's (TestVMathNoSIMD)")
	}
	vmWidths(t, testVMathSpecial)
}

func testVMathSpecial(t *testing.T) {
	for _, f := range vmFuncs {
		for lane := range 8 {
			for _, x := range vmSpecials {
				xs := []float64{0.25, 0.5, 0.75, 1.5, 3, 0.1, 7, 2.5, 9}
				xs[lane] = x
				ys := make([]float64, len(xs))
				f.vec(ys, xs)
				got, want := ys[lane], f.ref(x)
				if ulpDiff(want, f.pure(x)) > 2 { // math is wrong here
					want = f.pure(x)
				}
				if math.Float64bits(got) != math.Float64bits(want) {
					if math.IsNaN(want) || math.IsInf(want, 0) || want == 0 || math.IsInf(x, 0) || math.IsNaN(x) || x == 0 || ulpDiff(got, want) > 2 {
						t.Errorf("%s(%v [%#x]) in lane %d = %v [%#x], want %v [%#x]", f.name, x, math.Float64bits(x), lane,
							got, math.Float64bits(got), want, math.Float64bits(want))
					}
				}
			}
		}
	}
}

// TestVMathTails checks lengths 0..17, in place and not, and that every
// element gets the same value whatever its position.
func TestVMathTails(t *testing.T) { vmWidths(t, testVMathTails) }

func testVMathTails(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, f := range vmFuncs {
		for n := 0; n <= 17; n++ {
			xs := make([]float64, n+1)
			for i := range xs {
				xs[i] = 4 * r.Float64()
			}
			sentinel := -12345.0
			ys := make([]float64, n+1)
			ys[n] = sentinel
			f.vec(ys[:n], xs[:n])
			if ys[n] != sentinel {
				t.Errorf("%s, n = %d: wrote past the end", f.name, n)
			}
			for i := range n {
				one := []float64{xs[i]}
				f.vec(one, one) // in place, in the tail path
				if ys[i] != one[0] {
					t.Errorf("%s, n = %d, i = %d: %v in a block, %v alone", f.name, n, i, ys[i], one[0])
				}
				if d := ulpDiff(ys[i], f.ref(xs[i])); d > 2 {
					t.Errorf("%s(%v) = %v, want %v", f.name, xs[i], ys[i], f.ref(xs[i]))
				}
			}
			zs := append([]float64(nil), xs[:n]...)
			f.vec(zs, zs)
			for i := range n {
				if zs[i] != ys[i] {
					t.Errorf("%s, n = %d: in place differs at %d", f.name, n, i)
				}
			}
		}
	}
}

// TestVMathNoSIMD checks that the portable path is package math exactly.
func TestVMathNoSIMD(t *testing.T) {
	defer func(v bool) { useSIMD = v }(useSIMD)
	useSIMD = false
	xs := []float64{-3, -1, -0.5, 0, 0.5, 1, 2, 700, -800}
	for _, f := range vmFuncs {
		ys := make([]float64, len(xs))
		f.vec(ys, xs)
		for i, x := range xs {
			if want := f.ref(x); math.Float64bits(ys[i]) != math.Float64bits(want) {
				t.Errorf("%s(%v) = %v without SIMD, want %v", f.name, x, ys[i], want)
			}
		}
	}
}

// BenchmarkVMath reports ns per value of the vector functions (AVX2 and
// AVX-512 kernels) and of the scalar loops of package math.
func BenchmarkVMath(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 4096
	xs := make([]float64, n)
	ys := make([]float64, n)
	for _, f := range vmFuncs {
		for i := range xs {
			switch f.name {
			case "exp":
				xs[i] = 20*r.Float64() - 10
			case "log":
				xs[i] = math.Exp(20*r.Float64() - 10)
			default:
				xs[i] = r.Float64() // softplus: log1p(e^-|v|)
			}
		}
		for _, mode := range []string{"scalar", "avx2", "avx512"} {
			simd := mode != "scalar"
			if mode == "avx512" && !(useSIMD && hasAVX512()) {
				continue
			}
			b.Run(f.name+"/"+mode, func(b *testing.B) {
				defer func(v bool) { useAVX512 = v }(useAVX512)
				useAVX512 = mode == "avx512"
				for b.Loop() {
					if simd {
						f.vec(ys, xs)
					} else {
						for i, x := range xs {
							ys[i] = f.ref(x)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
			})
		}
	}
}

// TestVMathOne checks that exp1 and log1p1, the scalar versions used by
// sigmoid and softplus, give the vector kernels' values bit for bit.
func TestVMathOne(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	for _, c := range []struct {
		name string
		vec  func(dst, src []float64)
		one  func(float64) float64
	}{{"exp", vexp, exp1}, {"log1p", vlog1p, log1p1}} {
		xs := append(vmInputs(c.name, r), vmSpecials...)
		ys := make([]float64, len(xs))
		c.vec(ys, xs)
		bad := 0
		for i, x := range xs {
			if got := c.one(x); math.Float64bits(got) != math.Float64bits(ys[i]) {
				if bad++; bad <= 5 {
					t.Errorf("%s1(%v) = %v [%#x], vector %v [%#x]", c.name, x, got, math.Float64bits(got), ys[i], math.Float64bits(ys[i]))
				}
			}
		}
	}
}

// TestVMathOps checks that the tensor operations built on the vector
// kernels give the scalar helpers' values (sigmoid, softplus use exp1 and
// log1p1), forward and backward.
func TestVMathOps(t *testing.T) {
	xs := append([]float64(nil), vmSpecials...)
	r := rand.New(rand.NewPCG(19, 23))
	for range 3000 {
		xs = append(xs, 30*r.NormFloat64())
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, c := range []struct {
		name  string
		op    func(*Tensor) *Tensor
		f, df func(float64) float64
	}{
		{"Sigmoid", Sigmoid, sigmoid, func(x float64) float64 { y := sigmoid(x); return y * (1 - y) }},
		{"LogSigmoid", LogSigmoid, func(x float64) float64 { return -softplus(-x) }, func(x float64) float64 { return sigmoid(-x) }},
		{"Softplus", Softplus, softplus, sigmoid},
		{"Exp", Exp, exp1, exp1},
		{"Log1p", Log1p, log1p1, func(x float64) float64 { return 1 / (1 + x) }},
	} {
		x := Param(append([]float64(nil), xs...), len(xs))
		tp := NewTape()
		tp.Watch(x)
		y := c.op(x)
		tp.Backward(Sum(y))
		for i, v := range xs {
			if got, want := y.Data()[i], c.f(v); !same(got, want) {
				t.Errorf("%s(%v) = %v, scalar %v", c.name, v, got, want)
			}
			if got, want := x.Grad()[i], c.df(v); !same(got, want) {
				t.Errorf("%s'(%v) = %v, scalar %v", c.name, v, got, want)
			}
		}
	}
}
