#!/usr/bin/env python3
"""What a run found, on one screen: the text make bench ends with, RUN_DIR/summary.txt, and
the first section of the report.

Usage: scripts/pyrun -m rbresults.summary [RUN_DIR] [--write]
RUN_DIR defaults to the newest run under results/. Prints the summary (at most about 25
lines); --write also stores it as RUN_DIR/summary.txt (atomically).

The lines, each from the run's own files:
  - for each scenario, the scheme fastest in most settings and how much slower the runner-up
    was (its median over the winner's), with the settings whose lead does not hold across
    processes counted as not clear (report_noise.win_check);
  - the seed's claims as measured: bytes of refcount per module at NR_CPUS 4096
    (footprint.json), the page-size and in-page placement causes with their controls
    (why.claims), NUMA locality of the per-CPU counters (audit.json) where there are nodes;
  - the correctness outcome (race.json, the handoff benchmarks);
  - what could not be measured on this machine, and why;
  - where the report is.
Input errors print one line and exit with status 2.
"""

import argparse
import statistics
import sys

from rbresults import correctness
import rbresults as rb
from rbresults import report_noise
from rbresults import why

SEED_NR_CPUS = 4096


# ------------------------------------------------------------------------------- winners

def winners(run, counter="ns_per_op"):
    """For each scenario and setting: the fastest scheme (lowest median) and its ratio to
    the runner-up. Baselines, controls and plain loops do not compete."""
    rows = []
    schemes = run.scheme_names()
    for scen in run.scenarios():
        groups = {}
        for b in run.select(scen):
            # codegen:plain runs no scheme code (a control): it is not a contest.
            if (b.scheme in schemes and b.get(counter) is not None
                    and b.params.get("codegen") != "plain"):
                groups.setdefault(b.config, []).append(b)
        for config, bs in groups.items():
            if len(bs) < 2:
                continue
            bs.sort(key=lambda b: b.get(counter))
            w, r = bs[0], bs[1]
            wm, rm = w.get(counter), r.get(counter)
            ratio = rm / wm if wm and wm > 0 else None
            check = report_noise.win_check(run, w, r, counter)
            rows.append({"scenario": scen, "config": config, "winner": w.scheme,
                         "winner_median": wm, "winner_cv": w.get(counter, "cv"),
                         "runner_up": r.scheme, "runner_median": rm,
                         "runner_cv": r.get(counter, "cv"), "ratio": ratio,
                         "separated": report_noise.is_clear(check), "check": check,
                         "n": min(w.stats[counter].n or 0, r.stats[counter].n or 0)})
    return rows


def scenario_summaries(rows):
    """[(scenario, 'x fastest in k of n settings; ...', ratio text, not clear, settings)]."""
    out = []
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        rs = [r for r in rows if r["scenario"] == scen]
        counts = {}
        for r in rs:
            counts[r["winner"]] = counts.get(r["winner"], 0) + 1
        best = sorted(counts.items(), key=lambda kv: -kv[1])
        parts = [f"{s} fastest in {n} of {len(rs)} setting{'s' if len(rs) > 1 else ''}"
                 for s, n in best]
        ratios = [r["ratio"] for r in rs if r["ratio"] is not None]
        if ratios:
            lo, hi, med = min(ratios), max(ratios), statistics.median(ratios)
            rtxt = (f"{lo:.2f}x" if len(ratios) == 1 else
                    f"median {med:.2f}x (range {lo:.2f}x to {hi:.2f}x)")
        else:
            rtxt = "-"
        unsure = sum(1 for r in rs if not r["separated"])
        out.append((scen, "; ".join(parts), rtxt, unsure, len(rs)))
    return out


# ------------------------------------------------------------------------------- the lines

def _bytes(v):
    return f"{int(round(v)):,} B"


def _winner_lines(run):
    rows = winners(run)
    if not rows:
        return ["No scenario has two schemes to rank (see the report's figures)."]
    out = ["Which scheme wins (lowest median ns/op; x = the runner-up's median / the winner's;",
           "  '? in k of n' = in k settings the lead does not hold across processes: uncertain):"]
    for scen, result, _, unsure, n in scenario_summaries(rows):
        first = result.split("; ")[0].replace(" settings", "").replace(" setting", "")
        more = len(result.split("; ")) - 1
        others = f" (+{more} other winner{'s' if more > 1 else ''})" if more else ""
        ratios = sorted(r["ratio"] for r in rows if r["scenario"] == scen and r["ratio"])
        if not ratios:
            rtxt = "-"
        elif len(ratios) == 1:
            rtxt = f"{ratios[0]:.2f}x"
        else:
            rtxt = (f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}x to "
                    f"{ratios[-1]:.2f}x)")
        clear = "clear" if unsure == 0 else f"? in {unsure} of {n}"
        out.append(f"  {scen:<10} {first}{others}; runner-up {rtxt}; {clear}")
    return out


