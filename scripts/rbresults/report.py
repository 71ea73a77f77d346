#!/usr/bin/env python3
"""Write RUN_DIR/index.html: one offline page with a run's context, results and charts.

Usage: scripts/pyrun -m rbresults.report [RUN_DIR]
RUN_DIR defaults to the newest run under results/. The page uses no external script, style or
font; charts are linked by relative path (charts/*.png, drawn by scripts/rbresults/plots.py), so the run
folder can be copied or archived as a whole. Input errors print one line and exit with status 2.
"""

import argparse
import html
import os
import sys

import rbresults as rb
from rbresults import report_noise
from rbresults import why
from rbresults import correctness
from rbresults import report_perf
from rbresults import summary
from rbresults.summary import scenario_summaries, winners  # noqa: F401
from rbresults.charts import CHARTS

CONTEXT_ORDER = ["host", "date", "date_utc", "kernel", "machine", "cpu_model", "online_cpus",
                 "cpus", "nr_cpu_ids", "numa_nodes", "nodes", "pmu", "compiler", "cflags",
                 "governor", "thp", "thp_defrag", "perf_event_paranoid", "nr_cpus", "line",
                 "modules", "placement", "smt", "threads", "settings", "repetitions"]
GB_CONTEXT_ORDER = ["date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
                    "cpu_scaling_enabled", "caches", "load_avg", "library_build_type"]
MAIN_COUNTERS = ["ns_per_op", "ops_per_sec", "fairness"]

CSS = """
:root { --fg:#1b1b1b; --muted:#5a5a5a; --line:#d0d0d0; --bad:#a00000; --warn-bg:#fff4d6; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.2em 1.6em 3em; max-width: 1200px; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .5em; border-bottom: 2px solid var(--line);
     padding-bottom: .2em; }
h3 { font-size: 1.05em; margin: 1.3em 0 .4em; }
p.sub { color: var(--muted); margin: 0 0 1em; }
nav { font-size: .92em; margin: .6em 0 1.2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: .88em; }
th, td { border: 1px solid var(--line); padding: .22em .55em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
tr.win td { background: #eef8ee; }
.warn { background: var(--warn-bg); border-left: 4px solid #e0a000; padding: .5em .8em;
        margin: .6em 0; }
.bad { color: var(--bad); }
.muted { color: var(--muted); }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9em; margin-top: .3em; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
pre.found { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .86em;
            background: #f7f7f7; border: 1px solid var(--line); padding: .7em .9em;
            white-space: pre-wrap; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, .screen-only { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, .warn { break-inside: avoid; page-break-inside: avoid; }
  figure { page-break-before: auto; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  tr.win td { background: #eef8ee !important; -webkit-print-color-adjust: exact;
              print-color-adjust: exact; }
}
"""


def esc(v):
    return html.escape(str(v), quote=True)


def cell(v):
    if v is None:
        return '<td class="num muted">-</td>'
    if isinstance(v, bool):
        return f"<td>{'yes' if v else 'no'}</td>"
    if isinstance(v, (int, float)):
        return f'<td class="num">{esc(rb.fmt_num(v))}</td>'
    return f"<td>{esc(v)}</td>"


def table(headers, rows, row_classes=None):
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers)
           + "</tr></thead>", "<tbody>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(c if isinstance(c, str) and c.startswith("<td")
                                          else cell(c) for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def show_placement(v):
    """context.json's placement object as one line."""
    if not isinstance(v, dict):
        return show_value(v)
    cpus = [c for c in v.get("cpus", []) if isinstance(c, dict)]
    os_idx = ",".join(str(c.get("os_index")) for c in cpus)
    nodes = sorted({c.get("node") for c in cpus if c.get("node") is not None})
    return (f"{v.get('policy', '?')}{', smt' if v.get('smt') else ''}: {len(cpus)} CPUs "
            f"(OS indexes {os_idx or '-'}) on node(s) {','.join(map(str, nodes)) or '-'}")


