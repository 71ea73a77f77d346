"""Per-operation cache, dTLB and remote-memory figures on the paths where the schemes differ,
each bar naming its method: hardware counters (bench.json), the cachegrind simulation, the
page-size contrast and the placement audit. This module gathers the panels; misses_draw.py
draws them.

A panel's sources are dicts: {"key", "label" (legend), "method", "tag" (above each bar),
"color", "vals" {scheme: value}, "why" [(scheme or None, reason)] for absent values}.
"""

import math

import rbresults as rb
from rbresults.charts.layout import (Skip, binary_bytes, finish, new_figure, pick_variant,
                                     settings_note, stat)
from rbresults.charts.misses_draw import DRAWERS, join_reasons
from rbresults.charts.style import METHOD_COLORS, METHOD_TAGS, METHOD_WORDS

SIM_CACHE = [("d1_misses_per_op", "D1", "#fdae6b"), ("ll_misses_per_op", "LL", "#d94801")]
HW_CACHE = [("l1d_load_misses_per_op", "L1d", "#9ecae1"),
            ("llc_misses_per_op", "LLC", "#08519c")]
PATH_COLORS = ["#6baed6", "#08519c", "#74c476", "#238b45"]


# ------------------------------------------------------------------------------ sources

def _hw_method(run, counter):
    avail = run.counter_availability()
    base = counter[: -len("_per_op")] if counter.endswith("_per_op") else counter
    return (avail.get(base) or avail.get(counter) or {}).get("method") or "hardware-counter"


def bench_source(run, benches, counter, key, label, color):
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


def sim_source(run, path, metric, short, color, figures):
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


def audit_source(run):
    """audit.json's remote share per scheme."""
    src = {"key": "remote_share", "label": "remote_share (audit.json)",
           "method": "placement-audit", "tag": "audit",
           "color": METHOD_COLORS["placement-audit"], "vals": {}, "why": []}
    if run.audit is None:
        src["why"] = [(None, f"placement audit: "
                             f"{run.absent.get('audit.json', 'no audit.json')}")]
        return src
    for e in run.audit["schemes"]:
        v = rb.audit_remote_share(e)
        if v is not None:
            src["vals"][e["scheme"]] = v
        else:
            w = e.get("reason") or e.get("remote_share_note") or e.get("error")
            src["why"].append((e["scheme"],
                               f"placement audit: {w or 'counter placement not readable'}"))
    return src


# ------------------------------------------------------------------------------- panels

def _cache_panels(run, figures, used):
    """Cache misses per op on each contrast path: hardware counters and the simulation."""
    panels = []
    for path in rb.CONTRAST_PATHS:
        benches = rb.path_benches(run, path, run.scheme_names())
        used += benches.values()
        sources = [bench_source(run, benches, c, c, f"{short} misses, hardware counter", col)
                   for c, short, col in HW_CACHE]
        sim = [sim_source(run, path, m, short, col, figures) for m, short, col in SIM_CACHE]
        figs = [f for m, _s, _c in SIM_CACHE for f in rb.path_figures(run, path, m, figures)]
        where = rb.path_settings(path, benches, figs)
        panels.append({"kind": "bars", "name": f"cache:{path['scenario']}",
                       "title": f"Cache misses per op, {path['title']}\n"
                                f"({path['scenario']} {where})",
                       "unit": "misses per op", "sources": sources + sim})
    return panels


def _hot_at_most_threads(run, used):
    """({scheme: hot Bench} at the run's most threads, that thread count)."""
    hot = [b for b in run.select("hot") if b.scheme in run.scheme_names()]
    hot, _note = pick_variant(run, hot)
    tmax = max((b.threads for b in hot), default=None)
    hot_by = {b.scheme: b for b in hot if b.threads == tmax}
    used += hot_by.values()
    return hot_by, tmax


def _dtlb_hw_panel(run):
    """(hardware dTLB panel or None, why the hardware figures are absent or None)."""
    dtlb = []
    for k, path in enumerate(rb.CONTRAST_PATHS):
        benches = rb.path_benches(run, path, run.scheme_names())
        dtlb.append(bench_source(run, benches, "dtlb_load_misses_per_op",
                                 f"dtlb_load_misses_per_op:{path['scenario']}",
                                 f"dTLB load misses, {path['title']}",
                                 PATH_COLORS[k % len(PATH_COLORS)]))
    if any(s["vals"] for s in dtlb):
        return {"kind": "bars", "name": "dtlb:hw",
                "title": "dTLB load misses per op (hardware counter)",
                "unit": "misses per op", "sources": dtlb}, None
    return None, join_reasons([w for s in dtlb for w in s["why"]][:1])


def contrast_title(run):
    pairs, _why = run.page_size_pairs()
    which = ("; ".join(f"{a} minus {b}" for a, b in pairs) if pairs
             else "4 KiB minus 2 MiB module pages")
    return f"dTLB stand-in: page-size contrast, {which}\n(ns_per_op medians, bench.json)"


