# Reads the CmdStan CSV files go run ./bench/draws wrote with
# rstan::read_stan_csv, summarises them with posterior::summarise_draws,
# and compares with flowppl's summary of the same draws.
#   Rscript bench/draws/compare.R DIR [RUN]
# RUN names the files: DIR/RUN_1.csv ... and flowppl's summary DIR/RUN.summary.csv
# (go run ./bench/nuts -out DIR writes them); without RUN, go run ./bench/draws's
# DIR/ar1_*.csv and DIR/flowppl_summary.csv.
# Needs Debian's r-cran-rstan and r-cran-posterior.
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "/tmp/flowppl-draws"
suppressMessages({library(rstan); library(posterior)})
run <- if (length(args) > 1) args[2] else "ar1"
# RUN_1.csv, RUN_2.csv, ... only (not RUN_5000_1.csv of another run; run names are [A-Za-z0-9_.-])
files <- list.files(dir, pattern = paste0("^", gsub(".", "\\.", run, fixed = TRUE), "_[0-9]+\\.csv$"), full.names = TRUE)
files <- files[order(as.integer(sub(".*_([0-9]+)\\.csv$", "\\1", files)))]
summary_file <- if (length(args) > 1) file.path(dir, paste0(run, ".summary.csv")) else file.path(dir, "flowppl_summary.csv")
fit <- read_stan_csv(files) # must not fail
cat(sprintf("rstan %s read %d files: %d chains × %d draws, %d parameters + lp__\n",
  packageVersion("rstan"), length(files), fit@sim$chains, fit@sim$n_save[1] - fit@sim$warmup2[1],
  length(fit@sim$fnames_oi) - 1))
sp <- get_sampler_params(fit, inc_warmup = FALSE)
cat(sprintf("divergent (rstan): %d, treedepth >= 10: %d\n",
  sum(sapply(sp, function(x) sum(x[, "divergent__"]))), sum(sapply(sp, function(x) sum(x[, "treedepth__"] >= 10)))))
r <- as.data.frame(summarise_draws(as_draws_array(fit), mean, sd,
  ~quantile2(.x, probs = c(0.05, 0.5, 0.95)), mcse_mean, ess_bulk, ess_tail, rhat))
f <- read.csv(summary_file, stringsAsFactors = FALSE)
m <- merge(r, f, by = "variable", suffixes = c(".R", ".flowppl"))
stats <- c("mean", "sd", "q5", "q50", "q95", "mcse_mean", "ess_bulk", "ess_tail", "rhat")
cat(sprintf("%s: posterior %s vs flowppl, %d quantities; relative difference |flowppl/R - 1|:\n\n",
  run, packageVersion("posterior"), nrow(m)))
cat("| variable | R-hat R | R-hat flowppl | ESS bulk R | ESS bulk flowppl | ESS tail R | ESS tail flowppl | largest rel. diff (all 9 stats) |\n|---|---|---|---|---|---|---|---|\n")
worst <- 0
for (i in seq_len(nrow(m))) {
  d <- sapply(stats, function(s) { a <- m[i, paste0(s, ".R")]; b <- m[i, paste0(s, ".flowppl")]
    if (a == b) 0 else abs(b - a) / max(abs(a), 1e-300) })
  worst <- max(worst, d)
  cat(sprintf("| %s | %.6f | %.6f | %.2f | %.2f | %.2f | %.2f | %.1e |\n", m$variable[i], m$rhat.R[i], m$rhat.flowppl[i],
    m$ess_bulk.R[i], m$ess_bulk.flowppl[i], m$ess_tail.R[i], m$ess_tail.flowppl[i], max(d)))
}
cat(sprintf("\nlargest relative difference over all quantities and statistics: %.2e (target < 1e-2): %s\n",
  worst, if (worst < 0.01) "PASS" else "FAIL"))
