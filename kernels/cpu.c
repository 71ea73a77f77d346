/*
 * cpu.c - the lab's CPUs: configuration (NR_CPUS, the cache-line size,
 * nr_cpu_ids and what each CPU is), registration of the one thread pinned
 * to each CPU (smp_processor_id(), get_cpu()), idle and online states, and
 * grace periods; a CPU's side of stop_machine() (parking at a quiescent
 * point; the stopper is stop_machine.c) and its %gs base (this_cpu.h).
 * It uses nothing of the per-CPU allocator or the stopper: they use it.
 *
 * Models what the kernel gets from arch setup and the scheduler
 * (include/linux/smp.h, kernel/rcupdate.c in 2.6.29): a thread registered
 * as CPU n is the only one that runs "on" CPU n, so an unlocked local_t is
 * correct; get_cpu()/put_cpu() are a QSBR read-side section (liburcu's
 * urcu-qsbr), free as preemption control in a non-preemptible kernel; each
 * thread reports a quiescent state between batches, the model's scheduler
 * tick, and synchronize_sched() is urcu_qsbr_synchronize_rcu().  A thread
 * that blocks (futex, mutex) goes idle first, holding no per-CPU state, as
 * a CPU in the idle loop is in an extended quiescent state.
 *
 * Departures: NR_CPUS and the line size are run-time settings, read from
 * memory where the kernel had constants; CPU hotplug is not modelled.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "compat.h"
#include "cpu_internal.h"
#include "this_cpu.h"
#include "numa.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-qsbr.h>
#include <sys/syscall.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

unsigned int refbench_nr_cpus = 64;
unsigned int refbench_line_shift = 7;
unsigned int nr_cpu_ids = 1;
struct refbench_cpu refbench_cpus[REFBENCH_NR_CPUS_MAX];
uintptr_t __per_cpu_offset[REFBENCH_NR_CPUS_MAX];   /* filled by percpu_alloc.c */
uintptr_t __per_cpu_base[REFBENCH_NR_CPUS_MAX];     /* filled by percpu_alloc.c */
int refbench_percpu_ready;                          /* set by percpu_alloc.c */
void (*refbench_walk_hook)(int cpu);                /* set by the race program */
__thread int refbench_this_cpu = -1;
int refbench_layout_users;   /* live module memory allocations */
static unsigned int cpus_described = 1;   /* CPU 0 is OS CPU 0 until told */

int refbench_configure(unsigned int nr_cpus, unsigned int line_bytes,
                       unsigned int cpu_ids, char *err, size_t errlen)
{
	if (nr_cpus < 1 || nr_cpus > REFBENCH_NR_CPUS_MAX) {
		snprintf(err, errlen, "NR_CPUS %u out of range (accepted: 1 to %d)",
			 nr_cpus, REFBENCH_NR_CPUS_MAX);
		return -1;
	}
	if (line_bytes != 64 && line_bytes != 128) {
		snprintf(err, errlen, "cache-line size %u not accepted (accepted: 64 or 128)",
			 line_bytes);
		return -1;
	}
	if (cpu_ids < 1 || cpu_ids > nr_cpus) {
		snprintf(err, errlen, "nr_cpu_ids %u out of range (accepted: 1 to NR_CPUS=%u)",
			 cpu_ids, nr_cpus);
		return -1;
	}
	if (cpu_ids > cpus_described) {
		snprintf(err, errlen, "nr_cpu_ids %u but only %u CPUs were described "
			 "(accepted: 1 to %u; describe them with refbench_cpus_set first)",
			 cpu_ids, cpus_described, cpus_described);
		return -1;
	}
	if ((nr_cpus != refbench_nr_cpus || line_bytes != L1_CACHE_BYTES) &&
	    __atomic_load_n(&refbench_layout_users, __ATOMIC_SEQ_CST) != 0) {
		snprintf(err, errlen, "cannot change NR_CPUS from %u to %u or the line size from %u "
			 "to %u while %d module(s) laid out with the old values exist",
			 refbench_nr_cpus, nr_cpus, L1_CACHE_BYTES, line_bytes, refbench_layout_users);
		return -1;
	}
	if (cpu_ids != nr_cpu_ids && (__atomic_load_n(&refbench_percpu_ready, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&refbench_layout_users, __ATOMIC_SEQ_CST) != 0)) {
		snprintf(err, errlen, "cannot change nr_cpu_ids from %u to %u while per-CPU "
			 "areas or modules exist", nr_cpu_ids, cpu_ids);
		return -1;
	}
	refbench_nr_cpus = nr_cpus;
	refbench_line_shift = line_bytes == 64 ? 6 : 7;
	nr_cpu_ids = cpu_ids;
	return 0;
}

