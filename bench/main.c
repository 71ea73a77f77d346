/*
 * main.c - refbench: parse the lab's options, lay out the run's CPUs,
 * register every (scenario, scheme) benchmark with Google Benchmark and
 * run them.  All of Google Benchmark's own --benchmark_* flags work.
 */
#define _GNU_SOURCE
#include "compat.h"
#include "gbench.h"
#include "harness.h"
#include "controls.h"
#include "json.h"
#include "tlb.h"
#include "lab_setup.h"
#include "numa.h"
#include "percpu_alloc.h"
#include "placement.h"
#include "scenarios.h"
#include "scheme.h"

#include <errno.h>
#include <stdarg.h>
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

extern hwloc_topology_t harness_topo;
extern struct placement harness_placement;

enum scenario { SC_HOT, SC_SPREAD, SC_READ, SC_LIFECYCLE, SC_UNLOAD, SC_CONTROL, SC_COUNT };
static const char *const scenario_names[SC_COUNT + 1] = {
	"hot", "spread", "read", "lifecycle", "unload", "control", NULL
};
static const unsigned int read_nr_cpus[] = { 8, 64, 512, 4096, 8192 };

enum codegen { CG_KERNEL, CG_INLINE, CG_COUNT };
static const char *const codegen_names[CG_COUNT + 1] = { "kernel", "inline", NULL };

#define MAX_SPREAD_MODULES 16
#define MAX_LAYOUTS 8
#define MODULES_MAX 1000000ul
#define SPREAD_MODULES_MAX 100000ul
#define ITERATIONS_MAX 1000000000000ul

static struct {
	unsigned int nr_cpu_ids;       /* 0: the largest thread count */
	unsigned int spread_modules[MAX_SPREAD_MODULES];
	int nr_spread_modules;
	bool *scheme_on;               /* scheme_count() entries */
	enum layout_pages pages;       /* --module-pages */
	enum layout_offset offset;     /* --module-offset */
	const char *layout_file;       /* --module-layout; NULL: built in */
	struct { enum layout_pages pages; enum layout_offset offset; } layouts[MAX_LAYOUTS];
	int nr_layouts;                /* --spread-layouts */
	unsigned int hold_us;          /* --unload-hold-us */
	unsigned int walk_counts;      /* --walk-counts */
	bool scenario_on[SC_COUNT];
	bool codegen_on[CG_COUNT];     /* --codegen */
	const char *context_out;
	bool plan;
	bool list_schemes;
} opt;

static void usage(void)
{
	printf(
"usage: refbench [lab options] [Google Benchmark options]\n"
"  --scheme=LIST      schemes: %s (default all;\n"
"                     the baselines noop, plain, atomic-private always run)\n"
"  --list-schemes     print every scheme's self-description as JSON, run nothing\n"
"  --scenario=LIST    hot,spread,read,lifecycle,unload,control (default all)\n"
"  --threads=LIST     thread counts (default 1, 2, then the topology's boundaries)\n"
"  --placement=P      compact | scatter | hwloc location list, e.g. core:0-3 (default compact)\n"
"  --smt              allow SMT siblings (default one thread per core)\n"
"  --modules=N        modules for spread and lifecycle (default 2000)\n"
"  --spread-modules=LIST  further module counts for spread, uniform, 1 thread\n"
"                     (the working-set sweep; default none)\n"
"  --nr-cpus=N        NR_CPUS for hot, spread, lifecycle, unload (default 64, 1..%d)\n"
"  --nr-cpu-ids=N     possible CPUs (nr_cpu_ids) the per-CPU areas are laid out for\n"
"                     (default: the largest thread count; more are layout only)\n"
"  --line=64|128      cache-line size of ____cacheline_aligned (default 128)\n"
"  --codegen=LIST     kernel (the calls each scheme's kernel made: module_put() out\n"
"                     of line until 3.18, all three in 3.19; default), inline (all\n"
"                     inline: a control)\n"
"  --percpu-unit=BYTES per-CPU unit size, the stride between CPUs' counts (default:\n"
"                     256 KiB, 64 KiB past 64 possible CPUs, more for many modules)\n"
"  --percpu-pages=P   pages of the per-CPU units: 2m (asked for, default) or 4k\n"
"  --walk-counts=N    control: also sum N words 128 B, 40, 64 and 68 KiB apart on 4 KiB\n"
"                     and 2 MiB pages (module_refcount()'s loads alone; default 0: off)\n"
"  --unload-hold-us=N unload: each getter holds its reference N us, then waits N us\n"
"                     without one, so deletes meet held references (default 20; 0:\n"
"                     get and put back to back)\n"
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
	scheme_names(), REFBENCH_NR_CPUS_MAX);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "refbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
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

static void parse_spread_modules(const char *val)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	opt.nr_spread_modules = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (opt.nr_spread_modules == MAX_SPREAD_MODULES)
			die("--spread-modules has more than %d entries", MAX_SPREAD_MODULES);
		opt.spread_modules[opt.nr_spread_modules++] =
			(unsigned int)parse_uint_flag("--spread-modules", t, 1, SPREAD_MODULES_MAX);
	}
}

