#!/usr/bin/env bash
# Side-by-side benchmark of flowppl and FlowTorch (PyTorch) on the
# configurations of issue 7, in ONE invocation on one machine, so that the
# figures can be read as ratios. Prints a Markdown table (and the raw lines
# to $OUT/raw.txt).
#
# Needs, for the peer: Debian's python3-torch and OpenBLAS (apt-get install -y
# python3-torch libopenblas0-pthread) and FlowTorch's source at commit
# add31a09bcfaad3f0272a9ca8cb4557df149a42c in $FLOWTORCH_DIR (nothing of
# FlowTorch is committed here). The driver is the shared one,
# ../shared/bench/flowtorch_train.py, or $FLOWTORCH_DRIVER. Without
# $FLOWTORCH_DIR (or torch), the FlowTorch columns read "skipped".
#
#   FLOWTORCH_DIR=/tmp/flowtorch bash bench/compare.sh [CONFIG...]
#
# CONFIG names select rows (default all): seed seed-ft005 seed-ft005-f64 d8 d32
# d128 b100 b10000 h32 rev2 rev32 es-flow es-mf.
#
# The es-* rows fit the posterior of eight schools (posteriordb
# eight_schools_noncentered, ../shared/data/posteriordb) by the ELBO, 1500
# steps of 256 draws at lr 0.005, with a flow guide (AffineAutoregressive,
# hidden (32, 32)) and with a mean-field one (Affine); the peer's side is
# bench/eight_schools_flowtorch.py (FlowTorch guides, the model's log density
# written in PyTorch). Their loss column is the final ELBO estimate (higher
# is better; flowppl: r.elbo on 4096 draws, FlowTorch: the same size).
#
# flowppl runs every row twice: with the conditioner's matrix products in
# float64 (the default) and in float32 (the flow option precision =
# "float32": operands rounded to float32, sums in float32, everything else
# float64; FlowTorch computes in float32 throughout). The columns show both,
# "float64 / float32"; the mean-field row has no conditioner ("-").
#
# Everything runs sequentially: never two measurements at once on a 2-core
# machine. Times are the training loops only (flowppl: r.seconds of fit;
# FlowTorch: loop_s), normalised to seconds per 500 steps; where FlowTorch
# would take minutes (large D, batch 10000) it runs fewer steps and its time
# is scaled (column "steps"). Peak RSS is the whole process (/usr/bin/time
# %M). GFLOP/s counts the dense MADE work each system does per step:
# 6·batch·(D·h1 + Σ h_i·h_i+1 + h_last·2D) per network pass, times D passes
# for FlowTorch's forward KL (its log_prob inverts one dimension at a time)
# and one pass for flowppl (which fixes a forward-KL flow in the data-side
# direction) and for reverse KL in both.
set -euo pipefail
cd "$(dirname "$0")/.."
driver=${FLOWTORCH_DRIVER:-../shared/bench/flowtorch_train.py}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
bin=$OUT/flowppl
go build -o "$bin" ./cmd/flowppl

peer=1
if [ -z "${FLOWTORCH_DIR:-}" ] || [ ! -d "${FLOWTORCH_DIR:-}/flowtorch" ]; then
  echo "FlowTorch: skipped (set FLOWTORCH_DIR to a FlowTorch source tree at add31a09)" >&2
  peer=0
elif ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "FlowTorch: skipped (/usr/bin/python3 cannot import torch: apt-get install -y python3-torch)" >&2
  peer=0
fi

# name | D | batch | hidden | mode | flowppl lr | FlowTorch lr | FlowTorch dtype | FlowTorch steps
configs=(
  "seed|2|1000|256,256|fwd|0.05|0.05|float32|500"
  "seed-ft005|2|1000|256,256|fwd|0.05|0.005|float32|500"
  "seed-ft005-f64|2|1000|256,256|fwd|0.05|0.005|float64|500"
  "d8|8|1000|256,256|fwd|0.005|0.005|float32|200"
  "d32|32|1000|256,256|fwd|0.005|0.005|float32|50"
  "d128|128|1000|256,256|fwd|0.005|0.005|float32|10"
  "b100|2|100|256,256|fwd|0.005|0.005|float32|500"
  "b10000|2|10000|256,256|fwd|0.005|0.005|float32|100"
  "h32|2|1000|32|fwd|0.05|0.05|float32|500"
  "rev2|2|1000|256,256|rev|0.05|0.05|float32|500"
  "rev32|32|1000|256,256|rev|0.05|0.05|float32|500"
  "es-flow|10|256|32,32|post-flow|0.005|0.005|float32|1500"
  "es-mf|10|256|-|post-mf|0.005|0.005|float32|1500"
)
esdata=../shared/data/posteriordb/eight_schools-eight_schools_noncentered/data.json
want=" ${*:-} "

