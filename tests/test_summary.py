"""scripts/rbresults/summary.py: what a run found, on one screen, from the run's own files; and the
report opening with it."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
REAL = ROOT / "tests" / "fixtures" / "results" / "labquick" / "20261204T014105Z"

import rbresults as rb  # noqa: E402
from rbresults import report  # noqa: E402
from rbresults import summary  # noqa: E402


def run_summary(*args):
    return subprocess.run([sys.executable, "-m", "rbresults.summary", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_one_screen_from_the_run(tmp_path):
    run_dir = tmp_path / "vm" / REAL.name
    shutil.copytree(REAL, run_dir)
    r = run_summary(run_dir, "--write")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) <= 25
    assert (run_dir / "summary.txt").read_text() == r.stdout
    run = rb.load_run(run_dir)
    # a line per scenario with two or more schemes, naming the winner of most settings
    for scen in ("hot", "spread", "read"):
        line = next(ln for ln in lines if ln.split()[:1] == [scen])
        rows = [w for w in summary.winners(run) if w["scenario"] == scen]
        counts = {}
        for w in rows:
            counts[w["winner"]] = counts.get(w["winner"], 0) + 1
        best = max(counts.values())
        assert any(f"{s} fastest in {n} of {len(rows)}" in line
                   for s, n in counts.items() if n == best)
    # the seed's figure: 2000 modules x NR_CPUS 4096 x 128-byte lines, from footprint.json
    mem = next(ln for ln in lines if "memory at NR_CPUS 4096" in ln)
    assert "524,288 B of refcount per module" in mem and "1,048,576,000 B" in mem
    assert lines[-1] == f"Report: {run_dir / 'index.html'}"


def test_what_is_missing_is_said_not_shown_as_an_error(tmp_path):
    run_dir = tmp_path / "vm" / REAL.name
    shutil.copytree(REAL, run_dir)
    for f in ("footprint.json", "audit.json"):
        (run_dir / f).unlink(missing_ok=True)
    r = run_summary(run_dir)
    assert r.returncode == 0, r.stderr
    assert "Errno" not in r.stdout and "Traceback" not in r.stdout
    assert "memory: no footprint.json in this run" in r.stdout
    assert "race.json is not in this run" in r.stdout


def test_counters_the_machine_lacks_are_named_with_their_reason(tmp_path):
    run_dir = tmp_path / "vm" / REAL.name
    shutil.copytree(REAL, run_dir)
    ctx = json.loads((run_dir / "context.json").read_text())
    events = ctx["counters"]["events"]
    events["cycles"].update({"supported": False, "reason": "made up for the test"})
    (run_dir / "context.json").write_text(json.dumps(ctx))
    out = run_summary(run_dir).stdout
    line = next(ln for ln in out.splitlines() if "made up for the test" in ln)
    assert "cycles" in line


def test_missing_run_folder_is_one_line(tmp_path):
    r = run_summary(tmp_path / "nowhere")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "nowhere" in r.stderr


def test_report_opens_with_what_the_run_found():
    run = rb.load_run(REAL)
    page = report.build_html(run)
    h2 = [part.split("</h2>")[0].split(">")[-1] for part in page.split("<h2 ")[1:]]
    assert h2[0] == "What this run found"
    assert h2.index("Machine and settings") > h2.index("Which scheme wins")
    found = page.split('<pre class="found">')[1].split("</pre>")[0]
    assert "Which scheme wins" in found and "memory at NR_CPUS 4096" in found
