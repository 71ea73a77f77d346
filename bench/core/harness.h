/*
 * harness.h - what every benchmark thread does around the measured window:
 * pin itself, become a lab CPU, meet the other threads, measure, publish.
 *
 * Google Benchmark starts fresh threads for every run and pins none of
 * them; thread 0 is the process's main thread.  So each benchmark function
 * starts with harness_thread_enter(), which binds the calling thread to
 * placement entry thread_index (hwloc), checks the binding, and registers
 * it as lab CPU thread_index (compat.h); harness_thread_exit() undoes both
 * and gives the main thread its original CPU set back.
 *
 * The same-window measurement (window.h) replaces Google Benchmark's
 * per-thread iteration counts: thread 0 (the leader) runs the iterations
 * Google Benchmark asks for and then raises a stop flag; every other
 * thread runs until it sees the flag.  All threads are counted over the
 * same window, so nobody's early finish leaves the rest uncontended.
 */
#ifndef REFBENCH_HARNESS_H
#define REFBENCH_HARNESS_H

#include "gbench.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HARNESS_MAX_THREADS 1024
#define HARNESS_MAX_COUNTS 64

struct run_config {
	unsigned int nr_cpus;          /* NR_CPUS for hot, spread, lifecycle, unload */
	unsigned int line;             /* L1_CACHE_BYTES: 64 or 128 */
	unsigned int modules;          /* spread and lifecycle */
	int threads[HARNESS_MAX_COUNTS];
	int nr_threads;
	int max_threads;               /* nr_cpu_ids of the run */
	int64_t iterations;            /* fixed count, 0: Google Benchmark decides */
	bool smt;
	char placement[256];
	char counters[512];
	size_t percpu_unit;            /* bytes per CPU unit; 0: sized for the run */
	bool percpu_small_pages;       /* per-CPU units on 4 KiB pages (a control) */
};

extern struct run_config run_cfg;

/*
 * Enter: pin, register, and (thread 0) set NR_CPUS for this benchmark.
 * Returns false (after rb_skip_with_error()) only when the whole run
 * cannot start, the same for every thread: the function returns at once.
 * A thread that cannot be pinned records a set-up error instead, so that
 * all threads still meet at the barriers and then skip together.
 */
bool harness_thread_enter(rb_state *st, unsigned int nr_cpus);

/*
 * Google Benchmark calls a benchmark function several times in a row
 * (growing the iteration count, then each repetition).  A benchmark whose
 * set-up is long (loading thousands of modules) may keep what it loaded
 * for the next call of the same benchmark: it enters with its own key,
 * asks harness_cache_hit(key) on thread 0, and after loading registers
 * harness_cache_set(key, release).  Any thread 0 entering with another
 * key (or none) releases the kept modules first, before NR_CPUS changes.
 */
bool harness_thread_enter_cached(rb_state *st, unsigned int nr_cpus, const void *key);
bool harness_cache_hit(const void *key);
void harness_cache_set(const void *key, void (*release)(void));
void harness_cache_drop(void);
void harness_thread_exit(rb_state *st);

/* All threads of the current run meet here; waiting threads are idle. */
void harness_barrier(rb_state *st);

/*
 * Set-up errors: thread 0 reports one before the barrier that follows
 * set-up; after it, every thread calls harness_setup_ok() and, when it
 * returns false, skips and exits.
 */
void harness_setup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool harness_setup_ok(rb_state *st);
/* Thread 0, before set-up: false if entering already failed. */
bool harness_setup_ok_quiet(void);

/*
 * The run's CPUs are the first max_threads entries of harness_placement,
 * dense ids in placement order; cpu_ids (>= max_threads) is nr_cpu_ids,
 * the possible CPUs, the ones past max_threads being layout only.  Tell the
 * models (nr_cpu_ids, nodes) and lay out per-CPU areas with room for
 * modules modules.  0, or -1 + err.
 */
int harness_setup_cpus(int max_threads, unsigned int cpu_ids, unsigned int modules,
		       char *err, size_t errlen);

/* Monotonic time in seconds. */
double harness_now(void);

/* Per-thread perf counters around the window (counters.h); see window.c. */
int harness_counters_init(const char *spec, char *err, size_t errlen);
void harness_counters_write_json(FILE *f);

#endif
