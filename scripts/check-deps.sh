#!/usr/bin/env bash
# Check that everything the build and the tests use comes from a package that
# scripts/setup-deps.sh installs (or one those packages depend on), so that a
# machine with exactly what setup-deps installs runs the same tests as this one.
#
# Usage: scripts/check-deps.sh [--set build|test|bench|all] [--declared "pkg pkg ..."]
#                              [--only libs|pkgconfig|python|commands]
#   --declared replaces the package list (what the check's own test uses to
#   show that a missing declaration fails).
#
# What it checks, and how:
#   shared libraries   ldd of every binary under $BUILD (the lab, its tests and
#                      the sanitizer builds; for the build and bench sets the
#                      lab's programs alone) -> dpkg -S
#   pkg-config         the .pc files of the packages the Makefile names
#   Python modules     test set: every top-level import in scripts/ and tests/;
#                      bench set: what the scripts and the rbresults modules
#                      that run-bench.sh and the Makefile run import, followed
#                      through the lab's modules
#                      (scripts/pyimports.py); resolved by the interpreter
#                      scripts/pyrun picks (standard library and the lab's own
#                      modules exempt)
#   commands           the programs the scripts and tests run (bench set: those
#                      make bench runs)
# Each must belong to a declared package or to the Depends/Pre-Depends closure
# of one (Recommends do not count: setup-deps installs without them).  What
# hwloc loads at run time from libhwloc-plugins is not visible here; the tests
# pass with and without those plugins.
# Exit status: 0 when everything is covered; 1 with one line per item when not.
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
set_name=test
declared=""
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --set) set_name=${2:-}; shift 2 ;;
    --set=*) set_name=${1#--set=}; shift ;;
    --declared) declared=${2:-}; shift 2 ;;
    --declared=*) declared=${1#--declared=}; shift ;;
    --only) only=${2:-}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    *) echo "check-deps: unknown argument '$1' (accepted: --set build|test|bench|all, --declared LIST)" >&2; exit 2 ;;
  esac
done
case "$only" in
  ''|libs|pkgconfig|python|commands) ;;
  *) echo "check-deps: --only '$only' not accepted (accepted: libs, pkgconfig, python, commands)" >&2; exit 2 ;;
esac
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
if [ -z "$declared" ]; then
  declared=$(scripts/setup-deps.sh --list "$set_name") || exit 2
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "check-deps: no dpkg-query: this check needs a Debian or Ubuntu machine" >&2
  exit 2
fi

# The closure of the declared packages over Depends and Pre-Depends (installed
# ones), plus the Essential packages every Debian system has: one dpkg-query,
# walked in awk.
declare -A closure=()
while read -r p; do
  closure[$p]=1
done < <(dpkg-query -W -f='${Package}\t${Essential}\t${Provides}\t${Depends}, ${Pre-Depends}\n' 2>/dev/null |
  awk -F'\t' -v declared="$declared" '
    function clean(x) { gsub(/\([^)]*\)/, "", x); gsub(/\[[^]]*\]/, "", x); gsub(/:[a-z0-9]+/, "", x); gsub(/ /, "", x); return x }
    {
      pkg = $1; installed[pkg] = 1; deps[pkg] = $4
      if ($2 == "yes") queue[++qn] = pkg
      n = split($3, pv, ","); for (i = 1; i <= n; i++) { v = clean(pv[i]); if (v != "") prov[v] = prov[v] " " pkg }
    }
    END {
      n = split(declared, d, " "); for (i = 1; i <= n; i++) queue[++qn] = clean(d[i])
      for (q = 1; q <= qn; q++) {
        p = queue[q]; if (p == "" || (p in done)) continue
        done[p] = 1; print p
        m = split(deps[p], alts, /[,|]/)
        for (j = 1; j <= m; j++) {
          a = clean(alts[j]); if (a == "") continue
          if (a in installed) queue[++qn] = a
          else if (a in prov) { k = split(prov[a], pp, " "); for (l = 1; l <= k; l++) queue[++qn] = pp[l] }
        }
      }
    }')

