#!/usr/bin/env python3
"""Write RUN_DIR/index.html: one offline page with a run's context, results and charts.

Usage: scripts/pyrun -m rbresults.report [RUN_DIR]
RUN_DIR defaults to the newest run under results/. The page uses no external script, style or
font; charts are linked by relative path (charts/*.png, drawn by plots.py), so the run folder
can be copied or archived as a whole. Input errors print one line and exit with status 2.

This file holds the page's order and the sections about results (what the run found, who
wins, the charts, every figure); the other sections are in report_noise.py (processes and
noise), report_why.py (causes and correctness), report_perf.py (where the time goes) and
report_machine.py (machine, counters, raw data), all built from report_page.py's pieces.
"""

import argparse
import os
import sys

import rbresults as rb
from rbresults import report_noise, report_perf, summary
from rbresults.charts import CHARTS
from rbresults.report_machine import section_context, section_counters, section_raw
from rbresults.report_page import CSS, esc, table
from rbresults.report_why import section_correctness, section_guest_checks, section_why
from rbresults.summary import scenario_summaries, winners  # noqa: F401  (report.winners)

MAIN_COUNTERS = ["ns_per_op", "ops_per_sec", "fairness"]


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
            parts.append('<p class="muted">Not drawn yet: run <code>scripts/pyrun -m '
                         'rbresults.plots RUN_DIR</code> (or <code>make plots</code>).</p>')
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
            '<p class="muted">Written by scripts/rbresults/report.py from the files of this run '
            'folder.</p>', "</body>", "</html>"]
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
