#!/usr/bin/env bash
# posterior.sh: flowppl beside Stan on every posteriordb folder (issue 13).
#
# Usage, from anywhere in the repository:
#   bench/posterior.sh [--seeds 1,2,3] [--only NAME] [--no-stan] [--stan-dir DIR]
#                      [--no-flowppl] [--out DIR] [--data DIR]
#
#   --seeds LIST    flowppl seeds (default 1,2,3): `flowppl run --seed K`, the stream that
#                   `go run ./bench/posteriordb -seeds K` uses, so the two agree fit for fit
#   --only NAME     only the posteriors whose folder name contains NAME
#   --no-stan       flowppl only (the Stan columns stay empty unless --stan-dir has them)
#   --stan-dir DIR  Stan's results are kept in DIR and reused: a posterior with a TIMES line
#                   in DIR/times.txt is not run again (delete the line, or the folder, to
#                   redo it); the others are run into DIR (unless --no-stan). Stan's draws
#                   are deterministic (seed 1), so one Stan run, ~20+ minutes for all 8 with
#                   compilation, serves every later flowppl change.
#   --no-flowppl    Stan side only, e.g. to fill --stan-dir while the machine is quiet (the
#                   flowppl columns show what OUT/flowppl holds from an earlier run, if any)
#   --out DIR       where the run files and table.md go (default: a new /tmp/posterior.XXXXXX)
#   --data DIR      the posteriordb folders (default ../shared/data/posteriordb from the
#                   repository root, or from its main checkout when this is a git worktree:
#                   NAME/{data.json,model.stan,reference.json})
#
# What it does, one posterior at a time, never two runs at once:
#   flowppl: builds cmd/flowppl once into OUT/bin, then for each posterior NAME in DATA and
#     seed K runs examples/posteriordb/NAME/model.flow as a user does (`flowppl run --seed K`
#     from the repository root, default fit options as the script has them) under
#     `/usr/bin/time -v`: wall time of the whole process (parse, fit, summary) and peak RSS.
#     It runs a copy of the script, OUT/flowppl/NAME.seedK.flow, its `seed = 1` line set
#     to K (the fit's seed) and two lines appended:
#       write_csv("OUT/flowppl/NAME.seedK.csv", s)         # the summary, for scoring
#       print("bench-report steps", r.steps, "stopped", r.stopped)
#     (they cost milliseconds; the scripts bind the fit report to r and the summary to s).
#   Stan: ../shared/bench/stan/run_stan.R STAN_DIR DATA/NAME, one posterior per call
#     (rstan 2.21: compile, NUTS 4 chains x (1000 + 1000) on 2 cores, ADVI meanfield and
#     fullrank, all seed 1), its TIMES line appended to STAN_DIR/times.txt.
#   Tables: go run ./bench/posterior (built once, like flowppl) scores every summary,
#     flowppl's and Stan's, with internal/posteriordb.Score, the scoring of bench/posteriordb
#     (bar: every |z| <= 0.3, every sd ratio in [0.7, 1.4] against posteriordb's NUTS
#     reference), and prints four markdown tables to stdout and OUT/table.md: the main table,
#     the issue's Done-when comparisons, each flowppl fit, each Stan method.
#
# Needs: go, GNU time at /usr/bin/time (Debian: apt-get install time); for the Stan side
# Rscript with rstan and jsonlite (see the header of ../shared/bench/stan/run_stan.R for the
# Debian install). This script installs nothing: when Stan is missing it says so and runs
# the flowppl side only.
#
# Wall times are only as good as the machine is quiet: on a shared machine compare CPU s
# (the per-fit table) and run again when it is idle.
set -euo pipefail

