#!/usr/bin/env bash
# Test refbench_kmod (kernels/kmod/) and refbench-kbench in QEMU machines running Debian 12's two
# cloud kernels, 6.1 (linux-headers-cloud-amd64, installed by scripts/setup-deps.sh test) and
# 6.12 (linux-headers-6.12-cloud-amd64, whose package depends on the kernel image: its headers
# are downloaded and unpacked into build/ by scripts/kernel-headers.sh, never installed). First,
# without a machine: make kbench refuses, with one line and before building, a missing root,
# headers, CONFIG_MODULE_UNLOAD, a kernel older than the module supports, a bad setting. Then for
# each kernel: the module is built against its headers, the image of the same version is booted
# with scripts/qemu-numa.sh (6.12 with --tcg-single: under multi-threaded TCG it has been seen to
# oops in its own code patching), and inside it:
#   - bad module parameters are refused at load, each with one pr_err line naming the value and a
#     clear error from insmod; refbench-kbench without the module says what is missing (exit 3)
#   - 8 peer modules and the module load, a run measures every case that can run on this kernel
#     (the others are listed with their reason): kernel-rcuref on 6.4+ (6.12), listed as
#     unavailable before (6.1); every count is back where it started
#   - no reference is leaked: lsmod shows 0 users before rmmod, and everything unloads
#   - the kernel's grace periods (percpu_ref_kill_and_confirm() to its confirm and to its
#     release, synchronize_rcu(), synchronize_rcu_expedited()) are measured, each operation
#     timed by the module, and set beside the userspace figures each names (run in the guest
#     too), with the timing note that says they are emulated
# Check names start with the kernel's version, e.g. "[6.12] ".
# Timings under TCG software emulation are meaningless; nothing here reads them beyond "> 0".
# Prints "kbench-guest: P passed, F failed, S skipped"; exits non-zero on failure. Skipped (never
# passed) when qemu, busybox or cpio are missing; one kernel is skipped (counted, with its reason)
# when its headers cannot be had or its image cannot be downloaded. Took 9 to 11 minutes here (11.5
# with the grace periods and their userspace figures, each machine 3.5 min), with
# other builds and QEMU machines sharing the 2 CPUs (each kernel: build 1.5 min, machine 4 min).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SUITE=kbench-guest
. tests/vm_lib.sh
peers=8
# The headers meta-packages of the kernels tested: Debian 12's 6.1 and 6.12 cloud kernels.
kernels=(linux-headers-cloud-amd64 linux-headers-6.12-cloud-amd64)

# ---- prerequisites ------------------------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || skip "busybox not installed (busybox-static)"
command -v cpio >/dev/null 2>&1 || skip "cpio not installed"
[ -x build/refbench-kbench ] && [ -x build/refbench ] \
  || { bad "build/refbench-kbench and build/refbench are built first (make all)"; finish; }

mkdir -p build/qemu
work_all=$(mktemp -d build/qemu/kbench-test.XXXXXX)
trap 'rm -rf "$work_all"' EXIT
work=$work_all

# ---- make kbench stops before building, with one line, when something is missing ----------------
# (Only refusals run here: a real make kbench would load modules into this machine's kernel.)
refusal() { # NAME EXPECTED-SUBSTRING COMMAND... : exit 1, one line on stderr, nothing built
  local name=$1 want=$2 rc=0; shift 2
  "$@" >"$work/k.out" 2>"$work/k.err" || rc=$?
  if [ "$rc" -eq 1 ] && [ "$(wc -l <"$work/k.err")" -eq 1 ] && grep -qF -- "$want" "$work/k.err"; then
    ok "make kbench refuses: $name"
  else
    bad "make kbench refuses: $name" "exit $rc: $(head -c 300 "$work/k.err")"
  fi
}
if [ "$(id -u)" -ne 0 ]; then
  refusal "not root" "needs root" scripts/kbench.sh
elif command -v setpriv >/dev/null 2>&1; then
  # A copy of the script where an unprivileged user can reach it: the tree may
  # sit below a directory only root may enter (a mktemp -d clone, say).
  open_dir=$(mktemp -d)
  mkdir -p "$open_dir/scripts"
  cp scripts/kbench.sh "$open_dir/scripts/"
  chmod 755 "$open_dir" "$open_dir/scripts" "$open_dir/scripts/kbench.sh"
  refusal "not root" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$open_dir/scripts/kbench.sh"
  rm -rf "$open_dir"
