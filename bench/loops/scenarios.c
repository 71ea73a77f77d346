/*
 * scenarios.c - the five scenarios, compiled once per scheme with
 * -DSCHEME_ID=xxx -DSCHEME_HEADER='"scheme_xxx.h"', so that each scheme's inline
 * get/put/refcount is pasted into its own measured loops.  Nothing here
 * knows a scheme's layout: set-up and tear-down go through the scheme's
 * scheme_ops table, hot paths through the names every scheme header
 * defines (try_module_get, module_put, module_refcount).
 *
 *   hot        every thread: try_module_get + module_put on one module
 *   spread     the same on modules drawn from N, uniform or Zipf(1); its
 *              plain control does the same loads and stores with no scheme code
 *   read       module_refcount() at NR_CPUS 8..8192, idle or with the
 *              other threads doing get/put on the same module
 *   lifecycle  load_module (with module_unload_init) + free_module of N
 *              modules; allocator and resident footprint of the first N
 *   unload     waiting delete_module of a module that the other threads
 *              keep taking and dropping; a check that no get succeeded
 *              once the module's GOING notifier had run
 *   handoff    references taken on one CPU and dropped on another (a chain
 *              of rings), a reader counting module_refcount() reads below
 *              what it knows to be held
 */
#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build with -DSCHEME_ID=xxx -DSCHEME_HEADER='\"scheme_xxx.h\"'"
#endif
#define _GNU_SOURCE
#include SCHEME_HEADER
#include "scheme.h"
#include "harness.h"
#include "lab_setup.h"
#include "scenarios.h"
#include "sequence.h"
#include "window.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

static const struct scheme_ops *const ops = &CONCAT(scheme_, SCHEME_ID);

/*
 * The operations the measured loops call: the scheme's out-of-line
 * functions (another translation unit, a direct call each) for what its
 * kernel had out of line, the static inline ones for the rest; all inline
 * in the 'inline' control build (codegen.h).
 */
#define OOL_FN(op) CONCAT(CONCAT(scheme_, SCHEME_ID), CONCAT(_, op))
bool OOL_FN(try_module_get)(struct module *mod);
void OOL_FN(module_put)(struct module *mod);
unsigned int OOL_FN(module_refcount)(struct module *mod);
#if defined(REFBENCH_CODEGEN_INLINE)
#define CODEGEN "inline"
#define SCENARIOS_SYM CONCAT(scenarios_inline_, SCHEME_ID)
#define OOL(flag) 0
#else
#define CODEGEN "kernel"
#define SCENARIOS_SYM CONCAT(scenarios_, SCHEME_ID)
#define OOL(flag) (SCHEME_OUT_OF_LINE & (flag))
#endif
#if OOL(OOL_TRY_MODULE_GET)
#define bench_try_module_get OOL_FN(try_module_get)
#else
#define bench_try_module_get try_module_get
#endif
#if OOL(OOL_MODULE_PUT)
#define bench_module_put OOL_FN(module_put)
#else
#define bench_module_put module_put
#endif
#if OOL(OOL_MODULE_REFCOUNT)
#define bench_module_refcount OOL_FN(module_refcount)
#else
#define bench_module_refcount module_refcount
#endif

/* State one run's threads share; thread 0 fills it before the barrier. */
static struct module *run_mod;
static struct module **run_mods;
static unsigned int run_nr_mods;

/* Load and initialise module number @idx, or report why not. */
static struct module *load_live(const struct scenario_args *a, const char *name, unsigned int idx)
{
	struct load_params p = { 0 };
	int err = 0;
	struct module *mod;

	scenario_load_params(a, idx, &p);
	if (ops->unavailable && ops->unavailable()) {
		harness_setup_error("%s cannot run here: %s", ops->name, ops->unavailable());
		return NULL;
	}
	mod = ops->load_module(name, &p, &err);

	if (!mod) {
		harness_setup_error("load_module(%s) failed: %s", name, strerror(-err));
		return NULL;
	}
	ops->do_init_module(mod);
	return mod;
}

/* Every run must leave the count where it found it (perfbook's check). */
static void check_count(rb_state *st, struct module *mod, unsigned int expect)
{
	unsigned int got = ops->module_refcount(mod);
	char msg[160];

	if (got != expect) {
		snprintf(msg, sizeof(msg), "count mismatch on %s: module_refcount() = %u, expected %u",
			 ops->module_name(mod), got, expect);
		rb_skip_with_error(st, msg);
	}
}

static void unload_all(void)
{
	if (run_mod)
		ops->free_module(run_mod);
	run_mod = NULL;
	for (unsigned int i = 0; i < run_nr_mods; i++)
		if (run_mods[i])
			ops->free_module(run_mods[i]);
	free(run_mods);
	run_mods = NULL;
	run_nr_mods = 0;
}

