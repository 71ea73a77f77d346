/*
 * percpu-ref: module references on the kernel's percpu_ref (Kent Overstreet,
 * 215e262f2aeb, Linux 3.11; as of 3.18, percpu_refcount.h/.c): per-CPU
 * until the module must die, then one atomic count after an RCU grace
 * period, with no stop_machine().
 *
 * Modules never counted on percpu_ref (3.19 went to one atomic_t); this is
 * the lab's mapping, the one the API suggests:
 *   load_module()     percpu_ref_init(): per-CPU mode, count = PERCPU_COUNT_BIAS
 *                     + 1, the one reference being the module's own (the
 *                     3.19 MODULE_REF_BASE idea); module_unload_init() adds
 *                     the reference held for init on the loading CPU
 *   try_module_get()  percpu_ref_tryget_live(): one incq %gs:(reg) in per-CPU
 *                     mode, fails once the ref is dead (it is the liveness
 *                     test: no separate module_is_live() load)
 *   __module_get()    percpu_ref_get();  module_put()  percpu_ref_put()
 *   module_refcount() per-CPU mode has no count to read: switch to atomic
 *                     mode and wait for it (percpu_ref_switch_to_atomic_sync,
 *                     4.19), read count less the module's own reference,
 *                     switch back (percpu_ref_switch_to_percpu): a grace
 *                     period per read, and exact.  The grace period is
 *                     liburcu's QSBR one here, a few hundred ns with idle
 *                     readers; the kernel's synchronize_rcu() takes
 *                     milliseconds (make kbench, grace scenario).  Once killed, count is
 *                     read directly (garbage only inside kill's own grace
 *                     period, which only the deleting thread waits through)
 *   delete_module()   waiting mode: percpu_ref_kill_and_confirm(); the
 *                     confirmation (after the grace period, every CPU sees
 *                     the ref dead) marks the module GOING; the delete then
 *                     sleeps until release() - the put that reaches zero -
 *                     wakes it, 2.6.29's waiting mode in percpu_ref terms.
 *                     O_NONBLOCK: switch to atomic mode synchronously and
 *                     move count from 1 (the module's own) to 0 with one
 *                     cmpxchg; if others hold references, switch back and
 *                     fail with -EWOULDBLOCK, the module untouched
 *   free_module()     unlink, synchronize_sched(), percpu_ref_exit(); every
 *                     switch was waited for, so no callback still holds it
 *
 * Each module takes nr_cpu_ids * 8 bytes of per-CPU memory, each CPU's in
 * its own unit, and the atomic_long_t count in struct module.
 *
 * The three operations are functions of kernel/module.c, as in 3.19 (and
 * module_put() in every kernel the lab models), around percpu_ref's inline
 * operations.  Departures: see percpu_refcount.h.
 */
#define SCHEME_NAME "percpu-ref"
#define SCHEME_LABEL "percpu_ref (3.18), kill through RCU"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 3.18 lib/percpu-refcount.c (215e262f2aeb and later): PERCPU_COUNT_BIAS, " \
	"percpu_ref_tryget_live, percpu_ref_kill_and_confirm, switch to atomic via call_rcu; " \
	"module use is the lab's mapping"
#define SCHEME_UNLOAD_ERA 2018
/*
 * The delete reads the count only once kill's grace period is over (about
 * 10 ms with the lab's call_rcu here, liburcu's call_rcu thread batching;
 * the kernel's own kill is timed by make kbench's grace scenario): a getter
 * must hold its reference longer than that for a delete to wait and be
 * woken by the releasing put.
 */
#define SCHEME_UNLOAD_HOLD_US 30000
#define SCHEME_REF_STORAGE REF_STORAGE_PERCPU_ATOMIC
#define SCHEME_OUT_OF_LINE (OOL___MODULE_GET | OOL_TRY_MODULE_GET | OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
/* module_refcount() sums only after a grace period: no word moves then. */
#define SCHEME_MIGRATION_SAFE 1
#define SCHEME_NEEDS_THIS_CPU 1
/* In the kernel the model's names are the kernel's own percpu_ref, which kbench times. */
#define SCHEME_KERNEL_MODE_ABSENT "in kernel mode the model's percpu_ref names are the kernel's own lib/percpu-refcount.c, timed as kernel-percpu-ref"

#include "compat.h"
#include "this_cpu.h"
#include "percpu_refcount.h"

struct module_ref_storage {
	struct percpu_ref pcref;
};