fi
if [ "$(id -u)" -eq 0 ]; then
  refusal "no headers" "no headers for kernel $(uname -r) at $work/none" env KDIR="$work/none" scripts/kbench.sh
  # Headers that say 6.1 (393472) without CONFIG_MODULE_UNLOAD, then 5.10 (330240) with it.
  mkdir -p "$work/fake-kdir/include/config" "$work/fake-kdir/include/generated/uapi/linux"
  touch "$work/fake-kdir/Makefile"
  printf 'CONFIG_MODULES=y\n# CONFIG_MODULE_UNLOAD is not set\n' >"$work/fake-kdir/include/config/auto.conf"
  printf '#define LINUX_VERSION_CODE 393472\n' >"$work/fake-kdir/include/generated/uapi/linux/version.h"
  refusal "no CONFIG_MODULE_UNLOAD" "has no CONFIG_MODULE_UNLOAD" env KDIR="$work/fake-kdir" scripts/kbench.sh
  printf 'CONFIG_MODULES=y\nCONFIG_MODULE_UNLOAD=y\n' >"$work/fake-kdir/include/config/auto.conf"
  printf '#define LINUX_VERSION_CODE 330240\n' >"$work/fake-kdir/include/generated/uapi/linux/version.h"
  refusal "a kernel older than 5.18" "kernel 5.10 is not supported (KDIR=" \
    env KDIR="$work/fake-kdir" scripts/kbench.sh
fi
refusal "bad PEERS" "PEERS='x' is not accepted" env PEERS=x scripts/kbench.sh

