"""Each cause the lab names, with the control experiment that varies it alone.

A claim is only printed as a cause when the run holds its control: benchmarks that
are the same in every setting but the one the cause is about (page size, in-page
placement of struct module, call structure, walk stride, threads), and the difference
between them is larger than the noise rule below. Otherwise the report says "not
established" and shows the figures anyway.

Noise rule (within one run; see compare.py for between-run noise): a difference counts
when it exceeds both 10% of the smaller median and three times the combined standard
deviation of the two benchmarks' repetitions. With fewer than two repetitions a side the
spread is unknown and nothing is established.

Which benchmarks are a claim's control is the run's to say: each control in its scenario
list (context.json "scenarios", see scenarios.py) declares the claim ids it is the control
for, and a claim takes its control rows from the controls that declare its id:

  page-size           4 KiB against 2 MiB pages, every other setting equal
  in-page-placement   struct module at the kernel's offset against page-aligned
  miss-density        the same accesses with and without filler nops between them
  walk-stride         module_refcount()'s loads 128 B apart against a per-CPU unit apart
  walk-page-size      those loads on 4 KiB against 2 MiB pages
  tlb-reach           a chase over N pages on either page size, for each N
  grace-period        the grace period alone (shown with the figures, no claim here)
  get-cpu-check       the CPU-number read with and without the lab's check (likewise)

The claims' texts, and the contrasts within the scenarios (codegen plain against kernel,
inline against kernel, threads), are the report's own and stay here.
"""
import math

MIN_SHARE = 0.10
SIGMAS = 3.0
AGREE = 0.15  # model and control ratios agree within this share
TLB_SHARE = 0.05  # the TLB chase's share rule (see tlb_reach)


def _key(b, vary):
    """Everything that identifies a benchmark except the varied parameter."""
    params = tuple(sorted((k, v) for k, v in b.params.items() if k != vary))
    return (b.scenario, b.scheme, params, b.threads)


def pairs(run, scenario, vary, a, b, counter="ns_per_op", where=None):
    """[(bench with vary=a, bench with vary=b)] that agree on every other setting (scenario
    None: in any scenario)."""
    left, right = {}, {}
    for x in run.benchmarks:
        if ((scenario is not None and x.scenario != scenario) or x.get(counter) is None
                or (where and not where(x))):
            continue
        v = x.params.get(vary) if vary != "threads" else x.threads
        k = _key(x, vary) if vary != "threads" else (x.scenario, x.scheme,
                                                       tuple(sorted(x.params.items())))
        if v == a:
            left[k] = x
        elif v == b:
            right[k] = x
    return [(left[k], right[k]) for k in left if k in right]


def verdict(x, y, counter="ns_per_op"):
    """(difference y - x, combined sd or None, established?) of two benchmarks' medians."""
    mx, my = x.get(counter), y.get(counter)
    sx, sy = x.get(counter, "stddev"), y.get(counter, "stddev")
    diff = my - mx
    if sx is None or sy is None:
        return diff, None, False
    sd = math.sqrt(sx * sx + sy * sy)
    small = min(abs(mx), abs(my))
    return diff, sd, abs(diff) > MIN_SHARE * small and abs(diff) > SIGMAS * sd


def _setting(b, vary):
    items = [f"{k}:{v}" for k, v in b.params.items() if k != vary]
    if vary != "threads":
        items.append(f"threads:{b.threads}")
    return " ".join(items)


def _rows(found, vary, counter="ns_per_op"):
    rows = []
    for x, y in found:
        diff, sd, ok = verdict(x, y, counter)
        rows.append({"what": x.scheme, "setting": _setting(x, vary), "a": x.get(counter),
                     "b": y.get(counter), "ratio": (y.get(counter) / x.get(counter)
                                                    if x.get(counter) else None),
                     "diff": diff, "sd": sd, "established": ok})
    return rows


TWIN_KEYS = ("ref_storage", "unload_era", "out_of_line")


