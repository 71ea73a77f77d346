"""refbench-footprint against sizes worked out by hand from the kernels' own definitions.

Every scheme of the build (refbench --list-schemes) is measured at NR_CPUS 8 and 4096 with
nr_cpu_ids 2, and at NR_CPUS 64 and 4096 with nr_cpu_ids 64 (a 64-CPU machine is described,
not needed). The expected bytes do not come from the code under test: they are the sizes of
each kernel's refcount field, keyed by the kernel version a scheme says it models and the
storage it declares, multiplied out here.

Run: scripts/pyrun -m pytest tests/test_footprint.py -q
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
FOOTPRINT = BUILD / "refbench-footprint"

pytestmark = pytest.mark.skipif(not FOOTPRINT.exists(),
                                reason="build/refbench-footprint not built (make all)")

MODULES = 10
LINE = 128
PAGE = 4096

# Refcount bytes of one module, by (kernel version, declared ref_storage):
#   f(NR_CPUS, nr_cpu_ids, line) from the kernel's definition of the field.
REF_BYTES = {
    # 2.6.28 include/linux/module.h: struct module_ref { local_t count; }
    # ____cacheline_aligned; struct module_ref ref[NR_CPUS] - one line per possible CPU.
    ("2.6.28", "embedded-nr-cpus-array"): lambda nr, ids, line: nr * line,
    # 2.6.29 (720eba31f47a): local_t *refptr from percpu_modalloc(sizeof(local_t)) - one
    # long per possible CPU.
    ("2.6.29", "percpu-unit"): lambda nr, ids, line: 8 * ids,
    # 2.6.34: struct module_ref { unsigned int incs; unsigned int decs; } __percpu.
    ("2.6.34", "percpu-unit"): lambda nr, ids, line: (4 + 4) * ids,
    # 3.18: struct module_ref { unsigned long incs; unsigned long decs; }
    # __attribute((aligned(2 * sizeof(unsigned long)))) __percpu.
    ("3.18", "percpu-unit"): lambda nr, ids, line: (8 + 8) * ids,
    # 3.18 lib/percpu-refcount.c: unsigned long __percpu per CPU, and the atomic_long_t
    # count in struct percpu_ref.
    ("3.18", "percpu-unit-then-shared-word"): lambda nr, ids, line: 8 * ids + 8,
    # 3.19: atomic_t refcnt in struct module.
    ("3.19", "shared-word"): lambda nr, ids, line: 4,
    # 6.4 include/linux/rcuref.h: typedef struct { atomic_t refcnt; } rcuref_t.
    ("6.4", "shared-word"): lambda nr, ids, line: 4,
}

# Only the pre-2009 array lives inside struct module, so only it makes module memory grow
# with NR_CPUS.
EMBEDDED = {"embedded-nr-cpus-array"}

# struct module without the array, at its offset in the core, is under 3 KiB (the 2.6.29
# x86-64 struct module the lab keeps the refcount-relevant part of is far smaller): with
# NR_CPUS 8 the array (1 KiB) and it share one page.
STRUCT_MODULE_MAX = 3 * 1024


def schemes():
    r = subprocess.run([str(REFBENCH), "--list-schemes"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["schemes"]


def kernel_of(s):
    m = re.match(r"Linux (\d+\.\d+(?:\.\d+)?)\b", s["models"])
    assert m, f"{s['name']}: models does not start with 'Linux <version>': {s['models']!r}"
    return m.group(1)


def expected_module_bytes(embedded):
    """Module memory of one module, page-rounded: the array plus struct module."""
    lo = (embedded + 1 + PAGE - 1) // PAGE * PAGE
    hi = (embedded + STRUCT_MODULE_MAX + PAGE - 1) // PAGE * PAGE
    assert lo == hi, "the bound on struct module leaves the page count open"
    return lo


def footprint(tmp_path, nr_cpus, ids):
    out = tmp_path / f"fp-{ids}.json"
    r = subprocess.run([str(FOOTPRINT), f"--modules={MODULES}", f"--line={LINE}",
                        f"--nr-cpus={','.join(map(str, nr_cpus))}", f"--nr-cpu-ids={ids}",
                        f"--out={out}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["nr_cpu_ids"] == ids and doc["modules"] == MODULES and doc["line"] == LINE
    return {(x["scheme"], x["nr_cpus"]): x for x in doc["rows"]}


@pytest.mark.parametrize("ids, nr_cpus", [(2, (8, 4096)), (64, (64, 4096))])
def test_footprint_bytes_from_the_kernels_definitions(tmp_path, ids, nr_cpus):
    rows = footprint(tmp_path, nr_cpus, ids)
    for s in schemes():
        key = (kernel_of(s), s["ref_storage"])
        assert key in REF_BYTES, (f"{s['name']}: no hand-worked size for {key}; add the "
                                  f"size of that kernel's refcount field here")
        for nr in nr_cpus:
            row = rows[(s["name"], nr)]
            assert "error" not in row, row
            ref = REF_BYTES[key](nr, ids, LINE)
            where = f"{s['name']} NR_CPUS={nr} nr_cpu_ids={ids}"
            assert row["ref_bytes"] == MODULES * ref, where
            assert row["ref_bytes_per_module"] == ref, where
            embedded = ref if s["ref_storage"] in EMBEDDED else 0
            assert row["module_bytes"] == MODULES * expected_module_bytes(embedded), where


def test_footprint_hand_figures():
    """The figures the table above gives, worked out once more by hand."""
    f = REF_BYTES
    assert f[("2.6.28", "embedded-nr-cpus-array")](4096, 2, 128) == 524288
    assert 2000 * f[("2.6.28", "embedded-nr-cpus-array")](4096, 2, 128) == 1048576000
    assert f[("2.6.28", "embedded-nr-cpus-array")](8, 2, 128) == 1024
    assert f[("3.18", "percpu-unit")](4096, 64, 128) == 1024
    assert f[("3.18", "percpu-unit-then-shared-word")](4096, 64, 128) == 520
    assert expected_module_bytes(0) == 4096
    assert expected_module_bytes(1024) == 4096
    assert expected_module_bytes(8192) == 12288
    assert expected_module_bytes(524288) == 528384
