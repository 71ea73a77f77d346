#define _GNU_SOURCE
#include "harness.h"
#include "compat.h"
#include "percpu_alloc.h"
#include "placement.h"

#include <hwloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct run_config run_cfg = {
	.nr_cpus = 64,
	.line = 128,
	.modules = 2000,
	.placement = "compact",
	.counters = "all",
};

/* Set up by main.c before any benchmark runs. */
hwloc_topology_t harness_topo;
struct placement harness_placement;

static hwloc_cpuset_t main_thread_cpuset;
static char setup_error[512];
static int setup_failed;

double harness_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A generation barrier whose waiters are idle (compat.h), so a stop_machine()
 * or grace period started by a thread that has not arrived yet can finish. */
static struct {
	int count;
	int gen;
} bar;

void harness_barrier(rb_state *st)
{
	int n = rb_thread_count(st);
	int gen = __atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE);

	if (n == 1)
		return;
	cpu_idle_enter();
	if (__atomic_add_fetch(&bar.count, 1, __ATOMIC_ACQ_REL) == n) {
		__atomic_store_n(&bar.count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&bar.gen, gen + 1, __ATOMIC_RELEASE);
	} else {
		unsigned long spins = 0;
		while (__atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE) == gen) {
			if (++spins < 1000)
				__builtin_ia32_pause();
			else
				sched_yield();
		}
	}
	cpu_idle_exit();
}

void harness_setup_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(setup_error, sizeof(setup_error), fmt, ap);
	va_end(ap);
	__atomic_store_n(&setup_failed, 1, __ATOMIC_RELEASE);
}

bool harness_setup_ok(rb_state *st)
{
	if (!__atomic_load_n(&setup_failed, __ATOMIC_ACQUIRE))
		return true;
	rb_skip_with_error(st, setup_error);
	return false;
}

bool harness_setup_ok_quiet(void)
{
	return !__atomic_load_n(&setup_failed, __ATOMIC_ACQUIRE);
}

/* Modules a benchmark kept loaded for its next run (see harness.h). */
static const void *cache_key;
static void (*cache_release)(void);

bool harness_cache_hit(const void *key)
{
	return key && cache_key == key;
}

void harness_cache_set(const void *key, void (*release)(void))
{
	cache_key = key;
	cache_release = release;
}

void harness_cache_drop(void)
{
	void (*release)(void) = cache_release;

	cache_key = NULL;
	cache_release = NULL;
	if (release)
		release();
}

bool harness_thread_enter(rb_state *st, unsigned int nr_cpus)
{
	return harness_thread_enter_cached(st, nr_cpus, NULL);
}

bool harness_thread_enter_cached(rb_state *st, unsigned int nr_cpus, const void *key)
{
	int tid = rb_thread_index(st);
	char err[512];

	if (tid == 0) {
		if (!main_thread_cpuset) {
			main_thread_cpuset = hwloc_bitmap_alloc();
			hwloc_get_cpubind(harness_topo, main_thread_cpuset, HWLOC_CPUBIND_THREAD);
		}
	}
	if (rb_thread_count(st) > (int)nr_cpu_ids) {
		snprintf(err, sizeof(err), "%d threads but the run has %u CPUs (--threads)",
			 rb_thread_count(st), nr_cpu_ids);
		rb_skip_with_error(st, err);
		return false;
	}
	/* A thread that cannot be placed still meets the others at every
	 * barrier; the error makes all of them skip after set-up. */
	if (placement_bind_self(harness_topo, &harness_placement, tid, err, sizeof(err)) != 0 ||
	    cpu_register(tid, err, sizeof(err)) != 0) {
		harness_setup_error("thread %d: %s", tid, err);
		return true;
	}
	if (tid == 0 && !harness_cache_hit(key))
		harness_cache_drop();
	if (tid == 0 && refbench_configure(nr_cpus, run_cfg.line, nr_cpu_ids, err, sizeof(err)) != 0)
		harness_setup_error("%s", err);
	return true;
}

void harness_thread_exit(rb_state *st)
{
	cpu_unregister();
	/* The last barrier has passed: the next run starts clean. */
	if (rb_thread_index(st) == 0)
		__atomic_store_n(&setup_failed, 0, __ATOMIC_RELEASE);
	if (rb_thread_index(st) == 0 && main_thread_cpuset)
		hwloc_set_cpubind(harness_topo, main_thread_cpuset, HWLOC_CPUBIND_THREAD);
}

int harness_setup_cpus(int max_threads, unsigned int cpu_ids, unsigned int modules,
		       char *err, size_t errlen)
{
	static int os[HARNESS_MAX_THREADS];
	size_t unit = percpu_unit_for(cpu_ids, modules);

	if (max_threads < 1 || max_threads > harness_placement.nr || max_threads > HARNESS_MAX_THREADS) {
		snprintf(err, errlen, "%d threads but the placement has %d CPUs", max_threads,
			 harness_placement.nr);
		return -1;
	}
	if (cpu_ids < (unsigned int)max_threads || cpu_ids > REFBENCH_NR_CPUS_MAX) {
		snprintf(err, errlen, "nr_cpu_ids %u not accepted (accepted: %d, the largest thread "
			 "count, to %d)", cpu_ids, max_threads, REFBENCH_NR_CPUS_MAX);
		return -1;
	}
	for (int i = 0; i < max_threads; i++)
		os[i] = harness_placement.cpu[i].os_index;
	if (refbench_cpus_layout(os, (unsigned int)max_threads, cpu_ids, err, errlen) != 0 ||
	    refbench_configure(REFBENCH_NR_CPUS_MAX, run_cfg.line, cpu_ids, err, errlen) != 0)
		return -1;
	if (run_cfg.percpu_unit) {
		if (run_cfg.percpu_unit < (size_t)modules * 16) {
			snprintf(err, errlen, "--percpu-unit=%zu is too small for %u modules (accepted: "
				 "at least %zu)", run_cfg.percpu_unit, modules, (size_t)modules * 16);
			return -1;
		}
		unit = run_cfg.percpu_unit;
	}
	percpu_set_small_pages(run_cfg.percpu_small_pages);
	return percpu_init(unit, err, errlen);
}
