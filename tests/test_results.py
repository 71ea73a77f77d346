"""Tests of the results scripts: reading, aggregation, comparison, charts, report.

Run: scripts/pyrun -m pytest tests/test_results.py -q
Fixture runs live in tests/fixtures/results/. labquick/ is a real quick run written by the lab
itself (scripts/run-bench.sh, see tests/fixtures/README.md): reading, aggregation, chart series
and the report are checked on it. The synthetic runs (tests/fixtures/make_fixtures.py) cover
what one real run cannot show: a machine with a PMU and 4 NUMA nodes, a slowed scheme, a
simulation with every cachegrind path. Tests that write (charts, index.html, broken files)
work on copies in pytest's tmp_path.
"""

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


# ------------------------------------------------------------------------------- names

def test_parse_name_fields():
    f = rb.parse_name("hot/percpu/nr_cpus:64/line:128/manual_time/threads:2")
    assert f["scenario"] == "hot" and f["scheme"] == "percpu"
    assert f["params"] == {"nr_cpus": 64, "line": 128}
    assert f["threads"] == 2 and f["flags"] == ["manual_time"]
    f = rb.parse_name("spread/atomic/modules:2000/dist:zipf/nr_cpus:64/line:128/"
                      "iterations:10/repeats:3/manual_time/threads:1")
    assert f["params"] == {"modules": 2000, "dist": "zipf", "nr_cpus": 64, "line": 128}
    assert f["gb"] == {"iterations": 10, "repeats": 3, "threads": 1}
    f = rb.parse_name("read/vmalloc-array/nr_cpus:4096/line:128/load:idle/manual_time/threads:1")
    assert f["params"]["load"] == "idle" and f["params"]["nr_cpus"] == 4096
    f = rb.parse_name("hot/atomic-private/nr_cpus:64/line:128/manual_time/threads:1")
    assert f["scheme"] == "atomic-private"


# ------------------------------------------------------------------------------- reading

@pytest.mark.parametrize("src,host,date,count,reps", [
    (REAL, "vm", "2026-12-04 01:41:11 UTC", REAL_BENCHES, 2),
    (REAL_OLD, "vm", "2026-11-29 16:42:14 UTC", REAL_BENCHES, 2),
    (BASIC, "fixhost", "2026-01-01 00:00:00 UTC", 74, 5)])
def test_load_complete_run_and_aggregate_against_raw_values(src, host, date, count, reps):
    run = rb.load_run(src)
    assert run.complete and run.host == host
    assert run.date == date
    # NaN cv aggregates of all-zero counters are recomputed, not warned about
    assert run.warnings == []
    assert len(run.benchmarks) == count
    assert not any(b.errors for b in run.benchmarks)
    for name in ("hot/atomic/nr_cpus:64/line:128/manual_time/threads:2",
                 "read/vmalloc-array/nr_cpus:4096/line:128/load:idle/manual_time/threads:1"):
        b = next(b for b in run.benchmarks if b.name == name)
        assert (b.scenario, b.threads) == (name.split("/")[0], int(name[-1]))
        _, vals = raw_median(src, name)
        assert len(vals) == reps
        s = b.stats["ns_per_op"]
        assert s.n == reps and s.source == "repetitions"
        assert s.median == pytest.approx(statistics.median(vals))
        assert s.mean == pytest.approx(statistics.fmean(vals))
        assert s.stddev == pytest.approx(statistics.stdev(vals))
        assert s.cv == pytest.approx(statistics.stdev(vals) / statistics.fmean(vals))
        assert (s.min, s.max) == (min(vals), max(vals))
        assert sorted(s.values) == sorted(vals)
        # real_time is converted to ns and summarised like any counter
        assert b.stats["real_time"].n == reps
    # every scheme and baseline of the lab is in the run
    assert {b.scheme for b in run.benchmarks} == set(FIXTURE_SCHEMES + FIXTURE_BASELINES)
    assert run.scenarios() == FIXTURE_SCENARIOS


def test_real_run_aggregates_agree_with_google_benchmark():
    """The medians computed from the repetitions equal the _median aggregates the lab's
    Google Benchmark wrote next to them."""
    run = rb.load_run(REAL)
    aggs = {e["run_name"]: e for e in raw_entries(REAL)
            if e.get("aggregate_name") == "median"}
    assert len(aggs) == REAL_BENCHES
    for b in run.benchmarks:
        for counter in ("ns_per_op", "ops_per_sec", "fairness"):
            assert b.get(counter) == pytest.approx(aggs[b.name][counter], rel=1e-9), (b.name,
                                                                                   counter)
    # no PMU on the machine that made it: hardware counters absent, never zero
    assert not any("cycles_per_op" in b.stats or "llc_misses_per_op" in b.stats
                   for b in run.benchmarks)
    assert "no hardware PMU" in run.counter_reason("llc_misses_per_op")


def test_aggregate_function():
    s = rb.aggregate([1.0, 2.0, None, 3.0, 4.0])
    assert s.n == 4 and s.median == 2.5 and s.min == 1.0 and s.max == 4.0
    assert s.stddev == pytest.approx(statistics.stdev([1, 2, 3, 4]))
    one = rb.aggregate([7.0])
    assert one.n == 1 and one.stddev is None and one.cv is None
    assert rb.aggregate([None, None]) is None


def test_aggregates_only_output():
    base = {"run_name": "hot/percpu/nr_cpus:64/manual_time/threads:1", "run_type": "aggregate",
            "repetitions": 7, "threads": 1, "time_unit": "us"}
    entries = []
    for agg, ns, rt in (("mean", 2.0, 1.0), ("median", 1.9, 0.9), ("stddev", 0.1, 0.05),
                        ("cv", 0.05, 0.05)):
        e = dict(base, name=base["run_name"] + "_" + agg, aggregate_name=agg,
                 aggregate_unit="percentage" if agg == "cv" else "time",
                 ns_per_op=ns, real_time=rt, cpu_time=rt)
        entries.append(e)
    [b] = rb.aggregate_benchmarks(entries)
    s = b.stats["ns_per_op"]
    assert s.source == "aggregates" and s.n == 7 and s.median == 1.9 and s.cv == 0.05
    assert s.values == []
    assert b.stats["real_time"].median == pytest.approx(900.0)   # us -> ns
    assert b.stats["real_time"].cv == pytest.approx(0.05)         # a ratio stays a ratio


