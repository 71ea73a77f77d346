#!/usr/bin/env python3
"""Simulated cache misses per operation with valgrind's cachegrind (differential runs).

Usage:
  scripts/pyrun scripts/cachegrind.py --binary build/refbench --run-dir DIR
        [--schemes a,b] [--paths hot,spread,read,lifecycle] [--n1 N] [--n2 N]
        [--read-nr-cpus LIST] [--require] [-- extra refbench args]

The schemes are the binary's own (BINARY --list-schemes); --schemes picks some of them or of
its baselines (BINARY --list-scenarios, asked only then). For every scheme and single-thread
path it lists the matching benchmarks (BINARY ... --benchmark_list_tests=true), then runs each
one twice under
  valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=DIR/cachegrind/<x>.out
      BINARY --scheme=S --scenario=X --threads=1 --iterations=N --counters=none
      --benchmark_filter=^<benchmark name>$ --benchmark_out=DIR/cachegrind/<x>.json
with N = N1 and N = N2. Set-up (process start, module creation, ...) is identical in both
runs, so (total(N2) - total(N1)) / (ops(N2) - ops(N1)) is the simulated cost of one operation
alone, ops being what the benchmark reports it did (its "ops" counter: the harness runs whole
batches, so a run of N iterations may do a few more than N operations; without the counter,
N x ops per iteration). Figures per op: D1 misses (D1mr + D1mw), LL misses (DLmr + DLmw),
data reads (Dr), data writes (Dw), instructions (Ir).

Writes DIR/cachegrind.json atomically: method "cachegrind-simulation", the valgrind version,
the simulated cache geometry (cachegrind's "desc:" lines), one entry per benchmark.
valgrind absent: one line saying so, cachegrind.json records {"available": false}, exit 0
(exit 1 with --require).
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys

from rbresults.files import ResultsError
from rbresults.scenarios import baselines_for
from rbresults.schemes import schemes_of_binary

PATHS = ["hot", "spread", "read", "lifecycle"]
METHOD = "cachegrind-simulation"

# figure name -> cachegrind events summed
FIGURES = {
    "d1_misses_per_op": ("D1mr", "D1mw"),
    "ll_misses_per_op": ("DLmr", "DLmw"),
    "data_reads_per_op": ("Dr",),
    "data_writes_per_op": ("Dw",),
    "instructions_per_op": ("Ir",),
}


class UsageError(Exception):
    pass


class CachegrindError(ValueError):
    pass


# ---------------------------------------------------------------- parsing

_DESC = re.compile(r"^(?P<level>\S+) cache:\s+(?P<size>\d+) B, (?P<line>\d+) B, "
                   r"(?P<assoc>\d+)-way associative$")
_DESC_FULL = re.compile(r"^(?P<level>\S+) cache:\s+(?P<size>\d+) B, (?P<line>\d+) B, "
                        r"fully associative$")


def parse_desc(text):
    """'D1 cache:  32768 B, 64 B, 8-way associative' -> {"level": "D1", "size_bytes": 32768,
    "line_bytes": 64, "ways": 8, "desc": text}; None if the line is something else."""
    text = text.strip()
    m = _DESC.match(text)
    if m:
        return {"level": m["level"], "size_bytes": int(m["size"]), "line_bytes": int(m["line"]),
                "ways": int(m["assoc"]), "desc": text}
    m = _DESC_FULL.match(text)
    if m:
        return {"level": m["level"], "size_bytes": int(m["size"]), "line_bytes": int(m["line"]),
                "ways": "full", "desc": text}
    return None


def parse_out(text):
    """Parse a cachegrind.out file. Returns {"desc": [lines], "cache": {level: {...}},
    "cmd": str, "events": [names], "totals": {event: int}}.
    Totals come from the "summary:" line; without one, they are the sum of the cost lines."""
    desc, events, summary, cmd = [], None, None, None
    sums = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("desc:"):
            desc.append(line[5:].strip())
        elif line.startswith("cmd:"):
            cmd = line[4:].strip()
        elif line.startswith("events:"):
            events = line[7:].split()
            sums = [0] * len(events)
        elif line.startswith("summary:"):
            summary = [int(x) for x in line[8:].split()]
        elif events is not None and line[:1].isdigit():
            parts = line.split()
            try:
                costs = [int(x) for x in parts[1:]]
            except ValueError:
                continue
            for i, c in enumerate(costs[:len(sums)]):
                sums[i] += c
    if events is None:
        raise CachegrindError("no 'events:' line: not a cachegrind output file")
    values = summary if summary is not None else sums
    if len(values) > len(events):
        raise CachegrindError("summary has %d values for %d events" % (len(values), len(events)))
    values = values + [0] * (len(events) - len(values))
    cache = {}
    for d in desc:
        p = parse_desc(d)
        if p:
            cache[p["level"]] = {k: v for k, v in p.items() if k != "level"}
    return {"desc": desc, "cache": cache, "cmd": cmd, "events": events,
            "totals": dict(zip(events, values))}


def parse_out_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_out(f.read())


def per_op(totals1, totals2, n1, n2, ops_per_iteration=1):
    """Differential cost per operation of two runs that did n1 and n2 iterations (of
    ops_per_iteration operations each; or n1 and n2 operations, with 1). Returns
    {figure: {"value": x, "method": ...}} for each figure whose events are present; a
    negative difference (impossible for a deterministic simulation) is reported as
    {"value": None, "reason": ...}."""
    if n2 <= n1:
        raise ValueError("n2 (%d) must be larger than n1 (%d)" % (n2, n1))
    if ops_per_iteration <= 0:
        raise ValueError("ops per iteration must be > 0")
    ops = (n2 - n1) * ops_per_iteration
    out = {}
    for fig, evs in FIGURES.items():
        if not all(e in totals1 and e in totals2 for e in evs):
            continue
        diff = sum(totals2[e] for e in evs) - sum(totals1[e] for e in evs)
        if diff < 0:
            out[fig] = {"value": None, "method": METHOD,
                        "reason": "the longer run counted fewer (%d): the per-op figure is "
                                  "below the run-to-run noise of set-up" % diff}
        else:
            out[fig] = {"value": diff / ops, "method": METHOD}
    return out


# ---------------------------------------------------------------- running

def regex_escape(name):
    """Escape a benchmark name for Google Benchmark's --benchmark_filter regex."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", name)


