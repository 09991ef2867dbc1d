#!/usr/bin/env bash
# Side-by-side benchmark of FlowTorch's "Your First Flow" (2-D, MADE (256, 256),
# batch 1000, 500 steps) in FlowTorch/PyTorch and in flowppl, in one run on one
# machine, so that the figures can be read as ratios.
#
# Needs: Debian's python3-torch and OpenBLAS (apt-get install -y python3-torch
# libopenblas0-pthread: without OpenBLAS, torch falls back to the reference BLAS and
# is about 8 times slower) and FlowTorch's
# source at commit add31a09bcfaad3f0272a9ca8cb4557df149a42c in $FLOWTORCH_DIR
# (nothing of FlowTorch is committed here). The driver is the shared one:
# ../shared/bench/flowtorch_train.py, or $FLOWTORCH_DRIVER.
#
#   FLOWTORCH_DIR=/tmp/flowtorch bash bench/first_flow.sh [SEEDS...]
#
# Never run two measurements at once on a 2-core machine: this script runs
# everything sequentially. Reported: wall seconds of the training loop, final
# loss, peak RSS, and process start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("${@:-1}")
driver=${FLOWTORCH_DRIVER:-../shared/bench/flowtorch_train.py}
bin=$(mktemp -d)/flowppl
go build -o "$bin" ./cmd/flowppl
trap 'rm -rf "$(dirname "$bin")"' EXIT

measure() { # label, command...: prints wall seconds and peak RSS (MB)
  local label=$1; shift
  local out
  out=$( { /usr/bin/time -f 'TIME %e %M' "$@" >/tmp/bench.out 2>/tmp/bench.err; } 2>&1 || true)
  local t rss
  t=$(grep -o 'TIME [0-9.]* [0-9]*' /tmp/bench.err | awk '{print $2}')
  rss=$(grep -o 'TIME [0-9.]* [0-9]*' /tmp/bench.err | awk '{printf "%.0f", $3/1024}')
  printf '%-44s wall %6ss  peak RSS %5s MB\n' "$label" "$t" "$rss"
}

echo "== start-up"
measure "flowppl version" "$bin" version
if [ -n "${FLOWTORCH_DIR:-}" ]; then
  measure "python3 -c 'import torch, flowtorch'" env PYTHONPATH="$FLOWTORCH_DIR" /usr/bin/python3 -c 'import torch, flowtorch'
fi

for s in "${seeds[@]}"; do
  echo "== seed $s"
  measure "flowppl first_flow.flow (lr 0.05)" "$bin" run --seed "$s" examples/first_flow.flow
  grep -h '^loss' /tmp/bench.out || tail -3 /tmp/bench.err
  if [ -n "${FLOWTORCH_DIR:-}" ]; then
    for cfg in "0.05 float32" "0.005 float32" "0.005 float64"; do
      set -- $cfg
      measure "FlowTorch lr $1 $2" env PYTHONPATH="$FLOWTORCH_DIR" /usr/bin/python3 "$driver" --seed "$s" --lr "$1" --dtype "$2" --steps 500
      grep -o '"diverged_at": [^,]*\|"loop_s": [^,]*\|"final_loss": [^,]*' /tmp/bench.out | tr '\n' ' '; echo
    done
  fi
done
