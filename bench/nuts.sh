#!/usr/bin/env bash
# nuts.sh: issue 15's NUTS measurements, flowppl beside Stan and R's posterior package.
#
# Usage, from anywhere in the repository:
#   bench/nuts.sh [--out DIR] [--only LIST] [--seed K] [--no-stan] [--no-r] [--no-funnel]
#                 [--no-centered] [--stan-cache DIR] [--neutra LIST]
#
#   --out DIR         run files and table.md (default: a new /tmp/nuts.XXXXXX)
#   --only LIST       comma-separated substrings of the posteriordb folders to run (default all 8)
#   --seed K          seed of flowppl's chains and Stan's (default 1)
#   --no-stan         no Stan run (the speed table has flowppl's rows only)
#   --no-r            no comparison with R's posterior package
#   --no-funnel       no funnel runs (flowppl's and Stan's)
#   --no-centered     no centred eight schools runs
#   --stan-cache DIR  where Stan's compiled models are kept between runs (default
#                     /tmp/flowppl-nuts-stan; the first run compiles 3 models, ~1 min each)
#   --neutra LIST     also run NeuTra NUTS (from the default flow guide, fitted with the
#                     default options) on the posteriors whose names contain one of LIST
#
# What it does (long runs under nice -n 10; one run at a time):
#   1. Stan (bench/nuts/stan.R): rstan's NUTS, 4 chains x (1000 + 1000), one chain after
#      another, on eight schools (non-centred), kidiq (diag_e and dense_e) and the 10-D
#      funnel (bench/nuts/funnel.stan, diag_e): min bulk ESS (posterior::ess_bulk), the
#      chains' warm-up and sampling seconds (get_elapsed_time), into OUT/stan.csv.
#   2. flowppl (go run ./bench/nuts, built once): NUTS with Stan's defaults on the eight
#      posteriordb posteriors (diag; diamonds dense, whose diag run saturates the tree
#      depth; eight schools and kidiq also dense for the speed table), scored against
#      reference.json at the issue's bar (every |z| <= 0.1, every sd ratio in [0.9, 1.1]),
#      on the centred eight schools (plain NUTS, and NeuTra NUTS from the default flow guide
#      with 1000 and 5000 draws a chain, scored against the non-centred reference) and on
#      the funnel: plain NUTS and NeuTra NUTS from a fitted flow. The draws of every
#      run go to OUT/draws in CmdStan's layout with flowppl's summary beside them.
#   3. R (bench/draws/compare.R): every run's files read by rstan::read_stan_csv and
#      summarised by posterior::summarise_draws; the largest relative difference from
#      flowppl's summary (R-hat, ESS bulk and tail, mean, sd, quantiles, MCSE) per run.
#   Tables on stdout and in OUT/table.md: accuracy per posterior, the funnel, speed (bulk
#   ESS per CPU second, flowppl beside Stan), R's agreement.
#
# Needs go; for the Stan and R parts Rscript with r-cran-rstan, r-cran-posterior and
# r-cran-jsonlite (see the header of ../shared/bench/stan/run_stan.R). Times: flowppl's are
# the process's CPU seconds over the NUTS call, Stan's the chains' get_elapsed_time (Stan
# 2.21 measures them with clock(): CPU seconds too). On a shared machine compare these,
# not wall times; the script prints the load average before and after.
set -euo pipefail