def show_value(v):
    """Context values (nested dicts/lists) as short text."""
    if isinstance(v, dict):
        if "value" in v and len(v) <= 3:
            return show_value(v["value"]) + (f" ({v['method']})" if v.get("method") else "")
        return ", ".join(f"{k}: {show_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            return "; ".join(show_value(x) for x in v)
        return ", ".join(show_value(x) for x in v)
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


# -------------------------------------------------------------------------------- sections

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


def section_found(run):
    """What the run found: the summary make bench prints (scripts/rbresults/summary.py)."""
    return ('<h2 id="found">What this run found</h2>\n<pre class="found">'
            + esc("\n".join(summary.lines(run)[:-1])) + "</pre>")


def section_summary(run):
    parts = ['<h2 id="summary">Which scheme wins</h2>']
    rows = winners(run)
    if not rows:
        parts.append('<p class="muted">No scenario has two or more schemes with an '
                     'ns_per_op figure, so there is nothing to rank.</p>')
        return "\n".join(parts)
    parts.append("<p>Ranked by the median ns_per_op over the repetitions (lower is better); "
                 "the ratio is the runner-up's median over the winner's. Baselines "
                 f"({esc(', '.join(run.baselines()))}) do not compete. <em>clear</em> means the "
                 "lead holds across processes, not only across back-to-back repetitions: the "
                 "winner's slowest process median beat the runner-up's fastest, or, with one "
                 "process a side, the gap exceeds both benchmarks' calibrated between-run "
                 "noise (see Between processes and between runs).</p>")
    summ = scenario_summaries(rows)
    parts.append(table(["scenario", "result", "ratio to runner-up",
                        "settings not clear across processes"],
                       [(s, t, r, f"{u} of {n}") for s, t, r, u, n in summ]))
    parts.append("<h3>Per setting</h3>")
    trows = []
    for r in rows:
        sep = r["check"]
        trows.append((r["scenario"], r["config"], r["winner"],
                      f'<td class="num">{esc(rb.fmt_num(r["winner_median"]))} ns</td>',
                      r["runner_up"],
                      f'<td class="num">{esc(rb.fmt_num(r["runner_median"]))} ns</td>',
                      f'<td class="num">{r["ratio"]:.2f}x</td>' if r["ratio"] else None,
                      sep, r["n"]))
    parts.append(table(["scenario", "setting", "winner", "median", "runner-up", "median",
                        "ratio", "spread check", "n"], trows))
    return "\n".join(parts)


def load_manifest(run):
    p = run.path / "charts" / "index.json"
    if not p.is_file():
        return {}
    try:
        doc = rb.load_json(p, run.warnings)
    except rb.ResultsError as e:
        rb.warn(f"{e}; ignoring the chart list", run.warnings)
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("charts"), list):
        return {}
    return {c.get("name"): c for c in doc["charts"] if isinstance(c, dict)}


def section_charts(run):
    parts = ['<h2 id="charts">Charts</h2>']
    manifest = load_manifest(run)
    for chart in CHARTS:
        name, title = chart.name, chart.title
        m = manifest.get(name, {})
        png = run.path / "charts" / f"{name}.png"
        parts.append(f'<h3 id="chart-{esc(name)}">{esc(m.get("title", title))}</h3>')
        if png.is_file() and m.get("status", "drawn") == "drawn":
            svg = run.path / "charts" / f"{name}.svg"
            links = f' <a href="charts/{esc(name)}.svg">SVG</a>' if svg.is_file() else ""
            parts.append(f'<figure><img src="charts/{esc(name)}.png" alt="{esc(title)}" '
                         f'loading="eager">'
                         f'<figcaption>{esc(m.get("caption", ""))}{links}</figcaption>'
                         f'</figure>')
        elif m.get("status") == "skipped":
            parts.append(f'<p class="muted">Not drawn: {esc(m.get("note", ""))}</p>')
        else:
            parts.append('<p class="muted">Not drawn yet: run <code>scripts/pyrun '
                         'scripts/rbresults/plots.py RUN_DIR</code> (or <code>make plots</code>).</p>')
    return "\n".join(parts)


