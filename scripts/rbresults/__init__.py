"""rbresults: everything that reads a refbench run folder. It reads results, it never measures.

`import rbresults as rb` gives one name for reading a run (rb.load_run, rb.Run, rb.fmt_num,
...); the work is done in:

  files.py       errors and warnings, JSON reading, refbench_format, finding run folders
  text.py        benchmark names taken apart; numbers and settings as text
  scenarios.py   the run's scenarios, controls and baselines: names, roles, labels, claims
  schemes.py     the run's scheme list (from its context.json), order, page-size pairs
  model.py       Run, Bench, Stats: the results model, selection, summaries
  load.py        load_run: a run folder read and checked into the model
  standins.py    stand-in figures: cachegrind, perf, page-size contrast, placement audit

The commands, each `scripts/pyrun -m rbresults.NAME ...` (`make plots`, `make report`, ...
call them):

  plots.py       the charts of a run (the charts themselves: charts/)
  report.py      the run's index.html (its sections: report_*.py)
  summary.py     what a run found, on one screen (summary.txt)
  compare.py     two runs against the machine's noise (noise.py: the model)
  calibrate.py   the machine's between-run noise, from runs of one build
  __main__.py    `-m rbresults`: a run's benchmarks with their medians, or the newest run

Parts of the report that are not commands: why.py (each claimed cause and its control),
correctness.py (the race and the handoff under-reads).
"""

# The names below are this package's one name for reading a run (rb.load_run, rb.fmt_num, ...).
from rbresults.files import (JSON_FILES, NEWEST_FORMAT, OLDEST_FORMAT, RUN_TS_RE, ResultsError,
                             check_format, default_results_dir, find_runs, format_version,
                             is_num, load_json, newest_run, prog_name, resolve_run_arg,
                             run_main, salvage_gbench_json, warn, write_text_atomic)
from rbresults.text import config_label, fmt_num, fmt_pct, parse_name
from rbresults.scenarios import ScenarioList, scenarios_of_binary
from rbresults.schemes import Scheme, schemes_of_binary
from rbresults.model import Bench, Run, Stats, aggregate, aggregate_benchmarks
from rbresults.load import load_bench_file, load_run
from rbresults.standins import (CONTRAST_PATHS, MIN_SIM_INSTRUCTIONS_PER_OP, audit_remote_share,
                                cachegrind_not_run_reason, page_size_contrast,
                                page_size_contrasts, path_benches, path_figures, path_label,
                                path_settings, pick_group, refcount_walks)

METHODS = ["hardware-counter", "software-event", "cachegrind-simulation",
           "page-size-contrast", "placement-audit"]

_is_num = is_num   # the name callers used before the split


def scheme_order_of_runs(runs):
    """Scheme names of several runs in one order: the first run's, then each later run's
    schemes it did not have, then the baselines. For tables that put runs side by side."""
    names, baselines = [], []
    for r in runs:
        names += [n for n in r.scheme_names() if n not in names]
        baselines += [b for b in r.baselines() if b not in baselines]
    return names + [b for b in baselines if b not in names]
