"""The report's correctness table (scripts/correctness.py): race.json's interleaving
outcome beside the handoff benchmarks' under-reads, from a real handoff run merged into
a copy of a real quick run."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))

from rbresults import correctness  # noqa: E402
from rbresults import load as rbload  # noqa: E402
from rbresults import report  # noqa: E402

RUN = ROOT / "tests" / "fixtures" / "results" / "labquick" / "20261204T014105Z"

pytestmark = pytest.mark.skipif(not (BUILD / "refbench").exists() or
                                not (BUILD / "refbench-race").exists(),
                                reason="build/refbench not built (make all)")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run") / RUN.name
    shutil.copytree(RUN, d)
    out = d / "handoff.json"
    r = subprocess.run([str(BUILD / "refbench"), "--scenario=handoff", "--scheme=percpu,atomic",
                        "--threads=2", "--counters=none", "--benchmark_min_time=0.1",
                        f"--benchmark_out={out}", "--benchmark_out_format=json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    bench = json.loads((d / "bench.json").read_text())
    bench["benchmarks"] += json.loads(out.read_text())["benchmarks"]
    (d / "bench.json").write_text(json.dumps(bench))
    out.unlink()
    race = subprocess.run([str(BUILD / "refbench-race"), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert race.returncode == 0, race.stderr
    (d / "race.json").write_text(race.stdout)
    return d


def by_scheme(rows):
    return {r["scheme"]: r for r in rows}


def test_rows_join_race_and_handoff(run_dir):
    rows, method = correctness.rows(rbload.load_run(run_dir))
    rows = by_scheme(rows)
    assert "interleaving" in method
    pc, at = rows["percpu"], rows["atomic"]
    assert pc["claims"] == "may read low" and pc["race_under"] >= 1
    assert at["claims"] == "never reads low" and at["race_under"] == 0
    for r in (pc, at):
        assert r["race"] == "matches its claim"
        assert r["handoff_reads"] > 0 and r["handoff_ops_per_sec"] > 0
    # A scheme that claims safety never under-reads; the table says so.
    assert at["handoff_under"] == 0 and at["handoff"] == "consistent with the claim"
    # Schemes without handoff benchmarks in the run say so instead of vanishing.
    others = [r for s, r in rows.items() if s not in ("percpu", "atomic")]
    assert others and all(r["handoff"] == "not in this run" for r in others)


def test_report_shows_the_table(run_dir):
    html = report.build_html(rbload.load_run(run_dir))
    assert "under-reads per million" in html and "interleaving outcome" in html


def test_skipped_handoff_is_reported_with_its_reason(run_dir, tmp_path):
    d = tmp_path / RUN.name
    shutil.copytree(run_dir, d)
    bench = json.loads((d / "bench.json").read_text())
    for b in bench["benchmarks"]:
        if b["name"].startswith("handoff/atomic/"):
            for k in ("handoff_reads", "under_reads", "zero_reads", "under_reads_per_million"):
                b.pop(k, None)
            b["error_occurred"] = True
            b["error_message"] = "atomic cannot run here: no reason at all"
    (d / "bench.json").write_text(json.dumps(bench))
    rows = by_scheme(correctness.rows(rbload.load_run(d))[0])
    assert rows["atomic"]["handoff"] == "skipped: atomic cannot run here: no reason at all"


def test_without_race_json_the_reason_is_given(run_dir, tmp_path):
    d = tmp_path / RUN.name
    shutil.copytree(run_dir, d)
    (d / "race.json").unlink()
    rows, why = correctness.rows(rbload.load_run(d))
    assert "race.json" in why
    assert all(r["race"].startswith("not in this run") for r in rows)


def test_under_reads_of_a_scheme_that_claims_none_contradict_it(run_dir, tmp_path):
    """Made up: three under-reads in each of atomic's handoff benchmarks, and race.json
    saying percpu's interleaving did not go as it claims."""
    d = tmp_path / RUN.name
    shutil.copytree(run_dir, d)
    bench = json.loads((d / "bench.json").read_text())
    n = 0
    for b in bench["benchmarks"]:
        if b["name"].startswith("handoff/atomic/") and "under_reads" in b:
            b["under_reads"] = 3
            n += 1
    assert n > 0
    (d / "bench.json").write_text(json.dumps(bench))
    race = json.loads((d / "race.json").read_text())
    for e in race["schemes"]:
        if e.get("scheme") == "percpu":
            e["matches_claim"] = False
    (d / "race.json").write_text(json.dumps(race))
    rows = by_scheme(correctness.rows(rbload.load_run(d))[0])
    assert rows["atomic"]["handoff_under"] == 3 * n
    assert rows["atomic"]["handoff"] == "contradicts the claim"
    # percpu claims it may read low: its under-reads, if any, never contradict it.
    assert rows["percpu"]["handoff"] == "consistent with the claim"
    assert rows["percpu"]["race"] == "DOES NOT MATCH its claim"
