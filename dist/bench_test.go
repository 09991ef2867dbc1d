package dist

import (
	"fmt"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

func BenchmarkNormalLogProb(b *testing.B) {
	for _, d := range []int{1, 10} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			n := must(NewNormal(tensor.Zeros(d), tensor.Full(1, d)))
			x := n.Sample(newRNG(), 1000)
			for b.Loop() {
				n.LogProb(x)
			}
		})
	}
}

func BenchmarkNormalRSample(b *testing.B) {
	n := must(NewNormal(tensor.Zeros(10), tensor.Full(1, 10)))
	rng := newRNG()
	for b.Loop() {
		n.RSample(rng, 1000)
	}
}
