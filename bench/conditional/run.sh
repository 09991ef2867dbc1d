#!/bin/sh
# Conditional density estimation (issue 16's done-when): runs
# examples/conditional_density.flow with each conditional bijector and
# prints the held-out mean log-likelihood of the flow and of the true
# conditional. Usage (from the repository root):
#   go build -o /tmp/flowppl ./cmd/flowppl && sh bench/conditional/run.sh /tmp/flowppl [seed...]
set -e
bin=${1:-flowppl}
shift || true
seeds=${*:-1}
for seed in $seeds; do
	for q in "flow Coupling(layers = 2, hidden = [64, 64])" \
		"flow AffineAutoregressive(layers = 2, hidden = [64, 64])" \
		"flow SplineAutoregressive(layers = 2, hidden = [64, 64])"; do
		start=$(date +%s.%N)
		out=$("$bin" run examples/conditional_density.flow --seed "$seed" --set "q=$q")
		end=$(date +%s.%N)
		echo "seed $seed  $q  ($(echo "$end - $start" | bc) s wall)"
		echo "$out" | grep -E "held-out|difference|at x"
	done
done
