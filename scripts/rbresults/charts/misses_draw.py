"""Drawing the panels of the per-op misses chart (charts/misses.py builds them): bars per
scheme and source, the page-size contrast, the table of pages one module_refcount() walks.
Every absent figure is written "not measured" with its reason, never drawn as zero."""

import textwrap

import rbresults as rb
from rbresults.charts.style import METHOD_COLORS, NOT_MEASURED

from matplotlib.patches import Patch


def join_reasons(why):
    """[(scheme or None, reason)] -> 'a, b: reason; other reason' (schemes sharing a reason
    are named once)."""
    by = {}
    for scheme, r in why:
        by.setdefault(r, [])
        if scheme and scheme not in by[r]:
            by[r].append(scheme)
    return "; ".join((f"{', '.join(s)}: {r}" if s else r) for r, s in by.items())


def _not_measured_middle(ax, text, width):
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap("not measured: " + text, width)),
            transform=ax.transAxes, ha="center", va="center", fontsize=8,
            color=NOT_MEASURED, gid="not-measured")


def _bar(ax, x, v, width, src, gid, top, crowded):
    """One figure's bar with its value and method tag above it."""
    ax.bar([x], [v], width * 0.9, color=src["color"], edgecolor="#333333", linewidth=0.4,
           gid=f"bar:{gid}")
    if v == 0:
        ax.plot([x - width * 0.45, x + width * 0.45], [0, 0], color=src["color"], lw=3)
    if crowded:      # three or more bars a scheme: labels stand upright
        ax.text(x, v + top * 0.02, f"{rb.fmt_num(v)} {src['tag']}", ha="center",
                va="bottom", fontsize=6.5, rotation=90, gid=f"label:{gid}")
    else:
        ax.text(x, v + top * 0.02, f"{rb.fmt_num(v)}\n{src['tag']}", ha="center",
                va="bottom", fontsize=6.5, gid=f"label:{gid}")


def draw_scheme_bars(ax, panel):
    """Grouped bars: x = each scheme of the run, one bar per source with values; 'not
    measured' where a source has no value for a scheme; a panel without any value says why
    in its middle."""
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
        # No figure at all: a sentence in place of an empty frame and axes.
        ax.axis("off")
        _not_measured_middle(ax, join_reasons(empty_why) or "no source", 75)
        return
    width = 0.8 / len(drawn)
    crowded = len(drawn) >= 3
    share = panel.get("share", False)
    top = 1.0 if share else (max(v for s in drawn for v in s["vals"].values()) or 1.0)
    partial_why = []
    for j, src in enumerate(drawn):
        for i, scheme in enumerate(schemes):
            x = i - 0.4 + width * (j + 0.5)
            if scheme in src["vals"]:
                _bar(ax, x, src["vals"][scheme], width, src,
                     f"{src['method']}:{src['key']}:{scheme}", top, crowded)
            else:
                ax.text(x, top * 0.02, "not\nmeasured", ha="center", va="bottom",
                        fontsize=6.5, color=NOT_MEASURED, gid="not-measured")
        partial_why += src["why"]
    handles = [Patch(facecolor=s["color"], edgecolor="#333333", linewidth=0.4,
                     label=f"{s['tag']} = {s['label']}") for s in drawn]
    notes = partial_why + empty_why
    if notes:
        handles.append(Patch(facecolor="none", edgecolor="none", label="\n".join(
            textwrap.wrap("not measured: " + join_reasons(notes), 80))))
    # room above the tallest bar and its label for the legend
    lines = sum(h.get_label().count("\n") + 1 for h in handles)
    ax.set_ylim(0, top * ((1.3 if share else 1.35) + 0.11 * lines + (0.3 if crowded else 0)))
    leg = ax.legend(handles=handles, loc="upper left", fontsize=6.5)
    if notes:
        leg.get_texts()[-1].set_color(NOT_MEASURED)


