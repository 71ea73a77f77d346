"""Tests for scripts/perfcsv.py (perf stat -x CSV parsing) and scripts/perf_stat.py."""

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import perfcsv  # noqa: E402
import perf_stat  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "perf-stat")
SCRIPT = os.path.join(ROOT, "scripts", "perf_stat.py")


def sample(name, leading=0):
    return perfcsv.parse_file(os.path.join(DATA, name), leading=leading)


def by_event(rows):
    return {r["event"]: r for r in rows}


# ---------------------------------------------------------------- samples

def test_every_sample_names_its_layout():
    names = sorted(f for f in os.listdir(DATA) if f.endswith(".csv"))
    assert len(names) >= 5
    for name in names:
        with open(os.path.join(DATA, name)) as f:
            first = f.readline()
        assert first.startswith("# layout: perf-stat(1) CSV FORMAT"), name


def test_no_pmu_sample():
    rows = sample("no-pmu.csv")
    assert [r["event"] for r in rows] == ["page-faults", "cycles", "instructions",
                                          "context-switches"]
    ev = by_event(rows)
    pf = ev["page-faults"]
    assert pf["status"] == "counted" and isinstance(pf["value"], int) and pf["value"] > 0
    assert pf["running_pct"] == 100.0 and pf["multiplexed"] is False
    assert pf["run_time"] > 0
    for name in ("cycles", "instructions"):
        r = ev[name]
        assert r["status"] == "unsupported"
        assert "value" not in r            # never a number for an unsupported event
        assert "running_pct" not in r      # perf prints 100.00 there: meaningless
    assert ev["context-switches"]["status"] == "counted"


def test_multiplexed_sample_keeps_percentage():
    ev = by_event(sample("multiplexed.csv"))
    cy = ev["cycles"]
    assert cy["value"] == 4015263842
    assert cy["running_pct"] == 49.0 and cy["multiplexed"] is True
    assert ev["dTLB-load-misses"]["running_pct"] == 74.85
    ins = ev["instructions"]
    # metric on the line plus the continuation line (earlier fields empty)
    assert ins["metrics"] == [{"value": 1.5, "unit": "insn per cycle"},
                              {"value": 0.33, "unit": "stalled cycles per insn"}]
    pf = ev["page-faults"]
    assert pf["multiplexed"] is False
    assert pf["metrics"] == [{"value": 0.505, "unit": "K/sec"}]
    assert len(ev) == 7


def test_not_counted_sample():
    ev = by_event(sample("not-counted.csv"))
    cy = ev["cycles"]
    assert cy["status"] == "not-counted"
    assert "value" not in cy
    assert cy["run_time"] == 0 and cy["running_pct"] == 0.0
    assert ev["node-loads"]["status"] == "unsupported"
    assert ev["cpu-migrations"]["status"] == "counted" and ev["cpu-migrations"]["value"] == 0


def test_repeat_variance_sample():
    ev = by_event(sample("repeat-variance.csv"))
    pf = ev["page-faults"]
    assert pf["status"] == "counted"
    assert pf["variance_pct"] == pytest.approx(0.69)
    assert pf["run_time"] == 1139538 and pf["running_pct"] == 100.0
    assert ev["cycles"]["status"] == "unsupported" and "variance_pct" not in ev["cycles"]


def test_units_and_metrics_sample():
    ev = by_event(sample("units-metrics.csv"))
    tc = ev["task-clock"]
    assert tc["unit"] == "msec" and tc["value"] == pytest.approx(0.83)
    assert tc["metrics"] == [{"value": 0.769, "unit": "CPUs utilized"}]
    assert ev["page-faults"]["metrics"][0]["unit"] == "K/sec"


def test_interval_sample_with_leading_timestamp():
    rows = sample("interval.csv", leading=1)
    assert [r["event"] for r in rows] == ["page-faults"] * 3
    assert rows[0]["leading"] == ["0.100182550"] and rows[0]["value"] == 77
    assert rows[1]["status"] == "not-counted" and "value" not in rows[1]
    # without leading=1 the time stamp would be taken for the value: event becomes ""
    with pytest.raises(perfcsv.PerfCsvError):
        perfcsv.parse_line("     0.100182550,77,,page-faults,1443967,100.00,,")


