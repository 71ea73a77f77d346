"""What the results tests share: the fixture runs, their schemes and scenarios, and helpers
that copy a run, run a script and read raw figures (tests/test_results.py and
tests/test_results_charts.py)."""


import json
import math
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
FIX = REPO / "tests" / "fixtures" / "results"
BASIC = FIX / "fixhost" / "20260101T000000Z"     # no PMU, 1 node
SLOW = FIX / "fixhost" / "20260102T000000Z"      # atomic 30% slower in every repetition
BIG = FIX / "bighost" / "20260103T000000Z"       # PMU, 4 nodes
REAL = FIX / "labquick" / "20261204T014105Z"     # a real quick run of the lab
# an older real run: its context.json names the schemes without describing them
REAL_OLD = FIX / "labquick" / "20261129T164152Z"
# the schemes every fixture run holds (the lab may have more by now)
FIXTURE_SCHEMES = ["nrcpus-array", "vmalloc-array", "percpu", "atomic"]
# The stored runs were recorded before the plain-gs baseline existed.
FIXTURE_BASELINES = ["noop", "plain", "atomic-private"]
# the scenarios every fixture run holds, in the order of the run's scenario list
FIXTURE_SCENARIOS = ["hot", "spread", "read", "lifecycle", "unload"]
REAL_BENCHES = 62

import rbresults as rb  # noqa: E402
from rbresults import compare  # noqa: E402
from rbresults import plots  # noqa: E402
from rbresults.charts import CHARTS  # noqa: E402
from rbresults.charts.footprint import plot_footprint  # noqa: E402
from rbresults.charts.throughput import plot_hot_throughput  # noqa: E402
from rbresults.charts.misses import plot_misses  # noqa: E402
from rbresults.charts.cost import plot_ns_per_op  # noqa: E402
from rbresults.charts.read_cost import plot_read_cost  # noqa: E402
from rbresults.charts.spread import plot_spread  # noqa: E402
from rbresults import report  # noqa: E402


def copy_run(tmp_path, src=REAL, name=None):
    dst = tmp_path / "results" / src.parent.name / (name or src.name)
    shutil.copytree(src, dst)
    return dst


def module(name):
    """The module of the package that reads results behind a command's old file name
    (plots.py: rbresults.plots; rbresults.py: the package itself)."""
    stem = name[:-3]
    return stem if stem == "rbresults" else "rbresults." + stem


def script(name, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", module(name), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(proc, *words):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def raw_entries(run_dir):
    return json.loads((run_dir / "bench.json").read_text())["benchmarks"]


def raw_median(run_dir, name, counter="ns_per_op"):
    """Median of a counter over a benchmark's repetitions, straight from bench.json."""
    vals = [e[counter] for e in raw_entries(run_dir)
            if e.get("run_name") == name and e.get("run_type") == "iteration"]
    assert vals, name
    return statistics.median(vals), vals


@pytest.fixture(scope="module")
def real_run():
    return rb.load_run(REAL)


@pytest.fixture(scope="module")
def basic_run():
    return rb.load_run(BASIC)


@pytest.fixture(scope="module")
def big_run():
    return rb.load_run(BIG)
