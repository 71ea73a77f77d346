"""Read refbench run folders and summarise their repetitions.

Shared by scripts/plots.py, scripts/report.py and scripts/compare.py. It reads results, it never
measures. A run folder is results/<host>/<UTC timestamp YYYYmmddTHHMMSSZ>/ and holds:

  bench.json       Google Benchmark JSON (context + benchmarks), names scenario/scheme/key:value/...
  context.json     {"refbench_format": 1, "host", "date", "nr_cpus", "line", "placement",
                    "counters": {...}, ...}
  footprint.json   {"refbench_format": 1, "modules", "line", "nr_cpu_ids", "rows": [...]}
  audit.json       {"refbench_format": 1, "nodes", "schemes": [{"scheme", "cpus", "remote_share"}]}
  cachegrind.json  {"refbench_format": 1, "figures": [FIGURE...]}
  perf.json        {"refbench_format": 1, "events": {...}, "figures": [FIGURE...]}
  COMPLETE         written last; without it the run was interrupted

A FIGURE is one stand-in measurement with its method:
  {"scheme": "percpu", "metric": "cache_misses_per_op", "value": 0.002 | null,
   "method": "cachegrind-simulation", "scenario": "hot", "threads": 1,
   "detail": "how it was obtained", "reason": "why it is null"}
The page-size contrast (page_size_contrast) is computed here from bench.json: vmalloc-array
minus nrcpus-array, the same code on 4 KiB and on 2 MiB pages.

Problems with the input raise ResultsError, whose text is one line naming the file; each script's
main() prints it and exits with status 2 (see run_main()).
"""

import json
import math
import os
import re
import statistics
import sys
from pathlib import Path

# refbench_format values these scripts understand.
OLDEST_FORMAT = 1
NEWEST_FORMAT = 1

SCHEMES = ["nrcpus-array", "vmalloc-array", "percpu", "atomic"]
BASELINES = ["noop", "plain", "atomic-private"]
SCENARIOS = ["hot", "spread", "read", "lifecycle", "unload"]
METHODS = ["hardware-counter", "software-event", "cachegrind-simulation",
           "page-size-contrast", "placement-audit"]

# Name components that Google Benchmark appends (as opposed to the lab's own key:value pairs).
GB_KEYS = {"iterations", "repeats", "threads", "min_time", "min_warmup_time"}
GB_FLAGS = {"manual_time", "real_time", "process_time"}
# Fields of a Google Benchmark entry that are bookkeeping, not measurements.
GB_BOOKKEEPING = {"family_index", "per_family_instance_index", "repetitions",
                  "repetition_index", "threads", "iterations"}
GB_TIME_FIELDS = {"real_time", "cpu_time"}
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

RUN_TS_RE = re.compile(r"^\d{8}T\d{6}Z$")
JSON_FILES = ["bench.json", "context.json", "footprint.json", "audit.json",
              "cachegrind.json", "perf.json"]


class ResultsError(Exception):
    """Bad or missing input. str(e) is one line naming the file and what is wrong."""


# ----------------------------------------------------------------------------------- messages

def prog_name():
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "refbench"


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


def _report_nonfinite(path, found, sink):
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


def _load_json_raw(path):
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
    doc, found = _load_json_raw(path)
    _report_nonfinite(path, found, sink)
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


# ---------------------------------------------------------------------------- benchmark names

def _number(text):
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
        return f if math.isfinite(f) else text
    except ValueError:
        return text


def parse_name(name):
    """Split 'scenario/scheme/key:value/.../manual_time/threads:N' into its fields.

    Returns {"scenario", "scheme", "params" (the lab's key:value pairs, in order),
    "gb" (Google Benchmark's key:value suffixes), "flags" (bare suffixes), "threads"}."""
    parts = [p for p in name.split("/") if p != ""]
    out = {"scenario": parts[0] if parts else name, "scheme": "", "params": {}, "gb": {},
           "flags": [], "threads": 1}
    rest = parts[1:]
    if rest and ":" not in rest[0] and rest[0] not in GB_FLAGS:
        out["scheme"] = rest[0]
        rest = rest[1:]
    for p in rest:
        if ":" in p:
            k, v = p.split(":", 1)
            (out["gb"] if k in GB_KEYS else out["params"])[k] = _number(v)
        else:
            out["flags"].append(p)
    t = out["gb"].get("threads")
    if isinstance(t, int) and t > 0:
        out["threads"] = t
    return out


