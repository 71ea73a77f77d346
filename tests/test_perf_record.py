"""scripts/perf_record.py and the report's "Where the time goes": perf record of a scheme's
hot loop, each instruction's share, its source line, and whose it is."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
REFBENCH = BUILD / "refbench"
REAL = ROOT / "tests" / "fixtures" / "results" / "labquick" / "20261204T014105Z"

import perf_record  # noqa: E402
import perf_stat  # noqa: E402
import rbresults as rb  # noqa: E402
from rbresults import report  # noqa: E402


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPTS / "perf_record.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def test_whose_each_instruction_is():
    k = str(ROOT / "kernels" / "scheme_percpu.h")
    c = str(ROOT / "kernels" / "compat.h")
    b = str(ROOT / "bench" / "loops" / "scenarios" / "hot.c")
    assert perf_record.whose(k, "return (local_t *)(mod->ref.refptr + off);", "add %rax") == "kernel"
    assert perf_record.whose(c, "if (unlikely(cpu < 0))\t\t/* lab: the registration check */",
                             "js 69b1 <x.cold>") == "lab"
    assert perf_record.whose(c, "int cpu = refbench_this_cpu;", "mov %fs:(%r12),%rax") == "lab"
    # the harness's call into a scheme's out-of-line function is the call the kernel made
    assert perf_record.whose(b, "WINDOW_RUN(&w, {", "call 3ce70 <scheme_percpu_module_put>") \
        == "kernel"
    assert perf_record.whose(b, "WINDOW_RUN(&w, {", "sub $0x1,%ebp") == "lab"
    assert perf_record.whose("/usr/include/x86_64-linux-gnu/bits/string_fortified.h", "",
                             "rep stos") == "other"
    assert perf_record.whose(None, "", "nop") == "other"


def test_perf_output_lines_are_read():
    m = perf_record.TOP_RE.match("    46.30%  refbench               [.] bench_hot     -  -")
    assert m and m.group(1) == "46.30" and m.group(2) == "refbench" and m.group(4) == "bench_hot"
    m = perf_record.ANN_RE.match("    4.71 :   16cff:  add    0xa0(%rbx),%rax")
    assert m and float(m.group(1)) == 4.71 and int(m.group(2), 16) == 0x16cff
    assert perf_record.ANN_RE.match("         : 183   {") is None


def test_objdump_gives_each_instruction_its_source_line():
    out = subprocess.run(["nm", str(REFBENCH)], capture_output=True, text=True).stdout
    addr = next(int(ln.split()[0], 16) for ln in out.splitlines()
                if ln.split()[-1] == "scheme_percpu_module_put")
    insns = perf_record.objdump_lines(str(REFBENCH), addr, addr + 48)
    assert insns and insns[0][0] == addr
    files = {perf_record.rel(i[2]) for i in insns if i[2]}
    assert any(f.startswith("kernels/") for f in files), files


def test_bad_input_is_one_line(tmp_path):
    r = run("--binary", REFBENCH, "--run-dir", tmp_path / "none")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not exist" in r.stderr
    r = run("--binary", REFBENCH, "--run-dir", tmp_path, "--benchmarks", "hot-1,nope")
    assert r.returncode == 2 and "hot-1, hot-all, spread-seed, read-4096" in r.stderr
    assert not (tmp_path / "perf_record.json").exists()


def test_without_perf_it_says_so_and_the_run_goes_on(tmp_path):
    r = run("--binary", REFBENCH, "--run-dir", tmp_path, "--perf", tmp_path / "no-perf")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "perf_record.json").read_text())
    assert doc["available"] is False and "perf could not run" in doc["reason"]
    assert "not recorded" in r.stdout and r.stdout.count("\n") == 1
    r = run("--binary", REFBENCH, "--run-dir", tmp_path, "--perf", tmp_path / "no-perf",
            "--require")
    assert r.returncode == 1


def test_record_flags_only_where_perf_takes_them(tmp_path):
    # A perf that refuses --no-bpf-event (older than 5.1) records without the flags; one
    # that takes them gets both.
    old = tmp_path / "old-perf"
    old.write_text("#!/bin/sh\nfor a; do [ \"$a\" = --no-bpf-event ] && exit 129; done\n"
                   "exit 0\n")
    old.chmod(0o755)
    new = tmp_path / "new-perf"
    new.write_text("#!/bin/sh\nexit 0\n")
    new.chmod(0o755)
    assert perf_record.record_flags(str(old)) == []
    assert perf_record.record_flags(str(new)) == ["--no-bpf-event", "-N"]
    assert perf_record.record_flags(str(tmp_path / "no-perf")) == []


def test_jobs_below_one_is_refused(tmp_path):
    r = run("--binary", REFBENCH, "--run-dir", tmp_path, "--jobs", "0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--jobs 0" in r.stderr


def perf_usable():
    perf = shutil.which("perf")
    ok, why, _ = perf_stat.check_perf(perf, perf_stat.read_paranoid(), os.geteuid())
    return ok, why


def test_a_scheme_hot_loop_recorded_and_annotated(tmp_path):
    ok, why = perf_usable()
    if not ok:
        pytest.skip(f"perf cannot count here: {why}")
    r = run("--binary", REFBENCH, "--run-dir", tmp_path, "--schemes", "percpu",
            "--benchmarks", "hot-1,read-4096", "--min-time", "0.1", "--jobs", "2")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "perf_record.json").read_text())
    assert doc["available"] and doc["event"] in ("cycles", "cpu-clock")
    # read in parallel, kept in the plan's order
    assert list(doc["schemes"]["percpu"]) == ["hot-1", "read-4096"]
    assert doc["schemes"]["percpu"]["read-4096"]["benchmark"].startswith("read/percpu/")
    e = doc["schemes"]["percpu"]["hot-1"]
    assert e["benchmark"].startswith("hot/percpu/") and e["benchmark"].endswith("threads:1")
    assert (tmp_path / "perf" / "record" / e["text"]).is_file()
    # 2.6.29's module_put() was out of line: its symbol takes samples of its own
    assert any(s["symbol"] == "scheme_percpu_module_put" for s in e["top_symbols"])
    assert e["loop"], "no instruction of the lab's symbols took samples"
    assert {i["whose"] for i in e["loop"]} <= {"kernel", "lab", "other"}
    assert e["shares_by_whose"].get("kernel", 0) > 0
    assert 0 < e["loop_share"] <= 100.0 + 1e-6
    assert all(i["file"] and i["line"] for i in e["loop"] if i["whose"] != "other")


def test_report_shows_it_or_says_why(tmp_path):
    run_dir = tmp_path / "vm" / REAL.name
    shutil.copytree(REAL, run_dir)
    page = report.build_html(rb.load_run(run_dir))
    assert 'id="perf"' in page and "no perf_record.json in this run" in page
    doc = {"method": "perf-record", "available": True, "event": "cpu-clock",
           "event_note": "made up", "freq": 4000, "schemes": {"percpu": {"hot-1": {
               "benchmark": "hot/percpu/x/threads:1", "description": "hot, 1 thread",
               "top_symbols": [{"share": 60.0, "dso": "refbench", "kind": ".",
                                "symbol": "bench_hot"}],
               "loop": [{"symbol": "bench_hot", "address": "10", "insn": "incq (%rax)",
                         "share": 40.0, "file": "kernels/compat.h", "line": 171,
                         "function": "local_inc", "source": "incq", "whose": "kernel"},
                        {"symbol": "bench_hot", "address": "14", "insn": "call 20 <x>",
                         "share": 20.0, "file": "bench/loops/scenarios/hot.c", "line": 193,
                         "function": "bench_hot", "source": "WINDOW_RUN",
                         "whose": "lab"}],
               "loop_share": 60.0, "shares_by_whose": {"kernel": 40.0, "lab": 20.0},
               "text": "percpu.hot-1.txt"}}}}
    (run_dir / "perf_record.json").write_text(json.dumps(doc))
    page = report.build_html(rb.load_run(run_dir))
    perf_part = page.split('id="perf"')[1].split("<h2")[0]
    assert "skid" in perf_part and "incq (%rax)" in perf_part and "40.0%" in perf_part
    why_part = page.split('id="why"')[1].split("<h2")[0]
    assert "calls and returns" in why_part and "20.0%" in why_part
