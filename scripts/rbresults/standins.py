"""Stand-in figures: what a run says about caches, TLBs and NUMA where no hardware counts them.

A FIGURE is one stand-in measurement with its method:
  {"scheme": "percpu", "metric": "cache_misses_per_op", "value": 0.002 | null,
   "method": "cachegrind-simulation", "scenario": "hot", "threads": 1,
   "detail": "how it was obtained", "reason": "why it is null"}
read from cachegrind.json (scripts/cachegrind.py) and perf.json (scripts/perf_stat.py).

The page-size contrast is computed here from bench.json: for each pair of schemes that run the
same code on 4 KiB and on 2 MiB module pages (rbschemes.page_size_pairs, from the schemes'
descriptions), the 4 KiB one minus the 2 MiB one. The placement audit (audit.json) gives the
share of CPUs whose counter is on another node and the pages one module_refcount() walks.

Functions take a run as model.Run shapes it (benchmarks, audit, cachegrind, perf, ...).
"""

import math

from rbresults.files import ResultsError, is_num
from rbresults.text import config_label, parse_name

# An operation (get+put, or one module_refcount()) executes at least a few instructions; a
# cachegrind difference below this per op means the timed loop did not run in the simulation.
MIN_SIM_INSTRUCTIONS_PER_OP = 1.0

# The paths where the schemes' memory behaviour differs, for the per-op misses chart and the
# page-size contrast: spread (get/put on modules picked uniformly) and module_refcount() at
# NR_CPUS 4096 (the arrays walk 4096 slots). Threads 1: cachegrind simulates one thread.
CONTRAST_PATHS = [
    {"scenario": "spread", "params": {"dist": "uniform"}, "threads": 1,
     "title": "spread, uniform over the modules"},
    {"scenario": "read", "params": {"nr_cpus": 4096, "load": "idle"}, "threads": 1,
     "title": "read: module_refcount() at NR_CPUS 4096"},
]


# ------------------------------------------------------------------------ figures of a run

def cachegrind_not_run_reason(entry, n1=None, n2=None):
    """Why a cachegrind.json benchmark entry did not measure its benchmark, or None.

    The differential method needs the timed loop to run in both simulated processes. When it
    did not (the filter matched no benchmark, or the benchmark stopped with an error under
    valgrind), only start-up noise is left: under one instruction per operation."""
    per_op = entry.get("per_op") if isinstance(entry.get("per_op"), dict) else {}
    f = per_op.get("instructions_per_op")
    v = f.get("value") if isinstance(f, dict) else f
    ops = entry.get("ops") if isinstance(entry.get("ops"), dict) else {}
    if is_num(ops.get("n1")) and is_num(ops.get("n2")):
        n1, n2 = ops["n1"], ops["n2"]      # the operations the benchmark reported
    if not is_num(v):
        tot = entry.get("totals") if isinstance(entry.get("totals"), dict) else {}
        a, b = (tot.get("n1") or {}), (tot.get("n2") or {})
        if (is_num(n1) and is_num(n2) and n2 > n1 and isinstance(a, dict)
                and isinstance(b, dict) and is_num(a.get("Ir")) and is_num(b.get("Ir"))):
            v = (b["Ir"] - a["Ir"]) / (n2 - n1)
    if is_num(v) and v < MIN_SIM_INSTRUCTIONS_PER_OP:
        return ("the simulated runs did not run the benchmark: under 1 instruction per op "
                "(the benchmark filter matched nothing, or the benchmark stopped with an "
                "error under valgrind)")
    return None


def _cachegrind_benchmark_figures(run, cg):
    """The per_op figures of cachegrind.json's "benchmarks" list."""
    out = []
    n1, n2 = cg.get("n1"), cg.get("n2")
    how = (f"cachegrind, difference of --iterations={n2} and {n1} runs"
           if n1 and n2 else "cachegrind simulation")
    for i, b in enumerate(cg["benchmarks"]):
        if not (isinstance(b, dict) and isinstance(b.get("scheme"), str)
                and isinstance(b.get("per_op"), dict)):
            raise ResultsError(f"{run.path / 'cachegrind.json'}: benchmarks[{i}] "
                               f"needs a string 'scheme' and a 'per_op' object")
        name = b.get("name") if isinstance(b.get("name"), str) else ""
        params = parse_name(name)["params"] if name else {}
        not_run = cachegrind_not_run_reason(b, n1, n2)
        for metric, f in b["per_op"].items():
            f = f if isinstance(f, dict) else {"value": f}
            v = f.get("value")
            if not is_num(v):
                v = None
            g = {"scheme": b["scheme"], "metric": metric, "value": v,
                 "method": f.get("method") or cg.get("method") or "cachegrind-simulation",
                 "source": "cachegrind.json", "scenario": b.get("scenario"),
                 "threads": b.get("threads"), "name": name, "params": params,
                 "detail": f"{how}: {name}".rstrip(": "), "reason": f.get("reason")}
            if not_run and v is not None:
                g.update(value=None, raw_value=v, reason=not_run)
            out.append(g)
    return out