def config_label(params, threads=None, skip=()):
    """'nr_cpus:64 line:128 threads:2' style label of a benchmark's settings."""
    items = [f"{k}:{v}" for k, v in params.items() if k not in skip]
    if threads is not None and "threads" not in skip:
        items.append(f"threads:{threads}")
    return " ".join(items)


# ------------------------------------------------------------------------------- aggregation

class Stats:
    """Summary of one counter over the repetitions of one benchmark."""

    __slots__ = ("n", "mean", "median", "stddev", "cv", "min", "max", "values", "source")

    def __init__(self, values=None, **fields):
        self.values = list(values or [])
        self.source = "repetitions"
        if values is not None:
            v = self.values
            self.n = len(v)
            self.mean = statistics.fmean(v)
            self.median = statistics.median(v)
            self.stddev = statistics.stdev(v) if len(v) >= 2 else None
            self.min, self.max = min(v), max(v)
            self.cv = (self.stddev / abs(self.mean)
                       if self.stddev is not None and self.mean != 0 else None)
        else:
            self.source = "aggregates"
            for k in ("n", "mean", "median", "stddev", "cv", "min", "max"):
                setattr(self, k, fields.get(k))

    def __repr__(self):
        return (f"Stats(n={self.n}, median={self.median}, mean={self.mean}, "
                f"stddev={self.stddev}, cv={self.cv})")


def aggregate(values):
    """Stats over a list of numbers (None entries are missing and skipped); None if empty."""
    v = [x for x in values if x is not None]
    return Stats(v) if v else None


class Bench:
    """One benchmark (all its repetitions) of a run."""

    def __init__(self, name):
        self.name = name                 # Google Benchmark run_name
        f = parse_name(name)
        self.scenario = f["scenario"]
        self.scheme = f["scheme"]
        self.params = f["params"]
        self.gb = f["gb"]
        self.flags = f["flags"]
        self.threads = f["threads"]
        self.label = ""
        self.time_unit = "ns"
        self.stats = {}                  # counter -> Stats
        self.errors = []

    @property
    def config(self):
        """Settings other than the scheme: 'nr_cpus:64 line:128 threads:2'."""
        return config_label(self.params, self.threads)

    def get(self, counter, what="median"):
        s = self.stats.get(counter)
        return None if s is None else getattr(s, what)

    def __repr__(self):
        return f"Bench({self.name!r})"


def _entry_counters(entry):
    unit = TIME_UNIT_NS.get(entry.get("time_unit", "ns"), 1.0)
    if entry.get("aggregate_unit") == "percentage":
        unit = 1.0                       # a cv: a ratio, not a time
    out = {}
    for k, v in entry.items():
        if k in GB_BOOKKEEPING or isinstance(v, bool):
            continue
        if v is None and k not in ("name", "run_name", "label", "aggregate_name"):
            out[k] = None                # a NaN/Infinity that was scrubbed: missing
        elif isinstance(v, (int, float)):
            out[k] = v * unit if k in GB_TIME_FIELDS else v
    return out


def aggregate_benchmarks(entries, path="bench.json", sink=None):
    """Group Google Benchmark entries by run_name and summarise each counter.

    Iteration entries give full Stats (with the values, for tests of significance). When a
    benchmark has only aggregate entries (--benchmark_report_aggregates_only) its Stats come
    from them and carry no values. Returns benches in first-seen order."""
    benches, iters, aggs = {}, {}, {}
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            warn(f"{path}: skipped a benchmark entry without a name", sink)
            continue
        rn = e.get("run_name") if isinstance(e.get("run_name"), str) else None
        is_agg = e.get("run_type") == "aggregate" or "aggregate_name" in e
        if rn is None:
            rn = e["name"]
            if is_agg and e.get("aggregate_name") and rn.endswith("_" + e["aggregate_name"]):
                rn = rn[: -len(e["aggregate_name"]) - 1]
        b = benches.get(rn)
        if b is None:
            b = benches[rn] = Bench(rn)
            iters[rn], aggs[rn] = [], {}
        if e.get("error_occurred"):
            msg = e.get("error_message") or "error"
            if msg not in b.errors:
                b.errors.append(msg)
            continue
        if isinstance(e.get("label"), str) and e["label"]:
            b.label = e["label"]
        if is_agg:
            aggs[rn][e.get("aggregate_name", "")] = e
        else:
            iters[rn].append(e)
    out = []
    for rn, b in benches.items():
        if b.errors:
            warn(f"{path}: {rn}: benchmark reported an error: {b.errors[0]}", sink)
        if iters[rn]:
            want = iters[rn][0].get("repetitions")
            if isinstance(want, int) and len(iters[rn]) < want:
                warn(f"{path}: {rn}: {len(iters[rn])} of {want} repetitions present", sink)
            rows = [_entry_counters(e) for e in iters[rn]]
            keys = []
            for r in rows:
                keys += [k for k in r if k not in keys]
            for k in keys:
                s = aggregate([r.get(k) for r in rows])
                if s is not None:
                    b.stats[k] = s
        elif aggs[rn]:
            a = {name: _entry_counters(e) for name, e in aggs[rn].items()}
            n = next((e.get("repetitions") for e in aggs[rn].values()
                      if isinstance(e.get("repetitions"), int)), None)
            keys = []
            for r in a.values():
                keys += [k for k in r if k not in keys]
            for k in keys:
                mean = a.get("mean", {}).get(k)
                median = a.get("median", {}).get(k)
                if mean is None and median is None:
                    continue
                b.stats[k] = Stats(None, n=n, mean=mean, median=median,
                                   stddev=a.get("stddev", {}).get(k),
                                   cv=a.get("cv", {}).get(k))
        if b.stats or b.errors:
            out.append(b)
    return out


