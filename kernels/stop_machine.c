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
 * sees the stop pending and parks: never neither.  The parking side
 * (stop_wait(), refbench_stop_park()) is cpu.c's: a CPU's own business.
 *
 * Departures: the kernel runs fn on one CPU with interrupts off while the
 * others spin in a kthread; here the calling thread runs fn and the others
 * spin at their next quiescent point.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "stop_machine.h"
#include "compat.h"
#include "cpu_internal.h"

#include <pthread.h>

/* ---- stop_machine ------------------------------------------------------- */

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

