/*
 * module_ref_incdec.h - what the schemes with per-CPU increments and
 * decrements share (2.6.34 to 3.18, scheme_percpu_incdec.h and
 * scheme_percpu_318.h): the zero-based __percpu refptr from alloc_percpu(),
 * module_unload_init(), and module_refcount() summing every CPU's
 * decrements before their increments (5fbfb18d7a5b), and __module_get()
 * and try_module_get(), which read the same in both.  The including header
 * defines struct module_ref { incs, decs } (unsigned int in 2.6.34,
 * unsigned long in 3.18) and then includes this file; it defines the
 * module_put() of its own kernel (2.6.34's wakes a waiting delete, 3.18's
 * has no waiting mode).
 */
#ifndef REFBENCH_MODULE_REF_INCDEC_H
#define REFBENCH_MODULE_REF_INCDEC_H

#include "compat.h"
#include "this_cpu.h"

struct module_ref_storage {
	struct module_ref *refptr;      /* __percpu: an offset into each unit */
	void *area;                     /* what alloc_percpu() returned (may be at offset 0) */
};

#include "module.h"

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
	__typeof__(((struct module_ref *)0)->incs) incs = 0, decs = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		REFCOUNT_WALK_STEP(cpu);
		decs += READ_ONCE(per_cpu_zb(mod->ref.refptr, cpu)->decs);
	}
	/* The incs are added up after the decs; module_put() makes every
	 * inc visible before its dec with smp_wmb(). */
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
	/* Backwards compatibility macros put refcount during init. */
	mod->waiter = get_current();
}

/*
 * __this_cpu_inc() of a count, whatever struct module_ref made its type, as
 * the kernel's type-generic __this_cpu_inc() is: one incl or incq %gs:(reg).
 */
#define __this_cpu_inc_count(p) \
	_Generic((p), unsigned int *: __this_cpu_inc_uint, \
		 unsigned long *: __this_cpu_inc_ulong)(p)

/*
 * 2.6.34's trace_module_get()/trace_module_put(): the trace point's state
 * loaded and tested in every get and put (module_core.h), when the
 * including header sets MODULE_TRACEPOINT_STATE; 3.18's were jump labels,
 * a 5-byte nop, and are left out.
 */
#if defined(MODULE_TRACEPOINT_STATE) && !defined(__KERNEL__)
#define model_trace_module_get(mod) trace_module_event(&tracepoint_module_get, (mod))
#define model_trace_module_put(mod) trace_module_event(&tracepoint_module_put, (mod))
#else
#define model_trace_module_get(mod) do { } while (0)
#define model_trace_module_put(mod) do { } while (0)
#endif

static inline void __module_get(struct module *module)
{
	if (module) {
		get_cpu();                  /* preempt_disable() */
		__this_cpu_inc_count(pcpu_field(module->ref.refptr, incs));
		model_trace_module_get(module);
		put_cpu();
	}
}

static inline bool try_module_get(struct module *module)
{
	bool ret = true;

	if (module) {
		get_cpu();
		if (likely(module_is_live(module))) {
			__this_cpu_inc_count(pcpu_field(module->ref.refptr, incs));
			model_trace_module_get(module);
		} else
			ret = false;
		put_cpu();
	}
	return ret;
}

#endif
