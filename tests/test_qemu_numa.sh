#!/usr/bin/env bash
# Test scripts/qemu-numa.sh: boots emulated NUMA VMs and checks, inside them, that the topology is
# real NUMA to Linux and hwloc (2 nodes x 2 PUs) and that memory bound with hwloc to node 1 is
# placed on node 1. Prints "qemu-numa: P passed, F failed, S skipped"; exits non-zero on failure.
# Skipped (never passed) when qemu, busybox, cpio, a C compiler with hwloc, or the Debian kernel
# package are not available. Takes about 20-30 s with software emulation (TCG).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
script=scripts/qemu-numa.sh
SUITE=qemu-numa
. tests/vm_lib.sh
has_line() { grep -qxF -- "$2" "$1"; }
count_re() { grep -cE -- "$2" "$1" || true; }

# ---- prerequisites ------------------------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || skip "busybox not installed (busybox-static)"
command -v cpio >/dev/null 2>&1 || skip "cpio not installed"
command -v lstopo-no-graphics >/dev/null 2>&1 && command -v hwloc-calc >/dev/null 2>&1 \
  || skip "hwloc tools not installed (hwloc)"
cc=${CC:-gcc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"
pkg-config --exists hwloc 2>/dev/null || skip "hwloc development files not installed (libhwloc-dev)"
frc=0
fetch_log=$("$script" --fetch-kernel 2>&1) || frc=$?
if [ "$frc" -eq 3 ]; then skip "kernel not available: $fetch_log"; fi
if [ "$frc" -ne 0 ]; then
  echo "FAIL fetch-kernel: exit $frc: $fetch_log"
  echo "qemu-numa: 0 passed, 1 failed, 0 skipped"; exit 1
fi

mkdir -p build/qemu
work=$(mktemp -d build/qemu/test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# ---- bad input: one-line error, exit 2, nothing booted --------------------------------------
usage_case() { # NAME EXPECTED-SUBSTRING ARGS...
  local name=$1 want=$2 rc=0; shift 2
  "$script" "$@" >"$work/u.out" 2>"$work/u.err" || rc=$?
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$work/u.err")" -eq 1 ] && grep -qF -- "$want" "$work/u.err" \
     && [ ! -s "$work/u.out" ]; then ok "$name"
  else bad "$name" "exit $rc, stderr: $(head -c 300 "$work/u.err")"; fi
}
usage_case "rejects --nodes 0" "--nodes '0'" --nodes 0 -- true
usage_case "rejects --cpus-per-node x" "--cpus-per-node 'x'" --cpus-per-node x -- true
usage_case "rejects --mem-mb not a multiple of nodes" "--mem-mb '1000'" --nodes 3 --mem-mb 1000 -- true
usage_case "rejects --timeout 0" "--timeout '0'" --timeout 0 -- true
usage_case "rejects unknown option" "'--bogus'" --bogus -- true
usage_case "rejects missing command" "no command" --nodes 2
usage_case "rejects missing --include" "does not exist" --include "$work/nonexistent" -- true
usage_case "rejects --out in a missing directory" "does not exist" --out "$work/no/such/file" -- true

# ---- the membind probe: a tiny hwloc program ------------------------------------------------
probe=build/qemu-numa-membind
cat >"$work/membind.c" <<'EOF'
/* Print the NUMA topology hwloc sees, then allocate memory bound to node 1 (and, as a control,
 * node 0), touch it and ask the kernel where the pages are. Exit 0 only when both are right. */
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int where(hwloc_topology_t t, hwloc_obj_t node, const char *tag)
{
    const size_t len = 4u << 20;
    void *p = hwloc_alloc_membind(t, len, node->nodeset, HWLOC_MEMBIND_BIND,
                                  HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
    if (!p) { perror("hwloc_alloc_membind"); return 0; }
    memset(p, 0x5a, len);
    hwloc_nodeset_t loc = hwloc_bitmap_alloc();
    int good = 0;
    if (hwloc_get_area_memlocation(t, p, len, loc, HWLOC_MEMBIND_BYNODESET) < 0) {
        perror("hwloc_get_area_memlocation");
    } else {
        char *s = NULL;
        hwloc_bitmap_list_asprintf(&s, loc);
        printf("%s_bound_to=%u location=%s\n", tag, node->os_index, s ? s : "?");
        free(s);
        good = hwloc_bitmap_isequal(loc, node->nodeset);
    }
    hwloc_bitmap_free(loc);
    hwloc_free(t, p, len);
    return good;
}

int main(void)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) < 0 || hwloc_topology_load(t) < 0) { perror("hwloc"); return 2; }
    int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
    printf("numa_nodes=%d\n", n);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)i);
        printf("node%u_pus=%d\n", o->os_index, hwloc_bitmap_weight(o->cpuset));
    }
    hwloc_obj_t n0 = hwloc_get_numanode_obj_by_os_index(t, 0);
    hwloc_obj_t n1 = hwloc_get_numanode_obj_by_os_index(t, 1);
    if (!n0 || !n1) { fprintf(stderr, "membind: no NUMA node 1 here\n"); return 1; }
    int ok1 = where(t, n1, "membind");
    int ok0 = where(t, n0, "control");
    printf("membind_check=%s\n", ok1 && ok0 ? "ok" : "FAIL");
    hwloc_topology_destroy(t);
    return ok1 && ok0 ? 0 : 1;
}
EOF
# shellcheck disable=SC2046
if "$cc" -std=gnu11 -O1 -Wall -Wextra -Werror $(pkg-config --cflags hwloc) "$work/membind.c" \
     -o "$probe.tmp" $(pkg-config --libs hwloc) 2>"$work/cc.err"; then
  mv "$probe.tmp" "$probe"; ok "membind probe compiles"