# The whole script is one function, read before it runs: editing or merging this file
# while a run is under way does not change that run.
main() {

	seeds=1,2,3
	only=""
	stan=1
	flow=1
	stan_dir=""
	out=""
	data=""

	usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
	die() { echo "posterior.sh: $*" >&2; exit 2; }

	while [ $# -gt 0 ]; do
		case "$1" in
		--seeds) [ $# -ge 2 ] || die "--seeds wants a list"; seeds=$2; shift 2 ;;
		--seeds=*) seeds=${1#*=}; shift ;;
		--only) [ $# -ge 2 ] || die "--only wants a name"; only=$2; shift 2 ;;
		--only=*) only=${1#*=}; shift ;;
		--no-stan) stan=0; shift ;;
		--no-flowppl) flow=0; shift ;;
		--stan-dir) [ $# -ge 2 ] || die "--stan-dir wants a directory"; stan_dir=$2; shift 2 ;;
		--stan-dir=*) stan_dir=${1#*=}; shift ;;
		--out) [ $# -ge 2 ] || die "--out wants a directory"; out=$2; shift 2 ;;
		--out=*) out=${1#*=}; shift ;;
		--data) [ $# -ge 2 ] || die "--data wants a directory"; data=$2; shift 2 ;;
		--data=*) data=${1#*=}; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown argument '$1' (try --help)" ;;
		esac
	done
	[[ $seeds =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--seeds wants a comma-separated list of numbers, got '$seeds'"

	# Absolute paths before moving to the repository root.
	abs() { (mkdir -p "$1" && cd "$1" && pwd); }
	root=$(cd "$(dirname "$0")/.." && pwd)
	if [ -n "$stan_dir" ]; then stan_dir=$(abs "$stan_dir"); fi
	if [ -n "$out" ]; then out=$(abs "$out"); fi
	if [ -n "$data" ]; then
		data=$(cd "$data" && pwd) || die "no folder $data"
	fi
	cd "$root"
	if [ ! -f go.mod ] || [ ! -d examples/posteriordb ]; then
		die "$root is not the flowppl repository"
	fi
	# ../shared beside the repository; in a git worktree, beside its main checkout.
	shared=$(cd .. && pwd)/shared
	if [ ! -d "$shared" ] && common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
		shared=$(cd "$(dirname "$common")/.." && pwd)/shared
	fi
	if [ -z "$data" ]; then
		[ -d "$shared/data/posteriordb" ] ||
			die "no ../shared/data/posteriordb beside the repository (give --data DIR)"
		data=$shared/data/posteriordb
	fi
	run_stan_r=$shared/bench/stan/run_stan.R

	command -v go >/dev/null || die "go is not on PATH"
	[ -x /usr/bin/time ] || die "GNU time is missing at /usr/bin/time (Debian: apt-get install time)"

	names=()
	for d in "$data"/*/; do
		n=$(basename "$d")
		[ -f "$d/reference.json" ] || continue
		[[ $n == *"$only"* ]] || continue
		names+=("$n")
	done
	[ ${#names[@]} -gt 0 ] || die "no posteriordb folder in $data matches '$only'"

	out=${out:-$(mktemp -d /tmp/posterior.XXXXXX)}
	mkdir -p "$out/bin" "$out/flowppl"
	echo "posterior.sh: ${#names[@]} posteriors, seeds $seeds; files in $out" >&2

	go build -o "$out/bin/flowppl" ./cmd/flowppl
	go build -o "$out/bin/posterior" ./bench/posterior

	# flowppl side.
	IFS=, read -ra seed_list <<<"$seeds"
	for n in "${names[@]}"; do
		[ $flow = 1 ] || break
		script=examples/posteriordb/$n/model.flow
		for k in "${seed_list[@]}"; do
			base=$out/flowppl/$n.seed$k
			rm -f "$base".{flow,csv,out,err,time}
			if [ ! -f "$script" ]; then
				echo "no translation $script" >"$base.err"
				echo "posterior.sh: $n: no $script" >&2
				continue
			fi
			{
				# the scripts' fit takes its seed from a top-level `seed = 1`
				# line: set it to K, as a user would
				sed -E "s/^seed[[:space:]]*=[[:space:]]*[0-9]+/seed = $k/" "$script"
				printf '\n# appended by bench/posterior.sh\n'
				printf 'write_csv("%s.csv", s)\n' "$base"
				printf 'print("bench-report steps", r.steps, "stopped", r.stopped)\n'
			} >"$base.flow"
			echo "posterior.sh: flowppl $n seed $k" >&2
			/usr/bin/time -v -o "$base.time" "$out/bin/flowppl" run --seed "$k" "$base.flow" \
				>"$base.out" 2>"$base.err" || true
			grep -h '^bench-report' "$base.out" >&2 || echo "posterior.sh: $n seed $k failed: $(head -n 3 "$base.err")" >&2
		done
	done

	# Stan side.
	have_stan() {
		[ -f "$run_stan_r" ] || { echo "there is no $run_stan_r"; return 1; }
		command -v Rscript >/dev/null || { echo "Rscript is not installed"; return 1; }
		Rscript -e 'suppressMessages(library(rstan)); library(jsonlite)' >/dev/null 2>&1 ||
			{ echo "R lacks rstan or jsonlite"; return 1; }
	}
	stan_dir=${stan_dir:-$out/stan}
	mkdir -p "$stan_dir"
	touch "$stan_dir/times.txt"
	todo=()
	for n in "${names[@]}"; do
		grep -q "^TIMES $n " "$stan_dir/times.txt" || todo+=("$n")
	done
	if [ ${#todo[@]} -eq 0 ]; then
		echo "posterior.sh: Stan figures reused from $stan_dir" >&2
	elif [ $stan = 0 ]; then
		echo "posterior.sh: --no-stan: no Stan run (${#todo[@]} posteriors without Stan figures in $stan_dir)" >&2
	elif ! why=$(have_stan); then
		echo "posterior.sh: Stan side skipped: $why." >&2
		echo "  Install it as the header of $run_stan_r says (Debian 12: apt-get install" >&2
		echo "  r-cran-rstan r-cran-jsonlite libboost-dev, and the BH include symlink); then, to add" >&2
		echo "  Stan's figures to these tables without running flowppl again: --out $out --no-flowppl." >&2
	else
		for n in "${todo[@]}"; do
			echo "posterior.sh: Stan $n (compile 40-60 s, then NUTS and ADVI)" >&2
			rm -f "$stan_dir/$n".{nuts,meanfield,fullrank}.csv # a failed method leaves none
			if ! Rscript "$run_stan_r" "$stan_dir" "$data/$n" >"$stan_dir/$n.log" 2>&1; then
				echo "posterior.sh: Stan $n failed: see $stan_dir/$n.log" >&2
			fi
			grep '^TIMES ' "$stan_dir/$n.log" | tee -a "$stan_dir/times.txt" >&2 || true
		done
		echo "posterior.sh: reuse Stan's figures with --stan-dir $stan_dir" >&2
	fi

	# Tables.
	"$out/bin/posterior" -data "$data" -flow "$out/flowppl" -stan "$stan_dir" -seeds "$seeds" -only "$only" |
		tee "$out/table.md"
}

main "$@"
