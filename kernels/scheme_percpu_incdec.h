/*
 * percpu-incdec: per-CPU increments and decrements, counted with this_cpu
 * operations, as module refcounting stood from 2.6.34 to 3.18.
 *
 * Models Linux 2.6.34, include/linux/module.h and kernel/module.c, after
 * "module: Use this_cpu_xx to dynamically allocate counters" (Christoph
 * Lameter, e1783a240f49) and "Fix up possibly racy module refcounting"
 * (Nick Piggin, 5fbfb18d7a5b):
 *
 *   struct module { ... struct module_ref { unsigned int incs, decs; }
 *                   __percpu *refptr; };
 *   load_module():  mod->refptr = alloc_percpu(struct module_ref), after the
 *                   module is moved; free_percpu() in free_module()
 *   module_unload_init()  every CPU's incs and decs to 0, then
 *                   __this_cpu_write(mod->refptr->incs, 1) (held for init)
 *   __module_get()  preempt_disable(); __this_cpu_inc(refptr->incs); ...
 *   try_module_get() the same if module_is_live(), else 0 (inline)
 *   module_put()    preempt_disable(); smp_wmb(); __this_cpu_inc(refptr->decs);
 *                   wake the waiter if not live; preempt_enable()
 *                   (a function in kernel/module.c)
 *   module_refcount() the sum of every possible CPU's decs, smp_rmb(), then
 *                   the sum of their incs; incs - decs
 *
 * Why two counts: a reference taken on CPU A and dropped on CPU B while a
 * reader sums CPU by CPU made the single local_t of 2.6.29 read low (A read
 * before the get, B after the put: 0 while a reference is held).  Summing
 * every decrement first, and only then the increments, can over-count but
 * never under-count: each decrement the reader saw has its increment made
 * visible before it (module_put's smp_wmb()), and the reader reads the
 * increments after the decrements (smp_rmb()).  SCHEME_MIGRATION_SAFE says
 * so, and refbench-race checks it step by step.
 *
 * Each module takes nr_cpu_ids * 8 bytes, each CPU's in its own per-CPU
 * unit; module_refcount() walks possible CPUs twice.  Unload is 2.6.29's:
 * stop_machine() for O_NONBLOCK, mark GOING and wait otherwise.
 *
 * Departures: preempt_disable()/enable() are get_cpu()/put_cpu() (QSBR
 * read-side, free); the this_cpu operations are %gs-relative as in the
 * kernel (this_cpu.h: the GS base set per pinned thread with arch_prctl);
 * alloc_percpu() is the lab's 2.6.29-style allocator (2.6.34 had the
 * dynamic one: same offsets in every unit, which is what matters here);
 * trace_module_get()/trace_module_put() are modelled as 2.6.34 built them
 * before jump labels, a load of the trace point's state and a branch in
 * every get and put (module_core.h), with no probe registered; the probe
 * gets no arguments but the module.
 */
#define SCHEME_NAME "percpu-incdec"
#define SCHEME_LABEL "per-CPU incs/decs, this_cpu (2.6.34)"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 2.6.34 (e1783a240f49, 5fbfb18d7a5b) kernel/module.c: " \
	"struct module_ref { incs, decs } __percpu *refptr, __this_cpu_inc, decs summed first"
#define SCHEME_UNLOAD_ERA 2009
#define SCHEME_REF_STORAGE REF_STORAGE_PERCPU
#define SCHEME_OUT_OF_LINE (OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MIGRATION_SAFE 1
#define SCHEME_NEEDS_THIS_CPU 1
#define MODULE_TRACEPOINT_STATE 1     /* 2.6.34: no jump labels yet */

#include "compat.h"
#include "this_cpu.h"

struct module_ref {
	unsigned int incs;
	unsigned int decs;
};

/* __module_get() and try_module_get(), the same in 2.6.34 and 3.18 */
#include "module_ref_incdec.h"

static inline void module_put(struct module *module)
{
	if (module) {
		get_cpu();
		smp_wmb(); /* see comment in module_refcount */
		__this_cpu_inc_uint(pcpu_field(module->ref.refptr, decs));
		model_trace_module_put(module);
		/* Maybe they're waiting for us to drop reference? */
		if (unlikely(!module_is_live(module)))
			wake_up_process(module_waiter(module));
		put_cpu();
	}
}