else
  rm -f "$probe.tmp"; bad "membind probe compiles" "$(head -c 400 "$work/cc.err")"
fi
# On this host the probe must notice a missing node 1 (the check can fail).
if [ -x "$probe" ] && [ "$(hwloc-calc -N numa all 2>/dev/null || echo 0)" -lt 2 ]; then
  prc=0; "$probe" >/dev/null 2>&1 || prc=$?
  check "membind probe fails without a node 1 (host)" test "$prc" -ne 0
fi

# ---- VM 1: 2 nodes x 2 CPUs, the NUMA checks ------------------------------------------------
inner='cat /sys/devices/system/node/online
echo "--- ls"; ls /sys/devices/system/node/
echo "--- lstopo"; lstopo-no-graphics --of console
echo "--- hwloc-calc"
echo "numa=$(hwloc-calc -N numa all) pus_node0=$(hwloc-calc -N pu node:0) pus_node1=$(hwloc-calc -N pu node:1)"
echo "--- membind"; build/qemu-numa-membind; echo "membind_rc=$?"
echo "note on stderr" >&2
exit 7'
t0=$(date +%s)
rc=0
vm --include "$probe" --include /usr/bin/hwloc-calc --include /usr/bin/lstopo-no-graphics \
  --out "$work/vm1.out" -- sh -c "$inner" >"$work/vm1.stdout" 2>"$work/vm1.stderr" || rc=$?
t1=$(date +%s)
echo "     VM 1 (2x2, boot+run) took $((t1 - t0)) s"
o=$work/vm1.out
check "VM exit status is the command's (7)" test "$rc" -eq 7
if [ ! -f "$o" ]; then
  bad "VM returned output" "exit $rc, stderr: $(head -c 400 "$work/vm1.stderr")"
else
  sed 's/^/     | /' "$o"
  check "--out leaves stdout empty" test ! -s "$work/vm1.stdout"
  check "command stderr comes back on stderr" grep -qxF "note on stderr" "$work/vm1.stderr"
  check "node/online is 0-1" test "$(head -n1 "$o")" = "0-1"
  check "sysfs has node0 and node1" bash -c "grep -qx node0 '$o' && grep -qx node1 '$o' && ! grep -qx node2 '$o'"
  check "lstopo shows 2 NUMA nodes" test "$(count_re "$o" '^ *NUMANode L#[0-9]+')" -eq 2
  check "lstopo shows 4 PUs" test "$(count_re "$o" 'PU L#[0-9]+')" -eq 4
  check "hwloc-calc: 2 nodes with 2 PUs each" has_line "$o" "numa=2 pus_node0=2 pus_node1=2"
  check "probe: 2 NUMA nodes" has_line "$o" "numa_nodes=2"
  check "probe: node0 has 2 PUs" has_line "$o" "node0_pus=2"
  check "probe: node1 has 2 PUs" has_line "$o" "node1_pus=2"
  check "memory bound to node 1 is on node 1" has_line "$o" "membind_bound_to=1 location=1"
  check "control: memory bound to node 0 is on node 0" has_line "$o" "control_bound_to=0 location=0"
  check "membind probe exits 0" has_line "$o" "membind_rc=0"