def _walk_panel(run):
    order = {n: i for i, n in enumerate(run.order(w["scheme"] for w in rb.refcount_walks(run)))}
    walks = sorted(rb.refcount_walks(run), key=lambda w: order[w["scheme"]])
    nr = run.audit.get("nr_cpus") if run.audit else None
    return {"kind": "walk", "name": "dtlb:walk",
            "title": f"Pages one module_refcount() walks (audit.json"
                     f"{f', NR_CPUS={nr}' if nr else ''})",
            "walks": walks,
            "why": (run.absent.get("audit.json", "no audit.json") if run.audit is None
                    else "audit.json has no refcount_walk entries"),
            "caption": (f"{walks[0]['method']}. " if walks and walks[0].get("method")
                        else "") + "4 KiB pages: how many distinct 4 KiB pages hold the "
                        "counters summed; on huge pages those pages share one 2 MiB TLB "
                        "entry."}


def misses_panels(run):
    """The panels of the per-op misses chart, in drawing order: dicts with "kind" (bars,
    contrast, walk), "name", "title", "schemes" (the x axis of bars: every scheme of the
    run) and what the drawer needs. Returns (panels, benches used, hot thread count)."""
    used = []
    panels = _cache_panels(run, run.figures(), used)
    hot_by, tmax = _hot_at_most_threads(run, used)
    hw_hot = [bench_source(run, hot_by, c, c, f"{short} misses, hardware counter", col)
              for c, short, col in HW_CACHE]
    if any(s["vals"] for s in hw_hot):
        panels.append({"kind": "bars", "name": "cache:hot",
                       "title": f"Cache misses per op, hot get/put on one module, "
                                f"threads:{tmax}\n(shared-line traffic between CPUs: "
                                f"hardware counters only)",
                       "unit": "misses per op", "sources": hw_hot})
    dtlb, hw_why = _dtlb_hw_panel(run)
    panels += [dtlb] if dtlb else []
    panels.append({"kind": "contrast", "name": "dtlb:contrast", "title": contrast_title(run),
                   "unit": "ns per op, 4 KiB pages minus 2 MiB pages",
                   "rows": rb.page_size_contrasts(run), "hw_why": hw_why})
    panels.append(_walk_panel(run))
    remote = bench_source(run, hot_by, "node_load_misses_per_op", "node_load_misses_per_op",
                          f"remote loads, hot threads:{tmax}",
                          METHOD_COLORS["hardware-counter"])
    panels.append({"kind": "bars", "name": "remote:hw",
                   "title": f"Remote-node memory accesses per op, hot threads:{tmax}",
                   "unit": "remote loads per op", "sources": [remote]})
    panels.append({"kind": "bars", "name": "remote:audit",
                   "title": "CPUs whose counter is on another NUMA node (placement audit)",
                   "unit": "share of CPUs (0..1)", "sources": [audit_source(run)],
                   "share": True})
    for p in panels:
        p["schemes"] = run.scheme_names()
    return panels, used, tmax


# -------------------------------------------------------------------------------- chart

def _contrast_note(run):
    pairs, why = run.page_size_pairs()
    if not pairs:
        return f"page-size contrast: not available: {why}."
    which = "; ".join(f"{a} (4 KiB module pages) minus {b} (the same code on 2 MiB pages)"
                      for a, b in pairs)
    return (f"page-size contrast: median ns_per_op of {which}; error bars: ±sqrt(sd1² + "
            f"sd2²) over the repetitions. It carries every effect of the page backing (TLB "
            f"reach and where the lines land in the caches), not TLB misses alone; below "
            f"zero, the 4 KiB layout was the faster.")


def _simulation_note(run):
    cg = run.cachegrind if isinstance(run.cachegrind, dict) else {}
    levels = (cg.get("cache") or {}).get("levels") or {}
    geo = ", ".join(f"{lv} {binary_bytes(levels[lv]['size_bytes'])}"
                    for lv in ("D1", "LL")
                    if isinstance(levels.get(lv), dict)
                    and rb.is_num(levels[lv].get("size_bytes")))
    return ("cache panels: bench.json counters and cachegrind figures of the same benchmark "
            "(threads:1, median over repetitions). sim = cachegrind simulation of one "
            "thread's caches, no coherence traffic"
            + (f" (difference of --iterations={cg.get('n2')} and {cg.get('n1')} runs"
               f"{'; simulated ' + geo if geo else ''})" if cg.get("n1") else "") + ".")


def plot_misses(run):
    if not run.benchmarks and run.audit is None and run.cachegrind is None:
        raise Skip("no bench.json, cachegrind.json or audit.json in this run")
    panels, used, _tmax = misses_panels(run)
    ncols = 2
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = new_figure(run, "Per-operation cache, dTLB and remote-memory figures on the "
                           "paths where the schemes differ; each bar names its method",
                           width=13, height=3.6 * nrows + 2.0, nrows=nrows, ncols=ncols)
    flat = [a for row in axes for a in row]
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    for ax, p in zip(flat, panels):
        ax.set_gid(f"panel:{p['name']}")
        DRAWERS[p["kind"]](ax, p)
    notes = [settings_note(run, used) if used else "settings: no benchmarks in this run",
             _simulation_note(run), _contrast_note(run),
             "an absent figure is written 'not measured' with its reason; it is never drawn "
             "as zero."]
    if run.audit is not None:
        notes.append(f"machine NUMA nodes (audit.json): {run.audit.get('nodes', '?')}"
                     + (" - with one node no counter can be remote"
                        if run.audit.get("nodes") == 1 else ""))
    return finish(fig, notes, top_in=0.2)
