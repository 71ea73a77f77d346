/*
 * percpu_alloc.h - per-CPU memory for modules, as Linux 2.6.29 had it.
 *
 * Models: the per-CPU areas set up at boot (arch/x86/kernel/setup_percpu.c:
 * one area per possible CPU, each from its CPU's node with
 * alloc_bootmem_node) and the module allocator that carves space out of
 * them, percpu_modalloc()/percpu_modfree() (kernel/module.c): one block
 * table describes the layout of every unit at once, so an allocation is a
 * single offset valid in every unit.  percpu_modalloc() returns the
 * template address (unit 0's copy); CPU n's copy is at
 * ptr + per_cpu_offset(n), exactly as the seed patch's __module_ref_addr().
 *
 * Departures: the units of one node's CPUs are consecutive in one mapping
 * per node, 2 MiB aligned with transparent huge pages asked for (2.6.29's
 * areas were bootmem on each CPU's node, in the large-page direct map),
 * bound to the node with hwloc before the first touch, so placement does
 * not depend on which thread touches first.  Units are a power of two
 * (64 or 256 KiB) apart, so one CPU's counter and the next one's fall in
 * the same cache sets: a walk over many possible CPUs pays for that, as
 * a kernel whose unit size is a power of two does.  The unit size is a run-time
 * setting, sized by the lab to fit every module's counter.  2.6.29 had
 * PERCPU_MODULE_RESERVE (8 KiB) for all modules' per-CPU data: by that
 * figure, with an 8-byte local_t on x86-64, the refptrs alone would fill it
 * at about 1000 modules, before any module's own per-CPU variables.  The
 * dynamic per-CPU allocator of 2.6.30 lifted that limit; the lab's
 * 2000-module runs assume it.
 */
#ifndef REFBENCH_PERCPU_ALLOC_H
#define REFBENCH_PERCPU_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERCPU_UNIT_DEFAULT (256u * 1024u)

/* Lay out nr_cpu_ids units of unit_size bytes.  0, or -1 with a reason. */
int percpu_init(size_t unit_size, char *err, size_t errlen);
/*
 * percpu_unit_for() - the unit size for @cpu_ids possible CPUs and @modules
 * modules: PERCPU_UNIT_DEFAULT, 64 KiB past 64 possible CPUs (so that the
 * areas stay affordable), and at least 16 bytes per module (a refptr with
 * slack for alignment): 2.6.29's fixed 8 KiB reserve would not hold them.
 */
size_t percpu_unit_for(unsigned int cpu_ids, unsigned int modules);
/*
 * percpu_set_small_pages() - lay the units out on 4 KiB pages
 * (MADV_NOHUGEPAGE) instead of asking for huge pages: a control for what
 * the page size does to a walk over every CPU's unit.  Before percpu_init().
 */
void percpu_set_small_pages(bool small);
/* __per_cpu_base[], each CPU's unit (compat.h), is filled here. */
/* Bytes from one CPU's unit to the next (0 before percpu_init()). */
size_t percpu_unit_size(void);
/* AnonHugePages backing the units, from /proc/self/smaps; -1 if unknown. */
long percpu_hugepage_bytes(void);
/* Unmap the units; refused (-1) while allocations are live. */
int percpu_destroy(void);
int percpu_ready(void);

void *percpu_modalloc(unsigned long size, unsigned long align, const char *name);
/*
 * percpu_modcopy() - copy @size bytes from @from into the block at
 * @pcpudest of every CPU's unit (kernel/module.c, 2.6.29), as load_module()
 * copies a module's .data.percpu section; @from NULL copies zeros (the lab
 * has no section image).  Caller holds module_mutex.
 */
void percpu_modcopy(void *pcpudest, const void *from, unsigned long size);
void percpu_modfree(void *freeme);

/* CPU cpu's copy of the per-CPU object at template address ptr. */
#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))((uintptr_t)(ptr) + per_cpu_offset(cpu)))

struct percpu_stats {
	size_t unit_size;           /* bytes reserved in each unit */
	size_t nr_units;            /* = nr_cpu_ids when laid out */
	size_t in_use_per_unit;     /* bytes handed out, per unit */
	size_t in_use_total;        /* in_use_per_unit * nr_units */
	size_t allocations;         /* live percpu_modalloc() blocks */
	size_t metadata_bytes;      /* the block table */
	size_t fragmented_per_unit; /* free bytes outside the largest free block */
	size_t mapped_total;        /* unit_size * nr_units rounded to pages */
};
void percpu_get_stats(struct percpu_stats *st);
void *percpu_unit_base(int cpu);

#endif
