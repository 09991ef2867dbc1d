#!/usr/bin/env Rscript
# Stan's NUTS on the speed posteriors of bench/nuts.sh (issue 15), one chain at a time.
#
# Usage: stan.R OUT.csv CACHE SEED NAME=MODEL.stan[,DATA.json[,REFERENCE.json]][@METRIC] ...
#   For each run: compile MODEL.stan (cached in CACHE as NAME.rds by rstan's auto_write;
#   the pre-2.26 array syntax is rewritten as ../shared/bench/stan/run_stan.R does), then
#   sampling() with Stan's defaults: 4 chains x (1000 warm-up + 1000 draws), adapt delta 0.8,
#   max tree depth 10, metric diag_e (or METRIC: dense_e), seed SEED, cores = 1 (chains one
#   after another, so each chain's time is not shared with another chain of the run).
#   Writes one CSV row per run to OUT.csv:
#     name, metric, min_ess_bulk (posterior::ess_bulk, smallest over the parameters of
#     REFERENCE.json when given, else over all but lp__), min_param, rhat_max
#     (posterior::rhat), warmup_s and sampling_s (get_elapsed_time summed over the 4
#     chains: Stan 2.21 times them with clock(), the process's CPU time), gradients (all
#     leapfrog steps, warm-up included), leapfrogs_per_iter (sampling), divergent,
#     max_depth_hits, stepsize_min, stepsize_max, mean_v and sd_v (when there is a v).
suppressMessages({library(rstan); library(posterior); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: stan.R OUT.csv CACHE SEED NAME=MODEL.stan[,DATA.json[,REFERENCE.json]][@METRIC] ...")
out <- args[1]; cache <- args[2]; seed <- as.integer(args[3])
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
rstan_options(auto_write = TRUE)
old_syntax <- function(code) {
  gsub("array\\[([^]]+)\\]\\s+(real|int|vector\\[[^]]+\\]|simplex\\[[^]]+\\])(<[^>]*>)?\\s+(\\w+)",
       "\\2\\3 \\4[\\1]", code, perl = TRUE)
}
rows <- list()
for (spec in args[-(1:3)]) {
  metric <- "diag_e"
  if (grepl("@", spec)) { metric <- sub(".*@", "", spec); spec <- sub("@.*", "", spec) }
  name <- sub("=.*", "", spec)
  files <- strsplit(sub("^[^=]*=", "", spec), ",")[[1]]
  code <- old_syntax(paste(readLines(files[1]), collapse = "\n"))
  stan_file <- file.path(cache, paste0(name, ".stan"))
  if (!file.exists(stan_file) || paste(readLines(stan_file), collapse = "\n") != code) writeLines(code, stan_file)
  t0 <- Sys.time()
  sm <- stan_model(file = stan_file, model_name = name)
  cat(sprintf("stan.R: %s compiled or loaded in %.1f s\n", name, as.numeric(Sys.time() - t0, units = "secs")), file = stderr())
  data <- if (length(files) > 1 && nzchar(files[2])) fromJSON(files[2], simplifyVector = TRUE) else list()
  t0 <- Sys.time()
  fit <- sampling(sm, data = data, chains = 4, cores = 1, iter = 2000, warmup = 1000, seed = seed,
                  refresh = 0, control = list(metric = metric))
  wall <- as.numeric(Sys.time() - t0, units = "secs")
  d <- as_draws_array(fit)
  vars <- setdiff(variables(d), "lp__")
  if (length(files) > 2) vars <- intersect(vars, names(fromJSON(files[3])$params))
  ess <- sapply(vars, function(v) ess_bulk(extract_variable_matrix(d, v)))
  rh <- sapply(vars, function(v) rhat(extract_variable_matrix(d, v)))
  el <- get_elapsed_time(fit)
  spw <- get_sampler_params(fit, inc_warmup = TRUE)
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  steps <- sapply(sp, function(x) x[1, "stepsize__"])
  mv <- NA; sv <- NA
  if ("v" %in% variables(d)) { v <- as.vector(extract_variable_matrix(d, "v")); mv <- mean(v); sv <- sd(v) }
  rows[[length(rows) + 1]] <- data.frame(
    name = name, metric = metric, min_ess_bulk = min(ess), min_param = names(ess)[which.min(ess)],
    rhat_max = max(rh), warmup_s = sum(el[, "warmup"]), sampling_s = sum(el[, "sample"]),
    gradients = sum(sapply(spw, function(x) sum(x[, "n_leapfrog__"]))),
    leapfrogs_per_iter = mean(sapply(sp, function(x) mean(x[, "n_leapfrog__"]))),
    divergent = sum(sapply(sp, function(x) sum(x[, "divergent__"]))),
    max_depth_hits = sum(sapply(sp, function(x) sum(x[, "treedepth__"] >= 10))),
    stepsize_min = min(steps), stepsize_max = max(steps), mean_v = mv, sd_v = sv, wall_s = wall)
  cat(sprintf("stan.R: %s %s: min bulk ESS %.0f (%s), R-hat %.4f, %.2f + %.2f chain s (wall %.1f s), %d divergent\n",
              name, metric, min(ess), names(ess)[which.min(ess)], max(rh), sum(el[, "warmup"]), sum(el[, "sample"]), wall,
              rows[[length(rows)]]$divergent), file = stderr())
}
write.csv(do.call(rbind, rows), out, row.names = FALSE, quote = FALSE)
