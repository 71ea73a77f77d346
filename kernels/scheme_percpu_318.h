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
 * the trace points are not modelled (jump labels since 2.6.37: a 5-byte nop
 * in each get and put while no probe is registered).
 */
#define SCHEME_NAME "percpu-3.18"
#define SCHEME_LABEL "per-CPU incs/decs, stop_machine unload (3.18)"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 3.18 kernel/module.c: struct module_ref { unsigned long incs, decs } " \
	"__percpu, out-of-line get/put, stop_machine try_stop_module(), no waiting mode"
#define SCHEME_UNLOAD_ERA 2013
#define SCHEME_REF_STORAGE REF_STORAGE_PERCPU
#define SCHEME_OUT_OF_LINE (OOL___MODULE_GET | OOL_TRY_MODULE_GET | OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MIGRATION_SAFE 1
#define SCHEME_NEEDS_THIS_CPU 1

#include "compat.h"
#include "this_cpu.h"

struct module_ref {
	unsigned long incs;
	unsigned long decs;
} __attribute__((aligned(2 * sizeof(unsigned long))));

/* __module_get() and try_module_get(), the same in 2.6.34 and 3.18 */
#include "module_ref_incdec.h"

static inline void module_put(struct module *module)
{
	if (module) {
		get_cpu();
		smp_wmb(); /* see comment in module_refcount */
		__this_cpu_inc_ulong(pcpu_field(module->ref.refptr, decs));
		put_cpu();
	}
}
