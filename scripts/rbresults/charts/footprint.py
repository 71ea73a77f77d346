"""Reference-count memory for N modules against NR_CPUS (footprint.json), with the seed
patch's two figures marked."""

import rbresults as rb
from rbresults.charts import style
from rbresults.charts.layout import Skip, finish, human_bytes, legend_right, log2_axis, new_figure

from matplotlib.ticker import FuncFormatter

CLAIMS = [  # the seed patch's two figures, for 2000 modules with 128-byte lines
    (4096, 1048576000, '"1GB" (NR_CPUS=4096, 128-byte lines): 1,048,576,000 bytes', "*"),
    (8, 2048000, '"about 2 Mbytes" (NR_CPUS=8): 2,048,000 bytes', "P"),
]


def _draw_schemes(ax, run, rows):
    """Each scheme's ref_bytes line and, when measured, its RSS growth. A scheme whose
    bytes lie on an earlier one's is drawn thinner and hollow over it, the earlier one wider
    under it, so both stay visible. Returns (NR_CPUS values drawn, whether RSS was drawn)."""
    order = run.order(r["scheme"] for r in rows)
    pts = {s: sorted((r for r in rows if r["scheme"] == s), key=lambda r: r["nr_cpus"])
           for s in order}
    over = style.lies_on({s: {r["nr_cpus"]: r["ref_bytes"] for r in pts[s]} for s in order},
                         rel=0.01)
    under = {o for o in over.values() if o}
    xs, rss_drawn = [], False
    for scheme in order:
        x = [r["nr_cpus"] for r in pts[scheme]]
        xs += x
        c = style.color(run, scheme)
        wide = scheme in under
        ax.plot(x, [r["ref_bytes"] for r in pts[scheme]], color=c,
                marker=style.marker(run, scheme), ms=8 if wide else 5,
                mfc="none" if over[scheme] else c, lw=4.0 if wide else 1.8,
                zorder=2 if wide else 3,
                label=f"{run.scheme_label(scheme)}: reference counts", gid=f"line:{scheme}")
        rss = [(r["nr_cpus"], r["rss_bytes"]) for r in pts[scheme]
               if rb.is_num(r.get("rss_bytes")) and r["rss_bytes"] > 0]
        if rss:
            rss_drawn = True
            ax.plot([p[0] for p in rss], [p[1] for p in rss], color=c, ls=":", lw=1.2,
                    marker=".", label=f"{scheme}: measured RSS growth", gid=f"rss:{scheme}")
    return xs, rss_drawn


def _draw_claims(ax):
    for x, y, text, mk in CLAIMS:
        ax.plot([x], [y], ls="none", marker=mk, ms=15, color="#ffd700", mec="black",
                mew=1.0, zorder=5, label=f"seed claim {text}", gid=f"claim:{y}")
        ax.annotate(f"seed: {text.split(' (')[0]} = {y:,} B", (x, y),
                    xytext=(-16, 0) if x > 64 else (12, -16), textcoords="offset points",
                    ha="right" if x > 64 else "left", va="center" if x > 64 else "baseline",
                    fontsize=8,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999",
                          "alpha": 0.9})


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
    xs, rss_drawn = _draw_schemes(ax, run, rows)
    _draw_claims(ax)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    log2_axis(ax, sorted(set(xs) | {c[0] for c in CLAIMS}))
    ax.yaxis.set_major_formatter(FuncFormatter(human_bytes))
    ax.set_xlabel("NR_CPUS (compile-time maximum CPUs; log scale)")
    ax.set_ylabel(f"bytes for {modules} modules (log scale)")
    legend_right(ax)
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
