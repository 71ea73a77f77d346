"""Text in and out: benchmark names taken apart, settings and numbers written for people.

A benchmark name is 'scenario/scheme/key:value/.../manual_time/threads:N': the lab's own
key:value settings, then what Google Benchmark appends.
"""

import math

# Name components that Google Benchmark appends (as opposed to the lab's own key:value pairs).
GB_KEYS = {"iterations", "repeats", "threads", "min_time", "min_warmup_time"}
GB_FLAGS = {"manual_time", "real_time", "process_time"}


def _number(text):
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
        return f if math.isfinite(f) else text
    except ValueError:
        return text


def parse_name(name):
    """Split 'scenario/scheme/key:value/.../manual_time/threads:N' into its fields.

    Returns {"scenario", "scheme", "params" (the lab's key:value pairs, in order),
    "gb" (Google Benchmark's key:value suffixes), "flags" (bare suffixes), "threads"}."""
    parts = [p for p in name.split("/") if p != ""]
    out = {"scenario": parts[0] if parts else name, "scheme": "", "params": {}, "gb": {},
           "flags": [], "threads": 1}
    rest = parts[1:]
    if rest and ":" not in rest[0] and rest[0] not in GB_FLAGS:
        out["scheme"] = rest[0]
        rest = rest[1:]
    for p in rest:
        if ":" in p:
            k, v = p.split(":", 1)
            (out["gb"] if k in GB_KEYS else out["params"])[k] = _number(v)
        else:
            out["flags"].append(p)
    t = out["gb"].get("threads")
    if isinstance(t, int) and t > 0:
        out["threads"] = t
    return out


def config_label(params, threads=None, skip=()):
    """'nr_cpus:64 line:128 threads:2' style label of a benchmark's settings."""
    items = [f"{k}:{v}" for k, v in params.items() if k not in skip]
    if threads is not None and "threads" not in skip:
        items.append(f"threads:{threads}")
    return " ".join(items)


def fmt_num(v, digits=3):
    """Compact human number: 3 significant digits, thousands separators for big values."""
    if v is None:
        return "-"
    if isinstance(v, int) and abs(v) < 10**15:
        return f"{v:,}"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.{max(digits - 3, 0)}f}" if digits > 3 else f"{v:,.0f}"
    return f"{v:.{digits}g}"


def fmt_pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"
