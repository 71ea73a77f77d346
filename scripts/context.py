#!/usr/bin/env python3
"""Write a run's context.json: the machine's facts beside the lab's own.

Usage: scripts/pyrun scripts/context.py --lab LAB_CONTEXT.json --out CONTEXT.json
           [--cc CC] [--cflags FLAGS] [--setting KEY=VALUE ...]

Reads only what the system reports (/proc, /sys, uname, the compiler's
--version); a fact that cannot be read is recorded as null with no guess.
The file is written atomically (NAME.tmp, then rename).
"""
import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def selected(text):
    """The bracketed choice of a sysfs selector such as 'always [madvise] never'."""
    if not text:
        return None
    for word in text.split():
        if word.startswith("[") and word.endswith("]"):
            return word[1:-1]
    return text


def cpu_model():
    info = read("/proc/cpuinfo") or ""
    for line in info.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def governors():
    found = set()
    base = "/sys/devices/system/cpu"
    try:
        names = os.listdir(base)
    except OSError:
        return None
    for name in names:
        if name.startswith("cpu") and name[3:].isdigit():
            g = read(os.path.join(base, name, "cpufreq/scaling_governor"))
            if g:
                found.add(g)
    return sorted(found) or None


def compiler(cc):
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.splitlines()[0] if out.stdout else None
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lab", required=True, help="the context refbench wrote (--context-out)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", default="")
    ap.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()
    try:
        with open(a.lab) as f:
            lab = json.load(f)
    except (OSError, ValueError) as e:
        print(f"context: cannot read lab context '{a.lab}': {e}", file=sys.stderr)
        return 2
    settings = {}
    for kv in a.setting:
        if "=" not in kv:
            print(f"context: --setting '{kv}' not accepted (accepted: KEY=VALUE)", file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        settings[k] = v
    u = platform.uname()
    ctx = dict(lab)
    ctx.update({
        "refbench_format": 1,
        "host": socket.gethostname().split(".")[0],
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": f"{u.system} {u.release} {u.version}",
        "machine": u.machine,
        "cpu_model": cpu_model(),
        "online_cpus": read("/sys/devices/system/cpu/online"),
        "governor": governors(),
        "thp": selected(read("/sys/kernel/mm/transparent_hugepage/enabled")),
        "thp_defrag": selected(read("/sys/kernel/mm/transparent_hugepage/defrag")),
        "perf_event_paranoid": (lambda v: int(v) if v and v.lstrip("-").isdigit() else None)(
            read("/proc/sys/kernel/perf_event_paranoid")),
        "pmu": os.path.isdir("/sys/bus/event_source/devices/cpu")
               or os.path.isdir("/sys/bus/event_source/devices/cpu_core"),
        "compiler": compiler(a.cc),
        "cflags": a.cflags,
        "settings": settings,
    })
    tmp = a.out + ".tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(ctx, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, a.out)
    except OSError as e:
        print(f"context: cannot write '{a.out}': {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
