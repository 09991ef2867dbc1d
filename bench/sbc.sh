#!/usr/bin/env bash
# Simulation-based calibration of the ELBO guide on eight schools
# (non-centred): examples/sbc.flow at the size (200 data sets,
# fits of at most 1,500 steps as in examples/eight_schools.flow), with its
# rank histograms, ranks and p-values kept in OUT. Run from the repository
# root; further arguments are passed to flowppl run (--set hidden=...):
#   bench/sbc.sh [OUT] [K] [STEPS] [--set name=value]...
set -euo pipefail
out=${1:-$(mktemp -d /tmp/sbc.XXXXXX)}
k=${2:-200}
steps=${3:-1500}
shift $(($# < 3 ? $# : 3))
exec bench/run_example.sh "$out" sbc --set k="$k" --set steps="$steps" "$@"
