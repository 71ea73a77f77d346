/*
 * noop.c - the noop baseline, beside hot's benchmarks (hot/noop):
 * the window loop alone (a loop iteration, about a
 * cycle).
 */
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "window.h"

extern const struct loop_desc loop_noop;

static void bench_noop(rb_state *st, void *arg)
{
	struct window w;

	(void)arg;
	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	WINDOW_RUN(&w, { __asm__ __volatile__(""); });
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static void add_noop(const struct loop_settings *s)
{
	loop_add_baseline(s, &loop_noop, bench_noop);
}

const struct loop_desc loop_noop = {
	.name = "noop",
	.role = ROLE_BASELINE,
	.label = "the window loop alone",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = -1,
	.beside = "hot",
	.add = add_noop,
};
