"""The noise model of a machine, and the gate that sets a change against it.

Two runs of the same build on the same machine differ by more than the repetitions of one
run suggest: address-space layout, module memory, per-CPU units, neighbour load and where the
threads landed change between processes and between minutes, not between back-to-back
repetitions. So make compare does not trust a U test over repetitions alone:

  between-run spread   sd of log(median) of a benchmark over processes of runs of one build
                       (calibrate.py, from two or more runs: the A/A noise) or, with
                       no calibration, over the processes of the two runs being compared.
  noise figure         100 * (exp(Z * sqrt(2) * sd) - 1) percent: the change between two runs
                       that their noise alone exceeds about 0.3% of the time (Z = 3; sqrt(2)
                       because both sides carry the noise).
  gate                 a benchmark is SLOWER (or faster) only when the U test over the
                       repetitions gives p < alpha, the change is above the threshold, and it
                       is above the noise figure. A benchmark whose noise figure is above the
                       threshold is "too noisy to gate on this machine", never SLOWER/faster.
  no calibration       the conservative rule: the noise figure is the larger of the runs' own
                       between-process figure (when both have two or more processes) and
                       UNCALIBRATED_FLOOR_PCT; points whose threads take every CPU of the
                       machine are not gated at all.

A point whose threads take every CPU (threads:2 on 2 CPUs) shares those CPUs with the
harness, the reader and the operating system: it is the noisiest kind, marked as such, and
gated only when its calibrated noise allows.

Calibration files live beside the host's runs (results/<host>/calibration.json); one made on
another host, or on another build than the old run's, or with other run settings, is not used
(with a note saying which).
"""

import json
import math
import os
import statistics
from pathlib import Path

from rbresults import files as rbio
import rbresults as rb

Z = 3.0
UNCALIBRATED_FLOOR_PCT = 10.0
CALIBRATION_FILE = "calibration.json"
CALIBRATION_KIND = "refbench-calibration"
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# context.json fields that make two runs measure different things; "settings" too, but for
# the build's identity (two builds are what a comparison is for).
RUN_FIELDS = ["nr_cpus", "line", "modules", "placement", "smt", "threads", "nr_cpu_ids",
              "online_cpus", "cpu_model"]
NOT_COMPARED_SETTINGS = {"build_id"}


# --------------------------------------------------------------------------- one run's samples

def figure_of(entry):
    """The figure a comparison uses from one Google Benchmark iteration entry: ns_per_op, or
    real_time in ns where there is none; None when neither is a number."""
    v = entry.get("ns_per_op")
    if rb.is_num(v):
        return float(v)
    v = entry.get("real_time")
    if rb.is_num(v):
        return float(v) * TIME_UNIT_NS.get(entry.get("time_unit", "ns"), 1.0)
    return None


class Side:
    """What the gate needs of one run: its context, and each benchmark's figure per process."""

    def __init__(self, path):
        p = Path(path)
        self.path = p
        bench = p / "bench.json" if p.is_dir() else p
        ctx_path = p / "context.json" if p.is_dir() else p.parent / "context.json"
        if p.is_dir() and not bench.is_file():
            raise rb.ResultsError(f"{p}: a folder without bench.json (accepted: a run folder "
                                  f"make bench wrote, or a bench.json file)")
        if not bench.is_file():
            raise rb.ResultsError(f"{p}: no such run folder or bench.json file")
        doc, _ = rbio.load_json_raw(bench)
        if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
            raise rb.ResultsError(f"{bench}: not Google Benchmark JSON (no 'benchmarks' list)")
        self.gb_context = doc.get("context") if isinstance(doc.get("context"), dict) else {}
        self.context = {}
        if ctx_path.is_file():
            ctx = rb.load_json(ctx_path, [])
            if isinstance(ctx, dict):
                self.context = ctx
        self.samples = {}                 # name -> {process: [figure]}
        for e in doc["benchmarks"]:
            if (not isinstance(e, dict) or e.get("run_type") == "aggregate"
                    or "aggregate_name" in e or e.get("error_occurred")):
                continue
            name = e.get("run_name", e.get("name"))
            v = figure_of(e)
            if isinstance(name, str) and v is not None and v > 0:
                proc = e.get("refbench_process", 0)
                self.samples.setdefault(name, {}).setdefault(proc, []).append(v)

    @property
    def host(self):
        for v in (self.context.get("host"), self.gb_context.get("host_name")):
            if isinstance(v, str) and v:
                return v
        return None

    @property
    def settings(self):
        s = self.context.get("settings")
        return dict(s) if isinstance(s, dict) else {}

    @property
    def build_id(self):
        return self.settings.get("build_id")

    @property
    def cpus(self):
        """CPUs the machine had online (context.json), else Google Benchmark's num_cpus."""
        n = count_cpus(self.context.get("online_cpus"))
        if n is None and rb.is_num(self.gb_context.get("num_cpus")):
            n = int(self.gb_context["num_cpus"])
        return n

    def schemes(self):
        s = self.context.get("schemes")
        if isinstance(s, list):
            return [x.get("name") if isinstance(x, dict) else x for x in s]
        return None

    def processes(self, name):
        return len(self.samples.get(name, {}))

    def process_medians(self, name):
        return [statistics.median(v) for _, v in sorted(self.samples.get(name, {}).items())]

    def repetitions(self, name):
        return sum(len(v) for v in self.samples.get(name, {}).values())


