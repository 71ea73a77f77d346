"""The kernel, the lab's model in kernel mode and the lab's userspace model, side by side.

Reads a run folder written by `make kbench` (scripts/kbench.sh): kbench.json (refbench_kmod's
windows) and, when present, bench.json (the userspace models on the same machine). For every
scenario, lab scheme and thread count it sets the medians of ns_per_op beside each other:

    kernel      the running kernel's own reference measured beside the scheme (its
                refbench_kernel_reference), e.g. try_module_get(THIS_MODULE) for "atomic"
    model/k     the lab's scheme compiled in kernel mode
    model/u     the same scheme's userspace model (codegen:kernel; read at load:idle and the
                kernel's NR_CPUS; spread uniform over as many modules)

with the ratios model/k over kernel, model/u over model/k and model/u over kernel.

A kernel case that names the userspace figures it stands beside (refbench_kernel_beside:
COUNTER@PREFIX, ...; the grace scenario's grace periods) gets a second table instead: its
median beside the median COUNTER of the userspace benchmarks whose names start with PREFIX
(from grace.json, else bench.json; codegen:kernel, the kernel's NR_CPUS and load:idle where
the name has them), at the lowest thread count they ran with, and the ratio.

Writes kbench-table.json and index.html (the tables as a page, with what each kernel figure
includes) into the run folder and prints the tables, labelled with the kernel version.

Usage: scripts/pyrun scripts/kbench_table.py RUN_DIR
Exit status: 0, or 1 with one line when the run folder has no kbench.json or it cannot be read.
"""
import html
import json
import os
import statistics
import sys


