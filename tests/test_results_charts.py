"""Tests of the charts the results scripts draw (rbresults/charts/), on the fixture runs of
tests/fixtures/results/ (see tests/test_results.py for what each holds); the charts are drawn
from copies in pytest's tmp_path when a test writes."""

from results_common import *  # noqa: F401,F403  the fixture runs and helpers
from results_common import (BASIC, BIG, FIX, REAL, REAL_BENCHES, REAL_OLD, SLOW,  # noqa: F401
                            assert_one_line_error, basic_run, big_run, copy_run, module,
                            raw_entries, raw_median, real_run, script)
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