def count_cpus(text):
    """Number of CPUs in a list such as '0-1' or '0-3,8-11'; None if it is not one."""
    if not isinstance(text, str) or not text.strip():
        return None
    n = 0
    for part in text.strip().split(","):
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return None
        n += (int(hi) - int(lo) + 1) if hi else 1
    return n


def threads_of(name):
    return rb.parse_name(name)["threads"]


def takes_every_cpu(name, cpus):
    """The benchmark's threads take every CPU the machine has (the harness, the reader and
    the operating system share them)."""
    t = threads_of(name)
    return cpus is not None and t is not None and t >= cpus


# ------------------------------------------------------------------------------- the figures

def log_sd(values):
    """Sample standard deviation of log(values); None with fewer than two."""
    v = [math.log(x) for x in values if x and x > 0]
    return statistics.stdev(v) if len(v) >= 2 else None


def pooled_log_sd(groups):
    """sd of log values around each group's own mean, pooled; (sd, degrees of freedom)."""
    ss, df = 0.0, 0
    for g in groups:
        v = [math.log(x) for x in g if x and x > 0]
        if len(v) >= 2:
            m = statistics.fmean(v)
            ss += sum((x - m) ** 2 for x in v)
            df += len(v) - 1
    return (math.sqrt(ss / df), df) if df else (None, 0)


def noise_pct(sd):
    """Noise figure (percent) of a between-run sd of log figures."""
    return 100.0 * (math.exp(Z * math.sqrt(2.0) * sd) - 1.0)


# ------------------------------------------------------------------------------ calibration

def calibration_doc(sides, date_utc):
    """The calibration of a machine from two or more runs of one build (Side objects): each
    benchmark's between-run sd over every process of every run, and its noise figure."""
    first = sides[0]
    names = [n for n in first.samples if all(n in s.samples for s in sides[1:])]
    benches = {}
    for n in names:
        meds = [m for s in sides for m in s.process_medians(n)]
        run_meds = [statistics.median([v for vs in s.samples[n].values() for v in vs])
                    for s in sides]
        sd = log_sd(meds)
        if sd is None:
            continue
        benches[n] = {"noise_pct": round(noise_pct(sd), 3), "sd_log": sd,
                      "df": len(meds) - 1, "processes": len(meds),
                      "process_medians": meds, "run_medians": run_meds,
                      "takes_every_cpu": takes_every_cpu(n, first.cpus)}
    return {"refbench_format": 1, "kind": CALIBRATION_KIND, "host": first.host,
            "build_id": first.build_id, "cpus": first.cpus, "date_utc": date_utc,
            "settings": {k: v for k, v in first.settings.items()
                         if k not in NOT_COMPARED_SETTINGS},
            "runs": [str(s.path) for s in sides], "z": Z,
            "method": "sd of log(median) over every process of every run; noise figure "
                      "100*(exp(z*sqrt(2)*sd)-1) percent",
            "benchmarks": benches}


