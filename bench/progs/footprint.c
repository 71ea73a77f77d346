/*
 * refbench-footprint - what refcount storage costs, measured.
 *
 * For every scheme and NR_CPUS value, a child process loads N modules
 * (load_module + do_init_module) and reports:
 *   ref_bytes       refcount storage, from the allocators' own books:
 *                   percpu: the per-CPU allocator's bytes in use;
 *                   array schemes: the NR_CPUS * L1_CACHE_BYTES that each
 *                   module allocation embeds; atomic: sizeof(atomic_t)
 *   module_bytes    module memory handed out (pool in use, or vmalloc-like
 *                   mappings, page-rounded), struct module included
 *   overhead_bytes  what the allocators keep for themselves: per-CPU block
 *                   table and stranded fragments, vmalloc guard pages and
 *                   page rounding
 *   rss_bytes       growth of the process's resident set (VmRSS in
 *                   /proc/self/status, the kernel's accounting) across the
 *                   load, with the pool's huge-page share (AnonHugePages)
 * A fresh process per cell keeps one cell's pages out of the next one's
 * resident growth.
 */
#define _GNU_SOURCE
#include "compat.h"
#include "json.h"
#include "lab_setup.h"
#include "module_core.h"
#include "module_mem.h"
#include "options.h"
#include "percpu_alloc.h"
#include "scheme.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_NR_CPUS 32

struct row {
	char scheme[32];
	unsigned int nr_cpus;
	unsigned long long ref_bytes, module_bytes, overhead_bytes;
	long long rss_bytes, hugepage_bytes;
	char ref_method[96];
	char error[320];
};

struct snap {
	struct module_mem_stats mm;
	struct percpu_stats pc;
	long rss;
};

static void snap(struct snap *s)
{
	module_mem_get_stats(&s->mm);
	percpu_get_stats(&s->pc);
	s->rss = lab_rss_bytes();
}

/* Runs in the child: one scheme, one NR_CPUS. */
static void measure(const struct scheme_ops *ops, unsigned int nr_cpus, unsigned int line,
		    unsigned int cpu_ids, unsigned int modules, struct row *r)
{
	char err[256], name[MODULE_NAME_LEN];
	struct module **mods = calloc(modules, sizeof(*mods));
	struct load_params p = { 0 };
	struct snap a, b;
	int e = 0;

	snprintf(r->scheme, sizeof(r->scheme), "%s", ops->name);
	r->nr_cpus = nr_cpus;
	if (!mods) {
		snprintf(r->error, sizeof(r->error), "no memory for %u module pointers", modules);
		return;
	}
	if (lab_setup(nr_cpus, line, cpu_ids, modules, err, sizeof(err)) != 0) {
		snprintf(r->error, sizeof(r->error), "%s", err);
		return;
	}
	snap(&a);
	for (unsigned int i = 0; i < modules; i++) {
		snprintf(name, sizeof(name), "fp%06u", i);
		mods[i] = ops->load_module(name, &p, &e);
		if (!mods[i]) {
			snprintf(r->error, sizeof(r->error), "load_module(%s) failed: %s",
				 name, strerror(-e));
			return;
		}
		ops->do_init_module(mods[i]);
		r->ref_bytes += ops->ref_bytes(mods[i]);
	}
	snap(&b);
	snprintf(r->ref_method, sizeof(r->ref_method), "%s", ref_storage_method(ops->ref_storage));
	if (ref_storage_in_percpu_units(ops->ref_storage))
		/* The allocator's own books, which must agree with the scheme's. */
		r->ref_bytes = b.pc.in_use_total - a.pc.in_use_total;
	if (ops->ref_storage == REF_STORAGE_PERCPU_ATOMIC)
		/* ... and the shared count each struct module carries. */
		r->ref_bytes += modules * sizeof(long);
	r->module_bytes = (b.mm.pool_in_use - a.mm.pool_in_use) +
			  (b.mm.vmalloc_mapped - a.mm.vmalloc_mapped);
	r->overhead_bytes = (b.pc.metadata_bytes - a.pc.metadata_bytes) +
			    (b.pc.fragmented_per_unit - a.pc.fragmented_per_unit) * b.pc.nr_units +
			    (b.mm.vmalloc_guard - a.mm.vmalloc_guard) +
			    ((b.mm.vmalloc_mapped - a.mm.vmalloc_mapped) -
			     (b.mm.vmalloc_requested - a.mm.vmalloc_requested));
	r->rss_bytes = (a.rss >= 0 && b.rss >= 0) ? b.rss - a.rss : -1;
	r->hugepage_bytes = module_mem_pool_hugepage_bytes();
	for (unsigned int i = 0; i < modules; i++)
		ops->free_module(mods[i]);
	free(mods);
}

