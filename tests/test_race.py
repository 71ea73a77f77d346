"""The race of the 2009 refcount, step by step (build/refbench-race).

A reference held on CPU B; before each step of module_refcount()'s sum a get on
CPU A and a put on CPU B. A scheme that claims to be safe (SCHEME_MIGRATION_SAFE)
must never read below the one reference held; one that does not must be caught
reading 0 at some step - the test fails if either claim is wrong.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
RACE = BUILD / "refbench-race"

pytestmark = pytest.mark.skipif(not RACE.exists(), reason="build/refbench-race not built (make all)")


def run(*args):
    return subprocess.run([str(RACE), *args], capture_output=True, text=True, timeout=120)


def test_every_scheme_behaves_as_it_claims():
    r = run("--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    listed = json.loads(subprocess.run([str(BUILD / "refbench"), "--list-schemes"],
                                       capture_output=True, text=True).stdout)["schemes"]
    assert [s["scheme"] for s in data["schemes"]] == [s["name"] for s in listed]
    safe = unsafe = 0
    for s in data["schemes"]:
        assert "error" not in s, s
        assert s["reads"] == s["steps"] + 1 and s["matches_claim"]
        if s["claims_migration_safe"]:
            assert s["under_reads"] == 0 and s["min_read"] >= 1
            safe += 1
        else:
            assert s["zero_reads"] >= 1 and s["min_read"] == 0
            unsafe += 1
    # The lab carries both kinds: the 2009 schemes and their fixes.
    assert safe and unsafe


def test_bad_argument_is_one_line():
    r = run("--bogus")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--bogus" in r.stderr
