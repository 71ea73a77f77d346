#!/usr/bin/env python3
"""Calibrate a machine: the between-run noise of every benchmark, from runs of one build.

Usage: scripts/pyrun -m rbresults.calibrate RUN_DIR RUN_DIR [RUN_DIR ...] [--out FILE]

The runs must come from one host, one build (context.json settings.build_id) and the same
run settings: `make calibrate` makes them back to back. For each benchmark in all of them
it writes the sd of log(median) over every process of every run and the noise figure that
compare.py sets a change against (noise.py explains the model), to FILE
(default results/<host>/calibration.json beside the first run), atomically.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import rbresults as rb
from rbresults import noise


def summary(doc, thresholds=(5.0, 10.0)):
    b = doc["benchmarks"]
    lines = [f"calibration of host {doc['host']}, build {doc['build_id']}: "
             f"{len(b)} benchmarks from {len(doc['runs'])} runs"]
    for t in thresholds:
        quiet = sum(1 for v in b.values() if v["noise_pct"] <= t)
        lines.append(f"  noise figure <= {t:g}%: {quiet} benchmarks can be gated at a "
                     f"{t:g}% threshold; {len(b) - quiet} are too noisy for it")
    busy = [v for v in b.values() if v["takes_every_cpu"]]
    if busy:
        lines.append(f"  {len(busy)} benchmarks run as many threads as the machine has CPUs; "
                     f"{sum(1 for v in busy if v['noise_pct'] <= thresholds[0])} of them "
                     f"are quiet enough for {thresholds[0]:g}%")
    worst = sorted(b.items(), key=lambda kv: -kv[1]["noise_pct"])[:5]
    for n, v in worst:
        lines.append(f"  noisiest: {n}  {v['noise_pct']:.1f}%")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Calibrate a machine's between-run noise.")
    ap.add_argument("runs", nargs="+", help="two or more run folders of one build")
    ap.add_argument("--out", help="calibration file (default: results/<host>/"
                                  "calibration.json beside the first run)")
    a = ap.parse_args(argv)
    if len(a.runs) < 2:
        raise rb.ResultsError(f"calibration needs two or more run folders, got {len(a.runs)}")
    for r in a.runs:
        if not Path(r).is_dir():
            raise rb.ResultsError(f"{r}: not a run folder")
        if not (Path(r) / "COMPLETE").is_file():
            raise rb.ResultsError(f"{r}: no COMPLETE marker: an interrupted run cannot "
                                  f"calibrate")
    sides = [noise.Side(r) for r in a.runs]
    for s in sides:
        if not s.build_id:
            raise rb.ResultsError(f"{s.path}: context.json records no settings.build_id "
                                  f"(a run from before make calibrate existed)")
    diff = noise.check_same_build(sides)
    if diff:
        raise rb.ResultsError(f"runs of different builds or settings cannot calibrate "
                              f"together: {diff[0]}")
    doc = noise.calibration_doc(sides, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    if not doc["benchmarks"]:
        raise rb.ResultsError("the runs have no benchmark in common with a figure")
    out = Path(a.out) if a.out else noise.default_calibration_path(a.runs[0])
    tmp = out.with_name(out.name + ".tmp")
    try:
        import json
        tmp.write_text(json.dumps(doc, indent=1) + "\n")
        os.replace(tmp, out)
    except OSError as e:
        raise rb.ResultsError(f"{out}: cannot write: {e.strerror}") from None
    print(summary(doc))
    print(f"calibrate: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    rb.run_main(main)
