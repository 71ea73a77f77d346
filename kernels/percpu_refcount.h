/*
 * percpu_refcount.h - the kernel's percpu_ref, per-CPU until it must die
 * (include/linux/percpu-refcount.h, lib/percpu-refcount.c: Kent Overstreet,
 * 215e262f2aeb "percpu: implement generic percpu refcounting", Linux 3.11;
 * modelled as it stood in 3.18, with Tejun Heo's atomic/per-CPU mode
 * switching and percpu_ref_kill_and_confirm()).
 *
 * A percpu_ref is one unsigned long per CPU plus one atomic_long_t count.
 * The low bits of percpu_count_ptr say which one counts:
 *   per-CPU mode  get/put are this_cpu_inc/dec of the CPU's own word (one
 *                 incq/decq %gs:(reg) on x86-64); nothing can see zero, and
 *                 count holds PERCPU_COUNT_BIAS + the initial reference
 *   atomic mode   (__PERCPU_REF_ATOMIC) get/put are atomic_long operations on
 *                 count; the put that reaches zero calls release()
 *   dead          (__PERCPU_REF_DEAD, set by kill) percpu_ref_tryget_live()
 *                 fails
 * Switching to atomic mode sets the flag, then waits for an RCU-sched grace
 * period (call_rcu_sched), after which no CPU can still be inside a per-CPU
 * get or put: only then are the per-CPU words summed into count, and the
 * bias taken away.  The sum is exact because nothing moves the words any
 * more; a reference taken on one CPU and dropped on another cannot make it
 * read low, which a live sum of per-CPU words can (the 2009 module race).
 *
 * Model: rcu_read_lock_sched() is get_cpu()/put_cpu() (a QSBR read-side
 * section, compat.h) around the per-CPU path, and call_rcu_sched() is
 * liburcu's urcu-qsbr call_rcu(), whose grace period is the one
 * synchronize_sched() waits for (the get/put paths are QSBR readers, so the
 * QSBR flavour is the one that matches); its callbacks run on liburcu's
 * call_rcu thread, which is not a lab CPU.  Pointers are zero-based
 * (this_cpu.h).  percpu_ref_switch_to_atomic_sync() is 4.19's, here so that
 * a caller can wait for a switch; it waits for the grace period itself
 * (synchronize_sched()) and does the callback's work in the caller, since
 * liburcu's call_rcu thread batches callbacks for ~10 ms; the switch lock and wait queue of later
 * kernels are a mutex held across the switch and the caller's own wake-up (which finds the
 * caller running and, as try_to_wake_up() then, costs no system call: sched.c).
 * So the model's read and kill time liburcu's grace period and call_rcu thread; the
 * kernel's own (percpu_ref_kill_and_confirm() to its confirmation and release,
 * synchronize_rcu(), synchronize_rcu_expedited()) are timed by make kbench's grace
 * scenario (kernels/kmod/kernel_refs.c, docs/kbench.md).
 * Departure: the confirmation callback drops the switch's reference before
 * it clears confirm_switch (3.18 drops it after), so that callback never
 * meets per-CPU mode again: its thread has no per-CPU area.
 */
#ifndef REFBENCH_PERCPU_REFCOUNT_H
#define REFBENCH_PERCPU_REFCOUNT_H

#include "compat.h"
#include "this_cpu.h"

#include <limits.h>

#define PERCPU_COUNT_BIAS (1UL << (sizeof(long) * CHAR_BIT - 1))

/* flags set in the lower bits of percpu_ref->percpu_count_ptr */
enum {
	__PERCPU_REF_ATOMIC = 1UL << 0,         /* operating in atomic mode */
	__PERCPU_REF_DEAD = 1UL << 1,           /* (being) killed */
	__PERCPU_REF_ATOMIC_DEAD = __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD,
	__PERCPU_REF_FLAG_BITS = 2,
};

struct percpu_ref;
typedef void (percpu_ref_func_t)(struct percpu_ref *);

