/*
 * percpu_refcount.c - percpu_ref's slow paths (lib/percpu-refcount.c as of
 * Linux 3.18; the model and its departures are described in
 * percpu_refcount.h): init and exit, the switch to atomic mode through an
 * RCU grace period (call_rcu of liburcu's QSBR flavour), the switch back,
 * and kill.  A callback's last access to its ref is the store that clears
 * confirm_switch; whoever waits for that may free the ref (no rcu_barrier()
 * is needed, and liburcu's is invisible to ThreadSanitizer).
 */
#define _GNU_SOURCE
#include "percpu_refcount.h"
#include "percpu_alloc.h"

#include <errno.h>
#include <stdio.h>
#include <urcu/urcu-qsbr.h>

_Static_assert(sizeof(((struct percpu_ref *)0)->rcu) >= sizeof(struct rcu_head),
	       "struct percpu_ref has no room for liburcu's struct rcu_head");

struct kmutex percpu_ref_switch_lock = KMUTEX_INIT;

static struct rcu_head *ref_rcu(struct percpu_ref *ref)
{
	return (struct rcu_head *)(void *)&ref->rcu;
}

static struct percpu_ref *rcu_ref(struct rcu_head *rcu)
{
	return (struct percpu_ref *)((char *)rcu - offsetof(struct percpu_ref, rcu));
}

static unsigned long *percpu_count_ptr(struct percpu_ref *ref)
{
	return (unsigned long *)(READ_ONCE(ref->percpu_count_ptr) &
				 ~(unsigned long)__PERCPU_REF_ATOMIC_DEAD);
}

int percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release)
{
	size_t align = 1UL << __PERCPU_REF_FLAG_BITS;
	unsigned long *percpu_count;
	void *p;
	int cpu;

	if (align < __alignof__(unsigned long))
		align = __alignof__(unsigned long);
	p = percpu_modalloc(sizeof(unsigned long), align, "percpu_ref");
	if (!p)
		return -ENOMEM;
	/* __alloc_percpu() hands out zeroed memory. */
	percpu_count = percpu_zb_of(p);
	for_each_possible_cpu(cpu)
		WRITE_ONCE(*per_cpu_zb(percpu_count, cpu), 0UL);
	ref->area = p;
	ref->force_atomic = 0;
	ref->release = release;
	ref->switch_waiter = NULL;
	__atomic_store_n(&ref->confirm_switch, NULL, __ATOMIC_RELAXED);
	/* Per-CPU mode with one reference: the bias keeps count off zero. */
	__atomic_store_n(&ref->count, (long)(PERCPU_COUNT_BIAS + 1), __ATOMIC_RELAXED);
	__atomic_store_n(&ref->percpu_count_ptr, (unsigned long)percpu_count, __ATOMIC_RELEASE);
	return 0;
}

void percpu_ref_exit(struct percpu_ref *ref)
{
	/*
	 * Non-NULL confirm_switch: a switch is under way and its callback
	 * will still touch @ref (4.x warns here).  Every caller in the lab
	 * waits for its switch, so this only waits after a misuse.  Once it is
	 * NULL the callback has made its last access: clearing it is that.
	 */
	if (__atomic_load_n(&ref->confirm_switch, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "refbench: percpu_ref_exit() during a switch\n");
		percpu_ref_wait_switch(ref);
	}
	if (ref->area)
		percpu_modfree(ref->area);
	ref->area = NULL;
	__atomic_store_n(&ref->percpu_count_ptr, (unsigned long)__PERCPU_REF_ATOMIC_DEAD,
			 __ATOMIC_RELAXED);
}

static void percpu_ref_call_confirm_rcu(struct rcu_head *rcu)
{
	struct percpu_ref *ref = rcu_ref(rcu);
	struct task_struct *waiter = __atomic_load_n(&ref->switch_waiter, __ATOMIC_ACQUIRE);
	percpu_ref_func_t *confirm = __atomic_load_n(&ref->confirm_switch, __ATOMIC_ACQUIRE);

	confirm(ref);
	/* Drop the reference from percpu_ref_switch_to_atomic() while the
	 * ref is sure to be atomic: the switch back waits for the clear. */
	percpu_ref_put_atomic(ref);
	__atomic_store_n(&ref->confirm_switch, NULL, __ATOMIC_RELEASE);
	if (waiter)
		wake_up_process(waiter);
}

static void percpu_ref_switch_to_atomic_rcu(struct rcu_head *rcu)
{
	struct percpu_ref *ref = rcu_ref(rcu);
	unsigned long *percpu_count;
	unsigned long count = 0;
	int cpu;

	/* Pairs with queue_callback()'s release: liburcu's queue is not
	 * instrumented, so ThreadSanitizer needs the edge spelt out. */
	(void)__atomic_load_n(&ref->switch_waiter, __ATOMIC_ACQUIRE);
	percpu_count = percpu_count_ptr(ref);

	/*
	 * Every CPU has passed a quiescent state since ATOMIC was set: no
	 * per-CPU get or put is under way or can start, so the words no
	 * longer move, and their sum is exact, whichever CPU took or dropped
	 * each reference.
	 */
	for_each_possible_cpu(cpu) {
		/* The deterministic race's step (compat.h); not on any get or put path. */
		if (refbench_walk_hook)
			refbench_walk_hook(cpu);
		count += READ_ONCE(*per_cpu_zb(percpu_count, cpu));
	}
	/* The sum first, then the bias away, in one addition. */
	__atomic_fetch_add(&ref->count, (long)(count - PERCPU_COUNT_BIAS), __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ref->count, __ATOMIC_SEQ_CST) <= 0)
		fprintf(stderr, "refbench: percpu ref <= 0 (%ld) after switching to atomic\n",
			__atomic_load_n(&ref->count, __ATOMIC_SEQ_CST));
	/* @ref is viewed as dead on all CPUs, send out switch confirmation */
	percpu_ref_call_confirm_rcu(rcu);
}

