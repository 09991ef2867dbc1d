// Package flows implements normalizing flows: bijectors (invertible maps
// with tractable log-determinants) and Flow, the distribution of a base
// distribution's draws pushed through a chain of them. Flows are the
// variational guides of flowppl.
//
// Bijectors act on batches: [n, d] tensors, one point per row. The
// implemented ones are AffineAutoregressive (FlowTorch's, with a MADE
// conditioner), Affine (learnable elementwise loc and scale), AffineFixed,
// Permute and Exp; Names lists all of the language's, and Apply builds any
// of them by name for the interpreter:
//
//	f, err := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{
//		"hidden": []float64{32, 32},
//	}, rng)
//
// # Direction
//
// An autoregressive layer computes its shift and scale from one side of
// the map: BaseSide (IAF, FlowTorch's choice) makes sampling one network
// pass and the density of given points d passes; DataSide (MAF) is the
// reverse. Both directions support both operations. A flow is BaseSide
// until it is first fitted; the fit then fixes it for good (Flow.PrepareFit):
// DataSide for forward KL (maximum likelihood needs densities of given
// points), BaseSide for reverse KL (it needs densities of its own draws).
//
// # Data-dependent initialisation
//
// Flow.InitFromMoments (and InitFromData) appends a fixed standardising
// affine layer at the data end so that the flow starts with the target's
// per-dimension mean and standard deviation; infer's fits call it on a
// flow's first fit unless told init = "prior". Layers start at the
// identity (AffineAutoregressive's output heads start at zero weights), so
// a fresh flow over a standard normal base starts at the moment-matched
// diagonal Gaussian, and its layers learn in standardised units.
//
// # Plans
//
// A Plan is a flow written without a base (`flow AffineAutoregressive`):
// Plan.Instantiate builds it over the base a fit chooses.
package flows