fi

# ---- VM 2: 3 nodes x 1 CPU, arguments and bytes pass through unchanged ----------------------
rc=0
t0=$(date +%s)
vm --nodes 3 --cpus-per-node 1 --mem-mb 768 -- \
  sh -c 'cat /sys/devices/system/node/online; nproc; printf "%s|" "$@"' sh "a b" "it's" '$HOME' \
  >"$work/vm2.out" 2>"$work/vm2.err" || rc=$?
t1=$(date +%s)
echo "     VM 2 (3x1, boot+run) took $((t1 - t0)) s"
check "VM 2 exits 0" test "$rc" -eq 0
printf '0-2\n3\na b|it'\''s|$HOME|' >"$work/vm2.want"
check "3 nodes, 3 CPUs, args and output byte-exact" cmp -s "$work/vm2.out" "$work/vm2.want"

# ---- VM 3: the lab itself on 2 nodes: placement audit and a short benchmark -----------------
# Placement is real under emulation; timings are not, and nothing here reads them.
if [ -x build/refbench-audit ] && [ -x build/refbench ]; then
  rc=0
  vm --nodes 2 --cpus-per-node 2 --include build/refbench-audit --include build/refbench -- \
    sh -c 'build/refbench-audit && echo ===bench=== && build/refbench --scenario=hot,unload --threads=4 --iterations=200 --counters=none --benchmark_format=json 2>/dev/null' \
    >"$work/vm3.out" 2>"$work/vm3.err" || rc=$?
  check "VM 3 (audit + benchmark) exits 0" test "$rc" -eq 0
  sed -n '1,/^===bench===$/p' "$work/vm3.out" | sed '$d' >"$work/audit.json"
  sed -n '/^===bench===$/,$p' "$work/vm3.out" | sed '1d' >"$work/bench.json"
  build/refbench --list-schemes >"$work/schemes.json"
  audit_check() { # NAME PYTHON-EXPRESSION over a = the audit JSON, s = {scheme: entry}
    check "$1" python3 -c "import json,sys; a=json.load(open(sys.argv[1])); s={x['scheme']: x for x in a['schemes']}; sys.exit(0 if ($2) else 1)" "$work/audit.json"
  }
  audit_check "audit sees 2 nodes and 4 CPUs" "a['nodes'] == 2 and a['nr_cpu_ids'] == 4"
  # What each scheme should show follows from where it says its counts live.
  audit_check "per-CPU-unit schemes: every CPU's counter on its own node" \
    "all(all(c['counter_node'] == c['cpu_node'] for c in x['cpus']) and x['remote_share'] == 0 for x in a['schemes'] if x['in_percpu_units']) and any(x['in_percpu_units'] for x in a['schemes'])"
  audit_check "other schemes: all counters on the loading CPU's node, half remote" \
    "all(all(c['counter_node'] == x['loading_node'] for c in x['cpus']) and x['remote_share'] == 0.5 for x in a['schemes'] if not x['in_percpu_units'])"
  check "benchmark in the VM ran every scheme without error" python3 -c "
import json, sys
b = json.load(open(sys.argv[1]))['benchmarks']
names = {x['run_name'].split('/')[1] for x in b}
want = {x['name'] for x in json.load(open(sys.argv[2]))['schemes']}
ok = bool(want) and want <= names
ok = ok and not any(x.get('error_occurred') for x in b)
ok = ok and all(x.get('gets_after_going', 0) == 0 for x in b)
sys.exit(0 if ok else 1)" "$work/bench.json" "$work/schemes.json"
else
  bad "VM 3" "build/refbench and build/refbench-audit must be built first (make all)"
fi

# ---- timeout: qemu is killed and the script says so ------------------------------------------
rc=0
"$script" --timeout 1 -- true >"$work/to.out" 2>"$work/to.err" || rc=$?
check "timeout: exit 124 with a one-line error" \
  bash -c "[ $rc -eq 124 ] && [ \$(wc -l <'$work/to.err') -eq 1 ] && grep -q 'timed out after 1 s' '$work/to.err'"
check "no temporary directories left behind" bash -c '! ls -d build/qemu/run.* >/dev/null 2>&1'

finish
