#!/usr/bin/env bash
# make kbench: time the running kernel's own module refcount (and percpu_ref, atomic_t, rcuref, and its
# grace periods: percpu_ref_kill_and_confirm(), synchronize_rcu() and the expedited one),
# the lab's schemes compiled in kernel mode, and the same schemes' userspace models, on this
# machine, into one run folder:
#
#   results/<host>/<UTC timestamp>/
#     kbench.json        refbench_kmod's windows (Google Benchmark JSON, kernel-<scenario>/...)
#     bench.json         the userspace models' hot, spread and read, the same thread counts
#     grace.json         the userspace figures the kernel's grace periods stand beside (each
#                        grace case's beside=COUNTER@PREFIX in the module's cases file: the
#                        model's percpu-ref read and unload, liburcu alone in control/rcu-*)
#     kbench-table.json  kernel, kernel-mode model and userspace model side by side, with ratios,
#                        and the grace periods beside their userspace figures
#     COMPLETE
#
# Needs root (it loads modules), the running kernel's headers at /lib/modules/$(uname -r)/build
# (on Debian: linux-headers-$(uname -r), which scripts/setup-deps.sh kbench installs when apt
# knows it), a kernel the module supports (5.18 or later; tested on 6.1 and 6.12) and
# CONFIG_MODULE_UNLOAD. Without one of them it stops before building, with one line saying what
# is missing, and exits 1.
#
# Settings (environment, or make kbench VAR=...):
#   THREADS=1,4     thread counts (default: 1 and the number of cores; the kthreads take the
#                   first CPUs of CPUS, the userspace run one thread per core, compact)
#   CPUS=0-3        CPUs the kthreads are bound to (default: every online CPU)
#   PEERS=64        loaded module copies the kernel's spread runs over (0..1024)
#   WINDOW_MS=200   length of each kernel window; REPS=5 repetitions (both sides)
#   MIN_TIME=0.1    Google Benchmark's minimum time of each userspace benchmark
#   SCHEMES=all     subjects to run (names in debugfs refbench_kmod/cases)
#   KDIR=...        the headers to build against (default /lib/modules/$(uname -r)/build)
#   KMOD_DIR=...    modules already built for this kernel (make -C kernels/kmod KDIR=... OUT=...
#                   PEERS=...) on another machine: no headers or compiler needed here; KDIR
#                   then only serves to find the kernel's configuration
#   KBENCH_TABLE=0  leave out the side-by-side table (no Python here): make it later with
#                   scripts/pyrun scripts/kbench_table.py RUN
set -euo pipefail

prog=kbench
fail() { echo "$prog: $*" >&2; exit 1; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root_dir=$PWD
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-results}
release=$(uname -r)
KDIR=${KDIR:-/lib/modules/$release/build}
PEERS=${PEERS:-64}
WINDOW_MS=${WINDOW_MS:-200}
REPS=${REPS:-5}
SCHEMES=${SCHEMES:-all}
CPUS=${CPUS:-}
MIN_TIME=${MIN_TIME:-0.1}
THREADS=${THREADS:-}
KMOD_DIR=${KMOD_DIR:-}
KBENCH_TABLE=${KBENCH_TABLE:-1}
[ "$KBENCH_TABLE" = 0 ] || [ "$KBENCH_TABLE" = 1 ] || fail "KBENCH_TABLE='$KBENCH_TABLE' is not accepted (0 or 1)"

[[ $PEERS =~ ^[0-9]+$ ]] && [ "$PEERS" -le 1024 ] || fail "PEERS='$PEERS' is not accepted (an integer 0..1024)"
[[ $WINDOW_MS =~ ^[0-9]+$ ]] && [ "$WINDOW_MS" -ge 1 ] && [ "$WINDOW_MS" -le 10000 ] \
  || fail "WINDOW_MS='$WINDOW_MS' is not accepted (an integer 1..10000)"
[[ $REPS =~ ^[0-9]+$ ]] && [ "$REPS" -ge 1 ] && [ "$REPS" -le 100 ] || fail "REPS='$REPS' is not accepted (an integer 1..100)"

# ---- what the machine must have, checked before anything is built ----------------------------
[ "$(id -u)" -eq 0 ] || fail "needs root to load a kernel module: run sudo make kbench"
if [ -n "$KMOD_DIR" ]; then
  [ -f "$KMOD_DIR/refbench_kmod.ko" ] || fail "KMOD_DIR='$KMOD_DIR' has no refbench_kmod.ko (build it with make -C kernels/kmod)"
  for ((i = 0; i < PEERS; i++)); do
    [ -f "$KMOD_DIR/refbench_peer_$i.ko" ] || fail "KMOD_DIR='$KMOD_DIR' has no refbench_peer_$i.ko (PEERS=$PEERS; build with PEERS=$PEERS)"
  done
