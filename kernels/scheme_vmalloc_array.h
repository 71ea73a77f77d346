/*
 * vmalloc-array: the pre-2009 NR_CPUS array (scheme_nrcpus_array.h, same
 * code, same kernel functions) in vmalloc-like module memory.
 *
 * Models Linux 2.6.28 on x86-64, where struct module lives in the module's
 * core, allocated by module_alloc() (arch/x86/kernel/module_64.c:
 * __vmalloc_area() in the modules address range): 4 KiB pages, each
 * core page-aligned with a guard page after it, the pages taken on the
 * loading CPU's node, struct module at its offset in the core's layout
 * (module_layout.h).  The seed patch's "TLB misses because of vmalloc()"
 * is this layout: a module_refcount() or module_unload_init() at
 * NR_CPUS=4096 walks 512 KiB, i.e. 128 small pages, where nrcpus-array
 * walks one huge page.  The two differ in page size only.
 *
 * Departures: the modules range is one reservation with MADV_NOHUGEPAGE,
 * bound with hwloc to the loading CPU's node; the guard page is left
 * unused, not unmapped (module_mem.h).
 */
#define SCHEME_NAME "vmalloc-array"
#define SCHEME_LABEL "NR_CPUS array (2.6.28), vmalloc"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 2.6.28 include/linux/module.h, kernel/module.c, " \
	"arch/x86/kernel/module_64.c module_alloc(): ref[NR_CPUS] in vmalloc memory"
#include "scheme_nrcpus_array.h"
