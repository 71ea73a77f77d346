/*
 * main.c - refbench: parse the lab's options (cli.c), lay out the run's
 * CPUs, write the run's context, register every selected scenario (for
 * every scheme), control and baseline (loops_register(), the registry of
 * bench/loops/) and run them.  All of Google Benchmark's own
 * --benchmark_* flags work.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "compat.h"
#include "errmsg.h"
#include "gbench.h"
#include "harness.h"
#include "json.h"
#include "tlb.h"
#include "lab_setup.h"
#include "numa.h"
#include "percpu_alloc.h"
#include "placement.h"
#include "loops.h"
#include "scheme.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

extern hwloc_topology_t harness_topo;
extern struct placement harness_placement;

/* Bytes the largest scheme would need for the run's modules. */
static void check_memory(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long avail_kb = 0, need;
	unsigned int modules = loops_max_modules(&opt.loops);

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
			"\"ref_storage\": \"%s\", \"unload_era\": %d, \"out_of_line\": %u, "
			"\"unload_hold_us\": %u}",
			module_mem_name(o->mem_kind),
			o->mem_kind == MODULE_MEM_VMALLOC ? "4k" : "2m",
			ref_storage_name(o->ref_storage), o->unload_era, o->out_of_line,
			o->unload_hold_us);
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
		"\"rows\": %u, \"source\": ", layout_pages_name(opt.loops.pages),
		layout_offset_name(opt.loops.offset), module_layout_seed(), module_layout_rows());
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
	fprintf(f, ",\n \"scenarios\": ");
	loops_write_json(f);
	fprintf(f, "}\n");
	if (fclose(f) != 0 || rename(tmp, opt.context_out) != 0) {
		fprintf(stderr, "refbench: cannot write --context-out file '%s': %s\n",
			opt.context_out, strerror(errno));
		unlink(tmp);
		exit(2);
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
	rb_add_context("refbench_module_pages", layout_pages_name(opt.loops.pages));
	rb_add_context("refbench_module_offset", layout_offset_name(opt.loops.offset));
	rb_add_context("refbench_module_layout", module_layout_source());
	snprintf(v, sizeof(v), "%lu", module_layout_seed());
	rb_add_context("refbench_layout_seed", v);
	rb_add_context("refbench_format", "1");
}

/*
 * Google Benchmark's own flags that it would take badly: a repetition count below 1 ends
 * in a C++ exception (vector::reserve) after the set-up, and a filter that is not a regular
 * expression runs nothing and exits 0.  Checked here, before the library sees them; the
 * filter is returned for the "matched nothing" message.  The library compiles the filter
 * as a POSIX extended expression (a leading '-' negates it).
 */
static const char *check_gbench_flags(int argc, char **argv)
{
	const char *filter = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--benchmark_repetitions=", 24) == 0) {
			unsigned long v;
			if (!lab_parse_uint(a + 24, 1, 1000000, &v))
				die("--benchmark_repetitions value '%s' not accepted (accepted: 1 to "
				    "1000000)", a + 24);
		} else if (strncmp(a, "--benchmark_filter=", 19) == 0) {
			regex_t re;
			const char *f = a + 19;
			filter = f;
			if (*f == '-')
				f++;
			if (regcomp(&re, f, REG_EXTENDED | REG_NOSUB) != 0)
				die("--benchmark_filter value '%s' is not a regular expression "
				    "(accepted: a POSIX extended regular expression, e.g. '^hot/')",
				    a + 19);
			regfree(&re);
		}
	}
	return filter;
}

int main(int argc, char **argv)
{
	char err[512];
	const char *filter = check_gbench_flags(argc, argv);

	if (rb_initialize_with_help(&argc, argv, usage) != 0)
		return 2;
	parse_args(argc, argv);
	if (opt.list_schemes) {
		printf("{\"refbench_format\": 1, \"schemes\": ");
		write_schemes_json(stdout);
		printf("}\n");
		return 0;
	}
	if (opt.list_scenarios) {
		printf("{\"refbench_format\": 1, \"scenarios\": ");
		loops_write_json(stdout);
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
	if (harness_setup_cpus(run_cfg.max_threads, opt.nr_cpu_ids, loops_max_modules(&opt.loops),
			       err, sizeof(err)) != 0)
		die("%s", err);
	if (harness_counters_init(run_cfg.counters, err, sizeof(err)) != 0)
		die("%s", err);
	write_context();
	add_context();
	loops_register(&opt.loops, opt.scheme_on);
	if (rb_run_specified() == 0) {
		/* Exit 3, apart from bad input's 2: a suite's part may hold nothing a filter
		 * picks, and scripts/run-bench.sh skips such a part. */
		fprintf(stderr, "refbench: no benchmark matched --benchmark_filter '%s' (refbench "
			"--benchmark_list_tests lists them)\n", filter ? filter : "");
		rb_shutdown();
		return 3;
	}
	loops_release();
	rb_shutdown();
	return 0;
}
