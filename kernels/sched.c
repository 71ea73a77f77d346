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
	__atomic_store_n(&t->woken, 1, __ATOMIC_RELEASE);
	sys_futex(&t->woken, FUTEX_WAKE_PRIVATE, 1);
}

bool task_prepare_to_sleep(struct task_struct *t)
{
	/* An exchange, so that a wake-up's release pairs with this acquire. */
	return __atomic_exchange_n(&t->woken, 0, __ATOMIC_SEQ_CST) != 0;
}

void task_schedule(struct task_struct *t)
{
	cpu_idle_enter();
	while (__atomic_load_n(&t->woken, __ATOMIC_ACQUIRE) == 0)
		sys_futex(&t->woken, FUTEX_WAIT_PRIVATE, 0);
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

