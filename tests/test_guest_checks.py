"""scripts/guest_checks.py on small run folders made here: a run that is right passes, and each
check fails when its own fact is wrong. (tests/test_bench_guest.sh runs it on a real guest.)
Also scripts/guest_assemble.py's naming of each process's placement."""
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
import guest_assemble  # noqa: E402
import guest_checks  # noqa: E402

NODES, CPN = 2, 2
SCHEMES = ["percpu", "atomic"]          # percpu may read low; atomic claims it never does


def bench_entry(scenario, scheme, placement, nr, threads, **counters):
    name = (f"{scenario}/{scheme}/nr_cpus:{nr}/placement:{placement}/manual_time/"
            f"threads:{threads}")
    e = {"name": name, "run_name": name, "run_type": "iteration", "ops_per_sec": 1e6,
         "iterations": 10}
    if scenario == "unload":
        e["gets_after_going"] = 0
    if scenario == "handoff":
        e.update(handoff_reads=100, under_reads=0)
    e.update(counters)
    return e


def good_run():
    entries = []
    for pol in ("compact", "scatter"):
        for nr in (64, 4096):
            for sch in SCHEMES:
                for t in (1, 2, 4):
                    entries.append(bench_entry("hot", sch, pol, nr, t))
                    if t >= 2:
                        entries.append(bench_entry("unload", sch, pol, nr, t))
                        entries.append(bench_entry("handoff", sch, pol, nr, t))
    cpus = [{"cpu": i, "cpu_node": i // CPN, "counter_node": i // CPN} for i in range(4)]
    return {
        "context.json": {"refbench_format": 1, "online_cpus": "0-3",
                         "emulated": "test", "schemes": [{"name": s} for s in SCHEMES],
                         "emulated_topology": {"nodes": NODES, "cpus_per_node": CPN},
                         "settings": {"threads": "1,2,4", "nr_cpus": "64,4096",
                                      "placements": "compact,scatter",
                                      "scenarios": "hot,unload,handoff", "schemes": "all"}},
        "bench.json": {"benchmarks": entries},
        "audit.json": {"nodes": NODES, "nr_cpu_ids": 4, "schemes": [
            {"scheme": "percpu", "in_percpu_units": True, "loading_node": 0, "cpus": cpus},
            {"scheme": "atomic", "in_percpu_units": False, "loading_node": 0,
             "cpus": [dict(c, counter_node=0) for c in cpus]}]},
        "race.json": {"schemes": [
            {"scheme": "percpu", "claims_migration_safe": False, "matches_claim": True},
            {"scheme": "atomic", "claims_migration_safe": True, "matches_claim": True}]},
        "placements.json": {"placements": {
            "compact-nr64": {"policy": "compact", "cpus": [{"node": 0}, {"node": 0},
                                                           {"node": 1}, {"node": 1}]},
            "scatter-nr64": {"policy": "scatter", "cpus": [{"node": 0}, {"node": 1},
                                                           {"node": 0}, {"node": 1}]}}},
    }


def write(tmp_path, files):
    for name, doc in files.items():
        (tmp_path / name).write_text(json.dumps(doc))
    return str(tmp_path)


def failed(tmp_path, files):
    checks = guest_checks.check_run(write(tmp_path, files))
    return {c["name"].split(":")[0] for c in checks if not c["ok"]}


def test_a_right_run_passes_every_check(tmp_path):
    assert failed(tmp_path, good_run()) == set()


def entries_of(f, scenario, scheme=None):
    return [e for e in f["bench.json"]["benchmarks"] if e["name"].startswith(scenario + "/")
            and (scheme is None or e["name"].split("/")[1] == scheme)]


def break_error(f):
    entries_of(f, "hot")[3].update(error_occurred=True, error_message="count mismatch")


def break_missing(f):
    f["bench.json"]["benchmarks"] = [e for e in f["bench.json"]["benchmarks"]
                                     if "threads:4" not in e["name"]
                                     or not e["name"].startswith("hot/atomic")]


def break_unload(f):
    entries_of(f, "unload")[0]["gets_after_going"] = 1


def break_safe_under_read(f):
    entries_of(f, "handoff", "atomic")[0]["under_reads"] = 1


def break_handoff_stuck(f):
    for e in entries_of(f, "handoff", "percpu"):
        if e["name"].endswith("threads:4"):
            e["ops_per_sec"] = 0


def break_node(f):
    f["audit.json"]["schemes"][0]["cpus"][3]["counter_node"] = 0


def break_coverage(f):
    for c in f["audit.json"]["schemes"][0]["cpus"]:
        c["cpu_node"] = c["counter_node"] = 0


def break_scatter(f):
    f["placements.json"]["placements"]["scatter-nr64"]["cpus"] = [
        {"node": 0}, {"node": 0}, {"node": 1}, {"node": 1}]


def break_compact(f):
    f["placements.json"]["placements"]["compact-nr64"]["cpus"] = [
        {"node": 0}, {"node": 1}, {"node": 0}, {"node": 1}]


def break_topology(f):
    f["audit.json"]["nodes"] = 1


def break_race(f):
    f["race.json"]["schemes"][1]["matches_claim"] = False


@pytest.mark.parametrize("breaker,check", [
    (break_error, "no errors"),
    (break_missing, "every scheme ran every scenario, thread count, placement and NR_CPUS "
                    "asked for"),
    (break_unload, "unload"),
    (break_safe_under_read, "handoff"),
    (break_handoff_stuck, "handoff"),
    (break_node, "per-CPU units"),
    (break_coverage, "per-CPU units"),
    (break_scatter, "scatter"),
    (break_compact, "compact"),
    (break_topology, "topology"),
    (break_race, "race"),
])
def test_each_check_fails_when_its_fact_is_wrong(tmp_path, breaker, check):
    f = copy.deepcopy(good_run())
    breaker(f)
    assert check in failed(tmp_path, f)


def test_a_reader_that_read_nothing_is_said_not_failed(tmp_path):
    f = copy.deepcopy(good_run())
    for e in entries_of(f, "handoff", "percpu"):
        e["handoff_reads"] = 0
    checks = guest_checks.check_run(write(tmp_path, f))
    h = [c for c in checks if c["name"].startswith("handoff: registered")][0]
    assert h["ok"] and "read nothing in the window: percpu/compact, percpu/scatter" in h["detail"]


def test_the_script_exits_1_on_a_failed_check_and_2_on_a_bad_folder(tmp_path):
    f = copy.deepcopy(good_run())
    break_unload(f)
    run = write(tmp_path, f)
    r = subprocess.run([sys.executable, str(ROOT / "scripts/guest_checks.py"), run],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "FAIL unload" in r.stdout
    doc = json.loads((tmp_path / "checks.json").read_text())
    assert doc["failed"] == 1 and doc["passed"] == len(doc["checks"]) - 1
    os.remove(tmp_path / "audit.json")
    r = subprocess.run([sys.executable, str(ROOT / "scripts/guest_checks.py"), run],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "audit.json" in r.stderr


def test_each_process_placement_goes_into_the_names():
    w = guest_assemble.with_placement
    assert (w("hot/percpu/nr_cpus:64/codegen:kernel/manual_time/threads:8", "scatter")
            == "hot/percpu/nr_cpus:64/codegen:kernel/placement:scatter/manual_time/threads:8")
    assert (w("hot/noop/manual_time/threads:1", "compact")
            == "hot/noop/placement:compact/manual_time/threads:1")
    assert (w("read/atomic/nr_cpus:8/iterations:256/manual_time/threads:1_mean", "compact")
            == "read/atomic/nr_cpus:8/placement:compact/iterations:256/manual_time/threads:1_mean")
