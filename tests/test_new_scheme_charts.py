"""A scheme the scripts never heard of is drawn and reported, with one colour everywhere.

The real quick run is copied and given one more scheme, "zz-test": a description in
context.json (percpu's, renamed and relabelled) and, in every data file, a copy of percpu's
entries under the new name, as a run of a lab with one more line in kernels/schemes.def
would have. plots.py and report.py then run as separate processes, twice with different
hash seeds: the new scheme must be drawn in every chart, named in its legends and in the
report, and keep one colour of its own in every chart and every process.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
REAL = REPO / "tests" / "fixtures" / "results" / "labquick" / "20261204T014105Z"
NEW, LIKE, LABEL = "zz-test", "percpu", "throwaway test scheme"


def renamed(entry, key):
    e = json.loads(json.dumps(entry))
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(e.get(k), str):
            e[k] = e[k].replace(f"/{LIKE}/", f"/{NEW}/") if "/" in e[k] else NEW
    return e


def add_scheme(run_dir):
    """The run with zz-test added to context.json and, as a copy of percpu's entries, to
    bench.json, footprint.json, audit.json, cachegrind.json and perf.json."""
    def edit(name, change):
        p = run_dir / name
        doc = json.loads(p.read_text())
        change(doc)
        p.write_text(json.dumps(doc, indent=1))

    def context(d):
        like = next(s for s in d["schemes"] if s["name"] == LIKE)
        d["schemes"].append(dict(like, name=NEW, label=LABEL))
    edit("context.json", context)
    def bench(d):
        for e in [e for e in d["benchmarks"] if f"/{LIKE}/" in e["name"]]:
            e = renamed(e, ("name", "run_name"))
            if isinstance(e.get("ns_per_op"), float):
                e["ns_per_op"] /= 2      # twice as fast: it wins somewhere
            d["benchmarks"].append(e)
    edit("bench.json", bench)
    edit("footprint.json", lambda d: d["rows"].extend(
        renamed(r, "scheme") for r in list(d["rows"]) if r["scheme"] == LIKE))
    edit("audit.json", lambda d: d["schemes"].extend(
        renamed(s, "scheme") for s in list(d["schemes"]) if s["scheme"] == LIKE))
    edit("cachegrind.json", lambda d: d["benchmarks"].extend(
        renamed(b, ("scheme", "name")) for b in list(d["benchmarks"]) if b["scheme"] == LIKE))
    edit("perf.json", lambda d: d["schemes"].update({NEW: d["schemes"][LIKE]}))


def run_script(name, run_dir, seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    proc = subprocess.run([sys.executable, "-m", "rbresults." + name[:-3], str(run_dir)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def colours(svg, gid):
    """The fill or stroke colours of the elements an SVG groups under id=gid."""
    out = set()
    for style in re.findall(r'<g id="%s">\s*<(?:path|use)[^>]*?style="([^"]*)"'
                            % re.escape(gid), svg):
        m = re.search(r"(?:stroke|fill): (#[0-9a-f]{6})", style)
        if m:
            out.add(m.group(1))
    return out


# what each chart draws for a scheme: {chart: [gid]}
GIDS = {
    "hot_throughput": [f"line:{NEW}", f"ideal:{NEW}"],
    "ns_per_op": [f"bars:{s}:{NEW}" for s in ("hot", "spread", "read", "lifecycle", "unload")],
    "footprint": [f"line:{NEW}"],
    "read_cost": [f"line:{NEW}:idle", f"line:{NEW}:busy"],
    "misses": [f"bar:cachegrind-simulation:d1_misses_per_op:{NEW}",
               f"bar:placement-audit:remote_share:{NEW}"],
    "spread": [f"bars:spread:{NEW}"],
}
# the elements drawn in the scheme's own colour (the misses chart colours by method)
OWN_COLOUR = ["hot_throughput", "ns_per_op", "footprint", "read_cost", "spread"]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """{seed: {chart: svg text}} of two plots.py processes, and the run folder."""
    run_dir = tmp_path_factory.mktemp("new") / "results" / "labquick" / REAL.name
    shutil.copytree(REAL, run_dir)
    add_scheme(run_dir)
    out = {}
    for seed in (1, 2):
        proc = run_script("plots.py", run_dir, seed)
        assert "6 of 6 charts drawn" in proc.stderr, proc.stderr
        out[seed] = {c: (run_dir / "charts" / f"{c}.svg").read_text() for c in GIDS}
    return out, run_dir


def test_every_chart_draws_the_new_scheme(drawn):
    svgs, _ = drawn
    for chart, gids in GIDS.items():
        for gid in gids:
            assert f'id="{gid}"' in svgs[1][chart], (chart, gid)
    # named with its label in the legends of the line and bar charts
    for chart in OWN_COLOUR:
        assert f"{NEW}: {LABEL}" in svgs[1][chart], chart
    # and on the x axis of the misses chart, among the run's schemes
    assert re.search(r">%s<" % re.escape(NEW), svgs[1]["misses"])


def test_one_colour_in_every_chart_and_process(drawn):
    svgs, _ = drawn
    seen = set()
    for seed in (1, 2):
        for chart in OWN_COLOUR:
            for gid in GIDS[chart]:
                seen |= colours(svgs[seed][chart], gid)
    assert len(seen) == 1, seen
    mine = seen.pop()
    # not the colour of any scheme the run had before
    others = set()
    for s in ("nrcpus-array", "vmalloc-array", "percpu", "atomic"):
        others |= colours(svgs[1]["hot_throughput"], f"line:{s}")
    assert len(others) == 4 and mine not in others
    # the PNG is drawn too, the same in both processes
    assert svgs[1]["hot_throughput"] == svgs[2]["hot_throughput"]


def test_colour_does_not_depend_on_the_process(drawn):
    """Python salts str hashes per process: eight more processes with other seeds must give
    the new scheme the colour the charts drew it in."""
    svgs, run_dir = drawn
    [mine] = colours(svgs[1]["hot_throughput"], f"line:{NEW}")
    code = ("import sys; import rbresults as rb; from rbresults.charts.style import color; "
            "print(color(rb.load_run(sys.argv[1]), sys.argv[2]))")
    for seed in range(3, 11):
        proc = subprocess.run([sys.executable, "-c", code, str(run_dir), NEW],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, PYTHONHASHSEED=str(seed)))
        assert proc.stdout.strip() == mine, (seed, proc.stderr)


def test_report_names_the_new_scheme(drawn):
    _, run_dir = drawn
    run_script("report.py", run_dir, 3)
    page = (run_dir / "index.html").read_text()
    # in the table of schemes, with its own description
    row = re.search(r"<tr><td>%s</td><td>%s</td>(.*?)</tr>" % (NEW, LABEL), page)
    assert row and "context.json" in row.group(1)
    # in every scenario's table of figures
    for scen in ("hot", "spread", "read", "lifecycle", "unload"):
        section = page.split(f'id="fig-{scen}"')[1].split("<h3")[0]
        assert f"<td>{NEW}</td>" in section, scen
    # among the schemes that compete for each setting
    summary = page.split('id="summary"')[1].split('id="charts"')[0]
    assert NEW in summary
    # and its charts are on the page
    assert page.count('<img src="charts/') == 6
