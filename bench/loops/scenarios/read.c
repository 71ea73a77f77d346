/*
 * read.c - the read scenario: module_refcount() at NR_CPUS 8..8192, idle or with the other
 * threads doing get/put on the same module.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

static void bench_read(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	struct module *mod;
	unsigned long sink = 0;

	switch (begin_one_module(st, a, "read")) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	mod = run_mod;

	window_begin(st, &w);
	if (w.leader) {
		WINDOW_RUN(&w, { sink += bench_module_refcount(mod); });
	} else {
		/* Background load: counted apart, not as reads. */
		w.counted = false;
		WINDOW_RUN(&w, {
			if (unlikely(!bench_try_module_get(mod)))
				__builtin_trap();
			bench_module_put(mod);
		});
	}
	__asm__ __volatile__("" : : "r" (sink));
	if (w.leader)
		window_extra_counter(st, "nr_cpus", a->nr_cpus);
	window_end(st, &w);
	if (w.leader)
		check_count(st, mod, 0);
out:
	end_run(st);
}

static const struct scenario_loops read_loops = { bench_read, NULL };

#else /* the registration */
#include "loop_register.h"

#include "percpu_alloc.h"

#include <stdio.h>

static const unsigned int read_nr_cpus[] = { 8, 64, 512, 4096, 8192 };

static void add_read(const struct loop_settings *s, const struct scheme_loops *t,
		     const struct scenario_loops *l, struct wanted w)
{
	unsigned int pg = loop_pages_for(t->scheme, s->pages);
	int one[] = { 1 }, max[] = { s->run->max_threads };
	char name[256];

	if (!w.own)
		return;
	for (size_t k = 0; k < sizeof(read_nr_cpus) / sizeof(read_nr_cpus[0]); k++) {
		unsigned int rn = read_nr_cpus[k];
		/* NR_CPUS below the possible CPUs is no kernel. */
		if (rn < nr_cpu_ids)
			continue;
		for (int busy = 0; busy < 2; busy++) {
			if (busy && s->run->max_threads < 2)
				continue;
			snprintf(name, sizeof(name), "read/%s/nr_cpus:%u/line:%u/load:%s/"
				 "percpu_unit:%zu/percpu_pages:%s/%s",
				 t->scheme->name, rn, s->run->line, busy ? "busy" : "idle",
				 percpu_unit_size(), s->run->percpu_small_pages ? "4k" : "2m",
				 loop_scheme_suffix(t, pg, s->offset));
			loop_add(s, name, l->run,
				 loop_scenario_args(rn, s->run->modules, false, pg, s->offset),
				 busy ? max : one, 1);
		}
	}
}

const struct loop_desc loop_read = {
	.name = "read",
	.role = ROLE_SCENARIO,
	.label = "module_refcount(), idle or busy",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_read,
	.add_scheme = add_read,
};
#endif