# ------------------------------------------------------------------------------------- runs

def _human_date(iso):
    """'2026-01-01T10:00:00Z' -> '2026-01-01 10:00:00 UTC'."""
    v = iso.strip().replace("T", " ", 1)
    for utc in ("Z", "+00:00"):
        if v.endswith(utc):
            return v[: -len(utc)] + " UTC"
    return v


class Run:
    """Everything a run folder holds, read and checked."""

    def __init__(self, path):
        self.path = Path(path)
        self.complete = False
        self.context = {}            # context.json
        self.gb_context = {}         # bench.json's "context"
        self.benchmarks = []         # [Bench]
        self.footprint = None
        self.audit = None
        self.cachegrind = None
        self.perf = None
        self.warnings = []
        self.absent = {}             # file name -> why it is not used

    # identity ------------------------------------------------------------------------------
    @property
    def host(self):
        for v in (self.context.get("host"), self.gb_context.get("host_name")):
            if isinstance(v, str) and v:
                return v
        parent = self.path.resolve().parent.name
        return parent or "unknown host"

    @property
    def timestamp(self):
        name = self.path.resolve().name
        return name if RUN_TS_RE.match(name) else None

    @property
    def date(self):
        """Human date of the run, UTC when known."""
        for k in ("date", "date_utc"):
            v = self.context.get(k)
            if isinstance(v, str) and v:
                return _human_date(v)
        ts = self.timestamp
        if ts:
            return (f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]} {ts[9:11]}:{ts[11:13]}:{ts[13:15]} UTC")
        v = self.gb_context.get("date")
        if isinstance(v, str) and v:
            return _human_date(v)
        return "date unknown"

    def setting(self, key):
        """A run-wide setting (nr_cpus, line, modules, placement...): context.json's field,
        else its "settings", else bench.json's refbench_<key> context string."""
        v = self.context.get(key)
        if isinstance(v, dict):
            for k in ("value", "policy"):
                if k in v:
                    v = v[k]
                    break
        if v is None and isinstance(self.context.get("settings"), dict):
            v = self.context["settings"].get(key)
        if v is None:
            v = self.gb_context.get(f"refbench_{key}")
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            v = int(v)
        return v

    # selection -----------------------------------------------------------------------------
    def select(self, scenario=None, scheme=None, **params):
        out = []
        for b in self.benchmarks:
            if scenario is not None and b.scenario != scenario:
                continue
            if scheme is not None and b.scheme != scheme:
                continue
            if any(b.params.get(k) != v for k, v in params.items()):
                continue
            out.append(b)
        return out

    def scenarios(self):
        seen = [b.scenario for b in self.benchmarks]
        known = [s for s in SCENARIOS if s in seen]
        return known + sorted({s for s in seen if s not in SCENARIOS})

    def figures(self):
        """Stand-in figures, one dict each: {"scheme", "metric", "value" (None: not measured),
        "method", "source" (file), "scenario", "threads", "name", "params" (the benchmark's
        key:value settings), "detail", "reason"}.

        Read from cachegrind.json's "benchmarks"[].per_op (scripts/cachegrind.py) and from a
        "figures" list in cachegrind.json or perf.json (any method). A cachegrind entry whose
        simulated runs did not run the benchmark (see cachegrind_not_run_reason) gives no
        value: its figures keep the number as "raw_value" and say why in "reason"."""
        out = []
        cg = self.cachegrind
        if isinstance(cg, dict) and isinstance(cg.get("benchmarks"), list):
            n1, n2 = cg.get("n1"), cg.get("n2")
            how = (f"cachegrind, difference of --iterations={n2} and {n1} runs"
                   if n1 and n2 else "cachegrind simulation")
            for i, b in enumerate(cg["benchmarks"]):
                if not (isinstance(b, dict) and isinstance(b.get("scheme"), str)
                        and isinstance(b.get("per_op"), dict)):
                    raise ResultsError(f"{self.path / 'cachegrind.json'}: benchmarks[{i}] "
                                       f"needs a string 'scheme' and a 'per_op' object")
                name = b.get("name") if isinstance(b.get("name"), str) else ""
                params = parse_name(name)["params"] if name else {}
                not_run = cachegrind_not_run_reason(b, n1, n2)
                for metric, f in b["per_op"].items():
                    f = f if isinstance(f, dict) else {"value": f}
                    v = f.get("value")
                    if not _is_num(v):
                        v = None
                    g = {"scheme": b["scheme"], "metric": metric, "value": v,
                         "method": f.get("method") or cg.get("method")
                         or "cachegrind-simulation",
                         "source": "cachegrind.json", "scenario": b.get("scenario"),
                         "threads": b.get("threads"), "name": name, "params": params,
                         "detail": f"{how}: {name}".rstrip(": "),
                         "reason": f.get("reason")}
                    if not_run and v is not None:
                        g.update(value=None, raw_value=v, reason=not_run)
                    out.append(g)
        for fname, doc in (("cachegrind.json", self.cachegrind), ("perf.json", self.perf)):
            if not isinstance(doc, dict) or "figures" not in doc:
                continue
            figs = doc["figures"]
            if not isinstance(figs, list):
                raise ResultsError(f"{self.path / fname}: 'figures' is not a list")
            for i, f in enumerate(figs):
                if not (isinstance(f, dict) and isinstance(f.get("scheme"), str)
                        and isinstance(f.get("metric"), str)):
                    raise ResultsError(f"{self.path / fname}: figures[{i}] needs string "
                                       f"'scheme' and 'metric' fields")
                v = f.get("value")
                if v is not None and not _is_num(v):
                    raise ResultsError(f"{self.path / fname}: figures[{i}].value {v!r} is "
                                       f"not a number or null")
                g = dict(f)
                g["source"] = fname
                g.setdefault("method", "unspecified")
                if not isinstance(g.get("params"), dict):
                    g["params"] = (parse_name(g["name"])["params"]
                                   if isinstance(g.get("name"), str) else {})
                out.append(g)
        return out

    def standin_absent_reason(self, fname):
        """Why a stand-in file gives no figures: absent, or its producer said unavailable."""
        doc = getattr(self, fname.split(".")[0], None)
        if doc is None:
            return self.absent.get(fname, f"no {fname} in this run")
        if doc.get("available") is False:
            return f"{fname}: {doc.get('reason') or 'unavailable'}"
        return None

    def counter_availability(self):
        """context.json's "counters": {name: {"available", "method", "reason"}} normalised."""
        raw = self.context.get("counters")
        if isinstance(raw, dict) and isinstance(raw.get("events"), dict):
            raw = raw["events"]          # refbench --context-out: {"paranoid", "events": {..}}
        out = {}
        if isinstance(raw, dict):
            for name, v in raw.items():
                if isinstance(v, dict):
                    avail = v.get("available", v.get("supported"))
                    out[name] = {"available": bool(avail) if avail is not None else None,
                                 "method": v.get("method"), "reason": v.get("reason"),
                                 "event": v.get("event")}
                elif isinstance(v, bool):
                    out[name] = {"available": v, "method": None, "reason": None, "event": None}
                elif isinstance(v, str):
                    ok = v.lower() in ("yes", "available", "supported", "ok")
                    out[name] = {"available": ok, "method": None,
                                 "reason": None if ok else v, "event": None}
        elif isinstance(raw, list):
            for v in raw:
                if isinstance(v, dict) and isinstance(v.get("name"), str):
                    out[v["name"]] = {"available": v.get("available", v.get("supported")),
                                      "method": v.get("method"), "reason": v.get("reason"),
                                      "event": v.get("event")}
        return out

    def counter_reason(self, counter):
        """Why a bench.json counter (e.g. 'llc_misses_per_op') is absent, as best known."""
        avail = self.counter_availability()
        base = counter[:-len("_per_op")] if counter.endswith("_per_op") else counter
        for k in (counter, base):
            a = avail.get(k)
            if a and a.get("available") is False:
                return a.get("reason") or "unsupported on this machine"
        labels = sorted({b.label for b in self.benchmarks if b.label})
        for lab in labels:
            if any(w in lab.lower() for w in ("unsupported", "not supported", "no pmu",
                                              "not measured", "unavailable")):
                return lab
        if not self.benchmarks:
            return "no benchmarks in this run"
        return f"{counter} absent from bench.json"

    def raw_files(self):
        """Relative paths of the run's raw data files that exist."""
        out = []
        for name in JSON_FILES + ["topology.xml"]:
            if (self.path / name).is_file():
                out.append(name)
        pdir = self.path / "perf"
        if pdir.is_dir():
            out += sorted(f"perf/{p.name}" for p in pdir.iterdir()
                          if p.is_file() and p.suffix in (".csv", ".txt", ".json", ".log"))
        return out


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
        doc, found = _load_json_raw(path)
    except ResultsError as e:
        got = salvage_gbench_json(path) if salvage else None
        if got is None or not got[0]["benchmarks"]:
            raise
        doc, found = got
        warn(f"{path}: cut short ({str(e).split(': ', 1)[-1]}); "
             f"using the {len(doc['benchmarks'])} complete entries before the cut", sink)
    if isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list):
        found = _used_nonfinite(doc["benchmarks"], found)
    _report_nonfinite(path, found, sink)
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


