/*
 * main.c - refbench: parse the lab's options, lay out the run's CPUs,
 * register every (scenario, scheme) benchmark with Google Benchmark and
 * run them.  All of Google Benchmark's own --benchmark_* flags work.
 */
#define _GNU_SOURCE
#include "compat.h"
#include "gbench.h"
#include "harness.h"
#include "json.h"
#include "numa.h"
#include "percpu_alloc.h"
#include "placement.h"
#include "scenarios.h"
#include "scheme.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

extern hwloc_topology_t harness_topo;
extern struct placement harness_placement;

static const char *const scenario_names[] = { "hot", "spread", "read", "lifecycle", "unload", NULL };
static const unsigned int read_nr_cpus[] = { 8, 64, 512, 4096, 8192 };

static struct {
	unsigned int nr_cpu_ids;       /* 0: the largest thread count */
	unsigned int spread_modules[16];
	int nr_spread_modules;
	bool scheme_on[8];
	bool scenario_on[8];
	const char *context_out;
	bool plan;
} opt;

static void usage(void)
{
	printf(
"usage: refbench [lab options] [Google Benchmark options]\n"
"  --scheme=LIST      schemes: nrcpus-array,vmalloc-array,percpu,atomic (default all;\n"
"                     the baselines noop, plain, atomic-private always run)\n"
"  --scenario=LIST    hot,spread,read,lifecycle,unload (default all)\n"
"  --threads=LIST     thread counts (default 1, 2, then the topology's boundaries)\n"
"  --placement=P      compact | scatter | hwloc location list, e.g. core:0-3 (default compact)\n"
"  --smt              allow SMT siblings (default one thread per core)\n"
"  --modules=N        modules for spread and lifecycle (default 2000)\n"
"  --spread-modules=LIST  further module counts for spread, uniform, 1 thread\n"
"                     (the working-set sweep; default none)\n"
"  --nr-cpus=N        NR_CPUS for hot, spread, lifecycle, unload (default 64, 1..8192)\n"
"  --nr-cpu-ids=N     possible CPUs (nr_cpu_ids) the per-CPU areas are laid out for\n"
"                     (default: the largest thread count; more are layout only)\n"
"  --line=64|128      cache-line size of ____cacheline_aligned (default 128)\n"
"  --counters=LIST    perf events, 'all' (default: all the machine supports) or 'none'\n"
"  --iterations=N     fixed iteration count for every benchmark\n"
"  --context-out=FILE write the run's context (placement, counters, settings) as JSON\n"
"  --plan             print the placement and thread counts, run nothing\n"
"Google Benchmark's flags: --benchmark_filter=REGEX --benchmark_repetitions=N\n"
"  --benchmark_min_time=SECONDS --benchmark_out=FILE --benchmark_out_format=json ...\n");
}

static void die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "refbench: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(2);
}

static bool parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void parse_list(const char *flag, const char *val, const char *const *names,
		       bool *on, const char *accepted)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	memset(on, 0, 8 * sizeof(bool));
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;
		for (i = 0; names[i]; i++)
			if (strcmp(names[i], t) == 0)
				break;
		if (!names[i]) {
			fprintf(stderr, "refbench: unknown %s '%s' (accepted: %s)\n", flag, t, accepted);
			exit(2);
		}
		on[i] = true;
	}
}

static void parse_threads(const char *val)
{
	char buf[512], *save = NULL;
	unsigned long v;

	snprintf(buf, sizeof(buf), "%s", val);
	run_cfg.nr_threads = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!parse_ulong(t, 1, HARNESS_MAX_THREADS, &v))
			die("--threads value '%s' not accepted (accepted: whole numbers from 1 to %s)",
			    t, "1024");
		if (run_cfg.nr_threads == HARNESS_MAX_COUNTS)
			die("--threads has more than %s entries%s", "64", "");
		run_cfg.threads[run_cfg.nr_threads++] = (int)v;
	}
	if (run_cfg.nr_threads == 0)
		die("--threads is empty (accepted: a comma list of thread counts)%s%s", "", "");
}

static const char *scheme_list[] = { "nrcpus-array", "vmalloc-array", "percpu", "atomic", NULL };

