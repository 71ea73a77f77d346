#!/usr/bin/env python3
"""make mutants: plant small bugs in a scratch copy of the tree, one at a time, and see
which the fast tests catch.

The mutations are listed in scripts/mutants.txt, one block each:

    [id]
    file = kernels/scheme_atomic.h
    original = atomic_inc_not_zero(&module->ref.refcnt)
    replacement = (atomic_inc(&module->ref.refcnt), 1)
    tests = c:test_refzones py:tests/test_noise.py::test_name
    reason = (optional) why none of those tests can see this one

original must occur exactly once in the file (\\n and \\t stand for a newline and a tab);
a list whose original is gone or ambiguous is refused before anything runs. tests names the
tests that cover the mutated code (a mutant with a reason too: it is expected to survive them): c:NAME is build/tests/NAME, py:PATH[::TEST] a pytest
selection. With --all every mutant runs the whole fast set instead: every C test without
sanitizers and every Python test but the browser and QEMU ones.

The tree is copied to a scratch folder (default build/mutants/tree) and built there once;
each mutant is written into the copy, rebuilt incrementally, tested, and put back. The
working files are never touched, so an interrupted run leaves the tree as it was. A mutant
that no longer compiles is an error of the list. Before the mutants, the unmutated copy must
pass every selected test.

Prints each mutant's fate and ends with "killed K of N". Exit status: 0 when every survivor
carries a reason, 1 when one does not, 2 for a bad list or a failed baseline.
"""

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "scripts" / "mutants.txt"
# Python tests left out of the fast set: they drive a browser or boot QEMU.
SLOW_PY = {"tests/test_report_browser.py"}
TEST_TIMEOUT = 180


class ListError(Exception):
    pass


def unescape(s):
    return s.replace("\\n", "\n").replace("\\t", "\t")


def load_list(path, root):
    cp = configparser.ConfigParser(interpolation=None, delimiters=("=",),
                                   comment_prefixes=("#",), empty_lines_in_values=False)
    cp.optionxform = str
    try:
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        raise ListError(f"{path}: {e}") from e
    muts = []
    for mid in cp.sections():
        sec = cp[mid]
        for key in ("file", "original", "replacement"):
            if key not in sec:
                raise ListError(f"{path}: [{mid}] has no '{key}'")
        extra = set(sec) - {"file", "original", "replacement", "tests", "reason"}
        if extra:
            raise ListError(f"{path}: [{mid}] has unknown keys {sorted(extra)} "
                            f"(accepted: file original replacement tests reason)")
        m = {"id": mid, "file": sec["file"], "original": unescape(sec["original"]),
             "replacement": unescape(sec["replacement"]),
             "tests": sec.get("tests", "").split(), "reason": sec.get("reason", "").strip()}
        src = root / m["file"]
        if not src.is_file():
            raise ListError(f"[{mid}]: file '{m['file']}' not found")
        n = src.read_text(encoding="utf-8").count(m["original"])
        if n != 1:
            raise ListError(f"[{mid}]: original text found {n} times in {m['file']} "
                            f"(must be exactly once; the list went stale?): {m['original']!r}")
        if m["original"] == m["replacement"]:
            raise ListError(f"[{mid}]: replacement equals the original")
        if not m["tests"]:
            raise ListError(f"[{mid}]: no tests (a mutant with a reason names the tests "
                            f"that cover its code and cannot see it)")
        for t in m["tests"]:
            if not (t.startswith("c:") or t.startswith("py:")):
                raise ListError(f"[{mid}]: test '{t}' not accepted (accepted: c:NAME, "
                                f"py:PATH[::TEST])")
        muts.append(m)
    if not muts:
        raise ListError(f"{path}: no mutants listed")
    return muts


def tracked_files(root):
    r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                       capture_output=True, check=True)
    return [p for p in r.stdout.decode().split("\0") if p]


def copy_tree(root, dest):
    """The tree's files (tracked and new, not ignored) into dest, refreshing changed ones."""
    for rel in tracked_files(root):
        src, dst = root / rel, dest / rel
        if not src.is_file():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue
        shutil.copy2(src, dst)


def build(tree, log):
    jobs = str(min(os.cpu_count() or 2, 2))
    with open(log, "w") as f:
        r = subprocess.run(["make", "--no-print-directory", f"-j{jobs}", "BUILD=build",
                            "all", "tests-build"], cwd=tree, stdout=f, stderr=subprocess.STDOUT)
    return r.returncode == 0


def all_tests(tree):
    cs = sorted(p.name for p in (tree / "build" / "tests").glob("test_*")
                if p.is_file() and "." not in p.name)
    pys = sorted(str(p.relative_to(tree)) for p in (tree / "tests").glob("test_*.py")
                 if str(p.relative_to(tree)) not in SLOW_PY)
    return [f"c:{c}" for c in cs] + [f"py:{p}" for p in pys]


