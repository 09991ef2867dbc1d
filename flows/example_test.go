package flows

import (
	"fmt"
	"math/rand/v2"
)

func ExampleApply() {
	rng := rand.New(rand.NewPCG(1, 2))
	base := stdNormal(2)
	q, err := Apply("AffineAutoregressive", base, map[string]OptionValue{"hidden": []float64{32, 32}}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, _ = Apply("Exp", q, nil, rng)
	fmt.Println(q)
	fmt.Println(q.Support().Kind, len(q.Layers), len(q.Params()))

	_, err = Apply("AffineAutoregressive", base, map[string]OptionValue{"bins": 8.0}, rng)
	fmt.Println(err)
	// Output:
	// flow Exp ∘ AffineAutoregressive(hidden=[32, 32]) over Normal(0, I₂) — 1,284 params
	// positive 2 8
	// AffineAutoregressive has no option "bins" (options: hidden, layers, activation, permutation, clip_log_scale, precision, context)
}
