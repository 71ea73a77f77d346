#!/usr/bin/env bash
# Run refbench on a topology this machine does not have: a QEMU guest with NODES NUMA nodes of
# CPUS_PER_NODE vCPUs each (default 4 x 2 = 8 vCPUs), emulated in software by
# scripts/qemu-numa.sh (single-threaded TCG). Writes one run folder that the charts and the report
# (scripts/rbresults/plots.py, report.py) read:
#
#   results/emulated/<host>-qemu-<NODES>x<CPUS_PER_NODE>/<UTC timestamp>/
#     bench.json     every process merged; each entry's name carries placement:<p>, the
#                    process's placement (the only setting of a process not in its names)
#     context.json   the guest's facts (kernel, CPUs, nodes) with "emulated": how and where
#     audit.json     the placement audit in the guest (refbench-audit, NR_CPUS the first of NR_CPUS)
#     race.json      the race of the 2009 refcount in the guest (refbench-race)
#     placements.json  each process's placement: the CPU and node of every thread
#     topology.xml   the guest's hwloc topology
#     checks.json    what can be checked under emulation (scripts/guest_checks.py), see below
#     COMPLETE
#
# Timings under software emulation are not the hardware's: the run is labelled emulated in its
# context, charts and report, and compare (scripts/rbresults/compare.py) refuses it. What is
# checked, and can fail:
# every benchmark ran without error (a count not back where it started is an error), unload's
# gets_after_going 0, handoff under-reads only for schemes that claim to be unsafe, handoff
# moving references at the largest thread count, every per-CPU scheme's counters on the node of
# their CPU on every node, scatter spreading threads over the nodes. The script exits 1 when a
# check fails (the run folder is kept, with checks.json saying which).
#
# Settings (environment, or make bench-guest VAR=...):
#   NODES=4 CPUS_PER_NODE=2 MEM_MB=2048   the guest (MEM_MB split evenly between the nodes)
#   THREADS=1,2,4,8          thread counts (each at most NODES*CPUS_PER_NODE); refbench gives
#                            spread and read 1 and the largest, unload and handoff the largest,
#                            so each count between gets a process of its own for those four
#                            (unload and handoff from 2 threads)
#   PLACEMENTS=compact,scatter
#   NR_CPUS=64,4096          one guest process per placement and NR_CPUS; read (its own NR_CPUS
#                            sweep) runs in the first NR_CPUS's processes only
#   SCENARIOS=hot,spread,read,unload,handoff   (any of these)
#   SCHEMES=all              or a comma list of refbench --list-schemes names
#   MODULES=200              modules for spread (200 x 512 KiB arrays at NR_CPUS 4096)
#   REPS=1 MIN_TIME=0.01     Google Benchmark repetitions and minimum time
#   TIMEOUT=1800             seconds before the guest is stopped
#   RESULTS=results/emulated BUILD=build
# stdout carries only the run folder; progress goes to stderr. Exit status: 0 done and every
# check passed, 1 a check failed or the guest's run failed, 2 bad settings, 3 a prerequisite is
# missing (qemu, busybox, cpio, the kernel), 124 the guest timed out.
set -euo pipefail
prog=bench-guest
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec 3>&1 1>&2
bad() { echo "$prog: $*" >&2; exit 2; }
fail() { echo "$prog: $*" >&2; exit 1; }

BUILD=${BUILD:-build}
RESULTS=${RESULTS:-results/emulated}
NODES=${NODES:-4}
CPUS_PER_NODE=${CPUS_PER_NODE:-2}
MEM_MB=${MEM_MB:-2048}
THREADS=${THREADS:-1,2,4,8}
PLACEMENTS=${PLACEMENTS:-compact,scatter}
NR_CPUS=${NR_CPUS:-64,4096}
SCENARIOS=${SCENARIOS:-hot,spread,read,unload,handoff}
SCHEMES=${SCHEMES:-all}
MODULES=${MODULES:-200}
REPS=${REPS:-1}
MIN_TIME=${MIN_TIME:-0.01}
TIMEOUT=${TIMEOUT:-1800}

# ---- settings: one line naming the value and what is accepted --------------------------------
uint() { [[ $1 =~ ^[0-9]{1,6}$ ]]; }
uint "$NODES" && [ "$NODES" -ge 1 ] && [ "$NODES" -le 16 ] || bad "NODES='$NODES' is not accepted (an integer 1..16)"
uint "$CPUS_PER_NODE" && [ "$CPUS_PER_NODE" -ge 1 ] && [ "$CPUS_PER_NODE" -le 32 ] \
  || bad "CPUS_PER_NODE='$CPUS_PER_NODE' is not accepted (an integer 1..32)"
