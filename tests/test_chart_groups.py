"""The charts' setting group (charts.layout.pick_variant): a scheme's own page size is not a
setting that splits schemes apart, and the kernel's call structure is the group drawn."""
import json

import rbresults as rb
from rbresults.charts.layout import pick_variant

SCHEMES = [{"name": "big", "label": "on huge pages", "module_pages": "2m"},
           {"name": "small", "label": "on 4 KiB pages", "module_pages": "4k"}]
SCENARIOS = [{"name": "hot", "role": "scenario", "label": "hot", "claims": [], "source": "x"},
             {"name": "plain", "role": "baseline", "label": "plain", "claims": [],
              "source": "y"}]


def _bench(name, ns):
    return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
            "repetition_index": 0, "threads": 1, "iterations": 1000, "real_time": ns,
            "cpu_time": ns, "time_unit": "ns", "ns_per_op": ns, "ops_per_sec": 1e9 / ns}


def _run(tmp_path, pages_of_small="4k"):
    d = tmp_path / "run"
    d.mkdir()
    names = []
    for scheme, pages in (("big", "2m"), ("small", pages_of_small)):
        for codegen, ns in (("inline", 1.0), ("kernel", 2.0)):
            names.append(_bench(f"hot/{scheme}/nr_cpus:64/line:128/pages:{pages}/"
                                f"offset:kernel/codegen:{codegen}/manual_time/threads:1", ns))
    names.append(_bench("hot/plain/manual_time/threads:1", 0.5))
    (d / "bench.json").write_text(json.dumps({"context": {"host_name": "h"},
                                              "benchmarks": names}))
    (d / "context.json").write_text(json.dumps({"refbench_format": 1, "schemes": SCHEMES,
                                                "scenarios": SCENARIOS,
                                                "settings": {"nr_cpus": 64, "line": 128}}))
    return rb.load_run(d)


def test_own_page_sizes_are_one_group_and_kernel_calls_are_drawn(tmp_path):
    run = _run(tmp_path)
    chosen, note = pick_variant(run, run.select("hot"))
    drawn = {(b.scheme, b.params.get("codegen")) for b in chosen}
    assert drawn == {("big", "kernel"), ("small", "kernel"), ("plain", None)}
    assert "pages:each scheme's own" in note and "codegen:kernel" in note


def test_a_page_size_not_the_schemes_own_is_its_own_group(tmp_path):
    # small on 2 MiB pages is not its declared 4 KiB: a different setting, not the same group
    run = _run(tmp_path, pages_of_small="2m")
    chosen, _ = pick_variant(run, run.select("hot"))
    assert {b.scheme for b in chosen} - {"plain"} in ({"big"}, {"small"})