def load_run(path):
    """Read and check a run folder. Raises ResultsError on bad input; warnings go to stderr
    and into run.warnings."""
    run = Run(path)
    p = run.path
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
    run.complete = (p / "COMPLETE").exists()
    if not run.complete:
        warn(f"{p}: no COMPLETE marker: the run was interrupted (or is still going); "
             f"showing what it holds", run.warnings)

    cp = p / "context.json"
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

    bp = p / "bench.json"
    if bp.is_file():
        run.gb_context, run.benchmarks = load_bench_file(bp, run, salvage=not run.complete)
        if not run.benchmarks:
            warn(f"{bp}: holds no benchmark results", run.warnings)
    elif run.complete:
        raise ResultsError(f"{bp}: missing from a complete run")
    else:
        run.absent["bench.json"] = "no bench.json in this run"
        warn(f"{bp}: missing; only the other files can be shown", run.warnings)

    run.footprint = _load_optional(run, "footprint.json", [("rows", list)])
    run.audit = _load_optional(run, "audit.json", [("schemes", list)])
    # written by scripts/cachegrind.py and scripts/perf_stat.py: refbench_format optional
    run.cachegrind = _load_optional(run, "cachegrind.json", [], format_required=False)
    run.perf = _load_optional(run, "perf.json", [], format_required=False)
    _check_footprint(run)
    _check_audit(run)
    run.figures()  # validates the figures lists
    return run


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_footprint(run):
    if run.footprint is None:
        return
    path = run.path / "footprint.json"
    for i, r in enumerate(run.footprint["rows"]):
        if not isinstance(r, dict) or not isinstance(r.get("scheme"), str):
            raise ResultsError(f"{path}: rows[{i}] needs a string 'scheme'")
        if not _is_num(r.get("nr_cpus")) or r["nr_cpus"] <= 0:
            raise ResultsError(f"{path}: rows[{i}].nr_cpus {r.get('nr_cpus')!r} is not a "
                               f"positive number")


