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
#   VERBOSE (1/0, default 0): show every step's own output (Google Benchmark's tables,
#     the footprint table, cachegrind's and perf's progress) live; by default it goes to
#     logs/<step>.log in the run folder, and the terminal shows one line per step with the
#     time so far and, from the last run of the same kind on this host, the time left.
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
VERBOSE=${VERBOSE:-0}
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
  if [ "$current_step" != set-up ] && [ "${said:-0}" != 1 ] && [ -s "${step_log:-}" ] &&
     [ "$VERBOSE" != 1 ]; then
    echo "run-bench: the last lines of step '$current_step':" >&2
    tail -n 15 "$step_log" | sed 's/^/    /' >&2
  fi
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
mkdir -p "$work/logs"
# The last complete run of the same kind (quick or not, same suite) on this host: its
# steps.tsv gives the time left at each step of this one.
kind="quick=$QUICK suite=${SUITE:-default} filter=${FILTER:-} schemes=${SCHEMES:-all} cachegrind=$CACHEGRIND perf=$PERF"
prev_steps=""
for d in $(ls -d "$RESULTS/$host"/2*/ 2>/dev/null | sort -r); do
  if [ -f "$d/COMPLETE" ] && [ -f "$d/logs/steps.tsv" ] &&
     [ "$(sed -n 's/^# kind: //p' "$d/logs/steps.tsv")" = "$kind" ]; then
    prev_steps="$d/logs/steps.tsv"; break
  fi
done
printf '# kind: %s\n' "$kind" >"$work/logs/steps.tsv"
step_n=0
step() {   # NAME: a progress line; the step's output goes to logs/<n>-<slug>.log
  local now=$((SECONDS - start_s)) left="" slug prev_at prev_end
  current_step=$*; step_n=$((step_n + 1))
  slug=$(printf '%s' "$*" | tr -cs 'A-Za-z0-9.' '-' | sed 's/-*$//' | cut -c1-60)
  step_log="$work/logs/$(printf '%02d' "$step_n")-$slug.log"
  printf '%s\t%s\n' "$now" "$*" >>"$work/logs/steps.tsv"
  if [ -n "$prev_steps" ]; then
    prev_at=$(awk -F'\t' -v s="$*" '$2 == s {print $1; exit}' "$prev_steps")
    prev_end=$(awk -F'\t' '$2 == "end" {print $1}' "$prev_steps")
    if [ -n "$prev_at" ] && [ -n "$prev_end" ]; then
      left=", about $((prev_end - prev_at > 0 ? prev_end - prev_at : 0)) s left"
    fi
  elif [ "$step_n" = 1 ]; then
    left=" (the first run of this kind on this host: no estimate of the time left)"
  fi
  echo "== [$now s$left] $*" >&2
}
# logged CMD...: CMD's stdout and stderr into the step's log (and the terminal with VERBOSE=1).
logged() {
  if [ "$VERBOSE" = 1 ]; then
    "$@" 2>&1 | tee -a "$step_log" >&2
    return "${PIPESTATUS[0]}"
  fi
  "$@" >>"$step_log" 2>&1
}
# logged_err CMD... >FILE: CMD's stdout is data; its stderr goes to the step's log.
logged_err() {
  if [ "$VERBOSE" = 1 ]; then
    "$@" 2> >(tee -a "$step_log" >&2)
    return
  fi
  "$@" 2>>"$step_log"
}

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
  logged "$BUILD/refbench" "${lab_args[@]}" "${gb_args[@]}" "${pa[@]}" "${after[@]}" "${ctx[@]}" \
    --benchmark_repetitions="$k" \
    --benchmark_out="$work/bench-$part-$round.json.tmp" --benchmark_out_format=json || rc=$?
  unset -n pa
  if [ "$rc" -eq 3 ] && [ -n "${FILTER:-}" ]; then
    # Nothing of this part matches FILTER: the part is left out.
    echo "   nothing of part $part matches FILTER='$FILTER': left out" >&2
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
logged scripts/pyrun scripts/merge_bench.py --out "$work/bench.json" "${merge_args[@]}"
for m in "${merge_args[@]}"; do rm -f "${m#*=}"; done

