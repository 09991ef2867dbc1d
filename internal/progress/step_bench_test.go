package progress

import (
	"io"
	"math"
	"testing"
)

// BenchmarkSamplerStep is one NUTS iteration's Step on a bar that writes
// to io.Discard (rendering throttled to 100 ms, as on a terminal).
func BenchmarkSamplerStep(b *testing.B) {
	bar := NewBar(io.Discard)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		bar.Step(i%1000000, 1000000, math.NaN())
	}
}
