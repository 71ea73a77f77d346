#!/usr/bin/env python3
"""Count whole-process events of the hot scenario with `perf stat`, one run per scheme.

Usage:
  scripts/pyrun scripts/perf_stat.py --binary build/refbench --run-dir DIR
        [--schemes a,b] [--events LIST] [--require] [--timeout S] [-- extra refbench args]

The schemes are the binary's own (BINARY --list-schemes); --schemes picks some of them or of
its baselines (BINARY --list-scenarios, asked only then). For each scheme it runs
  perf stat -x, -e EVENTS -o DIR/perf/<scheme>.csv -- BINARY --scheme=<scheme>
      --scenario=hot --counters=none --benchmark_filter=^hot/<scheme>/ <extra>
(the filter keeps the baselines, which refbench always registers, out of the scheme's
counts; an explicit --benchmark_filter in the extra arguments replaces it), parses every
CSV (scripts/perfcsv.py) and writes DIR/perf.json (atomically).

The counts cover the whole process (set-up included, every thread): they compare schemes,
they are not per-operation figures (the per-op counters come from refbench itself).

perf missing, or not allowed to count (perf_event_paranoid): one line saying so, perf.json
records {"available": false, "reason": ...}, exit 0 -- unless --require (exit 1).
An event this machine cannot count is recorded as "unsupported" (no number); an event the
kernel had to multiplex keeps perf's percentage of time running and "multiplexed": true.
With --require, an event named in --events that cannot be counted also makes the exit 1.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import perfcsv
from rbresults.files import ResultsError
from rbresults.scenarios import baselines_for
from rbresults.schemes import schemes_of_binary

# refbench event name -> (perf event name, method)
EVENTS = {
    "cycles": ("cycles", "hardware-counter"),
    "instructions": ("instructions", "hardware-counter"),
    "l1d_load_misses": ("L1-dcache-load-misses", "hardware-counter"),
    # PERF_COUNT_HW_CACHE_MISSES, the same event refbench's llc_misses opens
    "llc_misses": ("cache-misses", "hardware-counter"),
    "dtlb_load_misses": ("dTLB-load-misses", "hardware-counter"),
    "node_loads": ("node-loads", "hardware-counter"),
    "node_load_misses": ("node-load-misses", "hardware-counter"),
    "page_faults": ("page-faults", "software-event"),
    "context_switches": ("context-switches", "software-event"),
    "cpu_migrations": ("cpu-migrations", "software-event"),
}
# recorded by the kernel in kernel context: a user-only (":u") count of them is always 0
KERNEL_SIDE = {"context_switches", "cpu_migrations"}
RAW_HELP = "raw:0xHEX=name"


class UsageError(Exception):
    pass


def parse_events(spec):
    """'all' or a comma list of refbench event names / raw:0xHEX=name.
    Returns (ordered dict name -> (perf name, method), explicit)."""
    if spec is None or spec == "all":
        return dict(EVENTS), False
    out = {}
    named = set()
    for item in spec.split(","):
        if item == "all":
            for k, v in EVENTS.items():
                out.setdefault(k, v)
            continue
        if item.startswith("raw:"):
            body = item[4:]
            hexpart, eq, name = body.partition("=")
            ok = (eq and hexpart.startswith("0x") and 1 <= len(hexpart) - 2 <= 16
                  and all(c in "0123456789abcdefABCDEF" for c in hexpart[2:])
                  and name and len(name) < 32
                  and all(c.islower() or c.isdigit() or c == "_" for c in name)
                  and name.isascii())
            if not ok:
                raise UsageError("bad raw event %r: expected %s (1-16 hex digits; name of a-z, 0-9, _)"
                                 % (item, RAW_HELP))
            if name in EVENTS or name in out:
                raise UsageError("event name %r in %r is already taken" % (name, item))
            out[name] = ("r%x" % int(hexpart, 16), "hardware-counter")
            continue
        if item not in EVENTS:
            raise UsageError("unknown event %r; accepted: all, or a comma list of %s, %s"
                             % (item, ", ".join(EVENTS), RAW_HELP))
        if item in named:
            raise UsageError("event %r listed twice" % item)
        named.add(item)
        out[item] = EVENTS[item]
    if not out:
        raise UsageError("empty event list")
    return out, True


def parse_schemes(spec, known, baselines=(), note=""):
    """--schemes: 'all' (every scheme in `known`, the binary's list) or a comma list of
    them and of `baselines` (the binary's, scenarios.baselines_for; note: why they are not
    known)."""
    accepted = list(known) + list(baselines)
    if spec is None or spec == "all":
        return list(known)
    out = []
    for s in spec.split(","):
        if s not in accepted:
            raise UsageError("unknown scheme %r; accepted: %s%s" % (s, ", ".join(accepted),
                                                                  note))
        if s in out:
            raise UsageError("scheme %r listed twice" % s)
        out.append(s)
    return out


def read_paranoid(path="/proc/sys/kernel/perf_event_paranoid"):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def check_perf(perf, paranoid, euid, runner=subprocess.run):
    """Return (available, reason, version). perf: path or None."""
    if perf is None:
        return False, "perf not found on PATH (Debian package linux-perf)", None
    if paranoid is not None and paranoid > 2 and euid != 0:
        return False, ("perf_event_paranoid=%d forbids perf for unprivileged users "
                       "(needs <= 2, or CAP_PERFMON)" % paranoid), None
    try:
        ver = runner([perf, "--version"], capture_output=True, text=True, timeout=30)
        version = ver.stdout.strip() if ver.returncode == 0 else None
        probe = runner([perf, "stat", "-x,", "-e", "page-faults", "--", "true"],
                       capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, "perf could not run: %s" % e, None
    if probe.returncode != 0:
        lines = [l.strip() for l in (probe.stderr or "").splitlines() if l.strip()]
        msg = lines[0] if lines else "exit code %d" % probe.returncode
        p = "" if paranoid is None else " (perf_event_paranoid=%d)" % paranoid
        return False, "perf stat does not work here%s: %s" % (p, msg), version
    return True, "", version


def write_json_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def map_rows(rows, events, paranoid):
    """perf rows -> {refbench name: row}, with our names, methods and the kernel-side fix."""
    by_perf = {perf.lower(): (name, method) for name, (perf, method) in events.items()}
    out = {}
    extra = []
    for row in rows:
        printed = row["event"]
        base = perfcsv.strip_modifiers(printed).lower()
        if base not in by_perf:
            extra.append(printed)
            continue
        name, method = by_perf[base]
        r = dict(row)
        r["perf_event"] = printed
        del r["event"]
        r["method"] = method
        if r["status"] == "unsupported":
            r["reason"] = "perf: <not supported> (the event cannot be opened on this machine)"
        elif r["status"] == "not-counted":
            r["reason"] = "perf: <not counted> (opened, but never ran on the PMU)"
        modifiers = printed.split(":", 1)[1] if ":" in printed and "/" not in printed else ""
        user_only = "u" in modifiers and "k" not in modifiers
        if name in KERNEL_SIDE and user_only and r["status"] == "counted":
            # perf fell back to user-only counting: such a count is always 0
            r = {"perf_event": printed, "method": method, "status": "unsupported",
                 "reason": "counted user-side only (perf_event_paranoid=%s): this event is "
                           "recorded in kernel context, so the count would always be 0"
                           % ("?" if paranoid is None else paranoid)}
        out[name] = r
    for name in events:
        if name not in out:
            out[name] = {"perf_event": events[name][0], "method": events[name][1],
                         "status": "missing", "reason": "perf printed no line for it"}
    return out, extra


def run_scheme(perf, binary, scheme, events, perf_dir, extra, timeout):
    csv_final = os.path.join(perf_dir, scheme + ".csv")
    csv_tmp = csv_final + ".tmp"
    log_path = os.path.join(perf_dir, scheme + ".log")
    bench_args = [binary, "--scheme=" + scheme, "--scenario=hot", "--counters=none"]
    if not any(a.startswith("--benchmark_filter") for a in extra):
        bench_args.append("--benchmark_filter=^hot/%s/" % scheme)
    bench_args += extra
    cmd = [perf, "stat", "-x,", "-e", ",".join(p for p, _ in events.values()),
           "-o", csv_tmp, "--"] + bench_args
    result = {"csv": os.path.join("perf", scheme + ".csv"),
              "log": os.path.join("perf", scheme + ".log"),
              "command": ["perf"] + cmd[1:5] + ["-o", os.path.join("perf", scheme + ".csv"), "--"]
              + bench_args}
    t0 = time.monotonic()
    try:
        with open(log_path, "w") as log:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        rc = None
        result["error"] = "timed out after %g s" % timeout
    result["seconds"] = round(time.monotonic() - t0, 3)
    result["exit_code"] = rc
    if not os.path.exists(csv_tmp):
        result.setdefault("error", "perf wrote no output (exit code %s; see %s)"
                          % (rc, result["log"]))
        return result, None
    os.replace(csv_tmp, csv_final)
    return result, csv_final



def split_extra(argv):
    """(own arguments, refbench arguments after '--') of a command line (default sys.argv)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def parse_args(argv):
    """(args, extra refbench arguments after --)."""
    argv, extra = split_extra(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="refbench binary (build/refbench)")
    ap.add_argument("--run-dir", required=True, help="run folder; writes perf/ and perf.json")
    ap.add_argument("--schemes", default=None,
                    help="'all' (default: every scheme of --binary --list-schemes) or a comma "
                         "list of them; baselines also accepted")
    ap.add_argument("--events", default=None,
                    help="'all' (default) or a comma list of %s, %s"
                         % (", ".join(EVENTS), RAW_HELP))
    ap.add_argument("--require", action="store_true",
                    help="exit 1 if perf cannot run, or an event named in --events cannot be "
                         "counted")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="seconds per scheme (default 3600)")
    ap.add_argument("--perf", default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv), extra


