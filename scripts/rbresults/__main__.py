"""A run's benchmarks with their medians, or (--newest) the newest run folder under results/.

Usage: scripts/pyrun -m rbresults [RUN_DIR] [--results DIR] | --newest [--results DIR]
Input errors print one line and exit with status 2.
"""

from rbresults import fmt_num, fmt_pct, load_run, resolve_run_arg, run_main
from rbresults.files import default_results_dir, newest_run


def main():
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
    run_main(main)
