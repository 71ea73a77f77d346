"""The results model: a run, its benchmarks and their summaries over the repetitions.

Run holds everything a run folder says (load.load_run fills it); Bench is one benchmark
with a Stats per counter, the median, spread and values over its repetitions. Selection
(Run.select), ordering (the run's own scheme and scenario lists) and the run-wide settings
are here; reading files is in files.py and load.py, stand-in figures in standins.py.
"""

import statistics
from pathlib import Path

from rbresults import scenarios as rbscenarios
from rbresults import schemes as rbschemes
from rbresults import standins as rbstandins
from rbresults.files import JSON_FILES, RUN_TS_RE, ResultsError, warn
from rbresults.text import config_label, parse_name

# Fields of a Google Benchmark entry that are bookkeeping, not measurements.
GB_BOOKKEEPING = {"family_index", "per_family_instance_index", "repetitions",
                  "repetition_index", "threads", "iterations"}
GB_TIME_FIELDS = {"real_time", "cpu_time"}
# The entry fields that are text (with the lab's own refbench_* bookkeeping); any other field
# is a figure and must be a number.
GB_TEXT_FIELDS = {"name", "run_name", "run_type", "aggregate_name", "aggregate_unit",
                  "time_unit", "label", "error_message"}
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


# ------------------------------------------------------------------------------- benchmarks

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
        elif k not in GB_TEXT_FIELDS and not k.startswith("refbench_"):
            raise ResultsError(f"benchmark '{entry.get('name')}': {k} is {v!r} (accepted: a "
                               f"number)")
    return out


def _group_entries(entries, path, sink):
    """{run_name: (Bench, [iteration entries], {aggregate name: entry})}, first seen first;
    errors and labels go on the Bench."""
    groups = {}
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
        if rn not in groups:
            groups[rn] = (Bench(rn), [], {})
        b, iters, aggs = groups[rn]
        if e.get("error_occurred"):
            msg = e.get("error_message") or "error"
            if msg not in b.errors:
                b.errors.append(msg)
            continue
        if isinstance(e.get("label"), str) and e["label"]:
            b.label = e["label"]
        if is_agg:
            aggs[e.get("aggregate_name", "")] = e
        else:
            iters.append(e)
    return groups


def _counter_names(rows):
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return keys


def _stats_of_repetitions(iters):
    """{counter: Stats} over the iteration entries, with their values."""
    rows = [_entry_counters(e) for e in iters]
    out = {}
    for k in _counter_names(rows):
        s = aggregate([r.get(k) for r in rows])
        if s is not None:
            out[k] = s
    return out


def _stats_of_aggregates(aggs):
    """{counter: Stats} from Google Benchmark's mean/median/stddev/cv entries (no values)."""
    a = {name: _entry_counters(e) for name, e in aggs.items()}
    n = next((e.get("repetitions") for e in aggs.values()
              if isinstance(e.get("repetitions"), int)), None)
    out = {}
    for k in _counter_names(a.values()):
        mean = a.get("mean", {}).get(k)
        median = a.get("median", {}).get(k)
        if mean is None and median is None:
            continue
        out[k] = Stats(None, n=n, mean=mean, median=median, stddev=a.get("stddev", {}).get(k),
                       cv=a.get("cv", {}).get(k))
    return out


def aggregate_benchmarks(entries, path="bench.json", sink=None):
    """Group Google Benchmark entries by run_name and summarise each counter.

    Iteration entries give full Stats (with the values, for tests of significance). When a
    benchmark has only aggregate entries (--benchmark_report_aggregates_only) its Stats come
    from them and carry no values. Returns benches in first-seen order."""
    out = []
    for rn, (b, iters, aggs) in _group_entries(entries, path, sink).items():
        if b.errors:
            warn(f"{path}: {rn}: benchmark reported an error: {b.errors[0]}", sink)
        try:
            if iters:
                want = iters[0].get("repetitions")
                if isinstance(want, int) and len(iters) < want:
                    warn(f"{path}: {rn}: {len(iters)} of {want} repetitions present", sink)
                b.stats = _stats_of_repetitions(iters)
            elif aggs:
                b.stats = _stats_of_aggregates(aggs)
        except ResultsError as e:
            raise ResultsError(f"{path}: {e}") from None
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
        self.schemes = []            # [schemes.Scheme], in the run's order
        self.roles = rbscenarios.before_list()   # the run's scenario list (load.py sets it)
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
    def emulated(self):
        """How the machine was emulated (context.json "emulated", scripts/bench-guest.sh), or
        None on real hardware. Timings of an emulated run are not compared."""
        v = self.context.get("emulated")
        return v if isinstance(v, str) and v else None

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

    # schemes ------------------------------------------------------------------------------
    def scheme_names(self):
        """Names of the run's schemes, in its order (baselines are not schemes)."""
        return [s.name for s in self.schemes]

    def scheme(self, name):
        """The Scheme called name, or None."""
        return next((s for s in self.schemes if s.name == name), None)

    def scheme_label(self, name):
        """A scheme in a legend: 'name: label' when the run gives it a label, else its name."""
        s = self.scheme(name)
        return f"{name}: {s.label}" if s is not None and s.label else name

    def order(self, names):
        """Distinct scheme (and baseline) names in the run's order."""
        return rbschemes.order(names, self.schemes, self.baselines())

    # controls and baselines, from the run's scenario list (scenarios.py) -----------------
    def baselines(self):
        """The run's baselines, in its list's order."""
        return self.roles.baselines()

    def controls_claiming(self, claim):
        """The run's controls that declare a claim id ("page-size", "walk-stride", ...)."""
        return self.roles.claiming(claim)

    def is_baseline(self, name):
        return self.roles.role(name) == "baseline"

    def page_size_pairs(self):
        """([(scheme on 4 KiB pages, its twin on 2 MiB pages)], reason when none)."""
        return rbschemes.page_size_pairs(self.schemes)

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
        """The scenarios of the run's benchmarks: those of its list in the list's order, then
        any other first part of a name (the controls' "control") by name."""
        seen = [b.scenario for b in self.benchmarks]
        listed = self.roles.scenarios()
        known = [s for s in listed if s in seen]
        return known + sorted({s for s in seen if s not in listed})

    def figures(self):
        """Stand-in figures of cachegrind.json and perf.json (see standins.run_figures)."""
        return rbstandins.run_figures(self)

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