def check_args(args):
    """(schemes, events, events named explicitly). Raises UsageError or ResultsError."""
    events, explicit = parse_events(args.events)
    if args.timeout <= 0:
        raise UsageError("--timeout %g: must be > 0" % args.timeout)
    if not os.path.isdir(args.run_dir or ""):
        raise UsageError("run folder '%s' does not exist (accepted: a folder make bench wrote, "
                         "results/<host>/<time>/)" % args.run_dir)
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        raise UsageError("--binary %s: no such executable (build it with make)" % args.binary)
    known = [s.name for s in schemes_of_binary(args.binary)]
    spec = None if args.schemes == "all" else args.schemes
    return parse_schemes(args.schemes, known, *baselines_for(args.binary, spec, known)), \
        events, explicit


def count_scheme(perf, args, scheme, events, perf_dir, extra, paranoid, tally):
    """perf stat of one scheme: its perf.json entry. Events not counted go into
    tally["unsupported"], multiplexed ones into tally["multiplexed"]."""
    result, csv_path = run_scheme(perf, args.binary, scheme, events, perf_dir, extra,
                                  args.timeout)
    if not csv_path:
        return result
    try:
        rows = perfcsv.parse_file(csv_path)
    except (perfcsv.PerfCsvError, OSError) as e:
        result["error"] = "cannot parse %s: %s" % (result["csv"], e)
        return result
    mapped, extra_rows = map_rows(rows, events, paranoid)
    result["rows"] = mapped
    if extra_rows:
        result["unmatched_perf_events"] = extra_rows
    for name, r in mapped.items():
        if r["status"] != "counted":
            tally["unsupported"].setdefault(name, r.get("reason", r["status"]))
        elif r.get("multiplexed"):
            tally["multiplexed"].setdefault(name, []).append(
                "%s %.2f%%" % (scheme, r["running_pct"]))
    return result


