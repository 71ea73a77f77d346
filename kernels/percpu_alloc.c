#define _GNU_SOURCE
#include "percpu_alloc.h"
#include "compat.h"
#include "numa.h"
#include "range_alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct {
	pthread_mutex_t lock;
	int ready;
	size_t unit_size, mapped_unit;
	unsigned int nr_units;
	char *unit[REFBENCH_NR_CPUS_MAX];
	struct range_alloc ra;
} pcpu = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t page_round(size_t v)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (v + pg - 1) / pg * pg;
}

static void unmap_units(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (pcpu.unit[i])
			munmap(pcpu.unit[i], pcpu.mapped_unit);
		pcpu.unit[i] = NULL;
		__per_cpu_offset[i] = 0;
	}
}

int percpu_init(size_t unit_size, char *err, size_t errlen)
{
	int ret = -1;

	pthread_mutex_lock(&pcpu.lock);
	if (pcpu.ready) {
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
		char *u = mmap(NULL, pcpu.mapped_unit, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (u == MAP_FAILED) {
			snprintf(err, errlen, "mapping per-CPU unit %u (%zu bytes): %s",
				 cpu, pcpu.mapped_unit, strerror(errno));
			unmap_units(cpu);
			goto out;
		}
		pcpu.unit[cpu] = u;
		/* Bind before the first touch: placement must not depend on
		 * which thread happens to write first. */
		if (refbench_cpus[cpu].node >= 0 &&
		    numa_bind_area(u, pcpu.mapped_unit, refbench_cpus[cpu].node) != 0 &&
		    numa_nr_nodes() > 1) {
			snprintf(err, errlen, "binding per-CPU unit %u to node %d: %s",
				 cpu, refbench_cpus[cpu].node, strerror(errno));
			unmap_units(cpu + 1);
			goto out;
		}
		memset(u, 0, pcpu.mapped_unit);
	}
	for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++)
		__per_cpu_offset[cpu] = (uintptr_t)pcpu.unit[cpu] - (uintptr_t)pcpu.unit[0];
	if (range_alloc_init(&pcpu.ra, unit_size) != 0) {
		snprintf(err, errlen, "per-CPU block table: out of memory");
		unmap_units(pcpu.nr_units);
		goto out;
	}
	pcpu.ready = 1;
	ret = 0;
out:
	pthread_mutex_unlock(&pcpu.lock);
	return ret;
}

int percpu_destroy(void)
{
	int ret = 0;

	pthread_mutex_lock(&pcpu.lock);
	if (!pcpu.ready)
		goto out;
	if (pcpu.ra.in_use != 0) {
		ret = -1;
		goto out;
	}
	range_alloc_destroy(&pcpu.ra);
	unmap_units(pcpu.nr_units);
	pcpu.ready = 0;
out:
	pthread_mutex_unlock(&pcpu.lock);
	return ret;
}

int percpu_ready(void)
{
	return __atomic_load_n(&pcpu.ready, __ATOMIC_SEQ_CST);
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
	if (pcpu.ready) {
		/* 2.6.29 capped alignment at a page and warned; so do we. */
		if (align > (unsigned long)sysconf(_SC_PAGESIZE))
			align = (unsigned long)sysconf(_SC_PAGESIZE);
		off = range_alloc(&pcpu.ra, size, align ? align : 1, name);
		if (off != (size_t)-1) {
			for (unsigned int cpu = 0; cpu < pcpu.nr_units; cpu++)
				memset(pcpu.unit[cpu] + off, 0, size);
			ret = pcpu.unit[0] + off;
		}
	}
	pthread_mutex_unlock(&pcpu.lock);
	if (!ret)
		errno = ENOMEM;
	return ret;
}

void percpu_modfree(void *freeme)
{
	if (!freeme)
		return;
	pthread_mutex_lock(&pcpu.lock);
	if (pcpu.ready)
		range_free(&pcpu.ra, (size_t)((char *)freeme - pcpu.unit[0]));
	pthread_mutex_unlock(&pcpu.lock);
}

void percpu_get_stats(struct percpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&pcpu.lock);
	if (pcpu.ready) {
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