# ---------------------------------------------------------------- line-level

def test_event_name_containing_the_separator():
    r = perfcsv.parse_line("1234,,cpu/event=0x3c,umask=0x0/u,99999,50.00,,")
    assert r["event"] == "cpu/event=0x3c,umask=0x0/u"
    assert r["value"] == 1234 and r["running_pct"] == 50.0 and r["multiplexed"]


def test_other_separator():
    r = perfcsv.parse_line("10;;cycles:u;200;100.00;;", sep=";")
    assert r["event"] == "cycles:u" and r["value"] == 10
    assert perfcsv.strip_modifiers(r["event"]) == "cycles"


def test_comments_and_blank_lines_skipped():
    text = "# started on x\n\n   \n# another\n5,,page-faults,10,100.00,,\n"
    rows = perfcsv.parse_text(text)
    assert len(rows) == 1 and rows[0]["value"] == 5


@pytest.mark.parametrize("line", [
    "abc,,cycles,1,100.00,,",   # value not a number
    "5,,,1,100.00,,x",          # no event name
    "5,",                       # too few fields
])
def test_malformed_lines_raise(line):
    with pytest.raises(perfcsv.PerfCsvError):
        perfcsv.parse_text("# c\n" + line + "\n")


def test_error_names_the_line_number():
    with pytest.raises(perfcsv.PerfCsvError, match="line 3"):
        perfcsv.parse_text("# c\n5,,page-faults,1,100.00,,\nxx,,cycles,1,100.00,,\n")


# ---------------------------------------------------------------- perf_stat.py pieces

def test_parse_events_defaults_and_mapping():
    ev, explicit = perf_stat.parse_events(None)
    assert not explicit and len(ev) == 10
    assert ev["llc_misses"][0] == "cache-misses"
    assert ev["l1d_load_misses"][0] == "L1-dcache-load-misses"
    assert ev["page_faults"] == ("page-faults", "software-event")
    ev, explicit = perf_stat.parse_events("cycles,raw:0x01b7=remote_dram")
    assert explicit and list(ev) == ["cycles", "remote_dram"]
    assert ev["remote_dram"] == ("r1b7", "hardware-counter")


@pytest.mark.parametrize("spec,needle", [
    ("cycles,bogus", "'bogus'"),
    ("bogus", "page_faults"),
    ("cycles,cycles", "twice"),
    ("raw:1b7=x", "raw:0xHEX=name"),
    ("raw:0x1=cycles", "taken"),
])
def test_parse_events_errors(spec, needle):
    with pytest.raises(perf_stat.UsageError, match=needle):
        perf_stat.parse_events(spec)


def test_parse_schemes():
    known = ["zz-one", "percpu", "zz-two"]       # the binary's list, in its order
    baselines = ["noop", "zz-base"]              # its baselines (--list-scenarios)
    assert perf_stat.parse_schemes(None, known) == known
    assert perf_stat.parse_schemes("all", known) == known
    assert perf_stat.parse_schemes("percpu,noop", known, baselines) == ["percpu", "noop"]
    with pytest.raises(perf_stat.UsageError, match="'bogus'.*zz-one, percpu, zz-two, noop, zz-base"):
        perf_stat.parse_schemes("bogus", known, baselines)
    with pytest.raises(perf_stat.UsageError, match="'atomic'"):
        perf_stat.parse_schemes("atomic", known, baselines)   # not a scheme of this binary
    with pytest.raises(perf_stat.UsageError, match="'noop'.*baselines are not known: why"):
        perf_stat.parse_schemes("noop", known, [], " (its baselines are not known: why)")


