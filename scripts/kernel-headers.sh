#!/usr/bin/env bash
# Find or fetch a Debian kernel headers package to build refbench_kmod against, and print the
# folder to give as KDIR.
#
# Usage: scripts/kernel-headers.sh linux-headers-<release>
#
# When the package is installed, its folder /usr/src/linux-headers-<release> is printed. When it
# is not, the package, its linux-headers-*-common and its linux-kbuild-* are downloaded with
# `apt-get download` (never installed) and unpacked into build/kheaders/<release>/, once; the
# arch Makefile's include of the common one is pointed there. This is how the guest test gets
# the headers of Debian 12's 6.12 cloud kernel, whose package depends on the kernel image:
# installing it would install that kernel (and what it pulls in) on this machine. Its kbuild
# needs gcc-12 and pahole, which scripts/setup-deps.sh test installs.
# Exit status: 0 the folder printed, 2 bad usage, 3 the package cannot be found or downloaded.
set -euo pipefail

prog=kernel-headers
usage_err() { echo "$prog: $*" >&2; exit 2; }
missing() { echo "$prog: $*" >&2; exit 3; }

[ $# -eq 1 ] || usage_err "one argument is accepted, a package name linux-headers-<release> ($# given)"
pkg=$1
[[ $pkg =~ ^linux-headers-[0-9][a-z0-9.+~-]*$ ]] \
  || usage_err "'$pkg' is not accepted (a Debian package name linux-headers-<release>, e.g. linux-headers-6.12.118+deb12-cloud-amd64)"
release=${pkg#linux-headers-}

if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  kdir=/usr/src/$pkg
  [ -f "$kdir/Makefile" ] || missing "$pkg is installed but $kdir/Makefile is missing"
  echo "$kdir"
  exit 0
fi

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cache=$root_dir/build/kheaders
dest=$cache/$release
kdir=$dest/usr/src/$pkg
if [ -f "$dest/COMPLETE" ] && [ -f "$kdir/Makefile" ]; then
  echo "$kdir"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
  || missing "$pkg is not installed and there is no apt-get/dpkg-deb to download it"
# The package and the two it cannot build without: its common headers and its kbuild.
deps=$(apt-cache depends "$pkg" 2>/dev/null \
         | awk '$1 ~ /Depends:/ && $2 ~ /^linux-(headers-.*-common|kbuild-)/ {print $2}' | sort -u) || true
[ -n "$deps" ] || missing "apt knows no package $pkg with linux-headers-*-common and linux-kbuild-* dependencies (apt-get update?)"

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
if ! (cd "$tmp" && apt-get download -q "$pkg" $deps) >"$tmp/apt.log" 2>&1; then
  missing "cannot download $pkg $(echo $deps) (apt-get download: $(grep -m1 -E '^(E|Err):' "$tmp/apt.log" || tail -n1 "$tmp/apt.log"))"
fi
mkdir "$tmp/root"
for deb in "$tmp"/*.deb; do
  dpkg-deb -x "$deb" "$tmp/root" || missing "cannot unpack $(basename "$deb")"
done
mk=$tmp/root/usr/src/$pkg/Makefile
[ -f "$mk" ] || missing "$pkg has no usr/src/$pkg/Makefile"
# "include /usr/src/linux-headers-<version>-common/Makefile" -> the unpacked one.
sed -i "s|^include /usr/src/|include $dest/usr/src/|" "$mk"
grep -q "^include $dest/usr/src/" "$mk" || missing "$pkg's Makefile does not include a common one as expected: $(head -n1 "$mk")"
ls "$tmp"/*.deb | xargs -n1 basename >"$tmp/root/SOURCES"
rm -rf "$dest"
mv "$tmp/root" "$dest"
date -u +%Y-%m-%dT%H:%M:%SZ >"$dest/COMPLETE"
echo "$kdir"
