"""Parse the CSV output of `perf stat -x SEP` (Python 3 standard library only).

Field layout, from perf-stat(1), section "CSV FORMAT" (tools/perf/Documentation/perf-stat.txt):

    - optional usec time stamp in fractions of second (with -I xxx)
    - optional CPU, core, or socket identifier
    - optional number of logical CPUs aggregated
    - counter value
    - unit of the counter value or empty
    - event name
    - run time of counter
    - percentage of measurement time the counter was running
    - optional variance if multiple values are collected with -r
    - optional metric value
    - optional unit of metric

    Additional metrics may be printed with all earlier fields being empty.

Two differences between that text and what perf prints, both handled here:
  * the variance of -r runs ("1.31%") is printed right after the event name, before the run
    time (tools/perf/util/stat-display.c prints the noise before the running time; seen with
    perf 6.1), not after the percentage;
  * a counter that could not be counted prints "<not supported>" (the event cannot be opened
    on this machine) or "<not counted>" (opened but never ran, e.g. a group that did not fit)
    in place of the value.
Lines starting with '#' ("# started on ...") and blank lines are skipped.

The optional leading fields (time stamp with -I, aggregation identifiers with --per-*) are
not self-describing; pass `leading=` the number of them (0 for a plain `perf stat -x,`).
"""

import re

NOT_SUPPORTED = "<not supported>"
NOT_COUNTED = "<not counted>"

_INT = re.compile(r"^-?\d+$")
_NUM = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_PCT = re.compile(r"^-?\d+(\.\d+)?$")


class PerfCsvError(ValueError):
    """A line that does not follow the documented layout."""


def _number(text):
    text = text.strip()
    if _INT.match(text):
        return int(text)
    if _NUM.match(text):
        return float(text)
    return None


def _split_event_and_tail(rest):
    """rest = [event parts..., (variance)?, run, pct, (metric value, metric unit)?].

    An event name may itself contain the separator (perf does not quote, e.g.
    cpu/event=0x3c,umask=0x0/ with -x,), so find the run-time/percentage pair: the first
    integer field followed by a decimal field, after at least one event part."""
    for k in range(1, len(rest) - 1):
        if _INT.match(rest[k].strip()) and _PCT.match(rest[k + 1].strip()):
            end = k
            variance = None
            if end >= 2 and rest[end - 1].strip().endswith("%"):
                variance = rest[end - 1].strip()
                end -= 1
            return rest[:end], variance, rest[k], rest[k + 1], rest[k + 2:]
    # old perf without run time / percentage: value, unit, event only
    return rest[:1], None, None, None, rest[1:]


def parse_line(line, sep=",", leading=0):
    """Parse one data line. Returns a dict, or None for comment/blank lines.

    Row keys:
      event        event name as perf printed it (modifiers such as ":u" kept)
      unit         unit of the counter value ("" when none)
      status       "counted" | "unsupported" | "not-counted"
      value        number (int or float), only when status == "counted"
      run_time     counter run time as printed (int), absent for unsupported rows
      running_pct  percentage of the measurement time the counter ran, absent for
                   unsupported rows
      multiplexed  True when counted and running_pct < 100 (the value is scaled by perf)
      variance_pct relative standard deviation over -r runs (float), when present
      metrics      [{"value": float, "unit": str}] (perf's derived metrics)
      leading      the optional leading fields (time stamp, aggregation ids), when any
    A continuation line (all fields before the metric empty) returns
      {"continuation": True, "metrics": [...]}.
    """
    text = line.rstrip("\r\n")
    if not text.strip() or text.lstrip().startswith("#"):
        return None
    fields = text.split(sep)
    if len(fields) < leading + 3:
        raise PerfCsvError("too few fields (%d) in perf stat line: %r" % (len(fields), text))
    lead = [f.strip() for f in fields[:leading]]
    body = fields[leading:]

    if all(f.strip() == "" for f in body[:3]):
        tail = [f.strip() for f in body]
        while tail and tail[-1] == "" and len(tail) > 2:
            tail.pop()
        metric = _metric(tail[-2:] if len(tail) >= 2 else [])
        return {"continuation": True, "metrics": [metric] if metric else [], "leading": lead}

    value_text = body[0].strip()
    unit = body[1].strip()
    event_parts, variance, run_text, pct_text, metric_fields = _split_event_and_tail(body[2:])
    event = sep.join(event_parts).strip()
    if not event or event_parts[0].strip() == "":
        raise PerfCsvError("no event name in perf stat line: %r" % text)
    if _number(unit) is not None:
        raise PerfCsvError("unit field %r is a number: does the line have leading fields "
                           "(time stamp with -I, aggregation ids) not given as leading=? %r"
                           % (unit, text))

    row = {"event": event, "unit": unit}
    if lead:
        row["leading"] = lead
    if value_text == NOT_SUPPORTED:
        row["status"] = "unsupported"
    elif value_text == NOT_COUNTED:
        row["status"] = "not-counted"
    else:
        value = _number(value_text)
        if value is None:
            raise PerfCsvError("counter value %r is not a number in line: %r" % (value_text, text))
        row["status"] = "counted"
        row["value"] = value

    if row["status"] != "unsupported" and run_text is not None:
        row["run_time"] = int(run_text.strip())
        row["running_pct"] = float(pct_text.strip())
    if row["status"] == "counted":
        row["multiplexed"] = "running_pct" in row and row["running_pct"] < 100.0
    if variance is not None and row["status"] == "counted":
        v = _number(variance.rstrip("%"))
        if v is not None:
            row["variance_pct"] = v

    metrics = []
    m = [f.strip() for f in metric_fields]
    for i in range(0, len(m) - 1, 2):
        metric = _metric(m[i:i + 2])
        if metric:
            metrics.append(metric)
    row["metrics"] = metrics
    return row


def _metric(pair):
    if len(pair) != 2 or pair[0] == "":
        return None
    value = _number(pair[0])
    if value is None:
        return None
    return {"value": value, "unit": pair[1]}


def parse_text(text, sep=",", leading=0):
    """Parse a whole `perf stat -x SEP` output. Returns the list of rows (see parse_line);
    continuation metrics are appended to the previous row's "metrics"."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        try:
            row = parse_line(line, sep=sep, leading=leading)
        except PerfCsvError as e:
            raise PerfCsvError("line %d: %s" % (lineno, e)) from None
        if row is None:
            continue
        if row.get("continuation"):
            if rows:
                rows[-1]["metrics"].extend(row["metrics"])
            continue
        rows.append(row)
    return rows


def parse_file(path, sep=",", leading=0):
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_text(f.read(), sep=sep, leading=leading)


def strip_modifiers(event):
    """'cycles:u' -> 'cycles'; names with a PMU part ('cpu/event=0x3c/u') are kept."""
    if "/" in event:
        return event
    return event.split(":", 1)[0]
