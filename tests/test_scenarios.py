"""The run's scenarios, controls and baselines come from its own list (context.json
"scenarios", rbresults/scenarios.py), never from names the scripts type; a run made before
the list reads the list the lab had then, and says so.

The tests at the end need a refbench that prints --list-scenarios (the C side of the list):
test_binary_prints_the_scenario_list, test_binary_list_names_every_benchmark and
test_run_records_the_binary_list. Until that refbench is built they fail.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rbresults as rb
from rbresults import report, scenarios, summary, why

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "fixtures" / "results"
REAL = FIX / "labquick" / "20261204T014105Z"       # records its list
REAL_OLD = FIX / "labquick" / "20261129T164152Z"   # made before runs recorded one
BIG = FIX / "bighost" / "20260103T000000Z"
REFBENCH = Path(os.environ.get("BUILD", REPO / "build")) / "refbench"
CLAIMS = {"spread-array": {"page-size", "in-page-placement", "miss-density"},
          "walk": {"walk-stride", "walk-page-size"}, "tlb-chase": {"page-size", "tlb-reach"},
          "rcu-sync": {"grace-period"}, "rcu-sync-wake": {"grace-period"},
          "rcu-call": {"grace-period"}, "get-cpu": {"get-cpu-check"}}


def copy_run(tmp_path, src=REAL):
    dst = tmp_path / "vm" / src.name
    shutil.copytree(src, dst)
    return dst


def edit_context(run_dir, change):
    p = run_dir / "context.json"
    doc = json.loads(p.read_text())
    change(doc)
    p.write_text(json.dumps(doc))


def module(name, *args):
    return subprocess.run([sys.executable, "-m", name, *map(str, args)], capture_output=True,
                          text=True, timeout=120)


# ------------------------------------------------------------------ a run with its list

def test_a_run_with_its_list_takes_roles_from_it():
    run = rb.load_run(REAL)
    assert run.roles.where == "context.json" and run.roles.fallback is None
    assert run.baselines() == ["noop", "plain", "atomic-private"]
    assert run.controls_claiming("page-size") == ["spread-array", "tlb-chase"]
    assert run.controls_claiming("grace-period") == ["rcu-sync", "rcu-sync-wake", "rcu-call"]
    assert not set(run.scheme_names()) & set(run.roles.not_schemes())
    page = report.build_html(run)
    assert "<h3>Scenarios, controls and baselines</h3>" in page
    assert "Not recorded by this run" not in page
    assert "Baselines (noop, plain, atomic-private) do not compete" in page


def test_roles_are_the_lists_not_the_names(tmp_path):
    """Leave plain out of the list: it is then a scheme the run's files name, and the charts
    draw no reference baseline. Call a scheme a baseline: it stops competing."""
    run_dir = copy_run(tmp_path)
    edit_context(run_dir, lambda d: d.update(
        scenarios=[e for e in d["scenarios"] if e["name"] != "plain"],
        schemes=[s for s in d["schemes"] if s["name"] != "atomic"]))
    edit_context(run_dir, lambda d: d["scenarios"].append(
        {"name": "atomic", "role": "baseline", "label": "as a baseline", "claims": [],
         "source": "bench/baselines.c"}))
    run = rb.load_run(run_dir)
    assert "plain" in run.scheme_names() and "atomic" not in run.scheme_names()
    assert run.baselines() == ["noop", "atomic-private", "atomic"]
    assert all("atomic" not in (r["winner"], r["runner_up"]) for r in summary.winners(run))


def test_claims_follow_the_controls_that_declare_them(tmp_path):
    """The same run with the walk control declaring nothing: the walk claims have no
    control, the others keep theirs."""
    before = {c["cause"]: c["status"] for c in why.claims(rb.load_run(REAL))}
    run_dir = copy_run(tmp_path)
    edit_context(run_dir, lambda d: [e.update(claims=[]) for e in d["scenarios"]
                                     if e["name"] == "walk"])
    after = {c["cause"]: c["status"] for c in why.claims(rb.load_run(run_dir))}
    for cause, status in after.items():
        if cause.startswith("walk"):
            assert status == "no control in this run", cause
        else:
            assert status == before[cause], cause


@pytest.mark.parametrize("listed,needle", [
    ({"hot": {}}, "'scenarios' is dict, not a list"),
    (["hot"], "scenarios[0] is str, not an object"),
    ([{"role": "scenario"}], "scenarios[0] needs a 'name'"),
    ([{"name": "hot", "role": "room"}], "has role 'room' (accepted: scenario, control, baseline)"),
    ([{"name": "walk", "role": "control", "claims": "walk-stride"}], "has claims 'walk-stride'"),
    ([{"name": "hot", "role": "scenario", "label": 3}], "has label 3 (accepted: text)"),
    ([{"name": "hot", "role": "scenario"}, {"name": "hot", "role": "scenario"}],
     "'hot' listed twice"),
])
def test_a_bad_list_is_one_line(tmp_path, listed, needle):
    run_dir = copy_run(tmp_path)
    edit_context(run_dir, lambda d: d.update(scenarios=listed))
    for cmd in ("rbresults.report", "rbresults.summary", "rbresults.plots"):
        proc = module(cmd, run_dir)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (cmd, proc.stderr)
        [line] = proc.stderr.splitlines()
        assert "context.json" in line and needle in line, line
    assert not (run_dir / "index.html").exists()


# -------------------------------------------------------------- a run made before the list

def test_a_run_before_the_list_reads_the_list_of_then_and_says_so(tmp_path):
    run_dir = copy_run(tmp_path, REAL_OLD)
    assert "scenarios" not in json.loads((run_dir / "context.json").read_text())
    run = rb.load_run(run_dir)
    assert run.roles.fallback and "no scenario list" in run.roles.fallback
    assert "noop" in run.baselines() and run.controls_claiming("tlb-reach")
    assert not set(run.scheme_names()) & set(run.roles.not_schemes())
    proc = module("rbresults.report", run_dir)
    assert proc.returncode == 0, proc.stderr
    page = (run_dir / "index.html").read_text()
    assert "Not recorded by this run: this run&#x27;s context.json has no scenario list" in page
    assert "scenarios_before_list.json" in page


def test_the_list_before_runs_recorded_one_has_the_shape_of_the_binarys():
    listed = scenarios.before_list()
    roles = {e.role for e in listed.entries}
    assert roles == set(scenarios.ROLES)
    assert {e.name: set(e.claims) for e in listed.entries if e.role == "control"} == CLAIMS
    assert all(e.label and e.source.startswith("bench/") for e in listed.entries)


# ----------------------------------------------------------------- the binary's own list

needs_binary = pytest.mark.skipif(not REFBENCH.exists(), reason="build/refbench not built")


@needs_binary
def test_binary_prints_the_scenario_list():
    listed = scenarios.scenarios_of_binary(REFBENCH)
    assert listed.scenarios() == ["hot", "spread", "read", "lifecycle", "unload", "handoff"]
    assert listed.baselines() == ["noop", "plain", "atomic-private", "plain-gs"]
    assert {n: set(listed.get(n).claims) for n in listed.controls()} == CLAIMS
    for e in listed.entries:
        assert e.label and e.source and e.source.startswith("bench/"), e
        # a scenario claims nothing; a baseline only what it is the limit of
        assert e.role != "scenario" or not e.claims, e
    assert [n for n in listed.baselines() if listed.get(n).claims] == ["plain"]
    assert listed.get("plain").claims == ("per-cpu-limit",)


@needs_binary
def test_binary_list_names_every_benchmark():
    """The second part of every benchmark the binary registers is a scheme, a control or a
    baseline of its lists; the first part of every other benchmark is a listed scenario."""
    listed = scenarios.scenarios_of_binary(REFBENCH)
    schemes = {s.name for s in rb.schemes_of_binary(REFBENCH)}
    r = subprocess.run([str(REFBENCH), "--scenario=" + ",".join(listed.scenarios() + ["control"]),
                        "--walk-counts=8", "--tlb-spans=1", "--rcu-controls",
                        "--get-cpu-controls", "--threads=1", "--benchmark_list_tests"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for name in r.stdout.split():
        first, second = name.split("/")[:2]
        role = listed.role(second)
        assert second in schemes or role in ("control", "baseline"), name
        assert first in listed.scenarios() or role == "control", name


@needs_binary
def test_run_records_the_binary_list(tmp_path):
    ctx = tmp_path / "ctx.json"
    proc = subprocess.run([str(REFBENCH), f"--context-out={ctx}", "--benchmark_filter=^$"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    recorded = json.loads(ctx.read_text())["scenarios"]
    listed = scenarios.scenarios_of_binary(REFBENCH)
    assert [e["name"] for e in recorded] == [e.name for e in listed.entries]
    assert [(e["role"], e["label"], e["claims"], e["source"]) for e in recorded] == \
        [(e.role, e.label, list(e.claims), e.source) for e in listed.entries]
