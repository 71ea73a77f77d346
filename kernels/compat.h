/*
 * compat.h - the small slice of the Linux kernel API that the refcount
 * schemes are written against, rebuilt for pinned userspace threads.
 *
 * Models (Linux 2.6.29, arch/x86 and include/linux):
 *   local_t, local_inc/dec/read/set   asm-x86/local.h: one read-modify-write
 *       instruction without the lock prefix ("incq mem").  It is atomic
 *       only against interrupts on the same CPU, never against another
 *       CPU: that is why every local_t below belongs to one CPU and is
 *       touched by the one thread pinned to that CPU.  Elsewhere (or with
 *       REFBENCH_LOCAL_RELAXED, used by the ThreadSanitizer build, which
 *       cannot see inside asm) it is a relaxed atomic read-modify-write.
 *       As in the kernel, the asm has no "memory" clobber: only the
 *       counter itself is an operand, so the compiler may keep refptr,
 *       the CPU number and per_cpu_offset() in registers across it.
 *   get_cpu()/put_cpu()               linux/smp.h: preempt_disable() plus
 *       smp_processor_id().  Here the CPU number is the dense index the
 *       calling thread registered with cpu_register(); the thread is bound
 *       to exactly one processing unit, so it cannot migrate between
 *       get_cpu() and put_cpu().  A thread that never registered gets a
 *       one-line error and the process aborts: an unpinned thread would
 *       race with another thread on its CPU's non-atomic local_t.
 *       The preempt-disabled region is modelled as a QSBR read-side
 *       section (liburcu's urcu-qsbr flavour): like a non-preemptible
 *       kernel, get_cpu()/put_cpu() cost nothing and a thread announces a
 *       quiescent state only at cpu_quiescent(), which the harness calls
 *       between batches (the model's scheduler tick).
 *   synchronize_sched()               kernel/rcupdate.c: waits until every
 *       CPU has passed a quiescent state: urcu_qsbr_synchronize_rcu().
 *   stop_machine()                    kernel/stop_machine.c: runs fn on one
 *       CPU while every other CPU is held outside any preempt-disabled
 *       region.  Here: a rendezvous of all registered CPU threads at their
 *       next quiescent point (see stop_machine.c).
 *   per_cpu_offset(cpu)               asm-x86/percpu.h: __per_cpu_offset[cpu],
 *       the distance from the per-CPU "template" address to CPU cpu's copy
 *       (set up by percpu_alloc.c, one unit per possible CPU).
 *   for_each_possible_cpu(cpu)        cpu 0 .. nr_cpu_ids-1: the CPUs of the
 *       run; every one of them is possible and online.
 *   NR_CPUS, L1_CACHE_BYTES           compile-time constants in the kernel,
 *       run-time settings here (refbench_configure) so that one binary can
 *       sweep NR_CPUS from 1 to 8192 and lines of 64 or 128 bytes.  The
 *       trade-off: an array index becomes "cpu << L1_CACHE_SHIFT" with the
 *       shift loaded from memory instead of an immediate, one extra load
 *       that stays in L1; loop bounds over NR_CPUS are read from memory too.
 *       ____cacheline_aligned stays a compile-time attribute (128 bytes,
 *       the larger setting) for static objects.
 */
#ifndef REFBENCH_COMPAT_H
#define REFBENCH_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_mb()         __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define REFBENCH_NR_CPUS_MAX 8192
#define REFBENCH_LINE_MAX    128
#define ____cacheline_aligned __attribute__((aligned(REFBENCH_LINE_MAX)))

/* Run-time stand-ins for the kernel's configuration constants. */
extern unsigned int refbench_nr_cpus;     /* NR_CPUS, 1..8192 */
extern unsigned int refbench_line_shift;  /* L1_CACHE_SHIFT, 6 or 7 */
extern unsigned int nr_cpu_ids;           /* CPUs taking part in the run */
#define NR_CPUS        refbench_nr_cpus
#define L1_CACHE_SHIFT refbench_line_shift
#define L1_CACHE_BYTES (1u << refbench_line_shift)

/*
 * Set NR_CPUS, the cache-line size and nr_cpu_ids.  Refused (returns -1
 * and writes a one-line reason to err) for values out of range, or while
 * modules or per-CPU memory laid out with the old values still exist.
 */
int refbench_configure(unsigned int nr_cpus, unsigned int line_bytes,
                       unsigned int cpu_ids, char *err, size_t errlen);

