"""scripts/why.py: a cause is printed as established only when its control shows it."""
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import rbresults as rb  # noqa: E402
import why  # noqa: E402

BASE = "spread/percpu/modules:2000/dist:uniform/nr_cpus:4096/line:128"


def bench(name, values):
    b = rb.Bench(name + "/manual_time/threads:1")
    b.stats["ns_per_op"] = rb.Stats(values)
    return b


def run_of(*benches):
    return SimpleNamespace(benchmarks=list(benches))


def claim(run, cause):
    return next(c for c in why.claims(run) if c["cause"].startswith(cause))


def test_clear_difference_is_established():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0, 5.1, 4.9]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [9.0, 9.1, 8.9]))
    c = claim(run, "in-page placement")
    assert len(c["rows"]) == 1 and c["rows"][0]["established"]
    assert "offset" not in c["rows"][0]["setting"]
    assert c["status"].startswith("established")


def test_difference_within_noise_is_not_established():
    run = run_of(bench(BASE + "/pages:2m/offset:kernel/codegen:kernel", [5.0, 6.0, 4.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.3, 6.3, 4.3]))
    c = claim(run, "page size")
    assert len(c["rows"]) == 1 and not c["rows"][0]["established"]
    assert c["status"].startswith("not established")


def test_one_repetition_establishes_nothing():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [50.0]))
    assert not claim(run, "in-page placement")["rows"][0]["established"]


def test_no_control_is_said():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0, 5.1]))
    for c in why.claims(run):
        assert c["status"] == "no control in this run"


def test_model_against_control_ratios():
    ctl = "control/spread-array/modules:2000/dist:uniform/nr_cpus:4096/line:128"
    run = run_of(bench(ctl + "/pages:4k/offset:kernel", [2.0, 2.0]),
                 bench(ctl + "/pages:4k/offset:page-aligned", [6.0, 6.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [4.0, 4.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [8.0, 8.0]))
    (row,) = why.model_vs_control(run)
    assert row["control_ratio"] == 3.0 and row["model_ratio"] == 2.0 and not row["agree"]
