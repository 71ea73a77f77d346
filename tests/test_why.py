"""rbresults/why.py: a cause is printed as established only when its control shows it, and a
claim takes its control rows from the controls that declare its id in the run's list."""
from types import SimpleNamespace

import pytest

import rbresults as rb
from rbresults import why
from rbresults.scenarios import ScenarioList, parse_scenarios

# A run's scenario list, as refbench --list-scenarios prints it (its controls only).
LIST = [{"name": "spread-array", "role": "control", "label": "plain loop",
         "claims": ["page-size", "in-page-placement", "miss-density"], "source": "bench/c"},
        {"name": "walk", "role": "control", "claims": ["walk-stride", "walk-page-size"]},
        {"name": "tlb-chase", "role": "control", "claims": ["page-size", "tlb-reach"]}]

BASE = "spread/percpu/modules:2000/dist:uniform/nr_cpus:4096/line:128"


def bench(name, values):
    b = rb.Bench(name + "/manual_time/threads:1")
    b.stats["ns_per_op"] = rb.Stats(values)
    return b


def run_of(*benches, listed=LIST):
    roles = ScenarioList(parse_scenarios(listed, "test"), "test")
    return SimpleNamespace(benchmarks=list(benches), controls_claiming=roles.claiming)


def claim(run, cause):
    return next(c for c in why.claims(run) if c["cause"].startswith(cause))


def test_clear_difference_is_established():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0, 5.1, 4.9]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [9.0, 9.1, 8.9]))
    c = claim(run, "in-page placement")
    assert len(c["rows"]) == 1 and c["rows"][0]["established"]
    assert "offset" not in c["rows"][0]["setting"]
    assert c["status"].startswith("established")


def test_difference_within_noise_is_not_established():
    run = run_of(bench(BASE + "/pages:2m/offset:kernel/codegen:kernel", [5.0, 6.0, 4.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.3, 6.3, 4.3]))
    c = claim(run, "page size")
    assert len(c["rows"]) == 1 and not c["rows"][0]["established"]
    assert c["status"].startswith("not established")


def test_one_repetition_establishes_nothing():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [50.0]))
    assert not claim(run, "in-page placement")["rows"][0]["established"]


def test_no_control_is_said():
    run = run_of(bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0, 5.1]))
    for c in why.claims(run):
        assert c["status"] == "no control in this run"


CTL = "control/spread-array/modules:2000/dist:uniform/nr_cpus:4096/line:128"