def test_json_nan_infinity_tokens(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1.5, "e": [NaN]}')
    sink = []
    doc = rb.load_json(p, sink)
    assert doc == {"a": None, "b": None, "c": None, "d": 1.5, "e": [None]}
    assert len(sink) == 1 and str(p) in sink[0] and "4" in sink[0]


def test_nan_infinity_in_bench_json_are_missing_with_warning(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)     # one entry per line: easy to edit
    bp = run_dir / "bench.json"
    lines = bp.read_text().splitlines()
    i = next(i for i, ln in enumerate(lines) if '"run_type": "iteration"' in ln)
    comma = lines[i].endswith(",")
    e = json.loads(lines[i].rstrip(","))
    e["fairness"], e["page_faults_per_op"], e["ops"] = math.nan, math.inf, -math.inf
    lines[i] = "    " + json.dumps(e) + ("," if comma else "")
    bp.write_text("\n".join(lines) + "\n")
    text = bp.read_text()
    assert ": NaN" in text and ": Infinity" in text and ": -Infinity" in text
    run = rb.load_run(run_dir)
    b = next(b for b in run.benchmarks if b.name == e["run_name"])
    assert b.stats["fairness"].n == 4
    assert b.stats["page_faults_per_op"].n == 4 and b.stats["ops"].n == 4
    assert b.stats["ns_per_op"].n == 5
    [w] = run.warnings
    assert str(bp) in w and "treated as missing" in w and "fairness" in w


def test_half_written_run_draws_what_it_can(tmp_path):
    run_dir = copy_run(tmp_path)
    (run_dir / "COMPLETE").unlink()
    bp = run_dir / "bench.json"
    data = bp.read_bytes()
    bp.write_bytes(data[: int(len(data) * 0.6)])
    run = rb.load_run(run_dir)
    assert not run.complete
    assert any("COMPLETE" in w for w in run.warnings)
    assert any("cut short" in w and "bench.json" in w for w in run.warnings)
    assert 10 < len(run.benchmarks) < REAL_BENCHES
    proc = script("plots.py", run_dir, "--format", "png", "--only", "hot_throughput,footprint")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (run_dir / "charts" / "hot_throughput.png").is_file()
    assert (run_dir / "charts" / "footprint.png").is_file()
    proc = script("report.py", run_dir)
    assert proc.returncode == 0, proc.stderr
    assert "INTERRUPTED" in (run_dir / "index.html").read_text()


def test_interrupted_run_without_bench_json(tmp_path):
    run_dir = tmp_path / "results" / "h" / "20260101T000000Z"
    run_dir.mkdir(parents=True)
    shutil.copy(REAL / "footprint.json", run_dir)
    run = rb.load_run(run_dir)
    assert run.benchmarks == [] and run.footprint is not None
    manifest = plots.draw_all(run)
    status = {m["name"]: m["status"] for m in manifest}
    assert status["footprint"] == "drawn"
    assert status["hot_throughput"] == "skipped"


def test_cut_json_in_complete_run_is_an_error(tmp_path):
    run_dir = copy_run(tmp_path)
    bp = run_dir / "bench.json"
    bp.write_bytes(bp.read_bytes()[:5000])
    with pytest.raises(rb.ResultsError, match="bench.json: not valid JSON"):
        rb.load_run(run_dir)
    assert_one_line_error(script("plots.py", run_dir), "bench.json", "not valid JSON")


@pytest.mark.parametrize("value,words", [
    (0, "older than supported"), (None, "no refbench_format"), (2, "newer"),
    ("x", "not an integer")])
def test_refbench_format_checked(tmp_path, value, words):
    run_dir = copy_run(tmp_path)
    cp = run_dir / "context.json"
    ctx = json.loads(cp.read_text())
    if value is None:
        del ctx["refbench_format"]
    else:
        ctx["refbench_format"] = value
    cp.write_text(json.dumps(ctx))
    with pytest.raises(rb.ResultsError, match=words):
        rb.load_run(run_dir)
    assert_one_line_error(script("report.py", run_dir), "context.json", words)


def test_old_format_in_other_file(tmp_path):
    run_dir = copy_run(tmp_path)
    fp = run_dir / "footprint.json"
    doc = json.loads(fp.read_text())
    doc["refbench_format"] = 0
    fp.write_text(json.dumps(doc))
    with pytest.raises(rb.ResultsError, match=r"footprint\.json: refbench_format 0 is older"):
        rb.load_run(run_dir)