static const char *const valued_flags[] = {
	"--scheme", "--scenario", "--threads", "--placement", "--modules", "--spread-modules",
	"--nr-cpus", "--nr-cpu-ids", "--line", "--counters", "--iterations", "--context-out",
	"--codegen", "--unload-hold-us", "--walk-counts", "--percpu-unit", "--percpu-pages", "--module-pages", "--module-offset", "--module-layout", "--layout-seed", "--spread-layouts",
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
	opt.nr_layouts = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(t, ':');
		if (!colon)
			die("--spread-layouts entry '%s' not accepted (accepted: PAGES:OFFSET, e.g. "
			    "4k:kernel)", t);
		*colon = '\0';
		if (opt.nr_layouts == MAX_LAYOUTS)
			die("--spread-layouts has more than %d entries", MAX_LAYOUTS);
		opt.layouts[opt.nr_layouts].pages = parse_pages("--spread-layouts", t);
		opt.layouts[opt.nr_layouts].offset = parse_offset("--spread-layouts", colon + 1);
		opt.nr_layouts++;
	}
}

static bool is_valued_flag(const char *flag)
{
	for (int i = 0; valued_flags[i]; i++)
		if (strcmp(valued_flags[i], flag) == 0)
			return true;
	return false;
}

/* One option of valued_flags[] with its (non-empty) value. */
static bool parse_valued(const char *flag, const char *val)
{
	static const char *names[64];

	if (strcmp(flag, "--scheme") == 0) {
		for (int i = 0; refbench_schemes[i]; i++)
			names[i] = refbench_schemes[i]->name;
		names[scheme_count()] = NULL;
		parse_list("scheme", val, names, opt.scheme_on);
	} else if (strcmp(flag, "--scenario") == 0) {
		parse_list("scenario", val, scenario_names, opt.scenario_on);
	} else if (strcmp(flag, "--threads") == 0) {
		parse_threads(val);
	} else if (strcmp(flag, "--placement") == 0) {
		snprintf(run_cfg.placement, sizeof(run_cfg.placement), "%s", val);
	} else if (strcmp(flag, "--modules") == 0) {
		run_cfg.modules = (unsigned int)parse_uint_flag(flag, val, 1, MODULES_MAX);
	} else if (strcmp(flag, "--spread-modules") == 0) {
		parse_spread_modules(val);
	} else if (strcmp(flag, "--nr-cpus") == 0) {
		run_cfg.nr_cpus = (unsigned int)parse_uint_flag(flag, val, 1, REFBENCH_NR_CPUS_MAX);
	} else if (strcmp(flag, "--nr-cpu-ids") == 0) {
		opt.nr_cpu_ids = (unsigned int)parse_uint_flag(flag, val, 1, REFBENCH_NR_CPUS_MAX);
	} else if (strcmp(flag, "--line") == 0) {
		unsigned long v;
		if (!lab_parse_uint(val, 64, 128, &v) || (v != 64 && v != 128))
			die("--line value '%s' not accepted (accepted: 64 or 128)", val);
		run_cfg.line = (unsigned int)v;
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
	} else if (strcmp(flag, "--walk-counts") == 0) {
		opt.walk_counts = (unsigned int)parse_uint_flag(flag, val, 0, REFBENCH_NR_CPUS_MAX);
	} else if (strcmp(flag, "--unload-hold-us") == 0) {
		opt.hold_us = (unsigned int)parse_uint_flag(flag, val, 0, 100000);
	} else if (strcmp(flag, "--codegen") == 0) {
		parse_list("codegen", val, codegen_names, opt.codegen_on);
	} else if (strcmp(flag, "--module-pages") == 0) {
		opt.pages = parse_pages(flag, val);
	} else if (strcmp(flag, "--module-offset") == 0) {
		opt.offset = parse_offset(flag, val);
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

static void parse_args(int argc, char **argv)
{
	opt.scheme_on = calloc((size_t)scheme_count(), sizeof(bool));
	if (!opt.scheme_on)
		die("out of memory");
	for (int i = 0; i < scheme_count(); i++)
		opt.scheme_on[i] = true;
	for (int i = 0; i < SC_COUNT; i++)
		opt.scenario_on[i] = true;
	opt.codegen_on[CG_KERNEL] = true;
	opt.hold_us = 20;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = strchr(a, '=');
		char flag[64];

		if (val) {
			snprintf(flag, sizeof(flag), "%.*s", (int)(val - a), a);
			val++;
		} else {
			snprintf(flag, sizeof(flag), "%s", a);
		}
		if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
			usage();
			exit(0);
		} else if (strcmp(flag, "--smt") == 0 && !val) {
			run_cfg.smt = true;
		} else if (strcmp(flag, "--plan") == 0 && !val) {
			opt.plan = true;
		} else if (strcmp(flag, "--list-schemes") == 0 && !val) {
			opt.list_schemes = true;
		} else if (is_valued_flag(flag)) {
			if (!val || !*val)
				die("%s needs a value (%s=...)", flag, flag);
			parse_valued(flag, val);
		} else {
			die("unknown option '%s' (see --help)", a);
		}
	}
}