def _spread_cells(b, counter, unit=""):
    s = b.stats.get(counter)
    if s is None:
        return ['<td class="num muted">not measured</td>', None, None]
    return [f'<td class="num">{esc(rb.fmt_num(s.median))}{esc(unit)}</td>', rb.fmt_pct(s.cv),
            s.n]


def section_figures(run):
    parts = ['<h2 id="figures">Every figure with its spread</h2>',
             "<p>median over the repetitions, cv = standard deviation / mean, n = "
             "repetitions with a value. A counter absent from bench.json was not measured "
             "(it is never written as zero).</p>"]
    if not run.benchmarks:
        parts.append('<p class="muted">No benchmark results in this run.</p>')
    for scen in run.scenarios():
        bs = run.select(scen)
        parts.append(f'<h3 id="fig-{esc(scen)}">{esc(scen)}</h3>')
        rows, classes = [], []
        for b in bs:
            r = [b.scheme, b.config]
            for c in MAIN_COUNTERS:
                r += _spread_cells(b, c)
            r.append(b.label or ("; ".join(b.errors) if b.errors else ""))
            rows.append(r)
            classes.append("")
        parts.append(table(["scheme", "setting", "ns/op median", "cv", "n", "ops/s median",
                            "cv", "n", "fairness median", "cv", "n", "label"], rows, classes))
        extra = []
        for b in bs:
            for c, s in b.stats.items():
                if c in MAIN_COUNTERS:
                    continue
                extra.append((f'<td class="name">{esc(b.name)}</td>', c, s.median, s.mean,
                              s.stddev, rb.fmt_pct(s.cv), s.min, s.max, s.n,
                              s.source))
        if extra:
            parts.append(f"<p class=\"muted\">All other counters of {esc(scen)}:</p>")
            parts.append(table(["benchmark", "counter", "median", "mean", "stddev", "cv",
                                "min", "max", "n", "from"], extra))
    if run.footprint is not None:
        parts.append('<h3 id="fig-footprint">footprint.json</h3>')
        fp = run.footprint
        parts.append(f'<p>modules={esc(fp.get("modules"))}, line={esc(fp.get("line"))}, '
                     f'nr_cpu_ids={esc(fp.get("nr_cpu_ids"))}</p>')
        rows = [(r.get("scheme"), r.get("nr_cpus"), r.get("ref_bytes"),
                 r.get("ref_bytes_per_module"), r.get("module_bytes"), r.get("overhead_bytes"),
                 r.get("rss_bytes"), r.get("rss_method")) for r in fp["rows"]]
        parts.append(table(["scheme", "NR_CPUS", "ref bytes", "ref bytes/module",
                            "module bytes", "overhead bytes", "RSS bytes", "RSS method"], rows))
    if run.audit is not None:
        parts.append('<h3 id="fig-audit">Placement audit (audit.json)</h3>')
        parts.append(f'<p>NUMA nodes: {esc(run.audit.get("nodes", "?"))}. remote share = '
                     f'share of CPUs whose counter sits on another node.</p>')
        rows = []
        for e in run.audit["schemes"]:
            cpus = [c for c in e.get("cpus", []) if isinstance(c, dict)]
            walk = e.get("refcount_walk") if isinstance(e.get("refcount_walk"), dict) else {}
            rows.append((e["scheme"], rb.audit_remote_share(e), len(cpus),
                         walk.get("counters"), walk.get("cache_lines_64"), walk.get("pages_4k"),
                         walk.get("huge_page_backed"),
                         e.get("reason") or e.get("remote_share_note") or e.get("error") or ""))
        parts.append(f'<p>module_refcount() walk at NR_CPUS={esc(run.audit.get("nr_cpus", "?"))}'
                     f': the counters one call sums, the 64-byte lines and distinct 4 KiB pages '
                     f'that hold them, and whether those pages are inside 2 MiB huge pages.</p>')
        parts.append(table(["scheme", "remote share", "CPUs audited",
                            "module_refcount() walk: counters", "64-byte lines", "4 KiB pages",
                            "on huge pages", "note"], rows))
    parts.append(section_page_contrast(run))
    figs = run.figures()
    if figs:
        parts.append('<h3 id="fig-standins">Stand-in figures (cachegrind.json, perf.json)</h3>')
        rows = [(f["scheme"], f["metric"], f.get("value") if f.get("value") is not None
                 else '<td class="bad">not measured</td>', f["method"], f["source"],
                 f.get("scenario"), f.get("threads"),
                 f.get("detail") if f.get("value") is not None else
                 "; ".join(x for x in (f.get("reason") or "no value", f.get("detail")) if x))
                for f in figs]
        parts.append(table(["scheme", "metric", "value", "method", "file", "scenario",
                            "threads", "how / why not"], rows))
    return "\n".join(parts)