def test_empty_and_missing_folders(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(rb.ResultsError, match="empty run folder"):
        rb.load_run(empty)
    with pytest.raises(rb.ResultsError, match="no such run folder"):
        rb.load_run(tmp_path / "nope")
    (empty / "notes.txt").write_text("x")
    with pytest.raises(rb.ResultsError, match="not a refbench run folder"):
        rb.load_run(empty)
    for s in ("plots.py", "report.py"):
        assert_one_line_error(script(s, tmp_path / "nope"), "no such run folder")


@pytest.mark.parametrize("content,words", [(b"{not json", "not valid JSON"),
                                            (b"\xff\xfe\x00garbage", "not UTF-8"),
                                            (b"", "empty file")])
def test_unreadable_json(tmp_path, content, words):
    run_dir = copy_run(tmp_path)
    (run_dir / "context.json").write_bytes(content)
    with pytest.raises(rb.ResultsError) as e:
        rb.load_run(run_dir)
    msg = str(e.value)
    assert "\n" not in msg and str(run_dir / "context.json") in msg and words in msg


def test_unreadable_json_is_one_line_from_every_script(tmp_path):
    run_dir = copy_run(tmp_path)
    (run_dir / "footprint.json").write_text('{"refbench_format": 1, "rows": [')
    for s in ("plots.py", "report.py"):
        assert_one_line_error(script(s, run_dir), "footprint.json", "not valid JSON")
    assert_one_line_error(script("compare.py", run_dir, REAL), "footprint.json")


def test_find_runs_and_newest(tmp_path):
    runs = rb.find_runs(FIX)
    assert runs == [BASIC, SLOW, BIG, REAL_OLD, REAL]
    assert rb.newest_run(FIX) == REAL
    (tmp_path / "r").mkdir()
    with pytest.raises(rb.ResultsError, match="no run folders"):
        rb.newest_run(tmp_path / "r")
    proc = script("rbresults.py", "--newest", "--results", FIX)
    assert proc.returncode == 0 and proc.stdout.strip() == str(REAL)


# ------------------------------------------------------------------------------ compare

def test_u_test_matches_scipy():
    from scipy.stats import mannwhitneyu
    a, b = [1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]
    assert compare.u_test(a, b) == pytest.approx(
        mannwhitneyu(a, b, alternative="two-sided").pvalue)
    assert compare.u_test([1.0], [2.0]) is None          # too few repetitions
    assert compare.u_test(a, a) == pytest.approx(1.0)
    assert compare.smallest_p(3, 3) == pytest.approx(0.1)
    assert compare.smallest_p(5, 5) == pytest.approx(2 / 252)


@pytest.mark.parametrize("src,count", [(REAL, REAL_BENCHES), (BASIC, 74)])
def test_compare_run_with_itself_finds_nothing(src, count):
    rows = compare.compare(compare.load_side(src), compare.load_side(src))
    assert len(rows) == count
    assert not any(r["significant"] or r["slower"] for r in rows)
    assert all(r["change"] == pytest.approx(0.0) for r in rows if r.get("change") is not None)
    proc = script("compare.py", src, src)
    assert proc.returncode == 0, proc.stderr
    assert (f"geometric mean of new/old ratios over {count} benchmarks: 1.0000"
            in proc.stdout)
    assert not [ln for ln in proc.stdout.splitlines() if ln.rstrip().endswith("SLOWER")]
    assert "no benchmark significantly slower" in proc.stdout


def test_compare_flags_exactly_the_slowed_scheme():
    old, new = compare.load_side(BASIC), compare.load_side(SLOW)
    rows = compare.compare(old, new, threshold_pct=5.0, alpha=0.05)
    flagged = [r for r in rows if r["slower"]]
    atomic = [r for r in rows if r["bench"].scheme == "atomic"]
    assert {r["bench"].scheme for r in flagged} == {"atomic"}
    assert len(flagged) == len(atomic) == 17
    assert all(0.2 < r["change"] < 0.4 for r in flagged)
    proc = script("compare.py", BASIC, SLOW)
    assert proc.returncode == 1, proc.stderr
    # the run folders say the machine has 2 CPUs: with no calibration, the 4 atomic points
    # at threads:2 are not gated (scripts/noise.py)
    assert "13 of 74 benchmarks significantly slower" in proc.stdout
    flagged_lines = [ln for ln in proc.stdout.splitlines() if ln.rstrip().endswith("SLOWER")]
    assert len(flagged_lines) == 13 and all("/atomic/" in ln for ln in flagged_lines)
    assert all("threads:1 " in ln for ln in flagged_lines)
    # bench.json files work as inputs too
    assert script("compare.py", BASIC / "bench.json", SLOW / "bench.json").returncode == 1


def test_compare_threshold_and_alpha(capsys):
    assert compare.main([str(BASIC), str(SLOW), "--threshold", "40"]) == 0
    assert compare.main([str(BASIC), str(SLOW), "--alpha", "0.001"]) == 0
    assert compare.main([str(BASIC), str(SLOW), "--threshold", "25"]) == 1
    # the new run being faster is never a failure
    assert compare.main([str(SLOW), str(BASIC)]) == 0
    capsys.readouterr()
    with pytest.raises(rb.ResultsError, match="--threshold"):
        compare.main([str(BASIC), str(SLOW), "--threshold", "-3"])
    with pytest.raises(rb.ResultsError, match="--alpha"):
        compare.main([str(BASIC), str(SLOW), "--alpha", "1.5"])


def test_compare_nothing_in_common(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"context": {}, "benchmarks": [
        {"name": "BM_x", "run_name": "BM_x", "run_type": "iteration", "real_time": 1.0,
         "cpu_time": 1.0, "time_unit": "ns", "iterations": 1}]}))
    proc = script("compare.py", BASIC, other)
    assert_one_line_error(proc, "no benchmark in common", str(BASIC), str(other))


def test_compare_hosts_side_by_side():
    proc = script("compare.py", "--hosts", BASIC, BIG)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for scen in ("hot", "spread", "read", "lifecycle", "unload"):
        assert f"== {scen}: median ns_per_op" in out
    header = next(ln for ln in out.splitlines() if ln.startswith("benchmark"))
    assert "fixhost" in header and "bighost" in header
    row = next(ln for ln in out.splitlines()
               if ln.startswith("atomic/nr_cpus:64/line:128/manual_time/threads:16 "))
    assert row.split()[1] == "-"          # fixhost has no 16-thread figure


# ------------------------------------------------------------------------------- charts

def _gids(fig):
    out = []
    for ax in fig.axes:
        for a in list(ax.lines) + list(ax.patches) + list(ax.texts) + list(ax.collections):
            g = a.get_gid()
            if g:
                out.append(g)
    out += [t.get_gid() for t in fig.texts if t.get_gid()]
    return out


def _footnote(fig):
    return next(t.get_text() for t in fig.texts if t.get_gid() == "footnote")


def _panel(fig, name):
    return next(ax for ax in fig.axes if ax.get_gid() == f"panel:{name}")


def _texts(ax):
    return " ".join(t.get_text() for t in ax.texts).replace("\n", " ")


def _legend_text(ax):
    leg = ax.get_legend()
    return " ".join(t.get_text() for t in leg.get_texts()).replace("\n", " ") if leg else ""


def _data_lines(ax):
    """{gid: line}: the first line of each gid (errorbar caps carry their line's gid too)."""
    out = {}
    for ln in ax.lines:
        if ln.get_gid() and ln.get_gid() not in out:
            out[ln.get_gid()] = ln
    return out


def _heights(ax):
    return {p.get_gid(): p.get_height() for p in ax.patches if p.get_gid()}


@pytest.fixture(scope="module")
def real_run():
    return rb.load_run(REAL)