def test_model_against_control_ratios():
    run = run_of(bench(CTL + "/pages:4k/offset:kernel", [2.0, 2.0]),
                 bench(CTL + "/pages:4k/offset:page-aligned", [6.0, 6.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [4.0, 4.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [8.0, 8.0]))
    (row,) = why.model_vs_control(run)
    assert row["control_ratio"] == 3.0 and row["model_ratio"] == 2.0 and row["agree"] is False
    # No plain loop over the model's modules in this run: unknown, not "agrees".
    assert row["plain_ratio"] is None and row["memory_agree"] is None
    assert row["code_ns_kernel"] is None


def test_plain_loop_over_the_models_memory_separates_memory_from_code():
    run = run_of(bench(CTL + "/pages:2m/offset:kernel", [2.0, 2.0]),
                 bench(CTL + "/pages:2m/offset:page-aligned", [6.0, 6.0]),
                 bench(BASE + "/pages:2m/offset:kernel/codegen:kernel", [4.0, 4.1]),
                 bench(BASE + "/pages:2m/offset:page-aligned/codegen:kernel", [8.0, 8.1]),
                 bench(BASE + "/pages:2m/offset:kernel/codegen:plain", [2.2, 2.2]),
                 bench(BASE + "/pages:2m/offset:page-aligned/codegen:plain", [6.2, 6.2]),
                 # a zipf model cell and a 2-thread one are not part of the matrix
                 bench(BASE.replace("uniform", "zipf") + "/pages:2m/offset:kernel/"
                       "codegen:kernel", [1.0, 1.0]))
    (row,) = why.model_vs_control(run)
    assert row["memory_agree"] is True and row["agree"] is False
    cells = {(c["pages"], c["offset"]): c for c in why.matrix_cells(run)}
    assert set(cells) == {("2m", "kernel"), ("2m", "page-aligned")}
    k = cells[("2m", "kernel")]
    assert k["model"] == 4.05 and k["plain"] == 2.2 and k["control"] == 2.0 and k["agree"]
    assert abs(k["code_ns"] - 1.85) < 1e-9
    assert abs(row["plain_ratio"] - 6.2 / 2.2) < 1e-9
    assert abs(row["code_ns_kernel"] - 1.85) < 1e-9 and abs(row["code_ns_aligned"] - 1.85) < 1e-9
    code = claim(run, "the scheme's code")
    assert [r["established"] for r in code["rows"]] == [True, True]


def test_plain_loop_that_disagrees_is_said():
    run = run_of(bench(CTL + "/pages:4k/offset:kernel", [2.0, 2.0]),
                 bench(CTL + "/pages:4k/offset:page-aligned", [6.0, 6.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [4.0, 4.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:kernel", [12.0, 12.0]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:plain", [2.0, 2.0]),
                 bench(BASE + "/pages:4k/offset:page-aligned/codegen:plain", [2.2, 2.2]))
    (row,) = why.model_vs_control(run)
    assert row["memory_agree"] is False and row["agree"] is True


def test_filler_control_is_its_own_claim_and_not_the_matrix():
    run = run_of(bench(CTL + "/pages:2m/offset:kernel/filler:0", [2.0, 2.0]),
                 bench(CTL + "/pages:2m/offset:kernel/filler:20", [2.8, 2.8]),
                 bench(CTL + "/pages:2m/offset:page-aligned/filler:0", [10.0, 10.0]),
                 bench(CTL + "/pages:2m/offset:page-aligned/filler:20", [8.0, 8.0]),
                 bench(BASE + "/pages:2m/offset:kernel/codegen:kernel", [4.0, 4.0]),
                 bench(BASE + "/pages:2m/offset:page-aligned/codegen:kernel", [8.0, 8.0]))
    (row,) = why.model_vs_control(run)
    assert row["control_ratio"] == 5.0      # the cells without filler
    rows = claim(run, "density of the misses")["rows"]
    assert sorted((r["a"], r["b"]) for r in rows) == [(2.0, 2.8), (10.0, 8.0)]
    assert all(r["established"] for r in rows)


TLB = "control/tlb-chase/span:{}/pages:{}"


def chase(spans):
    """Benchmarks of the TLB chase: {span: (2m values, 4k values)}."""
    out = []
    for n, (huge, small) in spans.items():
        out += [bench(TLB.format(n, "2m"), huge), bench(TLB.format(n, "4k"), small)]
    return out


def test_tlb_reach_lies_where_4k_starts_to_cost_more_for_good():
    run = run_of(*chase({64: ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
                         512: ([4.0, 4.0, 4.0], [4.6, 4.6, 4.6]),   # a blip: not the reach
                         1024: ([8.0, 8.0, 8.0], [8.0, 8.1, 8.0]),
                         2048: ([11.0, 11.1, 11.0], [15.0, 15.1, 15.0]),
                         4096: ([16.0, 16.1, 16.0], [22.0, 22.1, 22.0])}))
    reach = why.tlb_reach(run)
    assert [r["span"] for r in reach["spans"]] == [64, 512, 1024, 2048, 4096]
    assert reach["between"] == (1024, 2048)
    assert reach["reported"] is None


def test_no_tlb_reach_without_a_lasting_step():
    run = run_of(*chase({64: ([2.0, 2.0], [2.0, 2.0]), 512: ([4.0, 4.0], [4.6, 4.6]),
                         1024: ([8.0, 8.0], [8.0, 8.0])}))
    assert why.tlb_reach(run)["between"] is None
    run.context = {"tlb": {"method": None, "reason": "cpuid 0x18 empty", "levels": []}}
    assert why.tlb_reach(run)["reported"]["reason"] == "cpuid 0x18 empty"


def test_twin_schemes_give_the_page_size_contrast_of_the_sweep():
    """Two schemes that describe themselves alike but for their pages (the array variants)
    pair up at every module count; a scheme of another storage does not."""
    desc = {"arr-2m": {"ref_storage": "embedded-nr-cpus-array", "unload_era": 2009,
                       "out_of_line": 4, "module_pages": "2m"},
            "arr-4k": {"ref_storage": "embedded-nr-cpus-array", "unload_era": 2009,
                       "out_of_line": 4, "module_pages": "4k"},
            "other": {"ref_storage": "percpu-units", "unload_era": 2009, "out_of_line": 4,
                      "module_pages": "4k"}}
    sweep = "spread/{}/modules:{}/dist:uniform/nr_cpus:64/line:128/pages:{}/offset:kernel/" \
            "codegen:kernel"
    benches = []
    for m, (a, b) in {2000: (4.0, 7.8), 10000: (10.0, 18.7)}.items():
        benches += [bench(sweep.format("arr-2m", m, "2m"), [a, a, a]),
                    bench(sweep.format("arr-4k", m, "4k"), [b, b, b]),
                    bench(sweep.format("other", m, "4k"), [b, b, b])]
    run = run_of(*benches)
    run.scheme = desc.get
    pairs = why.twin_pairs(run)
    assert sorted((x.params["modules"], x.scheme, y.scheme) for x, y in pairs) == \
        [(2000, "arr-2m", "arr-4k"), (10000, "arr-2m", "arr-4k")]
    rows = [r for r in claim(run, "page size")["rows"] if "arr-2m" in r["what"]]
    assert len(rows) == 2 and all(r["established"] for r in rows)


def test_a_difference_the_other_way_is_not_the_claim():
    """4 KiB pages clearly faster than 2 MiB is not "4 KiB pages cost more"."""
    run = run_of(bench(BASE + "/pages:2m/offset:kernel/codegen:kernel", [7.0, 7.1, 6.9]),
                 bench(BASE + "/pages:4k/offset:kernel/codegen:kernel", [5.0, 5.1, 4.9]))
    c = claim(run, "page size")
    (row,) = c["rows"]
    assert not row["established"] and row["against"]
    assert c["status"].startswith("not established") and "other way" in c["status"]


def test_established_needs_both_the_share_and_the_sigmas():
    """Medians 5 and 5.6 (12%, over the 10% share) but sds of 1 each (3 combined sds are
    4.24): not established. Medians 100 and 101 (1%) with sds of 0.01 (3 combined sds are
    0.042): many sigmas, too small a share, not established either. 5 against 9 with sds of
    0.1: both rules hold."""
    x, y = bench(BASE + "/a", [5.0, 6.0, 4.0]), bench(BASE + "/b", [5.6, 6.6, 4.6])
    diff, sd, ok = why.verdict(x, y)
    assert diff == pytest.approx(0.6) and sd == pytest.approx(2 ** 0.5) and not ok
    x, y = bench(BASE + "/a", [100.0, 100.01, 99.99]), bench(BASE + "/b", [101.0, 101.01, 100.99])
    diff, sd, ok = why.verdict(x, y)
    assert diff == pytest.approx(1.0) and sd == pytest.approx(0.01 * 2 ** 0.5) and not ok
    x, y = bench(BASE + "/a", [5.0, 5.1, 4.9]), bench(BASE + "/b", [9.0, 9.1, 8.9])
    assert why.verdict(x, y)[2]


def test_controls_are_picked_by_the_claims_they_declare():
    """The chase's rows belong to whichever control declares tlb-reach, whatever its name;
    a control that declares nothing is no claim's control."""
    renamed = [dict(e, name="zz-chase") if e["name"] == "tlb-chase" else e for e in LIST]
    spans = {2048: ([11.0, 11.1, 11.0], [15.0, 15.1, 15.0])}
    rows = [bench(b.name.replace("/tlb-chase/", "/zz-chase/").split("/manual_time")[0],
                  b.stats["ns_per_op"].values) for b in chase(spans)]
    reach = why.tlb_reach(run_of(*rows, listed=renamed))
    assert [r["span"] for r in reach["spans"]] == [2048] and "control/zz-chase" in reach["method"]
    page = claim(run_of(*rows, listed=renamed), "page size")
    assert len(page["rows"]) == 1 and page["rows"][0]["what"] == "zz-chase"
    silent = [dict(e, claims=[]) for e in LIST]
    assert why.tlb_reach(run_of(*chase(spans), listed=silent))["spans"] == []
    assert claim(run_of(*chase(spans), listed=silent), "page size")["status"] == \
        "no control in this run"
