package interp

import "sort"

// ModelBuiltinNames returns the sorted names that exist only inside a
// model body (factor and the latent priors), for the coverage test of the
// batch-invariance property.
func ModelBuiltinNames() []string {
	var names []string
	for name := range (&Posterior{}).builtins() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