def twin_pairs(run, scenario="spread"):
    """[(2 MiB bench, 4 KiB bench)] of two schemes that describe themselves alike but for
    their module pages (the same code on either page size, as the two NR_CPUS array
    variants), at every setting they share: the page-size contrast of a run that leaves
    each scheme its own pages (the module-count sweep)."""
    describe = getattr(run, "scheme", None)
    if not describe:
        return []
    by_key = {}
    for b in run.benchmarks:
        d = describe(b.scheme)
        if b.scenario != scenario or not d or b.get("ns_per_op") is None:
            continue
        twin = tuple(d.get(k) for k in TWIN_KEYS)
        settings = tuple(sorted((k, v) for k, v in b.params.items() if k != "pages"))
        by_key.setdefault((twin, settings, b.threads), {})[b.params.get("pages")] = b
    return [(v["2m"], v["4k"]) for v in by_key.values()
            if "2m" in v and "4k" in v and v["2m"].scheme != v["4k"].scheme]


def controls(run, *claims):
    """Names of the run's controls that declare every one of `claims` (claim ids)."""
    sets = [set(run.controls_claiming(c)) for c in claims]
    return set.intersection(*sets) if sets else set()


def control_pairs(run, claim, vary, a, b, counter="ns_per_op"):
    """pairs() over the benchmarks of the controls that declare `claim`."""
    names = controls(run, claim)
    return pairs(run, None, vary, a, b, counter, where=lambda x: x.scheme in names)


def _twin_rows(run):
    found = twin_pairs(run)
    rows = _rows(found, "pages")
    for r, (x, y) in zip(rows, found):
        r["what"] = f"{x.scheme} (2 MiB) / {y.scheme} (4 KiB)"
    return rows


def _claim(cause, claim, control, a_label, b_label, rows, both_ways=False):
    """A claim that b costs more than a (or, with both_ways, that they differ): a row
    whose difference passes the noise rule in the other direction is marked "against",
    not "established"."""
    for r in rows:
        passed = r["established"]
        r["against"] = bool(passed and not both_ways and r["diff"] < 0)
        r["established"] = bool(passed and not r["against"])
    other = "; where marked, the other way" if any(r["against"] for r in rows) else ""
    if not rows:
        status = "no control in this run"
    elif any(r["established"] for r in rows):
        status = "established where marked" + other
    elif other:
        status = ("not established: where a difference passes the noise rule it goes the "
                  "other way")
    else:
        status = "not established: every difference is within the noise rule"
    return {"cause": cause, "claim": claim, "control": control, "a": a_label, "b": b_label,
            "rows": rows, "status": status}


def _agree(r1, r2):
    return None if r1 is None or r2 is None else abs(r1 / r2 - 1) <= AGREE


def matrix_cells(run):
    """The cells (page size x placement) of the seed's matrix: each NR_CPUS array scheme's
    model (codegen:kernel) and its plain loop over the model's own modules (codegen:plain),
    1 thread, uniform, beside the control loop over memory of its own (no filler) at the
    same module count and NR_CPUS: plain / control per cell, whether it is within 15%, and
    the ns the model's code adds to the plain loop. Schemes that keep their counts
    elsewhere make other accesses than the control loop and are left out."""
    describe = getattr(run, "scheme", None)
    # the control loop of the matrix: a control for both of its causes
    loop = controls(run, "page-size", "in-page-placement")
    ctrl = {(b.params.get("pages"), b.params.get("offset")): b for b in run.benchmarks
            if b.scheme in loop and b.get("ns_per_op") and not b.params.get("filler")}
    out = []
    if not ctrl:
        return out
    any_c = next(iter(ctrl.values()))
    found = {}
    for b in run.benchmarks:
        d = describe(b.scheme) if describe else None
        if (b.scenario != "spread" or b.threads != 1 or b.params.get("dist") != "uniform"
                or not b.get("ns_per_op")
                or (d and d.get("ref_storage") not in (None, "embedded-nr-cpus-array"))
                or b.params.get("modules") != any_c.params.get("modules")
                or b.params.get("nr_cpus") != any_c.params.get("nr_cpus")):
            continue
        key = (b.scheme, b.params.get("pages"), b.params.get("offset"))
        found.setdefault(key, {})[b.params.get("codegen")] = b
    for (scheme, pages, offset), by_cg in found.items():
        c, m, p = ctrl.get((pages, offset)), by_cg.get("kernel"), by_cg.get("plain")
        if not c or not m:
            continue
        share = p.get("ns_per_op") / c.get("ns_per_op") if p else None
        out.append({"scheme": scheme, "pages": pages, "offset": offset,
                    "model": m.get("ns_per_op"), "plain": p.get("ns_per_op") if p else None,
                    "control": c.get("ns_per_op"), "plain_over_control": share,
                    "agree": _agree(share, 1.0),
                    "code_ns": m.get("ns_per_op") - p.get("ns_per_op") if p else None})
    return out


