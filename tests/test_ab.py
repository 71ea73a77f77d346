"""make ab (scripts/ab.py): bad input is one line naming the make variable, exit 2 and
nothing written; the table of synthetic ABBA processes; one short real A/A run of the
build folder against itself.

The real run needs the build (make all); the test runner builds first.
"""
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
import ab  # noqa: E402
import abstats  # noqa: E402

BUILD = Path(os.environ.get("BUILD", ROOT / "build"))


def run_ab(tmp_path, *args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "ab.py"),
                           f"--results={tmp_path / 'results'}", f"--build={tmp_path / 'b'}",
                           *args], capture_output=True, text=True, timeout=120, cwd=str(ROOT))


def written(tmp_path):
    r = tmp_path / "results"
    return sorted(str(p.relative_to(r)) for p in r.rglob("*")) if r.exists() else []


@pytest.mark.parametrize("args, var", [
    ([], "OLD=''"),
    (["--old=HEAD"], "NEW=''"),
    (["--old=HEAD", "--new=no-such-revision-xyz"], "NEW='no-such-revision-xyz'"),
    (["--old=HEAD", "--new=HEAD", "--minutes=0"], "AB_MIN='0'"),
    (["--old=HEAD", "--new=HEAD", "--minutes=five"], "AB_MIN='five'"),
    (["--old=HEAD", "--new=HEAD", "--threshold=-1"], "THRESHOLD='-1'"),
    (["--old=HEAD", "--new=HEAD", "--suite=nosuchpart"], "SUITE='nosuchpart'"),
    (["--old=HEAD", "--new=HEAD", "--figure=instructions"], "AB_FIGURE='instructions'"),
    (["--old=tests", "--new=HEAD"], "OLD='tests'"),
])
def test_bad_input_names_the_variable(tmp_path, args, var):
    proc = run_ab(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ab: {var}") and "accepted" in lines[0]
    assert written(tmp_path) == [] and not (tmp_path / "b").exists()


def test_cflags_of_a_build_folder_is_bad_input(tmp_path):
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / "refbench").write_text("")
    proc = run_ab(tmp_path, f"--old={folder}", f"--new={folder}", "--new-cflags=-DX=1")
    assert proc.returncode == 2
    assert proc.stderr.startswith("ab: NEW_CFLAGS='-DX=1'") and written(tmp_path) == []


