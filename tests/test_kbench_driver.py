"""build/refbench-kbench on a made-up debugfs folder (--dir, --no-run): a window-timed case and a
case that times its own operations (the grace scenario), what each figure says of its timing,
and the figures it stands beside."""
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "build" / "refbench-kbench"
KERNEL = ("kernel release=6.1.0-test machine=x86_64 nr_cpu_ids=2 nr_cpus=64 l1_cache_bytes=64 hz=250 "
          "preempt=none cpus=0-1 window_ms=25 reps=2 peers=0 threads=1")
BESIDE = "unload_ns@unload/gamma/,ns_per_op@control/sync-alone/"


@pytest.fixture
def debugfs(tmp_path):
    if not DRIVER.exists():
        pytest.skip("build/refbench-kbench is not built (make all)")
    (tmp_path / "cases").write_text(
        KERNEL + "\n"
        "case scenario=hot subject=kernel-x impl=kernel reference=alpha selected=1 available=1 includes=a get and a put\n"
        f"case scenario=grace subject=kernel-gp impl=kernel reference=gamma beside={BESIDE} selected=1 "
        "available=1 includes=a grace period, timed from its call\n")
    (tmp_path / "results").write_text(
        KERNEL + "\nstatus run=0\n"
        "result scenario=hot subject=kernel-x impl=kernel reference=alpha threads=1 rep=0 window_ns=25000000 "
        "timed_ns=0 count_start=1 count_end=1 modules=1 ops=5000000\n"
        f"result scenario=grace subject=kernel-gp impl=kernel reference=gamma beside={BESIDE} threads=1 rep=0 "
        "window_ns=90000000 timed_ns=80000000 count_start=0 count_end=0 modules=1 ops=8\n")
    return tmp_path


def run(d, *args):
    return subprocess.run([str(DRIVER), "--dir=%s" % d, "--no-run", *args],
                          capture_output=True, text=True, timeout=60)


def test_timed_and_window_figures(debugfs, tmp_path):
    out = tmp_path / "k.json"
    r = run(debugfs, "--out=%s" % out, "--note=emulated")
    assert r.returncode == 0, r.stderr
    k = json.loads(out.read_text())
    b = {x["name"].split("/")[1]: x for x in k["benchmarks"]}
    hot, gp = b["kernel-x"], b["kernel-gp"]
    # The window over its operations.
    assert hot["ns_per_op"] == pytest.approx(5.0) and "timed_ns" not in hot
    assert hot["refbench_timing"].startswith("the window") and "refbench_kernel_beside" not in hot
    # The module's own timings: their mean, not the window's 90 ms over 8.
    assert gp["name"].startswith("kernel-grace/kernel-gp/impl:kernel/release:6.1.0-test/")
    assert gp["ns_per_op"] == pytest.approx(10e6) and gp["real_time"] == pytest.approx(10e6)
    assert gp["timed_ns"] == 80e6 and gp["window_ns"] == 90e6 and gp["ops"] == 8
    assert gp["refbench_timing"].startswith("each operation")
    assert gp["refbench_kernel_beside"] == BESIDE
    assert gp["refbench_includes"] == "a grace period, timed from its call"
    assert k["context"]["refbench_kbench"]["timing_note"] == "emulated"


def test_bad_count_still_fails(debugfs, tmp_path):
    res = (debugfs / "results").read_text().replace("count_start=0 count_end=0", "count_start=0 count_end=-1")
    (debugfs / "results").write_text(res)
    r = run(debugfs, "--out=%s" % (tmp_path / "k.json"))
    assert r.returncode == 1 and "count -1 after the window, 0 before" in r.stderr
