#!/usr/bin/env bash
# Run the default suite and write one run folder:
#   results/<host>/<UTC timestamp>/  bench.json context.json topology.xml footprint.json
#                                     audit.json cachegrind.json perf/ perf.json COMPLETE
# The run is assembled in results/<host>/.<timestamp>.partial and renamed when
# complete, so an interrupted run never leaves a file under a final name; a run
# that stops for any reason removes its partial folder.
#
# Settings (environment, set by the Makefile from `make bench VAR=...`):
#   THREADS MODULES SPREAD_MODULES NR_CPUS NR_CPU_IDS LINE PLACEMENT COUNTERS REPS MIN_TIME FILTER
#   FOOTPRINT_NR_CPUS CACHEGRIND(1/0) PERF(1/0) QUICK(1/0) RESULTS BUILD
#   PROCESSES (default 2): a part with R repetitions runs in min(PROCESSES, R/2)
#     fresh processes (each keeps at least two repetitions), taken in rounds:
#     every part's first process, then every part's second, so a run's spread
#     includes what changes between processes (address-space layout, module
#     memory, per-CPU units) and between minutes (neighbour load).
#   INTERLEAVE (1/0, default 1): Google Benchmark's random interleaving of
#     repetitions across the benchmarks of a process (a part may turn it off
#     in bench/suite.def where re-loading its modules each time costs too much).
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything goes to stderr; stdout carries only the run folder, at the end.
exec 3>&1 1>&2

BUILD=${BUILD:-build}
RESULTS=${RESULTS:-results}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  : "${REPS:=2}" "${MIN_TIME:=0.02}" "${FOOTPRINT_NR_CPUS:=8,64,4096}"
  : "${CG_N1:=1000}" "${CG_N2:=6000}" "${CG_PATHS:=spread,read}"
  : "${CG_READ_NR_CPUS:=4096}" "${CG_SPREAD_DISTS:=uniform}"
else
  : "${REPS:=5}" "${MIN_TIME:=0.1}" "${SPREAD_MODULES:=200,2000,10000,50000}" "${FOOTPRINT_NR_CPUS:=8,16,32,64,128,256,512,1024,2048,4096,8192}"
  : "${CG_N1:=5000}" "${CG_N2:=30000}" "${CG_PATHS:=hot,spread,read}"
  : "${CG_READ_NR_CPUS:=4096}" "${CG_SPREAD_DISTS:=uniform}"
fi
MODULES=${MODULES:-2000}
NR_CPUS=${NR_CPUS:-64}
LINE=${LINE:-128}
PLACEMENT=${PLACEMENT:-compact}
COUNTERS=${COUNTERS:-all}
CACHEGRIND=${CACHEGRIND:-1}
PERF=${PERF:-1}
PROCESSES=${PROCESSES:-2}
INTERLEAVE=${INTERLEAVE:-1}
case "$PROCESSES" in ''|*[!0-9]*|0)
  echo "run-bench: PROCESSES='$PROCESSES' not accepted (accepted: a whole number >= 1)" >&2; exit 2 ;; esac
case "$INTERLEAVE" in 0|1) ;; *)
  echo "run-bench: INTERLEAVE='$INTERLEAVE' not accepted (accepted: 0 or 1)" >&2; exit 2 ;; esac

host=$(hostname -s 2>/dev/null || hostname)
ts=$(date -u +%Y%m%dT%H%M%SZ)
final="$RESULTS/$host/$ts"
work="$RESULTS/$host/.$ts.partial"

if ! mkdir -p "$work" 2>/dev/null || ! touch "$work/.probe" 2>/dev/null; then
  echo "run-bench: results folder '$RESULTS/$host' cannot be written" >&2
  exit 2
