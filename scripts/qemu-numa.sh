#!/usr/bin/env bash
# Run a command inside a small virtual machine with several NUMA nodes, emulated by QEMU in
# software (TCG: needs no /dev/kvm, and gives the same NUMA topology on any x86-64 host).
#
# Lets the lab's NUMA code (hwloc placement, the placement audit) be exercised on a machine with
# one NUMA node. The VM boots a Debian kernel (downloaded once as a package with
# `apt-get download`, never installed; its vmlinuz is kept in build/qemu/) from an initramfs built
# here with busybox-static and cpio, holding the files given with --include and every shared
# library they need. The command runs in /lab, which mirrors the project: build/refbench-audit on
# the host is /lab/build/refbench-audit in the VM. Host files outside the project keep their path.
#
# Usage:
#   scripts/qemu-numa.sh [options] -- COMMAND [ARGS...]
#   scripts/qemu-numa.sh [--kernel-package PKG] --fetch-kernel
#                                              (only make sure the kernel is cached; prints its path)
# Options:
#   --nodes N            NUMA nodes, one socket each (default 2, 1..16)
#   --cpus-per-node M    CPUs (cores) per node (default 2, 1..32; nodes*cpus <= 255)
#   --mem-mb N           guest memory in MiB, split evenly between nodes (default 1024,
#                        a multiple of N with at least 128 MiB per node)
#   --timeout S          seconds before the VM is killed (default 300)
#   --out FILE           write the command's stdout to FILE (atomically) instead of stdout
#   --include PATH       copy a host file or directory into the VM (repeatable); ELF files bring
#                        their shared libraries (found with ldd) and the dynamic loader
#   --tcg-single         one host thread emulates every vCPU (-accel tcg,thread=single)
#                        instead of one each: slower, but a guest kernel's own code patching
#                        (int3 in __schedule) has oopsed under multi-threaded TCG with 8 vCPUs
#   --kernel FILE        boot this bzImage instead of the cached Debian kernel
#   --kernel-package PKG boot the vmlinuz of this Debian package (linux-image-...), downloaded
#                        once with apt-get download and cached in build/qemu/PKG/; default: the
#                        package linux-image-amd64 points at, cached in build/qemu/
#   --verbose            report timings and, on failure, the kernel console on stderr
# COMMAND is run with ARGS in /lab. When COMMAND is a host file (a path, or a name found on PATH
# that is not a busybox applet) it is included automatically. The command's stdout goes to
# stdout (or --out), its stderr to stderr, byte for byte, and the script exits with its status.
# Exit status of the script itself: 2 bad usage, 3 a prerequisite is missing (qemu, busybox,
# cpio, or the kernel cannot be downloaded), 124 the VM timed out, 125 the VM gave no result.
set -euo pipefail

prog="qemu-numa"
die()  { echo "$prog: $*" >&2; exit 125; }
usage_err() { echo "$prog: $*" >&2; exit 2; }
missing() { echo "$prog: $*" >&2; exit 3; }

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cache_dir="$root_dir/build/qemu"

nodes=2 cpn=2 mem_mb=1024 timeout_s=300 out_file="" kernel="" kpkg="" verbose=0 fetch_only=0
accel=tcg
includes=()

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ ${#1} -le 9 ]; }
need_arg() { [ $# -ge 2 ] || usage_err "option $1 needs a value"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) need_arg "$@"; nodes=$2; shift 2 ;;
    --cpus-per-node) need_arg "$@"; cpn=$2; shift 2 ;;
    --mem-mb) need_arg "$@"; mem_mb=$2; shift 2 ;;
    --timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
    --out) need_arg "$@"; out_file=$2; shift 2 ;;
    --include) need_arg "$@"; includes+=("$2"); shift 2 ;;
    --kernel) need_arg "$@"; kernel=$2; shift 2 ;;
    --kernel-package) need_arg "$@"; kpkg=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --tcg-single) accel=tcg,thread=single; shift ;;
    --fetch-kernel) fetch_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) usage_err "unknown argument '$1' (options: --nodes --cpus-per-node --mem-mb --timeout --out --include --kernel --kernel-package --tcg-single --verbose --fetch-kernel, then -- COMMAND [ARGS...])" ;;
  esac
done

# ---- validate -----------------------------------------------------------------------------
if ! is_uint "$nodes" || [ "$nodes" -lt 1 ] || [ "$nodes" -gt 16 ]; then
  usage_err "--nodes '$nodes' is not accepted (an integer 1..16)"
fi
if ! is_uint "$cpn" || [ "$cpn" -lt 1 ] || [ "$cpn" -gt 32 ]; then
  usage_err "--cpus-per-node '$cpn' is not accepted (an integer 1..32)"
