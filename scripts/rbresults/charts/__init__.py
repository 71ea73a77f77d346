"""The charts of a refbench run, one module per chart family (scripts/rbresults/plots.py draws them).

  style.py       matplotlib set-up; each scheme's colour and marker from the run's scheme list
  layout.py      figure, footnote, axes, setting groups, grouped bars: what every chart shares
  throughput.py  hot get/put throughput against threads, with ideal scaling
  cost.py        the cost of one operation, every scenario
  footprint.py   reference-count memory against NR_CPUS, with the seed patch's figures
  read_cost.py   module_refcount() cost against NR_CPUS
  misses.py      per-op cache, dTLB and remote figures: the panels and the chart
  misses_draw.py drawing those panels
  spread.py      the spread scenario

Each plot_* function takes a run (rbresults.load_run) and returns a matplotlib Figure, or
raises layout.Skip saying what is missing. A chart draws every scheme the run names, in the
run's order, whether or not these scripts have seen it before.
"""
