#!/usr/bin/env python3
"""Check what can be checked of a run made in an emulated machine (scripts/bench-guest.sh).

Usage: scripts/pyrun scripts/guest_checks.py RUN_DIR

Under software emulation the timings mean nothing, but correctness and placement are real.
From the run folder's bench.json, audit.json, race.json, placements.json and context.json:

  topology      the guest has the nodes and CPUs it was asked for (audit.json, context.json)
  ran           every scheme ran every scenario at every thread count, placement and NR_CPUS
                the run asked for (unload and handoff from 2 threads: a getter beside the
                deleter, a CPU to hand a reference to)
  no errors     no benchmark reported an error; each checks that the count is back where
                it started (module_refcount() after the window), so this is that check
  unload        gets_after_going is 0 in every unload benchmark
  race          refbench-race: each scheme's outcome matches its claim
  under-reads   handoff's reader read below the references held only for schemes that
                claim to be unsafe (race.json claims_migration_safe false)
  handoff       at the largest thread count, for every scheme and placement, the benchmark
                ran and references moved (ops_per_sec > 0); where the unpinned reader read
                nothing in the window (it shares the busy CPUs) that is said, not failed
  per-CPU nodes each per-CPU-unit scheme's counter of every CPU is on that CPU's node, and
                the CPUs cover every node; the other schemes' counters are all on the loading
                CPU's node (audit.json)
  scatter       a scatter placement puts its first NODES threads on NODES different nodes;
                a compact one fills a node before the next

Writes RUN_DIR/checks.json ({"checks": [{"name", "ok", "detail"}], "passed", "failed"},
atomically) and prints one line a check. Exit status: 0 all passed, 1 a check failed,
2 the run folder cannot be read (one line naming the file).
"""
import json
import os
import sys
from collections import defaultdict
from types import SimpleNamespace

from rbresults.text import parse_name


class Bad(Exception):
    pass


def load(run, name):
    path = os.path.join(run, name)
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise Bad(f"{path}: cannot read: {e.strerror}") from None
    except ValueError as e:
        raise Bad(f"{path}: not JSON: {e}") from None


def ints(text):
    return [int(x) for x in str(text).split(",") if x]


def words(text):
    return [x for x in str(text).split(",") if x]


def _read(run):
    """The run's files and the settings bench-guest.sh recorded, as one namespace."""
    ctx = load(run, "context.json")
    bench = load(run, "bench.json")
    audit = load(run, "audit.json")
    race = load(run, "race.json")
    placements = load(run, "placements.json")
    try:
        topo = ctx["emulated_topology"]
        st = ctx["settings"]
        g = SimpleNamespace(
            ctx=ctx, audit=audit, nodes=int(topo["nodes"]), cpn=int(topo["cpus_per_node"]),
            threads=ints(st["threads"]), nrs=ints(st["nr_cpus"]),
            pols=words(st["placements"]), scenarios=words(st["scenarios"]),
            entries=bench["benchmarks"],
            race_schemes={s["scheme"]: s for s in race["schemes"]},
            audit_schemes=audit["schemes"], plans=placements["placements"])
    except (KeyError, TypeError, ValueError) as e:
        raise Bad(f"{run}: not a run of scripts/bench-guest.sh (missing or malformed {e})") \
            from None
    g.schemes = [s["name"] for s in ctx.get("schemes", []) if isinstance(s, dict)]
    if st.get("schemes", "all") != "all":
        g.schemes = words(st["schemes"])
    g.ncpus = g.nodes * g.cpn
    g.runs = []
    for e in g.entries:
        if e.get("run_type") == "aggregate":
            continue
        g.runs.append((parse_name(e.get("run_name", e.get("name", ""))), e))
    return g


def _topology(g, add):
    online = g.ctx.get("online_cpus")
    add(f"topology: {g.nodes} nodes, {g.ncpus} CPUs",
        g.audit.get("nodes") == g.nodes and g.audit.get("nr_cpu_ids") == g.ncpus
        and online == f"0-{g.ncpus - 1}",
        f"audit sees {g.audit.get('nodes')} nodes and {g.audit.get('nr_cpu_ids')} CPUs; "
        f"the guest's online CPUs {online}")


