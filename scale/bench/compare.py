#!/usr/bin/env python3
"""Compare the results of flowppl-scale (RESULTS.csv) with those of the
same fits run one by one by `flowppl run` (SEQDIR/KEY.csv, write_csv of
result): for every key, the result columns of its rows must be equal as
text (numbers spelled by write_csv: equal text is equal bits)."""
import csv, sys, os

results, seqdir = sys.argv[1], sys.argv[2]
with open(results, newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
cols = header[2:-2]  # between key, seed and warnings, error
by_key = {}
for r in rows:
    by_key.setdefault(r[0], []).append(r)
bad = 0
for key, rs in by_key.items():
    with open(os.path.join(seqdir, key + ".csv"), newline="") as f:
        seq = list(csv.reader(f))
    sh, srows = seq[0], seq[1:]
    if rs[0][-1]:
        print(f"{key}: error row in the scale output: {rs[0][-1]}")
        bad += 1
        continue
    got = [[r[2 + cols.index(c)] for c in sh] for r in rs]
    if got != srows:
        print(f"{key}: differs\n  scale: {got}\n  run:   {srows}")
        bad += 1
print(f"{len(by_key)} elements compared, {bad} differ")
sys.exit(1 if bad else 0)
