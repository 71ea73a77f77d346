/*
 * refbench-audit - where each CPU's counter lives, asked of the kernel.
 *
 * For every scheme: load one module from CPU 0 (the loading CPU), then for
 * every CPU of the run ask which NUMA node holds the page of that CPU's
 * counter (hwloc_get_area_memlocation, i.e. move_pages(2)) and compare it
 * with the CPU's own node.  remote_share is the fraction of CPUs whose
 * get/put lands on another node's memory.  This is the placement audit
 * that stands in for NUMA hardware counters where there are none; it is
 * exact on any machine, NUMA or not.
 *
 * It also counts what module_refcount() walks: the distinct cache lines
 * and 4 KiB pages holding the counters it sums, and whether those pages
 * sit in a huge-page-backed mapping (AnonHugePages of the mapping in
 * /proc/self/smaps): the page-size contrast behind "TLB misses because
 * of vmalloc()".
 */
#define _GNU_SOURCE
#include "compat.h"
#include "json.h"
#include "lab_setup.h"
#include "module_core.h"
#include "numa.h"
#include "options.h"
#include "scheme.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether the mapping holding addr has any transparent huge pages. */
static int mapping_has_hugepages(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;
	uintptr_t lo, hi, a = (uintptr_t)addr;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long kb;
		char *dash = strchr(line, '-'), *space = strchr(line, ' ');
		if (dash && space && dash < space && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			if (in)
				break;
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			found = kb > 0;
	}
	fclose(f);
	return found;
}

static int cmp_uintptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned long distinct(uintptr_t *v, unsigned long n, unsigned int shift)
{
	unsigned long d = 0;

	for (unsigned long i = 0; i < n; i++)
		v[i] >>= shift;
	qsort(v, n, sizeof(*v), cmp_uintptr);
	for (unsigned long i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			d++;
	return d;
}

/* One scheme, in a child process: prints its JSON object on stdout. */
static int audit_scheme(const struct scheme_ops *ops, unsigned int nr_cpus, unsigned int line,
			unsigned int cpu_ids)
{
	char err[256];
	struct load_params p = { 0 };
	struct module *mod;
	int e = 0, remote = 0, unknown = 0;
	unsigned long walk;
	uintptr_t *addr;

	if (lab_setup(nr_cpus, line, cpu_ids, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "refbench-audit: %s: %s\n", ops->name, err);
		return 1;
	}
	mod = ops->load_module("audit", &p, &e);
	if (!mod) {
		fprintf(stderr, "refbench-audit: %s: load_module failed: %s\n", ops->name, strerror(-e));
		return 1;
	}
	ops->do_init_module(mod);
	printf("{\"scheme\": \"%s\", \"ref_storage\": \"%s\", \"in_percpu_units\": %s, "
	       "\"loading_cpu\": 0, \"loading_node\": %d, \"cpus\": [",
	       ops->name, ref_storage_name(ops->ref_storage),
	       ref_storage_in_percpu_units(ops->ref_storage) ? "true" : "false",
	       refbench_cpus[0].node);
	for (unsigned int c = 0; c < nr_cpu_ids; c++) {
		void *a = ops->ref_cpu_addr(mod, (int)c);
		int node = numa_area_node(a, ops->ref_cpu_bytes());
		printf("%s{\"cpu\": %u, \"os_index\": %d, \"cpu_node\": %d, ", c ? ", " : "",
		       c, refbench_cpus[c].os_index, refbench_cpus[c].node);
		if (node >= 0)
			printf("\"counter_node\": %d}", node);
		else
			printf("\"counter_node\": null}");
		if (node < 0)
			unknown++;
		else if (node != refbench_cpus[c].node)
			remote++;
	}
	printf("]");
	if (unknown == 0)
		printf(", \"remote_share\": %.6f", (double)remote / nr_cpu_ids);
	else
		printf(", \"remote_share\": null, \"remote_share_note\": \"the kernel did not tell "
		       "the node of %d counter(s)\"", unknown);

	/* What module_refcount() walks: NR_CPUS counts, possible CPUs, or one word. */
	walk = scheme_refcount_walk(ops);
	addr = malloc(2 * walk * sizeof(*addr));
	if (addr) {
		uintptr_t *copy = addr + walk;
		unsigned long lines, pages;
		int huge;
		for (unsigned long i = 0; i < walk; i++)
			copy[i] = addr[i] = (uintptr_t)ops->ref_cpu_addr(mod, (int)i);
		huge = mapping_has_hugepages((void *)addr[0]);
		lines = distinct(addr, walk, 6);
		pages = distinct(copy, walk, 12);
		printf(", \"refcount_walk\": {\"counters\": %lu, \"cache_lines_64\": %lu, \"pages_4k\": %lu",
		       walk, lines, pages);
		if (huge >= 0)
			printf(", \"huge_page_backed\": %s", huge ? "true" : "false");
		printf(", \"method\": \"addresses of the counters summed; page backing from "
		       "/proc/self/smaps\"}");
		free(addr);
	}
	printf("}");
	fflush(stdout);
	ops->free_module(mod);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int nr_cpus = 64, line = 128, cpu_ids = lab_allowed_cpus();
	const char *why = NULL;
	int rc = 0, first = 1;
	bool *on = calloc((size_t)scheme_count(), sizeof(bool));

	if (!on)
		return 2;
	for (int s = 0; s < scheme_count(); s++)
		on[s] = true;
	opt_parse("refbench-audit", "usage: refbench-audit [options]\n"
		  "  For each scheme (default all), the NUMA node of each CPU's counter,\n"
		  "  as JSON.  All CPUs this process may use take part.\n",
		  (const struct opt_use[]){
			  { &OPT_SCHEME, on, false, NULL },
			  { &OPT_NR_CPUS, &nr_cpus, false, "NR_CPUS of the models (default 64)" },
			  { &OPT_LINE, &line, false, NULL },
			  { NULL, NULL, false, NULL },
		  }, argc, argv);
	if (nr_cpus < cpu_ids) {
		fprintf(stderr, "refbench-audit: --nr-cpus=%u is below the %u CPUs taking part "
			"(accepted: NR_CPUS >= CPUs)\n", nr_cpus, cpu_ids);
		return 2;
	}
	printf("{\"refbench_format\": 1, \"method\": \"placement-audit\", \"nodes\": %d, "
	       "\"nr_cpu_ids\": %u, \"nr_cpus\": %u, \"line\": %u, ",
	       numa_nr_nodes(), cpu_ids, nr_cpus, line);
	if (!numa_binding_supported(&why)) {
		printf("\"binding_note\": ");
		json_string(stdout, why);
		printf(", ");
	}
	printf("\"schemes\": [");
	fflush(stdout);
	for (int s = 0; refbench_schemes[s]; s++) {
		pid_t pid;
		int status;

		if (!on[s])
			continue;
		printf("%s", first ? "" : ", ");
		first = 0;
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(audit_scheme(refbench_schemes[s], nr_cpus, line, cpu_ids));
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("{\"scheme\": \"%s\", \"error\": \"audit process failed\"}",
			       refbench_schemes[s]->name);
			rc = 1;
		}
	}
	printf("]}\n");
	return rc;
}
