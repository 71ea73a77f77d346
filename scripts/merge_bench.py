#!/usr/bin/env python3
"""Merge the Google Benchmark JSON of a suite's processes into one bench.json.

Usage: scripts/pyrun scripts/merge_bench.py --out BENCH.json PART=FILE [PART=FILE ...]

Each FILE is one refbench process, in the order they ran; a part may run in
several processes (the same PART named again), each with some of its
repetitions.  The first file's context is the run's; each part's own context
(its first process's) is kept under "refbench_parts" (its lab settings differ:
NR_CPUS, modules, layouts), and "refbench_processes" lists the processes in
order ({"part", "repetitions"}).  Each entry records the part it came from
("refbench_part") and its process's index in that list ("refbench_process").
A benchmark name that two parts both produced is an error: the parts must not
overlap. The output is written atomically; the input files are left as they
are (scripts/run-bench.sh removes its own once the merge is in place).
"""
import argparse
import json
import os
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("parts", nargs="+", metavar="PART=FILE")
    args = ap.parse_args(argv)
    merged, seen, parts, owner, processes = None, {}, {}, {}, []
    for index, spec in enumerate(args.parts):
        part, sep, path = spec.partition("=")
        if not sep or not part or not path:
            print(f"merge_bench: '{spec}' not accepted (accepted: PART=FILE)", file=sys.stderr)
            return 2
        try:
            with open(path) as f:
                data = json.load(f)
            benches = data["benchmarks"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"merge_bench: {path}: not Google Benchmark JSON ({e})", file=sys.stderr)
            return 2
        parts.setdefault(part, data.get("context", {}))
        if merged is None:
            merged = {"context": dict(data.get("context", {})), "benchmarks": []}
        reps = set()
        for b in benches:
            name = b.get("run_name", b.get("name"))
            if owner.setdefault(name, part) != part:
                print(f"merge_bench: benchmark '{name}' is in parts {owner[name]} and "
                      f"{part} (accepted: parts that do not overlap)", file=sys.stderr)
                return 2
            key = (b.get("name"), b.get("run_type"), b.get("aggregate_name"),
                   b.get("repetition_index"), index)
            if key in seen:
                print(f"merge_bench: benchmark '{b.get('name')}' appears twice in {path} "
                      f"(accepted: one entry per repetition)", file=sys.stderr)
                return 2
            seen[key] = part
            if b.get("run_type") != "aggregate":
                reps.add(b.get("repetition_index"))
            b["refbench_part"] = part
            b["refbench_process"] = index
            merged["benchmarks"].append(b)
        processes.append({"part": part, "repetitions": len(reps)})
    merged["context"]["refbench_parts"] = parts
    merged["context"]["refbench_processes"] = processes
    tmp = args.out + ".tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(merged, f, indent=1)
        os.replace(tmp, args.out)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        print(f"merge_bench: --out '{args.out}' cannot be written ({e.strerror}; accepted: a "
              f"file in a writable folder)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
