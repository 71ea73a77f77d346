"""Tests of the results scripts: reading, aggregation, comparison, charts, report.

Run: scripts/pyrun -m pytest tests/test_results.py -q
Fixture runs live in tests/fixtures/results/. labquick/ is a real quick run written by the lab
itself (scripts/run-bench.sh, see tests/fixtures/README.md): reading, aggregation, chart series
and the report are checked on it. The synthetic runs (tests/fixtures/make_fixtures.py) cover
what one real run cannot show: a machine with a PMU and 4 NUMA nodes, a slowed scheme, a
simulation with every cachegrind path. Tests that write (charts, index.html, broken files)
work on copies in pytest's tmp_path.
"""

from results_common import *  # noqa: F401,F403  the fixture runs and helpers
from results_common import (BASIC, BIG, FIX, REAL, REAL_BENCHES, REAL_OLD, SLOW,  # noqa: F401
                            assert_one_line_error, basic_run, big_run, copy_run, module,
                            raw_entries, raw_median, real_run, script)
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