def test_map_rows_user_only_kernel_events_are_unsupported():
    events, _ = perf_stat.parse_events("page_faults,context_switches,cycles,node_loads")
    rows = perfcsv.parse_text(
        "61,,page-faults:u,100,100.00,,\n"
        "0,,context-switches:u,100,100.00,,\n"
        "<not supported>,,cycles:u,0,100.00,,\n")
    mapped, extra = perf_stat.map_rows(rows, events, paranoid=2)
    assert extra == []
    assert mapped["page_faults"]["status"] == "counted" and mapped["page_faults"]["value"] == 61
    cs = mapped["context_switches"]
    assert cs["status"] == "unsupported" and "value" not in cs
    assert "perf_event_paranoid=2" in cs["reason"]
    assert mapped["cycles"]["status"] == "unsupported" and "value" not in mapped["cycles"]
    assert mapped["node_loads"]["status"] == "missing"


class FakeProc:
    def __init__(self, rc, out="", err=""):
        self.returncode, self.stdout, self.stderr = rc, out, err


def test_check_perf_reasons():
    ok, reason, _ = perf_stat.check_perf(None, 2, 0)
    assert not ok and "perf not found" in reason
    ok, reason, _ = perf_stat.check_perf("perf", 3, 1000)
    assert not ok and "perf_event_paranoid=3" in reason

    def failing(cmd, **kw):
        if "--version" in cmd:
            return FakeProc(0, "perf version 9.9")
        return FakeProc(255, "", "Error:\nAccess to performance monitoring is limited.\n")
    ok, reason, ver = perf_stat.check_perf("perf", 2, 1000, runner=failing)
    assert not ok and "perf_event_paranoid=2" in reason and "Error:" in reason

    def working(cmd, **kw):
        return FakeProc(0, "perf version 9.9")
    assert perf_stat.check_perf("perf", 2, 1000, runner=working) == (True, "", "perf version 9.9")


# ---------------------------------------------------------------- perf_stat.py end to end

# What a refbench with two schemes prints for --list-schemes, and for --list-scenarios (one
# scenario, one baseline: the shape the lab prints).
FAKE_SCHEMES = ('{"refbench_format": 1, "schemes": [{"name": "percpu", "label": "p"}, '
                '{"name": "zz-test", "label": "a scheme only this binary has"}]}')
FAKE_SCENARIOS = ('{"refbench_format": 1, "scenarios": [{"name": "hot", "role": "scenario", '
                  '"label": "h", "claims": [], "source": "bench/s.c"}, {"name": "noop", '
                  '"role": "baseline", "label": "n", "claims": [], "source": "bench/b.c"}]}')


@pytest.fixture
def fake_binary(tmp_path):
    p = tmp_path / "fakebench"
    p.write_text("#!/bin/sh\n"
                 "if [ \"$1\" = --list-schemes ]; then echo '%s'; exit 0; fi\n"
                 "if [ \"$1\" = --list-scenarios ]; then echo '%s'; exit 0; fi\n"
                 'echo "args: $*"\n' % (FAKE_SCHEMES, FAKE_SCENARIOS))
    p.chmod(0o755)
    return str(p)


def run_script(args, env=None, timeout=60):
    return subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True,
                          env=env, timeout=timeout)


def perf_works():
    perf = shutil.which("perf")
    if not perf:
        return False
    p = subprocess.run([perf, "stat", "-x,", "-e", "page-faults", "--", "true"],
                       capture_output=True, timeout=60)
    return p.returncode == 0


