package dist

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// Gradient tests. Tape gradients are compared with central differences of
// step h = 1e-7·max(1, |v|) to |tape - numeric| ≤ 1e-5·max(1, |numeric|).
const (
	fdStep = 1e-7
	fdTol  = 1e-5
)

// params builds fresh tensors of the given values (vectors), as trainable
// parameters when track is set.
func params(vals [][]float64, track bool) []*tensor.Tensor {
	ps := make([]*tensor.Tensor, len(vals))
	for i, v := range vals {
		v = append([]float64(nil), v...)
		if track {
			ps[i] = tensor.Param(v, len(v))
		} else {
			ps[i] = tensor.New(v, len(v))
		}
	}
	return ps
}

// checkGrad compares the tape gradient of f with respect to each of vals
// (skipping the indices in noGrad, whose tape gradient must be 0) with
// central differences.
func checkGrad(t *testing.T, name string, vals [][]float64, noGrad map[int]bool, f func(ps []*tensor.Tensor) *tensor.Tensor) {
	t.Helper()
	ps := params(vals, true)
	tp := tensor.NewTape()
	tp.Watch(ps...)
	loss := f(ps)
	if !loss.Tracked() {
		t.Errorf("%s: result not tracked", name)
		return
	}
	tp.Backward(loss)
	for i, p := range ps {
		for j := range vals[i] {
			got := p.Grad()[j]
			if noGrad[i] {
				if got != 0 {
					t.Errorf("%s: gradient of untracked argument %d = %v, want 0", name, i, got)
				}
				continue
			}
			h := fdStep * math.Max(1, math.Abs(vals[i][j]))
			at := func(delta float64) float64 {
				q := params(vals, false)
				q[i].Data()[j] += delta
				return f(q).Item()
			}
			want := (at(h) - at(-h)) / (2 * h)
			if math.Abs(got-want) > fdTol*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: d/d arg%d[%d] = %.10g, numeric %.10g", name, i, j, got, want)
			}
		}
	}
}

