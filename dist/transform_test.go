package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// transformCases are transforms with an unconstrained point [B, k] to test
// them at.
func transformCases() []struct {
	name string
	t    Transform
	z    [][]float64
} {
	inf := math.Inf(1)
	must := func(t Transform, err error) Transform {
		if err != nil {
			panic(err)
		}
		return t
	}
	return []struct {
		name string
		t    Transform
		z    [][]float64
	}{
		{"real", must(TransformFor(Support{Kind: Real})), [][]float64{{0.3, -1.2}, {5, 0}}},
		{"positive", must(TransformFor(Support{Kind: Positive})), [][]float64{{0.3, -1.2}, {5, -7}}},
		{"unit", must(TransformFor(Support{Kind: UnitInterval})), [][]float64{{0.3, -1.2}, {5, -7}}},
		{"interval", must(TransformFor(Support{Kind: Interval, Low: []float64{-1, 2}, High: []float64{3, 2.5}})), [][]float64{{0.3, -1.2}, {5, -3}}},
		{"lower-only", must(TransformFor(Support{Kind: Interval, Low: []float64{2}, High: []float64{inf}})), [][]float64{{0.3, -1.2}, {3, -3}}},
		{"upper-only", must(TransformFor(Support{Kind: Interval, Low: []float64{-inf}, High: []float64{2}})), [][]float64{{0.3, -1.2}, {3, -3}}},
		{"mixed bounds", must(TransformFor(Support{Kind: Interval, Low: []float64{0, -inf, 1, -inf}, High: []float64{1, 4, inf, inf}})), [][]float64{{0.3, -1.2, 0.7, 2}, {3, -3, -2, 0.1}}},
		{"simplex", must(TransformFor(Support{Kind: Simplex})), [][]float64{{0.3, -1.2, 0.8}, {4, -6, 0}}},
		{"simplex-2", must(TransformFor(Support{Kind: Simplex})), [][]float64{{0.3}, {-3}}},
		{"ordered", OrderedTransform(), [][]float64{{0.3, -1.2, 0.8}, {-4, 2, -6}}},
		{"positive ordered", must(OrderedTransformFor(Support{Kind: Positive})), [][]float64{{0.3, -1.2, 0.8}, {-4, 2, -6}}},
		{"ordered above 2", must(OrderedTransformFor(Support{Kind: Interval, Low: []float64{2, 2}, High: []float64{inf, inf}})), [][]float64{{0.3, -1.2, 0.8}, {-4, 2, -6}}},
		{"ordered below 2", must(OrderedTransformFor(Support{Kind: Interval, Low: []float64{-inf}, High: []float64{2}})), [][]float64{{0.3, -1.2, 0.8}, {-4, 2, -6}}},
		{"ordered in (-1, 3)", must(OrderedTransformFor(Support{Kind: Interval, Low: []float64{-1}, High: []float64{3}})), [][]float64{{0.3, -1.2, 0.8}, {-4, 2, -6}}},
		{"ordered in (0, 1)", must(OrderedTransformFor(Support{Kind: UnitInterval})), [][]float64{{0.3}, {-2}}},
		{"dependent [B]", IntervalTransform(tensor.Vector([]float64{0, -2, 1}), tensor.Vector([]float64{0.4, 5, 3})), [][]float64{{0.3, -1.2}, {2, -1}, {0, 0.5}}},
		{"dependent [B, 1]", IntervalTransform(tensor.New([]float64{0, -2}, 2, 1), tensor.Scalar(3)), [][]float64{{0.3, -1.2}, {2, -1}}},
		{"constant [d]", IntervalTransform(tensor.Vector([]float64{0, -2, 1}), tensor.Vector([]float64{0.4, 5, 3})), [][]float64{{0.3, -1.2, 0}, {2, -1, 0.5}}},
		{"dependent [B, d]", IntervalTransform(tensor.Matrix([][]float64{{0, 1}, {-1, -inf}}), tensor.Matrix([][]float64{{1, 3}, {0, 2}})), [][]float64{{0.3, -1.2}, {2, -1}}},
	}
}

func TestTransformRoundTrip(t *testing.T) {
	for _, tt := range transformCases() {
		z := tensor.Matrix(tt.z)
		x, lj := tt.t.Constrain(z)
		if x.Dim(0) != z.Dim(0) || lj.Rank() != 1 || lj.Dim(0) != z.Dim(0) || tt.t.UnconstrainedDim(x.Dim(1)) != z.Dim(1) {
			t.Fatalf("%s: shapes x %v logJac %v for z %v", tt.name, x.Shape(), lj.Shape(), z.Shape())
		}
		back := tt.t.Unconstrain(x)
		for i, v := range back.Data() {
			if math.Abs(v-z.Data()[i]) > 1e-10*max(1, math.Abs(v)) {
				t.Errorf("%s: Unconstrain(Constrain(z))[%d] = %v, want %v", tt.name, i, v, z.Data()[i])
			}
		}
		again, _ := tt.t.Constrain(back)
		for i, v := range again.Data() {
			if math.Abs(v-x.Data()[i]) > 1e-10*max(1, math.Abs(v)) {
				t.Errorf("%s: Constrain(Unconstrain(x))[%d] = %v, want %v", tt.name, i, v, x.Data()[i])
			}
		}
	}
}

