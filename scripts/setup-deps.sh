#!/usr/bin/env bash
# Install the Debian packages the lab builds and runs with, only those that are missing.
# Usage: scripts/setup-deps.sh [build|test|bench|kbench|guest|all]   (default: all)
#        scripts/setup-deps.sh --list SET      print the packages of SET, install nothing
# Runs apt-get (through sudo when not root). Safe to run again: it does nothing when all is present.
# test: the guest test of the kernel module (tests/test_kbench_guest.sh) builds it against the
#   Debian cloud kernel's headers (linux-headers-cloud-amd64, which brings its gcc and kbuild) and
#   boots the image of the same version, downloaded (never installed) by scripts/qemu-numa.sh.
#   It does the same for Debian 12's 6.12 cloud kernel, whose headers package depends on the
#   kernel image (installing it would install that kernel here): scripts/kernel-headers.sh
#   downloads those headers and unpacks them into build/, and their kbuild needs pahole (BTF).
# kbench: make kbench builds the module against the running kernel's headers,
#   linux-headers-$(uname -r) (named only when apt knows that package: a custom kernel brings
#   its own headers, and scripts/kbench.sh says so).
set -euo pipefail

list_only=0
if [ "${1:-}" = "--list" ]; then
  list_only=1
  shift
fi
what=${1:-all}
build_pkgs=(gcc g++ make pkg-config libbenchmark-dev libhwloc-dev hwloc liburcu-dev libcmocka-dev)
test_pkgs=(clang libclang-rt-14-dev python3-pytest python3-matplotlib python3-scipy valgrind chromium linux-perf
           qemu-system-x86 busybox-static cpio linux-headers-cloud-amd64 pahole mmdebstrap)
bench_pkgs=(python3-matplotlib python3-scipy libbenchmark-tools linux-perf valgrind)
kbench_pkgs=(make gcc)
# guest: make bench-guest, the lab in an emulated many-CPU, many-node QEMU machine
guest_pkgs=(qemu-system-x86 busybox-static cpio python3-matplotlib python3-scipy)
running_headers="linux-headers-$(uname -r)"
if apt-cache show "$running_headers" >/dev/null 2>&1; then
  kbench_pkgs+=("$running_headers")
fi

case "$what" in
  build) want=("${build_pkgs[@]}") ;;
  test)  want=("${build_pkgs[@]}" "${test_pkgs[@]}" libbenchmark-tools) ;;
  bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  kbench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}" "${kbench_pkgs[@]}") ;;
  guest) want=("${build_pkgs[@]}" "${guest_pkgs[@]}") ;;
  all)   want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}" "${kbench_pkgs[@]}" "${guest_pkgs[@]}") ;;
  *) echo "setup-deps: unknown set '$what' (accepted: build, test, bench, kbench, guest, all)" >&2; exit 2 ;;
esac

if [ "$list_only" = 1 ]; then
  printf '%s\n' "${want[@]}" | sort -u
  exit 0
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# de-duplicate
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-deps: missing packages (${missing[*]}) and no apt-get: install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup-deps: missing packages (${missing[*]}); not root and no sudo" >&2; exit 1
  fi
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