// TestLogProbGradient checks LogProb's gradient with respect to the value
// (the last argument) and the parameters.
func TestLogProbGradient(t *testing.T) {
	cov := tensor.Matrix([][]float64{{2, 0.5, 0.3}, {0.5, 1, -0.2}, {0.3, -0.2, 1.5}})
	for _, tt := range []struct {
		name   string
		vals   [][]float64 // parameters, then the value (flattened [n, d])
		d      int         // value dimension
		noGrad map[int]bool
		build  func(ps []*tensor.Tensor) Distribution // nil: the Families table's
	}{
		{"Normal", [][]float64{{0.5, -1}, {2, 0.3}, {1, 2, -0.7, -1.2, 0.4, 0}}, 2, nil, nil},
		{"Gamma", [][]float64{{0.7, 3}, {2, 0.5}, {0.3, 2, 1.7, 6, 0.05, 4.5}}, 2, nil, nil},
		{"Beta", [][]float64{{0.7, 3}, {2, 0.5}, {0.3, 0.2, 0.7, 0.6, 0.05, 0.99}}, 2, nil, nil},
		{"StudentT", [][]float64{{1.5, 7}, {0, 1}, {1, 0.4}, {0.3, 2, -1.7, 6, 0.05, -4.5}}, 2, nil, nil},
		{"MultivariateNormal", [][]float64{{1, -1, 0.5}, {0, 0, 0, 3, 1, -2}}, 3, nil,
			func(p []*tensor.Tensor) Distribution {
				return must(NewMultivariateNormal(p[0], cov))
			}},
		{"HalfNormal", [][]float64{{1, 2.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"LogNormal", [][]float64{{0.2, -1}, {0.7, 1.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"Cauchy", [][]float64{{0.2, -1}, {0.7, 1.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"HalfCauchy", [][]float64{{0.7, 1.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"Laplace", [][]float64{{0.2, -1}, {0.7, 1.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"Uniform", [][]float64{{0.2, -1}, {2.7, 1.5}, {0.3, 0, 1.7, 1}}, 2, nil, nil},
		{"Exponential", [][]float64{{0.7, 1.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"InverseGamma", [][]float64{{0.7, 3}, {2, 0.5}, {0.3, 2, 1.7, 6}}, 2, nil, nil},
		{"Dirichlet", [][]float64{{0.7, 3, 2}, {0.2, 0.3, 0.5, 0.6, 0.1, 0.3}}, 3, nil,
			func(p []*tensor.Tensor) Distribution { return Dirichlet{p[0]} }},
		{"Bernoulli", [][]float64{{0.3, 0.8}, {0, 1, 1, 1}}, 2, map[int]bool{1: true}, nil},
		{"Binomial", [][]float64{{10}, {0.3}, {0, 3, 10}}, 1, map[int]bool{0: true, 2: true},
			func(p []*tensor.Tensor) Distribution { return Binomial{p[0].Detach(), p[1]} }},
		{"Poisson", [][]float64{{0.5, 40}, {0, 3, 10, 41}}, 2, map[int]bool{1: true}, nil},
		{"NegativeBinomial", [][]float64{{3, 50}, {2, 100}, {0, 3, 10, 41}}, 2, map[int]bool{2: true}, nil},
		{"Categorical", [][]float64{{0.1, 0.2, 0.3, 0.4}, {0, 3, 2, 3}}, 1, map[int]bool{1: true},
			func(p []*tensor.Tensor) Distribution { return Categorical{p[0]} }},
	} {
		k := len(tt.vals) - 1
		build := tt.build
		if build == nil {
			build = tableNew(tt.name)
		}
		checkGrad(t, tt.name+".LogProb", tt.vals, tt.noGrad, func(ps []*tensor.Tensor) *tensor.Tensor {
			x := tensor.Reshape(ps[k], -1, tt.d)
			if tt.noGrad[k] {
				x = ps[k].Detach() // discrete values: LogProb is not differentiable in them
				x = tensor.Reshape(x, -1, tt.d)
			}
			lp := build(ps[:k]).LogProb(x)
			checkNoNaN(t, tt.name, lp.Data())
			return tensor.Sum(lp)
		})
	}
}

// tableNew returns the Families table's new for the named family (the
// struct from its parameters in order, unchecked).
func tableNew(name string) func(ps []*tensor.Tensor) Distribution {
	f, err := LookupFamily(name)
	if err != nil || f.new == nil {
		panic(fmt.Sprintf("%s: no new in the table (%v)", name, err))
	}
	return f.new
}

// TestRSampleGradient checks the pathwise gradient of every
// reparameterised family against central differences of RSample with the
// same noise (same seed).
func TestRSampleGradient(t *testing.T) {
	cov := tensor.Matrix([][]float64{{2, 0.5}, {0.5, 1}})
	for _, tt := range []struct {
		name   string
		vals   [][]float64
		noGrad map[int]bool
		build  func(ps []*tensor.Tensor) Reparameterized
	}{
		{"Normal", [][]float64{{0.5, -1}, {2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return Normal{p[0], p[1]} }},
		{"HalfNormal", [][]float64{{2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return HalfNormal{p[0]} }},
		{"LogNormal", [][]float64{{0.5, -1}, {0.2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return LogNormal{p[0], p[1]} }},
		{"StudentT", [][]float64{{3, 8}, {0.5, -1}, {2, 0.3}}, map[int]bool{0: true},
			func(p []*tensor.Tensor) Reparameterized { return StudentT{p[0], p[1], p[2]} }},
		{"Cauchy", [][]float64{{0.5, -1}, {2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return Cauchy{p[0], p[1]} }},
		{"HalfCauchy", [][]float64{{2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return HalfCauchy{p[0]} }},
		{"Laplace", [][]float64{{0.5, -1}, {2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return Laplace{p[0], p[1]} }},
		{"Uniform", [][]float64{{0.5, -1}, {2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return Uniform{p[0], p[1]} }},
		{"Exponential", [][]float64{{2, 0.3}}, nil, func(p []*tensor.Tensor) Reparameterized { return Exponential{p[0]} }},
		{"MultivariateNormal", [][]float64{{0.5, -1}}, nil,
			func(p []*tensor.Tensor) Reparameterized { return must(NewMultivariateNormal(p[0], cov)) }},
	} {
		checkGrad(t, tt.name+".RSample", tt.vals, tt.noGrad, func(ps []*tensor.Tensor) *tensor.Tensor {
			// A nonlinear loss so that scale gradients are not trivial.
			x := tt.build(ps).RSample(newRNG(), 50)
			return tensor.Sum(tensor.Mul(x, tensor.Tanh(x)))
		})
	}
}

// TestRSampleMeanGradient checks d/dloc mean(RSample) = 1 and
// d/dscale mean(RSample) = mean(z) for Normal and MultivariateNormal, with
// a tape (to 1e-12).
func TestRSampleMeanGradient(t *testing.T) {
	const n = 1000
	loc := tensor.Param([]float64{0.5, -1}, 2)
	scale := tensor.Param([]float64{2, 0.3}, 2)
	tp := tensor.NewTape()
	tp.Watch(loc, scale)
	d := must(NewNormal(loc, scale))
	x := d.RSample(newRNG(), n)
	if !x.Tracked() {
		t.Fatal("Normal.RSample of tracked parameters is not tracked")
	}
	tp.Backward(tensor.Sum(tensor.MeanAxis(x, 0))) // Σ_j mean_i x_ij
	for j := 0; j < 2; j++ {
		meanZ := 0.0
		for i := 0; i < n; i++ {
			meanZ += (x.At(i, j) - loc.At(j)) / scale.At(j) / n
		}
		if math.Abs(loc.Grad()[j]-1) > 1e-12 || math.Abs(scale.Grad()[j]-meanZ) > 1e-12 {
			t.Errorf("Normal component %d: d/dloc = %v (want 1), d/dscale = %v (want mean z = %v)", j, loc.Grad()[j], scale.Grad()[j], meanZ)
		}
	}

	mloc := tensor.Param([]float64{0.5, -1}, 2)
	tp2 := tensor.NewTape()
	tp2.Watch(mloc)
	m := must(NewMultivariateNormal(mloc, tensor.Matrix([][]float64{{2, 0.5}, {0.5, 1}})))
	y := m.RSample(newRNG(), n)
	tp2.Backward(tensor.Sum(tensor.MeanAxis(y, 0)))
	for j, g := range mloc.Grad() {
		if math.Abs(g-1) > 1e-12 {
			t.Errorf("MultivariateNormal: d/dloc[%d] mean(RSample) = %v, want 1", j, g)
		}
	}
	// The draws have the covariance L·Lᵀ = cov: check the cross moment.
	var c float64
	for i := 0; i < n; i++ {
		c += (y.At(i, 0) - 0.5) * (y.At(i, 1) + 1) / n
	}
	if math.Abs(c-0.5) > 0.25 {
		t.Errorf("MultivariateNormal draws: covariance[0, 1] = %v, want about 0.5", c)
	}
}

// TestSampleUntracked checks that Sample never records on a tape, even
// with tracked parameters.
func TestSampleUntracked(t *testing.T) {
	loc := tensor.Param([]float64{0}, 1)
	tp := tensor.NewTape()
	tp.Watch(loc)
	for _, d := range []Distribution{Normal{loc, sc(1)}, LogNormal{loc, sc(1)}, StudentT{sc(3), loc, sc(1)}, must(NewMultivariateNormal(loc, tensor.Matrix([][]float64{{1}})))} {
		if x := d.Sample(newRNG(), 3); x.Tracked() {
			t.Errorf("%s: Sample is tracked", fmt.Sprint(d))
		}
	}
}
