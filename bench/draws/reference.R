# Reference diagnostics for draws/testdata/reference_draws.csv, computed by
# the R package posterior; written to draws/testdata/reference_posterior.csv,
# which TestPosteriorReference compares with flowppl's (no R needed there).
#
#   go test ./draws -run TestWriteReferenceDraws -update-data   # the draws
#   Rscript bench/draws/reference.R                           # posterior's figures
suppressMessages(library(posterior))
d <- read.csv("draws/testdata/reference_draws.csv", stringsAsFactors = FALSE)
out <- list()
for (nm in unique(d$name)) {
  s <- d[d$name == nm, ]
  x <- matrix(s$value[order(s$chain, s$iter)], ncol = max(s$chain)) # iterations × chains
  sq <- (x - mean(x))^2
  f <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NA_real_)
  stats <- c(
    rhat = f(rhat(x)), rhat_basic = f(rhat_basic(x)),
    ess_bulk = f(ess_bulk(x)), ess_tail = f(ess_tail(x)),
    ess_mean = f(ess_mean(x)), ess_sd = f(posterior:::.ess(posterior:::.split_chains(sq))),
    ess_q50 = f(ess_median(x)), ess_q05 = f(ess_quantile(x, 0.05, names = FALSE)),
    mcse_mean = f(mcse_mean(x)), mcse_sd = f(mcse_sd(x)),
    mcse_q05 = f(mcse_quantile(x, 0.05, names = FALSE)), mcse_q95 = f(mcse_quantile(x, 0.95, names = FALSE)),
    q05 = unname(quantile2(x, 0.05)), q50 = unname(quantile2(x, 0.5)), q95 = unname(quantile2(x, 0.95)))
  out[[nm]] <- data.frame(name = nm, stat = names(stats), value = sprintf("%.17g", stats))
}
res <- do.call(rbind, out)
write.csv(res, "draws/testdata/reference_posterior.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("posterior %s: %d figures written\n", packageVersion("posterior"), nrow(res)))