@pytest.fixture(scope="module")
def basic_run():
    return rb.load_run(BASIC)


@pytest.fixture(scope="module")
def big_run():
    return rb.load_run(BIG)


def test_hot_chart_series(real_run, big_run):
    for run in (real_run, big_run):
        fig = plot_hot_throughput(run)
        ax = fig.axes[0]
        lines = _data_lines(ax)
        for s in FIXTURE_SCHEMES:
            assert f"ideal:{s}" in lines, s
            one = next(b for b in run.select("hot", s) if b.threads == 1)
            x, y = lines[f"ideal:{s}"].get_data()
            assert list(y) == pytest.approx([one.get("ops_per_sec") * t for t in x])
            assert lines[f"ideal:{s}"].get_linestyle() == "--"
            # the drawn points are the medians of the repetitions in bench.json
            x, y = lines[f"line:{s}"].get_data()
            for t, v in zip(x, y):
                b = next(b for b in run.select("hot", s) if b.threads == t)
                assert v == pytest.approx(raw_median(run.path, b.name, "ops_per_sec")[0])
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        for s in FIXTURE_SCHEMES:
            # each scheme under its name and the label the run gives it
            assert f"{s}: {run.scheme(s).label}" in labels
        assert any(lab.startswith("plain") for lab in labels)
        assert any("ideal" in lab for lab in labels)
        assert "placement=compact" in _footnote(fig) and "threads=" in _footnote(fig)
        assert run.host in fig._suptitle.get_text()
        assert run.date in fig._suptitle.get_text()
        plots.plt.close(fig)


def test_ns_per_op_chart_has_every_scenario_and_scheme(real_run):
    fig = plot_ns_per_op(real_run)
    gids = set(_gids(fig))
    for scen in FIXTURE_SCENARIOS:
        for s in FIXTURE_SCHEMES:
            assert f"bars:{scen}:{s}" in gids, (scen, s)
    for s in FIXTURE_BASELINES:
        assert f"bars:hot:{s}" in gids
    assert "standard deviation" in _footnote(fig)
    # bar heights and error bars come from the repetitions of bench.json
    from matplotlib.container import BarContainer
    bars = next(c for c in fig.axes[0].containers
                if isinstance(c, BarContainer)
                and c.get_label() == "percpu: per-CPU local_t (2.6.29)")
    hot = sorted(real_run.select("hot", "percpu"), key=lambda b: b.threads)
    assert [p.get_height() for p in bars.patches] == pytest.approx(
        [raw_median(REAL, b.name)[0] for b in hot])
    assert bars.errorbar is not None
    segs = bars.errorbar.lines[2][0].get_segments()
    sds = [statistics.stdev(raw_median(REAL, b.name)[1]) for b in hot]
    assert [s[1][1] - s[0][1] for s in segs] == pytest.approx([2 * sd for sd in sds])
    plots.plt.close(fig)


def test_footprint_chart_claims(real_run):
    fig = plot_footprint(real_run)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    assert list(lines["claim:1048576000"].get_xydata()[0]) == [4096, 1048576000]
    assert list(lines["claim:2048000"].get_xydata()[0]) == [8, 2048000]
    for s in FIXTURE_SCHEMES:
        assert f"line:{s}" in lines
    # the lab's own footprint reproduces the seed's figures exactly
    pts = dict(map(tuple, lines["line:nrcpus-array"].get_xydata()))
    assert pts[4096] == 1048576000 and pts[8] == 2048000
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "1,048,576,000" in labels and "2,048,000" in labels
    plots.plt.close(fig)


def test_read_chart_idle_and_busy(real_run, basic_run):
    for run in (real_run, basic_run):
        fig = plot_read_cost(run)
        lines = _data_lines(fig.axes[0])
        for s in FIXTURE_SCHEMES:
            assert f"line:{s}:idle" in lines and f"line:{s}:busy" in lines, s
        # a real run reads under load with a second thread: busy is drawn at threads:2
        x, y = lines["line:nrcpus-array:busy"].get_data()
        for n, v in zip(x, y):
            [b] = [b for b in run.select("read", "nrcpus-array", nr_cpus=n, load="busy")
                   if b.threads == min(b2.threads for b2 in run.select("read", load="busy"))]
            assert v == pytest.approx(raw_median(run.path, b.name)[0])
        plots.plt.close(fig)


# -- per-op misses chart

def _sim_want(run_dir):
    """{(benchmark name, metric): value} of cachegrind.json's per-op figures."""
    cg = json.loads((run_dir / "cachegrind.json").read_text())
    return {(b["name"], m): f["value"] for b in cg["benchmarks"]
            for m, f in b["per_op"].items()}


SIM_PATHS = (("spread", "spread/{}/modules:2000/dist:uniform/nr_cpus:64/line:128/"
                        "manual_time/threads:1"),
             ("read", "read/{}/nr_cpus:4096/line:128/load:idle/manual_time/threads:1"))


