"""The report's sections about the run itself: Machine and settings (context.json with the
run's scheme and scenario lists, Google Benchmark's context), Counters (availability and
methods) and Raw data. Used by report.py."""

import rbresults as rb
from rbresults.report_page import esc, show_placement, show_value, table

CONTEXT_ORDER = ["host", "date", "date_utc", "kernel", "machine", "cpu_model", "online_cpus",
                 "cpus", "nr_cpu_ids", "numa_nodes", "nodes", "pmu", "compiler", "cflags",
                 "governor", "thp", "thp_defrag", "perf_event_paranoid", "nr_cpus", "line",
                 "modules", "placement", "smt", "threads", "settings", "repetitions"]


GB_CONTEXT_ORDER = ["date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
                    "cpu_scaling_enabled", "caches", "load_avg", "library_build_type"]


SCHEME_FIELDS = ["label", "models", "module_memory", "module_pages", "ref_storage",
                 "unload_era"]


def schemes_table(run):
    """The run's schemes in its order, each with the description it gave of itself."""
    if not run.schemes:
        return '<p class="muted">No scheme in this run.</p>'
    fields = [f for f in SCHEME_FIELDS if any(f in s.fields for s in run.schemes)]
    fields += sorted({k for s in run.schemes for k in s.fields
                      if k not in fields and k != "name"})
    rows = [[s.name] + [show_value(s.fields[f]) if f in s.fields else None for f in fields]
            + ["context.json" if s.fields else f"not described; named by {s.source}"]
            for s in run.schemes]
    return "<h3>Schemes (in this order in every chart and table)</h3>\n" + table(
        ["scheme"] + [f.replace("_", " ") for f in fields] + ["described by"], rows)


def scenarios_table(run):
    """The run's scenarios, controls and baselines (context.json "scenarios"), or the list
    the lab had before runs recorded one, said so."""
    roles = run.roles
    if not roles.entries:
        return ""
    rows = [(e.name, e.role, e.label, ", ".join(e.claims) or None, e.source)
            for e in roles.entries]
    head = "<h3>Scenarios, controls and baselines</h3>\n"
    if roles.fallback:
        head += f'<p class="warn">Not recorded by this run: {esc(roles.fallback)}.</p>\n'
    return head + table(["name", "role", "label", "claims", "defined in"], rows)


def section_context(run):
    parts = ['<h2 id="context">Machine and settings</h2>']
    ctx = run.context
    if ctx:
        keys = [k for k in CONTEXT_ORDER if k in ctx]
        keys += [k for k in ctx if k not in keys
                 and k not in ("counters", "refbench_format", "schemes", "scenarios")]
        rows = [(k, show_placement(ctx[k]) if k == "placement" else show_value(ctx[k]))
                for k in keys]
        rows.append(("refbench_format", show_value(ctx.get("refbench_format"))))
        parts.append("<h3>context.json</h3>")
        parts.append(table(["field", "value"], rows))
    else:
        parts.append('<p class="warn">No context.json in this run: the machine context is '
                     'unknown beyond what Google Benchmark recorded.</p>')
    parts.append(schemes_table(run))
    parts.append(scenarios_table(run))
    g = run.gb_context
    if g:
        keys = [k for k in GB_CONTEXT_ORDER if k in g] + [k for k in g
                                                          if k not in GB_CONTEXT_ORDER]
        parts.append("<h3>Google Benchmark context (bench.json)</h3>")
        parts.append(table(["field", "value"], [(k, show_value(g[k])) for k in keys]))
        if g.get("library_build_type") == "debug":
            manual = run.benchmarks and all("manual_time" in b.flags for b in run.benchmarks)
            parts.append('<p class="warn">Google Benchmark reports its library as a "debug" '
                         'build. ' + ("Every benchmark here is timed by refbench's own window "
                                      "(manual_time), so the library's loop bookkeeping is "
                                      "not in the figures." if manual else
                                      "Benchmarks not timed with manual_time include the "
                                      "library's loop bookkeeping.") + '</p>')
        if g.get("cpu_scaling_enabled"):
            parts.append('<p class="warn">CPU frequency scaling was enabled during the run: '
                         'expect more spread between repetitions.</p>')
    return "\n".join(parts)


