/*
 * test_percpu_alloc.c - the per-CPU allocator (kernels/percpu_alloc.c and
 * the first-fit block table under it, kernels/range_alloc.c): one offset
 * valid in every unit, alignment, no overlap, free and merge, exhaustion,
 * the statistics, failure injection, set-up errors, and where the units'
 * pages are (asked of the kernel through hwloc).
 */
#include "kernels_test_util.h"

#include <sys/mman.h>

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Throw the units away and lay them out again with unit_size bytes. */
static void relayout(size_t unit_size)
{
	char err[256] = "";

	assert_int_equal(percpu_destroy(), 0);
	if (percpu_init(unit_size, err, sizeof(err)) != 0)
		fail_msg("percpu_init(%zu): %s", unit_size, err);
}

static size_t off_of(const void *p)
{
	return (size_t)((const char *)p - (const char *)percpu_unit_base(0));
}

/* CPU cpu's copy, computed the allocator's way (per_cpu_ptr) and checked. */
static char *copy_of(void *p, int cpu)
{
	char *c = per_cpu_ptr(p, cpu);

	if (c != (char *)percpu_unit_base(cpu) + off_of(p))
		fail_msg("per_cpu_ptr(%p, %d) = %p, want unit base %p + offset %zu", p, cpu,
			 (void *)c, percpu_unit_base(cpu), off_of(p));
	return c;
}

static void test_layout(void **state)
{
	struct percpu_stats st;
	size_t unit = 3 * page() + 100;

	(void)state;
	relayout(unit);
	assert_true(percpu_ready());
	percpu_get_stats(&st);
	assert_int_equal(st.unit_size, unit);
	assert_int_equal(st.nr_units, nr_cpu_ids);
	assert_int_equal(st.in_use_per_unit, 0);
	assert_int_equal(st.in_use_total, 0);
	assert_int_equal(st.allocations, 0);
	assert_int_equal(st.fragmented_per_unit, 0);
	assert_int_equal(st.mapped_total, 4 * page() * nr_cpu_ids);
	assert_true(st.metadata_bytes > 0);

	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
		char *b = percpu_unit_base(cpu);

		assert_non_null(b);
		assert_int_equal((uintptr_t)b % page(), 0);
		assert_int_equal(per_cpu_offset(cpu), (uintptr_t)b - (uintptr_t)percpu_unit_base(0));
		for (int o = 0; o < cpu; o++) {
			char *ob = percpu_unit_base(o);
			if (b < ob + 4 * page() && ob < b + 4 * page())
				fail_msg("units %d and %d overlap", o, cpu);
		}
	}
	assert_null(percpu_unit_base(-1));
	assert_null(percpu_unit_base((int)nr_cpu_ids));
}

/* One allocation is one offset, the same in every unit; copies are separate. */
static void test_same_offset_every_unit(void **state)
{
	void *p[5];
	const size_t size[5] = { 8, 24, 1, 200, 64 };

	(void)state;
	relayout(PERCPU_UNIT_DEFAULT);
	for (int i = 0; i < 5; i++) {
		p[i] = percpu_modalloc(size[i], 8, "same");
		assert_non_null(p[i]);
		assert_ptr_equal(p[i], (char *)percpu_unit_base(0) + off_of(p[i]));
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
			char *c = copy_of(p[i], cpu);
			for (size_t k = 0; k < size[i]; k++)
				if (c[k] != 0)
					fail_msg("allocation %d, CPU %d: byte %zu not zeroed", i, cpu, k);
			memset(c, 0x10 * (i + 1) + cpu, size[i]);
		}
	}
	for (int i = 0; i < 5; i++)
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
			char *c = copy_of(p[i], cpu);
			for (size_t k = 0; k < size[i]; k++)
				if (c[k] != (char)(0x10 * (i + 1) + cpu))
					fail_msg("allocation %d, CPU %d: byte %zu overwritten", i, cpu, k);
		}
	/* Freed memory comes back as it was (2.6.29 did not zero it);
	 * percpu_modcopy() writes the block in every unit. */
	percpu_modfree(p[3]);
	p[3] = percpu_modalloc(size[3], 8, "again");
	assert_non_null(p[3]);
	assert_int_equal(copy_of(p[3], 0)[0], (char)(0x10 * 4));
	percpu_modcopy(p[3], NULL, size[3]);
	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
		char *c = copy_of(p[3], cpu);
		for (size_t k = 0; k < size[3]; k++)
			assert_int_equal(c[k], 0);
	}
	for (int i = 0; i < 5; i++)
		percpu_modfree(p[i]);
	percpu_modfree(NULL);
}