def model_vs_control(run):
    """The same matrix as ratios: for each array scheme and page size, page-aligned /
    kernel for the model, for the plain loop over the model's own modules (the model's
    memory, none of its code) and for the control loop (its own memory); whether each
    ratio agrees with the control's within 15%, and the ns the model's code adds to the
    plain loop at each placement (matrix_cells)."""
    cells = {(c["scheme"], c["pages"], c["offset"]): c for c in matrix_cells(run)}
    out = []
    for pages in ("4k", "2m"):
        for (scheme, pg, offset), k in cells.items():
            a = cells.get((scheme, pg, "page-aligned"))
            if pg != pages or offset != "kernel" or not a:
                continue

            def ratio(field, k=k, a=a):
                return a[field] / k[field] if k[field] and a[field] is not None else None

            m_ratio, p_ratio, c_ratio = ratio("model"), ratio("plain"), ratio("control")
            out.append({"scheme": scheme, "pages": pages, "model_ratio": m_ratio,
                        "plain_ratio": p_ratio, "control_ratio": c_ratio,
                        "agree": _agree(m_ratio, c_ratio),
                        "memory_agree": _agree(p_ratio, c_ratio),
                        "code_ns_kernel": k["code_ns"], "code_ns_aligned": a["code_ns"]})
    return out


def tlb_reach(run):
    """The TLB's reach as this run can tell it, with the method of each figure.

    "reported": the levels cpuid gave (context.json "tlb"), or the reason there are none.
    "measured": the chase control, the run's control for "tlb-reach"
    (control/<name>/span:N/pages:4k|2m): a dependent load
    through one line in each of N pages, the same addresses on 4 KiB and on 2 MiB pages, so
    that the pair differs in the translation alone. For each span the 4 KiB - 2 MiB
    difference and whether it passes the noise rule; the reach lies between the last span
    from which every larger span's difference is established, and the span before it
    ("between": (last span that is not, first span from which all are)), or is None when
    no span, or only some isolated ones, pass the rule. The rule here: 4 KiB costs more than
    three combined standard deviations and more than TLB_SHARE of the 2 MiB figure (the two
    run back to back in one process, so the 10% allowance for between-benchmark drift of
    the general rule is not needed; past the L1 the chase's figure is mostly cache
    latency, and a TLB miss is a few ns of it)."""
    ctx = getattr(run, "context", {}) or {}
    reported = ctx.get("tlb") if isinstance(ctx.get("tlb"), dict) else None
    rows = []
    chase = sorted(controls(run, "tlb-reach"))
    for x, y in control_pairs(run, "tlb-reach", "pages", "2m", "4k"):
        diff, sd, _ = verdict(x, y)
        rows.append({"span": x.params.get("span"), "a": x.get("ns_per_op"),
                     "b": y.get("ns_per_op"), "diff": diff, "sd": sd,
                     "established": (sd is not None and diff > SIGMAS * sd
                                     and diff > TLB_SHARE * x.get("ns_per_op"))})
    spans = sorted(rows, key=lambda r: r["span"])
    between = None
    for k in range(len(spans)):
        if all(r["established"] for r in spans[k:]):
            if k > 0:
                between = (spans[k - 1]["span"], spans[k]["span"])
            break
    return {"reported": reported, "spans": spans, "between": between,
            "method": "dependent chase, one line per page, 4 KiB against 2 MiB pages ("
                      + (", ".join(f"control/{n}" for n in chase) or "no chase control")
                      + ")"}


