"""Tests for scripts/cachegrind.py: summary parsing, the differential arithmetic, a real
cachegrind run of a tiny C program, and the script end to end against a stand-in binary."""

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import cachegrind  # noqa: E402

SCRIPT = os.path.join(ROOT, "scripts", "cachegrind.py")
HAVE_TOOLS = shutil.which("valgrind") is not None and shutil.which("cc") is not None
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="needs valgrind and a C compiler")

OUT_TEXT = """\
desc: I1 cache:         32768 B, 64 B, 8-way associative
desc: D1 cache:         49152 B, 64 B, 12-way associative
desc: LL cache:         8388608 B, 64 B, 16-way associative
cmd: ./prog 10
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=prog.c
fn=main
3 10 1 1 4 2 1 2 1 1
4 5 0 0 1 0 0 0
summary: 15 1 1 5 2 1 2 1 1
"""


# ---------------------------------------------------------------- parsing

def test_parse_desc():
    d = cachegrind.parse_desc("D1 cache:         49152 B, 64 B, 12-way associative")
    assert d["level"] == "D1" and d["size_bytes"] == 49152 and d["line_bytes"] == 64
    assert d["ways"] == 12
    assert cachegrind.parse_desc("LL cache: 1024 B, 64 B, fully associative")["ways"] == "full"
    assert cachegrind.parse_desc("something else") is None


def test_parse_out_summary():
    r = cachegrind.parse_out(OUT_TEXT)
    assert r["events"] == ["Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw"]
    assert r["totals"]["Ir"] == 15 and r["totals"]["D1mr"] == 2 and r["totals"]["DLmw"] == 1
    assert r["cache"]["D1"]["size_bytes"] == 49152 and r["cache"]["LL"]["ways"] == 16
    assert len(r["desc"]) == 3 and r["cmd"] == "./prog 10"


def test_parse_out_without_summary_sums_cost_lines():
    text = "\n".join(l for l in OUT_TEXT.splitlines() if not l.startswith("summary:"))
    r = cachegrind.parse_out(text)
    # short cost lines: missing trailing costs are 0
    assert r["totals"] == {"Ir": 15, "I1mr": 1, "ILmr": 1, "Dr": 5, "D1mr": 2, "DLmr": 1,
                           "Dw": 2, "D1mw": 1, "DLmw": 1}


def test_parse_out_rejects_other_files():
    with pytest.raises(cachegrind.CachegrindError):
        cachegrind.parse_out("hello\nworld\n")


# ---------------------------------------------------------------- arithmetic

def test_per_op_differential():
    t1 = {"Ir": 1000, "Dr": 500, "Dw": 300, "D1mr": 40, "D1mw": 10, "DLmr": 20, "DLmw": 5}
    t2 = {"Ir": 6000, "Dr": 2500, "Dw": 1300, "D1mr": 240, "D1mw": 60, "DLmr": 20, "DLmw": 5}
    r = cachegrind.per_op(t1, t2, 100, 1100)
    assert r["instructions_per_op"] == {"value": 5.0, "method": "cachegrind-simulation"}
    assert r["data_reads_per_op"]["value"] == 2.0
    assert r["data_writes_per_op"]["value"] == 1.0
    assert r["d1_misses_per_op"]["value"] == pytest.approx(0.25)
    assert r["ll_misses_per_op"]["value"] == 0.0      # set-up only: excluded
    # two ops per iteration halve the figures
    assert cachegrind.per_op(t1, t2, 100, 1100, 2)["instructions_per_op"]["value"] == 2.5


def test_per_op_negative_difference_is_not_reported():
    r = cachegrind.per_op({"Ir": 10, "Dr": 5, "Dw": 5}, {"Ir": 9, "Dr": 6, "Dw": 6}, 1, 2)
    assert r["instructions_per_op"]["value"] is None and "reason" in r["instructions_per_op"]
    assert "d1_misses_per_op" not in r   # events absent: no figure at all


def test_per_op_bad_counts():
    with pytest.raises(ValueError):
        cachegrind.per_op({}, {}, 10, 10)
    with pytest.raises(ValueError):
        cachegrind.per_op({}, {}, 1, 10, 0)


def test_filters():
    assert cachegrind.path_filter("hot", "percpu", [64]) == "^hot/percpu/.*threads:1$"
    f = cachegrind.path_filter("read", "vmalloc-array", [64, 4096])
    assert f == "^read/vmalloc-array/nr_cpus:(64|4096)/.*load:idle/.*threads:1$"
    assert cachegrind.regex_escape("a.b/c:(1)") == r"a\.b/c:\(1\)"


# ---------------------------------------------------------------- real cachegrind

STREAM_C = r"""
#include <stdlib.h>
int main(int argc, char **argv)
{
    long n = atol(argv[1]);
    volatile char *b = malloc((size_t)n * 64 + 64);
    for (long i = 0; i < n; i++) {
        char c = b[i * 64];     /* one read, a new cache line every time */
        b[i * 64] = c + 1;      /* one write, same line */
    }
    return 0;
}
"""


