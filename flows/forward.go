package flows

import "github.com/flowppl/flowppl/tensor"

// Forward maps base points x0 ([n, d]) through the layers: the draws
// x = T(x0) and log|det ∂T/∂x0| for each row ([n]), differentiable in x0
// and in the parameters. NeuTra samples in the base space through it:
// the density of x0 that the pullback of a target p has there is
// p(T(x0))·|det ∂T/∂x0|.
func (f *Flow) Forward(x0 *tensor.Tensor) (x, logDet *tensor.Tensor) {
	x = x0
	for _, l := range f.Layers {
		var ld *tensor.Tensor
		x, ld = l.Forward(x)
		if logDet == nil {
			logDet = ld
		} else {
			logDet = tensor.Add(logDet, ld)
		}
	}
	if logDet == nil {
		logDet = tensor.Zeros(x0.Dim(0))
	}
	return x, logDet
}
