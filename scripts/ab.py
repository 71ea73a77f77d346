#!/usr/bin/env python3
"""make ab: two builds measured in the same time window, alternately.

  scripts/pyrun scripts/ab.py --old REV|DIR --new REV|DIR [--suite PARTS] [--filter RE]
        [--minutes 5] [--threshold 5] [--figure cpu|wall] [--old-cflags F] [--new-cflags F]
        [--build build] [--results results]

OLD and NEW are each a git revision (built from `git archive` into
<build>/ab/<commit>[-<flags hash>]/, reused when already built there) or a build folder
holding refbench (used as is).  A round runs every part of the suite (the parts of
bench/ab.def marked as its default, or the parts of it or of bench/suite.def named by
--suite) four times, ABBA: OLD NEW NEW OLD,
the next round NEW OLD OLD NEW, one short process each.  Rounds go on until the next
would pass the budget (at least 3 rounds: 6 pairs, the fewest with which a 95%
interval exists).  Two adjacent processes of a part form a pair; per benchmark, the
change is the Hodges-Lehmann estimate of log(NEW/OLD) over the pairs with its interval
(scripts/abstats.py), each at 1 - 0.05/m for m benchmarks so that all m hold together
with 95% (an A/A run must flag nothing), judged against the threshold.  The figure is each
process's median over its repetitions of the CPU time per iteration (--figure cpu, the
default: on a shared machine the wall-clock time also holds the time a thread waited for
a CPU: the sd of log(B/A) of adjacent processes at hot, 1 thread, was 10-40% in wall
time and mostly 2-13% in CPU time here) or of the lab's wall-clock ns_per_op (--figure
wall); both are kept.

Writes results/<host>/ab-<UTC time>/ (built as .ab-<time>.partial, renamed when
complete, removed on failure): samples.json (every process's figures), table.json,
ab.png (the intervals), index.html; prints the table and a one-line summary.
Exit status: 0 nothing SLOWER, 1 a benchmark SLOWER (interval wholly above the
threshold; the last line then names them) or a step failed, 2 bad input.  Under make,
make reports any of these but 0 as its own error and exits 2: call this script for the
status itself.
"""

import argparse
import datetime
import hashlib
import html
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import abstats  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AB_DEF = ROOT / "bench" / "ab.def"
SUITE_DEF = ROOT / "bench" / "suite.def"
MIN_ROUNDS = 3
FIGURE_TEXT = {"cpu": "CPU time per iteration (cpu_time; median of a process's 3 "
                      "repetitions), ns", "wall": "wall-clock ns per operation (ns_per_op, "
                      "else real_time; median of a process's 3 repetitions)"}
# The figures kept of every benchmark: wall, the lab's own (ns_per_op, else real_time: the
# wall-clock time the harness measured), and cpu (Google Benchmark's cpu_time: the
# threads' CPU time per iteration, which leaves out the time a thread waited for a CPU).
FIGURES = {"wall": ("ns_per_op", "real_time"), "cpu": ("cpu_time",)}


class BadInput(Exception):
    """One line naming the make variable and what is accepted."""


class StepFailed(Exception):
    pass


