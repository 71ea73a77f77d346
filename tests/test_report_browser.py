"""Render a run's index.html in headless Chromium: the page draws, and every chart loads.

The run is tests/fixtures/results/labquick/: a real quick run written by the lab itself, with
cachegrind figures simulated on spread (uniform) and read at NR_CPUS 4096.

Run: scripts/pyrun -m pytest tests/test_report_browser.py -q
Skipped (not passed) when no Chromium is installed.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
REAL = REPO / "tests" / "fixtures" / "results" / "labquick" / "20261204T014105Z"

import rbresults as rb  # noqa: E402
from rbresults import plots  # noqa: E402
from rbresults import report  # noqa: E402

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")

# appended to a copy of the page: after every image has loaded or failed, list each
# <img>'s naturalWidth (0 when the image did not load) in a <pre> for --dump-dom to show
PROBE = """<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("img").forEach(function (i) {
    out.push(i.getAttribute("src") + " " + i.naturalWidth);
  });
  var p = document.createElement("pre");
  p.id = "img-probe";
  p.textContent = out.join("\\n");
  document.body.appendChild(p);
});
</script>"""


def chromium(profile, *args):
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    run_dir = tmp / "results" / "labquick" / REAL.name
    shutil.copytree(REAL, run_dir)
    run = rb.load_run(run_dir)
    manifest = plots.draw_all(run, formats=("png",))
    report.write_report(run)
    return tmp, run_dir, [m["name"] for m in manifest if m["status"] == "drawn"]


def probe_widths(tmp, page_path, name):
    proc = chromium(tmp / f"profile-{name}", "--virtual-time-budget=15000", "--dump-dom",
                    page_path.as_uri())
    m = re.search(r'<pre id="img-probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"no probe output from chromium: {proc.stderr[-500:]}"
    return {src: int(w) for src, w in (ln.rsplit(" ", 1) for ln in m.group(1).splitlines())}


def test_screenshot_is_not_blank(rendered):
    tmp, run_dir, _ = rendered
    shot = tmp / "shot.png"
    proc = chromium(tmp / "profile-shot", f"--screenshot={shot}", "--window-size=1280,16000",
                    (run_dir / "index.html").as_uri())
    assert shot.is_file() and shot.stat().st_size > 0, proc.stderr[-500:]
    import matplotlib.image as mpimg
    img = mpimg.imread(str(shot))
    assert img.shape[1] >= 1200
    rgb = img[..., :3]
    # the window is taller than the page: keep the rows down to the page's last
    # non-background row, so the figures below are of the page, not of the window
    background = rgb[-1, -1]
    rows = (abs(rgb - background).max(axis=2) > 0.02).any(axis=1).nonzero()[0]
    assert len(rows) and rows[-1] >= 3000, "the page is shorter than 3000 pixels"
    rgb = rgb[:rows[-1] + 1]
    # a blank page is one colour; the report has text, tables and charts
    assert float(rgb.std()) > 0.05
    dark = (rgb.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.6
    # the charts (colours, not just black text on white) are on screen
    sat = rgb.max(axis=2) - rgb.min(axis=2)
    assert (sat > 0.3).mean() > 0.001


def test_every_chart_image_loads(rendered):
    tmp, run_dir, drawn = rendered
    assert len(drawn) == 6
    page = (run_dir / "index.html").read_text()
    probe = run_dir / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"))
    widths = probe_widths(tmp, probe, "ok")
    assert set(widths) == {f"charts/{n}.png" for n in drawn}
    assert all(w > 0 for w in widths.values()), widths


def test_probe_detects_a_missing_chart(rendered):
    """The check above can fail: a chart file that is gone gives naturalWidth 0."""
    tmp, run_dir, drawn = rendered
    page = (run_dir / "index.html").read_text()
    probe = run_dir / "probe-broken.html"
    probe.write_text(page.replace(f'src="charts/{drawn[0]}.png"',
                                  'src="charts/no-such-chart.png"')
                     .replace("</body>", PROBE + "</body>"))
    widths = probe_widths(tmp, probe, "broken")
    assert widths["charts/no-such-chart.png"] == 0
    assert sum(1 for w in widths.values() if w > 0) == len(drawn) - 1


def test_page_shows_the_simulated_figures(rendered):
    """The page Chromium draws holds the misses chart and every cachegrind figure of the run
    as cachegrind.json has it, labelled with its method; none is marked as not run."""
    tmp, run_dir, drawn = rendered
    assert "misses" in drawn
    proc = chromium(tmp / "profile-dom", "--virtual-time-budget=5000", "--dump-dom",
                    (run_dir / "index.html").as_uri())
    dom = proc.stdout
    assert 'id="fig-standins"' in dom, proc.stderr[-500:]
    assert 'src="charts/misses.png"' in dom
    assert "did not run the benchmark" not in dom
    cg = json.loads((run_dir / "cachegrind.json").read_text())
    assert len(cg["benchmarks"]) == 8
    for b in cg["benchmarks"]:
        for m in ("d1_misses_per_op", "ll_misses_per_op"):
            v = b["per_op"][m]["value"]
            row = (f'<td>{b["scheme"]}</td><td>{m}</td><td class="num">{rb.fmt_num(v)}</td>'
                   f'<td>cachegrind-simulation</td><td>cachegrind.json</td>'
                   f'<td>{b["scenario"]}</td>')
            assert row in dom, (b["name"], m)
