package tensor

import "math/rand/v2"

// RandN returns an untracked tensor of independent standard normal draws.
func RandN(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.NormFloat64()
	}
	return t
}

// RandU returns an untracked tensor of independent uniform draws on [0, 1).
func RandU(rng *rand.Rand, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = rng.Float64()
	}
	return t
}
