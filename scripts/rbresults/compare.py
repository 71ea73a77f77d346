#!/usr/bin/env python3
"""Compare refbench runs.

  scripts/pyrun -m rbresults.compare OLD NEW [--threshold PCT] [--alpha 0.05]
                                   [--calibration FILE] [--anyway]
      OLD, NEW: run folders (or bench.json files). Benchmarks are matched by name; for each,
      prints the old and new medians, the change in percent, the Mann-Whitney U test's
      p-value over the repetitions and the benchmark's noise figure, then the geometric mean
      of the new/old ratios. The figure compared is ns_per_op (real_time where a benchmark
      has no ns_per_op). The gate (noise.py) flags a benchmark only when the change
      is significant, above PCT and above its between-run noise: from the machine's
      calibration (results/<host>/calibration.json, or FILE) when it matches the old run's
      host, build and settings, else by a stated conservative rule. Runs from different
      hosts, run settings or scheme lists are not compared (one line each says what
      differs) unless --anyway.
      Exit status: 0 nothing flagged SLOWER, 1 at least one benchmark SLOWER, 2 bad input.

  scripts/pyrun -m rbresults.compare --hosts RUN_DIR RUN_DIR ...
      several runs (typically several machines) side by side: one table per scenario with
      each benchmark's median ns_per_op and its cv on every host.

The U test and change computation come from Google Benchmark's tools (Debian package
libbenchmark-tools, gbench/report.py) when installed, else from scipy directly.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
from pathlib import Path

import rbresults as rb
from rbresults import noise

GBENCH_DIRS = [os.environ.get("GBENCH_TOOLS_DIR", ""), "/usr/share/benchmark"]


def _load_gbench_report():
    """Google Benchmark's gbench/report.py (it imports only the standard library, scipy and
    numpy), loaded from its file, or None when not installed."""
    for d in GBENCH_DIRS:
        path = os.path.join(d, "gbench", "report.py") if d else ""
        if path and os.path.isfile(path):
            try:
                spec = importlib.util.spec_from_file_location("gbench_report", path)
                report = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(report)
                return report
            except Exception:
                return None
    return None


GB = _load_gbench_report()
MIN_REPETITIONS = GB.UTEST_MIN_REPETITIONS if GB else 2
OPTIMAL_REPETITIONS = GB.UTEST_OPTIMAL_REPETITIONS if GB else 9


def change(old, new):
    """Relative change new vs old (0.30 = 30% larger)."""
    if GB:
        return GB.calculate_change(old, new)
    if old == 0:
        return 0.0 if new == 0 else (new - old) / ((old + new) / 2)
    return (new - old) / abs(old)


def u_test(old_values, new_values):
    """Two-sided Mann-Whitney U p-value, or None with fewer than MIN_REPETITIONS a side."""
    if min(len(old_values), len(new_values)) < MIN_REPETITIONS:
        return None
    if GB:
        # calc_utest tests the cpu_time and real_time lists; both are our one figure here.
        _, _, p = GB.calc_utest([old_values, new_values], [old_values, new_values])
    else:
        from scipy.stats import mannwhitneyu
        p = mannwhitneyu(old_values, new_values, alternative="two-sided").pvalue
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return None
    return float(p)


def smallest_p(n1, n2):
    """Smallest two-sided p-value an exact U test can give for samples of n1 and n2."""
    return 2.0 / math.comb(n1 + n2, n1) if n1 and n2 else 1.0


def refuse_emulated(run):
    """Timings from software emulation compare with nothing, even --anyway."""
    if run.emulated:
        raise rb.ResultsError(f"{run.path}: made in an emulated machine ({run.emulated}): "
                              f"its timings are not compared (accepted: runs on real "
                              f"machines)")


def load_side(path):
    """(label, {name: Bench}) of a run folder or a bench.json file."""
    p = Path(path)
    if p.is_file() and (p.parent / "context.json").is_file():
        try:
            emulated = json.loads((p.parent / "context.json").read_text()).get("emulated")
        except (OSError, ValueError, AttributeError):
            emulated = None
        if emulated:
            raise rb.ResultsError(f"{p}: made in an emulated machine ({emulated}): its "
                                  f"timings are not compared (accepted: runs on real machines)")
    if p.is_dir():
        run = rb.load_run(p)
        refuse_emulated(run)
        benches = run.benchmarks
    elif p.is_file():
        _, benches = rb.load_bench_file(p)
    else:
        raise rb.ResultsError(f"{p}: no such run folder or bench.json file")
    return {b.name: b for b in benches}


def metric_of(old, new):
    for m in ("ns_per_op", "real_time"):
        if m in old.stats and m in new.stats:
            return m
    return None


def compare(old_benches, new_benches, threshold_pct=5.0, alpha=0.05, gate=None):
    """Rows of the comparison (dicts), in the old run's order, each judged by gate (a
    noise.Gate; default: uncalibrated, nothing known of the runs but their repetitions)."""
    gate = gate or noise.Gate(threshold_pct, alpha)
    rows = []
    for name, ob in old_benches.items():
        nb = new_benches.get(name)
        if nb is None:
            continue
        m = metric_of(ob, nb)
        if m is None:
            rows.append({"name": name, "bench": ob, "metric": None, "verdict": "no figure"})
            continue
        os_, ns_ = ob.stats[m], nb.stats[m]
        old, new = os_.median, ns_.median
        ch = change(old, new)
        p = u_test(os_.values, ns_.values)
        significant = p is not None and p < alpha
        rows.append(gate.judge({
            "name": name, "bench": ob, "metric": m, "old": old, "new": new,
            "change": ch, "p": p, "n_old": len(os_.values), "n_new": len(ns_.values),
            "significant": significant, "ratio": (new / old) if old and old > 0 and new
            and new > 0 else None}))
    return rows


def geomean(values):
    v = [x for x in values if x is not None and x > 0]
    if not v:
        return None
    return math.exp(sum(math.log(x) for x in v) / len(v))


def print_comparison(rows, old_path, new_path, threshold, alpha, out=sys.stdout, gate=None):
    gate = gate or noise.Gate(threshold, alpha)
    width = max([len("benchmark")] + [len(r["name"]) for r in rows])
    head = (f"{'benchmark':<{width}}  {'figure':<9} {'old':>10} {'new':>10} {'change':>8} "
            f"{'p (U test)':>10} {'n':>5} {'noise':>7}  verdict")
    print(f"old: {old_path}\nnew: {new_path}", file=out)
    print(f"figure: median over repetitions (ns); {gate.rule()}", file=out)
    if gate.note:
        print(gate.note, file=out)
    if gate.cpus:
        busy = sum(1 for r in rows if r.get("every_cpu"))
        if busy:
            print(f"{busy} benchmarks run as many threads as the machine has CPUs "
                  f"({gate.cpus}): the harness, the reader and the OS share those CPUs",
                  file=out)
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in rows:
        if r["metric"] is None:
            print(f"{r['name']:<{width}}  {'-':<9} {'':>10} {'':>10} {'':>8} {'':>10} {'':>5}"
                  f"  no common figure (ns_per_op or real_time)", file=out)
            continue
        p = "-" if r["p"] is None else f"{r['p']:.4f}"
        nz = "-" if r.get("noise_pct") is None else f"{r['noise_pct']:.1f}%"
        print(f"{r['name']:<{width}}  {r['metric']:<9} {rb.fmt_num(r['old']):>10} "
              f"{rb.fmt_num(r['new']):>10} {100 * r['change']:>+7.1f}% {p:>10} "
              f"{str(r['n_old']) + '/' + str(r['n_new']):>5} {nz:>7}  {r['verdict']}",
              file=out)
    print("-" * len(head), file=out)
    gm = geomean([r.get("ratio") for r in rows])
    if gm is not None:
        print(f"geometric mean of new/old ratios over {sum(1 for r in rows if r.get('ratio'))} "
              f"benchmarks: {gm:.4f} ({100 * (gm - 1):+.1f}%)", file=out)
    ns = [(r["n_old"], r["n_new"]) for r in rows if r["metric"] is not None]
    weak = [t for t in ns if smallest_p(*t) >= alpha]
    if weak:
        worst = max(weak, key=lambda t: smallest_p(*t))
        print(f"note: {len(weak)} of {len(ns)} benchmarks have too few repetitions for the U "
              f"test to reach p < {alpha:g} (e.g. {worst[0]} vs {worst[1]}: smallest possible "
              f"p {smallest_p(*worst):.3f}); they cannot be flagged - use more repetitions",
              file=out)
    elif ns and min(min(t) for t in ns) < OPTIMAL_REPETITIONS:
        print(f"note: fewer than {OPTIMAL_REPETITIONS} repetitions on a side; the U test "
              f"is weak with few repetitions", file=out)
    noisy = [r for r in rows if r.get("verdict", "").startswith("too noisy")]
    ungated = [r for r in rows if r.get("verdict", "").startswith("not gated")]
    if noisy:
        print(f"{len(noisy)} of {len(rows)} benchmarks too noisy to gate on this machine "
              f"(noise figure above {threshold:g}%)", file=out)
    if ungated:
        print(f"{len(ungated)} of {len(rows)} benchmarks not gated: their threads take every "
              f"CPU and no A/A noise is known", file=out)
    slow = [r for r in rows if r.get("slower")]
    if slow:
        print(f"{len(slow)} of {len(rows)} benchmarks significantly slower by more than "
              f"{threshold:g}%:", file=out)
        for r in slow:
            print(f"  {r['name']}  {100 * r['change']:+.1f}% (p={r['p']:.4f})", file=out)
    else:
        print(f"no benchmark significantly slower by more than {threshold:g}% "
              f"({len(rows)} compared)", file=out)
    print(gated_line(rows, alpha, threshold), file=out)
    return 1 if slow else 0


def gated_line(rows, alpha, threshold):
    """The comparison's last line: how many benchmarks the gate could judge, and of the
    others how many for each reason (each benchmark counted once, first reason first)."""
    why = {"noise": 0, "cpus": 0, "reps": 0, "figure": 0}
    worst = None
    for r in rows:
        v = r.get("verdict", "")
        if r.get("metric") is None:
            why["figure"] += 1
        elif v.startswith("too noisy"):
            why["noise"] += 1
        elif v.startswith("not gated"):
            why["cpus"] += 1
        elif r.get("p") is None or smallest_p(r["n_old"], r["n_new"]) >= alpha:
            why["reps"] += 1
            t = (r["n_old"], r["n_new"])
            if worst is None or smallest_p(*t) > smallest_p(*worst):
                worst = t
    out = sum(why.values())
    line = f"gated {len(rows) - out} of {len(rows)} benchmarks"
    if not out:
        return line
    parts = []
    if why["reps"]:
        parts.append(f"{why['reps']} too few repetitions for the U test to reach p < {alpha:g} "
                     f"({worst[0]} vs {worst[1]}: smallest p {smallest_p(*worst):.3f})")
    if why["cpus"]:
        parts.append(f"{why['cpus']} threads on every CPU with no A/A noise known")
    if why["noise"]:
        parts.append(f"{why['noise']} noise above {threshold:g}%")
    if why["figure"]:
        parts.append(f"{why['figure']} no common figure")
    return (f"{line}; {out} could not be: " + ", ".join(parts) +
            " (make ab OLD=rev NEW=rev measures two builds in one time window)")


def hosts_table(paths, out=sys.stdout):
    runs = [rb.load_run(Path(p)) for p in paths]
    for r in runs:
        refuse_emulated(r)
    labels = []
    for r in runs:
        lab = r.host
        if lab in labels or sum(1 for x in runs if x.host == r.host) > 1:
            lab = f"{r.host}@{r.timestamp or r.path.name}"
        labels.append(lab)
    scenarios = []
    for r in runs:
        scenarios += [s for s in r.scenarios() if s not in scenarios]
    if not scenarios:
        raise rb.ResultsError("none of " + ", ".join(str(p) for p in paths) +
                              " holds benchmark results")
    for scen in scenarios:
        by_name = {}
        for r in runs:
            for b in r.select(scen):
                by_name.setdefault(b.name, b)
        order = rb.scheme_order_of_runs(runs)

        def key(n):
            b = by_name[n]
            return (order.index(b.scheme) if b.scheme in order else len(order), b.scheme,
                    [(0, v, "") if rb._is_num(v) else (1, 0, str(v))
                     for v in b.params.values()], b.threads)
        names = sorted(by_name, key=key)
        keyw = max(len("benchmark"), max(len(n.split("/", 1)[-1]) for n in names))
        colw = max(16, max(len(lab) for lab in labels))
        print(f"\n== {scen}: median ns_per_op (cv) ==", file=out)
        print(f"{'benchmark':<{keyw}}  " + "  ".join(f"{lab:>{colw}}" for lab in labels),
              file=out)
        for n in names:
            cells = []
            for r in runs:
                b = next((x for x in r.select(scen) if x.name == n), None)
                m = "ns_per_op" if b is not None and "ns_per_op" in b.stats else "real_time"
                s = b.stats.get(m) if b is not None else None
                cells.append("-" if s is None else
                             f"{rb.fmt_num(s.median)} ({rb.fmt_pct(s.cv)})")
            print(f"{n.split('/', 1)[-1]:<{keyw}}  " +
                  "  ".join(f"{c:>{colw}}" for c in cells), file=out)
    print("\nhosts: " + "; ".join(f"{lab} = {r.path}" for lab, r in zip(labels, runs)),
          file=out)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare refbench runs (see the module doc).")
    ap.add_argument("runs", nargs="+", help="OLD NEW, or with --hosts: RUN_DIR RUN_DIR ...")
    ap.add_argument("--hosts", action="store_true",
                    help="show several runs side by side, one table per scenario")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="flag slowdowns larger than PCT percent (default 5)")
    ap.add_argument("--alpha", type=float, default=0.05,
                    help="significance level of the U test (default 0.05)")
    ap.add_argument("--calibration", metavar="FILE",
                    help="the machine's calibration (default: calibration.json in the old "
                         "run's host folder, when there is one)")
    ap.add_argument("--anyway", action="store_true",
                    help="compare runs whose host, settings or schemes differ")
    a = ap.parse_args(argv)
    if a.hosts:
        if len(a.runs) < 2:
            raise rb.ResultsError("--hosts needs two or more run folders")
        return hosts_table(a.runs)
    if len(a.runs) != 2:
        raise rb.ResultsError(f"expected OLD NEW (two run folders or bench.json files), got "
                              f"{len(a.runs)} argument(s)")
    if not (math.isfinite(a.threshold) and a.threshold >= 0):
        raise rb.ResultsError(f"--threshold {a.threshold}: accepted: a percentage >= 0")
    if not (0 < a.alpha < 1):
        raise rb.ResultsError(f"--alpha {a.alpha}: accepted: a number between 0 and 1")
    old_path, new_path = a.runs
    old, new = load_side(old_path), load_side(new_path)
    gate, old_side, new_side = noise.gate_for(old_path, new_path, a.threshold, a.alpha,
                                              a.calibration)
    diff = noise.differences(old_side, new_side)
    if diff and not a.anyway:
        for line in diff:
            print(f"{rb.prog_name()}: error: {line} (not gated across it; --anyway "
                  f"compares anyway)", file=sys.stderr)
        return 2
    rows = compare(old, new, a.threshold, a.alpha, gate)
    if not rows:
        raise rb.ResultsError(f"no benchmark in common between {old_path} ({len(old)} "
                              f"benchmarks) and {new_path} ({len(new)} benchmarks)")
    for line in diff:
        print(f"note: compared anyway: {line}")
    return print_comparison(rows, old_path, new_path, a.threshold, a.alpha, gate=gate)


if __name__ == "__main__":
    rb.run_main(main)
