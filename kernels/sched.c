/*
 * sched.c - what the refcount paths need of the scheduler: current,
 * sleeping until woken (set_current_state() + schedule(), wake_up_process())
 * and module_mutex, on futexes (kernel/sched.c, kernel/mutex.c, 2.6.29).
 *
 * A registered thread that sleeps goes idle first (cpu_idle_enter()), as a
 * kernel CPU that schedules away from a task holds no per-CPU state and no
 * grace period back, and comes back online before it returns.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "compat.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- tasks -------------------------------------------------------------- */

/*
 * A task's state word, as the kernel's p->__state and try_to_wake_up()
 * use it (kernel/sched/core.c): the waiter publishes that it sleeps before
 * it looks at its condition, the waker publishes the condition before it
 * looks at the state, and a waker that finds the task not sleeping does
 * nothing more.  In the kernel that is a few loads and a failed state
 * check after a full barrier; here it is one locked read-modify-write of
 * the word and no system call.  Only a task that sleeps costs a futex
 * wake.
 *
 *   TASK_SLEEPING  set by task_prepare_to_sleep() (set_current_state());
 *                  cleared by the waiter when it runs again
 *                  (task_schedule()'s return, task_set_running())
 *   TASK_WOKEN     set by every wake_up_process(); task_schedule() returns
 *                  once it is set, the next task_prepare_to_sleep() clears it
 *
 * The memory ordering.  The kernel pairs two full barriers: the waiter's
 * smp_store_mb() in set_current_state() between its store of the state and
 * its load of the condition, and the waker's smp_mb__after_spinlock() in
 * try_to_wake_up() between its store of the condition and its load of the
 * state.  At least one of them then sees the other's store: either the
 * waiter sees the condition and does not sleep, or the waker sees the
 * state and wakes it.  Here every write of the word is an acq_rel
 * read-modify-write (none is a plain store), so all of them form one
 * chain in the word's modification order, and an acquire RMW synchronises
 * with every release RMW before it in that order.  A waker's RMW W comes
 * after its store of the condition; the waiter's RMW P (setting
 * TASK_SLEEPING) comes before its load of the condition.  If W is before P
 * in the word's order, P synchronises with W and the waiter's load sees the
 * condition: it does not sleep.  If W is after P, W reads TASK_SLEEPING (the
 * waiter clears it only once it runs again, after seeing TASK_WOKEN or the
 * condition) and makes the futex wake; FUTEX_WAIT compares the word under
 * the futex's lock, so a wake that comes before the waiter is queued finds
 * the word changed and the wait returns at once.  No wake-up is lost.
 */
#define TASK_SLEEPING 1
#define TASK_WOKEN    2

static __thread struct task_struct current_task;

struct task_struct *get_current(void)
{
	return &current_task;
}

static long sys_futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

void wake_up_process(struct task_struct *t)
{
	int old = __atomic_fetch_or(&t->state, TASK_WOKEN, __ATOMIC_ACQ_REL);

	/* try_to_wake_up(): not sleeping (or already woken), nothing to do. */
	if ((old & (TASK_SLEEPING | TASK_WOKEN)) == TASK_SLEEPING)
		sys_futex(&t->state, FUTEX_WAKE_PRIVATE, 1);
}

bool task_prepare_to_sleep(struct task_struct *t)
{
	return __atomic_exchange_n(&t->state, TASK_SLEEPING, __ATOMIC_ACQ_REL) & TASK_WOKEN;
}

void task_set_running(struct task_struct *t)
{
	__atomic_fetch_and(&t->state, ~TASK_SLEEPING, __ATOMIC_ACQ_REL);
}

void task_schedule(struct task_struct *t)
{
	int v;

	cpu_idle_enter();
	/* Not prepared, or woken already: return, as schedule() does then. */
	while (((v = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE)) &
		(TASK_SLEEPING | TASK_WOKEN)) == TASK_SLEEPING)
		sys_futex(&t->state, FUTEX_WAIT_PRIVATE, v);
	task_set_running(t);
	cpu_idle_exit();
}

/* ---- kmutex: a futex mutex that idles a registered thread while blocked - */

void kmutex_lock(struct kmutex *m)
{
	int c = 0;

	if (__atomic_compare_exchange_n(&m->word, &c, 1, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	cpu_idle_enter();
	/* 0 free, 1 locked, 2 locked with waiters (Drepper, "Futexes Are Tricky"). */
	if (c != 2)
		c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		sys_futex(&m->word, FUTEX_WAIT_PRIVATE, 2);
		c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
	}
	cpu_idle_exit();
}

void kmutex_unlock(struct kmutex *m)
{
	if (__atomic_exchange_n(&m->word, 0, __ATOMIC_RELEASE) == 2)
		sys_futex(&m->word, FUTEX_WAKE_PRIVATE, 1);
}