def section_page_contrast(run):
    """The dTLB stand-in: each scheme on 4 KiB pages minus its twin on 2 MiB pages (the
    pairs come from the schemes' descriptions) on the paths where pages matter."""
    rows = []
    for c in rb.page_size_contrasts(run):
        four_k, huge = c["pair"] or ("-", "-")
        if c["value"] is None:
            rows.append((c["label"], four_k, None, huge, None,
                         '<td class="bad">not measured</td>', None, None, None, c["reason"]))
            continue
        rng = (f"{rb.fmt_num(c['low'])} .. {rb.fmt_num(c['high'])}"
               if c["low"] is not None else None)
        rows.append((c["label"], four_k, c["minuend"], huge, c["subtrahend"], c["value"],
                     c["stddev"], rng, c["n"], c["note"] or ""))
    head = ['<h3 id="fig-pages">Page-size contrast (page-size-contrast, from bench.json)</h3>',
            "<p>A scheme on 4 KiB module pages minus the scheme that "
            "runs the same code on 2 MiB pages (the same description apart from module "
            "memory, in context.json's scheme list): median ns_per_op over the repetitions. "
            "sd = sqrt(sd1&sup2; + sd2&sup2;); range = the extreme differences of any two "
            "repetitions. It carries every effect of the page backing, not TLB misses "
            "alone.</p>"]
    return "\n".join(head + [table(["path", "4 KiB pages", "ns/op", "2 MiB pages", "ns/op",
                                     "difference ns/op", "sd", "range", "n", "note"], rows)])


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


def section_correctness(run):
    """The deterministic interleaving (race.json) and the handoff under-reads (correctness.py)."""
    out = ['<h2 id="correctness">Correctness: a reference that moves between CPUs</h2>']
    rows, method = correctness.rows(run)
    if not rows:
        out.append(f"<p>Not in this run ({esc(method)}).</p>")
        return "\n".join(out)
    out.append(f"<p>Interleaving: {esc(method or 'not in this run')}. One reference is held "
               "throughout: a read below 1 is what an unload would trust to free a module in "
               "use. Handoff: references taken on one CPU and dropped on another while an "
               "unpinned reader calls module_refcount(); an under-read is a read below the "
               "references it knew to be held for the whole read (all repetitions).</p>")
    out.append(table(["scheme", "claims", "interleavings", "reads below 1", "lowest read",
                      "interleaving outcome", "handoff reads", "under-reads", "at or below 0",
                      "under-reads per million", "handoff moves/s", "handoff outcome"],
                     [(r["scheme"], r.get("claims"), r.get("interleavings"), r.get("race_under"),
                       r.get("race_lowest"), r.get("race"), r.get("handoff_reads"),
                       r.get("handoff_under"), r.get("handoff_zero"),
                       r.get("handoff_under_per_million"), r.get("handoff_ops_per_sec"),
                       r.get("handoff")) for r in rows]))
    return "\n".join(out)