step "machine context"
logged scripts/pyrun scripts/context.py --lab "$work/lab-context.json" --out "$work/context.json" \
  --cc "${CC:-cc}" --cflags "${CFLAGS:--O2 -g}" \
  --setting reps="$REPS" --setting min_time="$MIN_TIME" --setting quick="$QUICK" \
  --setting processes="$PROCESSES" --setting interleave="$INTERLEAVE" \
  --setting build_id="$(sha256sum "$BUILD/refbench" | cut -c1-16)"
rm -f "$work/lab-context.json"
if command -v lstopo-no-graphics >/dev/null 2>&1; then
  logged lstopo-no-graphics --of xml "$work/topology.xml.tmp" && mv "$work/topology.xml.tmp" "$work/topology.xml"
else
  echo "run-bench: lstopo-no-graphics (Debian hwloc) not found: no topology.xml" >&2
fi

step "memory footprint (NR_CPUS $FOOTPRINT_NR_CPUS, $MODULES modules)"
scheme_sel=()
[ -n "${SCHEMES:-}" ] && scheme_sel=(--scheme="$SCHEMES")
logged "$BUILD/refbench-footprint" --modules="$MODULES" --line="$LINE" --nr-cpus="$FOOTPRINT_NR_CPUS" \
  "${scheme_sel[@]}" --out="$work/footprint.json"

step "the race of the 2009 refcount, step by step"
logged_err "$BUILD/refbench-race" --json "${scheme_sel[@]}" >"$work/race.json.tmp" || \
  echo "   a scheme's race outcome does not match its claim (see race.json)" >&2
mv "$work/race.json.tmp" "$work/race.json"

step "NUMA placement audit"
logged_err "$BUILD/refbench-audit" --nr-cpus="$NR_CPUS" --line="$LINE" "${scheme_sel[@]}" >"$work/audit.json.tmp"
mv "$work/audit.json.tmp" "$work/audit.json"

if [ "$CACHEGRIND" = 1 ]; then
  step "simulated cache misses (cachegrind)"
  logged scripts/pyrun scripts/cachegrind.py --binary "$BUILD/refbench" --run-dir "$work" "${scheme_sel[@]}" \
    --paths "$CG_PATHS" --n1 "$CG_N1" --n2 "$CG_N2" --read-nr-cpus "$CG_READ_NR_CPUS" \
    --spread-dists "$CG_SPREAD_DISTS" -- --modules="$MODULES" --line="$LINE" || \
    echo "   the cachegrind step failed (see logs/ in the run folder); the run goes on without it" >&2
fi

if [ "$PERF" = 1 ]; then
  step "perf stat per scheme"
  logged scripts/pyrun scripts/perf_stat.py --binary "$BUILD/refbench" --run-dir "$work" "${scheme_sel[@]}" -- \
    --benchmark_min_time="$MIN_TIME" --nr-cpus="$NR_CPUS" --line="$LINE" || \
    echo "   the perf stat step failed (see logs/ in the run folder); the run goes on without it" >&2
  step "perf record per scheme (where the time goes, instruction by instruction)"
  rec_sel=(); [ "$QUICK" = 1 ] && rec_sel=(--benchmarks=hot-1)
  logged scripts/pyrun scripts/perf_record.py --binary "$BUILD/refbench" --run-dir "$work" \
    "${scheme_sel[@]}" "${rec_sel[@]}" -- --nr-cpus="$NR_CPUS" --line="$LINE" || \
    echo "   the perf record step failed (see logs/ in the run folder); the run goes on without it" >&2
fi

printf '%s\tend\n' "$((SECONDS - start_s))" >>"$work/logs/steps.tsv"
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/COMPLETE"
mv "$work" "$final"
trap - EXIT INT TERM
echo "== [$((SECONDS - start_s)) s] wrote $final" >&2
echo "$final" >&3
