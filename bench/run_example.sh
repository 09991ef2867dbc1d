#!/usr/bin/env bash
# Builds flowppl into OUT and runs examples/NAME.flow there quietly under
# /usr/bin/time (wall and CPU seconds, peak RSS), passing the further
# arguments to flowppl run (--set name=value ...); the output is kept in
# OUT/NAME.txt. Run from the repository root; bench/sbc.sh and
# bench/sbc_amortised.sh call it with their sizes:
#   bench/run_example.sh OUT NAME [--set name=value]...
set -euo pipefail
out=$1
name=$2
shift 2
mkdir -p "$out"
root=$(pwd)
go build -o "$out/flowppl" ./cmd/flowppl
cd "$out"
echo "output in $out"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" \
	./flowppl run "$root/examples/$name.flow" --quiet "$@" 2>&1 | tee "$name.txt"
