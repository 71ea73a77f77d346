"""Reading a refbench run's files: errors and warnings, JSON, formats, finding run folders.

A run folder is results/<host>/<UTC timestamp YYYYmmddTHHMMSSZ>/ and holds:

  bench.json       Google Benchmark JSON (context + benchmarks), names scenario/scheme/key:value/...
  context.json     {"refbench_format": 1, "host", "date", "nr_cpus", "line", "placement",
                    "counters": {...}, "schemes": [SCHEME...], "scenarios": [ENTRY...], ...}
  footprint.json   {"refbench_format": 1, "modules", "line", "nr_cpu_ids", "rows": [...]}
  audit.json       {"refbench_format": 1, "nodes", "schemes": [{"scheme", "cpus", "remote_share"}]}
  cachegrind.json  {"refbench_format": 1, "figures": [FIGURE...]}
  perf.json        {"refbench_format": 1, "events": {...}, "figures": [FIGURE...]}
  COMPLETE         written last; without it the run was interrupted

A SCHEME is what `refbench --list-schemes` prints for each scheme (see schemes.py); an ENTRY
what `refbench --list-scenarios` prints for each scenario, control and baseline (scenarios.py).

Problems with the input raise ResultsError, whose text is one line naming the file; each script's
main() prints it and exits with status 2 (see run_main()). This module knows nothing of what
the files mean: load.py reads a run folder into the model of model.py.
"""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

# refbench_format values these scripts understand.
OLDEST_FORMAT = 1
NEWEST_FORMAT = 1

RUN_TS_RE = re.compile(r"^\d{8}T\d{6}Z$")
JSON_FILES = ["bench.json", "context.json", "footprint.json", "audit.json",
              "cachegrind.json", "perf.json"]


class ResultsError(Exception):
    """Bad or missing input. str(e) is one line naming the file and what is wrong."""


def write_text_atomic(out, text):
    """Write text to out through out.tmp and a rename: a reader never sees half a file.
    Raises ResultsError naming the file when it cannot be written."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise ResultsError(f"{out}: cannot write: {e.strerror}") from None
    return out


def is_num(v):
    """A JSON number (not a bool)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ----------------------------------------------------------------------------------- messages

def prog_name():
    """The command's name for messages: the script's file name (report.py), or the package's
    name when it runs as `-m rbresults`."""
    if not sys.argv or not sys.argv[0]:
        return "refbench"
    name = os.path.basename(sys.argv[0])
    if name == "__main__.py":
        return os.path.basename(os.path.dirname(os.path.abspath(sys.argv[0])))
    return name


def warn(msg, sink=None):
    """Print a warning on stderr; also keep it in sink (a list) when given."""
    print(f"{prog_name()}: warning: {msg}", file=sys.stderr)
    if sink is not None:
        sink.append(msg)


