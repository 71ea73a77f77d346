#!/usr/bin/env bash
# Test scripts/bench-guest.sh (make bench-guest): refbench in an emulated QEMU machine of 8 vCPUs
# in 4 NUMA nodes. Bad settings are refused with one line before anything boots; then one guest
# runs hot, spread, read, unload and handoff at 1, 2, 4 and 8 threads, compact and scatter,
# NR_CPUS 64 and 4096, for three schemes (the NR_CPUS array, the 2.6.29 per-CPU local_t that may
# read low, the 2.6.34 incs/decs that claims it never does), with the audit and the race; every
# check of scripts/guest_checks.py must pass, and the host's plots.py and report.py must draw the
# run labelled emulated, which compare.py refuses. Prints "bench-guest: P passed, F failed,
# S skipped". Skipped when qemu, busybox, cpio, hwloc or the Debian kernel are not available.
# About 2-5 minutes on a 2-CPU machine (single-threaded TCG emulating 8 vCPUs); the guest gets
# 400 s and, as vm_lib.sh does, one more start after a timeout, within run-tests.sh's 900 s.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SUITE=bench-guest
. tests/vm_lib.sh
script=scripts/bench-guest.sh

command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || skip "busybox not installed (busybox-static)"
command -v cpio >/dev/null 2>&1 || skip "cpio not installed"
command -v lstopo-no-graphics >/dev/null 2>&1 || skip "hwloc tools not installed (hwloc)"
for b in refbench refbench-audit refbench-race; do
  if [ ! -x "build/$b" ]; then
    echo "FAIL build/$b must be built first (make all)"
    echo "$SUITE: 0 passed, 1 failed, 0 skipped"; exit 1
  fi
done
frc=0
fetch_log=$(scripts/qemu-numa.sh --fetch-kernel 2>&1) || frc=$?
if [ "$frc" -eq 3 ]; then skip "kernel not available: $fetch_log"; fi
if [ "$frc" -ne 0 ]; then
  echo "FAIL fetch-kernel: exit $frc: $fetch_log"
  echo "$SUITE: 0 passed, 1 failed, 0 skipped"; exit 1
fi

mkdir -p build/qemu
work=$(mktemp -d build/qemu/guest-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
export RESULTS=$work/results

# ---- bad settings: one line naming the value, exit 2, nothing booted or written -------------
bad_case() { # NAME EXPECTED-SUBSTRING VAR=VALUE...
  local name=$1 want=$2 rc=0; shift 2
  env "$@" "$script" >"$work/u.out" 2>"$work/u.err" || rc=$?
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$work/u.err")" -eq 1 ] && grep -qF -- "$want" "$work/u.err" \
     && [ ! -s "$work/u.out" ] && [ -z "$(ls -A "$RESULTS" 2>/dev/null)" ]; then ok "$name"
  else bad "$name" "exit $rc, stderr: $(head -c 300 "$work/u.err")"; fi
}
bad_case "refuses NODES=0" "NODES='0'" NODES=0
bad_case "refuses more threads than vCPUs" "'9'" THREADS=1,9
bad_case "refuses a thread count twice" "names '2' twice" THREADS=1,2,2
bad_case "refuses an unknown placement" "'bogus'" PLACEMENTS=compact,bogus
bad_case "refuses NR_CPUS=0" "'0'" NR_CPUS=64,0
bad_case "refuses a scenario it does not run" "'lifecycle'" SCENARIOS=hot,lifecycle
bad_case "refuses an unknown scheme" "'nosuch'" SCHEMES=percpu,nosuch
bad_case "refuses MIN_TIME=0" "MIN_TIME='0'" MIN_TIME=0
bad_case "refuses MEM_MB too small for the nodes" "MEM_MB='256'" MEM_MB=256