def synthetic_processes(rounds, shift, name, seed):
    """ab.run_rounds's records of one benchmark: ABBA rounds, the machine drifting by 30%
    halfway, NEW `shift` slower."""
    rng = random.Random(seed)
    out = []
    for r in range(rounds):
        order = ("old", "new", "new", "old") if r % 2 == 0 else ("new", "old", "old", "new")
        for i, side in enumerate(order):
            v = 2.0 * (1.3 if r >= rounds // 2 else 1.0) * (1 + shift if side == "new" else 1)
            vals = [v * math.exp(rng.gauss(0, 0.01)) for _ in range(3)]
            out.append({"round": r, "pair": 2 * r + i // 2, "side": side, "part": "hot",
                        "figures": {"cpu": {name: vals}, "wall": {name: [x * 2 for x in vals]}}})
    return out


def test_table_of_synthetic_rounds():
    ps = synthetic_processes(8, 0.08, "hot/x/threads:1", 1)
    ps += synthetic_processes(8, 0.0, "hot/y/threads:1", 2)
    # the same pair numbers for both benchmarks, as one process runs both
    rows = {r["name"]: r for r in ab.table_of(ps, 5.0, "cpu")}
    assert rows["hot/x/threads:1"]["verdict"] == abstats.SLOWER
    assert rows["hot/x/threads:1"]["pairs"] == 16
    assert abs(rows["hot/x/threads:1"]["ratio"] - 1.08) < 0.01
    assert rows["hot/y/threads:1"]["verdict"] == abstats.UNCHANGED
    assert rows["hot/y/threads:1"]["decided_at"] == {"5": True, "10": True}
    line = ab.summary_line(list(rows.values()), 8, 2.0, 5.0)
    assert "1 SLOWER, 0 faster, 1 unchanged, 0 undecided" in line


@pytest.mark.skipif(not (BUILD / "refbench").exists(), reason="refbench not built (make all)")
def test_short_real_aa_run(tmp_path):
    filt = "hot/(noop|atomic-private)/manual_time/threads:1$"
    proc = run_ab(tmp_path, f"--old={BUILD}", f"--new={BUILD}", "--suite=hot",
                  f"--filter={filt}", "--minutes=0.01")
    # the same binary on both sides: SLOWER would need all 6 pairs 5% apart the same way
    assert proc.returncode in (0, 1), proc.stderr
    runs = list((tmp_path / "results").glob("*/ab-*"))
    assert len(runs) == 1 and not list((tmp_path / "results").glob("*/.ab-*"))
    run = runs[0]
    assert {p.name for p in run.iterdir()} == {"samples.json", "table.json", "ab.png",
                                               "index.html"}
    samples = json.loads((run / "samples.json").read_text())
    procs = samples["processes"]
    assert len(procs) == 4 * samples["meta"]["rounds"] and samples["meta"]["rounds"] >= 3
    assert [p["side"] for p in procs[:8]] == ["old", "new", "new", "old",
                                              "new", "old", "old", "new"]
    table = json.loads((run / "table.json").read_text())
    names = [r["name"] for r in table["benchmarks"]]
    assert names == ["hot/noop/manual_time/threads:1", "hot/atomic-private/manual_time/threads:1"]
    assert all(r["pairs"] == 2 * samples["meta"]["rounds"] for r in table["benchmarks"])
    assert "same build" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == table["summary"]
    # a filter that matches nothing: bad input, nothing written
    proc = run_ab(tmp_path, f"--old={BUILD}", f"--new={BUILD}", "--suite=hot",
                  "--filter=^nothing-matches$", "--minutes=0.01")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("ab: FILTER='^nothing-matches$' matches no")
    assert len(list((tmp_path / "results").glob("*/*ab-*"))) == 1


def fake_build(folder, cpu_time, exit_status=0):
    """A build folder whose refbench writes one benchmark of the given CPU time."""
    folder.mkdir()
    prog = folder / "refbench"
    prog.write_text(f"""#!/bin/sh
[ {exit_status} = 0 ] || {{ echo "refbench: failed on purpose" >&2; exit {exit_status}; }}
for a in "$@"; do case "$a" in --benchmark_out=*) out="${{a#*=}}" ;; esac; done
printf '{{"benchmarks": [{{"name": "hot/x/threads:1", "run_name": "hot/x/threads:1",
 "run_type": "iteration", "cpu_time": {cpu_time}, "real_time": {cpu_time}}}]}}' > "$out"
""")
    prog.chmod(0o755)
    return folder


def run_make_ab(tmp_path, old, new):
    return subprocess.run(["make", "--no-print-directory", "ab", f"OLD={old}", f"NEW={new}",
                           "SUITE=hot", "AB_MIN=0.001", f"RESULTS={tmp_path / 'results'}",
                           f"BUILD={tmp_path / 'b'}"],
                          capture_output=True, text=True, timeout=120, cwd=str(ROOT))


def test_slower_is_the_last_line_and_exit_1(tmp_path):
    old = fake_build(tmp_path / "old", 1.0)
    new = fake_build(tmp_path / "new", 1.5)
    proc = run_ab(tmp_path, f"--old={old}", f"--new={new}", "--suite=hot", "--minutes=0.001")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == (
        "ab: SLOWER: 1 benchmark (hot/x/threads:1): exit status 1")
    # under make: the same output, then make's own line saying what exit 1 was
    proc = run_make_ab(tmp_path, old, new)
    assert proc.returncode == 2
    assert proc.stdout.strip().splitlines()[-1].startswith("ab: SLOWER: 1 benchmark")
    err = proc.stderr.strip().splitlines()
    assert err[-2].startswith("make ab: scripts/ab.py exit 1: a benchmark SLOWER")
    assert "Error 1" in err[-1]
    # nothing slower: no such line, make succeeds
    proc = run_make_ab(tmp_path, old, old)
    assert proc.returncode == 0, proc.stderr
    assert "SLOWER:" not in proc.stdout and "make ab:" not in proc.stderr


def test_make_ab_says_what_a_failed_step_was(tmp_path):
    broken = fake_build(tmp_path / "broken", 1.0, exit_status=1)
    proc = run_make_ab(tmp_path, broken, broken)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert err[-3].startswith("ab: error:") and "nothing written" in err[-3]
    assert err[-2].startswith("make ab: scripts/ab.py exit 1:")
    proc = run_make_ab(tmp_path, "", broken)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-2].startswith("make ab: scripts/ab.py exit 2: bad")


def test_default_suite_is_the_parts_marked_yes():
    parts = ab.read_def(ab.AB_DEF)
    assert all(flag in ("yes", "no") for flag, _ in parts.values())
    chosen = ab.choose_parts("")
    assert [n for n, _ in chosen] == [n for n, (f, _) in parts.items() if f == "yes"]
    assert chosen and len(chosen) < len(parts)
    # any part can be named, marked or not, and those of bench/suite.def
    unmarked = next(n for n, (f, _) in parts.items() if f == "no")
    assert [n for n, _ in ab.choose_parts(unmarked)] == [unmarked]
    suite = ab.read_def(ab.SUITE_DEF)
    first = next(iter(suite))
    assert ab.choose_parts(first) == [(first, suite[first][1])]


def test_runs_named_in_the_same_second_get_their_own_folders(tmp_path):
    """A run whose time-stamped folder already exists (another run of the same second, or
    one still being written) takes the next free name instead of failing at the end."""
    import datetime
    import socket
    old = fake_build(tmp_path / "old", 1.0)
    host = tmp_path / "results" / socket.gethostname().split(".")[0]
    now = datetime.datetime.now(datetime.timezone.utc)
    for s in range(0, 30):      # every second this run may start in is taken already
        ts = (now + datetime.timedelta(seconds=s)).strftime("%Y%m%dT%H%M%SZ")
        (host / f"ab-{ts}").mkdir(parents=True)
        (host / f"ab-{ts}" / "table.json").write_text("{}")
        (host / f".ab-{ts}-2.partial").mkdir()
    proc = run_ab(tmp_path, f"--old={old}", f"--new={old}", "--suite=hot", "--minutes=0.001")
    assert proc.returncode == 0, proc.stderr
    made = [p.name for p in host.iterdir() if p.name.endswith("-3")]
    assert len(made) == 1 and (host / made[0] / "table.json").read_text() != "{}", made
