#!/usr/bin/env python3
"""Merge the Google Benchmark JSON of a suite's parts into one bench.json.

Usage: scripts/pyrun scripts/merge_bench.py --out BENCH.json PART=FILE [PART=FILE ...]

The first part's context is the run's; each part's own context is kept under
"refbench_parts" (its lab settings differ: NR_CPUS, modules, layouts), and each
benchmark records the part it came from ("refbench_part").  A benchmark name that
two parts both produced is an error: the parts must not overlap. The output is
written atomically; the part files are removed once it is in place.
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
    merged, seen, parts = None, {}, {}
    for spec in args.parts:
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
        parts[part] = data.get("context", {})
        if merged is None:
            merged = {"context": dict(data.get("context", {})), "benchmarks": []}
        for b in benches:
            key = (b.get("name"), b.get("run_type"), b.get("aggregate_name"),
                   b.get("repetition_index"))
            if key in seen:
                print(f"merge_bench: benchmark '{b.get('name')}' is in parts {seen[key]} and "
                      f"{part} (accepted: parts that do not overlap)", file=sys.stderr)
                return 2
            seen[key] = part
            b["refbench_part"] = part
            merged["benchmarks"].append(b)
    merged["context"]["refbench_parts"] = parts
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(merged, f, indent=1)
    os.replace(tmp, args.out)
    for spec in args.parts:
        os.remove(spec.partition("=")[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
