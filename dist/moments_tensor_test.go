package dist

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// momentCase is a family with batched parameters (rows of [B, k]
// tensors) and constant ones, for the moment-tensor tests.
type momentCase struct {
	fam     string
	params  []*tensor.Tensor
	batched []bool
}

// fixedElems reports, per family, the elements e of parameter j that the
// gradient test leaves alone: the zeros above the diagonal of a Cholesky
// factor, which any perturbation makes invalid.
var fixedElems = map[string]func(j, e int) bool{
	"MultivariateNormalCholesky": func(j, e int) bool { return j == 1 && e%4 == 1 },
}

func momentCases() []momentCase {
	b := func(rows ...[]float64) *tensor.Tensor { return tensor.Matrix(rows) }
	c := func(v ...float64) []float64 { return v }
	t, f := true, false
	return []momentCase{
		{"Normal", []*tensor.Tensor{b(c(0.3, -1), c(2, 0)), b(c(1.5, 0.5), c(0.2, 3))}, []bool{t, t}},
		{"HalfNormal", []*tensor.Tensor{b(c(1.5), c(0.3))}, []bool{t}},
		{"LogNormal", []*tensor.Tensor{b(c(0.3), c(-1)), b(c(0.7), c(1.2))}, []bool{t, t}},
		{"StudentT", []*tensor.Tensor{b(c(5), c(1.5), c(0.8)), b(c(0.3), c(1), c(2)), sc(1.5)}, []bool{t, t, f}},
		{"Cauchy", []*tensor.Tensor{b(c(0.3), c(1)), b(c(1.5), c(0.5))}, []bool{t, t}},
		{"HalfCauchy", []*tensor.Tensor{b(c(1.5), c(0.5))}, []bool{t}},
		{"Laplace", []*tensor.Tensor{b(c(0.3), c(1)), b(c(1.5), c(0.5))}, []bool{t, t}},
		{"Uniform", []*tensor.Tensor{b(c(-1), c(0.5)), b(c(2), c(0.7))}, []bool{t, t}},
		{"Exponential", []*tensor.Tensor{b(c(1.5, 0.2), c(3, 1))}, []bool{t}},
		{"Gamma", []*tensor.Tensor{b(c(2.5), c(0.7)), b(c(1.5), c(4))}, []bool{t, t}},
		{"InverseGamma", []*tensor.Tensor{b(c(3.5), c(1.5), c(0.5)), sc(2)}, []bool{t, f}},
		{"Beta", []*tensor.Tensor{b(c(2), c(0.5)), b(c(3), c(1.5))}, []bool{t, t}},
		{"Dirichlet", []*tensor.Tensor{b(c(1, 2, 3), c(0.5, 0.7, 4))}, []bool{t}},
		{"MultivariateNormal", []*tensor.Tensor{b(c(0.5, -1), c(2, 0)), tensor.Matrix([][]float64{{2, 0.5}, {0.5, 1}})}, []bool{t, f}},
		{"Bernoulli", []*tensor.Tensor{b(c(0.3), c(0.9))}, []bool{t}},
		{"Binomial", []*tensor.Tensor{sc(10), b(c(0.3), c(0.9))}, []bool{f, t}},
		{"Poisson", []*tensor.Tensor{b(c(2.5), c(0.4))}, []bool{t}},
		{"NegativeBinomial", []*tensor.Tensor{b(c(2.5), c(7)), b(c(3), c(0.5))}, []bool{t, t}},
		{"Categorical", []*tensor.Tensor{b(c(0.2, 0.3, 0.5), c(0.1, 0.6, 0.3))}, []bool{t}},
		{"Weibull", []*tensor.Tensor{b(c(2.5, 0.7), c(1.2, 5)), b(c(1.5, 0.8), c(4, 0.3))}, []bool{t, t}},
		{"Logistic", []*tensor.Tensor{b(c(0.3), c(-1)), b(c(0.7), c(2))}, []bool{t, t}},
		{"Gumbel", []*tensor.Tensor{b(c(0.3), c(-1)), b(c(0.7), c(2))}, []bool{t, t}},
		{"SkewNormal", []*tensor.Tensor{b(c(0.3), c(-1)), b(c(0.7), c(2)), b(c(2), c(-0.5))}, []bool{t, t, t}},
		{"BetaBinomial", []*tensor.Tensor{sc(10), b(c(2), c(0.5)), b(c(3), c(1.5))}, []bool{f, t, t}},
		{"Multinomial", []*tensor.Tensor{sc(10), b(c(0.2, 0.3, 0.5), c(0.1, 0.6, 0.3))}, []bool{f, t}},
		{"ZeroInflatedPoisson", []*tensor.Tensor{b(c(0.2), c(0.6)), b(c(2.5), c(0.4))}, []bool{t, t}},
		{"ZeroInflatedNegativeBinomial", []*tensor.Tensor{b(c(0.2), c(0.6)), b(c(2.5), c(7)), b(c(3), c(0.5))}, []bool{t, t, t}},
		{"BernoulliLogit", []*tensor.Tensor{b(c(0.3, 4), c(-2, 0))}, []bool{t}},
		{"BinomialLogit", []*tensor.Tensor{sc(10), b(c(0.3), c(-2))}, []bool{f, t}},
		{"PoissonLog", []*tensor.Tensor{b(c(0.5), c(-1))}, []bool{t}},
		{"OrderedLogistic", []*tensor.Tensor{b(c(0.3, -1), c(2, 0.5)), b(c(-1, 0.5, 2), c(-0.5, 0, 1))}, []bool{t, t}},
		{"LKJCholesky", []*tensor.Tensor{sc(3), b(c(1.5), c(0.7))}, []bool{f, t}},
		{"MultivariateNormalCholesky", []*tensor.Tensor{b(c(0.5, -1), c(2, 0)),
			tensor.New([]float64{1.5, 0, 0.3, 0.8, 0.7, 0, -0.4, 1.2}, 2, 2, 2)}, []bool{t, t}},
	}
}