def check_same_build(sides):
    """Lines saying why runs cannot calibrate together (another host, build or settings)."""
    out = []
    first = sides[0]
    for s in sides[1:]:
        out += [f"{s.path}: {line}" for line in differences(first, s, build=True)]
    return out


def load_calibration(path, old):
    """(calibration doc or None, note). The doc is used only when it was made on old's host,
    with old's build and run settings."""
    p = Path(path)
    if not p.is_file():
        return None, (f"no calibration for host {old.host or '?'} ({p} absent; "
                      f"make calibrate writes it)")
    try:
        doc = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        return None, f"calibration {p} not read ({e}); ignored"
    if not isinstance(doc, dict) or doc.get("kind") != CALIBRATION_KIND or \
            not isinstance(doc.get("benchmarks"), dict):
        return None, f"calibration {p} is not a refbench calibration file; ignored"
    if doc.get("host") != old.host:
        return None, (f"calibration {p} was made on host {doc.get('host')}, the old run on "
                      f"{old.host}; ignored")
    if doc.get("build_id") != old.build_id:
        return None, (f"calibration {p} was made with build {doc.get('build_id')}, the old "
                      f"run with build {old.build_id}; ignored (make calibrate on the old "
                      f"build)")
    mine = {k: v for k, v in old.settings.items() if k not in NOT_COMPARED_SETTINGS}
    diff = sorted(k for k in set(mine) | set(doc.get("settings", {}))
                  if mine.get(k) != doc.get("settings", {}).get(k))
    if diff:
        k = diff[0]
        return None, (f"calibration {p} was made with {k}={doc['settings'].get(k)}, the old "
                      f"run has {k}={mine.get(k)}; ignored")
    return doc, (f"calibration {p}: {len(doc.get('runs', []))} runs of build "
                 f"{doc.get('build_id')} on {doc.get('host')}, {doc.get('date_utc')}")


def default_calibration_path(old_path):
    """results/<host>/calibration.json beside the old run folder."""
    p = Path(old_path)
    run_dir = p if p.is_dir() else p.parent
    # Relative to where the command runs, as the user named the run: notes and the report
    # print it, and a published report names no absolute path of the machine.
    return Path(os.path.relpath(run_dir.resolve().parent / CALIBRATION_FILE))


# ---------------------------------------------------------------------------- comparability

def differences(old, new, build=False):
    """One line per setting in which two runs differ (host, run settings, schemes); with
    build=True also the build's identity. Fields one side does not record are not compared."""
    out = []
    if old.host and new.host and old.host != new.host:
        out.append(f"host differs: {old.host} vs {new.host}")
    so, sn = old.settings, new.settings
    for k in sorted(set(so) | set(sn)):
        if (k in NOT_COMPARED_SETTINGS and not build) or k not in so or k not in sn:
            continue
        if so[k] != sn[k]:
            out.append(f"setting {k} differs: {so[k]} vs {sn[k]}")
    for k in RUN_FIELDS:
        a, b = old.context.get(k), new.context.get(k)
        if a is None or b is None or a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            keys = sorted(x for x in set(a) | set(b) if a.get(x) != b.get(x))
            out.append(f"{k} differs in {', '.join(keys)}" + "".join(
                f"; {x}: {json.dumps(a.get(x))} vs {json.dumps(b.get(x))}" for x in keys
                if not isinstance(a.get(x), (list, dict))))
        else:
            out.append(f"{k} differs: {json.dumps(a)} vs {json.dumps(b)}")
    a, b = old.schemes(), new.schemes()
    if a is not None and b is not None and a != b:
        out.append(f"schemes differ: {','.join(map(str, a))} vs {','.join(map(str, b))}")
    return out


# ------------------------------------------------------------------------------------ gate

