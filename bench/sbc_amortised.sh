#!/usr/bin/env bash
# Simulation-based calibration of the amortised posterior on eight schools
# (non-centred): examples/sbc_amortised.flow at the size (1,000
# data sets), trained once by simulation on SIMS pairs for at most STEPS
# steps (the stopping rule ends it when converged), with its rank
# histograms, ranks and p-values kept in OUT. The CPU time of the whole run
# (training, then 1,000 conditionings and draws) is printed by time; the
# script prints the training's steps. Run from the repository root;
# further arguments are passed to flowppl run (--set hidden=...):
#   bench/sbc_amortised.sh [OUT] [K] [SIMS] [STEPS] [--set name=value]...
set -euo pipefail
out=${1:-$(mktemp -d /tmp/sbc_amortised.XXXXXX)}
k=${2:-1000}
sims=${3:-200000}
steps=${4:-30000}
shift $(($# < 4 ? $# : 4))
exec bench/run_example.sh "$out" sbc_amortised --set k="$k" --set sims="$sims" --set steps="$steps" "$@"
