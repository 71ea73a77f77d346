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


def finish(fig, notes, top_in=0.0):
    """Footnote (settings, how the figures were obtained) and layout; top_in inches are kept
    free under the title (for panels with two-line titles)."""
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
    fig.tight_layout(rect=(0, foot_in / h, 1, 1 - top_in / h))
    return fig


def mixed_key(v):
    """Sort numbers numerically, then anything else as text."""
    return (0, v, "") if rb.is_num(v) else (1, 0, str(v))


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


def binary_bytes(v):
    """Cache and page sizes: 49152 -> '48 KiB', 276824064 -> '264 MiB'."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if v >= scale:
            return f"{v / scale:.4g} {unit}"
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
    for scheme in [s for s in run.order(b.scheme for b in hot)
                   if s in run.scheme_names() or s == "plain"]:
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
        schemes = run.order(b.scheme for b in benches)
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
    rows = [r for r in fp["rows"] if rb.is_num(r.get("ref_bytes")) and r["ref_bytes"] > 0]
    if not rows:
        raise Skip("footprint.json has no row with a positive ref_bytes")
    modules = fp.get("modules", "?")
    fig, axes = new_figure(run, f"Reference-count memory for {modules} modules vs NR_CPUS "
                           f"(log-log)")
    ax = axes[0][0]
    xs = []
    rss_drawn = False
    for scheme in run.order(r["scheme"] for r in rows):
        pts = sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: r["nr_cpus"])
        x = [r["nr_cpus"] for r in pts]
        xs += x
        # nrcpus-array and vmalloc-array hold the same bytes: the first is drawn wider,
        # under the second, so both stay visible
        ax.plot(x, [r["ref_bytes"] for r in pts], color=color(scheme),
                marker=MARKERS.get(scheme, "o"),
                ms=8 if scheme == "nrcpus-array" else 5,
                mfc="none" if scheme == "vmalloc-array" else color(scheme),
                lw=4.0 if scheme == "nrcpus-array" else 1.8,
                zorder=2 if scheme == "nrcpus-array" else 3,
                label=f"{scheme}: reference counts", gid=f"line:{scheme}")
        rss = [(r["nr_cpus"], r["rss_bytes"]) for r in pts
               if rb.is_num(r.get("rss_bytes")) and r["rss_bytes"] > 0]
        if rss:
            rss_drawn = True
            ax.plot([p[0] for p in rss], [p[1] for p in rss], color=color(scheme), ls=":",
                    lw=1.2, marker=".", label=f"{scheme}: measured RSS growth",
                    gid=f"rss:{scheme}")
    for x, y, text, marker in CLAIMS:
        ax.plot([x], [y], ls="none", marker=marker, ms=15, color="#ffd700", mec="black",
                mew=1.0, zorder=5, label=f"seed claim {text}", gid=f"claim:{y}")
        ax.annotate(f"seed: {text.split(' (')[0]} = {y:,} B", (x, y),
                    xytext=(-16, 0) if x > 64 else (12, -16), textcoords="offset points",
                    ha="right" if x > 64 else "left", va="center" if x > 64 else "baseline",
                    fontsize=8,
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
             and rb.is_num(b.params.get("nr_cpus"))]
    if not reads:
        raise Skip("no read-scenario benchmark with nr_cpus and ns_per_op in bench.json")
    # per load, its fewest threads (load:busy needs a second thread doing get/put)
    tmin = {}
    for b in reads:
        ld = str(b.params.get("load", ""))
        tmin[ld] = min(tmin.get(ld, b.threads), b.threads)
    note_t = None
    if any(len({b.threads for b in reads if str(b.params.get("load", "")) == ld}) > 1
           for ld in tmin):
        note_t = (", ".join(f"load:{ld} at threads:{t}" if ld else f"threads:{t}"
                            for ld, t in sorted(tmin.items())) + " drawn (other thread "
                  "counts are in the tables)")
    reads = [b for b in reads if b.threads == tmin[str(b.params.get("load", ""))]]
    reads, variant_note = pick_variant(run, reads, vary=("threads", "nr_cpus", "load"))
    fig, axes = new_figure(run, "module_refcount() cost vs NR_CPUS (lower is better)")
    ax = axes[0][0]
    loads = sorted({str(b.params.get("load", "")) for b in reads},
                   key=lambda v: (v != "idle", v))
    styles = {"idle": ("-", "o"), "busy": ("--", "s")}
    xs, ys = [], []
    for scheme in run.order(b.scheme for b in reads):
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
                        capsize=2, lw=1.6,
                        label=(f"{scheme}, load:{load}, threads:{pts[0].threads}" if load
                               else scheme),
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


# ------------------------------------------------------------------ per-op misses chart
# A panel's sources are dicts: {"key", "label" (legend), "method", "tag" (above each bar),
# "color", "vals" {scheme: value}, "why" [(scheme or None, reason)] for absent values}.

SIM_CACHE = [("d1_misses_per_op", "D1", "#fdae6b"), ("ll_misses_per_op", "LL", "#d94801")]
HW_CACHE = [("l1d_load_misses_per_op", "L1d", "#9ecae1"),
            ("llc_misses_per_op", "LLC", "#08519c")]
PATH_COLORS = ["#6baed6", "#08519c", "#74c476", "#238b45"]


def _join_reasons(why):
    """[(scheme or None, reason)] -> 'a, b: reason; other reason' (schemes sharing a reason
    are named once)."""
    by = {}
    for scheme, r in why:
        by.setdefault(r, [])
        if scheme and scheme not in by[r]:
            by[r].append(scheme)
    return "; ".join((f"{', '.join(s)}: {r}" if s else r) for r, s in by.items())


def _hw_method(run, counter):
    avail = run.counter_availability()
    base = counter[: -len("_per_op")] if counter.endswith("_per_op") else counter
    return (avail.get(base) or avail.get(counter) or {}).get("method") or "hardware-counter"


def _bench_source(run, benches, counter, key, label, color):
    """A bench.json counter of the given {scheme: Bench}."""
    method = _hw_method(run, counter)
    vals, why = {}, []
    for scheme, b in benches.items():
        v = stat(b, counter)
        if v is not None:
            vals[scheme] = v
        elif b.errors:
            why.append((scheme, f"benchmark reported an error: {b.errors[0]}"))
    if not vals:
        why = [(None, f"{METHOD_WORDS.get(method, method)}: {run.counter_reason(counter)}")]
    return {"key": key, "label": f"{label} ({counter}, bench.json)", "method": method,
            "tag": METHOD_TAGS.get(method, method), "color": color, "vals": vals, "why": why}


def _sim_source(run, path, metric, short, color, figures):
    """cachegrind.json's figure `metric` on one path."""
    figs = rb.path_figures(run, path, metric, figures)
    method = figs[0]["method"] if figs else "cachegrind-simulation"
    vals, why = {}, []
    for f in figs:
        if f["scheme"] in vals:
            continue
        if f.get("value") is not None:
            vals[f["scheme"]] = f["value"]
        else:
            why.append((f["scheme"], f.get("reason") or "no value"))
    if not figs:
        gone = run.standin_absent_reason("cachegrind.json")
        if gone:
            why = [(None, gone)]
        else:
            simulated = sorted({f"{f.get('scenario')}" for f in figures
                                if f["source"] == "cachegrind.json" and f.get("scenario")})
            why = [(None, f"no {rb.path_label(path)} benchmark in cachegrind.json (simulated "
                          f"paths: {', '.join(simulated) or 'none'})")]
    words = METHOD_WORDS.get(method, method)
    why = [(s, f"{words}: {r}" if not r.startswith(words) else r) for s, r in why]
    return {"key": metric, "label": f"{short} misses, {words} ({metric}, cachegrind.json)",
            "method": method, "tag": METHOD_TAGS.get(method, method), "color": color,
            "vals": vals, "why": why}


