#!/usr/bin/env bash
# The done-when speed test of issue 17: an N-element sweep (eight schools,
# N seeds; N=200 by default) run by `flowppl-scale run` on the in-process
# Prism runner, then the same fits one after another by `flowppl run`, each
# with its element's seed and bindings. Prints both wall times and their
# ratio, and checks that the outputs are identical (scale/bench/compare.py).
#
#   bench/scale.sh [N]        run from the repository root; needs python3
#
# Set GOMAXPROCS to limit the cores. Wall times on a shared machine are
# inflated by the other load: run it on a quiet one.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/flowppl" ./cmd/flowppl
(cd scale && go build -o "$work/flowppl-scale" ./cmd/flowppl-scale)

script=scale/bench/eight_schools.flow
{
  echo "key,steps"
  for i in $(seq 1 "$N"); do printf 's%03d,1500\n' "$i"; done
} > "$work/settings.csv"

echo "== flowppl-scale run: $N elements on prism, GOMAXPROCS=${GOMAXPROCS:-all cores}"
t0=$(date +%s.%N)
"$work/flowppl-scale" run "$script" --over "$work/settings.csv" --out "$work/results.csv" --seed 1 2> "$work/scale.log"
t1=$(date +%s.%N)
tail -1 "$work/scale.log"

# The same fits one by one: the script, then write_csv of its result (a
# statement after the script changes nothing before it), each element with
# the seed flowppl-scale recorded and the element's bindings.
cp "$script" "$work/seq.flow"
printf '\nout_path = "out.csv"\nwrite_csv(out_path, result)\n' >> "$work/seq.flow"
mkdir -p "$work/seq"
echo "== flowppl run: the same $N fits one after another"
t2=$(date +%s.%N)
python3 - "$work/results.csv" <<'PY' > "$work/seeds"
import csv, sys
seen = set()
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["key"] not in seen:
        seen.add(r["key"])
        print(r["key"], r["seed"])
PY
while read -r key seed; do
  "$work/flowppl" run --quiet --seed "$seed" --set steps=1500 --set "out_path=\"$work/seq/$key.csv\"" "$work/seq.flow" > /dev/null
done < "$work/seeds"
t3=$(date +%s.%N)

python3 scale/bench/compare.py "$work/results.csv" "$work/seq"
python3 - "$t0" "$t1" "$t2" "$t3" "$N" <<'PY'
import sys
t0, t1, t2, t3, n = map(float, sys.argv[1:])
scale, seq = t1 - t0, t3 - t2
print(f"N={int(n)}  flowppl-scale {scale:.1f}s  flowppl run x N {seq:.1f}s  ratio {scale/seq:.2f} (done when <= 0.6)")
PY