@pytest.mark.skipif(not perf_works(), reason="perf stat does not work on this machine")
def test_end_to_end_with_perf(tmp_path, fake_binary):
    run = tmp_path / "run"
    run.mkdir()                 # perf_stat writes into a run folder, never makes one
    p = run_script(["--binary", fake_binary, "--run-dir", str(run), "--schemes", "percpu,zz-test",
                    "--events", "page_faults,cycles", "--", "--extra-arg"])
    assert p.returncode == 0, p.stderr
    doc = json.loads((run / "perf.json").read_text())
    assert doc["method"] == "perf-stat" and doc["available"] is True
    assert set(doc["schemes"]) == {"percpu", "zz-test"}
    row = doc["schemes"]["percpu"]["rows"]["page_faults"]
    assert row["status"] == "counted" and row["value"] > 0 and row["method"] == "software-event"
    cyc = doc["schemes"]["percpu"]["rows"]["cycles"]
    assert cyc["status"] in ("counted", "unsupported", "not-counted")
    if cyc["status"] != "counted":
        assert "value" not in cyc
    assert (run / "perf" / "percpu.csv").exists() and not (run / "perf" / "percpu.csv.tmp").exists()
    log = (run / "perf" / "zz-test.log").read_text()
    assert ("--scheme=zz-test --scenario=hot --counters=none --benchmark_filter=^hot/zz-test/ "
            "--extra-arg") in log
    assert not (run / "perf.json.tmp").exists()
    if cyc["status"] != "counted":
        # --require with an explicitly named event that cannot be counted: non-zero
        p = run_script(["--binary", fake_binary, "--run-dir", str(run), "--schemes", "percpu",
                        "--events", "cycles", "--require"])
        assert p.returncode == 1 and "--require" in p.stderr


def test_perf_absent(tmp_path, fake_binary):
    run = tmp_path / "run"
    run.mkdir()                 # perf_stat writes into a run folder, never makes one
    env = dict(os.environ, PATH=str(tmp_path / "empty"))
    p = run_script(["--binary", fake_binary, "--run-dir", str(run)], env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("\n") == 1 and "perf not found" in p.stdout
    doc = json.loads((run / "perf.json").read_text())
    assert doc["available"] is False and "perf not found" in doc["reason"]
    p = run_script(["--binary", fake_binary, "--run-dir", str(run), "--require"], env=env)
    assert p.returncode == 1


@pytest.mark.parametrize("args,needle", [
    (["--events", "cycles,bogus"], "unknown event 'bogus'"),
    (["--schemes", "percpu,nope"], "unknown scheme 'nope'; accepted: percpu, zz-test, noop"),
])
def test_bad_input_exits_2(tmp_path, fake_binary, args, needle):
    (tmp_path / "r").mkdir()
    p = run_script(["--binary", fake_binary, "--run-dir", str(tmp_path / "r")] + args)
    assert p.returncode == 2 and needle in p.stderr
    assert p.stderr.count("\n") == 1
    assert not (tmp_path / "r" / "perf.json").exists()


@pytest.mark.skipif(not perf_works(), reason="perf stat does not work on this machine")
def test_default_schemes_are_the_binarys(tmp_path, fake_binary):
    """Without --schemes every scheme the binary lists is counted, in its order."""
    run = tmp_path / "run"
    run.mkdir()                 # perf_stat writes into a run folder, never makes one
    p = run_script(["--binary", fake_binary, "--run-dir", str(run), "--events", "page_faults"])
    assert p.returncode == 0, p.stderr
    doc = json.loads((run / "perf.json").read_text())
    assert list(doc["schemes"]) == ["percpu", "zz-test"]
    log = (run / "perf" / "zz-test.log").read_text()
    assert "--scheme=zz-test --scenario=hot --counters=none --benchmark_filter=^hot/zz-test/" \
        in log


def test_binary_without_scheme_list_exits_2(tmp_path):
    old = tmp_path / "old-refbench"
    old.write_text("#!/bin/sh\necho \"unknown option $1\" >&2\nexit 2\n")
    old.chmod(0o755)
    (tmp_path / "r").mkdir()
    p = run_script(["--binary", str(old), "--run-dir", str(tmp_path / "r")])
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "--list-schemes: exit status 2: unknown option --list-schemes" in p.stderr
    assert not (tmp_path / "r" / "perf.json").exists()


def test_missing_binary_exits_2(tmp_path):
    (tmp_path / "r").mkdir()
    p = run_script(["--binary", str(tmp_path / "nope"), "--run-dir", str(tmp_path / "r")])
    assert p.returncode == 2 and "no such executable" in p.stderr
