# Reads the CmdStan CSV files a flowppl script wrote with write_draws
# (rstan::read_stan_csv must not fail), summarises them with
# posterior::summarise_draws and compares with the table the script's
# summary(d) gave (written by bench/draws_script.sh as flowppl_summary.csv).
#   Rscript bench/draws/script.R DIR STEM
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; stem <- args[2]
suppressMessages({library(rstan); library(posterior)})
files <- sort(Sys.glob(file.path(dir, paste0(stem, "_*.csv"))))
fit <- read_stan_csv(files)
cat(sprintf("rstan %s read %d files: %d chains, %d parameters + lp__\n",
  packageVersion("rstan"), length(files), fit@sim$chains, length(fit@sim$fnames_oi) - 1))
r <- as.data.frame(summarise_draws(as_draws_array(fit), mean, sd,
  ~quantile2(.x, probs = c(0.05, 0.5, 0.95)), mcse_mean, ess_bulk, ess_tail, rhat))
f <- read.csv(file.path(dir, "flowppl_summary.csv"), stringsAsFactors = FALSE)
# flowppl names elements 0-based (z[0]); Stan 1-based (z[1]).
f$variable <- sapply(f$name, function(n) {
  m <- regmatches(n, regexec("^(.*)\\[([0-9, ]+)\\]$", n))[[1]]
  if (length(m) == 0) return(n)
  idx <- as.integer(strsplit(m[3], ",\\s*")[[1]]) + 1
  paste0(m[2], "[", paste(idx, collapse = ","), "]")
})
names(f)[names(f) == "mcse"] <- "mcse_mean"
m <- merge(r, f, by = "variable", suffixes = c(".R", ".flowppl"))
stats <- c("mean", "sd", "q5", "q50", "q95", "mcse_mean", "ess_bulk", "ess_tail", "rhat")
worst <- 0
for (i in seq_len(nrow(m))) {
  d <- sapply(stats, function(s) { a <- m[i, paste0(s, ".R")]; b <- m[i, paste0(s, ".flowppl")]
    if (a == b) 0 else abs(b - a) / max(abs(a), 1e-300) })
  worst <- max(worst, d)
  cat(sprintf("%-10s rhat %.6f / %.6f  ess_bulk %.1f / %.1f  ess_tail %.1f / %.1f  (R / flowppl)  largest rel. diff %.1e\n",
    m$variable[i], m$rhat.R[i], m$rhat.flowppl[i], m$ess_bulk.R[i], m$ess_bulk.flowppl[i],
    m$ess_tail.R[i], m$ess_tail.flowppl[i], max(d)))
}
cat(sprintf("%d quantities; largest relative difference over all 9 statistics: %.2e (target < 1e-2): %s\n",
  nrow(m), worst, if (nrow(m) == nrow(f) && worst < 0.01) "PASS" else "FAIL"))
