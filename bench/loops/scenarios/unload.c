/*
 * unload.c - the unload scenario: waiting delete_module of a module that the other threads
 * keep taking and dropping; a check that no get succeeded once the
 * module's GOING notifier had run.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

/*
 * Cycle k publishes its module as (unload_cycle = k, then unload_pub).  A
 * getter reads the cycle, the pointer, the cycle again: equal reads mean
 * the pointer is cycle k's (or NULL).  The GOING notifier records
 * unload_going_cycle = k once delete_module() has judged the count zero.
 * A getter that holds a reference and then finds that notifier already
 * run has caught a get that succeeded after the count was judged zero
 * (say, a delete without its grace period).  A correct delete cannot run
 * the notifier while anyone holds a reference, so this never misfires.
 * Before each delete the leader waits (boundedly) until every getter has
 * held a reference on the new module, so the delete meets real users.
 */
static struct module *unload_pub;
static unsigned long unload_cycle;
static unsigned long unload_going_cycle;
static unsigned long unload_gets_after_going;
static struct {
	unsigned long cycle;     /* last cycle this getter held a reference in */
} ____cacheline_aligned unload_seen[HARNESS_MAX_THREADS];

static void unload_notifier(int state, const char *scheme, const char *name,
			    void *mod, void *data)
{
	(void)name;
	(void)data;
	if (state != MODULE_STATE_GOING || strcmp(scheme, SCHEME_NAME) != 0 ||
	    mod != __atomic_load_n(&unload_pub, __ATOMIC_SEQ_CST))
		return;
	/* The count reached zero and the module is GOING: no get may succeed
	 * from here on.  free_module() waits for every CPU to pass a quiescent
	 * point after this, so getters drop the pointer before it is freed. */
	__atomic_store_n(&unload_going_cycle, __atomic_load_n(&unload_cycle, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&unload_pub, NULL, __ATOMIC_SEQ_CST);
}

/* Spin for @s seconds, passing quiescent states. */
static void unload_idle(double s)
{
	double t0 = harness_now();

	while (harness_now() - t0 < s)
		cpu_quiescent();
}

/* The leader: load, publish, wait for the getters, delete; w.target cycles. */
static void unload_lead(rb_state *st, const struct scenario_args *a, struct window *w,
			double *unload_s, unsigned long *lonely)
{
	double hold = a->hold_us * 1e-6;
	uint64_t draw = 0x2545f4914f6cdd1dull;
	char name[MODULE_NAME_LEN];

	for (uint64_t i = 0; i < w->target; i++) {
		struct module *mod;
		double t;
		int ret;

		snprintf(name, sizeof(name), "unload%lu", (unsigned long)(i & 1));
		mod = load_live(a, name, (unsigned int)(i & 1));
		if (!mod) {
			rb_skip_with_error(st, "load_module failed in the unload loop");
			break;
		}
		__atomic_store_n(&unload_cycle, i + 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&unload_pub, mod, __ATOMIC_SEQ_CST);
		/* Wait until every getter has used it, for 10 ms at most beyond
		 * a getter's hold and pause. */
		t = harness_now();
		for (int g = 1; g < w->threads; g++) {
			while (__atomic_load_n(&unload_seen[g].cycle, __ATOMIC_ACQUIRE) != i + 1 &&
			       harness_now() - t < 0.01 + 2 * hold)
				cpu_quiescent();
			if (__atomic_load_n(&unload_seen[g].cycle, __ATOMIC_ACQUIRE) != i + 1) {
				(*lonely)++;
				break;
			}
		}
		/* Delete at a point drawn uniformly over a getter's hold and
		 * pause, so that about half the deletes meet a held
		 * reference and sleep until the last put wakes them. */
		if (hold > 0)
			unload_idle(2 * hold * (double)(xorshift64(&draw) % 1024) / 1024.0);
		t = harness_now();
		ret = ops->delete_module(name, 0);
		*unload_s += harness_now() - t;
		if (ret != 0) {
			rb_skip_with_error(st, "delete_module failed in the unload loop");
			break;
		}
		cpu_quiescent();
	}
	w->done = w->target;
	window_signal_stop();
}

/* A getter: take the published module, hold it, drop it, until the window ends. */
static unsigned long unload_get(const struct scenario_args *a, const struct window *w)
{
	double hold = a->hold_us * 1e-6;
	unsigned long getter_ops = 0;

	while (!window_should_stop()) {
		for (unsigned int b = 0; b < WINDOW_BATCH; b++) {
			unsigned long c = __atomic_load_n(&unload_cycle, __ATOMIC_SEQ_CST);
			struct module *m = __atomic_load_n(&unload_pub, __ATOMIC_SEQ_CST);

			if (!m || __atomic_load_n(&unload_cycle, __ATOMIC_SEQ_CST) != c)
				continue;
			if (!bench_try_module_get(m))
				continue;
			/* Holding it: its GOING notifier must not have run. */
			if (__atomic_load_n(&unload_going_cycle, __ATOMIC_SEQ_CST) == c)
				__atomic_add_fetch(&unload_gets_after_going, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&unload_seen[w->tid].cycle, c, __ATOMIC_RELEASE);
			/* Keep it a while (a file open across the delete), passing
			 * quiescent states: a held reference, not a read-side
			 * section, is what keeps the module. */
			if (hold > 0)
				unload_idle(hold);
			bench_module_put(m);
			getter_ops++;
			if (hold > 0) {
				/* As long again without one. */
				unload_idle(hold);
				break;
			}
		}
		cpu_quiescent();
	}
	return getter_ops;
}

/* The leader's counters: delete time and how the deletes ended. */
static void unload_report(rb_state *st, const struct window *w, double unload_s,
			  unsigned long lonely, const struct module_unload_stats *before)
{
	struct module_unload_stats after;
	double cycles;

	kmutex_lock(&module_mutex);
	after = module_unload_stats;
	kmutex_unlock(&module_mutex);
	after.waited -= before->waited;
	after.found_zero -= before->found_zero;
	after.wait_ns -= before->wait_ns;
	cycles = (double)(after.waited + after.found_zero);
	window_extra_counter(st, "unload_ns", unload_s * 1e9 / (double)w->target);
	/* How the deletes ended: count zero once GOING, or waited for it. */
	window_extra_counter(st, "unload_found_zero", (double)after.found_zero);
	window_extra_counter(st, "unload_waited", (double)after.waited);
	if (cycles > 0)
		window_extra_counter(st, "unload_waited_share", (double)after.waited / cycles);
	if (after.waited)
		window_extra_counter(st, "unload_wait_ns", after.wait_ns / (double)after.waited);
	window_extra_counter(st, "gets_after_going",
			     (double)__atomic_load_n(&unload_gets_after_going, __ATOMIC_SEQ_CST));
	if (w->threads > 1)
		window_extra_counter(st, "cycles_without_all_getters", (double)lonely);
}

static void bench_unload(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct window w;
	double unload_s = 0;
	unsigned long lonely = 0;
	struct module_unload_stats before = { 0 };

	if (!harness_thread_enter(st, a->nr_cpus))
		return;
	if (rb_thread_index(st) == 0) {
		__atomic_store_n(&unload_gets_after_going, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&unload_pub, NULL, __ATOMIC_RELAXED);
		__atomic_store_n(&unload_cycle, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&unload_going_cycle, 0, __ATOMIC_RELAXED);
		for (int g = 0; g < rb_thread_count(st); g++)
			__atomic_store_n(&unload_seen[g].cycle, 0, __ATOMIC_RELAXED);
		register_module_notifier(unload_notifier, NULL);
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;

	window_begin(st, &w);
	if (w.leader) {
		kmutex_lock(&module_mutex);
		before = module_unload_stats;
		kmutex_unlock(&module_mutex);
		unload_lead(st, a, &w, &unload_s, &lonely);
	} else {
		w.counted = false;
		w.done = unload_get(a, &w);
	}
	if (w.leader)
		unload_report(st, &w, unload_s, lonely, &before);
	window_end(st, &w);
	if (w.leader && __atomic_load_n(&unload_gets_after_going, __ATOMIC_SEQ_CST) != 0)
		rb_skip_with_error(st, "a try_module_get() succeeded after the module's GOING notifier ran");
out:
	harness_barrier(st);
	if (rb_thread_index(st) == 0)
		unregister_module_notifier(unload_notifier, NULL);
	harness_thread_exit(st);
}

static const struct scenario_loops unload_loops = { bench_unload, NULL };

#else /* the registration */
#include "loop_register.h"

#include <stdio.h>

/* An unload whose getters hold a reference this long runs LONG_CYCLES cycles. */
#define UNLOAD_LONG_HOLD_US 1000u

static void add_unload(const struct loop_settings *s, const struct scheme_loops *t,
		       const struct scenario_loops *l, struct wanted w)
{
	unsigned int nc = s->run->nr_cpus, pg = loop_pages_for(t->scheme, s->pages);
	int max[] = { s->run->max_threads };
	struct scenario_args *ua;
	char name[256];
	rb_bench *b;

	if (!w.own)
		return;
	ua = loop_scenario_args(nc, s->run->modules, false, pg, s->offset);
	ua->hold_us = s->hold_us_set ? s->hold_us : t->scheme->unload_hold_us;
	snprintf(name, sizeof(name), "unload/%s/nr_cpus:%u/line:%u/hold_us:%u/%s",
		 t->scheme->name, nc, s->run->line, ua->hold_us, loop_scheme_suffix(t, pg, s->offset));
	b = loop_add(s, name, l->run, ua, max, 1);
	/* Held for milliseconds, a cycle is as long: Google Benchmark would
	 * stop after two or three, too few to count how the deletes end.  A
	 * fixed number of cycles instead. */
	if (ua->hold_us >= UNLOAD_LONG_HOLD_US && !s->run->iterations)
		rb_bench_iterations(b, LONG_CYCLES);
}

const struct loop_desc loop_unload = {
	.name = "unload",
	.role = ROLE_SCENARIO,
	.label = "delete_module while others get and put",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_unload,
	.add_scheme = add_unload,
};
#endif
