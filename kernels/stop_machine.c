/*
 * stop_machine.c - stop_machine() as a rendezvous, the same contract as the
 * kernel's (kernel/stop_machine.c, 2.6.29): while fn runs, no other CPU is
 * inside a get_cpu()/put_cpu() region.
 *
 * Each registered CPU thread is either online (running lab code; it
 * reaches a quiescent point every batch) or idle (blocked, holding no
 * per-CPU state).  The stopper raises refbench_stop_pending, then waits
 * until every other online CPU thread has acknowledged at a quiescent point
 * and parked; idle threads cannot come back online while it is raised
 * (cpu.c, cpu_idle_exit()).  Both sides use sequentially consistent
 * accesses (store own flag, then load the other's), so either the stopper
 * sees a thread online and waits for its acknowledgement, or the thread
 * sees the stop pending and parks: never neither.
 *
 * Departures: the kernel runs fn on one CPU with interrupts off while the
 * others spin in a kthread; here the calling thread runs fn and the others
 * spin at their next quiescent point.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "compat.h"
#include "cpu_internal.h"

#include <pthread.h>
#include <sched.h>
#include <urcu/urcu-qsbr.h>

/* ---- stop_machine ------------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Spin a little, then give the CPU away: threads may share a PU in tests. */
static inline void relax_or_yield(unsigned long *spins)
{
	if (++*spins < 256)
		cpu_relax();
	else
		sched_yield();
}

/*
 * Stay stopped while a stop is pending, acknowledging the generation seen.
 * The stopper raises the flag before it makes the new generation, so a
 * thread that reads generation g then sees the flag raised for g (or a
 * later stop) and stays: it leaves only when no stop is pending.
 */
void stop_wait(void)
{
	struct cpu_slot *me = &slots[refbench_this_cpu];
	unsigned long spins = 0;

	while (__atomic_load_n(&refbench_stop_pending, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&me->ack, __atomic_load_n(&stop_generation, __ATOMIC_SEQ_CST),
				 __ATOMIC_SEQ_CST);
		relax_or_yield(&spins);
	}
}

/* From cpu_quiescent(): a stopped CPU holds up no grace period either. */
void refbench_stop_park(void)
{
	urcu_qsbr_thread_offline();
	stop_wait();
	urcu_qsbr_thread_online();
}

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;

int stop_machine(int (*fn)(void *), void *data)
{
	int self = refbench_this_cpu, ret;
	unsigned long gen;

	/* The stopper waits as an idle CPU: it holds up no grace period and
	 * no other stopper. */
	cpu_idle_enter();
	pthread_mutex_lock(&stop_lock);
	/* Flag first, generation second: see stop_wait(). */
	__atomic_store_n(&refbench_stop_pending, 1, __ATOMIC_SEQ_CST);
	gen = __atomic_add_fetch(&stop_generation, 1, __ATOMIC_SEQ_CST);

	/* Registered CPUs have ids below nr_cpu_ids (cpu_register checks). */
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		unsigned long spins = 0;

		if ((int)cpu == self || !__atomic_load_n(&slots[cpu].taken, __ATOMIC_SEQ_CST))
			continue;
		while (__atomic_load_n(&slots[cpu].online, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&slots[cpu].ack, __ATOMIC_SEQ_CST) != gen)
			relax_or_yield(&spins);
	}
	ret = fn(data);
	__atomic_store_n(&refbench_stop_pending, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&stop_lock);
	cpu_idle_exit();
	return ret;
}

