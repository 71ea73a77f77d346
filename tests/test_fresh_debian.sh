#!/usr/bin/env bash
# README's first command on the machine a new user has: a clone of HEAD on a new, minimal
# Debian 12 root (apt, git and make only; scripts/fresh-root.sh) runs `make bench-quick`,
# which must install what it needs through scripts/setup-deps.sh, build, run the quick suite
# and write a report.  Checks: the command passes; one complete run folder with its report
# and every file the run promises; no partial folder; the bench set did not need the test
# set's packages (pytest, clang, qemu are not installed in the root).
# Prints "fresh-debian: P passed, F failed, S skipped". Skipped, saying why, when not root,
# when mmdebstrap is missing, or when no Debian mirror answers.  The first run makes the
# base root (about a minute) and downloads the packages (kept for later runs); each run
# installs them anew and builds the lab: about 4 minutes on 2 CPUs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SUITE=fresh-debian
. tests/vm_lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (it makes a root file system and chroots into it)"
command -v mmdebstrap >/dev/null 2>&1 || skip "mmdebstrap not installed (scripts/setup-deps.sh test installs it)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
scripts/fresh-root.sh --out "$work/results" -- \
  bash -c 'make bench-quick && echo "=== installed" &&
           dpkg-query -W -f="\${Package} \${Status}\n" python3-pytest clang qemu-system-x86 2>/dev/null | grep " installed$" || true' \
  >"$work/log" 2>&1 || rc=$?
if [ "$rc" -eq 3 ]; then skip "$(grep -m1 '^fresh-root:' "$work/log")"; fi
echo "     last lines of make bench-quick on the fresh root:"
{ sed '/^=== installed/,$d' "$work/log" | tail -n 4; grep '^fresh-root:' "$work/log"; } | sed 's/^/       /'

if [ "$rc" -eq 0 ]; then ok "make bench-quick passes on a fresh Debian 12 root ($(sed -n 's/^fresh-root: exit 0 in \([0-9]*\) s$/\1/p' "$work/log") s)"
else bad "make bench-quick passes on a fresh Debian 12 root" "exit $rc: $(grep -v '^fresh-root:' "$work/log" | tail -n 3 | tr '\n' ' ')"; fi

runs=()
while IFS= read -r d; do runs+=("$d"); done < <(find "$work/results" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort)
check "one run folder, and no partial one" test "${#runs[@]}" -eq 1 -a -z "$(find "$work/results" -name '*.partial' 2>/dev/null)"
run=${runs[0]:-$work/none}
for f in COMPLETE bench.json context.json footprint.json race.json audit.json index.html; do
  check "the run has $f" test -s "$run/$f"
done
check "the report shows charts" bash -c "ls '$run'/charts/*.png >/dev/null 2>&1 && grep -q '<img' '$run/index.html'"
check "the report names the run's schemes" grep -q 'percpu' "$run/index.html"
installed=$(sed -n '/^=== installed/,$p' "$work/log" | sed 1d | grep -v '^fresh-root:' || true)
check "the bench set did not install the test set's packages ($(echo "$installed" | awk '{print $1}' | tr '\n' ' '))" \
  test -z "$installed"
finish