static void percpu_ref_noop_confirm_switch(struct percpu_ref *ref)
{
	(void)ref;
}

static void queue_callback(struct percpu_ref *ref, void (*fn)(struct rcu_head *))
{
	__atomic_store_n(&ref->switch_waiter, get_current(), __ATOMIC_RELEASE);
	urcu_qsbr_call_rcu(ref_rcu(ref), fn);   /* call_rcu_sched() */
}

static void __percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch)
{
	if (!(READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_ATOMIC)) {
		/* switching from percpu to atomic */
		__atomic_fetch_or(&ref->percpu_count_ptr, (unsigned long)__PERCPU_REF_ATOMIC,
				  __ATOMIC_SEQ_CST);
		/* Non-NULL ->confirm_switch: a switch is under way. */
		__atomic_store_n(&ref->confirm_switch,
				 confirm_switch ? confirm_switch : percpu_ref_noop_confirm_switch,
				 __ATOMIC_RELEASE);
		percpu_ref_get(ref);            /* put after confirmation */
		queue_callback(ref, percpu_ref_switch_to_atomic_rcu);
	} else if (confirm_switch) {
		/* Already atomic; the confirmation still comes a grace period on. */
		percpu_ref_wait_switch(ref);
		__atomic_store_n(&ref->confirm_switch, confirm_switch, __ATOMIC_RELEASE);
		percpu_ref_get(ref);
		queue_callback(ref, percpu_ref_call_confirm_rcu);
	}
}

void percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch)
{
	ref->force_atomic = 1;
	__percpu_ref_switch_to_atomic(ref, confirm_switch);
}

void percpu_ref_wait_switch(struct percpu_ref *ref)
{
	struct task_struct *me = get_current();

	for (;;) {
		task_prepare_to_sleep(me);
		if (!__atomic_load_n(&ref->confirm_switch, __ATOMIC_ACQUIRE))
			break;
		task_schedule(me);              /* idle: the grace period can end */
	}
	task_set_running(me);
}

/*
 * 4.19 queues the switch with call_rcu_sched() and sleeps until it is
 * confirmed.  A caller that sleeps anyway waits here for the same grace
 * period itself (synchronize_sched()) and then runs the callback's work:
 * the same order of events without the ~10 ms that liburcu's call_rcu
 * thread takes to batch a callback, which would otherwise be paid by every
 * module_refcount() the harness makes.  Kill still goes through call_rcu.
 */
void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref)
{
	ref->force_atomic = 1;
	if (READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_ATOMIC) {
		percpu_ref_wait_switch(ref);
		return;
	}
	__atomic_fetch_or(&ref->percpu_count_ptr, (unsigned long)__PERCPU_REF_ATOMIC,
			  __ATOMIC_SEQ_CST);
	__atomic_store_n(&ref->confirm_switch, percpu_ref_noop_confirm_switch, __ATOMIC_RELEASE);
	percpu_ref_get(ref);                    /* put after confirmation */
	__atomic_store_n(&ref->switch_waiter, get_current(), __ATOMIC_RELEASE);
	synchronize_sched();
	percpu_ref_switch_to_atomic_rcu((struct rcu_head *)(void *)&ref->rcu);
	percpu_ref_wait_switch(ref);
}

static void __percpu_ref_switch_to_percpu(struct percpu_ref *ref)
{
	unsigned long *percpu_count = percpu_count_ptr(ref);
	int cpu;

	if (!(READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_ATOMIC))
		return;
	percpu_ref_wait_switch(ref);
	__atomic_fetch_add(&ref->count, (long)PERCPU_COUNT_BIAS, __ATOMIC_SEQ_CST);
	/*
	 * Restore per-cpu operation.  The release store pairs with the
	 * acquire load in __ref_is_percpu(): a get that sees per-CPU mode
	 * sees the zeroed words.
	 */
	for_each_possible_cpu(cpu)
		WRITE_ONCE(*per_cpu_zb(percpu_count, cpu), 0UL);
	__atomic_store_n(&ref->percpu_count_ptr,
			 READ_ONCE(ref->percpu_count_ptr) & ~(unsigned long)__PERCPU_REF_ATOMIC,
			 __ATOMIC_RELEASE);
}

void percpu_ref_switch_to_percpu(struct percpu_ref *ref)
{
	ref->force_atomic = 0;
	/* a dying or dead ref can't be switched to percpu mode w/o reinit */
	if (!(READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD))
		__percpu_ref_switch_to_percpu(ref);
}

void percpu_ref_kill_and_confirm(struct percpu_ref *ref, percpu_ref_func_t *confirm_kill)
{
	if (READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD)
		fprintf(stderr, "refbench: percpu_ref_kill_and_confirm called more than once\n");
	__atomic_fetch_or(&ref->percpu_count_ptr, (unsigned long)__PERCPU_REF_DEAD,
			  __ATOMIC_SEQ_CST);
	__percpu_ref_switch_to_atomic(ref, confirm_kill);
	percpu_ref_put(ref);
}