def section_counters(run):
    parts = ['<h2 id="counters">Counters: availability and methods</h2>']
    avail = run.counter_availability()
    if avail:
        rows = []
        for name, a in avail.items():
            ok = a.get("available")
            rows.append((name, '<td>yes</td>' if ok else ('<td class="bad">no</td>'
                                                          if ok is False else None),
                         a.get("method"), a.get("reason") or a.get("event")))
        parts.append("<h3>bench.json counters (context.json)</h3>")
        parts.append(table(["counter", "available", "method", "reason / event"], rows))
    else:
        parts.append('<p class="muted">context.json records no counter availability.</p>')
    perf = run.perf if isinstance(run.perf, dict) else None
    if perf is not None:
        parts.append("<h3>perf stat events (perf.json)</h3>")
        if perf.get("available") is False:
            parts.append(f'<p class="bad">perf stat did not run: '
                         f'{esc(perf.get("reason") or "unavailable")}</p>')
        if perf.get("scope"):
            parts.append(f'<p class="muted">scope: {esc(perf["scope"])}</p>')
        ev = perf.get("events") if isinstance(perf.get("events"), dict) else {}
        schemes = perf.get("schemes") if isinstance(perf.get("schemes"), dict) else {}
        rows = []
        for name, e in ev.items():
            e = e if isinstance(e, dict) else {}
            status = {}
            for sch, res in schemes.items():
                r = (res.get("rows") or {}).get(name) if isinstance(res, dict) else None
                if isinstance(r, dict):
                    st = r.get("status", "?")
                    if r.get("multiplexed"):
                        st += " (multiplexed)"
                    status.setdefault(st, []).append(sch)
                    if r.get("reason"):
                        status.setdefault("_reason", []).append(r["reason"])
            reasons = sorted(set(status.pop("_reason", [])))
            summary = "; ".join(f"{st}: {', '.join(v)}" for st, v in status.items()) or "-"
            bad = any(st != "counted" for st in status)
            rows.append((name, e.get("perf_event"), e.get("method"),
                         f'<td class="{"bad" if bad else ""}">{esc(summary)}</td>',
                         "; ".join(reasons)))
        if rows:
            parts.append(table(["event", "perf event", "method", "status per scheme",
                                "reason"], rows))
    methods = {}
    for b in run.benchmarks:
        for c in b.stats:
            base = c[: -len("_per_op")] if c.endswith("_per_op") else c
            a = avail.get(base) or avail.get(c)
            if a and a.get("method"):
                methods.setdefault(a["method"], set()).add("bench.json")
    for f in run.figures():
        methods.setdefault(f["method"], set()).add(f["source"])
    if any(c["value"] is not None for c in rb.page_size_contrasts(run)):
        methods.setdefault("page-size-contrast", set()).add("bench.json")
    if run.audit is not None:
        methods.setdefault("placement-audit", set()).add("audit.json")
    if methods:
        parts.append("<h3>Methods used in this run</h3>")
        parts.append(table(["method", "files"],
                           [(m, ", ".join(sorted(v))) for m, v in sorted(methods.items())]))
    missing = [f"{k}: {v}" for k, v in run.absent.items()]
    if missing:
        parts.append("<p class=\"muted\">Absent from this run: " +
                     esc("; ".join(missing)) + ".</p>")
    return "\n".join(parts)


def section_raw(run):
    parts = ['<h2 id="raw">Raw data</h2>', "<ul>"]
    files = run.raw_files()
    for f in files:
        size = (run.path / f).stat().st_size
        parts.append(f'<li><a href="{esc(f)}">{esc(f)}</a> '
                     f'<span class="muted">({size:,} bytes)</span></li>')
    if not files:
        parts.append('<li class="muted">none</li>')
    parts.append("</ul>")
    return "\n".join(parts)
