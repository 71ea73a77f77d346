/*
 * nrcpus-array: the refcount before 2009, an NR_CPUS array of
 * cache-line-aligned local_t embedded in every struct module.
 *
 * Models Linux 2.6.28, include/linux/module.h and kernel/module.c:
 *
 *   struct module_ref { local_t count; } ____cacheline_aligned;
 *   struct module { ... struct module_ref ref[NR_CPUS]; };
 *
 *   __module_get()     BUG_ON(module_refcount(module) == 0);
 *                      local_inc(&module->ref[get_cpu()].count); put_cpu();
 *   try_module_get()   cpu = get_cpu(); if (likely(module_is_live(module)))
 *                      local_inc(&module->ref[cpu].count); else ret = 0; put_cpu();
 *   module_put()       local_dec(&module->ref[get_cpu()].count); then wake
 *                      module->waiter when the module is not live; put_cpu();
 *   module_refcount()  sum of local_read(&mod->ref[i].count), i < NR_CPUS
 *   module_unload_init() local_set() every one of the NR_CPUS counts to 0,
 *                      then this CPU's to 1 (the reference held for init)
 *
 * Each module carries NR_CPUS * L1_CACHE_BYTES bytes of counts, whether
 * or not that many CPUs exist (4096 * 128 B = 512 KiB a module), and
 * module_refcount() and module_unload_init() walk all NR_CPUS lines.
 * CPU n's count sits n lines into struct module: all counts of a module
 * are on the node that loaded it, and are walked through its pages.
 *
 * Memory: this variant takes module memory from the huge-page pool
 * (module_mem.h), i.e. as if the module's core sat in the kernel's directly
 * mapped memory; scheme_vmalloc_array.h is the same code on 4 KiB
 * vmalloc-like pages, which is what x86 module_alloc() gave in 2.6.28.
 * Both carve cores the same way and put struct module at the same offset
 * (module_layout.h): they differ in page size only.
 *
 * Departures: NR_CPUS and the line size are run-time settings (compat.h),
 * so &mod->ref[cpu] is computed as cpu << L1_CACHE_SHIFT from the array's
 * start; the array starts on a 128-byte boundary after the fixed fields.
 */
#ifndef SCHEME_NAME
#define SCHEME_NAME "nrcpus-array"
#define SCHEME_LABEL "NR_CPUS array (2.6.28), direct map"
#define SCHEME_MODULE_MEM MODULE_MEM_POOL
#define SCHEME_MODELS "Linux 2.6.28 include/linux/module.h, kernel/module.c: " \
	"struct module_ref ref[NR_CPUS] ____cacheline_aligned, directly mapped memory"
#endif
#define SCHEME_UNLOAD_ERA 2009
#define SCHEME_OUT_OF_LINE (OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MODULE_GET_BUG_ON 1
#define SCHEME_MIGRATION_SAFE 0         /* one count per CPU: see refbench-race */
#define SCHEME_REF_STORAGE REF_STORAGE_EMBEDDED_ARRAY

#include "compat.h"

struct module_ref_storage {
	/* nothing outside the embedded array */
	char unused;
};

#include "module.h"

static inline local_t *__module_ref_addr(struct module *mod, int cpu)
{
	return (local_t *)(mod->ref_embedded + ((size_t)cpu << L1_CACHE_SHIFT));
}

static inline size_t module_ref_embedded_bytes(void)
{
	return (size_t)NR_CPUS << L1_CACHE_SHIFT;
}

static inline int module_ref_alloc(struct module *mod) { (void)mod; return 0; }
static inline void module_ref_free(struct module *mod) { (void)mod; }

static inline size_t module_ref_bytes(struct module *mod)
{
	(void)mod;
	return module_ref_embedded_bytes();
}

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	return __module_ref_addr(mod, cpu);
}

static inline size_t module_ref_cpu_bytes(void)
{
	return L1_CACHE_BYTES;
}

static inline unsigned int module_refcount(struct module *mod)
{
	unsigned int i, total = 0;

	for (i = 0; i < NR_CPUS; i++) {
		REFCOUNT_WALK_STEP((int)i);
		total += local_read(__module_ref_addr(mod, i));
	}
	return total;
}

static inline void module_unload_init(struct module *mod)
{
	unsigned int i;

	for (i = 0; i < NR_CPUS; i++)
		local_set(__module_ref_addr(mod, i), 0);
	/* Hold reference count during initialization. */
	local_set(__module_ref_addr(mod, raw_smp_processor_id()), 1);
	/* Backwards compatibility macros put refcount during init. */
	mod->waiter = get_current();
}

#include "module_ref_local.h"