static void test_alignment(void **state)
{
	static const size_t aligns[] = { 8, 64, 256, 4096 };
	void *live[16];
	int n = 0;
	struct percpu_stats st;

	(void)state;
	relayout(PERCPU_UNIT_DEFAULT);
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		/* A 1-byte block first, so that the next free offset is odd. */
		void *pad = percpu_modalloc(1, 1, "pad");
		void *p = percpu_modalloc(40, aligns[i], "aligned");

		assert_non_null(pad);
		assert_non_null(p);
		live[n++] = pad;
		live[n++] = p;
		if (off_of(p) % aligns[i] != 0)
			fail_msg("align %zu: offset %zu", aligns[i], off_of(p));
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++)
			if ((uintptr_t)copy_of(p, cpu) % aligns[i] != 0)
				fail_msg("align %zu: CPU %d copy at %p", aligns[i], cpu,
					 (void *)copy_of(p, cpu));
	}
	/* Alignment above a page is capped at a page (2.6.29 did the same). */
	live[n++] = percpu_modalloc(3, 1, "pad");
	live[n++] = percpu_modalloc(16, 4 * page(), "big-align");
	assert_non_null(live[n - 2]);
	assert_non_null(live[n - 1]);
	assert_int_equal(off_of(live[n - 1]) % page(), 0);
	/* Alignment 0 means none. */
	live[n++] = percpu_modalloc(5, 0, "align0");
	assert_non_null(live[n - 1]);

	percpu_get_stats(&st);
	assert_int_equal(st.allocations, (size_t)n);
	assert_int_equal(percpu_destroy(), -1);   /* refused: allocations live */
	for (int i = 0; i < n; i++)
		percpu_modfree(live[i]);
	percpu_get_stats(&st);
	assert_int_equal(st.allocations, 0);
	assert_int_equal(st.in_use_total, 0);
}

/* Deterministic xorshift, so that a failure can be replayed. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct blk { void *p; size_t size; unsigned char tag; };

static void check_books(const struct blk *b, int n)
{
	struct percpu_stats st;
	size_t sum = 0, live = 0;

	for (int i = 0; i < n; i++)
		if (b[i].p) {
			sum += b[i].size;
			live++;
		}
	percpu_get_stats(&st);
	if (st.in_use_per_unit != sum || st.allocations != live ||
	    st.in_use_total != sum * nr_cpu_ids)
		fail_msg("stats: %zu bytes per unit (%zu total) in %zu blocks, want %zu (%zu) in %zu",
			 st.in_use_per_unit, st.in_use_total, st.allocations, sum,
			 sum * nr_cpu_ids, live);
}

static void test_no_overlap(void **state)
{
	static const size_t aligns[] = { 1, 2, 4, 8, 16, 64, 128 };
	struct blk b[300];
	uint32_t seed = 12345;
	int n = 0;

	(void)state;
	relayout(PERCPU_UNIT_DEFAULT);
	memset(b, 0, sizeof(b));
	for (int round = 0; round < 300; round++) {
		size_t size = 1 + rnd(&seed) % 300;
		size_t align = aligns[rnd(&seed) % 7];

		b[n].p = percpu_modalloc(size, align, "blk");
		assert_non_null(b[n].p);
		assert_int_equal(off_of(b[n].p) % align, 0);
		b[n].size = size;
		b[n].tag = (unsigned char)(1 + n % 250);
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++)
			memset(copy_of(b[n].p, cpu), b[n].tag ^ cpu, size);
		n++;
		/* Free one in three, at random, to make holes. */
		if (rnd(&seed) % 3 == 0) {
			int v = (int)(rnd(&seed) % (uint32_t)n);
			if (b[v].p) {
				percpu_modfree(b[v].p);
				b[v].p = NULL;
			}
		}
	}
	check_books(b, n);
	for (int i = 0; i < n; i++) {
		size_t oi;

		if (!b[i].p)
			continue;
		oi = off_of(b[i].p);
		assert_true(oi + b[i].size <= PERCPU_UNIT_DEFAULT);
		for (int j = 0; j < i; j++) {
			size_t oj;
			if (!b[j].p)
				continue;
			oj = off_of(b[j].p);
			if (oi < oj + b[j].size && oj < oi + b[i].size)
				fail_msg("blocks %d [%zu,+%zu) and %d [%zu,+%zu) overlap", j, oj,
					 b[j].size, i, oi, b[i].size);
		}
		for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
			const unsigned char *c = (const unsigned char *)copy_of(b[i].p, cpu);
			for (size_t k = 0; k < b[i].size; k++)
				if (c[k] != (unsigned char)(b[i].tag ^ cpu))
					fail_msg("block %d, CPU %d, byte %zu overwritten", i, cpu, k);
		}
	}
	for (int i = 0; i < n; i++)
		percpu_modfree(b[i].p);
	check_books(b, 0);
	assert_int_equal(percpu_destroy(), 0);
}

