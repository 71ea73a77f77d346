"""scripts/kbench_table.py on a made-up make kbench run folder: the rows, the ratios, a scheme
not built in kernel mode, the page, and bad input."""
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REL = "6.1.0-test-amd64"


def kbench_entry(scen, subject, impl, threads, ns, rep, ref=None):
    e = {"name": f"kernel-{scen}/{subject}/impl:{impl}/release:{REL}/manual_time/threads:{threads}",
         "run_type": "iteration", "threads": threads, "repetition_index": rep, "ns_per_op": ns,
         "refbench_includes": f"{subject} <{impl}> & what it includes"}
    if ref:
        e["refbench_kernel_reference"] = ref
    return e


def user_entry(scen, scheme, threads, ns, **keys):
    k = {"nr_cpus": "64", "line": "64", "codegen": "kernel", **keys}
    return {"name": f"{scen}/{scheme}/" + "/".join(f"{a}:{b}" for a, b in k.items())
                    + f"/manual_time/threads:{threads}",
            "run_type": "iteration", "threads": threads, "ns_per_op": ns}


@pytest.fixture
def run(tmp_path):
    k = [kbench_entry("hot", "kernel-module", "kernel", 1, v, i, ref="alpha")
         for i, v in enumerate((10.0, 12.0, 11.0))]
    k += [kbench_entry("hot", "alpha", "model", 1, v, i) for i, v in enumerate((20.0, 22.0, 21.0))]
    k += [kbench_entry("hot", "kernel-other", "kernel", 1, 5.0, 0, ref="beta")]
    ctx = {"release": REL, "nr_cpus": "64", "peers": "0", "timing_note": "",
           "unavailable": [{"scenario": "hot", "subject": "beta",
                            "reason": "not built in kernel mode <here>"}]}
    (tmp_path / "kbench.json").write_text(json.dumps(
        {"context": {"refbench_kbench": ctx}, "benchmarks": k}))
    u = [user_entry("hot", "alpha", 1, 42.0), user_entry("hot", "beta", 1, 7.5),
         user_entry("hot", "alpha", 1, 99.0, codegen="inline"),      # not the kernel's codegen
         user_entry("hot", "alpha", 1, 1.0, nr_cpus="128")]          # not the kernel's NR_CPUS
    (tmp_path / "bench.json").write_text(json.dumps({"benchmarks": u}))
    return tmp_path


def table(run_dir):
    return subprocess.run([str(ROOT / "scripts/pyrun"), str(ROOT / "scripts/kbench_table.py"),
                           str(run_dir)], capture_output=True, text=True, timeout=60)


def test_rows_and_ratios(run):
    r = table(run)
    assert r.returncode == 0, r.stderr
    rows = {(x["scheme"], x["kernel_reference"]): x
            for x in json.loads((run / "kbench-table.json").read_text())["rows"]}
    a = rows[("alpha", "kernel-module")]
    assert (a["kernel_ns"], a["model_kernel_mode_ns"], a["model_userspace_ns"]) == (11.0, 21.0, 42.0)
    assert a["model_kernel_mode_over_kernel"] == pytest.approx(21 / 11)
    assert a["model_userspace_over_model_kernel_mode"] == pytest.approx(2.0)
    assert a["model_kernel_mode_absent"] is None
    # beta has no kernel-mode model: the kernel's and userspace figures, and why not
    b = rows[("beta", "kernel-other")]
    assert b["model_kernel_mode_ns"] is None and b["model_kernel_mode_over_kernel"] is None
    assert (b["kernel_ns"], b["model_userspace_ns"]) == (5.0, 7.5)
    assert b["model_userspace_over_kernel"] == pytest.approx(1.5)
    assert b["model_kernel_mode_absent"] == "not built in kernel mode <here>"
    assert "beta: no kernel-mode model: not built in kernel mode <here>" in r.stdout


def test_page(run):
    assert table(run).returncode == 0
    page = (run / "index.html").read_text()
    assert REL in page and "<td>alpha</td>" in page and "<td>1.91x</td>" in page
    # text from the data is escaped, never markup
    assert "not built in kernel mode &lt;here&gt;" in page and "<here>" not in page
    assert "kernel-module &lt;kernel&gt; &amp; what it includes" in page
    assert not list(run.glob("*.tmp"))


def test_missing_kbench_json(tmp_path):
    r = table(tmp_path)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "kbench.json" in r.stderr and not (tmp_path / "index.html").exists()


def test_grace_beside_named_figures(run):
    """A kernel case naming what it stands beside (COUNTER@PREFIX) gets the grace table: its
    median beside each named userspace counter at the lowest thread count, filtered like the
    main table (codegen, NR_CPUS, load), and never a row of the main table."""
    k = json.loads((run / "kbench.json").read_text())
    beside = "unload_ns@unload/gamma/,ns_per_op@control/sync-alone/,ns_per_op@read/gamma/"
    for i, v in enumerate((2e6, 4e6, 3e6)):
        e = kbench_entry("grace", "kernel-sync", "kernel", 1, v, i, ref="gamma")
        e["refbench_kernel_beside"] = beside
        e["refbench_timing"] = "each operation"
        k["benchmarks"].append(e)
    (run / "kbench.json").write_text(json.dumps(k))
    u = [dict(user_entry("unload", "gamma", 2, 1.0), unload_ns=v) for v in (6e6, 9e6, 7e6)]
    u += [dict(user_entry("unload", "gamma", 4, 1.0), unload_ns=1.0)]          # more threads
    u += [{"name": "control/sync-alone/lib:x/manual_time/threads:1", "run_type": "iteration",
           "threads": 1, "ns_per_op": 300.0}]
    u += [user_entry("read", "gamma", 1, 450.0, load="idle"),
          user_entry("read", "gamma", 1, 9e9, load="busy"),                    # not idle
          user_entry("read", "gamma", 1, 8e9, load="idle", nr_cpus="8")]       # not the kernel's
    (run / "grace.json").write_text(json.dumps({"benchmarks": u}))
    r = table(run)
    assert r.returncode == 0, r.stderr
    out = json.loads((run / "kbench-table.json").read_text())
    assert not [x for x in out["rows"] if x["scenario"] == "grace"]
    (g,) = out["grace"]
    assert (g["subject"], g["kernel_ns"], g["windows"]) == ("kernel-sync", 3e6, 3)
    got = {x["benchmark"]: (x["counter"], x["threads"], x["ns"]) for x in g["beside"]}
    assert got == {"unload/gamma": ("unload_ns", 2, 7e6), "control/sync-alone": ("ns_per_op", 1, 300.0),
                   "read/gamma": ("ns_per_op", 1, 450.0)}
    assert [x["over_kernel"] for x in g["beside"]] == pytest.approx([7 / 3, 1e-4, 1.5e-4])
    assert "kernel-sync: 3.00 ms (median of 3 windows" in r.stdout
    assert "control/sync-alone" in r.stdout and "300.0 ns" in r.stdout
    assert "The kernel's grace periods beside the model's" in (run / "index.html").read_text()