def _audit_source(run):
    if run.audit is None:
        return {"key": "remote_share", "label": "remote_share (audit.json)",
                "method": "placement-audit", "tag": "audit",
                "color": METHOD_COLORS["placement-audit"], "vals": {},
                "why": [(None, f"placement audit: "
                               f"{run.absent.get('audit.json', 'no audit.json')}")]}
    vals, why = {}, []
    for e in run.audit["schemes"]:
        v = rb.audit_remote_share(e)
        if v is not None:
            vals[e["scheme"]] = v
        else:
            w = e.get("reason") or e.get("remote_share_note") or e.get("error")
            why.append((e["scheme"], f"placement audit: {w or 'counter placement not readable'}"))
    return {"key": "remote_share", "label": "remote_share (audit.json)",
            "method": "placement-audit", "tag": "audit",
            "color": METHOD_COLORS["placement-audit"], "vals": vals, "why": why}


def _draw_scheme_bars(ax, panel):
    """Grouped bars: x = scheme, one bar per source with values; 'not measured' where a
    source has no value for a scheme; a panel without any value says why in its middle."""
    schemes = panel["schemes"]
    ax.set_title(panel["title"], loc="left", fontsize=9.5)
    ax.set_xticks(range(len(schemes)))
    ax.set_xticklabels(schemes)
    ax.set_xlim(-0.6, len(schemes) - 0.4)
    ax.set_ylabel(panel["unit"])
    ax.grid(axis="x", visible=False)
    drawn = [s for s in panel["sources"] if s["vals"]]
    empty_why = [w for s in panel["sources"] if not s["vals"] for w in s["why"]]
    if not drawn:
        msg = "not measured: " + (_join_reasons(empty_why) or "no source")
        ax.text(0.5, 0.5, "\n".join(textwrap.wrap(msg, 75)), transform=ax.transAxes,
                ha="center", va="center", fontsize=8, color="#b00000", gid="not-measured")
        ax.set_yticks([])
        return
    width = 0.8 / len(drawn)
    crowded = len(drawn) >= 3
    share = panel.get("share", False)
    top = 1.0 if share else (max(v for s in drawn for v in s["vals"].values()) or 1.0)
    partial_why = []
    for j, src in enumerate(drawn):
        for i, scheme in enumerate(schemes):
            x = i - 0.4 + width * (j + 0.5)
            gid = f"{src['method']}:{src['key']}:{scheme}"
            if scheme in src["vals"]:
                v = src["vals"][scheme]
                ax.bar([x], [v], width * 0.9, color=src["color"], edgecolor="#333333",
                       linewidth=0.4, gid=f"bar:{gid}")
                if v == 0:
                    ax.plot([x - width * 0.45, x + width * 0.45], [0, 0], color=src["color"],
                            lw=3)
                if crowded:      # three or more bars a scheme: labels stand upright
                    ax.text(x, v + top * 0.02, f"{rb.fmt_num(v)} {src['tag']}",
                            ha="center", va="bottom", fontsize=6.5, rotation=90,
                            gid=f"label:{gid}")
                else:
                    ax.text(x, v + top * 0.02, f"{rb.fmt_num(v)}\n{src['tag']}",
                            ha="center", va="bottom", fontsize=6.5, gid=f"label:{gid}")
            else:
                ax.text(x, top * 0.02, "not\nmeasured", ha="center", va="bottom",
                        fontsize=6.5, color="#b00000", gid="not-measured")
        partial_why += src["why"]
    handles = [Patch(facecolor=s["color"], edgecolor="#333333", linewidth=0.4,
                     label=f"{s['tag']} = {s['label']}") for s in drawn]
    notes = partial_why + empty_why
    if notes:
        handles.append(Patch(facecolor="none", edgecolor="none", label="\n".join(
            textwrap.wrap("not measured: " + _join_reasons(notes), 80))))
    # room above the tallest bar and its label for the legend
    lines = sum(h.get_label().count("\n") + 1 for h in handles)
    ax.set_ylim(0, top * ((1.3 if share else 1.35) + 0.11 * lines + (0.3 if crowded else 0)))
    leg = ax.legend(handles=handles, loc="upper left", fontsize=6.5)
    if notes:
        leg.get_texts()[-1].set_color("#b00000")