def section_guest_checks(run):
    """checks.json of a run made in an emulated machine (scripts/guest_checks.py)."""
    p = run.path / "checks.json"
    if not p.is_file():
        return ""
    try:
        doc = rb.load_json(p, run.warnings)
        checks = [(c["name"], "ok" if c["ok"] else '<td class="bad">FAILED</td>', c["detail"])
                  for c in doc["checks"]]
    except (rb.ResultsError, KeyError, TypeError) as e:
        return f'<p class="warn">checks.json cannot be read: {esc(e)}</p>'
    return ('<h2 id="checks">Checked in the emulated machine</h2>\n'
            f"<p>{esc(doc.get('method', ''))}: {doc.get('passed')} passed, "
            f"{doc.get('failed')} failed.</p>\n" + table(["check", "outcome", "detail"], checks))


def tlb_reach_text(reach):
    """One line each: the TLB geometry cpuid reported (or why none), and the reach the chase
    control measured (or why it cannot be read)."""
    rep = reach["reported"]
    if rep and rep.get("levels"):
        lv = ", ".join(f"L{x.get('level')} {x.get('pages')} {x.get('entries')} entries"
                       for x in rep["levels"])
        reported = f"Reported ({rep.get('method')}): {lv}."
    else:
        reported = ("Reported: none" + (f" ({rep.get('reason')})" if rep and rep.get("reason")
                                         else " (no tlb in context.json)") + ".")
    if not reach["spans"]:
        measured = "Measured: not in this run (the seed part runs the chase, --tlb-spans)."
    elif reach["between"]:
        a, b = reach["between"]
        measured = (f"Measured ({reach['method']}): from {b} pages on, every span measured "
                    f"costs more on 4 KiB pages than on 2 MiB pages; at {a} pages it does "
                    f"not: the reach of the last TLB level lies between {a} and {b} pages "
                    f"({a * 4} and {b * 4} KiB).")
    else:
        measured = (f"Measured ({reach['method']}): no span from which 4 KiB pages cost more "
                    f"at every larger span; the reach cannot be read from "
                    f"{reach['spans'][0]['span']}-{reach['spans'][-1]['span']} pages.")
    return reported, measured


def section_tlb_reach(run):
    reach = why.tlb_reach(run)
    reported, measured = tlb_reach_text(reach)
    out = ["<h3>TLB reach</h3>", f"<p>{esc(reported)} {esc(measured)}</p>"]
    if reach["spans"]:
        out.append(table(["pages in the chase", "ns/load, 2 MiB", "ns/load, 4 KiB",
                          "difference", "sd", "established"],
                         [(r["span"], r["a"], r["b"], r["diff"], r["sd"],
                           "yes" if r["established"] else "no") for r in reach["spans"]]))
    return "\n".join(out)


def section_why(run):
    """Each cause the lab names, its control and the figures (scripts/rbresults/why.py)."""
    out = ['<h2 id="why">Why: each claimed cause and its control</h2>',
           f"<p>{esc(why.__doc__.split(chr(10) + chr(10))[1])}</p>",
           f"<p>{esc(why.__doc__.split(chr(10) + chr(10))[2])}</p>"]
    for c in why.claims(run):
        out.append(f"<h3>{esc(c['cause'])}</h3><p>Claim: {esc(c['claim'])}. Control: "
                   f"{esc(c['control'])}. <strong>{esc(c['status'])}</strong>.</p>")
        rows = [(r["what"], r["setting"], r["a"], r["b"], r["ratio"], r["diff"], r["sd"],
                 "yes" if r["established"] else "the other way" if r.get("against") else "no")
                for r in c["rows"]]
        if rows:
            out.append(table(["benchmark", "other settings", f"ns/op, {c['a']}",
                              f"ns/op, {c['b']}", "ratio", "difference", "sd", "established"],
                             rows))
    out.append(report_perf.why_table(run, esc, table))
    out.append(section_tlb_reach(run))
    agree = why.model_vs_control(run)
    out.append("<h3>The spread model against its plain control loop</h3>"
               "<p>For each page size, page-aligned over kernel-layout ns/op, three ways: the "
               "model (the kernel's calls); the plain loop over the model's own loaded modules "
               "(codegen:plain: the same loads and stores, none of the scheme's code); and the "
               "control loop over memory of its own (no module allocator, no scheme). A ratio "
               "agrees with the control's within 15%. Where the plain loop agrees and the model "
               "does not, the model's memory makes the control's matrix and the difference is "
               "its code: the last two columns give the ns the code adds to the plain loop at "
               "each placement. The first table gives the four cells themselves. On 4 KiB "
               "pages a cell also depends on which physical pages the run got (the L2 is "
               "indexed by physical address), which no setting of the lab holds fixed.</p>")
    yes = {True: "yes", False: "NO", None: "not in this run"}
    cells = why.matrix_cells(run)
    if cells:
        out.append(table(["scheme", "pages", "offset", "model ns", "plain loop ns (model memory)",
                          "control loop ns", "plain / control", "within 15%",
                          "model - plain (code ns)"],
                         [(c["scheme"], c["pages"], c["offset"], c["model"], c["plain"],
                           c["control"], c["plain_over_control"], yes[c["agree"]],
                           c["code_ns"]) for c in cells]))
    if agree:
        out.append(table(["scheme", "pages", "model ratio", "plain loop ratio (model memory)",
                          "control ratio", "model agrees", "model memory agrees",
                          "code ns, kernel layout", "code ns, page-aligned"],
                         [(a["scheme"], a["pages"], a["model_ratio"], a["plain_ratio"],
                           a["control_ratio"], yes[a["agree"]], yes[a["memory_agree"]],
                           a["code_ns_kernel"], a["code_ns_aligned"]) for a in agree]))
    else:
        out.append("<p>Not in this run (the seed part of the suite runs it).</p>")
    return "\n".join(out)


