# Reference Pareto-smoothed weights for infer/testdata/psis_logratios.csv,
# computed by the R package loo (psis with r_eff = 1: independent draws);
# written to infer/testdata/psis_loo.csv for TestParetoSmoothLoo.
#   go test ./infer -run TestWritePSISRatios -update-psis
#   Rscript bench/draws/psis_reference.R
suppressMessages(library(loo))
d <- read.csv("infer/testdata/psis_logratios.csv", stringsAsFactors = FALSE)
out <- list()
for (nm in unique(d$name)) {
  lr <- d$value[d$name == nm]
  ps <- suppressWarnings(psis(lr, r_eff = 1))
  lw <- as.vector(weights(ps, log = TRUE, normalize = TRUE))
  out[[nm]] <- data.frame(name = nm, i = c(0, seq_along(lw)),
    value = sprintf("%.17g", c(pareto_k_values(ps), lw)))
}
write.csv(do.call(rbind, out), "infer/testdata/psis_loo.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("loo %s: written\n", packageVersion("loo")))