#include "module.h"

static inline struct module *pcref_module(struct percpu_ref *ref)
{
	return (struct module *)((char *)ref - offsetof(struct module, ref.pcref));
}

/* The put that reached zero: wake the delete waiting for it. */
static void module_ref_release(struct percpu_ref *ref)
{
	wake_up_process(module_waiter(pcref_module(ref)));
}

/* Every CPU now sees the ref dead: no try_module_get() can succeed. */
static void module_ref_confirm_kill(struct percpu_ref *ref)
{
	module_set_going(pcref_module(ref));
}

static inline size_t module_ref_embedded_bytes(void) { return 0; }

static inline int module_ref_alloc(struct module *mod)
{
	/* Without a %gs base every CPU would count in CPU 0's word. */
	if (this_cpu_unavailable())
		return -ENODEV;
	return percpu_ref_init(&mod->ref.pcref, module_ref_release);
}

static inline void module_ref_free(struct module *mod)
{
	percpu_ref_exit(&mod->ref.pcref);
}

static inline size_t module_ref_bytes(struct module *mod)
{
	return mod->ref.pcref.area ? nr_cpu_ids * sizeof(unsigned long) + sizeof(long) : 0;
}

static inline unsigned long *module_ref_words(struct module *mod)
{
	return (unsigned long *)(READ_ONCE(mod->ref.pcref.percpu_count_ptr) &
				 ~(unsigned long)__PERCPU_REF_ATOMIC_DEAD);
}

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	return per_cpu_zb(module_ref_words(mod), cpu);
}

static inline size_t module_ref_cpu_bytes(void)
{
	return sizeof(unsigned long);
}

static inline unsigned int module_refcount(struct module *mod)
{
	struct percpu_ref *ref = &mod->ref.pcref;
	long count;

	/* Killed: the module's own reference is gone, count is the holders. */
	if (READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD)
		return (unsigned int)__atomic_load_n(&ref->count, __ATOMIC_SEQ_CST);
	kmutex_lock(&percpu_ref_switch_lock);
	if (READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD) {
		count = __atomic_load_n(&ref->count, __ATOMIC_SEQ_CST);
	} else {
		percpu_ref_switch_to_atomic_sync(ref);
		count = __atomic_load_n(&ref->count, __ATOMIC_SEQ_CST) - 1;
		percpu_ref_switch_to_percpu(ref);
	}
	kmutex_unlock(&percpu_ref_switch_lock);
	return (unsigned int)count;
}

static inline void module_unload_init(struct module *mod)
{
	unsigned long *words = module_ref_words(mod);
	int cpu;

	for_each_possible_cpu(cpu)
		WRITE_ONCE(*per_cpu_zb(words, cpu), 0UL);
	/* Hold reference count during initialization. */
	WRITE_ONCE(*per_cpu_zb(words, raw_smp_processor_id()), 1UL);
	mod->waiter = get_current();
}

static inline void __module_get(struct module *module)
{
	if (module)
		percpu_ref_get(&module->ref.pcref);
}

static inline bool try_module_get(struct module *module)
{
	return module ? percpu_ref_tryget_live(&module->ref.pcref) : true;
}

static inline void module_put(struct module *module)
{
	if (module)
		percpu_ref_put(&module->ref.pcref);
}

static inline int try_stop_module(struct module *mod, int flags, int *forced)
{
	struct percpu_ref *ref = &mod->ref.pcref;
	int ret = 0;

	*forced = 0;
	kmutex_lock(&percpu_ref_switch_lock);
	if (flags & O_NONBLOCK) {
		long only_ours = 1;

		percpu_ref_switch_to_atomic_sync(ref);
		/* Exact now; from 0 no percpu_ref_tryget_live() can succeed. */
		if (__atomic_compare_exchange_n(&ref->count, &only_ours, 0L, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			__atomic_fetch_or(&ref->percpu_count_ptr, (unsigned long)__PERCPU_REF_DEAD,
					  __ATOMIC_SEQ_CST);
			module_set_going(mod);
		} else {
			percpu_ref_switch_to_percpu(ref);
			ret = -EWOULDBLOCK;
		}
	} else {
		percpu_ref_kill_and_confirm(ref, module_ref_confirm_kill);
		/* The confirmation marked it GOING. */
		percpu_ref_wait_switch(ref);
	}
	kmutex_unlock(&percpu_ref_switch_lock);
	return ret;
}
