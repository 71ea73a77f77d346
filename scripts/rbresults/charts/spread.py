"""The spread scenario: get/put on a module picked per operation, against the module count
(a curve per scheme and distribution) or, with one module count, bars per setting."""

import rbresults as rb
from rbresults import why
from rbresults.charts import style
from rbresults.charts.layout import (Skip, finish, grouped_bars, legend_right, maybe_log_y,
                                     new_figure, pick_variant, reps_note, settings_note,
                                     short_labels, stat, variants)

LINE_STYLES = ["-", "--", ":", "-."]


def _curves(ax, run, sp):
    """Cost against the module count, one line per scheme, distribution and page size (the
    two array variants differ in page size alone). Returns the notes of what is drawn."""
    sp, variant_note = pick_variant(run, sp, vary=("threads", "modules", "dist", "pages"))
    dists = sorted({str(b.params.get("dist", "")) for b in sp})
    tsel = min(b.threads for b in sp)
    sp = [b for b in sp if b.threads == tsel]
    ys = []
    page_sizes = sorted({str(b.params.get("pages", "")) for b in sp})
    for scheme in run.order(b.scheme for b in sp):
        for k, d in enumerate(dists):
            for pg in page_sizes:
                pts = sorted((b for b in sp if b.scheme == scheme
                              and str(b.params.get("dist", "")) == d
                              and str(b.params.get("pages", "")) == pg),
                             key=lambda b: b.params.get("modules", 0))
                if not pts:
                    continue
                y = [stat(b, "ns_per_op") for b in pts]
                ys += y
                name = run.scheme_label(scheme) + (f", {pg} pages" if pg else "")
                ax.errorbar([b.params["modules"] for b in pts], y,
                            yerr=[stat(b, "ns_per_op", "stddev") or 0.0 for b in pts],
                            color=style.color(run, scheme),
                            ls=LINE_STYLES[k % len(LINE_STYLES)],
                            marker=style.marker(run, scheme), ms=4, capsize=2,
                            mfc="none" if pg == "2m" and len(page_sizes) > 1 else None,
                            label=f"{name}, dist:{d}" if d else name,
                            gid=f"line:{scheme}:{d}" + (f":{pg}" if len(page_sizes) > 1 else ""))
    ax.set_xscale("log")
    maybe_log_y(ax, ys)
    ax.set_xlabel("modules (log scale)")
    return sp, [variant_note, f"threads:{tsel} drawn", _mark_tlb_reach(ax, run)]


def _mark_tlb_reach(ax, run):
    """Vertical marks where the TLB runs out, as pages of 4 KiB: the levels cpuid reported and
    the span the chase control measured. On 4 KiB module pages a spread operation of an
    array scheme touches about one page a module (its state word and this CPU's count lie
    within a few hundred bytes of each other), so N pages read as about N modules there."""
    reach = why.tlb_reach(run)
    notes = []
    rep = reach["reported"] or {}
    for lv in rep.get("levels") or []:
        if lv.get("pages") == "4k" and rb.is_num(lv.get("entries")):
            ax.axvline(lv["entries"], color="0.4", ls=":", lw=1,
                       gid=f"tlb:reported:L{lv.get('level')}")
            notes.append(f"L{lv.get('level')} {lv['entries']} entries")
    text = []
    if notes:
        text.append(f"dotted: 4 KiB TLB entries cpuid reports ({', '.join(notes)})")
    elif rep.get("reason"):
        text.append(f"no TLB geometry reported: {rep['reason']}")
    if reach["between"]:
        a, b = reach["between"]
        ax.axvspan(a, b, color="0.85", zorder=0, gid="tlb:measured")
        text.append(f"grey band: the reach measured by the chase control, {a}-{b} pages of "
                    f"4 KiB (about as many modules of an array scheme on 4 KiB pages)")
    elif reach["spans"]:
        text.append("the chase control found no span past which 4 KiB pages always cost more")
    return "; ".join(text) if text else None


def plot_spread(run):
    sp = [b for b in run.select("spread") if "ns_per_op" in b.stats]
    if not sp:
        raise Skip("no spread-scenario benchmark with ns_per_op in bench.json")
    modules = sorted({b.params.get("modules") for b in sp if rb.is_num(b.params.get("modules"))})
    if len(modules) > 1:
        fig, axes = new_figure(run, "Spread get/put cost vs number of modules "
                               "(lower is better)")
        ax = axes[0][0]
        sp, notes_extra = _curves(ax, run, sp)
    else:
        fig, axes = new_figure(run, "Spread get/put cost per scheme and module-choice "
                               "distribution (lower is better)")
        ax = axes[0][0]
        groups = variants(run, sp)
        configs = list(groups)
        grouped_bars(ax, run, groups, configs, "bars:spread")
        labels, common = short_labels(configs)
        ax.set_xticklabels(labels)
        ax.set_xlabel(f"setting ({common})" if common else "setting")
        notes_extra = [f"only modules={modules[0] if modules else '?'} in this run: one bar "
                       f"per scheme and setting instead of a curve over module counts."]
    ax.set_ylabel("ns per op (get+put on a module picked per op)")
    legend_right(ax)
    notes = [settings_note(run, sp),
             f"median over repetitions ({reps_note(sp, 'ns_per_op')}); error bars: ±1 "
             f"standard deviation over the repetitions."] + [n for n in notes_extra if n]
    return finish(fig, notes)