def build_html(run):
    status = ("complete" if run.complete else
              '<span class="bad">INTERRUPTED: no COMPLETE marker</span>')
    head = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>refbench results: {esc(run.host)}, {esc(run.date)}</title>",
        f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>refbench results: {esc(run.host)}</h1>",
        f'<p class="sub">{esc(run.date)} &middot; run folder <code>{esc(run.path.name)}'
        f"</code> &middot; {status} &middot; {len(run.benchmarks)} benchmarks</p>",
        '<nav class="screen-only"><a href="#found">Found</a><a href="#charts">Charts</a><a href="#summary">Who wins</a><a href="#noise">Noise</a><a href="#why">Why</a><a href="#correctness">Correctness</a>'
        '<a href="#perf">Perf</a><a href="#figures">Figures</a><a href="#counters">Counters</a>'
        '<a href="#context">Machine and settings</a><a href="#raw">Raw data</a></nav>',
    ]
    if run.emulated:
        head.append('<p class="warn"><strong>EMULATED machine</strong>: '
                    f'{esc(run.emulated)}. Its timings come from software emulation, not from '
                    'any hardware: they are not compared with any run (make compare refuses '
                    'it). What it shows is correctness and placement, checked below.</p>')
    if not run.complete:
        head.append('<p class="warn">This run was interrupted (or was still going when this '
                    'page was written): it shows only what was saved.</p>')
    if run.warnings:
        prefix = str(run.path) + os.sep
        head.append('<div class="warn"><strong>Warnings while reading:</strong><ul>' +
                    "".join(f"<li>{esc(w.replace(prefix, ''))}</li>" for w in run.warnings)
                    + "</ul></div>")
    body = [section_found(run), section_charts(run), section_summary(run),
            report_noise.section(run, esc, table), section_why(run),
            section_correctness(run), section_guest_checks(run),
            report_perf.section(run, esc, table), section_figures(run), section_counters(run),
            section_context(run), section_raw(run),
            '<p class="muted">Written by scripts/rbresults/report.py from the files of this run folder.'
            '</p>', "</body>", "</html>"]
    return "\n".join(head + body) + "\n"


def write_report(run):
    return rb.write_text_atomic(run.path / "index.html", build_html(run))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write index.html for a refbench run folder.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--results", help="results folder to search for the newest run")
    a = ap.parse_args(argv)
    run = rb.load_run(rb.resolve_run_arg(a.run, a.results))
    out = write_report(run)
    print(f"report: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    rb.run_main(main)