# ---- one kernel: build, boot, run, check ------------------------------------------------------
# test_kernel META-PACKAGE: the headers it depends on, the image of the same version.
test_kernel() {
  local meta=$1 hdr release kdir frc=0 fetch_log krc=0 out vm_out t0 rc i
  local vm_opts=()
  # The version the installed meta-package points at, else the one apt would install.
  hdr=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null \
          | grep -oE 'linux-headers-[0-9][^ ,|]*-cloud-amd64' | head -n1) || true
  [ -n "$hdr" ] || hdr=$(apt-cache depends "$meta" 2>/dev/null \
          | awk '$1 ~ /Depends:/ && $2 ~ /^linux-headers-[0-9].*-cloud-amd64$/ {print $2; exit}') || true
  PART="[$meta] "
  if [ -z "$hdr" ]; then
    skip_part "apt knows no $meta (Debian 12 has it in bookworm-security: apt-get update?)"
    return 0
  fi
  release=${hdr#linux-headers-}
  PART="[${release%%-*}] "
  kdir=$(scripts/kernel-headers.sh "$hdr" 2>"$work_all/headers.err") || krc=$?
  if [ "$krc" -eq 3 ]; then skip_part "$hdr cannot be had: $(cat "$work_all/headers.err")"; return 0; fi
  if [ "$krc" -ne 0 ]; then bad "headers $hdr" "exit $krc: $(cat "$work_all/headers.err")"; return 0; fi
  fetch_log=$(scripts/qemu-numa.sh --kernel-package "linux-image-$release" --fetch-kernel 2>&1) || frc=$?
  if [ "$frc" -eq 3 ]; then skip_part "kernel image linux-image-$release not available (if the archive moved to a newer one: apt-get update, and for 6.1 apt-get install --only-upgrade linux-headers-cloud-amd64): $fetch_log"; return 0; fi
  if [ "$frc" -ne 0 ]; then bad "fetch linux-image-$release" "exit $frc: $fetch_log"; return 0; fi
  echo "     kernel: linux-image-$release, headers: $hdr ($kdir)"
  # Multi-threaded TCG has been seen to oops 6.12 in its own code patching (int3 in __schedule).
  case "$release" in 6.1.*|6.1-*) ;; *) vm_opts+=(--tcg-single) ;; esac
  work=$work_all/$release
  mkdir -p "$work"

  # ---- build against the guest kernel's headers ------------------------------------------------
  out=$PWD/build/kmod/$release
  t0=$(date +%s)
  if make --no-print-directory -C kernels/kmod KDIR="$kdir" OUT="$out" PEERS=$peers >"$work/build.log" 2>&1; then
    ok "module builds against $hdr ($(( $(date +%s) - t0 )) s)"
  else
    bad "module builds against $hdr" "$(grep -m3 -E 'error|Error' "$work/build.log" || tail -n3 "$work/build.log")"
    return 0
  fi
  check "module builds without warnings" bash -c "! grep -E 'warning:' '$work/build.log'"
  check "refbench_kmod.ko and $peers peers built" bash -c \
    "[ -f '$out/refbench_kmod.ko' ] && [ \$(ls '$out'/refbench_peer_*.ko | wc -l) -eq $peers ]"
  vermagic() { objcopy -O binary --only-section=.modinfo "$1" /dev/stdout | tr '\0' '\n' | sed -n 's/^vermagic=//p'; }
  check "vermagic is the guest kernel's, with module unloading" \
    bash -c "[[ '$(vermagic "$out/refbench_kmod.ko")' == '$release SMP '*mod_unload* ]]"

  # ---- the guest's script -------------------------------------------------------------------------
  vm_out=/lab/${out#"$PWD"/}
  cat >"$work/guest.sh" <<EOF
#!/bin/sh
# Runs in the guest; prints sections "=== name" for the host to check.
ko=$vm_out
peers=$peers
EOF
  cat >>"$work/guest.sh" <<'EOF'
mount -t debugfs none /sys/kernel/debug
echo "=== uname"; uname -r
echo "=== no module"; build/refbench-kbench --out=/tmp/none.json 2>&1; echo "rc=$?"
# A CPU that is offline.
echo 0 > /sys/devices/system/cpu/cpu3/online
bad_load() { # NAME PARAMS...
  name=$1; shift
  dmesg -c >/dev/null
  insmod "$ko/refbench_kmod.ko" "$@" 2>/tmp/insmod.err; rc=$?
  echo "=== bad $name"
  echo "rc=$rc"
  echo "insmod: $(head -n1 /tmp/insmod.err)"
  dmesg | grep 'refbench_kmod: ' | grep -v -e 'taints kernel' -e 'verification failed' | sed 's/^\[[ 0-9.]*\] //'
}
bad_load cpus-empty cpus=
bad_load cpus-offline cpus=1-3
bad_load cpus-range cpus=0-99
bad_load threads-zero threads=0
bad_load unknown-scheme schemes=percpu,no-such-scheme
bad_load window-zero window_ms=0
bad_load peers-missing peers=2
echo 1 > /sys/devices/system/cpu/cpu3/online
echo "=== online"; cat /sys/devices/system/cpu/online
dmesg -c >/dev/null
i=0
while [ $i -lt $peers ]; do insmod "$ko/refbench_peer_$i.ko" || echo "peer $i failed"; i=$((i + 1)); done
insmod "$ko/refbench_kmod.ko" window_ms=25 reps=2 peers=$peers; rc=$?; echo "=== load"; echo "rc=$rc"
echo "=== cases"; cat /sys/kernel/debug/refbench_kmod/cases
build/refbench-kbench --out=/tmp/kbench.json --note="TCG software emulation: timings meaningless" 2>/tmp/kbench.err
rc=$?; echo "=== driver"; echo "rc=$rc"; cat /tmp/kbench.err
echo "=== raw"; cat /sys/kernel/debug/refbench_kmod/results
# The userspace benchmarks the grace periods stand beside (PREFIX of COUNTER@PREFIX), as make kbench runs them.
beside=$(sed -n 's/^case .* beside=\([^ ]*\) .*/\1/p' /sys/kernel/debug/refbench_kmod/cases \
           | tr ',' '\n' | sed -n 's/^[A-Za-z0-9_]*@//p' | sort -u)
gscen=$(echo "$beside" | cut -d/ -f1 | sort -u | tr '\n' ',' | sed 's/,$//')
gfilter="^($(echo "$beside" | sed 's/[.]/[.]/g' | tr '\n' '|' | sed 's/|$//'))"
gcontrols=""
case ",$gscen," in *,control,*) gcontrols=--rcu-controls ;; esac
nr_cpus=$(sed -n 's/^kernel .* nr_cpus=\([0-9]*\) .*/\1/p' /sys/kernel/debug/refbench_kmod/results)
echo "=== lsmod before rmmod"; lsmod
rmmod refbench_kmod; rc=$?; echo "=== rmmod"; echo "rc=$rc"
echo "=== peers after rmmod"; lsmod | grep refbench_peer
i=0; prc=0
while [ $i -lt $peers ]; do rmmod "refbench_peer_$i" || prc=1; i=$((i + 1)); done
echo "=== rmmod peers"; echo "rc=$prc"
echo "=== lsmod after"; lsmod | grep refbench || echo none
echo "=== dmesg"; dmesg | sed 's/^\[[ 0-9.]*\] //'
# The userspace models in the same machine, for the side-by-side table (fixed iterations: quick).
build/refbench --scenario=hot,spread,read --threads=1,4 --nr-cpus="$nr_cpus" --line=64 \
  --modules=$peers --iterations=2048 --counters=none \
  --benchmark_out=/tmp/bench.json --benchmark_out_format=json >/dev/null 2>/tmp/u.err
