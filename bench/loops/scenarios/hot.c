/*
 * hot.c - the hot scenario: every thread: try_module_get + module_put on one module.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

static void bench_hot(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	struct module *mod;

	switch (begin_one_module(st, a, "hot")) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	/* A local whose address is never taken: the loop keeps it in a register. */
	mod = run_mod;

	window_begin(st, &w);
	WINDOW_RUN(&w, {
		if (unlikely(!bench_try_module_get(mod)))
			__builtin_trap();
		bench_module_put(mod);
	});
	window_end(st, &w);
	if (w.leader)
		check_count(st, mod, 0);
out:
	end_run(st);
}

static const struct scenario_loops hot_loops = { bench_hot, NULL };

#else /* the registration */
#include "loop_register.h"

#include <stdio.h>

static void add_hot(const struct loop_settings *s, const struct scheme_loops *t,
		    const struct scenario_loops *l, struct wanted w)
{
	unsigned int nc = s->run->nr_cpus, pg = loop_pages_for(t->scheme, s->pages);
	char name[256];

	if (!w.own)
		return;
	snprintf(name, sizeof(name), "hot/%s/nr_cpus:%u/line:%u/%s", t->scheme->name, nc,
		 s->run->line, loop_scheme_suffix(t, pg, s->offset));
	loop_add(s, name, l->run, loop_scenario_args(nc, s->run->modules, false, pg, s->offset),
		 s->run->threads, s->run->nr_threads);
}

const struct loop_desc loop_hot = {
	.name = "hot",
	.role = ROLE_SCENARIO,
	.label = "one module, every thread gets and puts",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_hot,
	.add_scheme = add_hot,
};
#endif