static bool load_many(const struct scenario_args *a, unsigned int n)
{
	char name[MODULE_NAME_LEN];

	run_mods = calloc(n, sizeof(*run_mods));
	if (!run_mods) {
		harness_setup_error("no memory for %u module pointers", n);
		return false;
	}
	run_nr_mods = n;
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "mod%05u", i);
		run_mods[i] = load_live(a, name, i);
		if (!run_mods[i])
			return false;
	}
	return true;
}

/*
 * The frame of the one-module scenarios (hot, read): every thread enters,
 * thread 0 loads and initialises the module, all meet.  RUN_GONE: return
 * at once; RUN_SKIP: set-up failed, go to end_run(); RUN_GO: measure.
 */
enum { RUN_GONE, RUN_SKIP, RUN_GO };

static int begin_one_module(rb_state *st, const struct scenario_args *a, const char *name)
{
	if (!harness_thread_enter(st, a->nr_cpus))
		return RUN_GONE;
	if (rb_thread_index(st) == 0 && harness_setup_ok_quiet())
		run_mod = load_live(a, name, 0);
	harness_barrier(st);
	if (!harness_setup_ok(st))
		return RUN_SKIP;
	return RUN_GO;
}

static void end_run(rb_state *st)
{
	harness_barrier(st);
	if (rb_thread_index(st) == 0)
		unload_all();
	harness_thread_exit(st);
}

/* ---- hot ----------------------------------------------------------------- */

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

/* ---- spread -------------------------------------------------------------- */

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
 * spread in code alone and from the control loop (controls.c) in memory
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

/* ---- read ---------------------------------------------------------------- */

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

/* ---- lifecycle ----------------------------------------------------------- */

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

/* ---- unload -------------------------------------------------------------- */

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

/* ---- handoff ------------------------------------------------------------- */

/*
 * A file opened on one CPU and closed on another after its task migrated:
 * the threads form a chain in CPU order, thread i takes a reference on its
 * CPU and passes it as a token through the ring to thread i+1, which drops
 * it on its own CPU; the threads between the ends do both, without
 * blocking.  ops counts the references dropped, every one taken on another
 * CPU.  The chain runs from lower to higher CPU numbers, the direction in
 * which a sum in CPU order can miss a reference (taken on a CPU it has
 * read, dropped on one it has not); the other direction can only
 * over-count.  Each CPU's count drifts (up at the head of the chain, down
 * at its tail), as per-CPU counts of migrating tasks do; only the sum
 * means anything.
 *
 * A reader, not pinned (module_refcount() runs in process context and is
 * preemptible, as when lsmod reads it), holds one reference throughout and
 * calls module_refcount() in a loop.  A token pushed before a read started
 * and popped after it ended was held during the whole read (a taker pushes
 * after its get, a dropper pops before its put), so each read knows a
 * lower bound: 1 + the tokens in [tail after, head before) of every ring.
 * A read below it is an under-read.  Reads at or below zero are counted
 * apart (an unload trusting them frees a module in use).  With fewer CPUs
 * than threads plus the reader, as on a 2-CPU machine, the reader runs
 * only when a chain thread does not, so the race needs the reader to be
 * preempted inside its sum; the per-million figure depends on how often
 * that happens, its being above zero does not.
 */
#define HANDOFF_RING 64

static struct handoff_ring {
	unsigned long head ____cacheline_aligned;  /* tokens pushed, by the taker */
	unsigned long tail ____cacheline_aligned;  /* tokens popped, by the dropper */
} handoff_rings[HARNESS_MAX_THREADS];

static struct {
	struct module *mod;
	int rings, stop;
	unsigned long reads, under, zero;
	pthread_t thread;
	bool started;
} handoff;

