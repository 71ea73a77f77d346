/*
 * module_mem.h - where a module's own memory (its core, which holds
 * struct module) comes from.
 *
 * Two kinds, which differ in page size only, to isolate the page-size
 * effect the seed names ("TLB misses because of vmalloc()"):
 *
 *  MODULE_MEM_VMALLOC  models module_alloc() on x86-64 (2.6.28 to 3.19:
 *      vmalloc in the modules range): 4 KiB pages (MADV_NOHUGEPAGE),
 *      each core page-aligned with an unused page after it (vmalloc's
 *      guard page), carved from one address range in allocation order as
 *      vmalloc carves the modules area; freeing gives the pages back
 *      (MADV_DONTNEED, as vfree unmaps them) and a new core's pages are
 *      faulted in when it is zeroed.
 *  MODULE_MEM_POOL     the same carving on memory backed by transparent
 *      huge pages (MADV_HUGEPAGE): module memory as if it came from the
 *      kernel's direct mapping (2 MiB pages).  Whether the kernel really
 *      gave huge pages is measured (module_mem_pool_hugepage_bytes), not
 *      assumed.  Freed cores stay resident, as slab memory does.
 *
 * A core is page-granular (4 KiB start, 4 KiB gap after it) unless the
 * caller asks for it packed: then cores are MODULE_MEM_ALIGN apart, back to
 * back, with no gap (the control that varies in-page placement alone).
 * Freed cores are reused by exact size (one free list per size, as many
 * sizes as callers use: a list of classes that grows), so allocating and
 * freeing cost the same whatever the number of live modules.  Both kinds
 * are bound to the node of the CPU that first uses them and zero what they
 * hand out, as load_module() memsets the core.
 */
#ifndef REFBENCH_MODULE_MEM_H
#define REFBENCH_MODULE_MEM_H

#include <stdbool.h>
#include <stddef.h>

enum module_mem_kind { MODULE_MEM_POOL, MODULE_MEM_VMALLOC };

/* Address space reserved for each kind (virtual; backed only where touched). */
#define MODULE_MEM_RESERVE ((size_t)64 << 30)
#define MODULE_MEM_ALIGN 128
#define MODULE_MEM_PAGE 4096

/* What module_mem_alloc() takes for a core of @size: the size it hands out,
 * and the gap (the guard page) it keeps after it. */
static inline size_t module_mem_rounded(size_t size, bool packed)
{
	size_t a = packed ? MODULE_MEM_ALIGN : MODULE_MEM_PAGE;
	return (size + a - 1) / a * a;
}
static inline size_t module_mem_gap(bool packed)
{
	return packed ? 0 : MODULE_MEM_PAGE;
}

/**
 * module_mem_alloc() - a zeroed core of @size bytes.
 * @kind: 4 KiB (vmalloc-like) or 2 MiB (pool) pages.
 * @packed: MODULE_MEM_ALIGN-aligned and back to back, else page-aligned
 *          with a guard page.
 * Context: any thread; takes the allocator's lock.  Fails (NULL) under
 * fault injection (should_fail_alloc()) or when the reservation is full.
 */
void *module_mem_alloc(enum module_mem_kind kind, size_t size, bool packed);
/** module_mem_free() - give back a core from module_mem_alloc(); NULL is a no-op. */
void module_mem_free(enum module_mem_kind kind, void *p);

struct module_mem_stats {
	size_t pool_in_use;        /* bytes handed out from the pool (rounded) */
	size_t pool_touched;       /* high-water mark of the pool's carving */
	size_t pool_fragmented;    /* freed pool cores kept on the free lists */
	size_t pool_metadata;      /* the allocator's block and class records */
	size_t vmalloc_areas;      /* live vmalloc-like cores */
	size_t vmalloc_requested;  /* bytes asked for */
	size_t vmalloc_mapped;     /* bytes handed out (page-rounded, guard excluded) */
	size_t vmalloc_guard;      /* guard bytes kept unused after live cores */
	size_t classes;            /* distinct core sizes seen, both kinds */
};
void module_mem_get_stats(struct module_mem_stats *st);
/* AnonHugePages of the pool's reservation from /proc/self/smaps; -1 if unknown. */
long module_mem_pool_hugepage_bytes(void);
/* The same for the vmalloc-like reservation (0 when its pages are all small). */
long module_mem_vmalloc_hugepage_bytes(void);
/* Give back both reservations; refused (-1) while module memory is in use. */
int module_mem_reset(void);

#endif
