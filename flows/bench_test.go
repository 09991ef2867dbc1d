package flows

import (
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

var madeConfigs = []struct {
	hidden []int
	batch  int
}{{[]int{256, 256}, 1000}, {[]int{32, 32}, 256}}

func benchMADE(b *testing.B, backward bool) {
	for _, c := range madeConfigs {
		for _, d := range []int{2, 10, 50} {
			b.Run(fmt.Sprintf("h=%v/n=%d/d=%d", c.hidden, c.batch, d), func(b *testing.B) {
				rng := newRNG(1)
				m := newMADE(d, c.hidden, "relu", rng.Perm(d))
				m.init(rng)
				x := randn(rng, c.batch, d)
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
			})
		}
	}
}

// BenchmarkMADEForward is one untracked conditioner pass.
func BenchmarkMADEForward(b *testing.B) { benchMADE(b, false) }

// BenchmarkMADEForwardBackward is one tracked pass and its backward pass.
func BenchmarkMADEForwardBackward(b *testing.B) { benchMADE(b, true) }