def run_main(main):
    """Call main(); turn ResultsError into one line on stderr and exit status 2."""
    try:
        status = main()
    except ResultsError as e:
        print(f"{prog_name()}: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{prog_name()}: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(status or 0)


# ------------------------------------------------------------------------------- JSON reading

class _NonFinite:
    """Placeholder for the bare NaN / Infinity / -Infinity tokens Google Benchmark writes."""

    def __init__(self, token):
        self.token = token


def _decoder():
    return json.JSONDecoder(parse_constant=_NonFinite)


def _scrub(doc, where, found):
    """Replace non-finite numbers by None (missing); record where they were."""
    if isinstance(doc, dict):
        return {k: _scrub(v, f"{where}.{k}" if where else k, found) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_scrub(v, f"{where}[{i}]", found) for i, v in enumerate(doc)]
    if isinstance(doc, _NonFinite):
        found.append((where, doc.token))
        return None
    if isinstance(doc, float) and not math.isfinite(doc):
        found.append((where, repr(doc)))
        return None
    return doc


def report_nonfinite(path, found, sink):
    """One warning for the NaN/Infinity values of a file that were read as missing."""
    if not found:
        return
    names = sorted({re.sub(r"\[\d+\]", "[]", w).split(".")[-1] for w, _ in found})
    tokens = sorted({t for _, t in found})
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    warn(f"{path}: {len(found)} {'/'.join(tokens)} value(s) treated as missing "
         f"(fields: {shown})", sink)


def _read_text(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ResultsError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ResultsError(f"{path}: cannot read: {e.strerror}") from None


def load_json_raw(path):
    """(document, [(where, token)] of the non-finite values replaced by None)."""
    text = _read_text(path)
    if not text.strip():
        raise ResultsError(f"{path}: empty file (the writer stopped before writing anything)")
    try:
        doc = _decoder().decode(text)
    except json.JSONDecodeError as e:
        raise ResultsError(f"{path}: not valid JSON: {e.msg} at line {e.lineno} "
                           f"column {e.colno}") from None
    found = []
    return _scrub(doc, "", found), found


def load_json(path, sink=None):
    """Read one JSON file. NaN/Infinity become None with a warning naming the file."""
    doc, found = load_json_raw(path)
    report_nonfinite(path, found, sink)
    return doc


def salvage_gbench_json(path):
    """Recover the complete benchmark entries of a Google Benchmark JSON file cut short
    (an interrupted run). Returns ({"context", "benchmarks"}, non-finite list), or None."""
    text = _read_text(path)
    dec = _decoder()
    doc = {"context": {}, "benchmarks": []}
    m = re.search(r'"context"\s*:\s*', text)
    if m:
        try:
            doc["context"], _ = dec.raw_decode(text, m.end())
        except json.JSONDecodeError:
            pass
    m = re.search(r'"benchmarks"\s*:\s*\[', text)
    if not m:
        return None
    pos = m.end()
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] != "{":
            break
        try:
            entry, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        doc["benchmarks"].append(entry)
    found = []
    return _scrub(doc, "", found), found


def format_version(value):
    """refbench_format as an int, or None when absent/unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check_format(doc, path, field_holder=None):
    """Require a supported refbench_format in doc (or in field_holder, e.g. a context dict)."""
    holder = doc if field_holder is None else field_holder
    if not isinstance(holder, dict) or "refbench_format" not in holder:
        raise ResultsError(
            f"{path}: no refbench_format field: written by a refbench older than format "
            f"{OLDEST_FORMAT} (these scripts read formats {OLDEST_FORMAT}..{NEWEST_FORMAT}); "
            f"re-run the benchmark")
    v = format_version(holder["refbench_format"])
    if v is None:
        raise ResultsError(f"{path}: refbench_format {holder['refbench_format']!r} is not an "
                           f"integer (accepted: {OLDEST_FORMAT}..{NEWEST_FORMAT})")
    if v < OLDEST_FORMAT:
        raise ResultsError(f"{path}: refbench_format {v} is older than supported "
                           f"({OLDEST_FORMAT}..{NEWEST_FORMAT}); re-run the benchmark")
    if v > NEWEST_FORMAT:
        raise ResultsError(f"{path}: refbench_format {v} is newer than these scripts read "
                           f"({OLDEST_FORMAT}..{NEWEST_FORMAT}); update the scripts")
    return v


# --------------------------------------------------------------------------- finding runs

def find_runs(results_dir):
    """Run folders results/<host>/<ts>/, oldest first (by timestamp, then host)."""
    root = Path(results_dir)
    if not root.is_dir():
        raise ResultsError(f"{root}: no such results folder")
    runs = []
    for host in root.iterdir():
        if not host.is_dir():
            continue
        for ts in host.iterdir():
            if ts.is_dir() and RUN_TS_RE.match(ts.name):
                runs.append(ts)
    runs.sort(key=lambda r: (r.name, r.parent.name))
    return runs


def newest_run(results_dir):
    runs = find_runs(results_dir)
    if not runs:
        raise ResultsError(f"{results_dir}: no run folders (expected "
                           f"{results_dir}/<host>/<YYYYmmddTHHMMSSZ>/); run `make bench` first")
    return runs[-1]


def default_results_dir():
    """results/ of the source tree this script belongs to."""
    return Path(__file__).resolve().parent.parent.parent / "results"


def resolve_run_arg(arg, results_dir=None):
    """A run folder from the command line, or the newest under results/ when arg is None."""
    if arg:
        return Path(arg)
    return newest_run(results_dir or default_results_dir())


def binary_json(binary, option, older, timeout=60):
    """(JSON document, where) that a refbench binary prints for `BINARY OPTION` (a --list-*
    option). Raises ResultsError naming the command when it cannot run, exits non-zero (with
    its last line and `older`, what an older binary would lack) or prints no JSON."""
    where = f"{binary} {option}"
    try:
        proc = subprocess.run([str(binary), option], capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ResultsError(f"{where}: cannot run: {e}") from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
        raise ResultsError(f"{where}: exit status {proc.returncode}"
                           + (f": {lines[-1]}" if lines else "") + f" ({older})")
    try:
        return json.loads(proc.stdout), where
    except json.JSONDecodeError as e:
        raise ResultsError(f"{where}: not JSON: {e.msg} at line {e.lineno}") from None
