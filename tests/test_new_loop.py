"""A new scenario, control or baseline is one file and one line, as a scheme is.

The test copies the lab's C sources into a scratch tree and adds, there and
nowhere else, a throwaway scenario (bench/loops/scenarios/zz_probe.c and its
SCENARIO line), a control with an option of its own (controls/zz_probe.c and
its CONTROL line) and a baseline (baselines/zz_probe.c and its BASELINE line).
The copy must build, list the three with their roles, accept the control's
option, name their benchmarks as the lab names its own, and run them; and two
run folders of theirs go through the charts, the report, the summary and
compare, which take the names and roles from the runs' context.json alone.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = r'''/* zz_probe.c - a throwaway scenario: hot's loop under another name. */
#ifdef SCENARIO_LOOPS_PART

static void bench_zz_probe(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	struct module *mod;

	if (begin_one_module(st, a, "zz") != RUN_GO)
		goto out;
	mod = run_mod;
	window_begin(st, &w);
	WINDOW_RUN(&w, {
		if (unlikely(!bench_try_module_get(mod)))
			__builtin_trap();
		bench_module_put(mod);
	});
	window_end(st, &w);
out:
	end_run(st);
}

static const struct scenario_loops zz_probe_loops = { bench_zz_probe, NULL };

#else
#include "loop_register.h"

#include <stdio.h>

static void add_zz_probe(const struct loop_settings *s, const struct scheme_loops *t,
			 const struct scenario_loops *l, struct wanted w)
{
	unsigned int pg = loop_pages_for(t->scheme, s->pages);
	char name[256];

	if (!w.own)
		return;
	snprintf(name, sizeof(name), "zz-probe/%s/%s", t->scheme->name,
		 loop_scheme_suffix(t, pg, s->offset));
	loop_add(s, name, l->run, loop_scenario_args(s->run->nr_cpus, 2, false, pg, s->offset),
		 (const int[]){ 1 }, 1);
}

const struct loop_desc loop_zz_probe = {
	.name = "zz-probe", .role = ROLE_SCENARIO, .label = "a throwaway scenario",
	.claims = NO_CLAIMS, .source = __FILE__, .scenario = SCENARIO_zz_probe,
	.add_scheme = add_zz_probe,
};
#endif
'''

CONTROL = r'''/* zz_probe.c - a throwaway control with an option of its own. */
#include "harness.h"
#include "loop_register.h"
#include "window.h"

static bool on;

static void take_on(const char *flag, const char *val)
{
	(void)flag;
	(void)val;
	on = true;
}

static const struct loop_option options[] = {
	{ "--zz-probe", NULL, false, "  --zz-probe         a throwaway control\n", take_on },
	{ NULL, NULL, false, NULL, NULL },
};

static void control_zz_probe(rb_state *st, void *arg)
{
	struct window w;

	(void)arg;
	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	WINDOW_RUN(&w, { __asm__ __volatile__(""); });
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void add_zz_probe_control(const struct loop_settings *s)
{
	if (on)
		loop_add(s, "control/zz-probe-control/kind:empty", control_zz_probe, NULL,
			 (const int[]){ 1 }, 1);
}

const struct loop_desc loop_zz_probe_control = {
	.name = "zz-probe-control", .role = ROLE_CONTROL, .label = "a throwaway control",
	.claims = CLAIMS("nothing"), .source = __FILE__, .scenario = -1,
	.add = add_zz_probe_control, .options = options,
};
'''

BASELINE = r'''/* zz_probe.c - a throwaway baseline. */
#include "harness.h"
#include "loop_register.h"
#include "window.h"

extern const struct loop_desc loop_zz_probe_base;

static void bench_zz_probe_base(rb_state *st, void *arg)
{
	struct window w;

	(void)arg;
	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	WINDOW_RUN(&w, { __asm__ __volatile__(""); });
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void add_zz_probe_base(const struct loop_settings *s)
{
	loop_add_baseline(s, &loop_zz_probe_base, bench_zz_probe_base);
}

const struct loop_desc loop_zz_probe_base = {
	.name = "zz-probe-base", .role = ROLE_BASELINE, .label = "a throwaway baseline",
	.claims = NO_CLAIMS, .source = __FILE__, .scenario = -1, .beside = "hot",
	.add = add_zz_probe_base,
};
'''


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "kernels", "bench",
                          "Makefile"], cwd=ROOT, capture_output=True, text=True).stdout
    return [p for p in out.splitlines() if (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    files = tracked_files()
    if not files:
        pytest.skip("no git checkout to copy")
    dst = tmp_path_factory.mktemp("newloop")
    for rel in files:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst / rel)
    loops = dst / "bench" / "loops"
    # One file and one line each.
    (loops / "scenarios" / "zz_probe.c").write_text(SCENARIO)
    (loops / "controls" / "zz_probe.c").write_text(CONTROL)
    (loops / "baselines" / "zz_probe_base.c").write_text(BASELINE)
    for name, line in (("scenarios.def", "SCENARIO(zz_probe)"),
                       ("controls.def", "CONTROL(zz_probe_control, zz_probe)"),
                       ("baselines.def", "BASELINE(zz_probe_base)")):
        (loops / name).write_text((loops / name).read_text() + line + "\n")
    jobs = str(min(4, os.cpu_count() or 2))
    r = subprocess.run(["make", "-j" + jobs, "--no-print-directory", "build/refbench"], cwd=dst,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return dst


def refbench(tree, *args):
    return subprocess.run([str(tree / "build" / "refbench"), "--counters=none", *args],
                          capture_output=True, text=True, timeout=300)


def test_listed_with_their_roles(tree):
    r = refbench(tree, "--list-scenarios")
    assert r.returncode == 0, r.stderr
    roles = {e["name"]: (e["role"], e["source"]) for e in json.loads(r.stdout)["scenarios"]}
    assert roles["zz-probe"] == ("scenario", "bench/loops/scenarios/zz_probe.c")
    assert roles["zz-probe-control"] == ("control", "bench/loops/controls/zz_probe.c")
    assert roles["zz-probe-base"] == ("baseline", "bench/loops/baselines/zz_probe_base.c")


def test_named_and_selected_as_the_lab_s_own(tree):
    r = refbench(tree, "--scenario=zz-probe,control,hot", "--zz-probe", "--threads=1",
                 "--benchmark_list_tests")
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    schemes = [s["name"] for s in json.loads(refbench(tree, "--list-schemes").stdout)["schemes"]]
    for s in schemes:
        assert any(n.startswith(f"zz-probe/{s}/") for n in names), (s, names)
    assert any(n.startswith("control/zz-probe-control/") for n in names)
    assert any(n.startswith("hot/zz-probe-base/") for n in names)
    # without its option the control registers nothing; --help shows the option
    r = refbench(tree, "--scenario=control", "--benchmark_list_tests")
    assert "zz-probe-control" not in r.stdout
    assert "--zz-probe " in refbench(tree, "--help").stdout


def test_they_run(tree):
    r = refbench(tree, "--scenario=zz-probe,control,hot", "--zz-probe", "--threads=1",
                 f"--scheme={json.loads(refbench(tree, '--list-schemes').stdout)['schemes'][0]['name']}",
                 "--iterations=1000", "--benchmark_filter=zz-probe", "--benchmark_format=json")
    assert r.returncode == 0, r.stderr
    ran = json.loads(r.stdout)["benchmarks"]
    assert len(ran) == 3 and not any(b.get("error_occurred") for b in ran), ran


def _run_folder(tree, dst, scheme):
    """A run folder of the copy's three new loops beside hot, as make bench writes one:
    bench.json, context.json (refbench's --context-out through scripts/context.py), COMPLETE."""
    dst.mkdir()
    r = refbench(tree, "--scenario=zz-probe,control,hot", "--zz-probe", "--threads=1",
                 f"--scheme={scheme}", "--benchmark_min_time=0.01",
                 "--benchmark_repetitions=3", f"--context-out={dst / 'lab-context.json'}",
                 f"--benchmark_out={dst / 'bench.json'}", "--benchmark_out_format=json")
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(ROOT / "scripts" / "pyrun"), str(ROOT / "scripts" / "context.py"),
                        "--lab", str(dst / "lab-context.json"), "--out",
                        str(dst / "context.json")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    (dst / "lab-context.json").unlink()
    (dst / "COMPLETE").write_text("done\n")
    return dst


def _rb(module, *args):
    return subprocess.run([str(ROOT / "scripts" / "pyrun"), "-m", f"rbresults.{module}",
                           *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def runs(tree, tmp_path_factory):
    scheme = json.loads(refbench(tree, "--list-schemes").stdout)["schemes"][0]["name"]
    base = tmp_path_factory.mktemp("newloop-runs") / "results" / "box"
    base.mkdir(parents=True)
    return scheme, [_run_folder(tree, base / f"2026010{i}T000000Z", scheme) for i in (1, 2)]


def test_charts_report_and_compare_take_them_from_the_run(runs):
    scheme, (old, new) = runs
    ctx = json.loads((new / "context.json").read_text())
    assert {e["name"]: e["role"] for e in ctx["scenarios"]}["zz-probe-control"] == "control"
    r = _rb("plots", new)
    assert r.returncode == 0, r.stdout + r.stderr
    r = _rb("report", new)
    assert r.returncode == 0, r.stdout + r.stderr
    page = (new / "index.html").read_text()
    # the scenario list's table names each with its role and label, from the run's data
    for name, label in (("zz-probe", "a throwaway scenario"),
                        ("zz-probe-control", "a throwaway control"),
                        ("zz-probe-base", "a throwaway baseline")):
        assert name in page and label in page, name
    # the baseline is not ranked as a scheme, the control is not a scheme either
    r = _rb("summary", new)
    assert r.returncode == 0, r.stderr
    assert "zz-probe-base fastest" not in r.stdout and "zz-probe-control fastest" not in r.stdout
    # compare gates the new benchmarks by name like every other
    r = _rb("compare", old, new, "--anyway")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    rows = [line.split()[0] for line in r.stdout.splitlines() if "/manual_time/" in line]
    for prefix in (f"zz-probe/{scheme}/", "control/zz-probe-control/", "hot/zz-probe-base/"):
        assert sum(n.startswith(prefix) for n in rows) == 1, (prefix, rows)
    assert "compared" in r.stdout or "gated" in r.stdout.splitlines()[-1]
