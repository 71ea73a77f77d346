/*
 * cli.c - refbench's own options: every refusal is one line naming the
 * value and what is accepted (cli.h).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "compat.h"
#include "harness.h"
#include "errmsg.h"
#include "lab_setup.h"
#include "loops.h"
#include "options.h"
#include "scheme.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_options opt;



/* The names of the registry's entries of @role, comma-separated, into @buf. */
static const char *role_names(enum loop_role role, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; refbench_loops[i] && n < len; i++)
		if (refbench_loops[i]->role == role)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					      refbench_loops[i]->name);
	return buf;
}

void usage(void)
{
	char scenarios[256], baselines[256];

	printf(
"usage: refbench [lab options] [Google Benchmark options]\n"
"  --scheme=LIST      schemes: %s (default all;\n"
"                     the baselines %s run beside hot)\n"
"  --list-schemes     print every scheme's self-description as JSON, run nothing\n"
"  --list-scenarios   print every scenario, control and baseline as JSON, run nothing\n"
"  --scenario=LIST    %s,control (default all)\n"
"  --threads=LIST     thread counts (default 1, 2, then the topology's boundaries)\n"
"  --placement=P      compact | scatter | hwloc location list, e.g. core:0-3 (default compact)\n"
"  --smt              allow SMT siblings (default one thread per core)\n"
"  --modules=N        modules for spread and lifecycle (default 2000)\n"
"  --spread-modules=LIST  further module counts for spread, uniform, 1 thread\n"
"                     (the working-set sweep; default none; 'none' clears it)\n"
"  --nr-cpus=N        NR_CPUS for hot, spread, lifecycle, unload (default 64, 1..%d)\n"
"  --nr-cpu-ids=N     possible CPUs (nr_cpu_ids) the per-CPU areas are laid out for\n"
"                     (default: the largest thread count; more are layout only)\n"
"  --line=64|128      cache-line size of ____cacheline_aligned (default 128)\n"
"  --codegen=LIST     kernel (the calls each scheme's kernel made: module_put() and\n"
"                     module_refcount() out of line, the gets too in 3.19;\n"
"                     default), inline (all inline: a control), plain (spread\n"
"                     only, 1 thread: its loads and stores over the scheme's own\n"
"                     modules, no scheme code: a control)\n"
"  --percpu-unit=BYTES per-CPU unit size, the stride between CPUs' counts (default:\n"
"                     256 KiB, 64 KiB past 64 possible CPUs, more for many modules)\n"
"  --percpu-pages=P   pages of the per-CPU units: 2m (asked for, default) or 4k\n"
"  --walk-counts=N    control: also sum N words 128 B, 40, 64 and 68 KiB apart on 4 KiB\n"
"                     and 2 MiB pages (module_refcount()'s loads alone; default 0: off)\n"
"  --tlb-spans=LIST   control: a dependent chase over one line in each of N pages, on\n"
"                     4 KiB and on 2 MiB pages, for each N (1..65536): the TLB's reach\n"
"                     measured (default none)\n"
"  --rcu-controls     control: liburcu's grace period alone, a synchronize_sched()\n"
"                     and a call_rcu() waited for (what percpu-ref's read and delete\n"
"                     pay to the library standing in for the kernel's RCU)\n"
"  --get-cpu-controls control: plain's increment and decrement on this CPU's line,\n"
"                     each after a CPU-number read with the lab's registration\n"
"                     check (check:lab) and without it (check:none)\n"
"  --unload-hold-us=N unload: each getter holds its reference N us, then waits N us\n"
"                     without one, so deletes meet held references (default: each\n"
"                     scheme's unload_hold_us in --list-schemes, 20 for most; 0: get\n"
"                     and put back to back)\n"
"  --module-pages=P   module memory pages: scheme (each scheme's design, default), 4k, 2m\n"
"  --module-offset=O  struct module in its core: kernel (after the module's text and\n"
"                     data, drawn from real modules; default), page-aligned, packed\n"
"  --module-layout=FILE  module layouts to draw from (default: built in, Debian 12)\n"
"  --layout-seed=N    seed of the layout draw (default 1)\n"
"  --spread-layouts=LIST  further PAGES:OFFSET layouts for spread (uniform, 1 thread)\n"
"                     and the control loop, e.g. 4k:kernel,2m:kernel,4k:page-aligned\n"
"  --counters=LIST    perf events, 'all' (default: all the machine supports) or 'none'\n"
"  --iterations=N     fixed iteration count for every benchmark\n"
"  --context-out=FILE write the run's context (placement, counters, settings) as JSON\n"
"  --plan             print the placement and thread counts, run nothing\n"
"Google Benchmark's flags: --benchmark_filter=REGEX --benchmark_repetitions=N\n"
"  --benchmark_min_time=SECONDS --benchmark_out=FILE --benchmark_out_format=json ...\n",
	scheme_names(), role_names(ROLE_BASELINE, baselines, sizeof(baselines)),
	role_names(ROLE_SCENARIO, scenarios, sizeof(scenarios)), REFBENCH_NR_CPUS_MAX);
}