int refbench_cpus_set(const struct refbench_cpu *cpus, unsigned int n,
                      char *err, size_t errlen)
{
	if (n < 1 || n > REFBENCH_NR_CPUS_MAX) {
		snprintf(err, errlen, "CPU count %u out of range (accepted: 1 to %d)",
			 n, REFBENCH_NR_CPUS_MAX);
		return -1;
	}
	if (__atomic_load_n(&refbench_percpu_ready, __ATOMIC_SEQ_CST) || __atomic_load_n(&refbench_layout_users, __ATOMIC_SEQ_CST) != 0) {
		snprintf(err, errlen, "cannot change the run's CPUs while per-CPU areas or modules exist");
		return -1;
	}
	memcpy(refbench_cpus, cpus, n * sizeof(*cpus));
	cpus_described = n;
	/* nr_cpu_ids follows; refbench_configure() checks it against NR_CPUS. */
	nr_cpu_ids = n;
	if (refbench_nr_cpus < n)
		refbench_nr_cpus = n;
	return 0;
}

int refbench_cpus_layout(const int *os, unsigned int real, unsigned int cpu_ids,
			char *err, size_t errlen)
{
	static struct refbench_cpu cpus[REFBENCH_NR_CPUS_MAX];

	if (real < 1) {
		snprintf(err, errlen, "no CPU to lay the run out on");
		return -1;
	}
	if (cpu_ids < 1 || cpu_ids > REFBENCH_NR_CPUS_MAX) {
		snprintf(err, errlen, "nr_cpu_ids %u out of range (accepted: 1 to %d)",
			 cpu_ids, REFBENCH_NR_CPUS_MAX);
		return -1;
	}
	/* CPUs past the real ones exist for layout only: their per-CPU units sit
	 * on the node of the real CPU they wrap onto, and no thread runs there. */
	for (unsigned int i = 0; i < cpu_ids; i++) {
		cpus[i].os_index = os[i % real];
		cpus[i].node = numa_node_of_os_cpu(os[i % real]);
	}
	return refbench_cpus_set(cpus, cpu_ids, err, errlen);
}

int refbench_affinity_cpus(int *os, unsigned int max, char *err, size_t errlen)
{
	cpu_set_t set;
	unsigned int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	for (int c = 0; c < CPU_SETSIZE && found < max; c++)
		if (CPU_ISSET(c, &set))
			os[found++] = c;
	return (int)found;
}

int refbench_cpus_from_affinity(unsigned int n, char *err, size_t errlen)
{
	static int os[CPU_SETSIZE];
	int found = refbench_affinity_cpus(os, CPU_SETSIZE, err, errlen);

	if (found < 0)
		return -1;
	if ((unsigned int)found < n) {
		snprintf(err, errlen, "%u CPUs requested but this process may run on only %d",
			 n, found);
		return -1;
	}
	return refbench_cpus_layout(os, (unsigned int)found, n, err, errlen);
}

/* ---- registration ------------------------------------------------------- */

struct cpu_slot slots[REFBENCH_NR_CPUS_MAX];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
int refbench_stop_pending;
unsigned long stop_generation;

void refbench_unregistered_cpu(void)
{
	fprintf(stderr, "refbench: get_cpu()/local_t used by a thread not registered "
		"with cpu_register(): only threads pinned one per CPU may use per-CPU counters\n");
	abort();
}