def _draw_contrast(ax, panel):
    """Page-size contrast: one small axis per path (their magnitudes differ by orders), a
    bar with ± the spread of the difference, the two medians under it."""
    rows = panel["rows"]
    fig = ax.figure
    ax.set_title(panel["title"], loc="left", fontsize=9.5)
    ax.axis("off")
    c = METHOD_COLORS["page-size-contrast"]
    gs = ax.get_subplotspec().subgridspec(1, len(rows) + 1, wspace=0.55,
                                          width_ratios=[1.0] * len(rows) + [1.25])
    subs = []
    for i, r in enumerate(rows):
        sub = fig.add_subplot(gs[0, i])
        sub.set_gid(f"panel:dtlb:contrast:{r['path']['scenario']}")
        subs.append(sub)
        sub.grid(axis="x", visible=False)
        sub.set_xticks([0])
        sub.set_xlim(-0.8, 0.8)
        sub.axhline(0, color="#333333", lw=0.8)
        sub.set_ylabel(panel["unit"] if i == 0 else "ns per op", fontsize=8)
        if r["value"] is None:
            sub.set_xticklabels(["\n".join(textwrap.wrap(r["path"]["title"], 30))],
                                fontsize=7)
            sub.text(0, 0.5, "\n".join(textwrap.wrap("not measured: " + r["reason"], 34)),
                     transform=sub.get_yaxis_transform(), ha="center", va="center",
                     fontsize=7, color="#b00000", gid="not-measured")
            sub.set_yticks([])
            continue
        v, sd = r["value"], r["stddev"]
        sub.bar([0], [v], 0.6, color=c, edgecolor="#333333", linewidth=0.4,
                yerr=[sd] if sd is not None else None, capsize=4,
                error_kw={"elinewidth": 1.0, "ecolor": "#222222"},
                gid=f"bar:page-size-contrast:{r['path']['scenario']}")
        hi, lo = max(0.0, v + (sd or 0)), min(0.0, v - (sd or 0))
        rng = (hi - lo) or abs(v) or 1.0
        if v >= 0:
            sub.set_ylim(lo - rng * 0.05, hi + rng * 0.45)
        else:
            sub.set_ylim(lo - rng * 0.45, hi + rng * 0.08)
        sign = "+" if v >= 0 else ""
        sdt = f"\n± {rb.fmt_num(sd)}" if sd is not None else ""
        y, va = (hi + rng * 0.04, "bottom") if v >= 0 else (lo - rng * 0.04, "top")
        sub.text(0, y, f"{sign}{rb.fmt_num(v)} ns{sdt}\npages", ha="center", va=va,
                 fontsize=7, gid=f"label:page-size-contrast:{r['path']['scenario']}")
        sub.set_xticklabels(["\n".join(textwrap.wrap(r["path"]["title"], 30)) +
                             f"\n{r['minuend_scheme']} {rb.fmt_num(r['minuend'])} ns\n"
                             f"- {r['subtrahend_scheme']} {rb.fmt_num(r['subtrahend'])} ns"],
                            fontsize=7)
        sub.tick_params(axis="y", labelsize=7)
    notes = []
    if panel.get("hw_why"):
        notes.append("hardware dTLB misses not measured: " + panel["hw_why"])
    notes += [r["note"] for r in rows if r.get("note")]
    handles = [Patch(facecolor=c, edgecolor="#333333", linewidth=0.4,
                     label="pages = page-size contrast\n(same code, 4 KiB vs 2 MiB pages, "
                           "ns per op)")]
    for n in notes:
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label="\n".join(textwrap.wrap(n, 42))))
    key = fig.add_subplot(gs[0, len(rows)])
    key.axis("off")
    leg = key.legend(handles=handles, loc="upper left", fontsize=6.5, borderaxespad=0,
                     frameon=False)
    for t in leg.get_texts()[1:]:
        t.set_color("#b00000")