ncpus=$((NODES * CPUS_PER_NODE))
[ "$ncpus" -le 255 ] || bad "NODES x CPUS_PER_NODE = $ncpus vCPUs (at most 255 accepted)"
uint "$MEM_MB" && [ $((MEM_MB % NODES)) -eq 0 ] && [ $((MEM_MB / NODES)) -ge 128 ] \
  || bad "MEM_MB='$MEM_MB' is not accepted (a multiple of NODES=$NODES with at least 128 MiB per node)"
[[ $THREADS =~ ^[0-9]+(,[0-9]+)*$ ]] || bad "THREADS='$THREADS' is not accepted (a comma list of integers 1..$ncpus)"
IFS=, read -r -a thread_list <<<"$THREADS"
for t in "${thread_list[@]}"; do
  [ "${#t}" -le 4 ] && [ "$t" -ge 1 ] && [ "$t" -le "$ncpus" ] \
    || bad "THREADS='$THREADS': '$t' is not accepted (integers 1..$ncpus, the guest's vCPUs)"
done
[[ $PLACEMENTS =~ ^[a-z]+(,[a-z]+)*$ ]] || bad "PLACEMENTS='$PLACEMENTS' is not accepted (a comma list of compact, scatter)"
IFS=, read -r -a placement_list <<<"$PLACEMENTS"
for p in "${placement_list[@]}"; do
  case "$p" in compact|scatter) ;; *) bad "PLACEMENTS='$PLACEMENTS': '$p' is not accepted (compact, scatter)" ;; esac
done
[[ $NR_CPUS =~ ^[0-9]+(,[0-9]+)*$ ]] || bad "NR_CPUS='$NR_CPUS' is not accepted (a comma list of integers 1..8192)"
IFS=, read -r -a nr_list <<<"$NR_CPUS"
for n in "${nr_list[@]}"; do
  [ "${#n}" -le 5 ] && [ "$n" -ge 1 ] && [ "$n" -le 8192 ] \
    || bad "NR_CPUS='$NR_CPUS': '$n' is not accepted (integers 1..8192)"
done
[[ $SCENARIOS =~ ^[a-z]+(,[a-z]+)*$ ]] || bad "SCENARIOS='$SCENARIOS' is not accepted (a comma list of hot, spread, read, unload, handoff)"
IFS=, read -r -a scenario_list <<<"$SCENARIOS"
for s in "${scenario_list[@]}"; do
  case "$s" in hot|spread|read|unload|handoff) ;;
    *) bad "SCENARIOS='$SCENARIOS': '$s' is not accepted (hot, spread, read, unload, handoff)" ;; esac
done
for v in THREADS PLACEMENTS NR_CPUS SCENARIOS; do
  dup=$(tr , '\n' <<<"${!v}" | sort | uniq -d | head -n1)
  [ -z "$dup" ] || bad "$v='${!v}' names '$dup' twice (each value once is accepted)"
done
uint "$MODULES" && [ "$MODULES" -ge 1 ] && [ "$MODULES" -le 100000 ] || bad "MODULES='$MODULES' is not accepted (an integer 1..100000)"
uint "$REPS" && [ "$REPS" -ge 1 ] && [ "$REPS" -le 100 ] || bad "REPS='$REPS' is not accepted (an integer 1..100)"
[[ $MIN_TIME =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v t="$MIN_TIME" 'BEGIN {exit !(t > 0 && t <= 60)}' \
  || bad "MIN_TIME='$MIN_TIME' is not accepted (seconds, a number above 0 and at most 60)"
uint "$TIMEOUT" && [ "$TIMEOUT" -ge 1 ] && [ "$TIMEOUT" -le 86400 ] || bad "TIMEOUT='$TIMEOUT' is not accepted (seconds, an integer 1..86400)"

for b in refbench refbench-audit refbench-race; do
  [ -x "$BUILD/$b" ] || bad "$BUILD/$b is not built (run make all)"
done
known=$("$BUILD/refbench" --list-schemes | scripts/pyrun -c \
  'import json, sys; print(",".join(s["name"] for s in json.load(sys.stdin)["schemes"]))') \
  || fail "cannot read the scheme list of $BUILD/refbench"
# The harness's baselines, from its own list (refbench --list-scenarios): name1|name2|...
baselines=$("$BUILD/refbench" --list-scenarios | scripts/pyrun -c \
  'import json, sys; print("|".join(e["name"] for e in json.load(sys.stdin)["scenarios"] if e["role"] == "baseline"))') \
  || fail "cannot read the scenario list of $BUILD/refbench"
if [ "$SCHEMES" != all ]; then
  [[ $SCHEMES =~ ^[a-z0-9.-]+(,[a-z0-9.-]+)*$ ]] || bad "SCHEMES='$SCHEMES' is not accepted (all, or a comma list of $known)"
  IFS=, read -r -a scheme_list <<<"$SCHEMES"
  for s in "${scheme_list[@]}"; do
    case ",$known," in *",$s,"*) ;; *) bad "SCHEMES='$SCHEMES': '$s' is not accepted (all, or a comma list of $known)" ;; esac
  done