# flops D batch hidden passes: training flops per step.
flops() {
  awk -v d="$1" -v b="$2" -v h="$3" -v p="$4" 'BEGIN {
    n = split(h, hs, ","); s = d * hs[1]
    for (i = 1; i < n; i++) s += hs[i] * hs[i+1]
    s += hs[n] * 2 * d
    printf "%.6g", 6 * b * s * p }'
}

# quiet: waits (up to $QUIET_WAIT seconds, default 120) until the CPUs were
# at least 85% idle over one second, so that a measurement does not overlap
# other people's work on a shared machine; says so on stderr when it gives up.
quiet() {
  local deadline=$((SECONDS + ${QUIET_WAIT:-120})) a b
  while :; do
    a=$(awk '/^cpu / {print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    if awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !((y[1]-x[1]) >= 0.85 * (y[2]-x[2])) }'; then
      return
    fi
    if [ $SECONDS -ge "$deadline" ]; then
      echo "warning: machine busy; measuring anyway" >&2
      return
    fi
  done
}

# timed LOG CMD...: runs CMD with stdout+stderr to LOG; prints "wall rssMB".
timed() {
  local log=$1; shift
  quiet
  /usr/bin/time -f 'TIME %e %M' -o "$OUT/time.txt" "$@" >"$log" 2>&1 || true
  awk '/^TIME/ {printf "%s %.0f\n", $2, $3/1024}' "$OUT/time.txt"
}

# runflowppl SCRIPT TAG: runs one flowppl script; sets f500 (s/500 steps),
# floss, fsteps, frss and fgf (GFLOP/s).
runflowppl() {
  local script=$1 tag=$2 fwall fsec
  read -r fwall frss < <(timed "$OUT/$name.$tag.log" "$bin" run --quiet "$script")
  read -r _ floss fsec fsteps < <(grep '^RESULT' "$OUT/$name.$tag.log" || echo "RESULT - - 0")
  if [ "$fsec" = - ]; then
    fsec=nan; floss="error: $(tail -1 "$OUT/$name.$tag.log")"
  fi
  f500=$(awk -v s="$fsec" -v n="$fsteps" 'BEGIN { if (n > 0) printf "%.2f", s / n * 500; else print "nan" }')
  fgf=-
  [[ $mode != post-* ]] && fgf=$(awk -v f="$(flops "$d" "$batch" "$hidden" 1)" -v s="$f500" 'BEGIN { if (s > 0) printf "%.1f", f * 500 / s / 1e9; else print "-" }')
  [[ "$floss" =~ ^[-0-9.e+]+$ ]] && floss=$(printf '%.4g' "$floss")
  return 0
}

echo "| configuration | steps (flowppl/FT) | flowppl s/500 float64 / float32 | FlowTorch s/500 | ratio FT/flowppl float64 / float32 | final loss flowppl f64 / f32 / FT | peak RSS MB flowppl f64 / f32 / FT | GFLOP/s flowppl f64 / f32 / FT |"
echo "|---|---|---|---|---|---|---|---|"
for c in "${configs[@]}"; do
  IFS='|' read -r name d batch hidden mode lr ftlr dtype ftsteps <<<"$c"
  if [ "$want" != "  " ] && [[ "$want" != *" $name "* ]]; then continue; fi
  by=kl; [ "$mode" = rev ] && by=reverse_kl
  script=$OUT/$name.flow
  case $mode in
  post-*)
    guide="flow AffineAutoregressive(hidden = [$hidden]PRECISION)"
    [ "$mode" = post-mf ] && guide="flow Affine()"
    # The data and model of examples/eight_schools.flow, up to its guide.
    sed '/^q = /,$d' examples/eight_schools.flow >"$script"
    cat >>"$script" <<EOF