elif [ ! -f "$KDIR/Makefile" ] && [ "$KDIR" = "/lib/modules/$release/build" ]; then
  scripts/setup-deps.sh kbench >&2 || true    # installs linux-headers-$release when apt knows it
fi
if [ -z "$KMOD_DIR" ] && [ ! -f "$KDIR/Makefile" ]; then
  if apt-cache show "linux-headers-$release" >/dev/null 2>&1; then
    fail "no headers for kernel $release at $KDIR: install them with apt-get install linux-headers-$release"
  fi
  fail "no headers for kernel $release at $KDIR (no Debian package linux-headers-$release either: install the headers your kernel was built with, or give KDIR=<its build tree>)"
fi
# make -C kernels/kmod reads KDIR from there: an absolute path.
if [ -z "$KMOD_DIR" ]; then KDIR=$(cd "$KDIR" && pwd -P); fi
# A kernel older than the module's APIs is refused here, not by a compiler error.
if [ -z "$KMOD_DIR" ] && ! why=$(make -s --no-print-directory -C kernels/kmod KDIR="$KDIR" check-kernel 2>&1 >/dev/null); then
  fail "$(printf '%s\n' "$why" | sed -n '1s/^kmod: //p')"
fi
config=""
for c in "$KDIR/include/config/auto.conf" "$KDIR/.config" "/boot/config-$release"; do
  if [ -f "$c" ]; then config=$c; break; fi
done
if [ -n "$config" ]; then
  grep -q '^CONFIG_MODULE_UNLOAD=y' "$config" \
    || fail "kernel $release has no CONFIG_MODULE_UNLOAD ($config): the module could not be unloaded after its run"
elif [ -r /proc/config.gz ]; then
  zcat /proc/config.gz | grep -q '^CONFIG_MODULE_UNLOAD=y' \
    || fail "kernel $release has no CONFIG_MODULE_UNLOAD (/proc/config.gz): the module could not be unloaded after its run"
else
  fail "cannot tell whether kernel $release has CONFIG_MODULE_UNLOAD (no $KDIR/.config, /boot/config-$release or /proc/config.gz)"
fi
if grep -q '^refbench_' /proc/modules; then
  fail "refbench modules are already loaded ($(awk '/^refbench_/ {print $1}' /proc/modules | tr '\n' ' ')): rmmod them first"
fi
[ -x "$BUILD/refbench-kbench" ] && [ -x "$BUILD/refbench" ] || fail "$BUILD/refbench-kbench and $BUILD/refbench are not built (run make)"
if ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
  mount -t debugfs none /sys/kernel/debug || fail "debugfs is not mounted and cannot be (mount -t debugfs none /sys/kernel/debug)"
fi

# ---- build ----------------------------------------------------------------------------------
if [ -n "$KMOD_DIR" ]; then
  out=$KMOD_DIR
else
  out=$root_dir/$BUILD/kmod/$release
  mkdir -p "$out" || fail "cannot create $out"
  echo "$prog: building refbench_kmod and $PEERS peers against $KDIR" >&2
  make --no-print-directory -C kernels/kmod KDIR="$KDIR" OUT="$out" PEERS="$PEERS" >"$out.build.log" 2>&1 \
    || { tail -n 20 "$out.build.log" >&2; fail "the module did not build against $KDIR (log: $out.build.log)"; }
fi

