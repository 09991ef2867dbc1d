#!/bin/sh
# flowppl's R-hat, ESS and summary against R's posterior package on the same
# draws, written by flowppl in CmdStan's CSV layout and read back with
# rstan::read_stan_csv (issue 15). Needs Rscript with r-cran-rstan and
# r-cran-posterior (Debian). Run from the repository root:
#   bench/draws.sh [DIR]
set -e
dir=${1:-/tmp/flowppl-draws}
go run ./bench/draws -out "$dir"
Rscript bench/draws/compare.R "$dir"
