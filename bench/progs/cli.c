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

/* A whole number in [lo, hi] for @flag, or a one-line error naming both. */
static unsigned long parse_uint_flag(const char *flag, const char *val, unsigned long lo,
				     unsigned long hi)
{
	return opt_uint_range("refbench", flag, val, lo, hi);
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
	return opt_uint_list("refbench", flag, val, out, max, lo, hi);
}

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

/* The dynamic parts of --help: the schemes and the baselines, the scenarios, NR_CPUS's limit. */
static const char *help_schemes(char *buf, size_t len)
{
	char baselines[256];

	snprintf(buf, len, "%s (default all;\n                     the baselines %s run beside hot)",
		 scheme_names(), role_names(ROLE_BASELINE, baselines, sizeof(baselines)));
	return buf;
}
static const char *help_scenarios(char *buf, size_t len)
{
	return role_names(ROLE_SCENARIO, buf, len);
}
static const char *help_nr_cpus_max(char *buf, size_t len)
{
	snprintf(buf, len, "%lu", OPT_NR_CPUS.hi);
	return buf;
}

/* Each valued option's taking of its value (checked non-empty, a list's entries too). */
static void take_scheme(const char *flag, const char *val)
{
	char err[1024];

	(void)flag;
	if (lab_parse_schemes(val, opt.scheme_on, err, sizeof(err)) != 0)
		die("%s", err);
}
static void take_scenario(const char *flag, const char *val) { (void)flag; parse_scenarios(val); }
static void take_threads(const char *flag, const char *val) { (void)flag; parse_threads(val); }
static void take_placement(const char *flag, const char *val)
{
	(void)flag;
	snprintf(run_cfg.placement, sizeof(run_cfg.placement), "%s", val);
}
static void take_modules(const char *flag, const char *val)
{
	(void)flag;
	run_cfg.modules = (unsigned int)opt_value("refbench", &OPT_MODULES, val);
}
static void take_spread_modules(const char *flag, const char *val)
{
	opt.loops.nr_spread_modules = parse_uint_list(flag, val, opt.loops.spread_modules,
						      MAX_SPREAD_MODULES, 1, SPREAD_MODULES_MAX);
}
static void take_nr_cpus(const char *flag, const char *val)
{
	(void)flag;
	run_cfg.nr_cpus = (unsigned int)opt_value("refbench", &OPT_NR_CPUS, val);
}
static void take_nr_cpu_ids(const char *flag, const char *val)
{
	(void)flag;
	opt.nr_cpu_ids = (unsigned int)opt_value("refbench", &OPT_NR_CPU_IDS, val);
}
static void take_line(const char *flag, const char *val)
{
	(void)flag;
	run_cfg.line = (unsigned int)opt_value("refbench", &OPT_LINE, val);
}
static void take_counters(const char *flag, const char *val)
{
	(void)flag;
	snprintf(run_cfg.counters, sizeof(run_cfg.counters), "%s", val);
}
static void take_iterations(const char *flag, const char *val)
{
	run_cfg.iterations = (int64_t)parse_uint_flag(flag, val, 1, ITERATIONS_MAX);
}
static void take_context_out(const char *flag, const char *val) { (void)flag; opt.context_out = val; }
static void take_percpu_unit(const char *flag, const char *val)
{
	run_cfg.percpu_unit = parse_uint_flag(flag, val, 4096, 1ul << 30);
}
static void take_percpu_pages(const char *flag, const char *val)
{
	(void)flag;
	if (strcmp(val, "4k") != 0 && strcmp(val, "2m") != 0)
		die("--percpu-pages value '%s' not accepted (accepted: 4k, 2m)", val);
	run_cfg.percpu_small_pages = strcmp(val, "4k") == 0;
}
static void take_hold_us(const char *flag, const char *val)
{
	opt.loops.hold_us = (unsigned int)parse_uint_flag(flag, val, 0, 100000);
	opt.loops.hold_us_set = true;
}
static void take_codegen(const char *flag, const char *val)
{
	(void)flag;
	parse_list("codegen", val, codegen_names, opt.loops.codegen_on);
}
static void take_module_pages(const char *flag, const char *val) { opt.loops.pages = parse_pages(flag, val); }
static void take_module_offset(const char *flag, const char *val) { opt.loops.offset = parse_offset(flag, val); }
static void take_module_layout(const char *flag, const char *val) { (void)flag; opt.layout_file = val; }
static void take_layout_seed(const char *flag, const char *val)
{
	module_layout_set_seed(parse_uint_flag(flag, val, 0, 0xffffffffu));
}
static void take_spread_layouts(const char *flag, const char *val) { (void)flag; parse_layouts(val); }

