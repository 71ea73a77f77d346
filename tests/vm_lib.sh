# vm_lib.sh - what the tests that boot QEMU machines share (sourced, after
# `cd` to the lab's root, with SUITE set to the name the summary line uses).
#   skip REASON       report the suite skipped with REASON and exit 0
#   ok / bad NAME     count a check as passed / failed, and say so (prefixed
#                     with $PART when a test sets it, e.g. "[6.12] ")
#   skip_part REASON  count one part of a suite skipped with REASON, and go on
#   check NAME CMD... pass when CMD succeeds
#   finish            print "SUITE: P passed, F failed, S skipped" and exit
#   vm ARGS...        scripts/qemu-numa.sh ARGS...; a machine that timed out
#                     is started once more, and the test says so (once a
#                     first boot ran into the 300 s timeout where the same
#                     image booted in 11 s before and after); a second
#                     timeout fails
passed=0 failed=0 skipped=0 PART=${PART:-}

skip() {
  echo "$SUITE: skipped: $*"
  echo "$SUITE: 0 passed, 0 failed, 1 skipped"
  exit 0
}
ok()   { passed=$((passed + 1)); echo "ok   $PART$1"; }
bad()  { failed=$((failed + 1)); echo "FAIL $PART$1${2:+: $2}"; }
skip_part() { skipped=$((skipped + 1)); echo "skip $PART$*"; }
check() { # check NAME COMMAND... : passes when COMMAND succeeds
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
  echo "$SUITE: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  exit $?
}

# The note goes to the test's own output, whatever the call's is redirected to.
exec 3>&1
vm() {
  local rc=0
  scripts/qemu-numa.sh "$@" || rc=$?
  if [ "$rc" -eq 124 ]; then
    echo "     note: the VM timed out; starting it once more" >&3
    rc=0
    scripts/qemu-numa.sh "$@" || rc=$?
  fi
  return "$rc"
}