fi
ncpus=$((nodes * cpn))
[ "$ncpus" -le 255 ] || usage_err "--nodes $nodes x --cpus-per-node $cpn = $ncpus CPUs (at most 255 accepted)"
if ! is_uint "$mem_mb" || [ $((mem_mb % nodes)) -ne 0 ] || [ $((mem_mb / nodes)) -lt 128 ]; then
  usage_err "--mem-mb '$mem_mb' is not accepted (an integer multiple of --nodes $nodes with at least 128 MiB per node)"
fi
if ! is_uint "$timeout_s" || [ "$timeout_s" -lt 1 ] || [ "$timeout_s" -gt 86400 ]; then
  usage_err "--timeout '$timeout_s' is not accepted (seconds, an integer 1..86400)"
fi
if [ -n "$out_file" ]; then
  out_dir=$(dirname -- "$out_file")
  [ -d "$out_dir" ] && [ -w "$out_dir" ] || usage_err "--out '$out_file': directory '$out_dir' does not exist or is not writable"
  [ ! -d "$out_file" ] || usage_err "--out '$out_file' is a directory (a file name is accepted)"
fi
if [ -n "$kernel" ] && [ ! -f "$kernel" ]; then
  usage_err "--kernel '$kernel' is not a file (a bzImage/vmlinuz is accepted)"
fi
if [ -n "$kpkg" ]; then
  [[ $kpkg =~ ^linux-image-[a-z0-9][a-z0-9.+-]*$ ]] \
    || usage_err "--kernel-package '$kpkg' is not accepted (a Debian package name linux-image-...)"
  [ -z "$kernel" ] || usage_err "--kernel and --kernel-package '$kpkg' both given (one is accepted)"
fi
for inc in ${includes[@]+"${includes[@]}"}; do
  [ -e "$inc" ] || usage_err "--include '$inc' does not exist on this host"