# ---- the run folder -------------------------------------------------------------------------
host=$(hostname -s 2>/dev/null || hostname)
ts=$(date -u +%Y%m%dT%H%M%SZ)
final="$RESULTS/$host/$ts"
work="$RESULTS/$host/.$ts.kbench.partial"
mkdir -p "$work" || fail "results folder '$RESULTS/$host' cannot be written"
loaded=()
cleanup() {
  local m
  for ((i = ${#loaded[@]} - 1; i >= 0; i--)); do
    m=${loaded[$i]}
    grep -q "^$m " /proc/modules && rmmod "$m" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- load, run, check, unload ------------------------------------------------------------------
for ((i = 0; i < PEERS; i++)); do
  insmod "$out/refbench_peer_$i.ko" || fail "insmod refbench_peer_$i.ko failed"
  loaded+=("refbench_peer_$i")
done
# By default as many threads as cores, so that the userspace run (one thread per core) can match.
if [ -z "$THREADS" ]; then
  cores=$(lscpu -p=core,online 2>/dev/null | awk -F, '!/^#/ && $2 == "Y" {print $1}' | sort -u | wc -l)
  [ "$cores" -ge 1 ] 2>/dev/null || cores=1
  if [ "$cores" -gt 1 ]; then THREADS="1,$cores"; else THREADS=1; fi
fi
params=(window_ms="$WINDOW_MS" reps="$REPS" peers="$PEERS" schemes="$SCHEMES")
[ -z "$CPUS" ] || params+=(cpus="$CPUS")
[ -z "$THREADS" ] || params+=(threads="$THREADS")
if ! insmod "$out/refbench_kmod.ko" "${params[@]}" 2>"$work/insmod.err"; then
  why=$(dmesg 2>/dev/null | grep 'refbench_kmod: ' | tail -n1 | sed 's/^\[[ 0-9.]*\] //')
  fail "insmod refbench_kmod refused ${params[*]}: ${why:-$(head -n1 "$work/insmod.err")}"
fi
loaded+=(refbench_kmod)
echo "$prog: running (each window ${WINDOW_MS} ms, $REPS repetitions)" >&2
rc=0
"$BUILD/refbench-kbench" --out="$work/kbench.json" --host="$host" || rc=$?
# What the userspace run must match: the kernel's NR_CPUS, line size and thread counts.
kline=$(grep -m1 '^kernel ' /sys/kernel/debug/refbench_kmod/results || true)
# The userspace benchmarks the kernel's grace periods stand beside: PREFIX of COUNTER@PREFIX.
beside=$(sed -n 's/^case .* beside=\([^ ]*\) .*/\1/p' /sys/kernel/debug/refbench_kmod/cases \
           | tr ',' '\n' | sed -n 's/^[A-Za-z0-9_]*@//p' | sort -u)
kval() { printf '%s\n' "$kline" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
nr_cpus=$(kval nr_cpus) line_bytes=$(kval l1_cache_bytes) threads_k=$(kval threads)
users=$(awk '$1 == "refbench_kmod" {print $3}' /proc/modules)
[ "$users" = 0 ] || fail "refbench_kmod still has $users users after the run: a reference leaked"
rmmod refbench_kmod || fail "rmmod refbench_kmod failed"
unset 'loaded[${#loaded[@]}-1]'
for ((i = PEERS - 1; i >= 0; i--)); do
  rmmod "refbench_peer_$i" || fail "rmmod refbench_peer_$i failed"
  unset 'loaded[i]'
done
[ "$rc" -eq 0 ] || fail "the kernel run failed its checks (refbench-kbench exit $rc; see above)"

# ---- the userspace models, the same machine, the same thread counts ---------------------------
[ -n "$nr_cpus" ] && [ -n "$threads_k" ] || fail "refbench_kmod's results name no NR_CPUS or thread counts"
[ "$line_bytes" = 64 ] || [ "$line_bytes" = 128 ] || line_bytes=128
spread=()
[ "$PEERS" -eq 0 ] || spread=(--modules="$PEERS")
echo "$prog: the userspace models (hot, spread, read; NR_CPUS $nr_cpus, $line_bytes-byte lines)" >&2
"$BUILD/refbench" --scenario=hot,spread,read --threads="$threads_k" --nr-cpus="$nr_cpus" \
  --line="$line_bytes" "${spread[@]}" --benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$work/bench.json" --benchmark_out_format=json >/dev/null \
  || fail "the userspace run failed ($BUILD/refbench exit $?)"

# The grace periods' userspace figures: the benchmarks named, at the kernel's thread counts.
if [ -n "$beside" ]; then
  gscen=$(printf '%s\n' "$beside" | cut -d/ -f1 | sort -u | paste -sd, -)
  gfilter="^($(printf '%s\n' "$beside" | sed 's/[.]/[.]/g' | paste -sd'|' -))"
  # control/rcu-* exist only with --rcu-controls.
  gcontrols=()
  case ",$gscen," in *,control,*) gcontrols=(--rcu-controls) ;; esac
  echo "$prog: the userspace figures beside the kernel's grace periods ($gscen)" >&2
  "$BUILD/refbench" --scenario="$gscen" "${gcontrols[@]}" --threads="$threads_k" --nr-cpus="$nr_cpus" \
    --line="$line_bytes" "${spread[@]}" --benchmark_filter="$gfilter" --benchmark_repetitions="$REPS" \
    --benchmark_min_time="$MIN_TIME" --benchmark_out="$work/grace.json" --benchmark_out_format=json \
    >/dev/null || fail "the userspace run beside the grace periods failed ($BUILD/refbench exit $?)"
fi

if [ "$KBENCH_TABLE" = 1 ]; then
  scripts/pyrun scripts/kbench_table.py "$work" >&2 || fail "the side-by-side table could not be made"
else
  echo "$prog: no table (KBENCH_TABLE=0): scripts/pyrun scripts/kbench_table.py $final makes it" >&2
fi
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/COMPLETE"
mv "$work" "$final"
trap - EXIT
echo "$final"