def test_misses_chart_on_the_real_run(real_run):
    """No PMU, and cachegrind figures simulated on spread (uniform) and read at NR_CPUS 4096:
    every scheme's D1 and LL misses are drawn, labelled sim, with the values of
    cachegrind.json; the hardware counters say why they are absent."""
    want = _sim_want(REAL)
    fig = plot_misses(real_run)
    gids = _gids(fig)
    assert not any(g.startswith("bar:hardware-counter") for g in gids)
    for path, name in SIM_PATHS:
        ax = _panel(fig, f"cache:{path}")
        h = _heights(ax)
        labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        for s in FIXTURE_SCHEMES:
            for m in ("d1_misses_per_op", "ll_misses_per_op"):
                gid = f"cachegrind-simulation:{m}:{s}"
                v = want[(name.format(s), m)]
                assert v is not None, (name.format(s), m)
                assert h[f"bar:{gid}"] == pytest.approx(v)
                num, tag = labels[f"label:{gid}"].split()
                assert (num, tag) == (rb.fmt_num(v), "sim")
        legend = _legend_text(ax)
        assert "sim = D1 misses, cachegrind simulation" in legend
        assert "not measured: hardware counter: no hardware PMU" in legend
        assert "did not run the benchmark" not in _texts(ax) + legend
    # what the simulation shows: module_refcount() at NR_CPUS 4096 misses once per slot
    # (4096 cache-line-aligned counters) for the two arrays, about never for percpu (one
    # counter per possible CPU, 2 here) and atomic; spread over 2000 modules misses about
    # twice per get/put for every scheme
    read = _heights(_panel(fig, "cache:read"))
    for s in ("nrcpus-array", "vmalloc-array"):
        assert read[f"bar:cachegrind-simulation:d1_misses_per_op:{s}"] == \
            pytest.approx(4096, rel=0.01)
    for s in ("percpu", "atomic"):
        assert read[f"bar:cachegrind-simulation:d1_misses_per_op:{s}"] < 1
    spread = _heights(_panel(fig, "cache:spread"))
    for s in FIXTURE_SCHEMES:
        assert 1 < spread[f"bar:cachegrind-simulation:d1_misses_per_op:{s}"] < 4
    # the simulation ran the benchmarks: a few instructions per op at least
    assert all(f["value"] is not None and f["value"] >= 1 for f in real_run.figures()
               if f["metric"] == "instructions_per_op")
    assert "spread" in _panel(fig, "cache:spread").get_title(loc="left")
    assert "NR_CPUS 4096" in _panel(fig, "cache:read").get_title(loc="left")
    assert "nr_cpus:4096" in _panel(fig, "cache:read").get_title(loc="left")
    # every bar carries its method label
    for g in gids:
        if g.startswith("bar:") and not g.startswith("bar:page-size-contrast"):
            assert "label:" + g[4:] in gids
    # no hardware dTLB panel without a PMU; the stand-in says why
    assert not any(ax.get_gid() == "panel:dtlb:hw" for ax in fig.axes)
    assert "hardware dTLB misses not measured: hardware counter: no hardware PMU" in \
        " ".join(_legend_text(ax) for ax in fig.axes)
    assert "not measured: hardware counter: no hardware PMU" in _texts(
        _panel(fig, "remote:hw"))
    assert "with one node no counter can be remote" in _footnote(fig)
    plots.plt.close(fig)


def test_real_run_simulation_that_did_not_run_is_not_measured(tmp_path):
    """The real run's cachegrind.json edited as a simulation whose timed loop never ran
    (under one instruction per op: start-up noise only): nothing is drawn as a count, every
    panel says why, and the report says so. One entry has no instructions_per_op figure:
    the rule then uses its raw Ir totals."""
    run_dir = copy_run(tmp_path)
    p = run_dir / "cachegrind.json"
    doc = json.loads(p.read_text())
    n1, n2 = doc["n1"], doc["n2"]
    for i, b in enumerate(doc["benchmarks"]):
        for f in b["per_op"].values():
            if f.get("value") is not None:
                f["value"] = 0.0005
        if i == 0:
            b["per_op"]["instructions_per_op"] = {
                "value": None, "method": "cachegrind-simulation",
                "reason": "the longer run cost less (-1): set-up differs between runs"}
            b["totals"]["n2"]["Ir"] = b["totals"]["n1"]["Ir"] + int(0.3 * (n2 - n1))
        else:
            b["per_op"]["instructions_per_op"]["value"] = 0.29
    p.write_text(json.dumps(doc))
    run = rb.load_run(run_dir)
    figs = run.figures()
    assert len(figs) == 5 * len(doc["benchmarks"])
    assert all(f["value"] is None for f in figs)
    # every number of the file is kept as raw_value, with the reason; figures that were
    # already null keep their own reason
    had = sum(1 for b in doc["benchmarks"] for f in b["per_op"].values()
              if f.get("value") is not None)
    kept = [f for f in figs if "raw_value" in f]
    assert len(kept) == had > 0
    assert all("did not run the benchmark" in f["reason"] for f in kept)
    assert any(f["raw_value"] == 0.29 for f in kept)
    assert {(f["scheme"], f["scenario"]) for f in kept
            if f["metric"] == "d1_misses_per_op"} == \
        {(s, path) for s in FIXTURE_SCHEMES for path in ("spread", "read")}
    fig = plot_misses(run)
    assert not any(g.startswith(("bar:hardware-counter", "bar:cachegrind-simulation"))
                   for g in _gids(fig))
    for path in ("spread", "read"):
        ax = _panel(fig, f"cache:{path}")
        text = _texts(ax)
        assert "not measured" in text and "no hardware PMU" in text
        assert "did not run the benchmark" in text
        assert not ax.patches
        assert not ax.axison       # a sentence, not an empty frame with axes
    # the page-size contrast needs bench.json only: still drawn (spread's; read's
    # difference, -3.1 +- 132 ns in this run, is not resolved and says so)
    assert "bar:page-size-contrast:spread" in _gids(fig)
    assert "bar:page-size-contrast:read" not in _gids(fig)
    plots.plt.close(fig)
    page = report.build_html(run)
    assert "not measured" in page and "did not run the benchmark" in page


def test_page_size_contrast_from_bench_json(real_run):
    """vmalloc-array minus nrcpus-array medians, computed here from the raw repetitions."""
    fig = plot_misses(real_run)
    for path, name in (("spread", "spread/{}/modules:2000/dist:uniform/nr_cpus:64/line:128/"
                                  "manual_time/threads:1"),
                       ("read", "read/{}/nr_cpus:4096/line:128/load:idle/manual_time/"
                                "threads:1")):
        m4k, v4k = raw_median(REAL, name.format("vmalloc-array"))
        m2m, v2m = raw_median(REAL, name.format("nrcpus-array"))
        ax = _panel(fig, f"dtlb:contrast:{path}")
        h = _heights(ax)
        sd = math.hypot(statistics.stdev(v4k), statistics.stdev(v2m))
        if abs(m4k - m2m) > sd:
            assert h[f"bar:page-size-contrast:{path}"] == pytest.approx(m4k - m2m)
            label = next(t.get_text() for t in ax.texts
                         if t.get_gid() == f"label:page-size-contrast:{path}")
            assert label.endswith("pages")
        else:
            # a difference whose spread covers zero is no result: no bar, a sentence
            assert f"bar:page-size-contrast:{path}" not in h
            note = next(t.get_text() for t in ax.texts if t.get_gid() == "not-resolved")
            assert "not resolved on this machine" in note
        c = rb.page_size_contrast(real_run, next(p for p in rb.CONTRAST_PATHS
                                                 if p["scenario"] == path))
        assert c["value"] == pytest.approx(m4k - m2m)
        assert c["stddev"] == pytest.approx(math.hypot(statistics.stdev(v4k),
                                                       statistics.stdev(v2m)))
        assert c["low"] == pytest.approx(min(v4k) - max(v2m))
        assert c["high"] == pytest.approx(max(v4k) - min(v2m))
        assert c["method"] == "page-size-contrast" and c["n"] == 2
        tick = ax.get_xticklabels()[0].get_text()
        assert "vmalloc-array" in tick and "nrcpus-array" in tick
    assert "4 KiB vs 2 MiB pages, ns per op" in " ".join(_legend_text(a) for a in fig.axes)
    plots.plt.close(fig)


