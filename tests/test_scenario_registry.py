"""Scenarios, controls and baselines are listed like the schemes: one line each in
bench/loops/scenarios.def, controls.def and baselines.def, one file each.  What
refbench --list-scenarios prints is read here against those lines (a dropped line,
a renamed file, a role that does not match its registry fails), and against the
"scenarios" a run's context.json records.

Needs the build (make all); the test runner builds first.
"""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
REFBENCH = BUILD / "refbench"
LOOPS = ROOT / "bench" / "loops"

pytestmark = pytest.mark.skipif(not REFBENCH.exists(), reason="build/refbench not built (make all)")

# registry file -> (the role its lines declare, the line's pattern, the folder of its files)
REGISTRIES = {
    "scenarios.def": ("scenario", r"^SCENARIO\((\w+)\)", "scenarios"),
    "controls.def": ("control", r"^CONTROL\((\w+),\s*(\w+)\)", "controls"),
    "baselines.def": ("baseline", r"^BASELINE\((\w+)\)", "baselines"),
}


def registry_lines():
    """[(role, id, source file)] in the order of the three registries."""
    out = []
    for name, (role, pattern, folder) in REGISTRIES.items():
        for m in re.finditer(pattern, (LOOPS / name).read_text(), re.M):
            file = m.group(2) if m.lastindex == 2 else m.group(1)
            out.append((role, m.group(1), f"bench/loops/{folder}/{file}.c"))
    return out


def listed():
    r = subprocess.run([str(REFBENCH), "--list-scenarios"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["refbench_format"] == 1
    return doc["scenarios"]


def test_every_registry_line_is_listed_with_its_role():
    lines, entries = registry_lines(), listed()
    assert len(lines) == len(entries), (lines, [e["name"] for e in entries])
    for (role, ident, source), e in zip(lines, entries):
        assert e["role"] == role, (ident, e)
        assert e["source"] == source, (ident, e)
        # the name is the id as benchmark names spell it
        assert e["name"] == ident.replace("_", "-"), (ident, e)
        assert (ROOT / source).is_file(), source


def test_names_unique_roles_valid_fields_complete():
    entries = listed()
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names))
    for e in entries:
        assert set(e) == {"name", "role", "label", "claims", "source"}, e
        assert e["role"] in ("scenario", "control", "baseline")
        assert e["label"] and isinstance(e["claims"], list)
        assert all(isinstance(c, str) and c for c in e["claims"])
    roles = [e["role"] for e in entries]
    # scenarios, then controls, then baselines
    assert roles == sorted(roles, key=["scenario", "control", "baseline"].index)


def test_scenario_option_takes_the_registry(tmp_path):
    """--scenario accepts every listed scenario and 'control'; the refusal names them."""
    scenarios = [e["name"] for e in listed() if e["role"] == "scenario"]
    r = subprocess.run([str(REFBENCH), "--scenario=no-such"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert "'no-such'" in r.stderr and ", ".join(scenarios + ["control"]) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_context_records_the_same_list(tmp_path):
    ctx = tmp_path / "ctx.json"
    proc = subprocess.run([str(REFBENCH), f"--context-out={ctx}", "--benchmark_filter=^$"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr   # the context is written; nothing matched ^$
    assert json.loads(ctx.read_text())["scenarios"] == listed()