def _ran(g, add):
    """Every (scenario, scheme, placement, nr_cpus, threads) asked for."""
    have = set()
    for p, e in g.runs:
        prm = p["params"]
        have.add((p["scenario"], p["scheme"], prm.get("placement"), prm.get("nr_cpus"),
                  p["threads"]))
    missing = []
    for s in g.scenarios:
        for sch in g.schemes:
            for pol in g.pols:
                for t in g.threads:
                    if s in ("handoff", "unload") and t < 2:
                        continue
                    if s == "read":     # its own NR_CPUS sweep, in the first NR_CPUS's process
                        if not any(k[0] == s and k[1] == sch and k[2] == pol and k[4] == t
                                   for k in have):
                            missing.append(f"{s}/{sch}/{pol}/threads:{t}")
                        continue
                    for n in g.nrs:
                        if (s, sch, pol, n, t) not in have:
                            missing.append(f"{s}/{sch}/{pol}/nr_cpus:{n}/threads:{t}")
    add("every scheme ran every scenario, thread count, placement and NR_CPUS asked for",
        not missing and g.schemes,
        f"{len(g.runs)} benchmark results, {len(g.schemes)} schemes; "
        + (f"missing {len(missing)}: {', '.join(missing[:6])}" if missing else "none missing"))


def _errors_unload_race(g, add):
    # no errors (the count back where it started is checked by every benchmark)
    errors = [(e.get("name"), e.get("error_message")) for p, e in g.runs
              if e.get("error_occurred")
              and not (p["scenario"] == "handoff" and p["threads"] < 2)]
    add("no errors: every count back where it started", not errors,
        f"{len(g.runs)} results checked" if not errors else
        f"{len(errors)} errors, first {errors[0][0]}: {errors[0][1]}")
    unl = [e for p, e in g.runs if p["scenario"] == "unload"]
    bad_unl = [e["name"] for e in unl if e.get("gets_after_going") != 0]
    if "unload" in g.scenarios:
        add("unload: gets_after_going 0", unl and not bad_unl,
            f"{len(unl)} unload results" + (f"; not 0 in {bad_unl[:3]}" if bad_unl else ""))
    mism = [n for n, s in g.race_schemes.items() if not s.get("matches_claim")]
    add("race: every scheme's outcome matches its claim", g.race_schemes and not mism,
        f"{len(g.race_schemes)} schemes" + (f"; does not match: {', '.join(mism)}" if mism
                                             else ""))


def _handoff(g, add):
    if "handoff" not in g.scenarios:
        return
    under = defaultdict(float)
    reads = defaultdict(float)
    for p, e in g.runs:
        if p["scenario"] == "handoff" and not e.get("error_occurred"):
            under[p["scheme"]] += e.get("under_reads", 0) or 0
            reads[p["scheme"]] += e.get("handoff_reads", 0) or 0
    claims = g.race_schemes
    unsafe_low = [s for s in under if under[s] > 0
                  and claims.get(s, {}).get("claims_migration_safe") is not False]
    shown = ", ".join(f"{s} {int(under[s])} in {int(reads[s])} reads"
                      + ("" if claims.get(s, {}).get("claims_migration_safe")
                         is not False else " (may read low)") for s in g.schemes)
    add("handoff: under-reads only for schemes that claim to be unsafe", not unsafe_low,
        f"under-reads over every handoff result: {shown}"
        + (f"; from schemes that claim to be safe: {', '.join(unsafe_low)}"
           if unsafe_low else ""))
    tmax = max(g.threads)
    if tmax < 2:
        return
    stuck, unread = [], []
    for sch in g.schemes:
        for pol in g.pols:
            hs = [e for p, e in g.runs if p["scenario"] == "handoff" and p["scheme"] == sch
                  and p["params"].get("placement") == pol and p["threads"] == tmax]
            if not hs or not all((e.get("ops_per_sec") or 0) > 0 for e in hs):
                stuck.append(f"{sch}/{pol}")
            elif not any((e.get("handoff_reads") or 0) > 0 for e in hs):
                unread.append(f"{sch}/{pol}")
    # The unpinned reader shares 8 busy vCPUs: in a short window it may not get to
    # read at all, which is said, not failed.
    add(f"handoff: registered and moving references with {tmax} threads", not stuck,
        f"{len(g.schemes) * len(g.pols)} scheme-placement pairs"
        + (f"; not registered or not moving: {', '.join(stuck)}" if stuck else "")
        + (f"; the unpinned reader read nothing in the window: {', '.join(unread)}"
           if unread else "; the unpinned reader read in every one"))


