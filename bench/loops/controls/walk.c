/*
 * walk.c - the walk control: module_refcount()'s loads alone, at the
 * strides of the NR_CPUS array and of the per-CPU units (--walk-counts).
 */
#define _GNU_SOURCE
#include "controls.h"
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "options.h"
#include "window.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct walk_args {
	unsigned int counts;          /* words summed per operation */
	size_t stride;                /* bytes between them */
	bool huge;                    /* 2 MiB pages, else 4 KiB */
};

/*
 * The walk control: module_refcount()'s loads alone, a plain loop summing
 * @counts words @stride bytes apart in one mapping of 4 KiB or 2 MiB pages,
 * fresh for each benchmark.  Stride 128 is the NR_CPUS array (one line per
 * CPU, contiguous); a unit-sized stride is the per-CPU walk (one line in
 * each CPU's unit).  What differs between the two is then the stride and
 * the pages, with no scheme code around them.
 */
static struct {
	const struct walk_args *key;
	char *map;
	size_t len;
} walk_kept;

static void walk_drop(void)
{
	if (walk_kept.map)
		munmap(walk_kept.map, walk_kept.len);
	memset(&walk_kept, 0, sizeof(walk_kept));
}

static void control_walk(rb_state *st, void *arg)
{
	const struct walk_args *a = arg;
	struct window w;
	unsigned long sink = 0;
	char *base = NULL;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	if (rb_thread_index(st) == 0 && walk_kept.key != a) {
		if (walk_kept.map)
			munmap(walk_kept.map, walk_kept.len);
		walk_kept.len = (size_t)a->counts * a->stride + HUGE_2M;
		walk_kept.map = mmap(NULL, walk_kept.len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (walk_kept.map == MAP_FAILED) {
			walk_kept.map = NULL;
			harness_setup_error("control: no memory for %u counts %zu bytes apart",
					    a->counts, a->stride);
		} else {
			madvise(walk_kept.map, walk_kept.len, a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
			base = (char *)round_up((size_t)walk_kept.map, HUGE_2M);
			for (unsigned int i = 0; i < a->counts; i++)
				*(volatile long *)(base + (size_t)i * a->stride) = 0;
		}
		walk_kept.key = a;
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	base = (char *)round_up((size_t)walk_kept.map, HUGE_2M);
	window_begin(st, &w);
	WINDOW_RUN(&w, {
		unsigned long total = 0;
		for (unsigned int i = 0; i < a->counts; i++)
			total += *(volatile long *)(base + (size_t)i * a->stride);
		sink += total;
	});
	window_end(st, &w);
	(void)sink;
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

/* --walk-counts: words summed per operation; 0: the walk control is off. */
static unsigned int walk_counts;

static void take_walk_counts(const char *flag, const char *val)
{
	walk_counts = (unsigned int)opt_uint_range("refbench", flag, val, 0, REFBENCH_NR_CPUS_MAX);
}

static const struct loop_option walk_options[] = {
	{ "--walk-counts", "N", false,
"  --walk-counts=N    control: also sum N words 128 B, 40, 64 and 68 KiB apart on 4 KiB\n"
"                     and 2 MiB pages (module_refcount()'s loads alone; default 0: off)\n",
	  take_walk_counts },
	{ NULL, NULL, false, NULL, NULL },
};

/* The array's and the units' strides, each on 2 MiB then 4 KiB pages; off without --walk-counts. */
static void add_walk(const struct loop_settings *s)
{
	static const size_t strides[] = { 128, 40960, 65536, 69632 };
	int one[] = { 1 };
	char name[256];

	if (!walk_counts)
		return;
	for (size_t k = 0; k < sizeof(strides) / sizeof(strides[0]); k++)
		for (int huge = 1; huge >= 0; huge--) {
			struct walk_args *a = loop_alloc(sizeof(*a));

			a->counts = walk_counts;
			a->stride = strides[k];
			a->huge = huge;
			snprintf(name, sizeof(name), "control/walk/counts:%u/stride:%zu/pages:%s",
				 a->counts, a->stride, huge ? "2m" : "4k");
			loop_add(s, name, control_walk, a, one, 1);
		}
}

const struct loop_desc loop_walk = {
	.name = "walk",
	.role = ROLE_CONTROL,
	.label = "module_refcount()'s loads alone",
	.claims = CLAIMS("walk-stride", "walk-page-size"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_walk,
	.release = walk_drop,
	.options = walk_options,
};