// noEntropyTensor lists the families whose EntropyTensor reports ok =
// false: a series (the count families) or no closed form (SkewNormal).
var noEntropyTensor = map[string]bool{
	"Binomial": true, "Poisson": true, "NegativeBinomial": true, "BetaBinomial": true,
	"Multinomial": true, "ZeroInflatedPoisson": true, "ZeroInflatedNegativeBinomial": true,
	"BinomialLogit": true, "PoissonLog": true, "SkewNormal": true,
}

// TestMomentTensorsCoverFamilies: every family of Families implements
// MomentTensors and has a case in momentCases, so a family added later
// without them is reported here.
func TestMomentTensorsCoverFamilies(t *testing.T) {
	cases := map[string]momentCase{}
	for _, c := range momentCases() {
		cases[c.fam] = c
	}
	for _, f := range Families {
		c, ok := cases[f.Name]
		if !ok {
			t.Errorf("%s has no case in momentCases", f.Name)
			continue
		}
		d, err := f.Build(c.params, false)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if _, ok := d.(MomentTensors); !ok {
			t.Errorf("%s does not implement MomentTensors", f.Name)
		}
	}
}

// row returns the parameters of batch row i.
func (c momentCase) row(i int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(c.params))
	for j, p := range c.params {
		out[j] = p
		if c.batched[j] {
			// One row: a number for a [B, 1] batch (as interp gives a
			// draw), else the row's vector or matrix.
			k, shape := p.Len()/p.Dim(0), p.Shape()[1:]
			if k == 1 {
				shape = nil
			}
			out[j] = tensor.New(append([]float64(nil), p.Data()[i*k:(i+1)*k]...), shape...)
		}
	}
	return out
}

// TestMomentTensorsMatchMoments: each row of the moment tensors of
// batched parameters is what Moments and Entropier give for that row's
// parameters alone, to 1e-12 relative (the same formulas, rounded in
// another order, and the same digamma: package tensor's).
func TestMomentTensorsMatchMoments(t *testing.T) {
	for _, c := range momentCases() {
		fam, err := LookupFamily(c.fam)
		if err != nil {
			t.Fatal(err)
		}
		d, err := fam.Build(c.params, false)
		if err != nil {
			t.Fatalf("%s: %v", c.fam, err)
		}
		mt, ok := d.(MomentTensors)
		if !ok {
			t.Errorf("%s has no moment tensors", c.fam)
			continue
		}
		B, dim := 0, d.Dim()
		for j, p := range c.params {
			if c.batched[j] {
				B = p.Dim(0)
			}
		}
		mean, sd := mt.MeanTensor(), mt.StdDevTensor()
		h, hok := mt.EntropyTensor()
		for i := range B {
			di, err := fam.Build(c.row(i), true)
			if err != nil {
				t.Fatalf("%s row %d: %v", c.fam, i, err)
			}
			for _, m := range []struct {
				name string
				got  *tensor.Tensor
				want func() ([]float64, bool)
			}{{"mean", mean, di.(Moments).Mean}, {"sd", sd, di.(Moments).StdDev}} {
				want, ok := m.want()
				if m.got.Len() != B*dim {
					t.Fatalf("%s %s: shape %v, want %d rows of %d", c.fam, m.name, m.got.Shape(), B, dim)
				}
				for k := range dim {
					g := m.got.Data()[i*dim+k]
					if !ok {
						if !math.IsNaN(g) {
							t.Errorf("%s row %d: %s[%d] = %v, want NaN", c.fam, i, m.name, k, g)
						}
						continue
					}
					if !near(g, want[k], 1e-12) {
						t.Errorf("%s row %d: %s[%d] = %v, want %v", c.fam, i, m.name, k, g, want[k])
					}
				}
			}
			if hok == noEntropyTensor[c.fam] {
				t.Errorf("%s: EntropyTensor ok = %v", c.fam, hok)
			}
			if !hok {
				continue
			}
			e, isE := di.(Entropier)
			if !isE {
				t.Errorf("%s: an entropy tensor but no Entropy", c.fam)
				continue
			}
			want, wok := e.Entropy()
			switch {
			case h.Len() != B:
				t.Fatalf("%s entropy: shape %v, want [%d]", c.fam, h.Shape(), B)
			case !wok:
				t.Errorf("%s row %d: Entropy reports no value", c.fam, i)
			case !near(h.Data()[i], want, 1e-12):
				t.Errorf("%s row %d: entropy %v, want %v", c.fam, i, h.Data()[i], want)
			}
		}
	}
}

