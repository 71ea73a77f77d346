#!/usr/bin/env bash
# Run a command in a clone of this checkout's HEAD on a new, minimal Debian root: the
# machine a new user starts from (apt, git and make; no compiler, no Python packages, no
# hwloc).  It is how the lab checks that README's two commands set up everything they need.
#
# Usage (root; from anywhere in the checkout):
#   scripts/fresh-root.sh [options] [--] [COMMAND [ARGS...]]     default COMMAND: make bench-quick
# Options:
#   --suite NAME   Debian release: bookworm (Debian 12, the default) or trixie (Debian 13)
#   --keep         keep the root afterwards (its path is printed)
#   --out DIR      copy the clone's results/ folder to DIR afterwards (DIR must not exist)
# The base root (mmdebstrap --variant=apt with git, ca-certificates and make) is made once and
# kept in $FRESH_ROOT_CACHE (default /var/tmp/refbench-fresh-root); every run starts from a
# copy of it, so nothing one run installs reaches the next.  Downloaded .deb files are kept
# in the cache's apt-archives/ and bound into each root, so a second run downloads nothing
# but still installs every package anew.  /proc, /sys and /dev are the host's (bind mounts):
# hwloc, perf and huge pages see the real machine.
# Output: the command's, then one line 'fresh-root: exit N in S s'.
# Exit: the command's status; 2 bad usage or not root; 3 no Debian mirror answered or
# mmdebstrap is missing (the cache cannot be made).
set -euo pipefail
prog=fresh-root

suite=bookworm keep=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) [ $# -ge 2 ] || { echo "$prog: --suite needs a value (bookworm or trixie)" >&2; exit 2; }
             suite=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --out) [ $# -ge 2 ] || { echo "$prog: --out needs a folder" >&2; exit 2; }
           out=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "$prog: unknown option '$1' (accepted: --suite NAME, --keep, --out DIR, then the command)" >&2; exit 2 ;;
    *) break ;;
  esac
done
case $suite in bookworm|trixie) ;; *)
  echo "$prog: --suite '$suite' not accepted (bookworm or trixie)" >&2; exit 2 ;; esac
[ -z "$out" ] || [ ! -e "$out" ] || { echo "$prog: --out '$out' already exists (a new folder is accepted)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$prog: needs root (it builds a root file system and chroots into it)" >&2; exit 2; }
src=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null) \
  || { echo "$prog: not inside the lab's git checkout" >&2; exit 2; }
[ $# -gt 0 ] || set -- make bench-quick

cache=${FRESH_ROOT_CACHE:-/var/tmp/refbench-fresh-root}
mirror=http://deb.debian.org/debian
base="$cache/base-$suite"
mkdir -p "$cache/apt-archives/partial"

if [ ! -x "$base/usr/bin/make" ]; then
  command -v mmdebstrap >/dev/null 2>&1 \
    || { echo "$prog: mmdebstrap not installed (Debian package mmdebstrap; scripts/setup-deps.sh test installs it)" >&2; exit 3; }
  if ! timeout 60 /usr/lib/apt/apt-helper download-file "$mirror/dists/$suite/InRelease" \
         "$cache/probe.InRelease" >/dev/null 2>&1; then
    echo "$prog: no Debian mirror answered ($mirror, suite $suite): cannot make the base root" >&2
    exit 3
  fi
  rm -f "$cache/probe.InRelease"
  rm -rf "$base.tmp"
  echo "$prog: making the base root for $suite (once; kept in $base)" >&2
  if ! mmdebstrap --quiet --variant=apt --include=git,ca-certificates,make "$suite" "$base.tmp" \
       "deb $mirror $suite main" "deb $mirror $suite-updates main" \
       "deb $mirror-security $suite-security main" >&2; then
    rm -rf "$base.tmp"
    echo "$prog: mmdebstrap could not make the $suite root (see above)" >&2
    exit 3
  fi
  mv "$base.tmp" "$base"
fi

root=$(mktemp -d "$cache/root.XXXXXX")
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "$prog: kept the root $root" >&2; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp -a "$base/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
bind() { mkdir -p "$root/$2"; mount --bind "$1" "$root/$2"; mounted+=("$root/$2"); }
for m in proc sys dev dev/pts; do bind "/$m" "$m"; done
bind "$cache/apt-archives" var/cache/apt/archives
git clone -q "$src" "$root/root/refbench"

t0=$SECONDS
rc=0
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  TERM=dumb LANG=C.UTF-8 bash -c 'cd /root/refbench && exec "$@"' "$prog" "$@" || rc=$?
if [ -n "$out" ] && [ -d "$root/root/refbench/results" ]; then
  cp -a "$root/root/refbench/results" "$out"
fi
echo "$prog: exit $rc in $((SECONDS - t0)) s"
exit "$rc"
