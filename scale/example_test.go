package scale_test

import (
	"context"
	"fmt"

	"github.com/flowppl/flowppl/scale"
)

// Fit runs one element: the script with its bindings and seed; the rows
// are those of its result.
func ExampleFit() {
	cfg := scale.Config{Name: "s.flow", Source: "n = 3\nresult = record(n = n, twice = 2 * n)\n", Seed: 1}
	rows := scale.Fit(context.Background(), cfg, scale.Element{Key: "a", Sets: []scale.Binding{{Name: "n", Value: "21"}}})
	fmt.Print(string(scale.FormatCSV(rows)))
	// Output:
	// key,seed,n,twice,warnings,error
	// a,5952155467226901439,21,42,,
}

func ExampleSeedOf() {
	fmt.Println(scale.SeedOf(1, "a"), scale.SeedOf(1, "b"), scale.SeedOf(2, "a"))
	// Output:
	// 5952155467226901439 5952156566738529650 925925084089464658
}
