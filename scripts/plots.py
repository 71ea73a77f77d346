#!/usr/bin/env python3
"""Draw the charts of one refbench run: RUN_DIR/charts/*.png and *.svg.

Usage: scripts/pyrun scripts/plots.py [RUN_DIR] [--only NAME,...] [--debug]
RUN_DIR defaults to the newest run under results/. Progress goes to stderr, one line per chart.
A chart whose data is absent is skipped with a one-line note; input errors print one line and
exit with status 2. Each plot_* function returns a matplotlib Figure (or raises Skip).
"""

import argparse
import json
import math
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rbresults as rb  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

matplotlib.rcParams.update({
    "svg.fonttype": "none",        # keep text as text in the SVG (searchable, selectable)
    "svg.hashsalt": "refbench",    # stable ids between runs
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
})

COLORS = {"nrcpus-array": "#d62728", "vmalloc-array": "#ff7f0e", "percpu": "#2ca02c",
          "atomic": "#1f77b4", "noop": "#8c8c8c", "plain": "#000000",
          "atomic-private": "#9467bd"}
MARKERS = {"nrcpus-array": "o", "vmalloc-array": "o", "percpu": "^", "atomic": "s"}
EXTRA_COLORS = ["#17becf", "#bcbd22", "#e377c2", "#8c564b"]
METHOD_COLORS = {"hardware-counter": "#1f77b4", "software-event": "#7f7f7f",
                 "cachegrind-simulation": "#ff7f0e", "page-size-contrast": "#2ca02c",
                 "placement-audit": "#9467bd"}
METHOD_TAGS = {"hardware-counter": "HW", "software-event": "SW event",
               "cachegrind-simulation": "sim", "page-size-contrast": "pages",
               "placement-audit": "audit"}
METHOD_WORDS = {"hardware-counter": "hardware counter", "software-event": "software event",
                "cachegrind-simulation": "cachegrind simulation",
                "page-size-contrast": "page-size contrast",
                "placement-audit": "placement audit"}


class Skip(Exception):
    """The chart's data is absent; str(e) says what is missing."""


def color(scheme):
    if scheme in COLORS:
        return COLORS[scheme]
    return EXTRA_COLORS[hash(scheme) % len(EXTRA_COLORS)]


# ------------------------------------------------------------------------------ layout help

def new_figure(run, title, width=10.5, height=6.0, nrows=1, ncols=1, **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)
    fig.suptitle(f"{title}\n{run.host}, {run.date}", fontsize=11)
    return fig, axes


def finish(fig, notes):
    """Footnote (settings, how the figures were obtained) and layout."""
    width_in = fig.get_figwidth()
    chars = int(width_in * 17)
    lines = []
    for n in notes:
        if n:
            lines += textwrap.wrap(n, chars)
    text = "\n".join(lines)
    foot_in = 0.15 * len(lines) + 0.15
    h = fig.get_figheight()
    fig.text(0.01, 0.008, text, fontsize=7.5, va="bottom", ha="left", color="#333333",
             gid="footnote")
    fig.tight_layout(rect=(0, foot_in / h, 1, 1))
    return fig


def mixed_key(v):
    """Sort numbers numerically, then anything else as text."""
    return (0, v, "") if rb._is_num(v) else (1, 0, str(v))


def settings_note(run, benches, extra_threads=None):
    """'settings: nr_cpus=64, line=128, placement=compact, threads=1,2'."""
    def vals(key, fallback):
        v = sorted({b.params[key] for b in benches if key in b.params}, key=mixed_key)
        if not v and fallback is not None:
            v = [fallback]
        return ",".join(str(x) for x in v) if v else "n/a"
    threads = sorted({b.threads for b in benches}) if benches else (extra_threads or [])
    placement = run.setting("placement")
    if placement is None:
        placement = "unknown (no context.json)" if not run.context else "not recorded"
    smt = run.setting("smt")
    s = (f"settings: nr_cpus={vals('nr_cpus', run.setting('nr_cpus'))}, "
         f"line={vals('line', run.setting('line'))}, placement={placement}"
         f"{', smt' if smt is True else ''}, "
         f"threads={','.join(str(t) for t in threads) if threads else 'n/a'}")
    mods = sorted({b.params['modules'] for b in benches if 'modules' in b.params},
                  key=mixed_key)
    if mods:
        s += f", modules={','.join(str(m) for m in mods)}"
    return s


def reps_note(benches, counter):
    ns = sorted({b.stats[counter].n for b in benches if counter in b.stats
                 and b.stats[counter].n is not None})
    if not ns:
        return "repetitions: unknown"
    return f"n={ns[0]}" if len(ns) == 1 else f"n={ns[0]}..{ns[-1]}"