# ---- the guest: 4 nodes x 2 vCPUs -------------------------------------------------------------
guest() {
  SCHEMES=nrcpus-array,percpu,percpu-incdec THREADS=1,2,4,8 PLACEMENTS=compact,scatter \
    NR_CPUS=64,4096 MODULES=64 REPS=1 MIN_TIME=0.002 TIMEOUT=400 \
    "$script" >"$work/run.txt" 2>"$work/run.err"
}
t0=$SECONDS
rc=0
guest || rc=$?
if [ "$rc" -eq 124 ]; then   # as vm_lib's vm(): one more start after a timed-out boot
  echo "     note: the guest timed out; starting it once more"
  rc=0; guest || rc=$?
fi
echo "     the guest run took $((SECONDS - t0)) s"
sed 's/^/     | /' "$work/run.err"
run=$(cat "$work/run.txt")
check "bench-guest exits 0 (every check in the guest passed)" test "$rc" -eq 0
if [ -z "$run" ] || [ ! -f "$run/COMPLETE" ]; then
  bad "bench-guest wrote a complete run folder" "exit $rc, stdout '$run'"
  finish
fi
check "the run folder is under RESULTS, named for the emulated topology" \
  bash -c "[[ '$run' == '$RESULTS/'*'-qemu-4x2/'* ]]"
check "no partial folder left" bash -c "! ls -a '$RESULTS'/*/ | grep -q partial"
for f in bench.json context.json audit.json race.json placements.json topology.xml checks.json; do
  check "run folder has $f" test -s "$run/$f"
done
# Each check on its own line, so a failure names itself.
scripts/pyrun - "$run/checks.json" >"$work/checks.txt" <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1]))["checks"]:
    print(("ok" if c["ok"] else "FAIL") + "\t" + c["name"] + "\t" + c["detail"])
EOF
while IFS=$'\t' read -r outcome name detail; do
  if [ "$outcome" = ok ]; then ok "in the guest: $name"; else bad "in the guest: $name" "$detail"; fi
done <"$work/checks.txt"
check "checks cover 8 CPUs in 4 nodes, per-CPU nodes, scatter, under-reads and handoff" \
  bash -c "grep -q 'topology: 4 nodes, 8 CPUs' '$work/checks.txt' && grep -q 'all 4 nodes' '$work/checks.txt' \
    && grep -q 'scatter: the first 4 threads on 4 different nodes' '$work/checks.txt' \
    && grep -q 'under-reads only for schemes' '$work/checks.txt' \
    && grep -q 'moving references with 8 threads' '$work/checks.txt' && grep -q 'gets_after_going' '$work/checks.txt'"
check "context.json says emulated, and has the guest's CPUs, not this host's" scripts/pyrun -c "
import json, sys
c = json.load(open(sys.argv[1]))
sys.exit(0 if 'QEMU' in c['emulated'] and c['online_cpus'] == '0-7'
         and c['emulated_topology'] == {'nodes': 4, 'cpus_per_node': 2} else 1)" "$run/context.json"

# ---- the host's scripts read it, labelled emulated ---------------------------------------------
prc=0
scripts/pyrun -m rbresults.plots "$run" --format png --only hot_throughput,read_cost >"$work/plots.out" 2>&1 || prc=$?
check "plots.py draws the run" bash -c "[ $prc -eq 0 ] && [ -s '$run/charts/hot_throughput.png' ]"
rrc=0
scripts/pyrun -m rbresults.report "$run" >"$work/report.out" 2>&1 || rrc=$?
check "report.py writes index.html" bash -c "[ $rrc -eq 0 ] && [ -s '$run/index.html' ]"
check "the report says EMULATED and shows the checks" \
  bash -c "grep -q 'EMULATED machine' '$run/index.html' && grep -q 'Checked in the emulated machine' '$run/index.html'"
crc=0
scripts/pyrun -m rbresults.compare "$run" "$run" --anyway >"$work/cmp.out" 2>"$work/cmp.err" || crc=$?
check "compare.py refuses an emulated run, even --anyway (one line, exit 2)" \
  bash -c "[ $crc -eq 2 ] && [ \$(wc -l <'$work/cmp.err') -eq 1 ] && grep -q 'emulated machine' '$work/cmp.err'"

finish
