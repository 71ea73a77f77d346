/*
 * plain.c - the plain baseline, beside hot's benchmarks (hot/plain):
 * increment + decrement of this thread's own cache line,
 * unlocked (local_inc/local_dec): the machine's limit for a per-CPU count.
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

extern const struct loop_desc loop_plain;

static void bench_plain(rb_state *st, void *arg)
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
	WINDOW_RUN(&w, { local_inc(&mine->l); local_dec(&mine->l); });
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void add_plain(const struct loop_settings *s)
{
	loop_add_baseline(s, &loop_plain, bench_plain);
}

const struct loop_desc loop_plain = {
	.name = "plain",
	.role = ROLE_BASELINE,
	.label = "a private line, unlocked",
	/* the limit a per-CPU count can reach: the charts' reference line */
	.claims = CLAIMS("per-cpu-limit"),
	.source = __FILE__,
	.scenario = -1,
	.beside = "hot",
	.add = add_plain,
};