def log(msg):
    print(f"ab: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ the suite

def read_def(path):
    """{part: (yes/no, [args])} of a suite file (PART YES/NO ARGS...: bench/ab.def's
    DEFAULT column, bench/suite.def's QUICK column), in file order."""
    parts = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        f = line.split()
        parts[f[0]] = (f[1] if len(f) > 1 else "", f[2:])
    return parts


def choose_parts(suite):
    ab = read_def(AB_DEF)
    if not suite:
        return [(n, args) for n, (default, args) in ab.items() if default == "yes"]
    main = read_def(SUITE_DEF)
    out = []
    for name in [s for s in suite.split(",") if s]:
        if name in ab:
            out.append((name, ab[name][1]))
        elif name in main:
            out.append((name, main[name][1]))
        else:
            raise BadInput(f"SUITE='{suite}': '{name}' is no part of bench/ab.def or "
                           f"bench/suite.def (accepted: a comma list of {', '.join(ab)}, "
                           f"or of {', '.join(main)})")
    if not out:
        raise BadInput(f"SUITE='{suite}' names no part (accepted: a comma list of "
                       f"{', '.join(ab)}, or of {', '.join(main)})")
    return out


def common_args():
    cpus = len(os.sched_getaffinity(0))
    threads = "1" if cpus == 1 else f"1,{cpus}"
    return [f"--threads={threads}", "--counters=none", "--benchmark_repetitions=3",
            "--benchmark_min_time=0.02"]


# ------------------------------------------------------------------------------ the builds

def git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def resolve(var, value, cflags, build_root):
    """(kind, commit or None, build folder, label) of OLD or NEW."""
    if not value:
        raise BadInput(f"{var}='': needed (accepted: a git revision such as HEAD or a tag, "
                       f"or a build folder holding refbench, e.g. {var}=build)")
    p = Path(value)
    if p.is_dir():
        if not (p / "refbench").is_file():
            raise BadInput(f"{var}='{value}': a folder without refbench (accepted: a git "
                           f"revision, or a build folder holding refbench)")
        if cflags:
            raise BadInput(f"{var}_CFLAGS='{cflags}': only for a git revision, and {var}="
                           f"'{value}' is a build folder (accepted: empty)")
        return "folder", None, p.resolve(), value
    r = git("rev-parse", "--verify", "--quiet", value + "^{commit}")
    if r.returncode != 0 or not r.stdout.strip():
        raise BadInput(f"{var}='{value}': neither a git revision nor a folder (accepted: "
                       f"a git revision such as HEAD, HEAD~1 or a tag, or a build folder "
                       f"holding refbench)")
    commit = r.stdout.strip()
    key = commit[:12]
    if cflags:
        key += "-" + hashlib.sha1(cflags.encode()).hexdigest()[:8]
    return "rev", commit, (build_root / "ab" / key).resolve(), value


def build(var, commit, folder, cflags):
    """Build refbench of commit into folder (its sources in folder/src, the build in
    folder/bin) unless done before; returns the binary."""
    binary = folder / "bin" / "refbench"
    if (folder / "BUILT").is_file() and binary.is_file():
        log(f"{var}: {commit[:12]}{' with ' + cflags if cflags else ''}: built before, "
            f"{folder / 'bin'}")
        return binary
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "src").mkdir(parents=True)
    log(f"{var}: building {commit[:12]}{' with EXTRA_CFLAGS=' + cflags if cflags else ''} "
        f"in {folder} (log: {folder / 'build.log'})")
    with open(folder / "build.log", "w") as lf:
        arch = subprocess.Popen(["git", "-C", str(ROOT), "archive", commit],
                                stdout=subprocess.PIPE, stderr=lf)
        tar = subprocess.run(["tar", "-x", "-C", str(folder / "src")], stdin=arch.stdout,
                             stderr=lf)
        arch.stdout.close()
        if arch.wait() != 0 or tar.returncode != 0:
            raise StepFailed(f"{var}: git archive of {commit[:12]} failed (see "
                             f"{folder / 'build.log'})")
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        bin_dir = folder / "bin"
        cmd = ["make", "-s", "-j2", "-C", str(folder / "src"), f"BUILD={bin_dir}",
               f"EXTRA_CFLAGS={cflags}", str(bin_dir / "refbench")]
        r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0 or not binary.is_file():
        tail = (folder / "build.log").read_text().splitlines()[-10:]
        print("\n".join(tail), file=sys.stderr)
        raise StepFailed(f"{var}: the build of {commit[:12]} failed (see "
                         f"{folder / 'build.log'})")
    (folder / "BUILT").write_text(json.dumps({"commit": commit, "extra_cflags": cflags}))
    return binary


# ------------------------------------------------------------------------------ running

