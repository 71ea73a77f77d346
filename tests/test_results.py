"""Tests of the results scripts: reading, aggregation, comparison, charts, report.

Run: scripts/pyrun -m pytest tests/test_results.py -q
Fixture runs live in tests/fixtures/results/ (written by tests/fixtures/make_fixtures.py);
tests that write (charts, index.html, broken files) work on copies in pytest's tmp_path.
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

sys.path.insert(0, str(SCRIPTS))
import rbresults as rb  # noqa: E402
import compare  # noqa: E402
import plots  # noqa: E402
import report  # noqa: E402


def copy_run(tmp_path, src=BASIC, name=None):
    dst = tmp_path / "results" / src.parent.name / (name or src.name)
    shutil.copytree(src, dst)
    return dst


def script(name, *args, timeout=120):
    return subprocess.run([sys.executable, str(SCRIPTS / name), *map(str, args)],
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

def test_load_complete_run_and_aggregate_against_raw_values():
    run = rb.load_run(BASIC)
    assert run.complete and run.host == "fixhost"
    assert run.date == "2026-01-01 00:00:00 UTC"
    # NaN cv aggregates of all-zero counters are recomputed, not warned about
    assert run.warnings == []
    assert len(run.benchmarks) == 74
    name = "hot/atomic/nr_cpus:64/line:128/manual_time/threads:2"
    b = next(b for b in run.benchmarks if b.name == name)
    vals = [e["ns_per_op"] for e in raw_entries(BASIC)
            if e["run_name"] == name and e["run_type"] == "iteration"]
    assert len(vals) == 5
    s = b.stats["ns_per_op"]
    assert s.n == 5 and s.source == "repetitions"
    assert s.median == pytest.approx(statistics.median(vals))
    assert s.mean == pytest.approx(statistics.fmean(vals))
    assert s.stddev == pytest.approx(statistics.stdev(vals))
    assert s.cv == pytest.approx(statistics.stdev(vals) / statistics.fmean(vals))
    assert (s.min, s.max) == (min(vals), max(vals))
    assert sorted(s.values) == sorted(vals)
    # real_time is converted to ns and summarised like any counter
    assert b.stats["real_time"].n == 5
    assert "hw counters unsupported" in b.label


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
    run_dir = copy_run(tmp_path)
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
    assert 10 < len(run.benchmarks) < 74
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
    shutil.copy(BASIC / "footprint.json", run_dir)
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
    assert_one_line_error(script("compare.py", run_dir, BASIC), "footprint.json")


def test_find_runs_and_newest(tmp_path):
    runs = rb.find_runs(FIX)
    assert runs == [BASIC, SLOW, BIG]
    assert rb.newest_run(FIX) == BIG
    (tmp_path / "r").mkdir()
    with pytest.raises(rb.ResultsError, match="no run folders"):
        rb.newest_run(tmp_path / "r")
    proc = script("rbresults.py", "--newest", "--results", FIX)
    assert proc.returncode == 0 and proc.stdout.strip() == str(BIG)


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


def test_compare_run_with_itself_finds_nothing():
    rows = compare.compare(compare.load_side(BASIC), compare.load_side(BASIC))
    assert len(rows) == 74
    assert not any(r["significant"] for r in rows)
    proc = script("compare.py", BASIC, BASIC)
    assert proc.returncode == 0, proc.stderr
    assert "geometric mean of new/old ratios over 74 benchmarks: 1.0000" in proc.stdout


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
    assert "17 of 74 benchmarks significantly slower" in proc.stdout
    flagged_lines = [ln for ln in proc.stdout.splitlines() if ln.rstrip().endswith("SLOWER")]
    assert len(flagged_lines) == 17 and all("/atomic/" in ln for ln in flagged_lines)
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


@pytest.fixture(scope="module")
def basic_run():
    return rb.load_run(BASIC)


@pytest.fixture(scope="module")
def big_run():
    return rb.load_run(BIG)


def test_hot_chart_series(basic_run, big_run):
    for run in (basic_run, big_run):
        fig = plots.plot_hot_throughput(run)
        ax = fig.axes[0]
        lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
        for s in rb.SCHEMES:
            assert f"ideal:{s}" in lines, s
            one = next(b for b in run.select("hot", s) if b.threads == 1)
            x, y = lines[f"ideal:{s}"].get_data()
            assert list(y) == pytest.approx([one.get("ops_per_sec") * t for t in x])
            assert lines[f"ideal:{s}"].get_linestyle() == "--"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        for s in rb.SCHEMES:
            assert s in labels
        assert any(lab.startswith("plain") for lab in labels)
        assert any("ideal" in lab for lab in labels)
        assert "placement=compact" in _footnote(fig) and "threads=" in _footnote(fig)
        assert run.host in fig._suptitle.get_text()
        plots.plt.close(fig)


def test_ns_per_op_chart_has_every_scenario_and_scheme(basic_run):
    fig = plots.plot_ns_per_op(basic_run)
    gids = set(_gids(fig))
    for scen in rb.SCENARIOS:
        for s in rb.SCHEMES:
            assert f"bars:{scen}:{s}" in gids, (scen, s)
    assert "bars:hot:plain" in gids
    assert "standard deviation" in _footnote(fig)
    # error bars drawn from the repetitions' stddev
    from matplotlib.container import BarContainer
    bars = next(c for c in fig.axes[0].containers
                if isinstance(c, BarContainer) and c.get_label() == "percpu")
    assert bars.errorbar is not None
    segs = bars.errorbar.lines[2][0].get_segments()
    sds = [b.get("ns_per_op", "stddev") for b in basic_run.select("hot", "percpu")]
    assert [s[1][1] - s[0][1] for s in segs] == pytest.approx([2 * sd for sd in sds])
    plots.plt.close(fig)


def test_footprint_chart_claims(basic_run):
    fig = plots.plot_footprint(basic_run)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    assert list(lines["claim:1048576000"].get_xydata()[0]) == [4096, 1048576000]
    assert list(lines["claim:2048000"].get_xydata()[0]) == [8, 2048000]
    for s in rb.SCHEMES:
        assert f"line:{s}" in lines
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "1,048,576,000" in labels and "2,048,000" in labels
    plots.plt.close(fig)


def test_read_chart_idle_and_busy(basic_run):
    fig = plots.plot_read_cost(basic_run)
    gids = set(_gids(fig))
    for s in rb.SCHEMES:
        assert f"line:{s}:idle" in gids and f"line:{s}:busy" in gids
    plots.plt.close(fig)


def test_misses_chart_says_not_measured_without_pmu(basic_run, big_run):
    fig = plots.plot_misses(basic_run)
    gids = _gids(fig)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert not any(g.startswith("bar:hardware-counter") for g in gids)   # nothing drawn as 0
    assert any(t.startswith("not measured: hardware counter") for t in texts)
    assert any(g.startswith("bar:cachegrind-simulation:") for g in gids)
    assert any(g.startswith("bar:page-size-contrast:") for g in gids)
    assert any(g.startswith("bar:placement-audit:") for g in gids)
    # every bar carries its method label
    for g in gids:
        if g.startswith("bar:"):
            assert "label:" + g[4:] in gids
    plots.plt.close(fig)
    fig = plots.plot_misses(big_run)
    gids = _gids(fig)
    for s in rb.SCHEMES:
        assert f"bar:hardware-counter:{s}" in gids
    plots.plt.close(fig)


def test_misses_chart_uses_one_scenario_and_marks_null_figures(basic_run):
    fig = plots.plot_misses(basic_run)
    llc = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Last-level cache misses")
    l1 = next(ax for ax in fig.axes if ax.get_title(loc="left") == "L1 data-cache misses")
    heights = {p.get_gid(): p.get_height() for p in l1.patches if p.get_gid()}
    # cachegrind.json has hot and read figures: the hot ones are drawn
    assert heights["bar:cachegrind-simulation:nrcpus-array"] == pytest.approx(0.0031)
    # atomic's hot LL figure is null in cachegrind.json: written, not drawn
    gids = [p.get_gid() for p in llc.patches]
    assert "bar:cachegrind-simulation:atomic" not in gids
    assert "bar:cachegrind-simulation:percpu" in gids
    assert any(t.get_gid() == "not-measured" and "not" in t.get_text() for t in llc.texts)
    plots.plt.close(fig)


def test_misses_chart_reports_unavailable_cachegrind(tmp_path):
    run_dir = copy_run(tmp_path)
    (run_dir / "cachegrind.json").write_text(json.dumps(
        {"method": "cachegrind-simulation", "available": False,
         "reason": "valgrind not found on PATH (Debian package valgrind)"}))
    fig = plots.plot_misses(rb.load_run(run_dir))
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts).replace("\n", " ")
    assert "valgrind not found on PATH" in texts
    plots.plt.close(fig)


def test_misses_chart_without_stand_in_files(tmp_path):
    run_dir = copy_run(tmp_path)
    for f in ("cachegrind.json", "perf.json", "audit.json"):
        (run_dir / f).unlink()
    fig = plots.plot_misses(rb.load_run(run_dir))
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts).replace("\n", " ")
    assert "no audit.json in this run" in texts
    assert "no cachegrind.json or perf.json" in texts
    assert not any(g.startswith("bar:") for g in _gids(fig))
    plots.plt.close(fig)


def test_spread_chart(basic_run):
    fig = plots.plot_spread(basic_run)
    gids = set(_gids(fig))
    for s in rb.SCHEMES:
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
    for s in rb.SCHEMES:
        assert f">{s}<" in svg or f"> {s}<" in svg or s in svg
    assert "ideal linear scaling" in svg and "fixhost" in svg
    manifest = json.loads((run_dir / "charts" / "index.json").read_text())
    assert {c["name"]: c["status"] for c in manifest["charts"]}["footprint"] == "skipped"


def test_plots_newest_run_default_and_bad_option(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    proc = script("plots.py", "--results", tmp_path / "results", "--only", "spread")
    assert proc.returncode == 0, proc.stderr
    assert (run_dir / "charts" / "spread.png").is_file()
    assert_one_line_error(script("plots.py", run_dir, "--only", "pie"), "--only pie")


# ------------------------------------------------------------------------------- report

def test_winners(basic_run):
    rows = report.winners(basic_run)
    hot2 = next(r for r in rows if r["scenario"] == "hot" and r["config"].endswith("threads:2"))
    medians = {b.scheme: b.get("ns_per_op") for b in basic_run.select("hot")
               if b.threads == 2 and b.scheme in rb.SCHEMES}
    order = sorted(medians, key=medians.get)
    assert hot2["winner"] == order[0] and hot2["runner_up"] == order[1]
    assert hot2["ratio"] == pytest.approx(medians[order[1]] / medians[order[0]])
    assert all(r["winner"] in rb.SCHEMES and r["runner_up"] in rb.SCHEMES for r in rows)


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
                "cachegrind.json", "perf.json", "perf/percpu.csv"):
        assert f'href="{raw}"' in page
    assert "Which scheme wins" in page and "ratio to runner-up" in page
    assert "fixhost" in page and "Fixture CPU model" in page
    assert "hardware-counter" in page and "cachegrind-simulation" in page
    assert "not measured" in page
    assert "perf stat events" in page and "unsupported: nrcpus-array" in page
    assert "compact: 2 CPUs" in page


def test_report_without_charts_says_so(tmp_path):
    run_dir = copy_run(tmp_path)
    assert script("report.py", run_dir).returncode == 0
    page = (run_dir / "index.html").read_text()
    assert "Not drawn yet" in page and "<img" not in page