done
if [ "$fetch_only" -eq 0 ] && [ $# -eq 0 ]; then
  usage_err "no command given (usage: scripts/qemu-numa.sh [options] -- COMMAND [ARGS...])"
fi

# ---- the kernel ---------------------------------------------------------------------------
# Cached as build/qemu/vmlinuz (+ vmlinuz.source naming the package), or with --kernel-package
# as build/qemu/PKG/vmlinuz. Only the vmlinuz is taken out of the package; the package itself is
# deleted afterwards.
fetch_kernel() {
  local kdir=$cache_dir
  [ -z "$kpkg" ] || kdir="$cache_dir/$kpkg"
  local cached="$kdir/vmlinuz"
  if [ -s "$cached" ]; then kernel=$cached; return 0; fi
  command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
    || missing "no cached kernel and no apt-get/dpkg-deb to download a Debian linux-image package"
  mkdir -p "$kdir"
  local pkg dl
  if [ -n "$kpkg" ]; then
    pkg=$kpkg
  else
    # The generic kernel the linux-image-amd64 meta-package currently points at.
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
            | awk '$1 ~ /Depends:/ && $2 ~ /^linux-image-[0-9]/ {print $2; exit}') || true
    [ -n "$pkg" ] || missing "cannot find the Debian kernel package (apt-cache depends linux-image-amd64 names none; run apt-get update?)"
  fi
  dl=$(mktemp -d "$cache_dir/download.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$dl'" EXIT
  local got=""
  for p in "$pkg" "$pkg-unsigned"; do
    if (cd "$dl" && apt-get download -q "$p") >"$dl/apt.log" 2>&1; then got=$p; break; fi
  done
  if [ -z "$got" ]; then
    missing "cannot download kernel package $pkg (apt-get download failed: $(grep -m1 -E '^(E|Err):' "$dl/apt.log" || tail -n1 "$dl/apt.log"))"
  fi
  local deb
  deb=$(ls "$dl"/*.deb)
  mkdir "$dl/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$dl/x" --wildcards './boot/vmlinuz-*' \
    || die "cannot extract vmlinuz from $(basename "$deb")"
  local vm
  vm=$(ls "$dl"/x/boot/vmlinuz-* | head -n1)
  [ -s "$vm" ] || die "no vmlinuz in $(basename "$deb")"
  printf '%s %s\n' "$(basename "$deb")" "$(basename "$vm")" > "$kdir/vmlinuz.source.tmp"
  mv "$kdir/vmlinuz.source.tmp" "$kdir/vmlinuz.source"
  cp "$vm" "$cached.tmp" && mv "$cached.tmp" "$cached"
  rm -rf "$dl"
  trap - EXIT
  kernel=$cached
}

command -v qemu-system-x86_64 >/dev/null 2>&1 || missing "qemu-system-x86_64 not found (Debian package qemu-system-x86)"
if [ -z "$kernel" ]; then fetch_kernel; fi
if [ "$fetch_only" -eq 1 ]; then echo "$kernel"; exit 0; fi
busybox=""
for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
  if [ -n "$b" ] && [ -x "$b" ]; then busybox=$b; break; fi
done
[ -n "$busybox" ] || missing "busybox not found (Debian package busybox-static)"
command -v cpio >/dev/null 2>&1 || missing "cpio not found (Debian package cpio)"
command -v ldd >/dev/null 2>&1 || missing "ldd not found (Debian package libc-bin)"

# ---- the initramfs ------------------------------------------------------------------------
mkdir -p "$cache_dir"
run=$(mktemp -d "$cache_dir/run.XXXXXX")
qpid=""
cleanup() {
  if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
stage="$run/root"
mkdir -p "$stage"/{proc,sys,dev,tmp,lab,qemu-numa,etc,usr/bin,usr/sbin,usr/lib}

# Mirror the host's merged-/usr symlinks (/lib -> usr/lib, ...) so that library paths printed
# by ldd land where the loader looks for them.
for d in bin sbin lib lib64 lib32 libx32; do
  if [ -L "/$d" ]; then
    t=$(readlink "/$d")
    mkdir -p "$stage/${t#/}" 2>/dev/null || mkdir -p "$stage/$t"
    ln -s "$t" "$stage/$d"
  else
    mkdir -p "$stage/$d"
  fi
done

declare -A copied=()
# copy HOST_PATH to VM_PATH (absolute) in the stage; ELF files bring their library closure.
stage_file() {
  local src=$1 dst=$2
  [ -z "${copied[$dst]+x}" ] || return 0
  copied[$dst]=1
  mkdir -p "$stage$(dirname "$dst")"
  if [ -d "$src" ]; then
    mkdir -p "$stage$dst"
    cp -RL -- "$src/." "$stage$dst/"
    local f
    while IFS= read -r -d '' f; do
      if is_elf "$f"; then add_libs "$f"; fi
    done < <(find "$src/" -type f -print0)
  else
    rm -f "$stage$dst"          # may be a busybox applet link: never write through it
    cp -L -- "$src" "$stage$dst"
    if is_elf "$src"; then add_libs "$src"; fi
  fi
}
is_elf() { [ "$(head -c 4 -- "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
add_libs() {
  local out lib
  if ! out=$(ldd -- "$1" 2>&1); then
    case "$out" in *"not a dynamic executable"*|*"statically linked"*) return 0 ;; esac
    die "ldd failed on $1: $(printf '%s' "$out" | head -n1)"
  fi
  if printf '%s\n' "$out" | grep -q '=> not found'; then
    die "$1 needs $(printf '%s\n' "$out" | awk '/=> not found/ {print $1; exit}'), not found on this host"
  fi
  while IFS= read -r lib; do
    [ -n "$lib" ] || continue
    stage_file "$lib" "$lib"
  done < <(printf '%s\n' "$out" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
}
# VM path of a host path: inside the project -> /lab/<relative>, elsewhere -> the same path.
vm_path() {
  local p=$1 d b
  d=$(cd "$(dirname -- "$p")" && pwd -P)
  b=$(basename -- "$p")
  if [ "$b" = . ] || [ "$b" = / ]; then b=""; fi
  local abs="${d%/}/$b"; abs=${abs%/}; [ -n "$abs" ] || abs=/
  if [ "$abs" = "$root_dir" ]; then echo /lab
  elif [ "${abs#"$root_dir"/}" != "$abs" ]; then echo "/lab/${abs#"$root_dir"/}"
  else echo "$abs"; fi
}

stage_file "$busybox" /bin/busybox
applets=$("$busybox" --list)
for a in $applets; do
  [ "$a" = busybox ] || [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
[ -e "$stage/bin/sh" ] || ln -s busybox "$stage/bin/sh"

for inc in ${includes[@]+"${includes[@]}"}; do
  stage_file "$inc" "$(vm_path "$inc")"
done

# The command itself, when it is a host file.
cmd=("$@")
c0=$1
if [[ $c0 == */* ]]; then
  if [ -f "$c0" ]; then v=$(vm_path "$c0"); stage_file "$c0" "$v"; cmd[0]=$v; fi
elif ! grep -qxF -- "$c0" <<<"$applets"; then
  if h=$(command -v -- "$c0" 2>/dev/null) && [[ $h == /* ]] && [ -f "$h" ]; then
    v=$(vm_path "$h"); stage_file "$h" "$v"; cmd[0]=$v
  fi
fi

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
  printf 'set --'
  for a in "${cmd[@]}"; do printf ' %s' "$(sq "$a")"; done
  printf '\n'
} > "$stage/qemu-numa/cmd.sh"

cat > "$stage/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox chmod 1777 /tmp
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/lab TMPDIR=/tmp
dmesg -n 1
cd /lab
. /qemu-numa/cmd.sh
"\$@" </dev/null >/qemu-numa/stdout 2>/qemu-numa/stderr
rc=\$?
{
  echo "@@qemu-numa $nonce stdout"
  base64 /qemu-numa/stdout
  echo "@@qemu-numa $nonce stderr"
  base64 /qemu-numa/stderr
  echo "@@qemu-numa $nonce exit \$rc"
} >/dev/ttyS1
sync
poweroff -f
reboot -f
EOF
chmod 755 "$stage/init"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
  > "$run/initramfs.cpio" || die "cpio failed building the initramfs"

# ---- the VM -------------------------------------------------------------------------------
per_node=$((mem_mb / nodes))
esc() { printf '%s' "${1//,/,,}"; }      # QEMU option values double their commas
qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -m "${mem_mb}M"
      -smp "$ncpus,sockets=$nodes,cores=$cpn,threads=1"
      -nodefaults -display none -monitor none -no-reboot
      -chardev "file,id=con,path=$(esc "$run/console.log")" -serial chardev:con
      -chardev "file,id=data,path=$(esc "$run/data.log")" -serial chardev:data
      -kernel "$kernel" -initrd "$run/initramfs.cpio"
      -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init mitigations=off")
for ((i = 0; i < nodes; i++)); do
  lo=$((i * cpn)) hi=$((i * cpn + cpn - 1))
  cpus=$lo; [ "$hi" -eq "$lo" ] || cpus="$lo-$hi"
  qemu+=(-object "memory-backend-ram,size=${per_node}M,id=m$i"
         -numa "node,nodeid=$i,cpus=$cpus,memdev=m$i")
done
for ((i = 0; i < nodes; i++)); do
  for ((j = 0; j < nodes; j++)); do
    [ "$i" -eq "$j" ] || qemu+=(-numa "dist,src=$i,dst=$j,val=20")
  done
done

t0=$(date +%s.%N)
timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=""
t1=$(date +%s.%N)
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')

# A failed run's console is kept twice: as last-console.log and under its own name (a later
# run overwrites the first, as when a test goes on to its next machine).
console_name=last-console.log
keep_console() {
  if [ -f "$run/console.log" ]; then
    console_name="console-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
    cp "$run/console.log" "$cache_dir/$console_name"
    cp "$run/console.log" "$cache_dir/last-console.log.tmp" && mv "$cache_dir/last-console.log.tmp" "$cache_dir/last-console.log"
  fi
  if [ "$verbose" -eq 1 ] && [ -f "$run/console.log" ]; then
    tail -n 40 "$run/console.log" >&2
  fi
}
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
  keep_console
  echo "$prog: timed out after $timeout_s s, qemu killed (kernel console in build/qemu/$console_name)" >&2
  exit 124
fi
if ! grep -q "^@@qemu-numa $nonce exit [0-9]" "$run/data.log" 2>/dev/null; then
  keep_console
  why=$(grep -m1 -v '^$' "$run/qemu.log" 2>/dev/null || true)
  echo "$prog: the VM returned no result (qemu exit $qrc${why:+: $why}; kernel console in build/qemu/$console_name)" >&2
  exit 125
fi

tr -d '\r' < "$run/data.log" > "$run/data.txt"
section() {
  awk -v b="@@qemu-numa $nonce $1" -v e="@@qemu-numa $nonce $2" \
    '$0 == b {on = 1; next} index($0, e) == 1 {on = 0} on' "$run/data.txt" | base64 -d
}
section stdout stderr > "$run/stdout" || die "the VM's stdout came back damaged (base64 decoding failed)"
section stderr exit > "$run/stderr" || die "the VM's stderr came back damaged (base64 decoding failed)"
status=$(sed -n "s/^@@qemu-numa $nonce exit \([0-9]*\)\$/\1/p" "$run/data.txt" | head -n1)

[ "$verbose" -eq 0 ] || echo "$prog: VM with $nodes nodes x $cpn CPUs, $mem_mb MiB ($accel): boot+run ${elapsed} s, command exit $status" >&2
cat "$run/stderr" >&2
if [ -n "$out_file" ]; then
  cp "$run/stdout" "$out_file.tmp" && mv "$out_file.tmp" "$out_file"
else
  cat "$run/stdout"
fi
exit "$status"
