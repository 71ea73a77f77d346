/*
 * baselines.c - what the machine and the harness cost, measured beside
 * the schemes in the same run:
 *   noop            the window loop alone (a loop iteration, about a cycle)
 *   plain           increment + decrement of this thread's own cache line,
 *                   unlocked (local_inc/local_dec): the machine's limit for
 *                   a per-CPU count
 *   atomic-private  the same with lock-prefixed instructions on a private
 *                   line: what a shared atomic costs without contention
 *   plain-gs        plain's increment + decrement of an unsigned long, as
 *                   this_cpu operations (incq/decq %gs:(reg)) on this CPU's
 *                   word of a per-CPU block: plain with only the addressing
 *                   of the this_cpu schemes changed (a control for them)
 */
#include "compat.h"
#include "harness.h"
#include "percpu_alloc.h"
#include "scenarios.h"
#include "this_cpu.h"
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

	static void *gs_block;          /* plain-gs: the per-CPU block, from thread 0 */
	unsigned long *gs_word;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	if (kind == 3 && rb_thread_index(st) == 0) {
		const char *why = this_cpu_unavailable();

		if (why)
			harness_setup_error("plain-gs: %s", why);
		else if (!(gs_block = percpu_modalloc(sizeof(long), sizeof(long), "plain-gs")))
			harness_setup_error("plain-gs: percpu_modalloc failed");
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	gs_word = kind == 3 ? percpu_zb_of(gs_block) : NULL;
	window_begin(st, &w);
	switch (kind) {
	case 0:
		WINDOW_RUN(&w, { __asm__ __volatile__(""); });
		break;
	case 1:
		WINDOW_RUN(&w, { local_inc(&mine->l); local_dec(&mine->l); });
		break;
	case 2:
		WINDOW_RUN(&w, {
			__atomic_fetch_add(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
			__atomic_fetch_sub(&mine->a.counter, 1, __ATOMIC_SEQ_CST);
		});
		break;
	default:
		WINDOW_RUN(&w, { __this_cpu_inc_ulong(gs_word); __this_cpu_dec_ulong(gs_word); });
		break;
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	if (kind == 3 && rb_thread_index(st) == 0 && gs_block) {
		percpu_modfree(gs_block);
		gs_block = NULL;
	}
	harness_thread_exit(st);
}

static void bench_noop(rb_state *st, void *arg) { (void)arg; run_baseline(st, 0); }
static void bench_plain(rb_state *st, void *arg) { (void)arg; run_baseline(st, 1); }
static void bench_atomic_private(rb_state *st, void *arg) { (void)arg; run_baseline(st, 2); }
static void bench_plain_gs(rb_state *st, void *arg) { (void)arg; run_baseline(st, 3); }

const struct baseline refbench_baselines[] = {
	{ "noop", bench_noop },
	{ "plain", bench_plain },
	{ "atomic-private", bench_atomic_private },
	{ "plain-gs", bench_plain_gs },
	{ NULL, NULL },
};