def _listed_figures(run, fname, figs):
    """A "figures" list of cachegrind.json or perf.json (any method)."""
    if not isinstance(figs, list):
        raise ResultsError(f"{run.path / fname}: 'figures' is not a list")
    out = []
    for i, f in enumerate(figs):
        if not (isinstance(f, dict) and isinstance(f.get("scheme"), str)
                and isinstance(f.get("metric"), str)):
            raise ResultsError(f"{run.path / fname}: figures[{i}] needs string "
                               f"'scheme' and 'metric' fields")
        v = f.get("value")
        if v is not None and not is_num(v):
            raise ResultsError(f"{run.path / fname}: figures[{i}].value {v!r} is "
                               f"not a number or null")
        g = dict(f)
        g["source"] = fname
        g.setdefault("method", "unspecified")
        if not isinstance(g.get("params"), dict):
            g["params"] = (parse_name(g["name"])["params"]
                           if isinstance(g.get("name"), str) else {})
        out.append(g)
    return out


def run_figures(run):
    """Stand-in figures, one dict each: {"scheme", "metric", "value" (None: not measured),
    "method", "source" (file), "scenario", "threads", "name", "params" (the benchmark's
    key:value settings), "detail", "reason"}.

    Read from cachegrind.json's "benchmarks"[].per_op (scripts/cachegrind.py) and from a
    "figures" list in cachegrind.json or perf.json (any method). A cachegrind entry whose
    simulated runs did not run the benchmark (see cachegrind_not_run_reason) gives no
    value: its figures keep the number as "raw_value" and say why in "reason"."""
    out = []
    cg = run.cachegrind
    if isinstance(cg, dict) and isinstance(cg.get("benchmarks"), list):
        out += _cachegrind_benchmark_figures(run, cg)
    for fname, doc in (("cachegrind.json", run.cachegrind), ("perf.json", run.perf)):
        if isinstance(doc, dict) and "figures" in doc:
            out += _listed_figures(run, fname, doc["figures"])
    return out


# --------------------------------------------------------------------------- paths

def _setting_score(run, params):
    want = {k: run.setting(k) for k in ("nr_cpus", "line", "modules")}
    return sum(1 for k, v in want.items() if v is not None and str(params.get(k)) == str(v))


def pick_group(run, items, params_of, vary=()):
    """Items of the one setting group (params minus `vary`) that agrees most with the run's
    own nr_cpus/line/modules, then the largest group; first-seen order kept."""
    groups = {}
    for it in items:
        p = params_of(it)
        key = tuple(sorted((k, str(v)) for k, v in p.items() if k not in vary))
        groups.setdefault(key, []).append(it)
    if len(groups) <= 1:
        return list(items)
    best = max(groups.items(), key=lambda kv: (_setting_score(run, dict(kv[0])), len(kv[1])))
    keep = {id(x) for x in best[1]}
    return [it for it in items if id(it) in keep]


def _on_path(scenario, params, threads, path):
    if scenario != path["scenario"]:
        return False
    if path.get("threads") is not None and threads is not None and threads != path["threads"]:
        return False
    return all(str(params.get(k)) == str(v) for k, v in path["params"].items())


def path_benches(run, path, schemes=None):
    """{scheme: Bench} of bench.json on a CONTRAST_PATHS path, one setting group."""
    bs = [b for b in run.benchmarks if _on_path(b.scenario, b.params, b.threads, path)
          and (schemes is None or b.scheme in schemes)]
    bs = pick_group(run, bs, lambda b: b.params)
    out = {}
    for b in bs:
        out.setdefault(b.scheme, b)
    return out


def path_figures(run, path, metric, figures=None):
    """Stand-in figures of one metric on a path (cachegrind.json's benchmarks carry their
    name and so their settings), one setting group."""
    figs = [f for f in (run.figures() if figures is None else figures)
            if f["metric"] == metric
            and _on_path(f.get("scenario"), f.get("params") or {}, f.get("threads"), path)]
    return pick_group(run, figs, lambda f: f.get("params") or {})


def path_label(path, bench=None):
    """'spread dist:uniform threads:1' or, with a benchmark, its full setting."""
    if bench is not None:
        return f"{bench.scenario} {bench.config}"
    items = " ".join(f"{k}:{v}" for k, v in path["params"].items())
    t = f" threads:{path['threads']}" if path.get("threads") is not None else ""
    return f"{path['scenario']} {items}{t}"


