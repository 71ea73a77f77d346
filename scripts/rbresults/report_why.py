"""The report's sections about causes and correctness: Why (each claimed cause and its control,
from why.py; the TLB reach; the spread model against its control loop), Correctness (the race
and the handoff under-reads, from correctness.py) and the checks of an emulated machine.
Used by report.py."""

import rbresults as rb
from rbresults import correctness, report_perf, why
from rbresults.report_page import esc, table

def section_correctness(run):
    """The deterministic interleaving (race.json) and the handoff under-reads (correctness.py)."""
    out = ['<h2 id="correctness">Correctness: a reference that moves between CPUs</h2>']
    rows, method = correctness.rows(run)
    if not rows:
        out.append(f"<p>Not in this run ({esc(method)}).</p>")
        return "\n".join(out)
    out.append(f"<p>Interleaving: {esc(method or 'not in this run')}. One reference is held "
               "throughout: a read below 1 is what an unload would trust to free a module in "
               "use. Handoff: references taken on one CPU and dropped on another while an "
               "unpinned reader calls module_refcount(); an under-read is a read below the "
               "references it knew to be held for the whole read (all repetitions).</p>")
    out.append(table(["scheme", "claims", "interleavings", "reads below 1", "lowest read",
                      "interleaving outcome", "handoff reads", "under-reads", "at or below 0",
                      "under-reads per million", "handoff moves/s", "handoff outcome"],
                     [(r["scheme"], r.get("claims"), r.get("interleavings"), r.get("race_under"),
                       r.get("race_lowest"), r.get("race"), r.get("handoff_reads"),
                       r.get("handoff_under"), r.get("handoff_zero"),
                       r.get("handoff_under_per_million"), r.get("handoff_ops_per_sec"),
                       r.get("handoff")) for r in rows]))
    return "\n".join(out)


def section_guest_checks(run):
    """checks.json of a run made in an emulated machine (scripts/guest_checks.py)."""
    p = run.path / "checks.json"
    if not p.is_file():
        return ""
    try:
        doc = rb.load_json(p, run.warnings)
        checks = [(c["name"], "ok" if c["ok"] else '<td class="bad">FAILED</td>', c["detail"])
                  for c in doc["checks"]]
    except (rb.ResultsError, KeyError, TypeError) as e:
        return f'<p class="warn">checks.json cannot be read: {esc(e)}</p>'
    return ('<h2 id="checks">Checked in the emulated machine</h2>\n'
            f"<p>{esc(doc.get('method', ''))}: {doc.get('passed')} passed, "
            f"{doc.get('failed')} failed.</p>\n" + table(["check", "outcome", "detail"], checks))


def tlb_reach_text(reach):
    """One line each: the TLB geometry cpuid reported (or why none), and the reach the chase
    control measured (or why it cannot be read)."""
    rep = reach["reported"]
    if rep and rep.get("levels"):
        lv = ", ".join(f"L{x.get('level')} {x.get('pages')} {x.get('entries')} entries"
                       for x in rep["levels"])
        reported = f"Reported ({rep.get('method')}): {lv}."
    else:
        reported = ("Reported: none" + (f" ({rep.get('reason')})" if rep and rep.get("reason")
                                         else " (no tlb in context.json)") + ".")
    if not reach["spans"]:
        measured = "Measured: not in this run (the seed part runs the chase, --tlb-spans)."
    elif reach["between"]:
        a, b = reach["between"]
        measured = (f"Measured ({reach['method']}): from {b} pages on, every span measured "
                    f"costs more on 4 KiB pages than on 2 MiB pages; at {a} pages it does "
                    f"not: the reach of the last TLB level lies between {a} and {b} pages "
                    f"({a * 4} and {b * 4} KiB).")
    else:
        measured = (f"Measured ({reach['method']}): no span from which 4 KiB pages cost more "
                    f"at every larger span; the reach cannot be read from "
                    f"{reach['spans'][0]['span']}-{reach['spans'][-1]['span']} pages.")
    return reported, measured


def section_tlb_reach(run):
    reach = why.tlb_reach(run)
    reported, measured = tlb_reach_text(reach)
    out = ["<h3>TLB reach</h3>", f"<p>{esc(reported)} {esc(measured)}</p>"]
    if reach["spans"]:
        out.append(table(["pages in the chase", "ns/load, 2 MiB", "ns/load, 4 KiB",
                          "difference", "sd", "established"],
                         [(r["span"], r["a"], r["b"], r["diff"], r["sd"],
                           "yes" if r["established"] else "no") for r in reach["spans"]]))
    return "\n".join(out)


def section_why(run):
    """Each cause the lab names, its control and the figures (scripts/rbresults/why.py)."""
    out = ['<h2 id="why">Why: each claimed cause and its control</h2>',
           f"<p>{esc(why.__doc__.split(chr(10) + chr(10))[1])}</p>",
           f"<p>{esc(why.__doc__.split(chr(10) + chr(10))[2])}</p>"]
    for c in why.claims(run):
        out.append(f"<h3>{esc(c['cause'])}</h3><p>Claim: {esc(c['claim'])}. Control: "
                   f"{esc(c['control'])}. <strong>{esc(c['status'])}</strong>.</p>")
        rows = [(r["what"], r["setting"], r["a"], r["b"], r["ratio"], r["diff"], r["sd"],
                 "yes" if r["established"] else "the other way" if r.get("against") else "no")
                for r in c["rows"]]
        if rows:
            out.append(table(["benchmark", "other settings", f"ns/op, {c['a']}",
                              f"ns/op, {c['b']}", "ratio", "difference", "sd", "established"],
                             rows))
    out.append(report_perf.why_table(run, esc, table))
    out.append(section_tlb_reach(run))
    agree = why.model_vs_control(run)
    out.append("<h3>The spread model against its plain control loop</h3>"
               "<p>For each page size, page-aligned over kernel-layout ns/op, three ways: the "
               "model (the kernel's calls); the plain loop over the model's own loaded modules "
               "(codegen:plain: the same loads and stores, none of the scheme's code); and the "
               "control loop over memory of its own (no module allocator, no scheme). A ratio "
               "agrees with the control's within 15%. Where the plain loop agrees and the model "
               "does not, the model's memory makes the control's matrix and the difference is "
               "its code: the last two columns give the ns the code adds to the plain loop at "
               "each placement. The first table gives the four cells themselves. On 4 KiB "
               "pages a cell also depends on which physical pages the run got (the L2 is "
               "indexed by physical address), which no setting of the lab holds fixed.</p>")
    yes = {True: "yes", False: "NO", None: "not in this run"}
    cells = why.matrix_cells(run)
    if cells:
        out.append(table(["scheme", "pages", "offset", "model ns", "plain loop ns (model memory)",
                          "control loop ns", "plain / control", "within 15%",
                          "model - plain (code ns)"],
                         [(c["scheme"], c["pages"], c["offset"], c["model"], c["plain"],
                           c["control"], c["plain_over_control"], yes[c["agree"]],
                           c["code_ns"]) for c in cells]))
    if agree:
        out.append(table(["scheme", "pages", "model ratio", "plain loop ratio (model memory)",
                          "control ratio", "model agrees", "model memory agrees",
                          "code ns, kernel layout", "code ns, page-aligned"],
                         [(a["scheme"], a["pages"], a["model_ratio"], a["plain_ratio"],
                           a["control_ratio"], yes[a["agree"]], yes[a["memory_agree"]],
                           a["code_ns_kernel"], a["code_ns_aligned"]) for a in agree]))
    else:
        out.append("<p>Not in this run (the seed part of the suite runs it).</p>")
    return "\n".join(out)