static void parse_args(int argc, char **argv)
{
	unsigned long v;

	for (int i = 0; i < 8; i++)
		opt.scheme_on[i] = opt.scenario_on[i] = true;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = strchr(a, '=');
		char flag[64];

		if (val) {
			snprintf(flag, sizeof(flag), "%.*s", (int)(val - a), a);
			val++;
		} else {
			snprintf(flag, sizeof(flag), "%s", a);
		}
#define NEED_VAL() do { if (!val || !*val) die("%s needs a value (%s=...)", flag, flag); } while (0)
		if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
			usage();
			exit(0);
		} else if (strcmp(flag, "--scheme") == 0) {
			NEED_VAL();
			parse_list("scheme", val, scheme_list, opt.scheme_on,
				   "nrcpus-array, vmalloc-array, percpu, atomic");
		} else if (strcmp(flag, "--scenario") == 0) {
			NEED_VAL();
			parse_list("scenario", val, scenario_names, opt.scenario_on,
				   "hot, spread, read, lifecycle, unload");
		} else if (strcmp(flag, "--threads") == 0) {
			NEED_VAL();
			parse_threads(val);
		} else if (strcmp(flag, "--placement") == 0) {
			NEED_VAL();
			snprintf(run_cfg.placement, sizeof(run_cfg.placement), "%s", val);
		} else if (strcmp(flag, "--smt") == 0 && !val) {
			run_cfg.smt = true;
		} else if (strcmp(flag, "--modules") == 0) {
			NEED_VAL();
			if (!parse_ulong(val, 1, 1000000, &v))
				die("--modules value '%s' not accepted (accepted: 1 to %s)", val, "1000000");
			run_cfg.modules = (unsigned int)v;
		} else if (strcmp(flag, "--spread-modules") == 0) {
			char buf[256], *save = NULL;
			NEED_VAL();
			snprintf(buf, sizeof(buf), "%s", val);
			opt.nr_spread_modules = 0;
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (!parse_ulong(t, 1, 100000, &v))
					die("--spread-modules value '%s' not accepted (accepted: 1 to %s)",
					    t, "100000");
				if (opt.nr_spread_modules == 16)
					die("--spread-modules has more than %s entries%s", "16", "");
				opt.spread_modules[opt.nr_spread_modules++] = (unsigned int)v;
			}
		} else if (strcmp(flag, "--nr-cpus") == 0) {
			NEED_VAL();
			if (!parse_ulong(val, 1, REFBENCH_NR_CPUS_MAX, &v))
				die("--nr-cpus value '%s' not accepted (accepted: 1 to %s)", val, "8192");
			run_cfg.nr_cpus = (unsigned int)v;
		} else if (strcmp(flag, "--nr-cpu-ids") == 0) {
			NEED_VAL();
			if (!parse_ulong(val, 1, REFBENCH_NR_CPUS_MAX, &v))
				die("--nr-cpu-ids value '%s' not accepted (accepted: 1 to %s)", val, "8192");
			opt.nr_cpu_ids = (unsigned int)v;
		} else if (strcmp(flag, "--line") == 0) {
			NEED_VAL();
			if (!parse_ulong(val, 64, 128, &v) || (v != 64 && v != 128))
				die("--line value '%s' not accepted (accepted: %s)", val, "64 or 128");
			run_cfg.line = (unsigned int)v;
		} else if (strcmp(flag, "--counters") == 0) {
			NEED_VAL();
			snprintf(run_cfg.counters, sizeof(run_cfg.counters), "%s", val);
		} else if (strcmp(flag, "--iterations") == 0) {
			NEED_VAL();
			if (!parse_ulong(val, 1, 1000000000000ul, &v))
				die("--iterations value '%s' not accepted (accepted: 1 to %s)", val, "10^12");
			run_cfg.iterations = (int64_t)v;
		} else if (strcmp(flag, "--context-out") == 0) {
			NEED_VAL();
			opt.context_out = val;
		} else if (strcmp(flag, "--plan") == 0 && !val) {
			opt.plan = true;
		} else {
			die("unknown option '%s' (see --help)%s", a, "");
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
	if (avail_kb && need > avail_kb * 1024ull / 2) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "%u", modules);
		snprintf(b, sizeof(b), "%llu MiB of %llu MiB available",
			 need >> 20, avail_kb >> 10);
		die("%s modules would not fit in memory (the NR_CPUS arrays need %s; "
		    "accepted: at most half of what is available)", a, b);
	}
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
	fprintf(f, ",\n \"placement\": ");
	placement_write_json(f, &harness_placement);
	fprintf(f, ",\n \"threads\": [");
	for (int i = 0; i < run_cfg.nr_threads; i++)
		fprintf(f, "%s%d", i ? ", " : "", run_cfg.threads[i]);
	fprintf(f, "],\n \"counters\": ");
	harness_counters_write_json(f);
	fprintf(f, ",\n \"schemes\": [");
	for (int i = 0; refbench_schemes[i]; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_string(f, refbench_schemes[i]->name);
		fprintf(f, ", \"models\": ");
		json_string(f, refbench_schemes[i]->models);
		fprintf(f, ", \"module_memory\": \"%s\"}",
			refbench_schemes[i]->mem_kind == MODULE_MEM_VMALLOC ?
			"vmalloc-like, 4 KiB pages" : "huge-page pool");
	}
	fprintf(f, "]}\n");
	if (fclose(f) != 0 || rename(tmp, opt.context_out) != 0) {
		fprintf(stderr, "refbench: cannot write --context-out file '%s': %s\n",
			opt.context_out, strerror(errno));
		unlink(tmp);
		exit(2);
	}
}