def test_refcount_walk_table_from_audit(real_run):
    fig = plot_misses(real_run)
    ax = _panel(fig, "dtlb:walk")
    [tab] = ax.tables
    cells = {(r, c): cell.get_text().get_text() for (r, c), cell in tab.get_celld().items()}
    audit = json.loads((REAL / "audit.json").read_text())
    assert cells[(0, 3)] == "4 KiB pages" and cells[(0, 4)] == "on huge pages"
    for i, e in enumerate(audit["schemes"], 1):
        w = e["refcount_walk"]
        assert cells[(i, 0)] == e["scheme"]
        assert cells[(i, 3)] == str(w["pages_4k"])
        assert cells[(i, 4)].startswith("yes" if w["huge_page_backed"] else "no")
    assert f"NR_CPUS={audit['nr_cpus']}" in ax.get_title(loc="left")
    plots.plt.close(fig)


def test_misses_chart_simulated_paths(basic_run):
    """cachegrind figures of spread (uniform) and read at NR_CPUS 4096 are drawn, labelled
    sim; the hot path's (where every scheme is alike) is not used."""
    fig = plot_misses(basic_run)
    cg = json.loads((BASIC / "cachegrind.json").read_text())
    want = {}
    for b in cg["benchmarks"]:
        for m in ("d1_misses_per_op", "ll_misses_per_op"):
            want[(b["name"], m)] = b["per_op"][m]["value"]
    for path, name in (("spread", "spread/{}/modules:2000/dist:uniform/nr_cpus:64/line:128/"
                                  "manual_time/threads:1"),
                       ("read", "read/{}/nr_cpus:4096/line:128/load:idle/manual_time/"
                                "threads:1")):
        ax = _panel(fig, f"cache:{path}")
        h = _heights(ax)
        labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        for s in FIXTURE_SCHEMES:
            for m in ("d1_misses_per_op", "ll_misses_per_op"):
                gid = f"cachegrind-simulation:{m}:{s}"
                assert h[f"bar:{gid}"] == pytest.approx(want[(name.format(s), m)])
                assert labels[f"label:{gid}"].split()[-1] == "sim"
        assert "sim = D1 misses, cachegrind simulation" in _legend_text(ax)
        assert "hardware counter: no hardware PMU" in _legend_text(ax)
    read = _heights(_panel(fig, "cache:read"))
    assert read["bar:cachegrind-simulation:d1_misses_per_op:nrcpus-array"] == 4096.0
    # every bar carries its method label
    gids = _gids(fig)
    for g in gids:
        if g.startswith("bar:") and not g.startswith("bar:page-size-contrast"):
            assert "label:" + g[4:] in gids
    plots.plt.close(fig)


def test_misses_chart_with_a_pmu(big_run):
    fig = plot_misses(big_run)
    gids = set(_gids(fig))
    for s in FIXTURE_SCHEMES:
        for path in ("spread", "read"):
            h = _heights(_panel(fig, f"cache:{path}"))
            assert f"bar:hardware-counter:l1d_load_misses_per_op:{s}" in h
            assert f"bar:hardware-counter:llc_misses_per_op:{s}" in h
            assert f"bar:hardware-counter:dtlb_load_misses_per_op:{path}:{s}" in gids
        assert f"bar:hardware-counter:node_load_misses_per_op:{s}" in gids
    # hardware dTLB misses: their own panel, labelled HW, from bench.json
    ax = _panel(fig, "dtlb:hw")
    b = big_run.select("spread", "vmalloc-array", dist="uniform")
    b = next(x for x in b if x.threads == 1)
    assert _heights(ax)["bar:hardware-counter:dtlb_load_misses_per_op:spread:vmalloc-array"] \
        == pytest.approx(b.get("dtlb_load_misses_per_op"))
    assert "HW = dTLB load misses" in _legend_text(ax)
    # hot get/put at the most threads: coherence traffic, hardware counters only
    hot = _panel(fig, "cache:hot")
    assert "threads:16" in hot.get_title(loc="left")
    assert not any("cachegrind" in (g or "") for g in _heights(hot))
    # the 4-node audit: percpu keeps every counter local
    share = _heights(_panel(fig, "remote:audit"))
    assert share["bar:placement-audit:remote_share:percpu"] == 0.0
    assert share["bar:placement-audit:remote_share:atomic"] == pytest.approx(0.75)
    plots.plt.close(fig)


def test_cachegrind_without_the_benchmark_is_not_measured(tmp_path):
    """A simulation whose timed loop did not run (under 1 instruction per op) gives no
    figure; the number is kept as raw_value with the reason."""
    run_dir = copy_run(tmp_path, BASIC)
    p = run_dir / "cachegrind.json"
    doc = json.loads(p.read_text())
    for b in doc["benchmarks"]:
        if b["scheme"] == "percpu":
            b["per_op"]["instructions_per_op"]["value"] = 0.29
    p.write_text(json.dumps(doc))
    run = rb.load_run(run_dir)
    figs = [f for f in run.figures() if f["scheme"] == "percpu"]
    assert figs and all(f["value"] is None for f in figs)
    assert all("did not run the benchmark" in f["reason"] for f in figs)
    assert any(f.get("raw_value") == 0.29 for f in figs)
    assert all(f["value"] is not None for f in run.figures() if f["scheme"] == "atomic"
               and f["metric"] == "d1_misses_per_op")
    fig = plot_misses(run)
    ax = _panel(fig, "cache:spread")
    h = _heights(ax)
    assert not any(g.endswith(":percpu") for g in h)
    assert "bar:cachegrind-simulation:d1_misses_per_op:atomic" in h
    assert "percpu: cachegrind simulation: the simulated runs did not run" in _legend_text(ax)
    plots.plt.close(fig)
    # the report says so too
    page = report.build_html(run)
    assert "did not run the benchmark" in page