rc=$?; echo "=== userspace"; echo "rc=$rc"; tail -n 3 /tmp/u.err
# 24 iterations: the unload and call_rcu cells take tens of ms each, emulated.
build/refbench --scenario="$gscen" $gcontrols --threads=1,4 --nr-cpus="$nr_cpus" --line=64 \
  --modules=$peers --iterations=24 --counters=none --benchmark_filter="$gfilter" \
  --benchmark_out=/tmp/grace.json --benchmark_out_format=json >/dev/null 2>/tmp/g.err
rc=$?; echo "=== grace userspace"; echo "rc=$rc"; echo "scenarios=$gscen filter=$gfilter"; tail -n 3 /tmp/g.err
echo "=== ujson"; cat /tmp/bench.json
echo "=== json"; cat /tmp/kbench.json
echo "=== gjson"; cat /tmp/grace.json
EOF

  includes=(--include "$out/refbench_kmod.ko" --include build/refbench-kbench --include build/refbench
            --include "$work/guest.sh")
  for ((i = 0; i < peers; i++)); do includes+=(--include "$out/refbench_peer_$i.ko"); done
  t0=$(date +%s)
  rc=0
  vm --kernel-package "linux-image-$release" --nodes 2 --cpus-per-node 2 ${vm_opts[@]+"${vm_opts[@]}"} \
    --timeout 420 "${includes[@]}" -- sh "/lab/${work#"$PWD"/}/guest.sh" \
    >"$work/vm.out" 2>"$work/vm.err" || rc=$?
  echo "     VM (2 nodes x 2 CPUs, TCG${vm_opts[*]:+ ${vm_opts[*]}}, boot+run) took $(( $(date +%s) - t0 )) s"
  check "VM ran the guest script (exit 0)" test "$rc" -eq 0
  if [ ! -s "$work/vm.out" ]; then
    bad "VM returned output" "exit $rc, stderr: $(head -c 400 "$work/vm.err")"
    return 0
  fi
  sed -n '/^=== ujson$/q; p' "$work/vm.out" | sed 's/^/     | /'
  section() { awk -v s="=== $1" '$0 == s {on = 1; next} /^=== / {on = 0} on' "$work/vm.out"; }
  section json >"$work/kbench.json"
  section gjson >"$work/grace.json"
  has() { section "$1" | grep -qE -- "$2"; }

  has_line() { section "$1" | grep -qxF -- "$2"; }   # a whole line, as given (6.12's release has a +)
  check "the guest runs $release" has_line uname "$release"
  check "driver without the module: exit 3, says to load it" \
    bash -c "grep -q '^rc=3\$' <(awk '/^=== no module\$/{on=1;next} /^=== /{on=0} on' '$work/vm.out') && grep -q 'load refbench_kmod first' '$work/vm.out'"

  # Bad parameters: insmod fails with EINVAL, one pr_err line naming the value.
  bad_case() { # SECTION EXPECTED-KERNEL-LINE-REGEX
    local s=$1 want=$2 body lines
    body=$(section "bad $s")
    lines=$(printf '%s\n' "$body" | grep -c '^refbench_kmod: ' || true)
    if printf '%s\n' "$body" | grep -q '^rc=[1-9]' \
       && printf '%s\n' "$body" | grep -qi '^insmod: .*invalid' \
       && [ "$lines" -ge 1 ] && printf '%s\n' "$body" | grep '^refbench_kmod: ' | sort -u | wc -l | grep -qx 1 \
       && printf '%s\n' "$body" | grep -qE "^refbench_kmod: $want"; then
      ok "bad parameter refused: $s"
    else
      bad "bad parameter refused: $s" "$(printf '%s' "$body" | tr '\n' '|')"
    fi
  }
  bad_case cpus-empty "cpus='' names no CPU"
  bad_case cpus-offline "cpus='1-3': CPU 3 is not online"
  bad_case cpus-range "cpus='0-99' is not a CPU list"
  bad_case threads-zero "threads='0' is not accepted"
  bad_case unknown-scheme "schemes: unknown scheme 'no-such-scheme'"
  bad_case window-zero "window_ms=0 is not accepted"
  bad_case peers-missing "peers=2: refbench_peer_0 is not loaded"
  check "CPU 3 back online" has online '^0-3$'

  check "module loads with $peers peers" has load '^rc=0$'
  check "driver exits 0" has driver '^rc=0$'
  check "driver: every count back where it started" has driver 'every count back where it started'
  check "lsmod: refbench_kmod used by 0 before rmmod" \
    bash -c "awk '/^=== lsmod before rmmod\$/{on=1;next} /^=== /{on=0} on && \$1==\"refbench_kmod\" {print \$3}' '$work/vm.out' | grep -qx 0"
  check "rmmod refbench_kmod exits 0" has rmmod '^rc=0$'
  check "peers back to 0 users once refbench_kmod is gone" \
    bash -c "[ \$(awk '/^=== peers after rmmod\$/{on=1;next} /^=== /{on=0} on && \$3 == \"0\"' '$work/vm.out' | wc -l) -eq $peers ]"
  check "peers unload" has "rmmod peers" '^rc=0$'
  check "nothing of refbench left loaded" has "lsmod after" '^none$'
  check "kernel log: no warning, bug or count error" \
    bash -c "! awk '/^=== dmesg\$/{on=1;next} /^=== /{on=0} on' '$work/vm.out' | grep -E 'WARNING|BUG|Oops|count [0-9-]+ after|released [0-9]+ times|not released'"

  # Every case that can run produced reps windows per thread count, with exact counts.
  build/refbench --list-schemes >"$work/schemes.json"
  check "results: every figure present, every count exact" python3 - "$work/kbench.json" "$work/schemes.json" "$release" "$peers" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
