"""module_refcount() cost against NR_CPUS, idle and while other threads get/put."""

import rbresults as rb
from rbresults.charts import style
from rbresults.charts.layout import (Skip, finish, legend_right, log2_axis, maybe_log_y,
                                     new_figure, pick_variant, reps_note, settings_note, stat)

LOAD_STYLES = {"idle": ("-", "o"), "busy": ("--", "s")}


def _fewest_threads(reads):
    """Per load, the benchmarks at its fewest threads (load:busy needs a second thread doing
    get/put). Returns (benchmarks, note or None)."""
    tmin = {}
    for b in reads:
        ld = str(b.params.get("load", ""))
        tmin[ld] = min(tmin.get(ld, b.threads), b.threads)
    note = None
    if any(len({b.threads for b in reads if str(b.params.get("load", "")) == ld}) > 1
           for ld in tmin):
        note = (", ".join(f"load:{ld} at threads:{t}" if ld else f"threads:{t}"
                          for ld, t in sorted(tmin.items())) + " drawn (other thread "
                "counts are in the tables)")
    return [b for b in reads if b.threads == tmin[str(b.params.get("load", ""))]], note


def _draw(ax, run, reads):
    """A line per scheme and load; a line lying on an earlier one (the two NR_CPUS arrays)
    has hollow markers. Returns (x values, y values)."""
    loads = sorted({str(b.params.get("load", "")) for b in reads},
                   key=lambda v: (v != "idle", v))
    series = {}
    for scheme in run.order(b.scheme for b in reads):
        for load in loads:
            pts = sorted((b for b in reads if b.scheme == scheme
                          and str(b.params.get("load", "")) == load),
                         key=lambda b: b.params["nr_cpus"])
            if pts:
                series[(scheme, load)] = pts
    over = {}
    for load in loads:
        over.update(style.lies_on({k: {b.params["nr_cpus"]: stat(b, "ns_per_op") for b in pts}
                                   for k, pts in series.items() if k[1] == load}))
    xs, ys = [], []
    for (scheme, load), pts in series.items():
        x = [b.params["nr_cpus"] for b in pts]
        y = [stat(b, "ns_per_op") for b in pts]
        ls, mk = LOAD_STYLES.get(load, (":", "^"))
        c = style.color(run, scheme)
        ax.errorbar(x, y, yerr=[stat(b, "ns_per_op", "stddev") or 0.0 for b in pts], color=c,
                    ls=ls, marker=mk, ms=5, mfc="none" if over[(scheme, load)] else c,
                    capsize=2, lw=1.6,
                    label=(f"{run.scheme_label(scheme)}, load:{load}, threads:{pts[0].threads}"
                           if load else run.scheme_label(scheme)),
                    gid=f"line:{scheme}:{load}")
        xs += x
        ys += y
    return xs, ys


def plot_read_cost(run):
    reads = [b for b in run.select("read") if "ns_per_op" in b.stats
             and rb.is_num(b.params.get("nr_cpus"))]
    if not reads:
        raise Skip("no read-scenario benchmark with nr_cpus and ns_per_op in bench.json")
    reads, note_t = _fewest_threads(reads)
    reads, variant_note = pick_variant(run, reads, vary=("threads", "nr_cpus", "load"))
    fig, axes = new_figure(run, "module_refcount() cost vs NR_CPUS (lower is better)")
    ax = axes[0][0]
    xs, ys = _draw(ax, run, reads)
    log2_axis(ax, xs)
    maybe_log_y(ax, ys)
    ax.set_xlabel("NR_CPUS (compile-time maximum CPUs; log scale)")
    ax.set_ylabel("module_refcount() cost (ns per call)")
    legend_right(ax)
    notes = [settings_note(run, reads),
             f"points: median over repetitions ({reps_note(reads, 'ns_per_op')}); error "
             f"bars: ±1 standard deviation. solid: load:idle, dashed: load:busy "
             f"(other threads doing get/put while the count is read)."]
    notes += [n for n in (note_t, variant_note) if n]
    return finish(fig, notes)