fi
command -v lstopo-no-graphics >/dev/null 2>&1 || { echo "$prog: lstopo-no-graphics not found (Debian package hwloc)" >&2; exit 3; }

# ---- the run folder --------------------------------------------------------------------------
host=$(hostname -s 2>/dev/null || hostname)
name="$host-qemu-${NODES}x${CPUS_PER_NODE}"
ts=$(date -u +%Y%m%dT%H%M%SZ)
final="$RESULTS/$name/$ts"
mkdir -p "$RESULTS/$name" 2>/dev/null && [ -w "$RESULTS/$name" ] || bad "RESULTS='$RESULTS': '$RESULTS/$name' cannot be written"
work=$(mktemp -d "$RESULTS/$name/.$ts.XXXXXX.partial")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- what the guest runs: one refbench process per placement and NR_CPUS ----------------------
# Each process's files land in /tmp/out; its exit status in rc-<part>. The folder comes back as
# a tar on stdout whatever failed, so the host can say which.
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
common=(--modules="$MODULES" --benchmark_repetitions="$REPS"
        --benchmark_min_time="$MIN_TIME" --benchmark_out_format=json)
[ "$SCHEMES" = all ] || common+=(--scheme="$SCHEMES")
read_scen=$(printf '%s\n' "${scenario_list[@]}" | paste -sd,)
rest_scen=$(printf '%s\n' "${scenario_list[@]}" | grep -vx read | paste -sd, || true)
inner='set -u; mkdir -p /tmp/out; cd /lab
{ echo "kernel=$(uname -s -r -v)"; echo "machine=$(uname -m)"
  echo "cpu_model=$(sed -n "s/^model name[^:]*: //p" /proc/cpuinfo | head -n1)"
  echo "online_cpus=$(cat /sys/devices/system/cpu/online)"
  echo "numa_nodes_online=$(cat /sys/devices/system/node/online)"
  echo "thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
  echo "thp_defrag=$(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null)"
  if [ -d /sys/bus/event_source/devices/cpu ]; then echo pmu=true; else echo pmu=false; fi
} >/tmp/out/facts.txt
lstopo-no-graphics --of xml /tmp/out/topology.xml; echo $? >/tmp/out/rc-lstopo
'"$(sq "$BUILD/refbench-audit") --nr-cpus=${nr_list[0]} >/tmp/out/audit.json 2>/tmp/out/err-audit.txt; echo \$? >/tmp/out/rc-audit
$(sq "$BUILD/refbench-race") --json >/tmp/out/race.json 2>/tmp/out/err-race.txt; echo \$? >/tmp/out/rc-race
"
# A process's --threads gives hot every count but spread and read only 1 and the largest,
# unload and handoff only the largest: each count between 2 and the largest gets a process of
# its own for those four (its 1-thread entries left out: the first process has them).
max_t=0
for t in "${thread_list[@]}"; do [ "$t" -le "$max_t" ] || max_t=$t; done
add_process() { # PART ARGS...: one refbench process in the guest, files under its part name
  local part=$1 line="" a; shift
  parts+=("$part")
  for a in "$BUILD/refbench" "${common[@]}" "$@" --context-out="/tmp/out/ctx-$part.json" \
           --benchmark_out="/tmp/out/bench-$part.json"; do
    line+="$(sq "$a") "
  done
  inner+="echo \"$part \$(date +%s)\" >>/tmp/out/times.txt
$line>/dev/null 2>/tmp/out/err-$part.txt; echo \$? >/tmp/out/rc-$part
"
}
parts=()
for p in "${placement_list[@]}"; do
  for n in "${nr_list[@]}"; do
    if [ "$n" = "${nr_list[0]}" ]; then scen=$read_scen; else scen=$rest_scen; fi
    [ -n "$scen" ] || continue
    f=()
    # The baselines (hot/noop, ...) know no NR_CPUS: the first NR_CPUS's process has them.
    [ "$n" = "${nr_list[0]}" ] || [ -z "$baselines" ] || f=("--benchmark_filter=-^[^/]+/($baselines)/")
    add_process "$p-nr$n" --threads="$THREADS" --placement="$p" --nr-cpus="$n" --scenario="$scen" ${f[@]+"${f[@]}"}
    mid=$(tr , '\n' <<<"$scen" | grep -vx hot | paste -sd, || true)
    [ -n "$mid" ] || continue
    for t in "${thread_list[@]}"; do
      [ "$t" -ge 2 ] && [ "$t" -lt "$max_t" ] || continue
      add_process "$p-nr$n-t$t" --threads="$t" --placement="$p" --nr-cpus="$n" --scenario="$mid" \
        '--benchmark_filter=-/threads:1$'
    done
  done
