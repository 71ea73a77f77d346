"""A new scheme is one header and one line in kernels/schemes.def.

The test copies the lab's tracked files into a scratch tree, adds a throwaway
scheme there (a copy of an existing scheme's header under a new name, plus its
SCHEME() line) and changes nothing else. The copy must then build, run every
scenario for the new scheme, measure its footprint, audit its placement, simulate
its cache misses, and show it in the charts and the report.
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEW_ID = "zz_throwaway"
NEW_NAME = "zz-throwaway"


def tracked_files():
    """The lab's files as a clone would have them (plus new, not yet committed ones)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        return [p for p in out.splitlines() if (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        keep = ("kernels/", "bench/", "scripts/", "tests/", "Makefile")
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                if p.is_file() and str(p.relative_to(ROOT)).startswith(keep)]


def first_scheme_id(defs):
    m = re.search(r"^SCHEME\((\w+)\)", defs, re.M)
    assert m, "kernels/schemes.def has no SCHEME(id) line"
    return m.group(1)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    dst = tmp_path_factory.mktemp("newscheme")
    for rel in tracked_files():
        if rel.startswith("tests/fixtures/") or rel.startswith("results/"):
            continue
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst / rel)
    defs_path = dst / "kernels" / "schemes.def"
    defs = defs_path.read_text()
    # The last scheme of the list is copied: any scheme would do.
    base = re.findall(r"^SCHEME\((\w+)\)", defs, re.M)[-1]
    header = (dst / "kernels" / f"scheme_{base}.h").read_text()
    header, n = re.subn(r'#define SCHEME_NAME "[^"]*"', f'#define SCHEME_NAME "{NEW_NAME}"',
                        header)
    assert n == 1, f"scheme_{base}.h defines SCHEME_NAME once"
    header = re.sub(r'#define SCHEME_LABEL "[^"]*"', '#define SCHEME_LABEL "throwaway copy"', header)
    (dst / "kernels" / f"scheme_{NEW_ID}.h").write_text(header)
    # The one line.
    defs_path.write_text(defs + f"SCHEME({NEW_ID})\n")
    jobs = str(min(4, os.cpu_count() or 2))
    r = subprocess.run(["make", "-j" + jobs, "--no-print-directory", "all"], cwd=dst,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return dst


def run(tree, args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("HWLOC_XMLFILE", None)
    e.pop("HWLOC_SYNTHETIC", None)
    e.update(env or {})
    return subprocess.run(args, cwd=tree, capture_output=True, text=True, timeout=timeout, env=e)


def test_listed_and_accepted(tree):
    r = run(tree, ["build/refbench", "--list-schemes"])
    assert r.returncode == 0, r.stderr
    names = [s["name"] for s in json.loads(r.stdout)["schemes"]]
    assert names[-1] == NEW_NAME
    r = run(tree, ["build/refbench", "--scheme=nope"])
    assert r.returncode == 2 and NEW_NAME in r.stderr


def test_whole_pipeline(tree):
    """Every scenario, footprint, audit, cachegrind, charts and report, no other edit."""
    env = {"QUICK": "1", "SCHEMES": NEW_NAME, "MODULES": "100", "FOOTPRINT_NR_CPUS": "8,64",
           "REPS": "1", "PERF": "0", "CG_PATHS": "hot", "CG_N1": "200", "CG_N2": "1200",
           "THREADS": "1,2"}
    r = run(tree, ["scripts/run-bench.sh"], env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    run_dir = tree / r.stdout.strip()
    bench = json.loads((run_dir / "bench.json").read_text())["benchmarks"]
    scenarios = {b["name"].split("/")[0] for b in bench if b["name"].split("/")[1] == NEW_NAME}
    # every per-scheme scenario the harness lists (control is the schemes' common control)
    helped = run(tree, ["build/refbench", "--help"])
    usage = helped.stdout + helped.stderr
    listed = re.search(r"--scenario=LIST\s+(\S+)", usage)
    assert listed, usage[-2000:]
    assert scenarios == set(listed.group(1).split(",")) - {"control"}, scenarios
    assert not [b["name"] for b in bench if b.get("error_occurred")]
    foot = json.loads((run_dir / "footprint.json").read_text())["rows"]
    assert [x for x in foot if x["scheme"] == NEW_NAME and "error" not in x]
    audit = json.loads((run_dir / "audit.json").read_text())["schemes"]
    assert [x for x in audit if x["scheme"] == NEW_NAME and "error" not in x]
    cg = json.loads((run_dir / "cachegrind.json").read_text())
    assert NEW_NAME in json.dumps(cg)

    for script in ("plots.py", "report.py"):
        r = run(tree, ["scripts/pyrun", "-m", "rbresults." + script[:-3], str(run_dir)])
        assert r.returncode == 0, r.stderr[-2000:]
    html = (run_dir / "index.html").read_text()
    assert NEW_NAME in html
    svgs = list(run_dir.rglob("*.svg"))
    assert svgs and any(NEW_NAME in p.read_text() or "throwaway copy" in p.read_text()
                        for p in svgs), "no chart shows the new scheme"
