/*
 * spread.c - the spread scenario: the same on modules drawn from N, uniform or Zipf(1); its
 * plain variant (codegen:plain) does the same loads and stores with no
 * scheme code.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

/*
 * Loading thousands of modules takes longer than measuring them: they are
 * kept for the next benchmark that would load the same modules (its counts
 * are checked), whatever it then does with them (uniform or Zipf, the model
 * or its plain loop).  The cache key is this translation unit's copy of the
 * arguments they were loaded with.
 */
static struct scenario_args loaded_as;

static const void *spread_key(const struct scenario_args *a)
{
	const struct scenario_args *l = &loaded_as;

	if (l->modules == a->modules && l->nr_cpus == a->nr_cpus &&
	    l->module_pages == a->module_pages && l->offset == a->offset)
		return l;
	return a;
}

/*
 * The frame of spread and its plain control: the modules loaded (or kept
 * from the last benchmark that loaded the same) and this thread's sequence.
 * RUN_GONE, RUN_SKIP (go to spread_end()) or RUN_GO, as begin_one_module().
 */
static int spread_begin(rb_state *st, const struct scenario_args *a, uint32_t **seq)
{
	const void *key = spread_key(a);

	*seq = NULL;
	if (!harness_thread_enter_cached(st, a->nr_cpus, key))
		return RUN_GONE;
	if (rb_thread_index(st) == 0 && harness_setup_ok_quiet() && !harness_cache_hit(key)) {
		if (load_many(a, a->modules)) {
			loaded_as = *a;
			harness_cache_set(&loaded_as, unload_all);
		}
	}
	*seq = malloc(SPREAD_SEQ * sizeof(**seq));
	harness_barrier(st);
	if (!harness_setup_ok(st))
		return RUN_SKIP;
	if (!*seq) {
		rb_skip_with_error(st, "no memory for the spread sequence");
		return RUN_SKIP;
	}
	spread_sequence(*seq, a->modules, a->zipf, (uint64_t)rb_thread_index(st) + 1);
	return RUN_GO;
}

static void spread_end(rb_state *st, const struct scenario_args *a, uint32_t *seq)
{
	bool ok;

	free(seq);
	harness_barrier(st);
	ok = !rb_error_occurred(st) && harness_setup_ok_quiet();
	if (rb_thread_index(st) == 0 && !ok)
		harness_cache_drop();
	if (rb_thread_index(st) == 0 && !harness_cache_hit(spread_key(a)))
		unload_all();
	harness_thread_exit(st);
}

static void bench_spread(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	uint32_t *seq;
	struct module **mods;
	unsigned int pos = 0;

	switch (spread_begin(st, a, &seq)) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	mods = run_mods;

	window_begin(st, &w);
	WINDOW_RUN(&w, {
		struct module *m = mods[seq[pos++ & (SPREAD_SEQ - 1)]];
		if (unlikely(!bench_try_module_get(m)))
			__builtin_trap();
		bench_module_put(m);
	});
	window_end(st, &w);
	if (w.leader)
		for (unsigned int i = 0; i < run_nr_mods; i++)
			check_count(st, mods[i], 0);
out:
	spread_end(st, a, seq);
}

/*
 * The plain control of spread, over the scheme's own loaded modules: the
 * loads and stores of a get and a put (struct module's state word, then an
 * increment and a decrement of this CPU's count) with none of the scheme's
 * code between them (SPREAD_PLAIN_OP, the control loop's own).  Each
 * module's two addresses are found before the window.  It differs from
 * spread in code alone and from the spread-array control
 * (controls/spread_array.c) in memory
 * alone.  One thread: for a shared count the plain increment is not
 * atomic.  Every count it touched is checked to be back after the window.
 */