def fail(msg):
    print("kbench_table: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_name(name):
    parts = name.split("/")
    keys = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
    return parts[0], parts[1], keys


def medians(benchmarks, select):
    """{key: median ns_per_op} over the iteration runs select() maps to a key (None: skip)."""
    groups = {}
    for b in benchmarks:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        if "ns_per_op" not in b:
            continue
        key = select(b)
        if key is not None:
            groups.setdefault(key, []).append(b["ns_per_op"])
    return {k: statistics.median(v) for k, v in groups.items()}


def ratio(a, b):
    return a / b if a is not None and b else None


def ratio_txt(x):
    """A ratio of times that may be far from 1: three significant digits."""
    return "-" if x is None else "%.3gx" % x


def human_ns(x):
    """A time in the unit that reads best: ns, us or ms."""
    if x is None:
        return "-"
    if x >= 1e6:
        return "%.2f ms" % (x / 1e6)
    if x >= 1e3:
        return "%.2f us" % (x / 1e3)
    return "%.1f ns" % x


def user_params_fit(keys, nr_cpus):
    """A userspace benchmark's parameters match the kernel run's where its name has them."""
    return (keys.get("codegen", "kernel") == "kernel" and keys.get("nr_cpus", nr_cpus) == nr_cpus
            and keys.get("load", "idle") == "idle")


def grace_rows(kbench, user, nr_cpus):
    """Each kernel case that names what it stands beside, with those figures."""
    cases = {}
    for b in kbench:
        if b.get("refbench_kernel_beside") and not b.get("error_occurred") \
                and b.get("run_type", "iteration") == "iteration" and "ns_per_op" in b:
            scen, subject, keys = parse_name(b["name"])
            c = cases.setdefault((scen[len("kernel-"):], subject), {
                "beside": b["refbench_kernel_beside"], "timing": b.get("refbench_timing", ""),
                "includes": b.get("refbench_includes", ""), "threads": b["threads"], "ns": []})
            c["ns"].append(b["ns_per_op"])
    rows = []
    for (scen, subject), c in sorted(cases.items()):
        kern = statistics.median(c["ns"])
        beside = []
        for item in c["beside"].split(","):
            counter, _, prefix = item.partition("@")
            if not prefix:
                continue
            by_threads = {}
            for b in user:
                if not b["name"].startswith(prefix) or b.get("run_type", "iteration") != "iteration" \
                        or b.get("error_occurred") or counter not in b:
                    continue
                if user_params_fit(parse_name(b["name"])[2], nr_cpus):
                    by_threads.setdefault(b["threads"], []).append(b[counter])
            t = min(by_threads) if by_threads else None
            v = statistics.median(by_threads[t]) if t is not None else None
            beside.append({"benchmark": prefix.rstrip("/"), "counter": counter, "threads": t,
                           "ns": v, "runs": len(by_threads.get(t, [])), "over_kernel": ratio(v, kern)})
        rows.append({"scenario": scen, "subject": subject, "threads": c["threads"],
                     "kernel_ns": kern, "windows": len(c["ns"]), "timing": c["timing"],
                     "includes": c["includes"], "beside": beside})
    return rows


HEAD = ("scenario", "scheme", "threads", "kernel reference", "kernel ns", "model/k ns",
        "model/u ns", "model/k over kernel", "model/u over model/k", "model/u over kernel")


def write_page(run, out, k, fmt):
    """index.html: the table, the kernel it ran on, and what each kernel-side figure includes."""
    e = lambda v: html.escape(str(v), quote=True)
    ctx = k["context"]["refbench_kbench"]
    rows = "".join(
        "<tr>" + "".join("<td>%s</td>" % e(c) for c in (
            r["scenario"], r["scheme"], r["threads"], r["kernel_reference"] or "-",
            fmt(r["kernel_ns"]), fmt(r["model_kernel_mode_ns"]), fmt(r["model_userspace_ns"]),
            fmt(r["model_kernel_mode_over_kernel"], True),
            fmt(r["model_userspace_over_model_kernel_mode"], True),
            fmt(r["model_userspace_over_kernel"], True))) + "</tr>\n" for r in out["rows"])
    includes = {}
    for b in k["benchmarks"]:
        scen, subject, keys = parse_name(b["name"])
        includes.setdefault((scen, subject, keys.get("impl", "")), b.get("refbench_includes", ""))
    inc = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n" % (e(a), e(b), e(c), e(d))
                  for (a, b, c), d in sorted(includes.items()))
    grace = "".join(
        "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n" % (
            e(g["subject"]), e(human_ns(g["kernel_ns"])), e(s["benchmark"]), e(s["counter"]),
            e(human_ns(s["ns"]) + (" (%d thr)" % s["threads"] if s["threads"] else "")),
            e(ratio_txt(s["over_kernel"])))
        for g in out.get("grace", []) for s in g["beside"] or [{"benchmark": "-", "counter": "-",
                                                                "ns": None, "threads": None,
                                                                "over_kernel": None}])
    grace_html = ("<h2>The kernel's grace periods beside the model's</h2>\n<p>Each kernel figure is"
                  " the median over windows of the mean of operations the module timed one by one"
                  " (what each includes: below); beside it the userspace figures it stands for"
                  " (the model's read and delete wait for liburcu's grace period, not the kernel's)."
                  "</p>\n<table><tr><th>kernel</th><th>kernel</th><th>userspace benchmark</th>"
                  "<th>counter</th><th>userspace</th><th>userspace over kernel</th></tr>\n%s</table>\n"
                  % grace) if grace else ""
    absent = "".join("<li>%s, %s: %s</li>\n" % (e(u["scenario"]), e(u["subject"]), e(u["reason"]))
                     for u in ctx.get("unavailable", []))
    note = ctx.get("timing_note", "")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kbench: kernel {e(out["kernel_release"])}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px}} td:nth-child(n+5){{text-align:right}}</style></head>