/* A 4 KiB unit: fill it, run out, free, merge, and fit the whole unit again. */
static void test_free_merge_exhaustion(void **state)
{
	struct percpu_stats st;
	void *q[4], *p;

	(void)state;
	relayout(4096);
	for (int i = 0; i < 4; i++) {
		q[i] = percpu_modalloc(1024, 8, "quarter");
		assert_non_null(q[i]);
		assert_int_equal(off_of(q[i]), 1024 * (size_t)i);
	}
	percpu_get_stats(&st);
	assert_int_equal(st.in_use_per_unit, 4096);
	assert_int_equal(st.in_use_total, 4096 * nr_cpu_ids);
	assert_int_equal(st.allocations, 4);

	errno = 0;
	assert_null(percpu_modalloc(1, 1, "full"));
	assert_int_equal(errno, ENOMEM);

	/* Two separate 1 KiB holes: 2 KiB free, but not in one piece. */
	percpu_modfree(q[0]);
	percpu_modfree(q[2]);
	percpu_get_stats(&st);
	assert_int_equal(st.in_use_per_unit, 2048);
	assert_int_equal(st.allocations, 2);
	assert_int_equal(st.fragmented_per_unit, 1024);
	errno = 0;
	assert_null(percpu_modalloc(2048, 8, "too-big"));
	assert_int_equal(errno, ENOMEM);

	/* Freeing q[1] merges with both neighbours: [0, 3072) is one block. */
	percpu_modfree(q[1]);
	percpu_get_stats(&st);
	assert_int_equal(st.fragmented_per_unit, 0);
	p = percpu_modalloc(3072, 8, "merged");
	assert_non_null(p);
	assert_int_equal(off_of(p), 0);
	percpu_modfree(p);

	/* Freeing the last one (merge with the free block before it). */
	percpu_modfree(q[3]);
	percpu_get_stats(&st);
	assert_int_equal(st.in_use_per_unit, 0);
	assert_int_equal(st.allocations, 0);
	p = percpu_modalloc(4096, 4096, "whole");
	assert_non_null(p);
	assert_int_equal(off_of(p), 0);
	percpu_modfree(p);

	/* Merge in the other order: free the lower block first. */
	q[0] = percpu_modalloc(2048, 8, "half");
	q[1] = percpu_modalloc(2048, 8, "half");
	assert_non_null(q[0]);
	assert_non_null(q[1]);
	percpu_modfree(q[0]);
	percpu_modfree(q[1]);
	p = percpu_modalloc(4096, 8, "whole-again");
	assert_non_null(p);
	percpu_modfree(p);

	errno = 0;
	assert_null(percpu_modalloc(4097, 8, "larger-than-unit"));
	assert_int_equal(errno, ENOMEM);
	/* Freeing something that is not a block start changes nothing. */
	p = percpu_modalloc(64, 8, "x");
	assert_non_null(p);
	percpu_modfree((char *)p + 8);
	percpu_get_stats(&st);
	assert_int_equal(st.allocations, 1);
	percpu_modfree(p);
	percpu_get_stats(&st);
	assert_int_equal(st.allocations, 0);
	assert_int_equal(st.in_use_total, 0);
	relayout(PERCPU_UNIT_DEFAULT);
}