static unsigned int max_modules(void)
{
	unsigned int m = run_cfg.modules;

	for (int k = 0; k < opt.nr_spread_modules; k++)
		if (opt.spread_modules[k] > m)
			m = opt.spread_modules[k];
	return m;
}

/* Bytes the largest scheme would need for the run's modules. */
static void check_memory(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long avail_kb = 0, need;
	unsigned int modules = max_modules();

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &avail_kb) == 1)
			break;
	fclose(f);
	need = (unsigned long long)modules *
	       (4096ull + ((unsigned long long)run_cfg.nr_cpus * run_cfg.line));
	if (avail_kb && need > avail_kb * 1024ull / 2)
		die("%u modules would not fit in memory (the NR_CPUS arrays need %llu MiB of "
		    "%llu MiB available; accepted: at most half of what is available)",
		    modules, need >> 20, avail_kb >> 10);
}

/* Every scheme's self-description, in registry order: what scripts read. */
static void write_schemes_json(FILE *f)
{
	fprintf(f, "[");
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct scheme_ops *o = refbench_schemes[i];
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		json_string(f, o->name);
		fprintf(f, ", \"label\": ");
		json_string(f, o->label);
		fprintf(f, ", \"models\": ");
		json_string(f, o->models);
		fprintf(f, ", \"module_memory\": \"%s\", \"module_pages\": \"%s\", "
			"\"ref_storage\": \"%s\", \"unload_era\": %d, \"out_of_line\": %u}",
			module_mem_name(o->mem_kind),
			o->mem_kind == MODULE_MEM_VMALLOC ? "4k" : "2m",
			ref_storage_name(o->ref_storage), o->unload_era, o->out_of_line);
	}
	fprintf(f, "]");
}