/* A whole number in [lo, hi] for @flag, or a one-line error naming both. */
static unsigned long parse_uint_flag(const char *flag, const char *val, unsigned long lo,
				     unsigned long hi)
{
	unsigned long v;

	if (!lab_parse_uint(val, lo, hi, &v))
		die("%s value '%s' not accepted (accepted: %lu to %lu)", flag, val, lo, hi);
	return v;
}

/* Comma list of names from @names (NULL-terminated) into @on. */
static void parse_list(const char *what, const char *val, const char *const *names, bool *on)
{
	char buf[512], accepted[512], *save = NULL;
	size_t n = 0;

	accepted[0] = '\0';
	for (int i = 0; names[i]; i++) {
		on[i] = false;
		n += (size_t)snprintf(accepted + n, n < sizeof(accepted) ? sizeof(accepted) - n : 0,
				      "%s%s", i ? ", " : "", names[i]);
	}
	if (strlen(val) >= sizeof(buf))
		die("--%s list is longer than %zu characters", what, sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;
		for (i = 0; names[i]; i++)
			if (strcmp(names[i], t) == 0)
				break;
		if (!names[i])
			die("unknown %s '%s' (accepted: %s)", what, t, accepted);
		on[i] = true;
	}
}

/* --scenario: the scenarios of scenarios.def by name, and "control" for every control. */
static void parse_scenarios(const char *val)
{
	const char *names[SCENARIO_COUNT + 2];
	bool on[SCENARIO_COUNT + 1];
	int n = 0;

	for (int i = 0; refbench_loops[i]; i++)
		if (refbench_loops[i]->role == ROLE_SCENARIO)
			names[refbench_loops[i]->scenario] = refbench_loops[i]->name;
	n = SCENARIO_COUNT;
	names[n] = "control";
	names[n + 1] = NULL;
	parse_list("scenario", val, names, on);
	for (int i = 0; i < n; i++)
		opt.loops.scenario_on[i] = on[i];
	opt.loops.controls_on = on[n];
}

static void parse_threads(const char *val)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	run_cfg.nr_threads = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (run_cfg.nr_threads == HARNESS_MAX_COUNTS)
			die("--threads has more than %d entries", HARNESS_MAX_COUNTS);
		run_cfg.threads[run_cfg.nr_threads++] =
			(int)parse_uint_flag("--threads", t, 1, HARNESS_MAX_THREADS);
	}
	if (run_cfg.nr_threads == 0)
		die("--threads is empty (accepted: a comma list of thread counts)");
}

/* A comma list of counts in lo..hi into @out (at most @max), or "none". */
static int parse_uint_list(const char *flag, const char *val, unsigned int *out, int max,
			   unsigned long lo, unsigned long hi)
{
	char buf[512], *save = NULL;
	int n = 0;

	if (strlen(val) >= sizeof(buf))
		die("%s: the list is longer than %zu characters", flag, sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", val);
	if (strcmp(val, "none") == 0)
		return 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			die("%s has more than %d entries", flag, max);
		out[n++] = (unsigned int)parse_uint_flag(flag, t, lo, hi);
	}
	return n;
}

