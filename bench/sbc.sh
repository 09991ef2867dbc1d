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
mkdir -p "$out"
root=$(pwd)
go build -o "$out/flowppl" ./cmd/flowppl
cd "$out"
echo "output in $out"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" \
	./flowppl run "$root/examples/sbc.flow" --quiet --set k="$k" --set steps="$steps" "$@" 2>&1 | tee sbc.txt