def _draw_walk_table(ax, panel):
    ax.set_title(panel["title"], loc="left", fontsize=9.5)
    ax.axis("off")
    walks = panel["walks"]
    if not walks:
        ax.text(0.5, 0.5, "\n".join(textwrap.wrap("not measured: " + panel["why"], 70)),
                transform=ax.transAxes, ha="center", va="center", fontsize=8,
                color="#b00000", gid="not-measured")
        return
    head = ["scheme", "counters", "64-byte lines", "4 KiB pages", "on huge pages"]
    cells = []
    for w in walks:
        hp = w["huge_page_backed"]
        cells.append([w["scheme"], rb.fmt_num(w["counters"]), rb.fmt_num(w["cache_lines_64"]),
                      rb.fmt_num(w["pages_4k"]),
                      "yes (2 MiB)" if hp is True else "no (4 KiB)" if hp is False else "-"])
    tab = ax.table(cellText=cells, colLabels=head, loc="upper center", cellLoc="center",
                   bbox=[0.0, 0.28, 1.0, 0.62])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.set_gid("walk-table")
    for (r, _c), cell in tab.get_celld().items():
        cell.set_edgecolor("#999999")
        if r == 0:
            cell.set_facecolor("#eeeeee")
    ax.text(0.0, 0.2, "\n".join(textwrap.wrap(panel["caption"], 95)), transform=ax.transAxes,
            ha="left", va="top", fontsize=7, color="#333333", gid="walk-caption")