// TestMomentTensorsGradient checks the gradients of the moment tensors
// (summed with weights) in the batched parameters against central
// differences.
func TestMomentTensorsGradient(t *testing.T) {
	for _, c := range momentCases() {
		fam, _ := LookupFamily(c.fam)
		total := func(ps []*tensor.Tensor) *tensor.Tensor {
			d, err := fam.Build(ps, false)
			if err != nil {
				t.Fatal(err)
			}
			mt := d.(MomentTensors)
			s := tensor.Add(tensor.Sum(finite(mt.MeanTensor())), tensor.Scale(tensor.Sum(finite(mt.StdDevTensor())), 0.7))
			if h, ok := mt.EntropyTensor(); ok {
				s = tensor.Add(s, tensor.Scale(tensor.Sum(h), 0.3))
			}
			return s
		}
		tp := tensor.NewTape()
		ps := make([]*tensor.Tensor, len(c.params))
		for j, p := range c.params {
			ps[j] = p
			if c.batched[j] {
				ps[j] = tensor.Param(append([]float64(nil), p.Data()...), p.Shape()...)
				tp.Watch(ps[j])
			}
		}
		tp.Backward(total(ps))
		for j, p := range c.params {
			if !c.batched[j] {
				continue
			}
			grad := append([]float64(nil), ps[j].Grad()...)
			for e := range p.Len() {
				if f := fixedElems[c.fam]; f != nil && f(j, e) {
					continue
				}
				at := func(h float64) float64 {
					q := append([]*tensor.Tensor(nil), c.params...)
					x := append([]float64(nil), p.Data()...)
					x[e] += h
					q[j] = tensor.New(x, p.Shape()...)
					return total(q).Item()
				}
				// Central differences, h = 1e-6: error about h² f''' +
				// 1e-16/h, far below 1e-6 for these smooth functions.
				num := (at(1e-6) - at(-1e-6)) / 2e-6
				if !near(grad[e], num, 1e-6) {
					t.Errorf("%s: d/d%s[%d] = %v, numerically %v", c.fam, fam.Params[j], e, grad[e], num)
				}
			}
		}
		tp.Reset()
	}
}

// finite returns t with NaN elements replaced by 0 (no gradient).
func finite(t *tensor.Tensor) *tensor.Tensor {
	mask := make([]bool, t.Len())
	for i, v := range t.Data() {
		mask[i] = math.IsNaN(v)
	}
	return tensor.Where(mask, tensor.Zeros(t.Shape()...), t)
}

// TestWeibullStdDevLargeShape: the Weibull's standard deviation, written
// with expm1 of log-gammas, keeps its precision for large shapes where
// Γ(1 + 2/k) - Γ(1 + 1/k)² cancels; references from mpmath at 50 digits.
// Tolerance 1e-10 relative up to k = 1e4; at k = 1e6, 5e-5: rounding
// 1 + 1/k to float64 (an error of 1e-16) moves log Γ by 6e-17 against a
// difference l2 - 2 l1 of 1.6e-12 (the cancelling form is off by 1e-4).
func TestWeibullStdDevLargeShape(t *testing.T) {
	for _, tt := range []struct{ k, want, tol float64 }{
		{0.5, 4.4721359549995793928, 1e-10},
		{2.5, 0.37966654992257641204, 1e-10},
		{100, 0.012661157774874347015, 1e-10},
		{1e4, 0.0001282382110091308799, 1e-10},
		{1e6, 1.2825481526175600866e-6, 5e-5},
	} {
		d := Weibull{sc(tt.k), sc(1)}
		got, _ := d.StdDev()
		gt := d.StdDevTensor().Item()
		for _, g := range []float64{got[0], gt} {
			if math.Abs(g-tt.want) > tt.tol*tt.want {
				t.Errorf("k = %v: sd %v, want %v", tt.k, g, tt.want)
			}
		}
	}
}
