"""The one chart list (rbresults.charts.CHARTS): a chart added to it once is drawn by plots
and shown by the report, and the report reads the list without matplotlib."""
import shutil
import subprocess
import sys
import types
from pathlib import Path

import rbresults as rb
from rbresults import charts, plots, report

REAL = Path(__file__).resolve().parent / "fixtures" / "results" / "labquick" / "20261204T014105Z"


def test_a_chart_added_once_is_drawn_and_shown(tmp_path, monkeypatch):
    run_dir = tmp_path / "vm" / REAL.name
    shutil.copytree(REAL, run_dir)

    def plot_zz(run):
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([1, 2], [len(run.benchmarks), 1])
        return fig

    module = types.ModuleType("rbresults.charts.zz_test")
    module.plot_zz = plot_zz
    monkeypatch.setitem(sys.modules, "rbresults.charts.zz_test", module)
    monkeypatch.setattr(charts, "CHARTS", charts.CHARTS + [
        charts.Chart("zz_test", "A chart added here", "zz_test", "plot_zz", "Its caption.")])
    monkeypatch.setattr(plots, "CHARTS", charts.CHARTS)
    monkeypatch.setattr(report, "CHARTS", charts.CHARTS)

    run = rb.load_run(run_dir)
    manifest = plots.draw_all(run, only=["zz_test"], formats=("png",))
    assert [m["status"] for m in manifest] == ["drawn"]
    page = report.build_html(rb.load_run(run_dir))
    assert 'id="chart-zz_test">A chart added here</h3>' in page
    assert '<img src="charts/zz_test.png"' in page and "Its caption." in page


def test_plots_and_report_share_the_list():
    assert plots.CHARTS is charts.CHARTS and report.CHARTS is charts.CHARTS
    for chart in charts.CHARTS:
        assert callable(plots.chart_function(chart)), chart.name


def test_the_report_reads_the_list_without_matplotlib():
    code = ("import sys; from rbresults import report, charts; "
            "assert report.CHARTS is charts.CHARTS; "
            "sys.exit(1 if 'matplotlib' in sys.modules else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