def _contrast_axis(sub, r, gid, color):
    """One path's contrast: a bar with ± the spread of the difference, the two medians
    under it; or why it was not measured."""
    title = "\n".join(textwrap.wrap(r["path"]["title"], 30))
    if r["value"] is None:
        sub.set_xticklabels([title], fontsize=7)
        sub.text(0, 0.5, "\n".join(textwrap.wrap("not measured: " + r["reason"], 34)),
                 transform=sub.get_yaxis_transform(), ha="center", va="center",
                 fontsize=7, color=NOT_MEASURED, gid="not-measured")
        sub.set_yticks([])
        return
    v, sd = r["value"], r["stddev"]
    if sd is not None and abs(v) <= sd:
        # The spread covers zero: no result to draw as a bar.
        sub.set_xticklabels([f"{title}\n{r['minuend_scheme']} {rb.fmt_num(r['minuend'])} ns\n"
                             f"- {r['subtrahend_scheme']} {rb.fmt_num(r['subtrahend'])} ns"],
                            fontsize=7)
        sub.text(0, 0.5, "\n".join(textwrap.wrap(
            f"not resolved on this machine: {rb.fmt_num(v)} ± {rb.fmt_num(sd)} ns, a "
            f"spread that covers zero", 30)),
            transform=sub.get_yaxis_transform(), ha="center", va="center", fontsize=7,
            color="#5a5a5a", gid="not-resolved")
        sub.set_yticks([])
        return
    sub.bar([0], [v], 0.6, color=color, edgecolor="#333333", linewidth=0.4,
            yerr=[sd] if sd is not None else None, capsize=4,
            error_kw={"elinewidth": 1.0, "ecolor": "#222222"}, gid=f"bar:{gid}")
    hi, lo = max(0.0, v + (sd or 0)), min(0.0, v - (sd or 0))
    rng = (hi - lo) or abs(v) or 1.0
    if v >= 0:
        sub.set_ylim(lo - rng * 0.05, hi + rng * 0.45)
    else:
        sub.set_ylim(lo - rng * 0.45, hi + rng * 0.08)
    sign = "+" if v >= 0 else ""
    sdt = f"\n± {rb.fmt_num(sd)}" if sd is not None else ""
    y, va = (hi + rng * 0.04, "bottom") if v >= 0 else (lo - rng * 0.04, "top")
    sub.text(0, y, f"{sign}{rb.fmt_num(v)} ns{sdt}\npages", ha="center", va=va, fontsize=7,
             gid=f"label:{gid}")
    sub.set_xticklabels([f"{title}\n{r['minuend_scheme']} {rb.fmt_num(r['minuend'])} ns\n"
                         f"- {r['subtrahend_scheme']} {rb.fmt_num(r['subtrahend'])} ns"],
                        fontsize=7)
    sub.tick_params(axis="y", labelsize=7)


def contrast_gid(r, rows):
    """'page-size-contrast:read', with the pair when the run has more than one."""
    pairs = {x["pair"] for x in rows if x["pair"]}
    tail = f":{r['pair'][0]}-{r['pair'][1]}" if len(pairs) > 1 else ""
    return f"page-size-contrast:{r['path']['scenario']}{tail}"


def draw_contrast(ax, panel):
    """Page-size contrast: one small axis per pair and path (their magnitudes differ by
    orders), and a key with the notes."""
    rows = panel["rows"]
    fig = ax.figure
    ax.set_title(panel["title"], loc="left", fontsize=9.5)
    ax.axis("off")
    c = METHOD_COLORS["page-size-contrast"]
    gs = ax.get_subplotspec().subgridspec(1, len(rows) + 1, wspace=0.55,
                                          width_ratios=[1.0] * len(rows) + [1.25])
    for i, r in enumerate(rows):
        sub = fig.add_subplot(gs[0, i])
        gid = contrast_gid(r, rows)
        sub.set_gid("panel:dtlb:contrast:" + gid.split(":", 1)[1])
        sub.grid(axis="x", visible=False)
        sub.set_xticks([0])
        sub.set_xlim(-0.8, 0.8)
        sub.axhline(0, color="#333333", lw=0.8)
        sub.set_ylabel(panel["unit"] if i == 0 else "ns per op", fontsize=8)
        _contrast_axis(sub, r, gid, c)
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
        t.set_color(NOT_MEASURED)


def draw_walk_table(ax, panel):
    """audit.json's module_refcount() walk per scheme: counters, lines, pages."""
    ax.set_title(panel["title"], loc="left", fontsize=9.5)
    ax.axis("off")
    walks = panel["walks"]
    if not walks:
        _not_measured_middle(ax, panel["why"], 70)
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


DRAWERS = {"bars": draw_scheme_bars, "contrast": draw_contrast, "walk": draw_walk_table}
