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


def bench_declared():
    out = subprocess.run([str(ROOT / "scripts" / "setup-deps.sh"), "--list", "bench"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def test_bench_set_covers_what_make_bench_runs():
    r = run("--set", "bench", "--only", "python")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("--set", "bench", "--only", "commands")
    assert r.returncode == 0, r.stdout + r.stderr


def test_bench_set_without_matplotlib_fails_naming_it():
    pkgs = [p for p in bench_declared() if p != "python3-matplotlib"]
    r = run("--set", "bench", "--only", "python", "--declared", " ".join(pkgs))
    assert r.returncode == 1
    assert "comes from python3-matplotlib" in r.stdout


def pyimports(*args):
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), str(ROOT / "scripts" / "pyimports.py"), *args],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_each_script_needs_only_what_it_imports():
    # The charts need matplotlib through the package's charts; the report and the merge of
    # benchmark files need nothing outside the standard library; nothing but the tests needs
    # pytest. A module of the package is traced from its file, given as -m or as a path, with
    # the package's __init__.py it runs first.
    assert pyimports("--path", "scripts", "-m", "rbresults.plots") == ["matplotlib"]
    assert pyimports("scripts/rbresults/plots.py") == ["matplotlib"]
    assert pyimports("scripts/merge_bench.py") == []
    assert pyimports("--path", "scripts", "-m", "rbresults.report") == []
    assert pyimports("scripts/perf_stat.py") == []
    assert "pytest" not in pyimports("scripts")
    assert "pytest" in pyimports("--path", "scripts", "tests")


def test_the_charts_need_nothing_plots_does_not():
    # plots imports each chart's module by the name the chart list gives it: whatever a
    # chart module needs, plots must need too (pyrun checks plots' needs before it runs).
    charts = sorted((ROOT / "scripts" / "rbresults" / "charts").glob("*.py"))
    assert charts
    plots = set(pyimports("scripts/rbresults/plots.py"))
    for c in charts:
        assert set(pyimports(str(c.relative_to(ROOT)))) <= plots, c.name


def test_pyrun_names_what_is_missing(tmp_path):
    script = tmp_path / "needs_missing.py"
    script.write_text("import refbench_no_such_module\n")
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), str(script)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "refbench_no_such_module" in r.stderr
    assert "python3-refbench_no_such_module" in r.stderr


def test_pyrun_runs_a_program_from_standard_input():
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), "-", "x"], input="import sys\n"
                       "print('ran', sys.argv[1])\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "ran x\n", r.stderr