def run_process(binary, args, out_json):
    """{benchmark: [figures]} of one refbench process, or None when its filter matched
    nothing (exit 3)."""
    r = subprocess.run([str(binary), *args, f"--benchmark_out={out_json}",
                        "--benchmark_out_format=json"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode == 3:
        return None
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise StepFailed(f"{binary} {' '.join(args)}: exit {r.returncode}: {last}")
    data = json.loads(Path(out_json).read_text())
    out = {fig: {} for fig in FIGURES}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        for fig, keys in FIGURES.items():
            v = next((b[k] for k in keys if isinstance(b.get(k), (int, float))), None)
            if v is not None:
                out[fig].setdefault(b.get("run_name", b["name"]), []).append(float(v))
    return out


def run_rounds(sides, parts, filt, budget_s, tmp):
    """Every process's figures, round after round until the budget is spent."""
    base = common_args()
    live = list(parts)
    left_out = []
    processes = []
    started = time.monotonic()
    rnd, pair = 0, 0
    while True:
        t0 = time.monotonic()
        order = ("old", "new", "new", "old") if rnd % 2 == 0 else ("new", "old", "old", "new")
        for name, part_args in list(live):
            args = base + part_args + ([f"--benchmark_filter={filt}"] if filt else [])
            for i, side in enumerate(order):
                p0 = time.monotonic()
                figs = run_process(sides[side]["binary"], args, Path(tmp) / "p.json")
                if figs is None:
                    if rnd == 0 and i == 0:
                        left_out.append(name)
                        live.remove((name, part_args))
                        break
                    raise StepFailed(f"part {name}: no benchmark ran on the {side} side "
                                     f"(the two builds list different benchmarks?)")
                processes.append({
                    "round": rnd, "pair": pair + i // 2, "side": side, "part": name,
                    "args": args, "start_s": round(p0 - started, 3),
                    "seconds": round(time.monotonic() - p0, 3), "figures": figs})
            else:
                pair += 2
                continue
        if not live:
            raise BadInput(f"FILTER='{filt}' matches no benchmark of the suite (accepted: a "
                           f"regular expression over names such as hot/percpu/.../threads:1)")
        if rnd == 0 and left_out:
            log(f"FILTER='{filt}' matches none of part{'s' if len(left_out) > 1 else ''} "
                f"{', '.join(left_out)}: left out")
        rnd += 1
        took = time.monotonic() - t0
        spent = time.monotonic() - started
        if rnd == 1:
            m = len({n for p in processes for n in p["figures"]["cpu"]})
            need = abstats.min_pairs(family_confidence(m))
            log(f"{m} benchmarks: an interval for each, all {m} holding together with 95%, "
                f"needs {need} pairs ({math.ceil(need / 2)} rounds, about "
                f"{math.ceil(need / 2) * took / 60:.1f} min at this round's pace)")
        log(f"round {rnd}: {2 * rnd} pairs of each benchmark, {spent / 60:.1f} of "
            f"{budget_s / 60:g} min")
        if rnd >= MIN_ROUNDS and spent + took > budget_s:
            return processes, rnd, spent


# ------------------------------------------------------------------------------ results

def family_confidence(m):
    """The confidence of each of m intervals so that all m hold together with at least
    95% (Bonferroni): an A/A run of 160 benchmarks at 95% each would flag some by chance
    (seen here: 1 of 160 with 6 pairs at threads on every CPU)."""
    return 1.0 - (1.0 - abstats.CONFIDENCE) / max(1, m)


def table_of(processes, threshold, figure):
    samples = {}
    order = []
    for p in processes:
        for name, vals in p["figures"][figure].items():
            if name not in samples:
                order.append(name)
                samples[name] = []
            for v in vals:
                samples[name].append((p["pair"], p["side"], v))
    rows = []
    conf = family_confidence(len(order))
    for name in order:
        s = samples[name]
        d = abstats.pair_log_ratios(s)
        row = {"name": name,
               "old": abstats.median([v for _, side, v in s if side == "old"] or [math.nan]),
               "new": abstats.median([v for _, side, v in s if side == "new"] or [math.nan])}
        row.update(abstats.judge(d, threshold / 100.0, conf))
        row["confidence"] = conf
        row["decided_at"] = {str(t): abstats.judge(d, t / 100.0, conf)["verdict"]
                             != abstats.UNDECIDED for t in (5, 10)}
        rows.append(row)
    return rows


def pct(r):
    return "-" if r is None else f"{100 * (r - 1):+.1f}%"


def verdict_text(r, threshold):
    v = r["verdict"]
    if v != abstats.UNDECIDED:
        return v if v != abstats.SLOWER else f"SLOWER (> +{threshold:g}%)"
    if r.get("why"):
        return f"undecided: {r['why']}"
    need = ("; about %d pairs would decide it" % r["pairs_needed"]) if r["pairs_needed"] else ""
    return (f"undecided: interval +-{100 * r['half_width']:.1f}%, needs "
            f"+-{100 * r['needed']:.1f}%{need}")


def summary_line(rows, rounds, minutes, threshold):
    n = len(rows)
    c = {v: sum(1 for r in rows if r["verdict"] == v) for v in
         (abstats.SLOWER, abstats.FASTER, abstats.UNCHANGED, abstats.UNDECIDED)}
    d5 = sum(1 for r in rows if r["decided_at"]["5"])
    d10 = sum(1 for r in rows if r["decided_at"]["10"])
    return (f"ab: {n} benchmarks, {rounds} ABBA rounds in {minutes:.1f} min, at {threshold:g}%: "
            f"{c['SLOWER']} SLOWER, {c['faster']} faster, {c['unchanged']} unchanged, "
            f"{c['undecided']} undecided (decided at 5%: {d5} of {n}, at 10%: {d10} of {n})")


def print_table(rows, threshold, out=sys.stdout):
    w = max([len("benchmark")] + [len(r["name"]) for r in rows])
    head = (f"{'benchmark':<{w}}  {'old':>9} {'new':>9} {'change':>8} "
            f"{'interval':>17} {'pairs':>5}  verdict")
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in rows:
        iv = "-" if r["low"] is None else f"{pct(r['low'])}..{pct(r['high'])}"
        print(f"{r['name']:<{w}}  {r['old']:>9.3g} {r['new']:>9.3g} {pct(r['ratio']):>8} "
              f"{iv:>17} {r['pairs']:>5}  {verdict_text(r, threshold)}", file=out)
    print("-" * len(head), file=out)


def chart(rows, threshold, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    shown = [r for r in rows if r["ratio"] is not None]
    h = max(2.5, 0.22 * len(shown) + 1.2)
    fig, ax = plt.subplots(figsize=(11, h))
    colors = {abstats.SLOWER: "#c0392b", abstats.FASTER: "#2471a3",
              abstats.UNCHANGED: "#7f8c8d", abstats.UNDECIDED: "#d4ac0d"}
    for i, r in enumerate(shown):
        y = len(shown) - 1 - i
        x = 100 * (r["ratio"] - 1)
        if r["low"] is not None:
            ax.plot([100 * (r["low"] - 1), 100 * (r["high"] - 1)], [y, y],
                    color=colors[r["verdict"]], lw=2)
        ax.plot([x], [y], "o", color=colors[r["verdict"]], ms=3)
    lo, hi = -100 * (1 - 1 / (1 + threshold / 100)), threshold
    xs = [100 * (r[k] - 1) for r in shown for k in ("ratio", "low", "high") if r[k]] or [0]
    # a few very wide intervals (threads on every CPU) must not squash the others: clipped
    ax.set_xlim(max(-60.0, min(xs + [lo]) - 2), min(100.0, max(xs + [hi]) + 2))
    ax.axvspan(lo, hi, color="#eafaf1", zorder=0)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([r["name"] for r in reversed(shown)], fontsize=6)
    ax.set_xlabel("NEW against OLD, %")
    ax.set_title(f"Hodges-Lehmann estimate and interval over the pairs, all {len(rows)} "
                 f"intervals together at 95%; green: within {threshold:g}%", fontsize=8)
    for v, c in colors.items():
        ax.plot([], [], color=c, lw=2, label=v)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_html(rows, meta, summary, threshold, path):
    e = html.escape
    trs = "\n".join(
        f"<tr class='{e(r['verdict'])}'><td>{e(r['name'])}</td><td>{r['old']:.3g}</td>"
        f"<td>{r['new']:.3g}</td><td>{pct(r['ratio'])}</td>"
        f"<td>{'-' if r['low'] is None else pct(r['low']) + ' .. ' + pct(r['high'])}</td>"
        f"<td>{r['pairs']}</td><td>{e(verdict_text(r, threshold))}</td></tr>" for r in rows)
    sides = "".join(f"<li>{k.upper()}: {e(v['label'])} ({e(v['what'])})</li>"
                    for k, v in meta["sides"].items())
    path.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>make ab: {e(meta['time'])}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}} td:first-child{{text-align:left}}
tr.SLOWER td{{background:#fadbd8}} tr.faster td{{background:#d6eaf8}}
tr.undecided td{{color:#7d6608}}</style></head><body>
<h1>Two builds in the same time window</h1>
<p><b>{e(summary)}</b></p>
<ul>{sides}</ul>
<p>{meta['rounds']} rounds, each running every part of the suite as OLD NEW NEW OLD (the next
round NEW OLD OLD NEW), one process each; two adjacent processes form a pair, so a drift of
the machine falls on both builds alike. Per benchmark: the Hodges-Lehmann estimate of
NEW/OLD over the pairs and its interval (the inverted signed-rank test), each at
{100 * family_confidence(len(rows)):.3f}% so that all {len(rows)} hold together with at least 95%. SLOWER: the
whole interval above +{threshold:g}%; faster: below -{100 * (1 - 1 / (1 + threshold / 100)):.1f}%;
unchanged: inside both; undecided: the interval straddles a bound (its half-width, the
half-width needed and about how many pairs would give it).</p>
<p>Figure: {e(FIGURE_TEXT[meta['figure']])}. Suite: {e(', '.join(meta['parts']))}{'; FILTER=' + e(meta['filter']) if meta['filter'] else ''};
arguments of every process: {e(' '.join(meta['common_args']))}.
Raw figures: <a href="samples.json">samples.json</a>; table: <a href="table.json">table.json</a>.</p>
<img src="ab.png" alt="the intervals">
<table><tr><th>benchmark</th><th>old</th><th>new</th><th>change</th>
<th>interval</th><th>pairs</th><th>verdict</th></tr>
{trs}
</table></body></html>
""")


# ------------------------------------------------------------------------------ main

def positive(var, value):
    try:
        v = float(value)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or v <= 0:
        raise BadInput(f"{var}='{value}' not accepted (accepted: a positive number)")
    return v


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", default="")
    ap.add_argument("--new", default="")
    ap.add_argument("--suite", default="")
    ap.add_argument("--filter", default="")
    ap.add_argument("--minutes", default="5")
    ap.add_argument("--threshold", default="5")
    ap.add_argument("--figure", default="cpu")
    ap.add_argument("--old-cflags", default="")
    ap.add_argument("--new-cflags", default="")
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(ROOT / "results"))
    return ap.parse_args(argv)


def prepare_sides(a, old, new):
    """{"old": ..., "new": ...} of the resolved OLD and NEW: each side's label, binary
    (built when a revision), what it is, commit and EXTRA_CFLAGS."""
    sides = {}
    for var, (kind, commit, folder, label), cflags in (("old", old, a.old_cflags),
                                                        ("new", new, a.new_cflags)):
        binary = folder / "refbench" if kind == "folder" else build(var.upper(), commit,
                                                                      folder, cflags)
        what = (f"build folder {folder}" if kind == "folder" else
                f"commit {commit[:12]}" + (f", EXTRA_CFLAGS={cflags}" if cflags else "") +
                f", built in {folder / 'bin'}")
        sides[var] = {"label": label, "binary": binary, "what": what, "commit": commit,
                      "extra_cflags": cflags}
    if sides["old"]["binary"] == sides["new"]["binary"]:
        log(f"OLD and NEW are the same build ({sides['old']['binary']}), used twice: an A/A "
            f"run")
    return sides


def claim_folder(hostdir, ts):
    """(final, work): the run's folder name and its partial folder, made.  Two runs named
    in the same second (a script calling make ab twice) get -2, -3, ...; the folder is
    claimed by mkdir, so two runs at once cannot take the same name."""
    n = 1
    while True:
        tag = ts if n == 1 else f"{ts}-{n}"
        final, work = hostdir / f"ab-{tag}", hostdir / f".ab-{tag}.partial"
        try:
            if not final.exists():
                work.mkdir()
                return final, work
        except FileExistsError:
            pass
        n += 1


def write_run(work, meta, processes, rows, summary, threshold):
    (work / "samples.json").write_text(json.dumps({"meta": meta, "processes": processes},
                                                  indent=1))
    (work / "table.json").write_text(json.dumps({"meta": meta, "summary": summary,
                                                 "benchmarks": rows}, indent=1))
    chart(rows, threshold, work / "ab.png")
    write_html(rows, meta, summary, threshold, work / "index.html")


def main(argv=None):
    a = parse_args(argv)
    minutes = positive("AB_MIN", a.minutes)
    threshold = positive("THRESHOLD", a.threshold)
    if a.figure not in FIGURES:
        raise BadInput(f"AB_FIGURE='{a.figure}' not accepted (accepted: cpu or wall)")
    parts = choose_parts(a.suite)
    build_root = Path(a.build).resolve()
    old = resolve("OLD", a.old, a.old_cflags, build_root)
    new = resolve("NEW", a.new, a.new_cflags, build_root)

    host = socket.gethostname().split(".")[0]
    ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    hostdir = Path(a.results) / host
    try:
        hostdir.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise BadInput(f"RESULTS='{a.results}': cannot be written (accepted: a writable "
                       f"folder)")
    sides = prepare_sides(a, old, new)
    final, work = claim_folder(hostdir, ts)
    try:
        with tempfile.TemporaryDirectory(prefix="ab-", dir=str(work)) as tmp:
            log(f"suite {', '.join(n for n, _ in parts)}; at least {MIN_ROUNDS} rounds, "
                f"then until {minutes:g} min")
            processes, rounds, spent = run_rounds(sides, parts, a.filter, minutes * 60, tmp)
        rows = table_of(processes, threshold, a.figure)
        summary = summary_line(rows, rounds, spent / 60, threshold)
        meta = {"time": ts, "host": host, "threshold_pct": threshold, "minutes": minutes,
                "figure": a.figure,
                "rounds": rounds, "seconds": round(spent, 1), "filter": a.filter,
                "parts": [n for n, _ in parts], "common_args": common_args(),
                "confidence": abstats.CONFIDENCE,
                "sides": {k: {kk: str(vv) if isinstance(vv, Path) else vv
                              for kk, vv in v.items()} for k, v in sides.items()}}
        write_run(work, meta, processes, rows, summary, threshold)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        try:
            hostdir.rmdir()     # only when this run made it and left it empty
        except OSError:
            pass
        raise
    print(f"OLD: {sides['old']['label']} ({sides['old']['what']})")
    print(f"NEW: {sides['new']['label']} ({sides['new']['what']})")
    print(f"figure: {FIGURE_TEXT[a.figure]}")
    print_table(rows, threshold)
    print(f"written: {final}/ (index.html, ab.png, table.json, samples.json)")
    print(summary)
    slower = [r["name"] for r in rows if r["verdict"] == abstats.SLOWER]
    if slower:
        print(slower_line(slower))
        return 1
    return 0


def slower_line(names):
    """The last line when a benchmark is SLOWER: the verdict and the exit status, as make
    hides the status behind its own."""
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"ab: SLOWER: {len(names)} benchmark{'s' if len(names) > 1 else ''} ({shown}): "
            f"exit status 1")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except BadInput as e:
        print(f"ab: {e}", file=sys.stderr)
        sys.exit(2)
    except StepFailed as e:
        print(f"ab: error: {e}; nothing written", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("ab: interrupted; nothing written", file=sys.stderr)
        sys.exit(130)