int cpu_register(int cpu, char *err, size_t errlen)
{
	cpu_set_t set;

	if (cpu < 0 || (unsigned int)cpu >= nr_cpu_ids) {
		snprintf(err, errlen, "CPU id %d out of range (accepted: 0 to nr_cpu_ids-1 = %u)",
			 cpu, nr_cpu_ids - 1);
		return -1;
	}
	if (refbench_this_cpu >= 0) {
		snprintf(err, errlen, "thread already registered as CPU %d", refbench_this_cpu);
		return -1;
	}
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	if (CPU_COUNT(&set) != 1 || !CPU_ISSET(refbench_cpus[cpu].os_index, &set)) {
		snprintf(err, errlen, "thread for CPU %d must be bound to exactly OS CPU %d "
			 "(it may run on %d CPUs)", cpu, refbench_cpus[cpu].os_index,
			 CPU_COUNT(&set));
		return -1;
	}
	pthread_mutex_lock(&registry_lock);
	if (__atomic_load_n(&slots[cpu].taken, __ATOMIC_SEQ_CST)) {
		pthread_mutex_unlock(&registry_lock);
		snprintf(err, errlen, "CPU %d already has a registered thread "
			 "(local_t allows one thread per CPU)", cpu);
		return -1;
	}
	__atomic_store_n(&slots[cpu].taken, 1, __ATOMIC_SEQ_CST);
	/* Generations start at 1: a new CPU has acknowledged none. */
	__atomic_store_n(&slots[cpu].ack, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&registry_lock);

	urcu_qsbr_register_thread();
	refbench_this_cpu = cpu;
	/* %gs: this CPU's per-CPU area, for the this_cpu operations (this_cpu.h);
	 * a refusal is recorded and reported by the schemes that need it. */
	this_cpu_set_base(cpu);
	/* Come online the same way an idle thread does: never inside a stop. */
	cpu_idle_exit();
	return 0;
}

void cpu_unregister(void)
{
	int cpu = refbench_this_cpu;

	if (cpu < 0)
		return;
	cpu_idle_enter();
	urcu_qsbr_unregister_thread();
	pthread_mutex_lock(&registry_lock);
	__atomic_store_n(&slots[cpu].taken, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&registry_lock);
	refbench_this_cpu = -1;
	this_cpu_set_base(-1);
}

/*
 * Stay stopped while a stop is pending, acknowledging the generation seen.
 * The stopper (stop_machine.c) raises the flag before it makes the new
 * generation, so a thread that reads generation g then sees the flag
 * raised for g (or a later stop) and stays: it leaves only when no stop is
 * pending.
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

/* ---- the %gs base of each CPU thread (this_cpu.h) ----------------------- */

static char this_cpu_why[160];

bool this_cpu_set_base(int cpu)
{
#if defined(__x86_64__)
	unsigned long base = cpu >= 0 ? (unsigned long)__per_cpu_base[cpu] : 0;

	if (syscall(SYS_arch_prctl, ARCH_SET_GS, base) == 0)
		return true;
	snprintf(this_cpu_why, sizeof(this_cpu_why),
		 "arch_prctl(ARCH_SET_GS) refused: %s (the this_cpu operations need the %%gs base)",
		 strerror(errno));
	return false;
#else
	(void)cpu;
	snprintf(this_cpu_why, sizeof(this_cpu_why), "not x86-64: no %%gs-relative this_cpu operations");
	return false;
#endif
}

const char *this_cpu_unavailable(void)
{
	return this_cpu_why[0] ? this_cpu_why : NULL;
}

void refbench_qsbr_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

/* ---- idle and grace periods --------------------------------------------- */

void cpu_idle_enter(void)
{
	int cpu = refbench_this_cpu;

	if (cpu < 0)
		return;
	urcu_qsbr_thread_offline();
	__atomic_store_n(&slots[cpu].online, 0, __ATOMIC_SEQ_CST);
}

void cpu_idle_exit(void)
{
	int cpu = refbench_this_cpu;

	if (cpu < 0)
		return;
	__atomic_store_n(&slots[cpu].online, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&refbench_stop_pending, __ATOMIC_SEQ_CST))
		stop_wait();
	urcu_qsbr_thread_online();
}

void synchronize_sched(void)
{
	/* urcu-qsbr puts a registered caller offline for the wait itself. */
	urcu_qsbr_synchronize_rcu();
}