def _check_audit(run):
    if run.audit is None:
        return
    path = run.path / "audit.json"
    for i, s in enumerate(run.audit["schemes"]):
        if not isinstance(s, dict) or not isinstance(s.get("scheme"), str):
            raise ResultsError(f"{path}: schemes[{i}] needs a string 'scheme'")


def audit_remote_share(entry):
    """remote_share of an audit.json scheme entry; computed from its cpus when absent.
    None when the placement could not be read (counter_node null or negative)."""
    v = entry.get("remote_share")
    if _is_num(v):
        return float(v)
    cpus = [c for c in entry.get("cpus", []) if isinstance(c, dict)
            and _is_num(c.get("cpu_node")) and _is_num(c.get("counter_node"))
            and c["counter_node"] >= 0]
    if not cpus:
        return None
    return sum(1 for c in cpus if c["counter_node"] != c["cpu_node"]) / len(cpus)


# ------------------------------------------------------------------- stand-in figures

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
PAGE_SCHEMES = ("vmalloc-array", "nrcpus-array")   # 4 KiB pages minus 2 MiB pages


def cachegrind_not_run_reason(entry, n1=None, n2=None):
    """Why a cachegrind.json benchmark entry did not measure its benchmark, or None.

    The differential method needs the timed loop to run in both simulated processes. When it
    did not (the filter matched no benchmark, or the benchmark stopped with an error under
    valgrind), only start-up noise is left: under one instruction per operation."""
    per_op = entry.get("per_op") if isinstance(entry.get("per_op"), dict) else {}
    f = per_op.get("instructions_per_op")
    v = f.get("value") if isinstance(f, dict) else f
    if not _is_num(v):
        tot = entry.get("totals") if isinstance(entry.get("totals"), dict) else {}
        a, b = (tot.get("n1") or {}), (tot.get("n2") or {})
        if (_is_num(n1) and _is_num(n2) and n2 > n1 and isinstance(a, dict)
                and isinstance(b, dict) and _is_num(a.get("Ir")) and _is_num(b.get("Ir"))):
            v = (b["Ir"] - a["Ir"]) / (n2 - n1)
    if _is_num(v) and v < MIN_SIM_INSTRUCTIONS_PER_OP:
        return ("the simulated runs did not run the benchmark: under 1 instruction per op "
                "(the benchmark filter matched nothing, or the benchmark stopped with an "
                "error under valgrind)")
    return None


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


