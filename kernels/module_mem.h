/*
 * module_mem.h - where a module's own memory (its core, which holds
 * struct module) comes from.
 *
 * Two kinds, to isolate the page-size effect the seed names ("TLB misses
 * because of vmalloc()"):
 *
 *  MODULE_MEM_VMALLOC  models module_alloc() on x86 in 2.6.29
 *      (arch/x86/kernel/module_64.c: __vmalloc_area() in the modules
 *      range): each module gets its own mapping of 4 KiB pages
 *      (MADV_NOHUGEPAGE), page-aligned, followed by an unmapped guard page
 *      (vmalloc's guard), bound to the loading CPU's node, zeroed at once
 *      (vmalloc backs every page at allocation).
 *  MODULE_MEM_POOL     models memory from the kernel's direct mapping
 *      (kmalloc/page allocator memory, mapped with 2 MiB or 1 GiB pages):
 *      a pool reserved once and backed by transparent huge pages
 *      (MADV_HUGEPAGE), carved slab-style (a free list per block size, a
 *      bump pointer behind it: constant cost per allocation, as kmalloc),
 *      bound to the node of the CPU that first uses it.  Whether the kernel really gave
 *      huge pages is measured (module_mem_pool_hugepage_bytes), not
 *      assumed.
 *
 * Both kinds zero what they hand out, as load_module() memsets the core.
 */
#ifndef REFBENCH_MODULE_MEM_H
#define REFBENCH_MODULE_MEM_H

#include <stddef.h>

enum module_mem_kind { MODULE_MEM_POOL, MODULE_MEM_VMALLOC };

/* Pool reservation (virtual; backed only where touched). */
#define MODULE_POOL_RESERVE ((size_t)64 << 30)
#define MODULE_MEM_ALIGN 128

void *module_mem_alloc(enum module_mem_kind kind, size_t size);
void module_mem_free(enum module_mem_kind kind, void *p);

struct module_mem_stats {
	size_t pool_in_use;        /* bytes handed out from the pool */
	size_t pool_touched;       /* high-water mark of pool bytes ever handed out */
	size_t pool_fragmented;    /* freed blocks kept on the free lists */
	size_t pool_metadata;      /* the allocator's block records */
	size_t vmalloc_areas;      /* live mappings */
	size_t vmalloc_requested;  /* bytes asked for */
	size_t vmalloc_mapped;     /* bytes mapped (page-rounded, guard excluded) */
	size_t vmalloc_guard;      /* guard bytes reserved */
};
void module_mem_get_stats(struct module_mem_stats *st);
/* AnonHugePages of the pool mapping from /proc/self/smaps; -1 if unknown. */
long module_mem_pool_hugepage_bytes(void);
/* Give back the pool mapping; refused (-1) while pool memory is in use. */
int module_mem_reset(void);

#endif