fi
rm -f "$work/.probe"
# Whatever ends the run before its folder is renamed (a failing step, bad input found late,
# an interrupt) removes the partial folder: no exit path leaves one behind.
current_step="set-up"
on_exit() {
  local rc=$?
  [ -d "$work" ] || return 0
  rm -rf "$work"
  rmdir "$RESULTS/$host" 2>/dev/null || true
  [ "$current_step" = set-up ] || [ "${said:-0}" = 1 ] ||
    echo "run-bench: stopped in step '$current_step' (exit $rc); nothing was written under $RESULTS/$host/" >&2
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Settings checked before anything runs, each error naming the make variable the user typed.
whole() { [[ $1 =~ ^[0-9]+$ ]] && [ "${#1}" -le 7 ] && [ "$1" -ge 1 ]; }
whole "$REPS" || { echo "run-bench: REPS='$REPS' not accepted (accepted: a whole number of repetitions, 1 to 9999999)" >&2; exit 2; }
[[ $MIN_TIME =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && awk -v t="$MIN_TIME" 'BEGIN {exit !(t > 0)}' \
  || { echo "run-bench: MIN_TIME='$MIN_TIME' not accepted (accepted: seconds > 0, e.g. 0.1)" >&2; exit 2; }
for pair in THREADS:--threads MODULES:--modules SPREAD_MODULES:--spread-modules NR_CPUS:--nr-cpus \
            NR_CPU_IDS:--nr-cpu-ids LINE:--line PLACEMENT:--placement COUNTERS:--counters \
            SCHEMES:--scheme SCENARIOS:--scenario; do
  var=${pair%%:*} flag=${pair#*:}
  [ -n "${!var:-}" ] || continue
  if ! err=$("$BUILD/refbench" "$flag=${!var}" --plan 2>&1 >/dev/null); then
    accepted=$(printf '%s\n' "$err" | sed -n 's/.*(accepted: \(.*\))$/\1/p' | head -n1)
    if [ -n "$accepted" ]; then
      echo "run-bench: $var='${!var}' not accepted (accepted: $accepted)" >&2
    else
      echo "run-bench: $var='${!var}' not accepted: $(printf '%s' "$err" | head -n1)" >&2
    fi
    exit 2
  fi
done

lab_args=(--modules="$MODULES" --nr-cpus="$NR_CPUS" --line="$LINE" --placement="$PLACEMENT"
          --counters="$COUNTERS")
[ -n "${THREADS:-}" ] && lab_args+=(--threads="$THREADS")
[ -n "${SPREAD_MODULES:-}" ] && lab_args+=(--spread-modules="$SPREAD_MODULES")
[ -n "${NR_CPU_IDS:-}" ] && lab_args+=(--nr-cpu-ids="$NR_CPU_IDS")
[ -n "${SCHEMES:-}" ] && lab_args+=(--scheme="$SCHEMES")
gb_args=(--benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME")
[ "$INTERLEAVE" = 1 ] && gb_args+=(--benchmark_enable_random_interleaving=true)
[ -n "${FILTER:-}" ] && gb_args+=(--benchmark_filter="$FILTER")

start_s=$SECONDS
step() { current_step=$*; echo "== [$((SECONDS - start_s)) s] $*" >&2; }

# The suite's parts (bench/suite.def), each its own process; SUITE picks some.
parts=()
while read -r part quick rest; do
  case "$part" in ''|'#'*) continue ;; esac
  if [ -n "${SUITE:-}" ]; then
    case ",$SUITE," in *",$part,"*) ;; *) continue ;; esac
  elif [ "$QUICK" = 1 ] && [ "$quick" != yes ]; then
    continue
  fi
  parts+=("$part")
  read -r -a part_args_$part <<<"$rest"
done <bench/suite.def
if [ ${#parts[@]} -eq 0 ]; then
  echo "run-bench: SUITE='${SUITE:-}' names no part of bench/suite.def (accepted: $(awk '!/^#/ && NF {printf "%s ", $1}' bench/suite.def))" >&2
  exit 2
fi
# Repetitions of a part: the last --benchmark_repetitions of its arguments wins.
part_reps() {
  local r=$REPS a
  for a in "$@"; do
    case "$a" in --benchmark_repetitions=*) r=${a#*=} ;; esac
  done
  echo "$r"
}
# The processes, in rounds: "part round reps" lines.
plan=()
for part in "${parts[@]}"; do
  declare -n pa="part_args_$part"
  r=$(part_reps "${pa[@]}")
  unset -n pa
  n=$(( r / 2 )); [ "$n" -gt "$PROCESSES" ] && n=$PROCESSES; [ "$n" -lt 1 ] && n=1
  declare "nproc_$part=$n" "reps_$part=$r"
done
for ((round = 0; round < PROCESSES; round++)); do
  for part in "${parts[@]}"; do
    declare -n n="nproc_$part" r="reps_$part"
    # round k of n takes the repetitions k, k+n, k+2n, ... of r
    [ "$round" -lt "$n" ] && plan+=("$part $round $(( (r - round + n - 1) / n ))")
    unset -n n r
  done
done
merge_args=()
for entry in "${plan[@]}"; do
  read -r part round k <<<"$entry"
  declare -n pa="part_args_$part"
  nvar="nproc_$part"
  step "benchmarks, part $part, process $((round + 1)) of ${!nvar} ($k repetitions)"
  ctx=()
  [ "$part" = "${parts[0]}" ] && [ "$round" = 0 ] && ctx=(--context-out="$work/lab-context.json")
  after=()
  [ -n "${SCHEMES:-}" ] && after+=(--scheme="$SCHEMES")
  [ "$part" = main ] && [ -n "${SCENARIOS:-}" ] && after+=(--scenario="$SCENARIOS")
  rc=0
  "$BUILD/refbench" "${lab_args[@]}" "${gb_args[@]}" "${pa[@]}" "${after[@]}" "${ctx[@]}" \
    --benchmark_repetitions="$k" \
    --benchmark_out="$work/bench-$part-$round.json.tmp" --benchmark_out_format=json || rc=$?
  unset -n pa
  if [ "$rc" -eq 3 ] && [ -n "${FILTER:-}" ]; then
    # Nothing of this part matches FILTER (refbench said so): the part is left out.
    rm -f "$work/bench-$part-$round.json.tmp"
    continue
  fi
  [ "$rc" -eq 0 ] || exit "$rc"
  mv "$work/bench-$part-$round.json.tmp" "$work/bench-$part-$round.json"
  merge_args+=("$part=$work/bench-$part-$round.json")
done
if [ ${#merge_args[@]} -eq 0 ]; then
  echo "run-bench: FILTER='${FILTER:-}' matched no benchmark in any part (${parts[*]}); refbench --benchmark_list_tests lists them" >&2
  said=1
  exit 2
fi
current_step="merging the parts' benchmark files"
scripts/pyrun scripts/merge_bench.py --out "$work/bench.json" "${merge_args[@]}"

step "machine context"
scripts/pyrun scripts/context.py --lab "$work/lab-context.json" --out "$work/context.json" \
  --cc "${CC:-cc}" --cflags "${CFLAGS:--O2 -g}" \
  --setting reps="$REPS" --setting min_time="$MIN_TIME" --setting quick="$QUICK" \
  --setting processes="$PROCESSES" --setting interleave="$INTERLEAVE" \
  --setting build_id="$(sha256sum "$BUILD/refbench" | cut -c1-16)"
rm -f "$work/lab-context.json"
if command -v lstopo-no-graphics >/dev/null 2>&1; then
  lstopo-no-graphics --of xml "$work/topology.xml.tmp" && mv "$work/topology.xml.tmp" "$work/topology.xml"
else
  echo "run-bench: lstopo-no-graphics (Debian hwloc) not found: no topology.xml" >&2
fi

step "memory footprint (NR_CPUS $FOOTPRINT_NR_CPUS, $MODULES modules)"
scheme_sel=()
[ -n "${SCHEMES:-}" ] && scheme_sel=(--schemes="$SCHEMES")
"$BUILD/refbench-footprint" --modules="$MODULES" --line="$LINE" --nr-cpus="$FOOTPRINT_NR_CPUS" \
  "${scheme_sel[@]}" --out="$work/footprint.json"

step "the race of the 2009 refcount, step by step"
"$BUILD/refbench-race" --json "${scheme_sel[@]}" >"$work/race.json.tmp" || \
  echo "run-bench: a scheme's race outcome does not match its claim (see race.json)" >&2
mv "$work/race.json.tmp" "$work/race.json"

step "NUMA placement audit"
"$BUILD/refbench-audit" --nr-cpus="$NR_CPUS" --line="$LINE" "${scheme_sel[@]}" >"$work/audit.json.tmp"
mv "$work/audit.json.tmp" "$work/audit.json"

if [ "$CACHEGRIND" = 1 ]; then
  step "simulated cache misses (cachegrind)"
  scripts/pyrun scripts/cachegrind.py --binary "$BUILD/refbench" --run-dir "$work" "${scheme_sel[@]}" \
    --paths "$CG_PATHS" --n1 "$CG_N1" --n2 "$CG_N2" --read-nr-cpus "$CG_READ_NR_CPUS" \
    --spread-dists "$CG_SPREAD_DISTS" -- --modules="$MODULES" --line="$LINE" || \
    echo "run-bench: cachegrind step failed; the run goes on without it" >&2
fi

if [ "$PERF" = 1 ]; then
  step "perf stat per scheme"
  scripts/pyrun scripts/perf_stat.py --binary "$BUILD/refbench" --run-dir "$work" "${scheme_sel[@]}" -- \
    --benchmark_min_time="$MIN_TIME" --nr-cpus="$NR_CPUS" --line="$LINE" || \
    echo "run-bench: perf stat step failed; the run goes on without it" >&2
fi

date -u +%Y-%m-%dT%H:%M:%SZ >"$work/COMPLETE"
mv "$work" "$final"
trap - EXIT INT TERM
echo "run-bench: wrote $final" >&2
echo "$final" >&3