/*
 * refbench's options, each once: a switch sets its bool; a valued option
 * takes its value (an empty one is refused, and for a comma list an empty
 * entry, "a,,b", ",a", "a,", is refused, not skipped).  In the order of --help.
 */
static const struct cli_option {
	const char *flag;
	bool *on;                                        /* a switch */
	void (*take)(const char *flag, const char *val); /* a valued option */
	bool list;                                       /* its value is a comma list */
	const char *help;                                /* its lines in --help */
	const char *(*fill)(char *buf, size_t len);      /* the %s of its help, or NULL */
} options[] = {
	{ "--scheme", NULL, take_scheme, true,
	  "  --scheme=LIST      schemes: %s\n",
	  help_schemes },
	{ "--list-schemes", &opt.list_schemes, NULL, false,
	  "  --list-schemes     print every scheme's self-description as JSON, run nothing\n",
	  NULL },
	{ "--list-scenarios", &opt.list_scenarios, NULL, false,
	  "  --list-scenarios   print every scenario, control and baseline as JSON, run nothing\n",
	  NULL },
	{ "--scenario", NULL, take_scenario, true,
	  "  --scenario=LIST    %s,control (default all)\n",
	  help_scenarios },
	{ "--threads", NULL, take_threads, true,
	  "  --threads=LIST     thread counts (default 1, 2, then the topology's boundaries)\n",
	  NULL },
	{ "--placement", NULL, take_placement, false,
	  "  --placement=P      compact | scatter | hwloc location list, e.g. core:0-3 (default compact)\n",
	  NULL },
	{ "--smt", &run_cfg.smt, NULL, false,
	  "  --smt              allow SMT siblings (default one thread per core)\n",
	  NULL },
	{ "--modules", NULL, take_modules, false,
	  "  --modules=N        modules for spread and lifecycle (default 2000)\n",
	  NULL },
	{ "--spread-modules", NULL, take_spread_modules, true,
	  "  --spread-modules=LIST  further module counts for spread, uniform, 1 thread\n"
	  "                     (the working-set sweep; default none; 'none' clears it)\n",
	  NULL },
	{ "--nr-cpus", NULL, take_nr_cpus, false,
	  "  --nr-cpus=N        NR_CPUS for hot, spread, lifecycle, unload (default 64, 1..%s)\n",
	  help_nr_cpus_max },
	{ "--nr-cpu-ids", NULL, take_nr_cpu_ids, false,
	  "  --nr-cpu-ids=N     possible CPUs (nr_cpu_ids) the per-CPU areas are laid out for\n"
	  "                     (default: the largest thread count; more are layout only)\n",
	  NULL },
	{ "--line", NULL, take_line, false,
	  "  --line=64|128      cache-line size of ____cacheline_aligned (default 128)\n",
	  NULL },
	{ "--codegen", NULL, take_codegen, true,
	  "  --codegen=LIST     kernel (the calls each scheme's kernel made: module_put() and\n"
	  "                     module_refcount() out of line, the gets too in 3.19;\n"
	  "                     default), inline (all inline: a control), plain (spread\n"
	  "                     only, 1 thread: its loads and stores over the scheme's own\n"
	  "                     modules, no scheme code: a control)\n",
	  NULL },
	{ "--percpu-unit", NULL, take_percpu_unit, false,
	  "  --percpu-unit=BYTES per-CPU unit size, the stride between CPUs' counts (default:\n"
	  "                     256 KiB, 64 KiB past 64 possible CPUs, more for many modules)\n",
	  NULL },
	{ "--percpu-pages", NULL, take_percpu_pages, false,
	  "  --percpu-pages=P   pages of the per-CPU units: 2m (asked for, default) or 4k\n",
	  NULL },
	{ "--unload-hold-us", NULL, take_hold_us, false,
	  "  --unload-hold-us=N unload: each getter holds its reference N us, then waits N us\n"
	  "                     without one, so deletes meet held references (default: each\n"
	  "                     scheme's unload_hold_us in --list-schemes, 20 for most; 0: get\n"
	  "                     and put back to back)\n",
	  NULL },
	{ "--module-pages", NULL, take_module_pages, false,
	  "  --module-pages=P   module memory pages: scheme (each scheme's design, default), 4k, 2m\n",
	  NULL },
	{ "--module-offset", NULL, take_module_offset, false,
	  "  --module-offset=O  struct module in its core: kernel (after the module's text and\n"
	  "                     data, drawn from real modules; default), page-aligned, packed\n",
	  NULL },
	{ "--module-layout", NULL, take_module_layout, false,
	  "  --module-layout=FILE  module layouts to draw from (default: built in, Debian 12)\n",
	  NULL },
	{ "--layout-seed", NULL, take_layout_seed, false,
	  "  --layout-seed=N    seed of the layout draw (default 1)\n",
	  NULL },
	{ "--spread-layouts", NULL, take_spread_layouts, true,
	  "  --spread-layouts=LIST  further PAGES:OFFSET layouts for spread (uniform, 1 thread)\n"
	  "                     and the control loop, e.g. 4k:kernel,2m:kernel,4k:page-aligned\n",
	  NULL },
	{ "--counters", NULL, take_counters, false,
	  "  --counters=LIST    perf events, 'all' (default: all the machine supports) or 'none'\n",
	  NULL },
	{ "--iterations", NULL, take_iterations, false,
	  "  --iterations=N     fixed iteration count for every benchmark\n",
	  NULL },
	{ "--context-out", NULL, take_context_out, false,
	  "  --context-out=FILE write the run's context (placement, counters, settings) as JSON\n",
	  NULL },
	{ "--plan", &opt.plan, NULL, false,
	  "  --plan             print the placement and thread counts, run nothing\n",
	  NULL },
	{ NULL, NULL, NULL, false, NULL, NULL },
};

