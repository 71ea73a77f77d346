/*
 * atomic: one shared atomic_t per module, as the kernel has counted
 * module references since 2014.
 *
 * Models Linux 3.19, kernel/module.c after "module: Replace module_ref
 * with atomic_t refcnt" (Masami Hiramatsu, 2014):
 *
 *   #define MODULE_REF_BASE 1          refcnt == 0 means the module is going
 *   module_unload_init()  atomic_set(&mod->refcnt, MODULE_REF_BASE);
 *                         atomic_inc(&mod->refcnt);   (held for init)
 *   module_refcount()     atomic_read(&mod->refcnt) - MODULE_REF_BASE
 *   __module_get()        atomic_inc()
 *   try_module_get()      module_is_live(module) &&
 *                         atomic_inc_not_zero(&module->refcnt)
 *   module_put()          atomic_dec_if_positive(&module->refcnt), WARN if < 0
 *   try_release_module_ref() / try_stop_module(): subtract MODULE_REF_BASE;
 *                         if others still hold references, add it back
 *                         unless the count reached zero meanwhile
 *                         (no stop_machine, no waiting mode: "rmmod --wait"
 *                         was removed in 3.13, so a waiting delete here is
 *                         the caller retrying, see module_lifecycle.h)
 *
 * Every CPU's get and put is a lock-prefixed read-modify-write on the one
 * cache line holding refcnt: a module costs 4 bytes, wherever the CPUs are.
 *
 * Departures: preempt_disable()/enable() are get_cpu()/put_cpu() (QSBR
 * read-side, free).  The three operations are functions in their own
 * translation unit, as kernel/module.c had them in 3.19 (codegen.h).  Module memory is vmalloc with 4 KiB pages, as
 * x86-64 module_alloc() gave in 3.19, with struct module at its layout
 * offset (module_layout.h).
 */
#define SCHEME_NAME "atomic"
#define SCHEME_LABEL "atomic_t (3.19)"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 3.19 kernel/module.c: atomic_t refcnt, MODULE_REF_BASE, " \
	"atomic_inc_not_zero/atomic_dec_if_positive, try_release_module_ref()"
#define SCHEME_UNLOAD_ERA 2014
#define SCHEME_OUT_OF_LINE (OOL___MODULE_GET | OOL_TRY_MODULE_GET | OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MIGRATION_SAFE 1         /* one word: read at one instant */
#define SCHEME_REF_STORAGE REF_STORAGE_SHARED_WORD

#include "compat.h"

#include <stdio.h>

#define MODULE_REF_BASE 1

struct module_ref_storage {
	atomic_t refcnt;
};

#include "module.h"

static inline size_t module_ref_embedded_bytes(void) { return 0; }
static inline int module_ref_alloc(struct module *mod) { (void)mod; return 0; }
static inline void module_ref_free(struct module *mod) { (void)mod; }

static inline size_t module_ref_bytes(struct module *mod)
{
	(void)mod;
	return sizeof(atomic_t);
}

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	(void)cpu;
	return &mod->ref.refcnt;
}

static inline size_t module_ref_cpu_bytes(void)
{
	return sizeof(atomic_t);
}

static inline unsigned int module_refcount(struct module *mod)
{
	return (unsigned int)(atomic_read(&mod->ref.refcnt) - MODULE_REF_BASE);
}

static inline void module_unload_init(struct module *mod)
{
	/* refcnt == 0 means the module is going. */
	atomic_set(&mod->ref.refcnt, MODULE_REF_BASE);
	/* Hold reference count during initialization. */
	atomic_inc(&mod->ref.refcnt);
	mod->waiter = get_current();
}

static inline void __module_get(struct module *module)
{
	if (module) {
		get_cpu();
		atomic_inc(&module->ref.refcnt);
		put_cpu();
	}
}

static inline bool try_module_get(struct module *module)
{
	bool ret = true;

	if (module) {
		get_cpu();
		/* Note: here, we can fail to get a reference */
		if (!(likely(module_is_live(module) &&
			     atomic_inc_not_zero(&module->ref.refcnt))))
			ret = false;
		put_cpu();
	}
	return ret;
}

static inline void module_put(struct module *module)
{
	if (module) {
		int ret;

		get_cpu();
		ret = atomic_dec_if_positive(&module->ref.refcnt);
		if (unlikely(ret < 0))   /* WARN_ON: failed to put refcount */
			fprintf(stderr, "refbench: module_put on %s below zero\n", module->name);
		put_cpu();
	}
}

/* Try to drop the base reference; 0 when nobody else holds one. */
static inline int try_release_module_ref(struct module *mod)
{
	int ret = atomic_sub_return(MODULE_REF_BASE, &mod->ref.refcnt);

	if (unlikely(ret < 0))
		__builtin_trap();    /* BUG_ON */
	if (ret)
		/* Someone can put this right now, recover with checking */
		ret = atomic_add_unless(&mod->ref.refcnt, MODULE_REF_BASE, 0);
	return ret;
}

static inline int try_stop_module(struct module *mod, int flags, int *forced)
{
	(void)flags;
	/* If it's not unused, quit unless we're forcing (force unsupported). */
	if (try_release_module_ref(mod) != 0) {
		*forced = 0;
		return -EWOULDBLOCK;
	}
	/* Mark it as dying. */
	module_set_going(mod);
	return 0;
}
