/*
 * percpu: the seed patch, "modules: Use a better scheme for refcounting"
 * (Eric Dumazet, Rusty Russell, 2009; commit 720eba31f47a, in 2.6.29).
 *
 * Models Linux 2.6.29 as released, include/linux/module.h and
 * kernel/module.c:
 *
 *   struct module { ... char *refptr; };           (CONFIG_SMP)
 *   __module_ref_addr(mod, cpu) = (local_t *)(mod->refptr + per_cpu_offset(cpu)),
 *                   per_cpu_offset(cpu) = cpu_pda(cpu)->data_offset on
 *                   x86-64 (pda.h: three dependent loads)
 *   load_module():  after the module is moved, mod->refptr =
 *                   percpu_modalloc(sizeof(local_t), __alignof__(local_t),
 *                   mod->name); -ENOMEM if NULL (free_init label); freed
 *                   in free_module() (6e2b75740bed, "module: fix refptr
 *                   allocation and release order"); percpu_modalloc does
 *                   not zero: module_unload_init() sets every CPU's count
 *   module_unload_init(), module_refcount(): for_each_possible_cpu()
 *   try_module_get: inline, on __module_ref_addr(module, get_cpu())
 *   __module_get:   inline, without the seed's BUG_ON(module_refcount() == 0)
 *                   (7f9a50a5b89b, "module: remove over-zealous check in
 *                   __module_get()")
 *   module_put:     a function in kernel/module.c (codegen.h)
 *
 * The seed as posted allocated refptr before module memory (freed on the
 * free_percpu path) and kept the BUG_ON; otherwise the same code.
 *
 * Each module takes nr_cpu_ids * sizeof(local_t) bytes, 8 per CPU, each in
 * that CPU's own per-CPU unit, on that CPU's node (percpu_alloc.h).
 * Loops run over possible CPUs only, not NR_CPUS.
 *
 * Module memory: struct module lies in the module's core from
 * module_alloc(), vmalloc with 4 KiB pages, at its layout offset
 * (module_layout.h), as for every scheme the lab runs kernel-like.
 *
 * Departures: per_cpu_offset() and the units come from percpu_alloc.c
 * (mmap per unit, bound with hwloc).
 */
#define SCHEME_NAME "percpu"
#define SCHEME_LABEL "per-CPU local_t (2.6.29)"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 2.6.29 (commit 720eba31f47a) include/linux/module.h, " \
	"kernel/module.c: refptr from percpu_modalloc(), per_cpu_offset()"
#define SCHEME_UNLOAD_ERA 2009
#define SCHEME_OUT_OF_LINE (OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MODULE_GET_BUG_ON 0     /* removed in 2.6.29 (7f9a50a5b89b) */
#define SCHEME_MIGRATION_SAFE 0         /* one count per CPU: 5fbfb18d7a5b fixed it */
#define SCHEME_REF_STORAGE REF_STORAGE_PERCPU

#include "compat.h"
#include "pda.h"

struct module_ref_storage {
	char *refptr;
};

#include "module.h"

static inline local_t *__module_ref_addr(struct module *mod, int cpu)
{
	/* x86-64 2.6.29: per_cpu_offset(cpu) is cpu_pda(cpu)->data_offset.
	 * In uintptr_t: units are separate mappings, so the offset may wrap. */
	return (local_t *)((uintptr_t)mod->ref.refptr + cpu_pda(cpu)->data_offset);
}

static inline size_t module_ref_embedded_bytes(void) { return 0; }

static inline int module_ref_alloc(struct module *mod)
{
	mod->ref.refptr = percpu_modalloc(sizeof(local_t), __alignof__(local_t), mod->name);
	return mod->ref.refptr ? 0 : -ENOMEM;
}

static inline void module_ref_free(struct module *mod)
{
	if (mod->ref.refptr)
		percpu_modfree(mod->ref.refptr);
	mod->ref.refptr = NULL;
}

static inline size_t module_ref_bytes(struct module *mod)
{
	return mod->ref.refptr ? nr_cpu_ids * sizeof(local_t) : 0;
}

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	return __module_ref_addr(mod, cpu);
}

static inline size_t module_ref_cpu_bytes(void)
{
	return sizeof(local_t);
}

static inline unsigned int module_refcount(struct module *mod)
{
	unsigned int total = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		REFCOUNT_WALK_STEP(cpu);
		total += local_read(__module_ref_addr(mod, cpu));
	}
	return total;
}

static inline void module_unload_init(struct module *mod)
{
	int cpu;

	for_each_possible_cpu(cpu)
		local_set(__module_ref_addr(mod, cpu), 0);
	/* Hold reference count during initialization. */
	local_set(__module_ref_addr(mod, raw_smp_processor_id()), 1);
	/* Backwards compatibility macros put refcount during init. */
	mod->waiter = get_current();
}

#include "module_ref_local.h"