/* A value for @flag: given, and for a comma list each entry named; or a one-line error. */
static void check_value(const char *flag, const char *val, bool list)
{
	size_t n;

	if (!val || !*val)
		die("%s needs a value (%s=...)", flag, flag);
	n = strlen(val);
	if (list && (val[0] == ',' || val[n - 1] == ',' || strstr(val, ",,")))
		die("%s value '%s' has an empty entry (accepted: a comma list, each entry "
		    "named; see --help)", flag, val);
}

void usage(void)
{
	char buf[512];

	printf("usage: refbench [lab options] [Google Benchmark options]\n");
	for (int k = 0; options[k].flag; k++)
		if (options[k].fill)
			printf(options[k].help, options[k].fill(buf, sizeof(buf)));
		else
			fputs(options[k].help, stdout);
	/* The options the scenarios, controls and baselines take for themselves. */
	loops_write_options_help(stdout);
	printf(
"Google Benchmark's flags: --benchmark_filter=REGEX --benchmark_repetitions=N\n"
"  --benchmark_min_time=SECONDS --benchmark_out=FILE --benchmark_out_format=json ...\n");
}

/* Option @o with its value @val (NULL: none given). */
static void take(const struct cli_option *o, const char *val)
{
	if (o->on) {
		*o->on = true;
		return;
	}
	check_value(o->flag, val, o->list);
	o->take(o->flag, val);
}

/* An option a scenario, control or baseline takes for itself (loops.h), as take() does. */
static void take_loop_option(const struct loop_option *o, const char *a, const char *val)
{
	if (!o->arg) {
		if (val)
			die("unknown option '%s' (see --help)", a);
		o->take(o->flag, NULL);
		return;
	}
	check_value(o->flag, val, o->list);
	o->take(o->flag, val);
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
	opt.loops.run = &run_cfg;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = strchr(a, '=');
		const struct loop_option *lo;
		char flag[64];
		int k;

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
		}
		for (k = 0; options[k].flag && strcmp(options[k].flag, flag) != 0; k++)
			;
		if (!options[k].flag && (lo = loops_option(flag))) {
			take_loop_option(lo, a, val);
			continue;
		}
		/* A switch given a value is no switch of ours: "unknown option" below. */
		if (!options[k].flag || (options[k].on && val))
			die("unknown option '%s' (see --help)", a);
		take(&options[k], val);
	}
}