static struct scenario_args args_pool[512];
static int nr_args;

static struct scenario_args *new_args(unsigned int nr_cpus, unsigned int modules, bool zipf)
{
	struct scenario_args *a = &args_pool[nr_args++];
	a->nr_cpus = nr_cpus;
	a->modules = modules;
	a->zipf = zipf;
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

static void register_all(void)
{
	const struct scenario_fns *fns[] = {
		register_scenarios_scheme_nrcpus_array(),
		register_scenarios_scheme_vmalloc_array(),
		register_scenarios_scheme_percpu(),
		register_scenarios_scheme_atomic(),
	};
	int one[] = { 1 }, max[] = { run_cfg.max_threads };
	int lo_hi[2] = { 1, run_cfg.max_threads };
	int nr_lo_hi = run_cfg.max_threads > 1 ? 2 : 1;
	unsigned int nc = run_cfg.nr_cpus, line = run_cfg.line, m = run_cfg.modules;
	char name[256];

	if (opt.scenario_on[0])
		for (int i = 0; refbench_baselines[i].name; i++) {
			snprintf(name, sizeof(name), "hot/%s", refbench_baselines[i].name);
			add(name, refbench_baselines[i].fn, NULL, run_cfg.threads, run_cfg.nr_threads);
		}
	for (int s = 0; s < 4; s++) {
		const struct scenario_fns *f = fns[s];
		if (!opt.scheme_on[s])
			continue;
		if (opt.scenario_on[0]) {
			snprintf(name, sizeof(name), "hot/%s/nr_cpus:%u/line:%u", f->scheme, nc, line);
			add(name, f->hot, new_args(nc, m, false), run_cfg.threads, run_cfg.nr_threads);
		}
		if (opt.scenario_on[1]) {
			for (int z = 0; z < 2; z++) {
				snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:%s/nr_cpus:%u/line:%u",
					 f->scheme, m, z ? "zipf" : "uniform", nc, line);
				add(name, f->spread, new_args(nc, m, z), lo_hi, nr_lo_hi);
			}
			/* The working-set sweep: one thread, uniform. */
			for (int k = 0; k < opt.nr_spread_modules; k++) {
				unsigned int sm = opt.spread_modules[k];
				if (sm == m)
					continue;
				snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u",
					 f->scheme, sm, nc, line);
				add(name, f->spread, new_args(nc, sm, false), one, 1);
			}
		}
		if (opt.scenario_on[2])
			for (size_t k = 0; k < sizeof(read_nr_cpus) / sizeof(read_nr_cpus[0]); k++) {
				unsigned int rn = read_nr_cpus[k];
				/* NR_CPUS below the possible CPUs is no kernel. */
				if (rn < nr_cpu_ids)
					continue;
				for (int busy = 0; busy < 2; busy++) {
					if (busy && run_cfg.max_threads < 2)
						continue;
					snprintf(name, sizeof(name), "read/%s/nr_cpus:%u/line:%u/load:%s",
						 f->scheme, rn, line, busy ? "busy" : "idle");
					add(name, f->read, new_args(rn, m, false), busy ? max : one, 1);
				}
			}
		if (opt.scenario_on[3]) {
			snprintf(name, sizeof(name), "lifecycle/%s/modules:%u/nr_cpus:%u/line:%u",
				 f->scheme, m, nc, line);
			add(name, f->lifecycle, new_args(nc, m, false), one, 1);
		}
		if (opt.scenario_on[4]) {
			snprintf(name, sizeof(name), "unload/%s/nr_cpus:%u/line:%u", f->scheme, nc, line);
			add(name, f->unload, new_args(nc, m, false), max, 1);
		}
	}
}