def log2_axis(ax, values):
    ax.set_xscale("log", base=2)
    vals = sorted(set(values))
    ax.xaxis.set_major_locator(FixedLocator(vals))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def maybe_log_y(ax, values, ratio=30.0):
    v = [x for x in values if x is not None and x > 0]
    if v and max(v) / min(v) > ratio:
        ax.set_yscale("log")
        return True
    return False


def human_bytes(v, _pos=None):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if v >= scale:
            return f"{v / scale:g} {unit}"
    return f"{v:g} B"


def _agrees(b, key_items, vary):
    """A benchmark that lacks some settings (the baselines carry no nr_cpus/line) agrees
    with a setting group when every setting it has matches."""
    d = dict(key_items)
    return all(d.get(k) == str(v) for k, v in b.params.items() if k not in vary)


def pick_variant(run, benches, vary=("threads",)):
    """Benchmarks of the one setting group (other than `vary`) to draw: the run's own
    nr_cpus/line when present, else the largest group. Baselines, whose names carry fewer
    settings, join the group they agree with. Returns (benches, note or None)."""
    full = [b for b in benches if b.scheme not in rb.BASELINES] or benches
    groups = {}
    for b in full:
        key = tuple(sorted((k, str(v)) for k, v in b.params.items() if k not in vary))
        groups.setdefault(key, []).append(b)
    if not groups:
        return benches, None
    want = {k: str(run.setting(k)) for k in ("nr_cpus", "line") if run.setting(k) is not None}

    def score(item):
        key, bs = item
        d = dict(key)
        return (sum(1 for k, v in want.items() if d.get(k) == v), len(bs))
    key, members = max(groups.items(), key=score)
    ids = {id(b) for b in members}
    chosen = [b for b in benches if id(b) in ids
              or (b.scheme in rb.BASELINES and _agrees(b, key, vary))]
    if len(groups) <= 1:
        return chosen, None
    shown = " ".join(f"{k}:{v}" for k, v in key)
    return chosen, f"shown: {shown} ({len(groups) - 1} other setting group(s) in the tables)"


def stat(b, counter, what="median"):
    return b.get(counter, what) if b is not None else None


# ---------------------------------------------------------------------------------- charts

def plot_hot_throughput(run):
    hot = [b for b in run.select("hot") if "ops_per_sec" in b.stats]
    if not hot:
        raise Skip("no hot-scenario benchmark with an ops_per_sec counter in bench.json")
    hot, variant_note = pick_variant(run, hot)
    fig, axes = new_figure(run, "Hot get/put throughput vs threads (higher is better)")
    ax = axes[0][0]
    threads_all = sorted({b.threads for b in hot})
    ys, drawn, no_ideal = [], [], []
    for scheme in [s for s in rb.SCHEMES + ["plain"] if any(b.scheme == s for b in hot)]:
        pts = sorted((b for b in hot if b.scheme == scheme), key=lambda b: b.threads)
        x = [b.threads for b in pts]
        y = [stat(b, "ops_per_sec") for b in pts]
        err = [stat(b, "ops_per_sec", "stddev") or 0.0 for b in pts]
        ys += y
        if scheme == "plain":
            ax.errorbar(x, y, yerr=err, color=color("plain"), lw=2.4, ls=":", marker="s",
                        ms=5, capsize=3,
                        label="plain (baseline limit: unlocked inc/dec of a private line)",
                        gid="line:plain", zorder=4)
            continue
        ax.errorbar(x, y, yerr=err, color=color(scheme), lw=1.8, marker="o", ms=5,
                    capsize=3, label=scheme, gid=f"line:{scheme}", zorder=3)
        drawn.append(scheme)
        one = [b for b in pts if b.threads == 1]
        if one:
            base = stat(one[0], "ops_per_sec")
            ideal = [base * t for t in threads_all]
            ax.plot(threads_all, ideal, color=color(scheme), lw=1.0, ls="--", alpha=0.75,
                    label=f"_ideal {scheme}", gid=f"ideal:{scheme}")
            ys += ideal
        else:
            no_ideal.append(scheme)
    if not drawn:
        plt.close(fig)
        raise Skip("no refcount scheme among the hot benchmarks")
    if len(threads_all) > 1:
        log2_axis(ax, threads_all) if max(threads_all) >= 8 else ax.set_xticks(threads_all)
    else:
        ax.set_xticks(threads_all)
    maybe_log_y(ax, ys)
    ax.set_xlabel("threads")
    ax.set_ylabel("throughput (get+put operations per second, all threads)")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="#555555", ls="--", lw=1.0))
    labels.append("ideal linear scaling from each scheme's 1-thread figure (dashed)")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    notes = [settings_note(run, hot),
             f"points: median over repetitions ({reps_note(hot, 'ops_per_sec')}); "
             f"error bars: ±1 standard deviation over the repetitions.",
             "noop and atomic-private baselines are in the tables, not drawn here."]
    if variant_note:
        notes.append(variant_note)
    if no_ideal:
        notes.append(f"no 1-thread figure, so no ideal line, for: {', '.join(no_ideal)}")
    return finish(fig, notes)