# The whole script is one function, read before it runs.
main() {
	out=""
	only=""
	seed=1
	stan=1
	rcmp=1
	funnel=1
	centered=1
	neutra=""
	cache=/tmp/flowppl-nuts-stan

	usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
	die() { echo "nuts.sh: $*" >&2; exit 2; }

	while [ $# -gt 0 ]; do
		case "$1" in
		--out) [ $# -ge 2 ] || die "--out wants a directory"; out=$2; shift 2 ;;
		--only) [ $# -ge 2 ] || die "--only wants a list"; only=$2; shift 2 ;;
		--seed) [ $# -ge 2 ] || die "--seed wants a number"; seed=$2; shift 2 ;;
		--stan-cache) [ $# -ge 2 ] || die "--stan-cache wants a directory"; cache=$2; shift 2 ;;
		--neutra) [ $# -ge 2 ] || die "--neutra wants a list"; neutra=$2; shift 2 ;;
		--no-stan) stan=0; shift ;;
		--no-r) rcmp=0; shift ;;
		--no-funnel) funnel=0; shift ;;
		--no-centered) centered=0; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown argument '$1' (try --help)" ;;
		esac
	done
	[[ $seed =~ ^[0-9]+$ ]] || die "--seed wants a number, got '$seed'"

	root=$(cd "$(dirname "$0")/.." && pwd)
	cd "$root"
	[ -f go.mod ] && [ -d examples/posteriordb ] || die "$root is not the flowppl repository"
	command -v go >/dev/null || die "go is not on PATH"
	out=${out:-$(mktemp -d /tmp/nuts.XXXXXX)}
	mkdir -p "$out/bin" "$out/draws"
	out=$(cd "$out" && pwd)
	echo "nuts.sh: files in $out; tree $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes'); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

	have_r() {
		command -v Rscript >/dev/null || { echo "Rscript is not installed"; return 1; }
		Rscript -e 'suppressMessages({library(rstan); library(posterior); library(jsonlite)})' >/dev/null 2>&1 ||
			{ echo "R lacks rstan, posterior or jsonlite"; return 1; }
	}
	if { [ $stan = 1 ] || [ $rcmp = 1 ]; } && ! why=$(have_r); then
		echo "nuts.sh: no Stan or R comparison: $why" >&2
		stan=0
		rcmp=0
	fi

	go build -o "$out/bin/nuts" ./bench/nuts

	# 1. Stan.
	stan_flag=()
	if [ $stan = 1 ]; then
		p=examples/posteriordb
		es=$p/eight_schools-eight_schools_noncentered
		kq=$p/kidiq-kidscore_momiq
		runs=("eight_schools=$es/model.stan,$es/data.json,$es/reference.json"
			"kidiq=$kq/model.stan,$kq/data.json,$kq/reference.json"
			"kidiq=$kq/model.stan,$kq/data.json,$kq/reference.json@dense_e")
		[ $funnel = 1 ] && runs+=("funnel10=bench/nuts/funnel.stan")
		echo "nuts.sh: Stan ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
		if nice -n 10 Rscript bench/nuts/stan.R "$out/stan.csv" "$cache" "$seed" "${runs[@]}" >"$out/stan.log" 2>&1; then
			grep '^stan.R' "$out/stan.log" >&2 || true
			stan_flag=(-stan "$out/stan.csv")
		else
			echo "nuts.sh: Stan failed: see $out/stan.log" >&2
		fi
	fi

	# 2. flowppl.
	flags=(-seed "$seed" -metric diag -metric-for "diamonds=dense,eight_schools=diag+dense,kidiq=diag+dense" -out "$out/draws")
	[ -n "$only" ] && flags+=(-only "$only")
	[ -n "$neutra" ] && flags+=(-neutra "$neutra")
	[ $funnel = 1 ] && flags+=(-funnel)
	[ $centered = 1 ] && flags+=(-centered)
	echo "nuts.sh: flowppl ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
	nice -n 10 "$out/bin/nuts" "${flags[@]}" "${stan_flag[@]}" >"$out/table.md" 2>"$out/nuts.log" ||
		echo "nuts.sh: bench/nuts failed: see $out/nuts.log" >&2

	# 3. R's posterior on the same draws.
	if [ $rcmp = 1 ]; then
		{
			printf '\n### R (rstan::read_stan_csv, posterior::summarise_draws) on the same draws\n\n'
			echo "| run | files read by rstan | quantities compared (lp__ included) | largest relative difference (R-hat, ESS bulk/tail, mean, sd, q5/50/95, MCSE) | within 1 % |"
			echo "|---|---|---|---|---|"
			for f in "$out"/draws/*.summary.csv; do
				[ -f "$f" ] || continue
				run=$(basename "$f" .summary.csv)
				if Rscript bench/draws/compare.R "$out/draws" "$run" >"$out/draws/$run.R.txt" 2>&1; then
					read_line=$(grep '^rstan' "$out/draws/$run.R.txt" | sed 's/^rstan [^ ]* read //')
					n=$(grep -c '^| ' "$out/draws/$run.R.txt" || true)
					worst=$(sed -n 's/^largest relative difference over all quantities and statistics: \([^ ]*\) .*: \(.*\)$/\1 | \2/p' "$out/draws/$run.R.txt")
					echo "| $run | $read_line | $((n - 1)) | $worst |"
				else
					echo "| $run | ERROR: $(tail -n 2 "$out/draws/$run.R.txt" | tr '\n' ' ') | | | FAIL |"
				fi
			done
		} >>"$out/table.md"
	fi
	echo "nuts.sh: done ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
	cat "$out/table.md"
}

main "$@"
