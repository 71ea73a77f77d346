/*
 * percpu-3.18: the last per-CPU module refcount, the same-era partner of
 * the 3.19 atomic_t (scheme_atomic.h).
 *
 * Models Linux 3.18, include/linux/module.h and kernel/module.c:
 *
 *   struct module_ref { unsigned long incs, decs; }
 *                   __attribute((aligned(2 * sizeof(unsigned long))));
 *   struct module { ... struct module_ref __percpu *refptr; };
 *   __module_get(), try_module_get(), module_put(): functions in
 *                   kernel/module.c (EXPORT_SYMBOL), with preempt_disable()
 *                   and __this_cpu_inc() of incs / (smp_wmb(), then) decs;
 *                   module_put() no longer wakes a waiter
 *   module_refcount() decs summed over possible CPUs, smp_rmb(), incs
 *                   summed: incs - decs (5fbfb18d7a5b's order)
 *   try_stop_module() stop_machine(__try_stop_module) for every delete:
 *                   -EWOULDBLOCK while references are held; no waiting
 *                   mode since 3.13 (3f2b9c9cdf38), the caller retries
 *   free_module()   stop_machine(__unlink_module)
 * 3.19 replaced all of it with one atomic_t (2f35c41f58a9, Masami
 * Hiramatsu, "module: Replace module_ref with atomic_t refcnt").
 *
 * Each module takes nr_cpu_ids * 16 bytes, each CPU's in its own unit.
 *
 * Departures: preempt_disable()/enable() are get_cpu()/put_cpu() (QSBR
 * read-side, free); the this_cpu operations are %gs-relative (this_cpu.h);
 * the trace points are not modelled.
 */
#define SCHEME_NAME "percpu-3.18"
#define SCHEME_LABEL "per-CPU incs/decs, stop_machine unload (3.18)"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 3.18 kernel/module.c: struct module_ref { unsigned long incs, decs } " \
	"__percpu, out-of-line get/put, stop_machine try_stop_module(), no waiting mode"
#define SCHEME_UNLOAD_ERA 2013
#define SCHEME_REF_STORAGE REF_STORAGE_PERCPU
#define SCHEME_OUT_OF_LINE (OOL___MODULE_GET | OOL_TRY_MODULE_GET | OOL_MODULE_PUT)
#define SCHEME_MIGRATION_SAFE 1
#define SCHEME_NEEDS_THIS_CPU 1

#include "compat.h"
#include "this_cpu.h"

struct module_ref {
	unsigned long incs;
	unsigned long decs;
} __attribute__((aligned(2 * sizeof(unsigned long))));

struct module_ref_storage {
	struct module_ref *refptr;      /* __percpu: an offset into each unit */
	void *area;                     /* what alloc_percpu() returned (may be at offset 0) */
};

#include "module.h"

#if defined(__x86_64__) && !defined(REFBENCH_LOCAL_RELAXED)
static inline void __this_cpu_inc_ulong(unsigned long *p)
{
	__asm__ __volatile__("incq %%gs:%0" : "+m" (*p));
}
#else
static inline void __this_cpu_inc_ulong(unsigned long *p)
{
	__atomic_fetch_add(per_cpu_zb(p, smp_processor_id()), 1, __ATOMIC_RELAXED);
}
#endif

static inline size_t module_ref_embedded_bytes(void) { return 0; }

static inline int module_ref_alloc(struct module *mod)
{
	/* Without a %gs base every CPU would count in CPU 0's copy. */
	if (this_cpu_unavailable())
		return -ENODEV;
	void *p = percpu_modalloc(sizeof(struct module_ref), __alignof__(struct module_ref),
				  mod->name);

	if (!p)
		return -ENOMEM;
	mod->ref.area = p;
	mod->ref.refptr = percpu_zb_of(p);          /* a __percpu pointer */
	return 0;
}

static inline void module_ref_free(struct module *mod)
{
	if (mod->ref.area)
		percpu_modfree(mod->ref.area);
	mod->ref.area = NULL;
	mod->ref.refptr = NULL;
}

static inline size_t module_ref_bytes(struct module *mod)
{
	return mod->ref.area ? nr_cpu_ids * sizeof(struct module_ref) : 0;
}

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	return per_cpu_zb(mod->ref.refptr, cpu);
}

static inline size_t module_ref_cpu_bytes(void)
{
	return sizeof(struct module_ref);
}

static inline unsigned int module_refcount(struct module *mod)
{
	unsigned long incs = 0, decs = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		REFCOUNT_WALK_STEP(cpu);
		decs += READ_ONCE(per_cpu_zb(mod->ref.refptr, cpu)->decs);
	}
	/* The incs are added up after the decs (see module_put()). */
	smp_rmb();
	for_each_possible_cpu(cpu) {
		REFCOUNT_WALK_STEP(cpu);
		incs += READ_ONCE(per_cpu_zb(mod->ref.refptr, cpu)->incs);
	}
	return (unsigned int)(incs - decs);
}

static inline void module_unload_init(struct module *mod)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu_zb(mod->ref.refptr, cpu)->incs = 0;
		per_cpu_zb(mod->ref.refptr, cpu)->decs = 0;
	}
	/* Hold reference count during initialization. */
	per_cpu_zb(mod->ref.refptr, raw_smp_processor_id())->incs = 1;
	mod->waiter = get_current();
}

static inline void __module_get(struct module *module)
{
	if (module) {
		get_cpu();                  /* preempt_disable() */
		__this_cpu_inc_ulong(pcpu_field(module->ref.refptr, incs));
		put_cpu();
	}
}

static inline bool try_module_get(struct module *module)
{
	bool ret = true;

	if (module) {
		get_cpu();
		if (likely(module_is_live(module)))
			__this_cpu_inc_ulong(pcpu_field(module->ref.refptr, incs));
		else
			ret = false;
		put_cpu();
	}
	return ret;
}

static inline void module_put(struct module *module)
{
	if (module) {
		get_cpu();
		smp_wmb(); /* see comment in module_refcount */
		__this_cpu_inc_ulong(pcpu_field(module->ref.refptr, decs));
		put_cpu();
	}
}