def _path_settings(run, path, benches, figs):
    """'modules:2000 dist:uniform nr_cpus:64 line:128 threads:1' of what a panel shows."""
    for b in benches.values():
        return b.config
    for f in figs:
        p = dict(f.get("params") or {})
        return rb.config_label(p, f.get("threads"))
    return rb.path_label(path).split(" ", 1)[1]


def misses_panels(run):
    """The panels of the per-op misses chart, in drawing order: dicts with "kind" (bars,
    contrast, walk), "name", "title" and what the drawer needs."""
    figures = run.figures()
    panels, used = [], []
    for path in rb.CONTRAST_PATHS:
        benches = rb.path_benches(run, path, run.scheme_names())
        used += benches.values()
        sources = [_bench_source(run, benches, c, c, f"{short} misses, hardware counter",
                                 col) for c, short, col in HW_CACHE]
        sim = [_sim_source(run, path, m, short, col, figures) for m, short, col in SIM_CACHE]
        figs = [f for m, _s, _c in SIM_CACHE for f in rb.path_figures(run, path, m, figures)]
        where = _path_settings(run, path, benches, figs)
        panels.append({"kind": "bars", "name": f"cache:{path['scenario']}",
                       "title": f"Cache misses per op, {path['title']}\n"
                                f"({path['scenario']} {where})",
                       "unit": "misses per op", "sources": sources + sim})
    hot = [b for b in run.select("hot") if b.scheme in run.scheme_names()]
    hot, _note = pick_variant(run, hot)
    tmax = max((b.threads for b in hot), default=None)
    hot_by = {b.scheme: b for b in hot if b.threads == tmax}
    used += hot_by.values()
    hw_hot = [_bench_source(run, hot_by, c, c, f"{short} misses, hardware counter", col)
              for c, short, col in HW_CACHE]
    if any(s["vals"] for s in hw_hot):
        panels.append({"kind": "bars", "name": "cache:hot",
                       "title": f"Cache misses per op, hot get/put on one module, "
                                f"threads:{tmax}\n(shared-line traffic between CPUs: "
                                f"hardware counters only)",
                       "unit": "misses per op", "sources": hw_hot})
    dtlb = []
    for k, path in enumerate(rb.CONTRAST_PATHS):
        benches = rb.path_benches(run, path, run.scheme_names())
        dtlb.append(_bench_source(run, benches, "dtlb_load_misses_per_op",
                                  f"dtlb_load_misses_per_op:{path['scenario']}",
                                  f"dTLB load misses, {path['title']}",
                                  PATH_COLORS[k % len(PATH_COLORS)]))
    hw_why = None
    if any(s["vals"] for s in dtlb):
        panels.append({"kind": "bars", "name": "dtlb:hw",
                       "title": "dTLB load misses per op (hardware counter)",
                       "unit": "misses per op", "sources": dtlb})
    else:
        hw_why = _join_reasons([w for s in dtlb for w in s["why"]][:1])
    rows = rb.page_size_contrasts(run)
    panels.append({"kind": "contrast", "name": "dtlb:contrast",
                   "title": "dTLB stand-in: page-size contrast, vmalloc-array minus "
                            "nrcpus-array\n(ns_per_op medians, bench.json)",
                   "unit": "ns per op, 4 KiB pages minus 2 MiB pages",
                   "rows": rows, "hw_why": hw_why})
    walks = rb.refcount_walks(run)
    nr = run.audit.get("nr_cpus") if run.audit else None
    panels.append({"kind": "walk", "name": "dtlb:walk",
                   "title": f"Pages one module_refcount() walks (audit.json"
                            f"{f', NR_CPUS={nr}' if nr else ''})",
                   "walks": walks,
                   "why": (run.absent.get("audit.json", "no audit.json") if run.audit is None
                           else "audit.json has no refcount_walk entries"),
                   "caption": (f"{walks[0]['method']}. " if walks and walks[0].get("method")
                               else "") + "4 KiB pages: how many distinct 4 KiB pages hold "
                               "the counters summed; on huge pages those pages share one "
                               "2 MiB TLB entry."})
    remote = _bench_source(run, hot_by, "node_load_misses_per_op", "node_load_misses_per_op",
                           f"remote loads, hot threads:{tmax}", METHOD_COLORS[
                               "hardware-counter"])
    panels.append({"kind": "bars", "name": "remote:hw",
                   "title": f"Remote-node memory accesses per op, hot threads:{tmax}",
                   "unit": "remote loads per op", "sources": [remote]})
    panels.append({"kind": "bars", "name": "remote:audit",
                   "title": "CPUs whose counter is on another NUMA node (placement audit)",
                   "unit": "share of CPUs (0..1)", "sources": [_audit_source(run)],
                   "share": True})
    return panels, used, tmax


