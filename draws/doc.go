// Package draws holds the draws of a sampler or a guide (Set), the
// convergence diagnostics of the R package posterior, the summary table
// of stansummary, and CmdStan's CSV layout.
//
// Diagnostics (diag.go) take one quantity's draws as x[chain][iteration]
// and follow posterior 1.4.0 (Vehtari, Gelman, Simpson, Carpenter and
// Bürkner 2021) step for step: Rhat is the rank-normalised split R-hat,
// the larger of the bulk and the folded (tail) one; ESSBulk is the ESS
// of the rank-normalised split chains, ESSTail the smaller of the ESS of
// the 5 % and 95 % quantiles; the ESS is Geyer's initial monotone
// sequence on the chains' mean autocovariance, computed by FFT (gonum's
// dsp/fourier) of each chain zero-padded to 2·nextn(n); MCSEMean,
// MCSESd and MCSEQuantile are the Monte Carlo standard errors of the
// mean, the sd and a quantile; Quantile is R's type-7 quantile. Where
// posterior returns NA (a non-finite draw, all draws equal) they return
// NaN. On the same draws they agree with posterior to 1e-12 (measured 2.6e-15)
// (TestPosteriorReference, against values posterior computed).
//
// Summarize turns a Set into a Summary: a Row per quantity (mean, MCSE,
// sd, 5 %, 50 %, 95 %, ESS bulk and tail, R-hat), for NUTS the count of
// divergent transitions, of transitions at the maximum tree depth and
// each chain's E-BFMI, and warnings: R-hat above 1.01, ESS below 400,
// any divergence or saturation, E-BFMI below 0.3.
//
// WriteCmdStan writes one chain in CmdStan's CSV layout (comment header
// with the run's settings, lp__ and the sampler columns, parameters named
// "theta.1" and ordered column-major as CmdStan orders them, the
// adaptation block, the draws, the timing block); WriteCmdStanFiles
// writes one file per chain, "name_1.csv", "name_2.csv", … as CmdStan
// does, which is what rstan::read_stan_csv, posterior, ArviZ and
// bayesplot read. Guide and PSIS draws have the columns lp_approx__ and
// lp__ (as CmdStan's Pathfinder output) and the method in the header.
//
// The package imports only the standard library and gonum, so infer (the
// samplers, PSIS resampling) and stdlib (the builtins) can both use it.
package draws