def claims(run):
    """Every claimed cause with its control's figures (see the module docstring)."""
    # the nops of the control loop's filler cells, as the run names them (filler:N)
    density = controls(run, "miss-density")
    filler = max((b.params.get("filler") or 0 for b in run.benchmarks
                  if b.scheme in density), default=0)
    return [
        _claim("page size (TLB)",
               "4 KiB module pages cost more than 2 MiB pages in spread",
               "spread (one scheme on either page size, or two schemes alike but for their "
               "pages), its plain control loop and the TLB chase (one line in each of N "
               "pages) with every setting equal but pages",
               "2 MiB", "4 KiB",
               _rows(pairs(run, "spread", "pages", "2m", "4k"), "pages") + _twin_rows(run) +
               _rows(control_pairs(run, "page-size", "pages", "2m", "4k"), "pages")),
        _claim("in-page placement of struct module (cache-set aliasing)",
               "struct module at the same offset of every page costs more than where the "
               "kernel's layout puts it",
               "spread and its control loop with every setting equal but offset",
               "kernel layout", "page-aligned",
               _rows(pairs(run, "spread", "offset", "kernel", "page-aligned"), "offset") +
               _rows(control_pairs(run, "in-page-placement", "offset", "kernel",
                                   "page-aligned"), "offset")),
        _claim("the scheme's code between the misses",
               "the scheme's get and put (its calls, checks and address arithmetic) cost on "
               "top of their loads and stores",
               "spread with the kernel's calls and its plain loop (codegen:plain) over the "
               "same loaded modules: the same memory, none of the scheme's code",
               "plain loop", "kernel calls",
               _rows(pairs(run, "spread", "codegen", "plain", "kernel"), "codegen")),
        _claim("density of the misses",
               "where struct module lies at the same offset of every page, the accesses cost "
               "less when fewer are issued per cycle; where the kernel's layout puts it, the "
               "same spacing costs what its instructions cost",
               (f"the plain control loop with and without {filler} nops after each operation "
                "(no load, store or dependency), at each layout" if filler else
                "the plain control loop with and without nops after each operation (not in "
                "this run: its filler cells did not run)"),
               "no filler", f"{filler} nops" if filler else "nops",
               _rows(control_pairs(run, "miss-density", "filler", 0, filler), "filler"),
               both_ways=True),
        _claim("call structure",
               "the kernel's out-of-line module_put() (and 3.19's three calls) cost against "
               "everything inline",
               "hot, one build of each scheme with the kernel's calls, one all inline",
               "inline", "kernel calls",
               _rows(pairs(run, "hot", "codegen", "inline", "kernel"), "codegen")),
        _claim("walk stride",
               "module_refcount() over per-CPU units costs more than over the NR_CPUS array "
               "because it touches one line per unit, far apart",
               "the plain walk control: the same number of loads 128 B apart and one "
               "unit apart, on the same pages",
               "128 B apart", "64 KiB apart",
               _rows(control_pairs(run, "walk-stride", "stride", 128, 65536), "stride")),
        _claim("walk page size",
               "the per-CPU walk costs more on 4 KiB pages than on 2 MiB pages",
               "the walk control and read with per-CPU units on either page size",
               "2 MiB", "4 KiB",
               _rows(control_pairs(run, "walk-page-size", "pages", "2m", "4k"), "pages") +
               _rows(pairs(run, "read", "percpu_pages", "2m", "4k"), "percpu_pages")),
        _claim("contention",
               "a shared count costs more with more threads",
               "hot at 1 thread and at the most threads of the run, same scheme",
               "1 thread", "most threads",
               _rows(pairs(run, "hot", "threads", 1, max([b.threads for b in run.benchmarks]
                                                         or [1])), "threads")),
    ]


if __name__ == "__main__":
    # A part of the report, not a command: run on a folder it would print nothing.
    import sys
    print("why.py: a part of the report, not a command (accepted: scripts/pyrun "
          "-m rbresults.report RUN_DIR for the page, -m rbresults.summary RUN_DIR for the "
          "text)",
          file=sys.stderr)
    sys.exit(2)