static int run_cell(const struct scheme_ops *ops, unsigned int nr_cpus, unsigned int line,
		    unsigned int cpu_ids, unsigned int modules, struct row *out)
{
	int fd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(fd) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct row r;
		memset(&r, 0, sizeof(r));
		close(fd[0]);
		measure(ops, nr_cpus, line, cpu_ids, modules, &r);
		n = write(fd[1], &r, sizeof(r));
		_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	memset(out, 0, sizeof(*out));
	n = read(fd[0], out, sizeof(*out));
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (n != (ssize_t)sizeof(*out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(out->scheme, sizeof(out->scheme), "%s", ops->name);
		out->nr_cpus = nr_cpus;
		snprintf(out->error, sizeof(out->error), "measuring process failed (status %d)", status);
	}
	return 0;
}

static const char usage_text[] =
"usage: refbench-footprint [options]\n"
"  Loads N modules per scheme and NR_CPUS value, each in a fresh process, and reports\n"
"  the refcount storage, module memory, allocator overhead and resident growth.\n"
"  JSON goes to --out (written atomically).\n";

static void fail(const char *msg, const char *val, const char *accepted)
{
	fprintf(stderr, "refbench-footprint: %s '%s' not accepted (accepted: %s)\n", msg, val, accepted);
	exit(2);
}

static void write_json(FILE *f, const struct row *rows, int n, unsigned int modules,
		       unsigned int line, unsigned int cpu_ids)
{
	fprintf(f, "{\"refbench_format\": 1, \"modules\": %u, \"line\": %u, \"nr_cpu_ids\": %u,\n"
		" \"rss_method\": \"VmRSS delta (/proc/self/status) across the load, fresh process\",\n"
		" \"rows\": [\n", modules, line, cpu_ids);
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		fprintf(f, "  {\"scheme\": \"%s\", \"nr_cpus\": %u", r->scheme, r->nr_cpus);
		if (r->error[0]) {
			fprintf(f, ", \"error\": ");
			json_string(f, r->error);
			fprintf(f, "}");
		} else {
			fprintf(f, ", \"ref_bytes\": %llu, \"ref_bytes_per_module\": %.1f, "
				"\"ref_method\": ", r->ref_bytes, (double)r->ref_bytes / modules);
			json_string(f, r->ref_method);
			fprintf(f, ", \"module_bytes\": %llu, \"overhead_bytes\": %llu",
				r->module_bytes, r->overhead_bytes);
			if (r->rss_bytes >= 0)
				fprintf(f, ", \"rss_bytes\": %lld, \"rss_method\": \"VmRSS delta "
					"(/proc/self/status)\"", r->rss_bytes);
			if (r->hugepage_bytes >= 0)
				fprintf(f, ", \"pool_hugepage_bytes\": %lld", r->hugepage_bytes);
			fprintf(f, "}");
		}
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, " ]}\n");
}

static void print_table(const struct row *rows, int n, unsigned int modules)
{
	printf("%-14s %7s %16s %12s %16s %14s %16s\n", "scheme", "NR_CPUS", "ref_bytes",
	       "ref/module", "module_bytes", "overhead", "rss_growth");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (r->error[0]) {
			printf("%-14s %7u  error: %s\n", r->scheme, r->nr_cpus, r->error);
			continue;
		}
		printf("%-14s %7u %16llu %12.1f %16llu %14llu ", r->scheme, r->nr_cpus, r->ref_bytes,
		       (double)r->ref_bytes / modules, r->module_bytes, r->overhead_bytes);
		if (r->rss_bytes >= 0)
			printf("%16lld\n", r->rss_bytes);
		else
			printf("%16s\n", "unreadable");
	}
}

/* What the command line asked for. */
static struct {
	bool *scheme_on;                     /* scheme_count() entries; none: all */
	unsigned int nr_cpus[MAX_NR_CPUS], nr_nr_cpus;
	unsigned int modules, line, cpu_ids;
	const char *out, *format;
} fp = { .modules = 2000, .line = 128, .format = "table" };

