/*
 * kernels_test_util.h - shared set-up for the C tests of kernels/.
 *
 * Every test binary of the kernel models does the same start-up:
 *   1. describe the run's CPUs from the process affinity (two if the
 *      process may run on two, else one) - before anything is pinned,
 *      since it reads the affinity;
 *   2. refbench_configure() with NR_CPUS 64, 128-byte lines;
 *   3. lay out the per-CPU units (optional, per binary);
 *   4. pin the main thread to CPU 0's processing unit and register it as
 *      CPU 0 (do_init_module() drops the initial reference with
 *      module_put(), which needs a registered CPU);
 *   5. arm a watchdog: a hung test ends the binary with a message instead
 *      of hanging the suite.
 *
 * Rules the helpers follow (compat.h):
 *   - threads that use per-CPU counters are pinned one per CPU and
 *     registered;
 *   - a registered thread that blocks (join, sleep, waiting for another
 *     thread) goes idle first (cpu_idle_enter), or it would hold up
 *     synchronize_sched() and stop_machine() forever;
 *   - cmocka assertions are used from the main thread only: worker
 *     threads record what they saw and the main thread checks it.
 */
#ifndef REFBENCH_KERNELS_TEST_UTIL_H
#define REFBENCH_KERNELS_TEST_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "module_core.h"
#include "module_mem.h"
#include "numa.h"
#include "percpu_alloc.h"
#include "scheme.h"

#define KT_NR_CPUS   64u
#define KT_LINE      128u
#define KT_WATCHDOG  30u     /* seconds for a whole binary, sanitizers included */
#define KT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)   /* any single wait */

/* CPUs described for this run (1 or 2). */
static unsigned int kt_ncpus;

static inline uint64_t kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void kt_watchdog(int sig)
{
	static const char msg[] = "kernels test watchdog: the binary ran longer than its bound "
				  "(a wait that never ended?)\n";
	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	_exit(3);
}

/* Bind the calling thread to the processing unit of dense CPU id cpu. */
static inline int kt_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(refbench_cpus[cpu].os_index, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Allow the calling thread on every CPU of the run. */
static inline int kt_unpin_self(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (unsigned int i = 0; i < kt_ncpus; i++)
		CPU_SET(refbench_cpus[i].os_index, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Pin and register the calling thread as CPU cpu; 0 or -1 (reason in err). */
static inline int kt_register_self(int cpu, char *err, size_t errlen)
{
	if (kt_pin_self(cpu) != 0) {
		snprintf(err, errlen, "sched_setaffinity to OS CPU %d: %s",
			 refbench_cpus[cpu].os_index, strerror(errno));
		return -1;
	}
	return cpu_register(cpu, err, errlen);
}

/*
 * The common start-up (steps 1-5 above).  percpu_unit: 0 for no per-CPU
 * units yet, else their size.  Exits the process with a message when the
 * machine cannot take part (this is set-up, not a test).
 */
static inline void kt_setup(size_t percpu_unit)
{
	char err[256] = "";

	signal(SIGALRM, kt_watchdog);
	alarm(KT_WATCHDOG);
	if (refbench_cpus_from_affinity(2, err, sizeof(err)) == 0) {
		kt_ncpus = 2;
	} else if (refbench_cpus_from_affinity(1, err, sizeof(err)) == 0) {
		kt_ncpus = 1;
		fprintf(stderr, "note: this process may run on one CPU only: "
			"tests that need two CPUs are skipped\n");
	} else {
		fprintf(stderr, "set-up: %s\n", err);
		exit(1);
	}
	if (refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)) != 0) {
		fprintf(stderr, "set-up: refbench_configure: %s\n", err);
		exit(1);
	}
	if (percpu_unit && percpu_init(percpu_unit, err, sizeof(err)) != 0) {
		fprintf(stderr, "set-up: percpu_init: %s\n", err);
		exit(1);
	}
	if (kt_register_self(0, err, sizeof(err)) != 0) {
		fprintf(stderr, "set-up: registering the main thread as CPU 0: %s\n", err);
		exit(1);
	}
}

/* Sleep us microseconds; a registered caller is idle meanwhile. */
static inline void kt_idle_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000u, (long)(us % 1000000u) * 1000 };

	cpu_idle_enter();
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	cpu_idle_exit();
}

/*
 * Join t, idle while waiting, at most KT_TIMEOUT_NS.  Returns 0, or -1 if
 * the thread did not end in time (it is then left running: the caller
 * fails the test and the watchdog bounds the binary).
 */