static void write_context(void)
{
	char tmp[PATH_MAX];
	FILE *f;
	struct utsname u;

	if (!opt.context_out)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.context_out);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "refbench: cannot write --context-out file '%s': %s\n",
			opt.context_out, strerror(errno));
		exit(2);
	}
	uname(&u);
	fprintf(f, "{\"refbench_format\": 1, \"kernel\": ");
	{
		char k[2 * sizeof(u.release)];
		snprintf(k, sizeof(k), "%s %s", u.sysname, u.release);
		json_string(f, k);
	}
	fprintf(f, ", \"nr_cpus\": %u, \"line\": %u, \"modules\": %u, \"nr_cpu_ids\": %u, "
		"\"smt\": %s, \"numa_nodes\": %d, \"topology_source\": ",
		run_cfg.nr_cpus, run_cfg.line, run_cfg.modules, nr_cpu_ids,
		run_cfg.smt ? "true" : "false", numa_nr_nodes());
	json_string(f, placement_topology_source(harness_topo));
	fprintf(f, ",\n \"module_layout\": {\"pages\": \"%s\", \"offset\": \"%s\", \"seed\": %lu, "
		"\"rows\": %u, \"source\": ", layout_pages_name(opt.pages),
		layout_offset_name(opt.offset), module_layout_seed(), module_layout_rows());
	json_string(f, module_layout_source());
	fprintf(f, "}");
	fprintf(f, ",\n \"tlb\": ");
	tlb_write_json(f);
	fprintf(f, ",\n \"percpu\": {\"unit\": %zu, \"pages\": \"%s\", \"hugepage_bytes\": %ld, "
		"\"method\": \"AnonHugePages of the units from /proc/self/smaps at start\"}",
		percpu_unit_size(), run_cfg.percpu_small_pages ? "4k" : "2m", percpu_hugepage_bytes());
	fprintf(f, ",\n \"placement\": ");
	placement_write_json(f, &harness_placement);
	fprintf(f, ",\n \"threads\": [");
	for (int i = 0; i < run_cfg.nr_threads; i++)
		fprintf(f, "%s%d", i ? ", " : "", run_cfg.threads[i]);
	fprintf(f, "],\n \"counters\": ");
	harness_counters_write_json(f);
	fprintf(f, ",\n \"schemes\": ");
	write_schemes_json(f);
	fprintf(f, "}\n");
	if (fclose(f) != 0 || rename(tmp, opt.context_out) != 0) {
		fprintf(stderr, "refbench: cannot write --context-out file '%s': %s\n",
			opt.context_out, strerror(errno));
		unlink(tmp);
		exit(2);
	}
}

/* The pages a scheme's modules get under @pages: 4096 or 2 MiB. */
static unsigned int pages_for(const struct scheme_ops *o, enum layout_pages pages)
{
	if (pages == LAYOUT_PAGES_SCHEME)
		return o->mem_kind == MODULE_MEM_VMALLOC ? 4096u : 2u << 20;
	return pages == LAYOUT_PAGES_4K ? 4096u : 2u << 20;
}

static const char *pages_name(unsigned int bytes)
{
	return bytes == 4096u ? "4k" : "2m";
}

/* Arguments of one registered benchmark; they live as long as the run. */
static struct scenario_args *new_args(unsigned int nr_cpus, unsigned int modules, bool zipf,
				      unsigned int pages, enum layout_offset offset)
{
	struct scenario_args *a = malloc(sizeof(*a));

	if (!a)
		die("out of memory registering benchmarks");
	a->nr_cpus = nr_cpus;
	a->modules = modules;
	a->zipf = zipf;
	a->module_pages = pages;
	a->offset = offset;
	a->hold_us = 0;
	return a;
}

static void add(const char *name, rb_fn fn, void *arg, const int *threads, int nr)
{
	rb_bench *b = rb_register(name, fn, arg);

	rb_bench_use_manual_time(b);
	if (run_cfg.iterations)
		rb_bench_iterations(b, run_cfg.iterations);
	for (int i = 0; i < nr; i++)
		rb_bench_threads(b, threads[i]);
}

/* "pages:4k/offset:kernel": the layout part of every benchmark's name. */
static const char *layout_suffix(unsigned int pages, enum layout_offset offset)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "pages:%s/offset:%s", pages_name(pages), layout_offset_name(offset));
	return buf;
}