static void read_args(int argc, char **argv)
{
	struct opt_uints nr = { fp.nr_cpus, 0, MAX_NR_CPUS };
	bool any = false;

	fp.cpu_ids = lab_allowed_cpus();
	fp.scheme_on = calloc((size_t)scheme_count(), sizeof(bool));
	if (!fp.scheme_on) {
		fprintf(stderr, "refbench-footprint: out of memory\n");
		exit(2);
	}
	const struct opt_use uses[] = {
		{ &OPT_SCHEME, fp.scheme_on, false, NULL },
		{ &OPT_NR_CPUS, &nr, true, "NR_CPUS values (default 8,16,...,8192)" },
		{ &OPT_MODULES, &fp.modules, false, "modules per scheme and NR_CPUS (default 2000)" },
		{ &OPT_LINE, &fp.line, false, NULL },
		{ &OPT_NR_CPU_IDS, &fp.cpu_ids, false,
		  "possible CPUs (default: the CPUs this process may use)" },
		{ &OPT_FORMAT, &fp.format, false, "what is printed (default table)" },
		{ &OPT_OUT, &fp.out, false, NULL },
		{ NULL, NULL, false, NULL },
	};
	opt_parse("refbench-footprint", usage_text, uses, argc, argv);
	fp.nr_nr_cpus = (unsigned int)nr.n;
	for (int i = 0; i < scheme_count(); i++)
		any |= fp.scheme_on[i];
	for (int i = 0; i < scheme_count() && !any; i++)
		fp.scheme_on[i] = true;
	if (fp.nr_nr_cpus == 0)
		for (unsigned int c = 8; c <= REFBENCH_NR_CPUS_MAX; c *= 2)
			fp.nr_cpus[fp.nr_nr_cpus++] = c;
}

/* Settings that cannot work, refused before minutes of measuring. */
static void check_settings(void)
{
	unsigned int top = 0;
	unsigned long long avail_kb = 0;
	char line_buf[256], val[32];
	FILE *f;

	for (unsigned int k = 0; k < fp.nr_nr_cpus; k++) {
		if (fp.nr_cpus[k] < fp.cpu_ids) {
			snprintf(val, sizeof(val), "%u", fp.nr_cpus[k]);
			fail("NR_CPUS below nr_cpu_ids", val, "NR_CPUS >= nr_cpu_ids (--nr-cpu-ids)");
		}
		if (fp.nr_cpus[k] > top)
			top = fp.nr_cpus[k];
	}
	/* The largest cell must fit: the NR_CPUS array and its image copy. */
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line_buf, sizeof(line_buf), f))
		if (sscanf(line_buf, "MemAvailable: %llu kB", &avail_kb) == 1)
			break;
	if (f)
		fclose(f);
	if (avail_kb && (unsigned long long)fp.modules * top * fp.line > avail_kb * 1024ull * 3 / 4) {
		snprintf(val, sizeof(val), "%u", fp.modules);
		fail("--modules (would not fit in memory at the largest NR_CPUS)", val,
		     "modules x NR_CPUS x line within 3/4 of MemAvailable");
	}
}

/* Write the JSON to fp.out through a temporary file; false on failure. */
static bool write_out(const struct row *rows, int nrows, bool probe_only)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", fp.out);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "refbench-footprint: cannot write '%s': %s\n", fp.out, strerror(errno));
		return false;
	}
	if (probe_only) {
		fclose(f);
		unlink(tmp);
		return true;
	}
	write_json(f, rows, nrows, fp.modules, fp.line, fp.cpu_ids);
	if (fclose(f) != 0 || rename(tmp, fp.out) != 0) {
		fprintf(stderr, "refbench-footprint: cannot write '%s': %s\n", fp.out, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct row *rows;
	int nrows = 0;

	read_args(argc, argv);
	check_settings();
	/* Refuse an unwritable destination before minutes of measuring. */
	if (fp.out && !write_out(NULL, 0, true))
		return 2;
	rows = calloc((size_t)scheme_count() * fp.nr_nr_cpus, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "refbench-footprint: out of memory\n");
		return 2;
	}
	for (int s = 0; refbench_schemes[s]; s++)
		for (unsigned int k = 0; k < fp.nr_nr_cpus && fp.scheme_on[s]; k++) {
			fprintf(stderr, "footprint: %s NR_CPUS=%u\n", refbench_schemes[s]->name,
				fp.nr_cpus[k]);
			run_cell(refbench_schemes[s], fp.nr_cpus[k], fp.line, fp.cpu_ids,
				 fp.modules, &rows[nrows++]);
		}
	if (strcmp(fp.format, "json") == 0 && !fp.out)
		write_json(stdout, rows, nrows, fp.modules, fp.line, fp.cpu_ids);
	else
		print_table(rows, nrows, fp.modules);
	if (fp.out && !write_out(rows, nrows, false))
		return 2;
	for (int i = 0; i < nrows; i++)
		if (rows[i].error[0])
			return 1;
	return 0;
}
