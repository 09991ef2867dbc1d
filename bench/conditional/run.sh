#!/bin/sh
# Conditional density estimation (issue 16's done-when): runs
# examples/conditional_density.flow with each conditional bijector and
# prints the held-out mean log-likelihood of the flow and of the true
# conditional, and the CPU time of the run (wall time is unreliable on a
# shared machine). Usage (from the repository root):
#   go build -o /tmp/flowppl ./cmd/flowppl && sh bench/conditional/run.sh /tmp/flowppl [seed...]
set -e
bin=${1:-flowppl}
shift || true
seeds=${*:-1}
for seed in $seeds; do
	for q in "flow Coupling(layers = 2, hidden = [64, 64])" \
		"flow AffineAutoregressive(layers = 2, hidden = [64, 64])" \
		"flow SplineAutoregressive(layers = 2, hidden = [64, 64])"; do
		out=$(/usr/bin/time -f "cpu %U s user + %S s sys, %e s wall, %M KB max RSS" "$bin" run examples/conditional_density.flow --seed "$seed" --set "q=$q" 2>&1)
		echo "seed $seed  $q"
		echo "$out" | grep -E "held-out|difference|at x|cpu"
	done
done