/* "pages:4k/offset:kernel/codegen:kernel": the same for a scheme's benchmarks. */
static const char *scheme_suffix(const struct scenario_fns *f, unsigned int pages,
				 enum layout_offset offset)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s/codegen:%s", layout_suffix(pages, offset), f->codegen);
	return buf;
}

static void register_spread(const struct scenario_fns *f)
{
	unsigned int nc = run_cfg.nr_cpus, line = run_cfg.line, m = run_cfg.modules;
	unsigned int pg = pages_for(f->scheme, opt.pages);
	int one[] = { 1 }, lo_hi[2] = { 1, run_cfg.max_threads };
	int nr_lo_hi = run_cfg.max_threads > 1 ? 2 : 1;
	char name[256];

	for (int z = 0; z < 2; z++) {
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:%s/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, z ? "zipf" : "uniform", nc, line,
			 scheme_suffix(f, pg, opt.offset));
		add(name, f->spread, new_args(nc, m, z, pg, opt.offset), lo_hi, nr_lo_hi);
	}
	/* The working-set sweep: one thread, uniform. */
	for (int k = 0; k < opt.nr_spread_modules; k++) {
		unsigned int sm = opt.spread_modules[k];
		if (sm == m)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, sm, nc, line, scheme_suffix(f, pg, opt.offset));
		add(name, f->spread, new_args(nc, sm, false, pg, opt.offset), one, 1);
	}
	/* Further layouts (the page size x in-page placement matrix): one thread, uniform. */
	for (int k = 0; k < opt.nr_layouts; k++) {
		unsigned int lp = pages_for(f->scheme, opt.layouts[k].pages);
		enum layout_offset lo = opt.layouts[k].offset;
		if (lp == pg && lo == opt.offset)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, nc, line, scheme_suffix(f, lp, lo));
		add(name, f->spread, new_args(nc, m, false, lp, lo), one, 1);
	}
}

static void register_read(const struct scenario_fns *f)
{
	unsigned int pg = pages_for(f->scheme, opt.pages);
	int one[] = { 1 }, max[] = { run_cfg.max_threads };
	char name[256];

	for (size_t k = 0; k < sizeof(read_nr_cpus) / sizeof(read_nr_cpus[0]); k++) {
		unsigned int rn = read_nr_cpus[k];
		/* NR_CPUS below the possible CPUs is no kernel. */
		if (rn < nr_cpu_ids)
			continue;
		for (int busy = 0; busy < 2; busy++) {
			if (busy && run_cfg.max_threads < 2)
				continue;
			snprintf(name, sizeof(name), "read/%s/nr_cpus:%u/line:%u/load:%s/"
				 "percpu_unit:%zu/percpu_pages:%s/%s",
				 f->scheme->name, rn, run_cfg.line, busy ? "busy" : "idle",
				 percpu_unit_size(), run_cfg.percpu_small_pages ? "4k" : "2m",
				 scheme_suffix(f, pg, opt.offset));
			add(name, f->read, new_args(rn, run_cfg.modules, false, pg, opt.offset),
			    busy ? max : one, 1);
		}
	}
}