/* Live module-memory allocations (modules laid out with the settings). */
extern int refbench_layout_users;

/* Map of the run's CPUs: dense id -> OS processor index and NUMA node. */
struct refbench_cpu {
	int os_index;   /* what sched_getcpu() returns on it */
	int node;       /* hwloc logical index of its NUMA node */
};
extern struct refbench_cpu refbench_cpus[REFBENCH_NR_CPUS_MAX];

/*
 * Describe the run's CPUs: cpus[i] for dense CPU id i.  Sets nr_cpu_ids to
 * n.  Must be called before any per-CPU memory exists.
 */
int refbench_cpus_set(const struct refbench_cpu *cpus, unsigned int n,
                      char *err, size_t errlen);
/**
 * refbench_cpus_layout() - the one builder of the run's CPU table: @cpu_ids
 * lab CPUs, CPU i on OS CPU @os[i % @real] with that CPU's node.  CPUs past
 * @real are possible CPUs for layout only (their per-CPU units exist; no
 * thread runs there).  Then refbench_cpus_set().  0, or -1 with the reason.
 */
int refbench_cpus_layout(const int *os, unsigned int real, unsigned int cpu_ids,
			 char *err, size_t errlen);
/* The OS CPUs this process may run on, in order, at most @max: count or -1. */
int refbench_affinity_cpus(int *os, unsigned int max, char *err, size_t errlen);
/*
 * Convenience for tests and commands: the first n processing units this
 * process may run on, in OS order (refbench_cpus_layout() with no wrap).
 */
int refbench_cpus_from_affinity(unsigned int n, char *err, size_t errlen);

/*
 * A step of module_refcount()'s walk, before it reads CPU @cpu: nothing,
 * except in the deterministic race (refbench-race), which builds the
 * schemes with REFBENCH_STEP_HOOK and sets refbench_walk_hook (cpu.c) to
 * run a get and a put between two steps of a reader's sum.
 */
extern void (*refbench_walk_hook)(int cpu);
#ifdef REFBENCH_STEP_HOOK
#define REFCOUNT_WALK_STEP(cpu) do { if (refbench_walk_hook) refbench_walk_hook(cpu); } while (0)
#else
#define REFCOUNT_WALK_STEP(cpu) do { } while (0)
#endif

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++)

/* ---- CPU identity of the calling thread --------------------------------- */

extern __thread int refbench_this_cpu;    /* -1: thread not registered */
void refbench_unregistered_cpu(void) __attribute__((noreturn, cold));

/*
 * Register the calling thread as the one thread running on dense CPU id
 * cpu.  The thread must already be bound to exactly that CPU's processing
 * unit (checked with sched_getaffinity); only one thread may hold a CPU.
 * Registers the thread with urcu-qsbr, online.  Returns -1 with a reason.
 */
int cpu_register(int cpu, char *err, size_t errlen);
void cpu_unregister(void);

static inline int smp_processor_id(void)
{
	int cpu = refbench_this_cpu;
	if (unlikely(cpu < 0))		/* lab: the registration check */
		refbench_unregistered_cpu();
	return cpu;
}
/*
 * The CPU the caller happens to be on, with no guarantee it stays there.
 * A thread that is not a lab CPU counts as CPU 0: module_unload_init() uses
 * it only to place the initial reference of a module nobody else sees yet.
 */
static inline int raw_smp_processor_id(void)
{
	int cpu = refbench_this_cpu;
	return cpu >= 0 ? cpu : 0;
}
static inline int get_cpu(void) { return smp_processor_id(); }
static inline void put_cpu(void) { }

/* ---- local_t ------------------------------------------------------------ */

typedef struct { long a; } local_t;

#if defined(__x86_64__) && !defined(REFBENCH_LOCAL_RELAXED)
static inline void local_inc(local_t *l)
{
	__asm__ __volatile__("incq %0" : "+m" (l->a));
}
static inline void local_dec(local_t *l)
{
	__asm__ __volatile__("decq %0" : "+m" (l->a));
}
static inline long local_read(const local_t *l)
{
	return __atomic_load_n(&l->a, __ATOMIC_RELAXED);
}
static inline void local_set(local_t *l, long v)
{
	__asm__ __volatile__("movq %1, %0" : "=m" (l->a) : "r" (v));
}
#else
static inline void local_inc(local_t *l) { __atomic_fetch_add(&l->a, 1, __ATOMIC_RELAXED); }
static inline void local_dec(local_t *l) { __atomic_fetch_sub(&l->a, 1, __ATOMIC_RELAXED); }
static inline long local_read(const local_t *l) { return __atomic_load_n(&l->a, __ATOMIC_RELAXED); }
static inline void local_set(local_t *l, long v) { __atomic_store_n(&l->a, v, __ATOMIC_RELAXED); }
#endif

