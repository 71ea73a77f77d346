"""Tests of the noise model and the comparison gate (scripts/rbresults/noise.py, scripts/rbresults/calibrate.py,
scripts/rbresults/compare.py) and of merging a run's processes (scripts/merge_bench.py), on synthetic
runs written here: each is a run folder with a bench.json whose repetitions come from named
processes and a context.json with the host, the run settings and the build's identity.

Run: scripts/pyrun -m pytest tests/test_noise.py -q
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
from rbresults import compare  # noqa: E402
from rbresults import noise  # noqa: E402
import rbresults as rb  # noqa: E402

QUIET = "hot/percpu/nr_cpus:64/manual_time/threads:1"      # 1 thread on 2 CPUs
BUSY = "hot/percpu/nr_cpus:64/manual_time/threads:2"       # every CPU of the machine
NOISY = "spread/percpu/modules:2000/manual_time/threads:1"
NAMES = [QUIET, BUSY, NOISY]
# Per-process offsets of the synthetic runs, as a fraction: NOISY moves 8% between processes,
# the others 1%.
SWING = {QUIET: 0.01, BUSY: 0.01, NOISY: 0.08}
REP_WOBBLE = [0.0, 0.002, -0.002]          # back-to-back repetitions agree closely


def write_run(root, name, base, processes=((0.0, 3), (1.0, 2)), host="box",
              build="b1", settings=None, cpus="0-1", scale=None):
    """A run folder root/<host>/<name>: each process k runs `reps` repetitions of every
    benchmark at base * (1 + SWING * sign) * scale, with a small wobble between
    repetitions. processes: [(sign of its offset, repetitions)]."""
    scale = scale or {}
    d = root / host / name
    d.mkdir(parents=True)
    entries = []
    for k, (sign, reps) in enumerate(processes):
        for n in NAMES:
            for i in range(reps):
                v = base[n] * (1 + SWING[n] * sign) * scale.get(n, 1.0) * (1 + REP_WOBBLE[i % 3])
                entries.append({"name": n, "run_name": n, "run_type": "iteration",
                                "repetitions": reps, "repetition_index": i, "threads":
                                int(n.rsplit(":", 1)[1]), "iterations": 1000,
                                "real_time": v, "cpu_time": v, "time_unit": "ns",
                                "ns_per_op": v, "refbench_part": "hot",
                                "refbench_process": k})
    (d / "bench.json").write_text(json.dumps({"context": {"host_name": host, "num_cpus": 2},
                                              "benchmarks": entries}))
    s = {"reps": "5", "min_time": "0.1", "quick": "0", "processes": "2", "interleave": "1",
         "build_id": build}
    s.update(settings or {})
    (d / "context.json").write_text(json.dumps({
        "refbench_format": 1, "host": host, "online_cpus": cpus, "nr_cpus": 64, "line": 128,
        "threads": [1, 2], "settings": s,
        "schemes": [{"name": "percpu"}]}))
    (d / "COMPLETE").write_text("done\n")
    return d


BASE = {QUIET: 2.4, BUSY: 3.1, NOISY: 8.3}


def calibrate(root, runs, **kw):
    out = root / "box" / "calibration.json"
    proc = subprocess.run([sys.executable, "-m", "rbresults.calibrate", *map(str, runs)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def calibrated(tmp_path):
    """Three calibration runs of build b1 whose processes swing as SWING says."""
    runs = [write_run(tmp_path, f"2026010{i}T000000Z", BASE,
                      processes=((1.0, 3), (-1.0, 2)) if i % 2 else ((-1.0, 3), (1.0, 2)))
            for i in (1, 2, 3)]
    return calibrate(tmp_path, runs)


def run_compare(old, new, *args):
    proc = subprocess.run([sys.executable, "-m", "rbresults.compare", str(old), str(new),
                           *args], capture_output=True, text=True, timeout=60)
    return proc


def verdicts(proc):
    out = {}
    for line in proc.stdout.splitlines():
        for n in NAMES:
            if line.startswith(n + " "):
                out[n] = line
    return out


# --------------------------------------------------------------------------------- figures

def test_noise_figure_is_z_between_run_sds_of_a_difference():
    assert noise.noise_pct(0.0) == 0.0
    # Worked by hand: a difference of two runs has sd sqrt(2) x 0.01 = 0.014142 in log terms;
    # three of those is 0.042426, and e^0.042426 = 1.043339: a 4.334% change. At sd 0.05,
    # 3 x 0.070711 = 0.212132 and e^0.212132 = 1.236311.
    assert noise.noise_pct(0.01) == pytest.approx(4.3339, abs=1e-3)
    assert noise.noise_pct(0.05) == pytest.approx(23.631, abs=1e-2)
    assert noise.count_cpus("0-1") == 2 and noise.count_cpus("0-3,8-11") == 8
    assert noise.count_cpus("0") == 1 and noise.count_cpus("x") is None


def test_calibration_measures_between_process_spread(tmp_path):
    cal = calibrated(tmp_path)
    b = cal["benchmarks"]
    assert set(b) == set(NAMES)
    assert b[QUIET]["processes"] == 6 and b[QUIET]["df"] == 5
    # +-1% between processes: about 1% sd, a noise figure near 4.4%, under a 5% threshold
    assert 2.0 < b[QUIET]["noise_pct"] < 5.0
    # +-8% between processes: far above 5%
    assert b[NOISY]["noise_pct"] > 30.0
    assert b[BUSY]["takes_every_cpu"] and not b[QUIET]["takes_every_cpu"]
    assert cal["host"] == "box" and cal["build_id"] == "b1"
    assert "build_id" not in cal["settings"]


# ------------------------------------------------------------------------------------ gate

def test_noise_above_threshold_is_too_noisy_never_slower(tmp_path):
    calibrated(tmp_path)
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    # NOISY 40% slower in every repetition: above its noise? no: its noise figure is ~40%+,
    # and in any case above the threshold, so it is not gated
    new = write_run(tmp_path, "20260111T000000Z", BASE, build="b2", scale={NOISY: 1.30})
    proc = run_compare(old, new, "--threshold", "5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    v = verdicts(proc)
    assert "too noisy to gate here (A/A noise" in v[NOISY]
    assert "SLOWER" not in v[NOISY] and "faster" not in v[NOISY]


def test_significant_change_above_noise_is_flagged(tmp_path):
    calibrated(tmp_path)
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE, build="b2", scale={QUIET: 1.10})
    proc = run_compare(old, new, "--threshold", "5")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    v = verdicts(proc)
    assert v[QUIET].rstrip().endswith("SLOWER")
    assert "1 of 3 benchmarks significantly slower" in proc.stdout
    assert "calibration" in proc.stdout and "3 runs of build b1" in proc.stdout
    # the same change under a threshold above it is not flagged
    assert run_compare(old, new, "--threshold", "12").returncode == 0


def test_aa_with_between_process_noise_is_not_flagged(tmp_path):
    calibrated(tmp_path)
    # two runs of the same build whose processes landed on opposite sides of the spread:
    # every repetition of the new run is slower (the U test alone would flag QUIET and BUSY)
    old = write_run(tmp_path, "20260110T000000Z", BASE, processes=((-1.0, 3), (-1.0, 2)))
    new = write_run(tmp_path, "20260111T000000Z", BASE, processes=((1.0, 3), (1.0, 2)))
    rows = compare.compare(compare.load_side(old), compare.load_side(new), 5.0, 0.05)
    # what a U test and a 1.5% threshold alone would flag: all three
    assert all(r["p"] < 0.05 and r["change"] > 0.015 for r in rows)
    for threshold, quiet_verdict in (("5", ""), ("1.5", "too noisy to gate here")):
        proc = run_compare(old, new, "--threshold", threshold)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        v = verdicts(proc)
        for n in (QUIET, BUSY):
            assert v[n].rstrip().endswith("%" if not quiet_verdict else ")"), v[n]
            assert quiet_verdict in v[n] and "SLOWER" not in v[n]
        assert "too noisy" in v[NOISY]
        assert "no benchmark significantly slower" in proc.stdout


def test_without_calibration_the_conservative_rule(tmp_path):
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE, scale={QUIET: 1.07, BUSY: 1.30})
    proc = run_compare(old, new, "--threshold", "5")
    v = verdicts(proc)
    assert "NO CALIBRATION" in proc.stdout and "make calibrate" in proc.stdout
    # 7% is above the threshold and significant, but under the uncalibrated floor
    assert not v[QUIET].rstrip().endswith("SLOWER")
    # threads on every CPU: not gated without A/A noise, even at +30%
    assert "not gated: threads take all 2 CPUs" in v[BUSY]
    assert proc.returncode == 0
    # a change past the floor is flagged
    new2 = write_run(tmp_path, "20260112T000000Z", BASE, scale={QUIET: 1.25})
    proc = run_compare(old, new2, "--threshold", "5")
    assert proc.returncode == 1 and verdicts(proc)[QUIET].rstrip().endswith("SLOWER")


def last_line(proc):
    return proc.stdout.rstrip().splitlines()[-1]


def test_last_line_counts_what_could_not_be_gated_and_why(tmp_path):
    # uncalibrated, 5 repetitions a side: QUIET gated, BUSY takes every CPU, NOISY's own
    # between-process spread is above 5%
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE)
    line = last_line(run_compare(old, new, "--threshold", "5"))
    assert line.startswith("gated 1 of 3 benchmarks; 2 could not be: "), line
    assert "1 threads on every CPU" in line and "1 noise above 5%" in line
    assert "repetitions" not in line and "make ab" in line
    # 2 processes of 1 repetition a side: an exact U test of 2 against 2 cannot reach
    # p < 0.05 (its smallest p is 1/3)
    few = ((-1.0, 1), (1.0, 1))
    old = write_run(tmp_path, "20260112T000000Z", BASE, processes=few)
    new = write_run(tmp_path, "20260113T000000Z", BASE, processes=few)
    line = last_line(run_compare(old, new, "--threshold", "50", "--anyway"))
    assert "too few repetitions for the U test to reach p < 0.05 (2 vs 2: smallest p 0.333)" \
        in line, line
    # NOISY's 8% swing between the two processes is a noise figure above even 50%
    assert line.startswith("gated 0 of 3 benchmarks; 3 could not be: 1 too few"), line
    assert "1 threads on every CPU" in line and "1 noise above 50%" in line


def test_last_line_all_gated(tmp_path):
    calibrated(tmp_path)
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE, build="b2")
    assert last_line(run_compare(old, new, "--threshold", "80")) == "gated 3 of 3 benchmarks"


def test_busy_point_gated_when_its_calibrated_noise_allows(tmp_path):
    calibrated(tmp_path)
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE, build="b2", scale={BUSY: 1.20})
    proc = run_compare(old, new, "--threshold", "5")
    assert proc.returncode == 1
    assert verdicts(proc)[BUSY].rstrip().endswith("SLOWER")
    assert "run as many threads as the machine has CPUs (2)" in proc.stdout


# ------------------------------------------------------------------------------- bad input

def test_calibration_of_another_host_or_build_is_ignored_with_a_note(tmp_path):
    cal = calibrated(tmp_path)
    path = tmp_path / "box" / "calibration.json"
    old = write_run(tmp_path, "20260110T000000Z", BASE, build="b9")
    new = write_run(tmp_path, "20260111T000000Z", BASE, build="b9")
    proc = run_compare(old, new)
    assert "made with build b1, the old run with build b9; ignored" in proc.stdout
    assert "NO CALIBRATION" in proc.stdout
    cal["host"] = "elsewhere"
    path.write_text(json.dumps(cal))
    old2 = write_run(tmp_path, "20260112T000000Z", BASE)
    proc = run_compare(old2, new)
    assert "made on host elsewhere, the old run on box; ignored" in proc.stdout
    # named explicitly, an unusable calibration is an error
    proc = run_compare(old2, new, "--calibration", str(path))
    assert proc.returncode == 2 and "host elsewhere" in proc.stderr


def test_runs_of_different_hosts_settings_or_schemes_are_refused(tmp_path):
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260111T000000Z", BASE, host="other",
                    settings={"min_time": "0.2"})
    ctx = json.loads((new / "context.json").read_text())
    ctx["schemes"] = [{"name": "percpu"}, {"name": "atomic"}]
    (new / "context.json").write_text(json.dumps(ctx))
    proc = run_compare(old, new)
    assert proc.returncode == 2
    errs = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert len(errs) == 3, proc.stderr
    assert any("host differs: box vs other" in e for e in errs)
    assert any("setting min_time differs: 0.1 vs 0.2" in e for e in errs)
    assert any("schemes differ: percpu vs percpu,atomic" in e for e in errs)
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    proc = run_compare(old, new, "--anyway")
    assert proc.returncode == 0, proc.stderr
    assert "note: compared anyway: host differs" in proc.stdout


def test_calibrate_refuses_runs_of_different_builds(tmp_path):
    a = write_run(tmp_path, "20260101T000000Z", BASE)
    b = write_run(tmp_path, "20260102T000000Z", BASE, build="b2")
    proc = subprocess.run([sys.executable, "-m", "rbresults.calibrate", str(a), str(b)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "setting build_id differs: b1 vs b2" in proc.stderr
    assert not (tmp_path / "box" / "calibration.json").exists()
    proc = subprocess.run([sys.executable, "-m", "rbresults.calibrate", str(a)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "two or more" in proc.stderr


# ------------------------------------------------------------------------------- processes

def test_merge_records_each_process(tmp_path):
    def gb(names, reps):
        return {"context": {"host_name": "box"}, "benchmarks": [
            {"name": n, "run_name": n, "run_type": "iteration", "repetition_index": i,
             "real_time": 1.0, "time_unit": "ns"} for n in names for i in range(reps)]}
    files = []
    for i, (names, reps) in enumerate([([QUIET], 3), ([NOISY], 3), ([QUIET], 2)]):
        f = tmp_path / f"p{i}.json"
        f.write_text(json.dumps(gb(names, reps)))
        files.append(f)
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(SCRIPTS / "merge_bench.py"), "--out", str(out),
                           f"hot={files[0]}", f"main={files[1]}", f"hot={files[2]}"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert all(f.exists() for f in files)       # the inputs are the caller's: never deleted
    doc = json.loads(out.read_text())
    assert doc["context"]["refbench_processes"] == [
        {"part": "hot", "repetitions": 3}, {"part": "main", "repetitions": 3},
        {"part": "hot", "repetitions": 2}]
    procs = [e["refbench_process"] for e in doc["benchmarks"] if e["name"] == QUIET]
    assert procs == [0, 0, 0, 2, 2]
    side = noise.Side(out)
    assert side.processes(QUIET) == 2 and side.repetitions(QUIET) == 5
    # a benchmark of two different parts is still an error
    f, g = tmp_path / "p3.json", tmp_path / "p4.json"
    f.write_text(json.dumps(gb([QUIET], 1)))
    g.write_text(json.dumps(gb([QUIET], 1)))
    proc = subprocess.run([sys.executable, str(SCRIPTS / "merge_bench.py"), "--out",
                           str(tmp_path / "x.json"), f"main={f}", f"hot={g}"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "parts main and hot" in proc.stderr
    # an --out that cannot be written: one line naming it, nothing left behind
    bad_out = tmp_path / "no-such-folder" / "bench.json"
    proc = subprocess.run([sys.executable, str(SCRIPTS / "merge_bench.py"), "--out",
                           str(bad_out), f"hot={files[0]}"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert f"--out '{bad_out}' cannot be written" in proc.stderr
    assert not bad_out.parent.exists()


def test_figures_that_are_not_numbers_are_refused(tmp_path):
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260110T010000Z", BASE)
    doc = json.loads((new / "bench.json").read_text())
    for e in doc["benchmarks"]:
        e["ns_per_op"] = str(e["ns_per_op"])
    (new / "bench.json").write_text(json.dumps(doc))
    for script, args in (("compare.py", [str(old), str(new)]), ("report.py", [str(new)])):
        proc = subprocess.run([sys.executable, "-m", "rbresults." + script[:-3], *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (script, proc.stdout, proc.stderr)
        assert "ns_per_op is '" in proc.stderr and "(accepted: a number)" in proc.stderr
        assert proc.stderr.count("\n") == 1
    assert not (new / "index.html").exists()


def test_a_named_calibration_that_is_not_one_is_an_error(tmp_path):
    old = write_run(tmp_path, "20260110T000000Z", BASE)
    new = write_run(tmp_path, "20260110T010000Z", BASE)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"kind": "something else"}')
    proc = subprocess.run([sys.executable, "-m", "rbresults.compare", str(old), str(new),
                           "--calibration", str(bogus)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert str(bogus) in proc.stderr and "not a refbench calibration file" in proc.stderr
    assert "ignored" not in proc.stderr and proc.stderr.count("\n") == 1


# ---- the report's "clear win" rule (scripts/report_noise.py win_check) ----------------------

class _Bench:
    """A benchmark of the which-wins table: its name and its median ns_per_op."""

    def __init__(self, name, ns):
        self.name, self.ns = name, ns

    def get(self, counter):
        return self.ns if counter == "ns_per_op" else None


def _win(monkeypatch, pa, pb, cal=None, wm=10.0, rm=12.0):
    """win_check of W (process medians pa) over R (pb), the spread made up by hand."""
    from rbresults import report_noise
    info = {"W": {"process_medians": pa}, "R": {"process_medians": pb}}
    monkeypatch.setattr(report_noise, "_spread", lambda run: (None, info, cal, ""))
    return report_noise.win_check(None, _Bench("W", wm), _Bench("R", rm))


@pytest.mark.parametrize("pa, pb, clear", [
    ([10.0, 11.0], [12.0, 13.0], True),         # W's slowest process beats R's fastest
    ([10.0, 11.9, 11.0], [12.0, 13.0], True),
    ([10.0, 12.5], [12.0, 13.0], False),        # ranges overlap: W's fastest alone is no win
    ([10.0, 12.0], [12.0, 13.0], False),        # touching is not apart
    ([10.0, 11.0], [9.0, 13.0], False),         # one R process beat every W process
    ([10.0, 11.0, 14.0], [12.0, 13.0], False),
])
def test_clear_win_needs_process_ranges_apart(monkeypatch, pa, pb, clear):
    check = _win(monkeypatch, pa, pb)
    from rbresults import report_noise
    assert report_noise.is_clear(check) is clear, check
    assert check == (f"clear (across {len(pa)}+{len(pb)} processes)" if clear
                     else "overlaps across processes")


def test_one_process_a_side_is_not_checked_without_calibration(monkeypatch):
    assert _win(monkeypatch, [10.0], [20.0, 21.0]) == "one process: not checked across processes"


def test_one_process_a_side_against_the_calibrated_noise(monkeypatch):
    # 1% between-run sd each: the sd of the log difference is 0.01414; a 20% gap
    # (log 1.2 = 0.182) is 12.9 of them, a 0.5% gap (0.00499) is 0.35 of them.
    cal = {"benchmarks": {"W": {"sd_log": 0.01}, "R": {"sd_log": 0.01}}}
    assert _win(monkeypatch, [10.0], [12.0], cal, 10.0, 12.0) == \
        "clear (beyond the calibrated between-run noise)"
    assert _win(monkeypatch, [10.0], [10.05], cal, 10.0, 10.05) == \
        "within the calibrated between-run noise"


# ---- the statistics, on numbers worked by hand ---------------------------------------------

def test_each_process_figure_is_the_median_of_its_repetitions(tmp_path):
    """Process 0 ran 1, 2 and 9 ns (median 2, mean 4); process 1 ran 4, 5 and 6 (median 5)."""
    name = "hot/percpu/nr_cpus:64/manual_time/threads:1"
    entries = [{"name": name, "run_name": name, "run_type": "iteration", "ns_per_op": v,
                "refbench_process": p} for p, vs in ((0, (1.0, 9.0, 2.0)), (1, (6.0, 4.0, 5.0)))
               for v in vs]
    (tmp_path / "bench.json").write_text(json.dumps({"context": {}, "benchmarks": entries}))
    side = noise.Side(tmp_path)
    assert side.process_medians(name) == [2.0, 5.0]
    assert side.repetitions(name) == 6 and side.processes(name) == 2


def test_log_sd_is_the_sample_sd_of_the_logs():
    e = 2.718281828459045
    # logs 0, 1, 2: mean 1, squares 1 + 0 + 1 = 2 over n - 1 = 2 degrees: sd 1
    # (the population sd would be sqrt(2/3) = 0.8165).
    assert noise.log_sd([1.0, e, e * e]) == pytest.approx(1.0)
    assert noise.log_sd([5.0]) is None


def test_pooled_log_sd_counts_one_degree_less_per_group():
    e = 2.718281828459045
    # Group 1, logs 0 1 2: squares about its mean 2, 2 degrees; group 2, logs 5 7: squares 2,
    # 1 degree; a lone value adds nothing. Pooled: sqrt(4 / 3) = 1.1547 on 3 degrees.
    sd, df = noise.pooled_log_sd([[1.0, e, e * e], [e ** 5, e ** 7], [3.0]])
    assert df == 3
    assert sd == pytest.approx(1.1547, abs=1e-4)
    assert noise.pooled_log_sd([[1.0], [2.0]]) == (None, 0)


def test_geomean_of_the_ratios():
    # (1 x 4 x 16)^(1/3) = 64^(1/3) = 4; (2 x 8)^(1/2) = 4; missing and non-positive ratios
    # are left out, and none at all gives none.
    assert compare.geomean([1.0, 4.0, 16.0]) == pytest.approx(4.0)
    assert compare.geomean([2.0, None, 8.0, 0.0, -1.0]) == pytest.approx(4.0)
    assert compare.geomean([None]) is None and compare.geomean([]) is None
