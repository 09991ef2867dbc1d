#!/bin/sh
# A flowppl script's draws read by R: runs examples/neutra_funnel.flow
# (NeuTra NUTS, write_draws) in a temporary directory, writes its
# summary(d) table as CSV, reads funnel_draws_1.csv ... _4.csv back with
# rstan::read_stan_csv and compares posterior::summarise_draws with
# flowppl's table (issue 15). Needs Rscript with r-cran-rstan and
# r-cran-posterior. Run from the repository root:
#   bench/draws_script.sh [DIR]
set -e
dir=${1:-/tmp/flowppl-draws-script}
mkdir -p "$dir"
go build -o "$dir/flowppl" ./cmd/flowppl
sed 's/^s = summary(d)$/s = summary(d)\nwrite_csv("flowppl_summary.csv", s)/' examples/neutra_funnel.flow > "$dir/funnel.flow"
(cd "$dir" && ./flowppl run funnel.flow >/dev/null 2>&1)
Rscript bench/draws/script.R "$dir" funnel_draws
