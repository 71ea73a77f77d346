#!/usr/bin/env python3
"""Where each scheme's time goes, instruction by instruction: `perf record` of its hot loops.

Usage:
  scripts/pyrun scripts/perf_record.py --binary build/refbench --run-dir DIR
        [--schemes a,b] [--benchmarks hot-1,hot-all,spread-seed,read-4096] [--min-time S]
        [--freq HZ] [--jobs N] [--require] [-- extra refbench args]

For each scheme of the binary (or --schemes) it records four benchmarks (or --benchmarks):
  hot at 1 thread and at every CPU the run may use (NR_CPUS from the extra arguments),
  spread at the seed's configuration (NR_CPUS 4096, 2000 modules, uniform, 1 thread),
  read at NR_CPUS 4096 (1 thread, idle),
each with `perf record -e EVENT -F HZ -o DIR/perf/record/<scheme>.<bench>.data`, EVENT the
best the machine has: `cycles` where the PMU counts it, else the software clock `cpu-clock`
(said in the output), with --no-bpf-event -N where this perf accepts them.  The recordings
run one at a time; reading them (below) runs --jobs at once afterwards.  From each
recording it keeps, as text the report reads without perf:
  - the top symbols with their shares of all samples (perf report), set-up included;
  - the hot loop annotated: every instruction of the lab's own symbols that took samples
    (perf annotate for the shares, objdump -l for the source file and line of each
    instruction), with its share of all samples, the kernel-model source line it comes
    from, and whose it is:
      kernel  the model's code (kernels/), and the harness's call into a scheme's
              out-of-line function (the call the kernel made);
      lab     the harness and window (bench/), and lines of the model that exist only for
              the lab: those that name a refbench_ symbol or carry a '/* lab: ...' comment
              (the registration check in smp_processor_id(), the injected slowdown);
      other   libraries and the kernel (set-up, page faults, timers).
Writes DIR/perf/record/<scheme>.<bench>.txt and DIR/perf_record.json (atomically).

perf missing, perf_event_paranoid too high, or a binary without symbols: one line saying
which and how to fix it, perf_record.json records {"available": false, "reason": ...}, exit
0 (the run goes on) -- unless --require (exit 1).  Bad arguments: one line, exit 2.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import perf_stat
from cachegrind import regex_escape
from rbresults.files import ResultsError
from rbresults.scenarios import baselines_for
from rbresults.schemes import schemes_of_binary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED_NR_CPUS = 4096
SEED_MODULES = 2000
ANNOTATE_MIN_SHARE = 1.0     # percent of all samples: symbols annotated
SHOW_MIN_SHARE = 0.2         # percent of all samples: instructions kept
BENCHMARK_KEYS = ["hot-1", "hot-all", "spread-seed", "read-4096"]


class UsageError(Exception):
    pass


# ------------------------------------------------------------------------------ the runs

def benchmark_plan(ncpus, extra):
    """[(key, description, refbench args, name regex)] of one scheme (SCHEME in args)."""
    plan = [("hot-1", "hot, 1 thread", ["--scenario=hot", "--threads=1"] + extra,
             r"^hot/SCHEME/.*codegen:kernel/.*threads:1$")]
    if ncpus > 1:
        plan.append(("hot-all", f"hot, {ncpus} threads (every CPU)",
                     ["--scenario=hot", f"--threads={ncpus}"] + extra,
                     rf"^hot/SCHEME/.*codegen:kernel/.*threads:{ncpus}$"))
    plan.append(("spread-seed", f"spread, NR_CPUS {SEED_NR_CPUS}, {SEED_MODULES} modules",
                 ["--scenario=spread", "--threads=1", f"--nr-cpus={SEED_NR_CPUS}",
                  f"--modules={SEED_MODULES}"],
                 rf"^spread/SCHEME/modules:{SEED_MODULES}/dist:uniform/nr_cpus:{SEED_NR_CPUS}/"
                 r".*codegen:kernel/.*threads:1$"))
    plan.append(("read-4096", f"read, NR_CPUS {SEED_NR_CPUS}, 1 thread",
                 ["--scenario=read", "--threads=1", f"--nr-cpus={SEED_NR_CPUS}"],
                 rf"^read/SCHEME/nr_cpus:{SEED_NR_CPUS}/.*load:idle/.*codegen:kernel/"
                 r".*threads:1$"))
    return plan


def list_names(binary, scheme, args, timeout):
    p = subprocess.run([binary, f"--scheme={scheme}", "--counters=none", *args,
                        "--benchmark_list_tests"], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode not in (0, 3):
        raise RuntimeError(f"refbench --benchmark_list_tests failed (exit {p.returncode}): "
                           f"{(p.stderr.strip().splitlines() or [''])[-1]}")
    return p.stdout.split()


def choose_event(perf, timeout=60):
    """('cycles', why) where the PMU counts cycles, else ('cpu-clock', why)."""
    try:
        p = subprocess.run([perf, "stat", "-x,", "-e", "cycles", "--", "true"],
                           capture_output=True, text=True, timeout=timeout)
        out = p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cpu-clock", f"cycles could not be probed ({e})"
    line = next((ln for ln in out.splitlines() if ",cycles" in ln or "cycles" in ln), "")
    if p.returncode == 0 and line and "<not supported>" not in line and \
            "<not counted>" not in line:
        return "cycles", "the PMU counts cycles"
    return "cpu-clock", ("no hardware cycles here (perf stat -e cycles: not supported): "
                         "the software clock samples instead")


# ------------------------------------------------------------------------------ reading perf

TOP_RE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)")
ANN_RE = re.compile(r"^\s*([\d.]+)\s*:\s+([0-9a-f]+):\s+(.*\S)\s*$")
OBJ_INSN_RE = re.compile(r"^\s+([0-9a-f]+):\s+(.*\S)\s*$")
OBJ_LINE_RE = re.compile(r"^(/\S+|\S+\.[ch]):(\d+)(?: \(discriminator \d+\))?$")
OBJ_FUNC_RE = re.compile(r"^([A-Za-z_][\w.]*)\(\):$")


def top_symbols(perf, data, limit=12):
    """[{"share", "dso", "kind" ('.' user, 'k' kernel), "symbol"}] of all samples."""
    p = subprocess.run([perf, "report", "-i", data, "--stdio", "--no-children",
                        "--sort", "dso,symbol", "--percent-limit", "0.5"],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"perf report failed: {(p.stderr.strip().splitlines() or [''])[-1]}")
    out = []
    for ln in p.stdout.splitlines():
        m = TOP_RE.match(ln)
        if m and not ln.lstrip().startswith("#"):
            out.append({"share": float(m.group(1)), "dso": m.group(2), "kind": m.group(3),
                        "symbol": m.group(4)})
    out.sort(key=lambda s: -s["share"])
    return out[:limit]


def annotate_shares(perf, data, symbol):
    """{address (int): percent of the symbol's samples} from perf annotate."""
    p = subprocess.run([perf, "annotate", "-i", data, "--stdio", "-s", symbol],
                       capture_output=True, text=True, timeout=300)
    shares = {}
    for ln in p.stdout.splitlines():
        m = ANN_RE.match(ln)
        if m:
            shares[int(m.group(2), 16)] = shares.get(int(m.group(2), 16), 0.0) + float(m.group(1))
    return shares


def objdump_lines(binary, lo, hi):
    """[(address, instruction, source file, line, inlined function)] of [lo, hi]."""
    p = subprocess.run(["objdump", "-d", "-l", "--no-show-raw-insn", "-C",
                        f"--start-address={lo:#x}", f"--stop-address={hi + 16:#x}", binary],
                       capture_output=True, text=True, timeout=120)
    out, src, line, func = [], None, None, None
    for ln in p.stdout.splitlines():
        m = OBJ_LINE_RE.match(ln.strip())
        if m:
            src, line = m.group(1), int(m.group(2))
            continue
        m = OBJ_FUNC_RE.match(ln.strip())
        if m:
            func = m.group(1)
            continue
        m = OBJ_INSN_RE.match(ln)
        if m:
            out.append((int(m.group(1), 16), " ".join(m.group(2).split()), src, line, func))
    return out


_source_cache = {}


def source_text(path, line):
    if path is None or line is None:
        return ""
    if path not in _source_cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                _source_cache[path] = f.read().splitlines()
        except OSError:
            _source_cache[path] = []
    lines = _source_cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def rel(path):
    if path and path.startswith(ROOT + os.sep):
        return path[len(ROOT) + 1:]
    return path


def whose(src, text, insn):
    """'kernel', 'lab' or 'other' (see the module docstring)."""
    r = rel(src) or ""
    if r.startswith("kernels/"):
        return "lab" if ("refbench_" in text or "/* lab:" in text) else "kernel"
    if r.startswith("bench/"):
        if re.match(r"call\s+\S+\s+<scheme_\w+>", insn):
            return "kernel"
        return "lab"
    return "other"


def annotate(perf, data, binary, symbol, sym_share):
    """The symbol's instructions that took samples: [{"address", "insn", "share", "file",
    "line", "function", "source", "whose"}], share in percent of all samples."""
    shares = annotate_shares(perf, data, symbol)
    if not shares:
        return []
    insns = objdump_lines(binary, min(shares), max(shares))
    out = []
    for addr, insn, src, line, func in insns:
        pct = shares.get(addr)
        if not pct:
            continue
        text = source_text(src, line)
        out.append({"address": f"{addr:x}", "insn": insn, "share": pct * sym_share / 100.0,
                    "file": rel(src), "line": line, "function": func, "source": text,
                    "whose": whose(src, text, insn)})
    return out


# ------------------------------------------------------------------------------ one record

def record_flags(perf, timeout=60):
    """perf record's flags that leave out work the recordings do not need, where this perf
    has them: --no-bpf-event (do not list every BPF program the kernel has loaded at the
    start of each recording: about 0.9 s a recording on a kernel with many) and -N (do not
    copy the binaries into the build-id cache under $HOME; build ids stay in the data)."""
    probe = os.path.join(tempfile.mkdtemp(prefix="perf-probe-"), "probe.data")
    try:
        p = subprocess.run([perf, "record", "-q", "--no-bpf-event", "-N", "-e", "cpu-clock",
                            "-o", probe, "--", "true"], capture_output=True, text=True,
                           timeout=timeout)
        return ["--no-bpf-event", "-N"] if p.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired):
        return []
    finally:
        shutil.rmtree(os.path.dirname(probe), ignore_errors=True)


