#define _GNU_SOURCE
#include "percpu_alloc.h"
#include "compat.h"
#include "numa.h"
#include "pda.h"
#include "this_cpu.h"
#include "range_alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One region per NUMA node holding the units of that node's CPUs. */
struct pcpu_region {
	char *map;
	size_t len;
};

static struct {
	pthread_mutex_t lock;
	size_t unit_size, mapped_unit;
	unsigned int nr_units;
	char *unit[REFBENCH_NR_CPUS_MAX];
	struct pcpu_region region[REFBENCH_NR_CPUS_MAX];
	unsigned int nr_regions;
	struct range_alloc ra;
} pcpu = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define HUGE_2M ((size_t)2 << 20)

static bool small_pages;

size_t percpu_unit_for(unsigned int cpu_ids, unsigned int modules)
{
	size_t unit = cpu_ids > 64 ? 64 * 1024 : PERCPU_UNIT_DEFAULT;

	if ((size_t)modules * 16 > unit)
		unit = (size_t)modules * 16;
	return unit;
}

size_t percpu_unit_size(void)
{
	return refbench_percpu_ready ? pcpu.mapped_unit : 0;
}

void percpu_set_small_pages(bool small)
{
	small_pages = small;
}

long percpu_hugepage_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kb = -1;
	int inside = 0;
	uintptr_t lo, hi;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long v;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = 0;
			for (unsigned int r = 0; r < pcpu.nr_regions; r++)
				inside |= lo < (uintptr_t)pcpu.region[r].map + pcpu.region[r].len &&
					  hi > (uintptr_t)pcpu.region[r].map;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
			kb = (kb < 0 ? 0 : kb) + v;
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static size_t page_round(size_t v)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (v + pg - 1) / pg * pg;
}

static void unmap_units(void)
{
	for (unsigned int r = 0; r < pcpu.nr_regions; r++)
		munmap(pcpu.region[r].map, pcpu.region[r].len);
	pcpu.nr_regions = 0;
	for (unsigned int i = 0; i < REFBENCH_NR_CPUS_MAX; i++) {
		pcpu.unit[i] = NULL;
		__per_cpu_offset[i] = 0;
		__per_cpu_base[i] = 0;
		pda_set_offset(i, 0);
	}
}

/*
 * Lay out the units of every CPU on node (all CPUs whose node is node, in
 * CPU order) consecutively in one region: 2 MiB aligned, transparent huge
 * pages asked for, bound to the node before it is touched.  2.6.29 took
 * each CPU's area from bootmem on the CPU's node, inside the kernel's
 * direct mapping of large pages: this is the closest userspace layout.
 */
static int map_node_units(int node, char *err, size_t errlen)
{
	unsigned int count = 0, k = 0;
	struct pcpu_region *r = &pcpu.region[pcpu.nr_regions];
	size_t len;
	char *base;

	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++)
		count += refbench_cpus[cpu].node == node;
	len = (size_t)count * pcpu.mapped_unit;
	r->len = len + HUGE_2M;
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED) {
		snprintf(err, errlen, "mapping %u per-CPU units (%zu bytes) for node %d: %s",
			 count, len, node, strerror(errno));
		return -1;
	}
	pcpu.nr_regions++;
	base = (char *)(((uintptr_t)r->map + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	madvise(base, len, small_pages ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	if (node >= 0 && numa_bind_area(base, len, node) != 0 && numa_nr_nodes() > 1) {
		snprintf(err, errlen, "binding per-CPU units to node %d: %s", node, strerror(errno));
		return -1;
	}
	/* Fresh anonymous memory is zero: fault every page in, written, in one
	 * call (module_mem.c's zero_core() says why); memset where the kernel
	 * lacks MADV_POPULATE_WRITE. */
#ifdef MADV_POPULATE_WRITE
	if (madvise(base, len, MADV_POPULATE_WRITE) != 0)
#endif
		memset(base, 0, len);
	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++)
		if (refbench_cpus[cpu].node == node)
			pcpu.unit[cpu] = base + (size_t)k++ * pcpu.mapped_unit;
	return 0;
}

int percpu_init(size_t unit_size, char *err, size_t errlen)
{
	int ret = -1;

	pthread_mutex_lock(&pcpu.lock);
	if (refbench_percpu_ready) {
		snprintf(err, errlen, "per-CPU areas already laid out");
		goto out;
	}
	if (unit_size < 64 || unit_size > (1u << 30)) {
		snprintf(err, errlen, "per-CPU unit size %zu out of range (accepted: 64 B to 1 GiB)",
			 unit_size);
		goto out;
	}
	pcpu.unit_size = unit_size;
	pcpu.mapped_unit = page_round(unit_size);
	pcpu.nr_units = nr_cpu_ids;
	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++) {
		bool seen = false;
		for (unsigned int c = 0; c < cpu && !seen; c++)
			seen = refbench_cpus[c].node == refbench_cpus[cpu].node;
		if (!seen && map_node_units(refbench_cpus[cpu].node, err, errlen) != 0) {
			unmap_units();
			goto out;
		}
	}
	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++) {
		__per_cpu_offset[cpu] = (uintptr_t)pcpu.unit[cpu] - (uintptr_t)pcpu.unit[0];
		__per_cpu_base[cpu] = (uintptr_t)pcpu.unit[cpu];
		pda_set_offset(cpu, __per_cpu_offset[cpu]);
	}
	if (range_alloc_init(&pcpu.ra, unit_size) != 0) {
		snprintf(err, errlen, "per-CPU block table: out of memory");
		unmap_units();
		goto out;
	}
	__atomic_store_n(&refbench_percpu_ready, 1, __ATOMIC_SEQ_CST);
	ret = 0;
	/* The caller's %gs follows its area (other CPUs register after this). */
	if (refbench_this_cpu >= 0)
		this_cpu_set_base(refbench_this_cpu);