def run_test(tree, test, log):
    """(passed?, seconds) of one test in the scratch tree."""
    env = dict(os.environ, BUILD=str(tree / "build"), PYTHONDONTWRITEBYTECODE="1")
    if test.startswith("c:"):
        cmd = [str(tree / "build" / "tests" / test[2:])]
    else:
        cmd = [str(tree / "scripts" / "pyrun"), "-m", "pytest", "-q", "-x",
               "-p", "no:cacheprovider", test[3:]]
    t0 = time.monotonic()
    with open(log, "a") as f:
        f.write(f"\n==== {test}\n")
        f.flush()
        try:
            r = subprocess.run(cmd, cwd=tree, env=env, stdout=f, stderr=subprocess.STDOUT,
                               timeout=TEST_TIMEOUT, start_new_session=True)
            ok = r.returncode in (0, 5) if test.startswith("py:") else r.returncode == 0
        except subprocess.TimeoutExpired:
            f.write(f"\n(timed out after {TEST_TIMEOUT} s)\n")
            ok = False
    return ok, time.monotonic() - t0


def run_mutants(tree, logs, muts, selected):
    """Each mutant written into the copy, built, its tests run until one fails, and put back.
    Returns (killed, [survivors], [mutants that do not compile]); prints each one's fate."""
    killed, survivors, errors = 0, [], []
    for i, m in enumerate(muts, 1):
        src = tree / m["file"]
        text = src.read_text(encoding="utf-8")
        log = logs / f"{m['id']}.log"
        t0 = time.monotonic()
        src.write_text(text.replace(m["original"], m["replacement"], 1), encoding="utf-8")
        try:
            if not build(tree, log):
                errors.append(m)
                print(f"[{i}/{len(muts)}] {m['id']}: DOES NOT COMPILE (see {log})", flush=True)
                continue
            by = None
            for t in selected[m["id"]]:
                ok, _ = run_test(tree, t, log)
                if not ok:
                    by = t
                    break
        finally:
            src.write_text(text, encoding="utf-8")
        secs = time.monotonic() - t0
        if by:
            killed += 1
            print(f"[{i}/{len(muts)}] {m['id']}: killed by {by} ({secs:.0f} s)", flush=True)
        else:
            survivors.append(m)
            why = f"reason: {m['reason']}" if m["reason"] else "NO REASON GIVEN"
            print(f"[{i}/{len(muts)}] {m['id']}: SURVIVED ({why})", flush=True)
    return killed, survivors, errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", default=str(LIST), help="the mutation list")
    ap.add_argument("--scratch", default=str(ROOT / "build" / "mutants"),
                    help="scratch folder (the copy is its tree/)")
    ap.add_argument("--all", action="store_true",
                    help="run the whole fast test set for every mutant")
    ap.add_argument("--only", nargs="*", default=None, metavar="ID", help="these mutants only")
    ap.add_argument("--check", action="store_true",
                    help="check the list against the tree and stop")
    a = ap.parse_args(argv)

    try:
        muts = load_list(Path(a.list), ROOT)
    except ListError as e:
        print(f"mutants: {e}", file=sys.stderr)
        return 2
    if a.only is not None:
        unknown = sorted(set(a.only) - {m["id"] for m in muts})
        if unknown:
            print(f"mutants: --only {' '.join(unknown)} not accepted (accepted: ids of "
                  f"{a.list})", file=sys.stderr)
            return 2
        muts = [m for m in muts if m["id"] in a.only]
    if a.check:
        print(f"mutants: {len(muts)} mutants, every original found once")
        return 0

    scratch = Path(a.scratch).resolve()
    tree, logs = scratch / "tree", scratch / "logs"
    if ROOT in scratch.parents and not str(scratch).startswith(str(ROOT / "build")):
        print(f"mutants: --scratch {scratch} not accepted (accepted: a folder outside the "
              f"tree or under build/)", file=sys.stderr)
        return 2
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    print(f"mutants: copying the tree to {tree} and building it", flush=True)
    copy_tree(ROOT, tree)
    if not build(tree, logs / "build-baseline.log"):
        print(f"mutants: the unmutated copy does not build (see {logs}/build-baseline.log)",
              file=sys.stderr)
        return 2

    fast = all_tests(tree)
    selected = {m["id"]: (fast if a.all else m["tests"]) for m in muts}
    wanted = sorted({t for ts in selected.values() for t in ts})
    print(f"mutants: baseline, {len(wanted)} tests on the unmutated copy", flush=True)
    for t in wanted:
        ok, secs = run_test(tree, t, logs / "baseline.log")
        if not ok:
            print(f"mutants: the unmutated copy fails {t} (see {logs}/baseline.log): a "
                  f"mutant's kill would mean nothing", file=sys.stderr)
            return 2

    killed, survivors, errors = run_mutants(tree, logs, muts, selected)

    # Leave the copy built as the tree is, for the next run's incremental build.
    build(tree, logs / "build-restore.log")
    if survivors:
        print("survivors:")
        for m in survivors:
            print(f"  {m['id']} ({m['file']}): {m['reason'] or 'NO REASON GIVEN'}")
    if errors:
        print("not compiling (fix the list): " + " ".join(m["id"] for m in errors))
    print(f"killed {killed} of {len(muts)}")
    if errors or any(not m["reason"] for m in survivors):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
