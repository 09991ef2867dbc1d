package flows

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/internal/testutil"
	"github.com/flowppl/flowppl/tensor"
)

var madeConfigs = []struct {
	hidden []int
	batch  int
	ds     []int
}{{[]int{256, 256}, 1000, []int{2, 10, 32, 50, 128}}, {[]int{32, 32}, 256, []int{2, 10, 50}}}

func benchMADE(b *testing.B, backward bool) {
	for _, c := range madeConfigs {
		for _, d := range c.ds {
			for _, prec := range []string{Float64, Float32} {
				b.Run(fmt.Sprintf("h=%v/n=%d/d=%d/%s", c.hidden, c.batch, d, prec), func(b *testing.B) {
					benchMADEOne(b, c.hidden, c.batch, d, prec == Float32, backward)
				})
			}
		}
	}
}

// benchMADEOne times one conditioner pass (and its backward pass when
// backward is set) of a MADE of the given shape and precision.
func benchMADEOne(b *testing.B, hidden []int, batch, d int, f32, backward bool) {
	rng := newRNG(1)
	m := newMADE(d, hidden, "relu", rng.Perm(d))
	m.f32 = f32
	m.init(rng)
	x := randn(rng, batch, d)
	tp := tensor.NewTape()
	for b.Loop() {
		if !backward {
			m.forward(x)
			continue
		}
		tp.Reset()
		tp.Watch(m.params()...)
		mu, raw := m.forward(x)
		tp.Backward(tensor.Sum(tensor.Add(mu, raw)))
	}
}

// BenchmarkMADEForward is one untracked conditioner pass, with float64 and
// float32 products.
func BenchmarkMADEForward(b *testing.B) { benchMADE(b, false) }

// BenchmarkMADEForwardBackward is one tracked pass and its backward pass,
// with float64 and float32 products.
func BenchmarkMADEForwardBackward(b *testing.B) { benchMADE(b, true) }

// BenchmarkBijectors times one forward and one inverse pass of 1000
// points at d = 8 for every bijector (conditioners with hidden [32, 32];
// autoregressive ones on the data side, so Inverse is one pass and Forward
// d passes).
func BenchmarkBijectors(b *testing.B) {
	const n, d = 1000, 8
	for _, name := range Names() {
		rng := newRNG(1)
		ls := randomBijector(b, name, d, rng)
		for _, l := range ls {
			if a, ok := l.(Directional); ok {
				a.SetDirection(DataSide)
			}
		}
		x := tensor.Scale(tensor.RandN(rng, n, d), 1.5)
		if needsPositive(name) {
			x = drawPositive(rng, n, d)
		}
		y, _ := chainForward(ls, x)
		b.Run(name+"/forward", func(b *testing.B) {
			for b.Loop() {
				chainForward(ls, x)
			}
		})
		b.Run(name+"/inverse", func(b *testing.B) {
			for b.Loop() {
				chainInverse(ls, y)
			}
		})
	}
}

// BenchmarkLoad loads a saved flow of four AffineAutoregressive layers
// (d = 10, hidden [64, 64]; 43,880 parameters, a 0.9 MB file): the cost
// of checking the file's keys and sizes and of the probe draws beside
// that of decoding it.
func BenchmarkLoad(b *testing.B) {
	base, err := dist.NewNormal(tensor.Zeros(10), tensor.Full(1, 10))
	if err != nil {
		b.Fatal(err)
	}
	q, err := Apply("AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{64, 64}, "layers": 4.0}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Save(&buf, q); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConditionalMADEForwardBackward is one tracked conditioner pass
// and its backward pass at the seed's shape (hidden [256, 256], 1000 rows,
// float64) with a context of 4 values per row (gradients for the context
// weights too), beside the same MADE without a context (ctx=0). It also
// reports the process's CPU time per op (cpu-ns/op): run it with -cpu 1
// on a busy machine.
func BenchmarkConditionalMADEForwardBackward(b *testing.B) {
	for _, d := range []int{2, 10} {
		for _, k := range []int{0, 4} {
			b.Run(fmt.Sprintf("d=%d/ctx=%d", d, k), func(b *testing.B) {
				rng := newRNG(1)
				m := newMADE(d, []int{256, 256}, "relu", rng.Perm(d))
				m.setContext(k)
				m.init(rng)
				x := randn(rng, 1000, d)
				var c *tensor.Tensor
				if k > 0 {
					c = randn(rng, 1000, k)
				}
				tp := tensor.NewTape()
				cpu0, n := testutil.CPUTime(), 0
				for b.Loop() {
					tp.Reset()
					tp.Watch(m.params()...)
					mu, raw := m.forwardC(x, c)
					tp.Backward(tensor.Sum(tensor.Add(mu, raw)))
					n++
				}
				b.ReportMetric(float64(testutil.CPUTime()-cpu0)/float64(n), "cpu-ns/op")
			})
		}
	}
}