def page_size_contrast(run, path, counter="ns_per_op"):
    """vmalloc-array minus nrcpus-array (the same code on 4 KiB pages, one mapping per
    module, and on 2 MiB pages) on one path, from bench.json medians.

    Returns {"path", "label", "value" (None: not measured), "stddev" (sqrt of the sum of the
    two variances over the repetitions), "low", "high" (the extreme differences of any two
    repetitions), "n", "minuend", "subtrahend" (the two medians), "benches", "method",
    "reason", "note"}."""
    four_k, huge = PAGE_SCHEMES
    got = path_benches(run, path, PAGE_SCHEMES)
    out = {"path": path, "label": path_label(path), "value": None, "stddev": None,
           "low": None, "high": None, "n": None, "minuend": None, "subtrahend": None,
           "benches": [], "method": "page-size-contrast", "reason": None, "note": None}
    missing = [s for s in PAGE_SCHEMES if s not in got]
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
    return Path(__file__).resolve().parent.parent / "results"


def resolve_run_arg(arg, results_dir=None):
    """A run folder from the command line, or the newest under results/ when arg is None."""
    if arg:
        return Path(arg)
    return newest_run(results_dir or default_results_dir())


# ------------------------------------------------------------------------------- formatting

def fmt_num(v, digits=3):
    """Compact human number: 3 significant digits, thousands separators for big values."""
    if v is None:
        return "-"
    if isinstance(v, int) and abs(v) < 10**15:
        return f"{v:,}"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.{max(digits - 3, 0)}f}" if digits > 3 else f"{v:,.0f}"
    return f"{v:.{digits}g}"


def fmt_pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"


def scheme_order(names):
    """Schemes first in the lab's order, then baselines, then anything else."""
    order = SCHEMES + BASELINES
    return sorted(set(names), key=lambda s: (order.index(s) if s in order else len(order), s))


# ------------------------------------------------------------------------------------ main

def _main():
    import argparse
    ap = argparse.ArgumentParser(description="Find and summarise refbench run folders.")
    ap.add_argument("run", nargs="?", help="run folder (default: newest under results/)")
    ap.add_argument("--newest", action="store_true",
                    help="print the newest run folder under --results and exit")
    ap.add_argument("--results", default=None, help="results folder (default: results/)")
    a = ap.parse_args()
    if a.newest:
        print(newest_run(a.results or default_results_dir()))
        return 0
    run = load_run(resolve_run_arg(a.run, a.results))
    print(f"{run.path}: host {run.host}, {run.date}, "
          f"{'complete' if run.complete else 'INTERRUPTED'}, {len(run.benchmarks)} benchmarks")
    for b in run.benchmarks:
        s = b.stats.get("ns_per_op") or b.stats.get("real_time")
        if s is not None:
            print(f"  {b.name:70s} {fmt_num(s.median):>10s} ns  cv {fmt_pct(s.cv):>6s}  n {s.n}")
    return 0


if __name__ == "__main__":
    run_main(_main)
