"""Hot get/put throughput against the thread count, with each scheme's ideal scaling."""

from rbresults.charts import reference_baseline, style
from rbresults.charts.layout import (Skip, finish, log2_axis, maybe_log_y, new_figure,
                                     pick_variant, reps_note, settings_note, stat)

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D


def _reference(run):
    """The reference baseline, when the run's list has one (charts.reference_baseline)."""
    return reference_baseline(run)


def _draw_scheme(ax, run, scheme, pts, threads_all):
    """A scheme's curve and, from its 1-thread point, its ideal line (the reference
    baseline: its curve, dotted). Returns (values drawn, whether the ideal line could be
    drawn)."""
    x = [b.threads for b in pts]
    y = [stat(b, "ops_per_sec") for b in pts]
    err = [stat(b, "ops_per_sec", "stddev") or 0.0 for b in pts]
    if scheme == _reference(run):
        label = run.roles.label(scheme)
        ax.errorbar(x, y, yerr=err, color=style.color(run, scheme), lw=2.4, ls=":",
                    marker="s", ms=5, capsize=3,
                    label=f"{scheme} (baseline: {label})" if label else f"{scheme} (baseline)",
                    gid=f"line:{scheme}", zorder=4)
        return y, True
    c = style.color(run, scheme)
    ax.errorbar(x, y, yerr=err, color=c, lw=1.8, marker=style.marker(run, scheme), ms=5,
                capsize=3, label=run.scheme_label(scheme), gid=f"line:{scheme}", zorder=3)
    one = [b for b in pts if b.threads == 1]
    if not one:
        return y, False
    ideal = [stat(one[0], "ops_per_sec") * t for t in threads_all]
    ax.plot(threads_all, ideal, color=c, lw=1.0, ls="--", alpha=0.75,
            label=f"_ideal {scheme}", gid=f"ideal:{scheme}")
    return y + ideal, True


def plot_hot_throughput(run):
    hot = [b for b in run.select("hot") if "ops_per_sec" in b.stats]
    if not hot:
        raise Skip("no hot-scenario benchmark with an ops_per_sec counter in bench.json")
    hot, variant_note = pick_variant(run, hot)
    fig, axes = new_figure(run, "Hot get/put throughput vs threads (higher is better)")
    ax = axes[0][0]
    threads_all = sorted({b.threads for b in hot})
    ys, drawn, no_ideal = [], [], []
    schemes = set(run.scheme_names())
    reference = _reference(run)
    for scheme in [s for s in run.order(b.scheme for b in hot)
                   if s in schemes or s == reference]:
        pts = sorted((b for b in hot if b.scheme == scheme), key=lambda b: b.threads)
        y, ideal = _draw_scheme(ax, run, scheme, pts, threads_all)
        ys += y
        if scheme != reference:
            drawn.append(scheme)
            if not ideal:
                no_ideal.append(scheme)
    if not drawn:
        plt.close(fig)
        raise Skip("no refcount scheme among the hot benchmarks")
    if len(threads_all) > 1 and max(threads_all) >= 8:
        log2_axis(ax, threads_all)
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
             f"error bars: ±1 standard deviation over the repetitions."]
    others = [b for b in run.baselines() if b != reference and any(x.scheme == b for x in hot)]
    if others:
        names = ", ".join(others[:-1]) + (" and " if len(others) > 1 else "") + others[-1]
        notes.append(f"{names} baseline{'s are' if len(others) > 1 else ' is'} in the tables, "
                     f"not drawn here.")
    if variant_note:
        notes.append(variant_note)
    if no_ideal:
        notes.append(f"no 1-thread figure, so no ideal line, for: {', '.join(no_ideal)}")
    return finish(fig, notes)
