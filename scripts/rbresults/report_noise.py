"""The report's between-run spread: how many processes and repetitions each figure comes
from, the spread between those processes, the machine's calibrated A/A noise where it has
one, and whether a scheme's win holds across processes (noise.py has the model).

Used by report.py: section(run, esc, table) returns the HTML section, and
win_check(run, winner, runner_up, counter) the "spread check" of the which-wins table.
"""

import math

from rbresults import noise
import rbresults as rb

_cache = {}


def _spread(run):
    """(Side, {name: info}, calibration doc or None, note) of a run, read once."""
    key = str(run.path)
    if key not in _cache:
        try:
            side, info = noise.spread_of(run.path)
            cal, note = noise.load_calibration(noise.default_calibration_path(run.path), side)
        except rb.ResultsError as e:
            side, info, cal, note = None, {}, None, str(e)
        _cache[key] = (side, info, cal, note)
    return _cache[key]


def win_check(run, w, r, counter="ns_per_op"):
    """Whether w's lead over r holds across processes: 'clear' when both have two or more
    processes and w's slowest process median beats r's fastest; with one process a side,
    'clear' only when the machine's calibration says the gap is beyond both benchmarks'
    between-run noise (z sds); otherwise says why not."""
    _, info, cal, _ = _spread(run)
    a, b = info.get(w.name), info.get(r.name)
    if counter != "ns_per_op" or a is None or b is None:
        return "-"
    pa, pb = a["process_medians"], b["process_medians"]
    if len(pa) >= 2 and len(pb) >= 2:
        if max(pa) < min(pb):
            return f"clear (across {len(pa)}+{len(pb)} processes)"
        return "overlaps across processes"
    if cal is not None and w.name in cal["benchmarks"] and r.name in cal["benchmarks"]:
        sw, sr = (cal["benchmarks"][n]["sd_log"] for n in (w.name, r.name))
        wm, rm = w.get(counter), r.get(counter)
        if wm and rm and wm > 0 and rm > 0:
            if math.log(rm / wm) > noise.Z * math.hypot(sw, sr):
                return "clear (beyond the calibrated between-run noise)"
            return "within the calibrated between-run noise"
    return "one process: not checked across processes"


def is_clear(check):
    return check.startswith("clear")


def _pct(x):
    return "-" if x is None else f"{x:.1f}%"


def section(run, esc, table):
    side, info, cal, note = _spread(run)
    out = ['<h2 id="noise">Between processes and between runs</h2>']
    if side is None:
        out.append(f'<p class="muted">Not available: {esc(note)}.</p>')
        return "\n".join(out)
    procs = side.gb_context.get("refbench_processes")
    if isinstance(procs, list) and procs:
        per_part = {}
        for p in procs:
            if isinstance(p, dict):
                per_part.setdefault(p.get("part"), []).append(p.get("repetitions"))
        out.append("<p>Each part of the suite ran in fresh processes, one after another in "
                   "rounds; every figure is the median over all its repetitions. "
                   + "; ".join(f"{esc(k)}: {len(v)} process{'es' if len(v) > 1 else ''} "
                               f"({' + '.join(map(str, v))} repetitions)"
                               for k, v in per_part.items()) + ".</p>")
    else:
        out.append("<p>This run records no processes: each part ran in one process, so its "
                   "repetitions were back to back.</p>")
    cpus = side.cpus
    busy = [n for n, v in info.items() if v["every_cpu"]]
    if busy:
        out.append(f'<p class="warn">{len(busy)} benchmarks run as many threads as the '
                   f"machine has CPUs ({cpus}): the harness, the reader and the operating "
                   f"system share those CPUs, which makes these points the noisiest; make "
                   f"compare gates them only when their calibrated A/A noise allows.</p>")
    if cal is not None:
        out.append(f"<p>Between-run noise: {esc(note)}. The noise figure is the change "
                   f"that two runs of the same build exceed by chance about 0.3% of the time "
                   f"({noise.Z:g} between-run sds of a difference); make compare flags "
                   f"nothing below it.</p>")
    else:
        out.append(f'<p class="muted">No between-run noise for this machine and build '
                   f"({esc(note)}). Run <code>make calibrate</code> with this build to "
                   f"measure it.</p>")
    rows = []
    for n, v in sorted(info.items()):
        meds = v["process_medians"]
        rng = (f"{rb.fmt_num(min(meds))} to {rb.fmt_num(max(meds))} "
               f"({100 * (max(meds) / min(meds) - 1):.1f}%)" if len(meds) >= 2 else "-")
        cb = cal["benchmarks"].get(n) if cal is not None else None
        rows.append((f'<td class="name">{esc(n)}</td>',
                     f"{v['processes']} / {v['repetitions']}", rng,
                     _pct(cb["noise_pct"]) if cb else None,
                     f"{cb['processes']} processes" if cb else None,
                     "yes" if v["every_cpu"] else ""))
    out.append(table(["benchmark", "processes / repetitions",
                      "range of process medians (between processes, ns)",
                      "A/A noise figure (between runs)", "A/A from", "threads = CPUs"], rows))
    return "\n".join(out)


if __name__ == "__main__":
    # A part of the report, not a command: run on a folder it would print nothing.
    import sys
    print("report_noise.py: a part of the report, not a command (accepted: scripts/pyrun "
          "-m rbresults.report RUN_DIR for the page, -m rbresults.summary RUN_DIR for the "
          "text)",
          file=sys.stderr)
    sys.exit(2)