out:
	pthread_mutex_unlock(&pcpu.lock);
	return ret;
}

int percpu_destroy(void)
{
	int ret = 0;

	pthread_mutex_lock(&pcpu.lock);
	if (!refbench_percpu_ready)
		goto out;
	if (pcpu.ra.in_use != 0) {
		ret = -1;
		goto out;
	}
	range_alloc_destroy(&pcpu.ra);
	unmap_units();
	__atomic_store_n(&refbench_percpu_ready, 0, __ATOMIC_SEQ_CST);
out:
	pthread_mutex_unlock(&pcpu.lock);
	return ret;
}

int percpu_ready(void)
{
	return __atomic_load_n(&refbench_percpu_ready, __ATOMIC_SEQ_CST);
}

void *percpu_modalloc(unsigned long size, unsigned long align, const char *name)
{
	size_t off;
	void *ret = NULL;

	if (should_fail_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&pcpu.lock);
	if (refbench_percpu_ready) {
		/* 2.6.29 capped alignment at a page and warned; so do we. */
		if (align > (unsigned long)sysconf(_SC_PAGESIZE))
			align = (unsigned long)sysconf(_SC_PAGESIZE);
		off = range_alloc(&pcpu.ra, size, align ? align : 1, name);
		/* Not zeroed, as 2.6.29's was not: the module's per-CPU section
		 * is copied in (percpu_modcopy) and refptr is set by
		 * module_unload_init(). */
		if (off != (size_t)-1)
			ret = pcpu.unit[0] + off;
	}
	pthread_mutex_unlock(&pcpu.lock);
	if (!ret)
		errno = ENOMEM;
	return ret;
}

void percpu_modcopy(void *pcpudest, const void *from, unsigned long size)
{
	uintptr_t off = (uintptr_t)pcpudest - (uintptr_t)pcpu.unit[0];

	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++) {
		if (from)
			memcpy(pcpu.unit[cpu] + off, from, size);
		else
			memset(pcpu.unit[cpu] + off, 0, size);
	}
}

void percpu_modfree(void *freeme)
{
	if (!freeme)
		return;
	pthread_mutex_lock(&pcpu.lock);
	if (refbench_percpu_ready)
		range_free(&pcpu.ra, (size_t)((char *)freeme - pcpu.unit[0]));
	pthread_mutex_unlock(&pcpu.lock);
}

void percpu_get_stats(struct percpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&pcpu.lock);
	if (refbench_percpu_ready) {
		st->unit_size = pcpu.unit_size;
		st->nr_units = pcpu.nr_units;
		st->in_use_per_unit = pcpu.ra.in_use;
		st->in_use_total = pcpu.ra.in_use * pcpu.nr_units;
		for (size_t i = 0; i < pcpu.ra.nr; i++)
			st->allocations += pcpu.ra.block[i].used;
		st->metadata_bytes = range_alloc_metadata_bytes(&pcpu.ra);
		st->fragmented_per_unit = range_alloc_fragmented_bytes(&pcpu.ra);
		st->mapped_total = pcpu.mapped_unit * pcpu.nr_units;
	}
	pthread_mutex_unlock(&pcpu.lock);
}

void *percpu_unit_base(int cpu)
{
	if (!percpu_ready() || cpu < 0 || (unsigned int)cpu >= pcpu.nr_units)
		return NULL;
	return pcpu.unit[cpu];
}