def path_filter(path, scheme, read_nr_cpus, spread_dists=("uniform", "zipf")):
    s = regex_escape(scheme)
    if path == "read":
        alt = "|".join(str(n) for n in read_nr_cpus)
        return "^read/%s/nr_cpus:(%s)/.*load:idle/.*threads:1$" % (s, alt)
    if path == "spread":
        return "^spread/%s/.*dist:(%s)/.*threads:1$" % (s, "|".join(spread_dists))
    return "^%s/%s/.*threads:1$" % (path, s)


def bench_args(binary, scheme, path, extra):
    return [binary, "--scheme=" + scheme, "--scenario=" + path, "--threads=1",
            "--counters=none"] + list(extra)


def list_benchmarks(binary, scheme, path, regex, extra, timeout=300):
    cmd = bench_args(binary, scheme, path, extra) + ["--benchmark_filter=" + regex,
                                                     "--benchmark_list_tests=true"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        lines = [l for l in (proc.stderr or proc.stdout or "").splitlines() if l.strip()]
        raise RuntimeError("listing benchmarks failed (exit %d): %s"
                           % (proc.returncode, lines[-1] if lines else ""))
    return [l.strip() for l in proc.stdout.splitlines() if l.strip()]


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def with_iterations(name, n):
    """The name Google Benchmark gives a benchmark run with a fixed count:
    iterations:N comes before the time type and the thread count."""
    for part in ("/manual_time/", "/real_time/", "/threads:"):
        if part in name:
            i = name.index(part)
            return name[:i] + "/iterations:%d" % n + name[i:]
    return name + "/iterations:%d" % n


def reported_ops(json_path, name):
    """The "ops" counter the benchmark `name` reports in its --benchmark_out JSON, or None
    when the file or the counter is absent."""
    try:
        with open(json_path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    for e in doc.get("benchmarks", []) if isinstance(doc, dict) else []:
        if isinstance(e, dict) and e.get("run_name", e.get("name")) == name \
                and e.get("run_type", "iteration") == "iteration":
            v = e.get("ops")
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                return int(v) if float(v).is_integer() else v
    return None


def run_cachegrind(valgrind, binary, scheme, path, name, n, extra, out_dir, timeout):
    """One simulated run of `name` with --iterations=n: (parsed cachegrind output, its
    file, the operations the benchmark reported or None)."""
    stem = os.path.join(out_dir, "%s.n%d" % (safe_name(name), n))
    out_file, json_file = stem + ".out", stem + ".json"
    named = with_iterations(name, n)
    cmd = [valgrind, "--tool=cachegrind", "--cache-sim=yes",
           "--cachegrind-out-file=" + out_file] + bench_args(binary, scheme, path, extra) + [
        "--iterations=%d" % n, "--benchmark_filter=^%s$" % regex_escape(named),
        "--benchmark_out=" + json_file, "--benchmark_out_format=json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not os.path.exists(out_file):
        lines = [l for l in (proc.stderr or "").splitlines() if l.strip()]
        raise RuntimeError("valgrind run failed (exit %d): %s"
                           % (proc.returncode, lines[-1] if lines else ""))
    out = (proc.stdout or "") + (proc.stderr or "")
    ran = [l for l in out.splitlines() if l.startswith(named)]
    if not ran:
        raise RuntimeError("the benchmark %s did not run under valgrind (filter matched nothing)"
                           % named)
    if any("ERROR OCCURRED" in l for l in ran):
        raise RuntimeError("the benchmark %s reported an error under valgrind: %s"
                           % (named, ran[0].split("ERROR OCCURRED", 1)[1].strip()))
    return parse_out_file(out_file), out_file, reported_ops(json_file, named)


def valgrind_version(valgrind):
    try:
        p = subprocess.run([valgrind, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def write_json_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_list(spec, accepted, what, default, note=""):
    if spec is None:
        return list(default)
    out = []
    for s in spec.split(","):
        if s not in accepted:
            raise UsageError("unknown %s %r; accepted: %s%s" % (what, s, ", ".join(accepted),
                                                              note))
        if s in out:
            raise UsageError("%s %r listed twice" % (what, s))
        out.append(s)
    return out


def parse_positive_list(spec, what):
    out = []
    for s in spec.split(","):
        if not s.isdigit() or int(s) <= 0:
            raise UsageError("%s %r: expected a comma list of positive integers" % (what, spec))
        out.append(int(s))
    return out


def parse_args(argv):
    """(args, extra refbench arguments after --)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="refbench binary (build/refbench)")
    ap.add_argument("--run-dir", required=True,
                    help="run folder; writes cachegrind/ and cachegrind.json")
    ap.add_argument("--schemes", default=None,
                    help="comma list (default: every scheme of --binary --list-schemes; "
                         "baselines also accepted)")
    ap.add_argument("--paths", default=None,
                    help="comma list of %s (default all)" % ",".join(PATHS))
    ap.add_argument("--n1", type=int, default=20000,
                    help="iterations of the short run (default 20000)")
    ap.add_argument("--n2", type=int, default=120000,
                    help="iterations of the long run (default 120000)")
    ap.add_argument("--ops-per-iteration", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--read-nr-cpus", default="64,4096",
                    help="NR_CPUS values of the read sweep to simulate (default 64,4096)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per valgrind run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="valgrind runs at once (default: CPUs; simulated counts are unaffected)")
    ap.add_argument("--spread-dists", default="uniform,zipf",
                    help="spread distributions to simulate (default uniform,zipf)")
    ap.add_argument("--require", action="store_true", help="exit 1 if valgrind is missing")
    ap.add_argument("--valgrind", default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv), extra


def check_settings(args, extra):
    """The settings other than the schemes: (paths, read NR_CPUS, spread distributions).
    Raises UsageError."""
    paths = parse_list(args.paths, PATHS, "path", PATHS)
    read_nr = parse_positive_list(args.read_nr_cpus, "--read-nr-cpus")
    spread_dists = parse_list(args.spread_dists, ["uniform", "zipf"], "spread distribution",
                              ["uniform", "zipf"])
    if args.jobs < 1:
        raise UsageError("--jobs %d: must be at least 1" % args.jobs)
    if args.n1 <= 0 or args.n2 <= args.n1:
        raise UsageError("--n1 %d --n2 %d: need 0 < n1 < n2" % (args.n1, args.n2))
    if args.ops_per_iteration <= 0:
        raise UsageError("--ops-per-iteration %d: must be > 0" % args.ops_per_iteration)
    if args.timeout <= 0:
        raise UsageError("--timeout %g: must be > 0" % args.timeout)
    if any(a.startswith(("--iterations", "--benchmark_filter", "--threads", "--scenario",
                         "--scheme=", "--benchmark_out")) for a in extra):
        raise UsageError("extra refbench arguments may not set --iterations, --threads, "
                         "--scenario, --scheme, --benchmark_filter or --benchmark_out (this "
                         "script sets them)")
    return paths, read_nr, spread_dists


def choose_schemes(args):
    """--schemes checked against the binary's own scheme list and its baselines."""
    known = [s.name for s in schemes_of_binary(args.binary)]
    baselines, note = baselines_for(args.binary, args.schemes, known)
    return parse_list(args.schemes, known + baselines, "scheme", known, note)


def list_jobs(args, schemes, paths, read_nr, spread_dists, extra, doc):
    """[(scheme, path, benchmark name)] to simulate; listing failures and empty paths go
    into doc["errors"] and doc["skipped"]."""
    jobs = []
    for scheme in schemes:
        for path in paths:
            regex = path_filter(path, scheme, read_nr, spread_dists)
            try:
                names = list_benchmarks(args.binary, scheme, path, regex, extra)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                doc["errors"].append({"scheme": scheme, "path": path, "error": str(e)})
                print("cachegrind: %s/%s: %s" % (path, scheme, e), file=sys.stderr)
                continue
            if not names:
                doc["skipped"].append({"scheme": scheme, "path": path,
                                       "reason": "no benchmark matches %s" % regex})
                print("cachegrind: %s/%s: no benchmark matches %s" % (path, scheme, regex),
                      file=sys.stderr)
                continue
            jobs.extend((scheme, path, name) for name in names)
    return jobs


def simulate_all(args, valgrind, jobs, extra, cg_dir):
    """[(job, (run at n1, run at n2) or None, error or None)], in the order of jobs."""
    def simulate(job):
        scheme, path, name = job
        print("cachegrind: %s (n=%d, %d) ..." % (name, args.n1, args.n2), flush=True)
        try:
            runs = [run_cachegrind(valgrind, args.binary, scheme, path, name, n, extra,
                                   cg_dir, args.timeout) for n in (args.n1, args.n2)]
        except (RuntimeError, OSError, subprocess.TimeoutExpired, CachegrindError) as e:
            return job, None, e
        return job, runs, None

    # Simulated counts do not depend on what else the machine does, so the
    # valgrind runs may share the CPUs.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        return list(pool.map(simulate, jobs))


def benchmark_entry(args, scheme, path, name, runs):
    """cachegrind.json's entry of one benchmark from its two simulated runs."""
    (r1, f1, ops1), (r2, f2, ops2) = runs
    opi = args.ops_per_iteration
    if ops1 is None or ops2 is None or ops2 <= ops1:
        ops1, ops2, source = args.n1 * opi, args.n2 * opi, "iterations x ops per iteration"
    else:
        source = "the benchmark's ops counter"
    return {"name": name, "scheme": scheme, "scenario": path, "threads": 1,
            "per_op": per_op(r1["totals"], r2["totals"], ops1, ops2),
            "ops": {"n1": ops1, "n2": ops2, "source": source},
            "totals": {"n1": r1["totals"], "n2": r2["totals"]},
            "files": [os.path.relpath(f1, args.run_dir), os.path.relpath(f2, args.run_dir)]}


def main(argv=None):
    args, extra = parse_args(argv)
    try:
        paths, read_nr, spread_dists = check_settings(args, extra)
        if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
            raise UsageError("--binary %s: no such executable (build it with make)"
                             % args.binary)
        schemes = choose_schemes(args)
    except (UsageError, ResultsError) as e:
        print("cachegrind: %s" % e, file=sys.stderr)
        return 2

    os.makedirs(args.run_dir, exist_ok=True)
    out_path = os.path.join(args.run_dir, "cachegrind.json")
    valgrind = args.valgrind or shutil.which("valgrind")
    version = valgrind_version(valgrind) if valgrind else None
    doc = {"method": METHOD}
    if not version:
        reason = ("valgrind not found on PATH (Debian package valgrind)" if not valgrind
                  else "valgrind does not run (valgrind --version failed)")
        doc.update({"available": False, "reason": reason})
        write_json_atomic(out_path, doc)
        print("cachegrind: simulated cache figures skipped: %s" % reason)
        return 1 if args.require else 0

    cg_dir = os.path.join(args.run_dir, "cachegrind")
    os.makedirs(cg_dir, exist_ok=True)
    doc.update({"available": True, "valgrind_version": version, "n1": args.n1, "n2": args.n2,
                "ops_per_iteration": args.ops_per_iteration,
                "note": "single-thread simulation of one cache hierarchy: no coherence "
                        "traffic between CPUs is modelled; an instruction that modifies "
                        "memory in place (incq/decq on a counter) counts as one data read",
                "cache": None, "benchmarks": [], "skipped": [], "errors": []})
    jobs = list_jobs(args, schemes, paths, read_nr, spread_dists, extra, doc)
    for (scheme, path, name), runs, err in simulate_all(args, valgrind, jobs, extra, cg_dir):
        if err is not None:
            doc["errors"].append({"scheme": scheme, "path": path, "benchmark": name,
                                  "error": str(err)})
            print("cachegrind: %s: %s" % (name, err), file=sys.stderr)
            continue
        if doc["cache"] is None:
            doc["cache"] = {"desc": runs[0][0]["desc"], "levels": runs[0][0]["cache"]}
        doc["benchmarks"].append(benchmark_entry(args, scheme, path, name, runs))
    write_json_atomic(out_path, doc)
    print("cachegrind: wrote %s (%d benchmarks, %d errors)"
          % (out_path, len(doc["benchmarks"]), len(doc["errors"])))
    return 1 if doc["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
