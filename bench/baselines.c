/*
 * baselines.c - what the machine and the harness cost, measured beside
 * the schemes in the same run:
 *   noop            the window loop alone (a loop iteration, about a cycle)
 *   plain           increment + decrement of this thread's own cache line,
 *                   unlocked (local_inc/local_dec): the machine's limit for
 *                   a per-CPU count
 *   atomic-private  the same with lock-prefixed instructions on a private
 *                   line: what a shared atomic costs without contention
 */
#include "compat.h"
#include "harness.h"
#include "scenarios.h"
#include "window.h"

struct private_line {
	local_t l;
	atomic_t a;
} ____cacheline_aligned;

static struct private_line lines[HARNESS_MAX_THREADS];

static void run_baseline(rb_state *st, int kind)
{
	struct window w;
	struct private_line *mine = &lines[rb_thread_index(st)];

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	switch (kind) {
	case 0:
		WINDOW_RUN(&w, { __asm__ __volatile__(""); });
		break;
	case 1:
		WINDOW_RUN(&w, { local_inc(&mine->l); local_dec(&mine->l); });
		break;
	default:
		WINDOW_RUN(&w, {
			__atomic_fetch_add(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
			__atomic_fetch_sub(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
		});
		break;
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void bench_noop(rb_state *st, void *arg) { (void)arg; run_baseline(st, 0); }
static void bench_plain(rb_state *st, void *arg) { (void)arg; run_baseline(st, 1); }
static void bench_atomic_private(rb_state *st, void *arg) { (void)arg; run_baseline(st, 2); }

const struct baseline refbench_baselines[] = {
	{ "noop", bench_noop },
	{ "plain", bench_plain },
	{ "atomic-private", bench_atomic_private },
	{ NULL, NULL },
};
