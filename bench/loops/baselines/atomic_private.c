/*
 * atomic_private.c - the atomic-private baseline, beside hot's benchmarks (hot/atomic-private):
 * the same as plain with lock-prefixed instructions on
 * a private line: what a shared atomic costs without contention.
 */
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "window.h"

/* This thread's line (the same layout in the plain and atomic-private baselines). */
struct private_line {
	local_t l;
	atomic_t a;
} ____cacheline_aligned;

static struct private_line lines[HARNESS_MAX_THREADS];

extern const struct loop_desc loop_atomic_private;

static void bench_atomic_private(rb_state *st, void *arg)
{
	struct window w;
	struct private_line *mine = &lines[rb_thread_index(st)];

	(void)arg;
	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	WINDOW_RUN(&w, {
		__atomic_fetch_add(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_sub(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
	});
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void add_atomic_private(const struct loop_settings *s)
{
	loop_add_baseline(s, &loop_atomic_private, bench_atomic_private);
}

const struct loop_desc loop_atomic_private = {
	.name = "atomic-private",
	.role = ROLE_BASELINE,
	.label = "a private line, locked",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = -1,
	.beside = "hot",
	.add = add_atomic_private,
};
