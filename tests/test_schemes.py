"""The scheme list of a run: where the scripts take order, labels and properties from, what
they do with runs older than the descriptions, and how they find the page-size pair.

Run: scripts/pyrun -m pytest tests/test_schemes.py -q
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
FIX = REPO / "tests" / "fixtures" / "results"
BASIC = FIX / "fixhost" / "20260101T000000Z"
REAL = FIX / "labquick" / "20261204T014105Z"
REAL_OLD = FIX / "labquick" / "20261129T164152Z"   # schemes named, not described
REFBENCH = Path(os.environ.get("BUILD", REPO / "build")) / "refbench"

import rbresults as rb  # noqa: E402
from rbresults import schemes as rbschemes  # noqa: E402
from rbresults import plots  # noqa: E402
from rbresults.charts.throughput import plot_hot_throughput  # noqa: E402
from rbresults.charts.misses import plot_misses  # noqa: E402
from rbresults import report  # noqa: E402


def copy_run(tmp_path, src):
    dst = tmp_path / "results" / src.parent.name / src.name
    shutil.copytree(src, dst)
    return dst


def edit_json(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def script(name, *args):
    """name: a command of the package that reads results (plots.py: rbresults.plots)."""
    return subprocess.run([sys.executable, "-m", "rbresults." + name[:-3], *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def described(name, **fields):
    return rbschemes.Scheme(name, dict(name=name, **fields))


# ------------------------------------------------------------------------- the list

def test_order_and_labels_come_from_context():
    run = rb.load_run(REAL)
    ctx = json.loads((REAL / "context.json").read_text())
    assert run.scheme_names() == [s["name"] for s in ctx["schemes"]]
    for s in ctx["schemes"]:
        assert run.scheme(s["name"]).label == s["label"]
        assert run.scheme_label(s["name"]) == f"{s['name']}: {s['label']}"
        assert run.scheme(s["name"]).source.name == "context.json"
    # baselines after the schemes, anything else after them
    assert run.order(["plain", "zz", "atomic", "noop", "nrcpus-array"]) == \
        ["nrcpus-array", "atomic", "noop", "plain", "zz"]


def test_context_order_wins_over_bench_json_order(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    edit_json(run_dir / "context.json", lambda d: d["schemes"].reverse())
    run = rb.load_run(run_dir)
    assert run.scheme_names() == ["atomic", "percpu", "vmalloc-array", "nrcpus-array"]
    fig = plot_hot_throughput(run)
    labels = [t.get_text().split(":")[0] for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:4] == run.scheme_names()
    plots.plt.close(fig)


def test_without_a_list_the_order_of_bench_json(tmp_path):
    """A run whose context.json has no "schemes": the order in which bench.json first names
    each scheme, baselines left out; the contrast says why it is unavailable."""
    run_dir = copy_run(tmp_path, BASIC)
    edit_json(run_dir / "context.json", lambda d: d.pop("schemes"))

    def percpu_first(doc):
        first = [e for e in doc["benchmarks"] if "/percpu/" in e["name"]]
        doc["benchmarks"] = first + [e for e in doc["benchmarks"] if e not in first]
    edit_json(run_dir / "bench.json", percpu_first)
    run = rb.load_run(run_dir)
    assert run.scheme_names() == ["percpu", "nrcpus-array", "vmalloc-array", "atomic"]
    assert all(s.source == "bench.json" and s.label is None for s in run.schemes)
    pairs, why = run.page_size_pairs()
    assert pairs == [] and "older than the scheme registry" in why


def test_a_scheme_missing_from_the_list_is_kept(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    edit_json(run_dir / "context.json",
              lambda d: d.update(schemes=[s for s in d["schemes"] if s["name"] != "percpu"]))
    run = rb.load_run(run_dir)
    assert run.scheme_names() == ["nrcpus-array", "vmalloc-array", "atomic", "percpu"]
    assert run.scheme("percpu").source == "bench.json"
    assert any(r["winner"] == "percpu" or r["runner_up"] == "percpu"
               for r in report.winners(run))
    page = report.build_html(run)
    assert "not described; named by bench.json" in page


def test_older_run_without_descriptions(tmp_path):
    """The older real run: its context.json names the schemes in prose only. Order kept,
    the page-size contrast not guessed from the names."""
    run = rb.load_run(REAL_OLD)
    assert run.scheme_names() == ["nrcpus-array", "vmalloc-array", "percpu", "atomic"]
    rows = rb.page_size_contrasts(run)
    assert len(rows) == len(rb.CONTRAST_PATHS)
    assert all(r["value"] is None and r["pair"] is None for r in rows)
    assert all("does not say where each scheme's counts live" in r["reason"] for r in rows)
    fig = plot_misses(run)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts).replace("\n", " ")
    assert "not measured: the run's scheme list does not say" in texts
    assert not any((p.get_gid() or "").startswith("bar:page-size-contrast")
                   for ax in fig.axes for p in ax.patches)
    foot = next(t.get_text() for t in fig.texts if t.get_gid() == "footnote")
    assert "page-size contrast: not available" in foot.replace("\n", " ")
    plots.plt.close(fig)
    page = report.build_html(run)
    assert "older than the scheme registry" in page.replace("\n", " ")


@pytest.mark.parametrize("schemes,needle", [
    ({"nrcpus-array": {}}, "'schemes' is dict, not a list"),
    ([{"label": "x"}], "schemes[0] needs a 'name'"),
    ([{"name": "a/b"}], "schemes[0] needs a 'name'"),
    ([{"name": "percpu"}, {"name": "percpu"}], "scheme 'percpu' listed twice"),
    ([{"name": "plain"}], "a baseline of the harness"),
])
def test_bad_scheme_list_is_one_line(tmp_path, schemes, needle):
    run_dir = copy_run(tmp_path, BASIC)
    edit_json(run_dir / "context.json", lambda d: d.update(schemes=schemes))
    proc = script("report.py", run_dir)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert "context.json" in line and needle in line
    assert not (run_dir / "index.html").exists()


def test_compare_hosts_orders_by_the_runs_lists(tmp_path):
    run_dir = copy_run(tmp_path, BASIC)
    edit_json(run_dir / "context.json", lambda d: d["schemes"].reverse())
    out = subprocess.run([sys.executable, "-m", "rbresults.compare", "--hosts", run_dir,
                          BASIC], capture_output=True, text=True, timeout=120).stdout
    hot = out.split("== hot: median ns_per_op (cv) ==")[1].split("\n== ")[0]
    rows = [ln.split("/")[0] for ln in hot.splitlines()[2:] if "/" in ln]
    firsts = list(dict.fromkeys(rows))
    assert firsts == ["atomic", "percpu", "vmalloc-array", "nrcpus-array", "noop", "plain",
                      "atomic-private"]
    assert rb.scheme_order_of_runs([rb.load_run(run_dir), rb.load_run(BASIC)])[:4] == \
        firsts[:4]


# ------------------------------------------------------------------- page-size pairs

def test_page_size_pair_from_properties_not_names():
    mem = dict(ref_storage="embedded-nr-cpus-array", unload_era=2009)
    schemes = [described("one", module_pages="2m", module_memory="pool", **mem),
               described("two", module_pages="4k", module_memory="vmalloc", **mem),
               described("three", module_pages="2m", ref_storage="percpu-unit",
                         unload_era=2009)]
    assert rbschemes.page_size_pairs(schemes) == ([("two", "one")], None)


def test_no_pair_when_anything_but_the_pages_differs():
    base = dict(ref_storage="percpu-unit", module_memory="pool")
    era = [described("a", module_pages="4k", unload_era=2009, **base),
           described("b", module_pages="2m", unload_era=2014, **base)]
    pairs, why = rbschemes.page_size_pairs(era)
    assert pairs == [] and "differ only in their module pages" in why
    # a property the lab may add later (here "code") must agree too
    code = [described("a", module_pages="4k", code="incdec", **base),
            described("b", module_pages="2m", code="local_t", **base)]
    assert rbschemes.page_size_pairs(code)[0] == []


def test_every_twin_on_huge_pages_is_a_pair():
    mem = dict(ref_storage="embedded-nr-cpus-array", unload_era=2009)
    schemes = [described("big", module_pages="2m", **mem),
               described("small", module_pages="4k", **mem),
               described("big2", module_pages="2m", **mem)]
    assert rbschemes.page_size_pairs(schemes)[0] == [("small", "big"), ("small", "big2")]


# ----------------------------------------------------------------------- the binary

@pytest.mark.skipif(not REFBENCH.exists(), reason="build/refbench not built (make all)")
def test_binary_list_is_the_runs_list(tmp_path):
    """What refbench --list-schemes prints is what a run's context.json records."""
    schemes = rbschemes.schemes_of_binary(REFBENCH)
    ctx = tmp_path / "ctx.json"
    proc = subprocess.run([str(REFBENCH), f"--context-out={ctx}", "--benchmark_filter=^$"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr   # the context is written; nothing matched ^$
    recorded = json.loads(ctx.read_text())["schemes"]
    assert [s.name for s in schemes] == [s["name"] for s in recorded]
    assert [s.fields for s in schemes] == recorded
    for s in schemes:
        assert s.get("module_pages") in ("4k", "2m") and s.get("ref_storage")


def test_binary_list_is_the_sources_list():
    """The binary's list against a second reading, of the sources: kernels/schemes.def's
    order, each header's SCHEME_NAME, SCHEME_LABEL and SCHEME_MODULE_MEM."""
    import re
    ids = re.findall(r"^SCHEME\((\w+)\)", (REPO / "kernels" / "schemes.def").read_text(), re.M)
    mem = {"MODULE_MEM_POOL": "pool", "MODULE_MEM_VMALLOC": "vmalloc"}
    expected = []
    for sid in ids:
        text = (REPO / "kernels" / f"scheme_{sid}.h").read_text()
        name = re.search(r'^#define SCHEME_NAME "([^"]+)"', text, re.M).group(1)
        label = re.search(r'^#define SCHEME_LABEL "([^"]+)"', text, re.M).group(1)
        kind = re.search(r"^#define SCHEME_MODULE_MEM (\w+)", text, re.M).group(1)
        expected.append((name, label, mem[kind]))
    got = [(s.name, s.label, s.get("module_memory"))
           for s in rbschemes.schemes_of_binary(REFBENCH)]
    assert got == expected
