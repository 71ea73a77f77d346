#!/usr/bin/env bash
# Build and run every test of the lab, then print one summary line:
#   tests: P passed, F failed, S skipped
# Suites: the dependency check (scripts/check-deps.sh), the C tests (cmocka), the same tests under AddressSanitizer and
# UndefinedBehaviorSanitizer, the concurrency tests under ThreadSanitizer,
# the Python tests (pytest), the NUMA virtual machine test (QEMU), refbench in an emulated
# 8-vCPU, 4-node machine (tests/test_bench_guest.sh), the kernel module in QEMU machines
# running Debian 12's 6.1 and 6.12 cloud kernels (tests/test_kbench_guest.sh), and make
# bench-quick on a fresh Debian 12 root (tests/test_fresh_debian.sh).
# Exit status: 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0 skipped=0
failures=()
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"

# Tests that start threads and race them: the ThreadSanitizer build runs these.
TSAN_TESTS=${TSAN_TESTS:-"test_lifecycle test_concurrency"}

count_cmocka() {   # name logfile status
  local name=$1 log=$2 rc=$3 p f s
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
  p=${p:-0}; f=${f:-0}; s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$f" -ne 0 ]; then failures+=("$name (see $log)"); fi
  printf '  %-40s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
  if [ "$s" -ne 0 ]; then
    # Each skip prints "skipped: <reason>" (stderr) before cmocka's skip().
    if grep -q '^skipped: ' "$log"; then
      grep '^skipped: ' "$log" | sort | uniq -c | sed 's/^ *\([0-9]*\) skipped: /      skipped (\1x): /'
    else
      echo "      skipped: no reason printed (see $log)"
    fi
  fi
}

# A test script that ends with "NAME: P passed, F failed, S skipped", bounded in seconds.
run_script_suite() {   # name timeout script
  local name=$1 limit=$2 script=$3 log="$log_dir/$1.log" rc line p f s
  timeout "$limit" "$script" >"$log" 2>&1
  rc=$?
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  echo "  $line"
  grep -E "^$name: skipped: " "$log" | sed 's/^/    /' || true
  p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p'); p=${p:-0}
  f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p'); f=${f:-0}
  s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p'); s=${s:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" -ne 0 ] && failures+=("$name (see $log)")
  return 0
}

run_c_suite() {    # label build-dir [tests...]
  local label=$1 dir=$2; shift 2
  local t log rc
  for t in "$@"; do
    [ -x "$dir/tests/$t" ] || continue
    log="$log_dir/$label-$t.log"
    timeout 300 "$dir/tests/$t" >"$log" 2>&1
    rc=$?
    count_cmocka "$label/$t" "$log" "$rc"
  done
}

echo "== build"
if ! make --no-print-directory -j"$jobs" BUILD="$BUILD" all tests-build >"$log_dir/build.log" 2>&1; then
  tail -30 "$log_dir/build.log"
  echo "tests: 0 passed, 1 failed, 0 skipped (the build failed)"
  exit 1
fi
c_tests=$(cd "$BUILD/tests" && ls test_* 2>/dev/null | grep -v '\.' || true)

echo "== dependencies: everything used comes from scripts/setup-deps.sh"
# The test set covers the tests; the bench set alone must cover what make bench runs.
for set in test bench; do
  log="$log_dir/check-deps-$set.log"
  if BUILD="$BUILD" scripts/check-deps.sh --set "$set" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "  check-deps --set $set: 1 passed"
  else
    failed=$((failed + 1)); failures+=("check-deps --set $set (see $log)"); sed 's/^/  /' "$log"
  fi
done

echo "== C tests"
# shellcheck disable=SC2086
run_c_suite c "$BUILD" $c_tests

echo "== C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if make --no-print-directory -j"$jobs" BUILD="$BUILD" test-asan >"$log_dir/build-asan.log" 2>&1; then
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1 run_c_suite asan "$BUILD/asan" $c_tests
else
  tail -20 "$log_dir/build-asan.log"; failed=$((failed + 1)); failures+=("asan build")
fi

echo "== concurrency tests under ThreadSanitizer (local_t as relaxed atomics)"
if make --no-print-directory -j"$jobs" BUILD="$BUILD" test-tsan >"$log_dir/build-tsan.log" 2>&1; then
  supp=""
  [ -f tests/tsan.supp ] && supp="suppressions=$PWD/tests/tsan.supp"
  # shellcheck disable=SC2086
  TSAN_OPTIONS="halt_on_error=1 $supp" run_c_suite tsan "$BUILD/tsan" $TSAN_TESTS
else
  tail -20 "$log_dir/build-tsan.log"; failed=$((failed + 1)); failures+=("tsan build")
fi

echo "== Python tests"
log="$log_dir/pytest.log"
scripts/pyrun -m pytest -q -rfEs -p no:cacheprovider tests >"$log" 2>&1
rc=$?
tail -1 "$log"
grep '^SKIPPED ' "$log" | sed 's/^/      /'
line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)' "$log" | tail -1)
p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
f=$(echo "$line" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+'); s=${s:-0}
if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$f" -eq 0 ]; then f=1; fi
passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
[ "$f" -ne 0 ] && failures+=("pytest (see $log)")

echo "== NUMA virtual machine (QEMU)"
run_script_suite qemu-numa 900 tests/test_qemu_numa.sh

echo "== refbench in an emulated QEMU machine, 8 vCPUs in 4 NUMA nodes (bench-guest)"
run_script_suite bench-guest 900 tests/test_bench_guest.sh

echo "== kernel module in QEMU machines with Debian 12's 6.1 and 6.12 cloud kernels (kbench)"
run_script_suite kbench-guest 1500 tests/test_kbench_guest.sh

echo "== make bench-quick on a fresh Debian 12 root (apt, git, make only)"
run_script_suite fresh-debian 1500 tests/test_fresh_debian.sh

if [ ${#failures[@]} -ne 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