<body><h1>The running kernel beside the models: kernel {e(out["kernel_release"])}</h1>
<p>Medians of ns per operation (one get + put for hot and spread, one
<code>module_refcount()</code> for read) over the windows of each case; NR_CPUS {e(out["nr_cpus"])}.
model/k is the lab's scheme compiled in kernel mode, model/u its userspace model on the same
machine, kernel the running kernel's own reference named beside it.{(" <strong>" + e(note) + "</strong>") if note else ""}</p>
<table><tr>{"".join("<th>%s</th>" % e(h) for h in HEAD)}</tr>
{rows}</table>
{grace_html}<h2>Not measured, and why</h2><ul>{absent or "<li>none</li>"}</ul>
<h2>What each kernel-side figure includes</h2>
<table><tr><th>scenario</th><th>subject</th><th>impl</th><th>includes</th></tr>
{inc}</table></body></html>
"""
    tmp = os.path.join(run, "index.html.tmp")
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, os.path.join(run, "index.html"))


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read %s: %s" % (path, e))


def kernel_medians(benchmarks):
    """The module's figures: ({(scenario, subject, impl, threads): median}, {(scenario,
    scheme): kernel subjects that name it as their reference}); cases that name what they
    stand beside (the grace periods) have a table of their own."""
    def kernel_key(b):
        scen, subject, keys = parse_name(b["name"])
        return (scen[len("kernel-"):], subject, keys["impl"], b["threads"])

    main_bench = [b for b in benchmarks if not b.get("refbench_kernel_beside")]
    refs = {}
    for b in main_bench:
        scen, subject, keys = parse_name(b["name"])
        if keys["impl"] == "kernel":
            refs.setdefault((scen[len("kernel-"):], b["refbench_kernel_reference"]), set()).add(subject)
    return medians(main_bench, kernel_key), refs


def user_medians(path, nr_cpus, peers):
    """The userspace model's figures of bench.json at the module's settings:
    {(scenario, scheme, threads): median}; {} without a bench.json."""
    if not os.path.exists(path):
        return {}
    u = read_json(path)

    def user_key(b):
        scen, scheme, keys = parse_name(b["name"])
        if keys.get("codegen") != "kernel" or keys.get("nr_cpus") != nr_cpus:
            return None
        if scen == "read" and keys.get("load") != "idle":
            return None
        if scen == "spread" and (keys.get("dist") != "uniform" or keys.get("modules") != peers):
            return None
        return (scen, scheme, b["threads"])

    return medians(u["benchmarks"], user_key)


def grace_benchmarks(run):
    """The userspace figures the grace periods stand beside: grace.json (make kbench's run
    of exactly those), else bench.json, else none."""
    gpath = os.path.join(run, "grace.json")
    gsrc = gpath if os.path.exists(gpath) else os.path.join(run, "bench.json")
    if not os.path.exists(gsrc):
        return []
    doc = read_json(gsrc)
    if not isinstance(doc, dict) or "benchmarks" not in doc:
        fail("cannot read %s: no benchmarks in it" % gsrc)
    return doc["benchmarks"]


def table_rows(kmed, refs, umed, absent):
    """A row for every scheme timed in kernel mode, and for every scheme a kernel subject is
    the reference of (a scheme not built in kernel mode then has the kernel's figure and the
    userspace model's, and the reason its kernel-mode figure is missing)."""
    keys = {(scen, subject, threads) for (scen, subject, impl, threads) in kmed if impl == "model"}
    for (scen, subject, impl, threads) in kmed:
        if impl == "kernel":
            keys |= {(scen, ref, threads) for (rs, ref), subs in refs.items()
                     if rs == scen and subject in subs}
    rows = []
    for (scen, subject, threads) in sorted(keys):
        kmodel = kmed.get((scen, subject, "model", threads))
        umodel = umed.get((scen, subject, threads))
        for ref in sorted(refs.get((scen, subject), [])) or [None]:
            kern = kmed.get((scen, ref, "kernel", threads)) if ref else None
            rows.append({
                "scenario": scen, "scheme": subject, "threads": threads,
                "kernel_reference": ref, "kernel_ns": kern,
                "model_kernel_mode_ns": kmodel, "model_userspace_ns": umodel,
                "model_kernel_mode_absent": None if kmodel is not None else absent.get((scen, subject)),
                "model_kernel_mode_over_kernel": ratio(kmodel, kern),
                "model_userspace_over_model_kernel_mode": ratio(umodel, kmodel),
                "model_userspace_over_kernel": ratio(umodel, kern),
            })
    return rows


def fmt(x, r=False):
    if x is None:
        return "-"
    return ("%.2fx" % x) if r else ("%.2f" % x)


def print_text(out, ctx):
    rows, grace, release = out["rows"], out["grace"], out["kernel_release"]
    print("ns per operation, medians; kernel %s%s" % (
        release, " (" + ctx["timing_note"] + ")" if ctx.get("timing_note") else ""))
    head = ("scenario", "scheme", "thr", "kernel reference", "kernel", "model/k", "model/u",
            "k-model/kernel", "u-model/k-model", "u-model/kernel")
    table = [head] + [(r["scenario"], r["scheme"], str(r["threads"]), r["kernel_reference"] or "-",
                       fmt(r["kernel_ns"]), fmt(r["model_kernel_mode_ns"]),
                       fmt(r["model_userspace_ns"]),
                       fmt(r["model_kernel_mode_over_kernel"], True),
                       fmt(r["model_userspace_over_model_kernel_mode"], True),
                       fmt(r["model_userspace_over_kernel"], True)) for r in rows]
    width = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, width))))
    for scheme, why in sorted({(r["scheme"], r["model_kernel_mode_absent"]) for r in rows
                               if r["model_kernel_mode_absent"]}):
        print("%s: no kernel-mode model: %s" % (scheme, why))
    if not grace:
        return
    print()
    print("the kernel's grace periods beside the userspace model's figures (medians; kernel %s%s;"
          " rcu_expedited=%s rcu_normal=%s)" % (
              release, ", " + ctx["timing_note"] if ctx.get("timing_note") else "",
              ctx.get("rcu_expedited", "?"), ctx.get("rcu_normal", "?")))
    for g in grace:
        print("  %s: %s (median of %d window%s, each operation timed by the module)" % (
            g["subject"], human_ns(g["kernel_ns"]), g["windows"], "" if g["windows"] == 1 else "s"))
        for s in g["beside"]:
            print("      %-28s %-10s %s%s" % (
                s["benchmark"], s["counter"], human_ns(s["ns"]),
                "  (%d thr, %s the kernel's)" % (s["threads"], ratio_txt(s["over_kernel"]))
                if s["ns"] is not None else "  (not run)"))


def main(argv):
    if len(argv) != 2:
        fail("usage: kbench_table.py RUN_DIR")
    run = argv[1]
    k = read_json(os.path.join(run, "kbench.json"))
    ctx = k["context"]["refbench_kbench"]
    release, nr_cpus, peers = ctx["release"], ctx["nr_cpus"], ctx.get("peers", "0")
    kmed, refs = kernel_medians(k["benchmarks"])
    umed = user_medians(os.path.join(run, "bench.json"), nr_cpus, peers)
    grace = grace_rows(k["benchmarks"], grace_benchmarks(run), nr_cpus)
    absent = {(u["scenario"], u["subject"]): u["reason"] for u in ctx.get("unavailable", [])}
    out = {"kernel_release": release, "timing_note": ctx.get("timing_note", ""),
           "nr_cpus": nr_cpus, "rows": table_rows(kmed, refs, umed, absent), "grace": grace,
           "rcu_expedited": ctx.get("rcu_expedited"), "rcu_normal": ctx.get("rcu_normal")}
    tmp = os.path.join(run, "kbench-table.json.tmp")
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, os.path.join(run, "kbench-table.json"))
    write_page(run, out, k, fmt)
    print_text(out, ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