def _percpu_nodes(g, add):
    """Per-CPU counters on their CPU's node, every node."""
    wrong, uncovered, n_pcpu = [], [], 0
    for s in g.audit_schemes:
        cpus = s.get("cpus") or []
        if s.get("in_percpu_units"):
            n_pcpu += 1
            if any(c.get("counter_node") != c.get("cpu_node") for c in cpus):
                wrong.append(s.get("scheme"))
            if {c.get("cpu_node") for c in cpus} != set(range(g.nodes)):
                uncovered.append(s.get("scheme"))
        elif any(c.get("counter_node") != s.get("loading_node") for c in cpus):
            wrong.append(s.get("scheme"))
    add(f"per-CPU units: every CPU's counter on its own node, all {g.nodes} nodes",
        n_pcpu and not wrong and not uncovered,
        f"{n_pcpu} per-CPU-unit schemes, {len(g.audit_schemes) - n_pcpu} others on the loading "
        f"node" + (f"; wrong node: {', '.join(wrong)}" if wrong else "")
        + (f"; not every node: {', '.join(uncovered)}" if uncovered else ""))


def _placement(g, add):
    """Scatter over the nodes, compact node by node (one line a policy: every process of a
    policy must have laid out the same CPUs)."""
    by_policy = defaultdict(list)
    for part, pl in sorted(g.plans.items()):
        by_policy[pl.get("policy")].append((part, [c.get("node") for c in pl.get("cpus") or []]))
    for pol, laid in sorted(by_policy.items(), key=lambda kv: str(kv[0])):
        ns = laid[0][1]
        same = all(x[1] == ns for x in laid)
        parts = f"{len(laid)} processes" + ("" if same else ", NOT all alike")
        if pol == "scatter":
            head = ns[:g.nodes]
            add(f"scatter: the first {g.nodes} threads on {g.nodes} different nodes",
                same and len(set(head)) == g.nodes and None not in head,
                f"nodes of threads 0..{len(ns) - 1}: {ns} ({parts})")
        elif pol == "compact":
            add(f"compact: node by node, {g.cpn} threads each",
                same and ns == [i // g.cpn for i in range(len(ns))],
                f"nodes of threads 0..{len(ns) - 1}: {ns} ({parts})")


def check_run(run):
    """[{"name", "ok", "detail"}] of every check, in the order the module docstring gives."""
    g = _read(run)
    out = []

    def add(name, ok, detail):
        out.append({"name": name, "ok": bool(ok), "detail": detail})

    for check in (_topology, _ran, _errors_unload_race, _handoff, _percpu_nodes, _placement):
        check(g, add)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("guest_checks: usage: guest_checks.py RUN_DIR", file=sys.stderr)
        return 2
    run = argv[0]
    try:
        if not os.path.isdir(run):
            raise Bad(f"{run}: no such run folder")
        checks = check_run(run)
    except Bad as e:
        print(f"guest_checks: {e}", file=sys.stderr)
        return 2
    failed = sum(1 for c in checks if not c["ok"])
    for c in checks:
        print(f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    doc = {"refbench_format": 1,
           "method": "correctness and placement checked in an emulated machine; timings not "
                     "checked",
           "checks": checks, "passed": len(checks) - failed, "failed": failed}
    path = os.path.join(run, "checks.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"guest checks: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