def _variants(benches):
    """{config label: [benches]} in first-seen order. A baseline whose name carries fewer
    settings than the schemes' joins every group it agrees with (same threads)."""
    out = {}
    full = [b for b in benches if b.scheme not in rb.BASELINES] or benches
    for b in full:
        out.setdefault(b.config, []).append(b)
    keys = {c: tuple(sorted((k, str(v)) for k, v in bs[0].params.items()))
            for c, bs in out.items()}
    for b in benches:
        if b in full:
            continue
        homes = [c for c, bs in out.items()
                 if bs[0].threads == b.threads and _agrees(b, keys[c], ())]
        if not homes:
            out.setdefault(b.config, []).append(b)
        for c in homes:
            out[c].append(b)
    return out


def _short_labels(configs):
    """Drop the key:value items common to every config; return (labels, common)."""
    split = [c.split() for c in configs]
    common = [t for t in split[0] if all(t in s for s in split)] if split else []
    labels = [" ".join(t for t in s if t not in common) or "(single setting)" for s in split]
    return labels, " ".join(common)


def plot_ns_per_op(run):
    scen = [s for s in run.scenarios()
            if any("ns_per_op" in b.stats for b in run.select(s))]
    if not scen:
        raise Skip("no benchmark with an ns_per_op counter in bench.json")
    fig, axes = new_figure(run, "Cost of one operation, every scenario and scheme "
                           "(lower is better)", height=2.7 * len(scen) + 1.6,
                           nrows=len(scen))
    notes_extra, used = [], []
    default_nr = run.setting("nr_cpus")
    for ax, s in zip([a[0] for a in axes], scen):
        benches = [b for b in run.select(s) if "ns_per_op" in b.stats]
        variants = _variants(benches)
        if len(variants) > 8:
            nrs = sorted({b.params.get("nr_cpus") for b in benches}, key=mixed_key)
            if len(nrs) > 1:
                keep = default_nr if default_nr in nrs else nrs[len(nrs) // 2]
                benches = [b for b in benches if b.params.get("nr_cpus") == keep]
                notes_extra.append(f"{s}: only nr_cpus:{keep} drawn here "
                                   f"(all values are in the tables)")
                variants = _variants(benches)
        configs = list(variants)
        if len(configs) > 8:
            notes_extra.append(f"{s}: first 8 of {len(configs)} settings drawn")
            configs = configs[:8]
            benches = [b for b in benches if b.config in configs]
        used += benches
        schemes = rb.scheme_order(b.scheme for b in benches)
        labels, common = _short_labels(configs)
        width = 0.8 / max(len(schemes), 1)
        vals = []
        for j, scheme in enumerate(schemes):
            xs, ys, es = [], [], []
            for i, c in enumerate(configs):
                b = next((b for b in variants[c] if b.scheme == scheme), None)
                if b is None:
                    continue
                xs.append(i - 0.4 + width * (j + 0.5))
                ys.append(stat(b, "ns_per_op"))
                sd = stat(b, "ns_per_op", "stddev")
                es.append(sd if sd is not None else 0.0)
            if xs:
                ax.bar(xs, ys, width * 0.92, yerr=es, capsize=2, color=color(scheme),
                       label=scheme, gid=f"bars:{s}:{scheme}",
                       error_kw={"elinewidth": 0.9, "ecolor": "#222222"})
                vals += ys
        maybe_log_y(ax, vals, ratio=50)
        ax.set_xticks(range(len(configs)))
        ax.set_xticklabels([lab.replace(" ", "\n") if ":" in lab else lab for lab in labels],
                           fontsize=7.5)
        ax.set_ylabel("ns per op")
        ax.set_title(f"{s}" + (f"   ({common})" if common else ""), loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(axis="x", visible=False)
    failed = [b for b in run.benchmarks if b.errors and "ns_per_op" not in b.stats]
    if failed:
        names = ", ".join(f"{b.scenario}/{b.scheme} threads:{b.threads}" for b in failed[:6])
        notes_extra.append(f"not drawn, the benchmark reported an error: {names}"
                           f"{', ...' if len(failed) > 6 else ''} ({failed[0].errors[0]})")
    notes = [settings_note(run, used),
             f"bars: median ns_per_op over repetitions ({reps_note(used, 'ns_per_op')}); "
             f"error bars: ±1 standard deviation over the repetitions.",
             "ns_per_op = window ns x threads / ops: the average cost of one get+put on one "
             "thread."] + notes_extra
    return finish(fig, notes)


CLAIMS = [  # the seed patch's two figures, for 2000 modules with 128-byte lines
    (4096, 1048576000, '"1GB" (NR_CPUS=4096, 128-byte lines): 1,048,576,000 bytes', "*"),
    (8, 2048000, '"about 2 Mbytes" (NR_CPUS=8): 2,048,000 bytes', "P"),
]


def plot_footprint(run):
    fp = run.footprint
    if fp is None:
        raise Skip(run.absent.get("footprint.json", "no footprint.json"))
    rows = [r for r in fp["rows"] if rb._is_num(r.get("ref_bytes")) and r["ref_bytes"] > 0]
    if not rows:
        raise Skip("footprint.json has no row with a positive ref_bytes")
    modules = fp.get("modules", "?")
    fig, axes = new_figure(run, f"Reference-count memory for {modules} modules vs NR_CPUS "
                           f"(log-log)")
    ax = axes[0][0]
    xs = []
    rss_drawn = False
    for scheme in rb.scheme_order(r["scheme"] for r in rows):
        pts = sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: r["nr_cpus"])
        x = [r["nr_cpus"] for r in pts]
        xs += x
        ax.plot(x, [r["ref_bytes"] for r in pts], color=color(scheme),
                marker=MARKERS.get(scheme, "o"), ms=5, mfc="none" if scheme == "vmalloc-array"
                else color(scheme),
                lw=1.8, label=f"{scheme}: reference counts", gid=f"line:{scheme}")
        rss = [(r["nr_cpus"], r["rss_bytes"]) for r in pts
               if rb._is_num(r.get("rss_bytes")) and r["rss_bytes"] > 0]
        if rss:
            rss_drawn = True
            ax.plot([p[0] for p in rss], [p[1] for p in rss], color=color(scheme), ls=":",
                    lw=1.2, marker=".", label=f"{scheme}: measured RSS growth",
                    gid=f"rss:{scheme}")
    for x, y, text, marker in CLAIMS:
        ax.plot([x], [y], ls="none", marker=marker, ms=15, color="#ffd700", mec="black",
                mew=1.0, zorder=5, label=f"seed claim {text}", gid=f"claim:{y}")
        ax.annotate(f"seed: {text.split(' (')[0]} = {y:,} B", (x, y),
                    xytext=(-12, 14) if x > 64 else (12, -16), textcoords="offset points",
                    ha="right" if x > 64 else "left", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999",
                          "alpha": 0.9})
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    log2_axis(ax, sorted(set(xs) | {c[0] for c in CLAIMS}))
    ax.yaxis.set_major_formatter(FuncFormatter(human_bytes))
    ax.set_xlabel("NR_CPUS (compile-time maximum CPUs; log scale)")
    ax.set_ylabel(f"bytes for {modules} modules (log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    line = fp.get("line")
    notes = [f"settings: modules={modules}, line={line}, nr_cpu_ids={fp.get('nr_cpu_ids')} "
             f"(CPUs the per-CPU allocator provides for), NR_CPUS swept as drawn; "
             f"source: footprint.json.",
             "solid: bytes of reference counts (ref_bytes, from the allocation sizes); "
             "markers: the 2009 patch description's figures for 2000 modules."]
    if rss_drawn:
        methods = sorted({str(r.get("rss_method")) for r in rows if r.get("rss_method")})
        notes.append(f"dotted: resident memory growth while loading the modules "
                     f"({'; '.join(methods) or 'method not recorded'}).")
    if line != 128 or modules != 2000:
        notes.append("the seed's figures assume 2000 modules and 128-byte lines; this run "
                     "used other values, so the markers are for reference only.")
    return finish(fig, notes)


def plot_read_cost(run):
    reads = [b for b in run.select("read") if "ns_per_op" in b.stats
             and rb._is_num(b.params.get("nr_cpus"))]
    if not reads:
        raise Skip("no read-scenario benchmark with nr_cpus and ns_per_op in bench.json")
    tmin = min(b.threads for b in reads)
    note_t = None
    if len({b.threads for b in reads}) > 1:
        note_t = f"threads:{tmin} drawn (other thread counts are in the tables)"
        reads = [b for b in reads if b.threads == tmin]
    reads, variant_note = pick_variant(run, reads, vary=("threads", "nr_cpus", "load"))
    fig, axes = new_figure(run, "module_refcount() cost vs NR_CPUS (lower is better)")
    ax = axes[0][0]
    loads = sorted({str(b.params.get("load", "")) for b in reads},
                   key=lambda v: (v != "idle", v))
    styles = {"idle": ("-", "o"), "busy": ("--", "s")}
    xs, ys = [], []
    for scheme in rb.scheme_order(b.scheme for b in reads):
        for load in loads:
            pts = sorted((b for b in reads if b.scheme == scheme
                          and str(b.params.get("load", "")) == load),
                         key=lambda b: b.params["nr_cpus"])
            if not pts:
                continue
            x = [b.params["nr_cpus"] for b in pts]
            y = [stat(b, "ns_per_op") for b in pts]
            e = [stat(b, "ns_per_op", "stddev") or 0.0 for b in pts]
            ls, mk = styles.get(load, (":", "^"))
            ax.errorbar(x, y, yerr=e, color=color(scheme), ls=ls, marker=mk, ms=5,
                        mfc="none" if scheme == "vmalloc-array" else color(scheme),
                        capsize=2, lw=1.6, label=f"{scheme}, load:{load}" if load else scheme,
                        gid=f"line:{scheme}:{load}")
            xs += x
            ys += y
    log2_axis(ax, xs)
    maybe_log_y(ax, ys)
    ax.set_xlabel("NR_CPUS (compile-time maximum CPUs; log scale)")
    ax.set_ylabel("module_refcount() cost (ns per call)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    notes = [settings_note(run, reads),
             f"points: median over repetitions ({reps_note(reads, 'ns_per_op')}); error "
             f"bars: ±1 standard deviation. solid: load:idle, dashed: load:busy "
             f"(other threads doing get/put while the count is read)."]
    notes += [n for n in (note_t, variant_note) if n]
    return finish(fig, notes)


# panels of the per-op misses chart: (title, unit, always shown, sources)
# a source is ("bench", counter) | ("figure", metric) | ("audit",)
MISS_PANELS = [
    ("Last-level cache misses", "misses per op", True,
     [("bench", "llc_misses_per_op"), ("figure", "ll_misses_per_op"),
      ("figure", "cache_misses_per_op")]),
    ("L1 data-cache misses", "misses per op", False,
     [("bench", "l1d_load_misses_per_op"), ("figure", "d1_misses_per_op")]),
    ("dTLB load misses", "misses per op", True,
     [("bench", "dtlb_load_misses_per_op"), ("figure", "dtlb_misses_per_op")]),
    ("dTLB cost: 4 KiB minus 2 MiB pages", "ns per op", False,
     [("figure", "dtlb_ns_per_op")]),
    ("Remote-node memory accesses", "remote loads per op", True,
     [("bench", "node_load_misses_per_op"), ("figure", "remote_accesses_per_op")]),
    ("CPUs whose counter is on another NUMA node", "share of CPUs (0..1)", True,
     [("audit",), ("figure", "remote_share")]),
]


def _miss_sources(run, hot_benches, figures, src):
    """[(legend label, method, {scheme: value}, reason-if-empty)] for one source spec."""
    if src[0] == "bench":
        counter = src[1]
        vals = {}
        for b in hot_benches:
            v = stat(b, counter)
            if v is not None:
                vals[b.scheme] = v
        avail = run.counter_availability()
        base = counter[: -len("_per_op")]
        method = ((avail.get(base) or avail.get(counter) or {}).get("method")
                  or "hardware-counter")
        reason = None if vals else f"hardware counter: {run.counter_reason(counter)}"
        return [(f"{counter} (bench.json)", method, vals, reason)]
    if src[0] == "figure":
        metric = src[1]
        # one scenario per panel: hot (like the hardware-counter bars) when it has the
        # metric, else the scenario with most figures of it
        figs = [f for f in figures if f["metric"] == metric]
        scens = [f.get("scenario") for f in figs]
        if scens and "hot" not in scens:
            top = max(set(scens), key=lambda x: (scens.count(x), str(x)))
            figs = [f for f in figs if f.get("scenario") == top]
        elif scens:
            figs = [f for f in figs if f.get("scenario") == "hot"]
        out = {}
        for f in figs:
            key = (f["method"], f["source"])
            vals, reasons, scen = out.setdefault(key, ({}, [], set()))
            if f.get("value") is not None:
                if f["scheme"] not in vals:
                    vals[f["scheme"]] = f["value"]
                    if f.get("scenario"):
                        scen.add(str(f["scenario"]))
            elif f.get("reason"):
                reasons.append(f"{f['scheme']}: {f['reason']}")
        res = []
        for (method, srcfile), (vals, reasons, scen) in out.items():
            where = f"{srcfile}, {'/'.join(sorted(scen))}" if scen else srcfile
            reason = None if vals else (f"{METHOD_WORDS.get(method, method)}: "
                                        f"{'; '.join(reasons[:3]) or 'no value'}")
            res.append((f"{metric} ({where})", method, vals, reason))
        return res
    # audit
    if run.audit is None:
        return [("remote_share (audit.json)", "placement-audit", {},
                 f"placement audit: {run.absent.get('audit.json', 'no audit.json')}")]
    vals, reasons = {}, []
    for e in run.audit["schemes"]:
        v = rb.audit_remote_share(e)
        if v is not None:
            vals[e["scheme"]] = v
        else:
            why = e.get("reason") or e.get("remote_share_note") or e.get("error")
            if why:
                reasons.append(f"{e['scheme']}: {why}")
    reason = None if vals else ("placement audit: " + ("; ".join(reasons) or
                                                       "counter placement not readable"))
    return [("remote_share (audit.json)", "placement-audit", vals, reason)]


def plot_misses(run):
    hot = [b for b in run.select("hot") if b.scheme in rb.SCHEMES]
    hot, variant_note = pick_variant(run, hot)
    tmax = max((b.threads for b in hot), default=None)
    hot = [b for b in hot if b.threads == tmax]
    figures = run.figures()
    panels = []
    for title, unit, always, specs in MISS_PANELS:
        sources, reasons = [], []
        for spec in specs:
            for s in _miss_sources(run, hot, figures, spec):
                if s[2]:
                    sources.append(s)
                elif s[3] and (spec[0] != "figure" or s[3] not in reasons):
                    reasons.append(s[3])
        if not sources and not always:
            continue
        if not sources:
            metrics = [sp[1] for sp in specs if sp[0] == "figure"]
            if metrics:
                gone = [r for r in (run.standin_absent_reason("cachegrind.json"),
                                    run.standin_absent_reason("perf.json")) if r]
                if len(gone) == 2 and all("no " in g and "in this run" in g for g in gone):
                    reasons.append("no cachegrind.json or perf.json in this run")
                else:
                    reasons.append(f"no {' or '.join(metrics)} figure in cachegrind.json "
                                   f"or perf.json" + (f" ({'; '.join(gone)})" if gone
                                                      else ""))
        panels.append((title, unit, sources, reasons))
    if not any(p[2] for p in panels) and not run.benchmarks and run.audit is None:
        raise Skip("no counters, cachegrind.json, perf.json or audit.json in this run")
    ncols = 2
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = new_figure(run, "Per-operation cache, dTLB and remote-memory figures, each "
                           "bar labelled with how it was obtained", width=12,
                           height=3.3 * nrows + 1.8, nrows=nrows, ncols=ncols)
    flat = [a for row in axes for a in row]
    schemes = [s for s in rb.SCHEMES]
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    for ax, (title, unit, sources, reasons) in zip(flat, panels):
        ax.set_title(title, loc="left")
        ax.set_xticks(range(len(schemes)))
        ax.set_xticklabels(schemes)
        ax.set_ylabel(unit)
        ax.grid(axis="x", visible=False)
        if not sources:
            msg = "not measured: " + "; ".join(reasons or ["no source"])
            ax.text(0.5, 0.5, "\n".join(textwrap.wrap(msg, 60)), transform=ax.transAxes,
                    ha="center", va="center", fontsize=8.5, color="#b00000",
                    gid="not-measured")
            ax.set_yticks([])
            ax.set_xlim(-0.6, len(schemes) - 0.4)
            continue
        width = 0.8 / len(sources)
        top = max(v for s in sources for v in s[2].values())
        share = unit.startswith("share")
        if share:
            top = 1.0
        top = top or 1.0
        for j, (label, method, vals, _r) in enumerate(sources):
            tag = METHOD_TAGS.get(method, method)
            c = METHOD_COLORS.get(method, "#999999")
            for i, scheme in enumerate(schemes):
                x = i - 0.4 + width * (j + 0.5)
                if scheme in vals:
                    v = vals[scheme]
                    ax.bar([x], [v], width * 0.9, color=c, gid=f"bar:{method}:{scheme}")
                    if v == 0:
                        ax.plot([x - width * 0.45, x + width * 0.45], [0, 0], color=c, lw=3)
                    ax.text(x, v + top * 0.02, f"{rb.fmt_num(v)}\n{tag}", ha="center",
                            va="bottom", fontsize=6.5, gid=f"label:{method}:{scheme}")
                else:
                    ax.text(x, top * 0.02, "not\nmeasured", ha="center", va="bottom",
                            fontsize=6.5, color="#b00000", gid="not-measured")
        ax.set_ylim(0, top * (1.25 if share else 1.45))
        handles = [Patch(color=METHOD_COLORS.get(m, "#999999"),
                         label=f"{METHOD_TAGS.get(m, m)} = {METHOD_WORDS.get(m, m)}: {lab}")
                   for lab, m, _v, _r in sources]
        if reasons:
            handles.append(Patch(facecolor="none", edgecolor="none", label="\n".join(
                textwrap.wrap("also not measured: " + "; ".join(reasons), 70))))
        leg = ax.legend(handles=handles, loc="upper left", fontsize=6.5)
        if reasons:
            leg.get_texts()[-1].set_color("#b00000")
    notes = [settings_note(run, hot) if hot else "settings: no hot benchmarks in this run",
             f"hardware-counter bars: hot scenario at threads:{tmax}, median over "
             f"repetitions. cachegrind simulates one thread's caches (no coherence traffic). "
             f"page-size contrast: the difference between runs on 4 KiB and 2 MiB pages. "
             f"placement audit: where each CPU's counter lives (audit.json), not a count.",
             "an absent figure is written 'not measured' with its reason; it is never drawn "
             "as zero."]
    if run.audit is not None:
        notes.append(f"machine NUMA nodes (audit.json): {run.audit.get('nodes', '?')}"
                     + (" - with one node no counter can be remote"
                        if run.audit.get("nodes") == 1 else ""))
    if variant_note:
        notes.append(variant_note)
    return finish(fig, notes)


def plot_spread(run):
    sp = [b for b in run.select("spread") if "ns_per_op" in b.stats]
    if not sp:
        raise Skip("no spread-scenario benchmark with ns_per_op in bench.json")
    modules = sorted({b.params.get("modules") for b in sp if rb._is_num(b.params.get("modules"))})
    if len(modules) > 1:
        sp, variant_note = pick_variant(run, sp, vary=("threads", "modules", "dist"))
        fig, axes = new_figure(run, "Spread get/put cost vs number of modules "
                               "(lower is better)")
        ax = axes[0][0]
        ys = []
        dists = sorted({str(b.params.get("dist", "")) for b in sp})
        tsel = min(b.threads for b in sp)
        sp = [b for b in sp if b.threads == tsel]
        lss = ["-", "--", ":", "-."]
        for scheme in rb.scheme_order(b.scheme for b in sp):
            for k, d in enumerate(dists):
                pts = sorted((b for b in sp if b.scheme == scheme
                              and str(b.params.get("dist", "")) == d),
                             key=lambda b: b.params.get("modules", 0))
                if not pts:
                    continue
                y = [stat(b, "ns_per_op") for b in pts]
                ys += y
                ax.errorbar([b.params["modules"] for b in pts], y,
                            yerr=[stat(b, "ns_per_op", "stddev") or 0.0 for b in pts],
                            color=color(scheme), ls=lss[k % 4], marker="o", ms=4,
                            capsize=2, label=f"{scheme}, dist:{d}" if d else scheme,
                            gid=f"line:{scheme}:{d}")
        ax.set_xscale("log")
        maybe_log_y(ax, ys)
        ax.set_xlabel("modules (log scale)")
        notes_extra = [variant_note, f"threads:{tsel} drawn"]
    else:
        fig, axes = new_figure(run, "Spread get/put cost per scheme and module-choice "
                               "distribution (lower is better)")
        ax = axes[0][0]
        variants = _variants(sp)
        configs = list(variants)
        labels, common = _short_labels(configs)
        schemes = rb.scheme_order(b.scheme for b in sp)
        width = 0.8 / len(schemes)
        for j, scheme in enumerate(schemes):
            xs, ys, es = [], [], []
            for i, c in enumerate(configs):
                b = next((b for b in variants[c] if b.scheme == scheme), None)
                if b is None:
                    continue
                xs.append(i - 0.4 + width * (j + 0.5))
                ys.append(stat(b, "ns_per_op"))
                es.append(stat(b, "ns_per_op", "stddev") or 0.0)
            ax.bar(xs, ys, width * 0.92, yerr=es, capsize=2, color=color(scheme),
                   label=scheme, gid=f"bars:spread:{scheme}")
        ax.set_xticks(range(len(configs)))
        ax.set_xticklabels(labels)
        ax.set_xlabel(f"setting ({common})" if common else "setting")
        ax.grid(axis="x", visible=False)
        notes_extra = [f"only modules={modules[0] if modules else '?'} in this run: one bar "
                       f"per scheme and setting instead of a curve over module counts."]
    ax.set_ylabel("ns per op (get+put on a module picked per op)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    notes = [settings_note(run, sp),
             f"median over repetitions ({reps_note(sp, 'ns_per_op')}); error bars: ±1 "
             f"standard deviation over the repetitions."] + [n for n in notes_extra if n]
    return finish(fig, notes)


# name, title (for the report), function, caption
CHARTS = [
    ("hot_throughput", "Hot get/put throughput vs threads", plot_hot_throughput,
     "Every thread does get/put on one module. Dashed lines: what each scheme would reach "
     "if it scaled linearly from its 1-thread figure; dotted black: the plain baseline."),
    ("ns_per_op", "Cost of one operation, every scenario", plot_ns_per_op,
     "Median ns per get+put (or per read) with ±1 stddev error bars over the repetitions."),
    ("footprint", "Memory footprint vs NR_CPUS", plot_footprint,
     "Bytes of reference counts for 2000 modules as NR_CPUS grows, with the 2009 patch "
     "description's two figures marked."),
    ("read_cost", "module_refcount() cost vs NR_CPUS", plot_read_cost,
     "Summing a module's count: the array schemes walk NR_CPUS slots, percpu walks the "
     "possible CPUs, atomic reads one word."),
    ("misses", "Per-op cache, dTLB and remote figures", plot_misses,
     "Each bar names its method: hardware counter, cachegrind simulation, page-size contrast "
     "or placement audit. Missing figures are written as not measured."),
    ("spread", "Spread scenario", plot_spread,
     "Get/put on modules picked per operation (uniform or zipf) - the cache-footprint case."),
]


def save(fig, outdir, name, formats):
    written = []
    for ext in formats:
        final = outdir / f"{name}.{ext}"
        tmp = outdir / f"{name}.{ext}.tmp"
        kw = {"dpi": 110} if ext == "png" else {"metadata": {"Date": None}}
        fig.savefig(tmp, format=ext, **kw)
        os.replace(tmp, final)
        written.append(final.name)
    return written


def draw_all(run, only=None, formats=("png", "svg"), debug=False, log=sys.stderr):
    """Draw every chart into run.path/charts. Returns the manifest list."""
    outdir = run.path / "charts"
    try:
        outdir.mkdir(exist_ok=True)
    except OSError as e:
        raise rb.ResultsError(f"{outdir}: cannot create: {e.strerror}") from None
    chosen = [c for c in CHARTS if not only or c[0] in only]
    manifest = []
    for i, (name, title, fn, caption) in enumerate(chosen, 1):
        head = f"plots: [{i}/{len(chosen)}] {name}:"
        entry = {"name": name, "title": title, "caption": caption}
        try:
            fig = fn(run)
        except Skip as e:
            print(f"{head} skipped: {e}", file=log)
            entry.update(status="skipped", note=str(e))
            manifest.append(entry)
            continue
        except rb.ResultsError:
            raise
        except Exception as e:  # a bug or an input shape not foreseen: note it, go on
            if debug:
                raise
            print(f"{head} skipped: could not draw ({type(e).__name__}: {e}); "
                  f"--debug shows where", file=log)
            entry.update(status="skipped", note=f"could not draw: {type(e).__name__}: {e}")
            manifest.append(entry)
            continue
        try:
            files = save(fig, outdir, name, formats)
        except OSError as e:
            raise rb.ResultsError(f"{outdir}: cannot write {name}: {e.strerror}") from None
        finally:
            plt.close(fig)
        print(f"{head} wrote charts/{', charts/'.join(files)}", file=log)
        entry.update(status="drawn", files=files)
        manifest.append(entry)
    tmp = outdir / "index.json.tmp"
    with open(tmp, "w") as f:
        json.dump({"refbench_format": rb.NEWEST_FORMAT, "charts": manifest}, f, indent=2)
    os.replace(tmp, outdir / "index.json")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description="Draw the charts of a refbench run folder.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--results", help="results folder to search for the newest run")
    ap.add_argument("--only", help="comma list of charts: " + ",".join(c[0] for c in CHARTS))
    ap.add_argument("--format", default="png,svg", help="comma list of png,svg,pdf")
    ap.add_argument("--debug", action="store_true", help="show tracebacks of drawing errors")
    a = ap.parse_args(argv)
    names = {c[0] for c in CHARTS}
    only = None
    if a.only:
        only = [x.strip() for x in a.only.split(",") if x.strip()]
        bad = [x for x in only if x not in names]
        if bad:
            raise rb.ResultsError(f"--only {','.join(bad)}: unknown chart (accepted: "
                                  f"{', '.join(sorted(names))})")
    formats = [x.strip() for x in a.format.split(",") if x.strip()]
    bad = [x for x in formats if x not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise rb.ResultsError(f"--format {a.format}: accepted: png, svg, pdf (comma list)")
    run = rb.load_run(rb.resolve_run_arg(a.run, a.results))
    manifest = draw_all(run, only, formats, a.debug)
    drawn = sum(1 for m in manifest if m["status"] == "drawn")
    print(f"plots: {drawn} of {len(manifest)} charts drawn in {run.path / 'charts'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    rb.run_main(main)