def record_one(perf, event, freq, flags, binary, scheme, key, args, name, rec_dir, timeout):
    """One recording, the process alone on the machine: the path of its data."""
    data = os.path.join(rec_dir, f"{scheme}.{key}.data")
    cmd = [perf, "record", "-q", *flags, "-e", event, "-F", str(freq), "-o", data, "--",
           binary, f"--scheme={scheme}", "--counters=none", *args,
           "--benchmark_filter=^" + regex_escape(name) + "$", "--benchmark_repetitions=1"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0 or not os.path.exists(data):
        raise RuntimeError(f"perf record failed (exit {p.returncode}): "
                           f"{(p.stderr.strip().splitlines() or [''])[-1]}")
    return data


def analyse_one(perf, event, binary, scheme, key, desc, name, data, rec_dir):
    """What one recording says (perf report, perf annotate, objdump): its entry.  Reading a
    recording does not depend on what else runs, so recordings are read in parallel."""
    top = top_symbols(perf, data)
    base = os.path.basename(binary)
    loop, seen = [], set()
    for s in top:
        if s["dso"] != base or s["share"] < ANNOTATE_MIN_SHARE or s["symbol"] in seen:
            continue
        seen.add(s["symbol"])
        loop += [dict(i, symbol=s["symbol"]) for i in annotate(perf, data, binary,
                                                               s["symbol"], s["share"])]
    totals = {}
    for i in loop:
        totals[i["whose"]] = totals.get(i["whose"], 0.0) + i["share"]
    entry = {"benchmark": name, "description": desc, "data": os.path.relpath(data, rec_dir),
             "top_symbols": top, "loop": [i for i in loop if i["share"] >= SHOW_MIN_SHARE],
             "loop_share": sum(totals.values()),
             "shares_by_whose": {k: round(v, 3) for k, v in sorted(totals.items())}}
    text_path = os.path.join(rec_dir, f"{scheme}.{key}.txt")
    with open(text_path + ".tmp", "w") as f:
        f.write(as_text(scheme, entry, event))
    os.replace(text_path + ".tmp", text_path)
    entry["text"] = os.path.relpath(text_path, rec_dir)
    return entry


def as_text(scheme, e, event):
    out = [f"{scheme}: {e['description']}", f"benchmark {e['benchmark']}",
           f"event {event}; shares are percent of all samples of the process", "",
           "top symbols:"]
    out += [f"  {s['share']:6.2f}%  {s['dso']:<20} {s['symbol']}" for s in e["top_symbols"]]
    out += ["", "the lab's symbols, instruction by instruction (whose: kernel = the modelled "
            "kernel's code, lab = the harness and the lab's own lines):"]
    sym = None
    for i in e["loop"]:
        if i["symbol"] != sym:
            sym = i["symbol"]
            out.append(f"  <{sym}>")
        where = f"{i['file']}:{i['line']}" if i["file"] else "?"
        out.append(f"  {i['share']:6.2f}%  {i['whose']:<6} {i['insn']:<42} {where}  "
                   f"{i['source'][:60]}")
    out += ["", "by whose: " + ", ".join(f"{k} {v:.1f}%" for k, v in
                                         e["shares_by_whose"].items())]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------ main

def parse_args(argv):
    argv, extra = perf_stat.split_extra(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="refbench binary (build/refbench)")
    ap.add_argument("--run-dir", required=True, help="run folder; writes perf/record/ and "
                    "perf_record.json")
    ap.add_argument("--schemes", default=None, help="comma list (default: every scheme)")
    ap.add_argument("--benchmarks", default=None,
                    help="comma list of " + ", ".join(BENCHMARK_KEYS) + " (default: all)")
    ap.add_argument("--min-time", type=float, default=0.2,
                    help="seconds each benchmark runs under perf (default 0.2)")
    ap.add_argument("--freq", type=int, default=4000, help="samples per second (default 4000)")
    ap.add_argument("--require", action="store_true",
                    help="exit 1 if perf cannot record here")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per recording")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                    help="recordings read at once, after all are made (default: the CPUs "
                         "this process may use)")
    ap.add_argument("--perf", default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv), extra


def check_args(args):
    if not os.path.isdir(args.run_dir or ""):
        raise UsageError(f"run folder '{args.run_dir}' does not exist (accepted: a folder "
                         "make bench wrote, results/<host>/<time>/)")
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        raise UsageError(f"--binary {args.binary}: no such executable (build it with make)")
    if not (args.min_time > 0):
        raise UsageError(f"--min-time {args.min_time}: accepted: seconds > 0")
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: accepted: a whole number >= 1")
    if not (1 <= args.freq <= 100000):
        raise UsageError(f"--freq {args.freq}: accepted: 1 to 100000 samples per second")
    if args.benchmarks is not None:
        keys = args.benchmarks.split(",")
        bad = [k for k in keys if k not in BENCHMARK_KEYS]
        if bad or not keys:
            raise UsageError(f"--benchmarks '{args.benchmarks}': accepted: a comma list of "
                             f"{', '.join(BENCHMARK_KEYS)}")
    known = [s.name for s in schemes_of_binary(args.binary)]
    spec = None if args.schemes == "all" else args.schemes
    try:
        return perf_stat.parse_schemes(args.schemes, known, *baselines_for(args.binary, spec,
                                                                           known))
    except perf_stat.UsageError as e:
        raise UsageError(str(e)) from None


def has_symbols(binary):
    p = subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True,
                       timeout=60)
    return p.returncode == 0 and ".symtab" in p.stdout and ".debug_line" in p.stdout


