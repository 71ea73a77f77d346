/*
 * vmalloc-array: the pre-2009 NR_CPUS array (scheme_nrcpus_array.h, same
 * code, same kernel functions) in vmalloc-like module memory.
 *
 * Models Linux 2.6.28 on x86-64, where struct module lives in the module's
 * core, allocated by module_alloc() (arch/x86/kernel/module_64.c:
 * __vmalloc_area() in the modules address range): 4 KiB pages, a
 * separate mapping per module, page-aligned, a guard page after it, and
 * the pages taken on the loading CPU's node.  The seed patch's
 * "TLB misses because of vmalloc()" is this layout: a module_refcount()
 * or module_unload_init() at NR_CPUS=4096 walks 512 KiB, i.e. 128 small
 * pages, where nrcpus-array walks one huge page.
 *
 * Departures: the mapping is an anonymous mmap with MADV_NOHUGEPAGE and an
 * mprotect(PROT_NONE) guard, bound with hwloc to the loading CPU's node
 * before it is zeroed (module_mem.h).
 */
#define SCHEME_NAME "vmalloc-array"
#define SCHEME_LABEL "NR_CPUS array (2.6.28), vmalloc"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 2.6.28 include/linux/module.h, kernel/module.c, " \
	"arch/x86/kernel/module_64.c module_alloc(): ref[NR_CPUS] in vmalloc memory"
#include "scheme_nrcpus_array.h"