struct percpu_ref {
	long count;                         /* atomic_long_t */
	/* zero-based __percpu pointer to the per-CPU words, | the flags */
	unsigned long percpu_count_ptr;
	percpu_ref_func_t *release;
	percpu_ref_func_t *confirm_switch;  /* non-NULL while a switch is under way */
	int force_atomic;
	/* The lab's: what the per-CPU allocator returned, and who waits
	 * for the switch under way (woken by its confirmation). */
	void *area;
	struct task_struct *switch_waiter;
	/* liburcu's struct rcu_head (size checked in percpu_refcount.c) */
	struct { void *opaque[2]; } rcu;
};

/* 0, or -ENOMEM; flags 0 only (per-CPU mode, one reference). */
int percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release);
/* Free the per-CPU words (after the switch under way, if any, is confirmed). */
void percpu_ref_exit(struct percpu_ref *ref);
void percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch);
/* Switch to atomic mode and wait until every CPU counts there (4.19). */
void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref);
void percpu_ref_switch_to_percpu(struct percpu_ref *ref);
/* Mark dead, switch to atomic, drop the initial reference. */
void percpu_ref_kill_and_confirm(struct percpu_ref *ref, percpu_ref_func_t *confirm_kill);
/* Wait until the switch under way (if any) is confirmed. */
void percpu_ref_wait_switch(struct percpu_ref *ref);
/* The lab's: whoever calls kill or a switch holds it (percpu_ref_switch_lock). */
extern struct kmutex percpu_ref_switch_lock;

/*
 * __ref_is_percpu() - per-CPU mode: the zero-based pointer to this ref's
 * words in *@percpu_countp.  DEAD implies ATOMIC; both are tested together.
 */
static inline bool __ref_is_percpu(struct percpu_ref *ref, unsigned long **percpu_countp)
{
	/* Acquire: pairs with the switch back to per-CPU mode (a plain load on x86). */
	unsigned long percpu_ptr = __atomic_load_n(&ref->percpu_count_ptr, __ATOMIC_ACQUIRE);

	if (unlikely(percpu_ptr & __PERCPU_REF_ATOMIC_DEAD))
		return false;
	*percpu_countp = (unsigned long *)percpu_ptr;
	return true;
}

/* The release of a put that reached zero: after the switch, any thread. */
static inline void percpu_ref_put_atomic(struct percpu_ref *ref)
{
	if (unlikely(__atomic_sub_fetch(&ref->count, 1, __ATOMIC_SEQ_CST) == 0))
		ref->release(ref);
}

static inline void percpu_ref_get(struct percpu_ref *ref)
{
	unsigned long *percpu_count;

	if (__ref_is_percpu(ref, &percpu_count)) {
		get_cpu();                      /* rcu_read_lock_sched() */
		this_cpu_inc_ulong(percpu_count);
		put_cpu();
	} else {
		__atomic_fetch_add(&ref->count, 1, __ATOMIC_SEQ_CST);
	}
}

/* Take a reference unless the ref was killed; true if taken. */
static inline bool percpu_ref_tryget_live(struct percpu_ref *ref)
{
	unsigned long *percpu_count;
	bool ret = false;

	if (__ref_is_percpu(ref, &percpu_count)) {
		get_cpu();
		this_cpu_inc_ulong(percpu_count);
		put_cpu();
		ret = true;
	} else if (!(READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD)) {
		/* atomic_long_inc_not_zero() */
		long c = __atomic_load_n(&ref->count, __ATOMIC_RELAXED);

		do {
			if (c == 0)
				return false;
		} while (!__atomic_compare_exchange_n(&ref->count, &c, c + 1, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
		ret = true;
	}
	return ret;
}

static inline void percpu_ref_put(struct percpu_ref *ref)
{
	unsigned long *percpu_count;

	if (__ref_is_percpu(ref, &percpu_count)) {
		get_cpu();
		this_cpu_dec_ulong(percpu_count);
		put_cpu();
	} else {
		percpu_ref_put_atomic(ref);
	}
}

/* Dead and at zero: released. */
static inline bool percpu_ref_is_zero(struct percpu_ref *ref)
{
	unsigned long *percpu_count;

	if (__ref_is_percpu(ref, &percpu_count))
		return false;
	return __atomic_load_n(&ref->count, __ATOMIC_SEQ_CST) == 0;
}

#endif
