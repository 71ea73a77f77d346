"""Bad input to make bench's settings and to refbench's own and Google Benchmark's flags:
one line naming what the user typed (the make variable, the flag) and what is accepted, a
non-zero exit, and nothing written."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
REFBENCH = BUILD / "refbench"


def run_bench(tmp_path, **settings):
    results = tmp_path / "results"
    env = dict(os.environ, RESULTS=str(results), QUICK="1", CACHEGRIND="0", PERF="0",
               BUILD=str(BUILD), **settings)
    r = subprocess.run([str(ROOT / "scripts" / "run-bench.sh")], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    left = [p for p in results.rglob("*")] if results.exists() else []
    return r, left


@pytest.mark.parametrize("setting,value,accepted", [
    ("REPS", "0", "1 to"), ("REPS", "-1", "1 to"), ("MIN_TIME", "0", "seconds > 0"),
    ("MIN_TIME", "x", "seconds > 0"), ("THREADS", "0", "1 to 1024"),
    ("SCENARIOS", "hot,,read", "comma list"), ("SCHEMES", "nope", "percpu"),
    ("NR_CPUS", "9000", "1 to 8192"), ("PLACEMENT", "nowhere", "compact"),
    ("SPREAD_MODULES", ",", "comma list"),
])
def test_make_variable_named_in_one_line(tmp_path, setting, value, accepted):
    r, left = run_bench(tmp_path, **{setting: value})
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"run-bench: {setting}='{value}' not accepted"), lines[0]
    assert accepted in lines[0]
    assert left == [] and r.stdout == ""


def test_filter_that_matches_nothing(tmp_path):
    r, left = run_bench(tmp_path, FILTER="^no-such-benchmark/")
    assert r.returncode == 2
    assert "run-bench: FILTER='^no-such-benchmark/' matched no benchmark" in r.stderr
    assert left == [] and r.stdout == ""


@pytest.mark.parametrize("flag,accepted", [
    ("--benchmark_repetitions=-1", "1 to 1000000"),
    ("--benchmark_repetitions=0", "1 to 1000000"),
    ("--benchmark_filter=[", "regular expression"),
    ("--scenario=hot,,read", "comma list"),
    ("--tlb-spans=,", "comma list"),
    ("--threads=1,", "comma list"),
])
def test_refbench_flag_refused_in_one_line(flag, accepted):
    r = subprocess.run([str(REFBENCH), "--counters=none", flag], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if "WARNING" not in ln]
    assert len(lines) == 1 and lines[0].startswith("refbench: ") and accepted in lines[0], r.stderr
    assert flag.split("=", 1)[1] in lines[0]


def test_filter_matching_nothing_is_not_success():
    r = subprocess.run([str(REFBENCH), "--counters=none", "--benchmark_filter=^zzz"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3
    assert "no benchmark matched --benchmark_filter '^zzz'" in r.stderr


@pytest.mark.parametrize("flag", ["--scheme", "--schemes"])
@pytest.mark.parametrize("prog", ["refbench", "refbench-footprint", "refbench-audit", "refbench-race"])
def test_every_program_takes_scheme(prog, flag):
    """--scheme is one option in every program (--schemes, its old spelling, still works)."""
    r = subprocess.run([str(BUILD / prog), f"{flag}=no-such-scheme"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "no-such-scheme" in r.stderr and "percpu" in r.stderr


def test_schemes_limits_every_step(tmp_path):
    r, _ = run_bench(tmp_path, SUITE="main", FILTER="^read/atomic/", SCHEMES="atomic",
                     FOOTPRINT_NR_CPUS="8")
    assert r.returncode == 0, r.stderr[-2000:]
    run = Path(r.stdout.strip())
    for name in ("footprint.json", "audit.json", "race.json"):
        doc = json.loads((run / name).read_text())
        rows = doc.get("schemes") or doc.get("rows")
        names = {row["scheme"] for row in rows}
        assert names == {"atomic"}, (name, names)


def test_perf_on_a_missing_run_folder_writes_nothing(tmp_path):
    missing = tmp_path / "no-such-run"
    r = subprocess.run(["make", "--no-print-directory", "perf", f"RUN={missing}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert not missing.exists()
    assert f"run folder '{missing}' does not exist" in r.stderr


def test_compare_without_old_and_new_names_them():
    r = subprocess.run(["make", "--no-print-directory", "compare", "OLD=", "NEW="], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    first = r.stderr.splitlines()[0]
    assert "OLD=''" in first and "NEW=''" in first and "both are needed" in first


@pytest.mark.parametrize("module", ["why.py", "correctness.py", "report_noise.py"])
def test_report_parts_are_not_commands(module, tmp_path):
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), "-m", "rbresults." + module[:-3],
                        str(tmp_path / "no-such-run")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "not a command" in r.stderr and "rbresults.report" in r.stderr