class Gate:
    """Decides each compared benchmark's verdict from its change, U test and noise."""

    def __init__(self, threshold_pct, alpha, calibration=None, old=None, new=None,
                 cpus=None, note=""):
        self.threshold = threshold_pct
        self.alpha = alpha
        self.cal = calibration
        self.old, self.new = old, new
        self.cpus = cpus
        self.note = note

    def noise(self, name):
        """(noise figure in percent or None, where it comes from, calibrated?)."""
        if self.cal is not None and name in self.cal["benchmarks"]:
            return self.cal["benchmarks"][name]["noise_pct"], "A/A", True
        if self.old is not None and self.new is not None and \
                min(self.old.processes(name), self.new.processes(name)) >= 2:
            sd, df = pooled_log_sd([self.old.process_medians(name),
                                    self.new.process_medians(name)])
            if sd is not None:
                return noise_pct(sd), "processes", False
        return None, "none", False

    def judge(self, row):
        """Set row's verdict, slower, faster, noise_pct, noise_source, gated."""
        name = row["name"]
        nz, source, calibrated = self.noise(name)
        row["noise_pct"], row["noise_source"] = nz, source
        row["every_cpu"] = takes_every_cpu(name, self.cpus)
        row["slower"] = row["faster"] = False
        row["gated"] = False
        if row.get("metric") is None:
            return row
        ch = 100.0 * row["change"]
        if nz is not None and nz > self.threshold:
            row["verdict"] = f"too noisy to gate here ({source} noise {nz:.1f}%)"
            return row
        if not calibrated and row["every_cpu"]:
            row["verdict"] = (f"not gated: threads take all {self.cpus} CPUs and no A/A "
                              f"noise is known")
            return row
        if row["p"] is None:
            row["verdict"] = "n/a"
            return row
        row["gated"] = True
        bound = max(self.threshold, nz if nz is not None else 0.0)
        if not calibrated:
            bound = max(bound, UNCALIBRATED_FLOOR_PCT)
        significant = row["p"] < self.alpha
        row["slower"] = significant and ch > bound
        row["faster"] = significant and ch < -bound
        if row["slower"]:
            row["verdict"] = "SLOWER"
        elif row["faster"]:
            row["verdict"] = "faster"
        elif significant and abs(ch) > self.threshold:
            row["verdict"] = f"within noise ({bound:.1f}%)"
        else:
            row["verdict"] = ""
        return row

    def rule(self):
        """The rule in one paragraph, for the comparison's header."""
        base = (f"a benchmark is flagged when the U test gives p < {self.alpha:g}, the median "
                f"changed by more than {self.threshold:g}% and by more than its noise figure "
                f"(z={Z:g} between-run sd, both sides); one whose noise figure exceeds "
                f"{self.threshold:g}% is too noisy to gate here")
        if self.cal is not None:
            return base + "; noise from the calibration below"
        return (base + f"; NO CALIBRATION: conservative rule: the noise figure is the two "
                f"runs' own between-process spread where both have two or more processes, "
                f"and no change under {UNCALIBRATED_FLOOR_PCT:g}% is flagged; points whose "
                f"threads take every CPU are not gated")


def gate_for(old_path, new_path, threshold, alpha, calibration_path=None):
    """(Gate, Side old, Side new) for two run folders or bench.json files."""
    old, new = Side(old_path), Side(new_path)
    path = calibration_path or default_calibration_path(old_path)
    cal, note = load_calibration(path, old)
    if cal is None and calibration_path:
        # Named by the user: not used is an error, not a note.
        raise rb.ResultsError(note.replace("; ignored", "") + " (accepted: a calibration.json "
                              "that make calibrate wrote for the old run's host, build and "
                              "settings)")
    return Gate(threshold, alpha, cal, old, new, old.cpus or new.cpus, note), old, new


def spread_of(run_path, name_filter=None):
    """{name: {"processes", "repetitions", "process_medians", "every_cpu"}} of a run folder,
    for the report."""
    s = Side(run_path)
    out = {}
    for n in s.samples:
        if name_filter and not name_filter(n):
            continue
        out[n] = {"processes": s.processes(n), "repetitions": s.repetitions(n),
                  "process_medians": s.process_medians(n),
                  "every_cpu": takes_every_cpu(n, s.cpus)}
    return s, out


def calibration_for_run(run_path):
    """(calibration doc or None, note) for a run folder: its host's file, if it matches."""
    s = Side(run_path)
    return load_calibration(default_calibration_path(run_path), s)