def path_settings(path, benches, figs):
    """'modules:2000 dist:uniform nr_cpus:64 line:128 threads:1' of what is shown on a path:
    its benchmarks' settings, else its figures', else the path's own."""
    for b in benches.values():
        return b.config
    for f in figs:
        return config_label(dict(f.get("params") or {}), f.get("threads"))
    return path_label(path).split(" ", 1)[1]


# ----------------------------------------------------------------------- placement audit

def audit_remote_share(entry):
    """remote_share of an audit.json scheme entry; computed from its cpus when absent.
    None when the placement could not be read (counter_node null or negative)."""
    v = entry.get("remote_share")
    if is_num(v):
        return float(v)
    cpus = [c for c in entry.get("cpus", []) if isinstance(c, dict)
            and is_num(c.get("cpu_node")) and is_num(c.get("counter_node"))
            and c["counter_node"] >= 0]
    if not cpus:
        return None
    return sum(1 for c in cpus if c["counter_node"] != c["cpu_node"]) / len(cpus)


def refcount_walks(run):
    """audit.json's refcount_walk per scheme: [{"scheme", "counters", "cache_lines_64",
    "pages_4k", "huge_page_backed", "method"}], or [] when the audit has none."""
    if run.audit is None:
        return []
    out = []
    for e in run.audit["schemes"]:
        w = e.get("refcount_walk")
        if not isinstance(w, dict):
            continue
        out.append({"scheme": e["scheme"], "counters": w.get("counters"),
                    "cache_lines_64": w.get("cache_lines_64"), "pages_4k": w.get("pages_4k"),
                    "huge_page_backed": w.get("huge_page_backed"),
                    "method": w.get("method")})
    return out


# ---------------------------------------------------------------------- page-size contrast

def _contrast_row(path, pair):
    return {"path": path, "label": path_label(path), "pair": pair,
            "minuend_scheme": pair[0] if pair else None,
            "subtrahend_scheme": pair[1] if pair else None,
            "value": None, "stddev": None, "low": None, "high": None, "n": None,
            "minuend": None, "subtrahend": None, "benches": [],
            "method": "page-size-contrast", "reason": None, "note": None}


def page_size_contrast(run, path, pair=None, counter="ns_per_op"):
    """The scheme on 4 KiB pages minus its twin on 2 MiB pages (`pair`, by default the run's
    first from page_size_pairs) on one path, from bench.json medians.

    Returns {"path", "label", "pair", "minuend_scheme", "subtrahend_scheme", "value" (None:
    not measured), "stddev" (sqrt of the sum of the two variances over the repetitions),
    "low", "high" (the extreme differences of any two repetitions), "n", "minuend",
    "subtrahend" (the two medians), "benches", "method", "reason", "note"}."""
    if pair is None:
        pairs, why = run.page_size_pairs()
        if not pairs:
            out = _contrast_row(path, None)
            out["reason"] = why
            return out
        pair = pairs[0]
    four_k, huge = pair
    out = _contrast_row(path, tuple(pair))
    got = path_benches(run, path, pair)
    missing = [s for s in pair if s not in got]
    if missing:
        out["reason"] = (f"no {' or '.join(missing)} benchmark on {path_label(path)} in "
                         f"bench.json" if run.benchmarks else "no benchmarks in this run")
        return out
    a, b = got[four_k], got[huge]
    out["benches"] = [a.name, b.name]
    out["label"] = path_label(path, a)
    for x in (a, b):
        if counter not in x.stats:
            why = f"reported an error: {x.errors[0]}" if x.errors else f"has no {counter}"
            out["reason"] = f"{x.scheme} on {out['label']} {why}"
            return out
    sa, sb = a.stats[counter], b.stats[counter]
    out["minuend"], out["subtrahend"] = sa.median, sb.median
    out["value"] = sa.median - sb.median
    if sa.stddev is not None and sb.stddev is not None:
        out["stddev"] = math.sqrt(sa.stddev ** 2 + sb.stddev ** 2)
    if None not in (sa.min, sa.max, sb.min, sb.max):
        out["low"], out["high"] = sa.min - sb.max, sa.max - sb.min
    out["n"] = min(x for x in (sa.n, sb.n) if x is not None) if (sa.n or sb.n) else None
    walks = {w["scheme"]: w for w in refcount_walks(run)}
    if walks.get(huge, {}).get("huge_page_backed") is False:
        out["note"] = (f"audit.json: {huge}'s counters were not on huge pages in this run, so "
                       f"the difference is not a page-size contrast alone")
    return out


def page_size_contrasts(run, counter="ns_per_op"):
    """page_size_contrast of every pair on every CONTRAST_PATHS path, pair by pair; without
    a pair, one row per path whose reason says why."""
    pairs, _why = run.page_size_pairs()
    return [page_size_contrast(run, path, pair, counter)
            for pair in (pairs or [None]) for path in CONTRAST_PATHS]
