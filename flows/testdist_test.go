package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// normal is a minimal diagonal normal test double (until dist.NewNormal).
type normal struct{ loc, scale []float64 }

func stdNormal(d int) *normal {
	n := &normal{loc: make([]float64, d), scale: make([]float64, d)}
	for j := range n.scale {
		n.scale[j] = 1
	}
	return n
}

func (n *normal) Dim() int { return len(n.loc) }

func (n *normal) LogProb(x *tensor.Tensor) *tensor.Tensor {
	z := tensor.Div(tensor.Sub(x, tensor.Vector(n.loc)), tensor.Vector(n.scale))
	c := 0.0
	for _, s := range n.scale {
		c += -0.5*math.Log(2*math.Pi) - math.Log(s)
	}
	return tensor.AddScalar(tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5), c)
}

func (n *normal) Sample(rng *rand.Rand, m int) *tensor.Tensor {
	x := tensor.Zeros(m, n.Dim())
	for i := range x.Data() {
		j := i % n.Dim()
		x.Data()[i] = n.loc[j] + n.scale[j]*rng.NormFloat64()
	}
	return x
}

func (n *normal) RSample(rng *rand.Rand, m int) *tensor.Tensor { return n.Sample(rng, m) }

func (n *normal) Support() dist.Support { return dist.Support{Kind: dist.Real} }

func (n *normal) String() string {
	return fmt.Sprintf("Normal(loc=%s, scale=%s)", fmtValue(n.loc), fmtValue(n.scale))
}

func (n *normal) Mean() ([]float64, bool)   { return n.loc, true }
func (n *normal) StdDev() ([]float64, bool) { return n.scale, true }
