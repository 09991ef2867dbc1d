package interp

import (
	"github.com/flowppl/flowppl/dist"
)

// transform maps a latent's unconstrained coordinates z ([B, k]) to its
// constrained value x ([B, d]) with the log-Jacobian ([B]), as Stan does.
type transform = dist.Transform

// transformFor returns the transform of a latent with prior d and
// support s: the bounds of a Uniform are its parameter tensors, which may
// be [B, 1] batches computed from other latents (beta ~ Uniform(0, 1 -
// alpha)), and so are those of a Truncated (its bounds intersected with its
// base's support; one may be infinite); other supports use
// dist.TransformFor.
func transformFor(d dist.Distribution, s dist.Support) (transform, bool) {
	if s.Kind == dist.Interval {
		switch u := d.(type) {
		case *dist.Uniform:
			return dist.IntervalTransform(u.Low, u.High), true
		case dist.Uniform:
			return dist.IntervalTransform(u.Low, u.High), true
		case *dist.Truncated:
			return dist.IntervalTransform(u.Bounds()), true
		case dist.Truncated:
			return dist.IntervalTransform(u.Bounds()), true
		}
	}
	t, err := dist.TransformFor(s)
	return t, err == nil
}
