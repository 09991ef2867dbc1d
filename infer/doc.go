// Package infer fits guides (trainable distributions such as flows) to
// targets by stochastic optimisation of a KL divergence.
//
// FitForward minimises the forward KL E_p[−log q(y)] to a Source: fresh
// draws of a distribution (DistSource) or minibatches of data rows
// (DataSource, maximum likelihood). FitReverse minimises the reverse KL
// E_q[log q(x) − log p(x)] to a log density, from reparameterised draws of
// q. FitConditional fits a conditional guide q(y | x) (a flow with a
// context, flows.Flow.ContextDim) to the pairs of rows of two matrices by
// maximum likelihood, with FitForward's minibatches and options. All run
// the same loop: per step a loss on a tensor.Tape, Backward, an
// optional gradient-norm clip, and an Optimizer step (Adam by default;
// AdamW, SGD and RMSProp, all with PyTorch's defaults).
//
// Defaults (Options): 1000 steps, batch 256, lr 0.01, Adam, a linear
// learning-rate warm-up over the first min(50, steps/10) steps, no clip,
// init "auto". With the seed problem of the project (a 2-D
// AffineAutoregressive flow with MADE [256, 256] fitted to
// Normal([5, 5], [0.5, 0.5]) by Adam at lr 0.05) the warm-up is what makes
// every seed converge; a gradient-norm clip of 10 does too, and is the
// advice a divergence error gives.
//
// Guides opt into more with small interfaces, all implemented by
// *flows.Flow: FitPreparer (the first fit fixes a flow's autoregressive
// direction: data side for forward KL, base side for reverse KL),
// MomentInitializer (init "auto" starts a fresh guide at the target's
// per-dimension moments: the first batch's for forward KL, the target's
// closed-form or sampled moments for reverse KL) and Initializer (a seed
// redraws a fresh guide's parameters, so the same seed gives bit-identical
// fits).
//
// FitPosterior fits a guide to a Posterior (an unnormalised density on the
// unconstrained space of a model's latents; dist.Transform maps
// constrained latents there) by reverse KL, the negative ELBO, dropping
// and counting draws whose log density is not finite (Stan's rule). Before
// SGD, init "auto" searches for a Gaussian approximation (laplace.go):
// L-BFGS (gonum/optimize) on −log p from a few starts, the Hessian by
// finite differences of the tape gradient, and the best of the Laplace
// approximation at the mode and Gaussians along the optimisation paths by
// estimated ELBO (Pathfinder's guard for posteriors without a mode, such as
// Neal's funnel), or the guide as built when none is better; a flow starts
// there through a trainable full-rank affine layer (GaussianInitializer).
// After the fit the report carries the ELBO and the PSIS diagnostic
// ParetoK (Vehtari et al. 2024), with a warning above 0.7.
//
// Memory: FitForward and FitReverse differentiate a batch whose tape
// would hold more than 32 MiB (measured once per fit from the tape's
// values per row) in chunks of rows within that budget, summing the
// gradients into one optimiser step (chunk.go); results equal the unsplit
// step's to rounding. A guide that reports CouplesRows (RowCoupler: a flow
// with BatchNorm) always sees whole batches; FitReverse splits only a
// NoisePusher's draws. At batch 10000 and hidden [256, 256] this keeps the
// tape within 32 MiB instead of about 117 MB.
//
// Stopping (stoprule.go): with Options.Tol > 0, every 50 steps from step
// 250 a least-squares line through the last max(250, n/4) step losses
// must show the loss to change by less than Tol nats over them (|slope|
// plus two AR(1)-inflated standard errors, times the window); then a tail
// of max(100, n/5) steps with the learning rate decayed to 0 ends the fit
// with Report.Converged true and Stopped "converged". FitPosterior has the
// rule on by default (Tol 0.05 nats, Steps a cap of 10,000, a warning at
// the cap); FitForward and FitReverse run exactly Steps steps unless Tol
// is given. Report.Reason says why a fit stopped in a sentence.
//
// A fit whose loss, gradient or parameters become non-finite stops with a
// *DivergedError and the parameters of its last finite step:
//
//	fit diverged at step 37: loss is NaN (last finite loss 2.31 at step 36); try a smaller lr (now 0.05) or a gradient clip such as clip = 10
//
// Cancelling Options.Context stops a fit between steps and keeps its
// parameters (Report.Stopped is "cancelled").
//
// NUTS (nuts.go, adapt.go) samples a Posterior with the No-U-Turn sampler
// as Stan runs it: multinomial trajectories, the generalised no-U-turn
// criterion with Stan's checks between sub-trees, maximum tree depth 10,
// divergences at an energy error above 1000, dual-averaging step-size
// adaptation (δ 0.8) and a diagonal ("diag", default) or dense metric
// estimated in Stan's warm-up windows (75 / 25, 50, 100, ... / 50
// iterations). Chain c draws from PCG(Seed, c); a Posterior that is a
// Forker gets one fork a chain and the chains run in parallel, any other
// has the running chains' points evaluated as the rows of one batch per
// round (nutsbatch.go), which costs little more than one point in the
// interpreter; a BatchForker (interp's posterior) is batched on a fork of
// its own, or on NUTSOptions.Parallel forks when that is set. A Posterior
// that is Traceable (nutstrace.go) has its log density recorded once on a
// trace (tensor.Record) and the trace replayed at the following points,
// bit for bit what LogDensity gives, LogDensity running only where a
// replay refuses or a recording cannot be replayed (then it retries a few
// times, with backoff); a traced BatchForker runs its chains on forks of
// their own, since a replay costs about as much per row alone as in a
// batch (NUTSOptions.NoTrace and FLOWPPL_NOTRACE=1 turn tracing off). The
// output is CmdStan's: per chain the draws, lp__ and
// accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__,
// energy__. NeuTraNUTS (neutra.go) runs NUTS in a fitted flow guide's base
// space on the pullback log p(T(ε)) + log|det ∂T/∂ε| and maps the draws
// back through T: exact draws, with the flow absorbing the geometry
// (Neal's funnel, hierarchical scales) that makes plain NUTS diverge.
package infer
