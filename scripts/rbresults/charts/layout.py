"""What every chart shares: the figure and its footnote, axes, notes on settings and
repetitions, the choice of one setting group to draw, and grouped bars per scheme."""

import textwrap

import rbresults as rb
from rbresults.charts import style

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter


class Skip(Exception):
    """The chart's data is absent; str(e) says what is missing."""


# ------------------------------------------------------------------------------ figure

def new_figure(run, title, width=10.5, height=6.0, nrows=1, ncols=1, **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)
    emu = "EMULATED (QEMU, software): timings not comparable; " if run.emulated else ""
    fig.suptitle(f"{title}\n{emu}{run.host}, {run.date}", fontsize=11)
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


def legend_right(ax, **kw):
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **kw)


# ------------------------------------------------------------------------------- notes

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


# -------------------------------------------------------------------------------- axes

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


# ------------------------------------------------------------------- setting groups

def stat(b, counter, what="median"):
    return b.get(counter, what) if b is not None else None


def _agrees(b, key_items, vary):
    """A benchmark that lacks some settings (the baselines carry no nr_cpus/line) agrees
    with a setting group when every setting it has matches."""
    d = dict(key_items)
    return all(d.get(k) == str(v) for k, v in b.params.items() if k not in vary)


# A benchmark's setting that a scheme declares as its own (the name's pages:, the scheme's
# module_pages): schemes that differ there differ by design, not by the run's settings.
OWN_SETTINGS = {"pages": "module_pages"}
OWN = "each scheme's own"


def _own(run, b, k, v):
    """A setting's value in a group key: OWN where it is the scheme's own declared one."""
    field = OWN_SETTINGS.get(k)
    s = run.scheme(b.scheme) if field else None
    if s is not None and s.get(field) is not None and str(s.get(field)) == str(v):
        return OWN
    return str(v)


def pick_variant(run, benches, vary=("threads",)):
    """Benchmarks of the one setting group (other than `vary`) to draw: the run's own
    nr_cpus/line when present, then codegen:kernel, else the largest group. Baselines, whose names carry fewer
    settings, join the group they agree with. A scheme's own page size (its module_pages)
    is one value for all: nrcpus-array on 2 MiB pages and percpu on 4 KiB are one group.
    Returns (benches, note or None)."""
    full = [b for b in benches if not run.is_baseline(b.scheme)] or benches
    groups = {}
    for b in full:
        key = tuple(sorted((k, _own(run, b, k, v)) for k, v in b.params.items()
                           if k not in vary))
        groups.setdefault(key, []).append(b)
    if not groups:
        return benches, None
    want = {k: str(run.setting(k)) for k in ("nr_cpus", "line") if run.setting(k) is not None}

    def score(item):
        # the run's settings first, then the kernel's own call structure (codegen:kernel,
        # the lab's headline; inline and plain are its controls), then the largest group
        key, bs = item
        d = dict(key)
        return (sum(1 for k, v in want.items() if d.get(k) == v),
                d.get("codegen") == "kernel", len(bs))
    key, members = max(groups.items(), key=score)
    ids = {id(b) for b in members}
    chosen = [b for b in benches if id(b) in ids
              or (run.is_baseline(b.scheme) and _agrees(b, key, vary))]
    if len(groups) <= 1:
        return chosen, None
    shown = " ".join(f"{k}:{v}" for k, v in key)
    return chosen, f"shown: {shown} ({len(groups) - 1} other setting group(s) in the tables)"


def variants(run, benches):
    """{config label: [benches]} in first-seen order. A baseline (of the run's list) whose
    name carries fewer settings than the schemes' joins every group it agrees with (same
    threads)."""
    out = {}
    full = [b for b in benches if not run.is_baseline(b.scheme)] or benches
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


def short_labels(configs):
    """Drop the key:value items common to every config; return (labels, common)."""
    split = [c.split() for c in configs]
    common = [t for t in split[0] if all(t in s for s in split)] if split else []
    labels = [" ".join(t for t in s if t not in common) or "(single setting)" for s in split]
    return labels, " ".join(common)


# ------------------------------------------------------------------------ grouped bars

def grouped_bars(ax, run, groups, configs, gid_prefix, counter="ns_per_op"):
    """One group of bars per config, one bar per scheme (in the run's order) with ±1
    standard deviation; a scheme the run does not describe is drawn like any other.
    groups: {config: [benches]}. Returns the values drawn."""
    benches = [b for c in configs for b in groups[c]]
    schemes = run.order(b.scheme for b in benches)
    width = 0.8 / max(len(schemes), 1)
    vals = []
    for j, scheme in enumerate(schemes):
        xs, ys, es = [], [], []
        for i, c in enumerate(configs):
            b = next((b for b in groups[c] if b.scheme == scheme), None)
            if b is None:
                continue
            xs.append(i - 0.4 + width * (j + 0.5))
            ys.append(stat(b, counter))
            sd = stat(b, counter, "stddev")
            es.append(sd if sd is not None else 0.0)
        if xs:
            ax.bar(xs, ys, width * 0.92, yerr=es, capsize=2, color=style.color(run, scheme),
                   label=run.scheme_label(scheme), gid=f"{gid_prefix}:{scheme}",
                   error_kw={"elinewidth": 0.9, "ecolor": "#222222"})
            vals += ys
    ax.set_xticks(range(len(configs)))
    ax.grid(axis="x", visible=False)
    return vals
