"""The cost of one operation: one panel per scenario, bars per setting and scheme."""

from rbresults.charts.layout import (Skip, finish, grouped_bars, legend_right, maybe_log_y,
                                     mixed_key, new_figure, reps_note, settings_note,
                                     short_labels, variants)

MAX_SETTINGS = 8


def _settings_to_draw(run, scen, benches, notes):
    """(groups {config: benches}, configs drawn, benches drawn) of one scenario: at most
    MAX_SETTINGS settings, one NR_CPUS when there are more; what is left out goes in notes."""
    groups = variants(run, benches)
    if len(groups) > MAX_SETTINGS:
        nrs = sorted({b.params.get("nr_cpus") for b in benches}, key=mixed_key)
        if len(nrs) > 1:
            default_nr = run.setting("nr_cpus")
            keep = default_nr if default_nr in nrs else nrs[len(nrs) // 2]
            benches = [b for b in benches if b.params.get("nr_cpus") == keep]
            notes.append(f"{scen}: only nr_cpus:{keep} drawn here (all values are in the "
                         f"tables)")
            groups = variants(run, benches)
    configs = list(groups)
    if len(configs) > MAX_SETTINGS:
        notes.append(f"{scen}: first {MAX_SETTINGS} of {len(configs)} settings drawn")
        configs = configs[:MAX_SETTINGS]
        benches = [b for b in benches if b.config in configs]
    return groups, configs, benches


def plot_ns_per_op(run):
    scen = [s for s in run.scenarios()
            if any("ns_per_op" in b.stats for b in run.select(s))]
    if not scen:
        raise Skip("no benchmark with an ns_per_op counter in bench.json")
    fig, axes = new_figure(run, "Cost of one operation, every scenario and scheme "
                           "(lower is better)", height=2.7 * len(scen) + 1.6,
                           nrows=len(scen))
    notes_extra, used = [], []
    for ax, s in zip([a[0] for a in axes], scen):
        benches = [b for b in run.select(s) if "ns_per_op" in b.stats]
        groups, configs, benches = _settings_to_draw(run, s, benches, notes_extra)
        used += benches
        vals = grouped_bars(ax, run, groups, configs, f"bars:{s}")
        maybe_log_y(ax, vals, ratio=50)
        labels, common = short_labels(configs)
        ax.set_xticklabels([lab.replace(" ", "\n") if ":" in lab else lab for lab in labels],
                           fontsize=7.5)
        ax.set_ylabel("ns per op")
        ax.set_title(f"{s}" + (f"   ({common})" if common else ""), loc="left")
        legend_right(ax)
    failed = [b for b in run.benchmarks if b.errors and "ns_per_op" not in b.stats]
    if failed:
        names = ", ".join(f"{b.scenario}/{b.scheme} threads:{b.threads}" for b in failed[:6])
        notes_extra.append(f"not drawn, the benchmark reported an error: {names}"
                           f"{', ...' if len(failed) > 6 else ''} ({failed[0].errors[0]})")
    notes = [settings_note(run, used),
             f"bars: median ns_per_op over repetitions ({reps_note(used, 'ns_per_op')}); "
             f"error bars: ±1 standard deviation over the repetitions.",
             "ns_per_op = window ns x threads / ops: the average cost of one get+put on one "
             "thread."] + notes_extra
    return finish(fig, notes)
