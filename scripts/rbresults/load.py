"""Read a run folder into the results model, checking every file on the way.

load_run(path) -> model.Run: context.json, bench.json (salvaged when an interrupted run cut
it short), the optional footprint/audit/cachegrind/perf files, the run's scenario list
(context.json's "scenarios": which names are controls and baselines, see scenarios.py) and
its scheme list (context.json's "schemes", then any other scheme the files name). Bad input raises
rbio.ResultsError with one line naming the file; warnings go to stderr and run.warnings.
"""

import re
from pathlib import Path

from rbresults import scenarios as rbscenarios
from rbresults import schemes as rbschemes
from rbresults.files import (JSON_FILES, OLDEST_FORMAT, ResultsError, check_format, is_num,
                             load_json, load_json_raw, report_nonfinite, salvage_gbench_json,
                             warn)
from rbresults.model import Run, aggregate_benchmarks


def _load_optional(run, name, required_keys, format_required=True):
    p = run.path / name
    if not p.is_file():
        run.absent[name] = f"no {name} in this run"
        return None
    doc = load_json(p, run.warnings)
    if not isinstance(doc, dict):
        raise ResultsError(f"{p}: expected a JSON object at the top level")
    if format_required or "refbench_format" in doc:
        check_format(doc, p)
    for k, kind in required_keys:
        if not isinstance(doc.get(k), kind):
            raise ResultsError(f"{p}: missing or malformed '{k}' "
                               f"(expected {getattr(kind, '__name__', 'number')})")
    return doc


def load_bench_file(path, run=None, salvage=False):
    """Read a Google Benchmark JSON file: returns (context dict, [Bench])."""
    sink = run.warnings if run is not None else None
    path = Path(path)
    if not path.is_file():
        raise ResultsError(f"{path}: no such file")
    try:
        doc, found = load_json_raw(path)
    except ResultsError as e:
        got = salvage_gbench_json(path) if salvage else None
        if got is None or not got[0]["benchmarks"]:
            raise
        doc, found = got
        warn(f"{path}: cut short ({str(e).split(': ', 1)[-1]}); "
             f"using the {len(doc['benchmarks'])} complete entries before the cut", sink)
    if isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list):
        found = _used_nonfinite(doc["benchmarks"], found)
    report_nonfinite(path, found, sink)
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise ResultsError(f"{path}: not Google Benchmark JSON (no 'benchmarks' list)")
    ctx = doc.get("context") if isinstance(doc.get("context"), dict) else {}
    if "refbench_format" in ctx:
        check_format(doc, path, ctx)
    return ctx, aggregate_benchmarks(doc["benchmarks"], path, sink)


def _used_nonfinite(entries, found):
    """Drop the NaN/Infinity found in aggregate entries that are recomputed from the
    repetitions anyway (a cv of a counter whose mean is 0 is NaN in every run)."""
    with_reps = {e.get("run_name", e.get("name")) for e in entries
                 if isinstance(e, dict) and e.get("run_type") != "aggregate"
                 and "aggregate_name" not in e}
    keep = []
    for where, token in found:
        m = re.match(r"benchmarks\[(\d+)\]", where)
        if m:
            e = entries[int(m.group(1))]
            if (isinstance(e, dict) and (e.get("run_type") == "aggregate"
                                         or "aggregate_name" in e)
                    and e.get("run_name", e.get("name")) in with_reps):
                continue
        keep.append((where, token))
    return keep


def _check_folder(p):
    if not p.exists():
        raise ResultsError(f"{p}: no such run folder")
    if not p.is_dir():
        raise ResultsError(f"{p}: not a folder (expected a run folder "
                           f"results/<host>/<YYYYmmddTHHMMSSZ>/)")
    try:
        entries = list(p.iterdir())
    except OSError as e:
        raise ResultsError(f"{p}: cannot list: {e.strerror}") from None
    if not entries:
        raise ResultsError(f"{p}: empty run folder (the run wrote nothing)")
    if not any((p / n).is_file() for n in JSON_FILES):
        raise ResultsError(f"{p}: holds none of {', '.join(JSON_FILES)}: not a refbench "
                           f"run folder")


