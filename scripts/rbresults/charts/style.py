"""How the charts look: matplotlib set-up, a colour and a marker for each scheme, method tags.

A scheme's colour is the palette entry at its position in the run's scheme list (context.json
order), so the same run draws the same colours in every chart and every process; a scheme
beyond the palette gets a colour derived from a CRC of its name, never from Python's hash()
(which is salted per process). The baselines take theirs the same way from the run's list of
baselines (context.json "scenarios"), the reference baseline (charts.reference_baseline) black.
"""

import colorsys
import zlib

from rbresults.charts import reference_baseline

import matplotlib
matplotlib.use("Agg")

matplotlib.rcParams.update({
    "svg.fonttype": "none",        # keep text as text in the SVG (searchable, selectable)
    "svg.hashsalt": "refbench",    # stable ids between runs
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
})

# tab10 and its light variants without the baselines' grey and purple
PALETTE = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#17becf", "#bcbd22", "#e377c2",
           "#8c564b", "#ff9896", "#ffbb78", "#98df8a", "#aec7e8", "#9edae5", "#dbdb8d",
           "#f7b6d2", "#c49c94"]
REFERENCE_COLOR = "#000000"
# the other baselines, in the order of the run's list
BASELINE_PALETTE = ["#8c8c8c", "#9467bd", "#5b3a29", "#7f7f7f", "#c5b0d5"]
MARKERS = ["o", "^", "s", "D", "v", "P", "X", "*"]

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
NOT_MEASURED = "#b00000"


def name_color(name):
    """A colour from a CRC-32 of the name: the same in every process and on every machine."""
    h = zlib.crc32(name.encode("utf-8"))
    r, g, b = colorsys.hls_to_rgb((h % 360) / 360.0, 0.42 + (h >> 9) % 16 / 100.0, 0.7)
    return "#%02x%02x%02x" % (round(r * 255), round(g * 255), round(b * 255))


def color(run, scheme):
    """The colour of a scheme (or baseline) in this run's charts."""
    if run.is_baseline(scheme):
        ref = reference_baseline(run)
        if scheme == ref:
            return REFERENCE_COLOR
        others = [b for b in run.baselines() if b != ref]
        i = others.index(scheme)
        return BASELINE_PALETTE[i] if i < len(BASELINE_PALETTE) else name_color(scheme)
    names = run.scheme_names()
    if scheme in names and names.index(scheme) < len(PALETTE):
        return PALETTE[names.index(scheme)]
    return name_color(scheme)


def marker(run, scheme):
    """One marker per way of keeping the counts (ref_storage), in the run's order; a scheme
    the run does not describe gets a marker of its own."""
    kinds = []
    for s in run.schemes:
        k = s.get("ref_storage") or ("scheme", s.name)
        if k not in kinds:
            kinds.append(k)
    s = run.scheme(scheme)
    if s is None:
        return "o"
    return MARKERS[kinds.index(s.get("ref_storage") or ("scheme", s.name)) % len(MARKERS)]


def lies_on(series, rel=0.15):
    """{name: the earlier series it is drawn over, or None} for series {name: {x: y}} in
    drawing order: over when at least half of their common x have y within rel."""
    out, drawn = {}, []
    for name, pts in series.items():
        out[name] = None
        for other in drawn:
            common = [x for x in pts if x in series[other]]
            close = [x for x in common if _close(pts[x], series[other][x], rel)]
            if common and 2 * len(close) >= len(common):
                out[name] = other
                break
        drawn.append(name)
    return out


def _close(a, b, rel):
    if a is None or b is None:
        return False
    return abs(a - b) <= rel * max(abs(a), abs(b)) if (a or b) else True