done
inner+='echo "end $(date +%s)" >>/tmp/out/times.txt
tar -cf - -C /tmp/out .'

echo "$prog: ${#parts[@]} refbench processes (${parts[*]}) in a guest of $NODES nodes x $CPUS_PER_NODE vCPUs, software emulation" >&2
t0=$SECONDS
qemu_args=(--tcg-single --nodes "$NODES" --cpus-per-node "$CPUS_PER_NODE" --mem-mb "$MEM_MB"
           --timeout "$TIMEOUT" --include "$BUILD/refbench" --include "$BUILD/refbench-audit"
           --include "$BUILD/refbench-race" --include "$(command -v lstopo-no-graphics)"
           --out "$work/guest.tar")
rc=0
scripts/qemu-numa.sh "${qemu_args[@]}" -- sh -c "$inner" || rc=$?
case "$rc" in
  0) ;;
  2) fail "scripts/qemu-numa.sh refused its arguments (exit 2)" ;;
  3|124) exit "$rc" ;;
  *) fail "the guest gave no result (scripts/qemu-numa.sh exit $rc)" ;;
esac
echo "$prog: guest done in $((SECONDS - t0)) s" >&2
mkdir "$work/guest"
tar -xf "$work/guest.tar" -C "$work/guest" || fail "the guest's results came back damaged (tar)"
rm -f "$work/guest.tar"
g=$work/guest
failed=()
for x in lstopo audit race "${parts[@]}"; do
  r=$(cat "$g/rc-$x" 2>/dev/null || echo missing)
  if [ "$r" != 0 ]; then
    failed+=("$x (exit $r: $(grep -m1 -v '^$' "$g/err-$x.txt" 2>/dev/null || true))")
  fi
done
[ ${#failed[@]} -eq 0 ] || fail "in the guest, failed: ${failed[*]}"

# ---- assemble the run folder on the host -----------------------------------------------------
part_specs=()
for part in "${parts[@]}"; do part_specs+=("$part"); done
scripts/pyrun scripts/guest_assemble.py --guest "$g" --out "$work" \
  --emulated "QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG (software emulation, one host thread for every vCPU), $NODES NUMA nodes x $CPUS_PER_NODE vCPUs, on host $host" \
  --nodes "$NODES" --cpus-per-node "$CPUS_PER_NODE" \
  --setting reps="$REPS" --setting min_time="$MIN_TIME" --setting modules="$MODULES" \
  --setting threads="$THREADS" --setting placements="$PLACEMENTS" --setting nr_cpus="$NR_CPUS" \
  --setting scenarios="$SCENARIOS" --setting schemes="$SCHEMES" \
  --setting build_id="$(sha256sum "$BUILD/refbench" | cut -c1-16)" \
  "${part_specs[@]}"
cp "$g/times.txt" "$work/guest-times.txt"
rm -rf "$g"
crc=0
scripts/pyrun scripts/guest_checks.py "$work" || crc=$?
[ "$crc" -le 1 ] || fail "scripts/guest_checks.py could not check the run (exit $crc)"
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/COMPLETE"
mv "$work" "$final"
trap - EXIT
echo "$prog: run folder $final ($((SECONDS - t0)) s)" >&2
echo "$final" >&3
[ "$crc" -eq 0 ] || fail "a check failed in the emulated machine (see $final/checks.json)"