static void register_scheme(const struct scenario_fns *f)
{
	unsigned int nc = run_cfg.nr_cpus, line = run_cfg.line, m = run_cfg.modules;
	unsigned int pg = pages_for(f->scheme, opt.pages);
	const char *lay = scheme_suffix(f, pg, opt.offset);
	int one[] = { 1 }, max[] = { run_cfg.max_threads };
	char name[256];

	if (opt.scenario_on[SC_HOT]) {
		snprintf(name, sizeof(name), "hot/%s/nr_cpus:%u/line:%u/%s", f->scheme->name, nc,
			 line, lay);
		add(name, f->hot, new_args(nc, m, false, pg, opt.offset), run_cfg.threads,
		    run_cfg.nr_threads);
	}
	if (opt.scenario_on[SC_SPREAD])
		register_spread(f);
	if (opt.scenario_on[SC_READ])
		register_read(f);
	lay = scheme_suffix(f, pg, opt.offset);
	if (opt.scenario_on[SC_LIFECYCLE]) {
		snprintf(name, sizeof(name), "lifecycle/%s/modules:%u/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, nc, line, lay);
		add(name, f->lifecycle, new_args(nc, m, false, pg, opt.offset), one, 1);
	}
	if (opt.scenario_on[SC_UNLOAD]) {
		struct scenario_args *ua = new_args(nc, m, false, pg, opt.offset);
		ua->hold_us = opt.hold_us;
		snprintf(name, sizeof(name), "unload/%s/nr_cpus:%u/line:%u/hold_us:%u/%s",
			 f->scheme->name, nc, line, opt.hold_us, lay);
		add(name, f->unload, ua, max, 1);
	}
}

/* The control loops: the spread accesses of an array scheme, one per layout. */
static void register_controls(void)
{
	int one[] = { 1 };
	char name[256];

	for (int k = -1; k < opt.nr_layouts; k++) {
		enum layout_pages pages = k < 0 ? opt.pages : opt.layouts[k].pages;
		enum layout_offset off = k < 0 ? opt.offset : opt.layouts[k].offset;
		struct control_args *a;

		if (pages == LAYOUT_PAGES_SCHEME)
			continue;         /* a control has no scheme of its own */
		if (!(a = malloc(sizeof(*a))))
			die("out of memory registering benchmarks");
		a->nr_cpus = run_cfg.nr_cpus;
		a->modules = run_cfg.modules;
		a->line = run_cfg.line;
		a->huge = pages == LAYOUT_PAGES_2M;
		a->offset = off;
		snprintf(name, sizeof(name), "control/spread-array/modules:%u/dist:uniform/nr_cpus:%u/"
			 "line:%u/%s", a->modules, a->nr_cpus, a->line,
			 layout_suffix(a->huge ? 2u << 20 : 4096u, off));
		add(name, control_spread, a, one, 1);
	}
}

/* The walk controls: the refcount walk's loads at the array's and the units' strides. */
static void register_walks(void)
{
	static const size_t strides[] = { 128, 40960, 65536, 69632 };
	int one[] = { 1 };
	char name[256];

	for (size_t k = 0; k < sizeof(strides) / sizeof(strides[0]); k++)
		for (int huge = 1; huge >= 0; huge--) {
			struct walk_args *a = malloc(sizeof(*a));
			if (!a)
				die("out of memory registering benchmarks");
			a->counts = opt.walk_counts;
			a->stride = strides[k];
			a->huge = huge;
			snprintf(name, sizeof(name), "control/walk/counts:%u/stride:%zu/pages:%s",
				 a->counts, a->stride, huge ? "2m" : "4k");
			add(name, control_walk, a, one, 1);
		}
}

static void register_all(void)
{
	char name[256];

	if (opt.scenario_on[SC_HOT])
		for (int i = 0; refbench_baselines[i].name; i++) {
			snprintf(name, sizeof(name), "hot/%s", refbench_baselines[i].name);
			add(name, refbench_baselines[i].fn, NULL, run_cfg.threads, run_cfg.nr_threads);
		}
	for (int c = 0; c < CG_COUNT; c++) {
		const struct scenario_fns *const *t = c == CG_KERNEL ? refbench_scenarios :
						      refbench_scenarios_inline;
		if (!opt.codegen_on[c])
			continue;
		for (int s = 0; t[s]; s++)
			if (opt.scheme_on[scheme_index(t[s]->scheme)])
				register_scheme(t[s]);
	}
	if (opt.scenario_on[SC_CONTROL]) {
		register_controls();
		if (opt.walk_counts)
			register_walks();
	}
}

/* Lay out the run's CPUs from the placement; exits with a one-line error. */
static void setup_placement(void)
{
	char err[512];
	int defaults[HARNESS_MAX_COUNTS];

	if (placement_topology_init(&harness_topo, err, sizeof(err)) != 0 ||
	    placement_build(harness_topo, run_cfg.placement, run_cfg.smt, &harness_placement,
			    err, sizeof(err)) != 0)
		die("%s", err);
	if (run_cfg.nr_threads == 0) {
		run_cfg.nr_threads = placement_default_threads(harness_topo, &harness_placement,
							       defaults, HARNESS_MAX_COUNTS);
		memcpy(run_cfg.threads, defaults, sizeof(int) * (size_t)run_cfg.nr_threads);
	}
	run_cfg.max_threads = 0;
	for (int i = 0; i < run_cfg.nr_threads; i++) {
		if (placement_check_threads(&harness_placement, run_cfg.threads[i], err,
					    sizeof(err)) != 0)
			die("%s", err);
		if (run_cfg.threads[i] > run_cfg.max_threads)
			run_cfg.max_threads = run_cfg.threads[i];
	}
}

/* Settings that only make sense together; exits with a one-line error. */
static void check_settings(void)
{
	if (!placement_topology_is_this_system(harness_topo))
		die("topology from %s is not this machine: use --plan to print placements, "
		    "unset it to run", placement_topology_source(harness_topo));
	if ((unsigned int)run_cfg.max_threads > run_cfg.nr_cpus)
		die("--threads up to %d but --nr-cpus=%u (accepted: NR_CPUS at least the largest "
		    "thread count)", run_cfg.max_threads, run_cfg.nr_cpus);
	check_memory();
	if (opt.nr_cpu_ids == 0)
		opt.nr_cpu_ids = (unsigned int)run_cfg.max_threads;
	if (opt.nr_cpu_ids < (unsigned int)run_cfg.max_threads)
		die("--nr-cpu-ids=%u is below the largest thread count %d (accepted: %d to %d)",
		    opt.nr_cpu_ids, run_cfg.max_threads, run_cfg.max_threads, REFBENCH_NR_CPUS_MAX);
	if (opt.nr_cpu_ids > run_cfg.nr_cpus)
		die("--nr-cpu-ids=%u is above --nr-cpus=%u (accepted: nr_cpu_ids <= NR_CPUS)",
		    opt.nr_cpu_ids, run_cfg.nr_cpus);
}

static void add_context(void)
{
	char v[64];

	snprintf(v, sizeof(v), "%u", run_cfg.nr_cpus);
	rb_add_context("refbench_nr_cpus", v);
	snprintf(v, sizeof(v), "%u", run_cfg.line);
	rb_add_context("refbench_line", v);
	snprintf(v, sizeof(v), "%u", run_cfg.modules);
	rb_add_context("refbench_modules", v);
	snprintf(v, sizeof(v), "%u", nr_cpu_ids);
	rb_add_context("refbench_nr_cpu_ids", v);
	rb_add_context("refbench_placement", run_cfg.placement);
	rb_add_context("refbench_module_pages", layout_pages_name(opt.pages));
	rb_add_context("refbench_module_offset", layout_offset_name(opt.offset));
	rb_add_context("refbench_module_layout", module_layout_source());
	snprintf(v, sizeof(v), "%lu", module_layout_seed());
	rb_add_context("refbench_layout_seed", v);
	rb_add_context("refbench_format", "1");
}

int main(int argc, char **argv)
{
	char err[512];

	if (rb_initialize_with_help(&argc, argv, usage) != 0)
		return 2;
	parse_args(argc, argv);
	if (opt.list_schemes) {
		printf("{\"refbench_format\": 1, \"schemes\": ");
		write_schemes_json(stdout);
		printf("}\n");
		return 0;
	}
	setup_placement();
	if (opt.plan) {
		placement_write_json(stdout, &harness_placement);
		printf("\n");
		return 0;
	}
	check_settings();
	if (module_layout_load(opt.layout_file, err, sizeof(err)) != 0)
		die("%s", err);
	if (harness_setup_cpus(run_cfg.max_threads, opt.nr_cpu_ids, max_modules(),
			       err, sizeof(err)) != 0)
		die("%s", err);
	if (harness_counters_init(run_cfg.counters, err, sizeof(err)) != 0)
		die("%s", err);
	write_context();
	add_context();
	register_all();
	rb_run_specified();
	rb_shutdown();
	return 0;
}
