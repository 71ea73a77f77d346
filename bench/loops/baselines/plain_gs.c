/*
 * plain_gs.c - the plain-gs baseline, beside hot's benchmarks (hot/plain-gs):
 * plain's increment + decrement of an unsigned long, as
 * this_cpu operations (incq/decq %gs:(reg)) on this CPU's word of a
 * per-CPU block: plain with only the addressing of the this_cpu schemes
 * changed (a control for them).
 */
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "percpu_alloc.h"
#include "this_cpu.h"
#include "window.h"

static void *gs_block;          /* the per-CPU block, from thread 0 */

extern const struct loop_desc loop_plain_gs;

static void bench_plain_gs(rb_state *st, void *arg)
{
	struct window w;
	unsigned long *gs_word;

	(void)arg;
	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	if (rb_thread_index(st) == 0) {
		const char *why = this_cpu_unavailable();

		if (why)
			harness_setup_error("plain-gs: %s", why);
		else if (!(gs_block = percpu_modalloc(sizeof(long), sizeof(long), "plain-gs")))
			harness_setup_error("plain-gs: percpu_modalloc failed");
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	gs_word = percpu_zb_of(gs_block);
	window_begin(st, &w);
	WINDOW_RUN(&w, { __this_cpu_inc_ulong(gs_word); __this_cpu_dec_ulong(gs_word); });
	window_end(st, &w);
out:
	harness_barrier(st);
	if (rb_thread_index(st) == 0 && gs_block) {
		percpu_modfree(gs_block);
		gs_block = NULL;
	}
	harness_thread_exit(st);
}

static void add_plain_gs(const struct loop_settings *s)
{
	loop_add_baseline(s, &loop_plain_gs, bench_plain_gs);
}

const struct loop_desc loop_plain_gs = {
	.name = "plain-gs",
	.role = ROLE_BASELINE,
	.label = "plain through this CPU's per-CPU word",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = -1,
	.beside = "hot",
	.add = add_plain_gs,
};
