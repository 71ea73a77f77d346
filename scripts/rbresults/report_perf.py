"""The report's "Where the time goes" section, from perf_record.json (scripts/perf_record.py):
per scheme and benchmark the top symbols and the hot loop instruction by instruction, the
lab's own instructions marked apart from the modelled kernel's, and the schemes side by side.

Used by report.py: section(run, esc, table) returns the HTML; code_shares(run)
gives, per scheme, the shares perf attributes to the code that the Why section's code
claims are about (the calls, the registration check, the this_cpu addressing).
"""

import json

# What a code claim is about, as a test on one annotated instruction.
CODE_PARTS = [
    ("calls and returns", "the call structure (out-of-line get and put)",
     lambda i: i["insn"].split()[0].startswith(("call", "ret", "push", "pop"))),
    ("registration check", "the lab's check in smp_processor_id() (a TLS load, test, js)",
     lambda i: "/* lab: the registration check" in i["source"]
     or "refbench_this_cpu" in i["source"]),
    ("%gs-addressed", "this_cpu operations through %gs (2.6.34 on)",
     lambda i: "%gs:" in i["insn"]),
]


def load(run):
    """(doc, None) or (None, why there is nothing to show)."""
    p = run.path / "perf_record.json"
    if not p.is_file():
        return None, ("no perf_record.json in this run (make bench with PERF=1, or make perf, "
                      "records it)")
    try:
        doc = json.loads(p.read_text())
    except (OSError, ValueError):
        return None, "perf_record.json could not be read as JSON"
    if not isinstance(doc, dict):
        return None, "perf_record.json is not a perf_record object"
    if not doc.get("available"):
        return None, f"not recorded on this machine: {doc.get('reason') or 'unavailable'}"
    return doc, None


def _entries(doc):
    for scheme, benches in (doc.get("schemes") or {}).items():
        for key, e in (benches or {}).items():
            yield scheme, key, e


def code_shares(run):
    """{scheme: {part: percent of all samples}} from each scheme's hot 1-thread recording."""
    doc, _ = load(run)
    out = {}
    for scheme, key, e in _entries(doc or {}):
        if key != "hot-1" or "loop" not in e:
            continue
        out[scheme] = {name: sum(i["share"] for i in e["loop"] if test(i))
                       for name, _, test in CODE_PARTS}
    return out


def _pct(v):
    return f"{v:.1f}%" if isinstance(v, (int, float)) else "-"


def section(run, esc, table):
    out = ['<h2 id="perf">Where the time goes: perf record of the hot loops</h2>']
    doc, why = load(run)
    if doc is None:
        out.append(f"<p>{esc(why)}.</p>")
        return "\n".join(out)
    skid = (" With a software clock a sample lands on the instruction after the one that "
            "was running when the timer fired (skid): read a share as belonging to the "
            "instruction before it, and never to one instruction exactly."
            if doc.get("event") == "cpu-clock" else "")
    out.append(f"<p>Event <code>{esc(doc.get('event'))}</code> ({esc(doc.get('event_note'))})"
               f", {esc(doc.get('freq'))} samples a second, one recording per scheme and "
               f"benchmark of the whole process (set-up included). Shares are percent of all "
               f"the recording's samples. <em>kernel</em>: the modelled kernel's code "
               f"(kernels/) and the harness's call into a scheme's out-of-line function; "
               f"<em>lab</em>: the harness and window (bench/) and the model's lab-only "
               f"lines (the registration check, an injected slowdown).{esc(skid)}</p>")
    rows = []
    for scheme, key, e in _entries(doc):
        if "error" in e:
            rows.append((scheme, e.get("description", key), "-", "-", "-", "-",
                         f"not recorded: {e['error']}"))
            continue
        by = e.get("shares_by_whose", {})
        top = max(e.get("loop") or [{}], key=lambda i: i.get("share", 0))
        top_txt = (f"{top['insn']} ({top['whose']}, {_pct(top['share'])}, "
                   f"{top.get('file')}:{top.get('line')})" if top else "-")
        rows.append((scheme, e["description"], _pct(e.get("loop_share")),
                     _pct(by.get("kernel", 0.0)), _pct(by.get("lab", 0.0)),
                     _pct(by.get("other", 0.0)), top_txt))
    out.append("<h3>The schemes side by side</h3>")
    out.append(table(["scheme", "benchmark", "the lab's symbols", "kernel", "lab", "other",
                      "the hottest instruction"], rows))
    for scheme, key, e in _entries(doc):
        if "error" in e:
            continue
        tops = ", ".join(f"{s['symbol']} {_pct(s['share'])}" for s in e["top_symbols"][:6])
        lines = [(i["symbol"], i["address"], i["insn"], _pct(i["share"]), i["whose"],
                  f"{i.get('file')}:{i.get('line')}" if i.get("file") else "-",
                  i.get("source", "")) for i in e["loop"]]
        out.append(f"<details><summary>{esc(scheme)}: {esc(e['description'])} &middot; "
                   f"top symbols: {esc(tops)}</summary>")
        out.append(f"<p class='muted'><code>{esc(e['benchmark'])}</code>; text: "
                   f"<code>perf/record/{esc(e.get('text', ''))}</code></p>")
        out.append(table(["symbol", "address", "instruction", "share", "whose", "source",
                          "source line"], lines))
        out.append("</details>")
    return "\n".join(out)


def why_table(run, esc, table):
    """The code claims' instructions, as perf attributes them (hot, 1 thread)."""
    shares = code_shares(run)
    if not shares:
        _, why = load(run)
        return (f"<p class='muted'>The shares of the instructions these claims are about: "
                f"{esc(why or 'no hot recording in perf_record.json')}.</p>")
    head = ["scheme"] + [f"{name}: {what}" for name, what, _ in CODE_PARTS]
    rows = [(s,) + tuple(_pct(v[name]) for name, _, _ in CODE_PARTS) for s, v in shares.items()]
    return ("<h3>The code these claims are about, as perf record attributes it</h3>"
            "<p>hot, 1 thread: the share of all samples that fell on each kind of instruction "
            "(perf_record.json; see Where the time goes).</p>" + table(head, rows))