def _load_context(run):
    cp = run.path / "context.json"
    if cp.is_file():
        ctx = load_json(cp, run.warnings)
        if not isinstance(ctx, dict):
            raise ResultsError(f"{cp}: expected a JSON object at the top level")
        check_format(ctx, cp)
        run.context = ctx
    elif run.complete:
        raise ResultsError(f"{cp}: missing: a complete run writes it (refbench "
                           f"--context-out); this folder predates refbench_format "
                           f"{OLDEST_FORMAT} or was not made by the run script")
    else:
        run.absent["context.json"] = "no context.json in this run"
        warn(f"{cp}: missing; titles fall back to bench.json's context", run.warnings)


def _load_bench(run):
    bp = run.path / "bench.json"
    if bp.is_file():
        run.gb_context, run.benchmarks = load_bench_file(bp, run, salvage=not run.complete)
        if not run.benchmarks:
            warn(f"{bp}: holds no benchmark results", run.warnings)
    elif run.complete:
        raise ResultsError(f"{bp}: missing from a complete run")
    else:
        run.absent["bench.json"] = "no bench.json in this run"
        warn(f"{bp}: missing; only the other files can be shown", run.warnings)


def _names_in_files(run):
    """[(scheme name, file)] in the order the run's files name them: bench.json first."""
    seen = [(b.scheme, "bench.json") for b in run.benchmarks]
    if run.footprint is not None:
        seen += [(r["scheme"], "footprint.json") for r in run.footprint["rows"]]
    if run.audit is not None:
        seen += [(e["scheme"], "audit.json") for e in run.audit["schemes"]]
    seen += [(f["scheme"], f["source"]) for f in run.figures()]
    if isinstance(run.perf, dict) and isinstance(run.perf.get("schemes"), dict):
        seen += [(name, "perf.json") for name in run.perf["schemes"]]
    return seen


def _scheme_list(run):
    """context.json's "schemes" in their order, then every other scheme the files name."""
    described = []
    if "schemes" in run.context:
        described = rbschemes.parse_schemes(run.context["schemes"],
                                            run.path / "context.json", run.baselines())
    # the controls and baselines the run's scenario list names are not schemes
    return rbschemes.run_schemes(described, _names_in_files(run), run.roles.not_schemes())


def load_run(path):
    """Read and check a run folder. Raises ResultsError on bad input; warnings go to stderr
    and into run.warnings."""
    run = Run(path)
    _check_folder(run.path)
    run.complete = (run.path / "COMPLETE").exists()
    if not run.complete:
        warn(f"{run.path}: no COMPLETE marker: the run was interrupted (or is still going); "
             f"showing what it holds", run.warnings)
    _load_context(run)
    _load_bench(run)
    run.footprint = _load_optional(run, "footprint.json", [("rows", list)])
    run.audit = _load_optional(run, "audit.json", [("schemes", list)])
    # written by scripts/cachegrind.py and scripts/perf_stat.py: refbench_format optional
    run.cachegrind = _load_optional(run, "cachegrind.json", [], format_required=False)
    run.perf = _load_optional(run, "perf.json", [], format_required=False)
    _check_footprint(run)
    _check_audit(run)
    run.roles = rbscenarios.of_context(run.context, run.path / "context.json")
    run.schemes = _scheme_list(run)  # validates the figures lists too
    return run


def _check_footprint(run):
    if run.footprint is None:
        return
    path = run.path / "footprint.json"
    for i, r in enumerate(run.footprint["rows"]):
        if not isinstance(r, dict) or not isinstance(r.get("scheme"), str):
            raise ResultsError(f"{path}: rows[{i}] needs a string 'scheme'")
        if not is_num(r.get("nr_cpus")) or r["nr_cpus"] <= 0:
            raise ResultsError(f"{path}: rows[{i}].nr_cpus {r.get('nr_cpus')!r} is not a "
                               f"positive number")


def _check_audit(run):
    if run.audit is None:
        return
    path = run.path / "audit.json"
    for i, s in enumerate(run.audit["schemes"]):
        if not isinstance(s, dict) or not isinstance(s.get("scheme"), str):
            raise ResultsError(f"{path}: schemes[{i}] needs a string 'scheme'")
