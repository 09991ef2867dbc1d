package infer_test

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"testing"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/tensor"
)

// ar1Post is a correlated Gaussian in d dimensions whose log density
// uses elementwise tensor operations only (no matrix product, whose
// summation order may depend on the CPU's vector units): x = s ⊙ y with
// y an AR(1) series, y₁ ~ N(0, 1), y_i | y_{i−1} ~ N(ρ y_{i−1}, 1 − ρ²),
// and scales s_i = 1 + i/2. Its correlation between neighbours is ρ and
// its condition number (1+ρ)²/(1−ρ)² times the scales' spread: a
// geometry the diagonal metric cannot undo and the dense one can.
type ar1Post struct {
	d      int
	rho    float64
	invS   *tensor.Tensor // 1/s, [d]
	logDet float64        // −Σ log s_i − ½(d−1) log(1−ρ²), the constant
}

func newAR1Post(d int, rho float64) *ar1Post {
	inv := make([]float64, d)
	c := -0.5 * float64(d-1) * math.Log(1-rho*rho)
	for i := range inv {
		s := 1 + float64(i)/2
		inv[i] = 1 / s
		c -= math.Log(s)
	}
	return &ar1Post{d: d, rho: rho, invS: tensor.Vector(inv), logDet: c}
}

func (a *ar1Post) Dim() int { return a.d }

func (a *ar1Post) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	y := tensor.Mul(z, a.invS)
	first := tensor.Narrow(y, 1, 0, 1)
	prev := tensor.Narrow(y, 1, 0, a.d-1)
	next := tensor.Narrow(y, 1, 1, a.d-1)
	innov := tensor.Sub(next, tensor.Scale(prev, a.rho))
	q := tensor.Add(tensor.Reshape(tensor.Square(first), z.Dim(0)),
		tensor.Scale(tensor.SumAxis(tensor.Square(innov), 1), 1/(1-a.rho*a.rho)))
	return tensor.AddScalar(tensor.Scale(q, -0.5), a.logDet), nil
}

// nutsRunCases are the NUTS runs whose output TestNUTSBitIdentical pins:
// every metric, warm-up with and without windows, kept warm-up, given
// initial points, no warm-up, the three ways chains share a posterior
// (forked, batched on one batcher or on two, unbatched behind a lock),
// and a funnel whose trajectories diverge and hit a small maximum depth.
var nutsRunCases = []struct {
	name string
	p    infer.Posterior
	o    infer.NUTSOptions
}{
	{"ar10/diag/forked", forked{newAR1Post(10, 0.9)}, infer.NUTSOptions{Chains: 4, Warmup: 150, Samples: 100, Seed: 7}},
	{"ar10/dense/batched", newAR1Post(10, 0.9), infer.NUTSOptions{Chains: 4, Warmup: 150, Samples: 100, Seed: 8, Metric: "dense"}},
	{"ar10/unit/savewarmup", forked{newAR1Post(10, 0.5)}, infer.NUTSOptions{Chains: 1, Warmup: 30, Samples: 50, Seed: 9, Metric: "unit", SaveWarmup: true}},
	{"ar10/diag/shortwarmup", forked{newAR1Post(10, 0.5)}, infer.NUTSOptions{Chains: 1, Warmup: 15, Samples: 40, Seed: 10}},
	{"std4/diag/locked/init", stdNormalPost{4}, infer.NUTSOptions{Chains: 2, Warmup: 100, Samples: 100, Seed: 11, Unbatched: true,
		Init: [][]float64{{1, 2, 3, 4}, {-1, 0, 0.5, 2}}}},
	{"std4/diag/nowarmup", forked{stdNormalPost{4}}, infer.NUTSOptions{Chains: 2, NoWarmup: true, Samples: 100, Seed: 12, StepSize: 0.3}},
	{"ar4/dense/batchforked", batchForked{newAR1Post(4, 0.95)}, infer.NUTSOptions{Chains: 3, Warmup: 120, Samples: 60, Seed: 13,
		Metric: "dense", Parallel: 2, SaveWarmup: true}},
	{"funnel/diag/depth5", forked{funnel{9}}, infer.NUTSOptions{Chains: 2, Warmup: 120, Samples: 100, Seed: 14, MaxDepth: 5, MaxDeltaH: 3}},
}

// nutsChecksum is an FNV-64a hash of every recorded output of a run but
// the wall times: the draws, lp__ and the sampler columns bit for bit,
// the adapted step size and metric, and the gradient counts.
func nutsChecksum(res *infer.NUTSResult) string {
	h := fnv.New64a()
	var buf [8]byte
	f := func(v float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	n := func(v int) { f(float64(v)) }
	for _, c := range res.Chains {
		for _, s := range [][]float64{c.Draws, c.Base, c.LP, c.AcceptStat, c.StepSize, c.Energy, c.InvMetric} {
			n(len(s))
			for _, v := range s {
				f(v)
			}
		}
		for i := range c.TreeDepth {
			n(c.TreeDepth[i])
			n(c.NLeapfrog[i])
			if c.Divergent[i] {
				n(1)
			} else {
				n(0)
			}
		}
		n(c.Warmup)
		n(c.Gradients)
		f(c.AdaptedStepSize)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// TestNUTSBitIdentical pins the sampler's output on nutsRunCases: the
// checksums were recorded from main's sampler at commit 31a8ab1, before
// the sampler's own cost was cut (branch nutscost), so the faster code
// gives the same draws bit for bit at a fixed seed. The posteriors use
// only elementwise tensor operations on one row at a time (forked or
// locked) or on rows whose values cannot reach a vector kernel, but
// floating point may still differ between architectures (a compiler may
// fuse a multiply-add on arm64), so the pins are checked on amd64 only.
func TestNUTSBitIdentical(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("checksums recorded on amd64")
	}
	want := map[string]string{
		"ar10/diag/forked":      "35ce4dee3a53728a",
		"ar10/dense/batched":    "2ec7099f34aa3eb6",
		"ar10/unit/savewarmup":  "1b7ec67b3f1af4f8",
		"ar10/diag/shortwarmup": "d40e1042a03deac9",
		"std4/diag/locked/init": "7bd923d0d5e164d0",
		"std4/diag/nowarmup":    "ed9364bbc294aad9",
		"ar4/dense/batchforked": "10b7c2f9ed744aac",
		"funnel/diag/depth5":    "19a39d57f04eebdf",
	}
	for _, tt := range nutsRunCases {
		res, err := infer.NUTS(tt.p, tt.o)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := nutsChecksum(res)
		w, ok := want[tt.name]
		switch {
		case !ok:
			t.Errorf("%s: no checksum recorded; got %s", tt.name, got)
		case got != w:
			t.Errorf("%s: checksum %s, want %s: the draws changed", tt.name, got, w)
		}
	}
}