def count_all(perf, args, schemes, events, extra, paranoid, doc):
    """perf stat of every scheme into doc["schemes"]: (failed schemes, tally)."""
    perf_dir = os.path.join(args.run_dir, "perf")
    os.makedirs(perf_dir, exist_ok=True)
    failed, tally = [], {"unsupported": {}, "multiplexed": {}}
    for scheme in schemes:
        print("perf_stat: %s ..." % scheme, flush=True)
        result = count_scheme(perf, args, scheme, events, perf_dir, extra, paranoid, tally)
        if result.get("exit_code") != 0 or "error" in result:
            failed.append(scheme)
            print("perf_stat: %s: %s" % (scheme, result.get(
                "error", "refbench exit code %s (see %s)" % (result.get("exit_code"),
                                                             result["log"]))),
                  file=sys.stderr)
        doc["schemes"][scheme] = result
    for name, why in tally["unsupported"].items():
        print("perf_stat: %s (%s) not counted: %s" % (name, events[name][0], why))
    for name, where in tally["multiplexed"].items():
        print("perf_stat: %s multiplexed (time running: %s); values scaled by perf"
              % (name, ", ".join(where)))
    return failed, tally


def main(argv=None):
    args, extra = parse_args(argv)
    try:
        schemes, events, explicit = check_args(args)
    except (UsageError, ResultsError) as e:
        print("perf_stat: %s" % e, file=sys.stderr)
        return 2

    out_path = os.path.join(args.run_dir, "perf.json")
    paranoid = read_paranoid()
    perf = args.perf or shutil.which("perf")
    available, reason, version = check_perf(perf, paranoid, os.geteuid())
    doc = {
        "method": "perf-stat",
        "available": available,
        "perf_event_paranoid": paranoid,
        "scope": "whole process (set-up and every hot benchmark of the scheme, all threads); "
                 "counts, not per-operation figures",
        "events": {name: {"perf_event": p, "method": m} for name, (p, m) in events.items()},
    }
    if not available:
        doc["reason"] = reason
        write_json_atomic(out_path, doc)
        print("perf_stat: perf figures skipped: %s" % reason)
        return 1 if args.require else 0

    doc["perf_version"] = version
    doc["schemes"] = {}
    failed, tally = count_all(perf, args, schemes, events, extra, paranoid, doc)
    write_json_atomic(out_path, doc)
    print("perf_stat: wrote %s" % out_path)
    if failed:
        return 1
    if args.require and explicit and tally["unsupported"]:
        print("perf_stat: --require: events named in --events could not be counted: %s"
              % ", ".join(tally["unsupported"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