schemes = [s["name"] for s in json.load(open(sys.argv[2]))["schemes"]]
release, peers = sys.argv[3], int(sys.argv[4])
ctx = k["context"]["refbench_kbench"]
reps = int(ctx["reps"])
threads = [int(t) for t in ctx["threads"].split(",")]
bad = []
if ctx["release"] != release:
    bad.append("release %s" % ctx["release"])
if threads != [1, 4]:
    bad.append("threads %s" % threads)
# The subjects: the kernel's own, and every lab scheme in kernel mode.
want = {}
unav = {(u["scenario"], u["subject"]): u["reason"] for u in ctx["unavailable"]}
for scen, th in (("hot", threads), ("spread", threads), ("read", [1])):
    want[("kernel-" + scen, "kernel-module", "kernel")] = th
    for s in schemes:
        # A scheme its header keeps out of kernel mode is listed with the reason instead.
        if "kernel mode" in unav.get((scen, s), ""):
            continue
        want[("kernel-" + scen, s, "model")] = th
want[("kernel-hot", "kernel-percpu_ref", "kernel")] = threads
# The kernel's grace periods: one thread, each operation timed by the module.
for s in ("kernel-percpu_ref_kill", "kernel-percpu_ref_kill_release", "kernel-synchronize_rcu",
          "kernel-synchronize_rcu_expedited"):
    want[("kernel-grace", s, "kernel")] = [1]
want[("kernel-hot", "kernel-atomic_t", "kernel")] = threads
maj, mnr = (int(x) for x in release.split(".")[:2])
if (maj, mnr) >= (6, 4):
    want[("kernel-hot", "kernel-rcuref", "kernel")] = threads
elif "6.4" not in unav.get(("hot", "kernel-rcuref"), ""):
    bad.append("kernel-rcuref not reported unavailable with its reason: %r" % unav)
