#!/usr/bin/env python3
"""Make a run folder out of what a QEMU guest's refbench processes wrote (scripts/bench-guest.sh).

Usage: scripts/pyrun scripts/guest_assemble.py --guest DIR --out RUN_DIR --emulated TEXT
           --nodes N --cpus-per-node M [--setting KEY=VALUE ...] PART [PART ...]

DIR holds, for each PART, bench-PART.json (Google Benchmark JSON) and ctx-PART.json (refbench
--context-out), with facts.txt (KEY=VALUE lines read in the guest), audit.json, race.json and
topology.xml. Written into RUN_DIR:

  bench.json       the parts merged by scripts/merge_bench.py, each benchmark's name (and
                   run_name) with placement:<policy> added before Google Benchmark's suffixes:
                   the parts differ in placement, which refbench keeps out of the names
  placements.json  {PART: the placement refbench laid out (thread, CPU, node)}
  context.json     the first part's lab context with the guest's facts (never this host's),
                   "emulated": TEXT, "emulated_topology" and the settings
  audit.json race.json topology.xml   copied

Bad input: one line naming the file and what is wrong, exit 2. Files are written atomically.
"""
import argparse
import json
import os
import shutil
import socket
import sys
import time

import merge_bench
from rbresults.text import GB_FLAGS, GB_KEYS


class Bad(Exception):
    pass


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise Bad(f"{path}: cannot read: {e.strerror}") from None
    except ValueError as e:
        raise Bad(f"{path}: not JSON: {e}") from None


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def with_placement(name, policy):
    """'hot/x/nr_cpus:64/manual_time/threads:8' -> 'hot/x/nr_cpus:64/placement:P/manual_time/...'"""
    parts = name.split("/")
    at = len(parts)
    for i, p in enumerate(parts[1:], 1):
        if p in GB_FLAGS or p.split(":", 1)[0] in GB_KEYS:
            at = i
            break
    return "/".join(parts[:at] + [f"placement:{policy}"] + parts[at:])


def facts(path):
    out = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise Bad(f"{path}: cannot read: {e.strerror}") from None
    for line in lines:
        if "=" not in line:
            raise Bad(f"{path}: line '{line}' is not KEY=VALUE")
        k, v = line.split("=", 1)
        out[k] = v if v != "" else None
    if "pmu" in out:
        out["pmu"] = out["pmu"] == "true"
    for k in ("thp", "thp_defrag"):       # 'always [madvise] never' -> madvise
        v = out.get(k)
        if v and "[" in v:
            out[k] = v.split("[", 1)[1].split("]", 1)[0]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--emulated", required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--cpus-per-node", type=int, required=True)
    ap.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("parts", nargs="+", metavar="PART")
    a = ap.parse_args(argv)
    settings = {}
    for kv in a.setting:
        if "=" not in kv:
            raise Bad(f"--setting '{kv}' is not accepted (KEY=VALUE)")
        k, v = kv.split("=", 1)
        settings[k] = v
    g = a.guest
    placements, merge_args, first_ctx = {}, [], None
    for part in a.parts:
        ctx = load(os.path.join(g, f"ctx-{part}.json"))
        pl = ctx.get("placement")
        if not isinstance(pl, dict) or not isinstance(pl.get("policy"), str):
            raise Bad(f"{g}/ctx-{part}.json: no placement policy")
        placements[part] = pl
        first_ctx = first_ctx or ctx
        bpath = os.path.join(g, f"bench-{part}.json")
        doc = load(bpath)
        if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
            raise Bad(f"{bpath}: not Google Benchmark JSON (no 'benchmarks' list)")
        for e in doc["benchmarks"]:
            for key in ("name", "run_name"):
                if isinstance(e.get(key), str):
                    e[key] = with_placement(e[key], pl["policy"])
        out = os.path.join(a.out, f"bench-{part}.json")
        write_json(out, doc)
        merge_args.append(f"{part}={out}")
    rc = merge_bench.main(["--out", os.path.join(a.out, "bench.json")] + merge_args)
    if rc:
        raise Bad(f"merging the parts failed (merge_bench exit {rc})")
    write_json(os.path.join(a.out, "placements.json"),
               {"refbench_format": 1, "placements": placements})
    guest = facts(os.path.join(g, "facts.txt"))
    ctx = dict(first_ctx)
    ctx.update(guest)
    ctx.update({
        "refbench_format": 1,
        "host": f"{socket.gethostname().split('.')[0]}-qemu-{a.nodes}x{a.cpus_per_node}",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "emulated": a.emulated,
        "emulated_topology": {"nodes": a.nodes, "cpus_per_node": a.cpus_per_node},
        "emulated_note": "timings come from software emulation: they are not this host's "
                         "nor any hardware's, and are not compared with any run",
        "settings": settings,
    })
    write_json(os.path.join(a.out, "context.json"), ctx)
    for name in ("audit.json", "race.json", "topology.xml"):
        src = os.path.join(g, name)
        if not os.path.isfile(src):
            raise Bad(f"{src}: missing (the guest wrote none)")
        shutil.copyfile(src, os.path.join(a.out, name + ".tmp"))
        os.replace(os.path.join(a.out, name + ".tmp"), os.path.join(a.out, name))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Bad as e:
        print(f"guest_assemble: {e}", file=sys.stderr)
        sys.exit(2)
