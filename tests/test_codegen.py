"""The measured loops have the kernel's call structure, checked on the object files.

Each scheme says which operations its kernel had out of line (kernels/codegen.h):
the default build of its scenarios calls those (a direct call into the scheme's own
translation unit) from bench_hot and bench_read, and the 'inline' control build
calls none.
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("BUILD", ROOT / "build"))
OPS = {1: "__module_get", 2: "try_module_get", 4: "module_put", 8: "module_refcount"}
# Which operations each kernel had out of line, by the kernel a scheme says it models:
# module_put() always (an exported function of kernel/module.c: it wakes the unloader), and
# module_refcount() always (exported from kernel/module.c in every era modelled);
# __module_get() and try_module_get() static inline in include/linux/module.h through the
# 2.6 kernels, exported functions of kernel/module.c by 3.18 and since.
KERNEL_OUT_OF_LINE = {"2.6.28": 12, "2.6.29": 12, "2.6.34": 12, "3.18": 15, "3.19": 15,
                      "6.4": 15}

pytestmark = pytest.mark.skipif(not (BUILD / "refbench").exists() or not shutil.which("objdump"),
                                reason="needs the build (make all) and objdump")


def schemes():
    out = subprocess.run([str(BUILD / "refbench"), "--list-schemes"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)["schemes"]


def ids():
    text = (ROOT / "kernels" / "schemes.def").read_text()
    return re.findall(r"^SCHEME\((\w+)\)", text, re.M)


def calls_in(obj, function):
    """Symbols called from @function of @obj (relocations of its call instructions)."""
    dis = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(r"^[0-9a-f]+ <%s>:\n(.*?)(?:\n\n|\Z)" % re.escape(function), dis, re.S | re.M)
    assert m, f"no {function} in {obj}"
    return set(re.findall(r"R_X86_64_PLT32\s+(\w+)", m.group(1)))


@pytest.mark.parametrize("index", range(len(ids())))
def test_hot_loop_calls_what_the_kernel_called(index):
    sid = ids()[index]
    info = schemes()[index]
    m = re.match(r"Linux (\d+\.\d+(?:\.\d+)?)\b", info["models"])
    assert m and m.group(1) in KERNEL_OUT_OF_LINE, \
        f"{info['name']}: no out-of-line facts here for the kernel it models: {info['models']!r}"
    ool = KERNEL_OUT_OF_LINE[m.group(1)]
    assert info["out_of_line"] == ool, \
        f"{info['name']}: declares out_of_line {info['out_of_line']}, its kernel had {ool}"
    kernel = calls_in(BUILD / "bench" / "loops" / f"scenarios_{sid}.o", "bench_hot")
    inline = calls_in(BUILD / "bench" / "loops" / f"scenarios_inline_{sid}.o", "bench_hot")
    for bit, op in OPS.items():
        sym = f"scheme_{sid}_{op}"
        if op in ("__module_get", "module_refcount"):
            continue                 # not in the hot loop
        if ool & bit:
            assert sym in kernel, f"{info['name']}: bench_hot does not call {sym}"
        else:
            assert sym not in kernel, f"{info['name']}: bench_hot calls {sym}, inline in its kernel"
        assert sym not in inline, f"{info['name']}: the inline control calls {sym}"
    assert ool & 4, f"{info['name']}: module_put() was out of line in every modelled kernel"


@pytest.mark.parametrize("index", range(len(ids())))
def test_read_loop_calls_the_exported_module_refcount(index):
    """module_refcount() was EXPORT_SYMBOL in kernel/module.c in every modelled era."""
    sid = ids()[index]
    info = schemes()[index]
    sym = f"scheme_{sid}_module_refcount"
    assert info["out_of_line"] & 8, f"{info['name']}: module_refcount() was out of line in every era"
    assert sym in calls_in(BUILD / "bench" / "loops" / f"scenarios_{sid}.o", "bench_read"), \
        f"{info['name']}: bench_read does not call {sym}"
    assert sym not in calls_in(BUILD / "bench" / "loops" / f"scenarios_inline_{sid}.o", "bench_read"), \
        f"{info['name']}: the inline control's bench_read calls {sym}"
