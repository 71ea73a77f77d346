#!/usr/bin/env python3
"""Read refbench run folders and summarise their repetitions: one name for all of it.

Shared by scripts/plots.py, scripts/report.py and scripts/compare.py as `import rbresults as
rb`. It reads results, it never measures. The work is done in:

  rbio.py        errors and warnings, JSON reading, refbench_format, finding run folders
  rbtext.py      benchmark names taken apart; numbers and settings as text
  rbschemes.py   the run's scheme list (from its context.json), order, page-size pairs
  rbmodel.py     Run, Bench, Stats: the results model, selection, summaries
  rbload.py      load_run: a run folder read and checked into the model
  rbstandins.py  stand-in figures: cachegrind, perf, page-size contrast, placement audit

Run as a script, it prints a run's benchmarks with their medians (or, with --newest, the
newest run folder under results/).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rbio import (JSON_FILES, NEWEST_FORMAT, OLDEST_FORMAT, RUN_TS_RE,  # noqa: E402,F401
                  ResultsError, check_format, default_results_dir, find_runs, format_version,
                  is_num, load_json, newest_run, prog_name, resolve_run_arg, run_main,
                  salvage_gbench_json, warn, write_text_atomic)
from rbtext import config_label, fmt_num, fmt_pct, parse_name  # noqa: E402,F401
from rbschemes import BASELINES, Scheme, schemes_of_binary  # noqa: E402,F401
from rbmodel import SCENARIOS, Bench, Run, Stats, aggregate, aggregate_benchmarks  # noqa: E402,F401,E501
from rbload import load_bench_file, load_run  # noqa: E402,F401
from rbstandins import (CONTRAST_PATHS, MIN_SIM_INSTRUCTIONS_PER_OP,  # noqa: E402,F401
                        audit_remote_share, cachegrind_not_run_reason, page_size_contrast,
                        page_size_contrasts, path_benches, path_figures, path_label,
                        path_settings, pick_group, refcount_walks)

METHODS = ["hardware-counter", "software-event", "cachegrind-simulation",
           "page-size-contrast", "placement-audit"]

_is_num = is_num   # the name callers used before the split


def scheme_order_of_runs(runs):
    """Scheme names of several runs in one order: the first run's, then each later run's
    schemes it did not have, then the baselines. For tables that put runs side by side."""
    names = []
    for r in runs:
        names += [n for n in r.scheme_names() if n not in names]
    return names + [b for b in BASELINES if b not in names]


def _main():
    import argparse
    ap = argparse.ArgumentParser(description="Find and summarise refbench run folders.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--newest", action="store_true",
                    help="print the newest run folder under --results and exit")
    ap.add_argument("--results", default=None, help="results folder (default: results/)")
    a = ap.parse_args()
    if a.newest:
        print(newest_run(a.results or default_results_dir()))
        return 0
    run = load_run(resolve_run_arg(a.run, a.results))
    print(f"{run.path}: host {run.host}, {run.date}, "
          f"{'complete' if run.complete else 'INTERRUPTED'}, {len(run.benchmarks)} benchmarks")
    print(f"  schemes: {', '.join(run.scheme_names()) or 'none'}")
    for b in run.benchmarks:
        s = b.stats.get("ns_per_op") or b.stats.get("real_time")
        if s is not None:
            print(f"  {b.name:70s} {fmt_num(s.median):>10s} ns  cv {fmt_pct(s.cv):>6s}  n {s.n}")
    return 0


if __name__ == "__main__":
    run_main(_main)