static const char *const valued_flags[] = {
	"--scheme", "--scenario", "--threads", "--placement", "--modules", "--spread-modules",
	"--nr-cpus", "--nr-cpu-ids", "--line", "--counters", "--iterations", "--context-out",
	"--codegen", "--unload-hold-us", "--walk-counts", "--tlb-spans", "--percpu-unit", "--percpu-pages", "--module-pages", "--module-offset", "--module-layout", "--layout-seed", "--spread-layouts",
	NULL
};

static enum layout_pages parse_pages(const char *flag, const char *val)
{
	int v = layout_pages_parse(val);

	if (v < 0)
		die("%s value '%s' not accepted (accepted: scheme, 4k, 2m)", flag, val);
	return (enum layout_pages)v;
}

static enum layout_offset parse_offset(const char *flag, const char *val)
{
	int v = layout_offset_parse(val);

	if (v < 0)
		die("%s value '%s' not accepted (accepted: kernel, page-aligned, packed)", flag, val);
	return (enum layout_offset)v;
}

static void parse_layouts(const char *val)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	opt.loops.nr_layouts = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(t, ':');
		if (!colon)
			die("--spread-layouts entry '%s' not accepted (accepted: PAGES:OFFSET, e.g. "
			    "4k:kernel)", t);
		*colon = '\0';
		if (opt.loops.nr_layouts == MAX_LAYOUTS)
			die("--spread-layouts has more than %d entries", MAX_LAYOUTS);
		opt.loops.layouts[opt.loops.nr_layouts].pages = parse_pages("--spread-layouts", t);
		opt.loops.layouts[opt.loops.nr_layouts].offset = parse_offset("--spread-layouts", colon + 1);
		opt.loops.nr_layouts++;
	}
}

static bool is_valued_flag(const char *flag)
{
	for (int i = 0; valued_flags[i]; i++)
		if (strcmp(valued_flags[i], flag) == 0)
			return true;
	return false;
}

/* The options that take a comma list: an empty entry ("a,,b", ",a", "a,") is refused,
 * not skipped. */
static const char *const list_flags[] = {
	"--scheme", "--scenario", "--threads", "--spread-modules", "--codegen", "--tlb-spans",
	"--spread-layouts", NULL
};

static void check_list_entries(const char *flag, const char *val)
{
	size_t n = strlen(val);

	for (int i = 0; list_flags[i]; i++) {
		if (strcmp(list_flags[i], flag) != 0)
			continue;
		if (val[0] == ',' || val[n - 1] == ',' || strstr(val, ",,"))
			die("%s value '%s' has an empty entry (accepted: a comma list, each entry "
			    "named; see --help)", flag, val);
	}
}

