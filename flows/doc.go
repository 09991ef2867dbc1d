// Package flows implements normalizing flows: bijectors (invertible maps
// with tractable log-determinants) and Flow, the distribution of a base
// distribution's draws pushed through a chain of them. Flows are the
// variational guides of flowppl.
//
// Bijectors act on batches: [n, d] tensors, one point per row. All the
// language's are implemented: AffineAutoregressive (FlowTorch's, with a
// MADE conditioner), SplineAutoregressive and Spline (rational-quadratic
// splines, Durkan et al. 2019), Coupling (RealNVP affine coupling), Affine
// (learnable elementwise loc and scale), AffineFixed, Permute, the fixed
// elementwise maps Exp, Softplus, Sigmoid, Tanh, Softsign, ELU, LeakyReLU
// and Power (Elementwise, each kind one registration of its f, f⁻¹ and
// log f′), Planar and Radial (Rezende & Mohamed 2015) and BatchNorm.
// Each is registered once (bijectors.go: name, doc, options, build, save,
// size, load), and everything that knows bijectors by name reads that:
// Names and Doc list them, FlowOptions declares their options (name,
// range, default, doc), Apply builds any of them by name for the
// interpreter, and Save and Load write and read them:
//
//	f, err := flows.Apply("AffineAutoregressive", base, map[string]flows.OptionValue{
//		"hidden": []float64{32, 32},
//	}, rng)
//
// Adding a bijector is its type (the Bijector methods) and one entry of
// bijectors; a fixed elementwise one is the entry alone (elementwise(name,
// doc, its f, f⁻¹, log f′, range and support), as Softsign was added). The
// tests that range over Names (inverse, log-determinant and gradient
// checks, save and load, the fuzz seeds) then cover it, and `go generate
// ./docs` adds it to the reference's table.
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
// SplineAutoregressive follows the same rule. The other way stays exact
// but costs d conditioner passes per layer: a flow fitted by forward KL
// samples d times slower than it scores, one fitted by reverse KL scores
// given points d times slower than it samples. Coupling layers read the
// untouched half, which is the same on both sides, so both ways are one
// pass and they have no direction; Planar, Radial and the elementwise
// maps have closed-form or one-dimensional inverses.
//
// # Domains
//
// Each bijector declares the support of its output, and some the input
// they need: Exp and Softplus map onto the positive reals, Sigmoid onto
// (0, 1), Tanh onto (−1, 1), ELU onto (−1, ∞), and Power needs a positive
// input. Building a flow checks the chain, so `flow Power(Normal(0, 1))`
// is an error that says to put Exp or Softplus before Power.
//
// # Training mode
//
// BatchNorm uses batch statistics while its parameters are watched by an
// active tape (during a fit's step) and its running statistics otherwise;
// see BatchNorm.
//
// # Saving
//
// Save and Load write and read a flow as versioned JSON (FileVersion):
// structure, options, orders and permutations, parameters, the base
// family and its parameters, and Flow.Meta for the language's posterior
// guide metadata. A loaded flow samples and scores bit for bit as the
// saved one. Load trusts nothing in the file: keys must be spelled exactly
// and given once, a layer's declared configuration must need exactly the
// parameter values the file holds before anything is allocated (a
// declared shape of 2^72 values is an error, not an allocation), and
// parameters that give NaN or infinite draws are rejected.
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
// # Conditional flows
//
// AffineAutoregressive, SplineAutoregressive and Coupling built with
// Options.Context = k read a context vector x in R^k as well (see
// Conditional): the flow is q(y | x), with ContextDim k. Evaluate it with
// LogProbGiven (rows of y at rows of x) and SampleGiven (one draw per
// context), or fix a context with Given, which returns an ordinary Flow
// sharing the parameters. infer.FitConditional trains one on (y, x)
// pairs; on its first fit StandardizeContext makes it read contexts in
// standard units. Plan.WithContext gives a plan's conditional bijectors a
// context.
//
// # Plans
//
// A Plan is a flow written without a base (`flow AffineAutoregressive`):
// Plan.Instantiate builds it over the base a fit chooses.
package flows