got = {}
for b in k["benchmarks"]:
    parts = b["name"].split("/")
    key = (parts[0], parts[1], parts[2].split(":", 1)[1])
    got.setdefault(key, []).append(b)
    if parts[3] != "release:" + release or not b["name"].endswith("/manual_time/threads:%d" % b["threads"]):
        bad.append("name " + b["name"])
    if b.get("error_occurred") or b["count_start"] != b["count_end"]:
        bad.append("count %s: %s -> %s" % (b["name"], b["count_start"], b["count_end"]))
    for c in ("ops", "ops_per_sec", "ns_per_op", "thread_ops_per_sec_min", "thread_ops_per_sec_max", "fairness"):
        if not b.get(c, 0) > 0:
            bad.append("%s: %s missing or not > 0" % (b["name"], c))
    if parts[0] == "kernel-spread" and "modules:%d" % peers not in parts:
        bad.append("spread not over %d modules: %s" % (peers, b["name"]))
    if not b.get("refbench_includes"):
        bad.append("%s says nothing of what it includes" % b["name"])
for key, th in want.items():
    runs = got.get(key, [])
    have = sorted((b["threads"], b["repetition_index"]) for b in runs)
    need = sorted((t, r) for t in th for r in range(reps))
    if have != need:
        bad.append("%s: windows %s, expected %s" % ("/".join(key), have, need))
extra = set(got) - set(want)
if extra:
    bad.append("unexpected subjects %s" % sorted(extra))
# What a figure includes is said for this kernel's version.
def includes(key):
    return (got.get(key) or [{}])[0].get("refbench_includes", "")
km = includes(("kernel-hot", "kernel-module", "kernel"))
if ("removed in 6.5" in km) != ((maj, mnr) >= (6, 5)) or ("disables preemption inside" in km) == ((maj, mnr) >= (6, 5)):
    bad.append("kernel-module's includes wrong for %d.%d: %r" % (maj, mnr, km))
lab_rcuref = includes(("kernel-hot", "rcuref", "model"))
if ("running kernel's own" in lab_rcuref) != ((maj, mnr) >= (6, 4)):
    bad.append("rcuref (model)'s includes wrong for %d.%d: %r" % (maj, mnr, lab_rcuref))
if (maj, mnr) >= (6, 4):
    r = sorted(b["ns_per_op"] for b in got.get(("kernel-hot", "kernel-rcuref", "kernel"), []) if b["threads"] == 1)
    if r:
        print("     kernel-rcuref measured, 1 thread: median %.1f ns/op (TCG: meaningless as a time)" % r[len(r) // 2])
for m in bad[:20]:
    print("     " + m)
print("     %d benchmarks, %d subjects, %d unavailable" % (len(k["benchmarks"]), len(got), len(unav)))
sys.exit(1 if bad else 0)
EOF
  # The side-by-side table over the guest's two runs.
  mkdir -p "$work/run"
  cp "$work/kbench.json" "$work/run/kbench.json"
  section ujson >"$work/run/bench.json"
  cp "$work/grace.json" "$work/run/grace.json"
  check "userspace figures beside the grace periods ran in the guest" has "grace userspace" '^rc=0$'

  check "userspace models ran in the guest" has userspace '^rc=0$'
  if scripts/pyrun scripts/kbench_table.py "$work/run" >"$work/table.txt" 2>&1; then
    ok "kbench_table.py sets kernel, kernel-mode and userspace model side by side"
    sed 's/^/     | /' "$work/table.txt"
  else
    bad "kbench_table.py sets kernel, kernel-mode and userspace model side by side" "$(head -c 300 "$work/table.txt")"
  fi
  check "index.html shows the table, labelled with the guest's kernel" \
    bash -c "grep -q 'kernel $release' '$work/run/index.html' && [ \$(grep -c '<tr><td>hot</td>' '$work/run/index.html') -ge 8 ]"
  check "table: every scheme's hot row has all three figures, atomic beside kernel-module" python3 - "$work/run/kbench-table.json" "$work/schemes.json" "$work/kbench.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
schemes = [s["name"] for s in json.load(open(sys.argv[2]))["schemes"]]
rows = t["rows"]
ok = True
k = json.load(open(sys.argv[3]))
absent = {u["subject"] for u in k["context"]["refbench_kbench"]["unavailable"]
          if u["scenario"] == "hot" and "kernel mode" in u["reason"]}
for s in schemes:
    for th in (1, 4):
        r = [x for x in rows if x["scenario"] == "hot" and x["scheme"] == s and x["threads"] == th]
        # Not built in kernel mode: the userspace figure alone, never a made-up kernel-mode one.
        want = (lambda x: not x["model_kernel_mode_ns"]) if s in absent else (lambda x: x["model_kernel_mode_ns"])
        if not r or not all(want(x) and x["model_userspace_ns"] for x in r):
            print("     missing hot/%s/threads:%d" % (s, th)); ok = False
a = [x for x in rows if x["scenario"] == "hot" and x["scheme"] == "atomic" and x["kernel_reference"] == "kernel-module"]
ok = ok and bool(a) and all(x["kernel_ns"] and x["model_kernel_mode_over_kernel"] for x in a)
p = [x for x in rows if x["scenario"] == "hot" and x["scheme"] == "percpu-ref" and x["kernel_reference"] == "kernel-percpu_ref"]
ok = ok and bool(p)
sys.exit(0 if ok else 1)
EOF
  check "grace periods: measured, positive, beside their userspace figures, labelled emulated" \
    python3 - "$work/kbench.json" "$work/run/kbench-table.json" "$work/table.txt" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))
