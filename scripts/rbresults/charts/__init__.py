"""The charts of a refbench run: the one list of them, and one module per chart family.

CHARTS below is the only list: plots.py draws each chart in it (RUN_DIR/charts/NAME.png and
.svg, and the manifest charts/index.json) and report.py shows each in this order, with the
title and the caption given here. This module imports no plotting code, so the report can
read the list without matplotlib.

To add a chart: write plot_<what>(run) in a module of this folder (it takes a run, as
rbresults.load_run returns it, and returns a matplotlib Figure, or raises layout.Skip saying
what is missing), and add one Chart line to CHARTS naming that module and function.

  style.py       matplotlib set-up; each scheme's colour and marker from the run's scheme list
  layout.py      figure, footnote, axes, setting groups, grouped bars: what every chart shares
  throughput.py  hot get/put throughput against threads, with ideal scaling
  cost.py        the cost of one operation, every scenario
  footprint.py   reference-count memory against NR_CPUS, with the seed patch's figures
  read_cost.py   module_refcount() cost against NR_CPUS
  misses.py      per-op cache, dTLB and remote figures: the panels and the chart
  misses_draw.py drawing those panels
  spread.py      the spread scenario

A chart draws every scheme the run names, in the run's order, whether or not these scripts
have seen it before.
"""

from typing import NamedTuple

# The baseline every chart draws as the reference, in black (the hot chart's dotted line): the
# one whose entry in the run's scenario list claims "per-cpu-limit", the limit a per-CPU
# count can reach. A run whose list has no such baseline draws none as the reference.
REFERENCE_CLAIM = "per-cpu-limit"


def reference_baseline(run):
    """The run's reference baseline (the first that claims REFERENCE_CLAIM), or None."""
    for name in run.baselines():
        e = run.roles.get(name)
        if e is not None and REFERENCE_CLAIM in e.claims:
            return name
    return None


class Chart(NamedTuple):
    name: str        # the files' name (charts/NAME.png) and --only's
    title: str       # the report's heading
    module: str      # the module of this folder that draws it
    function: str    # its function: run -> matplotlib Figure
    caption: str     # the report's caption


CHARTS = [
    Chart("hot_throughput", "Hot get/put throughput vs threads", "throughput",
          "plot_hot_throughput",
          "Every thread does get/put on one module. Dashed lines: what each scheme would "
          "reach if it scaled linearly from its 1-thread figure; dotted black: the plain "
          "baseline."),
    Chart("ns_per_op", "Cost of one operation, every scenario", "cost", "plot_ns_per_op",
          "Median ns per get+put (or per read) with ±1 stddev error bars over the "
          "repetitions."),
    Chart("footprint", "Memory footprint vs NR_CPUS", "footprint", "plot_footprint",
          "Bytes of reference counts for 2000 modules as NR_CPUS grows, with the 2009 patch "
          "description's two figures marked."),
    Chart("read_cost", "module_refcount() cost vs NR_CPUS", "read_cost", "plot_read_cost",
          "Summing a module's count: what it walks follows from where a scheme keeps its "
          "counts (NR_CPUS slots in the module, one per possible CPU in per-CPU memory, or "
          "one shared word; see the schemes' ref storage in the report)."),
    Chart("misses", "Per-op cache, dTLB and remote figures", "misses", "plot_misses",
          "Cache misses per operation where the schemes differ (spread over the modules, and "
          "module_refcount() at NR_CPUS 4096), from hardware counters or the cachegrind "
          "simulation; the page-size contrast and the pages one module_refcount() walks as "
          "the dTLB stand-in; remote-node figures. Each bar names its method; missing figures "
          "are written as not measured."),
    Chart("spread", "Spread scenario", "spread", "plot_spread",
          "Get/put on modules picked per operation (uniform or zipf) - the cache-footprint "
          "case."),
]
