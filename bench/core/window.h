/*
 * window.h - the same-window measurement loop.
 *
 *   struct window w;
 *   window_begin(st, &w);                  every thread
 *   WINDOW_RUN(&w, { try_module_get(m); module_put(m); });
 *   window_end(st, &w);                    every thread: publishes counters
 *
 * The body is pasted into the loop, so the scheme's inline operations
 * compile into it: no call per operation.  The leader may run up to one
 * batch past Google Benchmark's iteration count; the published counters
 * use the operations really done, Google Benchmark's own per-iteration
 * time is off by at most WINDOW_BATCH / iterations.  Between batches each thread
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

/*
 * Every thread runs the same loop of whole batches, so that the leader and
 * the others execute the same code; the leader stops once it has done at
 * least target operations (at most one batch more) and raises the flag.
 * done is exact for every thread: the counters are computed from it.
 */
#define WINDOW_RUN(w, BODY)                                                   \
	do {                                                                  \
		const bool __leader = (w)->leader;                            \
		const uint64_t __target = (w)->target;                        \
		uint64_t __done = 0;                                          \
		for (;;) {                                                    \
			for (unsigned int __i = 0; __i < WINDOW_BATCH; __i++) { \
				BODY;                                         \
			}                                                     \
			__done += WINDOW_BATCH;                               \
			cpu_quiescent();                                      \
			if (__leader ? __done >= __target : window_should_stop()) \
				break;                                        \
		}                                                             \
		if (__leader)                                                 \
			window_signal_stop();                                 \
		(w)->done = __done;                                           \
	} while (0)

#endif
