/*
 * window.h - the same-window measurement loop.
 *
 *   struct window w;
 *   window_begin(st, &w);                  every thread
 *   WINDOW_RUN(&w, { try_module_get(m); module_put(m); });
 *   window_end(st, &w);                    every thread: publishes counters
 *
 * The body is pasted into the loop, so the scheme's inline operations
 * compile into it: no call per operation.  Between batches each thread
 * passes a quiescent point (cpu_quiescent(), the model's scheduler tick)
 * and, unless it is the leader, looks at the stop flag.
 *
 * Published counters (thread 0's values only, so Google Benchmark's sum
 * over threads leaves them as they are): ops, ops_per_sec, ns_per_op,
 * thread_ops_per_sec_min/max, fairness, and the per-op perf counters.
 * Every thread reports the window as its manual time.
 */
#ifndef REFBENCH_WINDOW_H
#define REFBENCH_WINDOW_H

#include "compat.h"
#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

#define WINDOW_BATCH 256

struct window {
	int tid, threads;
	bool leader;
	bool counted;          /* this thread's operations count as ops */
	uint64_t target;       /* leader: operations Google Benchmark asked for */
	uint64_t done;         /* operations this thread did in the window */
};

extern int window_stop_flag;

void window_begin(rb_state *st, struct window *w);
void window_end(rb_state *st, struct window *w);
/* Extra per-run figure from thread 0, published with the others. */
void window_extra_counter(rb_state *st, const char *name, double value);

static inline bool window_should_stop(void)
{
	return __atomic_load_n(&window_stop_flag, __ATOMIC_RELAXED) != 0;
}

static inline void window_signal_stop(void)
{
	__atomic_store_n(&window_stop_flag, 1, __ATOMIC_RELEASE);
}

/* Leader: exactly target operations; others: whole batches until stop. */
#define WINDOW_RUN(w, BODY)                                                   \
	do {                                                                  \
		if ((w)->leader) {                                            \
			uint64_t __left = (w)->target;                        \
			while (__left) {                                      \
				uint64_t __n = __left < WINDOW_BATCH ?        \
					__left : WINDOW_BATCH;                \
				for (uint64_t __i = 0; __i < __n; __i++) {    \
					BODY;                                 \
				}                                             \
				__left -= __n;                                \
				cpu_quiescent();                              \
			}                                                     \
			(w)->done = (w)->target;                              \
			window_signal_stop();                                 \
		} else {                                                      \
			uint64_t __done = 0;                                  \
			while (!window_should_stop()) {                       \
				for (unsigned int __i = 0; __i < WINDOW_BATCH; __i++) { \
					BODY;                                 \
				}                                             \
				__done += WINDOW_BATCH;                       \
				cpu_quiescent();                              \
			}                                                     \
			(w)->done = __done;                                   \
		}                                                             \
	} while (0)

#endif
