/*
 * compat.c - run-time side of compat.h: configuration, CPU registration,
 * grace periods (urcu-qsbr), stop_machine(), wake-ups and fail_nth.
 *
 * stop_machine() here is a rendezvous, the same contract as the kernel's
 * (kernel/stop_machine.c, 2.6.29): while fn runs, no other CPU is inside a
 * get_cpu()/put_cpu() region.  Each registered CPU thread is either online
 * (running lab code; it reaches a quiescent point every batch) or idle
 * (blocked, holding no per-CPU state).  The stopper raises
 * refbench_stop_pending, then waits until every other online CPU thread
 * has acknowledged at a quiescent point and parked; idle threads cannot
 * come back online while it is raised.  Both sides use sequentially
 * consistent accesses (store own flag, then load the other's), so either
 * the stopper sees a thread online and waits for its acknowledgement, or
 * the thread sees the stop pending and parks: never neither.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "compat.h"
#include "numa.h"
#include "percpu_alloc.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <urcu/urcu-qsbr.h>

unsigned int refbench_nr_cpus = 64;
unsigned int refbench_line_shift = 7;
unsigned int nr_cpu_ids = 1;
struct refbench_cpu refbench_cpus[REFBENCH_NR_CPUS_MAX];
uintptr_t __per_cpu_offset[REFBENCH_NR_CPUS_MAX];
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
	if (cpu_ids != nr_cpu_ids && (percpu_ready() ||
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
	if (percpu_ready() || __atomic_load_n(&refbench_layout_users, __ATOMIC_SEQ_CST) != 0) {
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

int refbench_cpus_from_affinity(unsigned int n, char *err, size_t errlen)
{
	cpu_set_t set;
	struct refbench_cpu cpus[REFBENCH_NR_CPUS_MAX];
	unsigned int found = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	for (int os = 0; os < CPU_SETSIZE && found < n; os++) {
		if (!CPU_ISSET(os, &set))
			continue;
		cpus[found].os_index = os;
		cpus[found].node = numa_node_of_os_cpu(os);
		found++;
	}
	if (found < n) {
		snprintf(err, errlen, "%u CPUs requested but this process may run on only %u",
			 n, found);
		return -1;
	}
	return refbench_cpus_set(cpus, n, err, errlen);
}

/* ---- registration ------------------------------------------------------- */

struct cpu_slot {
	int online;              /* 1 while the thread runs lab code */
	unsigned long ack;       /* last stop generation acknowledged */
	int taken;
} ____cacheline_aligned;

static struct cpu_slot slots[REFBENCH_NR_CPUS_MAX];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
int refbench_stop_pending;
static unsigned long stop_generation;

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
}

void refbench_qsbr_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

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
static void stop_wait(void)
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

/* ---- fail_nth and kmalloc ----------------------------------------------- */

static unsigned long fail_countdown;

void refbench_fail_nth(unsigned long n)
{
	__atomic_store_n(&fail_countdown, n, __ATOMIC_SEQ_CST);
}

bool should_fail_alloc(void)
{
	unsigned long c = __atomic_load_n(&fail_countdown, __ATOMIC_SEQ_CST);

	while (c != 0) {
		if (__atomic_compare_exchange_n(&fail_countdown, &c, c - 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return c == 1;
	}
	return false;
}

static size_t kmalloc_in_use;

/* 128 bytes, so the payload is aligned for ____cacheline_aligned types
 * (struct module), as the kernel's kmalloc of such sizes is. */
struct kmalloc_header {
	size_t size;
} __attribute__((aligned(REFBENCH_LINE_MAX)));

void *kmalloc(size_t size)
{
	struct kmalloc_header *h;
	void *p;

	if (should_fail_alloc())
		return NULL;
	if (posix_memalign(&p, REFBENCH_LINE_MAX, sizeof(*h) + size) != 0)
		return NULL;
	h = p;
	h->size = size;
	__atomic_add_fetch(&kmalloc_in_use, size, __ATOMIC_RELAXED);
	return h + 1;
}

void kfree(void *p)
{
	struct kmalloc_header *h;

	if (!p)
		return;
	h = (struct kmalloc_header *)p - 1;
	__atomic_sub_fetch(&kmalloc_in_use, h->size, __ATOMIC_RELAXED);
	free(h);
}

size_t kmalloc_bytes_in_use(void)
{
	return __atomic_load_n(&kmalloc_in_use, __ATOMIC_RELAXED);
}