/* One option of valued_flags[] with its (non-empty) value. */
static bool parse_valued(const char *flag, const char *val)
{
	check_list_entries(flag, val);
	char err[1024];

	if (strcmp(flag, "--scheme") == 0) {
		if (lab_parse_schemes(val, opt.scheme_on, err, sizeof(err)) != 0)
			die("%s", err);
	} else if (strcmp(flag, "--scenario") == 0) {
		parse_scenarios(val);
	} else if (strcmp(flag, "--threads") == 0) {
		parse_threads(val);
	} else if (strcmp(flag, "--placement") == 0) {
		snprintf(run_cfg.placement, sizeof(run_cfg.placement), "%s", val);
	} else if (strcmp(flag, "--modules") == 0) {
		run_cfg.modules = (unsigned int)opt_value("refbench", &OPT_MODULES, val);
	} else if (strcmp(flag, "--spread-modules") == 0) {
		opt.loops.nr_spread_modules = parse_uint_list(flag, val, opt.loops.spread_modules,
							MAX_SPREAD_MODULES, 1, SPREAD_MODULES_MAX);
	} else if (strcmp(flag, "--nr-cpus") == 0) {
		run_cfg.nr_cpus = (unsigned int)opt_value("refbench", &OPT_NR_CPUS, val);
	} else if (strcmp(flag, "--nr-cpu-ids") == 0) {
		opt.nr_cpu_ids = (unsigned int)opt_value("refbench", &OPT_NR_CPU_IDS, val);
	} else if (strcmp(flag, "--line") == 0) {
		run_cfg.line = (unsigned int)opt_value("refbench", &OPT_LINE, val);
	} else if (strcmp(flag, "--counters") == 0) {
		snprintf(run_cfg.counters, sizeof(run_cfg.counters), "%s", val);
	} else if (strcmp(flag, "--iterations") == 0) {
		run_cfg.iterations = (int64_t)parse_uint_flag(flag, val, 1, ITERATIONS_MAX);
	} else if (strcmp(flag, "--context-out") == 0) {
		opt.context_out = val;
	} else if (strcmp(flag, "--percpu-unit") == 0) {
		run_cfg.percpu_unit = parse_uint_flag(flag, val, 4096, 1ul << 30);
	} else if (strcmp(flag, "--percpu-pages") == 0) {
		if (strcmp(val, "4k") != 0 && strcmp(val, "2m") != 0)
			die("--percpu-pages value '%s' not accepted (accepted: 4k, 2m)", val);
		run_cfg.percpu_small_pages = strcmp(val, "4k") == 0;
	} else if (strcmp(flag, "--tlb-spans") == 0) {
		opt.loops.nr_tlb_spans = parse_uint_list(flag, val, opt.loops.tlb_spans, MAX_TLB_SPANS, 1,
						   TLB_SPAN_MAX);
	} else if (strcmp(flag, "--walk-counts") == 0) {
		opt.loops.walk_counts = (unsigned int)parse_uint_flag(flag, val, 0, REFBENCH_NR_CPUS_MAX);
	} else if (strcmp(flag, "--unload-hold-us") == 0) {
		opt.loops.hold_us = (unsigned int)parse_uint_flag(flag, val, 0, 100000);
		opt.loops.hold_us_set = true;
	} else if (strcmp(flag, "--codegen") == 0) {
		parse_list("codegen", val, codegen_names, opt.loops.codegen_on);
	} else if (strcmp(flag, "--module-pages") == 0) {
		opt.loops.pages = parse_pages(flag, val);
	} else if (strcmp(flag, "--module-offset") == 0) {
		opt.loops.offset = parse_offset(flag, val);
	} else if (strcmp(flag, "--module-layout") == 0) {
		opt.layout_file = val;
	} else if (strcmp(flag, "--layout-seed") == 0) {
		module_layout_set_seed(parse_uint_flag(flag, val, 0, 0xffffffffu));
	} else if (strcmp(flag, "--spread-layouts") == 0) {
		parse_layouts(val);
	} else {
		return false;
	}
	return true;
}

void parse_args(int argc, char **argv)
{
	opt.scheme_on = calloc((size_t)scheme_count(), sizeof(bool));
	if (!opt.scheme_on)
		die("out of memory");
	for (int i = 0; i < scheme_count(); i++)
		opt.scheme_on[i] = true;
	for (int i = 0; i < SCENARIO_COUNT; i++)
		opt.loops.scenario_on[i] = true;
	opt.loops.controls_on = true;
	opt.loops.codegen_on[CG_KERNEL] = true;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = strchr(a, '=');
		char flag[64];

		if (val) {
			snprintf(flag, sizeof(flag), "%.*s", (int)(val - a), a);
			val++;
		} else {
			snprintf(flag, sizeof(flag), "%s", a);
		}
		/* One spelling inside: --schemes, as the other programs took it, is --scheme. */
		if (opt_is(&OPT_SCHEME, flag))
			snprintf(flag, sizeof(flag), "%s", OPT_SCHEME.flag);
		if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
			usage();
			exit(0);
		} else if (strcmp(flag, "--smt") == 0 && !val) {
			run_cfg.smt = true;
		} else if (strcmp(flag, "--get-cpu-controls") == 0 && !val) {
			opt.loops.get_cpu_controls = true;
		} else if (strcmp(flag, "--rcu-controls") == 0 && !val) {
			opt.loops.rcu_controls = true;
		} else if (strcmp(flag, "--plan") == 0 && !val) {
			opt.plan = true;
		} else if (strcmp(flag, "--list-schemes") == 0 && !val) {
			opt.list_schemes = true;
		} else if (strcmp(flag, "--list-scenarios") == 0 && !val) {
			opt.list_scenarios = true;
		} else if (is_valued_flag(flag)) {
			if (!val || !*val)
				die("%s needs a value (%s=...)", flag, flag);
			parse_valued(flag, val);
		} else {
			die("unknown option '%s' (see --help)", a);
		}
	}
}
