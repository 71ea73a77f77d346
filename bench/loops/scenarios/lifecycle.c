/*
 * lifecycle.c - the lifecycle scenario: load_module (with module_unload_init) + free_module of N
 * modules; allocator and resident footprint of the first N.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

struct footprint_sample {
	size_t pool, vmalloc_mapped, percpu, kmalloc;
	long rss;
};

static void footprint_sample(struct footprint_sample *f)
{
	struct module_mem_stats mm;
	struct percpu_stats pc;

	module_mem_get_stats(&mm);
	percpu_get_stats(&pc);
	f->pool = mm.pool_in_use;
	f->vmalloc_mapped = mm.vmalloc_mapped;
	f->percpu = pc.in_use_total;
	f->kmalloc = kmalloc_bytes_in_use();
	f->rss = lab_rss_bytes();
}

static void bench_lifecycle(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	struct module **mods;
	struct load_params *lp;
	char name[MODULE_NAME_LEN];
	bool first = true;
	int err = 0;

	if (!harness_thread_enter(st, a->nr_cpus))
		return;
	mods = calloc(a->modules, sizeof(*mods));
	lp = calloc(a->modules, sizeof(*lp));
	if (!mods || !lp)
		harness_setup_error("no memory for %u module pointers", a->modules);
	/* Each module's layout, drawn before the window. */
	for (unsigned int i = 0; lp && i < a->modules; i++)
		scenario_load_params(a, i, &lp[i]);
	/* A fresh pool, so the first batch's resident growth is its own. */
	module_mem_reset();
	if (!harness_setup_ok(st))
		goto out;

	window_begin(st, &w);
	for (uint64_t left = w.target; left > 0;) {
		unsigned int n = left < a->modules ? (unsigned int)left : a->modules;
		struct footprint_sample before, after;
		size_t ref = 0;

		if (first)
			footprint_sample(&before);
		for (unsigned int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "life%05u", i);
			mods[i] = ops->load_module(name, &lp[i], &err);
			if (unlikely(!mods[i]))
				break;
		}
		if (first) {
			footprint_sample(&after);
			for (unsigned int i = 0; i < n && mods[i]; i++)
				ref += ops->ref_bytes(mods[i]);
		}
		for (unsigned int i = 0; i < n; i++) {
			if (!mods[i]) {
				rb_skip_with_error(st, "load_module failed in the lifecycle loop");
				left = n;
				break;
			}
			ops->free_module(mods[i]);
			mods[i] = NULL;
		}
		if (first) {
			window_extra_counter(st, "ref_bytes_per_module", (double)ref / n);
			window_extra_counter(st, "module_bytes_per_module",
					     (double)(after.pool - before.pool +
						      after.vmalloc_mapped - before.vmalloc_mapped) / n);
			if (before.rss >= 0 && after.rss >= 0)
				window_extra_counter(st, "rss_bytes_per_module",
						     (double)(after.rss - before.rss) / n);
			first = false;
		}
		left -= n;
		cpu_quiescent();
	}
	w.done = w.target;
	window_end(st, &w);
out:
	free(mods);
	free(lp);
	harness_thread_exit(st);
}

static const struct scenario_loops lifecycle_loops = { bench_lifecycle, NULL };

#else /* the registration */
#include "loop_register.h"

#include <stdio.h>

static void add_lifecycle(const struct loop_settings *s, const struct scheme_loops *t,
			  const struct scenario_loops *l, struct wanted w)
{
	unsigned int nc = s->run->nr_cpus, m = s->run->modules;
	unsigned int pg = loop_pages_for(t->scheme, s->pages);
	char name[256];

	if (!w.own)
		return;
	snprintf(name, sizeof(name), "lifecycle/%s/modules:%u/nr_cpus:%u/line:%u/%s",
		 t->scheme->name, m, nc, s->run->line, loop_scheme_suffix(t, pg, s->offset));
	loop_add(s, name, l->run, loop_scenario_args(nc, m, false, pg, s->offset),
		 (const int[]){ 1 }, 1);
}

static unsigned int lifecycle_modules(const struct loop_settings *s)
{
	return s->run->modules;
}

const struct loop_desc loop_lifecycle = {
	.name = "lifecycle",
	.role = ROLE_SCENARIO,
	.label = "load and free N modules",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_lifecycle,
	.add_scheme = add_lifecycle,
	.modules = lifecycle_modules,
};
#endif