@needs_tools
def test_real_cachegrind_run(tmp_path):
    src = tmp_path / "stream.c"
    src.write_text(STREAM_C)
    exe = tmp_path / "stream"
    subprocess.run(["cc", "-O2", "-o", str(exe), str(src)], check=True, timeout=60)
    totals = {}
    for n in (5000, 45000):
        out = tmp_path / ("cg.%d" % n)
        subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=yes",
                        "--cachegrind-out-file=" + str(out), str(exe), str(n)],
                       check=True, capture_output=True, timeout=120)
        r = cachegrind.parse_out_file(str(out))
        assert "D1" in r["cache"] and r["cache"]["D1"]["line_bytes"] > 0
        totals[n] = r["totals"]
    per = cachegrind.per_op(totals[5000], totals[45000], 5000, 45000)
    assert per["data_reads_per_op"]["value"] == pytest.approx(1.0, abs=0.01)
    assert per["data_writes_per_op"]["value"] == pytest.approx(1.0, abs=0.01)
    assert per["d1_misses_per_op"]["value"] == pytest.approx(1.0, abs=0.05)


# ---------------------------------------------------------------- end to end

# Stand-in for build/refbench: lists its schemes and benchmark names like refbench's and,
# for one benchmark, does --iterations=N rounded up to whole batches of BATCH operations
# (as the harness does) of one read + one write to a fresh line, and reports the count.
FAKE_C = r"""
#include <regex.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
static const char *names[] = {
  "hot/%s/nr_cpus:64/line:128/manual_time/threads:1",
  "hot/%s/nr_cpus:64/line:128/manual_time/threads:2",
  "spread/%s/modules:2000/dist:zipf/nr_cpus:64/line:128/manual_time/threads:1",
  "read/%s/nr_cpus:8/line:128/load:idle/manual_time/threads:1",
  "read/%s/nr_cpus:64/line:128/load:idle/manual_time/threads:1",
  "read/%s/nr_cpus:64/line:128/load:busy/manual_time/threads:1",
  "lifecycle/%s/modules:2000/nr_cpus:64/line:128/manual_time/threads:1",
};
#define BATCH 16384
int main(int argc, char **argv)
{
  const char *scheme = "", *filter = ".*", *out = NULL; long iters = -1; int list = 0;
  regex_t re; int matched = 0;
  if (argc == 2 && !strcmp(argv[1], "--list-schemes")) {
    puts("{\"refbench_format\": 1, \"schemes\": [{\"name\": \"percpu\"}, "
         "{\"name\": \"zz-fake\"}]}");
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--scheme=", 9)) scheme = argv[i] + 9;
    else if (!strncmp(argv[i], "--benchmark_out=", 16)) out = argv[i] + 16;
    else if (!strncmp(argv[i], "--benchmark_filter=", 19)) filter = argv[i] + 19;
    else if (!strncmp(argv[i], "--iterations=", 13)) iters = atol(argv[i] + 13);
    else if (!strcmp(argv[i], "--benchmark_list_tests=true")) list = 1;
  }
  if (regcomp(&re, filter, REG_EXTENDED | REG_NOSUB)) { fprintf(stderr, "bad regex\n"); return 2; }
  for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
    char name[256], full[300];
    snprintf(name, sizeof name, names[k], scheme);
    /* Like Google Benchmark: a fixed count puts iterations:N in the name. */
    if (iters >= 0) {
      char *mt = strstr(name, "/manual_time");
      snprintf(full, sizeof full, "%.*s/iterations:%ld%s", (int)(mt - name), name, iters, mt);
    } else {
      snprintf(full, sizeof full, "%s", name);
    }
    if (regexec(&re, full, 0, NULL, 0)) continue;
    matched++;
    if (list) { puts(full); continue; }
    if (iters < 0) return 3;
    /* mmap, not malloc: malloc takes different paths for small and large sizes,
       which would not cancel out between the two runs. */
    long ops = (iters + BATCH - 1) / BATCH * BATCH;
    volatile char *b = mmap(NULL, (size_t)ops * 64 + 64, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < ops; i++) { char c = b[i * 64]; b[i * 64] = c + 1; }
    printf("%s  1 ns  1 ns  %ld ops=%ld\n", full, iters, ops);
    FILE *f = out ? fopen(out, "w") : NULL;
    if (f) {
      fprintf(f, "{\"benchmarks\": [{\"name\": \"%s\", \"run_name\": \"%s\", "
                 "\"run_type\": \"iteration\", \"iterations\": %ld, \"ops\": %ld}]}\n",
              full, full, iters, ops);
      fclose(f);
    }
  }
  if (!list && matched != 1) return 4;
  return 0;
}
"""


def run_script(args, env=None, timeout=240):
    return subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.fixture