static inline int kt_join(pthread_t t)
{
	struct timespec dl;
	int rc;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(KT_TIMEOUT_NS / 1000000000ull);
	cpu_idle_enter();
	rc = pthread_timedjoin_np(t, NULL, &dl);
	cpu_idle_exit();
	return rc == 0 ? 0 : -1;
}

/* Wait, idle, until *flag != 0 or KT_TIMEOUT_NS passed; the final value. */
static inline int kt_wait_flag(const int *flag)
{
	uint64_t end = kt_now_ns() + KT_TIMEOUT_NS;
	int v;

	while ((v = __atomic_load_n(flag, __ATOMIC_ACQUIRE)) == 0 && kt_now_ns() < end)
		kt_idle_sleep_us(200);
	return v;
}

/* ---- worker threads ------------------------------------------------------ */

/*
 * A worker runs fn on a CPU of its own: cpu >= 0 pins it there and registers
 * it (one thread per CPU); cpu == -1 leaves it unregistered and free to run
 * on every CPU of the run.  Workers never assert: they record, the main
 * thread checks.
 */
struct kt_worker {
	pthread_t t;
	int cpu;
	void (*fn)(struct kt_worker *w);
	void *arg;
	int reg_rc;
	char err[256];
};

static void *kt_worker_main(void *p)
{
	struct kt_worker *w = p;

	if (w->cpu >= 0) {
		w->reg_rc = kt_register_self(w->cpu, w->err, sizeof(w->err));
		if (w->reg_rc != 0)
			return NULL;
	} else {
		kt_unpin_self();
	}
	w->fn(w);
	if (w->cpu >= 0)
		cpu_unregister();
	return NULL;
}

static inline void kt_worker_start(struct kt_worker *w, int cpu,
				   void (*fn)(struct kt_worker *), void *arg)
{
	w->cpu = cpu;
	w->fn = fn;
	w->arg = arg;
	w->reg_rc = 0;
	w->err[0] = '\0';
	assert_int_equal(pthread_create(&w->t, NULL, kt_worker_main, w), 0);
}

/* Join a worker; fails the test if it hung or could not register. */
static inline void kt_worker_join(struct kt_worker *w)
{
	if (kt_join(w->t) != 0)
		fail_msg("worker for CPU %d did not end within %llu s", w->cpu,
			 (unsigned long long)(KT_TIMEOUT_NS / 1000000000ull));
	if (w->reg_rc != 0)
		fail_msg("worker for CPU %d could not register: %s", w->cpu, w->err);
}

/*
 * A start line: n threads call kt_gate_arrive(), the main thread
 * kt_gate_open() once all arrived.  Waiting threads are idle and yield.
 */
struct kt_gate { int arrived, open; };

static inline void kt_gate_arrive(struct kt_gate *g)
{
	uint64_t end = kt_now_ns() + KT_TIMEOUT_NS;

	__atomic_add_fetch(&g->arrived, 1, __ATOMIC_SEQ_CST);
	cpu_idle_enter();
	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE) && kt_now_ns() < end)
		sched_yield();
	cpu_idle_exit();
}

/* 0 once n arrived and the gate is open; -1 if they did not arrive in time. */
static inline int kt_gate_open(struct kt_gate *g, int n)
{
	uint64_t end = kt_now_ns() + KT_TIMEOUT_NS;
	int ok;

	cpu_idle_enter();
	while (__atomic_load_n(&g->arrived, __ATOMIC_SEQ_CST) < n && kt_now_ns() < end)
		sched_yield();
	cpu_idle_exit();
	ok = __atomic_load_n(&g->arrived, __ATOMIC_SEQ_CST) >= n;
	__atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
	return ok ? 0 : -1;
}

/* ---- allocation books --------------------------------------------------- */

struct kt_books {
	size_t kmalloc;            /* kmalloc_bytes_in_use() */
	size_t percpu_total;       /* percpu in_use_total */
	size_t percpu_allocs;      /* live percpu_modalloc() blocks */
	size_t pool_in_use;        /* module memory from the pool */
	size_t vm_areas;           /* live vmalloc-like mappings */
	size_t vm_mapped;
	unsigned long modules;     /* module_list_count() */
	int layout_users;          /* refbench_layout_users */
};

