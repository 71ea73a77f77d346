#!/usr/bin/env python3
"""Draw the charts of one refbench run: RUN_DIR/charts/*.png and *.svg.

Usage: scripts/pyrun -m rbresults.plots [RUN_DIR] [--only NAME,...] [--debug]
RUN_DIR defaults to the newest run under results/. Progress goes to stderr, one line per chart.
A chart whose data is absent is skipped with a one-line note; input errors print one line and
exit with status 2. The charts and their one list are in scripts/rbresults/charts/ (one module
per family); this file draws each chart of the list, writes its files and the manifest
charts/index.json.
"""

import argparse
import importlib
import json
import os
import sys

import rbresults as rb
from rbresults.charts import CHARTS
from rbresults.charts.layout import Skip

import matplotlib.pyplot as plt


def chart_function(chart):
    """The function that draws a chart of the list (rbresults.charts.CHARTS)."""
    module = importlib.import_module(f"rbresults.charts.{chart.module}")
    return getattr(module, chart.function)


def save(fig, outdir, name, formats):
    written = []
    for ext in formats:
        final = outdir / f"{name}.{ext}"
        tmp = outdir / f"{name}.{ext}.tmp"
        kw = {"dpi": 110} if ext == "png" else {"metadata": {"Date": None}}
        fig.savefig(tmp, format=ext, **kw)
        os.replace(tmp, final)
        written.append(final.name)
    return written


def draw_all(run, only=None, formats=("png", "svg"), debug=False, log=sys.stderr):
    """Draw every chart into run.path/charts. Returns the manifest list."""
    outdir = run.path / "charts"
    try:
        outdir.mkdir(exist_ok=True)
    except OSError as e:
        raise rb.ResultsError(f"{outdir}: cannot create: {e.strerror}") from None
    chosen = [c for c in CHARTS if not only or c.name in only]
    manifest = []
    for i, chart in enumerate(chosen, 1):
        name = chart.name
        head = f"plots: [{i}/{len(chosen)}] {name}:"
        entry = {"name": name, "title": chart.title, "caption": chart.caption}
        try:
            fig = chart_function(chart)(run)
        except Skip as e:
            print(f"{head} skipped: {e}", file=log)
            entry.update(status="skipped", note=str(e))
            manifest.append(entry)
            continue
        except rb.ResultsError:
            raise
        except Exception as e:  # a bug or an input shape not foreseen: note it, go on
            if debug:
                raise
            print(f"{head} skipped: could not draw ({type(e).__name__}: {e}); "
                  f"--debug shows where", file=log)
            entry.update(status="skipped", note=f"could not draw: {type(e).__name__}: {e}")
            manifest.append(entry)
            continue
        try:
            files = save(fig, outdir, name, formats)
        except OSError as e:
            raise rb.ResultsError(f"{outdir}: cannot write {name}: {e.strerror}") from None
        finally:
            plt.close(fig)
        print(f"{head} wrote charts/{', charts/'.join(files)}", file=log)
        entry.update(status="drawn", files=files)
        manifest.append(entry)
    tmp = outdir / "index.json.tmp"
    with open(tmp, "w") as f:
        json.dump({"refbench_format": rb.NEWEST_FORMAT, "charts": manifest}, f, indent=2)
    os.replace(tmp, outdir / "index.json")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description="Draw the charts of a refbench run folder.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--results", help="results folder to search for the newest run")
    ap.add_argument("--only", help="comma list of charts: " + ",".join(c.name for c in CHARTS))
    ap.add_argument("--format", default="png,svg", help="comma list of png,svg,pdf")
    ap.add_argument("--debug", action="store_true", help="show tracebacks of drawing errors")
    a = ap.parse_args(argv)
    names = {c.name for c in CHARTS}
    only = None
    if a.only:
        only = [x.strip() for x in a.only.split(",") if x.strip()]
        bad = [x for x in only if x not in names]
        if bad:
            raise rb.ResultsError(f"--only {','.join(bad)}: unknown chart (accepted: "
                                  f"{', '.join(sorted(names))})")
    formats = [x.strip() for x in a.format.split(",") if x.strip()]
    bad = [x for x in formats if x not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise rb.ResultsError(f"--format {a.format}: accepted: png, svg, pdf (comma list)")
    run = rb.load_run(rb.resolve_run_arg(a.run, a.results))
    manifest = draw_all(run, only, formats, a.debug)
    drawn = sum(1 for m in manifest if m["status"] == "drawn")
    print(f"plots: {drawn} of {len(manifest)} charts drawn in {run.path / 'charts'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    rb.run_main(main)
