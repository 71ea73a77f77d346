"""The pieces every section of the report is built from: the page's style, escaping, table
cells and tables, and context values as short text (used by report.py and its report_*.py
sections)."""

import html

import rbresults as rb

CSS = """
:root { --fg:#1b1b1b; --muted:#5a5a5a; --line:#d0d0d0; --bad:#a00000; --warn-bg:#fff4d6; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.2em 1.6em 3em; max-width: 1200px; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .5em; border-bottom: 2px solid var(--line);
     padding-bottom: .2em; }
h3 { font-size: 1.05em; margin: 1.3em 0 .4em; }
p.sub { color: var(--muted); margin: 0 0 1em; }
nav { font-size: .92em; margin: .6em 0 1.2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: .88em; }
th, td { border: 1px solid var(--line); padding: .22em .55em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
tr.win td { background: #eef8ee; }
.warn { background: var(--warn-bg); border-left: 4px solid #e0a000; padding: .5em .8em;
        margin: .6em 0; }
.bad { color: var(--bad); }
.muted { color: var(--muted); }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9em; margin-top: .3em; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
pre.found { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .86em;
            background: #f7f7f7; border: 1px solid var(--line); padding: .7em .9em;
            white-space: pre-wrap; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, .screen-only { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, .warn { break-inside: avoid; page-break-inside: avoid; }
  figure { page-break-before: auto; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  tr.win td { background: #eef8ee !important; -webkit-print-color-adjust: exact;
              print-color-adjust: exact; }
}
"""


def esc(v):
    return html.escape(str(v), quote=True)


def cell(v):
    if v is None:
        return '<td class="num muted">-</td>'
    if isinstance(v, bool):
        return f"<td>{'yes' if v else 'no'}</td>"
    if isinstance(v, (int, float)):
        return f'<td class="num">{esc(rb.fmt_num(v))}</td>'
    return f"<td>{esc(v)}</td>"


def table(headers, rows, row_classes=None):
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers)
           + "</tr></thead>", "<tbody>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(c if isinstance(c, str) and c.startswith("<td")
                                          else cell(c) for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def show_placement(v):
    """context.json's placement object as one line."""
    if not isinstance(v, dict):
        return show_value(v)
    cpus = [c for c in v.get("cpus", []) if isinstance(c, dict)]
    os_idx = ",".join(str(c.get("os_index")) for c in cpus)
    nodes = sorted({c.get("node") for c in cpus if c.get("node") is not None})
    return (f"{v.get('policy', '?')}{', smt' if v.get('smt') else ''}: {len(cpus)} CPUs "
            f"(OS indexes {os_idx or '-'}) on node(s) {','.join(map(str, nodes)) or '-'}")


def show_value(v):
    """Context values (nested dicts/lists) as short text."""
    if isinstance(v, dict):
        if "value" in v and len(v) <= 3:
            return show_value(v["value"]) + (f" ({v['method']})" if v.get("method") else "")
        return ", ".join(f"{k}: {show_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            return "; ".join(show_value(x) for x in v)
        return ", ".join(show_value(x) for x in v)
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)