// TestTransformSupport checks that the constrained values lie in the support.
func TestTransformSupport(t *testing.T) {
	x, _ := stickBreaking{}.Constrain(tensor.Matrix([][]float64{{0.3, -1.2, 0.8}, {40, -60, 0}}))
	if i := (Support{Kind: Simplex}).FirstOutside(x); i >= 0 {
		t.Errorf("stick-breaking gives %v, outside the simplex at %d", x, i)
	}
	if x, _ := (stickBreaking{}).Constrain(tensor.Zeros(1, 3)); math.Abs(x.Data()[0]-0.25) > 1e-15 || math.Abs(x.Data()[3]-0.25) > 1e-15 {
		t.Errorf("stick-breaking of 0 = %v, want the centre", x)
	}
	x, _ = OrderedTransform().Constrain(tensor.Matrix([][]float64{{0.3, -1.2, 0.8}}))
	if d := x.Data(); !(d[0] < d[1] && d[1] < d[2]) {
		t.Errorf("ordered gives %v", d)
	}
}

// TestTransformLogJacobian compares log|J| with the log-determinant of a
// central-difference Jacobian of each row (for the simplex, of the K−1 free
// coordinates).
func TestTransformLogJacobian(t *testing.T) {
	for _, tt := range transformCases() {
		z := tensor.Matrix(tt.z)
		_, lj := tt.t.Constrain(z)
		k := z.Dim(1)
		for i, row := range tt.z {
			// For a per-draw bound, evaluate row i at its own bounds by
			// putting the perturbed copies into row i of a full batch.
			f := func(v []float64) []float64 {
				zz := z.Clone()
				copy(zz.Data()[i*k:], v)
				x, _ := tt.t.Constrain(zz)
				d := x.Dim(1)
				return x.Data()[i*d : i*d+k]
			}
			want, sign := numericLogDetJacobian(f, row, 1e-6)
			if sign == 0 || math.Abs(lj.Data()[i]-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("%s row %d: log|J| = %v, numeric %v", tt.name, i, lj.Data()[i], want)
			}
		}
	}
}

// TestTransformGradient checks the tape gradient of Σ w·x + log|J| with
// respect to z and to dependent bounds against central differences.
func TestTransformGradient(t *testing.T) {
	for _, tt := range transformCases() {
		z0 := tensor.Matrix(tt.z)
		var bounds []*tensor.Tensor
		if it, ok := tt.t.(interval); ok && strings.HasPrefix(tt.name, "dependent") {
			bounds = []*tensor.Tensor{it.low, it.high}
		}
		eval := func(track bool, z *tensor.Tensor, bs []*tensor.Tensor) (float64, *tensor.Tape) {
			tr := tt.t
			if bs != nil {
				tr = IntervalTransform(bs[0], bs[1])
			}
			var tp *tensor.Tape
			if track {
				tp = tensor.NewTape()
				tp.Watch(z)
				tp.Watch(bs...)
			}
			x, lj := tr.Constrain(z)
			w := tensor.Zeros(x.Shape()...)
			for i := range w.Data() {
				w.Data()[i] = 0.3 + 0.1*float64(i%5)
			}
			l := tensor.Add(tensor.Sum(tensor.Mul(x, w)), tensor.Sum(lj))
			if track {
				tp.Backward(l)
			}
			return l.Item(), tp
		}
		z := z0.Clone()
		var bs []*tensor.Tensor
		for _, b := range bounds {
			bs = append(bs, b.Clone())
		}
		_, tp := eval(true, z, bs)
		check := func(what string, v *tensor.Tensor, grad []float64) {
			for i := range v.Data() {
				old := v.Data()[i]
				if math.IsInf(old, 0) {
					continue
				}
				num := centralDiff(func() float64 {
					l, _ := eval(false, z, bs)
					return l
				}, v, i, 1e-6*max(1, math.Abs(old)))
				if math.Abs(grad[i]-num) > 1e-5*max(1, math.Abs(num)) {
					t.Errorf("%s: d/d%s[%d] = %v, numeric %v", tt.name, what, i, grad[i], num)
				}
			}
		}
		gz := append([]float64(nil), z.Grad()...)
		var gb [][]float64
		for _, b := range bs {
			gb = append(gb, append([]float64(nil), b.Grad()...))
		}
		tp.Reset()
		check("z", z, gz)
		for k, b := range bs {
			check([]string{"low", "high"}[k], b, gb[k])
		}
	}
}

func TestTransformForErrors(t *testing.T) {
	checkTransformForErrors(t, "TransformFor", TransformFor, []supportCase{
		{Support{Kind: NonNegIntegers}, "cannot infer a discrete latent"},
		{Support{Kind: Boolean}, "cannot infer a discrete latent"},
		{Support{Kind: Interval, Low: []float64{1}, High: []float64{1}}, "empty"},
		{Support{Kind: PositiveDefinite}, "positive definite"},
	})
}

// supportCase is a support and a part of the error it must give.
type supportCase struct {
	s    Support
	want string
}

// checkTransformForErrors checks that for each case, f (named name) fails
// with an error containing want.
func checkTransformForErrors(t *testing.T, name string, f func(Support) (Transform, error), cases []supportCase) {
	t.Helper()
	for _, tt := range cases {
		if _, err := f(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s(%v): error %v, want %q", name, tt.s, err, tt.want)
		}
	}
}

// TestIntervalEmptyBounds: a draw whose dependent bounds are empty gets a
// non-finite log-Jacobian (the fit drops it), the others are unaffected.
func TestIntervalEmptyBounds(t *testing.T) {
	tr := IntervalTransform(tensor.Vector([]float64{0, 0}), tensor.Vector([]float64{1, -0.5}))
	_, lj := tr.Constrain(tensor.Matrix([][]float64{{0}, {0}}))
	if d := lj.Data(); math.IsNaN(d[0]) || math.IsInf(d[0], 0) || !(math.IsNaN(d[1]) || math.IsInf(d[1], 0)) {
		t.Errorf("log|J| = %v, want finite then non-finite", d)
	}
}