def plot_misses(run):
    if not run.benchmarks and run.audit is None and run.cachegrind is None:
        raise Skip("no bench.json, cachegrind.json or audit.json in this run")
    panels, used, tmax = misses_panels(run)
    ncols = 2
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = new_figure(run, "Per-operation cache, dTLB and remote-memory figures on the "
                           "paths where the schemes differ; each bar names its method",
                           width=13, height=3.6 * nrows + 2.0, nrows=nrows, ncols=ncols)
    flat = [a for row in axes for a in row]
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    draw = {"bars": _draw_scheme_bars, "contrast": _draw_contrast, "walk": _draw_walk_table}
    for ax, p in zip(flat, panels):
        p.setdefault("schemes", run.scheme_names())
        ax.set_gid(f"panel:{p['name']}")
        draw[p["kind"]](ax, p)
    cg = run.cachegrind if isinstance(run.cachegrind, dict) else {}
    levels = (cg.get("cache") or {}).get("levels") or {}
    geo = ", ".join(f"{lv} {binary_bytes(levels[lv]['size_bytes'])}"
                    for lv in ("D1", "LL")
                    if isinstance(levels.get(lv), dict) and rb.is_num(
                        levels[lv].get("size_bytes")))
    notes = [settings_note(run, used) if used else "settings: no benchmarks in this run",
             "cache panels: bench.json counters and cachegrind figures of the same "
             "benchmark (threads:1, median over repetitions). sim = cachegrind simulation "
             "of one thread's caches, no coherence traffic"
             + (f" (difference of --iterations={cg.get('n2')} and {cg.get('n1')} runs"
                f"{'; simulated ' + geo if geo else ''})" if cg.get("n1") else "") + ".",
             "page-size contrast: median ns_per_op of vmalloc-array (4 KiB pages, one mapping "
             "per module) minus nrcpus-array (the same code on 2 MiB pages); error bars: "
             "±sqrt(sd1² + sd2²) over the repetitions. It carries every effect of the page "
             "backing (TLB reach and where the lines land in the caches), not TLB misses "
             "alone; below zero, the 4 KiB layout was the faster.",
             "an absent figure is written 'not measured' with its reason; it is never drawn "
             "as zero."]
    if run.audit is not None:
        notes.append(f"machine NUMA nodes (audit.json): {run.audit.get('nodes', '?')}"
                     + (" - with one node no counter can be remote"
                        if run.audit.get("nodes") == 1 else ""))
    return finish(fig, notes, top_in=0.2)


def plot_spread(run):
    sp = [b for b in run.select("spread") if "ns_per_op" in b.stats]
    if not sp:
        raise Skip("no spread-scenario benchmark with ns_per_op in bench.json")
    modules = sorted({b.params.get("modules") for b in sp if rb.is_num(b.params.get("modules"))})
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
        for scheme in run.order(b.scheme for b in sp):
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
        schemes = run.order(b.scheme for b in sp)
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
     "Cache misses per operation where the schemes differ (spread over the modules, and "
     "module_refcount() at NR_CPUS 4096), from hardware counters or the cachegrind "
     "simulation; the page-size contrast and the pages one module_refcount() walks as the "
     "dTLB stand-in; remote-node figures. Each bar names its method; missing figures are "
     "written as not measured."),
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