text = open(sys.argv[3]).read()
bad = []
note = k["context"]["refbench_kbench"].get("timing_note", "")
if "TCG" not in note or "emulation" not in note:
    bad.append("kbench.json's timing note does not say emulated: %r" % note)
head = [l for l in text.splitlines() if l.startswith("the kernel's grace periods")]
if not head or "TCG software emulation" not in head[0]:
    bad.append("the printed grace table is not labelled with the emulation note: %r" % head)
grace = [b for b in k["benchmarks"] if b["name"].startswith("kernel-grace/")]
for b in grace:
    if not (b.get("timed_ns", 0) > 0 and b["ns_per_op"] > 0 and b["ops"] >= 8):
        bad.append("%s: timed_ns %s, ns_per_op %s, ops %s" % (b["name"], b.get("timed_ns"), b["ns_per_op"], b["ops"]))
    if "each operation" not in b.get("refbench_timing", "") or "@" not in b.get("refbench_kernel_beside", ""):
        bad.append("%s: timing %r, beside %r" % (b["name"], b.get("refbench_timing"), b.get("refbench_kernel_beside")))
rows = {g["subject"]: g for g in t.get("grace", [])}
for s in ("kernel-percpu_ref_kill", "kernel-percpu_ref_kill_release", "kernel-synchronize_rcu",
          "kernel-synchronize_rcu_expedited"):
    g = rows.get(s)
    if not g or not g["kernel_ns"] > 0:
        bad.append("%s: no kernel figure in the table" % s)
        continue
    for x in g["beside"]:
        if not (x["ns"] or 0) > 0:
            bad.append("%s: beside %s %s: no userspace figure" % (s, x["benchmark"], x["counter"]))
    print("     %s: %.3f ms (median of %d windows; TCG-emulated)" % (s, g["kernel_ns"] / 1e6, g["windows"]))
# Confirmation and release come from the same RCU callback: the release is never before it.
kc, kr = rows.get("kernel-percpu_ref_kill"), rows.get("kernel-percpu_ref_kill_release")
if kc and kr and kr["kernel_ns"] < 0.5 * kc["kernel_ns"]:
    bad.append("release far earlier than confirmation")
if any(r["scenario"] == "grace" for r in t["rows"]):
    bad.append("grace cases in the main table")
for m in bad[:20]:
    print("     " + m)
sys.exit(1 if bad else 0)
EOF
  check "no temporary directories left behind" bash -c '! ls -d build/qemu/run.* >/dev/null 2>&1'

  # The kernel-side hot loop of one per-CPU scheme, as built (for the record).
  if command -v objdump >/dev/null 2>&1; then
    echo "     objdump -dr $out/lab_percpu_incdec.o, lab_hot (percpu-incdec, kernel mode):"
    # The first 90 lines, cut by awk itself: a head closing the pipe early would be a
    # SIGPIPE, which pipefail and set -e turn into the end of the test.
    objdump -dr --no-show-raw-insn "$out/lab_percpu_incdec.o" \
      | awk '/<lab_hot>:/{on=1} on && /^$/{exit} on {print "     | " $0; if (++n == 90) exit}' \
      || true
  fi

}

for meta in "${kernels[@]}"; do
  test_kernel "$meta"
done
PART=""
[ "$passed" -gt 0 ] || [ "$failed" -gt 0 ] || skip "no kernel could be tested (see above)"
finish
