"""The refbench binaries as a user meets them: bad input, a complete short run,
planning on synthetic topologies, and an interrupted `make bench`.

Needs the build (make all); the test runner builds first.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
REFBENCH = BUILD / "refbench"
FOOTPRINT = BUILD / "refbench-footprint"
AUDIT = BUILD / "refbench-audit"


def lab_schemes():
    """The schemes the binary was built with (kernels/schemes.def), in its order."""
    if not REFBENCH.exists():
        return []
    r = subprocess.run([str(REFBENCH), "--list-schemes"], capture_output=True, text=True,
                       timeout=60)
    return [s["name"] for s in json.loads(r.stdout)["schemes"]] if r.returncode == 0 else []


SCHEMES = lab_schemes()

pytestmark = pytest.mark.skipif(not REFBENCH.exists(), reason="build/refbench not built (make all)")


def test_scheme_list_names_every_scheme():
    assert SCHEMES and len(set(SCHEMES)) == len(SCHEMES)
    for s in ("nrcpus-array", "vmalloc-array", "percpu", "atomic"):
        assert s in SCHEMES


def run(args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("HWLOC_XMLFILE", None)
    e.pop("HWLOC_SYNTHETIC", None)
    if env:
        e.update(env)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=e)


def ncpus():
    return len(os.sched_getaffinity(0))


BAD = [
    (["--scheme=foo"], "foo", "nrcpus-array"),
    (["--scenario=bar"], "bar", "lifecycle"),
    (["--nr-cpus=0"], "0", "8192"),
    (["--nr-cpus=8193"], "8193", "8192"),
    (["--line=32"], "32", "64 or 128"),
    (["--line=256"], "256", "64 or 128"),
    (["--threads=0"], "0", "1"),
    (["--threads=4097"], "4097", "1024"),
    (["--modules=0"], "0", "1"),
    (["--modules=1000000", "--nr-cpus=8192"], "1000000", "available"),
    (["--placement=bogus"], "bogus", "compact"),
    (["--placement=core:999"], "999", ""),
    (["--counters=bogus"], "bogus", "cycles"),
    (["--iterations=0"], "0", "1"),
    (["--codegen=plane"], "plane", "plain"),
    (["--tlb-spans=0"], "0", "65536"),
    (["--tlb-spans=64,x"], "x", "65536"),
    (["--no-such-flag"], "--no-such-flag", "--help"),
]


@pytest.mark.parametrize("args,named,accepted", BAD)
def test_bad_input_is_one_line_and_nonzero(args, named, accepted):
    r = run([str(REFBENCH)] + args + ["--benchmark_filter=^$"])
    assert r.returncode == 2, r.stdout   # bad input; 3 would be "nothing matched"
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert named in lines[0]
    assert accepted in lines[0]
    assert "Traceback" not in r.stderr and "Segmentation" not in r.stderr


def test_more_threads_than_cpus():
    r = run([str(REFBENCH), f"--threads={ncpus() + 1}", "--benchmark_filter=^$"])
    assert r.returncode == 2
    assert str(ncpus() + 1) in r.stderr


def test_unreadable_hwloc_xmlfile():
    r = run([str(REFBENCH), "--plan"], env={"HWLOC_XMLFILE": "/nonexistent/topo.xml"})
    assert r.returncode != 0
    assert "/nonexistent/topo.xml" in r.stderr


def test_plan_on_synthetic_numa_topology():
    env = {"HWLOC_SYNTHETIC": "pack:2 numa:2 core:4 pu:1"}
    r = run([str(REFBENCH), "--plan", "--placement=scatter"], env=env)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    nodes = [c["node"] for c in plan["cpus"]]
    assert len(nodes) == 16
    # scatter: consecutive threads on different nodes and packages
    assert nodes[:4] == [0, 2, 1, 3]
    # and a synthetic topology can be planned but not run
    r = run([str(REFBENCH), "--benchmark_filter=^hot/noop"], env=env)
    assert r.returncode != 0 and "not this machine" in r.stderr


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "bench.json"
    ctx = out.parent / "context.json"
    r = run([str(REFBENCH), "--iterations=300", "--modules=64", f"--context-out={ctx}",
             f"--benchmark_out={out}", "--benchmark_out_format=json"], timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(out.read_text()), json.loads(ctx.read_text())


def test_every_scenario_and_scheme_ran(short_run):
    bench, _ = short_run
    names = {b["run_name"] for b in bench["benchmarks"]}
    for s in SCHEMES:
        for prefix in (f"hot/{s}/", f"spread/{s}/modules:64/dist:uniform", f"spread/{s}/modules:64/dist:zipf",
                       f"read/{s}/nr_cpus:8192/", f"lifecycle/{s}/", f"unload/{s}/"):
            assert any(n.startswith(prefix) for n in names), prefix
    for base in ("hot/noop", "hot/plain", "hot/atomic-private", "hot/plain-gs"):
        assert any(n.startswith(base + "/") for n in names), base
    errors = [(b["name"], b.get("error_message")) for b in bench["benchmarks"] if b.get("error_occurred")]
    assert errors == []


def test_counters_are_consistent(short_run):
    bench, ctx = short_run
    for b in bench["benchmarks"]:
        assert b["ops"] > 0 and b["ns_per_op"] > 0 and b["ops_per_sec"] > 0, b["name"]
        assert b["thread_ops_per_sec_min"] <= b["thread_ops_per_sec_max"]
        # One window of W seconds, k counted threads: ops_per_sec = ops / W and ns_per_op =
        # W x 1e9 x k / ops, the time one thread takes per operation; so their product is
        # k x 1e9 whatever W was.  In hot/ and spread/ every thread gets and puts and counts;
        # read/ and unload/ count their leader only (the others are load), handoff/ all but
        # the head of its chain.  Each counted thread's rate lies between the slowest and
        # the fastest one's, so the total lies between k times each.
        t = b["threads"]
        k = b["ns_per_op"] * b["ops_per_sec"] / 1e9
        assert k == pytest.approx(round(k), rel=1e-4) and 1 <= round(k) <= t, b["name"]
        k = round(k)
        if b["run_name"].split("/")[0] in ("hot", "spread"):
            assert k == t, b["name"]
        assert (b["thread_ops_per_sec_min"] * k * (1 - 1e-6) <= b["ops_per_sec"]
                <= b["thread_ops_per_sec_max"] * k * (1 + 1e-6)), b["name"]
        if "fairness" in b:
            assert b["fairness"] == pytest.approx(
                b["thread_ops_per_sec_min"] / b["thread_ops_per_sec_max"], rel=1e-4)
        if b["run_name"].startswith("unload/"):
            assert b["gets_after_going"] == 0
            assert b["unload_ns"] > 0
        if b["run_name"].startswith("lifecycle/"):
            assert b["ref_bytes_per_module"] > 0
        # hardware counters: present only where the machine counts them
        events = ctx["counters"]["events"]
        if not events["cycles"]["supported"]:
            assert "cycles_per_op" not in b
        if events["page_faults"]["supported"]:
            assert "page_faults_per_op" in b


def test_lifecycle_bytes_follow_the_schemes(short_run):
    bench, ctx = short_run
    ref = {b["run_name"].split("/")[1]: b["ref_bytes_per_module"]
           for b in bench["benchmarks"] if b["run_name"].startswith("lifecycle/")}
    assert ref["nrcpus-array"] == 64 * 128
    assert ref["vmalloc-array"] == 64 * 128
    assert ref["percpu"] == ctx["nr_cpu_ids"] * 8
    assert ref["atomic"] == 4


def test_footprint_reproduces_the_seed(tmp_path):
    out = tmp_path / "fp.json"
    r = run([str(FOOTPRINT), "--scheme=nrcpus-array,percpu", "--nr-cpus=8,4096",
             f"--out={out}"], timeout=300)
    assert r.returncode == 0, r.stderr
    rows = {(x["scheme"], x["nr_cpus"]): x for x in json.loads(out.read_text())["rows"]}
    assert rows[("nrcpus-array", 4096)]["ref_bytes"] == 1048576000
    assert rows[("nrcpus-array", 8)]["ref_bytes"] == 2048000
    assert rows[("nrcpus-array", 8)]["ref_bytes_per_module"] == 1024
    # resident growth is measured beside it: the 1 GB is really touched
    assert rows[("nrcpus-array", 4096)]["rss_bytes"] > 1048576000
    assert rows[("percpu", 4096)]["ref_bytes"] == 2000 * 8 * json.loads(out.read_text())["nr_cpu_ids"]
    assert "1048576000" in r.stdout


def test_footprint_bad_input(tmp_path):
    for args, named in ((["--line=100"], "100"), (["--nr-cpus=0"], "0"), (["--scheme=x"], "x"), (["--schemes=x"], "x"),
                        ([f"--out={tmp_path}/no/such/dir/fp.json"], "no/such/dir")):
        r = run([str(FOOTPRINT)] + args)
        assert r.returncode != 0
        assert named in r.stderr


def test_audit_single_node():
    r = run([str(AUDIT)])
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)
    assert {s["scheme"] for s in a["schemes"]} == set(SCHEMES)
    for s in a["schemes"]:
        assert len(s["cpus"]) == ncpus()
        if a["nodes"] == 1:
            assert s["remote_share"] == 0.0
    walks = {s["scheme"]: s["refcount_walk"] for s in a["schemes"]}
    assert walks["nrcpus-array"]["cache_lines_64"] == 64
    assert walks["vmalloc-array"]["huge_page_backed"] is False


def test_interrupted_bench_leaves_no_final_folder(tmp_path):
    results = tmp_path / "results"
    earlier = results / "host" / "20000101T000000Z"
    earlier.mkdir(parents=True)
    (earlier / "bench.json").write_text("{}")
    env = dict(os.environ, RESULTS=str(results), QUICK="1", FILTER="^read/", CACHEGRIND="0", PERF="0",
               BUILD=str(BUILD))
    p = subprocess.Popen([str(ROOT / "scripts" / "run-bench.sh")], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(2.0)
    os.killpg(p.pid, signal.SIGINT)
    p.communicate(timeout=60)
    assert p.returncode != 0
    folders = sorted(x.name for x in (results / "host").iterdir()) if (results / "host").exists() else []
    hosts = [h for h in results.iterdir()]
    # nothing new under a final name, the earlier run untouched
    for h in hosts:
        for run_dir in h.iterdir():
            assert run_dir.name == "20000101T000000Z", run_dir   # no .partial folder either
    assert (earlier / "bench.json").read_text() == "{}"
    assert folders  # the earlier run is still there


def test_failing_step_leaves_nothing_half_made(tmp_path):
    """A step that fails (here the footprint program, after the benchmarks ran) ends the run
    with its name, removes the partial folder, and no progress line named a run folder."""
    build = tmp_path / "build"
    build.mkdir()
    for prog in ("refbench", "refbench-race", "refbench-audit"):
        (build / prog).symlink_to(BUILD.resolve() / prog)
    fail = build / "refbench-footprint"
    fail.write_text("#!/bin/sh\necho 'refbench-footprint: made to fail' >&2\nexit 3\n")
    fail.chmod(0o755)
    results = tmp_path / "results"
    env = dict(os.environ, RESULTS=str(results), QUICK="1", SUITE="main", FILTER="^read/atomic/",
               CACHEGRIND="0", PERF="0", BUILD=str(build))
    r = subprocess.run([str(ROOT / "scripts" / "run-bench.sh")], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert r.stdout == ""                       # no run folder handed to make
    left = [str(p) for p in results.rglob("*")] if results.exists() else []
    assert left == [], left
    assert "stopped in step 'memory footprint" in r.stderr, r.stderr[-2000:]
    progress = [ln for ln in r.stderr.splitlines() if ln.startswith("== [")]
    assert progress and not any(str(results) in ln for ln in progress), progress


def test_unwritable_results_folder():
    env = dict(os.environ, RESULTS="/proc/refbench-results", QUICK="1", BUILD=str(BUILD))
    r = subprocess.run([str(ROOT / "scripts" / "run-bench.sh")], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "/proc/refbench-results" in r.stderr
    assert len([l for l in r.stderr.splitlines() if l.strip()]) == 1


def test_spread_sweep_keeps_modules_between_calls(tmp_path):
    """--spread-modules adds a working-set sweep; the modules a spread benchmark keeps
    between Google Benchmark's calls must come back to a count of zero every time and be
    released before another benchmark changes NR_CPUS."""
    out = tmp_path / "bench.json"
    r = run([str(REFBENCH), "--scenario=spread,read", "--scheme=percpu,vmalloc-array",
             "--modules=64", "--spread-modules=16,200", "--iterations=500",
             "--benchmark_repetitions=3", f"--benchmark_out={out}", "--benchmark_out_format=json",
             "--benchmark_filter=^spread/|^read/[^/]+/nr_cpus:4096/line:128/load:idle"], timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    bench = json.loads(out.read_text())["benchmarks"]
    names = {b["run_name"] for b in bench}
    for s in ("percpu", "vmalloc-array"):
        for m in (16, 200):
            assert (f"spread/{s}/modules:{m}/dist:uniform/nr_cpus:64/line:128/pages:4k/offset:kernel/codegen:kernel/"
                    "iterations:500/manual_time/threads:1") in names
    assert not [b["name"] for b in bench if b.get("error_occurred")]


def test_plain_loop_runs_over_every_schemes_modules(tmp_path):
    """--codegen=plain adds, right after each uniform spread benchmark, the plain loop over
    the same loaded modules: one thread, every scheme, every count back where it was; the
    control loop's cells come without and with the filler."""
    out = tmp_path / "bench.json"
    r = run([str(REFBENCH), "--scenario=spread,control", "--codegen=kernel,plain",
             "--modules=64", "--nr-cpus=64", "--module-pages=4k", "--iterations=300", "--threads=1,2"
             if ncpus() >= 2 else "--threads=1", "--spread-layouts=2m:page-aligned",
             f"--benchmark_out={out}", "--benchmark_out_format=json"], timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    bench = json.loads(out.read_text())["benchmarks"]
    assert not [b["name"] for b in bench if b.get("error_occurred")]
    names = [b["run_name"] for b in bench]
    plain = [n for n in names if "/codegen:plain/" in n]
    for s in SCHEMES:
        for lay in ("pages:4k/offset:kernel", "pages:2m/offset:page-aligned"):
            want = (f"spread/{s}/modules:64/dist:uniform/nr_cpus:64/line:128/{lay}/"
                    "codegen:plain/iterations:300/manual_time/threads:1")
            assert want in plain, (want, plain)
            # right after the model's own benchmark on the same modules
            kern = want.replace("codegen:plain", "codegen:kernel")
            assert names.index(want) > names.index(kern)
    assert all("/threads:1" in n and "/dist:uniform/" in n for n in plain), plain
    for lay in ("pages:4k/offset:kernel", "pages:2m/offset:page-aligned"):
        for filler in (0, 20):
            assert (f"control/spread-array/modules:64/dist:uniform/nr_cpus:64/line:128/{lay}/"
                    f"filler:{filler}/iterations:300/manual_time/threads:1") in names


def test_tlb_chase_runs_both_page_sizes(tmp_path):
    out = tmp_path / "bench.json"
    r = run([str(REFBENCH), "--scenario=control", "--threads=1", "--tlb-spans=16,600",
             "--iterations=1000", f"--benchmark_out={out}", "--benchmark_out_format=json"])
    assert r.returncode == 0, r.stderr[-2000:]
    bench = json.loads(out.read_text())["benchmarks"]
    assert not [b["name"] for b in bench if b.get("error_occurred")]
    got = [b["run_name"] for b in bench if b["run_name"].startswith("control/tlb-chase/")]
    assert got == [f"control/tlb-chase/span:{n}/pages:{p}/iterations:1000/manual_time/threads:1"
                   for n in (16, 600) for p in ("2m", "4k")]
    # a chase of one load an operation: the figure is a load's latency, not zero
    assert all(b["ns_per_op"] > 0.1 for b in bench if b["run_name"] in got)


def test_rcu_and_get_cpu_controls(tmp_path):
    """--rcu-controls: liburcu's grace period alone, a call_rcu() round trip far longer than
    a synchronize_sched() (liburcu's call_rcu thread batches); --get-cpu-controls: the
    registration check of the lab's smp_processor_id(), with and without, same work."""
    out = tmp_path / "bench.json"
    r = run([str(REFBENCH), "--scenario=control", "--rcu-controls", "--get-cpu-controls",
             "--threads=1,2", "--iterations=20", f"--benchmark_out={out}",
             "--benchmark_out_format=json"])
    assert r.returncode == 0, r.stderr[-2000:]
    bench = {b["run_name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    assert not [n for n, b in bench.items() if b.get("error_occurred")]
    for t in (1, 2):
        for c in ("rcu-sync", "rcu-sync-wake", "rcu-call"):
            assert f"control/{c}/lib:urcu-qsbr/iterations:20/manual_time/threads:{t}" in bench
        for check in ("lab", "none"):
            assert f"control/get-cpu/check:{check}/iterations:20/manual_time/threads:{t}" in bench
    sync = bench["control/rcu-sync/lib:urcu-qsbr/iterations:20/manual_time/threads:1"]
    call = bench["control/rcu-call/lib:urcu-qsbr/iterations:20/manual_time/threads:1"]
    assert call["ops"] == 20 and sync["ops"] >= 20
    assert call["ns_per_op"] > 10 * sync["ns_per_op"] > 0
    # without the option the control scenario has none of them
    r = run([str(REFBENCH), "--scenario=control", "--threads=1", "--benchmark_list_tests"])
    # (exit 3: nothing of the control scenario is registered without the options)
    assert r.returncode in (0, 3) and "rcu-" not in r.stdout and "get-cpu" not in r.stdout


def scheme_descriptions():
    r = run([str(REFBENCH), "--list-schemes"])
    return {d["name"]: d for d in json.loads(r.stdout)["schemes"]}


def test_unload_hold_is_each_schemes_own_unless_given():
    """Each scheme declares how long unload's getters hold a reference (long enough for
    its delete to meet a held one); --unload-hold-us overrides it for every scheme."""
    desc = scheme_descriptions()
    assert all(isinstance(d.get("unload_hold_us"), int) for d in desc.values())
    listed = run([str(REFBENCH), "--scenario=unload", "--threads=1", "--benchmark_list_tests"])
    names = listed.stdout.split()
    for s, d in desc.items():
        assert any(n.startswith(f"unload/{s}/") and f"/hold_us:{d['unload_hold_us']}/" in n
                   for n in names), (s, names)
    given = run([str(REFBENCH), "--scenario=unload", "--threads=1", "--unload-hold-us=7",
                 "--benchmark_list_tests"]).stdout.split()
    unload = [n for n in given if n.startswith("unload/")]
    assert unload and all("/hold_us:7/" in n for n in unload)


def test_plain_codegen_without_spread_says_so():
    r = run([str(REFBENCH), "--scenario=hot", "--codegen=plain", "--threads=1",
             "--benchmark_filter=^$"])
    assert r.returncode == 3    # accepted, and the empty filter ran nothing
    assert "--codegen=plain applies to spread only" in r.stderr


def test_bad_spread_modules():
    r = run([str(REFBENCH), "--spread-modules=0", "--benchmark_filter=^$"])
    assert r.returncode == 2 and "'0'" in r.stderr


def test_possible_cpus_beyond_the_threads(tmp_path):
    """--nr-cpu-ids lays out per-CPU units for CPUs no thread runs on: module_refcount()
    of percpu then walks them all, and NR_CPUS values below it are not registered."""
    out = tmp_path / "bench.json"
    r = run([str(REFBENCH), "--scenario=read", "--scheme=percpu", "--nr-cpus=512",
             "--nr-cpu-ids=256", "--iterations=200", f"--benchmark_out={out}",
             "--benchmark_out_format=json"], timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    bench = json.loads(out.read_text())["benchmarks"]
    nr = sorted({int(b["run_name"].split("nr_cpus:")[1].split("/")[0]) for b in bench})
    assert nr == [512, 4096, 8192]
    assert not [b for b in bench if b.get("error_occurred")]
    for args, named in ((["--nr-cpu-ids=1"], "1"), (["--nr-cpu-ids=128"], "128"),
                        (["--nr-cpu-ids=9000"], "9000")):
        r = run([str(REFBENCH)] + args + ["--benchmark_filter=^$"])
        assert r.returncode == 2 and named in r.stderr