problems=0
report() {   # WHAT USER PACKAGE
  echo "check-deps: $1 (used by $2) comes from $3, which scripts/setup-deps.sh does not install: add it there"
  problems=$((problems + 1))
}
owner_of() { # PATH -> package name, or empty
  local f=$1 out
  out=$(dpkg -S "$f" 2>/dev/null | grep -v '^diversion by' | head -1) || true
  if [ -z "$out" ]; then
    f=$(readlink -f "$1")
    out=$(dpkg -S "$f" 2>/dev/null | grep -v '^diversion by' | head -1) || true
  fi
  if [ -z "$out" ] && [[ $f == /usr/* ]]; then
    out=$(dpkg -S "${f#/usr}" 2>/dev/null | grep -v '^diversion by' | head -1) || true
  fi
  echo "${out%%:*}" | sed 's/,.*//'
}
check_path() {  # PATH USER
  local pkg
  pkg=$(owner_of "$1")
  if [ -z "$pkg" ]; then
    echo "check-deps: $1 (used by $2) belongs to no Debian package: install it through scripts/setup-deps.sh"
    problems=$((problems + 1))
  elif [ -z "${closure[$pkg]:-}" ]; then
    report "$1" "$2" "$pkg"
  fi
}

# 1. shared libraries of everything built
declare -A seen_lib=()
want libs && while IFS= read -r bin; do
  while read -r lib; do
    [ -n "$lib" ] && [ -z "${seen_lib[$lib]:-}" ] || continue
    seen_lib[$lib]=$bin
    check_path "$lib" "$bin"
  done < <(ldd "$bin" 2>/dev/null | awk '/=> \// {print $3} /^\s*\/[^ ]+ \(/ {print $1}')
done < <(depth=3; case "$set_name" in build|bench|kbench) depth=1 ;; esac
         find "$BUILD" -maxdepth "$depth" -type f -perm -u+x \( -name 'refbench*' -o -name 'test_*' \) ! -name '*.o' ! -name '*.d' 2>/dev/null)

# 2. pkg-config packages the Makefile names, and the tests' cmocka
want pkgconfig && for pc in $(sed -n 's/^PKGS *:= *//p' Makefile) cmocka; do
  dir=$(pkg-config --variable=pcfiledir "$pc" 2>/dev/null) || dir=""
  if [ -z "$dir" ]; then
    echo "check-deps: pkg-config package $pc (used by the Makefile) is not installed"
    problems=$((problems + 1))
  else
    check_path "$dir/$pc.pc" "the Makefile"
  fi
done

# 3. Python modules: for the test set every import of scripts/ and tests/; for the others the
#    scripts their own make targets run (traced from run-bench.sh and the Makefile), followed
#    through the lab's modules by scripts/pyimports.py.
python_entries() {
  case "$set_name" in
    test|all) echo "--path scripts scripts tests" ;;
    build) ;;
    *) { grep -ohE 'scripts/pyrun scripts/[a-z_]+\.py' scripts/run-bench.sh Makefile \
           | awk '{print $2}' | sort -u | grep -v '^scripts/pyimports'
         # the package that reads results, run as scripts/pyrun -m rbresults.NAME
         grep -ohE 'scripts/pyrun -m rbresults(\.[a-z_]+)?' scripts/run-bench.sh Makefile \
           | awk '{print "--path scripts -m " $3}' | sort -u; } ;;
  esac
}
if ! want python || [ -z "$(python_entries)" ]; then
  :
elif py=$(scripts/pyrun -c 'import sys; print(sys.executable)' 2>/dev/null); then
  # shellcheck disable=SC2046
  while read -r mod; do
    [ -n "$mod" ] || continue
    file=$("$py" -c 'import importlib.util, sys
s = importlib.util.find_spec(sys.argv[1])
o = s.origin if s and s.origin not in (None, "built-in", "frozen") else None
if s and o is None and s.submodule_search_locations:
    o = list(s.submodule_search_locations)[0]
print(o or "-")' "$mod" 2>/dev/null) || file=-
    if [ "$file" = "-" ]; then
      echo "check-deps: Python module $mod (imported by the $set_name set's scripts) is not importable by $py"
      problems=$((problems + 1))
    else
      check_path "$file" "the $set_name set's Python scripts"
    fi
  done < <("$py" scripts/pyimports.py $(python_entries))
else
  echo "check-deps: no Python interpreter that scripts/pyrun accepts"
  problems=$((problems + 1))
fi

# 4. commands the scripts and tests run
COMMANDS="cc gcc g++ make pkg-config clang clang++ objdump valgrind perf qemu-system-x86_64 busybox
          cpio chromium lstopo-no-graphics hwloc-calc ldd dpkg-deb pahole"
case "$set_name" in build) COMMANDS="cc gcc g++ make pkg-config" ;;
  bench) COMMANDS="cc gcc g++ make pkg-config valgrind perf lstopo-no-graphics objdump readelf" ;; esac
want commands && for c in $COMMANDS; do
  path=$(command -v "$c" 2>/dev/null) || path=""
  if [ -z "$path" ]; then
    echo "check-deps: command $c (run by the scripts or tests) is not installed"
    problems=$((problems + 1))
  else
    check_path "$path" "the scripts and tests"
  fi
done

if [ "$problems" -ne 0 ]; then
  echo "check-deps: $problems item(s) not covered by scripts/setup-deps.sh ($set_name set)"
  exit 1
fi
echo "check-deps: every library, pkg-config package, Python module and command the $set_name set uses is installed by scripts/setup-deps.sh"