def ncpus_of(binary, extra):
    p = subprocess.run([binary, "--plan", *extra], capture_output=True, text=True, timeout=60)
    try:
        return int(json.loads(p.stdout)["nr"])
    except (ValueError, TypeError, KeyError):
        return os.cpu_count() or 1


def main(argv=None):
    args, extra = parse_args(argv)
    try:
        schemes = check_args(args)
    except (UsageError, ResultsError) as e:
        print(f"perf_record: {e}", file=sys.stderr)
        return 2
    out_path = os.path.join(args.run_dir, "perf_record.json")
    perf = args.perf or shutil.which("perf")
    paranoid = perf_stat.read_paranoid()
    available, reason, version = perf_stat.check_perf(perf, paranoid, os.geteuid())
    if available and not (shutil.which("objdump") and shutil.which("readelf")):
        available, reason = False, "objdump or readelf not found (Debian package binutils)"
    if available and not has_symbols(args.binary):
        available, reason = False, (f"{args.binary} has no symbols or line tables: build it "
                                    "with -g and do not strip it (make sets -g)")
    doc = {"method": "perf-record", "available": available, "perf_version": version,
           "perf_event_paranoid": paranoid}
    if not available:
        doc["reason"] = reason
        perf_stat.write_json_atomic(out_path, doc)
        print(f"perf_record: not recorded: {reason}")
        return 1 if args.require else 0
    event, why_event = choose_event(perf)
    doc.update({"event": event, "event_note": why_event, "freq": args.freq,
                "scopes": "whole process per recording (set-up included); the loop's "
                          "instructions are those of the lab's symbols that took samples",
                "schemes": {}})
    print(f"perf_record: event {event}: {why_event}")
    rec_dir = os.path.join(args.run_dir, "perf", "record")
    os.makedirs(rec_dir, exist_ok=True)
    ncpus = ncpus_of(args.binary, extra)
    flags = record_flags(perf)
    doc["record_flags"] = flags
    failed = 0
    # First every recording, one at a time (each alone on the machine: a recording at every
    # CPU would share them with anything else), then the reading of all of them in parallel.
    recorded = []
    for scheme in schemes:
        doc["schemes"][scheme] = {}
        for key, desc, bargs, pattern in benchmark_plan(ncpus, extra):
            if args.benchmarks and key not in args.benchmarks.split(","):
                continue
            bargs = bargs + [f"--benchmark_min_time={args.min_time}"]
            try:
                names = list_names(args.binary, scheme, bargs, args.timeout)
                rx = re.compile(pattern.replace("SCHEME", re.escape(scheme)))
                name = next((n for n in names if rx.search(n)), None)
                if name is None:
                    doc["schemes"][scheme][key] = {
                        "description": desc, "error": "no such benchmark in this build (its "
                        "scenario or thread count is not listed)"}
                    continue
                print(f"perf_record: {scheme}: {desc} ...", flush=True)
                data = record_one(perf, event, args.freq, flags, args.binary, scheme, key,
                                  bargs, name, rec_dir, args.timeout)
                recorded.append((scheme, key, desc, name, data))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failed += 1
                doc["schemes"][scheme][key] = {"description": desc, "error": str(e)}
                print(f"perf_record: {scheme}: {desc}: {e}", file=sys.stderr)

    def read_one(r):
        scheme, key, desc, name, data = r
        try:
            return r, analyse_one(perf, event, args.binary, scheme, key, desc, name, data,
                                  rec_dir), None
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            return r, None, e

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (scheme, key, desc, _name, _data), entry, err in pool.map(read_one, recorded):
            if err is not None:
                failed += 1
                entry = {"description": desc, "error": str(err)}
                print(f"perf_record: {scheme}: {desc}: {err}", file=sys.stderr)
            doc["schemes"][scheme][key] = entry
    # The schemes' entries in the order of the plan, whatever order they were read in.
    order = {k: i for i, k in enumerate(BENCHMARK_KEYS)}
    for scheme in doc["schemes"]:
        doc["schemes"][scheme] = dict(sorted(doc["schemes"][scheme].items(),
                                             key=lambda kv: order.get(kv[0], 99)))
    perf_stat.write_json_atomic(out_path, doc)
    print(f"perf_record: wrote {out_path}")
    return 1 if (failed and args.require) else 0


if __name__ == "__main__":
    sys.exit(main())