static void *handoff_reader(void *arg)
{
	static unsigned long head_before[HARNESS_MAX_THREADS];
	unsigned long reads = 0, under = 0, zero = 0;
	int rings = handoff.rings;

	(void)arg;
	while (!__atomic_load_n(&handoff.stop, __ATOMIC_ACQUIRE)) {
		long held = 1;                  /* the reader's own reference */
		long got;

		for (int r = 0; r < rings; r++)
			head_before[r] = __atomic_load_n(&handoff_rings[r].head, __ATOMIC_SEQ_CST);
		/* As unsigned int, the scheme's answer; a sum that went below
		 * zero wraps, so it is compared as the signed value it was. */
		got = (int)bench_module_refcount(handoff.mod);
		/* The sum's loads before the tails' (a compiler barrier on x86). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (int r = 0; r < rings; r++) {
			unsigned long tail = __atomic_load_n(&handoff_rings[r].tail, __ATOMIC_SEQ_CST);
			if (head_before[r] > tail)
				held += (long)(head_before[r] - tail);
		}
		reads++;
		if (got < held) {
			under++;
			zero += got <= 0;
		}
	}
	handoff.reads = reads;
	handoff.under = under;
	handoff.zero = zero;
	return NULL;
}

/* Thread 0: hold the reader's reference and start it on the run's CPUs. */
static void handoff_start_reader(rb_state *st)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	handoff.mod = run_mod;
	handoff.rings = rb_thread_count(st) - 1;
	handoff.stop = 0;
	handoff.reads = handoff.under = handoff.zero = 0;
	memset(handoff_rings, 0, sizeof(handoff_rings[0]) * (size_t)handoff.rings);
	handoff.started = false;
	if (!try_module_get(run_mod)) {
		harness_setup_error("handoff: try_module_get() failed on a live module");
		return;
	}
	CPU_ZERO(&cpus);
	for (int t = 0; t < rb_thread_count(st); t++)
		CPU_SET(refbench_cpus[t].os_index, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	rc = pthread_create(&handoff.thread, &attr, handoff_reader, NULL);
	pthread_attr_destroy(&attr);
	handoff.started = rc == 0;
	if (rc != 0) {
		module_put(run_mod);
		harness_setup_error("handoff: cannot start the reader thread: %s", strerror(rc));
	}
}

/* Thread 0: stop the reader, publish what it saw, drop its reference. */
static void handoff_stop_reader(rb_state *st, bool publish)
{
	if (!handoff.started)
		return;
	__atomic_store_n(&handoff.stop, 1, __ATOMIC_RELEASE);
	cpu_idle_enter();                       /* the reader may wait for a grace period */
	pthread_join(handoff.thread, NULL);
	cpu_idle_exit();
	handoff.started = false;
	if (publish) {
		window_extra_counter(st, "handoff_reads", (double)handoff.reads);
		window_extra_counter(st, "under_reads", (double)handoff.under);
		window_extra_counter(st, "zero_reads", (double)handoff.zero);
		if (handoff.reads)
			window_extra_counter(st, "under_reads_per_million",
					     (double)handoff.under * 1e6 / (double)handoff.reads);
	}
	module_put(handoff.mod);
}

static void bench_handoff(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct handoff_ring *out, *in;
	unsigned long head = 0, tail = 0, dropped = 0;
	int tid = rb_thread_index(st), n = rb_thread_count(st);
	struct window w;
	struct module *mod;

	switch (begin_one_module(st, a, "handoff")) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	if (n < 2) {
		rb_skip_with_error(st, "handoff needs two threads or more (one per CPU)");
		goto out;
	}
	if (tid == 0)
		handoff_start_reader(st);
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	mod = run_mod;
	/* Ring i goes from thread i to thread i+1: the last only drops, the
	 * first only takes. */
	out = tid < n - 1 ? &handoff_rings[tid] : NULL;
	in = tid > 0 ? &handoff_rings[tid - 1] : NULL;

	window_begin(st, &w);
	WINDOW_RUN(&w, {
		if (out && head - __atomic_load_n(&out->tail, __ATOMIC_ACQUIRE) < HANDOFF_RING) {
			if (unlikely(!bench_try_module_get(mod)))
				__builtin_trap();
			__atomic_store_n(&out->head, ++head, __ATOMIC_RELEASE);
		}
		if (in && tail != __atomic_load_n(&in->head, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&in->tail, ++tail, __ATOMIC_RELEASE);
			bench_module_put(mod);
			dropped++;
		}
	});
	/* ops: the references dropped, each taken on another CPU; the head
	 * of the chain drops none and is not counted. */
	w.done = dropped;
	w.counted = in != NULL;
	/* The reader may be waiting for a grace period: the others wait idle. */
	if (w.leader)
		handoff_stop_reader(st, true);
	harness_barrier(st);
	window_end(st, &w);
	/* Nobody takes any more: drop what is still in the rings. */
	while (in && tail != __atomic_load_n(&in->head, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&in->tail, ++tail, __ATOMIC_RELEASE);
		bench_module_put(mod);
	}
	harness_barrier(st);
	if (w.leader)
		check_count(st, mod, 0);
out:
	if (tid == 0)
		handoff_stop_reader(st, false);
	end_run(st);
}

/* ---- registration -------------------------------------------------------- */

const struct scenario_fns SCENARIOS_SYM = {
	.scheme = &CONCAT(scheme_, SCHEME_ID),
	.codegen = CODEGEN,
	.hot = bench_hot,
	.spread = bench_spread,
	.spread_plain = bench_spread_plain,
	.read = bench_read,
	.lifecycle = bench_lifecycle,
	.unload = bench_unload,
	.handoff = bench_handoff,
};