/* ---- atomic_t, as include/asm-x86/atomic_64.h (lock-prefixed) ----------- */

typedef struct { int counter; } atomic_t;

static inline int atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline void atomic_set(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_inc(atomic_t *v) { __atomic_fetch_add(&v->counter, 1, __ATOMIC_SEQ_CST); }
static inline int atomic_sub_return(int i, atomic_t *v)
{
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}
/* Add a to v unless v is u; true if it added (include/linux/atomic.h). */
static inline bool atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);
	do {
		if (unlikely(c == u))
			return false;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c + a, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}
#define atomic_inc_not_zero(v) atomic_add_unless((v), 1, 0)
/* Decrement unless the result would be negative; returns old - 1. */
static inline int atomic_dec_if_positive(atomic_t *v)
{
	int c = atomic_read(v), dec;
	do {
		dec = c - 1;
		if (unlikely(dec < 0))
			break;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, dec, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return dec;
}

/* ---- per-CPU offsets (filled by percpu_alloc.c) ------------------------- */

extern uintptr_t __per_cpu_offset[REFBENCH_NR_CPUS_MAX];
#define per_cpu_offset(cpu) (__per_cpu_offset[(cpu)])
/*
 * The base address of each CPU's unit: what __per_cpu_offset[] holds on x86-64
 * from 2.6.30, where per-CPU pointers are zero-based (this_cpu.h).
 */
extern uintptr_t __per_cpu_base[];
/* 1 while percpu_alloc.c's per-CPU areas exist (the CPUs may not change then). */
extern int refbench_percpu_ready;

/* ---- quiescent states, grace periods, stop_machine ---------------------- */

extern int refbench_stop_pending;
void refbench_stop_park(void);
void refbench_qsbr_quiescent(void);

/*
 * The model's scheduler tick: the calling CPU thread is outside every
 * get_cpu()/put_cpu() region.  Reports a QSBR quiescent state and parks
 * the thread while a stop_machine() is running.  Cheap (two loads and two
 * predictable branches) when no grace period or stop is under way.
 */
static inline void cpu_quiescent(void)
{
	refbench_qsbr_quiescent();
	if (unlikely(__atomic_load_n(&refbench_stop_pending, __ATOMIC_SEQ_CST)))
		refbench_stop_park();
}

/*
 * A registered CPU thread about to block (barrier, lock, sleep) goes idle:
 * it then holds up neither grace periods nor stop_machine().  On the way
 * back it waits for a stop_machine() in progress to end.
 */
void cpu_idle_enter(void);
void cpu_idle_exit(void);

void synchronize_sched(void);

/* ---- tasks: a waiter and its wake-up ------------------------------------ */

struct task_struct {
	int state;            /* futex word: TASK_SLEEPING, TASK_WOKEN (sched.c) */
};
struct task_struct *get_current(void);
/* try_to_wake_up(): a futex wake only if the task sleeps. */
void wake_up_process(struct task_struct *t);
/*
 * set_current_state(TASK_UNINTERRUPTIBLE), before the condition is looked
 * at: returns whether a wake-up came since the last one.
 */
bool task_prepare_to_sleep(struct task_struct *t);
/* schedule(): sleep until woken; the task runs again on return. */
void task_schedule(struct task_struct *t);
/* __set_current_state(TASK_RUNNING), after a wait loop that did not sleep. */
void task_set_running(struct task_struct *t);

/* ---- mutex usable by registered CPU threads ----------------------------- */

struct kmutex { int word; };
#define KMUTEX_INIT { 0 }
void kmutex_lock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);

/* ---- allocation with failure injection, the kernel's fail_nth ----------- */

/*
 * Every allocation the models make (module memory, per-CPU memory, kmalloc)
 * first asks should_fail_alloc().  refbench_fail_nth(n) makes the n-th
 * allocation from now on fail (n = 0: none).
 */
void refbench_fail_nth(unsigned long n);
bool should_fail_alloc(void);

void *kmalloc(size_t size);
void kfree(void *p);
size_t kmalloc_bytes_in_use(void);

#endif