def _memory_line(run):
    rows = [r for r in ((run.footprint or {}).get("rows") or []) if isinstance(r, dict)]
    if not rows:
        return f"  memory: {run.standin_absent_reason('footprint.json') or 'no footprint.json'}"
    have = sorted({r.get("nr_cpus") for r in rows if rb.is_num(r.get("nr_cpus"))})
    nr = SEED_NR_CPUS if SEED_NR_CPUS in have else (have[-1] if have else None)
    at = [r for r in rows if r.get("nr_cpus") == nr and rb.is_num(r.get("ref_bytes_per_module"))]
    if not at:
        return "  memory: footprint.json has no refcount bytes per module"
    modules = run.footprint.get("modules")
    per = sorted(at, key=lambda r: -r["ref_bytes_per_module"])
    big, small = per[0], per[-1]
    return (f"  memory at NR_CPUS {nr}, {modules} modules: {big['scheme']} "
            f"{_bytes(big['ref_bytes_per_module'])} of refcount per module "
            f"({_bytes(big['ref_bytes'])} in all; the seed's \"1GB\" is 2000 x 4096 x 128 B), "
            f"{small['scheme']} {_bytes(small['ref_bytes_per_module'])} "
            f"({_bytes(small['ref_bytes'])})")


def _claim_lines(run):
    out = []
    wanted = ("page size (TLB)", "in-page placement of struct module (cache-set aliasing)")
    for c in why.claims(run):
        if c["cause"] in wanted:
            est = [r for r in c["rows"] if r.get("established")]
            status = c["status"]
            if est:
                ratios = [r["ratio"] for r in est if rb.is_num(r.get("ratio"))]
                if ratios:
                    status += (f" ({len(est)} of {len(c['rows'])} pairs, "
                               f"{min(ratios):.2f}x to {max(ratios):.2f}x)")
            out.append(f"  {c['cause']}: {status}")
    return out


def _numa_line(run):
    nodes = run.context.get("numa_nodes")
    if run.audit is None:
        return f"  NUMA: {run.standin_absent_reason('audit.json') or 'no audit.json'}"
    nodes = run.audit.get("nodes", nodes)
    if not rb.is_num(nodes) or nodes < 2:
        return ("  NUMA: one node on this machine: where the counters lie cannot differ, "
                "nothing to measure")
    parts = []
    for s in run.audit.get("schemes", []):
        if isinstance(s, dict) and s.get("in_percpu_units"):
            share = rb.audit_remote_share(s)
            parts.append(f"{s.get('scheme')} {share:.0%}" if share is not None
                         else f"{s.get('scheme')} unreadable")
    return (f"  NUMA ({nodes} nodes): per-CPU counters on another node than their CPU: "
            + (", ".join(parts) if parts else "no per-CPU scheme in this run"))


def _correctness_line(run):
    rows, why_race = correctness.rows(run)
    raced = [r for r in rows if "claims" in r]
    if not raced:
        return f"Correctness: {why_race}"
    bad = [r["scheme"] for r in raced if r["race"] != "matches its claim"]
    low = [r["scheme"] for r in raced if r.get("race_under")]
    contra = [r["scheme"] for r in rows if r.get("handoff") == "contradicts the claim"]
    text = (f"Correctness: the 2009 race: {len(raced) - len(bad)} of {len(raced)} schemes as "
            f"they claim; read below the reference held: {', '.join(low) or 'none'}")
    if bad:
        text += f"; NOT as claimed: {', '.join(bad)}"
    if contra:
        text += f"; handoff contradicts the claim: {', '.join(contra)}"
    return text


def _absent_lines(run):
    out = []
    by_reason = {}
    for name, a in run.counter_availability().items():
        if a.get("available") is False:
            by_reason.setdefault(a.get("reason") or "not available", []).append(name)
    for reason, names in by_reason.items():
        out.append(f"  counters {', '.join(sorted(names))}: {reason}")
    for f in ("cachegrind.json", "perf.json"):
        why_not = run.standin_absent_reason(f)
        if why_not:
            out.append(f"  {f}: {why_not}")
    if out:
        out.insert(0, "Not measured on this machine:")
    return out


def _count_cpus(cpulist):
    """CPUs in a kernel cpulist ('0-3,8'), or None."""
    if not isinstance(cpulist, str) or not cpulist.strip():
        return None
    n = 0
    try:
        for part in cpulist.strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    except ValueError:
        return None
    return n


def lines(run):
    """The summary, a list of lines."""
    ctx = run.context
    state = "complete" if run.complete else "INTERRUPTED (only what was saved)"
    cpus = _count_cpus(ctx.get("online_cpus"))
    head = (f"refbench on {run.host}, {run.date}: {len(run.benchmarks)} benchmarks, "
            f"{cpus if cpus is not None else '?'} CPUs, "
            f"{ctx.get('numa_nodes', '?')} NUMA node(s); {state}")
    out = [head]
    out += _winner_lines(run)
    out.append("The seed's claims, as this run measured them:")
    out.append(_memory_line(run))
    out += _claim_lines(run)
    out.append(_numa_line(run))
    out.append(_correctness_line(run))
    out += _absent_lines(run)
    out.append(f"Report: {run.path / 'index.html'}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Print what a refbench run found, on one screen.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--results", help="results folder to search for the newest run")
    ap.add_argument("--write", action="store_true", help="also write RUN_DIR/summary.txt")
    a = ap.parse_args(argv)
    run = rb.load_run(rb.resolve_run_arg(a.run, a.results))
    text = "\n".join(lines(run)) + "\n"
    if a.write:
        rb.write_text_atomic(run.path / "summary.txt", text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    rb.run_main(main)