q = $guide
r = fit q to eight_schools(J, y, sigma) by elbo { steps = $ftsteps, batch = $batch, lr = $lr, seed = 1 }
print("RESULT", r.elbo, r.seconds, r.steps)
EOF
    ;;
  *)
    cat >"$script" <<EOF
d = $d
q = flow AffineAutoregressive(Normal(zeros(d), ones(d)), hidden = [$hidden]PRECISION)
target = Normal(5 * ones(d), 0.5 * ones(d))
r = fit q to target by $by { steps = 500, batch = $batch, lr = $lr }
print("RESULT", r.loss, r.seconds, r.steps)
EOF
    ;;
  esac
  # The same script with the conditioner's products in float64 (the
  # default) and in float32 (precision = "float32"; not for the
  # mean-field guide, which has no conditioner).
  sed 's/PRECISION//' "$script" >"$OUT/$name.f64.flow"
  sed 's/PRECISION/, precision = "float32"/' "$script" >"$OUT/$name.f32.flow"
  runflowppl "$OUT/$name.f64.flow" f64
  f500_64=$f500 floss_64=$floss frss_64=$frss fgf_64=$fgf fsteps_64=$fsteps
  f500_32=- floss_32=- frss_32=- fgf_32=-
  if [ "$mode" != post-mf ]; then
    runflowppl "$OUT/$name.f32.flow" f32
    f500_32=$f500 floss_32=$floss frss_32=$frss fgf_32=$fgf
  fi
  f500=$f500_64 fsteps=$fsteps_64
  t500=skipped tloss=- trss=- ratio=- tgf=-
  if [ $peer = 1 ]; then
    if [[ $mode == post-* ]]; then
      g=flow; [ "$mode" = post-mf ] && g=meanfield
      read -r _ trss < <(timed "$OUT/$name.ft.log" env PYTHONPATH="$FLOWTORCH_DIR" /usr/bin/python3 bench/eight_schools_flowtorch.py \
        --data "$esdata" --guide $g --hidden "$hidden" --seed 1 --batch "$batch" --steps "$ftsteps" --lr "$ftlr" --dtype "$dtype")
    else
      read -r _ trss < <(timed "$OUT/$name.ft.log" env PYTHONPATH="$FLOWTORCH_DIR" /usr/bin/python3 "$driver" \
        --seed 1 --dim "$d" --batch "$batch" --steps "$ftsteps" --lr "$ftlr" --mode "$mode" \
        --hidden "$hidden" --dtype "$dtype" --eval-n 1000)
    fi
    res=$(grep '^RESULT' "$OUT/$name.ft.log" || true)
    field() { grep -o "\"$1\": [^,}]*" <<<"$res" | head -1 | sed 's/^[^:]*: //'; }
    loop=$(field loop_s) done_=$(field steps_done) div=$(field diverged_at)
    tloss=$(field final_loss)
    [[ $mode == post-* ]] && tloss=$(field elbo)
    if [ -z "$res" ]; then
      t500=error tloss="$(tail -1 "$OUT/$name.ft.log")"
    elif [ "$div" != null ]; then
      t500="diverged @$div"; tloss=NaN
    else
      t500=$(awk -v s="$loop" -v n="$done_" 'BEGIN { printf "%.2f", s / n * 500 }')
      ratio=$(awk -v a="$t500" -v b="$f500_64" -v c="$f500_32" 'BEGIN {
        r = (b > 0) ? sprintf("%.1f×", a / b) : "-"
        r = r " / " ((c > 0) ? sprintf("%.1f×", a / c) : "-")
        print r }')
      passes=1; [ "$mode" = fwd ] && passes=$d
      [[ $mode != post-* ]] && tgf=$(awk -v f="$(flops "$d" "$batch" "$hidden" "$passes")" -v s="$t500" 'BEGIN { printf "%.1f", f * 500 / s / 1e9 }')
      tloss=$(printf '%.4g' "$tloss")
    fi
    ftsteps="$ftsteps $dtype lr $ftlr"
  fi
  echo "| $name: D=$d batch $batch hidden ($hidden) $mode, flowppl lr $lr | $fsteps / $ftsteps | $f500_64 / $f500_32 | $t500 | $ratio | $floss_64 / $floss_32 / $tloss | $frss_64 / $frss_32 / $trss | $fgf_64 / $fgf_32 / $tgf |"
done | tee "$OUT/table.md"
echo "(raw logs in $OUT)" >&2