def fake_refbench(tmp_path):
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler")
    src = tmp_path / "fake.c"
    src.write_text(FAKE_C)
    exe = tmp_path / "fake-refbench"
    subprocess.run(["cc", "-O2", "-o", str(exe), str(src)], check=True, timeout=60)
    return str(exe)


@needs_tools
def test_end_to_end(tmp_path, fake_refbench):
    run = tmp_path / "run"
    # n1 and n2 have the same number of digits: the count is part of the benchmark's
    # name and filter, and a longer regex costs the stand-in a few hundred more reads.
    p = run_script(["--binary", fake_refbench, "--run-dir", str(run), "--schemes", "percpu",
                    "--n1", "20000", "--n2", "90000", "--read-nr-cpus", "64"])
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads((run / "cachegrind.json").read_text())
    assert doc["method"] == "cachegrind-simulation" and doc["available"] is True
    assert doc["valgrind_version"].startswith("valgrind-")
    assert "D1" in doc["cache"]["levels"] and doc["cache"]["desc"]
    names = [b["name"] for b in doc["benchmarks"]]
    assert names == [
        "hot/percpu/nr_cpus:64/line:128/manual_time/threads:1",
        "spread/percpu/modules:2000/dist:zipf/nr_cpus:64/line:128/manual_time/threads:1",
        "read/percpu/nr_cpus:64/line:128/load:idle/manual_time/threads:1",
        "lifecycle/percpu/modules:2000/nr_cpus:64/line:128/manual_time/threads:1",
    ]
    for b in doc["benchmarks"]:
        # whole batches of 16384: the per-op figures divide by the operations the
        # benchmark reports, not by the iterations asked for
        assert b["ops"] == {"n1": 32768, "n2": 98304, "source": "the benchmark's ops counter"}
        per = b["per_op"]
        assert per["data_reads_per_op"]["value"] == pytest.approx(1.0, abs=0.02)
        assert per["d1_misses_per_op"]["value"] == pytest.approx(1.0, abs=0.05)
        assert per["d1_misses_per_op"]["method"] == "cachegrind-simulation"
        for f in b["files"]:
            assert (run / f).exists()
    assert doc["errors"] == []
    assert not (run / "cachegrind.json.tmp").exists()


@needs_tools
def test_default_schemes_are_the_binarys(tmp_path, fake_refbench):
    run = tmp_path / "run"
    p = run_script(["--binary", fake_refbench, "--run-dir", str(run), "--paths", "hot",
                    "--n1", "20000", "--n2", "40000"])
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads((run / "cachegrind.json").read_text())
    assert [b["scheme"] for b in doc["benchmarks"]] == ["percpu", "zz-fake"]


def test_valgrind_absent(tmp_path, fake_refbench):
    run = tmp_path / "run"
    env = dict(os.environ, PATH=str(tmp_path / "empty"))
    p = run_script(["--binary", fake_refbench, "--run-dir", str(run)], env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("\n") == 1 and "valgrind not found" in p.stdout
    doc = json.loads((run / "cachegrind.json").read_text())
    assert doc == {"method": "cachegrind-simulation", "available": False,
                   "reason": "valgrind not found on PATH (Debian package valgrind)"}
    assert run_script(["--binary", fake_refbench, "--run-dir", str(run), "--require"],
                      env=env).returncode == 1


@pytest.mark.parametrize("args,needle", [
    (["--schemes", "bogus"], "unknown scheme 'bogus'; accepted: percpu, zz-b, noop"),
    (["--schemes", "atomic"], "unknown scheme 'atomic'"),
    (["--paths", "hot,unload"], "unknown path 'unload'"),
    (["--n1", "10", "--n2", "10"], "need 0 < n1 < n2"),
    (["--read-nr-cpus", "64,x"], "--read-nr-cpus"),
    (["--", "--iterations=5"], "may not set"),
])
def test_bad_input(tmp_path, args, needle):
    exe = tmp_path / "b"
    exe.write_text("#!/bin/sh\n[ \"$1\" = --list-schemes ] && echo '{\"refbench_format\": 1, "
                   "\"schemes\": [{\"name\": \"percpu\"}, {\"name\": \"zz-b\"}]}'\n"
                   "[ \"$1\" = --list-scenarios ] && echo '{\"scenarios\": [{\"name\": "
                   "\"noop\", \"role\": \"baseline\", \"claims\": []}]}'\nexit 0\n")
    exe.chmod(0o755)
    p = run_script(["--binary", str(exe), "--run-dir", str(tmp_path / "r")] + args)
    assert p.returncode == 2 and needle in p.stderr
    assert p.stderr.count("\n") == 1


def test_binary_without_scheme_list(tmp_path):
    exe = tmp_path / "old"
    exe.write_text("#!/bin/sh\necho 'unrecognized option --list-schemes' >&2\nexit 1\n")
    exe.chmod(0o755)
    p = run_script(["--binary", str(exe), "--run-dir", str(tmp_path / "r")])
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "--list-schemes: exit status 1: unrecognized option" in p.stderr
    assert not (tmp_path / "r" / "cachegrind.json").exists()
