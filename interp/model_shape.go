package interp

import "github.com/flowppl/flowppl/stdlib"

var _ stdlib.EventShaper = (*Guide)(nil)

// EventShape returns the shape of one draw of the latent or derived
// quantity name ([] for a number, [d] for a vector, [r, c] for a matrix
// such as L ~ LKJCholesky(3, 2)), or nil for an unknown name. Samples hold
// a matrix flattened by rows; summary names its elements L[i, j].
func (g *Guide) EventShape(name string) []int {
	for _, l := range g.Post.lay.latents {
		if l.name == name {
			return l.event
		}
	}
	for _, d := range g.Post.lay.derived {
		if d.name == name {
			return d.event
		}
	}
	return nil
}