static inline void kt_books(struct kt_books *b)
{
	struct percpu_stats ps;
	struct module_mem_stats ms;

	percpu_get_stats(&ps);
	module_mem_get_stats(&ms);
	b->kmalloc = kmalloc_bytes_in_use();
	b->percpu_total = ps.in_use_total;
	b->percpu_allocs = ps.allocations;
	b->pool_in_use = ms.pool_in_use;
	b->vm_areas = ms.vmalloc_areas;
	b->vm_mapped = ms.vmalloc_mapped;
	b->modules = module_list_count();
	b->layout_users = __atomic_load_n(&refbench_layout_users, __ATOMIC_SEQ_CST);
}

/* Fail the test (naming what) unless the books are as in *before. */
#define kt_books_equal(before, what, ...)                                            \
	do {                                                                         \
		struct kt_books a_;                                                  \
		char w_[160];                                                        \
		kt_books(&a_);                                                       \
		snprintf(w_, sizeof(w_), what, ##__VA_ARGS__);                      \
		if (a_.kmalloc != (before)->kmalloc)                                 \
			fail_msg("%s: kmalloc bytes in use %zu, was %zu", w_,        \
				 a_.kmalloc, (before)->kmalloc);                     \
		if (a_.percpu_total != (before)->percpu_total ||                     \
		    a_.percpu_allocs != (before)->percpu_allocs)                     \
			fail_msg("%s: per-CPU in use %zu in %zu blocks, was %zu in %zu", \
				 w_, a_.percpu_total, a_.percpu_allocs,              \
				 (before)->percpu_total, (before)->percpu_allocs);   \
		if (a_.pool_in_use != (before)->pool_in_use)                         \
			fail_msg("%s: module pool in use %zu, was %zu", w_,          \
				 a_.pool_in_use, (before)->pool_in_use);             \
		if (a_.vm_areas != (before)->vm_areas || a_.vm_mapped != (before)->vm_mapped) \
			fail_msg("%s: vmalloc areas %zu (%zu bytes), was %zu (%zu)", w_, \
				 a_.vm_areas, a_.vm_mapped, (before)->vm_areas,      \
				 (before)->vm_mapped);                               \
		if (a_.modules != (before)->modules)                                 \
			fail_msg("%s: %lu modules listed, was %lu", w_, a_.modules,  \
				 (before)->modules);                                 \
		if (a_.layout_users != (before)->layout_users)                       \
			fail_msg("%s: layout users %d, was %d", w_, a_.layout_users, \
				 (before)->layout_users);                            \
	} while (0)

/* A module name no earlier test used: "kt_<tag>_<n>". */
static inline const char *kt_name(char *buf, size_t len, const char *tag)
{
	static unsigned int seq;

	snprintf(buf, len, "kt_%s_%u", tag, ++seq);
	return buf;
}

/* Load (COMING) and init (LIVE, no reference held); fails the test otherwise. */
static inline struct module *kt_load_live(const struct scheme_ops *ops, const char *name,
					  const struct load_params *p)
{
	static const struct load_params none;
	int err = 0;
	struct module *mod = ops->load_module(name, p ? p : &none, &err);

	if (!mod)
		fail_msg("%s: load_module(%s) failed: %d", ops->name, name, err);
	assert_int_equal(ops->do_init_module(mod), 0);
	return mod;
}

/*
 * A test list built at run time: tests that concern a scheme are added once
 * per entry of refbench_schemes[], named "test/scheme", so that a scheme
 * added to the table is tested without editing the tests.
 */
#define KT_MAX_TESTS 96
struct kt_suite {
	struct CMUnitTest t[KT_MAX_TESTS];
	char names[KT_MAX_TESTS][80];
	size_t n;
};

static inline void kt_add(struct kt_suite *s, const char *name, CMUnitTestFunction fn,
			  void *state)
{
	if (s->n == KT_MAX_TESTS) {
		fprintf(stderr, "kernels tests: more than %d tests\n", KT_MAX_TESTS);
		exit(1);
	}
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s", name);
	s->t[s->n] = (struct CMUnitTest){ .name = s->names[s->n], .test_func = fn,
					  .initial_state = state };
	s->n++;
}

static inline void kt_add_schemes(struct kt_suite *s, const char *name, CMUnitTestFunction fn)
{
	char full[80];

	for (int i = 0; refbench_schemes[i]; i++) {
		snprintf(full, sizeof(full), "%s/%s", name, refbench_schemes[i]->name);
		kt_add(s, full, fn, (void *)refbench_schemes[i]);
	}
}

static inline int kt_run(struct kt_suite *s, const char *group)
{
	return _cmocka_run_group_tests(group, s->t, s->n, NULL, NULL);
}

static inline const struct scheme_ops *kt_ops(void **state)
{
	return (const struct scheme_ops *)*state;
}

#endif