int main(int argc, char **argv)
{
	char err[512];
	int defaults[HARNESS_MAX_COUNTS];

	if (rb_initialize_with_help(&argc, argv, usage) != 0)
		return 2;
	parse_args(argc, argv);

	if (placement_topology_init(&harness_topo, err, sizeof(err)) != 0 ||
	    placement_build(harness_topo, run_cfg.placement, run_cfg.smt, &harness_placement,
			    err, sizeof(err)) != 0) {
		fprintf(stderr, "refbench: %s\n", err);
		return 2;
	}
	if (run_cfg.nr_threads == 0) {
		run_cfg.nr_threads = placement_default_threads(harness_topo, &harness_placement,
							       defaults, HARNESS_MAX_COUNTS);
		memcpy(run_cfg.threads, defaults, sizeof(int) * run_cfg.nr_threads);
	}
	run_cfg.max_threads = 0;
	for (int i = 0; i < run_cfg.nr_threads; i++) {
		if (placement_check_threads(&harness_placement, run_cfg.threads[i], err,
					    sizeof(err)) != 0) {
			fprintf(stderr, "refbench: %s\n", err);
			return 2;
		}
		if (run_cfg.threads[i] > run_cfg.max_threads)
			run_cfg.max_threads = run_cfg.threads[i];
	}
	if (opt.plan) {
		placement_write_json(stdout, &harness_placement);
		printf("\n");
		return 0;
	}
	if (!placement_topology_is_this_system(harness_topo)) {
		fprintf(stderr, "refbench: topology from %s is not this machine: use --plan to "
			"print placements, unset it to run\n", placement_topology_source(harness_topo));
		return 2;
	}
	if ((unsigned int)run_cfg.max_threads > run_cfg.nr_cpus) {
		fprintf(stderr, "refbench: --threads up to %d but --nr-cpus=%u (accepted: NR_CPUS "
			"at least the largest thread count)\n", run_cfg.max_threads, run_cfg.nr_cpus);
		return 2;
	}
	check_memory();

	if (opt.nr_cpu_ids == 0)
		opt.nr_cpu_ids = (unsigned int)run_cfg.max_threads;
	if (opt.nr_cpu_ids < (unsigned int)run_cfg.max_threads) {
		fprintf(stderr, "refbench: --nr-cpu-ids=%u is below the largest thread count %d "
			"(accepted: %d to 8192)\n", opt.nr_cpu_ids, run_cfg.max_threads,
			run_cfg.max_threads);
		return 2;
	}
	if (opt.nr_cpu_ids > run_cfg.nr_cpus) {
		fprintf(stderr, "refbench: --nr-cpu-ids=%u is above --nr-cpus=%u (accepted: "
			"nr_cpu_ids <= NR_CPUS)\n", opt.nr_cpu_ids, run_cfg.nr_cpus);
		return 2;
	}
	if (harness_setup_cpus(run_cfg.max_threads, opt.nr_cpu_ids, max_modules(),
			       err, sizeof(err)) != 0) {
		fprintf(stderr, "refbench: %s\n", err);
		return 2;
	}
	if (harness_counters_init(run_cfg.counters, err, sizeof(err)) != 0) {
		fprintf(stderr, "refbench: %s\n", err);
		return 2;
	}
	write_context();

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
		rb_add_context("refbench_format", "1");
	}
	register_all();
	rb_run_specified();
	rb_shutdown();
	return 0;
}