def test_misses_chart_names_a_path_cachegrind_did_not_simulate(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    p = run_dir / "cachegrind.json"
    doc = json.loads(p.read_text())
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b["scenario"] != "spread"]
    p.write_text(json.dumps(doc))
    fig = plot_misses(rb.load_run(run_dir))
    text = _texts(_panel(fig, "cache:spread"))
    assert "no spread dist:uniform threads:1 benchmark in cachegrind.json" in text
    assert "simulated paths: hot, read" in text
    assert "bar:cachegrind-simulation:d1_misses_per_op:atomic" in _heights(
        _panel(fig, "cache:read"))
    plots.plt.close(fig)


def test_misses_chart_uses_the_read_path_at_4096_only(basic_run):
    """cachegrind.json holds read at NR_CPUS 64 and 4096: only 4096 is drawn."""
    fig = plot_misses(basic_run)
    h = _heights(_panel(fig, "cache:read"))
    at64 = 0.124      # nrcpus-array's d1 at NR_CPUS 64 in the fixture
    assert h["bar:cachegrind-simulation:d1_misses_per_op:nrcpus-array"] != at64
    plots.plt.close(fig)


def test_misses_chart_marks_null_figures(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    p = run_dir / "cachegrind.json"
    doc = json.loads(p.read_text())
    for b in doc["benchmarks"]:
        if b["scenario"] == "read" and b["scheme"] == "atomic" and "4096" in b["name"]:
            b["per_op"]["ll_misses_per_op"] = {
                "value": None, "method": "cachegrind-simulation",
                "reason": "the longer run cost less (-1): set-up differs between runs"}
    p.write_text(json.dumps(doc))
    fig = plot_misses(rb.load_run(run_dir))
    ax = _panel(fig, "cache:read")
    h = _heights(ax)
    assert "bar:cachegrind-simulation:ll_misses_per_op:atomic" not in h
    assert "bar:cachegrind-simulation:ll_misses_per_op:percpu" in h
    assert any(t.get_gid() == "not-measured" and "not" in t.get_text() for t in ax.texts)
    assert "atomic: cachegrind simulation: the longer run cost less" in _legend_text(ax)
    plots.plt.close(fig)


def test_page_size_contrast_not_measured_when_a_side_failed(tmp_path):
    run_dir = copy_run(tmp_path)
    bp = run_dir / "bench.json"
    doc = json.loads(bp.read_text())
    name = "read/vmalloc-array/nr_cpus:4096/line:128/load:idle/manual_time/threads:1"
    doc["benchmarks"] = [e for e in doc["benchmarks"] if e.get("run_name") != name] + [
        {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 2,
         "repetition_index": 0, "threads": 1, "iterations": 0, "real_time": 0,
         "cpu_time": 0, "time_unit": "ns", "error_occurred": True,
         "error_message": "load_module(read) failed: Cannot allocate memory"}]
    bp.write_text(json.dumps(doc))
    run = rb.load_run(run_dir)
    c = rb.page_size_contrast(run, rb.CONTRAST_PATHS[1])
    assert c["value"] is None and "reported an error: load_module(read) failed" in c["reason"]
    fig = plot_misses(run)
    ax = _panel(fig, "dtlb:contrast:read")
    assert not ax.patches
    assert "not measured: vmalloc-array on read" in _texts(ax)
    assert "bar:page-size-contrast:spread" in _heights(_panel(fig, "dtlb:contrast:spread"))
    plots.plt.close(fig)


def test_page_size_contrast_notes_an_array_not_on_huge_pages(tmp_path):
    run_dir = copy_run(tmp_path)
    p = run_dir / "audit.json"
    doc = json.loads(p.read_text())
    for e in doc["schemes"]:
        if e["scheme"] == "nrcpus-array":
            e["refcount_walk"]["huge_page_backed"] = False
    p.write_text(json.dumps(doc))
    run = rb.load_run(run_dir)
    c = rb.page_size_contrast(run, rb.CONTRAST_PATHS[0])
    assert c["value"] is not None and "not on huge pages" in c["note"]
    fig = plot_misses(run)
    assert "not a page-size contrast alone" in " ".join(_legend_text(a) for a in fig.axes)
    plots.plt.close(fig)


def test_misses_chart_reports_unavailable_cachegrind(tmp_path):
    run_dir = copy_run(tmp_path)
    (run_dir / "cachegrind.json").write_text(json.dumps(
        {"method": "cachegrind-simulation", "available": False,
         "reason": "valgrind not found on PATH (Debian package valgrind)"}))
    fig = plot_misses(rb.load_run(run_dir))
    for path in ("spread", "read"):
        assert "valgrind not found on PATH" in _texts(_panel(fig, f"cache:{path}"))
    plots.plt.close(fig)


def test_misses_chart_without_stand_in_files(tmp_path):
    run_dir = copy_run(tmp_path)
    for f in ("cachegrind.json", "perf.json", "audit.json"):
        (run_dir / f).unlink()
    fig = plot_misses(rb.load_run(run_dir))
    texts = " ".join(_texts(ax) for ax in fig.axes)
    assert "no audit.json in this run" in texts
    assert "no cachegrind.json in this run" in texts
    assert not any(g.startswith("bar:") and "page-size-contrast" not in g
                   for g in _gids(fig))
    # the contrast needs bench.json only
    assert "bar:page-size-contrast:spread" in _gids(fig)
    plots.plt.close(fig)


def test_spread_chart(real_run):
    fig = plot_spread(real_run)
    gids = set(_gids(fig))
    for s in FIXTURE_SCHEMES:
        assert f"bars:spread:{s}" in gids
    plots.plt.close(fig)


def test_draw_all_writes_png_svg_and_skips_absent(tmp_path):
    run_dir = copy_run(tmp_path)
    (run_dir / "footprint.json").unlink()
    proc = script("plots.py", run_dir)
    assert proc.returncode == 0, proc.stderr
    assert "footprint: skipped: no footprint.json in this run" in proc.stderr
    for name in ("hot_throughput", "ns_per_op", "read_cost", "misses", "spread"):
        assert (run_dir / "charts" / f"{name}.png").stat().st_size > 10000
        assert f"{name}: wrote charts/{name}.png" in proc.stderr
    assert not (run_dir / "charts" / "footprint.png").exists()
    assert not list((run_dir / "charts").glob("*.tmp"))
    svg = (run_dir / "charts" / "hot_throughput.svg").read_text()
    for s in FIXTURE_SCHEMES:
        assert s in svg
    assert "ideal linear scaling" in svg and "vm, 2026-12-04 01:41:11 UTC" in svg
    manifest = json.loads((run_dir / "charts" / "index.json").read_text())
    assert {c["name"]: c["status"] for c in manifest["charts"]}["footprint"] == "skipped"


def test_every_chart_has_title_units_legend_and_footnote(real_run, big_run):
    for run in (real_run, big_run):
        for chart in CHARTS:
            name, fig = chart.name, plots.chart_function(chart)(run)
            title = fig._suptitle.get_text()
            assert run.host in title and run.date in title, name
            assert "settings:" in _footnote(fig), name
            shown = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
            assert any(ax.get_legend() for ax in fig.axes), name
            assert all(ax.get_ylabel() for ax in shown if ax.patches or ax.lines), name
            plots.plt.close(fig)


def test_plots_newest_run_default_and_bad_option(tmp_path):
    run_dir = copy_run(tmp_path)
    proc = script("plots.py", "--results", tmp_path / "results", "--only", "spread")
    assert proc.returncode == 0, proc.stderr
    assert (run_dir / "charts" / "spread.png").is_file()
    assert_one_line_error(script("plots.py", run_dir, "--only", "pie"), "--only pie")


# ------------------------------------------------------------------------------- report

def test_winners(real_run):
    rows = report.winners(real_run)
    hot2 = next(r for r in rows if r["scenario"] == "hot" and r["config"].endswith("threads:2"))
    medians = {b.scheme: raw_median(REAL, b.name)[0] for b in real_run.select("hot")
               if b.threads == 2 and b.scheme in FIXTURE_SCHEMES}
    order = sorted(medians, key=medians.get)
    assert hot2["winner"] == order[0] and hot2["runner_up"] == order[1]
    assert hot2["ratio"] == pytest.approx(medians[order[1]] / medians[order[0]])
    assert all(r["winner"] in FIXTURE_SCHEMES and r["runner_up"] in FIXTURE_SCHEMES for r in rows)
    assert {r["scenario"] for r in rows} == set(FIXTURE_SCENARIOS)


def test_report_is_offline_and_complete(tmp_path):
    run_dir = copy_run(tmp_path)
    plots.draw_all(rb.load_run(run_dir), formats=("png",))
    proc = script("report.py", run_dir)
    assert proc.returncode == 0, proc.stderr
    page = (run_dir / "index.html").read_text()
    assert "@media print" in page and "<style>" in page
    assert "<script" not in page.lower()
    assert not re.search(r'<link\b', page, re.I)
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert refs
    for ref in refs:
        assert not re.match(r"[a-z]+:", ref), ref           # no http:, file:, data: ...
        if not ref.startswith("#"):
            assert (run_dir / ref).is_file(), ref
    imgs = re.findall(r'<img src="([^"]+)"', page)
    assert len(imgs) == 6
    for raw in ("bench.json", "context.json", "footprint.json", "audit.json",
                "cachegrind.json", "perf.json", "topology.xml", "perf/percpu.csv"):
        assert f'href="{raw}"' in page
    assert "Which scheme wins" in page and "ratio to runner-up" in page
    assert "refbench results: vm" in page and "Intel(R) Xeon(R) Processor" in page
    assert "hardware-counter" in page and "cachegrind-simulation" in page
    assert "not measured" in page and "no hardware PMU" in page
    # the simulated figures, as cachegrind.json holds them, none "did not run"
    assert "did not run the benchmark" not in page
    cg = json.loads((REAL / "cachegrind.json").read_text())
    assert len(cg["benchmarks"]) == 8
    for b in cg["benchmarks"]:
        for m in ("d1_misses_per_op", "ll_misses_per_op", "instructions_per_op"):
            v = b["per_op"][m]["value"]
            assert f'<td>{b["scheme"]}</td><td>{m}</td><td class="num">{rb.fmt_num(v)}</td>' \
                in page, (b["name"], m)
    assert "perf stat events" in page and "unsupported: nrcpus-array" in page
    assert "compact: 2 CPUs" in page
    # the page-size contrast, with the two medians it is made of
    assert "page-size-contrast" in page and 'id="fig-pages"' in page
    c = rb.page_size_contrast(rb.load_run(run_dir), rb.CONTRAST_PATHS[1])
    assert rb.fmt_num(c["value"]) in page and rb.fmt_num(c["subtrahend"]) in page
    assert "on huge pages" in page
    # the real run's ns_per_op medians are in the tables
    b = next(b for b in rb.load_run(run_dir).benchmarks if b.scenario == "lifecycle")
    assert rb.fmt_num(raw_median(REAL, b.name)[0]) in page


def test_report_on_the_synthetic_pmu_run(tmp_path):
    page = report.build_html(rb.load_run(BIG))
    assert "bighost" in page and "Fixture CPU model" in page
    pages = page.split('id="fig-pages"')[1].split('id="fig-standins"')[0]
    assert "hardware-counter" in page and "page-size-contrast" in pages
    assert "not measured" not in pages


def test_report_without_charts_says_so(tmp_path):
    run_dir = copy_run(tmp_path)
    assert script("report.py", run_dir).returncode == 0
    page = (run_dir / "index.html").read_text()
    assert "Not drawn yet" in page and "<img" not in page