static void bench_spread_plain(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct spread_ref *refs = NULL;
	unsigned int *before = NULL;
	struct window w;
	uint32_t *seq;
	unsigned int pos = 0;

	switch (spread_begin(st, a, &seq)) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	refs = malloc(run_nr_mods * sizeof(*refs));
	before = malloc(run_nr_mods * sizeof(*before));
	if (!refs || !before) {
		rb_skip_with_error(st, "no memory for the plain loop's addresses");
		goto out;
	}
	for (unsigned int i = 0; i < run_nr_mods; i++) {
		refs[i].state = &run_mods[i]->state;
		refs[i].count = module_ref_cpu_addr(run_mods[i], raw_smp_processor_id());
		before[i] = *refs[i].count;
	}

	window_begin(st, &w);
	WINDOW_RUN(&w, { SPREAD_PLAIN_OP(refs, seq, pos); });
	window_end(st, &w);
	/* Every word it touched is back (module_refcount() over NR_CPUS lines
	 * of 2000 modules would cost more than the window). */
	for (unsigned int i = 0; i < run_nr_mods; i++)
		if (*refs[i].count != before[i]) {
			rb_skip_with_error(st, "plain loop: a count did not come back");
			break;
		}
out:
	free(before);
	free(refs);
	spread_end(st, a, seq);
}

static const struct scenario_loops spread_loops = { bench_spread, bench_spread_plain };

#else /* the registration */
#include "loop_register.h"

#include <stdio.h>
#include <string.h>

/*
 * Spread on @a, and right after it (the same arguments, so the loaded
 * modules are kept) its plain variant, one thread, uniform.
 */
static void add_one(const struct loop_settings *s, const struct scenario_loops *l,
		    struct wanted w, const char *name,
		    struct scenario_args *a, const int *threads, int nr)
{
	char plain[256], *cg;

	if (w.own)
		loop_add(s, name, l->run, a, threads, nr);
	if (!w.plain || !l->plain || a->zipf)
		return;
	snprintf(plain, sizeof(plain), "%s", name);
	if ((cg = strstr(plain, "/codegen:")))
		snprintf(cg, sizeof(plain) - (size_t)(cg - plain), "/codegen:plain");
	loop_add(s, plain, l->plain, a, (const int[]){ 1 }, 1);
}

static void add_spread(const struct loop_settings *s, const struct scheme_loops *t,
		       const struct scenario_loops *l, struct wanted w)
{
	unsigned int nc = s->run->nr_cpus, line = s->run->line, m = s->run->modules;
	unsigned int pg = loop_pages_for(t->scheme, s->pages);
	int one[] = { 1 }, lo_hi[2] = { 1, s->run->max_threads };
	int nr_lo_hi = s->run->max_threads > 1 ? 2 : 1;
	char name[256];

	for (int z = 0; z < 2; z++) {
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:%s/nr_cpus:%u/line:%u/%s",
			 t->scheme->name, m, z ? "zipf" : "uniform", nc, line,
			 loop_scheme_suffix(t, pg, s->offset));
		add_one(s, l, w, name, loop_scenario_args(nc, m, z, pg, s->offset), lo_hi, nr_lo_hi);
	}
	/* The working-set sweep: one thread, uniform. */
	for (int k = 0; k < s->nr_spread_modules; k++) {
		unsigned int sm = s->spread_modules[k];
		if (sm == m)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 t->scheme->name, sm, nc, line, loop_scheme_suffix(t, pg, s->offset));
		add_one(s, l, w, name, loop_scenario_args(nc, sm, false, pg, s->offset), one, 1);
	}
	/* Further layouts (the page size x in-page placement matrix): one thread, uniform. */
	for (int k = 0; k < s->nr_layouts; k++) {
		unsigned int lp = loop_pages_for(t->scheme, s->layouts[k].pages);
		enum layout_offset lo = s->layouts[k].offset;
		if (lp == pg && lo == s->offset)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 t->scheme->name, m, nc, line, loop_scheme_suffix(t, lp, lo));
		add_one(s, l, w, name, loop_scenario_args(nc, m, false, lp, lo), one, 1);
	}
}

/* The run's module count, or a larger one of the working-set sweep. */
static unsigned int spread_modules(const struct loop_settings *s)
{
	unsigned int m = s->run->modules;

	for (int k = 0; k < s->nr_spread_modules; k++)
		if (s->spread_modules[k] > m)
			m = s->spread_modules[k];
	return m;
}

const struct loop_desc loop_spread = {
	.name = "spread",
	.role = ROLE_SCENARIO,
	.label = "many modules, uniform or Zipf",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_spread,
	.add_scheme = add_spread,
	.modules = spread_modules,
};
#endif
