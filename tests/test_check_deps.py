"""scripts/check-deps.sh: a test that needs an undeclared package fails CI.

The check resolves what the lab uses to Debian packages; here it is given a
declared list with one package left out, and must name what that package
provided; with the real list it must pass.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check-deps.sh"

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg")


def declared():
    out = subprocess.run([str(ROOT / "scripts" / "setup-deps.sh"), "--list", "test"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def run(*args):
    return subprocess.run([str(CHECK), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_real_list_covers_the_commands():
    r = run("--only", "commands")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_missing_declaration_fails_naming_it():
    pkgs = [p for p in declared() if p != "valgrind"]
    r = run("--only", "commands", "--declared", " ".join(pkgs))
    assert r.returncode == 1
    line = [ln for ln in r.stdout.splitlines() if "valgrind" in ln]
    assert line and "comes from valgrind" in line[0] and "setup-deps.sh" in line[0]


def test_a_missing_library_package_fails():
    pkgs = [p for p in declared() if p not in ("libhwloc-dev", "hwloc")]
    r = run("--only", "pkgconfig", "--declared", " ".join(pkgs))
    assert r.returncode == 1
    assert "hwloc.pc" in r.stdout


def test_bad_option_is_one_line():
    r = run("--only", "everything")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "everything" in r.stderr