static void test_fail_injection(void **state)
{
	struct percpu_stats before, after;
	void *p1, *p3;

	(void)state;
	relayout(PERCPU_UNIT_DEFAULT);
	percpu_get_stats(&before);
	refbench_fail_nth(2);
	p1 = percpu_modalloc(8, 8, "first");              /* allocation 1: succeeds */
	assert_null(percpu_modalloc(8, 8, "second"));     /* allocation 2: injected */
	p3 = percpu_modalloc(8, 8, "third");              /* countdown spent */
	refbench_fail_nth(0);
	assert_non_null(p1);
	assert_non_null(p3);
	percpu_get_stats(&after);
	assert_int_equal(after.allocations, before.allocations + 2);
	assert_int_equal(after.in_use_per_unit, before.in_use_per_unit + 16);
	percpu_modfree(p1);
	percpu_modfree(p3);
	percpu_get_stats(&after);
	assert_int_equal(after.allocations, 0);
	assert_int_equal(after.in_use_total, 0);
}

static void test_setup_errors(void **state)
{
	char err[256];
	struct percpu_stats st;
	void *p;

	(void)state;
	relayout(PERCPU_UNIT_DEFAULT);
	err[0] = '\0';
	assert_int_equal(percpu_init(4096, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already"));

	p = percpu_modalloc(8, 8, "live");
	assert_non_null(p);
	assert_int_equal(percpu_destroy(), -1);
	assert_true(percpu_ready());
	percpu_modfree(p);
	assert_int_equal(percpu_destroy(), 0);
	assert_false(percpu_ready());
	assert_int_equal(percpu_destroy(), 0);   /* nothing to do */

	/* Not laid out: no memory, no unit bases, zero stats. */
	errno = 0;
	assert_null(percpu_modalloc(8, 8, "none"));
	assert_int_equal(errno, ENOMEM);
	assert_null(percpu_unit_base(0));
	percpu_get_stats(&st);
	assert_int_equal(st.nr_units, 0);
	assert_int_equal(st.unit_size, 0);

	err[0] = '\0';
	assert_int_equal(percpu_init(63, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "63"));
	assert_non_null(strstr(err, "accepted"));
	err[0] = '\0';
	assert_int_equal(percpu_init((1u << 30) + 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1073741825"));
	assert_false(percpu_ready());

	assert_int_equal(percpu_init(PERCPU_UNIT_DEFAULT, err, sizeof(err)), 0);
}

/*
 * Every unit's pages are on its CPU's node, as the kernel reports them.  On
 * a machine of one node every page is on node 0 wherever the allocator put
 * it, so the check could not fail: it skips there, and the two-node QEMU
 * test (tests/test_qemu_numa.sh) runs it.
 */
static void test_node_placement(void **state)
{
	const char *why = NULL;
	size_t unit = 16 * page();

	(void)state;
	if (numa_nr_nodes() < 2) {
		fprintf(stderr, "skipped: one NUMA node: every unit is on node 0 whatever the "
			"placement (make test checks the units on two nodes in QEMU, through refbench-audit)\n");
		skip();
		return;
	}
	relayout(unit);
	if (!numa_binding_supported(&why))
		fail_msg("memory placement cannot be checked here: %s", why);
	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
		int node = numa_area_node(percpu_unit_base(cpu), unit);

		assert_int_equal(numa_node_of_os_cpu(refbench_cpus[cpu].os_index),
				 refbench_cpus[cpu].node);
		if (node != refbench_cpus[cpu].node)
			fail_msg("unit of CPU %d (OS CPU %d) is on node %d, want node %d",
				 cpu, refbench_cpus[cpu].os_index, node, refbench_cpus[cpu].node);
	}
	relayout(PERCPU_UNIT_DEFAULT);
}

/* The node query the placement check relies on is real, on any machine. */
static void test_node_query(void **state)
{
	void *m = mmap(NULL, page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_true(m != MAP_FAILED);
	/* A mapping never touched has no pages to report. */
	assert_int_equal(numa_area_node(m, page()), -2);
	*(volatile char *)m = 1;
	assert_int_equal(numa_area_node(m, page()), numa_node_of_current_cpu());
	munmap(m, page());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_same_offset_every_unit),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_free_merge_exhaustion),
		cmocka_unit_test(test_fail_injection),
		cmocka_unit_test(test_setup_errors),
		cmocka_unit_test(test_node_query),
		cmocka_unit_test(test_node_placement),
	};

	kt_setup(PERCPU_UNIT_DEFAULT);
	return cmocka_run_group_tests_name("percpu_alloc", tests, NULL, NULL);
}
